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
import { createHash } from 'node:crypto';
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


const DOTNET = `#!/bin/sh
# fake dotnet: restore writes the packages the project needs into the NuGet packages folder (NUGET_PACKAGES, default
# ~/.nuget/packages) and obj/project.assets.json; build/publish restore first unless --no-restore, then need every
# package in that folder (like the real SDK, which reads them from there) and copy them to the output.
set -e
sub="$1"; shift
pk="\${NUGET_PACKAGES:-\${HOME:-/root}/.nuget/packages}"
restore() {
  ls *.csproj >/dev/null 2>&1 || { echo "MSBUILD : error MSB1003: no project file" >&2; exit 1; }
  for p in $(sed -n 's/.*PackageReference Include="\\([^"]*\\)".*/\\1/p' *.csproj); do
    mkdir -p "$pk/$p/1.0.0"; echo "dll $p" > "$pk/$p/1.0.0/$p.dll"
  done
  mkdir -p obj; echo "{ \\"packageFolders\\": { \\"$pk\\": {} } }" > obj/project.assets.json
}
out=bin
norestore=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; --no-restore) norestore=1; shift ;; *) shift ;; esac; done
case "$sub" in
  restore) restore ;;
  build|publish)
    [ -n "$norestore" ] || restore
    [ -f obj/project.assets.json ] || { echo "error NETSDK1004: Assets file obj/project.assets.json not found. Run a NuGet package restore" >&2; exit 1; }
    mkdir -p "$out"
    for p in $(sed -n 's/.*PackageReference Include="\\([^"]*\\)".*/\\1/p' *.csproj); do
      [ -f "$pk/$p/1.0.0/$p.dll" ] || { echo "error NETSDK1064: Package $p, version 1.0.0 was not found in $pk" >&2; exit 1; }
      cp "$pk/$p/1.0.0/$p.dll" "$out/"
    done
    cat Program.cs > "$out/app.dll" ;;
  *) echo "fake dotnet: unsupported: $sub" >&2; exit 1 ;;
esac
`;

const MVN = `#!/bin/sh
# fake mvn: resolves the pom's dependencies into the local repository (~/.m2/repository, or -Dmaven.repo.local=),
# downloading from the mirror named in ~/.m2/settings.xml (default central); -o / --offline never downloads and fails
# on a missing artifact; package writes target/app.jar from the sources and the resolved jars.
set -e
repo="\${HOME:-/root}/.m2/repository"; offline=""; goals=""
for a in "$@"; do
  case "$a" in -o|--offline) offline=1 ;; -Dmaven.repo.local=*) repo="\${a#-Dmaven.repo.local=}" ;; -*) ;; *) goals="$goals $a" ;; esac
done
[ -f pom.xml ] || { echo "[ERROR] The goal you specified requires a project to execute but there is no POM" >&2; exit 1; }
mirror=central
[ -f "\${HOME:-/root}/.m2/settings.xml" ] && mirror=$(sed -n 's/.*<url>\\(.*\\)<\\/url>.*/\\1/p' "\${HOME:-/root}/.m2/settings.xml" | head -n 1)
resolve() {
  for d in $(sed -n 's/.*<artifactId>\\(dep-[^<]*\\)<\\/artifactId>.*/\\1/p' pom.xml); do
    f="$repo/org/example/$d/1.0/$d-1.0.jar"
    if [ ! -f "$f" ]; then
      [ -z "$offline" ] || { echo "[ERROR] Cannot access central in offline mode and the artifact org.example:$d:jar:1.0 has not been downloaded from it before." >&2; exit 1; }
      mkdir -p "$(dirname "$f")"; echo "jar $d from $mirror" > "$f"
    fi
  done
}
for g in $goals; do
  case "$g" in
    dependency:go-offline|dependency:resolve) resolve ;;
    compile) resolve; mkdir -p target/classes; cat src/*.java > target/classes/App.class ;;
    package|install|verify) resolve; mkdir -p target/classes; cat src/*.java > target/classes/App.class
      { cat target/classes/App.class; for d in $(sed -n 's/.*<artifactId>\\(dep-[^<]*\\)<\\/artifactId>.*/\\1/p' pom.xml); do cat "$repo/org/example/$d/1.0/$d-1.0.jar"; done; } > target/app.jar ;;
    *) echo "fake mvn: unsupported goal $g" >&2; exit 1 ;;
  esac
done
`;

const GO = `#!/bin/sh
# fake go: modules from go.mod go to GOMODCACHE (default $GOPATH/pkg/mod, GOPATH default ~/go); build reads them from
# there, downloading what is missing unless GOPROXY=off (then it fails like the real one), keeps compiled packages in
# GOCACHE (default ~/.cache/go-build; GOCACHE=off is an error since Go 1.12) and writes the binary (-o).
set -e
sub="$1"; shift
gopath="\${GOPATH:-\${HOME:-/root}/go}"
mc="\${GOMODCACHE:-$gopath/pkg/mod}"
gc="\${GOCACHE:-\${HOME:-/root}/.cache/go-build}"
mods() { sed -n 's/^require \\([^ ]*\\) \\(v[^ ]*\\)$/\\1@\\2/p' go.mod; }
fetch() {
  for m in $(mods); do
    if [ ! -f "$mc/$m/mod.go" ]; then
      [ "\${GOPROXY:-}" != off ] || { echo "go: module lookup disabled by GOPROXY=off: $m not in $mc" >&2; exit 1; }
      mkdir -p "$mc/$m"; echo "package mod // $m" > "$mc/$m/mod.go"
    fi
  done
}
case "$sub" in
  mod) [ "$1" = download ] || { echo "fake go: unsupported mod $1" >&2; exit 1; }; [ -f go.mod ] || { echo "go: go.mod file not found" >&2; exit 1; }; fetch ;;
  build|install)
    out=app; while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; *) shift ;; esac; done
    [ -f go.mod ] || { echo "go: go.mod file not found" >&2; exit 1; }
    fetch
    mkdir -p "$gc"; sum=$(cat *.go | md5sum | cut -c1-16); echo "obj" > "$gc/$sum-a"
    { cat *.go; for m in $(mods); do cat "$mc/$m/mod.go"; done; } > "$out"; chmod 755 "$out" ;;
  *) echo "fake go: unsupported: $sub" >&2; exit 1 ;;
esac
`;

const GIT = `#!/bin/sh
# fake git: describe --dirty / diff --quiet / status --porcelain compare the working tree with the tracked files listed
# (path + md5) in .git/tracked, as git compares it with the index: a tracked file missing or changed makes it dirty.
set -e
top=$(pwd); while [ ! -d "$top/.git" ] && [ "$top" != / ]; do top=$(dirname "$top"); done
[ -d "$top/.git" ] || { echo "fatal: not a git repository" >&2; exit 128; }
dirty=""; changed=""
while read -r sum path; do
  [ -n "$path" ] || continue
  if [ ! -f "$top/$path" ] || [ "$(md5sum < "$top/$path" | cut -c1-32)" != "$sum" ]; then dirty=1; changed="$changed $path"; fi
done < "$top/.git/tracked"
case "$1" in
  describe) tag=$(cat "$top/.git/tag"); case " $* " in *" --dirty"*) [ -z "$dirty" ] || tag="$tag-dirty" ;; esac; echo "$tag" ;;
  diff) [ -z "$dirty" ] ;;
  status) for p in $changed; do echo " D $p"; done ;;
  *) echo "fake git: unsupported: $*" >&2; exit 1 ;;
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
  'bin/dotnet': { content: DOTNET, mode: 0o755 },
  'bin/mvn': { content: MVN, mode: 0o755 },
  'bin/go': { content: GO, mode: 0o755 },
  'bin/git': { content: GIT, mode: 0o755 },
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
  /**
   * only what the fix takes out of the image: the fixed image may lack the path (or hold a folder there, a mount
   * point BuildKit creates), never hold a file the original lacks or one with other content (a cache mount keeps
   * things out of the image; it never puts any in)
   */
  removedOnly?: boolean;
}

/**
 * Paths a rule's fix changes on purpose, whatever the scenario. A rule missing here must leave the final
 * filesystem (and image config) exactly as it was.
 */
export const RULE_ALLOWED: Record<string, AllowedDiff[]> = {
  'missing-cache-mount': [
    { path: '/root/.npm/**', why: 'npm download cache: now lives in the cache mount, not in the image (the point of the fix)', removedOnly: true },
    { path: '/root/.cache/**', why: 'pip download cache (and the mount point directories BuildKit creates for it): in the cache mount', removedOnly: true },
    { path: '/var/cache/apt/**', why: 'apt archives and pkgcache: in the cache mount (only the base image\'s directory stays in the layer)', removedOnly: true },
    { path: '/var/lib/apt/lists/**', why: 'apt package index: in the cache mount instead of the image', removedOnly: true },
    { path: '/root/.nuget/packages/**', why: 'NuGet packages: in the cache mount, mounted on every step that reads them', removedOnly: true },
    { path: '/root/.m2/repository/**', why: 'Maven local repository: in the cache mount, mounted on every step that reads it', removedOnly: true },
    { path: '/go/pkg/mod/**', why: 'Go module cache: in the cache mount, mounted on every step that reads it', removedOnly: true },
    { path: '/root/go/**', why: 'Go module cache at its default (GOPATH=~/go): the mount point BuildKit creates', removedOnly: true },
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
  /**
   * a partial fix: the rule still reports on the fixed file, for what it refused (missing-cache-mount: a folder it
   * cannot mount), and the finding's message must contain this text
   */
  stillReports?: string;
  /** rules that must still report here but offer NO fix (a real build showed the fix would not be safe) */
  expectUnfixed?: string[];
  /** why the rule must not fix this case (what the real build showed) */
  unsafeBecause?: string;
  /** where the Dockerfile lives in the context (default `Dockerfile`); built with `-f` */
  dockerfilePath?: string;
  /** files tracked by git (the fake git of the tools image): `.git/tracked` is written with their md5 (+ the Dockerfile) */
  gitTracked?: string[];
  /** rebuild the FIXED file after pruning only the cache mounts and writing this file (layers stay cached) */
  rebuild?: { file: string; content: string };
  /**
   * paths the FIXED image must not contain: the cache the fix moves into a cache mount (a mount on the wrong dir leaves
   * it), the file an ignore-file fix excludes (excluding another file leaves it)
   */
  cacheOut?: string[];
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


const CSPROJ = '<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />\n    <PackageReference Include="Serilog" Version="4.0.0" />\n  </ItemGroup>\n</Project>\n';
const POM = '<project>\n  <dependencies>\n    <dependency><artifactId>dep-guava</artifactId></dependency>\n    <dependency><artifactId>dep-jackson</artifactId></dependency>\n  </dependencies>\n</project>\n';
const GOMOD = 'module example.com/app\n\nrequire example.com/lib v1.2.0\nrequire example.com/util v0.3.1\n';

/** `.git/tracked` for the fake git: md5 and path of each tracked file (the Dockerfile included). */
export function gitTrackedFile(files: Record<string, FileSpec>, dockerfile: string, dockerfilePath: string, tracked: string[]): string {
  const md5 = (t: string) => createHash('md5').update(t).digest('hex');
  const text = (p: string): string => {
    if (p === dockerfilePath) return dockerfile;
    const f = files[p];
    return typeof f === 'string' ? f : f && 'content' in f ? String(f.content) : '';
  };
  return [...tracked, dockerfilePath].map((p) => `${md5(text(p))} ${p}\n`).join('');
}

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
RUN ls -ln /home/node/app | awk '{ print $1, $3, $4, $5, $NF }' > /listing.txt
`,
    rules: ['broad-copy-before-install'],
    expectFixed: ['broad-copy-before-install'],
    // the listing records modes, owners, sizes and names of what COPY brought in: identical when the same files end up
    // there (not ls's dates: what the RUN creates has the build's minute, and two builds a minute apart differed)
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
    name: 'cache-mount/apt-rm-wildcard-over-mount',
    about: 'apt install followed by `rm -rf /var/cache/ap*`: the wildcard reaches /var/cache/apt itself, so only the index folder is mounted and the rm stays (with /var/cache/apt mounted it would fail on the mount point: found by s9-mutrules)',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/cache/ap*
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
    stillReports: 'No cache-mount fix for the apt package archives (/var/cache/apt): the RUN at line 2 deletes `/var/cache/ap*`, which holds /var/cache/apt.',
  },
  {
    name: 'cache-mount/apt-clean-in-a-later-run-without-docker-clean',
    about: 'no docker-clean hook; a later RUN updates, installs and runs `apt-get clean` (and may exit early, so its archives get no mount): both fixes mount the index there, not the archives, so that clean must stay (s9-mutrules: it was dropped, and that RUN\'s .debs stayed in the image)',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN rm /etc/apt/apt.conf.d/docker-clean
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN apt-get update && apt-get install -y --no-install-recommends git && apt-get clean && exec true
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
    stillReports: 'No cache-mount fix for the apt package archives (/var/cache/apt): the RUN at line 7 may exit early, before docker-clean is put back.',
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


  // --- missing-cache-mount: package stores and moved caches (issue 9) -----------------------------------------
  {
    name: 'cache-mount/dotnet-restore-then-publish-no-restore',
    about: 'dotnet restore, then dotnet publish --no-restore in a later RUN: the packages must be in the image',
    files: { 'app.csproj': CSPROJ, 'Program.cs': 'class P {}\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /src
COPY app.csproj .
RUN dotnet restore
COPY . .
RUN dotnet publish -c Release -o /app --no-restore
`,
    rules: ['missing-cache-mount'],
    expectFixed: [],
    unsafeBecause: 'missing-cache-mount: a cache mount on ~/.nuget/packages for `dotnet restore` leaves the packages out of the image; `dotnet publish --no-restore` then fails (NETSDK1064), and mounting the cache there too would fail whenever the restore layer is cached but the cache mount is empty',
    expectUnfixed: ['missing-cache-mount'],
  },
  {
    name: 'cache-mount/dotnet-restore-then-publish',
    about: 'dotnet restore, then dotnet publish (which restores again): the fix mounts the NuGet folder on both RUNs',
    files: { 'app.csproj': CSPROJ, 'Program.cs': 'class P {}\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /src
COPY app.csproj .
RUN dotnet restore
COPY . .
RUN dotnet publish -c Release -o /app
CMD ["/app/app.dll"]
`,
    rebuild: { file: 'Program.cs', content: 'class P { int v = 2; }\n' },
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
    cacheOut: ['/root/.nuget/packages'],
  },
  {
    name: 'cache-mount/maven-go-offline-then-offline-builds',
    about: 'mvn dependency:go-offline, then two RUNs with mvn -o: a mount on any one of them starves the offline ones',
    files: { 'pom.xml': POM, 'src/App.java': 'class App {}\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /src
COPY pom.xml .
RUN mvn dependency:go-offline
COPY src ./src
RUN mvn -o compile
RUN mvn -o package
`,
    rebuild: { file: 'src/App.java', content: 'class App { int v = 2; }\n' },
    rules: ['missing-cache-mount'],
    expectFixed: [],
    unsafeBecause: 'missing-cache-mount: ~/.m2 is a package store that `mvn -o` reads offline; with a cache mount on the go-offline RUN (or on one of the three) the offline build finds no artifacts',
    expectUnfixed: ['missing-cache-mount'],
  },
  {
    name: 'cache-mount/maven-settings-in-m2',
    about: 'settings.xml copied into ~/.m2 names the mirror: a mount on all of ~/.m2 would hide it; the fix mounts ~/.m2/repository',
    files: { 'pom.xml': POM, 'settings.xml': '<settings><mirrors><mirror><url>https://mirror.internal.example/maven</url></mirror></mirrors></settings>\n', 'src/App.java': 'class App {}\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /src
COPY settings.xml /root/.m2/settings.xml
COPY pom.xml .
COPY src ./src
RUN mvn package
CMD ["java", "-jar", "target/app.jar"]
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
    cacheOut: ['/root/.m2/repository'],
  },
  {
    name: 'cache-mount/go-mod-download-then-build-goproxy-off',
    about: 'go mod download, then go build with GOPROXY=off: the module cache is a store the build reads offline',
    files: { 'go.mod': GOMOD, 'main.go': 'package main\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
ENV GOPATH=/go
WORKDIR /src
COPY go.mod .
RUN go mod download
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build GOPROXY=off go build -o /app
CMD ["/app"]
`,
    rules: ['missing-cache-mount'],
    expectFixed: [],
    unsafeBecause: 'missing-cache-mount: with the module cache mounted on `go mod download` only, `go build` finds no modules and, offline, fails',
    expectUnfixed: ['missing-cache-mount'],
  },
  {
    name: 'cache-mount/go-mod-download-then-build',
    about: 'go mod download, then go build: the fix mounts GOMODCACHE on both RUNs and the build cache on the build',
    files: { 'go.mod': GOMOD, 'main.go': 'package main\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
ENV GOPATH=/go
WORKDIR /src
COPY go.mod .
RUN go mod download
COPY . .
RUN go build -o /app
CMD ["/app"]
`,
    rebuild: { file: 'main.go', content: 'package main // v2\n' },
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
    cacheOut: ['/go/pkg/mod', '/root/.cache/go-build'],
  },
  {
    name: 'cache-mount/go-build-cache',
    about: 'go build with no build-cache mount (recall): the fix mounts GOCACHE (/root/.cache/go-build for root)',
    files: { 'go.mod': 'module example.com/app\n', 'main.go': 'package main\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
WORKDIR /src
COPY . .
RUN go build -o /app
CMD ["/app"]
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
    cacheOut: ['/root/.cache/go-build'],
  },
  {
    name: 'cache-mount/npm-cache-moved-by-env',
    about: 'ENV npm_config_cache moves the npm cache: the mount must follow it',
    files: { 'package.json': PKG(), 'package-lock.json': LOCK, '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
ENV npm_config_cache=/var/cache/npm
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
    cacheOut: ['/var/cache/npm'],
    allowed: [{ path: '/var/cache/npm/**', why: 'the moved npm cache: in the cache mount' }],
  },
  {
    name: 'cache-mount/apt-clean-in-same-run',
    about: 'apt install && apt-get clean && rm -rf lists in one RUN: the fix drops the cleans (the mounts keep them out of the image) and sets docker-clean aside for this RUN only',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends curl \\
 && apt-get clean \\
 && rm -rf /var/lib/apt/lists/*
`,
    rules: ['missing-cache-mount'],
    expectFixed: ['missing-cache-mount'],
  },
  {
    name: 'cache-mount/apt-later-install-reads-lists',
    about: 'apt-get update && install, then a later RUN installs from the same index: the lists are a store that RUN reads',
    files: { 'tools.txt': 'make\n', '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update && apt-get install -y curl
COPY tools.txt /tools.txt
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get install -y $(cat /tools.txt)
`,
    rebuild: { file: 'tools.txt', content: 'make gcc\n' },
    rules: ['missing-cache-mount'],
    expectFixed: [],
    unsafeBecause: 'missing-cache-mount: with /var/lib/apt/lists mounted on the first RUN the image has no package index, and the second RUN (no update of its own) fails',
    expectUnfixed: ['missing-cache-mount'],
  },

  // --- context-includes-volatile: the Dockerfile built, steps that read the whole tree (issue 9) ---------------------
  {
    name: 'volatile/dockerfile-in-subfolder',
    about: 'the file built is hack/dockerfiles/lint.Dockerfile: the fix must exclude that file, not a root Dockerfile',
    files: { 'main.txt': 'main\n', '.dockerignore': 'node_modules\n' },
    dockerfilePath: 'hack/dockerfiles/lint.Dockerfile',
    cacheOut: ['/app/hack/dockerfiles/lint.Dockerfile'],
    dockerfile: `${TOOLS}
WORKDIR /app
COPY . .
RUN cat main.txt > /built.txt
`,
    rules: ['context-includes-volatile'],
    expectFixed: ['context-includes-volatile'],
    allowed: [
      { path: '/app/hack/dockerfiles/lint.Dockerfile', why: 'the Dockerfile built, excluded on purpose' },
      { path: '/app/hack/dockerfiles', why: 'its folder, empty once the Dockerfile is excluded' },
      { path: '/app/hack', why: 'its parent folder' },
      { path: '/app/.dockerignore', why: 'the ignore file, edited by the fix and excluding itself' },
    ],
  },
  {
    name: 'volatile/git-describe-dirty',
    about: 'a RUN stamps `git describe --dirty`: excluding the tracked Dockerfile makes the tree dirty and changes the version',
    files: { 'main.txt': 'main\n', '.dockerignore': 'node_modules\n', '.git/tag': 'v1.3.1\n' },
    gitTracked: ['main.txt', '.dockerignore'],
    dockerfile: `${TOOLS}
WORKDIR /src
COPY . .
RUN git describe --dirty > /VERSION && rm -rf .git
`,
    rules: ['context-includes-volatile'],
    expectFixed: [],
    unsafeBecause: 'context-includes-volatile: excluding the tracked Dockerfile (and the ignore file) from a context whose .git a step reads makes `git describe --dirty` report a dirty tree: the stamped version changes',
    expectUnfixed: ['context-includes-volatile'],
  },
  {
    name: 'volatile/bind-whole-context-script',
    about: 'a RUN bind-mounts the whole context and runs a repository script (here it stamps `git describe --dirty`): the step reads the tree on purpose',
    files: { 'main.txt': 'main\n', 'scripts/version.sh': { content: '#!/bin/sh\ngit describe --dirty\n', mode: 0o755 }, '.dockerignore': 'node_modules\n', '.git/tag': 'v2.0.0\n' },
    gitTracked: ['main.txt', 'scripts/version.sh', '.dockerignore'],
    dockerfile: `${TOOLS}
RUN --mount=type=bind,target=/src cd /src && ./scripts/version.sh > /VERSION
`,
    rules: ['context-includes-volatile'],
    expectFixed: [],
    unsafeBecause: 'context-includes-volatile: the bind-mounted tree is read whole by a script the rule cannot see into; excluding tracked files changed the version it stamped',
    expectUnfixed: ['context-includes-volatile'],
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
    name: 'cleanup/bin-rm-by-path',
    about: '/bin/rm -rf of the apt lists and a download in its own RUN: read like rm, appended to the RUN that made them',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN apt-get update && apt-get install -y curl && echo x > /tmp/download.tar
RUN /bin/rm -rf /var/lib/apt/lists/* /tmp/download.tar
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

  // session 12: cases where appending the cleanup to the RUN before it breaks the build or keeps the files (found by
  // mutation testing; before the fix each of these was offered, and this harness shows what it did to the build)
  {
    name: 'cleanup/rm-of-a-cache-mount-point',
    about: 'the RUN before has a cache mount on a folder the cleanup deletes: rm -rf of a mount point fails inside that RUN',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y curl && echo x > /tmp/download.tar
RUN rm -rf /var/cache/apt /tmp/download.tar
`,
    rules: ['cleanup-in-separate-layer'],
    expectFixed: [],
    unsafeBecause: 'cleanup-in-separate-layer: appended to the RUN with the cache mount, `rm -rf /var/cache/apt` removes the mount point and the build fails',
    expectUnfixed: ['cleanup-in-separate-layer'],
  },
  {
    name: 'cleanup/tmpfs-on-tmp',
    about: 'the RUN before has a tmpfs on /tmp: appended there, rm -rf /tmp/* empties the tmpfs and the image keeps what an earlier step left in /tmp',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN echo kept > /tmp/from-before.txt
RUN --mount=type=tmpfs,target=/tmp apt-get update && apt-get install -y curl
RUN rm -rf /tmp/*
`,
    rules: ['cleanup-in-separate-layer'],
    expectFixed: [],
    unsafeBecause: 'cleanup-in-separate-layer: inside the RUN with a tmpfs on /tmp the rm only empties the tmpfs: /tmp/from-before.txt stays in the image',
    expectUnfixed: ['cleanup-in-separate-layer'],
  },
  {
    name: 'cleanup/previous-run-ends-in-a-comment',
    about: 'the RUN before ends in a shell comment: appended after it, the cleanup is part of the comment',
    files: { '.dockerignore': IGNORE_DF },
    dockerfile: `${TOOLS}
RUN apt-get update && apt-get install -y curl # the tools
RUN rm -rf /var/lib/apt/lists/*
`,
    rules: ['cleanup-in-separate-layer'],
    expectFixed: [],
    unsafeBecause: 'cleanup-in-separate-layer: `… # the tools && rm -rf /var/lib/apt/lists/*` comments the rm out: the lists stay in the image',
    expectUnfixed: ['cleanup-in-separate-layer'],
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
