// The analysis worker: a worker thread that loads build contexts and runs the engine, so a huge Dockerfile or
// context never blocks the protocol thread (hovers of other documents, cached hovers, cancellation).
// The protocol thread sends `analyse` requests and file events; the worker answers with a DocAnalysis (structured
// clone, without the context snapshot itself) and reports context changes it saw through its own watcher.
import { parentPort, Worker } from 'node:worker_threads';
import { analyseDocument, diagInputOf, forTransfer, type AnalyseInput, type DiagInput, type DocAnalysis } from './analysis';
import { ContextStore, type FileChange } from './contexts';
import { setIncrementalMinLines } from '../engine/model';

export interface AnalyseRequest extends Omit<AnalyseInput, 'ctx' | 'contextNote' | 'contextDir'> {
  trusted: boolean;
  contextDir: string | null;
  dockerfilePath: string | null;
  /** Note for hovers when there is no context (untrusted, not a file). */
  noContextNote: string | null;
}

type ToWorker =
  | { type: 'init'; ownWatcher: boolean }
  | { type: 'analyse'; id: number; req: AnalyseRequest }
  /** Send the held result for this document now (a hover or lens needs it). */
  | { type: 'flush'; uri: string }
  | { type: 'fileChanged'; path: string; change: FileChange }
  | { type: 'invalidateAll' };

type FromWorker =
  /** `superseded`: a newer analysis of the same document was requested before this result was sent. */
  | { type: 'result'; id: number; result?: DocAnalysis; error?: string; superseded?: boolean }
  /** Sent just before `result`: what diagnostics need (cloning the whole analysis takes longer). */
  | { type: 'diagnostics'; id: number; diag: DiagInput }
  | { type: 'changed'; dir: string }
  | { type: 'log'; msg: string };

/** Runs one analysis: context (cached in `store`) + engine. Used by the worker and by the in-process fallback. */
export async function analyseWithStore(store: ContextStore, req: AnalyseRequest): Promise<DocAnalysis> {
  let ctx = null;
  let note = req.noContextNote;
  let error: string | null = null;
  const big = req.text.length > 16 * 1024 * 1024 || req.text.includes('\u0000');
  if (!big && req.trusted && req.contextDir) {
    const r = await store.get(req.contextDir, req.dockerfilePath ?? undefined);
    ctx = r.ctx;
    if (!ctx) {
      error = r.error ?? 'the build context could not be read';
      note = error;
    }
  }
  const a = analyseDocument({ ...req, ctx, contextDir: ctx ? req.contextDir : null, contextNote: ctx ? null : note, contextError: error });
  return a;
}

/**
 * How long the worker holds a finished analysis before sending it. Diagnostics go out at once; the full analysis
 * (for hovers, lenses, actions) costs ~8 ms to clone on each side at 2,000 lines, and while someone types the next
 * edit usually arrives first and makes it moot. A hover or lens that needs it sooner asks for it (`flush`).
 */
export const RESULT_HOLD_MS = 40;

export function runWorker(): void {
  const port = parentPort!;
  // an editor re-analyses the same documents over and over: memoise stages of short files too (the CLI does not)
  setIncrementalMinLines(0);
  let store: ContextStore | null = null;
  const post = (m: FromWorker) => port.postMessage(m);
  /** Finished analyses not sent yet, by document. */
  const held = new Map<string, { id: number; a: DocAnalysis; timer: ReturnType<typeof setTimeout> }>();
  /** The newest analysis requested per document. */
  const newest = new Map<string, number>();
  /** Lets go of the document's held result: sent, or dropped as superseded. */
  const release = (uri: string, how: 'send' | 'supersede') => {
    const h = held.get(uri);
    if (!h) return;
    clearTimeout(h.timer);
    held.delete(uri);
    post(how === 'send' ? { type: 'result', id: h.id, result: forTransfer(h.a) } : { type: 'result', id: h.id, superseded: true });
  };
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'init') {
      store = new ContextStore({ ownWatcher: msg.ownWatcher, log: (m) => post({ type: 'log', msg: m }), onChange: (dir) => post({ type: 'changed', dir }) });
    } else if (msg.type === 'fileChanged') store?.fileChanged(msg.path, msg.change);
    else if (msg.type === 'invalidateAll') store?.invalidateAll();
    else if (msg.type === 'flush') release(msg.uri, 'send');
    else if (msg.type === 'analyse') {
      const uri = msg.req.uri;
      newest.set(uri, Math.max(newest.get(uri) ?? 0, msg.id));
      release(uri, 'supersede');
      analyseWithStore(store!, msg.req).then(
        (a) => {
          post({ type: 'diagnostics', id: msg.id, diag: diagInputOf(a) });
          if ((newest.get(uri) ?? 0) > msg.id) return void post({ type: 'result', id: msg.id, superseded: true });
          release(uri, 'supersede');
          const timer = setTimeout(() => release(uri, 'send'), RESULT_HOLD_MS);
          held.set(uri, { id: msg.id, a, timer });
        },
        (e) => post({ type: 'result', id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
    }
  });
}

/** The protocol thread's handle on the worker; restarts it if it dies. */
export class AnalysisWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (a: DocAnalysis | null) => void; reject: (e: Error) => void; onDiagnostics?: (d: DiagInput) => void }>();

  constructor(
    private readonly script: string,
    private readonly ownWatcher: boolean,
    private readonly onChanged: (dir: string) => void,
    private readonly log: (m: string) => void,
  ) {
    this.spawn();
  }

  private spawn(): void {
    const w = new Worker(this.script, { workerData: { layerwiseWorker: true } });
    w.on('message', (m: FromWorker) => {
      if (m.type === 'result') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (!p) return;
        if (m.result) p.resolve(m.result);
        else if (m.superseded) p.resolve(null);
        else p.reject(new Error(m.error ?? 'analysis failed'));
      } else if (m.type === 'diagnostics') {
        const p = this.pending.get(m.id);
        try {
          p?.onDiagnostics?.(m.diag);
        } catch (e) {
          this.log(`publishing early diagnostics: ${(e as Error)?.stack ?? e}`);
        }
      } else if (m.type === 'changed') this.onChanged(m.dir);
      else if (m.type === 'log') this.log(m.msg);
    });
    w.on('error', (e) => this.log(`analysis worker error: ${e?.stack ?? e}`));
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(`analysis worker exited (${code})`));
      this.pending.clear();
      if (!this.disposed) {
        this.log(`analysis worker exited (${code}); restarting it`);
        this.spawn();
      }
    });
    w.postMessage({ type: 'init', ownWatcher: this.ownWatcher } satisfies ToWorker);
    this.worker = w;
  }

  private disposed = false;

  /**
   * Analyses in the worker; `onDiagnostics` gets what diagnostics need as soon as the worker has it. The full
   * analysis follows within RESULT_HOLD_MS (or at once after `flush`); null when a newer analysis of the same
   * document was requested before it was sent.
   */
  analyse(req: AnalyseRequest, onDiagnostics?: (d: DiagInput) => void): Promise<DocAnalysis | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onDiagnostics });
      this.worker!.postMessage({ type: 'analyse', id, req } satisfies ToWorker);
    });
  }

  /** Asks for the held result of this document's last analysis now. */
  flush(uri: string): void {
    this.worker?.postMessage({ type: 'flush', uri } satisfies ToWorker);
  }

  fileChanged(path: string, change: FileChange): void {
    this.worker?.postMessage({ type: 'fileChanged', path, change } satisfies ToWorker);
  }

  invalidateAll(): void {
    this.worker?.postMessage({ type: 'invalidateAll' } satisfies ToWorker);
  }

  dispose(): void {
    this.disposed = true;
    void this.worker?.terminate();
    this.worker = null;
  }
}
