// copy-source-missing in detail: exact messages, severities, ranges and related information for a missing path, an
// empty wildcard, a build output, sources written for a folder above the context, sources present above it, and a git
// submodule that is not checked out; and the cases it leaves alone. Written for the mutation run of the rule
// (test/mutation-equivalents.md); rules.test.ts has its broader cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, MemoryContext, RULES } from '../../server/src/engine';

const R = 'copy-source-missing';
const HINT = 'If the build uses another context, set it in .layerwise.yaml (dockerfiles: <path>: context) or the layerwise.contexts setting.';
function ctx(files: string[], label = 'ctx', ignore?: string): MemoryContext {
  const c = new MemoryContext(label);
  for (const f of files) c.addFile(f, f);
  if (ignore !== undefined) c.addFile('.dockerignore', ignore).setIgnore('.dockerignore', ignore);
  return c;
}
const find = (text: string, c: MemoryContext | null) => check(text, c).findings.filter((f) => f.rule === R);
const brief = (text: string, c: MemoryContext | null) =>
  find(text, c).map((f) => ({ line: f.range.start.line, end: [f.range.end.line, f.range.end.character], severity: f.severity, message: f.message, related: f.related?.map((r) => [r.range.start.line, r.message]), up: f.contextUp }));

test('copy-source-missing: catalogue entry', () => {
  const r = RULES.find((x) => x.id === R)!;
  assert.deepEqual([r.title, r.defaultSeverity], ['COPY source missing from the build context', 'error']);
  assert.match(r.description, /^A COPY\/ADD source matches nothing in the build context: a missing path stops the build with "not found"/);
});

test('copy-source-missing: a missing path is an error; a build output a warning; the range is the first line', () => {
  const c = ctx(['app.js', 'mytarget/x', 'lib/a.c']);
  const text = 'FROM node\nCOPY nope.js ./\nCOPY target/app.jar /app.jar\nADD app.jar /a\nCOPY LIB.DLL /l\nCOPY dist/ /d/\nCOPY web/out/ /w/\nCOPY mytarget/y notes.jar.txt \\\n  /m/\nCOPY api /x\n';
  const missing = (l: string, s: string) => `\`${l}\`: \`${s}\` does not exist in the build context ctx; the build fails with "not found". ${HINT}`;
  const output = (l: string, s: string, what: string) => `\`${l}\`: \`${s}\` is not in the build context ctx; it looks like something produced before \`docker build\` (${what}), so produce it first — from a clean checkout this step fails with "not found".`;
  assert.deepEqual(brief(text, c), [
    { line: 1, end: [1, 15], severity: 'error', message: missing('COPY nope.js ./', 'nope.js'), related: undefined, up: undefined },
    { line: 2, end: [2, 28], severity: 'warning', message: output('COPY target/app.jar /app.jar', 'target/app.jar', '`target/`'), related: undefined, up: undefined },
    { line: 3, end: [3, 14], severity: 'warning', message: output('ADD app.jar /a', 'app.jar', 'an archive or binary'), related: undefined, up: undefined },
    { line: 4, end: [4, 15], severity: 'warning', message: output('COPY LIB.DLL /l', 'LIB.DLL', 'an archive or binary'), related: undefined, up: undefined },
    { line: 5, end: [5, 14], severity: 'warning', message: output('COPY dist/ /d/', 'dist', '`dist/`'), related: undefined, up: undefined },
    { line: 6, end: [6, 17], severity: 'warning', message: output('COPY web/out/ /w/', 'web/out', '`out/`'), related: undefined, up: undefined },
    // a folder that only contains a build-output name, a file whose name only contains an archive suffix: plain errors
    { line: 7, end: [7, 29], severity: 'error', message: missing('COPY mytarget/y notes.jar.txt   /m/', 'mytarget/y'), related: undefined, up: undefined },
    { line: 7, end: [7, 29], severity: 'error', message: missing('COPY mytarget/y notes.jar.txt   /m/', 'notes.jar.txt'), related: undefined, up: undefined },
    { line: 9, end: [9, 11], severity: 'error', message: missing('COPY api /x', 'api'), related: undefined, up: undefined },
  ]);
  // a source named like the context's folder is not "written for the folder above" (nothing inside that folder is
  // named); a folder whose name only starts like a build output is not one
  assert.deepEqual(brief('FROM node\nCOPY api /x\nCOPY distro/x targets/y /y/\n', ctx(['app.js'], 'repo/api')).map((f) => [f.line, f.severity, f.up]), [
    [1, 'error', undefined],
    [2, 'error', undefined],
    [2, 'error', undefined],
  ]);
});

test('copy-source-missing: an empty wildcard is info (BuildKit copies nothing), unless another source matches or it is a one-letter class', () => {
  const c = ctx(['app.js', 'x.txt']);
  const text = 'FROM node\nCOPY *.ts ./\nCOPY target/*.jar /app/\nCOPY nope* app.js ./\nCOPY cwallet.ss[o] ./\nCOPY file[?] ./\nCOPY a[bc]*.js ./\n';
  assert.deepEqual(brief(text, c), [
    { line: 1, end: [1, 12], severity: 'info', message: `\`COPY *.ts ./\`: \`*.ts\` matches nothing in the build context ctx, so this step copies nothing (BuildKit does not fail on an empty wildcard). ${HINT}`, related: undefined, up: undefined },
    { line: 2, end: [2, 23], severity: 'info', message: '`COPY target/*.jar /app/`: `target/*.jar` matches nothing in the build context ctx; it looks like something produced before `docker build` (`target/`), so produce it first — as it is, this step copies nothing (BuildKit does not fail on an empty wildcard) and steps that use the files fail.', related: undefined, up: undefined },
    { line: 6, end: [6, 17], severity: 'info', message: `\`COPY a[bc]*.js ./\`: \`a[bc]*.js\` matches nothing in the build context ctx, so this step copies nothing (BuildKit does not fail on an empty wildcard). ${HINT}`, related: undefined, up: undefined },
  ]);
  // two empty wildcards and nothing else: both said
  assert.deepEqual(find('FROM node\nCOPY q* z* ./\n', c).map((f) => f.severity), ['info', 'info']);
});

test('copy-source-missing: what it leaves to others or cannot know (variables, ignored files, no or partial context)', () => {
  // a source with a `$` left after expansion (escaped, or a value it cannot expand): not said
  assert.deepEqual(find('FROM node\nCOPY app-\\$V.js ./\nENV V=$(x)\nCOPY app-$V.js ./\n', ctx(['app.js'])), []);
  // present but excluded by .dockerignore: copy-ignored-file's; in an excluded folder: may exist
  const ig = ctx(['app.js', 'secret.env'], 'ctx', '*.env\ndist\nconf*\n');
  assert.deepEqual(find('FROM node\nCOPY secret.env ./\nCOPY dist/nope.js ./\n', ig), []);
  // excluded and not there: still missing; an excluded empty wildcard: still copies nothing
  assert.deepEqual(brief('FROM node\nCOPY missing.env ./\nCOPY conf*/ /c/\n', ig).map((f) => [f.line, f.severity]), [[1, 'error'], [2, 'info']]);
  assert.deepEqual(find('FROM node\nCOPY nope.js ./\n', null), []);
  // `COPY . /app` from an empty context copies nothing and does not fail
  assert.deepEqual(find('FROM node\nCOPY . /app\nRUN true\n', ctx([])), []);
  const p = ctx(['app.js']);
  p.partial = true;
  assert.deepEqual(find('FROM node\nCOPY nope.js ./\n', p), []);
});

test('copy-source-missing: sources written for a folder above the context: one warning, the level, the related steps', () => {
  const tail = `: this Dockerfile is probably built with that folder as its context (docker build -f … ..). ${HINT}`;
  // one level (the context's last folder starts the source), also with a trailing slash or backslashes in the label
  for (const label of ['repo/src/api', '/home/u/api/', 'C:\\work\\api']) {
    assert.deepEqual(brief('FROM golang\nCOPY api/go.mod ./\n', ctx(['main.go'], label)), [
      { line: 1, end: [1, 18], severity: 'warning', message: `\`api/go.mod\` is written relative to a folder 1 level above the build context ${label}, where they do not exist${tail}`, related: [], up: 1 },
    ], label);
  }
  // two levels, two sources: the deepest level wins; the others are related
  const c = ctx(['main.go'], 'repo/src/api');
  assert.deepEqual(brief('FROM golang\nCOPY src/api/go.mod ./\nCOPY api/go.sum ./\n', c), [
    { line: 1, end: [1, 22], severity: 'warning', message: `2 COPY sources (\`src/api/go.mod\`, …) are written relative to a folder 2 levels above the build context repo/src/api, where they do not exist: this Dockerfile is probably built with that folder as its context (docker build -f … ../..). ${HINT}`, related: [[2, '`api/go.sum` is missing from this context too']], up: 2 },
  ]);
  // a missing source present at that level is covered by the same finding; one absent there keeps its error
  const d = ctx(['main.go'], 'repo/api').addAbove(1, 'go.work');
  assert.deepEqual(brief('FROM golang\nCOPY api/go.mod ./\nCOPY go.work ./\nCOPY nope.txt ./\n', d), [
    { line: 1, end: [1, 18], severity: 'warning', message: `2 COPY sources (\`api/go.mod\`, …) are missing from the build context repo/api but exist 1 folder above it (\`..\`)${tail}`, related: [[2, '`go.work` exists in `..` too']], up: 1 },
    { line: 3, end: [3, 16], severity: 'error', message: `\`COPY nope.txt ./\`: \`nope.txt\` does not exist in the build context repo/api; the build fails with "not found". ${HINT}`, related: undefined, up: undefined },
  ]);
});

test('copy-source-missing: every missing source present above the context (up to 4 levels): one warning', () => {
  const one = ctx(['app.js']).addAbove(1, 'package.json');
  assert.deepEqual(brief('FROM node\nCOPY package.json ./\n', one), [
    { line: 1, end: [1, 20], severity: 'warning', message: `\`package.json\` is missing from the build context ctx but exists 1 folder above it (\`..\`): this Dockerfile is probably built with that folder as its context (docker build -f … ..). ${HINT}`, related: [], up: 1 },
  ]);
  const four = ctx(['app.js']).addAbove(4, 'package.json');
  assert.deepEqual(brief('FROM node\nCOPY package.json ./\n', four).map((f) => [f.up, f.message.slice(0, 100)]), [
    [4, '`package.json` is missing from the build context ctx but exists 4 folders above it (`../../../..`): '],
  ]);
  const five = ctx(['app.js']).addAbove(5, 'package.json');
  assert.deepEqual(brief('FROM node\nCOPY package.json ./\n', five).map((f) => f.severity), ['error']);
});

test('copy-source-missing: sources in a git submodule that is not checked out: one warning per submodule', () => {
  const c = ctx(['app.c']).addFile('.gitmodules', '[submodule "lib"]\n\tpath = ./vendor/lib/\n[submodule "b"]\n  path = third/b\n');
  const text = 'FROM gcc\nCOPY vendor/lib/a.c ./\nCOPY vendor/lib/b.c vendor/lib/c.c ./\nCOPY third/b /b\nCOPY vendor/library/x.c ./\nCOPY vendor/lib /l\nRUN make\n';
  const sub = (what: string, s: string) => `${what} in the git submodule \`${s}\`, which is not checked out in ctx: the build fails with "not found" until it is (git submodule update --init ${s}).`;
  assert.deepEqual(brief(text, c), [
    { line: 1, end: [1, 22], severity: 'warning', message: sub('4 COPY sources (`vendor/lib/a.c`, …) are', 'vendor/lib'), related: [[2, '`vendor/lib/b.c` is in `vendor/lib` too'], [2, '`vendor/lib/c.c` is in `vendor/lib` too'], [5, '`vendor/lib` is in `vendor/lib` too']], up: undefined },
    { line: 3, end: [3, 15], severity: 'warning', message: sub('`third/b` is', 'third/b'), related: [], up: undefined },
    { line: 4, end: [4, 26], severity: 'error', message: `\`COPY vendor/library/x.c ./\`: \`vendor/library/x.c\` does not exist in the build context ctx; the build fails with "not found". ${HINT}`, related: undefined, up: undefined },
  ]);
});

test('copy-source-missing: a source named through build args Layerwise was not given is a conditional warning', () => {
  const c = ctx(['app.js', 'conf.json', 'app-2.js']);
  const cond = (l: string, values: string, s: string, flags: string, it = 'it') =>
    `\`${l}\`: with ${values}, the source is \`${s}\`, which does not exist in the build context ctx: a build without \`${flags}\` fails with "not found". If your builds pass ${it}, give Layerwise the same (the layerwise.buildArgs setting, buildArgs in .layerwise.yaml, or --build-arg) to check the file they name.`;
  const text = 'FROM node\nARG V\nCOPY app-$V.js ./\nARG W=1 N\nCOPY lib-${W}-$N.js ./\nARG X\nCOPY conf${X:+-$X}.json ./\nENV Y=2\nARG Y\nCOPY y-$Y.js ./\nARG D=/d\nCOPY nope.js $D/\nCOPY z-$U.js ./\n';
  assert.deepEqual(brief(text, c), [
    { line: 2, end: [2, 17], severity: 'warning', message: cond('COPY app-$V.js ./', '`$V` empty (its ARG has no default)', 'app-.js', '--build-arg V=…'), related: undefined, up: undefined },
    { line: 4, end: [4, 22], severity: 'warning', message: cond('COPY lib-${W}-$N.js ./', '`$W` at its default `1` and `$N` empty (its ARG has no default)', 'lib-1-.js', '--build-arg W=… --build-arg N=…', 'them'), related: undefined, up: undefined },
    // ENV wins over the ARG; a variable only in the destination; a variable no ARG declares: the plain error
    { line: 9, end: [9, 15], severity: 'error', message: `\`COPY y-$Y.js ./\`: \`y-2.js\` does not exist in the build context ctx; the build fails with "not found". ${HINT}`, related: undefined, up: undefined },
    { line: 11, end: [11, 16], severity: 'error', message: `\`COPY nope.js $D/\`: \`nope.js\` does not exist in the build context ctx; the build fails with "not found". ${HINT}`, related: undefined, up: undefined },
    { line: 12, end: [12, 15], severity: 'error', message: `\`COPY z-$U.js ./\`: \`z-.js\` does not exist in the build context ctx; the build fails with "not found". ${HINT}`, related: undefined, up: undefined },
  ]);
  // given with --build-arg: the build fails for that value, said plainly; a value that names a file: nothing
  const given = check('FROM node\nARG V\nCOPY app-$V.js ./\nARG W\nCOPY app-$W.js ./\n', c, { buildArgs: { V: '3', W: '2' } }).findings.filter((f) => f.rule === R);
  assert.deepEqual(given.map((f) => [f.range.start.line, f.severity, f.message.slice(0, 60)]), [[2, 'error', '`COPY app-$V.js ./`: `app-3.js` does not exist in the build ']]);
});

test('copy-source-missing: a literal source missing beside one named through a build arg is the plain error, Windows paths too', () => {
  const c = ctx(['b1/f']);
  // the escape character is a backtick: `src\\app` is the folder path src/app, which no build arg names
  const text = '# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nARG X=b1\nCOPY src\\app ${X}\\f C:\\app\\\n';
  assert.deepEqual(brief(text, c).map((f) => [f.line, f.severity, f.message]), [
    [3, 'error', `\`COPY src\\app \${X}\\f C:\\app\\\`: \`src/app\` does not exist in the build context ctx; the build fails with "not found". ${HINT}`],
  ]);
});

test('copy-source-missing: a build output named through a defaulted build arg stays the build-output warning', () => {
  assert.deepEqual(brief('FROM eclipse-temurin\nARG DEPENDENCY=target/dependency\nCOPY ${DEPENDENCY}/BOOT-INF/lib /app/lib\n', ctx(['pom.xml'])), [
    { line: 2, end: [2, 40], severity: 'warning', message: '`COPY ${DEPENDENCY}/BOOT-INF/lib /app/lib`: `target/dependency/BOOT-INF/lib` is not in the build context ctx; it looks like something produced before `docker build` (`target/`), so produce it first — from a clean checkout this step fails with "not found".', related: undefined, up: undefined },
  ]);
});

test('copy-source-missing: which build args make the warning conditional — JSON form, a literal word naming the file, the ARG’s stage and line, the ENV that wins', () => {
  const c = ctx(['app.js', 'app-2.js']);
  const kind = (text: string) => find(text, c).map((f) => [f.range.start.line, f.severity, /^`[^`]*`: with (.*?), the source is/.exec(f.message)?.[1] ?? 'plain']);
  const empty = '`$V` empty (its ARG has no default)';
  // the JSON form's words are read too
  assert.deepEqual(kind('FROM node\nARG V\nCOPY ["app-$V.js", "./"]\n'), [[2, 'warning', empty]]);
  // a literal source word that names the same file: the build fails whatever V is, said plainly and once
  assert.deepEqual(kind('FROM node\nARG V\nCOPY ./app-.js app-$V.js ./\n'), [[2, 'error', 'plain']]);
  assert.deepEqual(kind('FROM node\nARG V\nCOPY app-$V.js app.js ./\n'), [[2, 'warning', empty]]);
  // an ARG of another stage, or declared after the COPY, is not in scope: V is empty for sure
  assert.deepEqual(kind('FROM node AS x\nARG V\nFROM node\nCOPY app-$V.js ./\n'), [[3, 'error', 'plain']]);
  assert.deepEqual(kind('FROM node\nCOPY app-$V.js ./\nARG V\n'), [[1, 'error', 'plain']]);
  // an ENV of the name before the COPY in its stage wins (legacy form, several names); one of another name, another
  // stage or a later line does not
  assert.deepEqual(kind('FROM node\nARG V\nENV V 2\nCOPY app-$V.js ./\n'), []);
  assert.deepEqual(kind('FROM node\nARG V\nENV A=1 V=2\nCOPY app-$V.js ./\n'), []);
  assert.deepEqual(kind('FROM node\nARG V\nENV VV=1\nCOPY app-$V.js ./\n'), [[3, 'warning', empty]]);
  assert.deepEqual(kind('FROM node\nARG V\nENV XV=1\nCOPY app-$V.js ./\n'), [[3, 'warning', empty]]);
  assert.deepEqual(kind('FROM node\nARG V\nCOPY app-$V.js ./\nENV V=2\n'), [[2, 'warning', empty]]);
  assert.deepEqual(kind('FROM node AS x\nENV V=2\nFROM node\nARG V\nCOPY app-$V.js ./\n'), [[4, 'warning', empty]]);
  // a name used twice is named once; names with digits and underscores
  assert.deepEqual(kind('FROM node\nARG V\nCOPY a-$V-${V}.js ./\n'), [[2, 'warning', empty]]);
  assert.deepEqual(kind('FROM node\nARG V_1\nCOPY app-$V_1.js ./\n'), [[2, 'warning', '`$V_1` empty (its ARG has no default)']]);
});

test('copy-source-missing: a source named twice on one COPY is one finding', () => {
  const c = ctx(['app.js']);
  for (const t of ['FROM node\nCOPY nope.js nope.js ./\n', 'FROM node\nCOPY nope.js ./nope.js ./\n', 'FROM node\nARG V\nCOPY x$V.js x.js ./\n'])
    assert.equal(find(t, c).length, 1, t);
});

test('copy-source-missing: the build args of a conditional finding come from the sources, every one of them, not the destination', () => {
  const c = new MemoryContext('c');
  c.addFile('a.js', 'x');
  const [d] = find('FROM a\nARG U\nARG D=/d\nCOPY z-$U.js $D/\n', c);
  assert.equal(d!.severity, 'warning');
  assert.match(d!.message, /--build-arg U=…` fails/);
  const [v] = find('FROM a\nARG V\nCOPY a.js y-$V.js /d/\n', c);
  assert.equal(v!.severity, 'warning');
  assert.match(v!.message, /with `\$V` empty/);
});
