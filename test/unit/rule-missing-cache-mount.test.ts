// missing-cache-mount in detail: exact messages (one manager or several, the Go build cache, refused folders), what
// counts as a download, where a cache mount exists at all, the hazards that refuse a known folder, mounts already
// there, stores shared by several RUNs, and the edits (flags kept, cleans of mounted folders dropped, docker-clean set
// aside). Written for the mutation run of the rule (test/mutation-equivalents.md); fix-safety.test.ts and
// rules.test.ts have its broader cases. Every test name starts with the rule's id
// (`LAYERWISE_MUTATION_TESTS=missing-cache-mount` runs these and the rule's other tests only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, check, RULES, type MemoryContext } from '../../server/src/engine';
import { ctxOf } from './helpers';

const R = 'missing-cache-mount';
const find = (text: string, c: MemoryContext | null = null) => check(text, c).findings.filter((f) => f.rule === R);
const one = (text: string, c: MemoryContext | null = null) => {
  const f = find(text, c);
  assert.equal(f.length, 1, text);
  return f[0]!;
};
const saves = (dir: string, what = 'downloads') => ` Add RUN --mount=type=cache,target=${dir} so ${what} survive between builds (cache-mount contents never bust the cache).`;
/** The new text of the RUN (the first edit), or undefined without a fix. */
const edited = (text: string, c: MemoryContext | null = null) => one(text, c).fix?.edits[0]?.newText;
const DC_ASIDE = '[ ! -f /etc/apt/apt.conf.d/docker-clean ] || mv /etc/apt/apt.conf.d/docker-clean /etc/apt/docker-clean.off && \\\n    ';
const DC_BACK = ' \\\n    && { [ ! -f /etc/apt/docker-clean.off ] || mv /etc/apt/docker-clean.off /etc/apt/apt.conf.d/docker-clean; }';
const APT_MOUNTS = 'RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\\n    ';

test('missing-cache-mount: catalogue entry', () => {
  const r = RULES.find((x) => x.id === R)!;
  assert.match(r.description, /^A package manager downloads without RUN --mount=type=cache/);
  assert.deepEqual([r.title, r.defaultSeverity], ['Package download without a cache mount', 'info']);
});

test('missing-cache-mount: the message, the range and the fix for one folder', () => {
  const f = one('FROM node:20\nCOPY package.json .\nRUN npm ci\n', ctxOf(['package.json']));
  assert.deepEqual([f.severity, f.range.start, f.range.end], ['info', { line: 2, character: 0 }, { line: 2, character: 10 }]);
  assert.equal(f.message, '`RUN npm ci` downloads npm packages from scratch every time it reruns.' + saves('/root/.npm'));
  assert.equal(f.fix?.title, 'Add a cache mount for the npm download cache');
  assert.deepEqual(f.fix?.edits.map((e) => [e.file, e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.newText]), [['dockerfile', 2, 0, 2, 10, 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci']]);
  assert.equal(f.fixRefused, undefined);
  // where the folder is: ENV, an assignment on the command, HOME
  assert.equal(edited('FROM node\nENV npm_config_cache=/c\nRUN npm ci\n'), 'RUN --mount=type=cache,target=/c \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN npm_config_cache=/c npm ci\n'), 'RUN --mount=type=cache,target=/c \\\n    npm_config_cache=/c npm ci');
  assert.equal(edited('FROM node\nENV HOME=/h\nRUN npm ci\n'), 'RUN --mount=type=cache,target=/h/.npm \\\n    npm ci');
  // flags already there are kept before the new mount, on their own continuation lines too
  assert.equal(edited('FROM node\nRUN --network=host npm ci\n'), 'RUN --network=host --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN --network=host \\\n  npm ci\n'), 'RUN --network=host \\\n  --mount=type=cache,target=/root/.npm \\\n    npm ci');
});

test('missing-cache-mount: several managers, several folders, the Go build cache, refused folders', () => {
  const apt = one('FROM debian\nRUN apt-get update && apt-get install -y curl\n');
  assert.equal(apt.message, '`RUN apt-get update && apt-get install -y curl` downloads apt packages from scratch every time it reruns. Add RUN --mount=type=cache,target=/var/cache/apt (and cache mounts on /var/lib/apt/lists) so downloads survive between builds (cache-mount contents never bust the cache).');
  assert.equal(apt.fix?.title, 'Add a cache mount for the apt package archives and apt package index');
  assert.equal(apt.fix?.edits[0]?.newText, APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y curl' + DC_BACK);
  const go = one('FROM golang AS b\nRUN go build ./...\nFROM scratch\nCOPY --from=b /x /x\n');
  assert.equal(go.message, '`RUN go build ./...` downloads Go module packages and recompiles every Go package from scratch every time it reruns. Add RUN --mount=type=cache,target=/go/pkg/mod (and cache mounts on /root/.cache/go-build) so downloads survive between builds (cache-mount contents never bust the cache).');
  // only the build cache can be mounted: "compiled packages"
  const goOnly = one('FROM golang\nCOPY . .\nRUN go build ./...\n', ctxOf(['go.mod', 'a.go']));
  assert.equal(goOnly.message, '`RUN go build ./...` downloads Go module packages and recompiles every Go package from scratch every time it reruns.' + saves('/root/.cache/go-build', 'compiled packages') + ' No cache-mount fix for the Go module cache (/go/pkg/mod): the final image is built on this stage and sets no CMD or ENTRYPOINT: what runs in it may read /go/pkg/mod.');
  assert.deepEqual(goOnly.fixRefused, { title: 'Add a cache mount', reason: 'Go module cache (/go/pkg/mod): the final image is built on this stage and sets no CMD or ENTRYPOINT: what runs in it may read /go/pkg/mod' });
  // two managers named; the refused ones listed with "; the"
  const two = one('ARG IMG\nFROM $IMG\nRUN apt-get install -y x && npm ci\n');
  assert.equal(two.message, '`RUN apt-get install -y x && npm ci` downloads apt and npm packages from scratch every time it reruns.' + saves('/var/cache/apt') + ' No cache-mount fix for the npm download cache: the home directory of the RUN\'s user is not known (BuildKit does not expand `~` in a mount target); the apt package index (/var/lib/apt/lists): the RUN at line 3 (`apt-get install -y`) reads /var/lib/apt/lists without filling it.');
  // nothing can be mounted: no "Add" sentence, the first reason is the refusal
  const none = one('FROM node\nUSER app\nRUN npm ci\n');
  assert.equal(none.message, '`RUN npm ci` downloads npm packages from scratch every time it reruns. No cache-mount fix for the npm download cache: the home directory of the RUN\'s user is not known (BuildKit does not expand `~` in a mount target).');
  assert.equal(none.fix, undefined);
  // `apt` deletes its downloads: the index only
  const aptBin = one('FROM debian\nRUN apt update && apt install -y curl\n');
  assert.equal(aptBin.fix?.title, 'Add a cache mount for the apt package index');
  assert.match(aptBin.message, / No cache-mount fix for the apt package archives: `apt` \(unlike apt-get\) deletes the packages it downloaded after installing them\.$/);
  assert.equal(one('FROM debian\nRUN apt update && apt -q full-upgrade -y\n').fix?.title, 'Add a cache mount for the apt package index');
  assert.equal(one('FROM debian\nRUN apt-get update && apt upgrade\n').fix?.title, 'Add a cache mount for the apt package index');
  assert.equal(one('FROM debian\nRUN apt update && apt-get install -y x\n').fix?.title, 'Add a cache mount for the apt package archives and apt package index');
});

test('missing-cache-mount: what counts as a download', () => {
  assert.deepEqual(find('FROM debian\nRUN apt-get update\n'), [], 'an update alone is apt-update-alone\'s');
  assert.deepEqual(find('FROM python\nRUN pip install --no-cache-dir -r r.txt\n'), []);
  assert.deepEqual(find('FROM node\nRUN npm ci --no-cache\n'), []);
  assert.deepEqual(find('FROM node\nRUN npm install -g x\n'), [], 'named packages of a language manager');
  assert.deepEqual(find('FROM node\nRUN echo npm ci\n'), []);
  for (const run of ['go mod download', 'go build ./...', 'mvn package', 'gradle build', 'dotnet restore', 'cargo build', 'pnpm add x', 'apt-get install -y x'])
    assert.equal(find(`FROM debian\nRUN apt-get update >/dev/null; ${run}\n`).length, 1, run);
  // ONBUILD, Windows, an unknown image without an OS package manager, a RUN that does not parse
  assert.deepEqual(find('FROM node\nONBUILD RUN npm ci\n'), []);
  assert.deepEqual(find('FROM mcr.microsoft.com/windows/servercore\nRUN npm ci\n'), []);
  assert.deepEqual(find('ARG IMG\nFROM $IMG\nRUN npm ci\n'), []);
  assert.deepEqual(find('ARG IMG\nFROM $IMG AS a\nRUN apk add x\nFROM a\nRUN npm ci\n').map((f) => f.range.start.line), [4], 'an OS package manager in a stage it is built on shows Linux');
  assert.deepEqual(find('ARG IMG\nFROM $IMG AS a\nRUN echo apk add x\nFROM a\nRUN npm ci\n'), []);
  assert.deepEqual(find('FROM node\nRUN npm ci "\n'), []);
});

test('missing-cache-mount: hazards that refuse a known folder', () => {
  const refused = (text: string) => one(text).fixRefused?.reason ?? null;
  const poetry = 'poetry cache: poetry creates its virtualenv inside its cache folder unless told otherwise (POETRY_VIRTUALENVS_CREATE=false or POETRY_VIRTUALENVS_IN_PROJECT=true)';
  assert.equal(refused('FROM python\nRUN poetry install\n'), poetry);
  assert.equal(refused('FROM python\nENV POETRY_VIRTUALENVS_CREATE=true\nRUN poetry install\n'), poetry);
  assert.equal(refused('FROM python\nENV POETRY_VIRTUALENVS_IN_PROJECT=0\nRUN poetry install\n'), poetry);
  for (const env of ['POETRY_VIRTUALENVS_CREATE=false', 'POETRY_VIRTUALENVS_CREATE=0', 'POETRY_VIRTUALENVS_CREATE=No', 'POETRY_VIRTUALENVS_CREATE=off', 'POETRY_VIRTUALENVS_IN_PROJECT=1', 'POETRY_VIRTUALENVS_IN_PROJECT=true', 'POETRY_VIRTUALENVS_IN_PROJECT=YES', 'POETRY_VIRTUALENVS_IN_PROJECT=on', 'POETRY_VIRTUALENVS_PATH=/v'])
    assert.equal(refused(`FROM python\nENV ${env}\nRUN poetry install\n`), null, env);
  assert.equal(refused('FROM python\nRUN poetry config virtualenvs.create false && poetry install\n'), null);
  assert.equal(refused('FROM python\nRUN poetry config virtualenvs.create 0\nRUN poetry install\n'), null);
  assert.equal(refused('FROM python\nRUN poetry config virtualenvs.in-project true\nRUN poetry install\n'), null);
  assert.equal(refused('FROM python\nRUN poetry config virtualenvs.in-project 1 && poetry install\n'), null);
  assert.equal(refused('FROM python\nRUN poetry config virtualenvs.in-project false && poetry install\n'), poetry);
  assert.equal(refused('FROM python\nENV UV_LINK_MODE=symlink\nRUN uv sync\n'), 'uv cache: UV_LINK_MODE=symlink makes the environment point into the cache');
  assert.equal(refused('FROM python\nENV UV_LINK_MODE=copy\nRUN uv sync\n'), null);
  const yarn2 = 'yarn (v1) download cache: Yarn 2+ (.yarnrc.yml) keeps packages in its own cache, and Plug\'n\'Play reads them from there at run time';
  assert.equal(one('FROM node\nCOPY . .\nRUN yarn install\n', ctxOf(['package.json', '.yarnrc.yml'])).fixRefused?.reason, yarn2);
  assert.equal(one('FROM node\nCOPY . .\nRUN yarn install\n', ctxOf(['package.json', '.yarn/releases/yarn.cjs'])).fixRefused?.reason, yarn2);
  assert.equal(one('FROM node\nCOPY . .\nRUN yarn install\n', ctxOf(['package.json', '.yarnrc'])).fixRefused, undefined);
  const bundler = 'RubyGems download cache: bundler installs into a path set by BUNDLE_PATH / deployment mode, with its gem cache inside it';
  assert.equal(refused('FROM ruby\nRUN bundle install\n'), null);
  for (const text of ['ENV BUNDLE_PATH=/b\nRUN bundle install', 'ENV BUNDLE_DEPLOYMENT=true\nRUN bundle install', 'RUN bundle install --deployment', 'RUN bundle install --path vendor', 'RUN bundle config set --local path vendor && bundle install', 'RUN bundle config deployment true\nRUN bundle install', 'RUN bundle config path vendor && bundle install'])
    assert.equal(refused(`FROM ruby\n${text}\n`), bundler, text);
  assert.equal(refused('FROM ruby\nENV BUNDLE_DEPLOYMENT=false\nRUN bundle install\n'), null);
});

test('missing-cache-mount: a mount already on the folder, above or below it', () => {
  assert.deepEqual(find('FROM node\nRUN --mount=type=cache,target=/root/.npm npm ci\n'), []);
  assert.deepEqual(find('FROM node\nRUN --mount=type=cache,target=/root/.npm/_cacache npm ci\n'), []);
  assert.deepEqual(find('FROM node\nRUN --mount=type=cache,target=/root npm ci\n'), []);
  assert.deepEqual(find('FROM node\nUSER app\nRUN --mount=type=cache,target=/home/app/.npm npm ci\n'), [], 'a mount that ends like the default for an unknown home');
  assert.equal(edited('FROM node\nRUN --mount=type=cache,target=/x/.npm npm ci\n'), 'RUN --mount=type=cache,target=/x/.npm --mount=type=cache,target=/root/.npm \\\n    npm ci', 'the home is known: the suffix does not count');
  assert.equal(find('FROM node\nUSER app\nRUN --mount=type=cache,target=/x/npm npm ci\n').length, 1);
  // an earlier RUN filled it in the image: this one downloads only what is new
  assert.deepEqual(find('FROM node\nRUN npm ci\nRUN npm ci\n').map((f) => f.range.start.line), [1]);
  assert.deepEqual(find('FROM node\nRUN npm ci --no-cache\nRUN npm ci\n').map((f) => f.range.start.line), [2], 'told not to keep its downloads');
  assert.deepEqual(find('FROM node\nRUN --mount=type=cache,target=/root/.npm npm ci\nRUN npm ci\n').map((f) => f.range.start.line), [2], 'filled a mount, not the image');
  assert.deepEqual(find('FROM node\nRUN npm ci && npm cache clean --force\nRUN npm ci\n').map((f) => f.range.start.line), [1, 2], 'emptied by itself');
  assert.deepEqual(find('FROM node\nRUN npm ci\nRUN rm -rf /root/.npm\nRUN npm ci\n').map((f) => f.range.start.line), [1, 3], 'emptied in between');
  assert.deepEqual(find('FROM debian\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y b\n').map((f) => f.range.start.line), [1, 2], 'apt archives: docker-clean empties them');
});

test('missing-cache-mount: a store shared by several RUNs is mounted on all of them, or refused', () => {
  const mvn = one('FROM maven\nRUN mvn dependency:go-offline\nRUN mvn package\nCMD ["java"]\n');
  assert.equal(mvn.fix?.title, 'Add a cache mount for the Maven local repository (here and on 1 other RUN that reads it)');
  assert.deepEqual(mvn.fix?.edits.map((e) => [e.range.start.line, e.newText]), [
    [1, 'RUN --mount=type=cache,target=/root/.m2/repository \\\n    mvn dependency:go-offline'],
    [2, 'RUN --mount=type=cache,target=/root/.m2/repository \\\n    mvn package'],
  ]);
  const three = one('FROM maven\nRUN mvn dependency:go-offline\nRUN mvn package\nRUN mvn verify\nCMD ["java"]\n');
  assert.equal(three.fix?.title, 'Add a cache mount for the Maven local repository (here and on 2 other RUNs that read it)');
  // more than twelve RUNs share it
  const many = 'FROM maven\nRUN mvn dependency:go-offline\n' + 'RUN mvn package\n'.repeat(12) + 'CMD ["java"]\n';
  const m = find(many)[0]!;
  assert.equal(m.fix, undefined);
  assert.equal(m.fixRefused?.reason, 'Maven local repository (/root/.m2/repository): more than 12 RUNs share /root/.m2/repository: too many to prove one fix for');
  const twelve = 'FROM maven\nRUN mvn dependency:go-offline\n' + 'RUN mvn package\n'.repeat(11) + 'CMD ["java"]\n';
  assert.equal(find(twelve)[0]!.fix?.title, 'Add a cache mount for the Maven local repository (here and on 11 other RUNs that read it)');
  // a RUN of the group already mounting it is left as it is
  const mounted = one('FROM maven\nRUN mvn dependency:go-offline\nRUN --mount=type=cache,target=/root/.m2/repository mvn package\nCMD ["java"]\n');
  assert.deepEqual(mvn.fix && mounted.fix?.edits.map((e) => e.range.start.line), [1]);
  // one RUN of the group the fix cannot edit
  const json = one('FROM maven\nRUN mvn dependency:go-offline\nRUN ["mvn", "package"]\nCMD ["java"]\n');
  assert.equal(json.fix, undefined);
  assert.equal(json.fixRefused?.reason, 'Maven local repository (/root/.m2/repository): the RUN at line 3 is not a shell-form RUN the fix can edit');
});

test('missing-cache-mount: cleans of a mounted folder are dropped, docker-clean is set aside', () => {
  const aptRun = (run: string) => edited(`FROM debian\nRUN ${run}\n`);
  assert.equal(aptRun('apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x' + DC_BACK);
  assert.equal(aptRun('apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/* /tmp/x'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x && rm -rf /tmp/x' + DC_BACK);
  assert.equal(aptRun('apt-get update; apt-get install -y x; apt-get clean'), APT_MOUNTS + DC_ASIDE + 'apt-get update; apt-get install -y x' + DC_BACK);
  assert.equal(aptRun('apt-get clean && apt-get update && apt-get install -y x'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x' + DC_BACK);
  assert.equal(aptRun('apt-get clean; apt-get update && apt-get install -y x'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x' + DC_BACK);
  assert.equal(aptRun('apt-get update && \\\n    apt-get install -y x && \\\n    rm -rf /var/lib/apt/lists/*'), APT_MOUNTS + DC_ASIDE + 'apt-get update && \\\n    apt-get install -y x' + DC_BACK);
  assert.equal(aptRun('apt-get update && apt-get install -y x;'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x' + DC_BACK);
  // a clean of the npm cache by name, of the home's folder written with ~ or $HOME
  assert.equal(edited('FROM node\nRUN npm ci && npm cache clean --force\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN npm ci && rm -rf ~/.npm\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN npm ci && rm -rf $HOME/.npm /tmp/y\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci && rm -rf /tmp/y');
  assert.equal(edited('FROM node\nRUN npm ci && rm -rf ${HOME}/.npm/_cacache\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN npm ci && rm -rf /tmp/y\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci && rm -rf /tmp/y');
  // an early successful exit would skip putting docker-clean back: the archives are refused, the index kept
  for (const exit of ['exit 0', 'exit', 'exec bash', 'return'])
    assert.equal(one(`FROM debian\nRUN apt-get update && apt-get install -y x && ${exit}\n`).fix?.title, 'Add a cache mount for the apt package index', exit);
  assert.equal(one('FROM debian\nRUN apt-get update && apt-get install -y x || exit 1\n').fix?.title, 'Add a cache mount for the apt package archives and apt package index');
  // not a shell-form RUN the fix can edit
  assert.equal(one('FROM debian\nRUN <<EOF\napt-get update && apt-get install -y x\nEOF\n').fixRefused?.reason, 'apt package archives (/var/cache/apt): the RUN at line 2 is not a shell-form RUN the fix can edit');
});

test('missing-cache-mount: a tool whose bare command installs (yarn, bundle) only prints with --version, -v, --help or -h', () => {
  // the official node and ruby images end their install RUN with a smoke test: no download there (corpus: docker-node, docker-library/ruby)
  for (const probe of ['yarn --version', 'yarn -v', 'bundle --version', 'bundle -v', 'bundler --help', 'yarn -h'])
    assert.deepEqual(find(`FROM node:20\nRUN ${probe}\n`), [], probe);
  assert.match(one('FROM debian\nRUN apt-get update; apt-get install -y ruby; gem --version; bundle --version\n').message, /^`RUN apt-get update; apt-get install -y ruby; gem …` downloads apt packages from scratch every time it reruns\./);
  // the bare command, or with other flags, still installs
  for (const install of ['yarn', 'yarn --frozen-lockfile', 'bundle', 'bundle install --jobs 4'])
    assert.equal(find(`FROM ruby:3\nCOPY Gemfile package.json ./\nRUN ${install}\n`, ctxOf(['Gemfile', 'package.json'])).length, 1, install);
});

test('missing-cache-mount: findings kept per step between analyses of one model hold for their context (Yarn 2+ or not) and keep their fix', () => {
  // check() with the same model reuses each step's finding while its key holds: the key includes the Yarn 2+ setup
  const t = 'FROM node\nCOPY . .\nRUN echo hi\nRUN yarn install\n';
  const m = analyze(t);
  const say = (c: MemoryContext | null) => check(t, c, {}, m).findings.filter((f) => f.rule === R).map((f) => [f.range.start.line, f.fix?.title ?? null, f.fixRefused?.reason ?? null]);
  const fix = [[3, 'Add a cache mount for the yarn (v1) download cache', null]];
  const yarn2 = [[3, null, 'yarn (v1) download cache: Yarn 2+ (.yarnrc.yml) keeps packages in its own cache, and Plug\'n\'Play reads them from there at run time']];
  assert.deepEqual(say(ctxOf(['package.json'])), fix);
  assert.deepEqual(say(ctxOf(['package.json'])), fix, 'the same key again: the kept finding, its fix still offered');
  assert.deepEqual(say(ctxOf(['package.json', '.yarnrc.yml'])), yarn2);
  assert.deepEqual(say(ctxOf(['package.json', '.yarn/releases/yarn.cjs'])), yarn2);
  assert.deepEqual(say(ctxOf(['package.json'])), fix);
  assert.deepEqual(say(null), fix);
});

test('missing-cache-mount: what each command downloads: apt dist-upgrade, inline env of one command only, builds and tests of maven, gradle, dotnet and cargo, one folder once, a cache turned off', () => {
  assert.equal(one('FROM debian\nRUN apt-get update && apt dist-upgrade -y\n').fixRefused?.reason, 'apt package archives: `apt` (unlike apt-get) deletes the packages it downloaded after installing them');
  // `apt` deletes its own downloads; npm in the same RUN keeps its fix
  assert.equal(one('FROM debian\nRUN apt update && apt install -y curl && npm ci\n').fix?.title, 'Add a cache mount for the apt package index and npm download cache');
  assert.equal(edited('FROM node\nRUN npm_config_cache=/c npm --version && npm ci\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm_config_cache=/c npm --version && npm ci');
  const dl = (img: string, run: string) => one(`FROM ${img}\nRUN ${run}\nCMD ["x"]\n`).fix?.edits[0]?.newText;
  assert.equal(dl('maven', 'mvn test'), 'RUN --mount=type=cache,target=/root/.m2/repository \\\n    mvn test');
  assert.equal(dl('gradle', 'gradle test'), 'RUN --mount=type=cache,target=/home/gradle/.gradle/caches \\\n    gradle test');
  assert.equal(dl('mcr.microsoft.com/dotnet/sdk', 'dotnet build'), 'RUN --mount=type=cache,target=/root/.nuget/packages \\\n    dotnet build');
  assert.equal(dl('rust', 'cargo test'), 'RUN --mount=type=cache,target=/usr/local/cargo/registry \\\n    cargo test');
  assert.equal(one('FROM node\nRUN npm ci && cd x && npm ci\n').message, '`RUN npm ci && cd x && npm ci` downloads npm packages from scratch every time it reruns.' + saves('/root/.npm'));
  assert.deepEqual(find('FROM python\nENV PIP_NO_CACHE_DIR=1\nRUN pip install -r requirements.txt\n'), []);
  assert.equal(one('FROM golang\nENV GOFLAGS=-mod=vendor\nRUN go build ./...\n').message, '`RUN go build ./...` recompiles every Go package from scratch every time it reruns.' + saves('/root/.cache/go-build', 'compiled packages'));
  // three folders: the others listed with commas
  assert.match(one('FROM debian\nRUN apt-get update && apt-get install -y x && npm ci\n').message, / Add RUN --mount=type=cache,target=\/var\/cache\/apt \(and cache mounts on \/var\/lib\/apt\/lists, \/root\/\.npm\) so downloads/);
  // Yarn without a context: no Yarn 2+ to see
  assert.equal(one('FROM node\nRUN yarn install\n').fix?.title, 'Add a cache mount for the yarn (v1) download cache');
});

test('missing-cache-mount: Linux evidence only from RUNs of the stages an unknown image is built on', () => {
  assert.deepEqual(find('ARG IMG\nFROM debian AS a\nRUN apt-get update && apt-get install -y x\nFROM $IMG\nRUN npm ci\n').map((f) => f.range.start.line), [2]);
  assert.deepEqual(find('ARG IMG\nFROM $IMG\nRUN echo hi\nRUN npm ci\n'), []);
});

test('missing-cache-mount: filled by an earlier RUN: not through a mount of its own on or above the folder, not told not to cache, not emptied after it', () => {
  const lines = (t: string) => find(t).map((f) => [f.range.start.line, f.message.replace(/ from scratch.*/, '')]);
  // a mount elsewhere does not keep the earlier download out of the image
  assert.deepEqual(lines('FROM golang\nRUN --mount=type=cache,target=/tmp/x go mod download\nRUN go build ./...\nCMD ["x"]\n'), [[1, '`RUN --mount=type=cache,target=/tmp/x go mod downl…` downloads Go module packages'], [2, '`RUN go build ./...` recompiles every Go package']]);
  // a mount above the folder does
  assert.deepEqual(lines('FROM golang\nRUN --mount=type=cache,target=/go go mod download\nRUN go build ./...\nCMD ["x"]\n'), [[2, '`RUN go build ./...` downloads Go module packages and recompiles every Go package']]);
  assert.deepEqual(lines('FROM python\nRUN pip install --no-cache-dir -r a.txt && echo ok\nRUN pip install -r b.txt\n'), [[2, '`RUN pip install -r b.txt` downloads pip packages']]);
  // emptied before the RUN that filled it: still filled
  assert.deepEqual(lines('FROM python\nRUN rm -rf /root/.cache/pip\nRUN pip install -r a.txt\nRUN pip install -r b.txt\n'), [[2, '`RUN pip install -r a.txt` downloads pip packages']]);
});

test('missing-cache-mount: a single folder the proof refuses is named with the reason, a download cache is mounted on its own RUN only', () => {
  const go = one('FROM golang\nCOPY . .\nRUN go mod download\n');
  assert.equal(go.message, '`RUN go mod download` downloads Go module packages from scratch every time it reruns. No cache-mount fix for the Go module cache (/go/pkg/mod): the final image is built on this stage and sets no CMD or ENTRYPOINT: what runs in it may read /go/pkg/mod.');
  assert.equal(go.fix, undefined);
  assert.deepEqual(find('FROM node\nRUN npm ci\nRUN npm ci --prefix x\n').map((f) => [f.range.start.line, f.fix?.edits.map((e) => e.range.start.line)]), [[1, [1]]]);
  // poetry's env read exactly: 10 and 01 are neither on nor off
  const poetry = 'poetry cache: poetry creates its virtualenv inside its cache folder unless told otherwise (POETRY_VIRTUALENVS_CREATE=false or POETRY_VIRTUALENVS_IN_PROJECT=true)';
  for (const env of ['POETRY_VIRTUALENVS_IN_PROJECT=10', 'POETRY_VIRTUALENVS_IN_PROJECT=01', 'POETRY_VIRTUALENVS_CREATE=10', 'POETRY_VIRTUALENVS_CREATE=01'])
    assert.equal(one(`FROM python\nENV ${env}\nRUN poetry install\n`).fixRefused?.reason, poetry, env);
  assert.equal(one('FROM python\nRUN poetry config virtualenvs.create  false && poetry install\n').fixRefused, undefined);
  assert.equal(one('FROM python\nRUN poetry config virtualenvs.in-project  true && poetry install\n').fixRefused, undefined);
});

test('missing-cache-mount: the edit: RUNs written with blanks, indents and continuations, commands it cannot find once, operands it cannot drop, an early exit', () => {
  const refusal = (t: string) => one(t).fixRefused?.reason;
  assert.equal(refusal('FROM node\nRUN \\\n    npm ci\n'), 'npm download cache (/root/.npm): the RUN at line 2 is written in a way the fix cannot edit safely');
  assert.equal(edited('FROM node\n  RUN npm ci\n'), '  RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN  npm ci\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN --network=host\\\n  npm ci\n'), 'RUN --network=host\\\n  --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN --network=host  npm ci\n'), 'RUN --network=host  --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(one('FROM debian\n\nRUN apt-get update && apt-get install -y x && exit 0\n').fixRefused?.reason, 'apt package archives (/var/cache/apt): the RUN at line 3 may exit early, before docker-clean is put back');
  // a one-word command is no exit
  assert.equal(one('FROM debian\nRUN apt-get update && apt-get install -y x && ldconfig\n').fix?.title, 'Add a cache mount for the apt package archives and apt package index');
  // the first command joined by ||, a command written twice, a quoted operand: not edited
  assert.equal(refusal('FROM node\nRUN rm -rf /root/.npm || true && npm ci\n'), 'npm download cache (/root/.npm): the RUN at line 2 is written in a way the fix cannot edit safely');
  assert.equal(refusal('FROM debian\nRUN apt-get update && apt-get install -y x && apt-get clean && echo apt-get clean\n'), 'apt package archives (/var/cache/apt): the RUN at line 2 is written in a way the fix cannot edit safely');
  assert.equal(refusal("FROM debian\nRUN apt-get update && apt-get install -y x && rm -rf '/var/lib/apt/lists/*' /tmp/x\n"), 'apt package index (/var/lib/apt/lists): the RUN at line 2 is written in a way the fix cannot edit safely');
  const aptRun = (run: string) => edited(`FROM debian\nRUN ${run}\n`);
  assert.equal(aptRun('apt-get update && apt-get install -y x ;'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x' + DC_BACK);
  assert.equal(aptRun('apt-get update && apt-get install -y x && rm -rf /tmp/x /var/lib/apt/lists/*'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x && rm -rf /tmp/x' + DC_BACK);
  assert.equal(aptRun('apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/* /tmp/x && rm -rf /var/cache/apt/archives'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x && rm -rf /tmp/x' + DC_BACK);
  // apt-get clean among several managers' folders is still a clean of the apt ones
  assert.equal(aptRun('apt-get update && apt-get install -y x && npm ci && apt-get clean'), 'RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked --mount=type=cache,target=/root/.npm \\\n    ' + DC_ASIDE + 'apt-get update && apt-get install -y x && npm ci' + DC_BACK);
  // the first command dropped with the operator and the blanks or continuation after it
  assert.equal(edited('FROM node\nRUN rm -rf /root/.npm && \\\n    npm ci\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN rm -rf /root/.npm &&  npm ci\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(edited('FROM node\nRUN npm ci && rm -rf /root/.npm/*.tmp\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
});

test('missing-cache-mount: more than twelve RUNs of a store count those that already mount it; twelve are still fixed', () => {
  const P = 'RUN mvn package\n';
  const M = 'RUN --mount=type=cache,target=/root/.m2/repository mvn package\n';
  // thirteen others (two already mounting it): refused before any plan, though the plan would edit only twelve RUNs
  const over = find('FROM maven\nRUN mvn dependency:go-offline\n' + P.repeat(11) + M.repeat(2) + 'CMD ["java"]\n')[0]!;
  assert.deepEqual([over.range.start.line, over.fix, over.fixRefused?.reason], [1, undefined, 'Maven local repository (/root/.m2/repository): more than 12 RUNs share /root/.m2/repository: too many to prove one fix for']);
  assert.match(over.message, / No cache-mount fix for the Maven local repository \(\/root\/\.m2\/repository\): more than 12 RUNs share/);
  // twelve others, one already mounting it: the fix mounts it on the eleven others
  const twelve = find('FROM maven\nRUN mvn dependency:go-offline\n' + P.repeat(11) + M + 'CMD ["java"]\n')[0]!;
  assert.equal(twelve.fix?.title, 'Add a cache mount for the Maven local repository (here and on 11 other RUNs that read it)');
  // with all of them after the first RUN, counted once
  const seven = find('FROM maven\nRUN mvn dependency:go-offline\n' + P.repeat(7) + 'CMD ["java"]\n')[0]!;
  assert.equal(seven.fix?.title, 'Add a cache mount for the Maven local repository (here and on 7 other RUNs that read it)');
});

test('missing-cache-mount: the edit drops a clean after `;` without the `;`, and refuses one after `||`, one split by a continuation, one after a comment line', () => {
  assert.equal(edited('FROM node\nRUN npm ci; rm -rf /root/.npm\n'), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  assert.equal(one('FROM node\nRUN npm ci || rm -rf /root/.npm\n').fixRefused?.reason, 'npm download cache (/root/.npm): the RUN at line 2 is written in a way the fix cannot edit safely');
  assert.equal(one('FROM debian\nRUN apt-get update && apt-get install -y x && rm -rf \\\n    /var/lib/apt/lists/*\n').fixRefused?.reason, 'apt package index (/var/lib/apt/lists): the RUN at line 2 is written in a way the fix cannot edit safely');
  assert.equal(one('FROM debian\nRUN apt-get update && apt-get install -y x && \\\n# clean up\n    apt-get clean\n').fixRefused?.reason, 'apt package archives (/var/cache/apt): the RUN at line 2 is written in a way the fix cannot edit safely');
  // a long rm of mounted folders only is dropped whole, next to docker-clean's own commands
  const aptRun = (run: string) => edited(`FROM debian\nRUN ${run}\n`);
  assert.equal(aptRun('apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/a /var/lib/apt/lists/b /var/cache/apt/c /var/cache/apt/d'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x' + DC_BACK);
  // a clean kept in part does not stand for another clean of the same folders
  assert.equal(aptRun('apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/* /tmp/x && rm -rf /var/cache/apt/archives /var/cache/apt/pkgcache.bin'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x && rm -rf /tmp/x' + DC_BACK);
});

test('missing-cache-mount: a download cache used by more than twelve RUNs is still mounted on its own RUN', () => {
  const f = find('FROM node\n' + 'RUN npm ci\n'.repeat(14))[0]!;
  assert.deepEqual([f.range.start.line, f.fix?.title, f.fix?.edits.length], [1, 'Add a cache mount for the npm download cache', 1]);
});

test('missing-cache-mount: a clean of a folder that holds the mounted one is no clean of the mount: no fix (it would keep the rest, or delete the mount point)', () => {
  const c = ctxOf(['package.json']);
  // `rm -rf /root/*` deletes more than ~/.npm (and not ~/.npm at all: the glob skips dot folders)
  for (const clean of ['rm -rf /root/*', 'rm -rf /root', 'rm -rf ~/*'])
    assert.equal(one(`FROM node:20\nCOPY package.json .\nRUN npm ci && ${clean}\n`, c).fixRefused?.reason, `npm download cache (/root/.npm): the RUN at line 3 deletes \`${clean.slice(7).replace('~', '/root')}\`, which holds /root/.npm`, clean);
  // a clean inside the mount is dropped: the mount keeps it out of the image anyway
  assert.equal(edited('FROM node:20\nCOPY package.json .\nRUN npm ci && rm -rf /root/.npm/_cacache\n', c), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
});

test('missing-cache-mount: a wildcard reaches its whole folder: `rm -rf /var/cache/ap*` deletes the mount point, no fix for that folder', () => {
  // kept in the fixed RUN, the rm would delete the mount point /var/cache/apt (rm fails there: the build breaks)
  for (const clean of ['rm -rf /var/cache/ap*', 'rm -rf /var/cache/a?t', 'rm -rf /var/cache/[a]pt', 'rm -rf /var/cache/*/']) {
    const f = one(`FROM debian\nRUN apt-get update && apt-get install -y x && ${clean}\n`);
    assert.equal(f.fixRefused?.reason, `apt package archives (/var/cache/apt): the RUN at line 2 deletes \`${clean.slice(7)}\`, which holds /var/cache/apt`, clean);
    // the index folder is still mounted, the rm kept as it is
    assert.equal(f.fix?.edits[0]?.newText, `RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\\n    apt-get update && apt-get install -y x && ${clean}`, clean);
  }
  // a wildcard inside the mounted folder only cleans the mount: dropped
  assert.equal(edited('FROM node:20\nCOPY package.json .\nRUN npm ci && rm -rf /root/.npm/_c*\n', ctxOf(['package.json'])), 'RUN --mount=type=cache,target=/root/.npm \\\n    npm ci');
  // the same for a `~` path: ~/.np* reaches ~/.npm
  assert.equal(one('FROM node:20\nCOPY package.json .\nRUN npm ci && rm -rf ~/.np*\n', ctxOf(['package.json'])).fixRefused?.reason, 'npm download cache (/root/.npm): the RUN at line 3 deletes `/root/.np*`, which holds /root/.npm');
});

test('missing-cache-mount: a clean by name is dropped only when every folder it empties is mounted on that RUN (s9-mutrules)', () => {
  // `go clean -modcache -cache` with only the module cache mountable: dropping it would keep the build cache in the image
  const go = one('FROM golang AS b\nUSER 1000\nRUN go build -o /x ./... && go clean -modcache -cache\nFROM scratch\nCOPY --from=b /x /x\n');
  assert.equal(go.fix, undefined);
  assert.match(go.message, /the Go module cache \(\/go\/pkg\/mod\): the RUN at line 3 runs `go clean -modcache -cache`, which also empties the Go build cache, not mounted there\.$/);
  // both mounted: dropped
  assert.equal(edited('FROM golang AS b\nRUN go build -o /x ./... && go clean -modcache -cache\nFROM scratch\nCOPY --from=b /x /x\n'), 'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\\n    go build -o /x ./...');
  // `dotnet nuget locals all --clear` also empties NuGet's HTTP cache and temp folders
  const nuget = one('FROM mcr.microsoft.com/dotnet/sdk:8.0 AS b\nCOPY x.csproj .\nRUN dotnet restore && dotnet nuget locals all --clear\nFROM scratch\nCOPY --from=b /x /x\n', ctxOf(['x.csproj']));
  assert.deepEqual([nuget.fix, nuget.fixRefused?.reason], [undefined, 'NuGet packages folder (/root/.nuget/packages): the RUN at line 3 runs `dotnet nuget locals all --clear`, which also empties the NuGet HTTP cache and temp folders, not mounted there']);
  assert.equal(edited('FROM mcr.microsoft.com/dotnet/sdk:8.0 AS b\nCOPY x.csproj .\nRUN dotnet restore && dotnet nuget locals global-packages --clear\nFROM scratch\nCOPY --from=b /x /x\n', ctxOf(['x.csproj'])), 'RUN --mount=type=cache,target=/root/.nuget/packages \\\n    dotnet restore');
  // `apt clean` empties the archives, not the index: with only the index mounted it stays, and it is no clean of that mount
  assert.equal(edited('FROM debian\nRUN apt update && apt install -y x && apt clean\n'), 'RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\\n    apt update && apt install -y x && apt clean');
  // `apt-get dist-clean` empties both: alone in its RUN it is dropped with both mounted; a later RUN of the index's store
  // group (which gets the index mount only) with its own dist-clean would empty the archives there: no fix
  assert.equal(edited('FROM debian\nRUN apt-get update && apt-get install -y x && apt-get dist-clean\n'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x' + DC_BACK);
  const dc = find('FROM debian\nRUN apt-get update && apt-get install -y x && apt-get dist-clean\nRUN apt-get install -y y && apt-get dist-clean\n');
  assert.deepEqual(dc.map((f) => [f.fix, f.fixRefused?.reason]), [2, 3].map((l) => [undefined, `apt package archives (/var/cache/apt): the RUN at line ${l} runs \`apt-get dist-clean\`, which also empties the apt package index, not mounted there`]));
});

test('missing-cache-mount: the survivors of the session-12 mutation run (which cleans are dropped, an rm split by a continuation)', () => {
  // a clean by name of another manager's cache stays, though its kind is the kind of a mounted folder
  assert.equal(edited('FROM debian\nRUN apt-get update && apt-get install -y x && npm cache clean --force\n'), APT_MOUNTS + DC_ASIDE + 'apt-get update && apt-get install -y x && npm cache clean --force' + DC_BACK);
  // a clean on another RUN of the store group stays when what it empties is mounted only on this RUN
  const go = 'FROM golang AS b\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./...\nRUN go vet ./... && go clean -cache\nFROM scratch\nCOPY --from=b /app /app\n';
  assert.deepEqual(find(go)[0]!.fix?.edits.map((e) => e.newText), [
    'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\\n    go build -o /app ./...',
    'RUN --mount=type=cache,target=/go/pkg/mod \\\n    go vet ./... && go clean -cache',
  ]);
  // an rm whose operands a line continuation splits is not found in the text: that folder gets no fix
  assert.equal(one('FROM debian\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/* \\\n  /tmp/x\n').fixRefused?.reason, 'apt package index (/var/lib/apt/lists): the RUN at line 2 is written in a way the fix cannot edit safely');
});

test('missing-cache-mount: two rm commands cut down alike keep each their own operands (the joint plan of two folders)', () => {
  // each folder alone was proven; the joint edit took the first shorter command for both, and its proof failed: no
  // fix at all, and a message that named only the first folder
  const f = one('FROM node\nRUN npm ci && pip install -r requirements.txt && rm -rf /root/.npm /tmp/a && rm -rf /root/.cache/pip /tmp/a /tmp/b\n');
  assert.equal(f.fix?.title, 'Add a cache mount for the npm download cache and pip download cache');
  assert.deepEqual(f.fix?.edits.map((e) => e.newText), ['RUN --mount=type=cache,target=/root/.npm --mount=type=cache,target=/root/.cache/pip \\\n    npm ci && pip install -r requirements.txt && rm -rf /tmp/a && rm -rf /tmp/a /tmp/b']);
  assert.equal(f.fixRefused, undefined);
});
