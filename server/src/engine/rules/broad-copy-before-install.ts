// broad-copy-before-install: a dependency install runs after a COPY/ADD that brings in far more than the manifests
// it needs, so any source edit reruns the install (measured: table b vs a).
import { readSelects, sourceSelects } from '../explain';
import { runScript } from '../shell';
import type { Step } from '../model';
import { entryType } from '../context';
import { runEnv, runHome } from '../fixsafety';
import { resolvePath } from '../model';
import { cacheSpecs, matchImplicitRestore, matchInstall, matchOsPackage, matchToolInstall, resolveCacheDir, under, type InstallMatch } from './managers';
import type { Finding, Rule, RuleContext, TextEdit } from './types';
import { copyDestWord, copyFlagsText, deleteLines, headRange, insertBefore, linesText, nothingAffectingBetween, plural, quoteInstr, stageSteps } from './util';

/** Managers whose `config` subcommand only sets how they install (written where the install reads it). */
const CONFIGURED = new Set(['bundle', 'npm', 'yarn', 'pnpm', 'pip', 'pip3', 'poetry', 'composer', 'git', 'gem', 'conda']);
const TRIVIAL = new Set(['cd', 'mkdir', 'rm', 'echo', 'true', 'ln', 'chown', 'chmod', 'touch', 'export', 'set', 'corepack', 'printf']);

function isManifest(inst: InstallMatch, p: string): boolean {
  const base = p.split('/').pop()!;
  // a wildcard source such as `package*.json` is a manifest source when it selects manifest names
  if (/[*?[]/.test(base) && inst.manifests.some((m) => sourceSelects(base, m.split('/').pop()!))) return true;
  return inst.manifests.some((m) => {
    const mb = m.split('/').pop()!;
    return sourceSelects(m, p) || sourceSelects(mb, base) || m === p;
  });
}

/**
 * How much more than the manifests does the COPY bring in? -1 = unknown but broad (no context to look at), 0 = not
 * broad. Broad means: the whole context, a directory, or at least 3 files that are not manifests — one extra file
 * copied on purpose next to the manifests (a Makefile, a script) is not worth a warning.
 */
function extraFiles(rc: RuleContext, copy: Step, inst: InstallMatch): number {
  const reads = rc.reads.get(copy.id);
  const sources = copy.contextReads.flatMap((r) => r.sources);
  if (!rc.ctx || !reads) {
    const broad = sources.some((s) => s === '' || s.endsWith('/') || (!/[*?[]/.test(s) && !isManifest(inst, s) && !/\.[A-Za-z0-9]+$/.test(s.split('/').pop()!)) || (/[*?[]/.test(s) && !isManifest(inst, s)));
    return broad ? -1 : 0;
  }
  // the count depends only on the context's sent paths, the COPY's reads and the manifests: an edit elsewhere in the
  // Dockerfile reuses it (`sent` is one array per context snapshot)
  let memo = extraMemo.get(rc.sent);
  if (!memo) extraMemo.set(rc.sent, (memo = new Map()));
  const key = JSON.stringify([copy.contextReads.map((r) => [r.sources, r.excludes]), inst.manifests]);
  let n = memo.get(key);
  if (n === undefined) {
    n = countExtra(rc, copy, inst, sources);
    if (memo.size > 10_000) memo.clear();
    memo.set(key, n);
  }
  return n;
}

const extraMemo = new WeakMap<string[], Map<string, number>>();

/** Does the COPY bring in at least one of the install's manifests (by path, or by name inside a copied folder)? */
function bringsManifest(rc: RuleContext, copy: Step, inst: InstallMatch): boolean {
  return rc.sent.some((p) => copy.contextReads.some((r) => readSelects(r, p)) && isManifest(inst, p));
}

function countExtra(rc: RuleContext, copy: Step, inst: InstallMatch, sources: string[]): number {
  let extra = 0;
  for (const p of rc.sent) {
    if (entryType(rc.ctx!, p) === 'dir') continue;
    if (!copy.contextReads.some((r) => readSelects(r, p))) continue;
    if (isManifest(inst, p)) continue;
    extra++;
  }
  const dirSource = sources.some((s) => s === '' || rc.ctx!.entry(s)?.type === 'dir');
  return dirSource || extra >= 3 ? extra : 0;
}

export const broadCopyBeforeInstall: Rule = {
  id: 'broad-copy-before-install',
  title: 'Dependency install after a broad COPY',
  defaultSeverity: 'warning',
  description:
    'A dependency install (npm ci, pip install -r, go mod download, …) runs after a COPY/ADD that brings in more than its manifest and lock files, so editing any copied source file reruns the install. Copy the manifests first, install, then copy the rest.',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    for (const stage of model.stages) {
      const steps = stageSteps(model, stage.index);
      for (let i = 0; i < steps.length; i++) {
        const run = steps[i]!;
        if (run.keyword !== 'RUN' || run.trigger) continue;
        const rs = runScript(run);
        if (!rs) continue;
        // manifest installs, then builds that restore implicitly (`dotnet publish` without --no-restore)
        let installs = rs.commands.map(matchInstall).filter((x): x is InstallMatch => !!x);
        // (with the NuGet folder on a cache mount, that restore is served from the cache: the pattern dotnet's own samples use)
        if (!installs.length && !run.mounts.some((m) => m.type === 'cache' && /\.nuget/.test(m.target ?? ''))) installs = rs.commands.map(matchImplicitRestore).filter((x): x is InstallMatch => !!x);
        // the install reads its manifests from a bind mount, not from what was copied
        if (run.mounts.some((m) => m.type === 'bind')) continue;
        // nearest earlier context COPY/ADD in the stage
        let copy: Step | null = null;
        for (let j = i - 1; j >= 0; j--) {
          const s = steps[j]!;
          if ((s.keyword === 'COPY' || s.keyword === 'ADD') && s.contextReads.length && !s.trigger) {
            copy = s;
            break;
          }
        }
        if (!copy) continue;
        if (!installs.length) {
          const tools = toolInstallFinding(rc, run, rs.commands, copy);
          if (tools) out.push(tools);
          continue;
        }
        const inst = installs[0]!;
        // a build that fetches its dependencies itself, with what it downloads and compiles on cache mounts: a rerun
        // takes the dependencies from there, so a separate dependency step would save nothing
        if (inst.needsSources && depsOnCacheMounts(rc, run, inst)) continue;
        // when the nearest copy brings none of the manifests (`COPY proto proto` after `COPY backends/server server`),
        // every copy from the one that does up to the install reruns it: name the broader of the two
        if (rc.ctx && !bringsManifest(rc, copy, inst)) {
          const earlier = steps.slice(0, steps.indexOf(copy)).reverse().find((s) => (s.keyword === 'COPY' || s.keyword === 'ADD') && s.contextReads.length && !s.trigger && bringsManifest(rc, s, inst));
          if (earlier && extraFiles(rc, earlier, inst) > extraFiles(rc, copy, inst)) copy = earlier;
        }
        // a dependency step of the same manager already runs before this one (`uv sync --no-install-project`,
        // `cargo chef cook`, `go mod download`, `dotnet restore`): this later command installs or builds the project
        // itself; one between the copy and this step carries the finding itself
        const copyIdx = steps.indexOf(copy);
        const earlierDeps = steps.slice(0, i).some((s, k) => {
          if (k > copyIdx && !inst.needsSources) return false;
          const r2 = s.keyword === 'RUN' ? runScript(s) : null;
          return !!r2 && r2.commands.some((c) => (matchInstall(c)?.manager === inst.manager && (k < copyIdx || !matchInstall(c)!.needsSources)) || (inst.manager === 'cargo' && c.words[1] === 'chef'));
        });
        if (earlierDeps) continue;
        const extra = extraFiles(rc, copy, inst);
        if (extra === 0) continue;
        const total = rc.reads.get(copy.id)?.files;
        const what = extra === 1 ? 'a change to the one other file it copies' : extra > 0 ? `a change to any of the ${plural(extra, 'other file')} it copies` : 'a change to any file it copies';
        const needs = inst.manifests.filter((m) => !rc.ctx || rc.sent.some((p) => sourceSelects(m, p)));
        // a workspace's members (or path dependencies) have manifests below the root that the install may read too
        const nested = rc.ctx ? workspaceMembers(rc, inst) : 0;
        const recursive = !rc.ctx && inst.manager === 'pnpm' && rs.commands.some((c) => matchInstall(c)?.manager === 'pnpm' && c.words.some((w) => w === '-r' || w === '--recursive'));
        const members = nested ? ` and the ${plural(nested, 'manifest')} of its workspace members` : recursive ? ' and the package.json of each workspace package (-r)' : '';
        // the RUN does more than the install (a build, a script, an install of the project itself): moving it whole
        // above the copy would break it, so the advice is to split the install out
        const other = rs.commands.find((c) => {
          const m = matchInstall(c);
          if (m) return m.needsSources;
          const at = c.words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
          const name = (c.words[at] ?? '').replace(/^.*\//, '');
          // tests of a file (`[ -s requirements.txt ]`) and a manager's own settings (`bundle config --local path …`)
          // belong with the install
          if (name === '[' || name === 'test' || (c.words[at + 1] === 'config' && CONFIGURED.has(name))) return false;
          return !TRIVIAL.has(name) && !matchOsPackage(c) && !matchToolInstall(c);
        });
        const otherText = other ? rs.script.slice(other.start, other.end).replace(/\s+/g, ' ').trim() : '';
        const alsoReads = other ? (otherText.length > 40 ? otherText.slice(0, 39) + '…' : otherText) : '';
        const message =
          `${quoteInstr(run)} (${inst.manager}) runs after ${quoteInstr(copy, 30)} on line ${copy.line + 1}: ${what} reruns the install` +
          `${total !== undefined && extra > 0 && total > extra ? ` (${plural(total, 'file')} copied)` : ''}, which needs only ${needs.length ? needs.join(', ') : inst.manifests.slice(0, 2).join(', ')}${members}.` +
          (inst.needsSources ? ' This command also builds the project itself, so split the dependency step from the build.' : alsoReads ? ` Copy those first and install in a RUN of its own, then copy the rest: this RUN also runs \`${alsoReads}\`, which may read the copied files.` : ' Copy those first, install, then copy the rest.');
        const f: Finding = {
          rule: this.id,
          severity: this.defaultSeverity,
          range: headRange(rc, run),
          message,
          related: [{ range: headRange(rc, copy), message: `the broad ${copy.keyword} the install depends on` }],
        };
        const fix = makeFix(rc, run, copy, inst, rs.commands.map((c) => c.words), steps, i);
        if (fix) f.fix = fix;
        out.push(f);
      }
    }
    return out;
  },
};

/**
 * True when every folder where the build keeps its dependencies is on a cache mount of this RUN: the manager's package
 * store (cargo registry, ~/.m2/repository, Gradle caches) and, for cargo, the target folder where it compiles them.
 */
function depsOnCacheMounts(rc: RuleContext, run: Step, inst: InstallMatch): boolean {
  if (!['cargo', 'maven', 'gradle'].includes(inst.manager)) return false;
  // cache mounts only: a tmpfs keeps nothing from one build to the next
  const mounted = run.mounts.filter((m) => m.type === 'cache').map((m) => resolvePath(run.workdir || '/', m.target ?? ''));
  const covered = (dir: string) => mounted.some((t) => under(dir, t));
  const env = runEnv(rc.model, run);
  const home = runHome(rc.model, run, env);
  for (const spec of cacheSpecs(inst.manager)) {
    const r = resolveCacheDir(spec, env, home);
    if (!('dir' in r) || !covered(r.dir)) return false;
  }
  if (inst.manager === 'cargo') {
    const t = env.get('CARGO_TARGET_DIR');
    if (t !== undefined && (/[$`~]/.test(t) || !t.startsWith('/'))) return false;
    if (!covered(t ?? resolvePath(run.workdir || '/', 'target'))) return false;
  }
  return true;
}

/** Files sent below the context root named like one of the install's manifests, outside node_modules folders. */
function nestedManifests(rc: RuleContext, inst: InstallMatch): string[] {
  return rc.sent.filter((p) => p.includes('/') && !p.split('/').includes('node_modules') && entryType(rc.ctx!, p) === 'file' && inst.manifests.some((m) => sourceSelects(m.split('/').pop()!, p.split('/').pop()!)));
}

/**
 * The manifests of a workspace's members when the context root declares a workspace for this manager (`[workspace]`
 * in Cargo.toml, `workspaces` in package.json, pnpm-workspace.yaml, go.work, `[tool.uv.workspace]`): a dependency
 * step needs them too. 0 when no workspace is declared there (nested manifests may be fixtures or other projects).
 */
function workspaceMembers(rc: RuleContext, inst: InstallMatch): number {
  const read = (p: string) => (rc.sent.includes(p) ? rc.ctx?.readText?.(p) : undefined);
  const declared = (): boolean => {
    switch (inst.manager) {
      case 'cargo':
        return /^\s*\[workspace\]/m.test(read('Cargo.toml') ?? '');
      case 'pnpm':
        return rc.sent.includes('pnpm-workspace.yaml');
      case 'npm':
      case 'yarn':
      case 'bun':
        return /"workspaces"\s*:/.test(read('package.json') ?? '');
      case 'go':
        return rc.sent.includes('go.work');
      case 'uv':
        return /^\s*\[tool\.uv\.workspace\]/m.test(read('pyproject.toml') ?? '');
      default:
        return false;
    }
  };
  return declared() ? nestedManifests(rc, inst).length : 0;
}

/**
 * Would the install still work with only the manifests in place? npm/yarn/pnpm/bun run the root package's lifecycle
 * scripts (which may read sources); a requirements file may include others (`-r`), or install the project (`-e .`).
 * Unknown content means no fix.
 */
function manifestsSelfContained(rc: RuleContext, inst: InstallMatch, files: string[]): boolean {
  const read = (p: string) => rc.ctx?.readText?.(p);
  if (['npm', 'yarn', 'pnpm', 'bun'].includes(inst.manager)) {
    const text = read('package.json');
    if (text === undefined) return false;
    try {
      const pkg = JSON.parse(text) as { scripts?: Record<string, unknown>; workspaces?: unknown };
      if (pkg.workspaces) return false; // workspace packages live in sub-folders the narrow COPY leaves out
      const scripts = pkg.scripts ?? {};
      return !['preinstall', 'install', 'postinstall', 'prepare', 'prepublish', 'preprepare', 'postprepare'].some((k) => k in scripts);
    } catch {
      return false;
    }
  }
  if (inst.manager === 'pip' || inst.manager === 'uv') {
    for (const f of files) {
      const text = read(f);
      if (text === undefined) return false;
      for (const line of text.split('\n')) {
        const t = line.replace(/#.*/, '').trim();
        if (!t) continue;
        if (readsLocal(t)) return false;
      }
    }
  }
  return true;
}

/**
 * Does a requirements line read a file or folder of the context: an include (`-r`, `-c`), an editable install, a
 * `--find-links` folder, a local path (`./pkg`, `/src/pkg`, `dist/x.whl`, an archive in the working folder) or a
 * `file:` URL (`pkg @ file:…`, with extras or a VCS scheme, `-i file:…`); in pyproject.toml or uv.lock a `path =` or
 * `directory =` source (a path dependency)?
 */
function readsLocal(t: string): boolean {
  if (/^(-r|--requirement|-c|--constraint|-e|--editable|-f|--find-links)\b/.test(t) || /^(\.|\/|~)/.test(t) || /\bfile:/.test(t) || /\b(path|directory)\s*=/.test(t)) return true;
  const first = t.split(/[\s;]/)[0]!;
  return !first.includes('://') && (first.includes('/') || /\.(whl|zip|tar\.gz|tar\.bz2|tgz)$/.test(first));
}

function makeFix(rc: RuleContext, run: Step, copy: Step, inst: InstallMatch, commands: string[][], steps: Step[], runIdx: number): { title: string; edits: TextEdit[] } | undefined {
  if (inst.needsSources || !rc.ctx || rc.ctx.partial) return undefined;
  // the broad copy must be the whole context, directly before the install (nothing else may move)
  if (copy.contextReads.length !== 1 || copy.contextReads[0]!.sources.length !== 1 || copy.contextReads[0]!.sources[0] !== '') return undefined;
  if (copy.contextReads[0]!.excludes.length) return undefined;
  if (steps[runIdx - 1] !== copy) return undefined;
  if (!nothingAffectingBetween(rc.model, run.stage, copy.line, run.line)) return undefined;
  if (run.argv) return undefined;
  // every command in the RUN must be part of the install (no build step that needs the sources)
  for (const words of commands) {
    if (matchInstall({ words, start: 0, end: 0 }) || matchOsPackage({ words, start: 0, end: 0 })) continue;
    const name = (words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '').replace(/^.*\//, '');
    if (name === 'cd') return undefined; // the install runs in another directory
    if (TRIVIAL.has(name) || ((name === 'npm' || name === 'yarn' || name === 'pnpm') && words.includes('cache'))) continue;
    return undefined;
  }
  // a manifest of the same kind below the root may be read by the install too (a solution's projects, a Go or Cargo
  // workspace, a `replace ./x` or path dependency): the fix would leave it out, so none is offered (packages installed
  // in a node_modules folder are not: the install replaces them)
  if (nestedManifests(rc, inst).length) return undefined;
  // manifests that exist at the root of the context
  const files: string[] = [];
  const dirs: string[] = [];
  for (const m of inst.manifests) {
    if (/[*?[]/.test(m)) {
      for (const p of rc.sent) if (!p.includes('/') && sourceSelects(m, p) && entryType(rc.ctx, p) === 'file') files.push(p);
      continue;
    }
    const e = rc.sent.includes(m) ? rc.ctx.entry(m) : undefined;
    if (!e) continue;
    if (e.type === 'dir') dirs.push(m);
    else files.push(m);
  }
  if (inst.required.some((r) => !files.includes(r) && !dirs.includes(r))) return undefined;
  if (!manifestsSelfContained(rc, inst, files)) return undefined;
  if (!files.length && !dirs.length) return undefined;
  let dest = copyDestWord(copy);
  if (dest === '.' || dest === './') dest = './';
  else if (!dest.endsWith('/')) dest += '/';
  const flags = copyFlagsText(copy);
  const lines: string[] = [];
  const uniq = [...new Set(files)].sort((a, b) => inst.manifests.indexOf(a) - inst.manifests.indexOf(b));
  if (uniq.length) lines.push(`COPY ${flags}${uniq.join(' ')} ${dest}`);
  for (const d of dirs) lines.push(`COPY ${flags}${d} ${dest}${d}/`);
  const runText = linesText(rc, run.range.start.line, run.range.end.line);
  return {
    title: `Copy ${[...uniq, ...dirs].join(', ')} first and run the install before ${quoteInstr(copy, 30)}`,
    edits: [insertBefore(copy.range.start.line, lines.join('\n') + '\n' + runText + '\n'), deleteLines(run.range.start.line, run.range.end.line)],
  };
}

/**
 * A RUN that only installs named tools from a registry (`yarn global add serve`, `pip install poetry`) after a broad
 * COPY: it reads nothing the copy brought in, yet any change there reruns it. No automatic fix: a tool can read
 * configuration the copy brought in without naming it (yarn reads ./.yarnrc even for `global add`), so moving it above
 * the copy is not provably the same install.
 */
function toolInstallFinding(rc: RuleContext, run: Step, commands: { words: string[]; start: number; end: number }[], copy: Step): Finding | null {
  const tools = commands.map(matchToolInstall).filter((t) => !!t);
  if (!tools.length) return null;
  for (const c of commands) {
    if (matchToolInstall(c) || matchOsPackage(c)) continue;
    const name = (c.words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? '').replace(/^.*\//, '');
    if (name === 'cd' || !TRIVIAL.has(name)) return null; // other commands may read what was copied
  }
  if (run.script !== undefined && /(^|[\s;&|])(\.\/|\.\.\/)/.test(run.script)) return null;
  const none: InstallMatch = { manager: tools[0]!.manager, manifests: [], required: [], needsSources: false, cacheTargets: [], command: tools[0]!.command };
  const extra = extraFiles(rc, copy, none);
  if (extra === 0) return null;
  const what = extra > 0 ? `a change to any of the ${plural(extra, 'file')} it copies` : 'a change to any file it copies';
  const pkgs = tools.flatMap((t) => t.packages);
  return {
    rule: broadCopyBeforeInstall.id,
    severity: broadCopyBeforeInstall.defaultSeverity,
    range: headRange(rc, run),
    message: `${quoteInstr(run)} installs ${pkgs.slice(0, 3).map((p) => '`' + p + '`').join(', ')}${pkgs.length > 3 ? ', …' : ''} from the registry and reads nothing from the build context, but runs after ${quoteInstr(copy, 30)} on line ${copy.line + 1}: ${what} reruns it. Install it before the copy.`,
    related: [{ range: headRange(rc, copy), message: `the broad ${copy.keyword} that reruns the install` }],
  };
}
