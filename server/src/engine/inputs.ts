// What each step reads from the current context: counts and a few example paths (for `graph`, hovers, lenses).
import { entryType, type ContextSnapshot } from './context';
import { parseDockerignore } from './dockerignore';
import { compileSource, hasWildcard, readSelects } from './explain';
import type { ContextRead, Model } from './model';

export interface StepReads {
  /** Files (and links) sent to the builder that the step's COPY/ADD/bind sources select. */
  files: number;
  sample: string[];
  /** True when some read is the whole context (`COPY . .`, a bind mount without source). */
  wholeContext: boolean;
  /** Source patterns that select nothing in the context. */
  unmatched: string[];
}

const sentMemo = new WeakMap<ContextSnapshot, { revision: number; ignore: string; sent: string[] }>();

/**
 * The context paths sent to the builder (those the ignore file keeps), in `paths()` order. Memoised per snapshot
 * revision and ignore text (a check, its siblings and its fixes' proofs ask for the same); callers must not mutate it.
 */
export function sentPaths(ctx: ContextSnapshot): string[] {
  const ignore = ctx.ignoreFile?.text ?? '';
  const hit = sentMemo.get(ctx);
  if (hit && ctx.revision !== undefined && hit.revision === ctx.revision && hit.ignore === ignore) return hit.sent;
  const ig = parseDockerignore(ignore);
  const out: string[] = [];
  for (const p of ctx.paths()) if (!ig.ignores(p)) out.push(p);
  if (ctx.revision !== undefined) sentMemo.set(ctx, { revision: ctx.revision, ignore, sent: out });
  return out;
}

/** Binary search: the first index of sorted `arr` whose value is not below `key`. */
function lowerBound(arr: readonly string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const isLiteral = (s: string): boolean => !hasWildcard(s);

/** Indices of sorted `arr` selected by one literal source: the path itself and everything below it. */
function literalRange(arr: readonly string[], src: string): number[] {
  const idx: number[] = [];
  const exact = lowerBound(arr, src);
  if (arr[exact] === src) idx.push(exact);
  const prefix = src + '/';
  for (let i = lowerBound(arr, prefix); i < arr.length && arr[i]!.startsWith(prefix); i++) idx.push(i);
  return idx;
}

/**
 * Indices (ascending) of the sorted paths `files` that some of `reads` selects (sources minus their --exclude).
 * Literal sources without excludes are binary-searched prefix ranges; anything else tests every path. Memoised per
 * `files` array and reads: callers must not mutate the result.
 */
export function selectedIndices(reads: readonly ContextRead[], files: readonly string[]): number[] {
  // an edit makes a new model whose steps mostly read what the last one's did, from the same sorted paths
  let memo = selectedMemo.get(files);
  if (!memo) selectedMemo.set(files, (memo = new Map()));
  const key = reads.map((c) => c.sources.join('\0') + '\x01' + c.excludes.join('\0')).join('\x02');
  let hit = memo.get(key);
  if (!hit) {
    if (memo.size >= SELECTED_MEMO_MAX) memo.clear();
    memo.set(key, (hit = computeSelected(reads, files)));
  }
  return hit;
}

/** Per sorted path list (callers keep one per snapshot state): the selection per distinct list of reads. */
const selectedMemo = new WeakMap<readonly string[], Map<string, number[]>>();
const SELECTED_MEMO_MAX = 4096;

function computeSelected(reads: readonly ContextRead[], files: readonly string[]): number[] {
  if (reads.some((c) => c.sources.includes('') && !c.excludes.length)) return files.map((_, i) => i);
  if (reads.every((c) => c.excludes.length === 0 && c.sources.every(isLiteral))) {
    const hit = new Set<number>();
    for (const c of reads) for (const src of c.sources) for (const i of literalRange(files, src)) hit.add(i);
    return [...hit].sort((a, b) => a - b);
  }
  const out: number[] = [];
  for (let i = 0; i < files.length; i++) if (reads.some((c) => readSelects(c, files[i]!))) out.push(i);
  return out;
}

/** The sorted files and paths of a snapshot's sent list, for its stat generation (an entry's type may change in place). */
const sortedMemo = new WeakMap<ContextSnapshot, { sent: string[]; gen: number; files: string[]; sentSorted: string[] }>();

export function stepReads(model: Model, ctx: ContextSnapshot, sent: string[] = sentPaths(ctx)): Map<number, StepReads> {
  const out = new Map<number, StepReads>();
  if (!model.steps.some((s) => s.contextReads.length)) return out;
  // sorted files (no dirs) once per sent list; literal sources become a binary-searched prefix range
  let sorted = sortedMemo.get(ctx);
  const gen = ctx.statGeneration ?? 0;
  if (!sorted || sorted.sent !== sent || sorted.gen !== gen) sortedMemo.set(ctx, (sorted = { sent, gen, files: sent.filter((p) => entryType(ctx, p) !== 'dir').sort(), sentSorted: [...sent].sort() }));
  const { files, sentSorted } = sorted;
  /** Does a wildcard source select anything? Only paths under its literal leading folders can match. */
  const wildcardMatches = (arr: string[], src: string): boolean => {
    const segs = src.split('/');
    const lit: string[] = [];
    for (const s of segs) {
      if (hasWildcard(s)) break;
      lit.push(s);
    }
    const m = compileSource(src);
    const prefix = lit.length ? lit.join('/') + '/' : '';
    for (let i = prefix ? lowerBound(arr, prefix) : 0; i < arr.length && arr[i]!.startsWith(prefix); i++) if (m(arr[i]!)) return true;
    return false;
  };
  for (const step of model.steps) {
    if (!step.contextReads.length) continue;
    const r: StepReads = { files: 0, sample: [], wholeContext: step.contextReads.some((c) => c.sources.includes('')), unmatched: [] };
    for (const read of step.contextReads) {
      for (const src of read.sources) {
        if (src === '') {
          if (!sent.length) r.unmatched.push(src);
          continue;
        }
        const any = isLiteral(src) ? literalRange(sentSorted, src).length > 0 : wildcardMatches(sentSorted, src);
        if (!any) r.unmatched.push(src);
      }
    }
    const sel = selectedIndices(step.contextReads, files);
    r.files = sel.length;
    r.sample = sel.slice(0, 5).map((i) => files[i]!);
    out.set(step.id, r);
  }
  return out;
}
