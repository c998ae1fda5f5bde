// A hardened git runner and a git-revision view of a build context.
// git is always run directly (execFile/spawn, never a shell) with every config knob that can execute a program
// neutralised: hooks, fsmonitor, external diff, textconv, pager, clean/smudge filters. No GIT_* variable from our
// environment (GIT_DIR, GIT_WORK_TREE, GIT_CONFIG_PARAMETERS, ...) is passed on.
import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import path = require('node:path');
import type { ContextEntry, ContextProblem, ContextSnapshot } from '../engine/context';

export interface GitRunOptions {
  cwd: string;
  input?: string | Buffer;
  timeoutMs?: number;
  maxBuffer?: number;
  /** Extra `-c key=value` settings (before the subcommand). */
  config?: string[];
}

export class GitError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const HARDENING = [
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'core.fsmonitor=false',
  '-c', 'diff.external=',
  '-c', 'core.pager=cat',
  '-c', 'core.untrackedCache=false',
  '-c', 'core.splitIndex=false',
  '-c', 'protocol.allow=never',
  '--no-pager',
  '--literal-pathspecs',
];

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_OPTIONAL_LOCKS = '0';
  env.GIT_PAGER = 'cat';
  env.GIT_ASKPASS = 'true';
  env.LC_ALL = 'C';
  return env;
}

/** Runs git with the hardening flags; returns stdout as a Buffer or throws GitError. */
export function runGit(args: string[], opts: GitRunOptions): Buffer {
  const r = spawnSync('git', [...HARDENING, ...(opts.config ?? []), ...args], {
    cwd: opts.cwd,
    env: gitEnv(),
    input: opts.input,
    timeout: opts.timeoutMs ?? 30_000,
    maxBuffer: opts.maxBuffer ?? 512 * 1024 * 1024,
    windowsHide: true,
    shell: false,
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GitError('git is not installed (not found on PATH)', null, '');
    if (code === 'ETIMEDOUT') throw new GitError(`git ${args[0]} timed out`, null, '');
    throw new GitError(`git ${args[0]} failed: ${r.error.message}`, null, '');
  }
  if (r.status !== 0) {
    const stderr = r.stderr?.toString('utf8') ?? '';
    throw new GitError(`git ${args[0]} failed: ${stderr.trim().split('\n')[0] ?? ''}`, r.status, stderr);
  }
  return r.stdout;
}

/** The top-level directory of the work tree containing `dir` (real path). */
export function findRepoRoot(dir: string): string {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new Error(`not a git repository: ${dir} (directory does not exist)`);
  try {
    const out = runGit(['rev-parse', '--show-toplevel'], { cwd: abs }).toString('utf8').replace(/\n$/, '');
    if (!out) throw new Error('empty');
    return out;
  } catch {
    throw new Error(`not a git repository: ${dir}`);
  }
}

/** The commit id `rev` names in `repo`. */
export function resolveRev(repo: string, rev: string): string {
  if (!rev || rev.startsWith('-') || /[\0\n]/.test(rev)) throw new Error(`unknown revision ${rev}`);
  let out: string;
  try {
    out = runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', rev + '^{commit}'], { cwd: repo }).toString('utf8');
  } catch (e) {
    if (e instanceof GitError && e.status === 128 && /not a git repository/i.test(e.stderr))
      throw new Error(`not a git repository: ${repo}`);
    throw new Error(`unknown revision ${rev}`);
  }
  const id = out.trim();
  if (!/^[0-9a-f]{40,64}$/.test(id)) throw new Error(`unknown revision ${rev}`);
  return id;
}

/** `-c filter.NAME.clean=` etc. for every filter driver the repository configures, so none runs. */
export function filterOverrides(repo: string): string[] {
  let out = '';
  try {
    out = runGit(['config', '-z', '--get-regexp', '^filter\\.'], { cwd: repo }).toString('utf8');
  } catch {
    return []; // exit status 1 = no such keys
  }
  const names = new Set<string>();
  for (const rec of out.split('\0')) {
    const key = rec.split('\n')[0];
    const m = /^filter\.(.+)\.[^.]+$/s.exec(key);
    if (m) names.add(m[1]);
  }
  const res: string[] = [];
  for (const n of names)
    res.push('-c', `filter.${n}.clean=`, '-c', `filter.${n}.smudge=`, '-c', `filter.${n}.process=`, '-c', `filter.${n}.required=false`);
  return res;
}

function splitZ(buf: Buffer): string[] {
  const s = buf.toString('utf8');
  const parts = s.split('\0');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Reads a blob at `commit:relPath` (repo-relative posix), or null when it does not exist or is not a blob. */
export function readBlobAt(repo: string, commit: string, relPath: string): Buffer | null {
  try {
    const type = runGit(['cat-file', '-t', `${commit}:${relPath}`], { cwd: repo }).toString('utf8').trim();
    if (type !== 'blob') return null;
    return runGit(['cat-file', 'blob', `${commit}:${relPath}`], { cwd: repo });
  } catch {
    return null;
  }
}

interface GitEntry extends ContextEntry {
  oid: string;
}

export class GitContext implements ContextSnapshot {
  readonly modeGranularity = 'git' as const;
  readonly problems: ContextProblem[] = [];
  constructor(
    readonly label: string,
    private readonly map: Map<string, GitEntry>,
    readonly ignoreFile: { name: string; text: string } | null,
  ) {}
  paths(): Iterable<string> {
    return this.map.keys();
  }
  get size(): number {
    return this.map.size;
  }
  entry(p: string): ContextEntry | undefined {
    return this.map.get(p);
  }
  contentId(p: string): string | undefined {
    const e = this.map.get(p);
    return e && e.type !== 'dir' ? e.oid : undefined;
  }
}

/** realpath when it exists, else the resolved path (so symlinked temp dirs compare equal). */
export function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** `abs` relative to the repository root in git's form, or null when it lies outside. */
export function toRepoRel(repoRoot: string, abs: string): string | null {
  const rel = path.relative(repoRoot, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}

/** Reads the context tree of `commit` (ls-tree). `ctxRel` is repo-relative ('' = the whole repository). */
export function loadGitContext(repoRoot: string, commit: string, ctxRel: string, label: string, ignoreFile: GitContext['ignoreFile']): GitContext {
  const args = ['ls-tree', '-r', '-t', '-l', '-z', '--full-tree', commit];
  if (ctxRel) args.push('--', ctxRel);
  const out = runGit(args, { cwd: repoRoot });
  const map = new Map<string, GitEntry>();
  const links: string[] = [];
  const prefix = ctxRel ? ctxRel + '/' : '';
  for (const rec of splitZ(out)) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid, size] = rec.slice(0, tab).split(/ +/);
    const full = rec.slice(tab + 1);
    if (!full.startsWith(prefix) || full === ctxRel) continue;
    const p = full.slice(prefix.length);
    if (type === 'tree' || type === 'commit') map.set(p, { type: 'dir', mode: 0o755, oid });
    else if (mode === '120000') {
      map.set(p, { type: 'symlink', mode: 0o777, oid, size: Number(size) });
      links.push(p);
    } else map.set(p, { type: 'file', mode: mode === '100755' ? 0o755 : 0o644, oid, size: Number(size) });
  }
  if (links.length) {
    // link targets in one `cat-file --batch` call
    const input = links.map((p) => map.get(p)!.oid).join('\n') + '\n';
    const buf = runGit(['cat-file', '--batch'], { cwd: repoRoot, input });
    let pos = 0;
    for (const p of links) {
      const nl = buf.indexOf(0x0a, pos);
      const header = buf.subarray(pos, nl).toString('utf8').split(' ');
      const len = Number(header[2]);
      const e = map.get(p)!;
      e.target = buf.subarray(nl + 1, nl + 1 + len).toString('utf8');
      pos = nl + 1 + len + 1;
    }
  }
  return new GitContext(label, map, ignoreFile);
}

export interface GitBaselineOptions {
  contextDir: string;
  /** The Dockerfile on disk (absolute or relative to the current directory); may be outside the context. */
  dockerfilePath: string;
  rev: string;
  /**
   * Which tracked context files to check where git's stat data cannot be trusted (assume-unchanged/skip-worktree
   * entries, a restored mtime in the second the index was written); default all; false turns the checks off (bench).
   * The CLI passes the paths its steps read.
   */
  statCheck?: ((rel: string) => boolean) | false;
}

export interface GitBaseline {
  repoRoot: string;
  commit: string;
  /** The Dockerfile's text at `rev`, null when it did not exist there. */
  dockerfileText: string | null;
  context: GitContext;
  /** Context-relative paths that may differ between `rev` and the working tree (modified, added, deleted, mode, untracked, ignored). */
  changedHint: string[];
  /**
   * Hinted files whose size and executable bit match `rev` and whose mtime was restored (older than their ctime):
   * if their bytes differ, a builder holding the previous context transfer does not see it (ExplainInput.sameStat).
   */
  sameStat: string[];
}

/**
 * Tracked files whose index stat data cannot be trusted, added to the hint so their content is compared:
 * - entries git is told not to look at (update-index --assume-unchanged: a lowercase `ls-files -v` tag;
 *   --skip-worktree: S);
 * - a file rewritten in the second its index entry was written, with its mtime restored: git compares ctime to the
 *   second at best and does not take the entry as racy (its mtime looks older than the index), so the entry matches.
 *   Such a file has mtime < ctime (a write sets both to the same instant; utimes sets only mtime) and a ctime no
 *   earlier than a second before the index was written.
 * Cost: one `ls-files -v` pass and an lstat per checked file (bench/context.bench.ts).
 */
function untrustedStat(
  repoRoot: string,
  ctxAbs: string,
  prefix: string,
  pathspec: string[],
  cfg: string[],
  context: GitContext,
  hint: Set<string>,
  add: (full: string) => void,
  wanted: (rel: string) => boolean,
): void {
  const tagged = runGit(['ls-files', '-v', '-z', '--full-name', ...pathspec], { cwd: repoRoot, config: cfg });
  for (const e of splitZ(tagged)) {
    const tag = e.charAt(0);
    if (e.charAt(1) === ' ' && (tag === 'S' || (tag >= 'a' && tag <= 'z')) && e.startsWith(prefix, 2) && wanted(e.slice(2 + prefix.length))) add(e.slice(2));
  }
  let indexMs: number;
  try {
    const rel = runGit(['rev-parse', '--git-path', 'index'], { cwd: repoRoot, config: cfg }).toString('utf8').trim();
    indexMs = fs.statSync(path.resolve(repoRoot, rel)).mtimeMs;
  } catch {
    return; // no index: git diff compares every file
  }
  for (const p of context.paths()) {
    if (hint.has(p) || context.entry(p)?.type !== 'file' || !wanted(p)) continue;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(ctxAbs, ...p.split('/')));
    } catch {
      continue;
    }
    if (st.mtimeMs < st.ctimeMs && st.ctimeMs >= indexMs - 1000) hint.add(p);
  }
}

export function gitBaseline(opts: GitBaselineOptions): GitBaseline {
  const ctxAbs = realOrResolved(opts.contextDir);
  if (!fs.existsSync(ctxAbs) || !fs.statSync(ctxAbs).isDirectory())
    throw new Error(`build context is not a directory: ${opts.contextDir}`);
  const repoRoot = realOrResolved(findRepoRoot(ctxAbs));
  const commit = resolveRev(repoRoot, opts.rev);
  const ctxRel = toRepoRel(repoRoot, ctxAbs);
  if (ctxRel === null) throw new Error(`build context ${opts.contextDir} is outside the repository ${repoRoot}`);
  const dfAbs = path.join(realOrResolved(path.dirname(path.resolve(opts.dockerfilePath))), path.basename(opts.dockerfilePath));
  const dfRel = toRepoRel(repoRoot, dfAbs);
  const dfBlob = dfRel ? readBlobAt(repoRoot, commit, dfRel) : null;
  const dockerfileText = dfBlob ? dfBlob.toString('utf8') : null;

  // ignore file at rev: `<Dockerfile>.dockerignore`, else `<context>/.dockerignore`
  let ignoreFile: GitContext['ignoreFile'] = null;
  const candidates: { name: string; rel: string | null }[] = [];
  const dfIgnoreAbs = dfAbs + '.dockerignore';
  const inCtx = path.relative(ctxAbs, dfIgnoreAbs);
  candidates.push({
    name: inCtx && !inCtx.startsWith('..') && !path.isAbsolute(inCtx) ? inCtx.split(path.sep).join('/') : dfIgnoreAbs,
    rel: toRepoRel(repoRoot, dfIgnoreAbs),
  });
  candidates.push({ name: '.dockerignore', rel: ctxRel ? ctxRel + '/.dockerignore' : '.dockerignore' });
  for (const c of candidates) {
    if (!c.rel) continue;
    const b = readBlobAt(repoRoot, commit, c.rel);
    if (b) {
      ignoreFile = { name: c.name, text: b.toString('utf8') };
      break;
    }
  }

  const context = loadGitContext(repoRoot, commit, ctxRel, `git:${opts.rev}`, ignoreFile);

  // changed hint
  const prefix = ctxRel ? ctxRel + '/' : '';
  const pathspec = ctxRel ? ['--', ctxRel] : [];
  const hint = new Set<string>();
  const add = (full: string) => {
    if (full.endsWith('/')) full = full.slice(0, -1);
    if (!full.startsWith(prefix) || full === ctxRel) return;
    hint.add(full.slice(prefix.length));
  };
  const cfg = filterOverrides(repoRoot);
  // git diff trusts an index entry whose stat data matches the file. BuildKit compares content, so the stat check
  // must be as strict as git allows, whatever the repository or user config says: ctime on (a file rewritten with a
  // restored mtime — cp -p, touch -r, tar x, rsync -t — keeps size and mtime but not ctime), full stat comparison,
  // no core.ignoreStat. Racily clean entries (mtime not older than the index) git re-reads itself.
  const strictStat = opts.statCheck === false ? [] : ['-c', 'core.trustctime=true', '-c', 'core.checkStat=default', '-c', 'core.ignoreStat=false'];
  const diff = runGit(['diff', '--raw', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', '--ignore-submodules=none', commit, ...pathspec], {
    cwd: repoRoot,
    config: [...cfg, ...strictStat],
  });
  const parts = splitZ(diff);
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].startsWith(':')) {
      const p = parts[i + 1];
      if (p !== undefined) add(p);
      i++;
    }
  }
  const others = runGit(['ls-files', '--others', '-z', '--full-name', ...pathspec], { cwd: repoRoot, config: cfg });
  for (const p of splitZ(others)) add(p);
  if (opts.statCheck !== false) untrustedStat(repoRoot, ctxAbs, prefix, pathspec, cfg, context, hint, add, opts.statCheck ?? (() => true));

  const sameStat: string[] = [];
  for (const p of hint) {
    const e = context.entry(p);
    if (e?.type !== 'file') continue;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(ctxAbs, ...p.split('/')));
    } catch {
      continue;
    }
    if (st.isFile() && st.size === e.size && !!(st.mode & 0o111) === !!(e.mode & 0o111) && st.mtimeMs < st.ctimeMs) sameStat.push(p);
  }
  return { repoRoot, commit, dockerfileText, context, changedHint: [...hint], sameStat };
}
