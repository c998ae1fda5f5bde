// The fix-safety checker (engine/fixsafety.ts) and the two rules whose fixes it proves: missing-cache-mount (cache
// folders per manager, env and base-image defaults, the RUN's home, stores read by later steps or the final image,
// cleans in the same RUN, docker-clean) and context-includes-volatile (the Dockerfile built, its ignore file, steps that
// read the whole tree). Real engine, in-memory contexts; the real builds are in test/oracle/fix-safety.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, applyEdits, check, clearAnalysisCaches, fixAll, MemoryContext, type CheckOptions, type Finding } from '../../server/src/engine';
import { setIncrementalMinLines } from '../../server/src/engine/model';
import { corpusContext, corpusDockerfilesOrSkip, readManifest, rng } from '../corpus/checks';

const mcm = (text: string, files: Record<string, string> = {}, opts: CheckOptions = {}): Finding[] =>
  check(text, new MemoryContext('t', files), opts).findings.filter((f) => f.rule === 'missing-cache-mount');
const fixed = (text: string, files: Record<string, string> = {}, rule = 'missing-cache-mount', opts: CheckOptions = {}) =>
  fixAll(text, new MemoryContext('t', files), opts, (f) => f.rule === rule);
const mounts = (text: string): string[] => [...text.matchAll(/--mount=type=cache,target=([^,\s]+)/g)].map((m) => m[1]!);

describe('missing-cache-mount: where the cache is', () => {
  test('root: the home is /root; ENV HOME moves it; another user has no known home (no `~` target)', () => {
    const npm = (pre: string) => `FROM node:20\n${pre}WORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCMD ["node", "."]\n`;
    const files = { 'package.json': '{}', 'package-lock.json': '{}' };
    assert.deepEqual(mounts(fixed(npm(''), files).text), ['/root/.npm']);
    assert.deepEqual(mounts(fixed(npm('ENV HOME=/home/build\n'), files).text), ['/home/build/.npm']);
    const f = mcm(npm('USER app\n'), files);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.fix, undefined);
    assert.match(f[0]!.message, /home directory of the RUN's user is not known/);
    assert.ok(!fixed(npm('USER app\n'), files).text.includes('~'));
    assert.deepEqual(mounts(fixed(npm('USER 0\n'), files).text), ['/root/.npm'], 'uid 0 is root');
    assert.equal(mcm(`FROM bitnami/node:20\nCOPY package.json package-lock.json ./\nRUN npm ci\n`, files)[0]!.fix, undefined, 'an image that runs as another user');
  });

  test('env that moves the cache: ENV, ARG, an assignment on the command, official image defaults', () => {
    assert.deepEqual(mounts(fixed('FROM python:3.12\nENV PIP_CACHE_DIR=/var/cache/pip\nCOPY r.txt .\nRUN pip install -r r.txt\n', { 'r.txt': 'x' }).text), ['/var/cache/pip']);
    assert.deepEqual(mounts(fixed('FROM python:3.12\nARG XDG_CACHE_HOME=/xdg\nCOPY r.txt .\nRUN pip install -r r.txt\n', { 'r.txt': 'x' }).text), ['/xdg/pip']);
    assert.deepEqual(mounts(fixed('FROM node:20\nCOPY package.json .\nRUN YARN_CACHE_FOLDER=/yc yarn install\n', { 'package.json': '{}' }).text), ['/yc']);
    assert.deepEqual(mounts(fixed('FROM ruby:3.3\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nCMD ["ruby", "app.rb"]\n', { Gemfile: 'x', 'Gemfile.lock': 'x' }).text), ['/usr/local/bundle/cache']);
    assert.deepEqual(mounts(fixed('FROM composer:2\nCOPY composer.json .\nRUN composer install\n', { 'composer.json': '{}' }).text), ['/tmp/cache']);
    assert.deepEqual(mounts(fixed('FROM --platform=$BUILDPLATFORM golang:1.22 AS b\nCOPY . .\nRUN go build -o /app .\nFROM scratch\nCOPY --from=b /app /app\n', { 'go.mod': 'x' }).text), ['/go/pkg/mod', '/root/.cache/go-build'], 'golang image: GOPATH=/go');
    // a variable the engine cannot read: no fix rather than a wrong folder
    const f = mcm('FROM python:3.12\nARG PIP_CACHE_DIR\nCOPY r.txt .\nRUN pip install -r r.txt\n', { 'r.txt': 'x' }, { buildArgs: { PIP_CACHE_DIR: '$HOME/x' } });
    assert.equal(f[0]?.fix, undefined);
    // the cache turned off: nothing downloaded to keep
    assert.deepEqual(mcm('FROM python:3.12\nENV PIP_NO_CACHE_DIR=1\nCOPY r.txt .\nRUN pip install -r r.txt\n', { 'r.txt': 'x' }), []);
    // composer without a known COMPOSER_HOME, bundler into a BUNDLE_PATH: reported, not fixed
    assert.equal(mcm('FROM php:8.3\nCOPY composer.json .\nRUN composer install\n', { 'composer.json': '{}' })[0]!.fix, undefined);
    assert.equal(mcm('FROM ruby:3.3\nENV BUNDLE_PATH=/gems\nCOPY Gemfile .\nRUN bundle install\n', { Gemfile: 'x' })[0]!.fix, undefined);
  });

  test('recall: go build without a build-cache mount; an existing mount on the folder (or its parent) counts', () => {
    const f = mcm('FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go build -o /app .\nCMD ["/app"]\n', { 'go.mod': 'x' });
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /recompiles every Go package/);
    assert.deepEqual(mcm('FROM golang:1.22\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache --mount=type=cache,target=/go/pkg/mod go build -o /app .\n', { 'go.mod': 'x' }), []);
  });

  test('poetry keeps its virtualenv in its cache unless told otherwise; uv symlink mode points into the cache', () => {
    const p = (env: string) => `FROM python:3.12\n${env}COPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root\nCMD ["python", "-m", "app"]\n`;
    const files = { 'pyproject.toml': 'x', 'poetry.lock': 'x' };
    assert.equal(mcm(p(''), files)[0]!.fix, undefined);
    assert.match(mcm(p(''), files)[0]!.message, /virtualenv inside its cache/);
    assert.deepEqual(mounts(fixed(p('ENV POETRY_VIRTUALENVS_CREATE=false\n'), files).text), ['/root/.cache/pypoetry']);
    assert.equal(mcm('FROM python:3.12\nENV UV_LINK_MODE=symlink\nCOPY pyproject.toml uv.lock ./\nRUN uv sync\n', { 'pyproject.toml': 'x', 'uv.lock': 'x' })[0]!.fix, undefined);
  });
});

describe('missing-cache-mount: package stores', () => {
  test('a store read by a later step is mounted there too; one read offline gets no fix', () => {
    const go = (build: string) => `FROM golang:1.22 AS b\nWORKDIR /s\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN ${build}\nFROM scratch\nCOPY --from=b /app /app\n`;
    const files = { 'go.mod': 'x', 'go.sum': 'x' };
    const first = mcm(go('go build -o /app .'), files).find((f) => f.range.start.line === 3)!;
    assert.ok(first.fix);
    assert.match(first.fix.title, /here and on 1 other RUN/);
    const after = applyEdits(go('go build -o /app .'), first.fix.edits);
    assert.equal(after.split('\n').filter((l) => l.includes('target=/go/pkg/mod')).length, 2, 'both RUNs mount the module cache');
    const off = mcm(go('GOPROXY=off go build -o /app .'), files);
    assert.ok(off.every((f) => !f.fix || !f.fix.edits.some((e) => e.newText.includes('/go/pkg/mod'))), 'GOPROXY=off: no module-cache mount anywhere');
    assert.match(off.find((f) => f.range.start.line === 3)!.message, /without filling it/);
  });

  test('dotnet restore then publish: implicit restore is fine, --no-restore is not', () => {
    const d = (pub: string) => `FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY a.csproj .\nRUN dotnet restore\nCOPY . .\nRUN ${pub}\nFROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY --from=build /app /app\nENTRYPOINT ["dotnet", "/app/a.dll"]\n`;
    assert.ok(mcm(d('dotnet publish -c Release -o /app'), { 'a.csproj': 'x' }).every((f) => f.fix));
    const bad = mcm(d('dotnet publish -c Release -o /app --no-restore'), { 'a.csproj': 'x' });
    assert.equal(bad.find((f) => f.range.start.line === 3)!.fix, undefined);
    assert.ok(bad.find((f) => f.range.start.line === 3)!.fixRefused, 'the refusal is recorded');
  });

  test('maven: settings.xml in ~/.m2 stays visible; a mount between two offline builds is refused; a COPY into the store is hidden', () => {
    assert.deepEqual(mounts(fixed('FROM maven:3.9\nCOPY settings.xml /root/.m2/settings.xml\nCOPY . .\nRUN mvn package\nCMD ["java", "-jar", "t.jar"]\n', { 'pom.xml': 'x', 'settings.xml': 'x' }).text), ['/root/.m2/repository']);
    const three = 'FROM maven:3.9\nCOPY pom.xml .\nRUN mvn dependency:go-offline\nCOPY src src\nRUN mvn -o compile\nRUN mvn -o package\nCMD ["java", "-jar", "t.jar"]\n';
    const f = mcm(three, { 'pom.xml': 'x', 'src/A.java': 'x' });
    assert.equal(f.length, 1, 'only go-offline downloads (mvn -o never does)');
    assert.equal(f[0]!.fix, undefined, 'no mount on the go-offline RUN: the two offline builds read the repository');
    assert.match(f[0]!.message, /mvn -o compile/);
    const hidden = mcm('FROM maven:3.9\nCOPY repo/ /root/.m2/repository/\nCOPY . .\nRUN mvn package\nCMD ["java", "-jar", "t.jar"]\n', { 'pom.xml': 'x', 'repo/a.jar': 'x' });
    assert.match(hidden[0]!.message, /COPY at line 2 puts files in \/root\/\.m2\/repository/);
  });

  test('the final image needs the store: runtime runs the tool, or no CMD/ENTRYPOINT at all; a later COPY --from takes it', () => {
    assert.equal(mcm('FROM maven:3.9\nCOPY . .\nRUN mvn package\nCMD ["mvn", "spring-boot:run"]\n', { 'pom.xml': 'x' })[0]!.fix, undefined);
    assert.equal(mcm('FROM maven:3.9\nCOPY . .\nRUN mvn package\n', { 'pom.xml': 'x' })[0]!.fix, undefined);
    const copied = mcm('FROM golang:1.22 AS b\nCOPY go.mod .\nRUN go mod download\nFROM golang:1.22\nCOPY --from=b /go/pkg/mod /go/pkg/mod\nCMD ["go", "version"]\n', { 'go.mod': 'x' });
    assert.match(copied[0]!.message, /copies \/go\/pkg\/mod from this stage/);
  });
});

describe('missing-cache-mount: what really downloads, and where a cache mount exists at all', () => {
  test('a build after an earlier RUN filled the store in the image downloads nothing new: dotnet, Go (the build cache stays)', () => {
    const dn = 'FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY a.csproj .\nRUN dotnet restore\nCOPY . .\nRUN dotnet build -c Release -o /out\n';
    assert.deepEqual(mcm(dn, { 'a.csproj': 'x' }).map((f) => f.range.start.line), [3], 'only the restore downloads');
    const go = 'FROM golang:1.22\nWORKDIR /s\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /app .\n';
    const g = mcm(go, { 'go.mod': 'x', 'go.sum': 'x' }).find((f) => f.range.start.line === 5)!;
    assert.match(g.message, /recompiles every Go package/);
    assert.doesNotMatch(g.message, /downloads Go module/);
    // the earlier fill in a cache mount, or emptied since: the build downloads again
    const mounted = go.replace('RUN go mod download', 'RUN --mount=type=cache,target=/go/pkg/mod go mod download');
    assert.match(mcm(mounted, { 'go.mod': 'x', 'go.sum': 'x' }).find((f) => f.range.start.line === 5)!.message, /downloads Go module packages/);
    // a download cache too: a second install after the full copy finds the first one's downloads (not with --no-cache-dir)
    const mix = 'FROM elixir:1.17\nWORKDIR /app\nCOPY mix.exs .\nRUN mix deps.get\nCOPY . .\nRUN mix deps.get\n';
    assert.deepEqual(mcm(mix, { 'mix.exs': 'x' }).map((f) => f.range.start.line), [3]);
    const pip = (flag: string) => `FROM python:3.12\nCOPY r.txt .\nRUN pip install ${flag}-r r.txt\nCOPY . .\nRUN pip install -r r.txt\n`;
    assert.deepEqual(mcm(pip(''), { 'r.txt': 'x' }).map((f) => f.range.start.line), [2]);
    assert.deepEqual(mcm(pip('--no-cache-dir '), { 'r.txt': 'x' }).map((f) => f.range.start.line), [4], 'the first kept no downloads');
    const emptied = go.replace('RUN go mod download', 'RUN go mod download && go clean -modcache');
    assert.match(mcm(emptied, { 'go.mod': 'x', 'go.sum': 'x' }).find((f) => f.range.start.line === 5)!.message, /downloads Go module packages/);
  });

  test('a base image from an ARG with no value may be Windows: nothing said unless an OS package manager shows Linux', () => {
    const w = (run: string) => `ARG BASE_BUILD_IMAGE\nFROM $BASE_BUILD_IMAGE AS builder\nWORKDIR /app\nCOPY . ./\n${run}RUN dotnet restore\nFROM builder\nCMD ["app"]\n`;
    assert.deepEqual(mcm(w(''), { 'a.csproj': 'x' }), []);
    const linux = mcm(w('RUN apt-get update && apt-get install -y curl\n'), { 'a.csproj': 'x' });
    const restore = linux.find((f) => f.range.start.line === 5)!;
    assert.ok(restore, 'apt-get: a Linux image');
    assert.equal(restore.fix, undefined, 'but its user, so the home, is not known');
    assert.deepEqual(mcm('FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS b\nRUN echo\nFROM b\nCOPY a.csproj .\nRUN dotnet restore\n', { 'a.csproj': 'x' }), [], 'a stage built on a Windows stage');
  });
});

describe('missing-cache-mount: apt', () => {
  test('cleans of the mounted folders are dropped, docker-clean is set aside for the RUN and put back', () => {
    const r = fixed('FROM debian:12\nRUN apt-get update && apt-get install -y curl && apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/x\n');
    assert.ok(!r.text.includes('apt-get clean'));
    assert.ok(r.text.includes('rm -rf /tmp/x'), 'the operand outside the mounts stays');
    assert.ok(!r.text.includes('/var/lib/apt/lists/*'));
    assert.ok(r.text.includes('mv /etc/apt/apt.conf.d/docker-clean /etc/apt/docker-clean.off'));
    assert.ok(r.text.trimEnd().endsWith('mv /etc/apt/docker-clean.off /etc/apt/apt.conf.d/docker-clean; }'));
    assert.ok(!/keep-cache|rm -f \/etc\/apt\/apt\.conf\.d\/docker-clean/.test(r.text), 'no permanent apt configuration');
    assert.deepEqual(mcm(r.text), [], 'fixed: the rule is satisfied');
  });

  test('`apt` deletes its own downloads: only the lists; an early successful exit: no docker-clean wrap', () => {
    assert.deepEqual(mounts(fixed('FROM ubuntu:24.04\nRUN apt update && apt install -y curl\n').text), ['/var/lib/apt/lists']);
    assert.deepEqual(mounts(fixed('FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl || exit 0\n').text), ['/var/lib/apt/lists']);
    assert.deepEqual(mounts(fixed('FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl || exit 1\n').text), ['/var/cache/apt', '/var/lib/apt/lists'], 'a failing exit fails the build: fine');
  });

  test('a later RUN that installs from the index without updating: the lists are not mounted', () => {
    const r = fixed('FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y make\n');
    assert.ok(!r.text.includes('target=/var/lib/apt/lists'));
    assert.ok(r.text.includes('target=/var/cache/apt'), 'the archives (a download cache) still are');
  });

  test('an edit that would run on into the next instruction is refused (comment line inside the continuation)', () => {
    const text = 'FROM debian:12\nRUN apt-get update; \\\n    apt-get install -y a \\\n#   b \\\n    ; \\\n    rm -rf /var/lib/apt/lists/*\n\nRUN echo next\n';
    const r = fixed(text);
    assert.ok(r.text.includes('RUN echo next'));
    assert.equal(r.text.split('\n').filter((l) => l.startsWith('RUN')).length, 2, 'still two RUNs');
  });
});

describe('the checker refuses what a fix does not declare', () => {
  test('a fix whose edits do more than its effect says is kept without the fix', async () => {
    const { proveFix } = await import('../../server/src/engine/fixsafety');
    const { buildRuleContext } = await import('../../server/src/engine');
    const { analyze } = await import('../../server/src/engine');
    const text = 'FROM node:20\nCOPY package.json .\nRUN npm ci\n';
    const model = analyze(text);
    const rc = buildRuleContext(text, model, new MemoryContext('t', { 'package.json': '{}' }));
    const step = model.steps.find((s) => s.keyword === 'RUN')!;
    const edit = { file: 'dockerfile' as const, range: step.range, newText: 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci && rm -rf node_modules' };
    const f: Finding = { rule: 'x', severity: 'info', range: step.range, message: 'm', fix: { title: 't', edits: [edit], effect: { mounts: [{ step: step.id, target: '/root/.npm', manager: 'npm', kind: 'download' }] } } };
    assert.match(proveFix(rc, f) ?? '', /runs `rm -rf node_modules` that the fix does not declare/);
    const honest = { ...f, fix: { ...f.fix!, edits: [{ ...edit, newText: 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci' }] } };
    assert.equal(proveFix(rc, honest), null);
  });
});

describe('context-includes-volatile: the Dockerfile built and whole-tree readers', () => {
  const civ = (text: string, files: Record<string, string>, opts: CheckOptions, ignore?: [string, string]) => {
    const ctx = new MemoryContext('t', files);
    if (ignore) ctx.setIgnore(ignore[0], ignore[1]);
    return { ctx, f: check(text, ctx, opts).findings.filter((x) => x.rule === 'context-includes-volatile') };
  };
  const df = 'FROM alpine\nCOPY . /src\n';

  test('COPY --exclude: only what the COPY copies is named (a change to an excluded path reruns nothing), and it copies, not sends, that many files', () => {
    const files = { Dockerfile: 'x', 'src/a.js': '1', 'node_modules/x/i.js': '1' };
    const one = (text: string) => civ(text, files, { dockerfile: 'Dockerfile' }, ['.dockerignore', '.git\n']).f.map((x) => [x.message, x.fix?.title]);
    assert.deepEqual(one('FROM node\nCOPY --exclude=node_modules . /app\n'), [
      [
        '`COPY --exclude=node_modules . /app` copies 2 files of the context (its --exclude patterns leave out the rest), including Dockerfile — editing it, even a comment, reruns this step. A change there reruns this step and all that follow.',
        'Exclude Dockerfile in .dockerignore',
      ],
    ]);
    assert.match(one('FROM node\nCOPY . /app\n')[0]![0]!, /^`COPY \. \/app` sends 3 files to the builder, including node_modules \(3 paths\)/);
    // a RUN that reads git: .git is not named, with --exclude patterns as without
    const git = { ...files, '.git/HEAD': 'ref', '.git/config': 'c' };
    const withGit = (text: string) => civ(text, git, { dockerfile: 'Dockerfile' }, ['.dockerignore', 'x\n']).f.map((x) => x.message);
    for (const text of ['FROM node\nCOPY --exclude=node_modules . /app\nRUN git rev-parse HEAD\n', 'FROM node\nCOPY . /app\nRUN git rev-parse HEAD\n']) {
      const [m] = withGit(text);
      assert.ok(m && !m.includes('.git'), m);
    }
    // every volatile path and Dockerfile excluded: nothing to say
    assert.deepEqual(one('FROM node\nCOPY --exclude=node_modules --exclude=Dockerfile . /app\n'), []);
  });

  test('a Dockerfile in a subfolder or named in lowercase is the one excluded, and the finding goes because of it', () => {
    for (const name of ['hack/dockerfiles/lint.Dockerfile', 'dockerfile']) {
      const { ctx, f } = civ(df, { [name]: df, 'main.go': 'x', Dockerfile: 'FROM scratch\n' }, { dockerfile: name }, ['.dockerignore', 'node_modules\n']);
      assert.equal(f.length, 1);
      const r = fixAll(df, ctx, { dockerfile: name }, (x) => x.rule === 'context-includes-volatile');
      assert.ok(r.ignoreText!.split('\n').includes(name), `${name} is excluded`);
      assert.ok(!r.ignoreText!.split('\n').includes('Dockerfile'), 'the root Dockerfile (another build\'s, shared ignore file) is not');
    }
  });

  test('<Dockerfile>.dockerignore: the fix goes there and may exclude other Dockerfiles; a mismatch is refused', () => {
    const files = { 'lint.Dockerfile': df, Dockerfile: 'x', 'lint.Dockerfile.dockerignore': '.git\n', 'a.txt': 'a' };
    const { ctx, f } = civ(df, files, { dockerfile: 'lint.Dockerfile' }, ['lint.Dockerfile.dockerignore', '.git\n']);
    assert.ok(f[0]!.fix);
    const r = fixAll(df, ctx, { dockerfile: 'lint.Dockerfile' }, (x) => x.rule === 'context-includes-volatile');
    assert.equal(r.ignoreName, 'lint.Dockerfile.dockerignore');
    assert.deepEqual(r.ignoreText!.split('\n').filter(Boolean).sort(), ['.git', 'Dockerfile', 'lint.Dockerfile', 'lint.Dockerfile.dockerignore'].sort());
    // the context says the shared file applies although the Dockerfile has its own: the checker refuses
    const wrong = civ(df, files, { dockerfile: 'lint.Dockerfile' }, ['.dockerignore', '']);
    assert.equal(wrong.f[0]!.fix, undefined);
    assert.match(wrong.f[0]!.message, /lint\.Dockerfile\.dockerignore applies to this Dockerfile/);
  });

  test('steps that read the whole tree on purpose: info, no fix', () => {
    const git = civ('FROM golang:1.22\nCOPY . .\nRUN go build -ldflags "-X main.v=$(git describe --dirty)" .\n', { Dockerfile: 'x', 'main.go': 'x' }, {});
    assert.equal(git.f[0]!.severity, 'info');
    assert.equal(git.f[0]!.fix, undefined);
    const bind = civ('FROM alpine\nRUN --mount=type=bind,target=/src cd /src && ./validate.sh\n', { Dockerfile: 'x', 'validate.sh': 'x' }, {});
    assert.equal(bind.f[0]!.severity, 'info');
    assert.equal(bind.f[0]!.fix, undefined);
    // cloning another repository does not read this one's git state
    const clone = civ('FROM alpine\nCOPY . /m\nRUN git clone https://github.com/nginx/pkg-oss/ /p\n', { Dockerfile: 'x', 'a.txt': 'x' }, {});
    assert.equal(clone.f[0]!.severity, 'warning');
    assert.ok(clone.f[0]!.fix);
  });
});

describe('missing-cache-mount: memoised per step, keyed by everything the proof reads', () => {
  // findings are memoised per step object (steps of unchanged stages are shared between analyses): an edit elsewhere
  // that changes what the fix-safety proof sees must change the answer, exactly as a fresh analysis gives it
  const restore = 'FROM mcr.microsoft.com/dotnet/sdk:8.0 AS restore\nWORKDIR /src\nCOPY a.csproj .\nRUN dotnet restore\n';
  const files = { 'a.csproj': 'x', 'Program.cs': 'x' };
  const variants: [string, string][] = [
    ['a later stage reads the store offline', 'FROM restore AS build\nCOPY . .\nRUN dotnet publish --no-restore -o /out\nFROM scratch\nCOPY --from=build /out /out\n'],
    ['no later step reads the store', 'FROM restore AS build\nCOPY . .\nRUN mkdir /out && cp Program.cs /out/\nFROM scratch\nCOPY --from=build /out /out\n'],
    ['a later stage copies the store out', 'FROM restore AS build\nRUN mkdir /out\nFROM alpine\nCOPY --from=build /root/.nuget/packages /pk\n'],
    ['another stage copies the store out of it', 'FROM restore AS build\nRUN mkdir /out\nFROM alpine\nCOPY --from=restore /root/.nuget/packages /pk\n'],
    ['another stage copies something else out of it', 'FROM restore AS build\nRUN mkdir /out\nFROM alpine\nCOPY --from=restore /src /pk\n'],
    ['the final image runs dotnet', 'FROM restore AS build\nRUN mkdir /out\nFROM build\nCMD ["dotnet", "run"]\n'],
    ['the final image runs something else', 'FROM restore AS build\nRUN mkdir /out\nFROM build\nCMD ["/out/app"]\n'],
  ];
  const answer = (text: string, line: number) => {
    const f = check(text, new MemoryContext('t', files)).findings.find((x) => x.rule === 'missing-cache-mount' && x.range.start.line === line);
    return f && { message: f.message, fix: f.fix ?? null, refused: f.fixRefused ?? null };
  };
  /** The answer for the RUN at `line` (step `id`, in the unchanged first part) after each variant of the rest, fresh. */
  const fresh = (head: string, line: number, vs: [string, string][]) => {
    const out = new Map<string, ReturnType<typeof answer>>();
    for (const [name, rest] of vs) {
      clearAnalysisCaches();
      out.set(name, answer(head + rest, line));
    }
    return out;
  };
  /** Every variant after every other, the first part memoised (the same step object): the same answers as fresh. */
  const warmEqualsFresh = (head: string, line: number, id: number, vs: [string, string][], want: Map<string, ReturnType<typeof answer>>) => {
    clearAnalysisCaches();
    for (const [a, ra] of vs) {
      for (const [b, rb] of vs) {
        const before = analyze(head + ra).steps[id]!;
        answer(head + ra, line);
        assert.equal(analyze(head + rb).steps[id], before, 'the RUN is the memoised step');
        assert.deepEqual(answer(head + rb, line), want.get(b), `${b}, after ${a}`);
      }
    }
  };

  test('an edit to a later stage that reads (or stops reading) the store changes the answer for the unchanged RUN', (t) => {
    setIncrementalMinLines(0);
    t.after(() => {
      setIncrementalMinLines(200);
      clearAnalysisCaches();
    });
    const want = fresh(restore, 3, variants);
    const got = (i: number) => want.get(variants[i]![0])!;
    assert.equal(got(0).fix, null, 'read offline later: refused');
    assert.ok(got(1).fix, 'nobody reads it later: offered');
    assert.match(got(2).message, /copies \/root\/\.nuget\/packages from this stage/);
    assert.match(got(3).message, /copies \/root\/\.nuget\/packages from this stage/);
    assert.ok(got(4).fix);
    assert.match(got(5).message, /runs dotnet/);
    assert.ok(got(6).fix);
    warmEqualsFresh(restore, 3, 2, variants, want);
  });

  test('a sibling stage built on the same base that reads the store offline changes the answer for the unchanged RUN', (t) => {
    setIncrementalMinLines(0);
    t.after(() => {
      setIncrementalMinLines(200);
      clearAnalysisCaches();
    });
    // x's `go build` shares the module cache with base's `go mod download` (which empties it again: x downloads);
    // y is built on base too
    const head = 'FROM golang:1.22 AS base\nCOPY go.mod .\nRUN go mod download && go clean -modcache\nFROM base AS x\nRUN go build -o /x ./cmd/x\n';
    const vs: [string, string][] = [
      ['the sibling builds offline', 'FROM base AS y\nRUN GOPROXY=off go build -o /y ./cmd/y\nFROM scratch\nCOPY --from=x /x /x\n'],
      ['the sibling does not read the store', 'FROM base AS y\nRUN echo y > /y\nFROM scratch\nCOPY --from=x /x /x\n'],
    ];
    const want = fresh(head, 4, vs);
    assert.notDeepEqual(want.get(vs[0]![0]), want.get(vs[1]![0]), 'the sibling decides');
    assert.match(want.get(vs[0]![0])!.message, /the RUN at line 7 \(`go build -o`\) reads \/go\/pkg\/mod/);
    warmEqualsFresh(head, 4, 2, vs, want);
  });

  test('check() after an edit equals a fresh check() (corpus with contexts, a later line deleted or changed)', (t) => {
    const dir = corpusDockerfilesOrSkip(t);
    if (!dir) return;
    setIncrementalMinLines(0);
    t.after(() => {
      setIncrementalMinLines(200);
      clearAnalysisCaches();
    });
    const manifest = readManifest();
    const r = rng(20261230);
    let compared = 0;
    for (const [name, m] of manifest) {
      const file = path.join(dir, name);
      if (!fs.existsSync(file)) continue;
      const text = fs.readFileSync(file, 'utf8');
      if ((text.match(/^\s*FROM\s/gim) ?? []).length < 2) continue;
      const ctx = corpusContext(m);
      const lines = text.split('\n');
      const from = lines.findIndex((l, i) => i > 0 && /^\s*FROM\s/i.test(l) && lines.slice(0, i).some((x) => /^\s*FROM\s/i.test(x)));
      for (let k = 0; k < 2; k++) {
        const at = from + Math.floor(r() * (lines.length - from));
        const next = [...lines];
        if (r() < 0.5) next.splice(at, 1);
        else next[at] = /^\s*RUN\s/i.test(next[at]!) ? next[at] + ' && echo edited' : 'RUN cp -r /root/.m2 /root/.nuget/packages /go/pkg/mod /var/lib/apt/lists /tmp/';
        const edited = next.join('\n');
        clearAnalysisCaches();
        const want = check(edited, ctx).findings;
        clearAnalysisCaches();
        check(text, ctx);
        assert.deepEqual(check(edited, ctx).findings, want, `${name}: line ${at + 1} edited`);
        compared++;
      }
    }
    t.diagnostic(`${compared} edits compared`);
    assert.ok(compared > 100);
  });
});
