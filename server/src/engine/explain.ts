// Change-set evaluation: which steps of the current Dockerfile BuildKit would rebuild, relative to a baseline build.
// Each step gets a symbolic cache key built the way BuildKit builds it (semantics §5): the op's own material, the
// parent's key, and — content-addressed — the state of exactly the context paths it selects. The baseline build's
// keys form the cache pool (§6.1: the cache is a pool, not "the last build"). A step whose key is in the pool is
// cached; one whose key matches only when content copied from another stage is assumed identical is "maybe";
// anything else is rebuilt. Pure: no I/O.
import type { ContextSnapshot } from './context';
import { normalizeRel } from './context';
import { goClass, parseDockerignore, parseExcludes, type DockerIgnore } from './dockerignore';
import { compileRegexSubset, lit, nfaTest, type Nfa } from './nfa';
import { analyze, sourceBasename, stepOrigin, type AnalyzeOptions, type Model, type Step, type Stage, type ContextRead } from './model';
import { hash } from './hash';
import { BoundedCache } from './memo';
import { sentPaths } from './inputs';

export type StepStatus = 'cached' | 'rebuilt' | 'maybe' | 'skipped';

export interface Reason {
  kind:
    | 'instruction'
    | 'new-step'
    | 'arg'
    | 'env'
    | 'user'
    | 'workdir'
    | 'shell'
    | 'mount'
    | 'files'
    | 'stage'
    | 'base'
    | 'parent'
    | 'trigger'
    | 'source-date-epoch'
    | 'remote'
    | 'platform'
    | 'not-built';
  message: string;
  /** Changed context paths behind a 'files' reason (at most 20). */
  paths?: { path: string; change: FileChangeKind }[];
  /** Count of changed paths (may exceed paths.length). */
  count?: number;
  /** 1-based line of the step a 'parent' / 'stage' reason points at. */
  line?: number;
  name?: string;
}

export type FileChangeKind = 'modified' | 'added' | 'removed' | 'mode' | 'type';

export interface StepResult {
  step: Step;
  status: StepStatus;
  reasons: Reason[];
}

export interface Explanation {
  model: Model;
  baseline: Model | null;
  steps: StepResult[];
  /** Context paths (as sent to the builder) whose state differs. */
  changedPaths: Map<string, FileChangeKind>;
  summary: { total: number; rebuilt: number; maybe: number; cached: number; skipped: number; firstMiss: StepResult | null };
}

export interface Side {
  text: string | null;
  context: ContextSnapshot | null;
  options?: AnalyzeOptions;
  /** Path of the Dockerfile relative to the context, when it lies inside it (so its edits are context edits). */
}

export interface ExplainInput {
  current: { text: string; context: ContextSnapshot; options?: AnalyzeOptions };
  baseline: Side;
  /** Explicit change list (context-relative paths): these count as changed, nothing else does. */
  changed?: string[];
  /** Paths that may differ between the two snapshots; others are compared by presence only. */
  changedHint?: Iterable<string>;
  /** Reuse an already analysed current model (must match current.text/options). */
  currentModel?: Model;
  /** Reuse an already analysed baseline model (must match baseline.text/options): read once per baseline. */
  baselineModel?: Model;
  /**
   * The baseline's steps (ids in the baseline model) whose results the builder holds: a real build that failed or was
   * cancelled cached only the steps it finished. Default: every step of a built stage.
   */
  baselineBuilt?: ReadonlySet<number>;
  /** Context paths to leave out of the comparison (e.g. the repository's own `.git` against a git baseline). */
  exclude?: (path: string) => boolean;
  /**
   * Paths whose bytes changed while their size and mtime did not (a restored mtime). BuildKit's context transfer
   * decides what to resend by size and mtime (like rsync), so a builder that holds the previous transfer of this
   * context keeps the old bytes and hits; a fresh one sees the change (oracle gitstat/*, moby/buildkit#2592): such a
   * change makes the steps reading it "maybe".
   */
  sameStat?: Iterable<string>;
}

type State = string; // 'absent' or a description of type/mode/content

function modeBits(mode: number, granularity: 'exact' | 'git'): string {
  return granularity === 'git' ? (mode & 0o111 ? '755' : '644') : (mode & 0o7777).toString(8);
}

function stateOf(ctx: ContextSnapshot, ig: DockerIgnore, p: string, gran: 'exact' | 'git'): State {
  if (ig.ignores(p)) return 'absent';
  const e = ctx.entry(p);
  if (!e) return 'absent';
  if (e.type === 'dir') return 'dir:' + modeBits(e.mode, gran);
  if (e.type === 'symlink') return 'link:' + (ctx.contentId(p) ?? e.target ?? '');
  return 'file:' + modeBits(e.mode, gran) + ':' + (ctx.contentId(p) ?? '?');
}

/** `stateOf` for a path the ignore file lets through (one of `sentPaths`). */
function sentStateOf(ctx: ContextSnapshot, p: string, gran: 'exact' | 'git'): State {
  const e = ctx.entry(p);
  if (!e) return 'absent';
  if (e.type === 'dir') return 'dir:' + modeBits(e.mode, gran);
  if (e.type === 'symlink') return 'link:' + (ctx.contentId(p) ?? e.target ?? '');
  return 'file:' + modeBits(e.mode, gran) + ':' + (ctx.contentId(p) ?? '?');
}

function changeKind(before: State, after: State): FileChangeKind {
  if (before === 'absent') return 'added';
  if (after === 'absent') return 'removed';
  const [tb, mb] = before.split(':');
  const [ta, ma] = after.split(':');
  if (tb !== ta) return 'type';
  if (tb === 'file' && mb !== ma && before.slice(before.indexOf(':', 5)) === after.slice(after.indexOf(':', 5))) return 'mode';
  if (tb === 'dir') return 'mode';
  return 'modified';
}

function granularity(a: ContextSnapshot, b: ContextSnapshot): 'exact' | 'git' {
  return a.modeGranularity === 'git' || b.modeGranularity === 'git' ? 'git' : 'exact';
}

/** Computes the context paths whose sent state differs between baseline and current. */
export function diffContexts(
  base: ContextSnapshot,
  cur: ContextSnapshot,
  hint?: Iterable<string>,
  exclude?: (path: string) => boolean,
): Map<string, { before: State; after: State }> {
  // the same snapshot on both sides (an editor asking "what would rebuild" with no edits): nothing differs
  if (base === cur) return new Map();
  const igB = parseDockerignore(base.ignoreFile?.text ?? '');
  const igC = parseDockerignore(cur.ignoreFile?.text ?? '');
  const gran = granularity(base, cur);
  const out = new Map<string, { before: State; after: State }>();
  const sentB = new Set<string>();
  for (const p of base.paths()) if (!igB.ignores(p)) sentB.add(p);
  const candidates = new Set<string>();
  for (const p of cur.paths()) {
    if (igC.ignores(p)) continue;
    if (!sentB.has(p)) candidates.add(p);
    else if (!hint) candidates.add(p);
  }
  const sentC = new Set<string>();
  if (hint) {
    for (const p of cur.paths()) if (!igC.ignores(p)) sentC.add(p);
    for (const p of sentB) if (!sentC.has(p)) candidates.add(p);
    for (const h of hint) {
      const p = normalizeRel(h);
      if (sentB.has(p) || sentC.has(p)) candidates.add(p);
    }
  } else {
    for (const p of sentB) if (!cur.entry(p) || igC.ignores(p)) candidates.add(p);
  }
  for (const p of candidates) {
    if (exclude?.(p)) continue;
    const before = stateOf(base, igB, p, gran);
    const after = stateOf(cur, igC, p, gran);
    if (before !== after) out.set(p, { before, after });
  }
  // in path order: the reasons name the first few, and the same two snapshots must read the same whatever order the
  // paths were hinted in (an editor's file events, git's listing)
  return out.size > 1 ? new Map([...out].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) : out;
}

// ---- source selection (COPY/ADD sources, bind mount sources) ----

/**
 * A segment of a source pattern: a literal string, a linear-time matcher (engine/nfa.ts; never a RegExp), or null for
 * a segment Go's filepath.Match refuses (ErrBadPattern), which selects nothing.
 */
type SegMatcher = string | Nfa | null;
/** Compiled segments by text, under the shared cache budget (a segment may be 1,024 characters of wildcards). */
const segCache = new BoundedCache<string, SegMatcher>('source segments', 10_000, (k, m) => (typeof m === 'string' ? 64 + k.length * 2 : 256 + k.length * 64));
/** Wildcard segments longer than this are compared as literal text (no file name is that long). */
const MAX_WILDCARD_SEGMENT = 1024;
function segMatcher(seg: string): SegMatcher {
  let m = segCache.get(seg);
  if (m !== undefined) return m;
  if (!/[*?[\\]/.test(seg) || seg.length > MAX_WILDCARD_SEGMENT) m = seg;
  else {
    let re = '';
    let bad = false;
    const cs = Array.from(seg);
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else if (c === '\\') {
        // Go's filepath.Match: a backslash escapes the next character; one that ends the pattern is ErrBadPattern
        if (i + 1 === cs.length) {
          bad = true;
          break;
        }
        re += lit(cs[++i]!);
      }
      else if (c === '[') {
        const k = classSource(cs, i + 1);
        if (k === null) {
          bad = true;
          break;
        }
        re += k.re;
        i = k.end;
      } else re += lit(c);
    }
    if (bad) m = null;
    else {
      try {
        m = compileRegexSubset(re + '$');
      } catch {
        m = seg;
      }
    }
  }
  segCache.set(seg, m);
  return m;
}
const segMatches = (m: SegMatcher, x: string) => (typeof m === 'string' ? m === x : m !== null && nfaTest(m, x));

/**
 * A character class of a source segment as nfa source (BuildKit matches COPY/ADD wildcards with Go's filepath.Match:
 * dockerignore.ts's goClass). Measured on BuildKit 0.8: `COPY [!ab].txt` copies `!.txt`, `a.txt`, `b.txt`;
 * `[a-].txt`, `[-a].txt`, `[x` copy nothing (beside another source, BuildKit refuses the step: "syntax error in
 * pattern"). `i` is the index after `[`; returns the class's nfa source and the index of its `]`, or null.
 */
function classSource(cs: string[], i: number): { re: string; end: number } | null {
  const cls = goClass(cs, i);
  if (!cls) return null;
  const ch = (c: number) => lit(String.fromCodePoint(c));
  const body = cls.ranges.filter(([lo, hi]) => lo <= hi).map(([lo, hi]) => (lo === hi ? ch(lo) : ch(lo) + '-' + ch(hi))).join('');
  return { re: '[' + (cls.negated ? '^' : '') + body + ']', end: cls.end };
}

/** fsutil's containsWildcards (Linux): a `*`, `?` or `[` that no backslash escapes (in a source or one segment). */
export function hasWildcard(seg: string): boolean {
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/**
 * A source's segments as BuildKit's copy reads them (fsutil's splitWildcards): the ones before the first segment with
 * a wildcard are a literal path (a backslash there is part of the name), that one and the rest are filepath.Match
 * patterns; null when the source holds no wildcard at all.
 */
function patternSegments(src: string): SegMatcher[] | null {
  const ps = src.split('/');
  const w = ps.findIndex(hasWildcard);
  return w < 0 ? null : ps.map((p, i) => (i < w ? p : segMatcher(p)));
}

/** Does `path` lie in what source pattern `src` selects (the match itself or anything below it)? */
export function sourceSelects(src: string, path: string): boolean {
  return compileSource(src)(path);
}

export type PathMatcher = (path: string) => boolean;

/** A compiled `sourceSelects(src, ·)`: literal sources compare strings, wildcards test per segment. */
export function compileSource(src: string): PathMatcher {
  if (src === '') return () => true;
  const ms = patternSegments(src);
  if (!ms) {
    const prefix = src + '/';
    return (p) => p === src || p.startsWith(prefix);
  }
  return (path) => {
    const xs = path.split('/');
    if (xs.length < ms.length) return false;
    for (let i = 0; i < ms.length; i++) {
      if (!segMatches(ms[i]!, xs[i]!)) return false;
    }
    return true;
  };
}

/**
 * What one source of a COPY/ADD with `--exclude` patterns selects. BuildKit matches the patterns as .dockerignore
 * lines (parseExcludes), against each path relative to the source, or for a wildcard source relative to the match
 * the path lies in; the source or match itself is never excluded (cache/contenthash's includedPaths and fsutil's copy
 * both start matching below it). So `COPY --exclude=*.md docs /d/` leaves out `docs/a.md` but not `docs/x/b.md`,
 * `--exclude=docs/a.md` there leaves out nothing, and `COPY --exclude=a * /d/` still copies a top-level `a` (not
 * measurable on this machine's BuildKit 0.8, which has no --exclude: moby/buildkit issues 5489 and 5509 report
 * these readings on real builders, and they follow from the code).
 */
export function compileSourceExcluding(src: string, excludes: readonly string[]): PathMatcher {
  const inc = compileSource(src);
  if (!excludes.length) return inc;
  const exc = parseExcludes(excludes);
  // the part of a selected path below the source or its match: the segments after the source's own
  const k = src === '' ? 0 : src.split('/').length;
  return (p) => {
    if (!inc(p)) return false;
    let at = 0;
    for (let i = 0; i < k; i++) {
      at = p.indexOf('/', at) + 1;
      if (at === 0) return true; // the source or match itself
    }
    return !exc.ignores(p.slice(at));
  };
}

const readCache = new WeakMap<ContextRead, PathMatcher>();

/** Does a COPY/ADD/bind read select this path (some source selects it, and not one of its --exclude patterns)? Compiled once per read. */
export function readSelects(r: ContextRead, path: string): boolean {
  let m = readCache.get(r);
  if (!m) {
    const fs = r.sources.map((s) => compileSourceExcluding(s, r.excludes));
    m = fs.length === 1 ? fs[0]! : (p: string) => fs.some((f) => f(p));
    readCache.set(r, m);
  }
  return m(path);
}

// ---- keys ----

interface Keys {
  strict: string[];
  opt: string[];
}

/**
 * A COPY/ADD whose source is itself a symlink copies what the link points to (BuildKit follows the source path;
 * measured by the oracle suite, `copy/symlink-target-edited`). Links inside a copied directory stay links.
 * Returns the read with the link targets (resolved inside the context) added as sources.
 */
export function followSourceLinks(r: ContextRead, snaps: (ContextSnapshot | null)[]): ContextRead {
  const extra: string[] = [];
  for (const src of r.sources) {
    if (src === '' || hasWildcard(src)) continue;
    for (const snap of snaps) {
      let cur = src;
      for (let hops = 0; hops < 40 && snap; hops++) {
        const e = snap.entry(cur);
        if (!e || e.type !== 'symlink' || e.target === undefined) break;
        const t = e.target.startsWith('/') ? normalizeRel(e.target) : normalizeRel(cur.split('/').slice(0, -1).concat(e.target).join('/'));
        // normalizeRel resolves `..` inside the context (BuildKit scopes links to its root): a `..x` is a file name
        if (!t || extra.includes(t) || r.sources.includes(t)) break;
        extra.push(t);
        cur = t;
      }
    }
  }
  return extra.length ? { ...r, sources: [...r.sources, ...extra] } : r;
}

/**
 * How a moved source is keyed. BuildKit keys a COPY/ADD source by its basename (in the file action) and the content
 * hash of what it selects, names taken relative to the source (cache/contenthash: a file's own name is not hashed, a
 * directory's entries are named relative to it, each wildcard match by its basename — unless a single match has the
 * pattern's own basename). Sources written the same on both sides select the same paths, so comparing only the
 * changed paths is enough; a source written differently on the two sides (moved, or a sibling of one that moved:
 * same basename) is keyed on the full content it selects on its own side ("full form", hashed here; the cost is
 * the selected files' content ids).
 */
interface FullForm {
  /** Sources (as in ContextRead.sources) keyed by their full content. */
  sources: Set<string>;
  snap: ContextSnapshot;
  ig: DockerIgnore;
  gran: 'exact' | 'git';
  /** Bind-mount sources too (absolute keys, `contentKeys`): a pairwise comparison needs only the changed paths. */
  binds?: boolean;
  /** fullContent per changed-path map, side, source and excludes (one explain: the snapshot stays the same). */
  memo: WeakMap<object, Map<string, string>>;
  /** The snapshot's sent paths (`sentPaths`, after `ig`), when no path changed (`contentKeys`): only these are read. */
  sent?: readonly string[];
}

function fullContent(f: FullForm, r: ContextRead, src: string, changed: Map<string, { before: State; after: State }>, side: 'before' | 'after'): string {
  let m = f.memo.get(changed);
  if (!m) f.memo.set(changed, (m = new Map()));
  const key = side + '\u0000' + src + '\u0000' + r.excludes.join('\u0001');
  let v = m.get(key);
  if (v === undefined) m.set(key, (v = fullContentOf(f, r, src, changed, side)));
  return v;
}

function fullContentOf(f: FullForm, r: ContextRead, src: string, changed: Map<string, { before: State; after: State }>, side: 'before' | 'after'): string {
  const inc = compileSourceExcluding(src, r.excludes);
  const wild = hasWildcard(src);
  const k = src === '' ? 0 : src.split('/').length;
  const rows: [string, string][] = [];
  for (const p of f.sent ?? f.snap.paths()) {
    if (!inc(p)) continue;
    const st = changed.get(p)?.[side] ?? (f.sent ? sentStateOf(f.snap, p, f.gran) : stateOf(f.snap, f.ig, p, f.gran));
    if (st !== 'absent') rows.push([p, st]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let named = true;
  if (wild) {
    const roots = new Set(rows.map(([p]) => p.split('/').slice(0, k).join('/')));
    named = !(roots.size === 1 && sourceBasename([...roots][0]!) === sourceBasename(src));
  }
  const out: string[] = [];
  for (const [p, st] of rows) {
    let rel: string;
    if (!wild) rel = src === '' ? p : p === src ? '' : p.slice(src.length + 1);
    else {
      const segs = p.split('/');
      const rest = segs.slice(k).join('/');
      rel = named ? segs[k - 1] + (rest ? '/' + rest : '') : rest;
    }
    out.push(rel + '=' + st);
  }
  return 'full:' + hash(out.join('\n'));
}

/** The COPY/ADD sources of the steps a model builds. */
function copySources(model: Model): Set<string> {
  const out = new Set<string>();
  for (const step of model.steps) {
    if (!model.stages[step.stage]!.needed) continue;
    for (const r of step.contextReads) if (r.via !== 'bind') for (const s of r.sources) out.add(s);
  }
  return out;
}

/**
 * Sources written differently on the two sides, and those sharing a basename with one of them (see FullForm) —
 * only basenames found on both sides: a source can only share a key with one of the same basename, so a source
 * added with a new name (a new `COPY . .`) keeps the cheap form and nothing is hashed for it.
 */
function fullFormSources(a: Set<string>, b: Set<string>): Set<string> {
  const namesA = new Set([...a].map(sourceBasename));
  const namesB = new Set([...b].map(sourceBasename));
  const names = new Set<string>();
  for (const s of a) if (!b.has(s) && namesB.has(sourceBasename(s))) names.add(sourceBasename(s));
  for (const s of b) if (!a.has(s) && namesA.has(sourceBasename(s))) names.add(sourceBasename(s));
  const out = new Set<string>();
  if (names.size === 0) return out;
  for (const s of [...a, ...b]) if (names.has(sourceBasename(s))) out.add(s);
  return out;
}

/**
 * The keys of a model when no context path differs (no full-form source): they depend on the model alone, so they are
 * computed once per model. A later computation reuses a step's clean key when nothing that goes into it differs (no
 * changed path it selects, no full-form source, parent, base and source stages clean): after one context file event
 * only the steps reading that file and what follows them are hashed again.
 */
const cleanKeys = new WeakMap<Model, Keys>();
let keyReuse = true;
/** Turns the reuse of clean keys off (the reference the tests compare with) or on (the default). */
export function setKeyReuse(on: boolean): void {
  keyReuse = on;
}
const NO_CHANGES: Map<string, { before: State; after: State }> = new Map();
function cleanKeysOf(model: Model): Keys {
  let k = cleanKeys.get(model);
  if (!k) cleanKeys.set(model, (k = computeKeys(model, NO_CHANGES, 'after', [], null, null, false)));
  return k;
}

/** A step's op enters its keys by its hash (the op holds the RUN's whole environment): hashed once per step content. */
const opHashes = new WeakMap<Step, string>();
function opHash(step: Step): string {
  let h = opHashes.get(stepOrigin(step));
  if (h === undefined) opHashes.set(stepOrigin(step), (h = hash(step.op)));
  return h;
}

function computeKeys(
  model: Model,
  changed: Map<string, { before: State; after: State }>,
  side: 'before' | 'after',
  snaps: (ContextSnapshot | null)[] = [],
  full: FullForm | null = null,
  sameStat: Set<string> | null = null,
  reuse = keyReuse,
): Keys {
  const clean = reuse ? cleanKeysOf(model) : null;
  if (clean && changed.size === 0 && !full) return clean;
  // the optimistic key sees a same-stat change as no change (a warm builder keeps the old bytes)
  const changedOpt = sameStat && side === 'after' ? new Map([...changed].map(([p, st]) => [p, sameStat.has(p) ? { before: st.before, after: st.before } : st])) : changed;
  const strict: string[] = new Array(model.steps.length);
  const opt: string[] = new Array(model.steps.length);
  // the clean keys' own computation (reuse off) keeps no material: it runs once per model
  const last = clean ? lastKeys.get(model)?.[side] : undefined;
  const n = model.steps.length;
  const next: KeyMaterial | null = clean ? { ps: new Array(n), po: new Array(n), cs: new Array(n), co: new Array(n), fs: new Array(n), fo: new Array(n), strict, opt } : null;
  /** Per step: its keys may differ from the clean ones. */
  const dirty: boolean[] = new Array(model.steps.length);
  const finalDirty = (stage: Stage): boolean => (stage.steps.length ? dirty[stage.steps[stage.steps.length - 1]!]! : stage.base.kind === 'stage' && finalDirty(model.stages[stage.base.stage]!));
  const finalKey = (stage: Stage, which: 'strict' | 'opt'): string => {
    if (stage.steps.length) return (which === 'strict' ? strict : opt)[stage.steps[stage.steps.length - 1]!]!;
    return baseKey(stage, which);
  };
  const baseKey = (stage: Stage, which: 'strict' | 'opt'): string => {
    if (stage.base.kind === 'stage') return finalKey(model.stages[stage.base.stage]!, which);
    // an image resolves to the manifest of the stage's platform; scratch has no content and file ops carry no
    // platform in their key (oracle: platform/scratch-other-platform)
    return 'base:' + stage.base.ref + (stage.base.kind === 'image' ? '@' + stage.platform : '');
  };
  for (const step of model.steps) {
    const stage = model.stages[step.stage]!;
    const readKey = (ch: Map<string, { before: State; after: State }>): string => {
      const content: string[] = [];
      for (const r0 of step.contextReads) {
        if (full && (r0.via !== 'bind' || full.binds) && r0.sources.some((x) => full.sources.has(x))) {
          content.push(r0.sources.map((x) => (full.sources.has(x) ? fullContent(full, r0, x, ch, side) : symbolic({ ...r0, sources: [x] }, ch, side, snaps))).join('|'));
          continue;
        }
        content.push(symbolic(r0, ch, side, snaps));
      }
      return content.join('\u0002');
    };
    const contentS = readKey(changed);
    const contentO = changedOpt === changed || !step.contextReads.length ? contentS : readKey(changedOpt);
    if (clean) {
      // every read selecting nothing that changed joins empty parts: only the separators are left
      const empty = Math.max(0, step.contextReads.length - 1);
      const usesFull = full !== null && step.contextReads.some((r0) => r0.via !== 'bind' && r0.sources.some((x) => full.sources.has(x)));
      const d =
        usesFull ||
        contentS.length !== empty ||
        contentO.length !== empty ||
        (step.parent === null ? stage.base.kind === 'stage' && finalDirty(model.stages[stage.base.stage]!) : dirty[step.parent]!) ||
        step.stageReads.some((r) => r.stage !== null && finalDirty(model.stages[r.stage]!));
      dirty[step.id] = d;
      if (!d) {
        strict[step.id] = clean.strict[step.id]!;
        opt[step.id] = clean.opt[step.id]!;
        continue;
      }
    }
    const fromStrict: string[] = [];
    const fromOpt: string[] = [];
    for (const r of step.stageReads) {
      if (r.stage === null) {
        fromStrict.push('image:' + r.image + ':' + r.paths.join(','));
        fromOpt.push('image:' + r.image + ':' + r.paths.join(','));
      } else {
        const src = model.stages[r.stage]!;
        fromStrict.push('stage:' + finalKey(src, 'strict') + ':' + r.paths.join(','));
        // the bytes at the copied path decide; the action holds only its basename, so another path of the same name
        // may hit (oracle: move/copy-from-path)
        fromOpt.push('stage-content:' + r.paths.map(sourceBasename).join(','));
      }
    }
    const parentS = step.parent === null ? baseKey(stage, 'strict') : strict[step.parent]!;
    const parentO = step.parent === null ? baseKey(stage, 'opt') : opt[step.parent]!;
    const rk = step.remoteKey;
    const fromS = fromStrict.join('\u0002');
    const fromO = fromOpt.join('\u0002');
    // the same parts as in this model's last computation on this side (the step reads no path that changed since, and
    // its parent and source stages kept their keys): the same keys, without building and hashing the material again
    // (compared part by part: a reused parent key is the same string object, and each part is one flat string)
    if (last && last.ps[step.id] === parentS && last.po[step.id] === parentO && last.cs[step.id] === contentS && last.co[step.id] === contentO && last.fs[step.id] === fromS && last.fo[step.id] === fromO) {
      strict[step.id] = last.strict[step.id]!;
      opt[step.id] = last.opt[step.id]!;
    } else {
      const op = opHash(step);
      const s = parentS + '\u0003' + op + '\u0001' + contentS + '\u0001' + (rk ? rk.identity : (step.remote ?? '')) + '\u0003' + fromS;
      const o = parentO + '\u0003' + op + '\u0001' + contentO + '\u0001' + (rk ? rk.content : (step.remote ?? '')) + '\u0003' + fromO;
      strict[step.id] = hash(s);
      // the same material (no stage content, no same-stat change, no remote checksum on the way): the same key
      opt[step.id] = o === s ? strict[step.id]! : hash(o);
    }
    if (next) {
      next.ps[step.id] = parentS;
      next.po[step.id] = parentO;
      next.cs[step.id] = contentS;
      next.co[step.id] = contentO;
      next.fs[step.id] = fromS;
      next.fo[step.id] = fromO;
    }
  }
  if (next) {
    next.strict = strict;
    next.opt = opt;
    let m = lastKeys.get(model);
    if (!m) lastKeys.set(model, (m = {}));
    m[side] = next;
  }
  return { strict, opt };
}

/**
 * Each model's last computed keys per side with the material hashed for them (with key reuse on): a forecast after one
 * context event computes the keys of the same model again, and only the steps whose material differs (those reading
 * the changed path, and what follows them) are hashed again. Kept per model object: it goes with the model.
 */
interface KeyMaterial {
  /** Per step, the parts of its strict and optimistic material: parent key, context content, source stages. */
  ps: string[];
  po: string[];
  cs: string[];
  co: string[];
  fs: string[];
  fo: string[];
  strict: string[];
  opt: string[];
}
const lastKeys = new WeakMap<Model, { before?: KeyMaterial; after?: KeyMaterial }>();

/**
 * Keys of a model's steps that do not depend on a baseline: every context read is keyed by the full content it selects
 * in `ctx` (the FullForm naming, as BuildKit's content hash names it), so the keys of two Dockerfiles, built from the
 * same or different contexts, are equal exactly when BuildKit's would be (engine/shared.ts). Steps of stages the
 * target does not need get keys too; callers skip them.
 */
export function contentKeys(model: Model, ctx: ContextSnapshot): string[] {
  const sources = new Set<string>();
  for (const step of model.steps) for (const r of step.contextReads) for (const s of r.sources) sources.add(s);
  const c = snapshotContent(ctx);
  const full: FullForm = { sources, snap: ctx, ig: c.ig, gran: ctx.modeGranularity, binds: true, memo: c.memo, sent: c.sent };
  return computeKeys(model, c.changed, 'after', [ctx], full).strict;
}

interface SnapshotContent {
  stamp: string;
  ig: DockerIgnore;
  sent: readonly string[];
  /** No path changed: the one map every contentKeys of this snapshot passes, so `memo` holds its full contents. */
  changed: Map<string, { before: State; after: State }>;
  memo: WeakMap<object, Map<string, string>>;
}

/**
 * What `contentKeys` reads of a snapshot, kept per snapshot while its revision, stat generation, mode granularity and
 * ignore text stay the same: the Dockerfiles of one context and their sibling builds (a `check` of a monorepo, the
 * editor's worker) hash each source's full content once, not once per model. A snapshot without a revision is read
 * afresh each time.
 */
const snapshotContents = new WeakMap<ContextSnapshot, SnapshotContent>();
function snapshotContent(ctx: ContextSnapshot): SnapshotContent {
  const ignore = ctx.ignoreFile?.text ?? '';
  const stamp = `${ctx.revision}/${ctx.statGeneration ?? 0}/${ctx.modeGranularity}/${ignore}`;
  const hit = ctx.revision !== undefined ? snapshotContents.get(ctx) : undefined;
  if (hit && hit.stamp === stamp) return hit;
  const c: SnapshotContent = { stamp, ig: parseDockerignore(ignore), sent: sentPaths(ctx), changed: new Map(), memo: new WeakMap() };
  if (ctx.revision !== undefined) snapshotContents.set(ctx, c);
  return c;
}

/** The changed paths a read selects, with their state on one side (full paths: both sides select the same). */
function symbolic(r0: ContextRead, changed: Map<string, { before: State; after: State }>, side: 'before' | 'after', snaps: (ContextSnapshot | null)[]): string {
  if (!changed.size) return '';
  const r = followedLinks(r0, snaps);
  return selectedChanged(r, changed)
    .map((p) => p + '=' + changed.get(p)![side])
    .sort()
    .join('|');
}

/**
 * The changed paths a read selects (readSelects on the candidates only), in no particular order; kept per changed-path
 * map and read (explain builds its map once: both sides' keys and the reasons ask for the same reads). Not to be
 * changed by the caller.
 */
const selectedMemo = new WeakMap<Map<string, unknown>, WeakMap<ContextRead, readonly string[]>>();
export function selectedChanged(r: ContextRead, changed: Map<string, unknown>): readonly string[] {
  let m = selectedMemo.get(changed);
  if (!m) selectedMemo.set(changed, (m = new WeakMap()));
  let sel = m.get(r);
  if (!sel) {
    const out: string[] = [];
    for (const p of candidates(r, changed)) if (readSelects(r, p)) out.push(p);
    m.set(r, (sel = out));
  }
  return sel;
}

/**
 * followSourceLinks once per read and explain (`snaps` is one explain's array: its snapshots do not change during
 * it); computeKeys asks for every read on each side and for both keys.
 */
const linkMemo = new WeakMap<(ContextSnapshot | null)[], WeakMap<ContextRead, ContextRead>>();
function followedLinks(r: ContextRead, snaps: (ContextSnapshot | null)[]): ContextRead {
  let m = linkMemo.get(snaps);
  if (!m) linkMemo.set(snaps, (m = new WeakMap()));
  let f = m.get(r);
  if (!f) m.set(r, (f = followSourceLinks(r, snaps)));
  return f;
}

/** A changed-path map's paths, sorted (one per map: explain builds its maps once). */
const sortedPaths = new WeakMap<Map<string, unknown>, string[]>();

/**
 * The changed paths a read may select: those under the literal part of each source (the segments before the first
 * wildcard), found by binary search in the sorted paths, instead of testing every changed path against every read
 * (a 2,000-line Dockerfile after 300 file events: 800k tests per forecast). readSelects decides; this only narrows.
 */
function candidates(r: ContextRead, changed: Map<string, unknown>): Iterable<string> {
  const prefixes = literalPrefixes(r);
  if (prefixes === null) return changed.keys(); // the whole context, or a wildcard in the first segment
  let sorted = sortedPaths.get(changed);
  if (!sorted) sortedPaths.set(changed, (sorted = [...changed.keys()].sort()));
  const out = new Set<string>();
  for (const prefix of prefixes) {
    if (changed.has(prefix)) out.add(prefix);
    // 'P/…' sorts in one run between 'P/' and 'P0' ('0' follows '/')
    for (let i = lowerBound(sorted, prefix + '/'); i < sorted.length && sorted[i]! < prefix + '0'; i++) out.add(sorted[i]!);
  }
  return out;
}

/** The literal part of each of a read's sources (the segments before the first wildcard); null when one is empty. */
const prefixMemo = new WeakMap<ContextRead, string[] | null>();
function literalPrefixes(r: ContextRead): string[] | null {
  let out = prefixMemo.get(r);
  if (out !== undefined) return out;
  out = [];
  for (const src of r.sources) {
    const segs = src.split('/');
    const lit = segs.findIndex(hasWildcard);
    const prefix = (lit < 0 ? segs : segs.slice(0, lit)).join('/');
    if (prefix === '') {
      out = null;
      break;
    }
    out.push(prefix);
  }
  prefixMemo.set(r, out);
  return out;
}

function lowerBound(xs: string[], x: string): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Explains what rebuilds between a baseline build and the current state. */
export function explain(input: ExplainInput): Explanation {
  const curOpts = input.current.options ?? {};
  const model = input.currentModel ?? analyze(input.current.text, curOpts);
  const baseOpts = input.baseline.options ?? curOpts;
  const sameOpts = JSON.stringify(baseOpts) === JSON.stringify(curOpts);
  const baseline = input.baseline.text === null ? null : input.baseline.text === input.current.text && sameOpts ? model : (input.baselineModel ?? analyze(input.baseline.text, baseOpts));

  let changed: Map<string, { before: State; after: State }>;
  if (input.changed) {
    changed = new Map();
    const ctx = input.current.context;
    const ig = parseDockerignore(ctx.ignoreFile?.text ?? '');
    let all: string[] | null = null; // listed only when a changed path is a directory
    for (const raw of input.changed) {
      const p = normalizeRel(raw);
      const e = ctx.entry(p);
      const targets = e && e.type === 'dir' ? (all ??= [...ctx.paths()]).filter((q) => q === p || q.startsWith(p + '/')) : [p];
      for (const q of targets) if (q && !ig.ignores(q)) changed.set(q, { before: 'before', after: 'after' });
    }
  } else if (input.baseline.context) {
    changed = diffContexts(input.baseline.context, input.current.context, input.changedHint, input.exclude);
  } else {
    changed = new Map();
  }

  const snaps = [input.current.context, input.baseline.context];
  let fullC: FullForm | null = null;
  let fullB: FullForm | null = null;
  if (baseline && baseline !== model) {
    const sources = fullFormSources(copySources(model), copySources(baseline));
    if (sources.size) {
      const cur = input.current.context;
      const base = input.baseline.context ?? cur;
      const gran = granularity(base, cur);
      fullC = { sources, snap: cur, ig: parseDockerignore(cur.ignoreFile?.text ?? ''), gran, memo: new WeakMap() };
      fullB = { sources, snap: base, ig: parseDockerignore(base.ignoreFile?.text ?? ''), gran, memo: new WeakMap() };
    }
  }
  const sameStat = input.sameStat ? new Set([...input.sameStat].map(normalizeRel).filter((p) => changed.has(p))) : null;
  const kc = computeKeys(model, changed, 'after', snaps, fullC, sameStat?.size ? sameStat : null);
  const poolStrict = new Set<string>();
  const poolOpt = new Set<string>();
  let kb: Keys | null = null;
  if (baseline) {
    kb = baseline === model && changed.size === 0 ? kc : computeKeys(baseline, changed, 'before', snaps, fullB);
    for (const s of baseline.steps) {
      if (!baseline.stages[s.stage]!.needed || (input.baselineBuilt && !input.baselineBuilt.has(s.id))) continue;
      poolStrict.add(kb.strict[s.id]!);
      poolOpt.add(kb.opt[s.id]!);
    }
  }

  const results: StepResult[] = [];
  const statusOf: StepStatus[] = [];
  for (const step of model.steps) {
    const stage = model.stages[step.stage]!;
    let status: StepStatus;
    if (!stage.needed) status = 'skipped';
    else if (poolStrict.has(kc.strict[step.id]!)) status = 'cached';
    else if (poolOpt.has(kc.opt[step.id]!)) status = 'maybe';
    else status = 'rebuilt';
    statusOf[step.id] = status;
    results.push({ step, status, reasons: [] });
  }
  for (const r of results) {
    if (r.status === 'rebuilt' || r.status === 'maybe') r.reasons = reasonsFor(r.step, model, baseline, kc, kb, statusOf, changed, curOpts, baseOpts, sameStat);
    else if (r.status === 'skipped') r.reasons = [{ kind: 'not-built', message: notBuiltMessage(model, r.step.stage) }];
  }
  const changedPaths = new Map<string, FileChangeKind>();
  for (const [p, st] of changed) changedPaths.set(p, input.changed ? 'modified' : changeKind(st.before, st.after));
  const built = results.filter((r) => r.status !== 'skipped');
  return {
    model,
    baseline,
    steps: results,
    changedPaths,
    summary: {
      total: built.length,
      rebuilt: results.filter((r) => r.status === 'rebuilt').length,
      maybe: results.filter((r) => r.status === 'maybe').length,
      cached: results.filter((r) => r.status === 'cached').length,
      skipped: results.length - built.length,
      firstMiss: built.filter((r) => r.status !== 'cached').sort((a, b) => a.step.line - b.step.line)[0] ?? null,
    },
  };
}

function stageLabel(model: Model, i: number): string {
  const s = model.stages[i]!;
  return s.name ? `'${s.name}'` : `#${i}`;
}

function notBuiltMessage(model: Model, stageIdx: number): string {
  if (model.target < 0) return 'not built: the target stage does not exist';
  const t = model.stages[model.target]!;
  return `not built: stage ${stageLabel(model, stageIdx)} is not needed by the target stage ${t.name ?? '#' + t.index}`;
}

/** The baseline's stage of the same name (an unnamed one: of the same index). */
function baselineStage(stage: Stage, model: Model, baseline: Model): Stage | undefined {
  return stage.name ? baseline.stages[namedCounterpart(stage.name, stage.index, model, baseline)] : baseline.stages[stage.index];
}

/**
 * Whether a stage's final state differs from the baseline's: its last step rebuilds or may (`line`: that step's), or,
 * for a stage without steps, the state it is built FROM — another stage's, or an image whose reference or platform
 * changed (`line`: the FROM line). Null when it is the same.
 */
function finalState(model: Model, baseline: Model | null, i: number, status: StepStatus[]): { line: number; maybe: boolean } | null {
  const s = model.stages[i]!;
  if (s.steps.length) {
    const last = s.steps[s.steps.length - 1]!;
    return status[last] === 'rebuilt' || status[last] === 'maybe' ? { line: model.steps[last]!.line + 1, maybe: status[last] === 'maybe' } : null;
  }
  if (s.base.kind === 'stage') return finalState(model, baseline, s.base.stage, status);
  const b = baseline ? baselineStage(s, model, baseline) : undefined;
  return !b || b.base.ref !== s.base.ref || (s.base.kind === 'image' && b.platform !== s.platform) ? { line: s.line + 1, maybe: false } : null;
}

/**
 * The indices of the stages of each name, in file order (a model's stages do not change): counterpart asks for every
 * rebuilt step. BuildKit accepts several stages of one name (moby/buildkit#2158, #3352: "undefined behavior").
 */
const stageNames = new WeakMap<Model, Map<string, number[]>>();
function stageByName(model: Model): Map<string, number[]> {
  let m = stageNames.get(model);
  if (!m) {
    stageNames.set(model, (m = new Map()));
    model.stages.forEach((s, i) => {
      if (!s.name) return;
      const l = m!.get(s.name);
      if (l) l.push(i);
      else m!.set(s.name, [i]);
    });
  }
  return m;
}

/** The baseline's stage of the same name; of several, the one of the same rank among them (else the last). */
function namedCounterpart(name: string, idx: number, model: Model, baseline: Model): number {
  const theirs = stageByName(baseline).get(name);
  if (!theirs) return -1;
  const rank = stageByName(model).get(name)!.indexOf(idx);
  return theirs[Math.min(rank, theirs.length - 1)]!;
}

function counterpart(step: Step, model: Model, baseline: Model): Step | null {
  const stage = model.stages[step.stage]!;
  const bStageIdx = stage.name
    ? namedCounterpart(stage.name, step.stage, model, baseline)
    : step.stage < baseline.stages.length && !baseline.stages[step.stage]!.name
      ? step.stage
      : -1;
  if (bStageIdx < 0) return null;
  const bStage = baseline.stages[bStageIdx]!;
  // an ONBUILD trigger is the counterpart of a trigger only (a new trigger is no edit of the stage's first RUN)
  const cands = bStage.steps.map((i) => baseline.steps[i]!).filter((c) => !c.trigger === !step.trigger);
  return (
    cands.find((c) => c.op === step.op && c.ordinal === step.ordinal) ??
    cands.find((c) => c.keyword === step.keyword && c.ordinal === step.ordinal) ??
    cands.find((c) => c.op === step.op) ??
    null
  );
}

/** The script of a shell-form RUN's command (the JSON array's last element). */
function lastOf(cmd: string | undefined): string | undefined {
  const a: unknown = cmd === undefined ? undefined : JSON.parse(cmd);
  return Array.isArray(a) ? String(a[a.length - 1]) : undefined;
}

function short(s: string, n = 60): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function reasonsFor(
  step: Step,
  model: Model,
  baseline: Model | null,
  kc: Keys,
  kb: Keys | null,
  status: StepStatus[],
  changed: Map<string, { before: State; after: State }>,
  curOpts: AnalyzeOptions,
  baseOpts: AnalyzeOptions,
  sameStat: Set<string> | null = null,
): Reason[] {
  const reasons: Reason[] = [];
  const stage = model.stages[step.stage]!;
  // content it reads from the context
  const files: { path: string; change: FileChangeKind }[] = [];
  let count = 0;
  // the changed paths its reads select (the candidates under each source's literal part, not every changed path
  // against every read: a rebuilt step that follows one selects none), listed in the changed map's order
  const selected = new Set<string>();
  if (changed.size) for (const r of step.contextReads) for (const p of selectedChanged(r, changed)) selected.add(p);
  if (selected.size)
    for (const [p, st] of changed) {
      if (!selected.has(p)) continue;
      count++;
      if (files.length < 20) files.push({ path: p, change: st.before === 'before' ? 'modified' : changeKind(st.before, st.after) });
      if (count === selected.size) break;
    }
  const other = baseline && kb ? counterpart(step, model, baseline) : null;
  if (!baseline) reasons.push({ kind: 'new-step', message: 'the baseline has no Dockerfile: nothing is cached' });
  else if (!other) {
    reasons.push({ kind: 'new-step', message: step.trigger ? 'ONBUILD trigger added or changed' : 'instruction added or edited' });
  } else if (other.op !== step.op) {
    const a = other.parts;
    const b = step.parts;
    // a shell-form RUN's command holds its shell: the same script under another SHELL is a SHELL change, not an edit
    const shellOnly = step.keyword === 'RUN' && !step.argv && !other.argv && a['cmd'] !== b['cmd'] && other.shell.join(' ') !== step.shell.join(' ') && lastOf(a['cmd']) === lastOf(b['cmd']);
    if (step.trigger && a['cmd'] !== b['cmd']) reasons.push({ kind: 'trigger', message: `ONBUILD trigger changed (was \`${short(other.instruction)}\`)` });
    else if ((a['cmd'] !== b['cmd'] && !shellOnly) || a['srcs'] !== b['srcs'] || a['dest'] !== b['dest'] || a['flags'] !== b['flags'] || a['heredocs'] !== b['heredocs'] || a['kind'] !== b['kind'] || (b['kind'] === 'WORKDIR' && a['path'] !== b['path'] && step.varsUsed.length === 0)) {
      const why = step.varsUsed.length && other.instruction === step.instruction ? ` (${[...new Set(step.varsUsed)].map((v) => '$' + v).join(', ')} changed)` : '';
      reasons.push({ kind: 'instruction', message: `instruction changed${why} (was \`${short(other.instruction)}\`)` });
    } else if (b['kind'] === 'WORKDIR' && a['path'] !== b['path']) {
      reasons.push({ kind: 'instruction', message: `WORKDIR path changed: ${a['path']} → ${b['path']}` });
    }
    if (a['env'] !== b['env']) {
      const ea = new Map(other.env);
      const eb = new Map(step.env);
      const names = new Set([...ea.keys(), ...eb.keys()]);
      // the same variables and values in another order: the ExecOp lists them in the order they were last set
      if (ea.size === eb.size && [...ea].every(([k, v]) => eb.get(k) === v))
        reasons.push({ kind: 'env', message: `the environment's order changed (${(b['env'] ?? '').split('\n').map((kv) => kv.slice(0, kv.indexOf('='))).join(', ')}): BuildKit keys the variables in the order they were last set` });
      for (const n of [...names].sort()) {
        if (ea.get(n) === eb.get(n)) continue;
        const src = step.envSources.get(n) ?? other.envSources.get(n);
        const from = ea.has(n) ? JSON.stringify(ea.get(n)) : '(unset)';
        const to = eb.has(n) ? JSON.stringify(eb.get(n)) : '(unset)';
        if (src?.kind === 'arg') {
          const passed = Object.prototype.hasOwnProperty.call(curOpts.buildArgs ?? {}, n) || Object.prototype.hasOwnProperty.call(baseOpts.buildArgs ?? {}, n);
          reasons.push({ kind: 'arg', name: n, line: src.line + 1, message: `build arg ${n} changed ${from} → ${to}${passed ? '' : ` (ARG on line ${src.line + 1})`}; every RUN after the ARG gets it in its environment, used or not` });
        } else reasons.push({ kind: 'env', name: n, line: src ? src.line + 1 : undefined, message: `ENV ${n} changed ${from} → ${to}` });
      }
    }
    if (a['user'] !== b['user']) reasons.push({ kind: 'user', message: `USER changed: ${JSON.stringify(a['user'] ?? '')} → ${JSON.stringify(b['user'] ?? '')} (compared as text: root → 0 also misses)` });
    if (a['cwd'] !== undefined && a['cwd'] !== b['cwd']) reasons.push({ kind: 'workdir', message: `working directory changed: ${a['cwd']} → ${b['cwd']}` });
    if (shellOnly) reasons.push({ kind: 'shell', message: 'SHELL changed' });
    if (a['mounts'] !== b['mounts']) reasons.push({ kind: 'mount', message: 'RUN --mount options changed' });
    if (a['sde'] !== b['sde']) reasons.push({ kind: 'source-date-epoch', message: 'SOURCE_DATE_EPOCH changed (BuildKit ≥ 0.22 stamps WORKDIR with it)' });
    if (a['platform'] !== b['platform']) reasons.push({ kind: 'platform', message: `platform changed: ${a['platform'] ?? '?'} → ${b['platform'] ?? '?'} (every RUN's key holds its platform)` });
  }
  if (other && step.remoteKey && other.remoteKey && other.remoteKey.identity !== step.remoteKey.identity) {
    reasons.push({
      kind: 'remote',
      message:
        other.remoteKey.content === step.remoteKey.content
          ? `remote source changed (${short(other.remote ?? '')} → ${short(step.remote ?? '')}): it reruns only if the fetched bytes differ`
          : `remote source changed (${short(other.remote ?? '')} → ${short(step.remote ?? '')})`,
    });
  } else if (other && other.op === step.op && (other.sources ?? []).join('\n') !== (step.sources ?? []).join('\n')) {
    const moved = `source moved: ${(other.sources ?? []).join(' ')} → ${(step.sources ?? []).join(' ')}`;
    reasons.push({ kind: 'files', message: step.stageReads.length ? `${moved}; it reruns only if the bytes at the new path differ` : `${moved}; BuildKit keys a source by its name and content, and the content there differs` });
  }
  if (count) {
    const list = files.slice(0, 5).map((f) => `${f.path} (${f.change})`).join(', ');
    reasons.push({ kind: 'files', message: `${count} context path${count === 1 ? '' : 's'} it copies changed: ${list}${count > 5 ? ', …' : ''}`, paths: files, count });
    const stale = sameStat ? files.filter((f) => sameStat.has(f.path)).map((f) => f.path) : [];
    if (stale.length)
      reasons.push({ kind: 'files', message: `${stale.slice(0, 5).join(', ')} changed with the same size and mtime: a builder that already holds this context keeps the old bytes (its transfer compares size and mtime) and hits; a fresh builder rebuilds` });
  }
  for (const r of step.stageReads) {
    if (r.stage === null) continue;
    const f = finalState(model, baseline, r.stage, status);
    if (f) reasons.push({ kind: 'stage', line: f.line, message: `copies ${r.paths.join(', ')} from stage ${stageLabel(model, r.stage)}, which rebuilds: it reruns only if those bytes differ` });
  }
  if (step.parent !== null) {
    const p = model.steps[step.parent]!;
    if (status[p.id] === 'rebuilt' || status[p.id] === 'maybe') reasons.push({ kind: 'parent', line: p.line + 1, message: `follows line ${p.line + 1} \`${short(p.instruction, 40)}\`, which ${status[p.id] === 'maybe' ? 'may rebuild' : 'rebuilds'}` });
  } else if (baseline) {
    if (stage.base.kind === 'stage') {
      const f = finalState(model, baseline, stage.base.stage, status);
      if (f) reasons.push({ kind: 'base', line: f.line, message: `built FROM stage ${stageLabel(model, stage.base.stage)}, which ${f.maybe ? 'may rebuild' : 'rebuilds'}` });
    } else {
      const bStage = baselineStage(stage, model, baseline);
      if (bStage && bStage.base.ref !== stage.base.ref) reasons.push({ kind: 'base', message: `base image changed: ${bStage.base.ref} → ${stage.base.ref}` });
      else if (bStage && stage.base.kind === 'image' && bStage.platform !== stage.platform)
        reasons.push({ kind: 'platform', message: `base image platform changed: ${bStage.platform} → ${stage.platform} (another manifest of ${stage.base.ref})` });
    }
  }
  if (reasons.length === 0 || (reasons.length === 1 && reasons[0]!.kind === 'new-step' && other === null && step.parent !== null && (status[step.parent] === 'rebuilt'))) {
    if (reasons.length === 0) reasons.push({ kind: 'instruction', message: 'cache key changed' });
  }
  void kc;
  return reasons;
}

// ---- static impact (what a miss here reruns) ----

export interface Impact {
  /** Steps that certainly rerun when this step misses. */
  rebuilt: number[];
  /** Steps that rerun only if the bytes they copy from a rerun stage differ. */
  maybe: number[];
}

/** Per model: the stages built FROM each stage, and the steps that read each stage's content. */
const stageLinks = new WeakMap<Model, { children: number[][]; consumers: Step[][] }>();
function linksOf(model: Model): { children: number[][]; consumers: Step[][] } {
  let l = stageLinks.get(model);
  if (!l) {
    const children: number[][] = model.stages.map(() => []);
    const consumers: Step[][] = model.stages.map(() => []);
    for (const st of model.stages) if (st.base.kind === 'stage') children[st.base.stage]!.push(st.index);
    for (const step of model.steps) {
      const seen = new Set<number>();
      for (const r of step.stageReads) if (r.stage !== null && !seen.has(r.stage)) (seen.add(r.stage), consumers[r.stage]!.push(step));
    }
    l = { children, consumers };
    stageLinks.set(model, l);
  }
  return l;
}

export function impactOf(model: Model, stepId: number): Impact {
  const rebuilt = new Set<number>();
  const maybe = new Set<number>();
  const step = model.steps[stepId]!;
  const { children, consumers } = linksOf(model);
  // only stages that are built for the target count (plus the step's own stage, so a hover there still helps)
  const counts = (stageIdx: number): boolean => stageIdx === step.stage || model.stages[stageIdx]!.needed || !model.stages[step.stage]!.needed;
  const missStage = (stageIdx: number, fromOrdinal: number): void => {
    if (!counts(stageIdx)) return;
    const s = model.stages[stageIdx]!;
    for (let i = fromOrdinal; i < s.steps.length; i++) {
      const id = s.steps[i]!;
      if (rebuilt.has(id)) continue;
      rebuilt.add(id);
      maybe.delete(id);
    }
    for (const child of children[stageIdx]!) missStage(child, 0);
    // content-addressed: a step copying from a rerun stage reruns only if the bytes differ
    for (const other of consumers[stageIdx]!) {
      if (rebuilt.has(other.id) || maybe.has(other.id) || !counts(other.stage)) continue;
      const os = model.stages[other.stage]!;
      for (let i = other.ordinal; i < os.steps.length; i++) if (!rebuilt.has(os.steps[i]!)) maybe.add(os.steps[i]!);
    }
  };
  missStage(step.stage, step.ordinal + 1);
  return { rebuilt: [...rebuilt].sort((a, b) => a - b), maybe: [...maybe].sort((a, b) => a - b) };
}
