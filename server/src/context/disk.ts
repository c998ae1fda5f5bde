// A build context read from the file system. Crawls like BuildKit's client sends it: symlinks are entries (never
// followed), empty directories count, directories the ignore file excludes entirely are not descended.
import fs = require('node:fs');
import path = require('node:path');
import { createHash } from 'node:crypto';
import type { ContextEntry, ContextProblem, ContextSnapshot, EntryType } from '../engine/context';
import { parseDockerignore, type DockerIgnore } from '../engine/dockerignore';

export interface DiskContextOptions {
  /** The Dockerfile (absolute, or relative to the current directory like `docker build -f`). Default `<dir>/Dockerfile`. */
  dockerfilePath?: string;
  /** Files larger than this are not hashed (problem 'too-large'). Default 256 MiB. */
  maxHashBytes?: number;
  /** Do not prune excluded directories (default false). */
  noPrune?: boolean;
}

const K_FILE = 1;
const K_DIR = 2;
const K_LINK = 3;

/** The git blob id of some bytes: sha1 of `blob <size>\0<bytes>`, hex. */
export function gitBlobId(data: Buffer | string): string {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return createHash('sha1').update(`blob ${buf.length}\0`).update(buf).digest('hex');
}

export interface IgnoreFileChoice {
  name: string;
  /** Absolute path on disk. */
  file: string;
}

/**
 * The candidates BuildKit looks at, in order: `<Dockerfile>.dockerignore` beside the Dockerfile, then
 * `<context>/.dockerignore`.
 */
export function ignoreFileCandidates(contextDir: string, dockerfilePath?: string): IgnoreFileChoice[] {
  const ctx = path.resolve(contextDir);
  const df = dockerfilePath ? path.resolve(dockerfilePath) : path.join(ctx, 'Dockerfile');
  const specific = df + '.dockerignore';
  return [
    { name: displayName(ctx, specific), file: specific },
    { name: '.dockerignore', file: path.join(ctx, '.dockerignore') },
  ];
}

function displayName(ctx: string, abs: string): string {
  const rel = path.relative(ctx, abs);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return abs;
}

function readIgnoreFile(contextDir: string, dockerfilePath: string | undefined, problems: ContextProblem[]) {
  for (const c of ignoreFileCandidates(contextDir, dockerfilePath)) {
    try {
      const st = fs.statSync(c.file);
      if (!st.isFile()) continue;
      return { name: c.name, text: fs.readFileSync(c.file, 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      problems.push({ kind: 'unreadable', path: c.name, message: `cannot read ${c.name}: ${(e as Error).message}` });
    }
  }
  return null;
}

function checkContextDir(dir: string): string {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`build context not found: ${dir}`);
    throw new Error(`cannot read build context ${dir}: ${(e as Error).message}`);
  }
  if (!st.isDirectory()) throw new Error(`build context is not a directory: ${dir}`);
  return abs;
}

export class DiskContext implements ContextSnapshot {
  readonly modeGranularity = 'exact' as const;
  /** The crawl's paths and ignore file never change (invalidate() forgets content, not paths). */
  readonly revision = 0;
  readonly partial?: boolean;
  private readonly entries = new Map<string, ContextEntry | null>();
  private readonly ids = new Map<string, string | null>();
  statGeneration = 0;

  constructor(
    readonly label: string,
    /** Absolute path of the context directory. */
    readonly root: string,
    private readonly kinds: Map<string, number>,
    readonly ignoreFile: { name: string; text: string } | null,
    readonly problems: ContextProblem[],
    readonly maxHashBytes: number,
    /** Directories not descended because the ignore file excludes them entirely. */
    readonly pruned: readonly string[],
  ) {}

  paths(): Iterable<string> {
    return this.kinds.keys();
  }

  get size(): number {
    return this.kinds.size;
  }

  has(p: string): boolean {
    return this.kinds.has(p);
  }

  /** The type the crawl's directory entry gave (no stat). */
  typeOf(p: string): EntryType | undefined {
    const k = this.kinds.get(p);
    return k === K_DIR ? 'dir' : k === K_LINK ? 'symlink' : k === K_FILE ? 'file' : undefined;
  }

  /** The absolute path of a context path. */
  abs(p: string): string {
    return path.join(this.root, ...p.split('/'));
  }

  entry(p: string): ContextEntry | undefined {
    const cached = this.entries.get(p);
    if (cached !== undefined) return cached ?? undefined;
    const kind = this.kinds.get(p);
    if (kind === undefined) return undefined;
    let e: ContextEntry | null = null;
    try {
      const st = fs.lstatSync(this.abs(p));
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) e = { type: 'symlink', mode, size: st.size, target: fs.readlinkSync(this.abs(p)) };
      else if (st.isDirectory()) e = { type: 'dir', mode };
      else e = { type: 'file', mode, size: st.size };
    } catch (err) {
      this.problem('missing', p, err);
    }
    this.entries.set(p, e);
    return e ?? undefined;
  }

  private aboveMax: number | null = null;

  /**
   * How many folders above the root existsAbove may look: up to the repository root (the nearest ancestor holding
   * `.git`, at most 4 levels up); none when the context is the repository root or no repository encloses it.
   */
  private aboveLimit(): number {
    if (this.aboveMax === null) {
      this.aboveMax = 0;
      let dir = this.root;
      for (let up = 0; up <= 4; up++) {
        if (fs.existsSync(path.join(dir, '.git'))) {
          this.aboveMax = up;
          break;
        }
        const parent = path.dirname(dir);
        if (parent === dir) break;
        dir = parent;
      }
    }
    return this.aboveMax;
  }

  existsAbove(levels: number, p: string): boolean {
    if (levels < 1 || levels > this.aboveLimit() || p === '' || p.split('/').includes('..')) return false;
    try {
      fs.lstatSync(path.join(this.root, ...Array<string>(levels).fill('..'), ...p.split('/')));
      return true;
    } catch {
      return false;
    }
  }

  /** The text of a small regular file in the context (manifests a rule needs to look into); links are not followed. */
  readText(p: string, maxBytes = 256 * 1024): string | undefined {
    const e = this.entry(p);
    if (!e || e.type !== 'file' || (e.size ?? 0) > maxBytes) return undefined;
    try {
      const buf = fs.readFileSync(this.abs(p));
      return buf.includes(0) ? undefined : buf.toString('utf8');
    } catch {
      return undefined;
    }
  }

  contentId(p: string): string | undefined {
    const cached = this.ids.get(p);
    if (cached !== undefined) return cached ?? undefined;
    let id: string | null = null;
    const e = this.entry(p);
    if (e?.type === 'symlink') id = gitBlobId(e.target ?? '');
    else if (e?.type === 'file') {
      if ((e.size ?? 0) > this.maxHashBytes) {
        this.problems.push({
          kind: 'too-large',
          path: p,
          message: `${p} is ${e.size} bytes, larger than ${this.maxHashBytes}: not hashed`,
        });
      } else {
        try {
          id = gitBlobId(fs.readFileSync(this.abs(p)));
        } catch (err) {
          this.problem('unreadable', p, err);
        }
      }
    }
    this.ids.set(p, id);
    return id ?? undefined;
  }

  /** Forget cached metadata and ids (e.g. after a file-change event). */
  invalidate(p?: string): void {
    this.statGeneration++;
    if (p === undefined) {
      this.entries.clear();
      this.ids.clear();
    } else {
      this.entries.delete(p);
      this.ids.delete(p);
    }
  }

  private problem(kind: ContextProblem['kind'], p: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') kind = 'missing';
    this.problems.push({ kind, path: p, message: `${p}: ${(err as Error).message}` });
  }
}

interface WalkState {
  kinds: Map<string, number>;
  problems: ContextProblem[];
  pruned: string[];
  ig: DockerIgnore | null;
}

function handleDirent(st: WalkState, rel: string, d: fs.Dirent, queue: string[]): void {
  if (d.isDirectory()) {
    if (st.ig && st.ig.canSkipDir(rel)) {
      st.pruned.push(rel);
      return;
    }
    st.kinds.set(rel, K_DIR);
    queue.push(rel);
  } else if (d.isSymbolicLink()) st.kinds.set(rel, K_LINK);
  else if (d.isFile()) st.kinds.set(rel, K_FILE);
  else st.problems.push({ kind: 'other', path: rel, message: `${rel}: special file (fifo, socket or device) skipped` });
}

function walkError(st: WalkState, rel: string, err: unknown): void {
  const code = (err as NodeJS.ErrnoException).code;
  st.problems.push({
    kind: code === 'ENOENT' ? 'missing' : code === 'ENOTDIR' ? 'not-a-directory' : 'unreadable',
    path: rel,
    message: `${rel || '.'}: ${(err as Error).message}`,
  });
}

function prepare(dir: string, opts: DiskContextOptions) {
  const root = checkContextDir(dir);
  const problems: ContextProblem[] = [];
  const ignoreFile = readIgnoreFile(root, opts.dockerfilePath, problems);
  let ig = ignoreFile ? parseDockerignore(ignoreFile.text) : null;
  // a pattern over Layerwise's own limits is not applied: say so next to the other context problems
  for (const l of ig?.limits ?? []) problems.push({ kind: 'other', path: ignoreFile!.name, message: `${ignoreFile!.name} line ${l.line}: ${l.message}` });
  if (opts.noPrune) ig = null;
  const st: WalkState = { kinds: new Map(), problems, pruned: [], ig: ig && ig.patterns.length ? ig : null };
  return { root, ignoreFile, st };
}

/** Crawls `dir` synchronously. Throws only when `dir` is missing or not a directory. */
export function loadDiskContext(dir: string, opts: DiskContextOptions = {}): DiskContext {
  const { root, ignoreFile, st } = prepare(dir, opts);
  const queue: string[] = [''];
  while (queue.length) {
    const rel = queue.pop()!;
    let list: fs.Dirent[];
    try {
      list = fs.readdirSync(rel ? root + '/' + rel : root, { withFileTypes: true });
    } catch (err) {
      walkError(st, rel, err);
      continue;
    }
    const prefix = rel ? rel + '/' : '';
    for (const d of list) handleDirent(st, prefix + d.name, d, queue);
  }
  return new DiskContext(dir, root, st.kinds, ignoreFile, st.problems, opts.maxHashBytes ?? 256 * 1024 * 1024, st.pruned);
}

/** Like loadDiskContext but reads directories concurrently. */
export async function loadDiskContextAsync(dir: string, opts: DiskContextOptions = {}): Promise<DiskContext> {
  const { root, ignoreFile, st } = prepare(dir, opts);
  const queue: string[] = [''];
  let active = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (active < 16 && queue.length) {
        const rel = queue.pop()!;
        active++;
        fs.readdir(rel ? root + '/' + rel : root, { withFileTypes: true }, (err, list) => {
          active--;
          if (err) walkError(st, rel, err);
          else {
            const prefix = rel ? rel + '/' : '';
            for (const d of list) handleDirent(st, prefix + d.name, d, queue);
          }
          pump();
        });
      }
      if (active === 0 && queue.length === 0) resolve();
    };
    pump();
  });
  return new DiskContext(dir, root, st.kinds, ignoreFile, st.problems, opts.maxHashBytes ?? 256 * 1024 * 1024, st.pruned);
}
