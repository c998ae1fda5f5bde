// The editor's first diagnostics on a context it has not read yet (lsp/worker.ts earlyDiagnostics): the analysis
// without the build context, keeping only the model's problems and the findings of the rules that read nothing of
// the context (check's `readContext`). Trust: the full analysis, with the context, must then say every one of them
// again, word for word — the refine adds, it never retracts. Checked over the whole corpus (with its simulated build
// contexts) and seeded mutations, at the level of the published LSP diagnostics; and the filter must matter: without
// it, the analysis without context says things the full one does not (so this test can fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, MemoryContext, type AnalyzeOptions } from '../../server/src/engine';
import { analyseDocument, diagInputOf, type AnalyseInput } from '../../server/src/lsp/analysis';
import { dockerfileDiagnostics } from '../../server/src/lsp/diagnostics';
import { earlyDiagnostics } from '../../server/src/lsp/worker';
import { corpusContext, corpusDockerfile, corpusDockerfilesOrSkip, readManifest, rng } from '../corpus/checks';

const MUTATIONS = ['COPY . .', 'RUN npm install', 'COPY package.json ./', 'RUN apt-get update', 'RUN apt-get install -y curl', 'COPY missing-file /x', 'ADD https://example.com/a.tgz /a', 'RUN rm -rf /var/lib/apt/lists/*', 'ARG GIT_SHA', 'RUN pip install -r requirements.txt'];

function input(text: string, ctx: MemoryContext | null, dockerfile: string, opts: AnalyzeOptions): AnalyseInput {
  return { uri: `file:///ctx/${dockerfile}`, version: 1, text, ctx, contextDir: '/ctx', contextNote: null, buildArgs: opts.buildArgs ?? {}, target: opts.target, buildkitVersion: undefined, severities: {} };
}

const key = (d: unknown) => JSON.stringify(d);

test('the first diagnostics without the context are all said again by the analysis with it (corpus and mutations)', (t) => {
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  const manifest = readManifest();
  const r = rng(61);
  let docs = 0;
  let early = 0;
  let heldBack = 0;
  let retractedUnfiltered = 0;
  const failures: string[] = [];
  for (const f of fs.readdirSync(dir).sort()) {
    const m = manifest.get(f);
    const ctx = m ? corpusContext(m) : null;
    if (!m || !ctx) continue;
    const dockerfile = corpusDockerfile(m) ?? 'Dockerfile';
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const lines = text.split('\n');
    for (let j = 0; j < 3; j++) lines.splice(1 + Math.floor(r() * lines.length), 0, MUTATIONS[Math.floor(r() * MUTATIONS.length)]!);
    for (const [label, t2] of [[f, text], [`${f} (mutated)`, lines.join('\n')]] as const) {
      docs++;
      const opts: AnalyzeOptions = {};
      const without = analyseDocument(input(t2, null, dockerfile, opts));
      const first = earlyDiagnostics(without);
      const full = analyseDocument(input(t2, ctx, dockerfile, opts));
      if (!first) continue;
      const finalDiags = new Set(dockerfileDiagnostics(diagInputOf(full)).map(key));
      for (const d of dockerfileDiagnostics(first)) {
        early++;
        if (!finalDiags.has(key(d))) failures.push(`${label}: published first, then retracted: ${key(d)}`);
      }
      heldBack += without.check!.findings.length - first.findings.length;
      const finalFindings = new Set(full.check!.findings.map(key));
      for (const x of without.check!.findings) if (!finalFindings.has(key(x))) retractedUnfiltered++;
    }
  }
  t.diagnostic(`${docs} documents: ${early} diagnostics published first, all said again; ${heldBack} findings held back for the context; unfiltered, ${retractedUnfiltered} would have been retracted`);
  assert.deepEqual(failures.slice(0, 20), []);
  assert.ok(early > 100, 'the first publication says something');
  assert.ok(retractedUnfiltered > 0, 'without the filter, the analysis without context says things the full one does not');
});

test('readContext names the rules that read the context, whatever they found', () => {
  const text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCOPY nothere.txt /x\nRUN apt-get update\nRUN apt-get install -y curl\n';
  const ctx = new MemoryContext('t', { 'package.json': '{}', 'package-lock.json': '{}', 'src/a.js': '1' });
  const withCtx = check(text, ctx, {});
  const without = check(text, null, {});
  assert.ok(withCtx.findings.some((f) => f.rule === 'copy-source-missing'), 'the missing source is found with the context');
  assert.ok(without.readContext.has('copy-source-missing'), 'copy-source-missing reads the context');
  assert.ok(without.readContext.has('broad-copy-before-install'), 'broad-copy-before-install reads the context');
  assert.ok(!without.readContext.has('apt-update-alone'), 'apt-update-alone reads the text only');
  const early = without.findings.filter((f) => !without.readContext.has(f.rule));
  assert.ok(early.some((f) => f.rule === 'apt-update-alone'));
  for (const f of early) assert.ok(withCtx.findings.some((g) => key(g) === key(f)), `said again with the context: ${f.rule}`);
});
