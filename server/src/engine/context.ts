// The engine's read-only view of a build context. The context layer (server/src/context) implements it over the
// disk or a git revision; tests and the corpus sweep implement it in memory (MemoryContext below).
// Everything here is pure: no fs, no child_process.

export type EntryType = 'file' | 'dir' | 'symlink';

export interface ContextEntry {
  type: EntryType;
  /** Permission bits (e.g. 0o644). When the snapshot comes from git only 0o644/0o755 are meaningful. */
  mode: number;
  size?: number;
  /** Link target, for symlinks. */
  target?: string;
}

export interface ContextProblem {
  kind: 'unreadable' | 'loop' | 'too-large' | 'link-outside' | 'not-a-directory' | 'missing' | 'other';
  path: string;
  message: string;
}

export interface ContextSnapshot {
  /** A label for people: the directory or `git:REV`. */
  readonly label: string;
  /**
   * Every path in the build context *before* .dockerignore is applied (posix, relative, no leading `./`,
   * directories included). A crawler may prune directories that .dockerignore excludes entirely (when no `!`
   * exception can match below them); pruned paths are simply absent, which is fine because they are never sent.
   */
  paths(): Iterable<string>;
  entry(path: string): ContextEntry | undefined;
  /**
   * The type of a path as the snapshot's listing already knows it (a crawl's directory entries), without reading
   * its metadata; absent where only `entry` can tell. Use `entryType`, which falls back to `entry`.
   */
  typeOf?(path: string): EntryType | undefined;
  /** Content identity of a file (or link) for comparisons; lazily computed. Same scheme within one snapshot kind. */
  contentId(path: string): string | undefined;
  /** The ignore file that applies (`<Dockerfile>.dockerignore` first, else `.dockerignore`), or null. */
  readonly ignoreFile: { name: string; text: string } | null;
  /** How identities compare: 'exact' (full mode bits) or 'git' (only the executable bit is known). */
  readonly modeGranularity: 'exact' | 'git';
  readonly problems: readonly ContextProblem[];
  /**
   * Bumped whenever the snapshot forgets cached metadata (a file changed on disk: its size, mode and content are
   * read again): what was computed from entries before (sizes) is stale. Absent: the snapshot never changes.
   */
  readonly statGeneration?: number;
  /** True when the snapshot is only a partial view (e.g. untrusted workspace, or no context at all). */
  readonly partial?: boolean;
  /**
   * Changes whenever `paths()` or the ignore file change; a snapshot whose paths never change says 0. What depends
   * only on them (the paths sent to the builder) is computed once per revision; a snapshot without it is not memoised.
   */
  readonly revision?: number;
  /** Text of a small file (manifests a rule must look into), when the snapshot can provide it. */
  readText?(path: string): string | undefined;
  /**
   * Is `path` present `levels` folders above the context root, inside the same project (repository)? For telling a
   * wrong build context from a missing file; false when the snapshot cannot tell or the folder is outside the project.
   */
  existsAbove?(levels: number, path: string): boolean;
}

/**
 * The type of a context path: from the listing when the snapshot has it (a crawl lists types; its entries cost a
 * stat each, which sizes need only for the files they count), else from its entry.
 */
export function entryType(ctx: ContextSnapshot, p: string): EntryType | undefined {
  return ctx.typeOf ? ctx.typeOf(p) : ctx.entry(p)?.type;
}

/** A context snapshot held in memory: tests, the corpus sweep, and untrusted workspaces. */
export class MemoryContext implements ContextSnapshot {
  private readonly map = new Map<string, ContextEntry & { id?: string }>();
  readonly problems: ContextProblem[] = [];
  ignoreFile: { name: string; text: string } | null = null;
  modeGranularity: 'exact' | 'git' = 'exact';
  partial?: boolean;
  /** Paths known above the root, by level (see existsAbove): the corpus sweep fills them from the repo listing. */
  private readonly above = new Map<number, Set<string>>();
  private rev = 0;

  /** Counts the changes to the paths (every add and remove); the ignore file is compared by its text. */
  get revision(): number {
    return this.rev;
  }

  constructor(
    readonly label: string,
    files: Record<string, string | { content?: string; mode?: number; type?: EntryType; target?: string }> = {},
  ) {
    for (const [p, v] of Object.entries(files)) {
      if (typeof v === 'string') this.addFile(p, v);
      else if (v.type === 'dir') this.addDir(p, v.mode);
      else if (v.type === 'symlink') this.addSymlink(p, v.target ?? '');
      else this.addFile(p, v.content ?? '', v.mode);
    }
    const ig = this.map.get('.dockerignore');
    if (ig && this.ignoreFile === null) this.ignoreFile = { name: '.dockerignore', text: (ig as { text?: string }).text ?? '' };
  }

  private ensureParents(p: string): void {
    this.rev++;
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!this.map.has(d)) this.map.set(d, { type: 'dir', mode: 0o755 });
    }
  }

  addFile(p: string, content: string, mode = 0o644, id?: string): this {
    p = normalizeRel(p);
    this.ensureParents(p);
    const e: ContextEntry & { id?: string; text?: string } = { type: 'file', mode, size: content.length, id: id ?? 'c:' + content };
    e.text = content;
    this.map.set(p, e);
    return this;
  }

  /** Adds a file known only by path and size (corpus listings; null: size not known); identity derives from the size. */
  addListed(p: string, size: number | null): this {
    p = normalizeRel(p);
    this.ensureParents(p);
    this.map.set(p, { type: 'file', mode: 0o644, ...(size === null ? {} : { size }), id: 's:' + (size ?? '?') });
    return this;
  }

  addDir(p: string, mode = 0o755): this {
    p = normalizeRel(p);
    this.ensureParents(p);
    this.map.set(p, { type: 'dir', mode });
    return this;
  }

  addSymlink(p: string, target: string): this {
    p = normalizeRel(p);
    this.ensureParents(p);
    this.map.set(p, { type: 'symlink', mode: 0o777, target, id: 'l:' + target });
    return this;
  }

  remove(p: string): this {
    p = normalizeRel(p);
    this.rev++;
    for (const k of [...this.map.keys()]) if (k === p || k.startsWith(p + '/')) this.map.delete(k);
    return this;
  }

  setIgnore(name: string, text: string): this {
    this.ignoreFile = { name, text };
    return this;
  }

  /** The text of a file added with addFile (used by tests and to read `.dockerignore`). */
  text(p: string): string | undefined {
    return (this.map.get(normalizeRel(p)) as { text?: string } | undefined)?.text;
  }

  readText(p: string): string | undefined {
    return this.text(p);
  }

  /** Records a path `levels` folders above the root (its parent folders too). */
  addAbove(levels: number, p: string): this {
    let set = this.above.get(levels);
    if (!set) this.above.set(levels, (set = new Set()));
    const parts = normalizeRel(p).split('/');
    for (let i = 1; i <= parts.length; i++) set.add(parts.slice(0, i).join('/'));
    return this;
  }

  /** Answers existsAbove from elsewhere (the corpus sweep asks its repository listing). */
  aboveProbe?: (levels: number, p: string) => boolean;

  existsAbove(levels: number, p: string): boolean {
    if (this.aboveProbe) return this.aboveProbe(levels, normalizeRel(p));
    return this.above.get(levels)?.has(normalizeRel(p)) ?? false;
  }

  clone(label = this.label): MemoryContext {
    const c = new MemoryContext(label);
    for (const [k, v] of this.map) c.map.set(k, { ...v });
    c.ignoreFile = this.ignoreFile && { ...this.ignoreFile };
    c.modeGranularity = this.modeGranularity;
    return c;
  }

  paths(): Iterable<string> {
    return this.map.keys();
  }
  entry(p: string): ContextEntry | undefined {
    return this.map.get(p);
  }
  contentId(p: string): string | undefined {
    const e = this.map.get(p);
    return e?.id;
  }
}

/**
 * `./a//b/` → `a/b`; `.` and `/` → ``. Paths are `/`-separated (the context layer converts a platform's separator); a
 * backslash is a file-name character, as on Linux, where BuildKit runs.
 */
export function normalizeRel(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}
