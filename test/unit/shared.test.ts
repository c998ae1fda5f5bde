// Shared layers across builds (engine/shared.ts): which steps two builds share by cache key, where builds that could
// share diverge and why; and that "shared" agrees with explain's "cached" (build one, then the other) on every pair.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { check, explain, fixAll, MemoryContext, type AnalyzeOptions } from '../../server/src/engine';
import { canonicalScript, formattingTwins, sharedLayers, lineRuns, siblingSharing, type MemberSharing, type SharedMember } from '../../server/src/engine/shared';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { corpusDockerfilesOrSkip } from '../corpus/checks';
import { buildRuleContext, analyze as analyzeModel, RULES } from '../../server/src/engine';
import { needlessDivergence } from '../../server/src/engine/rules/needless-divergence';

const BASE = `FROM alpine:3.19 AS base
RUN apk add --no-cache curl
WORKDIR /app
COPY shared/ ./shared/
ARG FLAVOR=plain
RUN echo "$FLAVOR" > /flavor
RUN echo built > /built

FROM base AS app
COPY app.txt .
RUN cat app.txt
`;

function member(name: string, text: string, ctx: MemoryContext, options: AnalyzeOptions = {}): SharedMember {
  return { name, dockerfile: name + '/Dockerfile', text, context: ctx, options };
}

/** `line → [build@line]` for every shared step, and `line vs build: kind` per divergence, of member i. */
function summary(r: ReturnType<typeof sharedLayers>, i: number): { shared: string[]; diverge: string[] } {
  const m = r.members[i]!;
  return {
    shared: [...m.sharedWith].map(([id, refs]) => `${m.model.steps[id]!.line + 1} → ${refs.map((x) => `${x.name}@${x.line}`).join(' ')}`),
    diverge: m.divergences.map((d) => `${d.line + 1} vs ${d.other.name}@${d.other.line}: ${d.reasons.map((x) => x.kind + (x.name ? ' ' + x.name : '')).join(', ')} (lost ${d.lost})`),
  };
}

const ctx = (extra: Record<string, string> = {}) => new MemoryContext('c', { 'shared/a.txt': 'A', 'app.txt': 'x', ...extra });

describe('shared layers', () => {
  test('three builds of one base: shared up to the ARG whose value differs, divergence named there', () => {
    const c = ctx();
    const r = sharedLayers([member('web', BASE, c), member('api', BASE, c), member('worker', BASE, c, { buildArgs: { FLAVOR: 'gpu' } })]);
    assert.deepEqual(summary(r, 0), {
      shared: ['2 → api@2 worker@2', '3 → api@3 worker@3', '4 → api@4 worker@4', '6 → api@6', '7 → api@7', '10 → api@10', '11 → api@11'],
      diverge: ['6 vs worker@6: arg FLAVOR (lost 2)'],
    });
    assert.deepEqual(summary(r, 2), { shared: ['2 → web@2 api@2', '3 → web@3 api@3', '4 → web@4 api@4'], diverge: ['6 vs web@6: arg FLAVOR (lost 2)', '6 vs api@6: arg FLAVOR (lost 2)'] });
    const d = r.members[2]!.divergences[0]!.reasons[0]!;
    assert.equal(d.message, 'build arg FLAVOR is "gpu" here (passed) and "plain" in web (default, line 5); a RUN after an ARG has it in its environment, used or not');
    assert.equal(lineRuns([...r.members[2]!.sharedWith.keys()].map((id) => r.members[2]!.model.steps[id]!.line + 1)), '2–4');
  });

  test('contexts that differ in a copied file diverge at that COPY, naming the file; an uncopied difference does not', () => {
    const r = sharedLayers([member('a', BASE, ctx()), member('b', BASE, ctx({ 'shared/a.txt': 'B', 'other.txt': 'o' }))]);
    const s = summary(r, 1);
    assert.deepEqual(s.shared, ['2 → a@2', '3 → a@3']);
    assert.deepEqual(s.diverge, ['4 vs a@4: context (lost 3)']);
    assert.deepEqual(r.members[1]!.divergences[0]!.reasons[0]!.paths, ['shared/a.txt']);
    // the same bytes in another folder's context: shared
    const r2 = sharedLayers([member('a', BASE, ctx()), member('b', BASE, ctx({ 'unrelated.md': 'z' }))]);
    assert.equal(r2.members[1]!.divergences.length, 0);
    assert.equal(r2.members[1]!.sharedWith.size, 7);
  });

  test('a `# syntax` line in one build: nothing is claimed shared, one divergence at the first step', () => {
    const c = ctx();
    const r = sharedLayers([member('a', BASE, c), member('b', '# syntax=docker/dockerfile:1.4\n' + BASE, c)]);
    assert.deepEqual(summary(r, 1), { shared: [], diverge: ['3 vs a@2: syntax (lost 5)'] });
  });

  test('SOURCE_DATE_EPOCH on BuildKit ≥ 0.22 diverges at WORKDIR; on 0.8 it is shared', () => {
    const c = ctx();
    const sde = (v: string, bk: string): SharedMember => member('s' + v, BASE, c, { buildkitVersion: bk, buildArgs: { SOURCE_DATE_EPOCH: v } });
    assert.deepEqual(summary(sharedLayers([sde('1', '0.24'), sde('2', '0.24')]), 1).diverge, ['3 vs s1@3: source-date-epoch (lost 4)']);
    assert.deepEqual(summary(sharedLayers([sde('1', '0.8'), sde('2', '0.8')]), 1).diverge, []);
  });

  test('a FROM written the same whose image a build arg picks differently is a base divergence', () => {
    const text = 'ARG NODE=20\nFROM node:${NODE}\nRUN npm -v\n';
    const c = ctx();
    const r = sharedLayers([member('a', text, c), member('b', text, c, { buildArgs: { NODE: '18' } })]);
    assert.deepEqual(summary(r, 1), { shared: [], diverge: ['2 vs a@2: base (lost 1)'] });
  });

  test('unrelated Dockerfiles share and diverge nothing; an edited instruction is not a divergence', () => {
    const c = ctx();
    const r = sharedLayers([member('a', 'FROM alpine\nRUN echo a\n', c), member('b', 'FROM debian\nRUN echo a\n', c), member('c', 'FROM alpine\nRUN echo b\n', c)]);
    for (let i = 0; i < 3; i++) assert.deepEqual(summary(r, i), { shared: [], diverge: [] });
  });

  // "shared" must mean what "cached" means: build one, then the other, and explain says which steps hit
  test('shared steps are exactly the steps explain calls cached against the other build, on every pair of variants', () => {
    const variants: [string, string, MemoryContext, AnalyzeOptions][] = [
      ['v0', BASE, ctx(), {}],
      ['v1', BASE, ctx(), { buildArgs: { FLAVOR: 'x' } }],
      ['v2', BASE, ctx({ 'shared/a.txt': 'changed' }), {}],
      ['v3', BASE, ctx({ 'app.txt': 'y' }), {}],
      ['v4', BASE.replace('RUN echo built', 'RUN echo other'), ctx(), {}],
      ['v5', BASE.replace('COPY shared/ ./shared/', 'COPY shared/a.txt ./shared/'), ctx(), {}],
      ['v6', BASE.replace('alpine:3.19', 'alpine:3.20'), ctx(), {}],
      ['v7', BASE, ctx({ 'shared/b.txt': 'new' }), {}],
      ['v8', BASE, ctx(), { target: 'base' }],
      ['v9', BASE.replace('WORKDIR /app', 'WORKDIR /srv'), ctx(), {}],
    ];
    let checked = 0;
    for (let i = 0; i < variants.length; i++)
      for (let j = 0; j < variants.length; j++) {
        if (i === j) continue;
        const [na, ta, ca, oa] = variants[i]!;
        const [nb, tb, cb, ob] = variants[j]!;
        const r = sharedLayers([member(na, ta, ca, oa), member(nb, tb, cb, ob)]);
        const e = explain({ current: { text: tb, context: cb, options: ob }, baseline: { text: ta, context: ca, options: oa } });
        const cached = e.steps.filter((x) => x.status === 'cached').map((x) => x.step.line + 1);
        const shared = [...r.members[1]!.sharedWith.keys()].map((id) => r.members[1]!.model.steps[id]!.line + 1);
        assert.deepEqual(shared, cached, `${na} then ${nb}`);
        checked += cached.length;
      }
    assert.ok(checked > 100, `compared ${checked} cached steps`);
  });
});

function rcSharedBefore(text: string, c: MemoryContext, o: object): number[] {
  return [...siblingSharing(text, analyzeModel(text), c, o as never).sharedWith.keys()];
}

describe('needless-divergence (engine/rules/needless-divergence.ts)', () => {
  test('canonicalScript: blanks between words collapse; quotes, escapes and ${…} are kept; newlines and open quotes refuse', () => {
    assert.equal(canonicalScript('apt-get update   &&\tapt-get install -y  curl'), 'apt-get update && apt-get install -y curl');
    assert.equal(canonicalScript(`echo "a  b"   'c  d'`), `echo "a  b" 'c  d'`);
    assert.equal(canonicalScript('echo a\\  b'), 'echo a\\  b');
    assert.equal(canonicalScript('echo ${X:-a  b}  c'), 'echo ${X:-a  b} c');
    assert.equal(canonicalScript('echo "a\\"  b"  c'), 'echo "a\\"  b" c');
    assert.equal(canonicalScript('echo "open'), null);
    assert.equal(canonicalScript('echo a\necho b'), null);
    assert.notEqual(canonicalScript('echo a&&b'), canonicalScript('echo a && b'), 'blanks are never added or removed, only collapsed');
  });

  const api = 'FROM debian:12-slim\nRUN apt-get update && apt-get install -y curl\nRUN echo api\n';
  const opts = (text: string, name = 'api') => ({ dockerfile: 'worker/Dockerfile', siblings: [{ name, dockerfile: name + '/Dockerfile', text }] });
  const found = (text: string, o: object) => check(text, new MemoryContext('c'), o).findings.filter((f) => f.rule === 'needless-divergence');

  test('reported on the build whose Dockerfile sorts later, with a fix that gives the other build’s key', () => {
    const worker = 'FROM debian:12-slim\nRUN apt-get update \\\n  && apt-get install -y curl\nRUN echo worker\n';
    const f = found(worker, opts(api));
    assert.deepEqual(f.map((x) => [x.range.start.line, !!x.fix]), [[1, true]]);
    const fixed = fixAll(worker, new MemoryContext('c'), opts(api), (x) => x.rule === 'needless-divergence').text;
    assert.equal(fixed, 'FROM debian:12-slim\nRUN apt-get update && apt-get install -y curl\nRUN echo worker\n');
    // the other direction: a sibling whose Dockerfile sorts later is not told to change this one
    assert.deepEqual(found(worker, { ...opts(api, 'zeta'), dockerfile: 'alpha/Dockerfile' }), []);
  });

  test('the finding: info on the RUN line (its first line only), the other build named, steps lost, the exact fix', () => {
    const say = (lost: string) =>
      `\`api/Dockerfile\` (api) runs the same commands on the same shared layers at line 2, written differently: BuildKit keys a RUN by its exact text, so ${lost} from here ${lost.startsWith('1 ') ? 'is' : 'are'} built twice instead of once.`;
    const brief = (text: string, o: object) =>
      found(text, o).map((f) => ({ severity: f.severity, range: [f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character], message: f.message, related: f.related, fix: f.fix && [f.fix.title, f.fix.edits.map((e) => [e.file, e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.newText])] }));
    const fixText = 'RUN apt-get update && apt-get install -y curl';
    // two lines: the range is the first line, the edit replaces both
    assert.deepEqual(brief('FROM debian:12-slim\nRUN apt-get update \\\n  && apt-get install -y curl\nRUN echo worker\n', opts(api)), [
      { severity: 'info', range: [1, 0, 1, 20], message: say('1 step'), related: [], fix: ['Write it as api/Dockerfile line 2', [['dockerfile', 1, 0, 2, 28, fixText]]] },
    ]);
    // the steps after it that the two builds would share too are lost with it
    assert.deepEqual(brief('FROM debian:12-slim\nRUN apt-get update  && apt-get install -y curl\nRUN echo api\nRUN echo b\n', opts(api + 'RUN echo b\n')), [
      { severity: 'info', range: [1, 0, 1, 46], message: say('3 steps'), related: [], fix: ['Write it as api/Dockerfile line 2', [['dockerfile', 1, 0, 1, 46, fixText]]] },
    ]);
    // two other builds written the same way: one finding for the step, naming the first
    const two = { dockerfile: 'worker/Dockerfile', siblings: [{ name: 'api', dockerfile: 'api/Dockerfile', text: api }, { name: 'bpi', dockerfile: 'bpi/Dockerfile', text: api }] };
    assert.deepEqual(brief('FROM debian:12-slim\nRUN apt-get update  && apt-get install -y curl\n', two).map((f) => f.message), [say('1 step')]);
  });

  test('the fix is offered only when the re-analysed text proves it: the step shares with that line of that build, nothing shared is lost, no step appears', () => {
    // step 0 is shared before the fix, step 1 (line 3) is the one written differently
    const worker = 'FROM debian:12-slim\nRUN echo base\nRUN apt-get update  && apt-get install -y curl\n';
    const o = { dockerfile: 'worker/Dockerfile', siblings: [{ name: 'api', dockerfile: 'api/Dockerfile', text: 'FROM debian:12-slim\nRUN echo base\nRUN apt-get update && apt-get install -y curl\n' }] };
    const c = new MemoryContext('c');
    // the rule alone, with the proof's re-analysis altered
    const fixOf = (alter: (m: MemberSharing) => MemberSharing | undefined, drop = false) => {
      const rc = buildRuleContext(worker, analyzeModel(worker), c, undefined, 'worker/Dockerfile');
      rc.shared = siblingSharing(worker, rc.model, c, o);
      if (!drop) rc.reshare = (t) => alter(siblingSharing(t, analyzeModel(t), c, o))!;
      const f = needlessDivergence.check(rc);
      assert.equal(f.length, 1);
      return f[0]!.fix?.title ?? null;
    };
    const refs = (m: MemberSharing, f: (r: NonNullable<ReturnType<MemberSharing['sharedWith']['get']>>[number]) => object) =>
      ({ ...m, sharedWith: new Map([...m.sharedWith].map(([id, rs]) => [id, id === 1 ? rs.map((r) => ({ ...r, ...f(r) })) : rs])) }) as MemberSharing;
    assert.equal(fixOf((m) => m), 'Write it as api/Dockerfile line 3');
    assert.equal(fixOf((m) => m, true), null, 'no re-analysis: no proof');
    assert.equal(fixOf(() => undefined), null);
    assert.equal(fixOf((m) => ({ ...m, model: { ...m.model, steps: m.model.steps.map((x) => (x.id === 1 ? { ...x, line: 7 } : x)) } })), null, 'the step is not found at its line');
    assert.equal(fixOf((m) => ({ ...m, model: { ...m.model, steps: m.model.steps.map((x) => (x.id === 1 ? { ...x, keyword: 'COPY' } : x)) } })), null, 'not a RUN there');
    assert.equal(fixOf((m) => ({ ...m, model: { ...m.model, steps: [...m.model.steps, m.model.steps[1]!] } })), null, 'another step count');
    assert.equal(fixOf((m) => ({ ...m, sharedWith: new Map([...m.sharedWith].filter(([id]) => id !== 1)) })), null, 'the step shares with nothing');
    assert.equal(fixOf((m) => refs(m, () => ({ member: -1 }))), null, 'it shares with another build');
    assert.equal(fixOf((m) => refs(m, () => ({ line: 99 }))), null, 'it shares with another line');
    // step 0, shared before, stops being shared
    assert.deepEqual(rcSharedBefore(worker, c, o), [0]);
    assert.equal(fixOf((m) => ({ ...m, sharedWith: new Map([...m.sharedWith].filter(([id]) => id !== 0)) })), null, 'a shared step is lost');
  });

  test('needless-divergence: the catalogue entry', () => {
    const r = RULES.find((x) => x.id === 'needless-divergence')!;
    assert.deepEqual([r.title, r.defaultSeverity], ['Step written differently from another build that shares its parent', 'info']);
    assert.match(r.description, /^Another build of the workspace runs the same commands on the same shared layers, but the RUN is written with other spacing or line breaks\./);
  });

  test('not reported: other commands, other parent, another shell, quotes, no siblings', () => {
    assert.deepEqual(found('FROM debian:12-slim\nRUN apt-get update && apt-get install -y  wget\n', opts(api)), []);
    assert.deepEqual(found('FROM debian:12\nRUN apt-get update  && apt-get install -y curl\n', opts(api)), []);
    assert.deepEqual(found('FROM debian:12-slim\nSHELL ["/bin/bash", "-c"]\nRUN apt-get update  && apt-get install -y curl\n', opts(api)), []);
    assert.deepEqual(found('FROM debian:12-slim\nRUN echo "a b"\n', opts('FROM debian:12-slim\nRUN echo "a  b"\n')), []);
    assert.deepEqual(found('FROM debian:12-slim\nRUN apt-get update  && apt-get install -y curl\n', {}), []);
  });

  // check() skips the comparison (every build keyed by its context's content) when formattingTwins says no
  // formatting divergence is possible; these two tests are what makes that shortcut safe
  test('formattingTwins is true wherever siblingSharing finds a formatting divergence: every corpus file against a respaced copy of itself', (t) => {
    const dir = corpusDockerfilesOrSkip(t);
    if (!dir) return;
    const c = new MemoryContext('c');
    let divergent = 0;
    let falseWithout = 0;
    for (const f of fs.readdirSync(dir).sort()) {
      const text: string = fs.readFileSync(path.join(dir, f), 'utf8');
      // blanks doubled around && and | (shell-form RUNs written differently, the same commands), and the text itself
      const variants = [text.replace(/ (&&|\|) /g, '  $1  '), text];
      for (const v of variants) {
        const o = { dockerfile: 'z/Dockerfile', siblings: [{ name: 'other', dockerfile: 'other/Dockerfile', text: v }] };
        const m = analyzeModel(text);
        const twins = formattingTwins(text, m, c, o);
        const formatting: { line: number }[] = siblingSharing(text, m, c, o).divergences.filter((d) => d.reasons[0]?.kind === 'formatting');
        if (formatting.length) {
          divergent++;
          assert.equal(twins, true, `${f}: a formatting divergence at line ${formatting[0]!.line + 1}, but formattingTwins said none`);
        } else if (!twins) falseWithout++;
        if (v === text) assert.equal(twins, false, `${f}: the same text has no formatting twin`);
      }
    }
    t.diagnostic(`${divergent} respaced corpus files diverge in formatting; ${falseWithout} comparisons spared`);
    assert.ok(divergent > 50 && falseWithout > 300, `${divergent} / ${falseWithout}`);
  });

  test('check compares the builds by content only when a formatting twin exists: no twin, no content read; a twin, the same finding as before', () => {
    class Counting extends MemoryContext {
      reads = 0;
      override contentId(p: string): string | undefined {
        this.reads++;
        return super.contentId(p);
      }
    }
    const worker = 'FROM debian:12-slim\nCOPY a.txt /a.txt\nRUN apt-get update  && apt-get install -y curl\n';
    const api = 'FROM debian:12-slim\nCOPY a.txt /a.txt\nRUN apt-get update && apt-get install -y curl\n';
    const run = (other: string) => {
      const c = new Counting('c').addFile('a.txt', 'a');
      const f = check(worker, c, { dockerfile: 'worker/Dockerfile', siblings: [{ name: 'api', dockerfile: 'api/Dockerfile', text: other }] }).findings.filter((x) => x.rule === 'needless-divergence');
      return { reads: c.reads, found: f.map((x) => [x.range.start.line, x.fix?.title ?? null]) };
    };
    assert.deepEqual(run(api.replace('curl', 'wget')), { reads: 0, found: [] });
    const twin = run(api);
    assert.deepEqual(twin.found, [[2, 'Write it as api/Dockerfile line 3']]);
    assert.ok(twin.reads > 0);
  });
});
