// Starting the analysis worker thread (worker.ts runs in it): its resource limits, and the worker started with the
// process — by the launcher (dist/lsp.js, lsp/launch.ts) before the bundle is even compiled, else by lsp/main.ts.
// Imports nothing but node:worker_threads, so the launcher bundles this module alone; the two copies (launcher and
// bundle) hand the started worker over through one process-wide slot.
import { Worker } from 'node:worker_threads';
import { workerLoader } from './codecache';
import { startFlags } from './startflags';

/**
 * The worker's memory limit: an analysis that needs more is abandoned with a diagnostic ("it ran out of memory"). The
 * protocol thread ends the worker once the process's RSS is this much over its idle level (AnalysisWorker's tick,
 * every second); V8 ends it at WORKER_V8_HEAP_MB.
 */
export const WORKER_HEAP_MB = process.env['LAYERWISE_TEST_FAULTS'] === '1' ? 128 : 640;

/**
 * V8's own limit for the worker's heap (resourceLimits): WORKER_HEAP_MB + 1 GiB. V8 ends a worker at its heap limit
 * (ERR_WORKER_OUT_OF_MEMORY) only when the heap grows there by small steps: Node raises the limit by 16 MB to let the
 * collection finish, and a heap still over that after one allocation is a fatal error of the whole process, language
 * server included (measured, Node 20, limit 128 MB: 100 MB live + one 40 MB array: "FATAL ERROR: Reached heap limit",
 * the process aborted; 20 MB live + one 100 MB array: the worker ended). No V8 object is larger than 1 GiB (the
 * longest array backing store or string), so one allocation can take the heap past this limit only when it already
 * holds over WORKER_HEAP_MB, which the watchdog ends within a second.
 */
export const WORKER_V8_HEAP_MB = WORKER_HEAP_MB + 1024;

/**
 * The worker's young generation (resourceLimits): V8's default nursery (16 MB semi-spaces) stays resident once an
 * edit storm has filled it. 8 MB: 2,000-line Dockerfile, 40 edits, RSS settled 197 → 176 MB (4 MB: 175; 16: 182),
 * edit latency within the machine's noise. 6 MB since `--max-semi-space-size=2` is no longer in force when the worker
 * starts (startflags.ts): the flag overrode this limit (8 MB gave 2 MB semi-spaces while it was), 6 MB gives the same 2
 * MB semi-spaces without it (v8.getHeapSpaceStatistics: new_space 4 MB; 8 MB without the flag: 8 MB).
 */
export const WORKER_YOUNG_MB = 6;

export function newWorker(script: string): Worker {
  // the bundle through the code cache (codecache.ts): its compile was most of the worker's start
  return new Worker(workerLoader(script, 'worker'), {
    eval: true,
    workerData: { layerwiseWorker: true, startFlags: startFlags() },
    resourceLimits: { maxOldGenerationSizeMb: WORKER_V8_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  });
}

/** The worker started with the process, until the AnalysisWorker adopts it (process-wide: see the file's comment). */
const SLOT = Symbol.for('layerwise.prestartedAnalysisWorker');
const slot = globalThis as { [SLOT]?: { script: string; worker: Worker } | null };

/** The server's argv starts a language server (a transport, no --version/--help) that analyses in a worker. */
export function startsWorkerServer(argv: string[]): boolean {
  if (process.env['LAYERWISE_LSP_INPROCESS'] === '1' || argv.includes('--version') || argv.includes('--help') || argv.includes('-h')) return false;
  return argv.some((a) => /^--(stdio|node-ipc|socket|pipe|clientProcessId)/.test(a));
}

/**
 * Starts the analysis worker thread as soon as the server process starts, so that its bundle loads while the
 * protocol thread loads its own and answers `initialize` (2 cores or more: in parallel); the AnalysisWorker adopts
 * it. Without this, a Dockerfile opened right after `initialize` waited for the worker to start.
 */
export function prestartAnalysisWorker(script: string): void {
  if (slot[SLOT]) return;
  try {
    const worker = newWorker(script);
    slot[SLOT] = { script, worker };
    worker.unref(); // until adopted, it does not keep the process alive
    // one that dies before it is adopted is not adopted (its exit event would be missed): the AnalysisWorker starts one
    worker.once('exit', () => {
      if (slot[SLOT]?.worker === worker) slot[SLOT] = null;
    });
    worker.once('error', () => undefined);
  } catch {
    slot[SLOT] = null; // the AnalysisWorker starts one (or the server falls back to in-process analysis)
  }
}

export function adoptPrestarted(script: string): Worker | null {
  const p = slot[SLOT];
  slot[SLOT] = null;
  if (!p) return null;
  if (p.script !== script) {
    void p.worker.terminate();
    return null;
  }
  p.worker.ref();
  return p.worker;
}

/** The server analyses in-process after all: a prestarted worker is ended. */
export function discardPrestartedWorker(): void {
  void slot[SLOT]?.worker.terminate();
  slot[SLOT] = null;
}
