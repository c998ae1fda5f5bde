// The wrong-finding classes of the issue-9 precision review (docs/precision-review.md), one section per class: each
// pins the finding that was wrong (now silent or softer), and the true positive next to it that must stay.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type Finding } from '../../server/src/engine';
import { ctxOf, findings } from './helpers';


/** [line (1-based), severity] of each finding. */
function where(fs: Finding[]): [number, string][] {
  return fs.map((f) => [f.range.start.line + 1, f.severity]);
}

describe('apt-update-alone knows which installs fetch their own index', () => {
  const rule = 'apt-update-alone';
  test('apk add --no-cache fetches its own index: no stale-index warning, the useless update said softly', () => {
    const f = findings('FROM alpine:3.20\nRUN apk update\nRUN apk add --no-cache curl\n', null, rule);
    assert.deepEqual(where(f), [[2, 'info']]);
    assert.match(f[0]!.message, /fetches its own index/);
    assert.doesNotMatch(f[0]!.message, /stale/);
  });
  test('a plain apk add after apk update reads the cached index: warning', () => {
    assert.deepEqual(where(findings('FROM alpine:3.20\nRUN apk update\nRUN apk add curl\n', null, rule)), [[2, 'warning']]);
  });
  test('an install in a RUN that updates first is fine, whatever came before', () => {
    assert.deepEqual(findings('FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt-get update && apt-get install -y git\n', null, rule), []);
  });
  test('recall: the update shares its RUN with other commands (even an install), the later install relies on it', () => {
    const f = findings('FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y git\n', null, rule);
    assert.deepEqual(where(f), [[2, 'warning']]);
    assert.deepEqual(f[0]!.related?.map((r) => r.range.start.line + 1), [3]);
    assert.deepEqual(where(findings('FROM debian:12\nRUN apt-get update && mkdir -p /x\nRUN apt-get install -y git\n', null, rule)), [[2, 'warning']]);
  });
  test('the lists removed after the update: nothing stale is left to install from', () => {
    assert.deepEqual(findings('FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN apt-get update && apt-get install -y git\n', null, rule), []);
  });
  test('dnf refreshes expired metadata itself: an earlier makecache is only dead weight', () => {
    assert.deepEqual(where(findings('FROM fedora:40\nRUN dnf makecache\nRUN dnf install -y git\n', null, rule)), [[2, 'info']]);
  });
  test('a setup script before the install may refresh the index itself: not counted as relying', () => {
    assert.deepEqual(findings('FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN curl -fsSL https://deb.nodesource.com/setup_22.x | bash - && apt-get install -y nodejs\n', null, rule), []);
  });
  test('a stage built FROM another installs from the index the base stage cached', () => {
    const f = findings('FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN apt-get install -y git\n', null, rule);
    assert.deepEqual(where(f), [[2, 'warning']]);
  });
});

describe('unpinned-remote-source expands ARG defaults before judging a ref', () => {
  const rule = 'unpinned-remote-source';
  test('a release tag given through an ARG default is pinned enough to say so softly', () => {
    const f = findings('FROM alpine:3.20\nARG TAG=v1.3.1\nRUN git clone --branch ${TAG} https://github.com/a/b\n', null, rule);
    assert.deepEqual(where(f), [[3, 'info']]);
    assert.match(f[0]!.message, /tag `v1\.3\.1`/);
  });
  test('a branch through an ARG default is moving', () => {
    const f = findings('FROM alpine:3.20\nARG BR=main\nRUN git clone -b $BR https://github.com/a/b\n', null, rule);
    assert.deepEqual(where(f), [[3, 'warning']]);
    assert.match(f[0]!.message, /branch `main`/);
  });
  test('a ref passed only at build time (no default) is unknown: nothing said', () => {
    assert.deepEqual(findings('FROM alpine:3.20\nARG REF\nRUN git clone -b $REF https://github.com/a/b\n', null, rule), []);
  });
  test('a checkout of a commit in a later RUN pins the clone', () => {
    assert.deepEqual(findings('FROM alpine:3.20\nARG C="e5be006"\nRUN git clone https://github.com/a/b\nRUN cd b && git checkout ${C}\n', null, rule), []);
    assert.deepEqual(findings('FROM alpine:3.20\nRUN git clone https://go.googlesource.com/go\nRUN git fetch https://go.googlesource.com/go refs/changes/34/41834/3 ; git checkout FETCH_HEAD\n', null, rule), []);
  });
  test('a checkout of a branch does not pin it', () => {
    assert.deepEqual(where(findings('FROM alpine:3.20\nRUN git clone https://github.com/a/b && cd b && git checkout develop\n', null, rule)), [[2, 'warning']]);
  });
  test('ADD of a versioned URL without --checksum is said softly; of a moving one, not', () => {
    assert.deepEqual(where(findings('FROM alpine:3.20\nADD https://github.com/a/b/releases/download/v1.4.1/tool /usr/local/bin/tool\n', null, rule)), [[2, 'info']]);
    assert.deepEqual(where(findings('FROM alpine:3.20\nADD https://github.com/a/b/releases/latest/download/tool /usr/local/bin/tool\n', null, rule)), [[2, 'warning']]);
    assert.deepEqual(where(findings('FROM alpine:3.20\nADD https://github.com/a/b.git#v1.2.3 /src\n', null, rule)), [[2, 'info']]);
  });
  test('an unpinned installer that pins what it installs (an argument, or <TOOL>_VERSION in its env) is said softly', () => {
    assert.deepEqual(where(findings('FROM debian:12\nRUN curl -sSf https://sh.rustup.rs | sh -s -- --default-toolchain 1.85.1 -y\n', null, rule)), [[2, 'info']]);
    assert.deepEqual(where(findings('FROM python:3.12\nENV POETRY_VERSION=2.4.1\nRUN curl -sSL https://install.python-poetry.org | python -\n', null, rule)), [[3, 'info']]);
    assert.deepEqual(where(findings('FROM debian:12\nRUN curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal\n', null, rule)), [[2, 'warning']]);
  });
  test('recall: a URL that is moving once its ARG default is expanded', () => {
    assert.deepEqual(where(findings('FROM alpine:3.20\nARG URL=https://x.io/releases/latest/t.tgz\nRUN curl -fsSLo t.tgz "$URL"\n', null, rule)), [[3, 'warning']]);
  });
});

describe('copy-ignored-file: a source that is not in the context is missing, not ignored', () => {
  test('present and ignored: the ignore problem, with the `!` exception', () => {
    const f = findings('FROM alpine:3.20\nCOPY config.yml /etc/app/\n', ctxOf(['config.yml'], '*.yml\n'), 'copy-ignored-file');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /!config\.yml/);
  });
  test('ignored but not there at all: no `!` exception; copy-source-missing says it is missing', () => {
    const ctx = ctxOf(['other.txt'], '*.yml\n');
    assert.deepEqual(findings('FROM alpine:3.20\nCOPY config.yml /etc/app/\n', ctx, 'copy-ignored-file'), []);
    const m = findings('FROM alpine:3.20\nCOPY config.yml /etc/app/\n', ctx, 'copy-source-missing');
    assert.deepEqual(where(m), [[2, 'error']]);
    assert.match(m[0]!.message, /`config\.yml` does not exist/);
  });
  test('under a folder the ignore file excludes entirely (a crawler may not have looked inside): no `!` proposed', () => {
    const f = findings('FROM alpine:3.20\nCOPY node_modules/x/index.js /app/\n', ctxOf(['package.json'], 'node_modules\n'), 'copy-ignored-file');
    assert.equal(f.length, 1);
    assert.doesNotMatch(f[0]!.message, /!node_modules/);
    assert.match(f[0]!.message, /whether or not it exists/);
  });
});

describe('cache-bust-pattern: deliberate whole-tree reruns and clocks that never reach the layer', () => {
  const rule = 'cache-bust-pattern';
  test('a timestamp read only by a sanity check ([ … -lt "$now" ]) leaves nothing in the layer', () => {
    assert.deepEqual(findings('FROM alpine:3.20\nRUN set -eux; now="$(date +%s)"; make; [ "$SOURCE_DATE_EPOCH" -lt "$now" ]\n', null, rule), []);
    assert.deepEqual(findings('FROM alpine:3.20\nRUN date && make\n', null, rule), [], 'date printed to the build log only');
  });
  test('a timestamp written into the image is frozen by the cache', () => {
    assert.deepEqual(where(findings('FROM alpine:3.20\nRUN echo 2.0.`date +%Y%m%d` > /VERSION\n', null, rule)), [[2, 'info']]);
    assert.deepEqual(where(findings('FROM alpine:3.20\nRUN d=$(date); echo $d > /built\n', null, rule)), [[2, 'info']]);
  });
  test('a cache-bust ARG before linters and validators that read the whole tree: their rerun is intended', () => {
    assert.deepEqual(findings('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nARG CACHEBUST=1\nRUN golangci-lint run\nRUN go vet ./...\n', null, rule), []);
    assert.deepEqual(findings('FROM golang:1.22\nARG CACHEBUST=1\nRUN --mount=type=bind,target=. make lint\nRUN --mount=type=bind,target=. ./hack/validate-vendor\n', null, rule), []);
  });
  test('… but not before a build that only happens to follow', () => {
    assert.deepEqual(where(findings('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nARG CACHEBUST=1\nRUN golangci-lint run\nRUN go build -o /out/app\n', null, rule)), [[4, 'info']]);
  });
  test('a date stamped by a step that bind-mounts the whole context: it reruns on any change anyway', () => {
    assert.deepEqual(findings('FROM alpine:3.20\nRUN --mount=type=bind,target=/src date > /built && cp -r /src/docs /docs\n', null, rule), []);
  });
});

describe('copy-source-missing: one likely-context warning, no per-file errors for the same sources', () => {
  const rule = 'copy-source-missing';
  test('sources written relative to the repository root and others that exist there: one warning', () => {
    const ctx = ctxOf(['main.go'], undefined, 'repo/src/api');
    ctx.addAbove(2, 'go.work').addAbove(2, 'src/api/go.mod');
    const f = findings('FROM golang:1.22\nCOPY src/api/go.mod .\nCOPY go.work .\nRUN go build\n', ctx, rule);
    assert.deepEqual(where(f), [[2, 'warning']]);
    assert.equal(f[0]!.contextUp, 2);
    assert.match(f[0]!.message, /2 COPY sources/);
  });
  test('a source in a git submodule that is not checked out: one warning for the submodule', () => {
    const ctx = ctxOf({ '.gitmodules': '[submodule "app"]\n\tpath = app\n\turl = https://x.io/app.git\n', Dockerfile: 'x' });
    ctx.addDir('app');
    const f = findings('FROM node:20\nCOPY app/package.json app/yarn.lock ./\nCOPY app/src ./src\n', ctx, rule);
    assert.deepEqual(where(f), [[2, 'warning']]);
    assert.match(f[0]!.message, /3 COPY sources .* git submodule `app`/);
  });
  test('a build output (target/, a .jar) is produced before docker build: a warning that says so', () => {
    const f = findings('FROM eclipse-temurin:17\nCOPY target/app.jar /app.jar\nCOPY conf/app.yml /etc/\n', ctxOf(['pom.xml']), rule);
    assert.deepEqual(where(f), [[2, 'warning'], [3, 'error']]);
    assert.match(f[0]!.message, /produced before `docker build` \(`target\/`\)/);
  });
  test('the `file.ex[t]` optional-file idiom says nothing; an empty wildcard of archives says they come from a build', () => {
    assert.deepEqual(findings('FROM alpine:3.20\nCOPY cwallet.ss[o] ./\n', ctxOf(['x']), rule), []);
    const f = findings('FROM alpine:3.20\nCOPY app-*-linux.tar.gz ./\n', ctxOf(['x']), rule);
    assert.deepEqual(where(f), [[2, 'info']]);
    assert.match(f[0]!.message, /produced before `docker build` \(an archive or binary\)/);
    assert.deepEqual(where(findings('FROM alpine:3.20\nCOPY conf*.yml ./\n', ctxOf(['x']), rule)), [[2, 'info']], 'other empty wildcards: info as before');
  });
  test('`--chmod 777` (no `=`) stops the parser: no bogus missing source `777`, a parse problem instead', () => {
    const text = 'FROM alpine:3.20\nADD --chmod 777 file.txt /tmp\n';
    assert.deepEqual(findings(text, ctxOf(['file.txt']), rule), []);
    assert.match(analyze(text).problems.map((p) => p.message).join('\n'), /--chmod needs a value/);
  });
});

describe('broad-copy-before-install recall', () => {
  const rule = 'broad-copy-before-install';
  const ctx = ctxOf(['package.json', 'pyproject.toml', 'app.csproj', 'Program.cs', 'src/a.py', 'src/b.py', 'src/c.py']);
  test('a global tool install after a broad copy reruns on every source edit (advice only: yarn reads ./.yarnrc)', () => {
    const text = 'FROM node:20\nWORKDIR /app\nCOPY . /app\nRUN yarn global add serve\nCMD ["serve"]\n';
    const f = findings(text, ctx, rule);
    assert.deepEqual(where(f), [[4, 'warning']]);
    assert.match(f[0]!.message, /installs `serve` from the registry and reads nothing from the build context/);
    assert.equal(f[0]!.fix, undefined);
  });
  test('pip install poetry after COPY . . is reported; pip install . (the project) is not a tool install', () => {
    assert.deepEqual(where(findings('FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install poetry\nRUN poetry install\n', ctx, rule)), [[4, 'warning'], [5, 'warning']]);
    assert.deepEqual(findings('FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n', ctx, rule), []);
  });
  test('near miss: the tool is installed before the copy', () => {
    assert.deepEqual(findings('FROM python:3.12\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\nRUN echo ok\n', ctx, rule), []);
  });
  test('the nearest copy brings no manifest: the broader copy that does is named', () => {
    const c = ctxOf(['svc/requirements.txt', 'svc/a.py', 'svc/b.py', 'svc/c.py', 'proto/x.proto']);
    const f = findings('FROM python:3.12\nWORKDIR /app\nCOPY svc svc\nCOPY proto proto\nRUN pip install -r svc/requirements.txt\n', c, rule);
    assert.deepEqual(where(f), [[5, 'warning']]);
    assert.match(f[0]!.message, /after `COPY svc svc` on line 3: a change to any of the 3 other files/);
  });
  test('COPY src before mvn dependency:go-offline: the dependency step is reported, the build after it is not', () => {
    const c = ctxOf(['pom.xml', 'src/main/A.java', 'src/main/B.java', 'src/main/C.java']);
    assert.deepEqual(where(findings('FROM maven:3.9\nWORKDIR /app\nCOPY pom.xml .\nCOPY src ./src\nRUN mvn dependency:go-offline\nRUN mvn package\n', c, rule)), [[5, 'warning']]);
  });
  test('dotnet publish restores implicitly: after COPY . . it is a dependency install that needs the project files only', () => {
    const f = findings('FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -c Release -o /out\n', ctx, rule);
    assert.deepEqual(where(f), [[4, 'warning']]);
    assert.match(f[0]!.message, /\(dotnet\).*\*\.csproj/);
  });
  test('near misses: restore first with the project files; --no-restore; the NuGet folder on a cache mount', () => {
    assert.deepEqual(findings('FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY *.csproj .\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release -o /out\n', ctx, rule), []);
    assert.deepEqual(findings('FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish --no-restore -o /out\n', ctx, rule), []);
    assert.deepEqual(findings('FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.nuget/packages dotnet publish -o /out\n', ctx, rule), []);
  });
});

describe('other classes the judged sample showed wrong', () => {
  test('mutable-base-image: a template placeholder is not an image reference', () => {
    assert.deepEqual(findings('FROM REPLACE-ME\nRUN echo hi\n', null, 'mutable-base-image'), []);
    assert.equal(findings('FROM alpine\nRUN echo hi\n', null, 'mutable-base-image').length, 1);
  });
  test('cleanup-in-separate-layer: removing a cache folder nothing here fills (emulator junk) is not a cleanup', () => {
    assert.deepEqual(findings('FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf "/home/jovyan/.cache/rosetta"\n', null, 'cleanup-in-separate-layer'), []);
  });
  test('cleanup-in-separate-layer: the apt lists a base stage filled, removed in a derived stage, are still a cleanup', () => {
    const f = findings('FROM ubuntu:24.04 AS base\nRUN apt-get update && apt-get install -y curl\nFROM base\nRUN echo x > /x\nRUN rm -rf /var/lib/apt/lists/*\n', null, 'cleanup-in-separate-layer');
    assert.deepEqual(where(f), [[5, 'warning']]);
  });
});
