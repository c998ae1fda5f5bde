// broad-copy-before-install in detail: exact messages, ranges, related information, which COPY is named, when a COPY
// is broad (with and without a context), tool installs, and every condition of the fix. Written for the mutation run
// of the rule (test/mutation-equivalents.md); rules.test.ts has its broader cases. Every test name starts with the
// rule's id (`LAYERWISE_MUTATION_TESTS=broad-copy-before-install` runs these and the rule's other tests only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, fixAll, RULES, type MemoryContext } from '../../server/src/engine';
import { ctxOf } from './helpers';

const R = 'broad-copy-before-install';
const find = (text: string, c: MemoryContext | null = null) => check(text, c).findings.filter((f) => f.rule === R);
const brief = (text: string, c: MemoryContext | null = null) =>
  find(text, c).map((f) => ({
    line: f.range.start.line,
    end: [f.range.end.line, f.range.end.character],
    severity: f.severity,
    message: f.message,
    related: f.related?.map((r) => [r.range.start.line, r.range.end.character, r.message]),
    fix: f.fix?.title,
  }));
const edits = (text: string, c: MemoryContext | null) => find(text, c)[0]?.fix?.edits.map((e) => [e.file, e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.newText]);
const fixed = (text: string, c: MemoryContext | null) => fixAll(text, c, {}, (f) => f.rule === R).text;
/** A context with package.json and three sources. */
const npmCtx = (extra: Record<string, string> = {}) => ctxOf({ 'package.json': '{}', 'a.js': '1', 'b.js': '2', 'c.js': '3', ...extra });
const lines = (f: { line: number }[]) => f.map((x) => x.line);

test('broad-copy-before-install: catalogue entry', () => {
  const r = RULES.find((x) => x.id === R)!;
  assert.deepEqual([r.title, r.defaultSeverity], ['Dependency install after a broad COPY', 'warning']);
  assert.match(r.description, /^A dependency install \(npm ci, pip install -r, go mod download, …\) runs after a COPY\/ADD that brings in more than its manifest/);
});

test('broad-copy-before-install: the message, the squiggle on the first line, the related COPY and the fix', () => {
  const c = ctxOf(['package.json', 'yarn.lock', 'src/a.js', 'src/b.js']);
  const text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install \\\n  --frozen-lockfile\n';
  assert.deepEqual(brief(text, c), [
    {
      line: 3, end: [3, 16], severity: 'warning',
      message: '`RUN yarn install   --frozen-lockfile` (yarn) runs after `COPY . .` on line 3: a change to any of the 2 other files it copies reruns the install (4 files copied), which needs only package.json, yarn.lock. Copy those first, install, then copy the rest.',
      related: [[2, 8, 'the broad COPY the install depends on']],
      fix: 'Copy package.json, yarn.lock first and run the install before `COPY . .`',
    },
  ]);
  assert.deepEqual(edits(text, c), [
    ['dockerfile', 2, 0, 2, 0, 'COPY package.json yarn.lock ./\nRUN yarn install \\\n  --frozen-lockfile\n'],
    ['dockerfile', 3, 0, 5, 0, ''],
  ]);
  // ADD is named as such; one other file is "the one other file"
  assert.deepEqual(brief('FROM node\nADD . .\nRUN npm ci\n', ctxOf(['package.json', 'a.js'])).map((f) => [f.message, f.related]), [
    ['`RUN npm ci` (npm) runs after `ADD . .` on line 2: a change to the one other file it copies reruns the install (2 files copied), which needs only package.json. Copy those first, install, then copy the rest.', [[1, 7, 'the broad ADD the install depends on']]],
  ]);
});

test('broad-copy-before-install: without a context the count is unknown and every manifest is named; a build that restores says to split it', () => {
  assert.deepEqual(brief('FROM node:20\nCOPY . .\nRUN npm ci\n').map((f) => [f.message, f.fix]), [
    ['`RUN npm ci` (npm) runs after `COPY . .` on line 2: a change to any file it copies reruns the install, which needs only package.json, package-lock.json, npm-shrinkwrap.json, .npmrc. Copy those first, install, then copy the rest.', undefined],
  ]);
  // a context without any of the manifests: the first two are named
  assert.equal(find('FROM node\nCOPY . .\nRUN yarn install\n', ctxOf(['a.js', 'b.js', 'c.js']))[0]!.message, '`RUN yarn install` (yarn) runs after `COPY . .` on line 2: a change to any of the 3 other files it copies reruns the install, which needs only package.json, yarn.lock. Copy those first, install, then copy the rest.');
  assert.deepEqual(brief('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN dotnet publish -c Release\n', ctxOf(['app.csproj', 'a.cs', 'b.cs', 'c.cs'])).map((f) => [f.message, f.fix]), [
    ['`RUN dotnet publish -c Release` (dotnet) runs after `COPY . .` on line 2: a change to any of the 3 other files it copies reruns the install (4 files copied), which needs only *.csproj. This command also builds the project itself, so split the dependency step from the build.', undefined],
  ]);
});

test('broad-copy-before-install: which COPY is broad without a context (folders, the whole context, files without an extension, wildcards that select no manifest)', () => {
  const broad = (src: string) => find(`FROM node\nCOPY ${src} ./\nRUN npm ci\n`).length === 1;
  assert.deepEqual(['.', 'src', 'src/', 'Makefile', '*.go', 'package.json src'].map(broad), [true, true, true, true, true, true]);
  // `lib/*` may select a package.json: a manifest source, as `*.json` is
  assert.deepEqual(['package.json', 'package.json package-lock.json', '*.json', 'package*.json', 'lib/*', 'main.go', 'a.js b.js c.js'].map(broad), [false, false, false, false, false, false, false]);
});

test('broad-copy-before-install: with a context, a folder or at least three other files is broad', () => {
  const c = npmCtx({ 'lib/x.js': '1' });
  assert.deepEqual(find('FROM node\nCOPY package.json a.js b.js ./\nRUN npm ci\n', c), [], 'two extra files copied on purpose');
  assert.equal(find('FROM node\nCOPY package.json a.js b.js c.js ./\nRUN npm ci\n', c)[0]!.message, '`RUN npm ci` (npm) runs after `COPY package.json a.js b.js c…` on line 2: a change to any of the 3 other files it copies reruns the install (4 files copied), which needs only package.json. Copy those first, install, then copy the rest.');
  assert.equal(find('FROM node\nCOPY package.json lib ./\nRUN npm ci\n', c)[0]!.message, '`RUN npm ci` (npm) runs after `COPY package.json lib ./` on line 2: a change to the one other file it copies reruns the install (2 files copied), which needs only package.json. Copy those first, install, then copy the rest.');
  // a folder that holds only manifests, and a wildcard that selects only manifests, are not broad
  assert.deepEqual(find('FROM maven\nCOPY .mvn .mvn\nCOPY pom.xml ./\nRUN mvn dependency:go-offline\n', ctxOf(['pom.xml', '.mvn/wrapper/a', 'src/a.java', 'src/b.java', 'src/c.java'])), []);
  assert.deepEqual(find('FROM node\nCOPY package*.json ./\nRUN npm ci\n', ctxOf(['package.json', 'package-lock.json', 'a.js', 'b.js', 'c.js'])), []);
  // manifests found by name inside a copied folder are not counted as extra (none at the root: the first two named)
  assert.equal(find('FROM node\nCOPY app ./\nRUN npm ci\n', ctxOf(['app/package.json', 'app/a.js', 'app/b.js']))[0]!.message, '`RUN npm ci` (npm) runs after `COPY app ./` on line 2: a change to any of the 2 other files it copies reruns the install (3 files copied), which needs only package.json, package-lock.json. Copy those first, install, then copy the rest.');
});

test('broad-copy-before-install: the nearest COPY without the manifests names the broader earlier one that has them', () => {
  const c = npmCtx({ 'proto/x.proto': '1' });
  assert.deepEqual(brief('FROM node\nCOPY . .\nCOPY proto proto\nRUN npm ci\n', c).map((f) => [f.line, f.related?.[0]?.[0], f.fix]), [[3, 1, undefined]]);
  assert.match(find('FROM node\nCOPY . .\nCOPY proto proto\nRUN npm ci\n', c)[0]!.message, /runs after `COPY \. \.` on line 2: a change to any of the 4 other files it copies reruns the install \(5 files copied\)/);
  // the earlier COPY has the manifest but brings in fewer other files: the nearer one is named
  const d = ctxOf(['package.json', 'src/a.js', 'src/b.js', 'src/c.js']);
  assert.deepEqual(brief('FROM node\nCOPY package.json ./\nCOPY src src\nRUN npm ci\n', d).map((f) => [f.line, f.related?.[0]?.[0]]), [[3, 2]]);
  // an ONBUILD COPY and a COPY --from are not context copies of the stage
  assert.deepEqual(lines(brief('FROM node AS b\nRUN echo\nFROM node\nCOPY . .\nONBUILD COPY x /x\nCOPY --from=b /x /x\nRUN npm ci\n', c)), [6]);
  assert.deepEqual(brief('FROM node\nONBUILD COPY . .\nRUN npm ci\n', c), []);
  assert.deepEqual(brief('FROM node\nCOPY . .\nONBUILD RUN npm ci\n', c), []);
  // each stage on its own
  assert.deepEqual(brief('FROM node AS a\nCOPY . .\nFROM node\nRUN npm ci\n', c), []);
});

test('broad-copy-before-install: a dependency step that already ran makes the later command the project build', () => {
  const go = ctxOf(['go.mod', 'go.sum', 'a.go', 'b.go', 'c.go']);
  assert.deepEqual(find('FROM golang\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go mod download\n', go), []);
  const rust = ctxOf(['Cargo.toml', 'Cargo.lock', 'src/a.rs', 'src/b.rs', 'src/c.rs', 'recipe.json']);
  assert.deepEqual(find('FROM rust\nCOPY recipe.json .\nRUN cargo chef cook --release\nCOPY . .\nRUN cargo build --release\n', rust), []);
  // a dependency step of another manager does not count
  assert.equal(find('FROM node\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN npm ci\n', npmCtx({ 'requirements.txt': 'x\n' })).length, 1);
  // the dependency step between the copy and the build carries the finding itself (the build is not reported)
  assert.deepEqual(lines(brief('FROM rust\nCOPY . .\nRUN cargo fetch\nRUN cargo build --release\n', rust)), [2]);
  // ... but a manifest install between them is not "earlier": that later install is reported too
  assert.deepEqual(lines(brief('FROM node\nCOPY . .\nRUN npm ci\nRUN npm ci\n', npmCtx())), [2, 3]);
});

test('broad-copy-before-install: implicit restores, bind mounts', () => {
  const c = ctxOf(['app.csproj', 'a.cs', 'b.cs', 'c.cs']);
  assert.equal(find('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN dotnet build\n', c).length, 1);
  assert.deepEqual(find('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN dotnet build --no-restore\n', c), []);
  // with the NuGet folder on a cache mount the restore is served from it; another cache mount does not matter
  assert.deepEqual(find('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN --mount=type=cache,target=/root/.nuget/packages dotnet publish\n', c), []);
  assert.equal(find('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN --mount=type=cache,target=/tmp/x dotnet publish\n', c).length, 1);
  // an explicit restore is reported even with the NuGet cache mounted
  assert.equal(find('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN --mount=type=cache,target=/root/.nuget/packages dotnet restore\n', c).length, 1);
  // the install reads its manifests from a bind mount
  assert.deepEqual(find('FROM node\nCOPY . .\nRUN --mount=type=bind,source=package.json,target=package.json npm ci\n', npmCtx()), []);
  assert.equal(find('FROM node\nCOPY . .\nRUN --mount=type=tmpfs,target=/tmp npm ci\n', npmCtx()).length, 1);
});

test('broad-copy-before-install: a RUN that only installs named tools', () => {
  const c = ctxOf(['package.json', 'a.js']);
  assert.deepEqual(brief('FROM node\nCOPY . .\nRUN npm install -g a b c d\n', c), [
    {
      line: 2, end: [2, 26], severity: 'warning',
      message: '`RUN npm install -g a b c d` installs `a`, `b`, `c`, … from the registry and reads nothing from the build context, but runs after `COPY . .` on line 2: a change to any of the 2 files it copies reruns it. Install it before the copy.',
      related: [[1, 8, 'the broad COPY that reruns the install']],
      fix: undefined,
    },
  ]);
  assert.equal(find('FROM node\nCOPY . .\nRUN npm install -g a b c\n')[0]!.message, '`RUN npm install -g a b c` installs `a`, `b`, `c` from the registry and reads nothing from the build context, but runs after `COPY . .` on line 2: a change to any file it copies reruns it. Install it before the copy.');
  assert.equal(find('FROM node\nCOPY . .\nRUN npm install -g a b c\n', ctxOf(['a.js']))[0]!.message.includes('any of the 1 file it copies'), true);
  // trivial commands and OS package installs beside it are fine (an env assignment before the tool is skipped)
  assert.deepEqual(lines(brief('FROM node\nCOPY . .\nRUN mkdir -p /x && X=1 npm install -g a && apt-get install -y y\n')), [2]);
  // a command that may read the copy, a cd, a relative path anywhere in the script: nothing said
  for (const run of ['npm install -g a && ./x.sh', 'cd /x && npm install -g a', 'npm install -g a && make', 'npm install -g a; echo ../x', 'npm install -g a ./x'])
    assert.deepEqual(find(`FROM node\nCOPY . .\nRUN ${run}\n`), [], run);
  // a copy that is not broad
  assert.deepEqual(find('FROM node\nCOPY a.js ./\nRUN npm install -g a\n', ctxOf(['a.js'])), []);
  assert.deepEqual(find('FROM node\nCOPY a.js ./\nRUN npm install -g a\n'), []);
  // no tool install at all
  assert.deepEqual(find('FROM node\nCOPY . .\nRUN echo hi\n'), []);
});

test('broad-copy-before-install: the fix copies the manifests to the COPY destination with its --chown/--chmod', () => {
  assert.equal(fixed('FROM node\nCOPY . /app\nRUN npm ci\n', npmCtx()), 'FROM node\nCOPY package.json /app/\nRUN npm ci\nCOPY . /app\n');
  assert.equal(fixed('FROM node\nCOPY . /app/\nRUN npm ci\n', npmCtx()), 'FROM node\nCOPY package.json /app/\nRUN npm ci\nCOPY . /app/\n');
  assert.equal(fixed('FROM node\nCOPY . ./\nRUN npm ci\n', npmCtx()), 'FROM node\nCOPY package.json ./\nRUN npm ci\nCOPY . ./\n');
  assert.equal(fixed('FROM node\nCOPY --chmod=644 --link . /app/\nRUN npm ci\n', npmCtx()), 'FROM node\nCOPY --chmod=644 package.json /app/\nRUN npm ci\nCOPY --chmod=644 --link . /app/\n');
  // manifests in the manager's order, folders on their own line, wildcards resolved to the files at the root
  const mvn = 'FROM maven\nCOPY . .\nRUN mvn dependency:go-offline\n';
  assert.equal(fixed(mvn, ctxOf(['pom.xml', '.mvn/wrapper/x', 'src/a.java', 'b', 'c'])), 'FROM maven\nCOPY pom.xml ./\nCOPY .mvn ./.mvn/\nRUN mvn dependency:go-offline\nCOPY . .\n');
  assert.equal(fixed('FROM node\nCOPY . .\nRUN yarn install\n', ctxOf(['.yarnrc', 'yarn.lock', 'package.json', 'a.js', 'b.js', 'c.js'])), 'FROM node\nCOPY package.json yarn.lock .yarnrc ./\nRUN yarn install\nCOPY . .\n');
  assert.equal(find('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN dotnet restore\n', ctxOf(['app.csproj', 'x.sln', 'src/a.cs', 'b.cs', 'c.cs']))[0]!.fix?.title, 'Copy x.sln, app.csproj first and run the install before `COPY . .`');
  // the install's trivial companions move with it (each on its own), and the tool installs' companions are trivial too
  for (const cmd of ['mkdir -p /x', 'rm -f /x', 'echo hi', 'true', 'ln -s /a /b', 'chown 1 /x', 'chmod +x /x', 'touch /x', 'export A=1', 'set -eux', 'corepack enable', 'printf x', '/bin/echo hi']) {
    assert.equal(find(`FROM node\nCOPY . .\nRUN ${cmd} && npm ci\n`, npmCtx())[0]?.fix?.title, 'Copy package.json first and run the install before `COPY . .`', cmd);
    assert.equal(find(`FROM node\nCOPY . .\nRUN ${cmd} && npm install -g a\n`).length, 1, cmd);
  }
  assert.equal(fixed('FROM node\nCOPY . .\nRUN NODE_ENV=production npm ci && npm cache clean --force && rm -rf /tmp/x\n', npmCtx()), 'FROM node\nCOPY package.json ./\nRUN NODE_ENV=production npm ci && npm cache clean --force && rm -rf /tmp/x\nCOPY . .\n');
  assert.equal(fixed('FROM node\nCOPY . .\nRUN apt-get install -y git && /usr/bin/npm ci && yarn cache clean\n', npmCtx()), 'FROM node\nCOPY package.json ./\nRUN apt-get install -y git && /usr/bin/npm ci && yarn cache clean\nCOPY . .\n');
});

test('broad-copy-before-install: no fix unless the COPY is the whole context right before an install that needs only its manifests', () => {
  const noFix = (text: string, c: MemoryContext | null = npmCtx()) => {
    const f = find(text, c);
    assert.equal(f.length, 1, text);
    assert.equal(f[0]!.fix, undefined, text);
  };
  noFix('FROM node\nCOPY . a.js .\nRUN npm ci\n');
  noFix('FROM node\nCOPY src .\nRUN npm ci\n', npmCtx({ 'src/a': '1', 'src/package.json': '{}' }));
  noFix('FROM node\nCOPY --exclude=*.md . .\nRUN npm ci\n');
  noFix('FROM node\nCOPY . .\nRUN echo hi\nRUN npm ci\n');
  noFix('FROM node\nCOPY . .\nARG X=1\nRUN npm ci\n');
  noFix('FROM node\nCOPY . .\nRUN ["npm", "ci"]\n');
  noFix('FROM node\nCOPY . .\nRUN npm ci && cd /x\n');
  noFix('FROM node\nCOPY . .\nRUN cd /x && npm ci\n');
  noFix('FROM node\nCOPY . .\nRUN npm ci && node x.js\n');
  noFix('FROM node\nCOPY . .\nRUN npm ci && npm run build\n');
  noFix('FROM node\nCOPY . .\nRUN npm ci\n', ctxOf(['package-lock.json', 'a.js', 'b.js', 'c.js'])); // the required package.json is missing
  noFix('FROM python\nCOPY . .\nRUN pip install -r requirements.txt -r dev.txt\n', ctxOf({ 'requirements.txt': 'flask\n', 'a.py': '1', 'b.py': '1', 'c.py': '1' }));
  noFix('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN dotnet restore\n', ctxOf(['src/app.csproj', 'a.cs', 'b.cs', 'c.cs'])); // no manifest at the root
  // manifests of the same kind below the root may be read by the install (a solution's projects, a Go workspace's
  // modules, a Cargo workspace's members): copying the root ones alone would break it
  noFix('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN dotnet restore\n', ctxOf(['x.sln', 'src/x.csproj', 'src/a.cs', 'b.cs', 'c.cs']));
  noFix('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN dotnet restore\n', ctxOf(['app.csproj', 'lib/lib.csproj', 'a.cs', 'b.cs', 'c.cs']));
  noFix('FROM golang\nCOPY . .\nRUN go mod download\n', ctxOf(['go.mod', 'go.work', 'tools/go.mod', 'a.go', 'b.go', 'c.go']));
  noFix('FROM rust\nCOPY . .\nRUN cargo fetch\n', ctxOf(['Cargo.toml', 'Cargo.lock', 'crates/a/Cargo.toml', 'a.rs', 'b.rs', 'c.rs']));
  // ... but a package installed in node_modules is not a workspace member
  assert.equal(find('FROM node\nCOPY . .\nRUN npm ci\n', npmCtx({ 'node_modules/x/package.json': '{}' }))[0]!.fix?.title, 'Copy package.json first and run the install before `COPY . .`');
  noFix('FROM node\nCOPY . .\nRUN npm ci\n', npmCtx({ 'lib/package.json': '{}' }));
  // a partial context (an untrusted workspace) cannot show which manifests exist
  const partial = npmCtx();
  Object.defineProperty(partial, 'partial', { value: true });
  noFix('FROM node\nCOPY . .\nRUN npm ci\n', partial);
});

test('broad-copy-before-install: the fix only when the manifests are self-contained (lifecycle scripts, JSON, requirements files)', () => {
  const npm = (pkg: string) => find('FROM node\nCOPY . .\nRUN npm ci\n', ctxOf({ 'package.json': pkg, 'a.js': '1', 'b.js': '2', 'c.js': '3' }))[0]!.fix?.title;
  for (const k of ['preinstall', 'install', 'postinstall', 'prepare', 'prepublish', 'preprepare', 'postprepare'])
    assert.equal(npm(`{"scripts":{"${k}":"x"}}`), undefined, k);
  assert.equal(npm('{"scripts":{"build":"tsc","test":"x"}}'), 'Copy package.json first and run the install before `COPY . .`');
  assert.equal(npm('{"name":"x"}'), 'Copy package.json first and run the install before `COPY . .`');
  assert.equal(npm('{not json'), undefined);
  assert.equal(npm('{"workspaces":{"packages":["p/*"]}}'), undefined);
  for (const mgr of ['yarn install', 'pnpm install', 'bun install'])
    assert.equal(find(`FROM node\nCOPY . .\nRUN ${mgr}\n`, ctxOf({ 'package.json': '{"scripts":{"postinstall":"x"}}', 'a.js': '1', 'b.js': '2', 'c.js': '3' }))[0]!.fix, undefined, mgr);
  const pip = (req: string, cmd = 'pip install -r requirements.txt') => find(`FROM python\nCOPY . /srv\nRUN ${cmd}\n`, ctxOf({ 'requirements.txt': req, 'a.py': '1', 'b.py': '1', 'c.py': '1' }))[0]!.fix?.title;
  const ok = 'Copy requirements.txt first and run the install before `COPY . /srv`';
  assert.equal(pip('flask==3.0\n\n# -r other.txt\nrequests # -e .\n'), ok);
  for (const line of ['-r base.txt', '--requirement base.txt', '-c constraints.txt', '--constraint=c.txt', '-e .', '--editable ./x', './local', '/abs/pkg', 'file:./x', 'pkg @ file:///x', 'pkg@file:x'])
    assert.equal(pip(`flask\n${line}\n`), undefined, line);
  assert.equal(pip('flask\n', 'uv pip install -r requirements.txt'), ok);
  assert.equal(pip('-e .\n', 'uv pip install -r requirements.txt'), undefined);
  // go and other managers have no manifest content to check
  assert.equal(find('FROM golang\nCOPY . .\nRUN go mod download\n', ctxOf(['go.mod', 'go.sum', 'a.go', 'b.go', 'c.go']))[0]!.fix?.title, 'Copy go.mod, go.sum first and run the install before `COPY . .`');
});

test('broad-copy-before-install: a workspace declared at the root names its members\' manifests too; nested manifests without one do not', () => {
  const text = 'FROM rust:1\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n';
  const tail = 'This command also builds the project itself, so split the dependency step from the build.';
  const ws = ctxOf({ 'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n', 'Cargo.lock': '', 'crates/a/Cargo.toml': '[package]', 'crates/a/src/lib.rs': '', 'crates/b/Cargo.toml': '[package]', 'crates/b/src/lib.rs': '' });
  assert.deepEqual(find(text, ws).map((f) => f.message), [
    `\`RUN cargo build --release\` (cargo) runs after \`COPY . .\` on line 3: a change to any of the 2 other files it copies reruns the install (6 files copied), which needs only Cargo.toml, Cargo.lock and the 2 manifests of its workspace members. ${tail}`,
  ]);
  // a nested Cargo.toml (a fixture, another project) without [workspace] at the root: not a member
  const plain = ctxOf({ 'Cargo.toml': '[package]\nname = "x"\n', 'Cargo.lock': '', 'src/main.rs': '', 'tests/fixture/Cargo.toml': '[package]' });
  assert.match(find(text, plain)[0]!.message, /which needs only Cargo\.toml, Cargo\.lock\. This command/);
  // npm workspaces and pnpm-workspace.yaml
  const npm = ctxOf({ 'package.json': '{"workspaces": ["packages/*"]}', 'package-lock.json': '{}', 'packages/a/package.json': '{}', 'packages/a/i.js': '' });
  assert.match(find('FROM node\nCOPY . .\nRUN npm ci\n', npm)[0]!.message, /which needs only package\.json, package-lock\.json and the 1 manifest of its workspace members\. Copy/);
  const pnpm = ctxOf({ 'package.json': '{}', 'pnpm-lock.yaml': '', 'pnpm-workspace.yaml': 'packages: ["p/*"]', 'p/a/package.json': '{}', 'p/a/i.js': '' });
  assert.match(find('FROM node\nCOPY . .\nRUN pnpm install\n', pnpm)[0]!.message, /pnpm-workspace\.yaml and the 1 manifest of its workspace members\. Copy/);
  // no context: `pnpm -r` installs every workspace package
  assert.match(find('FROM node\nCOPY . .\nRUN pnpm i -r --force\n')[0]!.message, /\.pnpmfile\.cjs and the package\.json of each workspace package \(-r\)\. Copy/);
  assert.doesNotMatch(find('FROM node\nCOPY . .\nRUN pnpm install\n')[0]!.message, /workspace package/);
});

test('broad-copy-before-install: a build whose dependencies live on its cache mounts needs no separate dependency step', () => {
  // round 6 of the precision review (vector's tests/antithesis): `cargo build` with the registry and the target folder
  // on cache mounts compiles, on a rerun, only what changed; a dependency step before it would save nothing
  const rust = ctxOf(['Cargo.toml', 'Cargo.lock', 'src/a.rs', 'src/b.rs', 'src/c.rs']);
  const cargo = (mounts: string, env = '') => find(`FROM rust:1\n${env}WORKDIR /src\nCOPY . .\nRUN ${mounts} cargo build --release\n`, rust).length;
  assert.equal(cargo('--mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/src/target'), 0);
  assert.equal(cargo('--mount=type=cache,target=/usr/local/cargo --mount=type=cache,target=target'), 0);
  assert.equal(cargo('--mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/out', 'ENV CARGO_TARGET_DIR=/out/t\n'), 0);
  // either folder not mounted: the dependencies are downloaded or compiled again on every rerun
  assert.equal(cargo('--mount=type=cache,target=/usr/local/cargo/registry'), 1);
  assert.equal(cargo('--mount=type=cache,target=/src/target'), 1);
  assert.equal(cargo('--mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/src/target', 'ENV CARGO_TARGET_DIR=/out\n'), 1);
  assert.equal(cargo('--mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/src/target', 'ENV CARGO_TARGET_DIR=rel\n'), 1);
  // a tmpfs keeps nothing from one build to the next
  assert.equal(cargo('--mount=type=cache,target=/usr/local/cargo/registry --mount=type=tmpfs,target=/src/target'), 1);
  // maven: the local repository on a cache mount serves the build's downloads
  const mvn = ctxOf(['pom.xml', 'src/A.java', 'src/B.java', 'src/C.java']);
  assert.equal(find('FROM maven:3\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/root/.m2 mvn package\n', mvn).length, 0);
  assert.equal(find('FROM maven:3\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/tmp/x mvn package\n', mvn).length, 1);
  // an install that needs only its manifests keeps the finding even with its cache mounted (npm ci still reruns)
  assert.equal(find('FROM node\nCOPY . .\nRUN --mount=type=cache,target=/root/.npm npm ci\n', npmCtx()).length, 1);
});

test('broad-copy-before-install: `cargo install <crate>` installs from the registry; an earlier one is not the build\'s dependency step', () => {
  const c = ctxOf({ 'Cargo.toml': '', 'Cargo.lock': '', 'src/main.rs': '', 'src/lib.rs': '' });
  // it was read as a manifest install ("needs only Cargo.toml, Cargo.lock"), and one before the copies hid the build's finding
  assert.match(find('FROM rust\nCOPY . .\nRUN cargo install ripgrep\n', c)[0]!.message, /^`RUN cargo install ripgrep` installs `ripgrep` from the registry and reads nothing from the build context, but runs after `COPY \. \.` on line 2/);
  assert.deepEqual(lines(brief('FROM rust\nRUN cargo install sccache\nCOPY Cargo.toml Cargo.lock ./\nCOPY src src\nRUN cargo build\n', c)), [4]);
  assert.equal(find('FROM rust\nCOPY . .\nRUN cargo install --path .\n', c)[0]!.message.includes('from the registry'), false);
});

test('broad-copy-before-install: a RUN that does more than the install is told to split it out, a file test or a manager setting is part of it', () => {
  const c = ctxOf(['requirements.txt', 'Makefile', 'app/a.py', 'app/b.py']);
  const msg = (run: string) => find(`FROM python:3.12\nWORKDIR /s\nCOPY . .\n${run}\n`, c).map((f) => [f.message.replace(/^.*which needs only requirements\.txt\./, ''), !!f.fix]);
  assert.deepEqual(msg('RUN make gen && pip install -r requirements.txt'), [[' Copy those first and install in a RUN of its own, then copy the rest: this RUN also runs `make gen`, which may read the copied files.', false]]);
  assert.deepEqual(msg('RUN pip install -r requirements.txt && pip install .'), [[' Copy those first and install in a RUN of its own, then copy the rest: this RUN also runs `pip install .`, which may read the copied files.', false]]);
  assert.deepEqual(msg('RUN pip install -r requirements.txt && python -m compileall -q app/very/long/path/name/of/the/module'), [[' Copy those first and install in a RUN of its own, then copy the rest: this RUN also runs `python -m compileall -q app/very/long/p…`, which may read the copied files.', false]]);
  for (const run of ['RUN pip install -r requirements.txt', 'RUN [ -s requirements.txt ] && pip install -r requirements.txt', 'RUN pip config set global.timeout 60 && pip install -r requirements.txt', 'RUN cd /s && mkdir -p x && pip install -r requirements.txt && apt-get install -y y && npm i -g z'])
    assert.deepEqual(msg(run).map((m) => m[0]), [' Copy those first, install, then copy the rest.'], run);
});

test('broad-copy-before-install: no fix when a requirements line reads a file of the context the narrow COPY leaves out', () => {
  // the install would run before `COPY . .` with only the requirements file: these lines would fail it (or, with
  // --find-links, fetch other files from the index)
  const pip = (req: string, cmd = 'pip install -r requirements.txt') => find(`FROM python\nWORKDIR /src\nCOPY . .\nRUN ${cmd}\n`, ctxOf({ 'requirements.txt': req, 'a.py': '1', 'b.py': '1', 'c.py': '1' }))[0]!.fix?.title;
  const ok = 'Copy requirements.txt first and run the install before `COPY . .`';
  for (const line of ['mypkg[extra] @ file:///src/mypkg', 'mypkg @ git+file:///src/mypkg', '-i file:///src/index', '-f ./wheels', '--find-links=wheels', 'dist/x-1.0-py3-none-any.whl', 'x-1.0-py3-none-any.whl', 'x-1.0.tar.gz', '~/pkgs/x', 'x = { path = "../x" }', 'x = {path="../x"}'])
    assert.equal(pip(`flask\n${line}\n`), undefined, line);
  for (const line of ['x @ https://e.x/x-1.0-py3-none-any.whl', 'y ; python_version > "3.8"', '-i https://pypi.org/simple', 'z[a,b]>=1', 'https://e.x/z-1.0.tar.gz', 'jaraco.zipfile==1.0'])
    assert.equal(pip(`flask\n${line}\n`), ok, line);
  // uv's lock names a path dependency as a source; the project itself (`editable = "."`) is not installed here
  const uv = (lock: string) => find('FROM python\nCOPY . .\nRUN uv sync --no-install-project\n', ctxOf({ 'pyproject.toml': '[project]\nname = "p"\n', 'uv.lock': lock, 'a.py': '1', 'b.py': '1', 'c.py': '1' }))[0]!.fix?.title;
  assert.equal(uv('[[package]]\nname = "p"\nsource = { editable = "." }\n'), 'Copy pyproject.toml, uv.lock first and run the install before `COPY . .`');
  assert.equal(uv('[[package]]\nname = "p"\nsource = { editable = "." }\n[[package]]\nname = "x"\nsource = { path = "../x" }\n'), undefined);
  assert.equal(uv('[[package]]\nname = "x"\nsource = { directory = "libs/x" }\n'), undefined);
});

test('broad-copy-before-install: the survivors of the session-12 mutation run (settings commands, no-context sources, the copy named, dependency steps)', () => {
  const msg = (text: string, c: MemoryContext | null = null) => find(text, c).map((f) => f.message);
  const plain = 'Copy those first, install, then copy the rest.';
  // a manager's own `config` command and the trivial ones belong with the install; `export` and `test` too
  for (const cmd of ['bundle', 'npm', 'yarn', 'pnpm', 'pip', 'pip3', 'poetry', 'composer', 'git', 'gem', 'conda'])
    assert.ok(msg(`FROM node\nCOPY . .\nRUN ${cmd} config set a b && npm ci\n`, npmCtx())[0]!.endsWith(plain), cmd);
  for (const cmd of ['export A=1', 'test -f package.json', '/bin/echo hi'])
    assert.ok(msg(`FROM node\nCOPY . .\nRUN ${cmd} && npm ci\n`, npmCtx())[0]!.endsWith(plain), cmd);
  assert.ok(find('FROM node\nCOPY . .\nRUN export A=1 && npm ci\n', npmCtx())[0]!.fix, 'export is no build step');
  // the other command's text, blanks squeezed, cut after 40 characters
  assert.match(msg('FROM node\nCOPY . .\nRUN npm ci && make   all\n', npmCtx())[0]!, /this RUN also runs `make all`, which/);
  const forty = 'make ' + 'a'.repeat(35);
  assert.match(msg(`FROM node\nCOPY . .\nRUN npm ci && ${forty}\n`, npmCtx())[0]!, new RegExp('this RUN also runs `' + forty + '`, which'));
  assert.match(msg(`FROM node\nCOPY . .\nRUN npm ci && ${forty}b\n`, npmCtx())[0]!, new RegExp('this RUN also runs `' + forty.slice(0, 39) + '…`, which'));
  // without a context: a manifest without an extension is no broad copy; a name with a dot inside but no extension is
  assert.deepEqual(msg('FROM ruby\nCOPY Gemfile ./\nRUN bundle install\n'), []);
  assert.equal(msg('FROM node\nCOPY v1.2-rc ./\nRUN npm ci\n').length, 1);
  // a wildcard source with a context (no entry of its own)
  assert.equal(msg('FROM node\nCOPY package.json *.js ./\nRUN npm ci\n', npmCtx()).length, 1);
  // the NuGet folder on a tmpfs keeps nothing: the implicit restore of `dotnet publish` still counts
  assert.equal(msg('FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN --mount=type=tmpfs,target=/root/.nuget dotnet publish -c Release\n', ctxOf({ 'x.csproj': '<Project/>', 'a.cs': '1', 'b.cs': '2', 'c.cs': '3' })).length, 1);
  // the nearest earlier COPY of the context: not a COPY --from, not a RUN with a bind mount, not another instruction
  const named = (text: string, c: MemoryContext | null = npmCtx()) => find(text, c).map((f) => f.related![0]!.range.start.line);
  assert.deepEqual(named('FROM node\nCOPY . .\nCOPY --from=busybox /bin/sh /sh\nWORKDIR /app\nRUN npm ci\n'), [1]);
  assert.deepEqual(named('FROM node\nCOPY . .\nRUN --mount=type=bind,source=a.js,target=/a.js true\nRUN npm ci\n'), [1]);
  // (without a context, where no COPY that brings the manifests takes its place)
  assert.deepEqual(named('FROM node\nCOPY . .\nRUN echo\nRUN npm ci\n', null), [1]);
  assert.deepEqual(named('FROM node\nCOPY . .\nRUN --mount=type=bind,source=x,target=/x true\nRUN npm ci\n', null), [1]);
  // the nearest copy brings no manifest: the nearest earlier one that does, when broader (not on a tie), an ADD too
  const tree = ctxOf({ 'package.json': '{}', 'src/a.js': '1', 'src/b.js': '2', 'proto/p.proto': '3', 'lib/l.js': '4', 'd.js': '5' });
  assert.deepEqual(named('FROM node\nCOPY . .\nCOPY src src\nCOPY proto proto\nRUN npm ci\n', tree), [1]);
  assert.deepEqual(named('FROM node\nADD . .\nCOPY proto proto\nRUN npm ci\n', tree), [1]);
  assert.deepEqual(named('FROM node\nRUN --mount=type=bind,target=/ctx true\nCOPY proto proto\nRUN npm ci\n', tree), [2], 'a RUN with a bind mount is no earlier copy');
  assert.deepEqual(named('FROM node\nCOPY package.json lib ./\nCOPY proto proto\nRUN npm ci\n', tree), [2], 'a tie keeps the nearest');
  assert.deepEqual(named('FROM node\nCOPY . .\nCOPY package.json ./\nCOPY proto proto\nRUN npm ci\n', tree), [3], 'the nearest one that brings it');
  assert.deepEqual(named('FROM node\nCOPY . .\nCOPY package.json src d.js ./\nRUN npm ci\n', tree), [2], 'the nearest copy brings it: kept');
  // an earlier dependency step: of the same manager, before the copy, or between them when it installs only the
  // dependencies; `cargo chef` counts for cargo only; nothing after the RUN counts
  const cargo = ctxOf({ 'Cargo.toml': '[package]', 'Cargo.lock': '', 'src/main.rs': '', 'src/a.rs': '', 'src/b.rs': '' });
  assert.equal(msg('FROM rust\nCOPY . .\nRUN cargo build --release\nRUN cargo fetch\n', cargo).length, 2, 'each its own');
  assert.equal(msg('FROM rust\nCOPY . .\nRUN cargo build\nRUN cargo build --release\n', cargo).length, 2);
  assert.equal(msg('FROM rust\nCOPY Cargo.toml ./\nRUN cargo build\nCOPY . .\nRUN cargo build --release\n', cargo).length, 0);
  assert.equal(msg('FROM node\nRUN knife chef x\nCOPY . .\nRUN npm ci\n', npmCtx()).length, 1);
  assert.equal(msg('FROM rust\nRUN cargo chef prepare\nCOPY . .\nRUN cargo build\n', cargo).length, 0);
  const go = ctxOf({ 'go.mod': 'module x', 'go.sum': '', 'a.go': '1', 'b.go': '2', 'c.go': '3' });
  assert.equal(msg('FROM golang\nCOPY go.mod go.sum ./\nRUN go mod download && echo ok\nCOPY . .\nRUN go mod download\n', go).length, 0);
  // pnpm -r / --recursive without a context: the workspace packages' manifests; not with a context, another manager
  // or a `-r` of another command
  const rec = ' and the package.json of each workspace package (-r).';
  assert.ok(msg('FROM node\nCOPY . .\nRUN echo hi && pnpm install -r\n')[0]!.includes(rec));
  assert.ok(msg('FROM node\nCOPY . .\nRUN pnpm install --recursive\n')[0]!.includes(rec));
  assert.ok(!msg('FROM node\nCOPY . .\nRUN pnpm install && cp -r a b\n')[0]!.includes(rec));
  assert.ok(!msg('FROM node\nCOPY . .\nRUN npm ci && pnpm install -r\n')[0]!.includes(rec));
  assert.ok(!msg('FROM node\nCOPY . .\nRUN pnpm install -r\n', ctxOf({ 'package.json': '{}', 'pnpm-lock.yaml': '', 'a.js': '1', 'b.js': '2', 'c.js': '3' }))[0]!.includes(rec));
});

test('broad-copy-before-install: the survivors of the session-12 mutation run (cache mounts, workspaces, the fix)', () => {
  const msg = (text: string, c: MemoryContext | null = null) => find(text, c).map((f) => f.message);
  const java = (m: string) => ctxOf({ [m]: 'x', 'a.java': '1', 'b.java': '2', 'c.java': '3' });
  // dependencies on cache mounts: cargo, maven and gradle only; a relative target from the WORKDIR; CARGO_TARGET_DIR
  assert.equal(msg('FROM python\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/uv uv sync\n', ctxOf({ 'pyproject.toml': '[project]', 'a.py': '1', 'b.py': '2', 'c.py': '3' })).length, 1);
  assert.equal(msg('FROM eclipse-temurin\nCOPY . .\nRUN --mount=type=cache,target=/root/.gradle gradle build\n', java('build.gradle')).length, 0);
  assert.equal(msg('FROM maven\nWORKDIR /root\nCOPY . .\nRUN --mount=type=cache,target=.m2 mvn package\n', java('pom.xml')).length, 0);
  assert.equal(msg('FROM maven\nWORKDIR /root\nCOPY . .\nRUN --mount=type=cache,target=.cache mvn package\n', java('pom.xml')).length, 1);
  const cargo = ctxOf({ 'Cargo.toml': '[package]', 'Cargo.lock': '', 'src/main.rs': '', 'src/a.rs': '', 'src/b.rs': '' });
  assert.equal(msg('FROM rust\nENV CARGO_TARGET_DIR=/build/~t\nCOPY . .\nRUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/build cargo build\n', cargo).length, 1, 'a target folder the shell may expand');
  assert.equal(msg('FROM rust\nENV CARGO_TARGET_DIR=/build/t\nCOPY . .\nRUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/build cargo build\n', cargo).length, 0);
  // workspaces declared at the root: Cargo's `[workspace]` at a line's start (indented or not), package.json's
  // "workspaces" (a blank before the colon; npm, yarn, bun), go.work, uv's `[tool.uv.workspace]`; other managers none
  const members = (text: string, files: Record<string, string>) => /and the \d+ manifests? of its workspace members/.test(msg(text, ctxOf(files))[0]!);
  const rs = { 'Cargo.lock': '', 'crates/a/Cargo.toml': '[package]', 'crates/a/src/lib.rs': '', 'src/main.rs': '' };
  assert.equal(members('FROM rust\nCOPY . .\nRUN cargo build\n', { 'Cargo.toml': '  [workspace]\n', ...rs }), true);
  assert.equal(members('FROM rust\nCOPY . .\nRUN cargo build\n', { 'Cargo.toml': '# not a [workspace]\n', ...rs }), false);
  const js = (pkg: string) => ({ 'package.json': pkg, 'packages/a/package.json': '{}', 'packages/a/i.js': '', 'b.js': '', 'c.js': '' });
  for (const cmd of ['npm ci', 'yarn install', 'bun install']) assert.equal(members(`FROM node\nCOPY . .\nRUN ${cmd}\n`, js('{"workspaces" : ["packages/*"]}')), true, cmd);
  assert.equal(members('FROM golang\nCOPY . .\nRUN go mod download\n', { 'go.mod': 'module x', 'go.work': 'use ./tools', 'tools/go.mod': 'module t', 'a.go': '', 'b.go': '' }), true);
  const py = (pyproject: string) => ({ 'pyproject.toml': pyproject, 'packages/a/pyproject.toml': '[project]', 'a.py': '', 'b.py': '', 'c.py': '' });
  for (const head of ['[tool.uv.workspace]', ' [tool.uv.workspace]']) assert.equal(members('FROM python\nCOPY . .\nRUN uv sync --no-install-project\n', py(`[project]\n${head}\nmembers = ["packages/*"]\n`)), true, head);
  assert.equal(members('FROM python\nCOPY . .\nRUN uv sync --no-install-project\n', py('[project]\n# [tool.uv.workspace]\n')), false);
  assert.equal(members('FROM python\nCOPY . .\nRUN pip install -r requirements.txt\n', { 'requirements.txt': 'flask', 'sub/requirements.txt': 'x', 'a.py': '', 'b.py': '' }), false);
  // the fix: only a copy of the whole context; a nested folder named like a manifest is no manifest; manifests in the
  // manager's order (wildcard ones first); folders on lines of their own
  assert.equal(find('FROM node\nCOPY src ./\nRUN npm ci\n', ctxOf({ 'package.json': '{}', 'src/a.js': '', 'src/b.js': '', 'src/c.js': '' }))[0]!.fix, undefined);
  const mix = ctxOf({ 'mix.exs': 'x', 'mix.lock': 'y', 'config/config.exs': '1', 'lib/a/config/x.ex': '2', 'lib/b.ex': '3', 'lib/c.ex': '4' });
  assert.deepEqual(edits('FROM elixir\nCOPY . .\nRUN mix deps.get\n', mix)?.map((e) => e[5]), ['COPY mix.exs mix.lock ./\nCOPY config ./config/\nRUN mix deps.get\n', '']);
  assert.equal(find('FROM ruby\nCOPY . .\nRUN bundle install\n', ctxOf({ Gemfile: 'x', 'Gemfile.lock': 'y', 'x.gemspec': 'z', 'a.rb': '1', 'b.rb': '2', 'c.rb': '3' }))[0]!.fix?.title, 'Copy x.gemspec, Gemfile, Gemfile.lock first and run the install before `COPY . .`');
  assert.equal(find('FROM gradle\nCOPY . .\nRUN gradle dependencies\n', ctxOf(['a.java', 'b.java', 'c.java', 'd.java']))[0]!.fix, undefined, 'no manifest at all');
  assert.deepEqual(edits('FROM gradle\nCOPY . .\nRUN gradle dependencies\n', ctxOf(['gradle/wrapper/gradle-wrapper.properties', 'a.java', 'b.java', 'c.java']))?.map((e) => e[5]), ['COPY gradle ./gradle/\nRUN gradle dependencies\n', '']);
  // the commands beside the install: a `cache` command of npm, yarn or pnpm only
  assert.ok(find('FROM node\nCOPY . .\nRUN pnpm install && pnpm cache delete x\n', ctxOf({ 'package.json': '{}', 'pnpm-lock.yaml': '', 'a.js': '1', 'b.js': '2', 'c.js': '3' }))[0]!.fix);
  assert.equal(find('FROM node\nCOPY . .\nRUN npm ci && mytool cache\n', npmCtx())[0]!.fix, undefined);
  // go.mod's comments are no requirement lines
  assert.ok(find('FROM golang\nCOPY . .\nRUN go mod download\n', ctxOf({ 'go.mod': '// Deprecated: x\nmodule x\n', 'go.sum': '', 'a.go': '1', 'b.go': '2', 'c.go': '3' }))[0]!.fix);
  // requirement lines: an indented include, an option word inside a package name
  const pip = (req: string) => find('FROM python\nCOPY . /srv\nRUN pip install -r requirements.txt\n', ctxOf({ 'requirements.txt': req, 'a.py': '1', 'b.py': '1', 'c.py': '1' }))[0]!.fix?.title;
  assert.equal(pip('flask\n  -r other.txt\n'), undefined);
  assert.equal(pip('some-c==1.0\n'), 'Copy requirements.txt first and run the install before `COPY . /srv`');
  // a tool install next to a relative path inside another word
  assert.equal(msg('FROM python\nCOPY . .\nRUN mkdir -p /opt/./x && pip install poetry\n', npmCtx()).length, 1);
});
