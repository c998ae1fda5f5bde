// The rules' shared helpers in detail: what engine/rules/managers.ts knows about package managers (installs and the
// manifests they read, OS package commands, cost classes, package indexes, tree checks, tool installs, cache folders,
// image defaults, cleans) and engine/rules/util.ts (ranges, edits, instruction text, stage walks, the stage's OS).
// Written for the mutation run of these two files (test/mutation-equivalents.md); every expected value is what the
// tool does (the manager's documentation or its behaviour), not the code's output. Test names start with `managers:`
// or `util:`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, MemoryContext, parseDockerignore, type RuleContext } from '../../server/src/engine';
import {
  cacheSpecs, cacheUse, cleanedBy, commandCost, imageDefaults, isCostly, isTreeCheck, matchImplicitRestore, matchInstall, matchOsPackage,
  matchToolInstall, maxCost, packageIndexUse, resolveCacheDir, runtimeReads, under, withInline,
} from '../../server/src/engine/rules/managers';
import {
  applyEdits, configBetween, copyDestWord, copyFlagsText, deleteLines, headRange, homeOf, insertBefore, isWindowsStage, lineRange, linesText,
  nothingAffectingBetween, plural, quoteInstr, readsWholeTree, replaceLines, sourcePresence, stageArgs, stageOs, stageSteps, submodulePaths,
} from '../../server/src/engine/rules/util';
import type { ShellCommand } from '../../server/src/engine/shell';

/** A command as the shell reader gives it: words split on blanks (the tests use no quotes). */
const cmd = (s: string): ShellCommand => ({ words: s.split(/\s+/).filter(Boolean), start: 0, end: s.length });
const inst = (s: string) => {
  const m = matchInstall(cmd(s));
  return m && { manager: m.manager, manifests: m.manifests, required: m.required, needsSources: m.needsSources, cacheTargets: m.cacheTargets };
};

test('managers: manifest installs of the JavaScript managers (npm, yarn, pnpm, bun)', () => {
  const npm = { manager: 'npm', manifests: ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'], required: ['package.json'], needsSources: false, cacheTargets: ['$HOME/.npm'] };
  for (const c of ['npm ci', 'npm clean-install', 'npm install', 'npm i', 'npm install --omit=dev', 'sudo npm ci', 'env CI=1 npm ci', 'NODE_ENV=production npm ci', '/usr/bin/npm ci', 'time nice npm ci', 'exec npm ci'])
    assert.deepEqual(inst(c), npm, c);
  for (const c of ['npm install x', 'npm i -g', 'npm install --global', 'npm run build', 'npm', 'npx ci', 'npm test']) assert.equal(inst(c), null, c);
  const yarn = { manager: 'yarn', manifests: ['package.json', 'yarn.lock', '.yarnrc', '.yarnrc.yml', '.yarn/releases', '.yarn/plugins', '.yarn/patches'], required: ['package.json'], needsSources: false, cacheTargets: ['/usr/local/share/.cache/yarn', '$HOME/.yarn/berry/cache'] };
  for (const c of ['yarn', 'yarn install', 'yarn --frozen-lockfile', 'yarn install --immutable']) assert.deepEqual(inst(c), yarn, c);
  for (const c of ['yarn add x', 'yarn build', 'yarn install x']) assert.equal(inst(c), null, c);
  const pnpm = (required: string[]) => ({ manager: 'pnpm', manifests: ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', '.pnpmfile.cjs'], required, needsSources: false, cacheTargets: ['$HOME/.local/share/pnpm/store', '/pnpm/store'] });
  for (const c of ['pnpm install', 'pnpm i', 'pnpm install --frozen-lockfile']) assert.deepEqual(inst(c), pnpm(['package.json']), c);
  assert.deepEqual(inst('pnpm fetch'), pnpm(['pnpm-lock.yaml']));
  for (const c of ['pnpm add x', 'pnpm install x', 'pnpm i x', 'pnpm run build']) assert.equal(inst(c), null, c);
  assert.deepEqual(inst('bun install'), { manager: 'bun', manifests: ['package.json', 'bun.lockb', 'bun.lock', 'bunfig.toml'], required: ['package.json'], needsSources: false, cacheTargets: ['$HOME/.bun/install/cache'] });
  for (const c of ['bun install x', 'bun add x', 'bun i']) assert.equal(inst(c), null, c);
});

test('managers: manifest installs of the Python managers (pip, poetry, uv, pipenv)', () => {
  const pip = (files: string[], local = false) => ({ manager: 'pip', manifests: files, required: files, needsSources: local, cacheTargets: ['$HOME/.cache/pip'] });
  assert.deepEqual(inst('pip install -r requirements.txt'), pip(['requirements.txt']));
  assert.deepEqual(inst('pip3 install --no-deps -r a.txt -c c.txt'), pip(['a.txt', 'c.txt']));
  assert.deepEqual(inst('pip install --requirement a.txt --constraint c.txt'), pip(['a.txt', 'c.txt']));
  assert.deepEqual(inst('pip install -ra.txt --requirement=b.txt -cc.txt --constraint=d.txt'), pip(['a.txt', 'b.txt', 'c.txt', 'd.txt']));
  assert.deepEqual(inst('python -m pip install -r a.txt'), pip(['a.txt']));
  assert.deepEqual(inst('python3 -m pip3 install -r a.txt .'), pip(['a.txt'], true));
  assert.deepEqual(inst('pip install -r a.txt -e .'), pip(['a.txt'], true));
  assert.deepEqual(inst('pip install -r a.txt --editable x'), pip(['a.txt'], true));
  assert.deepEqual(inst('pip install -r a.txt ./pkg'), pip(['a.txt'], true));
  assert.deepEqual(inst('pip install -r a.txt /src/pkg'), pip(['a.txt'], true));
  assert.deepEqual(inst('pip install -r ./a.txt'), pip(['./a.txt']));
  assert.deepEqual(inst('pip install -c /c.txt -r a.txt'), pip(['/c.txt', 'a.txt']));
  for (const c of ['pip install flask', 'pip install', 'pip download -r a.txt', 'python -m venv -r a.txt', 'python app.py -r a.txt', 'python -m pipx install -r a.txt', 'pip install -r'])
    assert.equal(inst(c), null, c);
  assert.deepEqual(inst('poetry install'), { manager: 'poetry', manifests: ['pyproject.toml', 'poetry.lock', 'poetry.toml'], required: ['pyproject.toml'], needsSources: true, cacheTargets: ['$HOME/.cache/pypoetry'] });
  assert.equal(inst('poetry install --no-root')?.needsSources, false);
  assert.equal(inst('poetry install --only-root')?.needsSources, false);
  assert.equal(inst('poetry add x'), null);
  assert.deepEqual(inst('uv sync'), { manager: 'uv', manifests: ['pyproject.toml', 'uv.lock', '.python-version'], required: ['pyproject.toml'], needsSources: true, cacheTargets: ['$HOME/.cache/uv'] });
  assert.equal(inst('uv sync --no-install-project')?.needsSources, false);
  assert.equal(inst('uv sync --no-install-workspace')?.needsSources, false);
  assert.deepEqual(inst('uv pip install -r a.txt --requirement b.txt'), { manager: 'uv', manifests: ['a.txt', 'b.txt'], required: ['a.txt', 'b.txt'], needsSources: false, cacheTargets: ['$HOME/.cache/uv'] });
  for (const c of ['uv pip install x', 'uv pip sync a.txt', 'uv run x', 'uv pip install -r']) assert.equal(inst(c), null, c);
  assert.deepEqual(inst('pipenv install'), { manager: 'pipenv', manifests: ['Pipfile', 'Pipfile.lock'], required: ['Pipfile'], needsSources: false, cacheTargets: ['$HOME/.cache/pipenv', '$HOME/.cache/pip'] });
  assert.deepEqual(inst('pipenv install --deploy --system')?.manager, 'pipenv');
  assert.equal(inst('pipenv install flask'), null);
});

test('managers: manifest installs of Go, cargo, Maven, Gradle, bundler, composer, dotnet and mix', () => {
  assert.deepEqual(inst('go mod download'), { manager: 'go', manifests: ['go.mod', 'go.sum', 'go.work', 'go.work.sum'], required: ['go.mod'], needsSources: false, cacheTargets: ['/go/pkg/mod', '$HOME/go/pkg/mod'] });
  for (const c of ['go mod tidy', 'go build', 'go mod']) assert.equal(inst(c), null, c);
  const cargo = (needs: boolean, manifests = ['Cargo.toml', 'Cargo.lock']) => ({ manager: 'cargo', manifests, required: ['Cargo.toml'], needsSources: needs, cacheTargets: ['/usr/local/cargo/registry', '$HOME/.cargo/registry'] });
  assert.deepEqual(inst('cargo fetch'), cargo(false, ['Cargo.toml', 'Cargo.lock', '.cargo/config.toml']));
  assert.deepEqual(inst('cargo build --release'), cargo(true));
  assert.deepEqual(inst('cargo install --path .'), cargo(true));
  // a crate from the registry reads no manifest of the context (it was taken for one: s8)
  assert.equal(inst('cargo install ripgrep --locked'), null);
  assert.equal(commandCost(cmd('cargo install ripgrep')), 'compile');
  assert.equal(inst('cargo test'), null);
  const mvn = (needs: boolean) => ({ manager: 'maven', manifests: ['pom.xml', '.mvn', 'mvnw'], required: ['pom.xml'], needsSources: needs, cacheTargets: ['$HOME/.m2'] });
  for (const c of ['mvn dependency:go-offline', 'mvn -B dependency:resolve', 'mvnw dependency:resolve-plugins']) assert.deepEqual(inst(c), mvn(false), c);
  for (const c of ['mvn package', 'mvn -DskipTests install', 'mvn verify', './mvnw compile']) assert.deepEqual(inst(c), mvn(true), c);
  for (const c of ['mvn test', 'mvn dependency:tree', 'mvn clean']) assert.equal(inst(c), null, c);
  const gradleFiles = ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'gradle.properties', 'gradle', 'gradlew'];
  const gradle = (needs: boolean) => ({ manager: 'gradle', manifests: gradleFiles, required: [], needsSources: needs, cacheTargets: ['$HOME/.gradle'] });
  for (const c of ['gradle dependencies', 'gradle --refresh-dependencies', './gradlew resolveDependencies']) assert.deepEqual(inst(c), gradle(false), c);
  for (const c of ['gradle build', 'gradle assemble', './gradlew bootJar', 'gradle jar', 'gradle installDist', 'gradle shadowJar']) assert.deepEqual(inst(c), gradle(true), c);
  for (const c of ['gradle test', 'gradle clean']) assert.equal(inst(c), null, c);
  const bundler = { manager: 'bundler', manifests: ['Gemfile', 'Gemfile.lock', '*.gemspec', '.bundle'], required: ['Gemfile'], needsSources: false, cacheTargets: ['/usr/local/bundle/cache', '$HOME/.bundle/cache'] };
  for (const c of ['bundle', 'bundle install', 'bundler install --jobs 4']) assert.deepEqual(inst(c), bundler, c);
  assert.equal(inst('bundle exec rake'), null);
  const composer = (needs: boolean) => ({ manager: 'composer', manifests: ['composer.json', 'composer.lock', 'auth.json'], required: ['composer.json'], needsSources: needs, cacheTargets: ['$HOME/.composer/cache', '/tmp/cache'] });
  assert.deepEqual(inst('composer install'), composer(true));
  assert.deepEqual(inst('composer.phar install --no-scripts'), composer(false));
  assert.deepEqual(inst('composer install --no-autoloader'), composer(false));
  assert.equal(inst('composer require x'), null);
  assert.deepEqual(inst('dotnet restore'), { manager: 'dotnet', manifests: ['*.sln', '*.csproj', '*.fsproj', '*.vbproj', 'NuGet.config', 'nuget.config', 'Directory.Build.props', 'Directory.Packages.props', 'global.json'], required: [], needsSources: false, cacheTargets: ['$HOME/.nuget/packages'] });
  assert.equal(inst('dotnet build'), null);
  assert.deepEqual(inst('mix deps.get'), { manager: 'mix', manifests: ['mix.exs', 'mix.lock', 'config'], required: ['mix.exs'], needsSources: false, cacheTargets: ['$HOME/.hex', '$HOME/.mix'] });
  assert.equal(inst('mix compile'), null);
  assert.equal(inst('make install'), null);
  // the command object itself is returned with the match, and the answer is kept per command
  const c = cmd('npm ci');
  assert.equal(matchInstall(c)!.command, c);
  assert.equal(matchInstall(c), matchInstall(c));
});

test('managers: OS package commands and their kind', () => {
  const os = (s: string) => {
    const m = matchOsPackage(cmd(s));
    return m && [m.manager, m.kind];
  };
  const cases: [string, [string, string] | null][] = [
    ['apt-get update', ['apt', 'update']], ['apt update', ['apt', 'update']], ['aptitude update', ['apt', 'update']],
    ['apt-get -y install x', ['apt', 'install']], ['apt-get upgrade', ['apt', 'install']], ['apt-get dist-upgrade', ['apt', 'install']], ['apt full-upgrade', ['apt', 'install']], ['apt-get build-dep x', ['apt', 'install']], ['apt-get reinstall x', ['apt', 'install']],
    ['apt-get clean', ['apt', 'clean']], ['apt-get autoclean', ['apt', 'clean']], ['apt-get autoremove', ['apt', 'clean']], ['apt-get purge x', ['apt', 'clean']], ['apt-get remove x', ['apt', 'clean']],
    ['apt-get source x', ['apt', 'other']], ['sudo apt-get install x', ['apt', 'install']], ['DEBIAN_FRONTEND=noninteractive apt-get install x', ['apt', 'install']],
    ['apk update', ['apk', 'update']], ['apk add x', ['apk', 'install']], ['apk --no-cache add x', ['apk', 'install']], ['apk upgrade', ['apk', 'install']], ['apk cache clean', ['apk', 'clean']], ['apk del x', ['apk', 'clean']], ['apk info', ['apk', 'other']],
    ['dnf makecache', ['dnf', 'update']], ['yum check-update', ['yum', 'update']], ['dnf install x', ['dnf', 'install']], ['yum upgrade', ['yum', 'install']], ['yum update', ['yum', 'install']], ['dnf groupinstall x', ['dnf', 'install']], ['dnf reinstall x', ['dnf', 'install']], ['dnf builddep x', ['dnf', 'install']], ['microdnf install x', ['microdnf', 'install']],
    ['dnf clean all', ['dnf', 'clean']], ['yum remove x', ['yum', 'clean']], ['dnf autoremove', ['dnf', 'clean']], ['yum list', ['yum', 'other']],
    ['zypper refresh', ['zypper', 'update']], ['zypper ref', ['zypper', 'update']], ['zypper install x', ['zypper', 'install']], ['zypper in x', ['zypper', 'install']], ['zypper update', ['zypper', 'install']], ['zypper up', ['zypper', 'install']], ['zypper dist-upgrade', ['zypper', 'install']], ['zypper dup', ['zypper', 'install']],
    ['zypper clean', ['zypper', 'clean']], ['zypper cc', ['zypper', 'clean']], ['zypper search x', ['zypper', 'other']],
    ['npm ci', null], ['apt-cache policy', null], ['pacman -S x', null],
  ];
  for (const [c, want] of cases) assert.deepEqual(os(c), want, c);
});

test('managers: the cost class of a command, and the order of the classes', () => {
  const cases: [string, string][] = [
    ['npm ci', 'install'], ['pip install -r a.txt', 'install'], ['cargo fetch', 'install'], ['cargo build', 'compile'], ['mvn package', 'compile'], ['gradle build', 'compile'], ['mvn dependency:go-offline', 'install'],
    ['apt-get install x', 'install'], ['apk update', 'install'], ['apt-get clean', 'command'],
    ['curl -o x https://e', 'download'], ['wget https://e', 'download'], ['git clone x', 'download'], ['git fetch', 'download'], ['git pull', 'download'], ['git status', 'command'],
    ['make', 'compile'], ['/usr/bin/gcc a.c', 'compile'], ['tsc', 'compile'], ['go build ./...', 'compile'], ['go install ./cmd', 'compile'], ['dotnet build', 'compile'], ['dotnet publish', 'compile'], ['go run .', 'command'],
    ['npm run build', 'compile'], ['yarn run compile', 'compile'], ['pnpm build', 'compile'], ['npm run lint', 'command'], ['bun run build:prod', 'compile'],
    ['pytest', 'test'], ['jest', 'test'], ['vitest', 'test'], ['npm test', 'test'], ['go test ./...', 'test'], ['cargo test', 'test'], ['dotnet test', 'test'], ['mvn test', 'test'], ['yarn test', 'test'],
    ['pip install flask', 'install'], ['gem install bundler', 'install'], ['npm install -g x', 'install'], ['conda install x', 'install'], ['mamba install x', 'install'], ['cpanm x', 'command'], ['cpanm install x', 'install'], ['pecl install x', 'install'], ['composer require x', 'command'], ['yarn add x', 'install'], ['pnpm add x', 'install'], ['composer install', 'install'],
    ['echo hi', 'command'], ['', 'command'],
  ];
  for (const [c, want] of cases) assert.equal(commandCost(cmd(c)), want, c);
  const order = ['metadata', 'copy', 'command', 'test', 'download', 'install', 'compile'] as const;
  for (let i = 0; i < order.length; i++)
    for (let j = 0; j < order.length; j++) assert.equal(maxCost(order[i]!, order[j]!), order[Math.max(i, j)], `${order[i]} ${order[j]}`);
  assert.deepEqual(order.filter(isCostly), ['download', 'install', 'compile']);
});

test('managers: what a RUN does with each package index', () => {
  const use = (...cs: string[]) => Object.fromEntries([...packageIndexUse(cs.map(cmd))].map(([m, u]) => [m, [u.relies, u.refreshes, u.installs, u.leaves]]));
  assert.deepEqual(use('apt-get install x'), { apt: [true, false, true, 'unchanged'] });
  assert.deepEqual(use('apt-get update', 'apt-get install x'), { apt: [false, true, true, 'fresh'] });
  assert.deepEqual(use('apt-get update', 'apt-get install x', 'rm -rf /var/lib/apt/lists/*'), { apt: [false, true, true, 'removed'] });
  assert.deepEqual(use('rm -rf /var/lib/apt/lists', 'apt-get install x'), { apt: [true, false, true, 'removed'] });
  assert.deepEqual(use('rm -rf /var/lib/apt/listsx'), {});
  assert.deepEqual(use('add-apt-repository ppa:x', 'apt-get install x'), { apt: [false, true, true, 'fresh'] });
  assert.deepEqual(use('add-apt-repository -n ppa:x', 'apt-get install x'), { apt: [true, false, true, 'unchanged'] });
  assert.deepEqual(use('add-apt-repository --no-update ppa:x'), {});
  // a script may have refreshed it; neutral tools may not
  assert.deepEqual(use('./setup.sh', 'apt-get install x'), { apt: [false, false, true, 'unchanged'] });
  assert.deepEqual(use('curl -o /k https://e', 'echo x', 'apt-get install x'), { apt: [true, false, true, 'unchanged'] });
  assert.deepEqual(use('apk add x'), { apk: [true, false, true, 'unchanged'] });
  assert.deepEqual(use('apk add --no-cache x'), { apk: [false, false, true, 'unchanged'] });
  for (const f of ['-U', '--update', '--update-cache']) assert.deepEqual(use(`apk add ${f} x`), { apk: [false, true, true, 'fresh'] }, f);
  assert.deepEqual(use('apk add -U --no-cache x'), { apk: [false, false, true, 'unchanged'] });
  assert.deepEqual(use('apk update', 'apk add x'), { apk: [false, true, true, 'fresh'] });
  assert.deepEqual(use('apk update', 'rm -rf /var/cache/apk/*'), { apk: [false, true, false, 'removed'] });
  assert.deepEqual(use('./s.sh', 'apk add x'), { apk: [false, false, true, 'unchanged'] });
  // dnf, yum, zypper fetch expired metadata themselves
  assert.deepEqual(use('dnf install x'), { dnf: [false, false, true, 'unchanged'] });
  assert.deepEqual(use('dnf makecache', 'dnf clean all'), { dnf: [false, true, false, 'removed'] });
  assert.deepEqual(use('dnf makecache', 'dnf clean packages'), { dnf: [false, true, false, 'fresh'] });
  assert.deepEqual(use('apt-get update', 'apt-get clean all'), { apt: [false, true, false, 'fresh'] });
  // only apt's and apk's index folders are known: dnf, yum and zypper fetch expired metadata themselves
  assert.deepEqual(use('rm -rf /var/cache/yum', 'rm -rf /var/cache/dnf/x', 'rm -rf /var/cache/apkx'), {});
  assert.deepEqual(use('rm -rf /tmp/x /var/cache/apk'), { apk: [false, false, false, 'removed'] });
  assert.deepEqual(use(''), {});
});

test('managers: checks over the whole tree, tool installs of named packages, implicit restores', () => {
  const yes = ['eslint .', 'golangci-lint run', 'pytest', 'mix format --check-formatted', 'mix credo', 'mix test', 'git diff --exit-code', 'git diff --quiet', 'go vet ./...', 'go test ./...', 'cargo clippy', 'npm run lint', 'npm run lint:ts', 'yarn run test', 'pnpm run validate-x', 'npm test', 'make check', 'make verify-gofmt', 'dotnet format', 'just fmt', 'gradle check', 'mvn verify', 'hack/validate-vendor', './hack/verify-all.sh', 'scripts/lint.sh', 'script/test', 'ci/check-x', 'validate.sh', './lint-all.sh', 'CI=1 scripts/test.sh', 'make generate', 'go generate ./...'];
  for (const c of yes) assert.equal(isTreeCheck(cmd(c)), true, c);
  const no = ['mix compile', 'mix', 'git diff', 'git status', 'go build', 'npm run build', 'npm ci', 'make', 'make install', 'dotnet build', 'scripts/build.sh', 'hack/build', 'echo lint', 'validatex', 'run-lint.sh'];
  for (const c of no) assert.equal(isTreeCheck(cmd(c)), false, c);
  const t = (s: string) => {
    const m = matchToolInstall(cmd(s));
    return m && [m.manager, m.packages];
  };
  const cases: [string, [string, string[]] | null][] = [
    ['npm install -g typescript', ['npm', ['typescript']]], ['npm i --global a b', ['npm', ['a', 'b']]], ['npm add -g x', ['npm', ['x']]], ['npm install x', null], ['npm install -g', null], ['npm install -g ./local', null], ['npm install -g --prefix /p x', null],
    ['yarn global add x', ['yarn', ['x']]], ['yarn add x', null], ['pnpm add -g x', ['pnpm', ['x']]], ['bun install -g x', ['bun', ['x']]], ['pnpm i -g x', ['pnpm', ['x']]], ['pnpm add x', null],
    ['pip install poetry', ['pip', ['poetry']]], ['python3 -m pip install -U pip', ['pip', ['pip']]], ['pip install -r a.txt', null], ['pip install x.whl', null], ['pip install git+https://x', null], ['pip install -e .', null], ['pip install --target /t x', null], ['pip install -c c.txt x', null], ['python app.py install x', null],
    ['pipx install black', ['pipx', ['black']]], ['uv tool install ruff', ['uv', ['ruff']]], ['uv pip install x', null], ['gem install bundler', ['gem', ['bundler']]], ['gem install ./x.gem', null],
    ['cargo install ripgrep', ['cargo', ['ripgrep']]], ['cargo install --path .', null], ['go install golang.org/x/tools/gopls@latest', ['go', ['golang.org/x/tools/gopls@latest']]], ['go install ./cmd/x', null], ['go install x', null], ['go install', null],
    ['dotnet tool install -g dotnet-ef', ['dotnet', ['dotnet-ef']]], ['dotnet tool install --tool-path=/t x', ['dotnet', ['x']]], ['dotnet tool install x', null],
    ['composer global require x/y', ['composer', ['x/y']]], ['composer require x/y', null], ['pip install $PKG', null], ['pip install ~/x', null], ['pip install file:x', null], ['pip install https://x/y.tar.gz', null], ['pip install x.tgz', null], ['pip install x.zip', null], ['gem install x.nupkg', null], ['npm install -g x.tar.gz', null],
  ];
  for (const [c, want] of cases) assert.deepEqual(t(c), want, c);
  assert.equal(matchToolInstall(cmd('npm ci')), null);
  for (const c of ['dotnet build', 'dotnet publish -c Release', 'dotnet test', 'dotnet pack', 'dotnet run']) {
    const m = matchImplicitRestore(cmd(c));
    assert.deepEqual(m && [m.manager, m.manifests.includes('*.slnx'), m.required, m.needsSources, m.cacheTargets], ['dotnet', true, [], true, []], c);
  }
  for (const c of ['dotnet build --no-restore', 'dotnet restore', 'dotnet format', 'npm build']) assert.equal(matchImplicitRestore(cmd(c)), null, c);
});

test('managers: cache folders per manager, resolved from the env, the home and the defaults', () => {
  const dir = (manager: string, env: Record<string, string> = {}, home: string | null = '/root') => cacheSpecs(manager).map((s) => resolveCacheDir(s, new Map(Object.entries(env)), home));
  assert.deepEqual(cacheSpecs('nope'), []);
  assert.deepEqual(cacheSpecs('apt').map((s) => [s.what, s.kind, s.dflt, s.sharing]), [['apt package archives', 'download', '/var/cache/apt', 'locked'], ['apt package index', 'store', '/var/lib/apt/lists', 'locked']]);
  assert.deepEqual(dir('npm'), [{ dir: '/root/.npm' }]);
  assert.deepEqual(dir('npm', {}, '/home/app'), [{ dir: '/home/app/.npm' }]);
  assert.deepEqual(dir('npm', { npm_config_cache: '/c/' }), [{ dir: '/c' }]);
  assert.deepEqual(dir('npm', { NPM_CONFIG_CACHE: '/d' }), [{ dir: '/d' }]);
  assert.deepEqual(dir('npm', { npm_config_cache: '', NPM_CONFIG_CACHE: '/d' }), [{ dir: '/d' }]);
  assert.deepEqual(dir('npm', {}, null), [{ unknown: 'the home directory of the RUN\'s user is not known (BuildKit does not expand `~` in a mount target)' }]);
  assert.deepEqual(dir('npm', { npm_config_cache: '$HOME/c' }), [{ unknown: 'npm_config_cache=$HOME/c is not an absolute path the engine can read' }]);
  assert.deepEqual(dir('npm', { npm_config_cache: 'rel' }), [{ unknown: 'npm_config_cache=rel is not an absolute path the engine can read' }]);
  assert.deepEqual(dir('npm', { npm_config_cache: '~/c' }), [{ unknown: 'npm_config_cache=~/c is not an absolute path the engine can read' }]);
  assert.deepEqual(dir('npm', { npm_config_cache: '/a`b`' }), [{ unknown: 'npm_config_cache=/a`b` is not an absolute path the engine can read' }]);
  assert.deepEqual(dir('yarn'), [{ dir: '/usr/local/share/.cache/yarn' }]);
  assert.deepEqual(dir('yarn', {}, '/home/u'), [{ dir: '/home/u/.cache/yarn' }]);
  assert.deepEqual(dir('yarn', {}, null), [{ unknown: 'the home directory of the RUN\'s user is not known' }]);
  assert.deepEqual(dir('yarn', { YARN_CACHE_FOLDER: '/y' }), [{ dir: '/y' }]);
  assert.deepEqual(dir('pnpm'), [{ dir: '/root/.local/share/pnpm/store' }]);
  assert.deepEqual(dir('pnpm', { PNPM_HOME: '/p' }), [{ dir: '/p/store' }]);
  assert.deepEqual(dir('pnpm', { XDG_DATA_HOME: '/x' }), [{ dir: '/x/pnpm/store' }]);
  assert.deepEqual(dir('pnpm', { npm_config_store_dir: '/s', PNPM_HOME: '/p' }), [{ dir: '/s' }]);
  assert.deepEqual(dir('bun'), [{ dir: '/root/.bun/install/cache' }]);
  assert.deepEqual(dir('bun', { BUN_INSTALL: '/b' }), [{ dir: '/b/install/cache' }]);
  assert.deepEqual(dir('bun', { BUN_INSTALL_CACHE_DIR: '/c', BUN_INSTALL: '/b' }), [{ dir: '/c' }]);
  assert.deepEqual(dir('pip'), [{ dir: '/root/.cache/pip' }]);
  assert.deepEqual(dir('pip', { XDG_CACHE_HOME: '/x' }), [{ dir: '/x/pip' }]);
  assert.deepEqual(dir('pip', { PIP_CACHE_DIR: '/p', XDG_CACHE_HOME: '/x' }), [{ dir: '/p' }]);
  for (const v of ['1', 'true', 'yes', 'on', 'anything']) assert.deepEqual(dir('pip', { PIP_NO_CACHE_DIR: v }), [{ off: true }], v);
  for (const v of ['', '0', 'false', 'FALSE', 'no', 'off']) assert.deepEqual(dir('pip', { PIP_NO_CACHE_DIR: v }), [{ dir: '/root/.cache/pip' }], v);
  assert.deepEqual(dir('uv', { UV_NO_CACHE: '1' }), [{ off: true }]);
  assert.deepEqual(dir('uv', { UV_CACHE_DIR: '/u' }), [{ dir: '/u' }]);
  assert.deepEqual(dir('uv', { XDG_CACHE_HOME: '/x' }), [{ dir: '/x/uv' }]);
  assert.deepEqual(dir('poetry'), [{ dir: '/root/.cache/pypoetry' }]);
  assert.deepEqual(dir('poetry', { XDG_CACHE_HOME: '/x' }), [{ dir: '/x/pypoetry' }]);
  assert.deepEqual(dir('poetry', { POETRY_CACHE_DIR: '/p' }), [{ dir: '/p' }]);
  assert.deepEqual(dir('pipenv'), [{ dir: '/root/.cache/pipenv' }]);
  assert.deepEqual(dir('pipenv', { XDG_CACHE_HOME: '/x' }), [{ dir: '/x/pipenv' }]);
  assert.deepEqual(dir('pipenv', { PIPENV_CACHE_DIR: '/p' }), [{ dir: '/p' }]);
  assert.deepEqual(dir('go'), [{ dir: '/root/go/pkg/mod' }]);
  assert.deepEqual(dir('go', { GOPATH: '/go:/other' }), [{ dir: '/go/pkg/mod' }]);
  assert.deepEqual(dir('go', { GOMODCACHE: '/m', GOPATH: '/go' }), [{ dir: '/m' }]);
  assert.deepEqual(dir('go', { GOPATH: 'rel:/go' }), [{ unknown: 'GOPATH=rel:/go is not an absolute path the engine can read' }]);
  assert.deepEqual(dir('go-build'), [{ dir: '/root/.cache/go-build' }]);
  assert.deepEqual(dir('go-build', { GOCACHE: 'off' }), [{ off: true }]);
  assert.deepEqual(dir('go-build', { GOCACHE: '/g' }), [{ dir: '/g' }]);
  assert.deepEqual(dir('go-build', { XDG_CACHE_HOME: '/x' }), [{ dir: '/x/go-build' }]);
  assert.deepEqual(dir('go', { GOCACHE: 'off' }), [{ dir: '/root/go/pkg/mod' }]);
  assert.deepEqual(dir('cargo'), [{ dir: '/root/.cargo/registry' }]);
  assert.deepEqual(dir('cargo', { CARGO_HOME: '/usr/local/cargo' }), [{ dir: '/usr/local/cargo/registry' }]);
  assert.deepEqual(dir('maven'), [{ dir: '/root/.m2/repository' }]);
  assert.deepEqual(dir('gradle'), [{ dir: '/root/.gradle/caches' }]);
  assert.deepEqual(dir('gradle', { GRADLE_USER_HOME: '/g' }), [{ dir: '/g/caches' }]);
  assert.deepEqual(dir('bundler', { GEM_HOME: '/usr/local/bundle' }), [{ dir: '/usr/local/bundle/cache' }]);
  assert.deepEqual(dir('bundler'), [{ unknown: 'where bundler keeps its cache depends on settings this Dockerfile does not show' }]);
  assert.deepEqual(dir('bundler', {}, null), [{ unknown: 'where bundler keeps its cache depends on settings this Dockerfile does not show' }]);
  assert.deepEqual(dir('composer', { COMPOSER_HOME: '/tmp' }), [{ dir: '/tmp/cache' }]);
  assert.deepEqual(dir('composer', { COMPOSER_CACHE_DIR: '/cc', COMPOSER_HOME: '/tmp' }), [{ dir: '/cc' }]);
  assert.deepEqual(dir('dotnet'), [{ dir: '/root/.nuget/packages' }]);
  assert.deepEqual(dir('dotnet', { NUGET_PACKAGES: '/n' }), [{ dir: '/n' }]);
  assert.deepEqual(dir('mix'), [{ dir: '/root/.hex/packages' }]);
  assert.deepEqual(dir('mix', { HEX_HOME: '/h' }), [{ dir: '/h/packages' }]);
  assert.deepEqual(dir('apt'), [{ dir: '/var/cache/apt' }, { dir: '/var/lib/apt/lists' }]);
  assert.deepEqual(dir('npm', { npm_config_cache: '/a/../b/./c' }), [{ dir: '/b/c' }]);
  assert.deepEqual(cacheSpecs('go').map((s) => [s.what, s.kind]), [['Go module cache', 'store']]);
  assert.deepEqual(['npm', 'yarn', 'pnpm', 'bun', 'pip', 'uv', 'poetry', 'pipenv', 'go', 'go-build', 'cargo', 'maven', 'gradle', 'bundler', 'composer', 'dotnet', 'mix'].map((m) => cacheSpecs(m).map((s) => `${s.manager} ${s.kind} ${s.what}`).join()), [
    'npm download npm download cache', 'yarn download yarn (v1) download cache', 'pnpm store pnpm content store', 'bun download bun download cache', 'pip download pip download cache', 'uv download uv cache', 'poetry download poetry cache', 'pipenv download pipenv cache',
    'go store Go module cache', 'go-build download Go build cache', 'cargo store cargo registry', 'maven store Maven local repository', 'gradle store Gradle caches', 'bundler download RubyGems download cache', 'composer download Composer cache', 'dotnet store NuGet packages folder', 'mix download Hex package cache',
  ]);
  assert.deepEqual(['npm', 'pip', 'go', 'apt'].map((m) => cacheSpecs(m).map((s) => s.sharing ?? '-').join()), ['-', '-', '-', 'locked,locked']);
});

test('managers: what official images set, which run as root, paths under a folder, env on the command', () => {
  assert.deepEqual(imageDefaults('golang:1.22'), { env: { GOPATH: '/go' }, rootByDefault: true });
  assert.deepEqual(imageDefaults('docker.io/library/golang:1.22-alpine'), { env: { GOPATH: '/go' }, rootByDefault: true });
  assert.deepEqual(imageDefaults('ruby:3').env, { GEM_HOME: '/usr/local/bundle', BUNDLE_APP_CONFIG: '/usr/local/bundle' });
  assert.deepEqual(imageDefaults('registry.docker.com/library/ruby').env, { GEM_HOME: '/usr/local/bundle', BUNDLE_APP_CONFIG: '/usr/local/bundle' });
  assert.deepEqual(imageDefaults('composer:2').env, { COMPOSER_HOME: '/tmp' });
  assert.deepEqual(imageDefaults('rust:1-slim').env, { CARGO_HOME: '/usr/local/cargo', RUSTUP_HOME: '/usr/local/rustup' });
  assert.deepEqual(imageDefaults('gradle:8-jdk21').env, { GRADLE_USER_HOME: '/home/gradle/.gradle' });
  assert.deepEqual(imageDefaults('localhost:5000/golang:1').env, { GOPATH: '/go' });
  assert.deepEqual(imageDefaults('localhost/golang').env, { GOPATH: '/go' });
  assert.deepEqual(imageDefaults('Golang@sha256:abc').env, { GOPATH: '/go' });
  assert.deepEqual(imageDefaults('golang:1.22 (linux/arm64)').env, { GOPATH: '/go' });
  for (const r of ['myorg/golang', 'golang-x', 'xgolang', 'team/ruby:3', 'node:20']) assert.deepEqual(imageDefaults(r).env, {}, r);
  for (const r of ['cgr.dev/chainguard/node', 'bitnami/node', 'jenkins/jenkins', 'gcr.io/distroless/nodejs:nonroot', 'gcr.io/distroless/static:debug-nonroot', 'x:nonroot', 'CGR.DEV/x', 'x:nonroot (linux/amd64)'])
    assert.equal(imageDefaults(r).rootByDefault, false, r);
  for (const r of ['node', 'gcr.io/distroless/static', 'x:nonrootx', 'my/bitnami', 'gcr.io/distroless/nonroot-x:latest']) assert.equal(imageDefaults(r).rootByDefault, true, r);
  assert.equal(under('/a/b', '/a'), true);
  assert.equal(under('/a', '/a'), true);
  assert.equal(under('/ab', '/a'), false);
  assert.equal(under('/a', '/a/b'), false);
  assert.equal(under('/x', '/'), true);
  const env = new Map([['A', '1']]);
  assert.equal(withInline(env, 'npm ci'), env, 'nothing inline: the same map');
  assert.deepEqual([...withInline(env, 'B=2 C="x y" D=\'z\' E= npm ci')], [['A', '1'], ['B', '2'], ['C', 'x y'], ['D', 'z'], ['E', '']]);
  assert.deepEqual([...withInline(env, '  A=3 npm ci B=4')], [['A', '3']]);
  assert.deepEqual([...env], [['A', '1']], 'the RUN\'s env is not changed');
  assert.deepEqual([...withInline(env, 'npm ci', ['X=1', 'Y=a=b', 'npm', 'Z=2'])], [['A', '1'], ['X', '1'], ['Y', 'a=b']]);
  assert.equal(withInline(env, 'npm ci', ['npm', 'X=1']), env);
});

test('managers: how each command uses a manager\'s cache folders', () => {
  const u = (s: string, before: string[] = [], env: Record<string, string> = {}, text = '') => cacheUse(cmd(s), before.map(cmd), new Map(Object.entries(env)), text).map((x) => `${x.manager} ${x.writes ? 'w' : '-'}${x.reads ? 'r' : '-'}${x.offline ? 'o' : '-'}`);
  assert.deepEqual(u('npm ci'), ['npm w--']);
  assert.deepEqual(u('go mod download'), ['go w--']);
  assert.deepEqual(u('go build ./...'), ['go wr-', 'go-build wr-']);
  for (const s of ['install', 'test', 'run', 'vet']) assert.deepEqual(u(`go ${s} .`), ['go wr-', 'go-build wr-'], s);
  for (const s of ['generate', 'list']) assert.deepEqual(u(`go ${s} .`), ['go wr-'], s);
  assert.deepEqual(u('go mod tidy'), []);
  assert.deepEqual(u('go build .', [], { GOPROXY: 'off' }), ['go -ro', 'go-build wr-']);
  assert.deepEqual(u('go build .', [], {}, 'GOPROXY=off go build .'), ['go -ro', 'go-build wr-']);
  assert.deepEqual(u('go build .', [], { GOFLAGS: '-mod=vendor -x' }), ['go-build wr-']);
  assert.deepEqual(u('go build -mod=vendor .'), ['go-build wr-']);
  assert.deepEqual(u('mvn package'), ['maven wr-']);
  assert.deepEqual(u('mvn -o package'), ['maven -ro']);
  assert.deepEqual(u('./mvnw --offline verify'), ['maven -ro']);
  assert.deepEqual(u('gradle build'), ['gradle wr-']);
  assert.deepEqual(u('gradlew build --offline'), ['gradle -ro']);
  for (const s of ['build', 'publish', 'test', 'run', 'pack', 'msbuild']) assert.deepEqual(u(`dotnet ${s}`), ['dotnet wr-'], s);
  assert.deepEqual(u('dotnet build --no-restore'), ['dotnet -ro']);
  assert.deepEqual(u('dotnet restore'), ['dotnet w--']);
  assert.deepEqual(u('dotnet format'), []);
  for (const s of ['build', 'run', 'test', 'install', 'check', 'doc', 'clippy', 'bench', 'vendor']) assert.deepEqual(u(`cargo ${s}`), ['cargo wr-'], s);
  assert.deepEqual(u('cargo fetch'), ['cargo w--']);
  assert.deepEqual(u('cargo build --offline'), ['cargo -ro']);
  assert.deepEqual(u('cargo build --frozen'), ['cargo -ro']);
  assert.deepEqual(u('cargo build', [], { CARGO_NET_OFFLINE: 'true' }), ['cargo -ro']);
  assert.deepEqual(u('cargo fetch --offline'), ['cargo ---']);
  assert.deepEqual(u('cargo fmt'), []);
  assert.deepEqual(u('pnpm install'), ['pnpm wr-']);
  assert.deepEqual(u('pnpm add x'), ['pnpm wr-']);
  assert.deepEqual(u('pnpm i --offline'), ['pnpm -ro']);
  assert.deepEqual(u('pnpm fetch'), ['pnpm w--']);
  assert.deepEqual(u('pnpm run build'), []);
  assert.deepEqual(u('apt-get update'), ['apt w--']);
  assert.deepEqual(u('apt-get install x'), ['apt wro']);
  assert.deepEqual(u('apt-get install x', ['apt-get update']), ['apt wr-']);
  assert.deepEqual(u('apt-get install x', ['apk update']), ['apt wro']);
  assert.deepEqual(u('apt-cache policy x'), ['apt -ro']);
  for (const s of ['list', 'search', 'show', 'policy', 'source', 'download']) assert.deepEqual(u(`apt ${s} x`), ['apt -ro'], s);
  assert.deepEqual(u('apt-get clean'), []);
  assert.deepEqual(u('apt-get moo'), []);
  assert.deepEqual(u('echo'), []);
});

test('managers: what a command deletes, by path or by name; what a runtime command reads', () => {
  const c = (s: string) => {
    const r = cleanedBy(cmd(s));
    return [r.paths, r.managers];
  };
  assert.deepEqual(c('rm -rf /a /b'), [['/a', '/b'], []]);
  assert.deepEqual(c('sudo rm -f ~/.npm'), [['~/.npm'], []]);
  assert.deepEqual(c('find /tmp -name x -delete'), [['/tmp'], []]);
  assert.deepEqual(c('find /tmp -name x'), [[], []]);
  // the starting points, after find's own options (not `-L`), every one of them
  assert.deepEqual(c('find -L /tmp -name x -delete'), [['/tmp'], []]);
  assert.deepEqual(c('find -D tree -O2 /a /b -type f -delete'), [['/a', '/b'], []]);
  assert.deepEqual(c('find -name x -delete'), [[], []]);
  for (const s of ['apt-get clean', 'apt autoclean', 'apt-get dist-clean', 'apt-get distclean']) assert.deepEqual(c(s), [[], ['apt']], s);
  assert.deepEqual(c('apt-get autoremove'), [[], []]);
  assert.deepEqual(c('npm cache clean --force'), [[], ['npm']]);
  assert.deepEqual(c('npm cache verify'), [[], []]);
  assert.deepEqual(c('yarn cache clean'), [[], ['yarn']]);
  assert.deepEqual(c('pip cache purge'), [[], ['pip']]);
  assert.deepEqual(c('pip3 cache remove x'), [[], ['pip']]);
  assert.deepEqual(c('pip cache list'), [[], []]);
  assert.deepEqual(c('uv cache clean'), [[], ['uv']]);
  assert.deepEqual(c('uv cache prune'), [[], ['uv']]);
  assert.deepEqual(c('pnpm store prune'), [[], ['pnpm']]);
  assert.deepEqual(c('go clean -modcache'), [[], ['go']]);
  assert.deepEqual(c('go clean -cache'), [[], ['go-build']]);
  assert.deepEqual(c('go clean -modcache -cache'), [[], ['go', 'go-build']]);
  for (const s of ['composer clear-cache', 'composer clearcache', 'composer cc']) assert.deepEqual(c(s), [[], ['composer']], s);
  assert.deepEqual(c('dotnet nuget locals all --clear'), [[], ['dotnet']]);
  assert.deepEqual(c('dotnet nuget push'), [[], []]);
  assert.deepEqual(c('echo rm -rf /'), [[], []]);
  // which of a manager's folders a clean by name empties, and what else it empties (s9-mutrules: dropping a clean
  // for a mount of one folder kept the others in the image)
  const f = (s: string) => {
    const r = cleanedBy(cmd(s));
    return [r.specs.map((sp) => sp.what), r.more];
  };
  assert.deepEqual(f('apt-get clean'), [['apt package archives'], null]);
  assert.deepEqual(f('apt autoclean'), [['apt package archives'], null]);
  for (const s of ['apt-get dist-clean', 'apt distclean']) assert.deepEqual(f(s), [['apt package archives', 'apt package index'], null], s);
  assert.deepEqual(f('go clean -modcache -cache'), [['Go module cache', 'Go build cache'], null]);
  assert.deepEqual(f('npm cache clean --force'), [['npm download cache'], null]);
  assert.deepEqual(f('dotnet nuget locals all --clear'), [['NuGet packages folder'], 'NuGet HTTP cache and temp folders']);
  assert.deepEqual(f('dotnet nuget locals all -c'), [['NuGet packages folder'], 'NuGet HTTP cache and temp folders']);
  assert.deepEqual(f('dotnet nuget locals global-packages --clear'), [['NuGet packages folder'], null]);
  assert.deepEqual(f('dotnet nuget locals http-cache --clear'), [[], 'NuGet HTTP cache and temp folders']);
  // --list only lists
  assert.deepEqual(f('dotnet nuget locals all --list'), [[], null]);
  const reads: [string, string, boolean][] = [
    ['maven', 'mvn spring-boot:run', true], ['maven', '["./mvnw", "x"]', true], ['maven', 'mvnx', false], ['gradle', 'gradle run', true], ['gradle', '/app/gradlew bootRun', true],
    ['go', 'go run .', true], ['go', '["go", "test"]', true], ['go', 'go version', false], ['dotnet', 'dotnet watch', true], ['dotnet', '["dotnet", "run"]', true], ['dotnet', 'dotnet app.dll', false],
    ['cargo', 'cargo run', true], ['pnpm', 'pnpm start', true], ['apt', 'apt-get install x', true], ['apt', 'xapt', false], ['npm', 'npm start', false],
  ];
  for (const [m, t, want] of reads) assert.equal(runtimeReads(m, t), want, `${m}: ${t}`);
});

// ---------------------------------------------------------------------------------------------------------------------
// util.ts

const rcOf = (text: string) => ({ model: analyze(text) }) as unknown as RuleContext;

test('util: ranges of lines and of an instruction\'s first line, whole lines, edits', () => {
  assert.deepEqual(lineRange(3, 'abc'), { start: { line: 3, character: 0 }, end: { line: 3, character: 3 } });
  const rc = rcOf('FROM a\nRUN echo a \\\n  b\nRUN x \\  \n  y\nRUN one\n');
  const runs = rc.model.steps.filter((s) => s.keyword === 'RUN');
  assert.deepEqual(headRange(rc, runs[0]!), { start: { line: 1, character: 0 }, end: { line: 1, character: 10 } });
  assert.deepEqual(headRange(rc, runs[1]!), { start: { line: 3, character: 0 }, end: { line: 3, character: 5 } });
  assert.equal(headRange(rc, runs[2]!), runs[2]!.range);
  assert.equal(linesText(rc, 1, 2), 'RUN echo a \\\n  b');
  assert.equal(linesText(rc, 5, 5), 'RUN one');
  assert.deepEqual(insertBefore(2, 'x'), { file: 'dockerfile', range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, newText: 'x\n' });
  assert.equal(insertBefore(2, 'x\n').newText, 'x\n');
  assert.deepEqual(deleteLines(1, 2), { file: 'dockerfile', range: { start: { line: 1, character: 0 }, end: { line: 3, character: 0 } }, newText: '' });
  assert.deepEqual(replaceLines(rc, 1, 2, 'T'), { file: 'dockerfile', range: { start: { line: 1, character: 0 }, end: { line: 2, character: 3 } }, newText: 'T' });
  assert.deepEqual(replaceLines(rc, 1, 40, 'T').range.end, { line: 40, character: 0 });
});

test('util: applying edits, in any order, past the end, at one place', () => {
  const r = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
  assert.equal(applyEdits('ab\ncd\nef', [{ range: r(0, 1, 0, 2), newText: 'X' }, { range: r(2, 0, 2, 1), newText: 'Y' }]), 'aX\ncd\nYf');
  assert.equal(applyEdits('ab\ncd\nef', [{ range: r(2, 0, 2, 1), newText: 'Y' }, { range: r(0, 1, 0, 2), newText: 'X' }]), 'aX\ncd\nYf');
  assert.equal(applyEdits('ab\ncd', [{ range: r(1, 1, 1, 99), newText: 'Z' }]), 'ab\ncZ');
  assert.equal(applyEdits('ab\ncd', [{ range: r(5, 0, 6, 0), newText: '!' }]), 'ab\ncd!');
  assert.equal(applyEdits('ab\ncd', [{ range: r(0, 0, 1, 0), newText: '' }]), 'cd');
  assert.equal(applyEdits('ab\ncd', [{ range: r(1, 0, 1, 0), newText: '1' }, { range: r(1, 0, 1, 2), newText: '2' }]), 'ab\n12');
  assert.equal(applyEdits('abc', []), 'abc');
});

test('util: stage steps, config between two lines, what a RUN sees between them', () => {
  const m = analyze('FROM a\nENV X=1\nRUN a\nLABEL l=1\nEXPOSE 80\nRUN b\nUSER u\nRUN c\nFROM b\nENV Z=1\nRUN d\n');
  assert.deepEqual(stageSteps(m, 0).map((s) => s.line), [2, 5, 7]);
  assert.deepEqual(stageSteps(m, 1).map((s) => s.line), [10]);
  assert.deepEqual(configBetween(m, 0, 2, 7).map((c) => c.keyword), ['LABEL', 'EXPOSE', 'USER']);
  assert.deepEqual(configBetween(m, 0, 3, 6).map((c) => c.keyword), ['EXPOSE']);
  assert.deepEqual(configBetween(m, 0, 0, 20).map((c) => c.line), [1, 3, 4, 6]);
  assert.equal(nothingAffectingBetween(m, 0, 2, 5), true);
  assert.equal(nothingAffectingBetween(m, 0, 2, 7), false);
  assert.equal(nothingAffectingBetween(m, 0, 0, 2), false);
  assert.equal(nothingAffectingBetween(m, 1, 0, 9), true, 'another stage\'s ENV');
});

test('util: a COPY\'s destination word and flags as written, plural, quoted instructions', () => {
  const step = (line: string) => analyze(`FROM a\n${line}\n`).steps.find((s) => s.keyword === 'COPY' || s.keyword === 'ADD')!;
  assert.equal(copyDestWord(step('COPY a b /dst/')), '/dst/');
  assert.equal(copyDestWord(step('COPY --chown=a:b --link a /d')), '/d');
  assert.equal(copyDestWord(step('COPY ["a", "b", "/x y/"]')), '/x y/');
  assert.equal(copyDestWord(step('COPY --from=x ["a", "/d"]')), '/d');
  assert.equal(copyDestWord(step('ADD [a, /d]')), '.');
  assert.equal(copyDestWord(step('COPY $SRC $DEST')), '$DEST');
  assert.equal(copyFlagsText(step('COPY --chown=app:app --chmod=755 --link --from=x --exclude=*.md a b')), '--chown=app:app --chmod=755 ');
  assert.equal(copyFlagsText(step('COPY a b')), '');
  assert.equal(copyFlagsText(step('COPY --link a b')), '');
  assert.equal(plural(1, 'file'), '1 file');
  assert.equal(plural(0, 'file'), '0 files');
  assert.equal(plural(2, 'child', 'children'), '2 children');
  assert.equal(plural(1500, 'step'), '1,500 steps');
  const s50 = step('COPY ' + 'a'.repeat(40) + ' /d/');
  assert.equal(s50.instruction.length, 49);
  assert.equal(quoteInstr(s50), '`' + s50.instruction + '`');
  const s51 = step('COPY ' + 'a'.repeat(42) + ' /d/');
  assert.equal(quoteInstr(s51), '`COPY ' + 'a'.repeat(42) + ' /…`');
  assert.equal(quoteInstr(s51, 10), '`COPY aaaa…`');
  assert.equal(quoteInstr(step('COPY aaaaa'), 10), '`COPY aaaaa`');
});

test('util: the home of a user, the OS of a stage', () => {
  for (const u of ['', 'root', '0', 'root:root', '0:0', ':x']) assert.equal(homeOf(u), '/root', u);
  for (const u of ['app', '1000', 'app:root', 'rootx']) assert.equal(homeOf(u), null, u);
  const os = (text: string, stage = -1) => {
    const m = analyze(text);
    const s = stage < 0 ? m.stages.length - 1 : stage;
    return [stageOs(m, s), isWindowsStage(m, s)];
  };
  assert.deepEqual(os('FROM debian\nRUN x\n'), ['linux', false]);
  assert.deepEqual(os('# escape=`\nFROM debian\n'), ['windows', true]);
  assert.deepEqual(os('FROM debian\nSHELL ["powershell", "-c"]\n'), ['windows', true]);
  for (const sh of ['/bin/bash', '/bin/sh', 'sh', 'dash', '/bin/ash', 'bash']) assert.deepEqual(os(`FROM debian\nSHELL ["${sh}", "-c"]\n`), ['linux', false], sh);
  // another Unix shell or an interpreter is no Windows: its scripts go unread (shellKind), the stage is Linux
  for (const sh of ['/bin/zsh', '/usr/bin/ksh', 'mksh', '/usr/bin/fish', 'python3', '/usr/bin/env']) assert.deepEqual(os(`FROM debian\nSHELL ["${sh}", "-c"]\n`), ['linux', false], sh);
  for (const sh of ['cmd', 'cmd.exe', 'C:\\\\Windows\\\\System32\\\\cmd.exe', 'pwsh', 'C:\\\\Program Files\\\\PowerShell\\\\pwsh.exe'])
    assert.deepEqual(os(`FROM debian\nSHELL ["${sh}", "/S", "/C"]\n`), ['windows', true], sh);
  for (const ref of ['mcr.microsoft.com/windows/servercore:ltsc2022', 'mcr.microsoft.com/windows/nanoserver', 'x/nanoserverapi', 'mcr.microsoft.com/powershell:lts', 'mcr.microsoft.com/dotnet/framework/sdk', 'MCR.microsoft.com/Windows'])
    assert.deepEqual(os(`FROM ${ref}\n`), ['windows', true], ref);
  assert.deepEqual(os('FROM mcr.microsoft.com/dotnet/sdk\n'), ['linux', false]);
  assert.deepEqual(os('FROM mcr.microsoft.com/windows/servercore AS w\nFROM w AS x\nFROM x\n'), ['windows', true]);
  assert.deepEqual(os('ARG IMG\nFROM $IMG AS a\nFROM a\n'), ['unknown', false]);
  assert.deepEqual(os('ARG IMG=debian\nFROM $IMG\n'), ['linux', false]);
  assert.deepEqual(os('FROM scratch\n'), ['linux', false]);
  assert.deepEqual(os('FROM debian AS a\nFROM mcr.microsoft.com/windows/nanoserver\n', 0), ['linux', false]);
});

test('util: in-stage ARGs with their words', () => {
  const m = analyze('ARG G=1\nFROM a\nARG A=1 B\nRUN x\nARG C="x y"\nFROM b\nARG D\n');
  assert.deepEqual(stageArgs(m).map((a) => [a.cfg.line, a.cfg.stage, a.words]), [[2, 0, ['A=1', 'B']], [4, 0, ['C="x y"']], [6, 1, ['D']]]);
  assert.deepEqual(stageArgs(analyze('ARG G\nFROM a\n')), []);
});

test('util: a RUN that reads the whole tree on purpose', () => {
  const whole = (text: string) => {
    const m = analyze(text);
    return m.steps.filter((s) => s.keyword === 'RUN').map((s) => readsWholeTree(m, s));
  };
  assert.deepEqual(whole('FROM a\nCOPY . .\nRUN eslint .\n'), [true]);
  assert.deepEqual(whole('FROM a\nCOPY . .\nRUN cd /src && set -e && echo start && eslint . && npm test\n'), [true]);
  assert.deepEqual(whole('FROM a\nADD . /src\nRUN mkdir -p x && rm -f y && printf a && true && export A=1 && /usr/bin/eslint .\n'), [true]);
  assert.deepEqual(whole('FROM a\nCOPY . .\nRUN eslint . && npm run build\n'), [false]);
  assert.deepEqual(whole('FROM a\nCOPY . .\nRUN echo hi\n'), [false]);
  assert.deepEqual(whole('FROM a\nCOPY src .\nRUN eslint .\n'), [false]);
  assert.deepEqual(whole('FROM a\nRUN eslint .\nCOPY . .\n'), [false]);
  assert.deepEqual(whole('FROM a AS b\nCOPY . .\nFROM a\nRUN eslint .\n'), [false]);
  assert.deepEqual(whole('FROM a\nRUN --mount=type=bind,target=/src eslint /src\n'), [true]);
  assert.deepEqual(whole('FROM a\nRUN --mount=type=bind,source=src,target=/src eslint /src\n'), [false]);
  assert.deepEqual(whole('FROM a\nCOPY . .\nRUN eslint "\n'), [false]);
  const m = analyze('FROM a\nRUN --mount=type=bind,target=/src eslint /src\nCOPY . .\n');
  assert.equal(readsWholeTree(m, m.steps.find((s) => s.keyword === 'COPY')!), false, 'not a RUN');
});

test('util: whether a COPY source is in the context, maybe pruned by an ignored folder; submodule paths', () => {
  const c = new MemoryContext('c');
  c.addFile('a/b.txt', 'x');
  c.addDir('d');
  const ig = parseDockerignore('skipped\nnot/this/*.txt\nd/gone\n');
  assert.equal(sourcePresence(c, ig, 'a/b.txt'), 'yes');
  assert.equal(sourcePresence(c, ig, 'a'), 'yes');
  assert.equal(sourcePresence(c, ig, 'a/c.txt'), 'no');
  assert.equal(sourcePresence(c, ig, 'skipped/x.txt'), 'maybe');
  assert.equal(sourcePresence(c, ig, 'skipped'), 'maybe');
  assert.equal(sourcePresence(c, ig, 'skipped.txt'), 'no');
  assert.equal(sourcePresence(c, ig, 'skipped/'), 'maybe');
  assert.equal(sourcePresence(c, ig, 'd/gone'), 'maybe', 'a folder without a dot');
  assert.equal(sourcePresence(c, ig, 'd/gone/x'), 'maybe');
  assert.equal(sourcePresence(c, ig, 'd/gone.txt'), 'no');
  assert.equal(sourcePresence(c, ig, 'd/skipped'), 'no', 'patterns are anchored at the context root');
  assert.equal(sourcePresence(c, ig, 'not/this/x.txt'), 'no');
  assert.equal(sourcePresence(c, ig, 'x/skipped'), 'no');
  const s = new MemoryContext('s');
  assert.deepEqual(submodulePaths(s), []);
  s.addFile('.gitmodules', '[submodule "a"]\n\tpath = ./vendor/a/\n[submodule "b"]\n  path=lib/b  \n\turl = x\n');
  s.readText = (p: string) => (p === '.gitmodules' ? '[submodule "a"]\n\tpath = ./vendor/a/\n[submodule "b"]\n  path=lib/b  \n\turl = x\n' : undefined);
  assert.deepEqual(submodulePaths(s), ['vendor/a', 'lib/b']);
  const n = new MemoryContext('n');
  n.readText = () => '\tpath = x\n';
  assert.deepEqual(submodulePaths(n), [], 'no .gitmodules entry');
});

test('managers: more of what is and is not an install, a tool install, a tree check, a clean (the sample run\'s survivors)', () => {
  assert.equal(inst('pip --no-cache-dir install -r a.txt')?.manager, 'pip');
  for (const c of ['uv pip compile -r req.in', 'mvn install:install-file -Dfile=x.jar']) assert.equal(inst(c), null, c);
  assert.equal(commandCost(cmd('npm publish')), 'command');
  assert.equal(commandCost(cmd('docker build .')), 'command');
  // every neutral tool before an install leaves it relying on the index on disk; anything else may have refreshed it
  for (const n of ['echo', 'printf', 'mkdir', 'rm', 'ln', 'chmod', 'chown', 'cd', 'export', 'set', 'true', 'false', 'sed', 'tee', 'cp', 'mv', 'touch', 'test', '[', 'curl', 'wget', 'gpg', 'apt-key', 'dpkg', 'debconf-set-selections', 'install', 'cat', 'grep', 'mktemp', 'ls', 'dpkg-reconfigure', 'locale-gen', 'update-ca-certificates', 'useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'tar', 'unzip', 'gzip', 'sha256sum', 'ldconfig', 'update-alternatives', 'find', 'xargs'])
    assert.equal(packageIndexUse([cmd(`${n} x`), cmd('apt-get install y')]).get('apt')?.relies, true, n);
  assert.equal(packageIndexUse([cmd('make x'), cmd('apt-get install y')]).get('apt')?.relies, false);
  assert.equal(packageIndexUse([cmd('apt-get update'), cmd('rm -rf /target/var/lib/apt/lists/x')]).get('apt')?.leaves, 'fresh');
  for (const t of ['golangci-lint', 'eslint', 'prettier', 'hadolint', 'shellcheck', 'ruff', 'flake8', 'pylint', 'mypy', 'black', 'isort', 'yamllint', 'markdownlint', 'markdownlint-cli2', 'buf', 'gofmt', 'goimports', 'staticcheck', 'revive', 'tflint', 'pytest', 'tox', 'nox', 'jest', 'vitest', 'mocha', 'gotestsum', 'codespell', 'typos', 'addlicense', 'misspell', 'actionlint', 'checkov', 'trivy', 'license-eye', 'docsgen', 'protolint', 'clang-format', 'cppcheck', 'rubocop', 'phpstan', 'phpcs', 'php-cs-fixer', 'swiftlint', 'ktlint', 'detekt'])
    assert.equal(isTreeCheck(cmd(`${t} x`)), true, t);
  for (const t of ['go', 'cargo', 'dotnet', 'npm', 'yarn', 'pnpm', 'bun', 'make', 'just', 'task', 'mage', 'gradle', 'gradlew', 'mvn', 'mvnw'])
    assert.equal(isTreeCheck(cmd(`${t} ${['npm', 'yarn', 'pnpm', 'bun'].includes(t) ? 'run ' : ''}lint`)), true, t);
  assert.equal(isTreeCheck(cmd('make validate-vendor')), true);
  assert.equal(isTreeCheck(cmd('make -j4 lint')), true);
  const t = (s: string) => matchToolInstall(cmd(s))?.packages ?? null;
  for (const f of ['--prefix', '--target', '-t', '--root', '--path', '-r', '--requirement', '-e', '--editable', '-c', '--constraint']) assert.equal(t(`pip install ${f} v x`), null, f);
  for (const c of ['npm uninstall -g x', 'yarn global remove x', 'pip download flask', 'cargo add serde', 'go install a@v1 ./cmd', 'dotnet add package Newtonsoft.Json', 'composer global update x']) assert.equal(t(c), null, c);
  assert.deepEqual(t('pnpm add --global x'), ['x']);
  // an option's value is no package; an option not known to read nothing local makes it no tool install
  const values: [string, string[]][] = [
    ['dotnet tool install --tool-path /tools dotnet-ef', ['dotnet-ef']], ['dotnet tool install -g dotnet-ef --version 8.0.1', ['dotnet-ef']], ['gem install bundler -v 2.4.22', ['bundler']],
    ['gem install bundler --version=2.4.22 --no-document', ['bundler']], ['cargo install --locked --version 0.9.1 cargo-chef', ['cargo-chef']], ['pipx install --python python3.11 black', ['black']],
    ['uv tool install --python 3.12 ruff', ['ruff']], ['npm install -g --loglevel warn pnpm@8', ['pnpm@8']], ['pip install --no-cache-dir --timeout 60 poetry', ['poetry']], ['composer global require -n x/y', ['x/y']],
  ];
  for (const [c, want] of values) assert.deepEqual(t(c), want, c);
  for (const c of ['pip install --find-links wheels x', 'pip install --find-links=wheels x', 'pip install -f ./w x', 'pip install -i ./simple x', 'dotnet tool install -g --add-source ./nupkgs x', 'dotnet tool install -g --configfile nuget.config x', 'gem install -g Gemfile', 'gem install --local x', 'uv tool install --from . x', 'uv tool install --with-requirements r.txt x', 'npm install -g --cache ./c x', 'npm install -g --userconfig .npmrc x', 'cargo install --manifest-path a/Cargo.toml x', 'pip install --unknown-flag v x', 'npm install -g --save=x y'])
    assert.equal(t(c), null, c);
  assert.deepEqual(imageDefaults('team/gradle').env, {});
  assert.deepEqual(imageDefaults('golang (linux/arm64)').env, { GOPATH: '/go' });
  assert.equal(imageDefaults('my/bitnami/node').rootByDefault, true);
  assert.deepEqual(resolveCacheDir(cacheSpecs('pip')[0]!, new Map([['PIP_NO_CACHE_DIR', 'nope']]), '/root'), { off: true });
  assert.deepEqual([...withInline(new Map(), "D='zz' npm ci")], [['D', 'zz']]);
  assert.deepEqual(cacheUse(cmd('apt-get install y'), [cmd('apt-get install x')], new Map()).map((x) => x.offline), [true]);
  assert.deepEqual(cleanedBy(cmd('npm run clean')), { paths: [], managers: [], specs: [], more: null });
  assert.deepEqual(cleanedBy(cmd('uv cache dir')), { paths: [], managers: [], specs: [], more: null });
  assert.equal(runtimeReads('go', 'cargo run'), false);
});

test('util: an edit that ends at the end of the last line; tree checks need a whole-context COPY before them, not a bind mount', () => {
  const r = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
  assert.equal(applyEdits('ab\ncd', [{ range: r(1, 0, 2, 0), newText: '' }]), 'ab\n');
  const m = analyze('FROM a\nRUN --mount=type=bind,target=/src true\nRUN eslint .\n');
  assert.deepEqual(m.steps.filter((s) => s.keyword === 'RUN').map((s) => readsWholeTree(m, s)), [true, false]);
});

test('managers: session 12, the whole-file run\'s survivors: installs and costs', () => {
  // a long option that starts like a flag is not that flag (`--globalconfig` is npm's global config file)
  assert.equal(inst('npm install --globalconfig=/etc/npmrc')?.manager, 'npm');
  // `x.y=1` is no assignment (not a name): the shell runs a command of that name
  assert.equal(inst('x.y=1 npm ci'), null);
  // python running a file named pip, or a module that only ends in pip
  assert.equal(inst('python pip install -r a.txt'), null);
  assert.equal(inst('python -m notpip install -r a.txt'), null);
  // pip's -v is --verbose, not --version
  assert.equal(inst('pip install -v -r requirements.txt')?.manager, 'pip');
  // `-e <folder>` installs the context's own code; a requirements list given by path is no local install
  assert.equal(inst('pip install -r a.txt -e src/pkg')?.needsSources, true);
  assert.equal(inst('pip install --requirement /src/req.txt')?.needsSources, false);
  assert.equal(inst('pip install --constraint /src/c.txt -r a.txt')?.needsSources, false);
  for (const c of ['uv run install -r a.txt', 'pipenv graph', 'go run download', 'cargo add --path ./mylib']) assert.equal(inst(c), null, c);
  // Gradle's tasks among other words (options, more tasks)
  assert.equal(inst('gradle dependencies --no-daemon')?.needsSources, false);
  assert.equal(inst('gradle build --no-daemon')?.needsSources, true);
  // the cost of a command: its subcommand after global options, OS installs of every manager, the listed tools
  assert.equal(commandCost(cmd('npm --silent test')), 'test');
  assert.equal(commandCost(cmd('pnpm test')), 'test');
  assert.equal(commandCost(cmd('dnf install -y gcc')), 'install');
  assert.equal(commandCost(cmd('pip3 install flask')), 'install');
  assert.equal(commandCost(cmd('composer reinstall vendor/pkg')), 'install');
  assert.equal(commandCost(cmd('yarn add esbuild')), 'install', 'a package named like a build tool is no build');
  assert.equal(commandCost(cmd('go build ./...')), 'compile');
});

test('managers: session 12, the whole-file run\'s survivors: package indexes, tree checks, tool installs', () => {
  // an assignment alone runs nothing: the install still relies on the index on disk
  assert.equal(packageIndexUse([cmd('FOO=1'), cmd('apt-get install -y curl')]).get('apt')?.relies, true);
  // apk add after apk update in the same RUN reads the fresh index; removing a package named all keeps it
  assert.equal(packageIndexUse([cmd('apk update'), cmd('apk add curl')]).get('apk')?.relies, false);
  assert.equal(packageIndexUse([cmd('apk update'), cmd('apk del all')]).get('apk')?.leaves, 'fresh');
  // only dnf's clean removes its metadata; listing all packages does not
  assert.equal(packageIndexUse([cmd('dnf makecache'), cmd('dnf list all')]).get('dnf')?.leaves, 'fresh');
  assert.equal(packageIndexUse([cmd('dnf makecache'), cmd('dnf clean all')]).get('dnf')?.leaves, 'removed');
  // tree checks: the subcommand after global options, the script after `run`'s options, dotnet without one
  assert.equal(isTreeCheck(cmd('npm --silent run lint')), true);
  assert.equal(isTreeCheck(cmd('npm run --silent lint')), true);
  assert.equal(isTreeCheck(cmd('dotnet --info')), false);
  assert.equal(isTreeCheck(cmd('GOFLAGS=-mod=vendor hack/validate-vendor')), true);
  for (const c of ['hack/validate/vendor', './hack/validate/default', 'ci/test/run.sh']) assert.equal(isTreeCheck(cmd(c)), true, c);
  assert.equal(isTreeCheck(cmd('hack/build/all')), false);
  const t = (s: string) => matchToolInstall(cmd(s))?.packages ?? null;
  const m = (s: string) => matchToolInstall(cmd(s))?.manager ?? null;
  assert.equal(t('pip install http://host/simple/pkg'), null, 'a URL');
  assert.deepEqual(t('pip install acme.zipper'), ['acme.zipper'], 'a name with .zip inside is no archive');
  // `--global=false` is not global: a plain npm install reads package.json
  assert.equal(t('npm install --global=false typescript'), null);
  assert.equal(m('pip3 install poetry'), 'pip');
  assert.equal(m('python -m pip install poetry'), 'pip');
  for (const c of ['go get golang.org/x/tools@v0.1.0', 'go install ./cmd/tool@latest', 'pip install flask ./local', 'yarn run add lodash', 'uv tool run ruff', 'dotnet tool uninstall -g dotnet-ef', 'composer run-script require x/y'])
    assert.equal(t(c), null, c);
  assert.deepEqual(t('go install -v golang.org/x/tools/gopls@latest'), ['golang.org/x/tools/gopls@latest']);
  assert.deepEqual(t('dotnet tool install --global dotnet-ef'), ['dotnet-ef']);
  assert.notEqual(matchImplicitRestore(cmd('dotnet -d build')), null, 'an option before the subcommand');
});

test('managers: session 12, the whole-file run\'s survivors: images, cache folders, env on the command, cache use, cleans, runtime reads', () => {
  // a first part that only ends or starts with localhost is a Docker Hub namespace, not a registry
  assert.deepEqual(imageDefaults('mylocalhost/ruby').env, {});
  assert.deepEqual(imageDefaults('localhostx/ruby').env, {});
  assert.deepEqual(imageDefaults('localhost/ruby').env, { GEM_HOME: '/usr/local/bundle', BUNDLE_APP_CONFIG: '/usr/local/bundle' });
  // only GOPATH is a list
  assert.deepEqual(resolveCacheDir(cacheSpecs('pip')[0]!, new Map([['PIP_CACHE_DIR', '/cache:pip']]), '/root'), { dir: '/cache:pip' });
  assert.equal(under('a/b', '/'), false, 'a relative path');
  assert.equal(under('/a/b', '/'), true);
  // quotes around a value come off, quotes inside stay; an assignment word as the command's first words
  assert.equal(withInline(new Map(), 'MSG="it\'s" make ').get('MSG'), "it's");
  assert.equal(withInline(new Map(), '', ['GOFLAGS=-mod=vendor', 'go', 'build']).get('GOFLAGS'), '-mod=vendor');
  assert.equal(withInline(new Map(), '', ['./GOFLAGS=x', 'go']).has('GOFLAGS'), false, 'a command named ./GOFLAGS=x');
  // cargo's global options before the subcommand; go build of a package named download; pnpm fetch offline
  assert.deepEqual(cacheUse(cmd('cargo --offline build'), [], new Map()), [{ manager: 'cargo', writes: false, reads: true, offline: true }]);
  assert.deepEqual(cacheUse(cmd('go build download'), [], new Map()).map((u) => u.manager), ['go', 'go-build']);
  assert.equal(cacheUse(cmd('pnpm fetch --offline'), [], new Map())[0]?.writes, false);
  // apt: an update reads nothing; other commands before an install are no update; other tools' `download`
  assert.deepEqual(cacheUse(cmd('apt-get update'), [], new Map()), [{ manager: 'apt', writes: true, reads: false, offline: false }]);
  assert.deepEqual(cacheUse(cmd('apt-get install -y x'), [cmd('echo hi')], new Map()), [{ manager: 'apt', writes: true, reads: true, offline: true }]);
  assert.deepEqual(cacheUse(cmd('pip download flask'), [], new Map()), []);
  const none = { paths: [], managers: [], specs: [], more: null };
  // find: the starting points end at `(` and `!`, a starting point may end like an option; -delete of another tool
  assert.deepEqual(cleanedBy(cmd('find /tmp ( -name x ) -delete')).paths, ['/tmp']);
  assert.deepEqual(cleanedBy(cmd('find /tmp ! -name keep -delete')).paths, ['/tmp']);
  assert.deepEqual(cleanedBy(cmd('find /tmp/build-L -delete')).paths, ['/tmp/build-L']);
  for (const c of ['convert in.gif -delete 0 out.gif', 'make distclean', 'yarn run clean', 'apk cache purge', 'apt-get remove -y curl', 'pip uninstall -y remove', 'uv run clean', 'pnpm run prune', 'composer install', 'zypper cc', 'bash -c x'])
    assert.deepEqual(cleanedBy(cmd(c)), none, c);
  // the tool after a blank, a name that only ends like the tool, JSON form without blanks after the commas
  for (const [m, t] of [['maven', 'exec mvn spring-boot:run'], ['gradle', 'exec gradle run'], ['dotnet', 'exec dotnet run'], ['cargo', 'exec cargo run'], ['pnpm', 'exec pnpm start'], ['go', '["go","run","."]'], ['dotnet', '["dotnet","run"]']])
    assert.equal(runtimeReads(m, t), true, `${m}: ${t}`);
  for (const [m, t] of [['maven', 'exec ./mymvn'], ['go', 'gofmt test.go'], ['dotnet', 'dotnet-script test.csx']]) assert.equal(runtimeReads(m, t), false, `${m}: ${t}`);
});

test('util: session 12, the whole-file run\'s survivors', () => {
  // the first line without its continuation backslash, also without a blank before it; a backslash inside stays
  const rc = rcOf('FROM a\nRUN echo hi\\\n  b\nRUN echo a\\b \\\n  c\n');
  const runs = rc.model.steps.filter((s) => s.keyword === 'RUN');
  assert.equal(headRange(rc, runs[0]!).end.character, 11);
  assert.equal(headRange(rc, runs[1]!).end.character, 12);
  const step = (line: string) => analyze(`FROM a\n${line}\n`).steps.find((s) => s.keyword === 'COPY' || s.keyword === 'ADD')!;
  // the JSON form after several flags, and blanks doubled
  assert.equal(copyDestWord(step('COPY --chown=1 --chmod=644 ["a","/d"]')), '/d');
  assert.equal(copyDestWord(step('COPY --chown=1  --chmod=644 ["a","/d"]')), '/d');
  assert.equal(copyDestWord(step('COPY  --chown=1 ["a","/d"]')), '/d');
  assert.equal(copyFlagsText(step('COPY  --chown=a:b x y')), '--chown=a:b ');
  assert.equal(copyFlagsText(step('COPY --chown=a:b  --chmod=644 x y')), '--chown=a:b --chmod=644 ');
  // readsWholeTree: `export` and a path to a neutral tool around a check
  const whole = (text: string) => {
    const m = analyze(text);
    return m.steps.filter((s) => s.keyword === 'RUN').map((s) => readsWholeTree(m, s));
  };
  assert.deepEqual(whole('FROM a\nCOPY . .\nRUN export CI=1 && make lint\n'), [true]);
  assert.deepEqual(whole('FROM a\nCOPY . .\nRUN export PATH && make lint\n'), [true]);
  assert.deepEqual(whole('FROM a\nCOPY . .\nRUN /bin/echo start && make lint\n'), [true]);
  assert.deepEqual(whole('FROM a\nCOPY go.mod . /src/\nRUN make lint\n'), [true], 'the whole context among other sources');
  assert.deepEqual(whole('FROM a\nCOPY --from=b /x /y\nRUN make lint\n'), [false], 'a COPY that reads nothing of the context');
  // a folder written with a slash, with a dot in its name, may have been pruned
  const c = new MemoryContext('c');
  assert.equal(sourcePresence(c, parseDockerignore('conf.d\n'), 'conf.d/'), 'maybe');
  // a snapshot that cannot read files has no submodules to tell; a commented-out path is none
  const blind = { entry: (p: string) => (p === '.gitmodules' ? {} : undefined) } as unknown as Parameters<typeof submodulePaths>[0];
  assert.deepEqual(submodulePaths(blind), []);
  const s = new MemoryContext('s');
  s.addFile('.gitmodules', 'x');
  s.readText = () => '[submodule "a"]\n\tpath = lib/a\n\t# oldpath = lib/b\n';
  assert.deepEqual(submodulePaths(s), ['lib/a']);
});

test('managers: session 12, every option a tool install is read with (no value, or one value), and the index folders and check words anchored', () => {
  // the options of each tool's install that read nothing local (its documentation): a flag is skipped, a value option
  // skips its value (as `--x v` and `--x=v`); the package after them is what is installed
  const installs: [string, string[], string[]][] = [
    ['npm install -g', ['-g', '--global', '-f', '--force', '-s', '--silent', '-q', '--quiet', '-d', '--verbose', '--no-fund', '--no-audit', '--unsafe-perm', '--ignore-scripts', '--no-update-notifier', '--no-progress', '--legacy-peer-deps', '--no-optional', '--prefer-online'], ['--loglevel', '--omit', '--registry']],
    ['yarn global add', ['--silent', '-s', '--non-interactive', '--ignore-engines', '--no-progress', '--verbose'], ['--network-timeout']],
    ['pip install', ['-U', '--upgrade', '--user', '-q', '--quiet', '-v', '--verbose', '--no-cache-dir', '--no-deps', '--pre', '--break-system-packages', '--disable-pip-version-check', '--force-reinstall', '-I', '--ignore-installed', '--compile', '--no-compile', '--no-warn-script-location', '--prefer-binary', '--no-build-isolation', '--use-pep517', '--no-input', '--isolated'],
      ['--root-user-action', '--progress-bar', '--trusted-host', '--timeout', '--retries', '--upgrade-strategy', '--only-binary', '--no-binary', '--platform', '--python-version', '--implementation', '--abi']],
    ['pipx install', ['-f', '--force', '--include-deps', '--verbose', '-q', '--quiet'], ['--python', '--suffix']],
    ['uv tool install', ['--force', '--upgrade', '-U', '-q', '--quiet', '-v', '--verbose', '--no-cache'], ['--python', '-p']],
    ['gem install', ['-N', '--no-document', '--no-ri', '--no-rdoc', '--conservative', '--minimal-deps', '--no-user-install', '--user-install', '-f', '--force', '-q', '--quiet', '--silent', '-V', '--verbose', '-E', '--env-shebang', '--no-format-executable', '--no-wrappers'], ['-v', '--version', '-n', '--bindir', '-i', '--install-dir', '--platform']],
    ['cargo install', ['--locked', '--frozen', '--offline', '-f', '--force', '-q', '--quiet', '-v', '--verbose', '--no-default-features', '--all-features', '--debug', '--no-track'], ['--version', '--vers', '-F', '--features', '-j', '--jobs', '--profile', '--bin', '--example', '--git', '--branch', '--tag', '--rev', '--registry', '--index', '--target-dir']],
    ['dotnet tool install -g', ['-g', '--global', '--prerelease', '--no-cache', '--ignore-failed-sources', '--interactive'], ['--tool-path', '--version', '-f', '--framework', '-a', '--arch', '-v', '--verbosity']],
    ['composer global require', ['-n', '--no-interaction', '--no-progress', '--prefer-dist', '--prefer-source', '--no-plugins', '--no-scripts', '--update-no-dev', '-W', '--with-all-dependencies', '-w', '--with-dependencies', '-o', '--optimize-autoloader', '-q', '--quiet', '--dev', '--no-update', '--ignore-platform-reqs', '-v', '-vv', '-vvv'], []],
  ];
  const t = (s: string) => matchToolInstall(cmd(s))?.packages ?? null;
  for (const [base, flags, values] of installs) {
    for (const f of flags) assert.deepEqual(t(`${base} ${f} acme`), ['acme'], `${base} ${f}`);
    for (const v of values) {
      assert.deepEqual(t(`${base} ${v} 1 acme`), ['acme'], `${base} ${v} 1`);
      if (v.startsWith('--')) assert.deepEqual(t(`${base} ${v}=1 acme`), ['acme'], `${base} ${v}=1`);
    }
  }
  // apk's index folder only at the root (a folder of another root filesystem is not this image's)
  assert.equal(packageIndexUse([cmd('apk update'), cmd('rm -rf /mnt/var/cache/apk/x')]).get('apk')?.leaves, 'fresh');
  assert.equal(packageIndexUse([cmd('apk update'), cmd('rm -rf /var/cache/apk/x')]).get('apk')?.leaves, 'removed');
  // the images with known env by their whole repository name; the non-root tags
  for (const ref of ['ruby-extra', 'team/composer', 'composer-x', 'team/rust', 'rust-x', 'gradle-x']) assert.deepEqual(imageDefaults(ref).env, {}, ref);
  assert.equal(imageDefaults('gcr.io/distroless/static:nonroot-amd64').rootByDefault, false);
  assert.equal(imageDefaults('myorg/app:nonroot').rootByDefault, false);
  // bundler's cache has no default folder: without GEM_HOME it is not known
  assert.ok('unknown' in resolveCacheDir(cacheSpecs('bundler')[0]!, new Map(), '/root'));
  // the index `apk add -U` refreshed is read by a later `apk add` in the same RUN; a clean's subcommand after a global flag
  assert.equal(packageIndexUse([cmd('apk add -U curl'), cmd('apk add git')]).get('apk')?.relies, false);
  assert.deepEqual(cleanedBy(cmd('yarn --silent cache clean')).managers, ['yarn']);
  // Composer's cache has no default folder either (COMPOSER_HOME or COMPOSER_CACHE_DIR tell it)
  assert.ok('unknown' in resolveCacheDir(cacheSpecs('composer')[0]!, new Map(), '/root'));
  // the check words are whole targets
  for (const [c, want] of [['make latest', false], ['make checkout', false], ['make check-all', true], ['make lint:go', true]] as const) assert.equal(isTreeCheck(cmd(c)), want, c);
});

test('managers: Maven goals and Gradle tasks are read whole: a plugin-prefixed goal, a subproject task path or a variant task is not a root-manifest install', () => {
  // a dependency-only install is moved above `COPY . .` with the root manifests alone (broad-copy-before-install):
  // `gradle :app:dependencies` also reads app/build.gradle, which that COPY does not bring, and
  // `mvn dependency:resolve-sources` is another goal than those listed; their cost class stays what it is
  for (const c of ['mvn dependency:resolve-sources', 'mvn compiler:compile', 'mvn -B x:package', 'gradle :app:dependencies', 'gradle :app:build', 'gradle assembleRelease', 'gradle buildNeeded', './gradlew app:resolveDependencies'])
    assert.equal(inst(c), null, c);
  // the listed goals and tasks themselves are
  for (const c of ['mvn dependency:go-offline', 'mvn -B package', 'gradle dependencies', 'gradle build', './gradlew --refresh-dependencies'])
    assert.notEqual(inst(c), null, c);
});
