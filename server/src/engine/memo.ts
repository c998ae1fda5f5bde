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
