// explain's keys of sources written differently on the two sides (the "full form": engine/explain.ts fullContent,
// fullFormSources), the reuse of clean keys (computeKeys), contentKeys' memo per snapshot, and the explicit change
// list. Each case states what BuildKit does (cache/contenthash: a source is keyed by the content it selects, named
// relative to it) and checks the model says the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, explain, MemoryContext } from '../../server/src/engine';
import { contentKeys, diffContexts } from '../../server/src/engine/explain';
import type { ContextSnapshot } from '../../server/src/engine/context';
import { run } from './helpers';

const statuses = (e: ReturnType<typeof run>) => e.steps.map((r) => r.status);
/** `COPY <from> /d/` → `COPY <to> /d/` (then a RUN), the context edited by `change`. */
const moved = (from: string, to: string, files: Record<string, string>, change: (c: MemoryContext) => void, flags = '') =>
  statuses(run({ dockerfile: `FROM alpine\nCOPY ${flags}${from} /d/\nRUN ls\n`, after: `FROM alpine\nCOPY ${flags}${to} /d/\nRUN ls\n`, files, change }));

test('a moved directory: its files are compared by name below it, whatever order the snapshot lists them in', () => {
  const files = { 'a/lib/one.txt': '1', 'a/lib/sub/two.txt': '2', 'a/lib/x.md': 'm' };
  // the new copy is listed in another order (sub/ first, x.md before one.txt): the same content, the same key
  const reorder = (c: MemoryContext) => c.remove('a').addFile('b/lib/sub/two.txt', '2').addFile('b/lib/x.md', 'm').addFile('b/lib/one.txt', '1');
  assert.deepEqual(moved('a/lib', 'b/lib', files, reorder), ['cached', 'cached']);
  assert.deepEqual(moved('a/lib', 'b/lib', files, (c) => { reorder(c); c.addFile('b/lib/x.md', 'M'); }), ['rebuilt', 'rebuilt']);
});

test('a moved directory: files the .dockerignore keeps out are not part of its content', () => {
  // the old place held an ignored log the new one lacks: BuildKit never saw it, the copies are the same
  const files = { '.dockerignore': '**/*.log', 'a/lib/one.txt': '1', 'a/lib/junk.log': 'x' };
  assert.deepEqual(moved('a/lib', 'b/lib', files, (c) => c.remove('a').addFile('b/lib/one.txt', '1')), ['cached', 'cached']);
  assert.deepEqual(moved('a/lib', 'b/lib', files, (c) => c.remove('a').addFile('b/lib/one.txt', '1').addFile('b/lib/two.txt', '2')), ['rebuilt', 'rebuilt']);
});

test('wildcard sources: each match is named by its basename, unless the one match has the pattern\'s own basename', () => {
  // `a*/lib` matching only `ab/lib` copies like `ab/lib` itself: its files named relative to it, as `c/lib`'s are
  const lib = { 'ab/lib/one.txt': '1', 'ab/lib/two.txt': '2' };
  const toC = (c: MemoryContext) => c.remove('ab').addFile('c/lib/one.txt', '1').addFile('c/lib/two.txt', '2');
  assert.deepEqual(moved('a*/lib', 'c/lib', lib, toC), ['cached', 'cached']);
  assert.deepEqual(moved('a*/lib', 'c/lib', lib, (c) => { toC(c); c.addFile('c/lib/two.txt', '3'); }), ['rebuilt', 'rebuilt']);
  // `a/*.txt` matching one file of another name than the pattern's: the match's name is in the key, so the same
  // bytes under another name rebuild (oracle move/glob-single-match-renamed)
  const one = { 'a/x.txt': '1' };
  assert.deepEqual(moved('a/*.txt', 'b/*.txt', one, (c) => c.remove('a').addFile('b/x.txt', '1')), ['cached', 'cached']);
  assert.deepEqual(moved('a/*.txt', 'b/*.txt', one, (c) => c.remove('a').addFile('b/y.txt', '1')), ['rebuilt', 'rebuilt']);
});

test('a source with a sibling of the same basename on one side only is keyed by its full content', () => {
  // the baseline copied y/lib to /d/ (and x/lib elsewhere); the current copies x/lib to /d/: the same action
  // (basename and destination), so the content decides — and it differs
  const files = { 'x/lib/f': 'x', 'y/lib/f': 'y' };
  assert.deepEqual(statuses(run({ dockerfile: 'FROM alpine\nCOPY y/lib /d/\nCOPY x/lib /e/\n', after: 'FROM alpine\nCOPY x/lib /d/\n', files })), ['rebuilt']);
  // the same the other way round: the current has the extra sibling
  assert.deepEqual(statuses(run({ dockerfile: 'FROM alpine\nCOPY x/lib /d/\n', after: 'FROM alpine\nCOPY y/lib /d/\nCOPY x/lib /e/\n', files })), ['rebuilt', 'rebuilt']);
  // equal content: cached
  const same = { 'x/lib/f': 'x', 'y/lib/f': 'x' };
  assert.deepEqual(statuses(run({ dockerfile: 'FROM alpine\nCOPY y/lib /d/\nCOPY x/lib /e/\n', after: 'FROM alpine\nCOPY x/lib /d/\n', files: same })), ['cached']);
});

test('clean keys are reused only for steps nothing reaches: a step mounting two stages, one of them rebuilt', () => {
  const t = (a: string) => `FROM alpine AS a\nRUN echo ${a} > /a\nFROM alpine AS b\nRUN echo b > /b\nFROM alpine\nCOPY f /f\nRUN --mount=type=bind,from=b,target=/mb --mount=type=bind,from=a,target=/ma cat /ma/a /mb/b\n`;
  // a context file changed too (keys are computed, not all taken clean); the RUN reads a's bytes, which may differ
  assert.deepEqual(statuses(run({ dockerfile: t('a'), after: t('A'), files: { f: '1', g: '1' }, change: (c) => c.addFile('g', '2') })), ['rebuilt', 'cached', 'cached', 'maybe']);
});

test('a COPY --from an image keeps its clean key when another context file changed', () => {
  assert.deepEqual(statuses(run({ dockerfile: 'FROM alpine\nCOPY --from=busybox /bin/sh /sh\nCOPY f /f\n', files: { f: '1' }, change: (c) => c.addFile('f', '2') })), ['cached', 'rebuilt']);
});

test('the baseline build held only some steps: the others rebuild', () => {
  const text = 'FROM alpine\nRUN echo 1\nRUN echo 2\n';
  const ctx = new MemoryContext('c');
  const e = explain({ current: { text, context: ctx }, baseline: { text, context: ctx }, baselineBuilt: new Set([0]) });
  assert.deepEqual(statuses(e), ['cached', 'rebuilt']);
});

test('an explicit change list: a removed path counts, a directory is what is below it (not a sibling of its prefix)', () => {
  const text = 'FROM alpine\nCOPY d2 /y\nCOPY gone /g\nCOPY d /d\n';
  const ctx = new MemoryContext('c', { 'd/x': '1', 'd2/y': '1' });
  const ex = (changed: string[]) => statuses(explain({ current: { text, context: ctx }, baseline: { text, context: null }, changed }));
  // `gone` is not in the current context (it was deleted): its COPY still sees a change
  assert.deepEqual(ex(['gone']), ['cached', 'rebuilt', 'rebuilt']);
  assert.deepEqual(ex(['d']), ['cached', 'cached', 'rebuilt']);
});

test('contentKeys: bind-mounted sources are keyed by their content', () => {
  const m = analyze('FROM alpine\nRUN --mount=type=bind,source=x,target=/x cat /x\n');
  const a = contentKeys(m, new MemoryContext('a', { x: '1' }));
  assert.notDeepEqual(contentKeys(m, new MemoryContext('b', { x: '2' })), a);
  assert.deepEqual(contentKeys(m, new MemoryContext('c', { x: '1' })), a);
});

test('contentKeys: the memo per snapshot follows its revision, stat generation and ignore file; none without a revision', () => {
  const m = analyze('FROM alpine\nCOPY . /app\n');
  const ctx = new MemoryContext('a', { x: '1' });
  const k1 = contentKeys(m, ctx);
  ctx.addFile('y', '1');
  const k2 = contentKeys(m, ctx);
  assert.notDeepEqual(k2, k1, 'a path added (revision)');
  ctx.setIgnore('.dockerignore', 'y');
  assert.deepEqual(contentKeys(m, ctx), k1, 'the ignore file');
  // a snapshot without a revision is read afresh each time
  const inner = new MemoryContext('i', { x: '1' });
  const bare: ContextSnapshot = { label: 'bare', paths: () => inner.paths(), entry: (p) => inner.entry(p), contentId: (p) => inner.contentId(p), ignoreFile: null, modeGranularity: 'exact', problems: [] };
  const b1 = contentKeys(m, bare);
  inner.addFile('y', '1');
  assert.notDeepEqual(contentKeys(m, bare), b1);
  // a stat generation: the same paths, other bytes
  const inner2 = new MemoryContext('j', { x: '1' });
  let gen = 1;
  const stat: ContextSnapshot = { label: 'stat', paths: () => inner2.paths(), entry: (p) => inner2.entry(p), contentId: (p) => inner2.contentId(p), ignoreFile: null, modeGranularity: 'exact', problems: [], revision: 7, get statGeneration() { return gen; } };
  const s1 = contentKeys(m, stat);
  inner2.addFile('x', '2');
  gen = 2;
  assert.notDeepEqual(contentKeys(m, stat), s1);
});

test('contentKeys: a file\'s mode is part of its content key (a file is no link)', () => {
  const m = analyze('FROM alpine\nCOPY x /x\n');
  assert.notDeepEqual(contentKeys(m, new MemoryContext('a', { x: { content: '1', mode: 0o755 } })), contentKeys(m, new MemoryContext('b', { x: { content: '1', mode: 0o644 } })));
});

test('diffContexts with hints: paths the ignore file lets in or keeps out count without a hint, in path order', () => {
  const base = new MemoryContext('b', { '.dockerignore': 'x', x: '1', y: '1' });
  // the ignore file now keeps y out and lets x in; only the ignore file is hinted (an editor's file event)
  const cur = base.clone('c').addFile('.dockerignore', 'y').setIgnore('.dockerignore', 'y');
  assert.deepEqual([...diffContexts(base, cur, ['.dockerignore'])].map(([p, s]) => `${p}:${s.before}>${s.after}`), ['.dockerignore:file:644:c:x>file:644:c:y', 'x:absent>file:644:c:1', 'y:file:644:c:1>absent']);
  // hinted in reverse order: reported in path order
  const b2 = new MemoryContext('b', { a: '1', b: '1', c: '1', d: '1', e: '1' });
  const c2 = b2.clone('c');
  for (const p of ['a', 'b', 'c', 'd', 'e']) c2.addFile(p, '2');
  assert.deepEqual([...diffContexts(b2, c2, ['e', 'd', 'c', 'b', 'a']).keys()], ['a', 'b', 'c', 'd', 'e']);
});
