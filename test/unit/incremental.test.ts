// Incremental analysis must not change a result:
// - the chunked parse (long Dockerfiles are parsed stage by stage, each chunk cached by its text) must equal the
//   whole-file parse;
// - a model built with memoised stages (after analysing an earlier version of the file) must equal one built fresh.
// Checked on every corpus Dockerfile (read in place from ../shared), on CRLF and backtick-escape versions of them, and
// on seeded mutations that put FROM lines, continuations, heredocs, ENV/ARG/USER/WORKDIR/ONBUILD lines and stage
// references where a cut or a memo key could go wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clearParseCache, parseDockerfile, parseWhole, stageCuts } from '../../server/src/engine/parse';
import { analyze, check } from '../../server/src/engine';
import { corpusContext, corpusDockerfile, corpusDockerfilesOrSkip, readManifest, rng } from '../corpus/checks';
import { clearAnalysisCaches, setIncrementalMinLines, type AnalyzeOptions } from '../../server/src/engine/model';

function same(text: string, label: string): number {
  const whole = parseWhole(text);
  const chunked = parseDockerfile(text, { chunkMinLines: 0 });
  assert.deepEqual(chunked, whole, label);
  // and a second time, from the cache
  assert.deepEqual(parseDockerfile(text, { chunkMinLines: 0 }), whole, label + ' (cached)');
  return stageCuts(whole.lines, whole.escape).length;
}

const TRICKY = [
  'FROM alpine AS x',
  '  from busybox',
  'RUN echo a \\',
  'RUN echo a \\   ',
  '# a comment \\',
  '',
  'RUN <<EOF',
  'RUN 5<<EOF cat',
  'COPY <<-EOT /x',
  '\tEOT',
  'EOF',
  'FROM',
  'RUN cat <<"A" <<B',
  'A',
  'B',
  '    ',
  '# escape=`',
  'RUN echo `',
  'ONBUILD RUN x',
];

/** Lines that change what later stages inherit or refer to. */
const MODEL_LINES = [
  'ENV FOO=bar',
  'ENV PATH=/x:$PATH',
  'ARG VERSION=2',
  'ARG FOO',
  'WORKDIR /w',
  'USER nobody',
  'SHELL ["/bin/bash", "-c"]',
  'ONBUILD RUN echo hi',
  'ONBUILD COPY . /app',
  'FROM 0 AS renamed',
  'FROM base',
  'FROM build AS base',
  'COPY --from=0 /a /b',
  'COPY --from=build /a /b',
  'RUN --mount=type=bind,from=base,target=/m echo $FOO',
  'RUN echo $VERSION',
  'COPY . .',
  'ADD https://example.com/x /x',
];

function mutateModel(text: string, r: () => number): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * lines.length);
    const line = MODEL_LINES[Math.floor(r() * MODEL_LINES.length)]!;
    const op = r();
    if (op < 0.4) lines[at] = line; // in place: nothing shifts
    else if (op < 0.8) lines.splice(at, 0, line);
    else if (lines.length > 1) lines.splice(at, 1);
  }
  return lines.join('\n');
}

/** Analyses `next` after `prev` (stages memoised from it) and compares with a fresh analysis of `next`. */
function sameModel(prev: string, next: string, label: string, opts: AnalyzeOptions = {}): void {
  clearAnalysisCaches();
  const fresh = analyze(next, opts);
  clearAnalysisCaches();
  analyze(prev, opts);
  const warm = analyze(next, opts);
  assert.deepEqual(warm, fresh, label);
}

function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (lines.length + 1));
    if (r() < 0.25 && lines.length > 1) lines.splice(Math.min(at, lines.length - 1), 1);
    else lines.splice(at, 0, TRICKY[Math.floor(r() * TRICKY.length)]!);
  }
  return lines.join('\n');
}

test('chunked parse equals the whole-file parse on hand-made edge cases', () => {
  const cases = [
    'FROM a\nRUN x\nFROM b\nRUN y\n',
    'FROM a\nRUN x \\\n\nFROM b\nFROM c\n',
    'FROM a\nRUN x \\\n# c\nFROM b\nFROM c\n',
    'FROM a\nRUN <<EOF\nFROM not-a-stage\nEOF\nFROM b\n',
    'FROM a\nRUN 5<<EOF cat\nFROM inside\nEOF\nFROM b\nRUN y',
    'FROM a\nRUN <<EOF\nFROM never-terminated\n',
    '# escape=`\nFROM a\nRUN x `\nFROM b\nRUN y\nFROM c\r\nRUN z\r\n',
    'FROM a\r\nRUN x\r\nFROM b\r\nRUN y\r\n',
    'FROM a\rRUN x\rFROM b\r',
    '# syntax=docker/dockerfile:1\nARG A=1\nFROM a\nFROM b',
    'FROM a\n  FROM b\n\tfrom c AS d\n',
  ];
  for (const c of cases) same(c, JSON.stringify(c));
  assert.ok(stageCuts('FROM a\nRUN x\nFROM b\n'.split('\n'), '\\').length === 1, 'a plain second FROM is a cut');
  assert.equal(stageCuts('FROM a\nRUN x \\\nFROM b\n'.split('\n'), '\\').length, 0, 'never after a continuation');
  assert.equal(stageCuts('FROM a\nRUN <<EOF\nFROM b\nEOF\n'.split('\n'), '\\').length, 0, 'never inside a heredoc');
});

test('a long file is parsed by chunks and an edit re-parses only its stage', () => {
  const stages = Array.from({ length: 60 }, (_, i) => `FROM alpine AS s${i}\nRUN echo ${i} \\\n  && true\nCOPY a${i} /b\n`);
  const text = stages.join('');
  clearParseCache();
  const p1 = parseDockerfile(text);
  const m1 = analyze(text);
  const edited = stages.map((s, i) => (i === 30 ? s.replace(`echo ${i}`, 'echo edited') : s)).join('');
  const p2 = parseDockerfile(edited);
  const m2 = analyze(edited);
  assert.equal(m2.steps.length, m1.steps.length);
  assert.deepEqual(p2, parseWhole(edited));
  // a chunk that was not re-parsed hands back the very objects of the first parse: only stage 30's are new
  assert.equal(p2.instructions.length, p1.instructions.length);
  const reparsed = p2.instructions.filter((ins, i) => ins !== p1.instructions[i]).map((ins) => ins.range.start.line);
  assert.deepEqual(reparsed, [30 * 4, 30 * 4 + 1, 30 * 4 + 3]);
  const changed = m2.steps.filter((s, i) => s.instruction !== m1.steps[i]!.instruction);
  assert.deepEqual(changed.map((s) => s.line), [30 * 4 + 1]);
});

test('chunked parse equals the whole-file parse on the corpus and on mutations of it', (t) => {
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  const r = rng(20261129);
  let files = 0;
  let cut = 0;
  let variants = 0;
  for (const f of fs.readdirSync(dir).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    files++;
    if (same(text, f) > 0) cut++;
    same(text.replace(/\n/g, '\r\n'), f + ' (CRLF)');
    if (!/^#\s*escape/im.test(text)) same('# escape=`\n' + text, f + ' (escape=`)');
    for (let k = 0; k < 6; k++) {
      const m = mutate(text, r);
      same(m, `${f} mutation ${k}: ${JSON.stringify(m.slice(0, 0))}`);
      variants++;
    }
  }
  t.diagnostic(`${files} files (${cut} cut into chunks), ${variants} mutations compared`);
  assert.ok(cut > 50, 'multi-stage corpus files are cut');
});

test('a model built from memoised stages equals a fresh one (corpus, mutated)', (t) => {
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  const r = rng(7);
  let compared = 0;
  setIncrementalMinLines(0); // corpus files are short: memoise them anyway
  t.after(() => setIncrementalMinLines(200));
  for (const f of fs.readdirSync(dir).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const multi = (text.match(/^\s*FROM\s/gim) ?? []).length > 1;
    for (let k = 0; k < (multi ? 4 : 1); k++) {
      const next = mutateModel(text, r);
      const opts: AnalyzeOptions = r() < 0.3 ? { buildArgs: { FOO: 'x', VERSION: '3' }, target: 'base' } : {};
      sameModel(text, next, `${f} model mutation ${k}`, opts);
      sameModel(next, text, `${f} model mutation ${k} (reverted)`, opts);
      compared++;
    }
  }
  t.diagnostic(`${compared} edits compared both ways`);
  clearAnalysisCaches();
});

// What the rules and sizes memoise per step content (stepOrigin: a stage moved by lines inserted above it shares its
// scripts, folder uses and op hashes with the copy it was moved from) and per context selection: a check after
// another text's (same context snapshot, stages memoised from it) says what a fresh check says, finding by finding.
test('check() after a memoised analysis of another text equals a fresh check (corpus with contexts: lines inserted above, mutations)', (t) => {
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  const manifest = readManifest();
  const r = rng(11);
  let compared = 0;
  setIncrementalMinLines(0);
  t.after(() => setIncrementalMinLines(200));
  const findings = (text: string, ctx: ReturnType<typeof corpusContext>, file: string | undefined) =>
    JSON.stringify(check(text, ctx, { dockerfile: file }).findings);
  for (const f of fs.readdirSync(dir).sort()) {
    const m = manifest.get(f);
    if (!m?.context) continue;
    const text: string = fs.readFileSync(path.join(dir, f), 'utf8');
    const file = corpusDockerfile(m);
    const lines = text.split('\n');
    const shifted = [...lines.slice(0, 1), '', '# a comment', ...lines.slice(1)].join('\n');
    const pairs: [string, string, string][] = [[text, shifted, 'two lines inserted above'], [shifted, text, 'two lines deleted above'], [text, mutateModel(text, r), 'mutated']];
    for (const [prev, next, what] of pairs) {
      clearAnalysisCaches();
      const fresh = findings(next, corpusContext(m), file);
      clearAnalysisCaches();
      const ctx = corpusContext(m);
      findings(prev, ctx, file);
      assert.equal(findings(next, ctx, file), fresh, `${f}: ${what}`);
      compared++;
    }
  }
  t.diagnostic(`${compared} checks compared`);
  assert.ok(compared > 300);
  clearAnalysisCaches();
});

// the hand-made memo cases (fast, used by the mutation runs) are in memo.test.ts
