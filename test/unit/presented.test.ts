// Every number a hover, code lens or inlay hint shows is the model's number. Over the whole corpus (read in place,
// with its simulated build context) and seeded mutations of it, each Dockerfile is analysed the way the language
// server does it (analyseDocument, then forTransfer and a structured clone: the form the protocol thread presents
// from), worded by the real presentation functions, and each count parsed back from the text is compared with the
// model computed independently from the full analysis: steps a miss reruns (impactOf), context files read
// (stepReads), env entries reaching a RUN, and the RUN steps an ARG/ENV line reaches — now from the steps' envSources,
// and for an ARG without a value by analysing again with it passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, impactOf, stepReads, type ConfigInstruction, type Model, type AnalyzeOptions } from '../../server/src/engine';
import { splitWords } from '../../server/src/engine/expand';
import { parseEnvPairs } from '../../server/src/engine/model';
import { analyseDocument, forTransfer, type DocAnalysis } from '../../server/src/lsp/analysis';
import { configHover, lensTitle, readsTitle, stepHover } from '../../server/src/lsp/present';
import { corpusContext, corpusDockerfilesOrSkip, readManifest, rng } from '../corpus/checks';
import type { MemoryContext } from '../../server/src/engine';

const num = (s: string): number => parseInt(s.replace(/,/g, ''), 10);

/** [rebuilt, maybe] as a lens title says them. */
function lensImpact(title: string): [number, number] {
  if (title.includes('a miss reruns nothing after it')) return [0, 0];
  let m = /a miss may rerun ([\d,]+) steps? that/.exec(title);
  if (m) return [0, num(m[1]!)];
  m = /a miss reruns ([\d,]+) later steps?(?: \(\+([\d,]+) maybe\))?/.exec(title);
  assert.ok(m, `lens title without an impact: ${title}`);
  return [num(m[1]!), m[2] ? num(m[2]) : 0];
}

/** [rebuilt, maybe] as a step hover says them. */
function hoverImpact(md: string): [number, number] {
  if (md.includes('**A miss here reruns nothing after it**')) return [0, 0];
  const m = /\*\*A miss here reruns ([\d,]+) later steps?\*\*/.exec(md);
  const maybe = /\nPlus ([\d,]+) steps? that cop/.exec(md);
  if (!m) {
    assert.ok(maybe, `hover without an impact: ${md}`);
    return [0, num(maybe[1]!)];
  }
  return [num(m[1]!), maybe ? num(maybe[1]!) : 0];
}

/** The names set on an ARG/ENV line (as the model reads them). */
function lineNames(model: Model, c: ConfigInstruction): string[] {
  const ins = model.parsed.instructions.find((x) => x.range.start.line === c.line)!;
  return c.keyword === 'ENV' ? parseEnvPairs(ins.args, model.escape).map(([k]) => k) : splitWords(ins.args, model.escape).map((w) => w.split('=')[0]!);
}

/** RUN steps whose environment gets one of `names` from line `c.line`, read from the steps themselves. */
function runsFromLine(model: Model, c: ConfigInstruction, names: string[]): number {
  const kind = c.keyword === 'ENV' ? 'env' : 'arg';
  return model.steps.filter((s) => s.keyword === 'RUN' && !s.trigger && s.stage === c.stage && names.some((n) => { const src = s.envSources.get(n); return src?.kind === kind && src.line === c.line; })).length;
}

interface Tally {
  checked: number;
  failures: string[];
}

function checkDocument(label: string, text: string, ctx: MemoryContext | null, opts: AnalyzeOptions, tally: Tally): void {
  const full = analyseDocument({ uri: 'file:///x/Dockerfile', version: 1, text, ctx, contextDir: ctx ? '/x' : null, contextNote: null, buildArgs: opts.buildArgs ?? {}, target: opts.target, buildkitVersion: undefined, severities: {} });
  if (!full.model) return;
  const model = full.model;
  const shown: DocAnalysis = structuredClone(forTransfer(full));
  const reads = ctx ? stepReads(model, ctx) : new Map();
  const fail = (what: string, got: unknown, want: unknown) => tally.failures.push(`${label}: ${what}: shows ${JSON.stringify(got)}, model ${JSON.stringify(want)}`);
  for (const step of model.steps) {
    if (step.trigger) continue;
    const pstep = shown.model!.steps[step.id]!;
    const imp = impactOf(model, step.id);
    const want: [number, number] = [imp.rebuilt.length, imp.maybe.length];
    const title = lensTitle(shown, pstep);
    const li = lensImpact(title);
    tally.checked++;
    if (li[0] !== want[0] || li[1] !== want[1]) fail(`lens of line ${step.line + 1}`, li, want);
    const ord = /^step ([\d,]+)\/([\d,]+)/.exec(title)!;
    const stage = model.stages[step.stage]!;
    if (num(ord[1]!) !== step.ordinal + 1 || num(ord[2]!) !== stage.steps.length) fail(`lens ordinal of line ${step.line + 1}`, ord[0], `${step.ordinal + 1}/${stage.steps.length}`);
    const md = stepHover(shown, pstep);
    const hi = hoverImpact(md);
    if (hi[0] !== want[0] || hi[1] !== want[1]) fail(`hover impact of line ${step.line + 1}`, hi, want);
    const runsLine = /RUN steps it reruns: (.*)\.\n?/.exec(md);
    const wantRuns = imp.rebuilt.filter((id) => model.steps[id]!.keyword === 'RUN').length;
    if (runsLine) {
      const more = /, and ([\d,]+) more$/.exec(runsLine[1]!);
      const listed = (runsLine[1]!.match(/line \d+ `/g) ?? []).length;
      const got = more ? num(more[1]!) + listed : listed;
      if (got !== wantRuns) fail(`hover RUN count of line ${step.line + 1}`, got, wantRuns);
    } else if (wantRuns) fail(`hover RUN count of line ${step.line + 1}`, 0, wantRuns);
    // files read: lens part, inlay hint, hover
    const r = reads.get(step.id);
    const rt = readsTitle(shown, pstep);
    const rm = rt ? /reads ([\d,]+) files?/.exec(rt) : null;
    if (r) {
      if (!rm || num(rm[1]!) !== r.files) fail(`reads of line ${step.line + 1}`, rt, r.files);
      const hm = new RegExp(`- (?:the whole build context: )?([\\d,]+) context files?`).exec(md);
      if (!hm || num(hm[1]!) !== r.files) fail(`hover files of line ${step.line + 1}`, hm?.[0], r.files);
    } else if (rm) fail(`reads of line ${step.line + 1}`, rt, 0);
    if (step.keyword === 'RUN' && step.env.length) {
      const em = /- build args and env that reach it: (.*)/.exec(md);
      const more = em ? /, and ([\d,]+) more$/.exec(em[1]!) : null;
      const listed = em ? Math.min(step.env.length, (em[1]!.replace(/, and [\d,]+ more$/, '').match(/`[^`]*`(?: \([^)]*\))?/g) ?? []).length) : 0;
      const got = (more ? num(more[1]!) : 0) + listed;
      if (got !== step.env.length) fail(`hover env count of line ${step.line + 1}`, got, step.env.length);
    }
  }
  for (const c of model.config) {
    if (c.stage === null || (c.keyword !== 'ARG' && c.keyword !== 'ENV')) continue;
    const md = configHover(shown, c);
    const names = lineNames(model, c);
    const busts = /Changing its value busts ([\d,]+) RUN steps?/.exec(md);
    const passing = /Passing it with --build-arg busts ([\d,]+) RUN steps?/.exec(md);
    tally.checked++;
    if (busts) {
      const want = runsFromLine(model, c, names);
      if (num(busts[1]!) !== want) fail(`${c.keyword} hover of line ${c.line + 1}`, num(busts[1]!), want);
    } else if (passing) {
      // what passing it does, from the model itself: analyse again with every name on the line passed
      const passed = analyze(text, { ...opts, buildArgs: { ...(opts.buildArgs ?? {}), ...Object.fromEntries(names.map((n) => [n, 'passed'])) } });
      const pc = passed.config.find((x) => x.line === c.line)!;
      const want = runsFromLine(passed, pc, names);
      if (num(passing[1]!) !== want) fail(`ARG hover (passed) of line ${c.line + 1}`, num(passing[1]!), want);
      if (runsFromLine(model, c, names) !== 0) fail(`ARG hover of line ${c.line + 1} says no RUN sees it`, 0, runsFromLine(model, c, names));
    } else fail(`${c.keyword} hover of line ${c.line + 1} gives no count`, md.split('\n')[2], '');
  }
}

const MUTATIONS = ['ARG GIT_SHA', 'ARG GIT_SHA=abc', 'ENV GIT_SHA=1', 'RUN echo "$GIT_SHA"', 'RUN make', 'ARG VERSION', 'ENV PATH=/x:$PATH', 'ARG A B=2', 'COPY . .', 'RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt'];

test('every count a hover, lens or inlay hint shows is the model’s (corpus and seeded mutations)', (t) => {
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  const manifest = readManifest();
  const r = rng(14);
  const tally: Tally = { checked: 0, failures: [] };
  let docs = 0;
  for (const f of fs.readdirSync(dir).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const m = manifest.get(f);
    const ctx = m ? corpusContext(m) : null;
    checkDocument(f, text, ctx, {}, tally);
    docs++;
    for (let k = 0; k < 1; k++) {
      const lines = text.split('\n');
      for (let j = 0; j < 3; j++) lines.splice(1 + Math.floor(r() * lines.length), 0, MUTATIONS[Math.floor(r() * MUTATIONS.length)]!);
      const opts: AnalyzeOptions = r() < 0.4 ? { buildArgs: { GIT_SHA: 'x', VERSION: '2' } } : {};
      checkDocument(`${f} mutation ${k}${opts.buildArgs ? ' (args passed)' : ''}`, lines.join('\n'), ctx, opts, tally);
      docs++;
    }
  }
  t.diagnostic(`${docs} documents, ${tally.checked} presented steps and ARG/ENV lines checked, ${tally.failures.length} disagreements`);
  assert.deepEqual(tally.failures.slice(0, 30), []);
});

test('ARG GIT_SHA without a default: the hover and arg-declared-early count the same RUN steps', () => {
  const text = 'FROM alpine\nARG GIT_SHA\nRUN apk add curl\nRUN echo two\nRUN echo "$GIT_SHA" > /sha\nRUN echo four\n';
  const full = analyseDocument({ uri: 'file:///x/Dockerfile', version: 1, text, ctx: null, contextDir: null, contextNote: null, buildArgs: {}, target: undefined, buildkitVersion: undefined, severities: {} });
  const a = structuredClone(forTransfer(full));
  const md = configHover(a, a.model!.config.find((c) => c.keyword === 'ARG')!);
  assert.match(md, /no RUN step sees it\. Passing it with --build-arg busts 4 RUN steps: line 3/);
  const f = full.check!.findings.find((x) => x.rule === 'arg-declared-early')!;
  assert.match(f.message, /^Passing it with --build-arg reruns 2 RUN steps after `ARG GIT_SHA` that never read it \(line 3, line 4\)/);
  // passed, the hover says what changing it does
  const passed = structuredClone(forTransfer(analyseDocument({ ...{ uri: 'file:///x/Dockerfile', version: 1, text, ctx: null, contextDir: null, contextNote: null, target: undefined, buildkitVersion: undefined, severities: {} }, buildArgs: { GIT_SHA: 'x' } })));
  assert.match(configHover(passed, passed.model!.config.find((c) => c.keyword === 'ARG')!), /Changing its value busts 4 RUN steps/);
});
