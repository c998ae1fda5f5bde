// Memoised stages (engine/model.ts STAGE_MEMO) on hand-made files: a model built from memoised stages must equal one
// built fresh, after edits inside a stage, above it (lines and steps move), to its parent, and to stage names. The
// corpus-wide versions of these checks are in incremental.test.ts; these are small enough for the mutation runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyze, check, MemoryContext } from '../../server/src/engine';
import { clearAnalysisCaches, setIncrementalMinLines } from '../../server/src/engine/model';

test('memoised stages: an edit to a parent stage reaches the stages built from it', (t) => {
  setIncrementalMinLines(0);
  t.after(() => setIncrementalMinLines(200));
  const stages = ['FROM alpine AS base\nENV A=1\nONBUILD RUN echo trigger\n', 'FROM base AS mid\nRUN echo $A\n', ...Array.from({ length: 50 }, (_, i) => `FROM busybox AS s${i}\nRUN echo ${i}\n`), 'FROM mid\nCOPY --from=s3 /x /y\n'];
  const before = analyze(stages.join(''));
  const after = analyze(stages.join('').replace('ENV A=1', 'ENV A=2'));
  const run = (m: typeof before) => m.steps.find((s) => s.stage === 1 && s.script === 'echo $A')!;
  assert.deepEqual(run(before).env, [['A', '1']]);
  assert.deepEqual(run(after).env, [['A', '2']], 'the child stage sees the new ENV');
  assert.equal(after.steps.filter((s) => s.trigger).length, 1, 'the ONBUILD trigger runs in the child');
  assert.equal(after.stages[after.stages.length - 1]!.deps.includes(5), true, 'COPY --from=s3 is a dependency');
  const renamed = analyze(stages.join('').replace('FROM alpine AS base', 'FROM alpine AS other'));
  assert.equal(renamed.stages[1]!.base.kind, 'image', 'after the rename, "base" is an image');
});

test('memoised stages move with the lines and steps added above them (pressing Enter, adding a step)', (t) => {
  setIncrementalMinLines(0);
  t.after(() => setIncrementalMinLines(200));
  const text = [
    'ARG BASE=alpine',
    'FROM ${BASE} AS base',
    'ENV A=1 B=2',
    'WORKDIR /app',
    'ONBUILD RUN echo from-base',
    '',
    'FROM base AS child',
    'ARG V=3',
    'RUN echo $A $V',
    '',
    ...Array.from({ length: 30 }, (_, i) => `FROM child AS s${i}\nENV N=${i}\nCOPY a${i} /a\nRUN echo $A $N\n`),
    'FROM busybox',
    'COPY --from=s7 /a /a',
  ].join('\n');
  clearAnalysisCaches();
  analyze(text);
  let cur = text;
  for (let k = 0; k < 12; k++) {
    const lines = cur.split('\n');
    if (k % 3 === 2) lines.splice(8, 0, 'RUN echo added'); // a step in "child": every later step id moves
    else lines.splice(k % 2 ? 3 : 12, 0, ''); // Enter in "base" or in "s0"
    cur = lines.join('\n');
    const warm = analyze(cur);
    clearAnalysisCaches();
    const fresh = analyze(cur);
    assert.deepEqual(warm, fresh, `edit ${k}`);
    // the caches now hold this version, as in an editor
  }
});

test('memoised stages equal fresh ones: triggers, problems, config, env sources and stage references move along', (t) => {
  setIncrementalMinLines(0);
  t.after(() => setIncrementalMinLines(200));
  const text = [
    'ARG G=1',
    'FROM alpine AS base',
    'ARG V=2',
    'ENV A=1',
    'ONBUILD ENV T=t',
    'ONBUILD RUN echo $T',
    'BOGUS line',
    'LABEL x=1',
    'FROM base AS child',
    'RUN --mount=type=bind,from=base,target=/b echo $A $V',
    'SHELL /bin/bash',
    'FROM busybox AS other',
    'COPY --from=child /x /x',
    'RUN echo other',
    'FROM 1',
    'COPY --from=0 /y /y',
  ].join('\n');
  const edits: ((s: string) => string)[] = [
    (s) => '\n\n' + s, // Enter at the top: every stage moves
    (s) => s.replace('LABEL x=1', 'LABEL x=1\nRUN echo added'), // a step in base: later step ids move
    (s) => s.replace('ENV A=1', 'ENV A=2'), // the parent's state changes: its children rebuild
    (s) => s.replace('FROM busybox AS other', 'FROM busybox AS renamed'), // a name changes: later references differ
    (s) => s.replace('ARG G=1', 'ARG G=2'),
    (s) => s.replace('RUN echo other', 'RUN echo other\n'),
    (s) => s.replace('\n\n', ''),
  ];
  clearAnalysisCaches();
  let cur = text;
  assert.deepEqual(analyze(cur), (clearAnalysisCaches(), analyze(cur)));
  for (const [k, edit] of edits.entries()) {
    cur = edit(cur);
    for (const opts of [{}, { target: 'other', buildArgs: { V: '9' } }]) {
      const warm = analyze(cur, opts);
      clearAnalysisCaches();
      const fresh = analyze(cur, opts);
      assert.deepEqual(warm, fresh, `edit ${k} ${JSON.stringify(opts)}`);
      analyze(cur, {}); // leave the memo warm with the default options
    }
  }
  // memoised stages are shared between models but never mutated: an earlier model is still what it was
  clearAnalysisCaches();
  const first = analyze(text);
  const snapshot = JSON.stringify(first, (_k, v) => (v instanceof Map ? [...v] : v));
  analyze('\n' + text);
  analyze(text.replace('ENV A=1', 'ENV A=3'));
  assert.equal(JSON.stringify(first, (_k, v) => (v instanceof Map ? [...v] : v)), snapshot);
});

test('memoising is only for files of at least incrementalMinLines lines', (t) => {
  t.after(() => setIncrementalMinLines(200));
  const text = 'FROM alpine AS a\nRUN echo a\nFROM alpine AS b\nRUN echo b\n';
  setIncrementalMinLines(0);
  clearAnalysisCaches();
  const m1 = analyze(text);
  const m2 = analyze(text.replace('echo b', 'echo B'));
  assert.equal(m2.steps[0], m1.steps[0], 'the unchanged stage is the memoised one (the same step object)');
  setIncrementalMinLines(6);
  clearAnalysisCaches();
  const n1 = analyze(text);
  const n2 = analyze(text.replace('echo b', 'echo B'));
  assert.notEqual(n2.steps[0], n1.steps[0], '5 lines < 6: built afresh');
  assert.deepEqual(n2.steps[0], n1.steps[0]);
});

test('memoised stages equal fresh ones after edits to what a stage inherits or refers to, its own text unchanged', (t) => {
  // written against the memo's surviving mutants (test/mutation-equivalents.md): the global ARGs and build args a
  // stage redeclares, every part of a base stage's state (ENV, ARG, USER, WORKDIR, SHELL, platform, triggers), steps
  // that move while the stage's line does not, a base stage that moves alone, and renamed, unnamed and renamed-back
  // stages that a later stage refers to by name
  setIncrementalMinLines(0);
  t.after(() => setIncrementalMinLines(200));
  const text = [
    'ARG G=1',
    'FROM alpine AS p',
    'ARG G',
    'ARG PA=1',
    'ENV E=1',
    'USER u',
    'WORKDIR /w',
    'SHELL ["/bin/sh", "-c"]',
    'ONBUILD RUN echo t',
    'LABEL l=1',
    'FROM p AS c',
    'ARG PA=9',
    'RUN echo $G $E $PA',
    '',
    'FROM alpine AS q',
    'ENV QE=1',
    'FROM q AS qc',
    'RUN echo $QE',
    'FROM alpine AS n1',
    'RUN echo n1',
    'FROM alpine AS n2',
    'COPY --from=n1 /a /b',
    'FROM busybox',
    'COPY --from=c /a /b',
    'COPY --from=qc /a /b',
    'RUN echo $G',
  ].join('\n');
  const edits: [string, (s: string) => string, object?][] = [
    ['global ARG', (s) => s.replace('ARG G=1', 'ARG G=2')],
    ['build arg', (s) => s, { buildArgs: { G: '3' } }],
    ['base ARG', (s) => s.replace('ARG PA=1', 'ARG PA=2')],
    ['base ARG becomes an ENV (the same value: now it wins over the child\'s ARG)', (s) => s.replace('ARG PA=2', 'ENV PA=2')],
    ['base ENV', (s) => s.replace('ENV E=1', 'ENV E=2')],
    ['base USER', (s) => s.replace('USER u', 'USER v')],
    ['base WORKDIR', (s) => s.replace('WORKDIR /w', 'WORKDIR /v')],
    ['base SHELL', (s) => s.replace('SHELL ["/bin/sh", "-c"]', 'SHELL ["/bin/bash", "-c"]')],
    ['base trigger', (s) => s.replace('ONBUILD RUN echo t', 'ONBUILD RUN echo u')],
    ['base platform', (s) => s.replace('FROM alpine AS p', 'FROM --platform=linux/arm64 alpine AS p')],
    ['steps move, lines do not', (s) => s.replace('LABEL l=1', 'RUN echo l')],
    ['steps move back', (s) => s.replace('RUN echo l', 'LABEL l=1')],
    ['base stage moves alone', (s) => s.replace('\n\nFROM alpine AS q\n', '\nFROM alpine AS q\n\n')],
    ['referred stage renamed', (s) => s.replace('FROM alpine AS n1', 'FROM alpine AS m1')],
    ['renamed back', (s) => s.replace('FROM alpine AS m1', 'FROM alpine AS n1')],
    ['referred stage unnamed', (s) => s.replace('FROM alpine AS n1', 'FROM alpine')],
    ['named again', (s) => s.replace('FROM alpine\nRUN echo n1', 'FROM alpine AS n1\nRUN echo n1')],
    ['a name in between', (s) => s.replace('FROM alpine AS q\n', 'FROM alpine AS n1\n')],
  ];
  warmEqualsFresh(text, edits);
});

test('memoised stages equal fresh ones after edits below them that change what their COPY --from / mount from read', (t) => {
  // BuildKit resolves those against every stage, later ones included (model.ts resolveIn): a stage's own text and
  // everything above it unchanged, an edit further down changes what it reads; the memo checks its lookups on a hit
  setIncrementalMinLines(0);
  t.after(() => setIncrementalMinLines(200));
  const text = [
    'FROM alpine AS a',
    'COPY --from=later /x /x',
    'COPY --from=2 /y /y',
    'RUN --mount=from=later,target=/m true',
    'FROM alpine AS mid',
    'RUN echo mid',
    'FROM debian:12 AS later',
    'RUN echo later',
  ].join('\n');
  const edits: [string, (s: string) => string][] = [
    ['the later stage gets another base image', (s) => s.replace('FROM debian:12 AS later', 'FROM debian:11 AS later')],
    ['the later stage is renamed: an image', (s) => s.replace('FROM debian:11 AS later', 'FROM debian:11 AS other')],
    ['named again, from scratch', (s) => s.replace('FROM debian:11 AS other', 'FROM scratch AS later')],
    ['stage 2 goes: an invalid index', (s) => s.replace('FROM alpine AS mid\nRUN echo mid\n', '')],
    ['and comes back', (s) => s + '\nFROM alpine AS third'],
    ['an earlier name repeated further down wins', (s) => s.replace('FROM alpine AS third', 'FROM busybox AS a')],
    // every lookup resolves as before (`--from=2` is still stage 2, read early: busybox); only the warning's name for
    // it changes (session 12: the memo kept "names a")
    ['the later stage read by its index is renamed: the warning names it as it is now', (s) => s.replace('FROM busybox AS a', 'FROM busybox AS z')],
  ];
  warmEqualsFresh(text, edits);
});

/** Applies the edits one after another: each must change the model, and the memo-warm model must equal a fresh one. */
function warmEqualsFresh(text: string, edits: [string, (s: string) => string, object?][]): void {
  clearAnalysisCaches();
  let cur = text;
  const json = (m: object) => JSON.stringify(m, (_k, v) => (v instanceof Map ? [...v] : v));
  let last = json(analyze(cur));
  for (const [what, edit, opts] of edits) {
    analyze(cur, opts); // the memo warm with this edit's options (another build arg misses every stage)
    cur = edit(cur);
    const warm = analyze(cur, opts);
    clearAnalysisCaches();
    const fresh = analyze(cur, opts);
    assert.deepEqual(warm, fresh, what);
    assert.notEqual(json(fresh), last, `${what}: the edit changes the model`);
    last = json(fresh);
  }
}

// What the caches keep between analyses must not keep an earlier analysis: a memoised stage's step holds its
// memoised finding (missing-cache-mount), whose fix held the RuleContext it was proven in, and with it that whole
// model and text (40 MB after 60 edits of a 2,000-line file).
test('memoised stages and findings keep no earlier analysis alive', async (t) => {
  setIncrementalMinLines(0);
  t.after(() => setIncrementalMinLines(200));
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const stage = (i: number) => `FROM node:20 AS s${i}\nCOPY package.json .\nRUN npm ci\n`;
  const text = (last: string) => [...Array.from({ length: 20 }, (_, i) => stage(i)), `FROM node:20\nRUN npm ci\nRUN echo ${last}\n`].join('');
  const ctx = new MemoryContext('memo', { 'package.json': '{}' });
  let first: ReturnType<typeof check> | null = check(text('one'), ctx);
  assert.ok(first.findings.some((f) => f.rule === 'missing-cache-mount' && f.fix), 'a proven fix in the last stage');
  const model = new WeakRef(first.model!);
  first = null;
  check(text('two'), ctx); // the first text's last stage stays memoised, with its finding
  await new Promise((r) => setImmediate(r));
  gc();
  gc();
  assert.equal(model.deref(), undefined, 'the first analysis is not kept');
  clearAnalysisCaches();
});

test('bounded caches over the working set forget first what none of the latest analyses used, and keep what they use', () => {
  const { BoundedCache, beginAnalysis, cachedBytes, trimCaches, RECENT_ANALYSES, WORKING_SET_BYTES } = require('../../server/src/engine/memo') as typeof import('../../server/src/engine/memo');
  trimCaches(0); // other tests' entries out of the way
  const MB = 1024 * 1024;
  const cache = new BoundedCache<string, string>('working-set test', 10_000, () => MB);
  beginAnalysis();
  for (let i = 0; i < 8; i++) cache.set(`gone${i}`, 'x'); // an earlier text's entries: no later analysis uses them
  cache.set('kept', 'x');
  for (let a = 0; a < RECENT_ANALYSES + 4; a++) {
    beginAnalysis();
    assert.equal(cache.get('kept'), 'x', `analysis ${a}: the entry every analysis uses is still there`);
    cache.set(`new${a}`, 'x');
  }
  for (let i = 0; i < 8; i++) assert.equal(cache.get(`gone${i}`), undefined, `gone${i}: unused for ${RECENT_ANALYSES + 4} analyses, forgotten first`);
  assert.equal(cache.get('new0'), undefined, 'set by an analysis older than the latest ones and not used since');
  for (let a = 4; a < RECENT_ANALYSES + 4; a++) assert.equal(cache.get(`new${a}`), 'x', `new${a}: set by one of the latest analyses`);
  // what the latest analyses used stays even over the working set (up to CACHE_BUDGET_BYTES)
  beginAnalysis();
  for (let i = 0; i < 24; i++) cache.set(`big${i}`, 'x');
  for (let i = 0; i < 24; i++) assert.equal(cache.get(`big${i}`), 'x', `big${i}: used by the latest analysis`);
  assert.ok(cachedBytes() > WORKING_SET_BYTES, `${cachedBytes() / MB} MB`);
  cache.clear();
});
