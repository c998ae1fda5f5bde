// What the engine knows about package managers and other costly commands: which shell commands install
// dependencies from manifests, which files those manifests are, where each keeps its download cache, and how
// expensive a command is. Pure data + small matchers over parsed shell commands.
import { memoized } from '../memo';
import { resolvePath } from '../model';
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

/**
 * Flags that make a command without a subcommand print and exit (`yarn --version`, `bundle -v`): for the tools whose
 * bare command is an install (yarn, bundle), without a subcommand they are not one.
 */
const PRINTS_AND_EXITS = ['--version', '-v', '--help', '-h'];

function computeInstall(cmd: ShellCommand): InstallMatch | null {
  const { name, rest } = tool(cmd.words);
  const sub = rest.find((w) => !w.startsWith('-')) ?? '';
  if (sub === '' && hasFlag(rest, ...PRINTS_AND_EXITS)) return null;
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
      // `cargo install <crate>` builds a crate from the registry (a tool install); `--path` builds the context's
      if (sub === 'build' || (sub === 'install' && hasFlag(rest, '--path'))) return m('cargo', ['Cargo.toml', 'Cargo.lock'], ['Cargo.toml'], ['/usr/local/cargo/registry', '$HOME/.cargo/registry'], true);
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
  if (COMPILERS.has(name) || (name === 'go' && (sub === 'build' || sub === 'install')) || (name === 'cargo' && (sub === 'build' || sub === 'install')) || (name === 'dotnet' && (sub === 'build' || sub === 'publish'))) return 'compile';
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
  // a repository's own check scripts: hack/validate/…, scripts/lint.sh, ./validate-vendor (a folder of them too:
  // moby's hack/validate/vendor)
  return /(^|\/)(hack|scripts?|ci)\/(validate|lint|check|verify|test|generate)[\w.-]*(\/[\w./-]*)?$|(^|\/)(validate|lint|verify)[\w.-]*\.sh$/.test(cmd.words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '');
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

/**
 * The options each tool install is read with: `flags` take no value, `values` take one (as `--x v` or `--x=v`) that
 * names no file of the build context (a version, a registry address, a folder written to). Any other option, or one
 * that may read local files (`pip install -f ./wheels`, `--add-source ./nupkgs`, `gem install -g Gemfile`), makes the
 * command no tool install: its words cannot be told apart from the packages, nor its reads known.
 */
const TOOL_OPTIONS: Record<string, { flags: string[]; values: string[] }> = {
  npm: { flags: ['-g', '--global', '-f', '--force', '-s', '--silent', '-q', '--quiet', '-d', '--verbose', '--no-fund', '--no-audit', '--unsafe-perm', '--ignore-scripts', '--no-update-notifier', '--no-progress', '--legacy-peer-deps', '--no-optional', '--prefer-online'], values: ['--loglevel', '--omit', '--registry'] },
  yarn: { flags: ['--silent', '-s', '--non-interactive', '--ignore-engines', '--no-progress', '--verbose'], values: ['--network-timeout'] },
  pip: {
    flags: ['-U', '--upgrade', '--user', '-q', '--quiet', '-v', '--verbose', '--no-cache-dir', '--no-deps', '--pre', '--break-system-packages', '--disable-pip-version-check', '--force-reinstall', '-I', '--ignore-installed', '--compile', '--no-compile', '--no-warn-script-location', '--prefer-binary', '--no-build-isolation', '--use-pep517', '--no-input', '--isolated'],
    values: ['--root-user-action', '--progress-bar', '--trusted-host', '--timeout', '--retries', '--upgrade-strategy', '--only-binary', '--no-binary', '--platform', '--python-version', '--implementation', '--abi'],
  },
  pipx: { flags: ['-f', '--force', '--include-deps', '--verbose', '-q', '--quiet'], values: ['--python', '--suffix'] },
  uv: { flags: ['--force', '--upgrade', '-U', '-q', '--quiet', '-v', '--verbose', '--no-cache'], values: ['--python', '-p'] },
  gem: { flags: ['-N', '--no-document', '--no-ri', '--no-rdoc', '--conservative', '--minimal-deps', '--no-user-install', '--user-install', '-f', '--force', '-q', '--quiet', '--silent', '-V', '--verbose', '-E', '--env-shebang', '--no-format-executable', '--no-wrappers'], values: ['-v', '--version', '-n', '--bindir', '-i', '--install-dir', '--platform'] },
  cargo: { flags: ['--locked', '--frozen', '--offline', '-f', '--force', '-q', '--quiet', '-v', '--verbose', '--no-default-features', '--all-features', '--debug', '--no-track'], values: ['--version', '--vers', '-F', '--features', '-j', '--jobs', '--profile', '--bin', '--example', '--git', '--branch', '--tag', '--rev', '--registry', '--index', '--target-dir'] },
  dotnet: { flags: ['-g', '--global', '--prerelease', '--no-cache', '--ignore-failed-sources', '--interactive'], values: ['--tool-path', '--version', '-f', '--framework', '-a', '--arch', '-v', '--verbosity'] },
  composer: { flags: ['-n', '--no-interaction', '--no-progress', '--prefer-dist', '--prefer-source', '--no-plugins', '--no-scripts', '--update-no-dev', '-W', '--with-all-dependencies', '-w', '--with-dependencies', '-o', '--optimize-autoloader', '-q', '--quiet', '--dev', '--no-update', '--ignore-platform-reqs', '-v', '-vv', '-vvv'], values: [] },
};

/** The positional words of a tool install read with its manager's options (TOOL_OPTIONS), or null for an option it does not know. */
function toolPositionals(manager: string, words: string[]): string[] | null {
  const known = TOOL_OPTIONS[manager]!;
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('-') || w === '-') {
      out.push(w);
      continue;
    }
    const eq = w.startsWith('--') ? w.indexOf('=') : -1;
    const flag = eq > 0 ? w.slice(0, eq) : w;
    if (known.values.includes(flag)) {
      if (eq < 0) i++;
    } else if (eq > 0 || !known.flags.includes(flag)) return null;
  }
  return out;
}

function computeToolInstall(cmd: ShellCommand): ToolInstall | null {
  if (matchInstall(cmd)) return null;
  const { name, rest } = tool(cmd.words);
  const manager = ['pip3', 'python', 'python3'].includes(name) ? 'pip' : name === 'bun' || name === 'pnpm' ? 'npm' : name;
  if (manager === 'go') {
    const pos = rest.filter((w) => !w.startsWith('-'));
    return pos[0] === 'install' && pos.length > 1 && pos.slice(1).every((w) => w.includes('@') && !w.startsWith('.')) ? { manager: 'go', packages: pos.slice(1), command: cmd } : null;
  }
  if (!TOOL_OPTIONS[manager]) return null;
  const args = manager === 'pip' ? pipArgs(name, rest) : rest;
  const pos = args && toolPositionals(manager, args);
  if (!pos) return null;
  const global = hasFlag(rest, '-g', '--global');
  const sub = pos[0] ?? '';
  const named = (words: string[]): ToolInstall | null => (words.length && words.every(registryName) ? { manager: name === 'bun' || name === 'pnpm' ? name : manager, packages: words, command: cmd } : null);
  switch (manager) {
    case 'npm':
      return (sub === 'install' || sub === 'i' || sub === 'add') && global ? named(pos.slice(1)) : null;
    case 'yarn':
      return sub === 'global' && pos[1] === 'add' ? named(pos.slice(2)) : null;
    case 'pip':
    case 'pipx':
    case 'gem':
    case 'cargo':
      return sub === 'install' ? named(pos.slice(1)) : null;
    case 'uv':
      return sub === 'tool' && pos[1] === 'install' ? named(pos.slice(2)) : null;
    case 'dotnet':
      return sub === 'tool' && pos[1] === 'install' && hasFlag(rest, '-g', '--global', '--tool-path') ? named(pos.slice(2)) : null;
    case 'composer':
      return sub === 'global' && pos[1] === 'require' ? named(pos.slice(2)) : null;
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

// ---------------------------------------------------------------------------------------------------------------
// Cache directories and package stores (missing-cache-mount, engine/fixsafety.ts)
//
// Where each manager keeps what it downloads, what moves it (env), and whether the directory is a pure download cache
// (the result of the install lives elsewhere: node_modules, site-packages, /usr; a cache mount there is safe) or a
// package store that later steps — or the final image — read (~/.m2/repository, ~/.nuget/packages, GOMODCACHE, the
// cargo registry, apt's package index: a mount hides it from every step that does not mount it too).

export type CacheKind = 'download' | 'store';

export interface CacheDirSpec {
  manager: string;
  /** What the directory holds, for messages. */
  what: string;
  kind: CacheKind;
  /** Env that moves the directory, in precedence order: value + suffix (first path of a list such as GOPATH). */
  env: { name: string; suffix: string }[];
  /** Default, `~` = the home of the RUN's user; a function when it depends on the user (yarn as root). */
  dflt: string | ((home: string) => string);
  /** Env whose (non-empty, not false/0) value turns the cache off: nothing to mount. */
  off?: string[];
  /** A mount target other than the dir itself (apt wants sharing=locked: concurrent apt runs corrupt the cache). */
  sharing?: 'locked';
}

const XDG = (suffix: string) => ({ name: 'XDG_CACHE_HOME', suffix });
const SPECS: Record<string, CacheDirSpec[]> = {
  npm: [{ manager: 'npm', what: 'npm download cache', kind: 'download', env: [{ name: 'npm_config_cache', suffix: '' }, { name: 'NPM_CONFIG_CACHE', suffix: '' }], dflt: '~/.npm' }],
  yarn: [{ manager: 'yarn', what: 'yarn (v1) download cache', kind: 'download', env: [{ name: 'YARN_CACHE_FOLDER', suffix: '' }], dflt: (h) => (h === '/root' ? '/usr/local/share/.cache/yarn' : h + '/.cache/yarn') }],
  pnpm: [{ manager: 'pnpm', what: 'pnpm content store', kind: 'store', env: [{ name: 'npm_config_store_dir', suffix: '' }, { name: 'PNPM_HOME', suffix: '/store' }, { name: 'XDG_DATA_HOME', suffix: '/pnpm/store' }], dflt: '~/.local/share/pnpm/store' }],
  bun: [{ manager: 'bun', what: 'bun download cache', kind: 'download', env: [{ name: 'BUN_INSTALL_CACHE_DIR', suffix: '' }, { name: 'BUN_INSTALL', suffix: '/install/cache' }], dflt: '~/.bun/install/cache' }],
  pip: [{ manager: 'pip', what: 'pip download cache', kind: 'download', env: [{ name: 'PIP_CACHE_DIR', suffix: '' }, XDG('/pip')], dflt: '~/.cache/pip', off: ['PIP_NO_CACHE_DIR'] }],
  uv: [{ manager: 'uv', what: 'uv cache', kind: 'download', env: [{ name: 'UV_CACHE_DIR', suffix: '' }, XDG('/uv')], dflt: '~/.cache/uv', off: ['UV_NO_CACHE'] }],
  poetry: [{ manager: 'poetry', what: 'poetry cache', kind: 'download', env: [{ name: 'POETRY_CACHE_DIR', suffix: '' }, XDG('/pypoetry')], dflt: '~/.cache/pypoetry' }],
  pipenv: [{ manager: 'pipenv', what: 'pipenv cache', kind: 'download', env: [{ name: 'PIPENV_CACHE_DIR', suffix: '' }, XDG('/pipenv')], dflt: '~/.cache/pipenv' }],
  go: [{ manager: 'go', what: 'Go module cache', kind: 'store', env: [{ name: 'GOMODCACHE', suffix: '' }, { name: 'GOPATH', suffix: '/pkg/mod' }], dflt: '~/go/pkg/mod' }],
  'go-build': [{ manager: 'go-build', what: 'Go build cache', kind: 'download', env: [{ name: 'GOCACHE', suffix: '' }, XDG('/go-build')], dflt: '~/.cache/go-build' }],
  cargo: [{ manager: 'cargo', what: 'cargo registry', kind: 'store', env: [{ name: 'CARGO_HOME', suffix: '/registry' }], dflt: '~/.cargo/registry' }],
  maven: [{ manager: 'maven', what: 'Maven local repository', kind: 'store', env: [], dflt: '~/.m2/repository' }],
  gradle: [{ manager: 'gradle', what: 'Gradle caches', kind: 'store', env: [{ name: 'GRADLE_USER_HOME', suffix: '/caches' }], dflt: '~/.gradle/caches' }],
  bundler: [{ manager: 'bundler', what: 'RubyGems download cache', kind: 'download', env: [{ name: 'GEM_HOME', suffix: '/cache' }], dflt: '' }],
  composer: [{ manager: 'composer', what: 'Composer cache', kind: 'download', env: [{ name: 'COMPOSER_CACHE_DIR', suffix: '' }, { name: 'COMPOSER_HOME', suffix: '/cache' }], dflt: '' }],
  dotnet: [{ manager: 'dotnet', what: 'NuGet packages folder', kind: 'store', env: [{ name: 'NUGET_PACKAGES', suffix: '' }], dflt: '~/.nuget/packages' }],
  mix: [{ manager: 'mix', what: 'Hex package cache', kind: 'download', env: [{ name: 'HEX_HOME', suffix: '/packages' }], dflt: '~/.hex/packages' }],
  apt: [
    { manager: 'apt', what: 'apt package archives', kind: 'download', env: [], dflt: '/var/cache/apt', sharing: 'locked' },
    { manager: 'apt', what: 'apt package index', kind: 'store', env: [], dflt: '/var/lib/apt/lists', sharing: 'locked' },
  ],
};

/** The cache directories of a manager (`go-build` for the Go build cache, `apt` for apt). */
export function cacheSpecs(manager: string): CacheDirSpec[] {
  return SPECS[manager] ?? [];
}

/**
 * Env that official base images set and a Dockerfile inherits without saying so (docker-library images). Matched on
 * the image's repository name (any registry prefix, any tag).
 */
const IMAGE_ENV: [RegExp, Record<string, string>][] = [
  [/^(library\/)?golang$/, { GOPATH: '/go' }],
  [/^(library\/)?ruby$/, { GEM_HOME: '/usr/local/bundle', BUNDLE_APP_CONFIG: '/usr/local/bundle' }],
  [/^(library\/)?composer$/, { COMPOSER_HOME: '/tmp' }],
  [/^(library\/)?rust$/, { CARGO_HOME: '/usr/local/cargo', RUSTUP_HOME: '/usr/local/rustup' }],
  [/^(library\/)?gradle$/, { GRADLE_USER_HOME: '/home/gradle/.gradle' }],
];

/** Images whose default user is not root (the RUN's home is then not known). */
const NON_ROOT_IMAGES = /^(cgr\.dev\/|bitnami\/|jenkins\/|gcr\.io\/distroless\/.*:(.*-)?nonroot|.*:nonroot$)/;

function imageRepo(ref: string): string {
  // the model writes a FROM --platform as `ref (platform)`
  const noDigest = ref.replace(/\s.*$/, '').split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  let repo = colon < 0 ? noDigest : noDigest.slice(0, colon);
  // any registry host (a first part with a dot, a port or localhost): registry.docker.com/library/ruby is ruby
  const parts = repo.split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) parts.shift();
  return parts.join('/').toLowerCase();
}

/** What a base image reference implies: env it sets, and whether its default user is root (null = unknown). */
export function imageDefaults(ref: string): { env: Record<string, string>; rootByDefault: boolean } {
  const repo = imageRepo(ref);
  const env: Record<string, string> = {};
  for (const [re, e] of IMAGE_ENV) if (re.test(repo)) Object.assign(env, e);
  return { env, rootByDefault: !NON_ROOT_IMAGES.test(ref.replace(/\s.*$/, '').toLowerCase()) };
}

export type Resolved = { dir: string } | { unknown: string };

/** Env truthiness as the tools read it (`PIP_NO_CACHE_DIR=1`, `UV_NO_CACHE=true`). */
function envOn(v: string | undefined): boolean {
  return v !== undefined && v !== '' && !/^(0|false|no|off)$/i.test(v);
}

/**
 * The absolute directory a manager uses in a RUN, from the env in scope (Dockerfile ENV/ARG, then the base image's
 * known defaults, then assignments on the command itself), the RUN's home and the manager's default. `off` when the
 * env turns the cache off. BuildKit does not expand `~` or `$VAR` in a mount target, so anything not fully known is
 * `unknown` (no fix).
 */
export function resolveCacheDir(spec: CacheDirSpec, env: Map<string, string>, home: string | null): Resolved | { off: true } {
  for (const o of spec.off ?? []) if (envOn(env.get(o))) return { off: true };
  if (spec.manager === 'go-build' && env.get('GOCACHE') === 'off') return { off: true };
  for (const e of spec.env) {
    const v = env.get(e.name);
    if (v === undefined || v === '') continue;
    const first = e.name === 'GOPATH' ? v.split(':')[0]! : v;
    if (/[$`~]/.test(first) || !first.startsWith('/')) return { unknown: `${e.name}=${v} is not an absolute path the engine can read` };
    return { dir: normalizeDir(first + e.suffix) };
  }
  const d = typeof spec.dflt === 'function' ? (home ? spec.dflt(home) : '') : spec.dflt;
  if (!d) return { unknown: home || typeof spec.dflt !== 'function' ? `where ${spec.manager} keeps its cache depends on settings this Dockerfile does not show` : 'the home directory of the RUN\'s user is not known' };
  if (d.startsWith('~')) {
    if (!home) return { unknown: 'the home directory of the RUN\'s user is not known (BuildKit does not expand `~` in a mount target)' };
    return { dir: normalizeDir(home + d.slice(1)) };
  }
  return { dir: normalizeDir(d) };
}

function normalizeDir(p: string): string {
  return resolvePath('/', p);
}

/** True when `p` is `dir` or lies below it. */
export function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');
}

/**
 * The env of one command: the RUN's, plus the assignments before the command (`GOPROXY=off go build`; the parse keeps
 * them out of the words, the command's text has them).
 */
export function withInline(env: Map<string, string>, text: string, words: string[] = []): Map<string, string> {
  let out: Map<string, string> | null = null;
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s"']*)\s+/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) (out ??= new Map(env)).set(m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
  for (const w of words) {
    const a = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(w);
    if (!a) break;
    (out ??= new Map(env)).set(a[1]!, a[2]!);
  }
  return out ?? env;
}

export interface CacheUse {
  manager: string;
  /** The command writes the directory (downloads into it). */
  writes: boolean;
  /** The command reads what an earlier command left there. */
  reads: boolean;
  /** It reads without being able to fill it again (offline flags, `--no-restore`, apt install without update). */
  offline: boolean;
}

/**
 * How one command of a RUN uses a manager's cache directories. `before` are the commands that run earlier in the same
 * RUN (apt: an install after an update in the same RUN reads a fresh index).
 */
export function cacheUse(cmd: ShellCommand, before: ShellCommand[], env: Map<string, string>, text = ''): CacheUse[] {
  const { name, rest } = tool(cmd.words);
  const sub = rest.find((w) => !w.startsWith('-')) ?? '';
  const inline = withInline(env, text, cmd.words);
  const envOf = (k: string) => inline.get(k);
  const out: CacheUse[] = [];
  const inst = matchInstall(cmd);
  if (inst && !(inst.manager === 'go' && sub === 'mod')) out.push({ manager: inst.manager, writes: true, reads: false, offline: false });
  switch (name) {
    case 'go':
      if (sub === 'mod' && rest[rest.indexOf(sub) + 1] === 'download') out.push({ manager: 'go', writes: true, reads: false, offline: false });
      else if (['build', 'install', 'test', 'run', 'vet', 'generate', 'list'].includes(sub)) {
        const vendor = /-mod=vendor/.test(envOf('GOFLAGS') ?? '') || rest.some((w) => w === '-mod=vendor');
        if (!vendor) out.push({ manager: 'go', writes: envOf('GOPROXY') !== 'off', reads: true, offline: envOf('GOPROXY') === 'off' });
        if (['build', 'install', 'test', 'run', 'vet'].includes(sub)) out.push({ manager: 'go-build', writes: true, reads: true, offline: false });
      }
      break;
    case 'mvn':
    case 'mvnw': {
      const offline = rest.some((w) => w === '-o' || w === '--offline');
      out.splice(0, out.length, { manager: 'maven', writes: !offline, reads: true, offline });
      break;
    }
    case 'gradle':
    case 'gradlew': {
      const offline = rest.includes('--offline');
      out.splice(0, out.length, { manager: 'gradle', writes: !offline, reads: true, offline });
      break;
    }
    case 'dotnet':
      if (['build', 'publish', 'test', 'run', 'pack', 'msbuild'].includes(sub)) {
        const offline = rest.includes('--no-restore');
        out.push({ manager: 'dotnet', writes: !offline, reads: true, offline });
      }
      break;
    case 'cargo':
      if (['build', 'run', 'test', 'install', 'check', 'doc', 'clippy', 'bench', 'fetch', 'vendor'].includes(sub)) {
        const offline = rest.includes('--offline') || rest.includes('--frozen') || envOn(envOf('CARGO_NET_OFFLINE'));
        out.splice(0, out.length, { manager: 'cargo', writes: !offline, reads: sub !== 'fetch', offline: offline && sub !== 'fetch' });
      }
      break;
    case 'pnpm':
      if (['install', 'i', 'add', 'fetch'].includes(sub)) {
        const offline = rest.includes('--offline');
        out.splice(0, out.length, { manager: 'pnpm', writes: !offline, reads: sub !== 'fetch', offline });
      }
      break;
    default: {
      const os = matchOsPackage(cmd);
      if (os?.manager === 'apt' && (os.kind === 'install' || os.kind === 'update')) {
        const updated = os.kind === 'update' || before.some((b) => matchOsPackage(b)?.manager === 'apt' && matchOsPackage(b)!.kind === 'update');
        out.push({ manager: 'apt', writes: true, reads: os.kind === 'install', offline: os.kind === 'install' && !updated });
      } else if (name === 'apt-cache' || (os?.manager === 'apt' && os.kind === 'other' && ['list', 'search', 'show', 'policy', 'source', 'download'].includes(sub))) {
        out.push({ manager: 'apt', writes: false, reads: true, offline: true });
      }
    }
  }
  return out;
}

/**
 * Paths a command deletes (rm's operands, `find DIR … -delete`) and the caches it empties by name (`apt-get clean`,
 * `npm cache clean`, `go clean -modcache`, …). Paths are as written (`~`, `$HOME` unexpanded). `specs` are the cache
 * folders the named clean empties (`apt-get clean` the archives, not the index; `go clean -cache` the build cache);
 * `more` names folders it also empties that none of them is (`dotnet nuget locals all --clear`: the HTTP cache and temp
 * folders too), so dropping it for a cache mount would keep those in the image.
 */
export function cleanedBy(cmd: ShellCommand): { paths: string[]; managers: string[]; specs: CacheDirSpec[]; more: string | null } {
  const { name, rest } = tool(cmd.words);
  const sub = rest.find((w) => !w.startsWith('-')) ?? '';
  const paths: string[] = [];
  const specs: CacheDirSpec[] = [];
  let more: string | null = null;
  const all = (m: string) => specs.push(...SPECS[m]!);
  if (name === 'rm') paths.push(...rest.filter((w) => !w.startsWith('-')));
  else if (name === 'find' && rest.includes('-delete')) {
    // find [-H|-L|-P|-D debug|-O level] <starting point>… <expression>: the starting points are what it deletes in
    let i = 0;
    while (i < rest.length && (/^-(H|L|P|O\d*)$/.test(rest[i]!) || rest[i] === '-D')) i += rest[i] === '-D' ? 2 : 1;
    for (; i < rest.length && !rest[i]!.startsWith('-') && rest[i] !== '(' && rest[i] !== '!'; i++) paths.push(rest[i]!);
  }
  const os = matchOsPackage(cmd);
  // clean / autoclean: the downloaded archives; distclean (apt 2.7) the package index too
  if (os?.manager === 'apt' && ['clean', 'autoclean'].includes(sub)) specs.push(SPECS['apt']![0]!);
  if (os?.manager === 'apt' && ['dist-clean', 'distclean'].includes(sub)) all('apt');
  if (name === 'npm' && sub === 'cache' && rest.includes('clean')) all('npm');
  if (name === 'yarn' && sub === 'cache' && rest.includes('clean')) all('yarn');
  if ((name === 'pip' || name === 'pip3') && sub === 'cache' && (rest.includes('purge') || rest.includes('remove'))) all('pip');
  if (name === 'uv' && sub === 'cache' && (rest.includes('clean') || rest.includes('prune'))) all('uv');
  if (name === 'pnpm' && sub === 'store' && rest.includes('prune')) all('pnpm');
  if (name === 'go' && sub === 'clean') {
    if (rest.includes('-modcache')) all('go');
    if (rest.includes('-cache')) all('go-build');
  }
  if (name === 'composer' && (sub === 'clear-cache' || sub === 'clearcache' || sub === 'cc')) all('composer');
  // dotnet nuget locals <all | global-packages | http-cache | temp | plugins-cache> --clear (`--list` only lists)
  if (name === 'dotnet' && sub === 'nuget' && rest.includes('locals') && (rest.includes('--clear') || rest.includes('-c'))) {
    const which = rest[rest.indexOf('locals') + 1] ?? '';
    if (which === 'all' || which === 'global-packages') all('dotnet');
    if (which !== 'global-packages') more = 'NuGet HTTP cache and temp folders';
  }
  return { paths, managers: [...new Set(specs.map((sp) => sp.manager))], specs, more };
}

/** Runtime commands (CMD/ENTRYPOINT) that read a package store when the container runs. */
export function runtimeReads(manager: string, commandText: string): boolean {
  const re: Record<string, RegExp> = {
    maven: /(^|[\s"'\/[,])(mvn|mvnw)\b/,
    gradle: /(^|[\s"'\/[,])(gradle|gradlew)\b/,
    go: /(^|[\s"'\/[,])go["']?\s*,?\s*["']?(run|test|build|generate)\b/,
    dotnet: /(^|[\s"'\/[,])dotnet["']?\s*,?\s*["']?(run|test|watch|build)\b/,
    cargo: /(^|[\s"'\/[,])cargo\b/,
    pnpm: /(^|[\s"'\/[,])pnpm\b/,
    apt: /(^|[\s"'\/[,])(apt-get|apt)\b/,
  };
  return re[manager]?.test(commandText) ?? false;
}
