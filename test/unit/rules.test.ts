// Rule behaviour beyond the documented examples: positives, near misses, exact fixed text, and the awkward inputs
// every rule must survive (multi-stage, heredocs, `# escape=`, Windows images, JSON forms, ONBUILD).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { check, fixAll, MemoryContext, applyEdits, RULES, type Finding } from '../../server/src/engine';
import { ctxOf, findings } from './helpers';


function fixed(text: string, ctx: MemoryContext | null, rule: string): string {
  return fixAll(text, ctx, {}, (f) => f.rule === rule).text;
}

describe('broad-copy-before-install', () => {
  const rule = 'broad-copy-before-install';
  const ctx = ctxOf(['package.json', 'yarn.lock', 'src/a.js', 'src/b.js']);
  test('flags yarn install after COPY . . and names the cost', () => {
    const f = findings('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install --frozen-lockfile\n', ctx, rule);
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /yarn/);
    assert.match(f[0]!.message, /package\.json, yarn\.lock/);
    assert.equal(f[0]!.range.start.line, 3);
    assert.equal(f[0]!.related?.[0]?.range.start.line, 2);
  });
  test('fix keeps --chown and copies only existing manifests', () => {
    const out = fixed('FROM node:20\nWORKDIR /app\nCOPY --chown=node:node . .\nRUN yarn install --frozen-lockfile\n', ctx, rule);
    assert.equal(out, 'FROM node:20\nWORKDIR /app\nCOPY --chown=node:node package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\nCOPY --chown=node:node . .\n');
  });
  test('pip -r: the requirements file is the manifest; fix uses the COPY destination', () => {
    const c = ctxOf(['requirements.txt', 'app.py']);
    const out = fixed('FROM python:3.12\nCOPY . /srv\nRUN pip install -r requirements.txt\n', c, rule);
    assert.equal(out, 'FROM python:3.12\nCOPY requirements.txt /srv/\nRUN pip install -r requirements.txt\nCOPY . /srv\n');
  });
  test('near miss: manifests copied first, install before the broad copy', () => {
    assert.equal(findings('FROM node:20\nCOPY package.json yarn.lock ./\nRUN yarn install\nCOPY . .\n', ctx, rule).length, 0);
  });
  test('install of named packages is not a manifest install: reported as a tool install that reads nothing copied', () => {
    const f = findings('FROM node:20\nCOPY . .\nRUN npm install -g typescript\n', ctx, rule);
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /installs `typescript` from the registry and reads nothing from the build context/);
  });
  test('install + build in one RUN: reported, but no fix (the build needs the sources)', () => {
    const f = findings('FROM node:20\nCOPY . .\nRUN npm ci && npm run build\n', ctxOf(['package.json', 'src/x.ts']), rule);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
  });
  test('poetry install without --no-root needs the sources: no fix', () => {
    const f = findings('FROM python:3.12\nCOPY . .\nRUN poetry install\n', ctxOf(['pyproject.toml', 'poetry.lock', 'pkg/__init__.py']), rule);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
  });
  test('go mod download in a multi-stage build, fixed in its stage only', () => {
    const text = 'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n';
    const out = fixed(text, ctxOf(['go.mod', 'go.sum', 'main.go']), rule);
    assert.equal(out, 'FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n');
  });
  test('without a context: reported without a fix', () => {
    const f = findings('FROM node:20\nCOPY . .\nRUN npm ci\n', null, rule);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
  });
  test('ENV between the copy and the install blocks the fix', () => {
    const f = findings('FROM node:20\nCOPY . .\nENV NODE_ENV=production\nRUN npm ci\n', ctxOf(['package.json', 'a.js']), rule);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
  });
});

describe('broad-copy-before-install: fixes only when the manifests are self-contained', () => {
  const rule = 'broad-copy-before-install';
  const df = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n';
  test('a root lifecycle script (postinstall, prepare …) may read sources: reported, no fix', () => {
    const c = ctxOf({ 'package.json': '{"scripts":{"postinstall":"node scripts/patch.js"}}', 'scripts/patch.js': '1', 'a.js': '1', 'b.js': '2' });
    const f = findings(df, c, rule);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
  });
  test('workspaces live in sub-folders: no fix', () => {
    const c = ctxOf({ 'package.json': '{"workspaces":["packages/*"]}', 'packages/a/package.json': '{}', 'a.js': '1', 'b.js': '2' });
    assert.equal(findings(df, c, rule)[0]!.fix, undefined);
  });
  test('pip: a requirements file that includes another, or installs the project, gets no fix', () => {
    const py = 'FROM python:3.12\nCOPY . /srv\nRUN pip install -r requirements.txt\n';
    assert.equal(findings(py, ctxOf({ 'requirements.txt': '-r requirements/base.txt\n', 'requirements/base.txt': 'x', 'a.py': '1', 'b.py': '1' }), rule)[0]!.fix, undefined);
    assert.equal(findings(py, ctxOf({ 'requirements.txt': '-e .\n', 'a.py': '1', 'b.py': '1', 'c.py': '1' }), rule)[0]!.fix, undefined);
    assert.equal(findings('FROM python:3.12\nCOPY . /srv\nRUN pip install -r requirements.txt -e .\n', ctxOf({ 'requirements.txt': 'flask\n', 'a.py': '1', 'b.py': '1', 'c.py': '1' }), rule)[0]!.fix, undefined);
    assert.ok(findings(py, ctxOf({ 'requirements.txt': 'flask==3.0\n# comment\n', 'a.py': '1', 'b.py': '1', 'c.py': '1' }), rule)[0]!.fix);
  });
  test('a dependency step already runs before the copy: the later install is the project install', () => {
    const uv = 'FROM python:3.12\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --locked --no-install-project\nCOPY . /app\nRUN uv sync --locked\n';
    assert.equal(findings(uv, ctxOf(['pyproject.toml', 'uv.lock', 'a.py', 'b.py', 'c.py']), rule).length, 0);
  });
});

describe('fix safety found by real builds (test/oracle/fix-safety.test.ts)', () => {
  test('costly-step-after-volatile-copy: a COPY of configuration into /etc may be read by the install', () => {
    const df = 'FROM debian:12\nCOPY sources.list /etc/apt/sources.list\nRUN apt-get update && apt-get install -y curl\n';
    assert.equal(findings(df, ctxOf(['sources.list']), 'costly-step-after-volatile-copy').length, 0);
  });
  test('context-includes-volatile keeps .git when a RUN reads it', () => {
    const c = ctxOf(['.git/HEAD', 'a.go']);
    const f = findings('FROM golang\nCOPY . .\nRUN go build -buildvcs=true ./...\n', c, 'context-includes-volatile');
    assert.ok(f.every((x) => !x.fix || !x.fix.edits.some((e) => /^\.git$/m.test(e.newText))));
    const g = findings('FROM golang\nCOPY . .\nRUN VERSION=$(git describe --tags) make\n', c, 'context-includes-volatile');
    assert.ok(g.every((x) => !x.fix || !x.fix.edits.some((e) => /^\.git$/m.test(e.newText))));
  });
  test('cleanup-in-separate-layer: package removal is not cleanup; stages only copied from do not ship layers', () => {
    assert.equal(findings('FROM alpine:3\nRUN apk add curl\nRUN apk del libidn2\n', null, 'cleanup-in-separate-layer').length, 0);
    const df = 'FROM alpine:3.20 AS installer\nRUN mkdir -p /staging/var/cache && echo x > /staging/var/cache/junk\nRUN rm -rf /staging/var/cache\nFROM scratch\nCOPY --from=installer /staging/ /\n';
    assert.equal(findings(df, null, 'cleanup-in-separate-layer').length, 0);
  });
});

describe('apt-update-alone', () => {
  const rule = 'apt-update-alone';
  test('flags and merges into the following install (multi-line install kept)', () => {
    const text = 'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y \\\n    curl \\\n    git\n';
    assert.equal(fixed(text, null, rule), 'FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y \\\n    curl \\\n    git\n');
  });
  test('apk update alone with no install anywhere: reported, no fix', () => {
    const f = findings('FROM alpine:3.20\nRUN apk update\nCMD ["sh"]\n', null, rule);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
  });
  test('near miss: update and install together', () => {
    assert.equal(findings('FROM debian:12\nRUN apt-get update && apt-get install -y curl\n', null, rule).length, 0);
  });
  test('JSON form RUN is understood', () => {
    assert.equal(findings('FROM debian:12\nRUN ["apt-get", "update"]\nRUN ["apt-get", "install", "-y", "curl"]\n', null, rule).length, 1);
  });
});

describe('arg-declared-early', () => {
  const rule = 'arg-declared-early';
  test('an unused ARG with a value is reported (no fix: nowhere to move it)', () => {
    const f = findings('FROM alpine\nARG SHA=dev\nRUN apk add git\nRUN echo hi\n', null, rule);
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /2 RUN steps/);
    assert.equal(f[0]!.fix, undefined);
  });
  test('near miss: ARG right before its use', () => {
    assert.equal(findings('FROM alpine\nRUN apk add git\nARG SHA=dev\nRUN echo $SHA\n', null, rule).length, 0);
  });
  test('near miss: implicit tool variables are left alone', () => {
    assert.equal(findings('FROM debian\nARG DEBIAN_FRONTEND=noninteractive\nRUN apt-get update\nRUN apt-get install -y x\n', null, rule).length, 0);
  });
  test('a RUN that runs a script may read the variable from its environment: it counts as a use', () => {
    assert.equal(findings('FROM alpine\nARG V=1\nRUN ./build.sh\nRUN echo $V\n', null, rule).length, 0);
    const f = findings('FROM alpine\nARG V=1\nRUN apk add git\nRUN make\nRUN echo $V\n', null, rule);
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /1 RUN step .*line 4 runs commands that may read it/);
    assert.equal(f[0]!.fix, undefined);
  });
  test('an ARG whose value feeds another ARG or ENV is used there', () => {
    assert.equal(findings('FROM alpine\nARG V=1\nARG URL=https://x/v$V.tgz\nRUN apk add git\nRUN wget $URL\n', null, rule).filter((f) => f.message.includes('ARG V`')).length, 0);
  });
  test('ARG used by a COPY destination counts as a use', () => {
    assert.equal(findings('FROM alpine\nARG DIR=/x\nCOPY a $DIR\nRUN echo\n', ctxOf(['a']), rule).length, 0);
  });
});

describe('missing-cache-mount', () => {
  const rule = 'missing-cache-mount';
  test('near miss: a cache mount already covers the manager', () => {
    assert.equal(findings('FROM node:20\nCOPY package.json .\nRUN --mount=type=cache,target=/root/.npm npm ci\n', ctxOf(['package.json']), rule).length, 0);
  });
  test('near miss: pip --no-cache-dir', () => {
    assert.equal(findings('FROM python\nCOPY r.txt .\nRUN pip install --no-cache-dir -r r.txt\n', ctxOf(['r.txt']), rule).length, 0);
  });
  test('non-root user: reported without a fix (home directory unknown)', () => {
    const f = findings('FROM node:20\nUSER node\nCOPY package.json .\nRUN npm ci\n', ctxOf(['package.json']), rule);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
  });
  test('Windows images are skipped', () => {
    const text = '# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\nRUN npm ci\n';
    assert.equal(findings(text, null, rule).length, 0);
  });
});

describe('cleanup-in-separate-layer', () => {
  const rule = 'cleanup-in-separate-layer';
  test('near miss: cleanup in the same RUN', () => {
    assert.equal(findings('FROM debian\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n', null, rule).length, 0);
  });
  test('cleanup of a cache mount of the previous step does nothing', () => {
    const f = findings('FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get install -y x\nRUN rm -rf /var/cache/apt/archives\n', null, rule);
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /cache mount/);
  });
  test('the fix and the related line point at the previous RUN only when it made what is cleaned (corpus round 4, toolbox)', () => {
    // `dnf clean all` after a step that ran no dnf: moving it there would save nothing
    const apart = findings('FROM fedora:40\nRUN dnf install -y git\nRUN rm /extra-packages\nRUN dnf clean all\n', null, rule);
    assert.equal(apart.length, 1, 'the separate cleanup is still reported');
    assert.equal(apart[0]!.fix, undefined);
    assert.equal(apart[0]!.related, undefined);
    // apt lists removed after a pip step, and the apt step before had left them: reported, no fix
    const rmApart = findings('FROM debian\nRUN apt-get update && apt-get install -y x\nRUN pip install y\nRUN rm -rf /var/lib/apt/lists/*\n', null, rule);
    assert.equal(rmApart.length, 1);
    assert.equal(rmApart[0]!.fix, undefined);
    assert.equal(rmApart[0]!.related, undefined);
    // right after the dnf step: related line and fix
    const next = findings('FROM fedora:40\nRUN dnf install -y git\nRUN dnf clean all\n', null, rule);
    assert.equal(next.length, 1);
    assert.equal(next[0]!.related?.[0]?.range.start.line, 1);
    assert.match(next[0]!.fix?.title ?? '', /line 2/);
    const rmNext = findings('FROM debian\nRUN apt-get update && apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/*\n', null, rule);
    assert.match(rmNext[0]!.fix?.title ?? '', /line 2/);
  });
  test('an rm of apt lists the apt step already removed deletes nothing of this Dockerfile: not reported (corpus round 4, text-generation-inference)', () => {
    assert.equal(findings('FROM debian\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\nRUN pip install y\nRUN rm -rf /var/lib/apt/lists/*\n', null, rule).length, 0);
    // removed first and used again after: the lists are back in that layer
    assert.equal(findings('FROM debian\nRUN rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y x\nRUN rm -rf /var/lib/apt/lists/*\n', null, rule).length, 1);
  });
  test('heredoc previous RUN: reported, no fix', () => {
    const f = findings('FROM debian\nRUN <<EOF\napt-get update\napt-get install -y x\nEOF\nRUN apt-get clean\n', null, rule);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
  });
});

describe('copy-ignored-file and copy-source-missing', () => {
  test('a source excluded by .dockerignore is an error naming the pattern line', () => {
    const c = ctxOf(['app.js', 'secret.env'], '# comment\n*.env\n');
    const f = findings('FROM node\nCOPY secret.env app.js ./\n', c, 'copy-ignored-file');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /line 2 \(`\*\.env`\)/);
    assert.equal(findings('FROM node\nCOPY secret.env app.js ./\n', c, 'copy-source-missing').length, 0);
  });
  test('a `!` exception re-includes the file', () => {
    const c = ctxOf(['app.js', 'keep.env'], '*.env\n!keep.env\n');
    assert.equal(findings('FROM node\nCOPY keep.env ./\n', c, 'copy-ignored-file').length, 0);
  });
  test('missing source and unmatched wildcard', () => {
    const c = ctxOf(['app.js']);
    assert.equal(findings('FROM node\nCOPY missing.js ./\n', c, 'copy-source-missing').length, 1);
    const wild = findings('FROM node\nCOPY *.ts ./\n', c, 'copy-source-missing')[0]!;
    assert.match(wild.message, /copies nothing/);
    assert.equal(wild.severity, 'info', 'BuildKit does not fail on an empty wildcard');
    assert.equal(findings('FROM node\nCOPY *.js ./\n', c, 'copy-source-missing').length, 0);
  });
  test('every missing source present a folder above the context (same repository): one warning about the context', () => {
    const text = 'FROM node\nCOPY package.json ./\nCOPY src ./src\nCOPY app.js ./\n';
    const c = ctxOf(['app.js']);
    assert.equal(findings(text, c, 'copy-source-missing').length, 2, 'nothing known above: one error per missing source');
    c.addAbove(1, 'package.json').addAbove(1, 'src/index.ts');
    const f = findings(text, c, 'copy-source-missing');
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, 'warning');
    assert.match(f[0]!.message, /2 COPY sources \(`package\.json`, …\) are missing from the build context .* but exist 1 folder above it \(`\.\.`\)/);
    assert.equal(f[0]!.range.start.line, 1);
    assert.deepEqual(f[0]!.related?.map((r) => r.range.start.line), [2]);
    // two levels up, and only when all of them are there
    const d = ctxOf(['app.js']).addAbove(2, 'package.json').addAbove(2, 'src');
    assert.match(findings(text, d, 'copy-source-missing')[0]!.message, /exist 2 folders above it \(`\.\.\/\.\.`\)/);
    const e = ctxOf(['app.js']).addAbove(1, 'package.json');
    assert.deepEqual(findings(text, e, 'copy-source-missing').map((x) => x.severity), ['error', 'error'], 'src is missing above too');
  });
  test('COPY --from and heredoc COPY are not context reads', () => {
    const c = ctxOf(['a']);
    assert.equal(findings('FROM node AS b\nRUN touch /x\nFROM node\nCOPY --from=b /x /x\nCOPY <<EOF /y\nhi\nEOF\n', c, 'copy-source-missing').length, 0);
  });
  test('ONBUILD COPY is checked where it is declared? no: it runs in the child, so it is not reported twice', () => {
    const c = ctxOf(['a']);
    const f = findings('FROM node AS p\nONBUILD COPY nope /n\nFROM p\nRUN true\n', c, 'copy-source-missing');
    assert.equal(f.length, 0);
  });
});

describe('context-includes-volatile', () => {
  const rule = 'context-includes-volatile';
  test('appends to an existing .dockerignore and never excludes what a COPY names', () => {
    const c = ctxOf(['app.js', 'node_modules/x/index.js', 'build.log', 'dist/out.js', '.git/HEAD'], '.dockerignore\n');
    const text = 'FROM node\nCOPY dist/ /dist/\nCOPY . .\n';
    const f = findings(text, c, rule);
    assert.equal(f.length, 1);
    const edit = f[0]!.fix!.edits;
    assert.equal(edit[0]!.file, 'dockerignore');
    assert.equal(applyEdits('.dockerignore\n', edit), '.dockerignore\n.git\nnode_modules\n*.log\n');
  });
  test('near miss: no whole-context copy', () => {
    assert.equal(findings('FROM node\nCOPY app.js .\n', ctxOf(['app.js', '.git/HEAD']), rule).length, 0);
  });
  test('a whole-context bind mount counts too', () => {
    assert.equal(findings('FROM node\nRUN --mount=type=bind,target=/src make -C /src\n', ctxOf(['Makefile', '.git/HEAD']), rule).length, 1);
  });
});

describe('unpinned-remote-source, mutable-base-image, cache-bust-pattern', () => {
  test('ADD <url> without --checksum; with it is fine', () => {
    assert.equal(findings('FROM alpine:3\nADD https://x.io/a.tgz /a.tgz\n', null, 'unpinned-remote-source').length, 1);
    assert.equal(findings('FROM alpine:3\nADD --checksum=sha256:abc https://x.io/a.tgz /a.tgz\n', null, 'unpinned-remote-source').length, 0);
  });
  test('git clone of a branch vs a tag or checked-out commit', () => {
    assert.equal(findings('FROM alpine:3\nRUN git clone https://x.io/r.git /r\n', null, 'unpinned-remote-source').length, 1);
    // a version tag is pinned by convention: said softly
    assert.deepEqual(findings('FROM alpine:3\nRUN git clone --branch v1.2.3 https://x.io/r.git /r\n', null, 'unpinned-remote-source').map((f) => f.severity), ['info']);
    assert.equal(findings('FROM alpine:3\nRUN git clone https://x.io/r.git /r && cd /r && git checkout 0123456789abcdef0123456789abcdef01234567\n', null, 'unpinned-remote-source').length, 0);
  });
  test('curl of a versioned URL is fine; of latest is not; a checksum check makes it fine', () => {
    assert.equal(findings('FROM alpine:3\nRUN curl -fsSL https://x.io/v1.2.3/t.tgz -o t.tgz\n', null, 'unpinned-remote-source').length, 0);
    assert.equal(findings('FROM alpine:3\nRUN curl -fsSL https://x.io/latest/t.tgz -o t.tgz\n', null, 'unpinned-remote-source').length, 1);
    assert.equal(findings('FROM alpine:3\nRUN curl -fsSL https://x.io/latest/t.tgz -o t.tgz && echo "abc  t.tgz" | sha256sum -c -\n', null, 'unpinned-remote-source').length, 0);
  });
  test('FROM without tag / with latest; stages, scratch, digests and variables are fine', () => {
    assert.equal(findings('FROM ubuntu\nRUN true\n', null, 'mutable-base-image').length, 1);
    assert.equal(findings('FROM ubuntu:latest\nRUN true\n', null, 'mutable-base-image').length, 1);
    assert.equal(findings('FROM ubuntu:24.04 AS a\nFROM a\nFROM scratch\nFROM ubuntu@sha256:abc\nARG V\nFROM ${V}\n', null, 'mutable-base-image').length, 0);
    assert.equal(findings('FROM localhost:5000/img\nRUN true\n', null, 'mutable-base-image').length, 1);
  });
  test('cache-bust ARG says how many steps it reruns; RUN date is frozen', () => {
    const f = findings('FROM alpine:3\nARG CACHEBUST=1\nRUN echo a\nRUN echo b\nCOPY x /x\n', ctxOf(['x']), 'cache-bust-pattern');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /reruns 3 steps/);
    assert.equal(findings('FROM alpine:3\nRUN date > /built-at\n', null, 'cache-bust-pattern').length, 1);
  });
});

describe('every rule survives awkward inputs', () => {
  const inputs: Record<string, string> = {
    heredoc: 'FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nCOPY <<EOF /etc/x\nhello\nEOF\n',
    escape: '# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY . C:\\app\nRUN dir C:\\app `\n  && echo done\n',
    json: 'FROM node:20\nCOPY ["package.json", "./"]\nRUN ["npm", "ci"]\nCMD ["node", "."]\n',
    onbuild: 'FROM node:20 AS base\nONBUILD COPY . /app\nONBUILD RUN npm ci\nFROM base\nRUN echo child\n',
    multistage: 'ARG V=1\nFROM node:${V} AS a\nCOPY . .\nRUN npm ci\nFROM a AS b\nRUN apt-get update\nFROM scratch\nCOPY --from=b / /\n',
    garbage: 'FROM\nRUN\nCOPY\nONBUILD\nARG\nENV\n\\\n',
    empty: '',
  };
  for (const [name, text] of Object.entries(inputs)) {
    test(name, () => {
      const res = check(text, ctxOf(['package.json', 'a.js', 'x']));
      for (const f of res.findings) {
        assert.ok(RULES.some((r) => r.id === f.rule));
        assert.ok(f.range.start.line >= 0 && f.range.start.line < Math.max(1, text.split('\n').length));
        if (f.fix) {
          const after = applyEdits(text, f.fix.edits.filter((e) => e.file === 'dockerfile'));
          assert.equal(typeof after, 'string');
        }
      }
      const all = fixAll(text, ctxOf(['package.json', 'a.js', 'x']));
      assert.equal(typeof all.text, 'string');
    });
  }
});

describe('suppressions', () => {
  test('`# layerwise-ignore <id>` above an instruction, and `-file`', () => {
    const text = 'FROM ubuntu\n# layerwise-ignore apt-update-alone\nRUN apt-get update\n';
    assert.equal(findings(text, null, 'apt-update-alone').length, 0);
    assert.equal(findings(text, null, 'mutable-base-image').length, 1);
    assert.equal(findings('# layerwise-ignore-file mutable-base-image\nFROM ubuntu\n', null, 'mutable-base-image').length, 0);
  });
  test('severity overrides and off', () => {
    // (missing-cache-mount off too: on fix-safety it reports `apt-get update` alone, which this test is not about)
    const r = check('FROM ubuntu\nRUN apt-get update\n', null, { severities: { 'apt-update-alone': 'error', 'mutable-base-image': 'off', 'missing-cache-mount': 'off' } });
    assert.deepEqual(r.findings.map((f) => [f.rule, f.severity]), [['apt-update-alone', 'error']]);
  });
});
