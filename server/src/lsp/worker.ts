// The analysis worker: a worker thread that loads build contexts and runs the engine, so a huge Dockerfile or
// context never blocks the protocol thread (hovers of other documents, cached hovers, cancellation).
// The protocol thread sends `analyse` requests and file events; the worker answers with a DocAnalysis (structured
// clone, without the context snapshot itself) and reports context changes it saw through its own watcher.
import { parentPort, Worker } from 'node:worker_threads';
import { analyseDocument, diagInputOf, forTransfer, type AnalyseInput, type DiagInput, type DocAnalysis } from './analysis';
import { ContextStore, type FileChange } from './contexts';

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
  | { type: 'fileChanged'; path: string; change: FileChange }
  | { type: 'invalidateAll' };

type FromWorker =
  | { type: 'result'; id: number; result?: DocAnalysis; error?: string }
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

export function runWorker(): void {
  const port = parentPort!;
  let store: ContextStore | null = null;
  const post = (m: FromWorker) => port.postMessage(m);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'init') {
      store = new ContextStore({ ownWatcher: msg.ownWatcher, log: (m) => post({ type: 'log', msg: m }), onChange: (dir) => post({ type: 'changed', dir }) });
    } else if (msg.type === 'fileChanged') store?.fileChanged(msg.path, msg.change);
    else if (msg.type === 'invalidateAll') store?.invalidateAll();
    else if (msg.type === 'analyse') {
      analyseWithStore(store!, msg.req).then(
        (a) => {
          post({ type: 'diagnostics', id: msg.id, diag: diagInputOf(a) });
          post({ type: 'result', id: msg.id, result: forTransfer(a) });
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
  private readonly pending = new Map<number, { resolve: (a: DocAnalysis) => void; reject: (e: Error) => void; onDiagnostics?: (d: DiagInput) => void }>();

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

  /** Analyses in the worker; `onDiagnostics` gets what diagnostics need as soon as the worker has it. */
  analyse(req: AnalyseRequest, onDiagnostics?: (d: DiagInput) => void): Promise<DocAnalysis> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onDiagnostics });
      this.worker!.postMessage({ type: 'analyse', id, req } satisfies ToWorker);
    });
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
