// Memoisation per object: what depends only on one step or one parsed command is computed once per object. Memoised
// stages share their steps (and parsed scripts their commands) between analyses, so these caches carry over from one
// edit to the next; they are weak, so nothing outlives the models that use it. Callers must not mutate a result.

/** `map`'s value for `key`, computed by `compute` the first time. */
export function memoized<K extends object, V>(map: WeakMap<K, V>, key: K, compute: (key: K) => V): V {
  let v = map.get(key);
  if (v === undefined && !map.has(key)) {
    v = compute(key);
    map.set(key, v);
  }
  return v as V;
}

/**
 * The caches that outlive one analysis (parsed chunks, memoised stages, shell parses) share this budget: an
 * estimate of the bytes they hold. Over it, the largest cache forgets its least recently used entries. Documents
 * with 100 KB lines made count-limited caches hold gigabytes; a budget bounds them whatever the text.
 */
export const CACHE_BUDGET_BYTES = 96 * 1024 * 1024;
/**
 * Over this much, entries that none of the last RECENT_ANALYSES analyses used go first (`beginAnalysis`; a caller
 * that never calls it, the CLI, keeps the plain budget). In an editor's storm of edits the caches otherwise filled
 * with the stages and chunks of texts that are gone (earlier versions of the documents edited): measured with
 * bench/stress.bench.ts (3,000 operations, 8 documents) they reached ~52 MB of the 96; what every open document's
 * latest analysis uses stays, up to CACHE_BUDGET_BYTES (a 20,000-line Dockerfile's stages alone are ~30 MB).
 */
export const WORKING_SET_BYTES = 16 * 1024 * 1024;
/** Analyses whose entries count as in use (more than the documents an editor keeps re-analysing by turns). */
export const RECENT_ANALYSES = 32;
const allCaches: BoundedCache<unknown, unknown>[] = [];
let totalWeight = 0;
/** Analyses begun so far (beginAnalysis); each entry records the last one that used it. */
let epoch = 0;

/** An analysis starts: what it reads or stores in the caches counts as in use (see WORKING_SET_BYTES). */
export function beginAnalysis(): void {
  epoch++;
}

/** A least-recently-used map with a weight (estimated bytes) per entry, under CACHE_BUDGET_BYTES with the others. */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, { v: V; w: number; e: number }>();
  private weight = 0;

  constructor(
    readonly name: string,
    private readonly maxEntries: number,
    private readonly weigh: (k: K, v: V) => number,
  ) {
    allCaches.push(this as unknown as BoundedCache<unknown, unknown>);
  }

  get size(): number {
    return this.map.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.weight;
  }

  get(k: K): V | undefined {
    const e = this.map.get(k);
    if (!e) return undefined;
    this.map.delete(k); // most recently used last
    e.e = epoch;
    this.map.set(k, e);
    return e.v;
  }

  set(k: K, v: V): void {
    this.delete(k);
    const w = Math.max(64, this.weigh(k, v));
    this.map.set(k, { v, w, e: epoch });
    this.weight += w;
    totalWeight += w;
    while (this.map.size > this.maxEntries) this.evictLeastRecent();
    if (totalWeight > WORKING_SET_BYTES) trimUnused(WORKING_SET_BYTES);
    trimCaches(CACHE_BUDGET_BYTES);
  }

  delete(k: K): void {
    const e = this.map.get(k);
    if (!e) return;
    this.map.delete(k);
    this.weight -= e.w;
    totalWeight -= e.w;
  }

  clear(): void {
    totalWeight -= this.weight;
    this.weight = 0;
    this.map.clear();
  }

  /** Forgets least recently used entries that no analysis since `before` used, while the caches hold over `bytes`. */
  evictUnusedSince(before: number, bytes: number): void {
    for (const [k, e] of this.map) {
      if (totalWeight <= bytes || e.e >= before) return; // the rest were used later (most recently used last)
      this.delete(k);
    }
  }

  /** Forgets the least recently used entry. */
  evictLeastRecent(): void {
    const k = this.map.keys().next();
    if (!k.done) this.delete(k.value);
  }
}

/** Estimated bytes held by all bounded caches (tests and benchmarks). */
export function cachedBytes(): number {
  return totalWeight;
}

/** Over `bytes`: forgets the entries that none of the last RECENT_ANALYSES analyses used (none before the first ones). */
function trimUnused(bytes: number): void {
  const before = epoch - RECENT_ANALYSES;
  if (before <= 0) return;
  for (const c of allCaches) c.evictUnusedSince(before, bytes);
}

/**
 * Forgets least recently used entries (largest cache first, as over the budget) until the caches hold at most
 * `bytes`. The language server calls it when its worker goes idle: what the next edit needs (the latest texts'
 * chunks, stages and scripts) was used last and stays; the rest of a storm's 96 MB goes back to the system.
 */
export function trimCaches(bytes: number): void {
  while (totalWeight > bytes) {
    let largest: BoundedCache<unknown, unknown> | null = null;
    for (const c of allCaches) if (c.size && (!largest || c.bytes > largest.bytes)) largest = c;
    if (!largest) break;
    largest.evictLeastRecent();
  }
}
