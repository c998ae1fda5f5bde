// The analysis worker: a worker thread that loads build contexts and runs the engine, so a huge Dockerfile or
// context never blocks the protocol thread (hovers of other documents, cached hovers, cancellation).
// The protocol thread sends `analyse` requests and file events; the worker answers with a DocAnalysis (structured
// clone, without the context snapshot itself) and reports context changes it saw through its own watcher.
import fs = require('node:fs');
import path = require('node:path');
import { parentPort, Worker } from 'node:worker_threads';
import { ANALYSIS_BUDGET_MS, analyseDocument, diagInputOf, failedAnalysis, forTransfer, type AnalyseInput, type DiagInput, type DocAnalysis } from './analysis';
import { ContextStore, type FileChange } from './contexts';
import { ForecastWork, packForecast, unpackForecast, type ForecastData, type ForecastRequest, type PackedForecastData } from './forecastwork';
import { analyseIgnore, refusedIgnore, type IgnoreAnalysis, type IgnoreUser } from './ignoredoc';
import { analyze, setIncrementalMinLines, type AnalyzeOptions, type Model } from '../engine/model';
import type { ContextSnapshot } from '../engine/context';
import type { SiblingBuild } from '../engine/shared';
import { asSiblings, loadMembers, MAX_BUILDS, type SiblingReuse, type WorkspaceBuild } from '../context/shared';
import { samePath } from '../context/projects';
import { looksBinary, tooLargeToAnalyse, withBudget } from '../engine/budget';
import { BoundedCache, trimCaches } from '../engine/memo';
import { MemoryContext } from '../engine/context';
import { adoptPrestarted, newWorker, WORKER_HEAP_MB } from './workerstart';
export { discardPrestartedWorker, prestartAnalysisWorker, WORKER_HEAP_MB, WORKER_YOUNG_MB } from './workerstart';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fmtInt } from '../engine/format';

/**
 * Fault injection for the containment tests, only when the server runs with LAYERWISE_TEST_FAULTS=1: a document
 * whose first line is `# layerwise-test-fault: crash|hang|oom|bigalloc|ballast` makes the worker exit, loop, run out
 * of memory (by steps of 32 MB, or first in one allocation larger than the whole heap limit), or fill a bounded cache
 * with 64 MB (and the heap limit and the stuck timeout are smaller, so that the tests take
 * seconds).
 */
const ballast = new BoundedCache<string, string>('test ballast', 1000, (_k, v) => v.length);
function injectFault(text: string): void {
  if (!testFaults) return;
  const m = /^# layerwise-test-fault: (crash|hang|oom|bigalloc|ballast)\b/.exec(text);
  if (!m) return;
  if (m[1] === 'ballast') {
    // 64 MB of live cache entries (under the test heap limit of 128 MB), then the analysis goes on
    for (let i = 0; i < 128; i++) ballast.set(`${text.length}:${i}`, Buffer.alloc(1 << 19, 97 + (i % 26)).toString('latin1'));
    return;
  }
  if (m[1] === 'crash') process.exit(70);
  if (m[1] === 'hang') for (;;);
  // 32 MB of heap a step (an array of 4 Mi small integers): the heap limit comes after a few steps, in ~0.1 s of CPU.
  // Not 1 MB strings: 'x'.repeat(…) + i is a rope of small objects, and the collections near the limit took ~2 s of
  // CPU, so under load the watchdog (5 s here) ended the worker first and the test saw a hang, not an OOM
  const hog: number[][] = [];
  // bigalloc: one array of 1.25 times the heap limit first (an index or a listing grown to that size), kept
  if (m[1] === 'bigalloc') hog.push(new Array<number>(((WORKER_HEAP_MB * 5) / 4) * (1 << 17)).fill(1));
  for (let i = 0; ; i++) hog.push(new Array<number>(1 << 22).fill(i));
}

/** The workspace's other builds as the protocol thread finds them (lsp/shared.ts siblingsRef); loaded here. */
export interface SiblingsRef {
  builds: WorkspaceBuild[];
  /** How each Dockerfile and context named is shown (relative to the workspace). */
  display: Record<string, string>;
  /** Unsaved texts of the open Dockerfiles among them. */
  open: Record<string, string>;
  /** This document's file. */
  dockerfile: string;
}

export interface AnalyseRequest extends Omit<AnalyseInput, 'ctx' | 'contextNote' | 'contextDir' | 'siblings'> {
  siblings?: SiblingsRef | null;
  trusted: boolean;
  contextDir: string | null;
  dockerfilePath: string | null;
  /** Note for hovers when there is no context (untrusted, not a file). */
  noContextNote: string | null;
  /**
   * Nothing is published for the document yet: if its context is not read, what the text alone gives may go out first
   * (later analyses wait for the context: their earlier diagnostics stay until the full ones replace them).
   */
  first?: boolean;
}

/** A Dockerfile that uses a `.dockerignore` document's context: its open text, or null to read it from `path`. */
export interface IgnoreUserRef {
  label: string;
  uri: string;
  path: string;
  text: string | null;
  opts: AnalyzeOptions;
}

/** A `.dockerignore` document to analyse: its context is crawled and its users parsed where Dockerfiles are. */
export interface IgnoreRequest {
  uri: string;
  version: number;
  text: string;
  trusted: boolean;
  contextDir: string | null;
  dockerfilePath: string | null;
  /** Why there is no context (untrusted, not a file), or null. */
  noContextNote: string | null;
  users: IgnoreUserRef[];
}

type ToWorker =
  | { type: 'init'; ownWatcher: boolean }
  /** Liveness: answered with `pong` as soon as the worker's event loop is free. */
  | { type: 'ping' }
  /** The worker has gone idle: collect garbage now (then `pong`), so its heap and the process's RSS go back down. */
  | { type: 'collect' }
  | { type: 'analyse'; id: number; req: AnalyseRequest }
  | { type: 'analyseIgnore'; id: number; req: IgnoreRequest }
  /** The live forecast of a document (forecastwork.ts): its baselines, models and context live here. */
  | { type: 'forecast'; id: number; req: ForecastRequest }
  /** Settings or trust changed: the forecast's baselines are read again. */
  | { type: 'forecastReset' }
  /** The document was closed: its model goes (a `.dockerignore` analysis reads closed Dockerfiles from disk). */
  | { type: 'closed'; uri: string }
  /** Send the held result for this document now (a hover or lens needs it). */
  | { type: 'flush'; uri: string }
  | { type: 'fileChanged'; path: string; change: FileChange }
  | { type: 'invalidateAll' };

type FromWorker =
  /** `superseded`: a newer analysis of the same document was requested before this result was sent. */
  | { type: 'result'; id: number; result?: DocAnalysis; ignore?: IgnoreAnalysis; forecast?: PackedForecastData; error?: string; superseded?: boolean }
  /** Sent just before `result`: what diagnostics need (cloning the whole analysis takes longer). */
  | { type: 'diagnostics'; id: number; diag: DiagInput }
  /** Before `diagnostics`, while the context is read: what the text alone gives (analyseWithStore's onEarly). */
  | { type: 'early'; id: number; diag: DiagInput }
  /**
   * The worker's store saw a change under `dir`; `echo`: while applying the protocol thread's own `fileChanged`
   * (which has marked the forecasts out of date already: marking them again when this arrives, after the request
   * that follows the event, would forecast the same state twice).
   */
  | { type: 'changed'; dir: string; echo: boolean }
  | { type: 'log'; msg: string }
  /** The engine starts on this request now (synchronously: the worker answers nothing until it is done). */
  | { type: 'begin'; id: number }
  | { type: 'pong'; heapMb: number };

/**
 * Runs one analysis: context (cached in `store`) + engine. Used by the worker and by the in-process fallback.
 * `onEarly`: for a document's first diagnostics (`req.first`) on a context not read yet, the text is analysed without
 * it while it is crawled, and `onEarly` gets the diagnostics that do not depend on it (earlyDiagnostics).
 */
export async function analyseWithStore(store: ContextStore, req: AnalyseRequest, onBegin?: () => boolean | void, onEarly?: (d: DiagInput) => void): Promise<DocAnalysis | null> {
  let ctx = null;
  let note = req.noContextNote;
  let error: string | null = null;
  const big = looksBinary(req.text) || tooLargeToAnalyse(req.text) !== null;
  if (!big && req.trusted && req.contextDir) {
    const ready = store.ready(req.contextDir, req.dockerfilePath ?? undefined);
    const loading = store.get(req.contextDir, req.dockerfilePath ?? undefined); // the crawl starts here
    if (!ready && onEarly && req.first) {
      if (onBegin?.() === false) return null;
      injectFault(req.text);
      const early = earlyDiagnostics(analyseDocument({ ...req, siblings: undefined, ctx: null, contextNote: null }));
      if (early) onEarly(early);
    }
    const r = await loading;
    ctx = r.ctx;
    if (!ctx) {
      error = r.error ?? 'the build context could not be read';
      note = error;
    }
  }
  const siblings = ctx && req.siblings && req.contextDir ? await loadSiblings(store, req, req.siblings, ctx) : undefined;
  if (onBegin?.() === false) return null; // superseded while its context loaded: not worth an engine run
  injectFault(req.text);
  const a = analyseDocument({ ...req, siblings, ctx, contextDir: ctx ? req.contextDir : null, contextNote: ctx ? null : note, contextError: error });
  if (a.model) openModels.set(req.uri, { text: req.text, opts: optionsKey(req), model: a.model });
  return a;
}

/**
 * What an analysis without the build context says that the analysis with it says too: the model's problems and the
 * findings of the rules that read nothing of the context or of the other builds (`CheckResult.readContext`), which
 * depend on the text and the options only. Null when it says nothing worth publishing first (refused, failed).
 */
export function earlyDiagnostics(a: DocAnalysis): DiagInput | null {
  if (!a.model || !a.check || a.refused) return null;
  const readContext = a.check.readContext;
  return { ...diagInputOf(a), findings: a.check.findings.filter((f) => !readContext.has(f.rule)) };
}

/** The other builds' texts (open or on disk) and contexts (this worker's store), as `check`'s siblings. */
async function loadSiblings(store: ContextStore, req: AnalyseRequest, ref: SiblingsRef, ctx: ContextSnapshot): Promise<SiblingBuild[]> {
  const contexts = new Map<string, ContextSnapshot | null>();
  for (const b of ref.builds.slice(0, MAX_BUILDS + 1)) {
    const key = b.contextDir + '\u0000' + b.dockerfile;
    if (!contexts.has(key)) contexts.set(key, samePath(b.contextDir, req.contextDir!) && samePath(b.dockerfile, ref.dockerfile) ? ctx : (await store.get(b.contextDir, b.dockerfile)).ctx);
  }
  const { members } = loadMembers({ dockerfile: ref.dockerfile, contextDir: req.contextDir!, text: req.text, context: ctx, options: { buildArgs: req.buildArgs, target: req.target } }, ref.builds, {
    display: (abs) => ref.display[abs] ?? path.basename(abs),
    readText: (abs) => ref.open[abs],
    contextFor: (dir, df) => contexts.get(dir + '\u0000' + df) ?? null,
  });
  return asSiblings(members.slice(1), reusedSiblings);
}

/** The other builds handed to the engine, by content: an edit of this document does not analyse them again. */
const reusedSiblings: SiblingReuse = new Map();

/**
 * The model of each document's latest analysis here, by URI: a `.dockerignore` analysis needs the models of the open
 * Dockerfiles of its context, and parsing them again for each one was 18 s of a storm's 113 s of worker time.
 */
const openModels = new BoundedCache<string, { text: string; opts: string; model: Model }>('open Dockerfile models', 64, (_k, v) => v.text.length * 8);

function optionsKey(o: AnalyzeOptions): string {
  return JSON.stringify([o.buildArgs ?? {}, o.target ?? null, o.buildkitVersion ?? null, o.platform ?? null, o.buildPlatform ?? null]);
}

/**
 * Runs one `.dockerignore` analysis: context (cached in `store`), the users' models (open texts, or files on disk),
 * and the engine's pattern statistics. In the worker, like a Dockerfile's: a pathological ignore file or a large
 * context never blocks the protocol thread, and the worker's heap limit and watchdog contain it.
 */
export async function analyseIgnoreWithStore(store: ContextStore, req: IgnoreRequest, onBegin?: () => boolean | void): Promise<IgnoreAnalysis | null> {
  let ctx = null;
  let note = req.noContextNote;
  if (!note && req.trusted && req.contextDir) {
    const r = await store.get(req.contextDir, req.dockerfilePath ?? undefined);
    ctx = r.ctx;
    if (!ctx) note = r.error ?? 'the build context could not be read';
  }
  if (onBegin?.() === false) return null;
  injectFault(req.text);
  return withBudget(ANALYSIS_BUDGET_MS, () => {
    const users: IgnoreUser[] = [];
    for (const u of req.users) {
      const model = userModel(u);
      if (model) users.push({ label: u.label, uri: u.uri, model });
    }
    return analyseIgnore(req.uri, req.version, req.text, ctx, req.contextDir, note, users);
  });
}

/**
 * Models of Dockerfiles on disk that are not open, by path, size, mtime and options: a `.dockerignore` document is
 * re-checked after every edit (its own and its Dockerfiles'), and parsing every Dockerfile of the folder each time
 * cost seconds.
 */
const diskModels = new BoundedCache<string, Model>('closed Dockerfiles', 200, (k) => k.length * 20);

/** A user's model from its open text or from disk (at most 1 MiB of text, no NUL bytes), else null. */
function userModel(u: IgnoreUserRef): Model | null {
  let text = u.text;
  let key: string | null = null;
  const open = text !== null ? openModels.get(u.uri) : undefined;
  if (open && open.text === text && open.opts === optionsKey(u.opts)) return open.model;
  if (text === null)
    try {
      const st = fs.statSync(u.path);
      key = JSON.stringify([path.resolve(u.path), st.size, st.mtimeMs, u.opts]);
      const hit = diskModels.get(key);
      if (hit) return hit;
      if (st.size <= 1024 * 1024) text = fs.readFileSync(u.path, 'utf8');
    } catch {
      text = null;
    }
  if (text === null || text.length > 1024 * 1024 || looksBinary(text) || tooLargeToAnalyse(text)) return null;
  let model: Model;
  try {
    model = analyze(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, u.opts); // as analyseDocument does
  } catch {
    return null; // the document itself reports it when opened (or over the time budget): fewer COPY sources checked
  }
  if (key) diskModels.set(key, model);
  return model;
}

/**
 * How long the worker holds a finished analysis before sending it. Diagnostics go out at once; the full analysis
 * (for hovers, lenses, actions) costs ~8 ms to clone on each side at 2,000 lines, and while someone types the next
 * edit usually arrives first and makes it moot. A hover or lens that needs it sooner asks for it (`flush`).
 */
export const RESULT_HOLD_MS = 40;

/**
 * A small Dockerfile and context the worker analyses once when it starts, before any request: the engine's code is
 * compiled lazily on first use, and a cold first analysis cost ~100-150 ms more than a warm one even at 40 lines.
 * It runs once `init` has come, unless a request came with it (a Dockerfile opened right after `initialize`, before
 * this thread was up: measured, the warm-up held that request's first diagnostics back by 13-17 ms); a request that
 * arrives during it waits for it (the compilation it pays for is mostly the request's own). In two steps:
 * without a context first (what a first open publishes first: analyseWithStore's onEarly), then with one, unless a
 * request came meanwhile (its own analysis compiles the rest, after its first diagnostics are out).
 */
const WARM_UP_TEXT = `# syntax=docker/dockerfile:1
ARG BASE=node:20-slim
FROM \${BASE} AS build
WORKDIR /app
ENV NODE_ENV=production
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY src ./src
RUN npm run build
FROM node:20-slim
COPY --from=build /app/dist /dist
USER node
CMD ["node", "/dist/server.js"]
`;

function warmUp(withContext: boolean): void {
  try {
    const ctx = withContext ? new MemoryContext('warm-up', { 'package.json': '{}', 'package-lock.json': '{}', 'src/a.js': '1', '.dockerignore': 'node_modules\n' }) : null;
    analyseDocument({ uri: 'file:///warm-up/Dockerfile', version: 0, text: WARM_UP_TEXT, ctx, contextDir: '/warm-up', contextNote: null, buildArgs: {}, target: undefined, buildkitVersion: undefined, severities: {} });
  } catch {
    /* only a warm-up */
  }
}

export function runWorker(): void {
  const port = parentPort!;
  // an editor re-analyses the same documents over and over: memoise stages of short files too (the CLI does not)
  setIncrementalMinLines(0);
  let requested = false;
  // the warm-up waits for `init`: a request sent with it (a document opened right after `initialize`, while this
  // thread was still starting) is delivered in the same batch of messages and makes the warm-up moot
  const warmUpUnlessRequested = () =>
    setImmediate(() => {
      if (requested) return;
      warmUp(false);
      setImmediate(() => requested || warmUp(true));
    });
  let store: ContextStore | null = null;
  let forecasts: ForecastWork | null = null;
  /** A `fileChanged` message is being applied (its changes are echoes of the protocol thread's events). */
  let applying = false;
  const post = (m: FromWorker) => port.postMessage(m);
  /** Finished analyses not sent yet, by document. */
  const held = new Map<string, { id: number; a: DocAnalysis; timer: ReturnType<typeof setTimeout> }>();
  /** The newest analysis requested per document, and the newest forecast. */
  const newest = new Map<string, number>();
  const newestForecast = new Map<string, number>();
  /** Lets go of the document's held result: sent, or dropped as superseded. */
  const release = (uri: string, how: 'send' | 'supersede') => {
    const h = held.get(uri);
    if (!h) return;
    clearTimeout(h.timer);
    held.delete(uri);
    post(how === 'send' ? { type: 'result', id: h.id, result: forTransfer(h.a) } : { type: 'result', id: h.id, superseded: true });
  };
  const pong = () => post({ type: 'pong', heapMb: Math.round(getHeapStatistics().used_heap_size / 1048576) });
  /**
   * Runs request `id` of document `uri` unless a newer request of the same document overtakes it before the engine
   * runs: under load the queue would otherwise compute every obsolete version (hovers ask for analyses too) and fall
   * minutes behind (the messages already queued are dispatched before an immediate: newer requests are known by then).
   * `onBegin` says the engine starts (false: overtaken while its context loaded).
   */
  const unlessOvertaken = <T>(uri: string, id: number, analyse: (onBegin: () => boolean | void) => Promise<T | null>, latest = newest): Promise<T | null> => {
    latest.set(uri, Math.max(latest.get(uri) ?? 0, id));
    const wanted = () => (latest.get(uri) ?? 0) <= id;
    const onBegin = () => {
      if (!wanted()) return false;
      // the engine holds this thread from now on: results held for other documents go first (their hold timers could
      // not fire before it ends; a hover on one of them would wait for this analysis, or for ever if it hangs)
      for (const u of [...held.keys()]) if (u !== uri) release(u, 'send');
      post({ type: 'begin', id });
    };
    return new Promise<void>((r) => setImmediate(r)).then(() => (wanted() ? analyse(onBegin) : null));
  };
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'analyse' || msg.type === 'analyseIgnore' || msg.type === 'forecast') requested = true;
    if (msg.type === 'ping') pong();
    else if (msg.type === 'collect') {
      idleCollect();
      pong();
    }
    else if (msg.type === 'init') {
      warmUpUnlessRequested();
      store = new ContextStore({
        ownWatcher: msg.ownWatcher,
        log: (m) => post({ type: 'log', msg: m }),
        onChange: (dir, p) => {
          if (p) forecasts?.pathChanged(p); // the baselines hint the path before the next forecast reads them
          post({ type: 'changed', dir, echo: applying });
        },
      });
      forecasts = new ForecastWork(store, (uri, text, opts) => {
        const open = openModels.get(uri);
        return open && open.text === text && open.opts === optionsKey(opts) ? open.model : undefined;
      });
    } else if (msg.type === 'fileChanged') {
      applying = true;
      try {
        store?.fileChanged(msg.path, msg.change);
      } finally {
        applying = false;
      }
    }
    else if (msg.type === 'invalidateAll') store?.invalidateAll();
    else if (msg.type === 'flush') release(msg.uri, 'send');
    else if (msg.type === 'forecastReset') forecasts?.reset();
    else if (msg.type === 'closed') {
      openModels.delete(msg.uri);
      forecasts?.forget(msg.uri);
      release(msg.uri, 'supersede');
    }
    else if (msg.type === 'forecast') {
      // a newer forecast of the same document overtakes this one (a newer analysis does not: it is another queue)
      unlessOvertaken(
        msg.req.uri,
        msg.id,
        async (onBegin) => (onBegin() === false ? null : forecasts!.compute(msg.req)),
        newestForecast,
      ).then(
        (f) => post(f ? { type: 'result', id: msg.id, forecast: packForecast(f) } : { type: 'result', id: msg.id, superseded: true }),
        (e) => post({ type: 'result', id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
    }
    else if (msg.type === 'analyseIgnore') {
      unlessOvertaken(msg.req.uri, msg.id, (onBegin) => analyseIgnoreWithStore(store!, msg.req, onBegin)).then(
        (a) => post(a ? { type: 'result', id: msg.id, ignore: a } : { type: 'result', id: msg.id, superseded: true }),
        (e) => post({ type: 'result', id: msg.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
    } else if (msg.type === 'analyse') {
      const uri = msg.req.uri;
      release(uri, 'supersede');
      unlessOvertaken(uri, msg.id, (onBegin) =>
        // onBegin again after the crawl: a newer version may have come meanwhile, another document's analysis begun
        analyseWithStore(store!, msg.req, onBegin, (diag) => {
          if ((newest.get(uri) ?? 0) <= msg.id) post({ type: 'early', id: msg.id, diag });
        }),
      ).then(
        (a) => {
          if (!a) return void post({ type: 'result', id: msg.id, superseded: true });
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

let gc: (() => void) | null | undefined;
/**
 * A full garbage collection: after a storm of edits the idle worker kept 150-190 MB of heap (96 MB of it the
 * caches' budget) and the process's RSS stayed at about 2x a fresh server's. `gc` comes from a new context
 * created after `--expose-gc` is set (the flag is read when a context is created); none when the runtime refuses.
 */
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
      // back as it was: V8 rejects a code cache made while its flags differ from a new process's (codecache.ts)
      setFlagsFromString('--no-expose-gc');
    } catch {
      gc = null;
    }
  }
  // the first collection frees, the second gives the emptied pages back (RSS fell only after it: measured)
  gc?.();
  gc?.();
}

/**
 * The bounded caches' total when idle (during edits: CACHE_BUDGET_BYTES, 96 MB): the latest texts' chunks, stages
 * and scripts of a storm's 20 documents stay (a fresh server's caches hold ~5 MB after opening them); at 24 MB an
 * idle worker held twice a fresh one's heap.
 */
export const IDLE_CACHE_BYTES = 8 * 1024 * 1024;

/** Idle: the caches keep what was used last, up to IDLE_CACHE_BYTES; then a full collection. */
function idleCollect(): void {
  trimCaches(IDLE_CACHE_BYTES);
  collectGarbage();
}

const testFaults = process.env['LAYERWISE_TEST_FAULTS'] === '1';
/** A worker whose event loop has not answered a ping for this long is stuck: it is ended and restarted. */
export const WORKER_STUCK_MS = testFaults ? 5000 : 15_000;
/** How often a busy worker is pinged. */
const PING_MS = 1000;
/** Restart delays after consecutive failures (the last one repeats); a failure-free minute resets them. */
const BACKOFF_MS = [0, 250, 1000, 4000, 10_000];
/** An idle worker whose heap is this large is recycled (a new one starts empty), so memory returns after a storm. */
export const RECYCLE_HEAP_MB = 192;
const RECYCLE_IDLE_MS = 5_000;
/** How long the worker is idle before it collects its garbage (once per busy period), and before it does again. */
const COLLECT_IDLE_MS = 1_000;
const LATE_COLLECT_IDLE_MS = 6_000;

interface Pending {
  /** What the request is about (logs, poisoning). */
  req: { uri: string; version: number; text: string };
  /** The message that (re)sends it to a worker. */
  msg: ToWorker;
  /** Answers with the result message (null: superseded). */
  resolve: (m: FromWorker & { type: 'result' }) => void;
  reject: (e: Error) => void;
  /** Answers with one diagnostic saying why it could not be analysed. */
  refuse: (refused: string, p: Pending) => void;
  onDiagnostics?: (d: DiagInput) => void;
  /** What the text alone gives, before the context is read (only the first diagnostics of a context). */
  onEarly?: (d: DiagInput) => void;
  /** The worker has sent its diagnostics (only the full result is still to come). */
  diagnosed: boolean;
  /** Times it was sent again to a restarted worker. */
  retries: number;
  /** When it was last sent to a worker. */
  sentAt: number;
  /** Times it was sent again because no answer came (see LOST_MS). */
  resent: number;
}

/**
 * A safety net: an analysis without diagnostics this long after it was sent (to a live, answering worker) is sent
 * again once, then answered with a diagnostic — a document never waits for ever.
 */
const LOST_MS = 30_000;

/**
 * The protocol thread's handle on the worker. Containment: the worker runs with a heap limit and is pinged while
 * it works; when it dies (crash, out of memory) or is stuck (no answer for WORKER_STUCK_MS: ended), the analysis it
 * was running gets one diagnostic saying so (and that document version is not tried again), every other pending
 * analysis is sent again to a new worker, started with backoff after repeated failures.
 */
export class AnalysisWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The request whose engine run the worker is in (between `begin` and its diagnostics). */
  private running: number | null = null;
  /** Document versions whose analysis killed or hung the worker: answered with that diagnostic, never re-run. */
  private readonly poisoned = new Map<string, string>();
  private failures = 0;
  private lastFailureAt = 0;
  private lastPong = Date.now();
  private lastBusy = Date.now();
  private heapMb = 0;
  /** The worker has collected its garbage since it was last busy (`collectedLate`: after LATE_COLLECT_IDLE_MS too). */
  private collected = true;
  private collectedLate = true;
  /** When the worker last had work (lastBusy also moves while an idle worker is checked for recycling). */
  private workedAt = Date.now();
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  /** The process's RSS when the worker last had nothing to do (the memory watchdog's base, tick()). */
  private idleRssMb = process.memoryUsage.rss() / 1048576;
  /** Why the current worker is being ended (set before terminate()). */
  private ending: string | null = null;
  private disposed = false;
  /** Worker restarts so far (for logs and tests). */
  restarts = 0;

  constructor(
    private readonly script: string,
    private readonly ownWatcher: boolean,
    /** `echo`: the change came from the protocol thread's own `fileChanged` (see the `changed` message). */
    private readonly onChanged: (dir: string, echo: boolean) => void,
    /** `level`: 'error' for a crash (a bug), 'warn' for a contained budget outcome (out of memory, stuck). */
    private readonly log: (m: string, level?: 'error' | 'warn') => void,
  ) {
    this.spawn();
    this.pingTimer = setInterval(() => this.tick(), PING_MS);
    this.pingTimer.unref?.();
  }

  private spawn(): void {
    this.restartTimer = null;
    const w = adoptPrestarted(this.script) ?? newWorker(this.script);
    let oom = false;
    w.on('message', (m: FromWorker) => {
      if (this.worker !== w) return;
      this.lastPong = Date.now();
      if (m.type === 'result') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.running === m.id) this.running = null;
        if (!p) return;
        if (m.result || m.ignore || m.forecast || m.superseded) p.resolve(m);
        else p.reject(new Error(m.error ?? 'analysis failed'));
      } else if (m.type === 'diagnostics') {
        if (this.running === m.id) this.running = null;
        const p = this.pending.get(m.id);
        if (p) p.diagnosed = true;
        try {
          p?.onDiagnostics?.(m.diag);
        } catch (e) {
          this.log(`publishing early diagnostics: ${(e as Error)?.stack ?? e}`);
        }
      } else if (m.type === 'early') {
        try {
          this.pending.get(m.id)?.onEarly?.(m.diag);
        } catch (e) {
          this.log(`publishing text-only diagnostics: ${(e as Error)?.stack ?? e}`);
        }
      } else if (m.type === 'begin') this.running = m.id;
      else if (m.type === 'pong') this.heapMb = m.heapMb;
      else if (m.type === 'changed') this.onChanged(m.dir, m.echo);
      else if (m.type === 'log') this.log(m.msg);
    });
    w.on('error', (e: Error & { code?: string }) => {
      if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') oom = true;
      else this.log(`analysis worker error: ${e?.stack ?? e}`, 'error');
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      // out of memory wins over the watchdog's reason: a worker collecting near its heap limit answers no ping, and
      // may reach the limit while it is being ended
      const why = oom ? `it ran out of memory (over ${WORKER_HEAP_MB} MB)` : (this.ending ?? `the analysis worker stopped (exit code ${code})`);
      const crashed = !this.ending && !oom;
      this.ending = null;
      if (this.disposed) return;
      if (crashed) this.log(`analysis worker exited (${code})${this.culpritNote()}; restarting it`, 'error');
      else if (why !== 'recycled') this.log(`analysis worker: ${why}${this.culpritNote()}; restarting it`, 'warn');
      this.recover(why, why !== 'recycled');
    });
    w.postMessage({ type: 'init', ownWatcher: this.ownWatcher } satisfies ToWorker);
    this.worker = w;
    this.lastPong = Date.now();
    this.running = null;
    // a new worker has no held results: everything still pending is sent again
    for (const p of this.pending.values()) {
      p.sentAt = Date.now();
      w.postMessage(p.msg);
    }
  }

  /** After the worker died or was ended: fail the analysis that caused it, restart (with backoff), re-send the rest. */
  private recover(why: string, failure: boolean): void {
    const culprit = this.running;
    this.running = null;
    for (const [id, p] of [...this.pending]) {
      if (id !== culprit && p.retries < 2) {
        p.retries++;
        continue;
      }
      // this analysis took the worker down (or failed to survive twice): one diagnostic, and never again
      this.pending.delete(id);
      const refused = `could not be analysed: ${why}`;
      this.poisoned.set(poisonKey(p.req), refused);
      if (this.poisoned.size > 1000) this.poisoned.delete(this.poisoned.keys().next().value!);
      p.refuse(refused, p);
    }
    if (failure) {
      const now = Date.now();
      if (now - this.lastFailureAt > 60_000) this.failures = 0;
      this.lastFailureAt = now;
      this.failures++;
    }
    this.restarts++;
    const delay = failure ? BACKOFF_MS[Math.min(this.failures - 1, BACKOFF_MS.length - 1)]! : 0;
    if (delay === 0) this.spawn();
    else {
      this.restartTimer = setTimeout(() => this.spawn(), delay);
      this.restartTimer.unref?.();
    }
  }


  /** Which analysis the worker was in when it died or was ended (for the log: what to reproduce). */
  private culpritNote(): string {
    const p = this.running !== null ? this.pending.get(this.running) : undefined;
    if (!p) return ' (between analyses)';
    const kind = p.msg.type === 'analyseIgnore' ? 'ignore file' : p.msg.type === 'forecast' ? 'forecast of the Dockerfile' : 'Dockerfile';
    return ` (in the ${kind} ${p.msg.type === 'forecast' ? p.msg.req.uri : p.req.uri} v${p.req.version}, ${fmtInt(p.req.text.length)} characters, heap ${this.heapMb} MB)`;
  }

  /**
   * Pings a busy worker; ends a stuck one, and one whose work took the process's RSS WORKER_HEAP_MB over its idle level
   * (before V8's limit, WORKER_V8_HEAP_MB, where one more large allocation would abort the process: workerstart.ts);
   * recycles an idle one whose heap grew large.
   */
  private tick(): void {
    const w = this.worker;
    if (!w || this.ending) return;
    const now = Date.now();
    const rssMb = process.memoryUsage.rss() / 1048576;
    if (this.pending.size === 0) this.idleRssMb = rssMb;
    else if (rssMb - this.idleRssMb > WORKER_HEAP_MB) {
      this.ending = `it ran out of memory (over ${WORKER_HEAP_MB} MB)`;
      void w.terminate();
      return;
    }
    if (this.pending.size > 0) {
      this.lastBusy = now;
      this.workedAt = now;
      this.collected = false;
      this.collectedLate = false;
      for (const [id, p] of [...this.pending]) {
        if (p.diagnosed || now - p.sentAt < LOST_MS) continue;
        if (p.resent === 0) {
          this.log(`analysis worker: no answer for ${p.req.uri} v${p.req.version} after ${LOST_MS / 1000} s; sending it again`, 'warn');
          p.resent++;
          p.sentAt = now;
          w.postMessage(p.msg);
        } else {
          this.pending.delete(id);
          p.refuse(`could not be analysed: no answer from the analysis worker within ${(2 * LOST_MS) / 1000} s`, p);
        }
      }
      if (now - this.lastPong > WORKER_STUCK_MS) {
        this.ending = `it took over ${WORKER_STUCK_MS / 1000} s without answering (ended)`;
        void w.terminate();
        return;
      }
      w.postMessage({ type: 'ping' } satisfies ToWorker);
    } else if (!this.collected && now - this.lastBusy >= COLLECT_IDLE_MS) {
      // idle: caches trimmed and garbage collected first (in the worker, and here: the protocol thread runs the
      // engine for forecasts and explain), so that the recycling below judges the heap the worker really holds
      this.collected = true;
      w.postMessage({ type: 'collect' } satisfies ToWorker);
      idleCollect();
    } else if (!this.collectedLate && now - this.workedAt >= LATE_COLLECT_IDLE_MS) {
      // and once more when V8 sees a low allocation rate (it averages the last 5 s): only then does a collection give
      // the young generation back (the protocol thread's grows to 32 MB in a storm; 2 MB after this in isolation)
      this.collectedLate = true;
      w.postMessage({ type: 'collect' } satisfies ToWorker);
      collectGarbage();
    } else if (now - this.lastBusy > RECYCLE_IDLE_MS || this.heapMb > WORKER_HEAP_MB * 0.7) {
      // idle for a while with a big heap, or idle at all close to the heap limit (where the collector thrashes)
      if (this.heapMb > RECYCLE_HEAP_MB) {
        this.log(`analysis worker: recycling an idle worker with ${this.heapMb} MB of heap`);
        this.heapMb = 0;
        this.ending = 'recycled';
        void w.terminate();
        return;
      }
      this.lastBusy = now;
      w.postMessage({ type: 'ping' } satisfies ToWorker);
    }
  }

  /**
   * Analyses in the worker; `onDiagnostics` gets what diagnostics need as soon as the worker has it (before that,
   * `onEarly` what the text alone gives, when the worker reads the context first: analyseWithStore). The full
   * analysis follows within RESULT_HOLD_MS (or at once after `flush`); null when a newer analysis of the same
   * document was requested before it was sent.
   */
  analyse(req: AnalyseRequest, onDiagnostics?: (d: DiagInput) => void, onEarly?: (d: DiagInput) => void): Promise<DocAnalysis | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.submit(id, {
        req,
        msg: { type: 'analyse', id, req },
        resolve: (m) => resolve(m.result ?? null),
        reject,
        refuse: (refused, p) => {
          const a = failedAnalysis(req, refused);
          if (!p.diagnosed) {
            try {
              onDiagnostics?.(diagInputOf(a));
            } catch (e) {
              this.log(`publishing diagnostics: ${(e as Error)?.stack ?? e}`);
            }
          }
          resolve(a);
        },
        onDiagnostics,
        onEarly,
      });
    });
  }

  /** Analyses a `.dockerignore` document in the worker; null when a newer analysis of it was requested first. */
  analyseIgnore(req: IgnoreRequest): Promise<IgnoreAnalysis | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.submit(id, {
        req,
        msg: { type: 'analyseIgnore', id, req },
        resolve: (m) => resolve(m.ignore ?? null),
        reject,
        refuse: (refused) => resolve(refusedIgnore(req.uri, req.version, req.contextDir, refused)),
      });
    });
  }

  /**
   * The live forecast of a document, computed in the worker (under the same containment as analyses: a forecast
   * that takes the worker down is answered with a note, and that version is not forecast again); null when a newer
   * forecast of the same document was requested first.
   */
  forecast(req: ForecastRequest): Promise<ForecastData | null> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.submit(id, {
        // its own poisoning key: a forecast that failed does not refuse the analysis of the same version
        req: { uri: `forecast\u0000${req.uri}`, version: req.version, text: req.text },
        msg: { type: 'forecast', id, req },
        resolve: (m) => resolve(m.forecast ? unpackForecast(m.forecast) : null),
        reject,
        refuse: (refused) => resolve({ baseline: null, note: `not forecast: ${refused.replace(/^could not be analysed: /, '')}`, text: null, items: [], head: null }),
      });
    });
  }

  /** A closed document: the worker lets go of its model and held result. */
  closed(uri: string): void {
    this.worker?.postMessage({ type: 'closed', uri } satisfies ToWorker);
  }

  /** Settings or trust changed: the worker reads the forecast's baselines again. */
  forecastReset(): void {
    this.worker?.postMessage({ type: 'forecastReset' } satisfies ToWorker);
  }

  private submit(id: number, what: Omit<Pending, 'diagnosed' | 'retries' | 'sentAt' | 'resent'>): void {
    const p: Pending = { ...what, diagnosed: false, retries: 0, sentAt: Date.now(), resent: 0 };
    const poisoned = this.poisoned.get(poisonKey(p.req));
    if (poisoned) return p.refuse(poisoned, p);
    this.pending.set(id, p);
    this.lastBusy = this.workedAt = Date.now();
    this.collected = false;
    this.collectedLate = false;
    this.worker?.postMessage(p.msg);
  }

  /** No document is open any more: an idle worker is replaced by a new, empty one (its memory goes back). */
  noDocuments(): void {
    const w = this.worker;
    if (!w || this.ending || this.pending.size > 0) return;
    this.ending = 'recycled';
    void w.terminate();
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
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    void this.worker?.terminate();
    this.worker = null;
  }
}

function poisonKey(req: { uri: string; version: number; text: string }): string {
  return `${req.uri}\u0000${req.version}\u0000${req.text.length}`;
}
