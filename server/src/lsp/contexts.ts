// Build contexts the server has crawled, cached per directory (and per Dockerfile-specific ignore file), kept fresh
// from file-change events (the client's or the server's own fs.watch). A content change to a known file only drops
// that file's cached metadata and hash; an added/removed file or an ignore-file change triggers a re-crawl the next
// time the context is needed. All I/O goes through server/src/context.
import fs = require('node:fs');
import path = require('node:path');
import { loadDiskContextAsync, type DiskContext } from '../context';

export type FileChange = 'created' | 'changed' | 'deleted';

interface Slot {
  key: string;
  dir: string;
  dockerfilePath: string | undefined;
  ctx: DiskContext | null;
  error: string | null;
  stale: boolean;
  loading: Promise<void> | null;
  /** Bumped on each invalidation; a load started before a bump is redone. */
  generation: number;
  watchers: fs.FSWatcher[];
}

export interface ContextResult {
  ctx: DiskContext | null;
  error: string | null;
  dir: string;
}

export interface ContextStoreOptions {
  /** Watch crawled directories with fs.watch (when the client does not send file events). */
  ownWatcher: boolean;
  /** Called when files of a context changed (after the cache was updated), with the context directory and the path. */
  onChange: (dir: string, absPath?: string) => void;
  log: (msg: string) => void;
  /** At most this many directories are watched per context by the server's own watcher. */
  maxWatchedDirs?: number;
}

export class ContextStore {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly opts: ContextStoreOptions) {}

  /** The key a Dockerfile's context is cached under: `<Dockerfile>.dockerignore` beside it changes what is sent. */
  private keyFor(dir: string, dockerfilePath: string | undefined): { key: string; df: string | undefined } {
    let df: string | undefined;
    if (dockerfilePath) {
      try {
        if (fs.statSync(dockerfilePath + '.dockerignore').isFile()) df = dockerfilePath;
      } catch {
        /* no Dockerfile-specific ignore file */
      }
    }
    return { key: dir + '\0' + (df ?? ''), df };
  }

  /** get() would answer at once: the context is read and nothing changed since. */
  ready(dir: string, dockerfilePath?: string): boolean {
    const slot = this.slots.get(this.keyFor(path.resolve(dir), dockerfilePath).key);
    return !!slot && !slot.stale;
  }

  async get(dir: string, dockerfilePath?: string): Promise<ContextResult> {
    const abs = path.resolve(dir);
    const { key, df } = this.keyFor(abs, dockerfilePath);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { key, dir: abs, dockerfilePath: df, ctx: null, error: null, stale: true, loading: null, generation: 0, watchers: [] };
      this.slots.set(key, slot);
    }
    while (slot.stale) {
      if (!slot.loading) slot.loading = this.load(slot);
      await slot.loading;
    }
    return { ctx: slot.ctx, error: slot.error, dir: abs };
  }

  private async load(slot: Slot): Promise<void> {
    const gen = slot.generation;
    try {
      const ctx = await loadDiskContextAsync(slot.dir, { dockerfilePath: slot.dockerfilePath ?? path.join(slot.dir, 'Dockerfile') });
      slot.ctx = ctx;
      slot.error = null;
    } catch (e) {
      slot.ctx = null;
      slot.error = e instanceof Error ? e.message : String(e);
    }
    if (slot.generation === gen) slot.stale = false;
    slot.loading = null;
    if (this.opts.ownWatcher) this.rewatch(slot);
  }

  /** The context directories currently cached (for "which Dockerfiles does this change concern"). */
  dirs(): string[] {
    return [...new Set([...this.slots.values()].map((s) => s.dir))];
  }

  /** Applies a file-change event; returns true when some cached context was concerned (onChange is called too). */
  fileChanged(absPath: string, change: FileChange): boolean {
    const p = path.resolve(absPath);
    const touched = new Set<string>();
    for (const slot of this.slots.values()) {
      const rel = path.relative(slot.dir, p);
      const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
      const isOwnIgnore = slot.dockerfilePath !== undefined && p === slot.dockerfilePath + '.dockerignore';
      if (!inside && !isOwnIgnore) continue;
      const relPosix = rel.split(path.sep).join('/');
      const base = path.basename(p);
      if (base === '.dockerignore' || base.endsWith('.dockerignore') || change !== 'changed' || !slot.ctx) {
        this.invalidate(slot);
      } else if (slot.ctx.has(relPosix)) {
        slot.ctx.invalidate(relPosix);
      } else {
        // a change event for something the crawl does not know (pruned, or created in between): re-crawl to be safe
        this.invalidate(slot);
      }
      touched.add(slot.dir);
    }
    // a Dockerfile-specific ignore file that appeared changes the slot key: every context in that folder may be concerned
    if (p.endsWith('.dockerignore') && change !== 'changed') for (const d of this.dirs()) touched.add(d);
    for (const d of touched) this.opts.onChange(d, p);
    return touched.size > 0;
  }

  /** Forget everything (e.g. settings changed). */
  invalidateAll(): void {
    for (const slot of this.slots.values()) this.invalidate(slot);
  }

  private invalidate(slot: Slot): void {
    slot.generation++;
    slot.stale = true;
  }

  dispose(): void {
    for (const slot of this.slots.values()) for (const w of slot.watchers) w.close();
    this.slots.clear();
  }

  // ---- the server's own watcher: one non-recursive fs.watch per crawled directory (pruned ones are not crawled)
  private rewatch(slot: Slot): void {
    for (const w of slot.watchers) w.close();
    slot.watchers = [];
    const dirs = [''];
    if (slot.ctx) for (const p of slot.ctx.paths()) if (slot.ctx.entry(p)?.type === 'dir') dirs.push(p);
    const max = this.opts.maxWatchedDirs ?? 2000;
    if (dirs.length > max) this.opts.log(`context ${slot.dir}: ${dirs.length} directories, watching only the first ${max}`);
    const watchDir = (absDir: string) => {
      try {
        const w = fs.watch(absDir, { persistent: false }, (event, name) => {
          if (!name) return;
          const abs = path.join(absDir, name.toString());
          let change: FileChange = 'changed';
          if (event === 'rename') change = fs.existsSync(abs) ? 'created' : 'deleted';
          this.fileChanged(abs, change);
        });
        w.on('error', () => w.close());
        slot.watchers.push(w);
      } catch (e) {
        this.opts.log(`cannot watch ${absDir}: ${(e as Error).message}`);
      }
    };
    for (const d of dirs.slice(0, max)) watchDir(d ? path.join(slot.dir, ...d.split('/')) : slot.dir);
    // the Dockerfile-specific ignore file may live outside the context
    if (slot.dockerfilePath && !slot.dockerfilePath.startsWith(slot.dir + path.sep)) watchDir(path.dirname(slot.dockerfilePath));
  }
}
