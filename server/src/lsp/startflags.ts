// The V8 options of the server's command line (nodeflags.ts: `--max-semi-space-size=2 --heap-growing-percent=30`)
// are set back to V8's defaults while the process starts, and set again once it has started. Node compiles its own
// modules (`node:fs`, `node:worker_threads`, the worker's bootstrap…) with a code cache built into the binary, and V8
// rejects a code cache made under other flags: with any V8 option on the command line every one of them is compiled
// from source. A worker thread bootstraps ~100 of them: measured here (2 cores, Node 20, load ~1.5), `new Worker` to
// the first line of its code 36-48 ms without options, 70-85 ms with either option, 120-175 ms in the language server
// (beside the protocol thread's own start) — the analysis worker was not ready when a Dockerfile opened right after
// `initialize` arrived. With the options set back to their defaults (the launcher's first statement, before the worker
// starts) the built-in code cache is taken again (NODE_DEBUG_NATIVE=CODE_CACHE, whole server: ~80 modules rejected →
// ~45: those the protocol thread compiles before the launcher runs, and the stream modules `node:v8` loads, whose
// caches Node remade under the given options and the worker rejects too) and the worker's start was 77-107 ms in the
// server; a Dockerfile's first diagnostics on a new server (bench/lsp.bench.ts, 40 lines) 54-59 → 28-43 ms.
//
// What the options did stays: `--max-semi-space-size` is read when a thread's heap is made, so the protocol thread's
// (made before any JavaScript runs) keeps its 2 MB semi-spaces, and the workers get theirs from resourceLimits
// (workerstart.ts WORKER_YOUNG_MB); `--heap-growing-percent` is read at every collection and is set again
// RESTORE_AFTER_MS after the start, for every thread. Layerwise's own code cache (codecache.ts) is made and taken
// under the defaults at all times, as a thread's first load is: loadBundle sets them for the compile and for making
// the cache (`underDefaults`), so the cache of a worker started later (after a crash, or recycled) is taken too.
//
// Process-wide: the state is one SharedArrayBuffer, in a global slot of the protocol thread (the launcher and the
// bundle each have a copy of this module) and in each analysis worker's workerData.

/** What loadBundle needs (codecache.ts, self-contained: it reads no module). */
export interface StartFlags {
  /** [0]: 1 once the command line's values are back; [1]: threads inside `underDefaults` now. */
  state: Int32Array;
  /** The options at V8's defaults, for v8.setFlagsFromString. */
  defaults: string;
  /** The options as the command line gave them. */
  given: string;
}

/** The V8 options that are deferred, with their defaults (`node --v8-options`); any other stays as given. */
export const DEFERRED_V8_FLAGS: Readonly<Record<string, string>> = { '--max-semi-space-size': '0', '--heap-growing-percent': '0' };

/** After the start: the worker's bootstrap and both threads' bundles are loaded (~0.3 s at load ~1.5). */
export const RESTORE_AFTER_MS = 1000;

const SLOT = Symbol.for('layerwise.startFlags');
const slot = globalThis as { [SLOT]?: StartFlags };

/** The process's deferred start flags, if the launcher deferred any. */
export function startFlags(): StartFlags | undefined {
  return slot[SLOT];
}

/** Sets the deferred options of `execArgv` to their defaults, and back after RESTORE_AFTER_MS. Once per process. */
export function deferStartFlags(execArgv: readonly string[]): void {
  if (slot[SLOT]) return;
  const given: string[] = [];
  const defaults: string[] = [];
  for (const a of execArgv) {
    const m = /^(--[a-z-]+)=(.*)$/.exec(a.replace(/_/g, '-'));
    const d = m && DEFERRED_V8_FLAGS[m[1]!];
    if (!m || d === undefined || m[2] === d) continue;
    given.push(a);
    defaults.push(`${m[1]}=${d}`);
  }
  if (!given.length) return;
  const v8 = require('node:v8') as typeof import('node:v8');
  const flags: StartFlags = { state: new Int32Array(new SharedArrayBuffer(8)), defaults: defaults.join(' '), given: given.join(' ') };
  try {
    v8.setFlagsFromString(flags.defaults);
  } catch {
    return;
  }
  slot[SLOT] = flags;
  setTimeout(() => {
    Atomics.store(flags.state, 0, 1);
    // a thread inside underDefaults sets them when it leaves (codecache.ts)
    if (Atomics.load(flags.state, 1) === 0) v8.setFlagsFromString(flags.given);
  }, RESTORE_AFTER_MS).unref();
}
