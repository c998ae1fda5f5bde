// On-disk state the editor keeps per Dockerfile: the last imported build log, mapped onto the Dockerfile with the
// prediction it was compared with, so that "last build: rebuilt, 94 s" survives a restart. Stored under the
// repository's git dir (`.git/layerwise/`), else `$XDG_CACHE_HOME/layerwise/builds`. The git dir is found by walking up
// the directories (no git process): this runs on the language server's protocol thread.
// Also the current HEAD of a repository, for the history worker's in-memory cache.
import { createHash } from 'node:crypto';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { pathsRead, sentPaths, type AnalyzeOptions, type BuildComparison, type BuildInput, type ContextSnapshot, type MappedStep, type Model, type RecordedPath } from '../engine';
import { runGit } from './git';

export interface BuildRecord {
  version: 1;
  /** Absolute path of the Dockerfile the log was mapped onto. */
  dockerfile: string;
  /** ISO time of the import. */
  importedAt: string;
  /** Where the log came from (a file name, "docker build", "editor"). */
  source: string;
  format: 'plain' | 'rawjson';
  steps: MappedStep[];
  /** The prediction the log was compared with (`HEAD (abc123)`), or null when there was none. */
  baseline: string | null;
  comparisons: BuildComparison[];
  problems: string[];
  /** What the build was built from (the live forecast's `lastBuild` baseline); absent in records of older versions. */
  input?: BuildInput;
  /**
   * The image the build wrote (`--iidfile`, else the log's `writing image sha256:…`) and the sha256 of the Dockerfile
   * text the log was mapped onto: its layers are shown only while the text is that one. Absent: no image known.
   */
  image?: { id: string; textSha256: string };
}

/** An image id as the daemon writes it. */
export const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** The sha256 of a Dockerfile text (BuildRecord.image.textSha256). */
export function textSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A context this large is not recorded with a build (the forecast then compares with HEAD). */
const MAX_RECORDED_PATHS = 200_000;

/**
 * The build input to store with an imported build: the Dockerfile text and options, and the sent context with the
 * content ids of what the built steps read (hashed now, once) and every path's size and mtime. Null when the context
 * is over MAX_RECORDED_PATHS or not on disk.
 */
export function recordBuildInput(ctx: ContextSnapshot & { abs?(p: string): string }, model: Model, text: string, options: AnalyzeOptions): BuildInput | null {
  if (!ctx.abs || ctx.partial) return null;
  const sent = [...sentPaths(ctx)].sort();
  if (sent.length > MAX_RECORDED_PATHS) return null;
  const read = pathsRead(model, ctx, sent);
  const paths: RecordedPath[] = [];
  for (const p of sent) {
    const e = ctx.entry(p);
    if (!e) continue;
    let mtimeMs: number | undefined;
    try {
      mtimeMs = fs.lstatSync(ctx.abs(p)).mtimeMs;
    } catch {
      continue; // gone meanwhile: not sent
    }
    const row: RecordedPath = { path: p, type: e.type, mode: e.mode, mtimeMs };
    if (e.size !== undefined && e.type !== 'dir') row.size = e.size;
    if (e.target !== undefined) row.target = e.target;
    if (read.has(p) && e.type !== 'dir') {
      const id = ctx.contentId(p);
      if (id !== undefined) row.id = id;
    }
    paths.push(row);
  }
  return { text, options, ignoreFile: ctx.ignoreFile, paths };
}

/**
 * The recorded paths whose type, mode, size or mtime differ on disk now (or that are gone): what the forecast
 * compares by content. Paths added since the build are found by explain (present on one side only).
 */
export function changedSinceBuild(input: BuildInput, root: string): string[] {
  const out: string[] = [];
  for (const r of input.paths) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(root, ...r.path.split('/')));
    } catch {
      out.push(r.path);
      continue;
    }
    const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
    if (type !== r.type || (st.mode & 0o7777) !== r.mode || (type !== 'dir' && (st.size !== r.size || st.mtimeMs !== r.mtimeMs))) out.push(r.path);
  }
  return out;
}

const MAX_RECORD = 64 * 1024 * 1024;

/** The git dir of the repository containing `start` (a `.git` directory, or the `gitdir:` of a `.git` file). */
export function findGitDir(start: string): string | null {
  let dir = path.resolve(start);
  for (let i = 0; i < 100; i++) {
    const g = path.join(dir, '.git');
    try {
      const st = fs.statSync(g);
      if (st.isDirectory()) return g;
      if (st.isFile() && st.size < 4096) {
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(fs.readFileSync(g, 'utf8'));
        if (m) return path.resolve(dir, m[1]!);
      }
    } catch {
      /* not here */
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  return null;
}

function recordName(dockerfile: string): string {
  return 'build-' + createHash('sha256').update(path.resolve(dockerfile)).digest('hex').slice(0, 16) + '.json';
}

function candidateDirs(dockerfile: string): string[] {
  const out: string[] = [];
  const gitDir = findGitDir(path.dirname(dockerfile));
  if (gitDir) out.push(path.join(gitDir, 'layerwise'));
  const base = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  out.push(path.join(base, 'layerwise', 'builds'));
  return out;
}

/** Writes the record (atomically); returns the file, or null when no location is writable. */
export function saveBuildRecord(rec: BuildRecord): string | null {
  const name = recordName(rec.dockerfile);
  for (const dir of candidateDirs(rec.dockerfile)) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, name);
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(rec));
      fs.renameSync(tmp, file);
      return file;
    } catch {
      /* read-only: try the next location */
    }
  }
  return null;
}

/** The stored record for a Dockerfile, or null (none, unreadable, or for another file). */
export function loadBuildRecord(dockerfile: string): BuildRecord | null {
  const name = recordName(dockerfile);
  for (const dir of candidateDirs(dockerfile)) {
    const file = path.join(dir, name);
    try {
      const st = fs.lstatSync(file);
      if (!st.isFile() || st.size > MAX_RECORD) continue;
      const j = JSON.parse(fs.readFileSync(file, 'utf8')) as BuildRecord;
      if (j?.version !== 1 || j.dockerfile !== path.resolve(dockerfile) || !Array.isArray(j.steps) || !Array.isArray(j.comparisons)) continue;
      // a build input of another shape (edited, older) is dropped: the forecast then uses HEAD
      if (j.input !== undefined && !(typeof j.input?.text === 'string' && Array.isArray(j.input.paths) && typeof j.input.options === 'object' && j.input.options)) delete j.input;
      if (j.image !== undefined && !(typeof j.image?.id === 'string' && IMAGE_ID.test(j.image.id) && typeof j.image.textSha256 === 'string')) delete j.image;
      return j;
    } catch {
      /* missing or corrupt: try the next */
    }
  }
  return null;
}

/** The commit HEAD names in the repository containing `dir`, or null (not a repository, no commits). */
export function currentHead(dir: string): string | null {
  try {
    const out = runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { cwd: dir }).toString('utf8').trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

/**
 * A cheap stamp of where HEAD points in the repository containing `dir` (HEAD's text and the ref file or packed-refs it
 * resolves through), read from files without running git; null outside a repository. Equal stamps: HEAD did not move.
 */
export function headStamp(dir: string): string | null {
  const gitDir = findGitDir(dir);
  if (!gitDir) return null;
  const read = (f: string): string => {
    try {
      return fs.readFileSync(f, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const head = read(path.join(gitDir, 'HEAD'));
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (!ref) return head;
  // a worktree's refs live in the common dir
  const common = read(path.join(gitDir, 'commondir'));
  const refDir = common ? path.resolve(gitDir, common) : gitDir;
  let packed = '';
  try {
    const st = fs.statSync(path.join(refDir, 'packed-refs'));
    packed = `${st.size}:${st.mtimeMs}`;
  } catch {
    /* none */
  }
  return `${head}\n${read(path.join(refDir, ref))}\n${packed}`;
}
