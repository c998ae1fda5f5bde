// mutable-base-image, copy-ignored-file, arg-declared-early and costly-step-after-volatile-copy in detail: exact
// messages, ranges, related information, and the branches that decide whether each reports and offers a fix. Written
// for the mutation runs of these rules (test/mutation-equivalents.md); rules.test.ts has their broader cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, MemoryContext, RULES } from '../../server/src/engine';

function ctx(files: string[], ignore?: string): MemoryContext {
  const c = new MemoryContext('ctx');
  for (const f of files) c.addFile(f, f);
  if (ignore !== undefined) c.addFile('.dockerignore', ignore).setIgnore('.dockerignore', ignore);
  return c;
}
const find = (rule: string, text: string, c: MemoryContext | null = null) => check(text, c).findings.filter((f) => f.rule === rule);
const brief = (rule: string, text: string, c: MemoryContext | null = null) =>
  find(rule, text, c).map((f) => ({ line: f.range.start.line, end: f.range.end.character, severity: f.severity, message: f.message, related: f.related?.map((r) => [r.range.start.line, r.message]), fix: f.fix?.title }));

test('catalogue entries', () => {
  const of = (id: string) => RULES.find((r) => r.id === id)!;
  assert.deepEqual([of('mutable-base-image').title, of('mutable-base-image').defaultSeverity], ['Base image without a pinned tag', 'warning']);
  assert.deepEqual([of('copy-ignored-file').title, of('copy-ignored-file').defaultSeverity], ['COPY of a path excluded by .dockerignore', 'error']);
  assert.deepEqual([of('arg-declared-early').title, of('arg-declared-early').defaultSeverity], ['ARG declared long before it is used', 'warning']);
  assert.deepEqual([of('costly-step-after-volatile-copy').title, of('costly-step-after-volatile-copy').defaultSeverity], ['Costly step after a COPY it does not need', 'warning']);
  assert.match(of('mutable-base-image').description, /^FROM an image without a tag or with :latest\./);
  assert.match(of('copy-ignored-file').description, /^A COPY\/ADD source is excluded by \.dockerignore\./);
  assert.match(of('arg-declared-early').description, /^An ARG with a value is put in the environment of every later RUN of its stage/);
  assert.match(of('costly-step-after-volatile-copy').description, /^A costly RUN \(package install, download, compile\)/);
});

const MB = 'mutable-base-image';
test('mutable-base-image: no tag or :latest, how many steps key on it (its stage and the stages built on it), the version hint', () => {
  const pin = (r: string) => `Pin a version (e.g. \`${r}:<version>\`) or a digest.`;
  assert.deepEqual(brief(MB, 'FROM ubuntu\nRUN a\nRUN b\nFROM ubuntu:24.04 AS x\nFROM ubuntu:latest AS y\nRUN c\nFROM y\nRUN d\n'), [
    { line: 0, end: 11, severity: 'warning', message: '`ubuntu` has no tag (it means :latest): 2 steps key on a moving target — when the tag moves they all rebuild, and builds on different machines differ. ' + pin('ubuntu'), related: undefined, fix: undefined },
    { line: 4, end: 23, severity: 'warning', message: '`ubuntu:latest` uses :latest: 2 steps key on a moving target — when the tag moves they all rebuild, and builds on different machines differ. ' + pin('ubuntu'), related: undefined, fix: undefined },
  ]);
  assert.equal(find(MB, 'FROM ubuntu:latest\nRUN a\n')[0]!.message, '`ubuntu:latest` uses :latest: 1 step keys on a moving target — when the tag moves it rebuilds, and builds on different machines differ. ' + pin('ubuntu'));
  assert.equal(find(MB, 'FROM ubuntu\n')[0]!.message, '`ubuntu` has no tag (it means :latest): the image is whatever the tag points to when the builder resolves it, and builds on different machines differ. ' + pin('ubuntu'));
  // a registry with a port keeps its port and path in the hint (it used to cut the reference at the first colon)
  const hints = find(MB, 'FROM registry.example.com:5000/team/img\nFROM gcr.io/x/y:latest\nFROM localhost/app\nFROM a__b/c-d.e\nFROM --platform=linux/arm64 ubuntu\n').map((f) => [f.range.start.line, /e\.g\. `([^`]*)`/.exec(f.message)![1]]);
  assert.deepEqual(hints, [[0, 'registry.example.com:5000/team/img:<version>'], [1, 'gcr.io/x/y:<version>'], [2, 'localhost/app:<version>'], [3, 'a__b/c-d.e:<version>'], [4, 'ubuntu:<version>']]);
  // not image references (placeholders, upper case, empty components), variables, digests, stages, scratch, a tag
  assert.deepEqual(find(MB, 'FROM REPLACE-ME\nFROM Ubuntu\nFROM a..b\nFROM a/\nFROM img:v1\nFROM img@sha256:abc\nARG V\nFROM ${V}\nFROM scratch AS s\nFROM s\n'), []);
});

const CI = 'copy-ignored-file';
test('copy-ignored-file: the pattern that excludes, the fix hint, a whole excluded folder, what it leaves to others', () => {
  const c = ctx(['secret.env', 'app.js', 'dist/a.js'], '*.env\ndist\n');
  assert.deepEqual(brief(CI, 'FROM node\nCOPY secret.env app.js ./\nCOPY dist/a.js /a\nCOPY *.env /x\nONBUILD COPY secret.env /s\nCOPY app.js /all\n', c), [
    { line: 1, end: 25, severity: 'error', message: '`COPY secret.env app.js ./` copies `secret.env`, which .dockerignore line 1 (`*.env`) excludes: it is never sent to the builder, so this COPY fails with "not found". Remove the pattern or add `!secret.env` after it.', related: undefined, fix: undefined },
    { line: 2, end: 17, severity: 'error', message: '`COPY dist/a.js /a` copies `dist/a.js`, which .dockerignore line 2 (`dist`) excludes: it is never sent to the builder, so this COPY fails with "not found". Remove the pattern or add `!dist/a.js` after it.', related: undefined, fix: undefined },
  ]);
  // not in the context at all: copy-source-missing's; inside an excluded folder that is not there: may or may not exist
  assert.deepEqual(brief(CI, 'FROM node\nCOPY missing.env /m\nADD dist/nope.js /n\n', ctx(['app.js'], '*.env\ndist\n')).map((f) => [f.line, f.message]), [
    [2, '`ADD dist/nope.js /n` copies `dist/nope.js`, which .dockerignore line 2 (`dist`) excludes together with its whole folder: whether or not it exists, it is never sent to the builder, so this ADD fails with "not found".'],
  ]);
  // no .dockerignore, no context: nothing to say
  assert.deepEqual(find(CI, 'FROM node\nCOPY secret.env /m\n', ctx(['secret.env'])), []);
  assert.deepEqual(find(CI, 'FROM node\nCOPY secret.env /m\n'), []);
  // a wildcard source is not checked (what it matches is another question), even in an excluded folder that the
  // context may or may not have (a literal path there would be "whether or not it exists")
  for (const files of [['dist/a.js'], ['app.js']])
    assert.deepEqual(find(CI, 'FROM node\nCOPY dist/*.js /x\nCOPY dist/a?.js /y\nCOPY dist/[ab].js /z\n', ctx(files, 'dist\n')), [], files[0]);
  // a source re-included by a later `!` pattern is sent
  assert.deepEqual(find(CI, 'FROM node\nCOPY secret.env /m\n', ctx(['secret.env'], '*.env\n!secret.env\n')), []);
});

const AE = 'arg-declared-early';
test('arg-declared-early: the RUNs it reruns (three named, five related), the first use, and the fix', () => {
  assert.deepEqual(brief(AE, 'FROM alpine\nARG V=1\nRUN echo a\nRUN echo b\nRUN echo c\nRUN echo d\nRUN echo e\nRUN echo f\nRUN echo $V\n'), [
    {
      line: 1, end: 7, severity: 'warning',
      message: 'Changing its value reruns 6 RUN steps after `ARG V` that never read it (line 3, line 4, line 5, …): every RUN after an ARG gets it in its environment, and its first use is line 9.',
      related: [2, 3, 4, 5, 6].map((l) => [l, 'reruns when V changes']),
      fix: 'Move `ARG V` down to line 9, where it is first used',
    },
  ]);
  const fixed = check('FROM alpine\nARG V=1\nRUN echo a\nRUN echo $V\n', null).findings.find((f) => f.rule === AE)!.fix!;
  assert.deepEqual(fixed.edits.map((e) => [e.range.start.line, e.range.end.line, e.newText]), [[1, 2, ''], [3, 3, 'ARG V=1\n']]);
});

test('arg-declared-early: without a value, a RUN that may read it, an ENV or ARG that carries it, none that uses it', () => {
  assert.deepEqual(brief(AE, 'FROM alpine\nARG V\nRUN echo a\nRUN make\nRUN echo $V\n').map((f) => [f.message, f.fix]), [
    ['Passing it with --build-arg reruns 1 RUN step after `ARG V` that never read it (line 3): every RUN after an ARG gets it in its environment, and line 4 runs commands that may read it from the environment.', undefined],
  ]);
  // passed as a build arg: its value changes like a default's
  assert.match(check('FROM alpine\nARG V\nRUN echo a\nRUN echo $V\n', null, { buildArgs: { V: '1' } }).findings.find((f) => f.rule === AE)!.message, /^Changing its value reruns 1 RUN step/);
  for (const carrier of ['ENV W=$V', 'ARG W=${V}']) {
    const [f] = brief(AE, `FROM alpine\nARG V=1\nRUN echo a\n${carrier}\nRUN echo $W\n`);
    assert.deepEqual([f!.message.endsWith('its first use is line 4.'), f!.fix], [true, 'Move `ARG V` down to line 4, where it is first used'], carrier);
  }
  const [none] = brief(AE, 'FROM alpine\nARG V=1\nRUN echo a\nRUN echo b\n');
  assert.deepEqual([none!.message.endsWith('(line 3, line 4): every RUN after an ARG gets it in its environment, and none of them uses it.'), none!.fix], [true, undefined]);
  // a mount option that expands it is a use (the mount holds the expanded value)
  const [mount] = brief(AE, 'FROM alpine\nARG V=1\nRUN echo a\nRUN --mount=type=cache,id=$V,target=/c echo b\n');
  assert.deepEqual([mount!.message.endsWith('its first use is line 4.'), mount!.fix], [true, 'Move `ARG V` down to line 4, where it is first used']);
  // an ONBUILD RUN is the child's: not a use here, not rerun here
  assert.match(find(AE, 'FROM alpine\nARG V=1\nONBUILD RUN echo $V\nRUN echo a\nRUN echo $V\n')[0]!.message, /reruns 1 RUN step .*\(line 4\).*its first use is line 5\./);
});

test('arg-declared-early: not reported for several names on one line, global, proxy and implicit names, or a first use right after', () => {
  for (const t of [
    'FROM alpine\nARG V=1 W=2\nRUN echo a\nRUN echo $V\n',
    'ARG V=1\nFROM alpine\nRUN echo a\nRUN echo $V\n',
    'FROM alpine\nARG HTTP_PROXY=x\nRUN echo a\nRUN echo $HTTP_PROXY\n',
    'FROM alpine\nARG DEBIAN_FRONTEND=noninteractive\nRUN echo a\nRUN apt-get install -y x\n',
    'FROM alpine\nARG V=1\nRUN echo $V\nRUN echo a\n',
  ])
    assert.deepEqual(find(AE, t), [], t);
});

test('arg-declared-early: no fix when the use is only possible or the ARG is declared again before it; an ARG over two lines is not reported', () => {
  const fix = (t: string) => find(AE, t)[0]?.fix?.title ?? null;
  assert.equal(fix('FROM alpine\nARG V=1\nRUN echo a\nRUN make\n'), null);
  assert.equal(fix('FROM alpine\nARG \\\n  V=1\nRUN echo a\nRUN echo $V\n'), null);
  // (an ENV that expands it before the first use is that use: the fix moves the ARG above the ENV)
  assert.equal(fix('FROM alpine\nARG V=1\nRUN echo a\nENV X=$V\nRUN echo $V\n'), 'Move `ARG V` down to line 4, where it is first used');
  assert.equal(fix('FROM alpine\nARG V=1\nRUN echo a\nARG V\nRUN echo $V\n'), null);
  assert.equal(fix('FROM alpine\nARG V=1\nRUN echo a\nRUN echo $V\n'), 'Move `ARG V` down to line 4, where it is first used');
});

const CS = 'costly-step-after-volatile-copy';
test('costly-step-after-volatile-copy: one COPY or several, the copied file count, related, the fix', () => {
  assert.deepEqual(brief(CS, 'FROM debian:12\nCOPY app.js /app/\nRUN apt-get install -y curl\n', ctx(['app.js'])), [
    {
      line: 2, end: 27, severity: 'warning',
      message: '`RUN apt-get install -y curl` (install) reads nothing that `COPY app.js /app/` on line 2 brings in, but runs after it: a change to the copied file reruns it. Move it above line 2.',
      related: [[1, 'changes here rerun the costly step below']],
      fix: 'Move `RUN apt-get install -y curl` above line 2',
    },
  ]);
  assert.deepEqual(brief(CS, 'FROM debian:12\nRUN echo x\nCOPY a.js /app/\nCOPY b.js /app/\nRUN curl -o /x https://e.com/x\n', ctx(['a.js', 'b.js'])).map((f) => [f.message, f.related, f.fix]), [
    [
      '`RUN curl -o /x https://e.com/x` (download) reads nothing that the 2 COPY steps from line 3 on bring in, but runs after them: a change to any of 2 copied files reruns it. Move it above line 3.',
      [[2, 'changes here rerun the costly step below'], [3, 'changes here rerun the costly step below']],
      'Move `RUN curl -o /x https://e.com/x` above line 3',
    ],
  ]);
  // without a context the count is unknown; a config instruction between: reported, not moved
  assert.match(find(CS, 'FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y curl\n')[0]!.message, /a change to any of the copied files reruns it/);
  const env = find(CS, 'FROM debian:12\nCOPY a.js /app/\nENV X=1\nRUN apt-get install -y curl\n', ctx(['a.js']));
  assert.deepEqual([env.length, env[0]!.fix], [1, undefined]);
  const fx = find(CS, 'FROM debian:12\nCOPY app.js /app/\nRUN apt-get install -y curl\n', ctx(['app.js']))[0]!.fix!;
  assert.deepEqual(fx.edits.map((e) => [e.range.start.line, e.range.end.line, e.newText]), [[1, 1, 'RUN apt-get install -y curl\n'], [2, 3, '']]);
});

test('costly-step-after-volatile-copy: not reported when the RUN may read what was copied, is not costly, or follows no context COPY', () => {
  const none = (t: string, files = ['a.js', 'sources.list']) => assert.deepEqual(find(CS, t, ctx(files)), [], t);
  none('FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y curl && node a.js\n');
  none('FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y ./pkg.deb\n');
  none('FROM debian:12\nCOPY sources.list /etc/apt/\nRUN apt-get install -y y\n');
  none('FROM debian:12\nCOPY --from=debian:12 /x /x\nRUN apt-get install -y z\n');
  none('FROM debian:12\nCOPY a.js /app/\nRUN --mount=type=bind,target=/b apt-get install -y q\n');
  none('FROM debian:12\nCOPY a.js /app/\nRUN echo hi\n');
  none('FROM debian:12\nCOPY a.js /app/\nRUN make install\n');
  none('FROM debian:12\nCOPY a.js /srv/app/\nRUN apt-get install -y q && ls /srv/app\n');
  none('FROM debian:12\nCOPY a.js /app/\nRUN npm install\n');
  none('FROM debian:12\nONBUILD COPY a.js /app/\nRUN apt-get install -y q\n');
  none('FROM debian:12\nCOPY a.js /app/\nONBUILD RUN apt-get install -y q\n');
  none('FROM debian:12\nRUN apt-get install -y q\n');
});

test('arg-declared-early: the names tools read by themselves are never reported; near names are', () => {
  const implicit = ['DEBIAN_FRONTEND', 'PATH', 'HOME', 'LANG', 'LANGUAGE', 'LC_ALL', 'TZ', 'CC', 'CXX', 'CFLAGS', 'CXXFLAGS', 'LDFLAGS', 'CPPFLAGS', 'MAKEFLAGS', 'PIP_INDEX_URL', 'NPM_CONFIG_REGISTRY', 'npm_config_cache', 'YARN_CACHE_FOLDER', 'PNPM_HOME', 'GOFLAGS', 'CGO_ENABLED', 'CARGO_HOME', 'RUSTFLAGS', 'NODE_ENV', 'PYTHONPATH', 'UV_INDEX', 'POETRY_HOME', 'PIPENV_VENV', 'BUNDLE_PATH', 'GEM_HOME', 'COMPOSER_HOME', 'MAVEN_OPTS', 'GRADLE_OPTS', 'JAVA_OPTS', 'JDK_HOME', 'DOTNET_ROOT', 'NUGET_PACKAGES', 'CI', 'TARGETARCH', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT', 'SOURCE_DATE_EPOCH', 'BUILDKIT_INLINE_CACHE'];
  const t = (n: string) => `FROM alpine\nARG ${n}=1\nRUN echo a\nRUN echo $${n}\n`;
  for (const n of implicit) assert.deepEqual(find(AE, t(n)), [], n);
  for (const n of ['XPATH', 'PATHS', 'ACI', 'CIX', 'BUILDX', 'LC', 'XLANG', 'MYHOME']) assert.equal(find(AE, t(n)).length, 1, n);
});

test('arg-declared-early: RUNs of known tools do not read the env (a fix moves the ARG past them); others may', () => {
  const tools = ['mkdir', 'rm', 'ln', 'echo', 'cp', 'mv', 'chmod', 'chown', 'curl', 'wget', 'tar', 'unzip', 'useradd', 'adduser', 'addgroup', 'groupadd', 'true', '/bin/echo', 'apt-get update', 'apt-get install -y'];
  const t = (cmd: string) => `FROM alpine\nARG V=1\nRUN ${cmd} x\nRUN echo $V\n`;
  for (const c of tools) assert.equal(find(AE, t(c))[0]?.fix?.title, 'Move `ARG V` down to line 4, where it is first used', c);
  for (const c of ['make', 'python3', 'npm install', 'pip install', 'sh ./s.sh']) {
    const [f] = find(AE, `FROM alpine\nARG V=1\nRUN echo a\nRUN ${c} x\nRUN echo $V\n`);
    assert.deepEqual([f!.message.endsWith('(line 3): every RUN after an ARG gets it in its environment, and line 4 runs commands that may read it from the environment.'), f!.fix], [true, undefined], c);
  }
  // a RUN that does not parse may read anything
  assert.equal(find(AE, 'FROM alpine\nARG V=1\nRUN echo "a\nRUN echo $V\n')[0]?.fix, undefined);
});

test('costly-step-after-volatile-copy: the tools that provably do not read the copied files; any other may', () => {
  const safe = ['apt-get', 'apt', 'apk', 'dnf', 'yum', 'microdnf', 'zypper', 'curl', 'wget', 'echo', 'printf', 'rm', 'mkdir', 'ln', 'chmod', 'chown', 'tar', 'gzip', 'gunzip', 'unzip', 'xz', 'sed', 'grep', 'cp', 'mv', 'test', '[', 'true', 'set', 'useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'update-ca-certificates', 'locale-gen', 'dpkg-reconfigure', 'sha256sum', 'gpg', 'install', 'touch', 'cd', 'debconf-set-selections', 'ldconfig'];
  const t = (tool: string) => `FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y q && ${tool} x${tool === '[' ? ' ]' : ''}\n`;
  for (const tool of safe) assert.equal(find(CS, t(tool), ctx(['a.js'])).length, 1, tool);
  for (const tool of ['node', 'make', 'python3', 'bash', 'cat']) assert.equal(find(CS, t(tool), ctx(['a.js'])).length, 0, tool);
  // a word naming the working tree, the copied destination or a copied file's name
  for (const w of ['./x', '../x', '.']) assert.equal(find(CS, `FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y q && cp ${w} /y\n`, ctx(['a.js'])).length, 0, w);
  // config destinations: tools read them without naming them
  for (const d of ['/etc/x/', '/root/', '/home/u/', '/usr/local/etc/', '/usr/local/share/ca-certificates/', '/usr/share/keyrings/', '/var/lib/apt/', '/opt/conda/.condarc', '/app/.npmrc'])
    assert.equal(find(CS, `FROM debian:12\nCOPY a.js ${d}\nRUN apt-get install -y q\n`, ctx(['a.js'])).length, 0, d);
  for (const d of ['/app/', '/etcx/', '/usr/local/bin/', '/opt/app/']) assert.equal(find(CS, `FROM debian:12\nCOPY a.js ${d}\nRUN apt-get install -y q\n`, ctx(['a.js'])).length, 1, d);
});

test('costly-step-after-volatile-copy: a RUN that does not parse, mounts, configuration among the copies, what counts as a config destination', () => {
  const n = (t: string, files = ['a.js', 'b.conf', 'conf/x']) => find(CS, t, ctx(files)).length;
  // a plain split of a script that did not parse proves nothing
  assert.equal(n('FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y q && echo "a\n'), 0);
  // a bind mount may read anything; a cache mount reads nothing of the copy
  assert.equal(n('FROM debian:12\nCOPY a.js /app/\nRUN --mount=type=cache,target=/var/cache/apt apt-get install -y q\n'), 1);
  // one copy of configuration in the block is enough
  assert.equal(n('FROM debian:12\nCOPY a.js /app/\nCOPY b.conf /etc/b.conf\nRUN apt-get install -y q\n'), 0);
  // /etc itself is a config destination; /etc further down a path or a dotted folder above a file is not
  assert.equal(n('FROM debian:12\nCOPY conf /etc\nRUN apt-get install -y q\n'), 0);
  assert.equal(n('FROM debian:12\nCOPY a.js /opt/app/etc/\nRUN apt-get install -y q\n'), 1);
  assert.equal(n('FROM debian:12\nCOPY a.js /app/.cache/x/\nRUN apt-get install -y q\n'), 1);
});

test('costly-step-after-volatile-copy: the copied paths a script may name: the destination (also the working directory), a source file name of three letters or more without wildcards', () => {
  const n = (t: string, files: string[]) => find(CS, t, ctx(files)).length;
  assert.equal(n('FROM debian:12\nCOPY a.js /srv/app/\nRUN apt-get install -y q && mkdir -p /srv/app\n', ['a.js']), 0);
  assert.equal(n('FROM debian:12\nCOPY a.js /srv/app/\nRUN apt-get install -y q && mkdir -p /srv/application\n', ['a.js']), 0);
  assert.equal(n('FROM debian:12\nCOPY a.js /srv/app/\nRUN apt-get install -y q && mkdir -p /srv/ap\n', ['a.js']), 1);
  // a copy into the working directory, written `.` or `./`: naming that folder names the copy (`.` was not)
  assert.equal(n('FROM debian:12\nWORKDIR /app\nCOPY a.js .\nRUN apt-get install -y q && mkdir -p /app/logs\n', ['a.js']), 0);
  assert.equal(n('FROM debian:12\nWORKDIR /app\nCOPY a.js ./\nRUN apt-get install -y q && mkdir -p /app/logs\n', ['a.js']), 0);
  // a copy into / names nothing by its destination
  assert.equal(n('FROM debian:12\nCOPY a.js /\nRUN apt-get install -y q\n', ['a.js']), 1);
  assert.equal(n('FROM debian:12\nCOPY conf/nginx.conf /srv/\nRUN apt-get install -y q && echo nginx.conf\n', ['conf/nginx.conf']), 0);
  assert.equal(n('FROM debian:12\nCOPY conf/nginx.conf /srv/\nRUN apt-get install -y q && echo nginx\n', ['conf/nginx.conf']), 1);
  assert.equal(n('FROM debian:12\nCOPY ab /opt/x/\nRUN apt-get install -y cabal\n', ['ab']), 1);
  assert.equal(n('FROM debian:12\nCOPY abc /opt/x/\nRUN apt-get install -y abcde\n', ['abc']), 0);
  assert.equal(n("FROM debian:12\nCOPY *.js /opt/x/\nRUN apt-get install -y q && echo '*.js'\n", ['a.js']), 1);
});

test('costly-step-after-volatile-copy: tools called by path, ADD, an index update alone, copied files not in the context, a COPY --from block, a stage that throws nothing', () => {
  const c = ctx(['a.js', 'a.tgz']);
  assert.equal(find(CS, 'FROM debian:12\nCOPY a.js /app/\nRUN /usr/bin/curl -o /x https://e.com/x\n', c).length, 1);
  assert.equal(find(CS, 'FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y q && /bin/mkdir -p /x\n', c).length, 1);
  assert.equal(find(CS, 'FROM debian:12\nCOPY a.js /app/\nRUN apt-get update\n', c).length, 0);
  assert.equal(find(CS, 'FROM debian:12\nCOPY a.js /app/\nRUN apk update\n', c).length, 0);
  assert.deepEqual(brief(CS, 'FROM debian:12\nADD a.tgz /opt/\nRUN apt-get install -y q\n', c).map((f) => [f.line, f.related]), [[2, [[1, 'changes here rerun the costly step below']]]]);
  // with a context but no copied file in it: the count is not said
  assert.match(find(CS, 'FROM debian:12\nCOPY missing.js /app/\nRUN apt-get install -y q\n', c)[0]!.message, /: a change to any of the copied files reruns it\./);
  // a block of COPY --from only (or no copy at all) in one stage leaves the next stage's finding alone
  assert.deepEqual(find(CS, 'FROM debian:12 AS a\nCOPY --from=debian:12 /x /x\nRUN apt-get install -y z\nFROM debian:12\nRUN echo\nRUN apt-get install -y z\nCOPY a.js /app/\nRUN apt-get install -y q\n', c).map((f) => f.range.start.line), [7]);
});

test('costly-step-after-volatile-copy: a file tool or a redirection that may reach the copied files (relative in the working directory, under the destination, anywhere after a copy into /)', () => {
  // the fix would move these above the copy, before the files they work on exist
  const n = (t: string, files: string[]) => find(CS, t, ctx(files)).length;
  assert.equal(n('FROM debian:12\nWORKDIR /app\nCOPY scripts/ ./\nRUN apt-get install -y q && chmod +x entrypoint.sh\n', ['scripts/entrypoint.sh']), 0);
  assert.equal(n('FROM debian:12\nCOPY rootfs/ /\nRUN apt-get install -y q && chmod +x /etc/s6/run\n', ['rootfs/etc/s6/run']), 0);
  assert.equal(n('FROM debian:12\nWORKDIR /app\nCOPY . .\nRUN apt-get install -y q && chown -R u /app\n', ['a.js']), 0);
  assert.equal(n('FROM debian:12\nWORKDIR /app\nCOPY a.js ./\nRUN apt-get install -y q && echo x > conf.txt\n', ['a.js']), 0);
  assert.equal(n('FROM debian:12\nCOPY conf/ /srv/conf/\nRUN apt-get install -y q && sed -i s/a/b/ /srv\n', ['conf/x']), 0);
  // after a cd, a relative path may be anywhere
  assert.equal(n('FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y q && cd /usr && chmod +x run.sh\n', ['a.js']), 0);
  // elsewhere: still reported
  assert.equal(n('FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y q && chmod +x /usr/local/bin/x run.sh\n', ['a.js']), 1);
  assert.equal(n('FROM debian:12\nWORKDIR /app\nCOPY a.js /srv/\nRUN apt-get install -y q && echo x > conf.txt 2>&1\n', ['a.js']), 1);
  assert.equal(n('FROM debian:12\nCOPY a.js /\nRUN apt-get install -y q > /dev/null && echo a >> /var/log/x\n', ['a.js']), 0);
  assert.equal(n('FROM debian:12\nCOPY a.js /\nRUN apt-get install -y q > /dev/null\n', ['a.js']), 1);
});

test('costly-step-after-volatile-copy: which tools work on files (their operands may be copied files), flags and other copies, input redirections, wget into the working directory', () => {
  const n = (t: string) => find(CS, t, ctx(['a.js', 'b.js'])).length;
  const inWorkdir = (cmd: string) => `FROM debian:12\nWORKDIR /app\nCOPY a.js ./\nRUN apt-get install -y q && ${cmd}\n`;
  for (const tool of ['rm', 'ln', 'chmod', 'chown', 'tar', 'gzip', 'gunzip', 'unzip', 'xz', 'sed', 'grep', 'cp', 'mv', 'test', '[', 'sha256sum', 'gpg', 'install', 'touch'])
    assert.equal(n(inWorkdir(`${tool} f.txt${tool === '[' ? ' ]' : ''}`)), 0, tool);
  for (const tool of ['echo', 'printf', 'mkdir', 'useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'locale-gen', 'ldconfig', 'true', 'set'])
    assert.equal(n(inWorkdir(`${tool} f.txt`)), 1, tool);
  // flags are no paths; a path under any of the copies' destinations counts
  assert.equal(n(inWorkdir('rm -rf /usr/x')), 1);
  assert.equal(n('FROM debian:12\nWORKDIR /app\nCOPY a.js ./\nCOPY b.js /srv/\nRUN apt-get install -y q && chmod +x f.txt\n'), 0);
  // after a cd, only relative paths are unknown
  assert.equal(n('FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y q && cd /usr && rm -rf /usr/local/x\n'), 1);
  assert.equal(n(inWorkdir('debconf-set-selections < preseed.txt')), 0);
  assert.equal(n(inWorkdir('echo x >  conf.txt')), 0);
  assert.equal(n('FROM debian:12\nCOPY a.js /app/\nRUN apt-get install -y q && wget -P . https://e.com/x\n'), 0);
  assert.equal(n('FROM debian:12\nCOPY a.js /app/\nRUN wget -O /x https://e.com/x\n'), 1);
});

test('mutable-base-image: what counts as an image reference (Docker\'s grammar) and as a tag', () => {
  const reported = (ref: string) => find(MB, `FROM ${ref}\n`).length === 1;
  for (const r of ['t/a--b', 't/a__b', 't/a.b', 't/a_b', 't/a-b', 't/ab12', 't/ab-cd.ef_gh', 'Registry.Example.com/img', 'host:5000/img', 'localhost/img', 'a/b/c', 't/img:latest', 'host:5000/img:latest'])
    assert.equal(reported(r), true, r);
  for (const r of ['t/a..b', 't/a_', 't/_a', 't/a-', 't/A', 't/a___b', 'Team/img', 'a//b', 't/img:v1', 'host:5000/img:1.2', 't/img:' + 'x'.repeat(129), 't/img@sha256:0', '$IMG'])
    assert.equal(reported(r), false, r);
});

test('mutable-base-image: a one-part name that is not an official image is built locally or a named context, not pulled', () => {
  // Docker Hub resolves `name` as library/name: only its official images exist there (round 6 of the precision review:
  // `FROM bats-jenkins`, built by the test suite just before; `FROM base-image`, a bake context)
  for (const r of ['bats-jenkins', 'bats-jenkins-plugins-cli', 'base-image', 'nanoserverapiscan', 'myapp:latest', 'library/myapp', 'docker.io/myapp', 'docker.io/library/myapp:latest', 'index.docker.io/myapp'])
    assert.deepEqual(find(MB, `FROM ${r}\nRUN a\n`), [], r);
  for (const r of ['alpine', 'node:latest', 'library/alpine', 'docker.io/alpine', 'docker.io/library/ubuntu:latest', 'eclipse-temurin', 'rocket.chat', 'team/myapp', 'ghcr.io/myapp', 'localhost/myapp', 'myhost:5000/myapp'])
    assert.equal(find(MB, `FROM ${r}\nRUN a\n`).length, 1, r);
});

test('arg-declared-early: a longer name is not a use, an ENV of another stage or above the ARG is not a carrier, the moved line is trimmed', () => {
  const brief2 = (t: string) => find(AE, t).map((f) => [f.range.start.line, f.range.end.character, f.message.replace(/.*environment, and /, ''), f.fix?.edits.map((e) => [e.range.start.line, e.range.end.line, e.newText])]);
  const moved = (from: number, to: number) => [[from, from + 1, ''], [to, to, 'ARG V=1\n']];
  assert.deepEqual(brief2('FROM alpine\nARG V=1\nRUN echo $VV\nRUN echo $V\n'), [[1, 7, 'its first use is line 4.', moved(1, 3)]]);
  assert.deepEqual(brief2('FROM alpine\nARG V=1\nRUN echo a\nFROM alpine\nENV W=$V\n'), [[1, 7, 'none of them uses it.', undefined]]);
  assert.deepEqual(brief2('FROM alpine\nENV W=$V\nARG V=1\nRUN echo a\nRUN echo $V\n'), [[2, 7, 'its first use is line 5.', moved(2, 4)]]);
  assert.deepEqual(brief2('FROM alpine\n  ARG V=1  \nRUN echo a\nRUN echo $V\n'), [[1, 11, 'its first use is line 4.', moved(1, 3)]]);
  // a RUN flag without a value expands nothing
  assert.deepEqual(brief2('FROM alpine\nARG V=1\nRUN echo a\nRUN --network=none echo c\nRUN echo $V\n'), [[1, 7, 'its first use is line 5.', moved(1, 4)]]);
});

test('arg-declared-early: three RUNs are listed without "…"; what counts as a use, a possible use and a carrier; when the fix is still proven', () => {
  const say = (t: string) => find(AE, t).map((f) => [f.range.start.line, f.message.replace(/^.*that never read it /, ''), f.fix?.title ?? null]);
  const use = (runs: string, l: number) => `(${runs}): every RUN after an ARG gets it in its environment, and its first use is line ${l}.`;
  const mv = (l: number) => `Move \`ARG V\` down to line ${l}, where it is first used`;
  assert.deepEqual(say('FROM alpine\nARG V=1\nRUN echo a\nRUN echo b\nRUN echo c\nRUN echo $V\n'), [[1, use('line 3, line 4, line 5', 6), mv(6)]]);
  // an ENV of a longer name carries nothing; a COPY is no possible use; a RUN above the ARG is not its use
  assert.deepEqual(say('FROM alpine\nARG V=1\nRUN echo a\nENV W=$VV\nRUN echo $V\n'), [[1, use('line 3', 5), mv(5)]]);
  assert.deepEqual(say('FROM alpine\nARG V=1\nRUN echo a\nCOPY x /x\nRUN echo $V\n'), [[1, use('line 3', 5), mv(5)]]);
  assert.deepEqual(say('FROM alpine\nRUN echo $V\nARG V=1\nRUN echo a\nRUN echo $V\n'), [[2, use('line 4', 5), mv(5)]]);
  // one unknown command among known ones makes the RUN a possible use
  assert.deepEqual(say('FROM alpine\nARG V=1\nRUN echo a\nRUN echo b && make\nRUN echo $V\n'), [[1, '(line 3): every RUN after an ARG gets it in its environment, and line 4 runs commands that may read it from the environment.', null]]);
  // a carrier before a possible use, a possible use that names it: the first use, proven, moved there
  assert.deepEqual(say('FROM alpine\nARG V=1\nRUN echo a\nENV W=$V\nRUN make\n'), [[1, use('line 3', 4), mv(4)]]);
  assert.deepEqual(say('FROM alpine\nARG V=1\nRUN echo a\nRUN make $V\n'), [[1, use('line 3', 4), mv(4)]]);
  // only a possible use: reported, no fix; a config line between that names another word with a V: the fix stays
  assert.deepEqual(say('FROM alpine\nARG V=1\nRUN echo a\nRUN make\n'), [[1, '(line 3): every RUN after an ARG gets it in its environment, and line 4 runs commands that may read it from the environment.', null]]);
  assert.deepEqual(say('FROM alpine\nARG V=1\nRUN echo a\nENV LEVEL=1\nRUN echo $V\n'), [[1, use('line 3', 5), mv(5)]]);
});

test('mutable-base-image: session 12, names no registry holds, a registry host only when it is Docker Hub\'s, a stage named like an image', () => {
  for (const t of ['FROM docker.io\n', 'FROM library\n', 'FROM alpine:3 AS ubuntu\nFROM ubuntu\n']) assert.deepEqual(find(MB, t), [], t);
  for (const t of ['FROM mydocker.io/foo\n', 'FROM docker.io.example.com/foo\n']) assert.equal(find(MB, t).length, 1, t);
});

test('mutable-base-image: session 12, every line of the official images is read (one name of each)', () => {
  for (const n of ['adminer', 'buildpack-deps', 'consul', 'eclipse-temurin', 'gazebo', 'ibm-semeru-runtimes', 'kibana', 'mongo-express', 'open-liberty', 'plone', 'rocket.chat', 'storm', 'valkey', 'zookeeper'])
    assert.equal(find(MB, `FROM ${n}\nRUN x\n`).length, 1, n);
});
