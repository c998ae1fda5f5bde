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
const allCaches: BoundedCache<unknown, unknown>[] = [];
let totalWeight = 0;

/** A least-recently-used map with a weight (estimated bytes) per entry, under CACHE_BUDGET_BYTES with the others. */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, { v: V; w: number }>();
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
    this.map.set(k, e);
    return e.v;
  }

  set(k: K, v: V): void {
    this.delete(k);
    const w = Math.max(64, this.weigh(k, v));
    this.map.set(k, { v, w });
    this.weight += w;
    totalWeight += w;
    while (this.map.size > this.maxEntries) this.evictLeastRecent();
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
