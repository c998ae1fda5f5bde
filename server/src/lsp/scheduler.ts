// Analysis scheduling: debounced, versioned, never two analyses of one document in flight; stale results are dropped
// (runanalysis.ts checks the version before it stores or publishes). The only code that starts an analysis: everything
// else asks for one with schedule() or waits for the current version with current().
import { runAnalysis } from './runanalysis';
import type { ServerState } from './state';

/** The shortest adaptive debounce: edits that arrive together (one keystroke, several changes) coalesce. */
export const MIN_DEBOUNCE_MS = 5;
/** An analysis at least this long is rationed while someone types (see editDelay). */
export const EXPENSIVE_MS = 50;

/** An analysis in flight for one document. */
interface Inflight {
  /** The open document it analyses (a closed and reopened document is another object). */
  doc: object;
  version: number;
  /** Something outside the document changed after it started (its context, a project file): do not join it. */
  outdated: boolean;
  /** Settles when the analysis is over (its full result arrived, was superseded, or it failed). */
  promise: Promise<void>;
  /** The worker has finished it and diagnostics are out; only the full result may still be on its way. */
  computed: boolean;
  whenComputed: Promise<void>;
  markComputed(): void;
}

export class Scheduler {
  /** Scheduled analyses (a timer, or an immediate for no delay: a 0 ms timer waits 1 ms). */
  private readonly timers = new Map<string, { cancel(): void; immediate: boolean }>();
  /**
   * Analyses in flight per document. `computed`: the worker has finished it and diagnostics are out; only the full
   * result is still on its way, so a newer version may start at once.
   */
  private readonly inflight = new Map<string, Inflight>();
  /** When each document's last analysis finished (its diagnostics came): how long the worker has rested since. */
  private readonly lastDoneAt = new Map<string, number>();
  /** How long the last analysis of each document took (from its diagnostics: the full result may be superseded). */
  private readonly lastElapsed = new Map<string, number>();

  constructor(private readonly s: ServerState) {}

  private busy(uri: string): boolean {
    const f = this.inflight.get(uri);
    return !!f && !f.computed;
  }

  /** An analysis is scheduled or running for the document (its cached result may be about to change). */
  pending(uri: string): boolean {
    return this.timers.has(uri) || this.inflight.has(uri);
  }

  /**
   * The debounce after an edit. Adaptive unless fixed by the client: the time the document's last analysis took
   * (capped), so that analysing while someone types costs at most about half of one core, and small documents get
   * their diagnostics at once. Together with the coalescing in schedule() (never two analyses of one document in
   * flight), a burst of edits costs one analysis per analysis-time, not one per keystroke.
   */
  private editDelay(uri: string): number {
    const { debounceMs } = this.s;
    if (this.s.fixedDebounce) return debounceMs;
    const last = this.lastElapsed.get(uri);
    const now = Date.now();
    if (last === undefined) return debounceMs;
    const adaptive = Math.min(debounceMs, Math.max(MIN_DEBOUNCE_MS, Math.round(last)));
    // edits that arrive while the document is being analysed wait the adaptive delay and coalesce
    if (this.busy(uri)) return adaptive;
    // leading edge: with nothing in flight an edit is analysed at once (0 ms still lets the changes of one keystroke,
    // delivered together, coalesce: they are handled before the immediate); only an expensive analysis first waits
    // until the worker has rested as long as it last worked, so fast typing costs at most half a core
    if (last < EXPENSIVE_MS) return 0;
    const idle = now - (this.lastDoneAt.get(uri) ?? 0);
    return idle >= last ? 0 : Math.min(adaptive, Math.round(last - idle));
  }

  /** Schedules an analysis of the document's latest version (after an edit: the adaptive delay). */
  schedule(uri: string, delay = this.editDelay(uri)): void {
    // an analysis about to start (an immediate) reads the latest version anyway: a later request never postpones it
    // (didOpen schedules one at once, and the didChangeContent that follows it would wait for a first debounce)
    if (this.timers.get(uri)?.immediate) return;
    this.timers.get(uri)?.cancel();
    const run = () => {
      this.timers.delete(uri);
      const running = this.inflight.get(uri);
      const doc = this.s.documents.get(uri);
      if (running && doc && running.doc === doc && running.version !== doc.version && !running.computed) {
        // an older version is still being analysed: start the latest once its diagnostics are out (the worker then
        // drops the older full result)
        void running.whenComputed.then(() => {
          if (!this.timers.has(uri)) void this.run(uri);
        });
        return;
      }
      void this.run(uri);
    };
    // an immediate still lets the changes of one keystroke, delivered together, coalesce: they are handled first
    if (delay <= 0) {
      const h = setImmediate(run);
      this.timers.set(uri, { cancel: () => clearImmediate(h), immediate: true });
    } else {
      const h = setTimeout(run, delay);
      this.timers.set(uri, { cancel: () => clearTimeout(h), immediate: false });
    }
  }

  /** Re-analysis soon after something outside the document changed (its context, a project file, another document). */
  scheduleSoon(uri: string): void {
    const f = this.inflight.get(uri);
    if (f) f.outdated = true; // it may have read the old state: the next request waits for a new analysis
    this.schedule(uri, Math.min(this.s.debounceMs, 100));
  }

  private run(uri: string): Promise<void> {
    const doc = this.s.documents.get(uri);
    if (!doc) return Promise.resolve();
    const cur = this.inflight.get(uri);
    if (cur && cur.doc === doc && cur.version === doc.version && !cur.outdated) return cur.promise;
    const version = doc.version;
    let resolveComputed!: () => void;
    const entry: Inflight = {
      doc,
      version,
      outdated: false,
      promise: Promise.resolve(),
      computed: false,
      whenComputed: new Promise<void>((r) => (resolveComputed = r)),
      markComputed: () => {
        entry.computed = true;
        resolveComputed();
      },
    };
    this.inflight.set(uri, entry);
    entry.promise = (async () => {
      try {
        await runAnalysis(this.s, doc, version);
      } catch (e) {
        this.s.logError(`analysing ${uri}`, e);
      } finally {
        entry.markComputed();
        if (this.inflight.get(uri) === entry) this.inflight.delete(uri);
      }
    })();
    return entry.promise;
  }

  /**
   * The current version's analysis if it comes within `ms`, else `fallback` (a handler's budget: it never waits
   * longer, whatever the worker is doing).
   */
  async currentWithin<T extends { version: number }, F>(uri: string, cache: Map<string, T>, ms: number, fallback: () => F): Promise<T | undefined | F> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<F>((r) => (timer = setTimeout(() => r(fallback()), ms)));
    try {
      return await Promise.race([this.current(uri, cache), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The analysis of `version` is computed and its diagnostics are out (runanalysis.ts): a newer version may start. */
  computed(uri: string, version: number, elapsedMs: number): void {
    const f = this.inflight.get(uri);
    if (f?.version === version) f.markComputed();
    this.lastElapsed.set(uri, elapsedMs);
    this.lastDoneAt.set(uri, Date.now());
  }

  /** The cached result of the document's current version: computed now if it is pending (at most once per version). */
  async current<T extends { version: number }>(uri: string, cache: Map<string, T>, again = 0): Promise<T | undefined> {
    const doc = this.s.documents.get(uri);
    if (!doc) return undefined;
    const a = cache.get(uri);
    // a re-analysis may be pending or running for the same version (the build context changed): wait for it, so a
    // hover never answers from a context that is known to be stale
    if (a && a.version === doc.version && !this.pending(uri)) return a;
    const t = this.timers.get(uri);
    if (t) {
      t.cancel();
      this.timers.delete(uri);
    }
    if (this.inflight.get(uri)?.computed) this.s.worker?.flush(uri); // computed, held by the worker: ask for it now
    const done = this.run(uri);
    const awaited = this.inflight.get(uri);
    await done;
    // something outside the document changed while it ran (the worker's report of a file event comes after the
    // client's): the analysis after it answers. The one awaited may have been superseded by it in the worker and
    // stored nothing, or still be pending behind it; the cache then holds the analysis from before the event (a hover
    // 144 ms after a new context file counted the old files, 1 of 60 under load): wait for the one that replaced it
    if ((awaited?.outdated || this.pending(uri)) && again < 3) return this.current(uri, cache, again + 1);
    return cache.get(uri);
  }

  /** A closed document: its analysis in flight (if any) no longer counts (it publishes nothing: runanalysis.ts). */
  forget(uri: string): void {
    this.timers.get(uri)?.cancel();
    this.timers.delete(uri);
    this.inflight.delete(uri);
    this.lastElapsed.delete(uri);
    this.lastDoneAt.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}
