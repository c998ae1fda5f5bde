// What the engine knows about package managers and other costly commands: which shell commands install
// dependencies from manifests, which files those manifests are, where each keeps its download cache, and how
// expensive a command is. Pure data + small matchers over parsed shell commands.
import { memoized } from '../memo';
import type { ShellCommand } from '../shell';

export interface InstallMatch {
  manager: string;
  /** Manifest / lock files the install reads (context-relative globs, root of the copied tree). */
  manifests: string[];
  /** The subset that must exist for the install to work at all (the fix copies only those that exist). */
  required: string[];
  /** True when the install also needs the project's own sources (e.g. `poetry install` without --no-root). */
  needsSources: boolean;
  /** Cache directories to mount (`$HOME` is replaced with the RUN's user home). */
  cacheTargets: string[];
  /** Env that points the tool at the cache dir, when the default differs between images. */
  command: ShellCommand;
}

const NPM_CACHE = ['$HOME/.npm'];

function hasFlag(words: string[], ...flags: string[]): boolean {
  return words.some((w) => flags.includes(w) || flags.some((f) => f.startsWith('--') && w.startsWith(f + '=')));
}

/** Positional words after the subcommand (options and their values skipped roughly). */
function positionals(words: string[], from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('-')) continue;
    out.push(w);
  }
  return out;
}

function tool(words: string[]): { name: string; rest: string[] } {
  let i = 0;
  // skip env assignments, sudo, and wrappers
  while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!) || ['sudo', 'env', 'exec', 'time', 'nice'].includes(words[i]!))) i++;
  const name = (words[i] ?? '').replace(/^.*\//, '');
  return { name, rest: words.slice(i + 1) };
}

/** pip's arguments, for `pip …` and `python -m pip …` (null: python running something else). */
function pipArgs(name: string, rest: string[]): string[] | null {
  if (!name.startsWith('python')) return rest;
  const mi = rest.indexOf('-m');
  return mi >= 0 && /^pip3?$/.test(rest[mi + 1] ?? '') ? rest.slice(mi + 2) : null;
}

const installs = new WeakMap<ShellCommand, InstallMatch | null>();

/**
 * Recognises dependency installs that read manifests from the build context. Memoised per command object (parsed
 * scripts are shared); callers must not mutate the result.
 */
export function matchInstall(cmd: ShellCommand): InstallMatch | null {
  return memoized(installs, cmd, computeInstall);
}

function computeInstall(cmd: ShellCommand): InstallMatch | null {
  const { name, rest } = tool(cmd.words);
  const sub = rest.find((w) => !w.startsWith('-')) ?? '';
  const subIdx = rest.indexOf(sub);
  const m = (manager: string, manifests: string[], required: string[], cacheTargets: string[], needsSources = false): InstallMatch => ({
    manager,
    manifests,
    required,
    cacheTargets,
    needsSources,
    command: cmd,
  });
  switch (name) {
    case 'npm':
      if (sub === 'ci' || sub === 'clean-install' || ((sub === 'install' || sub === 'i') && positionals(rest, subIdx + 1).length === 0 && !hasFlag(rest, '-g', '--global')))
        return m('npm', ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'], ['package.json'], NPM_CACHE);
      return null;
    case 'yarn':
      if ((sub === '' || sub === 'install') && positionals(rest, 0).filter((p) => p !== 'install').length === 0)
        return m('yarn', ['package.json', 'yarn.lock', '.yarnrc', '.yarnrc.yml', '.yarn/releases', '.yarn/plugins', '.yarn/patches'], ['package.json'], ['/usr/local/share/.cache/yarn', '$HOME/.yarn/berry/cache']);
      return null;
    case 'pnpm':
      if (((sub === 'install' || sub === 'i') && positionals(rest, subIdx + 1).length === 0) || sub === 'fetch')
        return m('pnpm', ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', '.pnpmfile.cjs'], sub === 'fetch' ? ['pnpm-lock.yaml'] : ['package.json'], ['$HOME/.local/share/pnpm/store', '/pnpm/store']);
      return null;
    case 'bun':
      if (sub === 'install' && positionals(rest, subIdx + 1).length === 0) return m('bun', ['package.json', 'bun.lockb', 'bun.lock', 'bunfig.toml'], ['package.json'], ['$HOME/.bun/install/cache']);
      return null;
    case 'pip':
    case 'pip3':
    case 'python':
    case 'python3': {
      const args = pipArgs(name, rest);
      if (!args || args.find((w) => !w.startsWith('-')) !== 'install') return null;
      const files: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const w = args[i]!;
        if ((w === '-r' || w === '--requirement' || w === '-c' || w === '--constraint') && args[i + 1]) files.push(args[i + 1]!);
        else if (/^(-r|--requirement=|-c|--constraint=)./.test(w)) files.push(w.replace(/^(-r|--requirement=|-c|--constraint=)/, ''));
      }
      if (!files.length) return null;
      // `-e .`, `.` or a local path installs the project itself: it needs the sources
      const local = args.some((w, i) => w === '-e' || w === '--editable' || ((w === '.' || w.startsWith('./') || w.startsWith('/')) && !['-r', '--requirement', '-c', '--constraint'].includes(args[i - 1] ?? '')));
      return m('pip', files, files, ['$HOME/.cache/pip'], local);
    }
    case 'poetry':
      if (sub === 'install') return m('poetry', ['pyproject.toml', 'poetry.lock', 'poetry.toml'], ['pyproject.toml'], ['$HOME/.cache/pypoetry'], !hasFlag(rest, '--no-root', '--only-root') );
      return null;
    case 'uv':
      if (sub === 'sync') return m('uv', ['pyproject.toml', 'uv.lock', '.python-version'], ['pyproject.toml'], ['$HOME/.cache/uv'], !hasFlag(rest, '--no-install-project', '--no-install-workspace'));
      if (sub === 'pip' && rest[subIdx + 1] === 'install') {
        const files: string[] = [];
        for (let i = 0; i < rest.length; i++) if ((rest[i] === '-r' || rest[i] === '--requirement') && rest[i + 1]) files.push(rest[i + 1]!);
        return files.length ? m('uv', files, files, ['$HOME/.cache/uv']) : null;
      }
      return null;
    case 'pipenv':
      if (sub === 'install' && positionals(rest, subIdx + 1).length === 0) return m('pipenv', ['Pipfile', 'Pipfile.lock'], ['Pipfile'], ['$HOME/.cache/pipenv', '$HOME/.cache/pip']);
      return null;
    case 'go':
      if (sub === 'mod' && rest[subIdx + 1] === 'download') return m('go', ['go.mod', 'go.sum', 'go.work', 'go.work.sum'], ['go.mod'], ['/go/pkg/mod', '$HOME/go/pkg/mod']);
      return null;
    case 'cargo':
      if (sub === 'fetch') return m('cargo', ['Cargo.toml', 'Cargo.lock', '.cargo/config.toml'], ['Cargo.toml'], ['/usr/local/cargo/registry', '$HOME/.cargo/registry']);
      if (sub === 'build' || sub === 'install') return m('cargo', ['Cargo.toml', 'Cargo.lock'], ['Cargo.toml'], ['/usr/local/cargo/registry', '$HOME/.cargo/registry'], true);
      return null;
    case 'mvn':
    case 'mvnw':
      if (rest.some((w) => /^dependency:(go-offline|resolve|resolve-plugins)$/.test(w))) return m('maven', ['pom.xml', '.mvn', 'mvnw'], ['pom.xml'], ['$HOME/.m2']);
      if (rest.some((w) => /^(package|install|verify|compile)$/.test(w))) return m('maven', ['pom.xml', '.mvn', 'mvnw'], ['pom.xml'], ['$HOME/.m2'], true);
      return null;
    case 'gradle':
    case 'gradlew':
      if (rest.some((w) => /^(dependencies|--refresh-dependencies|resolveDependencies)$/.test(w)))
        return m('gradle', ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'gradle.properties', 'gradle', 'gradlew'], [], ['$HOME/.gradle']);
      if (rest.some((w) => /^(build|assemble|bootJar|jar|installDist|shadowJar)$/.test(w)))
        return m('gradle', ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts', 'gradle.properties', 'gradle', 'gradlew'], [], ['$HOME/.gradle'], true);
      return null;
    case 'bundle':
    case 'bundler':
      if (sub === '' || sub === 'install') return m('bundler', ['Gemfile', 'Gemfile.lock', '*.gemspec', '.bundle'], ['Gemfile'], ['/usr/local/bundle/cache', '$HOME/.bundle/cache']);
      return null;
    case 'composer':
    case 'composer.phar':
      if (sub === 'install') return m('composer', ['composer.json', 'composer.lock', 'auth.json'], ['composer.json'], ['$HOME/.composer/cache', '/tmp/cache'], !hasFlag(rest, '--no-scripts') && !hasFlag(rest, '--no-autoloader'));
      return null;
    case 'dotnet':
      if (sub === 'restore') return m('dotnet', ['*.sln', '*.csproj', '*.fsproj', '*.vbproj', 'NuGet.config', 'nuget.config', 'Directory.Build.props', 'Directory.Packages.props', 'global.json'], [], ['$HOME/.nuget/packages']);
      return null;
    case 'mix':
      if (sub === 'deps.get') return m('mix', ['mix.exs', 'mix.lock', 'config'], ['mix.exs'], ['$HOME/.hex', '$HOME/.mix']);
      return null;
    default:
      return null;
  }
}

/** OS package managers: installs, index updates, and their cache dirs. */
export interface OsPackageMatch {
  manager: 'apt' | 'apk' | 'dnf' | 'yum' | 'zypper' | 'microdnf';
  kind: 'update' | 'install' | 'clean' | 'other';
  command: ShellCommand;
}

const osPackages = new WeakMap<ShellCommand, OsPackageMatch | null>();

/** Memoised per command object, like matchInstall. */
export function matchOsPackage(cmd: ShellCommand): OsPackageMatch | null {
  return memoized(osPackages, cmd, computeOsPackage);
}

function computeOsPackage(cmd: ShellCommand): OsPackageMatch | null {
  const { name, rest } = tool(cmd.words);
  const sub = rest.find((w) => !w.startsWith('-')) ?? '';
  const r = (manager: OsPackageMatch['manager'], kind: OsPackageMatch['kind']): OsPackageMatch => ({ manager, kind, command: cmd });
  switch (name) {
    case 'apt-get':
    case 'apt':
    case 'aptitude':
      if (sub === 'update') return r('apt', 'update');
      if (['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'build-dep', 'reinstall'].includes(sub)) return r('apt', 'install');
      if (['clean', 'autoclean', 'autoremove', 'purge', 'remove'].includes(sub)) return r('apt', 'clean');
      return r('apt', 'other');
    case 'apk':
      if (sub === 'update') return r('apk', 'update');
      if (sub === 'add' || sub === 'upgrade') return r('apk', 'install');
      if (sub === 'cache' || sub === 'del') return r('apk', 'clean');
      return r('apk', 'other');
    case 'dnf':
    case 'yum':
    case 'microdnf':
      if (sub === 'makecache' || sub === 'check-update') return r(name, 'update');
      if (['install', 'upgrade', 'update', 'groupinstall', 'reinstall', 'builddep'].includes(sub)) return r(name, 'install');
      if (sub === 'clean' || sub === 'remove' || sub === 'autoremove') return r(name, 'clean');
      return r(name, 'other');
    case 'zypper':
      if (sub === 'refresh' || sub === 'ref') return r('zypper', 'update');
      if (['install', 'in', 'update', 'up', 'dist-upgrade', 'dup'].includes(sub)) return r('zypper', 'install');
      if (sub === 'clean' || sub === 'cc') return r('zypper', 'clean');
      return r('zypper', 'other');
    default:
      return null;
  }
}

export type CostClass = 'metadata' | 'copy' | 'install' | 'download' | 'compile' | 'test' | 'command';

const COMPILERS = new Set(['make', 'cmake', 'ninja', 'gcc', 'g++', 'cc', 'clang', 'rustc', 'javac', 'tsc', 'webpack', 'vite', 'esbuild', 'msbuild']);

/** Rough cost class of one shell command. */
export function commandCost(cmd: ShellCommand): CostClass {
  const { name, rest } = tool(cmd.words);
  const sub = rest.find((w) => !w.startsWith('-')) ?? '';
  if (matchInstall(cmd)) {
    if (['cargo', 'maven', 'gradle'].includes(matchInstall(cmd)!.manager) && matchInstall(cmd)!.needsSources) return 'compile';
    return 'install';
  }
  const os = matchOsPackage(cmd);
  if (os && (os.kind === 'install' || os.kind === 'update')) return 'install';
  if (['curl', 'wget', 'git'].includes(name) && (name !== 'git' || sub === 'clone' || sub === 'fetch' || sub === 'pull')) return 'download';
  if (COMPILERS.has(name) || (name === 'go' && (sub === 'build' || sub === 'install')) || (name === 'cargo' && sub === 'build') || (name === 'dotnet' && (sub === 'build' || sub === 'publish'))) return 'compile';
  if (['npm', 'yarn', 'pnpm', 'bun'].includes(name) && (sub === 'run' || sub === 'build') && /build|compile/.test(rest.join(' '))) return 'compile';
  if (['pytest', 'jest', 'vitest'].includes(name) || (['npm', 'yarn', 'pnpm', 'go', 'cargo', 'dotnet', 'mvn'].includes(name) && sub === 'test')) return 'test';
  if (['pip', 'pip3', 'gem', 'npm', 'pnpm', 'yarn', 'conda', 'mamba', 'apk', 'apt-get', 'cpanm', 'pecl', 'composer'].includes(name) && /install|add/.test(sub)) return 'install';
  return 'command';
}

const COST_ORDER: CostClass[] = ['metadata', 'copy', 'command', 'test', 'download', 'install', 'compile'];
export function maxCost(a: CostClass, b: CostClass): CostClass {
  return COST_ORDER.indexOf(a) >= COST_ORDER.indexOf(b) ? a : b;
}
export function isCostly(c: CostClass): boolean {
  return c === 'install' || c === 'download' || c === 'compile';
}

// ---------------------------------------------------------------------------------------------------------------------
// Package indexes (apt-update-alone): which commands refresh the OS package index on disk, which installs read the
// index already there, and which fetch their own (`apk add --no-cache`, dnf/yum/zypper refreshing expired metadata).

export type IndexManager = OsPackageMatch['manager'];

export interface IndexUse {
  /** An install reads the index already on disk: nothing earlier in the same RUN refreshed it (or may have). */
  relies: boolean;
  /** The RUN refreshes the index (apt-get update, apk update, apk add -U, dnf makecache, …). */
  refreshes: boolean;
  /** The RUN installs packages with this manager. */
  installs: boolean;
  /** What the RUN leaves on disk for later RUNs: a fresh index, no index (removed), or what was there before. */
  leaves: 'fresh' | 'removed' | 'unchanged';
}

/** Commands that neither refresh a package index nor run arbitrary code that might (scripts, shells, interpreters). */
const INDEX_NEUTRAL = new Set([
  'echo', 'printf', 'mkdir', 'rm', 'ln', 'chmod', 'chown', 'cd', 'export', 'set', 'true', 'false', 'sed', 'tee', 'cp',
  'mv', 'touch', 'test', '[', 'curl', 'wget', 'gpg', 'apt-key', 'dpkg', 'debconf-set-selections', 'install', 'cat',
  'grep', 'mktemp', 'ls', 'dpkg-reconfigure', 'locale-gen', 'update-ca-certificates', 'useradd', 'groupadd', 'adduser',
  'addgroup', 'usermod', 'tar', 'unzip', 'gzip', 'sha256sum', 'ldconfig', 'update-alternatives', 'find', 'xargs',
]);

/** Where each manager keeps the index it refreshed: removing it leaves later installs nothing to rely on. */
const INDEX_DIRS: [IndexManager, RegExp][] = [
  ['apt', /^\/var\/lib\/apt\/lists(\/|$)/],
  ['apk', /^\/var\/cache\/apk(\/|$)/],
];

const indexUses = new WeakMap<ShellCommand[], Map<IndexManager, IndexUse>>();

/**
 * What a RUN's commands (in order) do with each OS package manager's index. Memoised per command list (parsed
 * scripts are shared); callers must not mutate the result.
 */
export function packageIndexUse(commands: ShellCommand[]): Map<IndexManager, IndexUse> {
  return memoized(indexUses, commands, computeIndexUse);
}

function computeIndexUse(commands: ShellCommand[]): Map<IndexManager, IndexUse> {
  const out = new Map<IndexManager, IndexUse>();
  const use = (m: IndexManager): IndexUse => {
    let u = out.get(m);
    if (!u) out.set(m, (u = { relies: false, refreshes: false, installs: false, leaves: 'unchanged' }));
    return u;
  };
  const fresh = new Set<IndexManager>();
  let opaque = false; // something ran that may have refreshed an index itself (a script, a setup pipe)
  for (const c of commands) {
    const { name, rest } = tool(c.words);
    const os = matchOsPackage(c);
    if (os) {
      const u = use(os.manager);
      const selfFetching = os.manager !== 'apt' && os.manager !== 'apk';
      if (os.manager === 'apk' && os.kind === 'install') {
        const noCache = hasFlag(rest, '--no-cache');
        const update = hasFlag(rest, '-U', '--update', '--update-cache');
        u.installs = true;
        if (update && !noCache) {
          u.refreshes = true;
          u.leaves = 'fresh';
          fresh.add('apk');
        } else if (!noCache && !update && !fresh.has('apk') && !opaque) u.relies = true;
        continue;
      }
      if (os.kind === 'update') {
        u.refreshes = true;
        u.leaves = 'fresh';
        fresh.add(os.manager);
      } else if (os.kind === 'install') {
        u.installs = true;
        if (!selfFetching && !fresh.has(os.manager) && !opaque) u.relies = true;
      } else if (os.kind === 'clean' && selfFetching && rest.includes('all')) {
        u.leaves = 'removed';
        fresh.delete(os.manager);
      }
      continue;
    }
    if (name === 'rm') {
      for (const [m, dir] of INDEX_DIRS) if (rest.some((w) => dir.test(w))) {
        use(m).leaves = 'removed';
        fresh.delete(m);
      }
      continue;
    }
    if (name === 'add-apt-repository') {
      if (!hasFlag(rest, '-n', '--no-update')) {
        const u = use('apt');
        u.refreshes = true;
        u.leaves = 'fresh';
        fresh.add('apt');
      }
      continue;
    }
    if (name !== '' && !INDEX_NEUTRAL.has(name)) opaque = true;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Checks over the whole tree (cache-bust-pattern): linters, validators, formatters in check mode, test runners and
// generators. Run over a whole-context copy or bind mount, they are meant to rerun whenever anything changes.

const TREE_CHECK_TOOLS = new Set([
  'golangci-lint', 'eslint', 'prettier', 'hadolint', 'shellcheck', 'ruff', 'flake8', 'pylint', 'mypy', 'black', 'isort',
  'yamllint', 'markdownlint', 'markdownlint-cli2', 'buf', 'gofmt', 'goimports', 'staticcheck', 'revive', 'tflint',
  'pytest', 'tox', 'nox', 'jest', 'vitest', 'mocha', 'gotestsum', 'codespell', 'typos', 'addlicense', 'misspell',
  'actionlint', 'checkov', 'trivy', 'license-eye', 'docsgen', 'protolint', 'clang-format', 'cppcheck', 'rubocop',
  'phpstan', 'phpcs', 'php-cs-fixer', 'swiftlint', 'ktlint', 'detekt', 'mix',
]);
const TREE_CHECK_WORDS = /^(lint|lint:.*|vet|validate|validate-.*|check|check-.*|verify|verify-.*|test|tests|fmt|format|fmt-check|generate|gen|generated-files|codegen|docs|clippy|audit)$/;

/** A command that checks, tests or generates from the source tree rather than building something from it. */
export function isTreeCheck(cmd: ShellCommand): boolean {
  const { name, rest } = tool(cmd.words);
  if (TREE_CHECK_TOOLS.has(name)) return name !== 'mix' || rest[0] === 'format' || rest[0] === 'credo' || rest[0] === 'test';
  if (name === 'git') return rest.includes('diff') && (rest.includes('--exit-code') || rest.includes('--quiet'));
  const sub = rest.find((w) => !w.startsWith('-')) ?? '';
  if (['go', 'cargo', 'dotnet', 'npm', 'yarn', 'pnpm', 'bun', 'make', 'just', 'task', 'mage', 'gradle', 'gradlew', 'mvn', 'mvnw'].includes(name)) {
    const target = ['npm', 'yarn', 'pnpm', 'bun'].includes(name) && sub === 'run' ? (rest.filter((w) => !w.startsWith('-'))[1] ?? '') : sub;
    return TREE_CHECK_WORDS.test(target) || (name === 'dotnet' && target === 'format');
  }
  // a repository's own check scripts: hack/validate/…, scripts/lint.sh, ./validate-vendor
  return /(^|\/)(hack|scripts?|ci)\/(validate|lint|check|verify|test|generate)[\w.-]*$|(^|\/)(validate|lint|verify)[\w.-]*\.sh$/.test(cmd.words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '');
}

// ---------------------------------------------------------------------------------------------------------------------
// Installs the manifest matcher above does not see (broad-copy-before-install): named tools from a registry, which read
// nothing from the build context, and builds that restore dependencies implicitly.

export interface ToolInstall {
  manager: string;
  /** What is installed, as written. */
  packages: string[];
  command: ShellCommand;
}

/** A package word that names something in the registry, not a local file, folder, URL or requirements list. */
function registryName(w: string): boolean {
  return !/^(\.|\/|~|file:|git\+|https?:|\$)/.test(w) && !/\.(whl|tar\.gz|tgz|zip|gem|nupkg)$/.test(w);
}

const toolInstalls = new WeakMap<ShellCommand, ToolInstall | null>();

/**
 * `npm install -g x`, `yarn global add x`, `pnpm add -g x`, `pip install poetry`, `pipx install x`, `uv tool install x`,
 * `gem install bundler`, `cargo install x`, `go install x@v1`, `dotnet tool install -g x`, `composer global require x`:
 * installs of named packages that read nothing from the build context. Memoised per command object.
 */
export function matchToolInstall(cmd: ShellCommand): ToolInstall | null {
  return memoized(toolInstalls, cmd, computeToolInstall);
}

function computeToolInstall(cmd: ShellCommand): ToolInstall | null {
  if (matchInstall(cmd)) return null;
  const { name, rest } = tool(cmd.words);
  const pos = rest.filter((w) => !w.startsWith('-'));
  const sub = pos[0] ?? '';
  const named = (words: string[], manager: string): ToolInstall | null =>
    words.length && words.every(registryName) && !hasFlag(rest, '--prefix', '--target', '-t', '--root', '--path', '-r', '--requirement', '-e', '--editable', '-c', '--constraint')
      ? { manager, packages: words, command: cmd }
      : null;
  switch (name) {
    case 'npm':
      return (sub === 'install' || sub === 'i' || sub === 'add') && hasFlag(rest, '-g', '--global') ? named(pos.slice(1), 'npm') : null;
    case 'yarn':
      return sub === 'global' && pos[1] === 'add' ? named(pos.slice(2), 'yarn') : null;
    case 'pnpm':
    case 'bun':
      return (sub === 'add' || sub === 'install' || sub === 'i') && hasFlag(rest, '-g', '--global') ? named(pos.slice(1), name) : null;
    case 'pip':
    case 'pip3':
    case 'python':
    case 'python3': {
      const p = (pipArgs(name, rest) ?? []).filter((w) => !w.startsWith('-'));
      return p[0] === 'install' ? named(p.slice(1), 'pip') : null;
    }
    case 'pipx':
      return sub === 'install' ? named(pos.slice(1), 'pipx') : null;
    case 'uv':
      return sub === 'tool' && pos[1] === 'install' ? named(pos.slice(2), 'uv') : null;
    case 'gem':
      return sub === 'install' ? named(pos.slice(1), 'gem') : null;
    case 'cargo':
      return sub === 'install' && !hasFlag(rest, '--path') ? named(pos.slice(1), 'cargo') : null;
    case 'go':
      return sub === 'install' && pos.length > 1 && pos.slice(1).every((w) => w.includes('@') && !w.startsWith('.')) ? { manager: 'go', packages: pos.slice(1), command: cmd } : null;
    case 'dotnet':
      return sub === 'tool' && pos[1] === 'install' && hasFlag(rest, '-g', '--global', '--tool-path') ? named(pos.slice(2), 'dotnet') : null;
    case 'composer':
      return sub === 'global' && pos[1] === 'require' ? named(pos.slice(2), 'composer') : null;
    default:
      return null;
  }
}

const DOTNET_MANIFESTS = ['*.sln', '*.slnx', '*.csproj', '*.fsproj', '*.vbproj', 'NuGet.config', 'nuget.config', 'Directory.Build.props', 'Directory.Packages.props', 'global.json'];

const restores = new WeakMap<ShellCommand, InstallMatch | null>();

/**
 * A build that restores its dependencies first unless told not to: `dotnet build|publish|test|pack|run` without
 * `--no-restore` downloads every NuGet package the project files name. Memoised per command object.
 */
export function matchImplicitRestore(cmd: ShellCommand): InstallMatch | null {
  return memoized(restores, cmd, (c) => {
    const { name, rest } = tool(c.words);
    const sub = rest.find((w) => !w.startsWith('-')) ?? '';
    if (name !== 'dotnet' || !['build', 'publish', 'test', 'pack', 'run'].includes(sub) || hasFlag(rest, '--no-restore')) return null;
    return { manager: 'dotnet', manifests: DOTNET_MANIFESTS, required: [], needsSources: true, cacheTargets: [], command: c };
  });
}
