// The history worker: a second worker thread (same bundle) that reads a repository's history (git, cached on disk by
// server/src/context/history.ts) and replays it with the engine, so neither the protocol thread nor the analysis
// worker ever waits for git or a replay. It keeps the history per (context, Dockerfile, commits) in memory keyed by
// HEAD: git is read again only when HEAD moves; the replay reruns only when the Dockerfile text or options change.
// It also computes the cache report (history + what the rules' fixes would save), and reads the layers of a built
// image from the daemon (its export streamed and listed here, never on the protocol thread: lsp/layers.ts).
import { parentPort, Worker } from 'node:worker_threads';
import type { ImageWaste } from '../engine/layers';
import { connect } from '../context/docker';
import { readImageWaste, type WasteFailure } from '../context/layers';
import { fixAll, replayHistory, whatIfFixed, type AnalyzeOptions, type HistoryInput, type HistoryResult, type Severity } from '../engine';
import { loadHistory, noRepository, type HistoryData } from '../context/history';
import { currentHead } from '../context/evidence';
import { loadDiskContext } from '../context';
import { WORKER_V8_HEAP_MB, WORKER_YOUNG_MB } from './workerstart';

const testFaults = process.env['LAYERWISE_TEST_FAULTS'] === '1';

/**
 * The history worker's heap limit (resourceLimits; the analysis worker's V8 limit, 128 MB for the containment
 * tests). Without one, a replay that outgrew V8's default limit (~4 GB here) would be a fatal error of the whole
 * process; at this limit the worker ends (ERR_WORKER_OUT_OF_MEMORY), its requests fail with a message that says so,
 * and the next request starts a new worker. Its young generation is the analysis worker's (RSS, workerstart.ts).
 */
export const HISTORY_HEAP_MB = testFaults ? 128 : WORKER_V8_HEAP_MB;

/** Fault injection (LAYERWISE_TEST_FAULTS=1 only): a text whose first line is `# layerwise-test-fault: history-oom`. */
function injectFault(text: string): void {
  if (!testFaults || !text.startsWith('# layerwise-test-fault: history-oom')) return;
  const hog: number[][] = [];
  for (let i = 0; ; i++) hog.push(new Array<number>(1 << 22).fill(i)); // 32 MB a step, until the heap limit
}

export interface HistoryRequest {
  contextDir: string;
  dockerfilePath: string;
  commits: number;
  text: string;
  options: AnalyzeOptions;
}

export interface HistoryReply {
  head: string | null;
  /** Null when the history could not be read at all (context missing…); `state: 'no-history'` for shallow/no git. */
  result: HistoryResult | null;
  note?: string;
}

export interface ReportRequest extends HistoryRequest {
  severities: Record<string, Severity | 'off'>;
}

export interface FixSaving {
  /** Rule id, or 'all' for every fix together. */
  rule: string;
  titles: string[];
  savedStepsPerCommit: number;
  savedSecondsPerCommit: number;
  beforeSeconds: number;
  afterSeconds: number;
}

export interface ReportReply extends HistoryReply {
  fixes: FixSaving[];
  fixNote?: string;
}

type ToWorker = { type: 'history'; id: number; req: HistoryRequest } | { type: 'report'; id: number; req: ReportRequest } | { type: 'layers'; id: number; req: { image: string } };

/** The waste of each layer of an image (bounded: context/layers.ts readImageWaste), or why it is not known. */
export async function computeLayers(req: { image: string }): Promise<ImageWaste | WasteFailure> {
  let docker;
  try {
    docker = await connect({ connectTimeoutMs: 2000, timeoutMs: 30_000 });
  } catch (e) {
    return { kind: 'failed', message: (e as Error).message.split('\n')[0] ?? 'no Docker daemon' };
  }
  return readImageWaste(docker, req.image);
}
type FromWorker = { type: 'reply'; id: number; result?: unknown; error?: string };

interface Entry {
  head: string | null;
  data: HistoryData;
  replay?: { key: string; result: HistoryResult };
}
const entries = new Map<string, Entry>();

function entryFor(req: HistoryRequest): Entry {
  const key = JSON.stringify([req.contextDir, req.dockerfilePath, req.commits]);
  const head = currentHead(req.contextDir);
  let e = entries.get(key);
  if (!e || e.head !== head) {
    const data = loadHistory({ contextDir: req.contextDir, dockerfilePath: req.dockerfilePath, commits: req.commits, cache: true });
    e = { head, data };
    if (entries.size > 50) entries.clear();
    entries.set(key, e);
  }
  return e;
}

function inputOf(e: Entry, req: HistoryRequest): HistoryInput {
  return { commits: e.data.commits, currentText: req.text, options: req.options, noHistory: e.data.state === 'no-history' ? e.data.reason : undefined };
}

/** The replay of the request's text over the repository's history (without the per-commit detail). */
export function computeHistory(req: HistoryRequest): HistoryReply {
  injectFault(req.text);
  let e: Entry;
  try {
    e = entryFor(req);
  } catch (err) {
    return { head: null, result: null, note: (err as Error).message.split('\n')[0] };
  }
  const key = JSON.stringify([req.text, req.options]);
  if (e.replay?.key !== key) e.replay = { key, result: { ...replayHistory(inputOf(e, req)), perCommit: [] } };
  return { head: e.head, result: e.replay.result, note: e.data.reason };
}

/** What the worker answers for a context outside any repository (computeHistory's reply, without the replay's steps). */
export function noRepositoryReply(data: HistoryData): HistoryReply {
  const result: HistoryResult = {
    state: 'no-history',
    note: data.reason,
    commits: 0,
    skipped: { root: 0, noDockerfile: 0, noParentDockerfile: 0 },
    steps: [],
    expectedRebuiltSteps: 0,
    expectedMaybeSteps: 0,
    expectedCostSeconds: 0,
    perCommit: [],
  };
  return { head: null, result, note: data.reason };
}

/** History plus what the fixes the rules offer would save per commit (all together, then per rule). */
export function computeReport(req: ReportRequest): ReportReply {
  const h = computeHistory(req);
  const out: ReportReply = { ...h, fixes: [] };
  if (!h.result || h.result.state !== 'ok') return out;
  const e = entryFor(req);
  const input = inputOf(e, req);
  let ctx;
  try {
    ctx = loadDiskContext(req.contextDir, { dockerfilePath: req.dockerfilePath });
  } catch (err) {
    out.fixNote = `the build context could not be read: ${(err as Error).message.split('\n')[0]}`;
    return out;
  }
  const opts = { ...req.options, severities: req.severities };
  const all = fixAll(req.text, ctx, opts);
  if (!all.applied.length) {
    out.fixNote = 'no rule offers a fix for this Dockerfile';
    return out;
  }
  const saving = (rule: string, f: typeof all): FixSaving => {
    const w = whatIfFixed(input, f.text, f.ignoreText !== null ? { ignoreText: f.ignoreText } : {});
    return {
      rule,
      titles: [...new Set(f.applied.map((a) => a.title))],
      savedStepsPerCommit: w.savedStepsPerCommit,
      savedSecondsPerCommit: w.savedSecondsPerCommit,
      beforeSeconds: w.before.expectedCostSeconds,
      afterSeconds: w.after.expectedCostSeconds,
    };
  };
  out.fixes.push(saving('all', all));
  const rules = [...new Set(all.applied.map((a) => a.rule))];
  if (rules.length > 1)
    for (const rule of rules.slice(0, 8)) {
      const one = fixAll(req.text, ctx, opts, (f) => f.rule === rule);
      if (one.applied.length) out.fixes.push(saving(rule, one));
    }
  return out;
}

export function runHistoryWorker(): void {
  const port = parentPort!;
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'layers') {
      // asynchronous (a stream from the daemon): history requests are served meanwhile
      void computeLayers(msg.req).then(
        (result) => port.postMessage({ type: 'reply', id: msg.id, result } satisfies FromWorker),
        (e: unknown) => port.postMessage({ type: 'reply', id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FromWorker),
      );
      return;
    }
    try {
      const result = msg.type === 'history' ? computeHistory(msg.req) : computeReport(msg.req);
      port.postMessage({ type: 'reply', id: msg.id, result } satisfies FromWorker);
    } catch (e) {
      port.postMessage({ type: 'reply', id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FromWorker);
    }
  });
}

/** The protocol thread's handle: a worker started on first use (or in-process when there is no worker script). */
export class HistoryWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private disposed = false;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly script: string | undefined,
    private readonly log: (m: string) => void,
  ) {}

  private ensure(): Worker | null {
    if (this.worker || !this.script || this.disposed) return this.worker;
    const w = new Worker(this.script, {
      workerData: { layerwiseWorker: true, role: 'history' },
      resourceLimits: { maxOldGenerationSizeMb: HISTORY_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
    let oom = false;
    w.on('message', (m: FromWorker) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!p) return;
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    w.on('error', (e) => {
      if ((e as NodeJS.ErrnoException)?.code === 'ERR_WORKER_OUT_OF_MEMORY') oom = true;
      else this.log(`history worker error: ${e?.stack ?? e}`);
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      const why = oom ? `the history worker ran out of memory (over ${HISTORY_HEAP_MB} MB); the next request starts a new one` : `history worker exited (${code})`;
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private call<R>(msg: Omit<ToWorker, 'id'>): Promise<R> {
    const w = this.ensure();
    if (!w) {
      // in-process fallback (tests, --inProcess): after the current turn of the event loop
      if (msg.type === 'layers') return computeLayers(msg.req as { image: string }) as Promise<R>;
      return new Promise((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve((msg.type === 'history' ? computeHistory(msg.req as HistoryRequest) : computeReport(msg.req as ReportRequest)) as R);
          } catch (e) {
            reject(e as Error);
          }
        }),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      w.postMessage({ ...msg, id } as ToWorker);
    });
  }

  /**
   * The replay of the document's history. A context that no git repository contains is answered here, without
   * starting the worker (a thread with its own copy of the bundle: ~20 MB of the server's RSS, for nothing to read).
   */
  history(req: HistoryRequest): Promise<HistoryReply> {
    const none = noRepository(req.contextDir);
    if (none) return Promise.resolve(noRepositoryReply(none));
    return this.call({ type: 'history', req });
  }

  report(req: ReportRequest): Promise<ReportReply> {
    return this.call({ type: 'report', req });
  }

  layers(image: string): Promise<ImageWaste | WasteFailure> {
    return this.call({ type: 'layers', req: { image } });
  }

  dispose(): void {
    this.disposed = true;
    void this.worker?.terminate();
    this.worker = null;
  }
}
