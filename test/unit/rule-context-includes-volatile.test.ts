// context-includes-volatile in detail: exact messages, each volatile kind, Dockerfiles and ignore files (a shared
// ignore file or a Dockerfile's own), what a COPY names explicitly, steps that read the whole tree or git, and the
// ignore-file edit. Written for the mutation run of the rule (test/mutation-equivalents.md); rules.test.ts has its
// broader cases. Every test name starts with the rule's id (`LAYERWISE_MUTATION_TESTS=context-includes-volatile`
// runs these and the rule's other tests only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, MemoryContext, RULES } from '../../server/src/engine';
import { ctxOf } from './helpers';

const R = 'context-includes-volatile';
const find = (text: string, c: MemoryContext | null, opts: Parameters<typeof check>[2] = {}) => check(text, c, opts).findings.filter((f) => f.rule === R);
const one = (text: string, c: MemoryContext | null, opts: Parameters<typeof check>[2] = {}) => {
  const f = find(text, c, opts);
  assert.equal(f.length, 1, text);
  return { line: f[0]!.range.start.line, end: f[0]!.range.end.character, severity: f[0]!.severity, message: f[0]!.message, fix: f[0]!.fix?.title, edits: f[0]!.fix?.edits.map((e) => [e.file, e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.newText]), effect: f[0]!.fix?.effect, refused: f[0]!.fixRefused };
};
const SEP = '. A change there reruns this step and all that follow.';
const NO_IGNORE = ' There is no .dockerignore, so everything in the context is sent.';
/** A context whose .dockerignore already keeps the Dockerfile and itself out. */
const quiet = (files: string[]) => ctxOf(files, 'Dockerfile\n.dockerignore\n');

test('context-includes-volatile: catalogue entry', () => {
  const r = RULES.find((x) => x.id === R)!;
  assert.match(r.description, /^A COPY of the whole context \(or a bind mount of it\) includes files that change on every commit/);
  assert.deepEqual([r.title, r.defaultSeverity], ['Broad COPY takes in volatile files', 'warning']);
});

test('context-includes-volatile: every kind of volatile path, counted, in catalogue order, and the fix', () => {
  const c = ctxOf(['.git/HEAD', '.git/x', 'node_modules/a/b', 'a.log', 'x/a.log', 'src/.DS_Store', '.DS_Store', 'a.swp', 'b~', 'c.swo', 'Dockerfile', 'Dockerfile.dev', 'x.Dockerfile', '.dockerignore', 'a.js']);
  assert.deepEqual(one('FROM node\nCOPY . .\n', c), {
    line: 1, end: 8, severity: 'warning',
    message: '`COPY . .` sends 15 files to the builder, including .git (3 paths) — changes on every commit; node_modules (3 paths) — installed by the build, platform-specific; .DS_Store — OS metadata; **/.DS_Store — OS metadata; *.log — logs; **/*.sw? (3 paths) — editor swap files; 4 Dockerfiles and ignore files — editing any of them, even a comment, reruns this step' + SEP + NO_IGNORE,
    fix: 'Exclude .git, node_modules, .DS_Store, **/.DS_Store, *.log, **/*.sw?, Dockerfile, .dockerignore in .dockerignore',
    edits: [['dockerignore', 0, 0, 0, 0, '# added by layerwise: keep volatile files out of the build context\n.git\nnode_modules\n.DS_Store\n**/.DS_Store\n*.log\n**/*.sw?\nDockerfile\n.dockerignore\n']],
    effect: { ignore: { patterns: ['.git', 'node_modules', '.DS_Store', '**/.DS_Store', '*.log', '**/*.sw?', 'Dockerfile', '.dockerignore'], step: 0 } },
    refused: undefined,
  });
  const kinds: [string, string][] = [
    ['.venv', 'a local virtualenv'], ['venv', 'a local virtualenv'], ['__pycache__', 'bytecode caches'], ['.pytest_cache', 'test caches'], ['.mypy_cache', 'type-checker caches'],
    ['.tox', 'test environments'], ['coverage', 'test coverage output'], ['.nyc_output', 'test coverage output'], ['.next', 'build output'], ['.nuxt', 'build output'],
    ['.turbo', 'build caches'], ['.gradle', 'build caches'], ['.idea', 'editor settings'], ['.vscode', 'editor settings'],
  ];
  for (const [dir, why] of kinds) {
    const f = one('FROM x\nCOPY . .\n', quiet([dir + '/a']));
    assert.equal(f.message, `\`COPY . .\` sends 1 file to the builder, including ${dir} (2 paths) — ${why}` + SEP, dir);
    assert.deepEqual(f.edits, [['dockerignore', 2, 0, 2, 0, dir + '\n']], dir);
  }
  // one path: no count; a folder of that name deeper down, a log below the root: not these
  assert.equal(one('FROM x\nCOPY . .\n', quiet(['a.log'])).message, '`COPY . .` sends 1 file to the builder, including *.log — logs' + SEP);
  assert.deepEqual(find('FROM x\nCOPY . .\n', quiet(['src/node_modules/a', 'logs/a.log', 'a.logx', 'swp', 'a.swpx'])), []);
});

test('context-includes-volatile: the Dockerfile, its ignore file and other Dockerfiles at the root', () => {
  const c = ctxOf(['Dockerfile', 'Containerfile', 'a.dockerfile', 'Dockerfile.x', 'sub/Dockerfile', 'a.js'], 'x');
  const f = one('FROM x\nCOPY . .\n', c);
  assert.equal(f.message, '`COPY . .` sends 7 files to the builder, including 5 Dockerfiles and ignore files — editing any of them, even a comment, reruns this step' + SEP);
  // a shared .dockerignore also decides what the other Dockerfiles' builds send: only this one and the ignore file are excluded
  assert.deepEqual(f.edits, [['dockerignore', 0, 1, 0, 1, '\nDockerfile\n.dockerignore\n']]);
  assert.equal(one('FROM x\nCOPY . .\n', ctxOf(['Dockerfile', 'Containerfile', 'a.js'], 'x\n')).message, '`COPY . .` sends 4 files to the builder, including Dockerfile, Containerfile, .dockerignore — editing any of them, even a comment, reruns this step' + SEP);
  assert.equal(one('FROM x\nCOPY . .\n', ctxOf(['Dockerfile', 'a.js'], 'x\n')).message, '`COPY . .` sends 3 files to the builder, including Dockerfile, .dockerignore — editing any of them, even a comment, reruns this step' + SEP);
  assert.equal(one('FROM x\nCOPY . .\n', ctxOf(['a.js'], 'x\n')).message, '`COPY . .` sends 2 files to the builder, including .dockerignore — editing it, even a comment, reruns this step' + SEP);
  // the Dockerfile built, wherever it is; its own ignore file excludes every Dockerfile
  const own = new MemoryContext('c');
  own.addFile('web/app.Dockerfile', 'x').addFile('Dockerfile', 'x').addFile('web/app.Dockerfile.dockerignore', 'x\n').addFile('a.js', '1');
  own.setIgnore('web/app.Dockerfile.dockerignore', 'x\n');
  const o = one('FROM x\nCOPY . .\n', own, { dockerfile: 'web/app.Dockerfile' });
  assert.equal(o.message, '`COPY . .` sends 4 files to the builder, including web/app.Dockerfile, Dockerfile, web/app.Dockerfile.dockerignore — editing any of them, even a comment, reruns this step' + SEP);
  assert.equal(o.fix, 'Exclude web/app.Dockerfile, Dockerfile, web/app.Dockerfile.dockerignore in web/app.Dockerfile.dockerignore');
  // an ignore file that is not this Dockerfile's own: only itself is excluded
  const u = one('FROM x\nCOPY . .\n', own, { dockerfile: null });
  assert.equal(u.message, '`COPY . .` sends 4 files to the builder, including Dockerfile, web/app.Dockerfile.dockerignore — editing any of them, even a comment, reruns this step' + SEP);
  assert.equal(u.fix, 'Exclude web/app.Dockerfile.dockerignore in web/app.Dockerfile.dockerignore');
  assert.equal(one('FROM x\nCOPY . .\n', own, { dockerfile: 'other.Dockerfile' }).fix, 'Exclude web/app.Dockerfile.dockerignore in web/app.Dockerfile.dockerignore');
});

test('context-includes-volatile: what a COPY names stays in the context', () => {
  const c = ctxOf(['Dockerfile', 'node_modules/a', 'x/.DS_Store', 'a.js', '.git/HEAD'], 'x\n');
  const f = one('FROM x\nCOPY . .\nCOPY Dockerfile /d\nCOPY node_modules/a /n\nCOPY .DS_Store /s\n', c);
  assert.equal(f.message, '`COPY . .` sends 5 files to the builder, including .git (2 paths) — changes on every commit; Dockerfile, .dockerignore — editing any of them, even a comment, reruns this step' + SEP);
  assert.equal(f.fix, 'Exclude .git, .dockerignore in .dockerignore');
  // a named `**/.DS_Store` source keeps the pattern out of the fix
  assert.equal(one('FROM x\nCOPY . .\nCOPY x/.DS_Store /d\n', c).fix, 'Exclude .git, node_modules, Dockerfile, .dockerignore in .dockerignore');
});

test('context-includes-volatile: nothing to say, and what is said with nothing volatile', () => {
  assert.deepEqual(find('FROM x\nCOPY . .\n', null), []);
  const partial = ctxOf(['a.log']);
  Object.defineProperty(partial, 'partial', { value: true });
  assert.deepEqual(find('FROM x\nCOPY . .\n', partial), []);
  assert.deepEqual(find('FROM x\nCOPY a.js .\n', ctxOf(['a.log', 'a.js'])), []);
  assert.deepEqual(find('FROM x\nONBUILD COPY . .\n', ctxOf(['a.log', 'a.js'])), []);
  assert.deepEqual(find('FROM x\nCOPY . .\n', quiet(['a.js'])), [], 'an ignore file and nothing volatile');
  // no ignore file: still reported (anything that lands there later reruns it); the fix adds an ignore file that ignores itself
  assert.deepEqual(one('FROM node\nCOPY . .\n', ctxOf(['a.js'])), {
    line: 1, end: 8, severity: 'warning',
    message: '`COPY . .` sends 1 file to the builder.' + NO_IGNORE + ' Any file that lands in the context later (logs, build output, editor files) will rerun this step and all that follow.',
    fix: 'Exclude .dockerignore in .dockerignore',
    edits: [['dockerignore', 0, 0, 0, 0, '# added by layerwise: keep volatile files out of the build context\n.dockerignore\n']],
    effect: { ignore: { patterns: ['.dockerignore'], step: 0 } },
    refused: undefined,
  });
  // each broad step is reported; the edit goes after the last line of the ignore file, with a newline when it has none
  assert.deepEqual(find('FROM x\nCOPY . .\nCOPY . /b\n', ctxOf(['a.log', 'a.js'], '')).map((f) => [f.range.start.line, f.fix?.edits[0]?.range.start, f.fix?.edits[0]?.newText]), [
    [1, { line: 0, character: 0 }, '*.log\n.dockerignore\n'],
    [2, { line: 0, character: 0 }, '*.log\n.dockerignore\n'],
  ]);
  assert.deepEqual(one('FROM x\nCOPY . .\n', ctxOf(['a.log'], 'x')).edits, [['dockerignore', 0, 1, 0, 1, '\n*.log\n.dockerignore\n']]);
  assert.deepEqual(one('FROM x\nCOPY . .\n', ctxOf(['a.log'], 'x\ny\n')).edits, [['dockerignore', 2, 0, 2, 0, '*.log\n.dockerignore\n']]);
});

test('context-includes-volatile: steps that read the whole tree or the git state', () => {
  const bind = one('FROM node\nRUN --mount=type=bind,target=/src make\n', ctxOf(['a.js', '.git/HEAD']));
  assert.equal(bind.severity, 'info');
  assert.equal(bind.message, '`RUN --mount=type=bind,target=/src make` bind-mounts the whole context (2 files), including .git (2 paths) — changes on every commit' + SEP + NO_IGNORE + ' The RUN at line 2 bind-mounts the whole context: what it runs may read every file (scripts, generators, validators, git); its rerun on any change is expected, and no ignore-file fix is offered.');
  assert.deepEqual([bind.fix, bind.refused], [undefined, { title: 'Exclude volatile files in .dockerignore', reason: 'the RUN at line 2 bind-mounts the whole context: what it runs may read every file (scripts, generators, validators, git)' }]);
  // a RUN that reads git keeps .git out of the list (and out of the fix)
  for (const run of ['git describe', 'VERSION=$(git rev-parse HEAD) make', 'cat .git/HEAD', 'pip install setuptools_scm', 'pip install setuptools-scm', 'go build -buildvcs=true', 'python versioneer.py', 'GIT_DIR=/x make'])
    assert.doesNotMatch(one(`FROM x\nCOPY . .\nRUN ${run}\n`, ctxOf(['.git/HEAD', 'a.log'])).message, /\.git \(/, run);
  for (const run of ['echo digit', 'legit x', 'echo .gitignore-like'])
    assert.match(one(`FROM x\nCOPY . .\nRUN ${run}\n`, ctxOf(['.git/HEAD', 'a.log'])).message, /\.git \(2 paths\)/, run);
  assert.match(one('FROM x\nCOPY . .\nRUN ["git", "describe"]\n', ctxOf(['.git/HEAD', 'a.log'])).message, /including \*\.log/);
  assert.doesNotMatch(one('FROM x\nCOPY . .\nRUN ["git", "describe"]\n', ctxOf(['.git/HEAD', 'a.log'])).message, /\.git \(/);
  assert.match(one('FROM x\nCOPY . .\nCOPY git /g\n', ctxOf(['.git/HEAD', 'a.log', 'git'])).message, /\.git \(2 paths\)/, 'a COPY is not a RUN that reads git');
});

test('context-includes-volatile: Dockerfiles of one context share its counts, and one that runs git leaves them whole for the next', () => {
  const c = quiet(['.git/HEAD', 'node_modules/a', 'a.js']);
  const named = (text: string) => /including (.*?)\. A change/.exec(find(text, c)[0]?.message ?? '')?.[1];
  const both = '.git (2 paths) — changes on every commit; node_modules (2 paths) — installed by the build, platform-specific';
  assert.equal(named('FROM node\nCOPY . .\n'), both);
  assert.equal(named('FROM node\nCOPY . .\nRUN git rev-parse HEAD > /rev\n'), 'node_modules (2 paths) — installed by the build, platform-specific');
  assert.equal(named('FROM node\nCOPY . .\n'), both);
});

test('context-includes-volatile: session 12, names that only look volatile, what a COPY names, a root .dockerignore beside its own, no empty fix', () => {
  for (const p of ['src/.DS_Storex', 'a~b', 'myDockerfile', 'Dockerfile_old', 'a.dockerfile.bak'])
    assert.deepEqual(find('FROM a\nCOPY . .\n', quiet([p, 'a.js'])), [], p);
  // a log the Dockerfile copies by name is needed: *.log is not offered; nor **/.DS_Store when it copies one
  const logs = one('FROM a\nCOPY a.log /x\nCOPY . .\n', quiet(['a.log', 'a.js', 'node_modules/x']));
  assert.doesNotMatch(logs.message, /\*\.log/);
  const ds = one('FROM a\nCOPY .DS_Store /x\nCOPY . .\n', quiet(['.DS_Store', 'src/.DS_Store', 'node_modules/x']));
  assert.doesNotMatch(ds.message, /DS_Store/);
  // another Dockerfile under a shared .dockerignore: named, but not excluded, so no fix at all
  const shared = one('FROM a\nCOPY . .\n', quiet(['Dockerfile.dev', 'a.js']));
  assert.match(shared.message, /Dockerfile\.dev — editing it/);
  assert.equal(shared.fix, undefined);
  // with a Dockerfile's own ignore file, a root .dockerignore is one more Dockerfile-like file
  const own = new MemoryContext('own');
  own.addFile('app.Dockerfile', 'x').addFile('app.Dockerfile.dockerignore', 'x\n').addFile('.dockerignore', 'y\n').addFile('a.js', '1');
  own.setIgnore('app.Dockerfile.dockerignore', 'x\n');
  assert.match(one('FROM x\nCOPY . .\n', own, { dockerfile: 'app.Dockerfile' }).message, /app\.Dockerfile, app\.Dockerfile\.dockerignore, \.dockerignore — editing any of them/);
});
