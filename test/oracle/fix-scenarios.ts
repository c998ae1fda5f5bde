// Fix-safety scenarios: Dockerfiles on which `layerwise check --fix` offers fixes. test/oracle/fix-safety.test.ts
// builds each ORIGINAL and each FIXED Dockerfile with the real builder (dockerd 20.10, BuildKit 0.8, no network),
// exports both final filesystems and requires them to be identical, except for paths a fix changes on purpose
// (listed per rule below, each with its reason).
//
// Busybox has no package managers, so the scenarios build FROM a small tools image (TOOLS_IMAGE, built by the test
// from TOOLS_FILES on top of `localbase`) that puts deterministic stand-ins for `npm`, `pip` and `apt-get` in /bin.
// They read exactly what the real tool reads (package.json + lock; requirements files, following `-r` includes and
// local `-e .` projects; /etc/apt/sources.list and the package index) and write where the real tool writes
// (node_modules, site-packages, dpkg status, apt lists/archives, the download caches), so a fix that changes what
// the tool sees or where its output lands changes the exported filesystem.
//
// Data only. `expectUnfixed` marks scenarios where a real build showed a fix is NOT safe: the rule must not offer it.
// `knownUnsafe` (none today) marks scenarios that show a fix which is NOT safe yet (the test reports them as TODO
// instead of failing; remove the flag once the rule is fixed and the scenario passes).
import type { FileSpec } from './scenarios';

export const TOOLS_IMAGE = 'layerwise-fixtools:1';

const NPM = `#!/bin/sh
# fake npm: ci/install read package.json (+ lock, .npmrc), download into the cache, install into ./node_modules,
# then run the root project's install lifecycle scripts like real npm does.
set -e
cmd="$1"; [ $# -gt 0 ] && shift
case "$cmd" in
  ci|install|i|clean-install) ;;
  cache) cache="\${npm_config_cache:-\${HOME:-/root}/.npm}"; rm -rf "$cache/_cacache"; exit 0 ;;
  run) s="$1"; line=$(sed -n "s/.*\\"$s\\": *\\"\\([^\\"]*\\)\\".*/\\1/p" package.json); [ -n "$line" ] || { echo "npm ERR! missing script: $s" >&2; exit 1; }; sh -c "$line"; exit 0 ;;
  *) echo "fake npm: unsupported: $cmd $*" >&2; exit 1 ;;
esac
[ -f package.json ] || { echo "npm ERR! enoent package.json in $(pwd)" >&2; exit 254; }
if [ "$cmd" = ci ] || [ "$cmd" = clean-install ]; then
  [ -f package-lock.json ] || [ -f npm-shrinkwrap.json ] || { echo "npm ERR! npm ci needs a package-lock.json" >&2; exit 1; }
  rm -rf node_modules
fi
cache="\${npm_config_cache:-\${HOME:-/root}/.npm}"
sum=$(cat package.json package-lock.json .npmrc 2>/dev/null | md5sum | cut -c1-16)
mkdir -p "$cache/_cacache/index" node_modules
for dep in $(sed -n 's/.*"dep-\\([a-z0-9]*\\)".*/\\1/p' package.json); do
  echo "tarball $dep $sum" > "$cache/_cacache/index/$dep-$sum"
  mkdir -p "node_modules/$dep"
  echo "module.exports = '$dep@$sum';" > "node_modules/$dep/index.js"
done
cp package.json node_modules/.package-lock.json
for hook in preinstall install postinstall prepare; do
  line=$(sed -n "s/.*\\"$hook\\": *\\"\\([^\\"]*\\)\\".*/\\1/p" package.json)
  [ -z "$line" ] || sh -c "$line"
done
`;

const PIP = `#!/bin/sh
# fake pip: install -r FILE... (follows -r includes, needs a project for -e . / .), PIP_CACHE_DIR / --no-cache-dir
set -e
[ "$1" = install ] || { echo "fake pip: unsupported: $*" >&2; exit 1; }
shift
nocache=\${PIP_NO_CACHE_DIR:-}
pkgs=""
reqs=""
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--requirement) reqs="$reqs $2"; shift 2 ;;
    --no-cache-dir) nocache=1; shift ;;
    -*) shift ;;
    *) pkgs="$pkgs $1"; shift ;;
  esac
done
readreq() {
  [ -f "$1" ] || { echo "ERROR: Could not open requirements file: $1" >&2; exit 1; }
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      ''|'#'*) ;;
      '-r '*) readreq "$(dirname "$1")/\${line#-r }" ;;
      '-e '*|.) [ -f setup.py ] || [ -f pyproject.toml ] || { echo "ERROR: $line is not a Python project (no setup.py / pyproject.toml)" >&2; exit 1; }
           echo "local-$(cat setup.py pyproject.toml 2>/dev/null | md5sum | cut -c1-8)" ;;
      *) echo "$line" ;;
    esac
  done < "$1"
}
all="$pkgs"
for r in $reqs; do all="$all $(readreq "$r")"; done
site=/usr/lib/python3/site-packages
cache="\${PIP_CACHE_DIR:-\${HOME:-/root}/.cache/pip}"
mkdir -p "$site"
for p in $all; do
  name=\${p%%=*}
  mkdir -p "$site/$name"
  echo "__version__ = '$p'" > "$site/$name/__init__.py"
  if [ -z "$nocache" ]; then mkdir -p "$cache/wheels"; echo "wheel $p" > "$cache/wheels/$name.whl"; fi
done
`;

const APT_GET = `#!/bin/sh
# fake apt-get: update writes the index from /etc/apt/sources.list; install needs the index, downloads .debs into
# /var/cache/apt/archives (removed again when Debian's docker-clean hook is present), records dpkg status and
# apt's auto-installed marks (/var/lib/apt/extended_states), installs files; clean empties the archives.
set -e
sub=""; pkgs=""
for a in "$@"; do
  case "$a" in -*) ;; *) if [ -z "$sub" ]; then sub="$a"; else pkgs="$pkgs $a"; fi ;; esac
done
lists=/var/lib/apt/lists
arch=/var/cache/apt/archives
clean_hook() {
  if [ -f /etc/apt/apt.conf.d/docker-clean ]; then rm -f $arch/*.deb $arch/partial/*.deb /var/cache/apt/*.bin; fi
}
case "$sub" in
  update)
    [ -f /etc/apt/sources.list ] || { echo "E: no sources" >&2; exit 100; }
    mkdir -p $lists/partial
    mirror=$(sed -n 's/^deb \\([^ ]*\\).*/\\1/p' /etc/apt/sources.list | head -n 1 | tr -c 'A-Za-z0-9.\\n' _)
    echo "Packages from $(cat /etc/apt/sources.list)" > "$lists/\${mirror}_Packages"
    echo pkgcache > /var/cache/apt/pkgcache.bin
    clean_hook ;;
  install)
    idx=$(ls $lists/*_Packages 2>/dev/null | head -n 1)
    [ -n "$idx" ] || { echo "E: Unable to locate package$pkgs (no package index: run apt-get update)" >&2; exit 100; }
    mirror=$(basename "$idx" _Packages)
    mkdir -p $arch/partial /var/lib/dpkg
    for p in $pkgs; do
      for q in "lib$p" "$p"; do
        echo "deb $q from $mirror" > "$arch/\${q}_1.0_amd64.deb"
        mkdir -p "/usr/share/doc/$q"
        echo "$q from $mirror" > "/usr/share/doc/$q/copyright"
        printf 'Package: %s\\nStatus: install ok installed\\n\\n' "$q" >> /var/lib/dpkg/status
        [ -f "/etc/$q.conf" ] || [ "$q" != "$p" ] || echo "# default config of $q" > "/etc/$q.conf"
      done
      printf 'Package: %s\\nArchitecture: amd64\\nAuto-Installed: 1\\n\\n' "lib$p" >> /var/lib/apt/extended_states
      printf '#!/bin/sh\\necho %s\\n' "$p" > "/usr/bin/$p"; chmod 755 "/usr/bin/$p"
    done
    clean_hook ;;
  clean) rm -rf $arch/*.deb $arch/partial/* /var/cache/apt/*.bin ;;
  *) echo "fake apt-get: unsupported: $*" >&2; exit 100 ;;
esac
`;

/** Context of the tools image (built with `docker build -t TOOLS_IMAGE`). */
export const TOOLS_FILES: Record<string, FileSpec> = {
  'Dockerfile': `FROM localbase
COPY bin/ /bin/
COPY etc/ /etc/
RUN mkdir -p /usr/bin /var/lib/dpkg /var/lib/apt/lists/partial /var/cache/apt/archives/partial /root && touch /var/lib/dpkg/status
`,
  'bin/npm': { content: NPM, mode: 0o755 },
  'bin/pip': { content: PIP, mode: 0o755 },
  'bin/apt-get': { content: APT_GET, mode: 0o755 },
  'etc/apt/sources.list': 'deb http://deb.debian.org/debian bookworm main\n',
  // Debian images ship this hook; the apt cache-mount fix removes it.
  'etc/apt/apt.conf.d/docker-clean':
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n' +
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };\n' +
    'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n',
};

// ---------------------------------------------------------------------------------------------------------------
// Allowed differences

export interface AllowedDiff {
  /** absolute path in the image; `/x/**` = x and everything below it */
  path: string;
  why: string;
}

/**
 * Paths a rule's fix changes on purpose, whatever the scenario. A rule missing here must leave the final
 * filesystem (and image config) exactly as it was.
 */
export const RULE_ALLOWED: Record<string, AllowedDiff[]> = {
  'missing-cache-mount': [
    { path: '/root/.npm/**', why: 'npm download cache: now lives in the cache mount, not in the image (the point of the fix)' },
    { path: '/root/.cache/**', why: 'pip download cache (and the mount point directories BuildKit creates for it): in the cache mount' },
    { path: '/var/cache/apt/**', why: 'apt archives and pkgcache: in the cache mount (only the base image\'s directory stays in the layer)' },
    { path: '/var/lib/apt/lists/**', why: 'apt package index: in the cache mount instead of the image' },
    { path: '/etc/apt/apt.conf.d/docker-clean', why: 'removed by the fix so apt keeps downloaded .debs in the cache mount' },
    { path: '/etc/apt/apt.conf.d/keep-cache', why: 'written by the fix (Binary::apt::APT::Keep-Downloaded-Packages)' },
  ],
};

// ---------------------------------------------------------------------------------------------------------------
// Scenarios

export interface FixScenario {
  name: string;
  /** what the fix does and why the result must be equivalent */
  about: string;
  /** context files (the Dockerfile is added as `Dockerfile` at the context root) */
  files: Record<string, FileSpec>;
  dockerfile: string;
  /** rules enabled for `check --fix` (all others `off` through a --config file); default: every rule */
  rules?: string[];
  /** rules whose fix must be among those `check --fix` applied */
  expectFixed: string[];
  /** --build-arg for both builds and the CLI */
  buildArgs?: Record<string, string>;
  /** differences allowed in this scenario only (e.g. what a .dockerignore fix stops copying), each with its reason */
  allowed?: AllowedDiff[];
  /** set when the fix is known NOT to be safe here: the scenario runs as a TODO and says why */
  knownUnsafe?: string;
  /** rules that must still report here but offer NO fix (a real build showed the fix would not be safe) */
  expectUnfixed?: string[];
  /** why the rule must not fix this case (what the real build showed) */
  unsafeBecause?: string;
}

/** Keeps the Dockerfile (edited by the fix) and the ignore file out of `COPY . .`. */
const IGNORE_DF = 'Dockerfile\n.dockerignore\n';
const TOOLS = `FROM ${TOOLS_IMAGE}`;

const PKG = (extra = '') => `{
  "name": "web",
  "version": "1.0.0",
  "dependencies": {
    "dep-express": "^4.19.0",
    "dep-lodash": "^4.17.21"
  },
  "scripts": {
    "build": "mkdir -p dist && cat src/index.js > dist/app.js"${extra}
  }
}
`;
const LOCK = '{ "lockfileVersion": 3, "packages": { "node_modules/dep-express": { "version": "4.19.2" } } }\n';

export const fixScenarios: FixScenario[] = [
  // --- broad-copy-before-install --------------------------------------------------------------------------------
  {
    name: 'broad-copy/npm-ci',
    about: 'COPY . . + npm ci: the fix copies package.json + package-lock.json first and moves the install up',
    files: { 'package.json': PKG(), 'package-lock.json': LOCK, 'src/index.js': 'console.log("hi");\n', 'README.md': '# web\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
CMD ["node", "dist/app.js"]
`,
    rules: ['broad-copy-before-install'],
    expectFixed: ['broad-copy-before-install'],
  },
  {
    name: 'broad-copy/npm-chown-npmrc-cache-clean',
    about: 'COPY --chown . ./ + npm install && npm cache clean: the manifest COPY keeps --chown and includes .npmrc (npm reads it)',
    files: { 'package.json': PKG(), '.npmrc': 'registry=https://registry.example/\n', 'src/index.js': 'x\n', 'docs/guide.md': 'g\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /home/node/app
COPY --chown=1000:1000 . ./
RUN npm install && npm cache clean --force
RUN ls -ln /home/node/app > /listing.txt
`,
    rules: ['broad-copy-before-install'],
    expectFixed: ['broad-copy-before-install'],
    // the listing records owners and names of what COPY brought in: identical when the same files end up there
  },
  {
    name: 'broad-copy/pip-requirements',
    about: 'COPY . . + pip install -r requirements.txt: the fix copies requirements.txt first',
    files: { 'requirements.txt': 'flask==3.0.3\nrequests==2.32.3\n', 'app.py': 'print(1)\n', 'tests/test_app.py': 'def test(): pass\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /srv
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python", "app.py"]
`,
    rules: ['broad-copy-before-install'],
    expectFixed: ['broad-copy-before-install'],
  },
  {
    name: 'broad-copy/npm-postinstall-reads-sources',
    about: 'npm runs the root package\'s install lifecycle scripts; this postinstall reads src/, which the manifest-first COPY leaves out',
    files: { 'package.json': PKG(',\n    "postinstall": "cat src/banner.txt > node_modules/.banner"'), 'package-lock.json': LOCK, 'src/banner.txt': 'banner\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /app
COPY . .
RUN npm ci
`,
    rules: ['broad-copy-before-install'],
    expectFixed: [],
    unsafeBecause: 'broad-copy-before-install: the fixed build fails (postinstall/prepare/preinstall/install scripts of the root package.json read sources); the rule cannot see package.json content, so the fix should not be offered as safe for npm/yarn/pnpm without knowing the scripts (or should be marked unsafe/manual)',
    expectUnfixed: ['broad-copy-before-install'],
  },
  {
    name: 'broad-copy/pip-nested-requirements',
    about: 'requirements.txt includes -r requirements/base.txt: the fix copies only requirements.txt',
    files: { 'requirements.txt': '-r requirements/base.txt\ngunicorn==22.0.0\n', 'requirements/base.txt': 'flask==3.0.3\n', 'app.py': 'x\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /srv
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
`,
    rules: ['broad-copy-before-install'],
    expectFixed: [],
    unsafeBecause: 'broad-copy-before-install: the fixed build fails: pip follows `-r`/`-c` includes (and `-e .` / `.` needs setup.py/pyproject.toml) that the manifest COPY does not bring in',
    expectUnfixed: ['broad-copy-before-install'],
  },
  {
    name: 'broad-copy/pip-editable-project',
    about: 'requirements.txt installs the project itself (-e .): the fix copies only requirements.txt',
    files: { 'requirements.txt': 'flask==3.0.3\n-e .\n', 'pyproject.toml': '[project]\nname = "svc"\nversion = "1"\n', 'svc/__init__.py': '', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /srv
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
`,
    rules: ['broad-copy-before-install'],
    expectFixed: [],
    unsafeBecause: 'broad-copy-before-install: the fixed build fails: `-e .` in the requirements file needs the project (pyproject.toml/setup.py and its sources) at install time',
    expectUnfixed: ['broad-copy-before-install'],
  },

  // --- costly-step-after-volatile-copy --------------------------------------------------------------------------
  {
    name: 'costly/apt-after-copy',
    about: 'an apt install that reads nothing from the copied dir moves above the COPY (WORKDIR stays before both)',
    files: { 'app/start.sh': { content: '#!/bin/sh\nexec curl --version\n', mode: 0o755 }, 'app/data.txt': 'd\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /app
COPY app/ /app/
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
CMD ["sh", "/app/start.sh"]
`,
    rules: ['costly-step-after-volatile-copy'],
    expectFixed: ['costly-step-after-volatile-copy'],
  },
  {
    name: 'costly/after-two-copies',
    about: 'the install moves above a block of two COPY steps',
    files: { 'config.txt': 'port=80\n', 'static/index.html': '<h1>x</h1>\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
COPY config.txt /opt/svc/config.txt
COPY static/ /opt/svc/static/
RUN apt-get update && apt-get install -y make
RUN mkdir -p /opt/svc/run
`,
    rules: ['costly-step-after-volatile-copy'],
    expectFixed: ['costly-step-after-volatile-copy'],
  },
  {
    name: 'costly/apt-sources-list-copied',
    about: 'COPY sources.list /etc/apt/sources.list, then apt-get update: apt reads the copied file implicitly',
    files: { 'sources.list': 'deb http://mirror.internal.example/debian bookworm main\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
COPY sources.list /etc/apt/sources.list
RUN apt-get update && apt-get install -y curl
`,
    rules: ['costly-step-after-volatile-copy'],
    expectFixed: [],
    unsafeBecause: 'costly-step-after-volatile-copy: the moved install uses the base image\'s mirror instead of the copied sources.list; tools read config files by absolute path (apt sources/preferences/keys/apt.conf.d, pip.conf, .npmrc, certificates in /usr/local/share/ca-certificates, ...), so a COPY into /etc, /usr/local/share/ca-certificates or $HOME is not "nothing the RUN reads"',
    expectUnfixed: ['costly-step-after-volatile-copy'],
  },

  // --- arg-declared-early -------------------------------------------------------------------------------------
  {
    name: 'arg/default-moved-to-first-use',
    about: 'ARG with a default declared at the top: the fix moves it down to the RUN that uses it',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
ARG APP_VERSION=1.2.3
RUN apt-get update && apt-get install -y curl
RUN mkdir -p /opt/app
RUN echo "$APP_VERSION" > /opt/app/VERSION
`,
    rules: ['arg-declared-early'],
    expectFixed: ['arg-declared-early'],
  },
  {
    name: 'arg/passed-value-used-by-env',
    about: 'ARG passed with --build-arg and carried by ENV X=$ARG later: the fix moves it to just before the ENV',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
ARG GIT_SHA
RUN apt-get update && apt-get install -y curl
ENV APP_SHA=$GIT_SHA
RUN echo "sha=$APP_SHA" > /sha.txt
`,
    buildArgs: { GIT_SHA: 'abc1234' },
    rules: ['arg-declared-early'],
    expectFixed: ['arg-declared-early'],
  },

  // --- apt-update-alone -----------------------------------------------------------------------------------------
  {
    name: 'apt-update/split-update-install',
    about: 'RUN apt-get update; RUN apt-get install: the fix merges the update into the install',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl ca-certificates
`,
    rules: ['apt-update-alone'],
    expectFixed: ['apt-update-alone'],
  },
  {
    name: 'apt-update/flags-env-multiline-install',
    about: 'apt-get update -qq alone, install spread over two lines with a cleanup, ENV before both',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq
RUN apt-get install -y -qq git \\
    && rm -rf /var/lib/apt/lists/*
`,
    rules: ['apt-update-alone'],
    expectFixed: ['apt-update-alone'],
  },

  // --- missing-cache-mount --------------------------------------------------------------------------------------
  {
    name: 'cache-mount/apt',
    about: 'apt install without a cache mount: the fix adds /var/cache/apt + /var/lib/apt cache mounts and drops docker-clean',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
  },
  {
    name: 'cache-mount/npm',
    about: 'npm ci without a cache mount: the fix mounts /root/.npm',
    files: { 'package.json': PKG(), 'package-lock.json': LOCK, 'src/index.js': 'x\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY src/ ./src/
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
  },
  {
    name: 'cache-mount/pip',
    about: 'pip install -r without a cache mount: the fix mounts /root/.cache/pip',
    files: { 'requirements.txt': 'flask==3.0.3\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /srv
COPY requirements.txt .
RUN pip install -r requirements.txt
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
  },

  // --- cleanup-in-separate-layer --------------------------------------------------------------------------------
  {
    name: 'cleanup/apt-lists',
    about: 'rm -rf /var/lib/apt/lists/* in its own RUN: the fix appends it to the install RUN',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN apt-get update && apt-get install -y curl
RUN rm -rf /var/lib/apt/lists/*
`,
    rules: ['cleanup-in-separate-layer'],
    expectFixed: ['cleanup-in-separate-layer'],
  },
  {
    name: 'cleanup/npm-cache-and-tmp',
    about: 'npm cache clean + rm -rf /tmp/* after npm ci: merged into the npm ci RUN',
    files: { 'package.json': PKG(), 'package-lock.json': LOCK, '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
RUN npm cache clean --force && rm -rf /tmp/*
`,
    rules: ['cleanup-in-separate-layer'],
    expectFixed: ['cleanup-in-separate-layer'],
  },
  {
    name: 'cleanup/multiline-apt-clean',
    about: 'a two-line cleanup RUN (apt-get clean && rm) after a two-line install RUN',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN apt-get update \\
 && apt-get install -y make
RUN apt-get clean && \\
    rm -rf /var/lib/apt/lists/*
`,
    rules: ['cleanup-in-separate-layer'],
    expectFixed: ['cleanup-in-separate-layer'],
  },

  // --- context-includes-volatile --------------------------------------------------------------------------------
  {
    name: 'volatile/no-dockerignore',
    about: 'COPY . . with node_modules, a log, editor settings and no .dockerignore: the fix creates one',
    files: { 'main.txt': 'main\n', 'node_modules/left-pad/index.js': 'x\n', 'debug.log': 'log\n', '.vscode/settings.json': '{}\n' },
    dockerfile: `${TOOLS}
WORKDIR /app
COPY . .
RUN cat main.txt > /built.txt
`,
    rules: ['context-includes-volatile'],
    expectFixed: ['context-includes-volatile'],
    allowed: [
      { path: '/app/node_modules/**', why: 'excluded by the new .dockerignore on purpose (installed by the build, not copied)' },
      { path: '/app/.vscode/**', why: 'editor settings, excluded on purpose' },
      { path: '/app/debug.log', why: 'log file, excluded on purpose' },
      { path: '/app/Dockerfile', why: 'the Dockerfile itself, excluded on purpose (editing it would rerun COPY . .)' },
    ],
  },
  {
    name: 'volatile/explicit-copy-kept',
    about: 'an existing .dockerignore is extended; coverage/ stays because a COPY names a file in it',
    files: { '.dockerignore': '*.md\n', 'coverage/badge.svg': '<svg/>\n', 'coverage/lcov.info': 'TN:\n', '.idea/workspace.xml': '<x/>\n', 'src/a.txt': 'a\n', 'NOTES.md': 'n\n' },
    dockerfile: `${TOOLS}
COPY coverage/badge.svg /srv/badge.svg
COPY . /srv/
`,
    rules: ['context-includes-volatile'],
    expectFixed: ['context-includes-volatile'],
    allowed: [
      { path: '/srv/.idea/**', why: 'editor settings, excluded on purpose' },
      { path: '/srv/Dockerfile', why: 'the Dockerfile, excluded on purpose' },
      { path: '/srv/.dockerignore', why: 'the ignore file is edited by the fix and excludes itself' },
    ],
  },
  {
    name: 'volatile/git-metadata-read-by-build',
    about: 'the build reads .git (git rev-parse / setuptools-scm / git describe): the fix excludes .git',
    files: { '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': '0123456789abcdef\n', 'src/x.txt': 'x\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /src
COPY . .
RUN cat ".git/$(sed 's/^ref: //' .git/HEAD)" > /VERSION && rm -rf .git
`,
    rules: ['context-includes-volatile'],
    expectFixed: [],
    unsafeBecause: 'context-includes-volatile: the fixed build fails: a RUN after the broad COPY reads .git (here by hand; in practice `git rev-parse`, `git describe`, setuptools-scm, hatch-vcs, Go\'s -buildvcs); the rule only keeps paths a COPY names',
    expectUnfixed: ['context-includes-volatile'],
  },

  // --- every rule at once -------------------------------------------------------------------------------------------
  {
    name: 'all/node-app',
    about: 'a typical node Dockerfile with every fixable problem; `check --fix` applies all fixes in turn',
    files: { 'package.json': PKG(), 'package-lock.json': LOCK, 'src/index.js': 'console.log(1)\n', 'node_modules/stale/index.js': 'old\n', 'npm-debug.log': 'err\n' },
    dockerfile: `${TOOLS}
ARG BUILD_ID=local
RUN apt-get update
RUN apt-get install -y --no-install-recommends ca-certificates
RUN rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
RUN echo "$BUILD_ID" > /app/BUILD_ID
CMD ["node", "dist/app.js"]
`,
    buildArgs: { BUILD_ID: '42' },
    // arg-declared-early is reported without a fix here (`npm run build` may read BUILD_ID), and once apt runs with a
    // cache mount on /var/lib/apt the separate `rm -rf /var/lib/apt/lists/*` only deletes inside that mount (an info
    // finding without a fix): both are right, so only these four fixes are expected.
    expectFixed: ['broad-copy-before-install', 'apt-update-alone', 'missing-cache-mount', 'context-includes-volatile'],
    allowed: [
      { path: '/app/npm-debug.log', why: 'log file, excluded by the new .dockerignore on purpose' },
      { path: '/app/Dockerfile', why: 'the Dockerfile, excluded by the new .dockerignore on purpose' },
    ],
  },
  {
    name: 'all/python-app',
    about: 'a typical python Dockerfile: apt + pip, ARG early, cleanup of the pip cache in its own RUN',
    files: { 'requirements.txt': 'flask==3.0.3\ngunicorn==22.0.0\n', 'app.py': 'x\n', '.dockerignore': '.git\n' },
    dockerfile: `${TOOLS}
ENV PYTHONUNBUFFERED=1
ARG RELEASE=dev
RUN apt-get update && apt-get install -y --no-install-recommends make
WORKDIR /srv
COPY . .
RUN pip install -r requirements.txt
RUN rm -rf /root/.cache/pip
RUN echo "$RELEASE" > /srv/RELEASE
`,
    // arg-declared-early reports RELEASE but does not move it: `pip install` runs project code (setup.py) that could
    // read it from the environment, so the move is not provably safe
    expectFixed: ['broad-copy-before-install', 'missing-cache-mount', 'context-includes-volatile'],
    allowed: [
      { path: '/srv/Dockerfile', why: 'the Dockerfile, excluded by the fixed .dockerignore on purpose' },
      { path: '/srv/.dockerignore', why: 'the ignore file, edited by the fix and excluding itself' },
    ],
  },
];
