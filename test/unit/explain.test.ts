// What explain() says besides the statuses (engine/explain.ts): the reasons of each rebuilt step, the changed paths
// and their kinds, explicit change lists, source selection, the summary, and the static impact of a miss. Written
// against the mutants StrykerJS found alive; the statuses themselves are measured in semantics.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, explain, impactOf, MemoryContext } from '../../server/src/engine';
import { compileSource, contentKeys, diffContexts, readSelects, selectedChanged, setKeyReuse, sourceSelects } from '../../server/src/engine/explain';
import { rng } from '../corpus/checks';
import { run, why } from './helpers';

describe('reasons', () => {
  test('a build arg change: named with the line of its ARG when not passed; the chain after it follows', () => {
    const dockerfile = 'FROM alpine\nARG V=1\nRUN echo a\nRUN echo b\n';
    assert.deepEqual(why(run({ dockerfile, after: dockerfile.replace('V=1', 'V=2') })), [
      '3 rebuilt: arg@2: build arg V changed "1" → "2" (ARG on line 2); every RUN after the ARG gets it in its environment, used or not',
      '4 rebuilt: arg@2: build arg V changed "1" → "2" (ARG on line 2); every RUN after the ARG gets it in its environment, used or not | parent@3: follows line 3 `RUN echo a`, which rebuilds',
    ]);
    assert.deepEqual(why(run({ dockerfile, base: { buildArgs: { V: 'x' } }, cur: { buildArgs: {} } }))[0], '3 rebuilt: arg@2: build arg V changed "x" → "1"; every RUN after the ARG gets it in its environment, used or not');
    assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nARG V\nRUN echo a\n', base: { buildArgs: { V: 'x' } }, cur: { buildArgs: {} } })), ['3 rebuilt: arg@2: build arg V changed "x" → (unset); every RUN after the ARG gets it in its environment, used or not']);
  });
  test('ENV, USER, WORKDIR, SHELL, mounts and SOURCE_DATE_EPOCH changes say what changed', () => {
    const dockerfile = 'FROM alpine\nENV E=1\nUSER root\nWORKDIR /w\nRUN --mount=type=cache,target=/c echo a\n';
    const one = (after: string, opts?: { base?: object; cur?: object }) => why(run({ dockerfile, after, ...(opts ?? {}) }));
    assert.deepEqual(one(dockerfile.replace('E=1', 'E=2')), ['4 cached: ', '5 rebuilt: env@2: ENV E changed "1" → "2"']);
    assert.deepEqual(one(dockerfile.replace('ENV E=1', 'ENV E=1 F=x')), ['4 cached: ', '5 rebuilt: env@2: ENV F changed (unset) → "x"']);
    assert.deepEqual(one(dockerfile.replace('USER root', 'USER 0')), [
      '4 rebuilt: user: USER changed: "root" → "0" (compared as text: root → 0 also misses)',
      '5 rebuilt: user: USER changed: "root" → "0" (compared as text: root → 0 also misses) | parent@4: follows line 4 `WORKDIR /w`, which rebuilds',
    ]);
    assert.deepEqual(one(dockerfile.replace('WORKDIR /w', 'WORKDIR /v')), [
      '4 rebuilt: instruction: instruction changed (was `WORKDIR /w`)',
      '5 rebuilt: workdir: working directory changed: /w → /v | parent@4: follows line 4 `WORKDIR /v`, which rebuilds',
    ]);
    assert.deepEqual(one(dockerfile.replace('RUN --mount=type=cache,target=/c', 'RUN --mount=type=cache,target=/d')), ['4 cached: ', '5 rebuilt: mount: RUN --mount options changed']);
    // the shell is part of a shell-form RUN's argv: a SHELL edit changes its key, and the reason says SHELL (the RUN's
    // text is the same: "instruction changed" would send the reader to a line nobody edited)
    assert.deepEqual(one(dockerfile.replace('USER root', 'SHELL ["/bin/bash", "-c"]\nUSER root')), ['5 cached: ', '6 rebuilt: shell: SHELL changed']);
    assert.deepEqual(
      why(run({ dockerfile, base: { buildArgs: { SOURCE_DATE_EPOCH: '1' } }, cur: { buildArgs: { SOURCE_DATE_EPOCH: '2' } } })),
      ['4 rebuilt: source-date-epoch: SOURCE_DATE_EPOCH changed (BuildKit ≥ 0.22 stamps WORKDIR with it)', '5 rebuilt: parent@4: follows line 4 `WORKDIR /w`, which rebuilds'],
    );
  });
  test('a WORKDIR whose path comes from a variable says the path changed', () => {
    const dockerfile = 'FROM alpine\nARG D=/a\nWORKDIR $D\n';
    assert.deepEqual(why(run({ dockerfile, base: { buildArgs: { D: '/a' } }, cur: { buildArgs: { D: '/b' } } })), ['3 rebuilt: instruction: WORKDIR path changed: /a → /b']);
  });
  test('an instruction edit quotes the old text; variables expanded into it are named', () => {
    const dockerfile = 'FROM alpine\nARG V=1\nCOPY a.txt /x/$V\nRUN echo a\n';
    const files = { 'a.txt': 'a' };
    assert.deepEqual(why(run({ dockerfile, files, base: { buildArgs: { V: '1' } }, cur: { buildArgs: { V: '2' } } }))[0], '3 rebuilt: instruction: instruction changed ($V changed) (was `COPY a.txt /x/$V`)');
    assert.deepEqual(why(run({ dockerfile, files, after: dockerfile.replace('echo a', 'echo b') })), ['3 cached: ', '4 rebuilt: instruction: instruction changed (was `RUN echo a`)']);
    assert.deepEqual(why(run({ dockerfile, files, after: dockerfile + 'COPY a.txt /y\n' })), ['3 cached: ', '4 cached: ', '5 rebuilt: new-step: instruction added or edited']);
    const long = 'FROM alpine\nRUN echo ' + 'x'.repeat(50) + 'y'.repeat(30) + '\n';
    assert.deepEqual(why(run({ dockerfile: long, after: long.replace('echo x', 'echo  x') })), [`2 rebuilt: instruction: instruction changed (was \`RUN echo ${'x'.repeat(50)}…\`)`]);
  });
  test('files: the changed paths a step copies, with their kind, at most 5 named', () => {
    const dockerfile = 'FROM alpine\nCOPY . /app\n';
    const files = { a: '1', b: '1', c: '1', d: '1', e: '1', f: '1', x: '1' };
    const e = run({ dockerfile, files, change: (c) => c.addFile('a', '2').addFile('b', '1', 0o755).remove('c').addFile('n', '1').addFile('d', '2').addFile('e', '2').remove('x').addDir('x') });
    const r = e.steps[0]!.reasons[0]!;
    assert.equal(r.kind, 'files');
    assert.equal(r.count, 7);
    // named in path order, whatever order the snapshots list or hint them in
    assert.equal(r.message, '7 context paths it copies changed: a (modified), b (mode), c (removed), d (modified), e (modified), …');
    assert.deepEqual(r.paths!.map((p) => `${p.path}:${p.change}`).sort(), ['a:modified', 'b:mode', 'c:removed', 'd:modified', 'e:modified', 'n:added', 'x:type']);
    assert.deepEqual([...e.changedPaths].sort(), [['a', 'modified'], ['b', 'mode'], ['c', 'removed'], ['d', 'modified'], ['e', 'modified'], ['n', 'added'], ['x', 'type']]);
    assert.equal(run({ dockerfile, files, change: (c) => c.addFile('a', '2') }).steps[0]!.reasons[0]!.message, '1 context path it copies changed: a (modified)');
  });
  test('files: only the changed paths the step reads, whatever else changed before them in path order', () => {
    const files = { 'a.txt': '1', 'b.txt': '1', 'c.txt': '1' };
    assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY b.txt /b\n', files, change: (c) => c.addFile('a.txt', '2').addFile('b.txt', '2').addFile('c.txt', '2') })), ['2 rebuilt: files: 1 context path it copies changed: b.txt (modified)']);
  });
  test('the same variables and values in another order: the environment\'s order is the reason', () => {
    const dockerfile = 'FROM alpine\nENV A=1 B=2\nRUN echo\n';
    assert.deepEqual(why(run({ dockerfile, after: dockerfile.replace('A=1 B=2', 'B=2 A=1') })), ["3 rebuilt: env: the environment's order changed (B, A): BuildKit keys the variables in the order they were last set"]);
    // as many variables, one value changed: no order reason
    assert.deepEqual(why(run({ dockerfile, after: dockerfile.replace('A=1 B=2', 'A=1 B=3') })), ['3 rebuilt: env@2: ENV B changed "2" → "3"']);
  });
  test('a stage that rebuilds: steps copying from it may rebuild; a stage built FROM it rebuilds', () => {
    const dockerfile = 'FROM alpine AS b\nCOPY x /x\nFROM alpine\nCOPY --from=b /x /y\nFROM b AS c\nRUN echo c\n';
    const e = run({ dockerfile, files: { x: '1' }, change: (c) => c.addFile('x', '2'), base: { target: 'c' }, cur: { target: 'c' } });
    assert.deepEqual(why(e), [
      '2 rebuilt: files: 1 context path it copies changed: x (modified)',
      '4 skipped: not-built: not built: stage #1 is not needed by the target stage c',
      "6 rebuilt: base@2: built FROM stage 'b', which rebuilds",
    ]);
    const m = run({ dockerfile, files: { x: '1' }, change: (c) => c.addFile('x', '2'), base: { target: '1' }, cur: { target: 'nope' } });
    assert.equal(m.steps[0]!.reasons[0]!.message, 'not built: the target stage does not exist');
    const all = run({ dockerfile: 'FROM alpine AS b\nCOPY x /x\nFROM alpine\nCOPY --from=b /x /y\nRUN echo\n', files: { x: '1' }, change: (c) => c.addFile('x', '2') });
    assert.deepEqual(why(all).slice(1), [
      "4 maybe: stage@2: copies /x from stage 'b', which rebuilds: it reruns only if those bytes differ",
      '5 maybe: parent@4: follows line 4 `COPY --from=b /x /y`, which may rebuild',
    ]);
  });
  test('a base image change, and an ONBUILD trigger change, are named', () => {
    assert.deepEqual(why(run({ dockerfile: 'FROM alpine:1 AS a\nRUN echo\n', after: 'FROM alpine:2 AS a\nRUN echo\n' })), ['2 rebuilt: base: base image changed: alpine:1 → alpine:2']);
    assert.deepEqual(why(run({ dockerfile: 'FROM alpine:1\nRUN echo\n', after: 'FROM alpine:2\nRUN echo\n' })), ['2 rebuilt: base: base image changed: alpine:1 → alpine:2']);
    const t = 'FROM alpine AS p\nONBUILD RUN echo v1\nFROM p\nRUN echo c\n';
    // a trigger step stands at the child's FROM line
    assert.deepEqual(why(run({ dockerfile: t, after: t.replace('v1', 'v2') })), [
      '3 rebuilt: trigger: ONBUILD trigger changed (was `RUN echo v1`)',
      '4 rebuilt: parent@3: follows line 3 `RUN echo v2`, which rebuilds',
    ]);
  });
  test('the summary counts and names the first miss', () => {
    const dockerfile = 'FROM alpine AS a\nRUN echo a\nFROM alpine AS u\nRUN echo u\nFROM alpine\nCOPY --from=a /a /a\nRUN echo b\n';
    const e = run({ dockerfile, after: dockerfile.replace('echo b', 'echo B') });
    assert.deepEqual({ ...e.summary, firstMiss: e.summary.firstMiss?.step.line }, { total: 3, rebuilt: 1, maybe: 0, cached: 2, skipped: 1, firstMiss: 6 });
    assert.equal(run({ dockerfile }).summary.firstMiss, null);
  });
});

describe('changed paths', () => {
  test('diffContexts: kinds; the same snapshot on both sides differs nowhere; ignored paths are not sent', () => {
    const base = new MemoryContext('b', { a: '1', b: '1', 'd/x': '1', 'i.log': '1', '.dockerignore': '*.log\n' });
    const cur = base.clone('c').addFile('a', '2').addFile('b', '1', 0o600).addFile('i.log', '2').addSymlink('l', 'a');
    assert.deepEqual(diffContexts(base, base), new Map());
    const d = diffContexts(base, cur);
    assert.deepEqual([...d.keys()].sort(), ['a', 'b', 'l']);
    assert.deepEqual(d.get('b'), { before: 'file:644:c:1', after: 'file:600:c:1' });
    assert.deepEqual(d.get('l'), { before: 'absent', after: 'link:l:a' });
    const git = cur.clone('g');
    git.modeGranularity = 'git';
    assert.deepEqual([...diffContexts(base, git).keys()].sort(), ['a', 'l'], 'git knows only the executable bit');
    // a hint limits the comparison to the hinted paths (plus what appears or disappears)
    assert.deepEqual([...diffContexts(base, cur, ['b']).keys()].sort(), ['b', 'l']);
    assert.deepEqual([...diffContexts(base, cur, ['./a'], (p) => p === 'l').keys()].sort(), ['a']);
    const dirMode = base.clone('m').addDir('d', 0o700);
    assert.deepEqual(explain({ current: { text: 'FROM alpine\nCOPY d /d\n', context: dirMode }, baseline: { text: 'FROM alpine\nCOPY d /d\n', context: base } }).changedPaths, new Map([['d', 'mode']]));
    const gone = base.clone('g2').remove('d');
    assert.deepEqual([...diffContexts(base, gone, []).keys()].sort(), ['d', 'd/x']);
  });
  test('an explicit change list: exactly those paths (a directory means everything below it), ignored ones left out', () => {
    const ctx = new MemoryContext('c', { 'src/a': '1', 'src/b': '1', other: '1', 'x.log': '1', '.dockerignore': '*.log\n' });
    const text = 'FROM alpine\nCOPY src /src\nCOPY other /o\n';
    const e = explain({ current: { text, context: ctx }, baseline: { text, context: ctx }, changed: ['src', 'x.log'] });
    assert.deepEqual([...e.changedPaths].sort(), [['src', 'modified'], ['src/a', 'modified'], ['src/b', 'modified']]);
    assert.deepEqual(e.steps.map((r) => r.status), ['rebuilt', 'rebuilt']);
    assert.deepEqual(explain({ current: { text, context: ctx }, baseline: { text, context: ctx }, changed: ['other'] }).steps.map((r) => r.status), ['cached', 'rebuilt']);
    assert.deepEqual(explain({ current: { text, context: ctx }, baseline: { text, context: null } }).steps.map((r) => r.status), ['cached', 'cached'], 'no baseline context: nothing compared');
  });
  test('the state of each path: exact and git modes, ignored paths, several changes at once', () => {
    const base = new MemoryContext('b', { a: '1', b: '1', l: '1' }).addSymlink('s', 'a');
    // git knows only the executable bit: 644 or 755, whichever side is git
    const git = base.clone('g');
    git.modeGranularity = 'git';
    const exec = base.clone('x').addFile('b', '1', 0o755).addFile('a', '1', 0o600);
    assert.deepEqual(diffContexts(git, exec), new Map([['b', { before: 'file:644:c:1', after: 'file:755:c:1' }]]));
    assert.deepEqual([...diffContexts(base, exec).keys()], ['a', 'b']);
    // a path the current ignore file keeps out is removed; content and mode both changed is modified; a link retargeted
    const cur = base.clone('c').addFile('a', '2', 0o755).addFile('.dockerignore', 'l\n').setIgnore('.dockerignore', 'l\n').addSymlink('s', 'b');
    const e = explain({ current: { text: 'FROM alpine\nCOPY . /app\n', context: cur }, baseline: { text: 'FROM alpine\nCOPY . /app\n', context: base } });
    assert.deepEqual([...e.changedPaths], [['.dockerignore', 'added'], ['a', 'modified'], ['l', 'removed'], ['s', 'modified']]);
    assert.deepEqual(diffContexts(base, cur).get('l'), { before: 'file:644:c:1', after: 'absent' });
  });
  test('links: absolute and relative targets from a folder, a target named `..x`, a source one side lacks', () => {
    const text = 'FROM alpine\nCOPY d/link /x\nCOPY other /o\n';
    const rebuilt = (base: MemoryContext, edit: string) =>
      explain({ current: { text, context: base.clone('c').addFile(edit, '2') }, baseline: { text, context: base } }).steps.map((r) => r.status);
    const files = { real: '1', 'd/real': '1', 'd/x': '1', '..x': '1', other: '1' };
    assert.deepEqual(rebuilt(new MemoryContext('b', files).addSymlink('d/link', '/real'), 'real'), ['rebuilt', 'rebuilt'], '/real from d/ is the root one');
    assert.deepEqual(rebuilt(new MemoryContext('b', files).addSymlink('d/link', '/real'), 'd/real'), ['cached', 'cached']);
    assert.deepEqual(rebuilt(new MemoryContext('b', files).addSymlink('d/link', 'x'), 'd/x'), ['rebuilt', 'rebuilt'], 'x from d/ is d/x');
    assert.deepEqual(rebuilt(new MemoryContext('b', files).addSymlink('d/link', '../..x'), '..x'), ['rebuilt', 'rebuilt'], 'a file named ..x');
    // the source exists on one side only: what it selects there is added
    assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY new /n\n', change: (c) => c.addFile('new', '1') })), ['2 rebuilt: files: 1 context path it copies changed: new (added)']);
    // an explicit change list without a baseline context: only the current snapshot is read
    const ctx = new MemoryContext('c', { x: '1', other: '1' });
    assert.deepEqual(explain({ current: { text: 'FROM alpine\nCOPY x /x\nCOPY other /o\n', context: ctx }, baseline: { text: 'FROM alpine\nCOPY x /x\nCOPY other /o\n', context: null }, changed: ['other'] }).steps.map((r) => r.status), ['cached', 'rebuilt']);
  });
  test('a moved source is keyed by its basename and the content it selects, named relative to it (oracle move/*)', () => {
    // the oracle measured the unchanged moves as cached (move/dir-same-basename, move/glob-dir-moved,
    // move/file-same-basename, move/file-both-present-different); the others change the bytes or a name below the source
    const st = (src: string, to: string, files: Record<string, string>, change: (c: MemoryContext) => void, extra = '') =>
      run({ dockerfile: `FROM alpine\nCOPY ${extra}${src} /d/\nRUN ls\n`, after: `FROM alpine\nCOPY ${extra}${to} /d/\nRUN ls\n`, files, change }).steps.map((r) => r.status);
    const lib = { 'a/lib/one.txt': '1', 'a/lib/sub/two.txt': '2', 'a/lib/x.md': 'm' };
    const moveLib = (edit?: (c: MemoryContext) => void) => (c: MemoryContext) => {
      c.remove('a').addFile('b/lib/one.txt', '1').addFile('b/lib/sub/two.txt', '2').addFile('b/lib/x.md', 'm');
      edit?.(c);
    };
    assert.deepEqual(st('a/lib', 'b/lib', lib, moveLib()), ['cached', 'cached']);
    assert.deepEqual(st('a/lib', 'b/lib', lib, moveLib((c) => c.addFile('b/lib/sub/two.txt', '3'))), ['rebuilt', 'rebuilt'], 'a file below differs');
    assert.deepEqual(st('a/lib', 'b/lib', lib, moveLib((c) => c.remove('b/lib/sub/two.txt').addFile('b/lib/sub/three.txt', '2'))), ['rebuilt', 'rebuilt'], 'a name below differs');
    assert.deepEqual(st('a/lib', 'b/lib', lib, moveLib((c) => c.remove('b/lib/x.md'))), ['rebuilt', 'rebuilt'], 'a file fewer');
    const txt = { 'a/one.txt': '1', 'a/two.txt': '2', 'a/n.md': 'n' };
    const moveTxt = (edit?: (c: MemoryContext) => void) => (c: MemoryContext) => {
      c.remove('a').addFile('b/one.txt', '1').addFile('b/two.txt', '2').addFile('b/n.md', 'n');
      edit?.(c);
    };
    assert.deepEqual(st('a/*.txt', 'b/*.txt', txt, moveTxt()), ['cached', 'cached']);
    assert.deepEqual(st('a/*.txt', 'b/*.txt', txt, moveTxt((c) => c.addFile('b/n.md', 'N'))), ['cached', 'cached'], 'a file the pattern does not match');
    assert.deepEqual(st('a/*.txt', 'b/*.txt', txt, moveTxt((c) => c.remove('b/two.txt').addFile('b/six.txt', '2'))), ['rebuilt', 'rebuilt'], 'a match renamed');
    assert.deepEqual(st('a/*.txt', 'b/*.txt', txt, moveTxt((c) => c.addFile('b/two.txt', '3'))), ['rebuilt', 'rebuilt']);
    assert.deepEqual(st('a/*', 'b/*', lib, moveLib()), ['cached', 'cached'], 'a wildcard matching a folder');
    assert.deepEqual(st('a/*', 'b/*', lib, moveLib((c) => c.remove('b/lib/sub/two.txt').addFile('b/lib/sub/six.txt', '2'))), ['rebuilt', 'rebuilt']);
    // files: the bytes decide (both present, the Dockerfile's source changes)
    const both = (b: string) => run({ dockerfile: 'FROM alpine\nCOPY a/x.txt /d/\n', after: 'FROM alpine\nCOPY b/x.txt /d/\n', files: { 'a/x.txt': '1', 'b/x.txt': b } }).steps.map((r) => r.status);
    assert.deepEqual(both('1'), ['cached']);
    assert.deepEqual(both('2'), ['rebuilt']);
  });
  test('a COPY with a moved source and one in place: the one in place is keyed by what changed in it', () => {
    const files = { 'a/lib/one.txt': '1', 'x.txt': '1' };
    const st = (change: (c: MemoryContext) => void) =>
      run({ dockerfile: 'FROM alpine\nCOPY a/lib x.txt /d/\n', after: 'FROM alpine\nCOPY b/lib x.txt /d/\n', files, change: (c) => change(c.remove('a').addFile('b/lib/one.txt', '1')) }).steps.map((r) => r.status);
    assert.deepEqual(st(() => {}), ['cached']);
    assert.deepEqual(st((c) => c.addFile('x.txt', '2')), ['rebuilt']);
  });
  test('many changed paths hinted in no order: named and listed in path order', () => {
    const names = Array.from({ length: 120 }, (_, i) => `f${String(i).padStart(3, '0')}`);
    const files = Object.fromEntries(names.map((n) => [n, '1']));
    const r = rng(7);
    const hint = [...names].sort(() => r() - 0.5);
    const base = new MemoryContext('base', files);
    const cur = base.clone('cur');
    for (const n of hint) cur.addFile(n, '2');
    const e = explain({ current: { text: 'FROM alpine\nCOPY . /app\n', context: cur }, baseline: { text: 'FROM alpine\nCOPY . /app\n', context: base }, changedHint: hint });
    assert.deepEqual([...e.changedPaths.keys()], names);
    assert.deepEqual(e.steps[0]!.reasons[0]!.paths!.map((p) => p.path), names.slice(0, 20));
  });
  test('a COPY of a symlink copies its target: editing the target rebuilds it', () => {
    const dockerfile = 'FROM alpine\nCOPY link /x\nCOPY other /o\n';
    const files = { real: '1', other: '1' };
    const e = run({ dockerfile, files: { ...files }, change: (c) => c.addFile('real', '2') });
    assert.deepEqual(e.steps.map((r) => r.status), ['cached', 'cached']);
    const base = new MemoryContext('b', files).addSymlink('link', 'real');
    const cur = base.clone('c').addFile('real', '2');
    assert.deepEqual(explain({ current: { text: dockerfile, context: cur }, baseline: { text: dockerfile, context: base } }).steps.map((r) => r.status), ['rebuilt', 'rebuilt']);
    const abs = new MemoryContext('b', files).addSymlink('link', '/real');
    assert.deepEqual(explain({ current: { text: dockerfile, context: abs.clone('c').addFile('real', '2') }, baseline: { text: dockerfile, context: abs } }).steps.map((r) => r.status), ['rebuilt', 'rebuilt']);
    const out = new MemoryContext('b', files).addSymlink('link', '../real');
    // BuildKit resolves links scoped to the context root: ../real from the root is real
    assert.deepEqual(explain({ current: { text: dockerfile, context: out.clone('c').addFile('real', '2') }, baseline: { text: dockerfile, context: out } }).steps.map((r) => r.status), ['rebuilt', 'rebuilt']);
    const loop = new MemoryContext('b', files).addSymlink('link', 'link2').addSymlink('link2', 'link');
    assert.deepEqual(explain({ current: { text: dockerfile, context: loop.clone('c').addFile('real', '2') }, baseline: { text: dockerfile, context: loop } }).steps.map((r) => r.status), ['cached', 'cached'], 'a loop selects only the links');
  });
});

describe('source selection', () => {
  test('sourceSelects and compileSource agree: literals, directories, wildcards, classes, escapes', () => {
    const cases: [string, string, boolean][] = [
      ['', 'any/thing', true], ['a', 'a', true], ['a', 'a/b', true], ['a', 'ab', false], ['a/b', 'a', false],
      ['*.js', 'x.js', true], ['*.js', 'd/x.js', false], ['*', 'd/x', true], ['?.js', 'ab.js', false], ['?.js', 'a.js', true],
      ['[ab].txt', 'b.txt', true], ['[ab].txt', 'c.txt', false], ['[^ab].txt', 'a.txt', false], ['[^ab].txt', 'c.txt', true], ['[^ab].txt', '!.txt', true],
      ['a.b', 'axb', false], ['src/*/i.ts', 'src/p/i.ts', true], ['src/*/i.ts', 'src/i.ts', false],
      // a wildcard segment matches the whole name; `src/*` selects what is below src, not src itself
      ['*.js', 'x.jsx', false], ['?', 'ab', false], ['src/*', 'src', false], ['src/*', 'src/a/b', true],
      // wildcard segments up to 1,024 characters are wildcards; longer ones are compared as text (a limit of ours: no
      // file name is that long, NAME_MAX is 255 bytes)
      ['*'.repeat(1023) + 'x', 'ax', true], ['*'.repeat(1024) + 'x', 'ax', false], ['*'.repeat(1024) + 'x', '*'.repeat(1024) + 'x', true],
      // Go's filepath.Match classes (BuildKit's; measured on BuildKit 0.8 with COPY): `!` is a member, not a negation
      ['[!ab].txt', '!.txt', true], ['[!ab].txt', 'a.txt', true], ['[!ab].txt', 'c.txt', false],
      ['[a-c].txt', 'b.txt', true], ['[a-c].txt', 'c.txt', true], ['[a-c].txt', 'd.txt', false], ['[a-c].txt', '-.txt', false],
      ['[a-cx].txt', 'x.txt', true], ['[xa-c].txt', 'b.txt', true], ['[\\]a].txt', '].txt', true], ['[\\]a].txt', 'b.txt', false], ['[c-a]x', 'bx', false],
      // ErrBadPattern (no `]`, empty, a `-` that is no range): BuildKit copies nothing
      ['[x', '[x', false], ['[x', 'x', false], ['[a-].txt', 'a.txt', false], ['[a-].txt', '-.txt', false], ['[-a].txt', 'a.txt', false],
      ['[a-b-c].txt', 'a.txt', false], ['[]a]', 'a', false], ['[]a]', ']', false], ['[a-\\', 'a-\\', false], ['d/[x', 'd/x', false],
      ['a[x', 'a', false], ['[^]a]', 'xa]', false], ['[c-a]x', '[c-a]x', false], ['[ab].txt', 'e.txt', false], ['[^ab].txt', '[.txt', true], ['[^ab].txt', '^.txt', true],
      // backslashes (what is left of them after expansion) as BuildKit's copy reads them (fsutil's splitWildcards and
      // containsWildcards, then filepath.Match): a source without an unescaped wildcard is a literal path, a backslash
      // being part of a name; segments before the first wildcard segment are literal; in a wildcard segment a
      // backslash escapes, and one that ends the segment is ErrBadPattern
      ['a\\*', 'a\\*', true], ['a\\*', 'a*', false], ['a\\*', 'ab', false], ['x\\y', 'x\\y', true], ['x\\y', 'xy', false],
      ['d\\e/*', 'd\\e/x', true], ['d\\e/*', 'de/x', false], ['*/a\\*', 'd/a*', true], ['*/a\\*', 'd/ab', false], ['d*', 'd\\e', true],
      ['*\\', 'a\\', false], ['*\\', 'a', false], ['a*\\', 'ab\\', false], ['[ab]\\', 'a\\', false],
    ];
    for (const [src, p, want] of cases) {
      assert.equal(sourceSelects(src, p), want, `sourceSelects(${src}, ${p})`);
      assert.equal(compileSource(src)(p), want, `compileSource(${src})(${p})`);
    }
  });
  test('selectedChanged (binary search under each source\'s literal part) selects what testing every changed path does', () => {
    const r = rng(14);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    const SEGS = ['src', 'src-old', 'src.bak', 'srcx', 'a', 'a0', 'b', 'x.js', 'y.ts', '[x', 'a*', 'é'];
    const PATS = [...SEGS, '*', '*.js', '?', 's*', '[ab]', 'a\\*', '[!a]*'];
    const path = (n: number, from: string[]) => Array.from({ length: n }, () => pick(from)).join('/');
    let checked = 0;
    for (let k = 0; k < 300; k++) {
      const changed = new Map<string, unknown>();
      for (let i = 0; i < 1 + Math.floor(r() * 40); i++) changed.set(path(1 + Math.floor(r() * 3), SEGS), 1);
      const sources = Array.from({ length: 1 + Math.floor(r() * 3) }, () => (r() < 0.05 ? '' : path(1 + Math.floor(r() * 3), r() < 0.5 ? SEGS : PATS)));
      const read = { sources, excludes: r() < 0.3 ? [path(1, PATS)] : [], via: 'copy' } as unknown as Parameters<typeof selectedChanged>[0];
      const want = [...changed.keys()].filter((p) => readSelects(read, p)).sort();
      assert.deepEqual([...selectedChanged(read, changed)].sort(), want, JSON.stringify({ sources, excludes: read.excludes, changed: [...changed.keys()] }));
      checked += want.length;
    }
    assert.ok(checked > 300, `enough selected paths to mean something (${checked})`);
  });
  test('wildcard classes as BuildKit reads them: `[!ab]` is `!`, `a` or `b`; a malformed class copies nothing', () => {
    // measured on BuildKit 0.8 (Docker 20.10): `COPY [!ab].txt /c/` copied `!.txt`, `a.txt`, `b.txt` (not `c.txt`);
    // `COPY [a-].txt /c/` copied nothing (`COPY [a-].txt k.txt /c/` failed: "syntax error in pattern")
    const files = { 'a.txt': '1', 'c.txt': '1', '!.txt': '1', '-.txt': '1' };
    const bang = 'FROM alpine\nCOPY [!ab].txt /c/\n';
    assert.deepEqual(why(run({ dockerfile: bang, files, change: (c) => c.addFile('a.txt', '2') })), ['2 rebuilt: files: 1 context path it copies changed: a.txt (modified)']);
    assert.deepEqual(why(run({ dockerfile: bang, files, change: (c) => c.addFile('!.txt', '2') })), ['2 rebuilt: files: 1 context path it copies changed: !.txt (modified)']);
    assert.deepEqual(why(run({ dockerfile: bang, files, change: (c) => c.addFile('c.txt', '2') })), ['2 cached: ']);
    const bad = 'FROM alpine\nCOPY [a-].txt /c/\n';
    assert.deepEqual(why(run({ dockerfile: bad, files, change: (c) => c.addFile('a.txt', '2').addFile('-.txt', '2') })), ['2 cached: ']);
  });
  test('COPY --exclude leaves the excluded paths out of what the step reads', () => {
    const dockerfile = 'FROM alpine\nCOPY --exclude=*.md . /app\n';
    const files = { 'a.md': '1', 'b.js': '1' };
    assert.deepEqual(run({ dockerfile, files, change: (c) => c.addFile('a.md', '2') }).steps.map((r) => r.status), ['cached']);
    assert.deepEqual(run({ dockerfile, files, change: (c) => c.addFile('b.js', '2') }).steps.map((r) => r.status), ['rebuilt']);
  });
  // BuildKit matches the patterns as .dockerignore lines against each path relative to the source (or to the wildcard
  // match it lies in), never the source or match itself: moby/buildkit issues 5509 and 5489 report these readings on
  // real builders (BuildKit 0.8 here has no --exclude); cache/contenthash and fsutil's copy do the same
  test('COPY --exclude patterns are relative to the source (or wildcard match), with .dockerignore rules', () => {
    const files = { 'docs/a.md': '1', 'docs/x/b.md': '1', 'docs/keep.md': '1', 'docs/i.js': '1', a: '1', b: '1', 'dx/r.md': '1', 'dm.md': '1' };
    const st = (dockerfile: string, path: string) => run({ dockerfile, files, change: (c) => c.addFile(path, '2') }).steps.map((r) => r.status)[0];
    const md = 'FROM alpine\nCOPY --exclude=*.md docs /d/\n';
    assert.equal(st(md, 'docs/a.md'), 'cached'); // `a.md` below `docs`
    assert.equal(st(md, 'docs/x/b.md'), 'rebuilt'); // `x/b.md`: `*.md` matches the top level only (`**/*.md` would not)
    assert.equal(st(md, 'docs/i.js'), 'rebuilt');
    assert.equal(st('FROM alpine\nCOPY --exclude=docs/a.md docs /d/\n', 'docs/a.md'), 'rebuilt'); // names docs/docs/a.md
    assert.equal(st('FROM alpine\nCOPY --exclude=**/*.md docs /d/\n', 'docs/x/b.md'), 'cached');
    assert.equal(st('FROM alpine\nCOPY --exclude=x docs /d/\n', 'docs/x/b.md'), 'cached'); // a folder's pattern excludes what is in it
    const keep = 'FROM alpine\nCOPY --exclude=*.md --exclude=!keep.md docs /d/\n';
    assert.deepEqual([st(keep, 'docs/keep.md'), st(keep, 'docs/a.md')], ['rebuilt', 'cached']);
    assert.equal(st('FROM alpine\nCOPY --exclude=a * /d/\n', 'a'), 'rebuilt'); // a top-level match is never excluded
    const wild = 'FROM alpine\nCOPY --exclude=*.md d* /d/\n';
    assert.deepEqual([st(wild, 'dx/r.md'), st(wild, 'dm.md'), st(wild, 'docs/a.md')], ['cached', 'rebuilt', 'cached']);
    // the source itself: a file source is copied whatever the pattern
    assert.equal(st('FROM alpine\nCOPY --exclude=a.md docs/a.md /d/\n', 'docs/a.md'), 'rebuilt');
    assert.equal(readSelects({ via: 'COPY', sources: ['docs'], excludes: ['*.md'] }, 'docs/a.md'), false);
    assert.equal(readSelects({ via: 'COPY', sources: ['src', 'docs'], excludes: ['*.md'] }, 'docs/x/b.md'), true);
    // the patterns `ab`, and `a` with `b`, are other matchers (compiled once per list, never confused)
    assert.equal(readSelects({ via: 'COPY', sources: ['d'], excludes: ['ab'] }, 'd/ab'), false);
    assert.equal(readSelects({ via: 'COPY', sources: ['d'], excludes: ['a', 'b'] }, 'd/ab'), true);
  });
  test('a moved source with --exclude is keyed on what it selects minus the excluded paths, per read', () => {
    const files = { 'a/docs/x.md': '1', 'b/docs/x.md': '2', 'a/docs/m.js': 'j', 'b/docs/m.js': 'j' };
    const statuses = (dockerfile: string, after: string) => run({ dockerfile, after, files }).steps.map((r) => r.status);
    // the same basename and, without the excluded x.md, the same content: BuildKit's content hash is the same
    assert.deepEqual(statuses('FROM alpine\nCOPY --exclude=*.md a/docs /d/\n', 'FROM alpine\nCOPY --exclude=*.md b/docs /d/\n'), ['cached']);
    // two reads of one moved source, one with the pattern and one without: each is keyed on its own selection
    assert.deepEqual(
      statuses('FROM alpine\nCOPY --exclude=*.md a/docs /d/\nCOPY a/docs /e/\n', 'FROM alpine\nCOPY --exclude=*.md b/docs /d/\nCOPY b/docs /e/\n'),
      ['cached', 'rebuilt'],
    );
  });
});

describe('kept models (the forecast: the same model objects explained after each context event)', () => {
  // computeKeys keeps each model's last key material per side: a step whose parent keys, context content (strict and
  // optimistic) and source-stage keys are those of the last computation on that side reuses its keys. Each event below
  // changes one of those parts alone for some step; the kept models must give what fresh models with no reuse give.
  const fresh = <T>(f: () => T): T => {
    setKeyReuse(false);
    try {
      return f();
    } finally {
      setKeyReuse(true);
    }
  };
  test('explain after each event: the statuses and reasons of a fresh computation (parent, own content, same stat)', () => {
    const text = 'FROM alpine\nCOPY a.txt /a\nRUN make\nCOPY b.txt /b\n';
    const base = new MemoryContext('base', { 'a.txt': '1', 'b.txt': '1' });
    const cur = base.clone('cur');
    const bm = analyze(text);
    const hint = new Set<string>();
    // [path, content, same stat]: a.txt twice (RUN make: its parent's keys alone differ); a.txt with its stat kept, then
    // the same bytes without (the optimistic content alone differs: COPY a.txt, then RUN make's optimistic parent)
    const events: [string, string, boolean][] = [['b.txt', '2', false], ['a.txt', '2', false], ['a.txt', '3', false], ['a.txt', '4', true], ['a.txt', '4', false], ['a.txt', '5', true], ['a.txt', '1', false]];
    const seen = new Set<string>();
    for (const [k, [p, content, same]] of events.entries()) {
      cur.addFile(p, content);
      hint.add(p);
      const input = { current: { text, context: cur }, baseline: { text, context: base }, changedHint: hint, sameStat: same ? [p] : undefined };
      const want = fresh(() => why(explain(input)));
      assert.deepEqual(why(explain({ ...input, currentModel: bm, baselineModel: bm })), want, `event ${k}`);
      seen.add(want.join('\n'));
    }
    // what the events make of a.txt's steps: rebuilt, maybe (same stat), cached (put back)
    assert.ok(seen.size >= 3, [...seen].join('\n\n'));
  });
  test('a source stage changed with its stat kept: the step copying from it may rebuild (its strict key differs)', () => {
    const text = 'FROM alpine AS s\nCOPY s.txt /s\nFROM alpine\nCOPY --from=s /s /s\n';
    const base = new MemoryContext('base', { 's.txt': '1' });
    const cur = base.clone('cur').addFile('s.txt', '2');
    assert.deepEqual(explain({ current: { text, context: cur }, baseline: { text, context: base }, sameStat: ['s.txt'] }).steps.map((r) => r.status), ['maybe', 'maybe']);
  });
  test('contentKeys after each event: the keys of a fresh computation (a source stage changed: the strict keys alone differ)', () => {
    // the main stage reads no context path: a change in stage s reaches its COPY --from only through s's strict key
    // (the optimistic one holds the copied path's name), and RUN test only through its parent's strict key
    const text = 'FROM alpine AS s\nCOPY s.txt /s\nFROM alpine\nRUN make\nCOPY --from=s /s /s\nRUN test\n';
    const cur = new MemoryContext('cur', { 's.txt': '1' });
    const bm = analyze(text);
    const keys = new Set<string>();
    for (const content of ['2', '3', '1', '3']) {
      cur.addFile('s.txt', content);
      const want = fresh(() => contentKeys(analyze(text), cur));
      assert.deepEqual(contentKeys(bm, cur), want, `s.txt = ${content}`);
      keys.add(want.at(-1)!);
    }
    assert.equal(keys.size, 3);
    // a RUN mounting two stages, one changed and one without steps (no key of its own but its image's): computed again
    const two = 'FROM alpine AS s\nCOPY s.txt /s\nFROM alpine AS t\nFROM alpine\nRUN --mount=type=bind,from=t,target=/t --mount=type=bind,from=s,target=/s cat /s/s\n';
    const tm = analyze(two);
    for (const content of ['4', '1']) {
      cur.addFile('s.txt', content);
      assert.deepEqual(contentKeys(tm, cur), fresh(() => contentKeys(analyze(two), cur)), `two mounts, s.txt = ${content}`);
    }
  });
});

describe('impact of a miss', () => {
  test('impactOf: the rest of the stage, stages built FROM it, and maybe for the steps copying from it', () => {
    // steps 0,1 (a) | 2 (b FROM a) | 3,4,5 (c, copies from a) | 6 (unused, copies from a) | 7 (FROM c)
    const text = 'FROM alpine AS a\nRUN echo 0\nRUN echo 1\nFROM a AS b\nRUN echo 2\nFROM alpine AS c\nRUN echo 3\nCOPY --from=a /x /x\nRUN echo 5\nFROM alpine AS unused\nCOPY --from=a /x /x\nFROM c\nRUN echo 7\n';
    const m = analyze(text);
    // stages the target does not build (b, unused) do not count
    assert.deepEqual(impactOf(m, 0), { rebuilt: [1], maybe: [4, 5] });
    assert.deepEqual(impactOf(m, 3), { rebuilt: [4, 5, 7], maybe: [] });
    assert.deepEqual(impactOf(m, 5), { rebuilt: [7], maybe: [] });
    assert.deepEqual(impactOf(m, 7), { rebuilt: [], maybe: [] });
    // ... except the step's own stage, and everything when the step's stage is not built itself
    assert.deepEqual(impactOf(m, 6), { rebuilt: [], maybe: [] });
    const b = analyze(text, { target: 'b' });
    assert.deepEqual(impactOf(b, 0), { rebuilt: [1, 2], maybe: [] });
    assert.deepEqual(impactOf(b, 2), { rebuilt: [], maybe: [] });
    assert.deepEqual(impactOf(b, 3), { rebuilt: [4, 5, 7], maybe: [] }, 'c is not built for b: its own chain still counts');
  });
});

describe('the summary and the impact of a miss, every kind at once', () => {
  test('the summary counts each status on its own (maybe, cached, skipped) and names the first miss', () => {
    const t = (a: string) => `FROM alpine AS a\nRUN echo ${a}\nFROM alpine AS unused\nRUN echo u\nFROM alpine\nRUN echo first\nCOPY --from=a /a /a\nRUN echo x\n`;
    const e = run({ dockerfile: t('a'), after: t('A') });
    assert.deepEqual(e.steps.map((r) => r.status), ['rebuilt', 'skipped', 'cached', 'maybe', 'maybe']);
    assert.deepEqual({ ...e.summary, firstMiss: e.summary.firstMiss?.step.line }, { total: 4, rebuilt: 1, maybe: 2, cached: 1, skipped: 1, firstMiss: 1 });
  });
  test('impactOf: stages reached through several children, and copies from them, in step order', () => {
    const text = [
      'FROM alpine AS a', 'RUN echo 0', 'RUN echo 1', // steps 0, 1
      'FROM a AS b', 'RUN echo 2', // 2
      'FROM a AS c', 'RUN echo 3', // 3
      'FROM b AS e', 'RUN echo 4', // 4
      'FROM alpine AS x', 'COPY --from=a /a /a', // 5
      'FROM alpine AS y', 'COPY --from=b /b /b', 'COPY --from=busybox /bin/sh /sh', // 6, 7 (an image: no stage)
      'FROM e', 'COPY --from=c /c /c', 'COPY --from=x /a /xa', 'COPY --from=y /b /yb', // 8, 9, 10
    ].join('\n') + '\n';
    const m = analyze(text);
    // found depth first (b, e, the last stage, then c; y's copy before x's), reported in step order
    assert.deepEqual(impactOf(m, 0), { rebuilt: [1, 2, 3, 4, 8, 9, 10], maybe: [5, 6, 7] });
    // the last step of y: only the copy from y may rerun
    assert.deepEqual(impactOf(m, 7), { rebuilt: [], maybe: [10] });
  });
});
