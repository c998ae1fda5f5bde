// Reads a repository's history as data for the engine's replay (engine/history.ts), with the hardened git runner:
//  - ONE `git log --first-parent --diff-merges=first-parent --raw -z --no-renames` pass limited to the build context,
//    the Dockerfile and its ignore files (the last N commits that touched them; merges compared with the first parent),
//  - the Dockerfile / ignore texts on both sides of each commit, derived by walking back from HEAD with the blob ids
//    the raw records carry, read in ONE `git cat-file --batch` call,
//  - a tree listing only for the rare commits whose ignore file changed (files that were not changed can start or stop
//    being sent),
//  - an on-disk cache per repository keyed by HEAD (under the repository's git dir, else $XDG_CACHE_HOME/layerwise).
// Shallow clones, empty repositories and directories outside git give a "no history" state, never an error.
import { createHash } from 'node:crypto';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import type { HistoryChange, HistoryCommit, PathState } from '../engine/history';
import { findGitDir } from './evidence';
import { findRepoRoot, realOrResolved, runGit, toRepoRel } from './git';

export interface LoadHistoryOptions {
  contextDir: string;
  /** The Dockerfile on disk (absolute or relative to the current directory). */
  dockerfilePath: string;
  /** How many commits that touched the context / Dockerfile to read (default 100). */
  commits?: number;
  /** Use and fill the on-disk cache (default true). */
  cache?: boolean;
}

export interface HistoryData {
  state: 'ok' | 'no-history';
  /** Why there is no history. */
  reason?: string;
  repoRoot?: string;
  head?: string;
  /** Newest first. */
  commits: HistoryCommit[];
  /** Where the result came from. */
  source: 'git' | 'cache' | 'none';
  cacheFile?: string;
}

const FORMAT_VERSION = 1;
const MAX_TEXT = 16 * 1024 * 1024;
const ZERO = /^0+$/;

function noHistory(reason: string, extra: Partial<HistoryData> = {}): HistoryData {
  return { state: 'no-history', reason, commits: [], source: 'none', ...extra };
}

/**
 * The "no history" answer for a context directory that no git repository contains (no `.git` in its real path or
 * above it: where git itself looks, since no GIT_* variable is passed on), found with a few stats and without
 * running git; null when there may be one (then loadHistory answers). The language server answers this way on the
 * protocol thread instead of starting the history worker.
 */
export function noRepository(contextDir: string): HistoryData | null {
  const abs = realOrResolved(contextDir);
  try {
    if (!fs.statSync(abs).isDirectory()) return null;
  } catch {
    return null; // loadHistory says why
  }
  return findGitDir(abs) ? null : noHistory(`${contextDir} is not in a git repository`);
}

/** Reads the history (or the cached copy for the current HEAD). */
export function loadHistory(opts: LoadHistoryOptions): HistoryData {
  const n = opts.commits ?? 100;
  if (!Number.isInteger(n) || n < 1) throw new Error(`commits must be a positive integer (got ${n})`);
  const ctxAbs = realOrResolved(opts.contextDir);
  if (!fs.existsSync(ctxAbs) || !fs.statSync(ctxAbs).isDirectory()) throw new Error(`build context is not a directory: ${opts.contextDir}`);
  let repoRoot: string;
  try {
    repoRoot = realOrResolved(findRepoRoot(ctxAbs));
  } catch {
    return noHistory(`${opts.contextDir} is not in a git repository`);
  }
  let head: string;
  try {
    head = runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: repoRoot }).toString('utf8').trim();
  } catch {
    return noHistory('the repository has no commits yet', { repoRoot });
  }
  if (!/^[0-9a-f]{40,64}$/.test(head)) return noHistory('the repository has no commits yet', { repoRoot });
  const shallow = runGit(['rev-parse', '--is-shallow-repository'], { cwd: repoRoot }).toString('utf8').trim();
  if (shallow === 'true') return noHistory('shallow clone: the history is cut off (git fetch --unshallow to replay it)', { repoRoot, head });

  const ctxRel = toRepoRel(repoRoot, ctxAbs);
  if (ctxRel === null) throw new Error(`build context ${opts.contextDir} is outside the repository ${repoRoot}`);
  const dfAbs = path.join(realOrResolved(path.dirname(path.resolve(opts.dockerfilePath))), path.basename(opts.dockerfilePath));
  const dfRel = toRepoRel(repoRoot, dfAbs);
  if (dfRel === null) return noHistory(`the Dockerfile ${opts.dockerfilePath} is outside the repository`, { repoRoot, head });
  const dfIgnoreRel = dfRel + '.dockerignore';
  const ctxIgnoreRel = ctxRel ? ctxRel + '/.dockerignore' : '.dockerignore';

  // cache
  const useCache = opts.cache !== false;
  const keyMaterial = JSON.stringify([FORMAT_VERSION, ctxRel, dfRel, n]);
  const cacheName = 'history-' + createHash('sha256').update(repoRoot + '\0' + keyMaterial).digest('hex').slice(0, 16) + '.json';
  let cacheFile: string | undefined;
  if (useCache) {
    cacheFile = cachePath(repoRoot, cacheName);
    const hit = readCache(cacheFile, head, keyMaterial);
    if (hit) return { state: 'ok', repoRoot, head, commits: hit, source: 'cache', cacheFile };
  }

  const commits = readCommits(repoRoot, head, ctxRel, dfRel, dfIgnoreRel, ctxIgnoreRel, n);
  if (useCache && cacheFile) writeCache(cacheFile, head, keyMaterial, commits);
  return { state: 'ok', repoRoot, head, commits, source: 'git', cacheFile };
}

interface RawCommit {
  id: string;
  parents: string[];
  time: number;
  subject: string;
  entries: { path: string; before: PathState | null; after: PathState | null }[];
}

/** One `git log` pass: commits (newest first) with their raw changes against the first parent. */
function gitLog(repoRoot: string, pathspecs: string[], n: number): RawCommit[] {
  const args = [
    'log', '--first-parent', '--diff-merges=first-parent', '--raw', '-z', '--no-renames', '--no-abbrev', '--no-ext-diff',
    '--no-textconv', '--ignore-submodules=none', '--format=%x01%H %P%x02%ct%x02%s', `-n${n}`, 'HEAD',
  ];
  if (pathspecs.length) args.push('--', ...pathspecs);
  const out = runGit(args, { cwd: repoRoot, timeoutMs: 120_000 }).toString('utf8');
  const commits: RawCommit[] = [];
  for (const rec of out.split('\x01')) {
    if (!rec) continue;
    const z = rec.indexOf('\0');
    const header = z < 0 ? rec : rec.slice(0, z);
    const [ids, time, ...subj] = header.split('\x02');
    const [id, ...parents] = (ids ?? '').trim().split(' ').filter(Boolean);
    if (!id) continue;
    const c: RawCommit = { id, parents, time: Number(time) || 0, subject: subj.join('\x02'), entries: [] };
    const body = z < 0 ? '' : rec.slice(z + 1);
    const parts = body.split('\0');
    for (let i = 0; i < parts.length; i++) {
      const meta = parts[i]!.replace(/^\n/, '');
      if (!meta.startsWith(':')) continue;
      const p = parts[++i];
      if (p === undefined) break;
      const [m1, m2, o1, o2] = meta.slice(1).split(' ');
      c.entries.push({
        path: p,
        before: m1 && !ZERO.test(m1) ? { mode: m1, id: o1 ?? '' } : null,
        after: m2 && !ZERO.test(m2) ? { mode: m2, id: o2 ?? '' } : null,
      });
    }
    commits.push(c);
  }
  return commits;
}

/** Blob ids of `paths` at `rev` (one ls-tree of those paths only). */
function blobsAt(repoRoot: string, rev: string, paths: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const buf = runGit(['ls-tree', '-z', '--full-tree', rev, '--', ...paths], { cwd: repoRoot }).toString('utf8');
  for (const rec of buf.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [, type, oid] = rec.slice(0, tab).split(/ +/);
    if (type === 'blob' && oid) out.set(rec.slice(tab + 1), oid);
  }
  return out;
}

/** Reads blobs in one `cat-file --batch` call; text per id (null for missing, binary or huge). */
function readBlobs(repoRoot: string, ids: string[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (!ids.length) return out;
  const buf = runGit(['cat-file', '--batch'], { cwd: repoRoot, input: ids.join('\n') + '\n' });
  let pos = 0;
  for (const id of ids) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break;
    const header = buf.subarray(pos, nl).toString('utf8').split(' ');
    if (header[1] === 'missing' || header.length < 3) {
      out.set(id, null);
      pos = nl + 1;
      continue;
    }
    const len = Number(header[2]);
    const body = buf.subarray(nl + 1, nl + 1 + len);
    out.set(id, header[1] !== 'blob' || len > MAX_TEXT || body.includes(0) ? null : body.toString('utf8').replace(/^\ufeff/, ''));
    pos = nl + 1 + len + 1;
  }
  return out;
}

function readCommits(repoRoot: string, head: string, ctxRel: string, dfRel: string, dfIgnoreRel: string, ctxIgnoreRel: string, n: number): HistoryCommit[] {
  const inCtx = (p: string) => ctxRel === '' || p === ctxRel || p.startsWith(ctxRel + '/');
  const specs = ctxRel === '' ? [] : [ctxRel, ...[dfRel, dfIgnoreRel].filter((p) => !inCtx(p))];
  const raw = gitLog(repoRoot, specs, n);
  const tracked = [dfRel, dfIgnoreRel, ctxIgnoreRel];
  // walk back from HEAD: the tracked files' blob ids after each commit, and before it (first parent)
  const state = blobsAt(repoRoot, head, tracked);
  const sides: { after: Map<string, string>; before: Map<string, string> }[] = [];
  for (const c of raw) {
    const after = new Map(state);
    for (const e of c.entries) {
      if (!tracked.includes(e.path)) continue;
      if (e.before && e.before.mode !== '160000') state.set(e.path, e.before.id);
      else state.delete(e.path);
    }
    sides.push({ after, before: new Map(state) });
  }
  const ids = new Set<string>();
  for (const s of sides) for (const m of [s.after, s.before]) for (const v of m.values()) ids.add(v);
  const texts = readBlobs(repoRoot, [...ids]);
  const text = (m: Map<string, string>, p: string): string | null => {
    const id = m.get(p);
    return id === undefined ? null : (texts.get(id) ?? null);
  };
  const ignoreText = (m: Map<string, string>): string | null => text(m, dfIgnoreRel) ?? text(m, ctxIgnoreRel);
  const prefix = ctxRel ? ctxRel + '/' : '';
  const commits: HistoryCommit[] = raw.map((c, i) => {
    const s = sides[i]!;
    const changes: HistoryChange[] = [];
    for (const e of c.entries) {
      if (!inCtx(e.path) || e.path === ctxRel) continue;
      changes.push({ path: e.path.slice(prefix.length), before: e.before, after: e.after });
    }
    const hc: HistoryCommit = {
      id: c.id,
      parents: c.parents,
      time: c.time,
      subject: c.subject,
      changes,
      dockerfile: { before: c.parents.length ? text(s.before, dfRel) : null, after: text(s.after, dfRel) },
      ignore: { before: c.parents.length ? ignoreText(s.before) : null, after: ignoreText(s.after) },
    };
    if (hc.ignore.before !== hc.ignore.after && c.parents.length) hc.tree = contextTree(repoRoot, c.id, ctxRel, new Set(changes.map((x) => x.path)));
    return hc;
  });
  return commits;
}

/** The context's files at `commit` except `skip` (only for commits whose ignore file changed). */
function contextTree(repoRoot: string, commit: string, ctxRel: string, skip: Set<string>): { path: string; mode: string; id: string }[] {
  const args = ['ls-tree', '-r', '-z', '--full-tree', commit];
  if (ctxRel) args.push('--', ctxRel);
  const out = runGit(args, { cwd: repoRoot }).toString('utf8');
  const prefix = ctxRel ? ctxRel + '/' : '';
  const res: { path: string; mode: string; id: string }[] = [];
  for (const rec of out.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, , oid] = rec.slice(0, tab).split(/ +/);
    const full = rec.slice(tab + 1);
    if (!full.startsWith(prefix)) continue;
    const p = full.slice(prefix.length);
    if (!skip.has(p) && mode && oid) res.push({ path: p, mode, id: oid });
  }
  return res;
}

// ---- cache ----

function cachePath(repoRoot: string, name: string): string | undefined {
  try {
    const gitDir = runGit(['rev-parse', '--absolute-git-dir'], { cwd: repoRoot }).toString('utf8').trim();
    const dir = path.join(gitDir, 'layerwise');
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return path.join(dir, name);
  } catch {
    /* read-only git dir: fall through */
  }
  try {
    const base = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
    const dir = path.join(base, 'layerwise', 'history');
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, name);
  } catch {
    return undefined;
  }
}

function readCache(file: string | undefined, head: string, key: string): HistoryCommit[] | null {
  if (!file) return null;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 256 * 1024 * 1024) return null;
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { head?: string; key?: string; commits?: HistoryCommit[] };
    if (j.head !== head || j.key !== key || !Array.isArray(j.commits)) return null;
    return j.commits;
  } catch {
    return null;
  }
}

function writeCache(file: string, head: string, key: string, commits: HistoryCommit[]): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ head, key, commits }));
    fs.renameSync(tmp, file);
  } catch {
    /* a cache that cannot be written is not an error */
  }
}
