// The Layerwise language server: keeps one cached analysis per open document version (debounced, versioned),
// serves diagnostics, hovers, code lenses and code actions from it, and keeps build contexts fresh from file events.
// Protocol translation only — every fact comes from server/src/engine, every byte from server/src/context.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import picomatch from 'picomatch';
import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  MessageType,
  ShowMessageNotification,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  type ClientCapabilities,
  type CodeLens,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  type InlayHint,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  analyze,
  BuildLogError,
  compareWithBuild,
  docsUrl,
  explain,
  explanationJson,
  importBuildLog,
  lastBuildLabel,
  mergeBuildLayers,
  mismatchMessage,
  stepInsights,
  withDockerfileContext,
  stepKeys,
  type BuildLayer,
  type BuildLogMapping,
  type ContextSnapshot,
  type Explanation,
  type Finding,
  type HistoryResult,
  type Model,
  type StepInsight,
} from '../engine';
import { setIncrementalMinLines } from '../engine/model';
import { loadBuildRecord, saveBuildRecord, type BuildRecord } from '../context/evidence';
import { HistoryWorker, type ReportReply } from './historyworker';
import { renderCacheReport } from './report';
import { ProjectFiles, type ConfigProblem } from '../context/projects';
import { isDockerfileName } from '../context/discover';
import { configToEdit, gitBaseline } from '../context';
import { countFiles, diagInputOf, type DiagInput, type DocAnalysis } from './analysis';
import { AnalysisWorker, analyseWithStore, type AnalyseRequest } from './worker';
import { codeActions, FIX_ALL_KIND, type ConfigFix, type EditCapabilities } from './actions';
import { ContextStore, type FileChange } from './contexts';
import { analyseIgnore, ignoreHover, labelOf, patternAtLine, type IgnoreAnalysis, type IgnoreUser } from './ignoredoc';
import { configAtLine, lastBuildTitle, lensTitle, readsTitle, stageAtFromLine, stepAtLine, stepHover, configHover, stageHover } from './present';
import { DEFAULT_SETTINGS, parseSettings, type Settings, type SeveritySetting } from './settings';
import type { AnalysedNotification, ImportBuildResult, LastBuildNotification } from './protocol';
export type { AnalysedNotification, ImportBuildResult, LastBuildNotification } from './protocol';

export const SERVER_VERSION = '0.1.0';
/** The longest (and, before a document's first analysis, the) debounce after an edit. */
export const MAX_DEBOUNCE_MS = 150;
/** The shortest adaptive debounce: edits that arrive together (one keystroke, several changes) coalesce. */
export const MIN_DEBOUNCE_MS = 5;
/** An analysis at least this long is rationed while someone types (see editDelay). */
export const EXPENSIVE_MS = 50;

/** An analysis in flight for one document. */
interface Inflight {
  version: number;
  /** Settles when the analysis is over (its full result arrived, was superseded, or it failed). */
  promise: Promise<void>;
  /** The worker has finished it and diagnostics are out; only the full result may still be on its way. */
  computed: boolean;
  whenComputed: Promise<void>;
  markComputed(): void;
}

/** What the client may pass in initializationOptions. */
export interface InitOptions {
  /** `vscode.workspace.isTrusted`; false → no crawl, no git: text-only analysis. Default true. */
  trusted?: boolean;
  /** Settings (the `layerwise` section) for clients without workspace/configuration. */
  settings?: unknown;
  /** The client sends workspace/didChangeWatchedFiles for all files by itself (VS Code `synchronize.fileEvents`). */
  fileEvents?: boolean;
  /**
   * Debounce of diagnostics after an edit, in ms (fixed). Default: adaptive — as long as the document's last analysis
   * took, at most 150 ms (a 40-line file is analysed in a few ms: waiting 150 ms for it only adds latency).
   */
  debounceMs?: number;
  /** Run the engine on the protocol thread instead of a worker thread. */
  inProcess?: boolean;
}

export function isIgnoreDocument(doc: { uri: string; languageId: string }): boolean {
  return doc.languageId === 'dockerignore' || /\.dockerignore$/i.test(doc.uri);
}

export interface ServerOptions {
  /** The bundle to start as the analysis worker thread (dist/server.js); without it the engine runs in-process. */
  workerScript?: string;
}

export function startServer(connection: Connection, serverOptions: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  let settings: Settings = DEFAULT_SETTINGS;
  let trusted = true;
  /** The longest debounce (and the fixed one when the client sets `debounceMs`). */
  let debounceMs = MAX_DEBOUNCE_MS;
  let fixedDebounce = false;
  let caps: ClientCapabilities = {};
  let folders: string[] = [];
  let pullConfig = false;
  let lastSettingsWarning = '';
  let registerWatcher = false;
  const analyses = new Map<string, DocAnalysis>();
  const ignoreAnalyses = new Map<string, IgnoreAnalysis>();
  /** Scheduled analyses (a timer, or an immediate for no delay: a 0 ms timer waits 1 ms). */
  const timers = new Map<string, { cancel(): void }>();
  /**
   * Analyses in flight per document. `computed`: the worker has finished it and diagnostics are out; only the full
   * result is still on its way, so a newer version may start at once.
   */
  const inflight = new Map<string, Inflight>();
  const busy = (uri: string): boolean => {
    const f = inflight.get(uri);
    return !!f && !f.computed;
  };
  /** When each document's last analysis finished (its diagnostics came): how long the worker has rested since. */
  const lastDoneAt = new Map<string, number>();
  /** How long the last analysis of each document took (from its diagnostics: the full result may be superseded). */
  const lastElapsed = new Map<string, number>();
  const published = new Map<string, Diagnostic[]>();
  /** Contexts for .dockerignore documents and explain (protocol thread). */
  let store: ContextStore | null = null;
  /** Where Dockerfiles are analysed: a worker thread, or in-process (fallback, `inProcess` option). */
  let worker: AnalysisWorker | null = null;
  let analysisStore: ContextStore | null = null;
  /** compose/bake/.layerwise.yaml lookups (cached by mtime; re-resolved on every analysis). */
  let projects = new ProjectFiles();
  const loggedProblems = new Set<string>();
  /** Config files we published diagnostics for (so that fixing them clears the diagnostic). */
  const configDiagnostics = new Map<string, string>();
  /** Git-history replays (a second worker thread) and their latest result per document. */
  let historyWorker: HistoryWorker | null = null;
  const histories = new Map<string, { result: HistoryResult | null; pending: boolean; dirty: boolean; timer?: NodeJS.Timeout }>();
  /** The last imported build per Dockerfile path (loaded from disk once, null: none). */
  const buildRecords = new Map<string, BuildRecord | null>();
  /** stepInsights memo per analysis (recomputed when the history or the build record changes). */
  const insightMemo = new WeakMap<DocAnalysis, { h: HistoryResult | null; r: BuildRecord | null; list: StepInsight[] }>();

  const log = (msg: string) => connection.console.log(msg);
  const logError = (where: string, e: unknown) =>
    connection.console.error(`${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);

  /** Runs a handler; an exception is logged and turned into `fallback`, never a crash. */
  function guard<P extends unknown[], R>(where: string, fallback: R, fn: (...a: P) => R | Promise<R>): (...a: P) => Promise<R> {
    return async (...a: P) => {
      try {
        return await fn(...a);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        logError(where, e);
        return fallback;
      }
    };
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    caps = params.capabilities;
    const init = (params.initializationOptions ?? {}) as InitOptions;
    trusted = init.trusted !== false;
    if (typeof init.debounceMs === 'number' && init.debounceMs >= 0) {
      debounceMs = init.debounceMs;
      fixedDebounce = true;
    }
    folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (!folders.length && params.rootUri) {
      const p = uriToPath(params.rootUri);
      if (p) folders.push(p);
    }
    pullConfig = !!caps.workspace?.configuration;
    applySettings(init.settings);
    const clientWatches = !!init.fileEvents || !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    registerWatcher = !init.fileEvents && !!caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    store = new ContextStore({
      ownWatcher: !clientWatches,
      log,
      onChange: (dir) => contextChanged(dir),
    });
    const inProcess = !!init.inProcess || process.env['LAYERWISE_LSP_INPROCESS'] === '1' || !serverOptions.workerScript;
    if (!inProcess) {
      try {
        worker = new AnalysisWorker(serverOptions.workerScript!, !clientWatches, (dir) => contextChanged(dir), log);
      } catch (e) {
        logError('starting the analysis worker (falling back to in-process analysis)', e);
      }
    }
    projects = new ProjectFiles({ ownWatcher: !clientWatches, log, onChange: (f) => projectFileChanged(f) });
    if (!worker) setIncrementalMinLines(0); // as the worker does: documents are re-analysed after every edit
    if (!worker) analysisStore = new ContextStore({ ownWatcher: !clientWatches, log, onChange: (dir) => contextChanged(dir) });
    historyWorker = new HistoryWorker(inProcess ? undefined : serverOptions.workerScript, log);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        codeLensProvider: { resolveProvider: true },
        inlayHintProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'layerwise-language-server', version: SERVER_VERSION },
    };
  });

  connection.onInitialized(
    guard('initialized', undefined, async () => {
      if (registerWatcher) {
        await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] });
      }
      if (pullConfig) await refreshSettings();
      log(`layerwise-language-server ${SERVER_VERSION} ready (${trusted ? 'trusted' : 'untrusted: text-only analysis'})`);
    }),
  );

  function applySettings(raw: unknown): void {
    const { settings: s, errors } = parseSettings(raw);
    settings = s;
    const msg = errors.join('; ');
    if (msg && msg !== lastSettingsWarning) {
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `Layerwise: invalid settings, using defaults for: ${msg}` });
      log(`invalid settings: ${msg}`);
    }
    lastSettingsWarning = msg;
  }

  async function refreshSettings(): Promise<void> {
    const [cfg] = (await connection.workspace.getConfiguration([{ section: 'layerwise' }])) as unknown[];
    applySettings(cfg);
  }

  connection.onDidChangeConfiguration(
    guard('didChangeConfiguration', undefined, async (params) => {
      if (pullConfig) await refreshSettings();
      else applySettings((params.settings as { layerwise?: unknown } | undefined)?.layerwise ?? params.settings);
      store?.invalidateAll();
      analysisStore?.invalidateAll();
      worker?.invalidateAll();
      for (const doc of documents.all()) schedule(doc.uri, 0);
      if (caps.workspace?.codeLens?.refreshSupport) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
      if (caps.workspace?.inlayHint?.refreshSupport) void connection.sendRequest('workspace/inlayHint/refresh').catch(() => undefined);
    }),
  );

  connection.onNotification(
    'layerwise/setTrusted',
    guard('setTrusted', undefined, (p: { trusted: boolean }) => {
      trusted = !!p?.trusted;
      for (const doc of documents.all()) schedule(doc.uri, 0);
    }),
  );

  // ---- analysis scheduling: debounced, versioned; stale results are dropped

  /**
   * The debounce after an edit. Adaptive unless fixed by the client: the time the document's last analysis took
   * (capped), so that analysing while someone types costs at most about half of one core, and small documents get
   * their diagnostics at once. Together with the coalescing in schedule() (never two analyses of one document in
   * flight), a burst of edits costs one analysis per analysis-time, not one per keystroke.
   */
  function editDelay(uri: string): number {
    if (fixedDebounce) return debounceMs;
    const last = lastElapsed.get(uri);
    const now = Date.now();
    if (last === undefined) return debounceMs;
    const adaptive = Math.min(debounceMs, Math.max(MIN_DEBOUNCE_MS, Math.round(last)));
    // edits that arrive while the document is being analysed wait the adaptive delay and coalesce
    if (busy(uri)) return adaptive;
    // leading edge: with nothing in flight an edit is analysed at once (0 ms still lets the changes of one keystroke,
    // delivered together, coalesce: they are handled before the immediate); only an expensive analysis first waits
    // until the worker has rested as long as it last worked, so fast typing costs at most half a core
    if (last < EXPENSIVE_MS) return 0;
    const idle = now - (lastDoneAt.get(uri) ?? 0);
    return idle >= last ? 0 : Math.min(adaptive, Math.round(last - idle));
  }

  function schedule(uri: string, delay = editDelay(uri)): void {
    timers.get(uri)?.cancel();
    const run = () => {
      timers.delete(uri);
      const running = inflight.get(uri);
      const doc = documents.get(uri);
      if (running && doc && running.version !== doc.version && !running.computed) {
        // an older version is still being analysed: start the latest once its diagnostics are out (the worker then
        // drops the older full result)
        void running.whenComputed.then(() => {
          if (!timers.has(uri)) void runAnalysis(uri);
        });
        return;
      }
      void runAnalysis(uri);
    };
    // an immediate still lets the changes of one keystroke, delivered together, coalesce: they are handled first
    if (delay <= 0) {
      const h = setImmediate(run);
      timers.set(uri, { cancel: () => clearImmediate(h) });
    } else {
      const h = setTimeout(run, delay);
      timers.set(uri, { cancel: () => clearTimeout(h) });
    }
  }

  function runAnalysis(uri: string): Promise<void> {
    const doc = documents.get(uri);
    if (!doc) return Promise.resolve();
    const cur = inflight.get(uri);
    if (cur && cur.version === doc.version) return cur.promise;
    const version = doc.version;
    let resolveComputed!: () => void;
    const entry: Inflight = {
      version,
      promise: Promise.resolve(),
      computed: false,
      whenComputed: new Promise<void>((r) => (resolveComputed = r)),
      markComputed: () => {
        entry.computed = true;
        resolveComputed();
      },
    };
    inflight.set(uri, entry);
    entry.promise = (async () => {
      try {
        if (isIgnoreDocument(doc)) await analyseIgnoreDoc(doc, version);
        else await analyseDockerfile(doc, version);
      } catch (e) {
        logError(`analysing ${uri}`, e);
      } finally {
        entry.markComputed();
        if (inflight.get(uri) === entry) inflight.delete(uri);
      }
    })();
    return entry.promise;
  }

  /** The cached result of the document's current version: computed now if it is pending (at most once per version). */
  async function currentOf<T extends { version: number }>(uri: string, cache: Map<string, T>): Promise<T | undefined> {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const a = cache.get(uri);
    // a re-analysis may be pending or running for the same version (the build context changed): wait for it, so a
    // hover never answers from a context that is known to be stale
    const pending = timers.has(uri) || inflight.has(uri);
    if (a && a.version === doc.version && !pending) return a;
    const t = timers.get(uri);
    if (t) {
      t.cancel();
      timers.delete(uri);
    }
    if (inflight.get(uri)?.computed) worker?.flush(uri); // computed, held by the worker: ask for it now
    await runAnalysis(uri);
    return cache.get(uri);
  }
  const current = (uri: string): Promise<DocAnalysis | undefined> => currentOf(uri, analyses);
  const currentIgnore = (uri: string): Promise<IgnoreAnalysis | undefined> => currentOf(uri, ignoreAnalyses);

  interface ResolvedContext {
    dir: string | null;
    dockerfilePath: string | null;
    buildArgs: Record<string, string>;
    target: string | undefined;
    /** Rule severities: `.layerwise.yaml` `rules:` under the `layerwise.rules` setting. */
    severities: Record<string, SeveritySetting>;
    /** Where the context directory came from (settings, `.layerwise.yaml`, `compose.yaml service "web"`, folder). */
    contextFrom: string;
    /** An invalid `.layerwise.yaml` (reported, then ignored). */
    configError: ConfigProblem | null;
    /** `.layerwise.yaml` `ignore:` lists this Dockerfile: no findings. */
    ignored: boolean;
  }

  function resolveContext(uri: string, ignoreDoc = false): ResolvedContext {
    const file = uriToPath(uri);
    const res: ResolvedContext = {
      dir: null,
      dockerfilePath: file,
      buildArgs: settings.buildArgs,
      target: settings.target,
      severities: settings.rules,
      contextFrom: 'the Dockerfile\'s folder',
      configError: null,
      ignored: false,
    };
    if (!file) return res;
    let dockerfile = file;
    if (ignoreDoc) {
      // `<Dockerfile>.dockerignore` belongs to that Dockerfile; `.dockerignore` to the folder it is in
      dockerfile = path.basename(file) === '.dockerignore' ? path.join(path.dirname(file), 'Dockerfile') : file.replace(/\.dockerignore$/i, '');
      res.dockerfilePath = dockerfile;
    }
    const folder = folders.filter((f) => dockerfile === f || dockerfile.startsWith(f + path.sep)).sort((a, b) => b.length - a.length)[0];
    const base = folder ?? path.dirname(dockerfile);
    // precedence: settings > .layerwise.yaml > compose/bake > the Dockerfile's folder
    const layers: BuildLayer[] = [];
    for (const m of settings.contexts) {
      const rel = path.relative(base, dockerfile).split(path.sep).join('/');
      const hit = path.resolve(base, m.dockerfile) === dockerfile || (!rel.startsWith('..') && picomatch(m.dockerfile, { dot: true })(rel));
      if (hit) {
        layers.push({ source: 'settings', label: `the layerwise.contexts setting "${m.dockerfile}"`, contextDir: path.resolve(base, m.context), buildArgs: m.buildArgs, target: m.target });
        break;
      }
    }
    layers.push({ source: 'settings', label: 'settings', buildArgs: settings.buildArgs, target: settings.target });
    if (trusted) {
      const pr = projects.resolve(dockerfile, folder);
      res.configError = pr.configError;
      for (const p of pr.problems) if (!loggedProblems.has(p)) (loggedProblems.add(p), log(`project file skipped: ${p}`));
      if (pr.config) {
        const cfgName = path.basename(pr.config.file);
        if (pr.configEntry)
          layers.push({ source: 'config', label: cfgName, contextDir: pr.configContextDir ?? undefined, buildArgs: pr.configEntry.buildArgs, target: pr.configEntry.target });
        layers.push({ source: 'config', label: cfgName, buildArgs: pr.config.config.buildArgs, target: pr.config.config.target });
        res.severities = { ...pr.config.config.rules, ...settings.rules };
        res.ignored = pr.ignored && !ignoreDoc;
      }
      if (pr.project)
        layers.push({ source: 'project', label: pr.project.label, contextDir: pr.project.contextDir, buildArgs: pr.project.build.args, target: pr.project.build.target });
    }
    const fallback = path.dirname(ignoreDoc && path.basename(file) === '.dockerignore' ? file : dockerfile);
    const merged = mergeBuildLayers(ignoreDoc && path.basename(file) === '.dockerignore' ? [] : layers, fallback);
    res.dir = merged.contextDir;
    res.buildArgs = merged.buildArgs;
    res.target = merged.target;
    res.contextFrom = merged.contextFrom;
    return res;
  }

  async function loadContext(rc: ResolvedContext): Promise<{ ctx: ContextSnapshot | null; note: string | null; error: string | null }> {
    if (!trusted) return { ctx: null, note: 'untrusted workspace: the build context is not read', error: null };
    if (!rc.dir || !store) return { ctx: null, note: 'not a file on disk: no build context', error: null };
    const r = await store.get(rc.dir, rc.dockerfilePath ?? undefined);
    if (!r.ctx) return { ctx: null, note: r.error ?? 'the build context could not be read', error: r.error };
    return { ctx: r.ctx, note: null, error: null };
  }

  async function analyseDockerfile(doc: TextDocument, version: number): Promise<void> {
    const uri = doc.uri;
    const rc = resolveContext(uri);
    const req: AnalyseRequest = {
      uri,
      version,
      text: doc.getText(),
      trusted,
      contextDir: rc.dir,
      dockerfilePath: rc.dockerfilePath,
      noContextNote: !trusted ? 'untrusted workspace: the build context is not read' : !rc.dir ? 'not a file on disk: no build context' : null,
      buildArgs: rc.buildArgs,
      target: rc.target,
      buildkitVersion: settings.buildkitVersion,
      severities: rc.severities,
    };
    publishConfigProblem(rc.configError);
    let sent = false;
    const publish = (d: DiagInput) => {
      const f = inflight.get(uri);
      if (f?.version === version) f.markComputed();
      lastElapsed.set(uri, d.elapsedMs);
      lastDoneAt.set(uri, Date.now());
      if (sent || documents.get(uri)?.version !== version) return; // stale: a newer version arrived meanwhile
      sent = true;
      const diags = rc.ignored ? [] : dockerfileDiagnostics(d);
      if (rc.configError) diags.push(configDiagnostic(rc.configError));
      published.set(uri, diags);
      void connection.sendDiagnostics({ uri, version, diagnostics: diags });
    };
    // the worker sends what diagnostics need first: they go out before the full analysis has crossed threads
    const a = worker ? await worker.analyse(req, publish) : await analyseWithStore(analysisStore!, req);
    if (!a || documents.get(uri)?.version !== version) return; // a newer version arrived meanwhile: drop this result
    analyses.set(uri, a);
    if (a.elapsedMs > 500) log(`analysed ${uri} v${version} in ${a.elapsedMs} ms`);
    publish(diagInputOf(a));
    const n: AnalysedNotification = {
      uri,
      version,
      kind: 'dockerfile',
      steps: a.model?.steps.length ?? 0,
      stages: a.model?.stages.length ?? 0,
      findings: a.check?.findings.length ?? 0,
      contextFiles: a.contextFiles,
      contextDir: a.contextDir,
      contextFrom: rc.contextFrom,
      elapsedMs: a.elapsedMs,
    };
    void connection.sendNotification('layerwise/analysed', n);
    const file = uriToPath(uri);
    if (trusted && file && !buildRecords.has(file)) buildRecords.set(file, loadBuildRecord(file));
    if (recordFor(uri)) publishEvidence(uri);
    scheduleHistory(uri);
    // `.dockerignore` documents of this context check this Dockerfile's COPY sources: refresh them
    for (const d of documents.all()) if (isIgnoreDocument(d) && ignoreAnalyses.get(d.uri)?.contextDir === rc.dir && rc.dir) schedule(d.uri, Math.min(debounceMs, 100));
  }

  // ---- history (hit rates) and build evidence

  function historyOf(uri: string): HistoryResult | null {
    if (!trusted || !settings.historyEnabled) return null;
    const r = histories.get(uri)?.result ?? null;
    return r && r.state === 'ok' ? r : null;
  }

  function recordFor(uri: string): BuildRecord | null {
    if (!trusted) return null;
    const file = uriToPath(uri);
    return file ? (buildRecords.get(file) ?? null) : null;
  }

  function mappingOf(r: BuildRecord | null): BuildLogMapping | null {
    return r ? { format: r.format, steps: r.steps, unmatched: [], problems: r.problems } : null;
  }

  /** The engine's per-step insights (hit rate, cost, last build) for an analysis, memoised. */
  function insightsFor(a: DocAnalysis): StepInsight[] {
    const h = historyOf(a.uri);
    const r = recordFor(a.uri);
    const m = insightMemo.get(a);
    if (m && m.h === h && m.r === r) return m.list;
    const list = a.model ? stepInsights(a.model, h, mappingOf(r)) : [];
    insightMemo.set(a, { h, r, list });
    return list;
  }

  function insightOf(a: DocAnalysis, stepId: number): StepInsight | undefined {
    if (!historyOf(a.uri) && !recordFor(a.uri)) return undefined;
    return insightsFor(a)[stepId];
  }

  function refreshLenses(): void {
    if (caps.workspace?.codeLens?.refreshSupport) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  /**
   * Asks the history worker for the replay of the document's current text (after its analysis). One request in
   * flight per document; while one runs, later analyses only mark it dirty. The worker reads git only when HEAD moved.
   */
  function scheduleHistory(uri: string): void {
    if (!trusted || !settings.historyEnabled || !historyWorker) {
      histories.delete(uri);
      return;
    }
    let st = histories.get(uri);
    if (!st) histories.set(uri, (st = { result: null, pending: false, dirty: false }));
    if (st.pending) {
      st.dirty = true;
      return;
    }
    if (st.timer) clearTimeout(st.timer);
    const state = st;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void runHistory(uri, state);
    }, state.result ? 500 : 0);
  }

  async function runHistory(uri: string, st: { result: HistoryResult | null; pending: boolean; dirty: boolean }): Promise<void> {
    const doc = documents.get(uri);
    const file = uriToPath(uri);
    if (!doc || !file || isIgnoreDocument(doc) || !historyWorker) return;
    const rc = resolveContext(uri);
    if (!rc.dir || !fs.existsSync(file)) return;
    st.pending = true;
    st.dirty = false;
    try {
      const reply = await historyWorker.history({
        contextDir: rc.dir,
        dockerfilePath: file,
        commits: settings.historyCommits,
        text: doc.getText(),
        options: { buildArgs: rc.buildArgs, target: rc.target, buildkitVersion: settings.buildkitVersion },
      });
      if (histories.get(uri) !== st) return; // closed or disabled meanwhile
      const before = JSON.stringify(st.result?.steps.map((s) => [s.key, s.rebuilt, s.considered]) ?? null);
      st.result = reply.result;
      if (reply.result?.state !== 'ok' && reply.note) log(`history of ${file}: ${reply.note}`);
      if (JSON.stringify(st.result?.steps.map((s) => [s.key, s.rebuilt, s.considered]) ?? null) !== before) {
        refreshLenses();
        void connection.sendNotification('layerwise/history', { uri, state: reply.result?.state ?? 'no-history', commits: reply.result?.commits ?? 0 });
      }
    } catch (e) {
      logError(`history of ${uri}`, e);
    } finally {
      st.pending = false;
      if (st.dirty && histories.get(uri) === st) scheduleHistory(uri);
    }
  }

  /** Diagnostics where the last imported build contradicts the prediction, on the current lines of those steps. */
  function evidenceDiagnostics(a: DocAnalysis): Diagnostic[] {
    const r = recordFor(a.uri);
    if (!r || !a.model || !r.baseline) return [];
    const keys = stepKeys(a.model);
    const byKey = new Map<string, number>();
    keys.forEach((k, i) => byKey.set(k, i));
    const doc = documents.get(a.uri);
    const out: Diagnostic[] = [];
    for (const c of r.comparisons) {
      if (c.agrees !== false) continue;
      const id = byKey.get(c.key);
      if (id === undefined) continue;
      const step = a.model.steps[id]!;
      if (step.trigger) continue;
      out.push({
        range: doc ? lineRange(doc, step.line) : { start: { line: step.line, character: 0 }, end: { line: step.line, character: 0 } },
        severity: DiagnosticSeverity.Information,
        source: 'layerwise',
        code: 'prediction-mismatch',
        message: mismatchMessage(c, r.baseline),
        data: { real: c.real, predicted: c.predicted },
      });
    }
    return out;
  }

  /** Re-publishes the document's diagnostics with the build evidence, and the decorations for the client. */
  function publishEvidence(uri: string): void {
    const a = analyses.get(uri);
    const doc = documents.get(uri);
    if (!a || !doc || a.version !== doc.version) return;
    const base = (published.get(uri) ?? []).filter((d) => d.code !== 'prediction-mismatch');
    const diags = [...base, ...evidenceDiagnostics(a)];
    published.set(uri, diags);
    void connection.sendDiagnostics({ uri, version: a.version, diagnostics: diags });
    const r = recordFor(uri);
    const items: LastBuildNotification['items'] = [];
    if (r && a.model) {
      const mismatched = new Set(r.comparisons.filter((c) => c.agrees === false).map((c) => c.key));
      for (const ins of insightsFor(a)) {
        const step = a.model.steps[ins.stepId]!;
        const title = lastBuildTitle(ins);
        if (!title || step.trigger) continue;
        items.push({ line: step.endLine, text: title, mismatch: mismatched.has(ins.key) });
      }
    }
    const n: LastBuildNotification = { uri, version: a.version, items };
    void connection.sendNotification('layerwise/lastBuild', n);
    refreshLenses();
  }

  async function analyseIgnoreDoc(doc: TextDocument, version: number): Promise<void> {
    const uri = doc.uri;
    const rc = resolveContext(uri, true);
    const { ctx, note } = await loadContext(rc);
    if (documents.get(uri)?.version !== version) return;
    const users = trusted ? ignoreUsers(uriToPath(uri)!, rc) : [];
    const a = analyseIgnore(uri, version, documents.get(uri)!.getText(), ctx as (ContextSnapshot & { pruned?: readonly string[] }) | null, rc.dir, note, users);
    ignoreAnalyses.set(uri, a);
    const diags: Diagnostic[] = [];
    for (const e of a.ignore.errors) {
      const line = Math.max(0, e.line - 1);
      diags.push({ range: lineRange(doc, line), severity: DiagnosticSeverity.Error, source: 'layerwise', code: 'dockerignore-syntax', message: e.message });
    }
    if (ctx) {
      for (const s of a.stats) {
        if (s.decided > 0) continue;
        const p = a.ignore.patterns[s.index]!;
        if (a.ignore.errors.some((e) => e.line === p.line)) continue;
        diags.push({
          range: lineRange(doc, p.line - 1),
          severity: DiagnosticSeverity.Warning,
          source: 'layerwise',
          code: 'dockerignore-unmatched',
          message: p.negated
            ? `\`${p.text}\` re-includes nothing: no path in the build context is decided by it`
            : `\`${p.text}\` matches nothing in the build context (${path.basename(rc.dir ?? '') || rc.dir}): it has no effect`,
        });
      }
    }
    const byPattern = new Map<number, typeof a.needed>();
    for (const n of a.needed) byPattern.set(n.pattern, [...(byPattern.get(n.pattern) ?? []), n]);
    for (const [idx, needs] of byPattern) {
      const p = a.ignore.patterns[idx]!;
      const first = needs[0]!;
      const what = first.source === first.example ? `\`${first.source}\`` : `everything \`${first.source}\` selects (e.g. \`${first.example}\`)`;
      const more = needs.length > 1 ? ` (and ${needs.length - 1} more source${needs.length > 2 ? 's' : ''})` : '';
      diags.push({
        range: lineRange(doc, p.line - 1),
        severity: DiagnosticSeverity.Warning,
        source: 'layerwise',
        code: 'dockerignore-excludes-needed',
        message: `\`${p.text}\` excludes ${what}, which \`${first.keyword} ${first.source}\` in ${labelOf(first.dockerfile)} line ${first.line + 1} needs${more}: that step fails with "not found". Remove the pattern or add \`!${first.example}\` after it.`,
        relatedInformation: needs.slice(0, 10).map((n) => ({
          location: { uri: n.dockerfile, range: { start: { line: n.line, character: 0 }, end: { line: n.line, character: 0 } } },
          message: `${n.keyword} ${n.source}`,
        })),
      });
    }
    diags.sort((x, y) => x.range.start.line - y.range.start.line);
    published.set(uri, diags);
    void connection.sendDiagnostics({ uri, version, diagnostics: diags });
    const n: AnalysedNotification = {
      uri,
      version,
      kind: 'dockerignore',
      steps: 0,
      stages: 0,
      findings: diags.length,
      contextFiles: ctx ? countFiles(ctx) : null,
      contextDir: rc.dir,
      elapsedMs: 0,
    };
    void connection.sendNotification('layerwise/analysed', n);
  }

  /**
   * The Dockerfiles whose build uses this ignore file: for `<Dockerfile>.dockerignore` that Dockerfile; for
   * `.dockerignore`, the open Dockerfiles and the Dockerfiles in its folder whose context is that folder (and that
   * have no Dockerfile-specific ignore file). Open documents use their cached model; others are parsed here.
   */
  function ignoreUsers(file: string, rc: ResolvedContext): IgnoreUser[] {
    const users: IgnoreUser[] = [];
    const specific = path.basename(file) !== '.dockerignore';
    const open = new Map<string, TextDocument>();
    for (const d of documents.all()) {
      const p = uriToPath(d.uri);
      if (p && !isIgnoreDocument(d)) open.set(p, d);
    }
    const candidates: string[] = [];
    if (specific) candidates.push(rc.dockerfilePath!);
    else if (rc.dir) {
      candidates.push(...open.keys());
      try {
        for (const e of fs.readdirSync(rc.dir, { withFileTypes: true })) if (e.isFile() && isDockerfileName(e.name)) candidates.push(path.join(rc.dir, e.name));
      } catch {
        /* unreadable folder: open documents only */
      }
    }
    const seen = new Set<string>();
    for (const df of candidates) {
      if (seen.has(df) || users.length >= 50) continue;
      seen.add(df);
      const doc = open.get(df);
      const dfUri = doc?.uri ?? pathToUri(df);
      const r = resolveContext(dfUri);
      if (!specific && (r.dir !== rc.dir || fs.existsSync(df + '.dockerignore'))) continue;
      let model: Model | null = analyses.get(dfUri)?.model ?? null;
      if (!model) {
        let text: string | null = doc ? doc.getText() : null;
        if (text === null)
          try {
            if (fs.statSync(df).size <= 1024 * 1024) text = fs.readFileSync(df, 'utf8');
          } catch {
            text = null;
          }
        if (text === null || text.length > 1024 * 1024 || text.includes('\u0000')) continue;
        model = analyze(text, { buildArgs: r.buildArgs, target: r.target, buildkitVersion: settings.buildkitVersion });
      }
      users.push({ label: path.basename(df), uri: dfUri, model });
    }
    return users;
  }

  function lineRange(doc: TextDocument, line: number) {
    const text = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
    return { start: { line, character: 0 }, end: { line, character: text.length } };
  }

  function severityOf(s: 'error' | 'warning' | 'info'): DiagnosticSeverity {
    return s === 'error' ? DiagnosticSeverity.Error : s === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
  }

  function findingDiagnostic(a: { uri: string; version: number }, f: Finding): Diagnostic {
    const d: Diagnostic = {
      range: f.range,
      severity: severityOf(f.severity),
      source: 'layerwise',
      code: f.rule,
      codeDescription: { href: docsUrl(f.rule) },
      message: f.message,
      data: { rule: f.rule, version: a.version },
    };
    if (f.related?.length) d.relatedInformation = f.related.map((r) => ({ location: { uri: a.uri, range: r.range }, message: r.message }));
    return d;
  }

  function dockerfileDiagnostics(a: DiagInput): Diagnostic[] {
    const contextError = a.contextError;
    const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    if (a.refused) return [{ range: top, severity: DiagnosticSeverity.Warning, source: 'layerwise', message: `Layerwise: ${a.refused}` }];
    const out: Diagnostic[] = [];
    for (const p of a.problems)
      out.push({ range: p.range, severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, source: 'layerwise', message: p.message });
    for (const f of a.findings) out.push(findingDiagnostic(a, f));
    const firstFrom = a.firstFrom ?? top;
    const at = { start: firstFrom.start, end: { line: firstFrom.start.line, character: Math.max(firstFrom.start.character, 4) } };
    if (contextError) out.push({ range: at, severity: DiagnosticSeverity.Warning, source: 'layerwise', code: 'context', message: `Layerwise: ${contextError}` });
    const probs = a.contextProblems.filter((p) => p.kind !== 'missing');
    if (probs.length)
      out.push({
        range: at,
        severity: DiagnosticSeverity.Information,
        source: 'layerwise',
        code: 'context',
        message: `Build context: ${probs.length} path${probs.length === 1 ? '' : 's'} could not be read or hashed (first: ${probs[0]!.message}). Predictions for steps that read them may be off.`,
      });
    return out;
  }

  /** A `.layerwise.yaml` problem, as a diagnostic on the Dockerfile it affects. */
  function configDiagnostic(p: ConfigProblem): Diagnostic {
    return {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Warning,
      source: 'layerwise',
      code: 'config',
      message: `Layerwise configuration ignored: ${p.message}`,
      relatedInformation: [{ location: { uri: pathToUri(p.file), range: { start: { line: p.line, character: 0 }, end: { line: p.line, character: 0 } } }, message: 'the invalid setting' }],
    };
  }

  /** Publishes (or clears) the diagnostic on the `.layerwise.yaml` file itself. */
  function publishConfigProblem(p: ConfigProblem | null, file?: string): void {
    if (p) {
      if (configDiagnostics.get(p.file) === p.message) return;
      configDiagnostics.set(p.file, p.message);
      void connection.sendDiagnostics({
        uri: pathToUri(p.file),
        diagnostics: [{ range: { start: { line: p.line, character: 0 }, end: { line: p.line, character: 1000 } }, severity: DiagnosticSeverity.Error, source: 'layerwise', code: 'config', message: p.message }],
      });
    } else if (file && configDiagnostics.has(file)) {
      configDiagnostics.delete(file);
      void connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
    }
  }

  /** A compose/bake/.layerwise.yaml file changed: contexts, args and severities may differ for any document. */
  function projectFileChanged(file: string): void {
    if (configDiagnostics.has(file)) {
      configDiagnostics.delete(file);
      void connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
    }
    for (const doc of documents.all()) schedule(doc.uri, Math.min(debounceMs, 100));
    if (caps.workspace?.codeLens?.refreshSupport) setTimeout(() => void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined), 400);
  }

  // ---- context changes

  function contextChanged(dir: string): void {
    let any = false;
    for (const doc of documents.all()) {
      const a = isIgnoreDocument(doc) ? ignoreAnalyses.get(doc.uri) : analyses.get(doc.uri);
      const d = a?.contextDir ?? (isIgnoreDocument(doc) ? null : resolveContext(doc.uri).dir);
      if (d === dir || (a && !a.contextDir && !isIgnoreDocument(doc) && resolveContext(doc.uri).dir === dir)) {
        schedule(doc.uri, Math.min(debounceMs, 100));
        any = true;
      }
    }
    if (any && caps.workspace?.codeLens?.refreshSupport) setTimeout(() => void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined), 400);
  }

  connection.onDidChangeWatchedFiles(
    guard('didChangeWatchedFiles', undefined, (params) => {
      for (const ch of params.changes) {
        const p = uriToPath(ch.uri);
        if (!p) continue;
        const kind: FileChange = ch.type === FileChangeType.Created ? 'created' : ch.type === FileChangeType.Deleted ? 'deleted' : 'changed';
        store?.fileChanged(p, kind);
        analysisStore?.fileChanged(p, kind);
        worker?.fileChanged(p, kind);
        if (projects.fileChanged(p)) projectFileChanged(p);
      }
    }),
  );

  // ---- documents

  documents.onDidOpen((e) => schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    timers.get(e.document.uri)?.cancel();
    timers.delete(e.document.uri);
    analyses.delete(e.document.uri);
    lastElapsed.delete(e.document.uri);
    lastDoneAt.delete(e.document.uri);
    ignoreAnalyses.delete(e.document.uri);
    published.delete(e.document.uri);
    const hs = histories.get(e.document.uri);
    if (hs?.timer) clearTimeout(hs.timer);
    histories.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  // ---- hover

  connection.onHover(
    guard('hover', null, async (params) => {
      const doc = documents.get(params.textDocument.uri);
      if (!doc) return null;
      const line = params.position.line;
      if (isIgnoreDocument(doc)) {
        const a = await currentIgnore(doc.uri);
        if (!a) return null;
        const idx = patternAtLine(a, line);
        if (idx < 0) return null;
        return { contents: { kind: 'markdown', value: ignoreHover(a, idx) } };
      }
      // the current version's analysis if it is ready within a moment, else the last one (hovers never wait long);
      // a re-analysis of the same version (the build context changed) counts as not ready
      const cached = analyses.get(doc.uri);
      const a =
        cached && cached.version === doc.version && !timers.has(doc.uri) && !inflight.has(doc.uri)
          ? cached
          : cached
            ? await Promise.race([current(doc.uri), new Promise<DocAnalysis>((r) => setTimeout(() => r(cached), 1000))])
            : await current(doc.uri);
      if (!a?.model) return null;
      const value = hoverText(a, line);
      return value ? { contents: { kind: 'markdown', value } } : null;
    }),
  );

  function hoverText(a: DocAnalysis, line: number): string | null {
    const model = a.model!;
    const step = stepAtLine(model, line);
    if (step) return stepHover(a, step, insightOf(a, step.id));
    const cfg = configAtLine(model, line);
    if (cfg) return configHover(a, cfg);
    const st = stageAtFromLine(model, line);
    if (st) return stageHover(a, st);
    return null;
  }

  // ---- code lens

  connection.onCodeLens(
    guard('codeLens', [] as CodeLens[], async (params) => {
      if (!settings.codeLensEnabled) return [];
      const doc = documents.get(params.textDocument.uri);
      if (!doc || isIgnoreDocument(doc)) return [];
      const a = await current(doc.uri);
      if (!a?.model) return [];
      const eager = a.model.steps.length <= 300;
      const lenses: CodeLens[] = [];
      for (const s of a.model.steps) {
        if (s.trigger) continue;
        const range = { start: { line: s.line, character: 0 }, end: { line: s.line, character: 0 } };
        const data = { uri: doc.uri, version: a.version, step: s.id };
        lenses.push(eager ? { range, command: lensCommand(a, s.id), data } : { range, data });
      }
      return lenses;
    }),
  );

  function lensCommand(a: DocAnalysis, stepId: number) {
    const s = a.model!.steps[stepId]!;
    return { title: lensTitle(a, s, insightOf(a, stepId)), command: 'layerwise.showImpact', arguments: [a.uri, s.line] };
  }

  connection.onCodeLensResolve(
    guard('codeLensResolve', { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } } as CodeLens, async (lens) => {
      const d = lens.data as { uri: string; version: number; step: number } | undefined;
      if (!d) return lens;
      const a = analyses.get(d.uri) ?? (await current(d.uri));
      if (a?.model?.steps[d.step]) lens.command = lensCommand(a, d.step);
      else lens.command = { title: 'layerwise: re-analysing…', command: '' };
      return lens;
    }),
  );

  // ---- inlay hints (optional): `reads 1,284 files` after the steps that read the build context

  connection.languages.inlayHint.on(
    guard('inlayHint', [] as InlayHint[], async (params) => {
      if (!settings.inlayHintsEnabled) return [];
      const doc = documents.get(params.textDocument.uri);
      if (!doc || isIgnoreDocument(doc)) return [];
      const a = await current(doc.uri);
      if (!a?.model || a.version !== doc.version) return [];
      const from = params.range.start.line;
      const to = params.range.end.line;
      const hints: InlayHint[] = [];
      for (const s of a.model.steps) {
        if (s.trigger || s.endLine < from || s.line > to) continue;
        const title = readsTitle(a, s);
        if (!title) continue;
        const end = lineRange(doc, s.endLine).end;
        hints.push({ position: end, label: title, paddingLeft: true, tooltip: lensTitle(a, s) });
      }
      return hints;
    }),
  );

  // ---- code actions

  connection.onCodeAction(
    guard('codeAction', [], async (params) => {
      const doc = documents.get(params.textDocument.uri);
      if (!doc || isIgnoreDocument(doc)) return [];
      const a = await current(doc.uri);
      if (!a) return [];
      const ec: EditCapabilities = {
        documentChanges: !!caps.workspace?.workspaceEdit?.documentChanges,
        createFile: !!caps.workspace?.workspaceEdit?.resourceOperations?.includes('create'),
      };
      const file = uriToPath(doc.uri);
      // copy-source-missing knows the likely build context: offer to record it in .layerwise.yaml
      const configFix = (f: Finding): ConfigFix | null => {
        if (!trusted || !file || !a.contextDir || !f.contextUp) return null;
        const target = path.resolve(a.contextDir, ...Array<string>(f.contextUp).fill('..'));
        const cfg = configToEdit(file, target);
        if (!cfg) return null;
        const base = path.dirname(cfg.file);
        const rel = (p: string) => path.relative(base, p).split(path.sep).join('/') || '.';
        let newText: string;
        try {
          newText = withDockerfileContext(cfg.text, rel(file), rel(target));
        } catch {
          return null; // not valid YAML: the config diagnostic says so
        }
        const shown = path.relative(path.dirname(file), target).split(path.sep).join('/') || '.';
        return { title: `Build ${path.basename(file)} with ${shown} as its context (${cfg.text === null ? 'create' : 'edit'} ${path.basename(cfg.file)})`, file: cfg.file, oldText: cfg.text, newText };
      };
      return codeActions(a, params.range, params.context.only, params.context.diagnostics, ec, configFix);
    }),
  );

  // ---- custom requests

  connection.onRequest('layerwise/impact', async (p: { uri: string; line: number }) => {
    try {
      const doc = documents.get(p.uri);
      if (!doc) return null;
      const a = await current(p.uri);
      if (!a?.model) return null;
      const step = stepAtLine(a.model, p.line);
      return { markdown: hoverText(a, p.line), title: step ? lensTitle(a, step, insightOf(a, step.id)) : null };
    } catch (e) {
      logError('layerwise/impact', e);
      return null;
    }
  });

  connection.onRequest('layerwise/explain', async (p: { uri: string; since?: string }) => {
    if (!trusted) throw new ResponseError(-32001, 'Layerwise: explain needs git and the build context, which are not read in an untrusted workspace');
    const file = uriToPath(p?.uri ?? '');
    if (!file) throw new ResponseError(-32602, 'Layerwise: explain works on files on disk');
    try {
      const doc = documents.get(p.uri);
      const text = doc ? doc.getText() : fs.readFileSync(file, 'utf8');
      const rc = resolveContext(p.uri);
      const { ctx, error } = await loadContext(rc);
      if (!ctx) throw new Error(error ?? 'the build context could not be read');
      const rev = p.since || 'HEAD';
      const base = gitBaseline({ contextDir: rc.dir!, dockerfilePath: file, rev });
      const opts = { buildArgs: rc.buildArgs, target: rc.target, buildkitVersion: settings.buildkitVersion };
      const e = explain({
        current: { text, context: ctx, options: opts },
        baseline: { text: base.dockerfileText, context: base.context as ContextSnapshot, options: opts },
        changedHint: base.changedHint,
      });
      const rel = (x: string) => {
        const r = folders.length ? path.relative(folders[0]!, x) : x;
        return r && !r.startsWith('..') ? r : x;
      };
      return explanationJson(e, { dockerfile: rel(file), context: rel(rc.dir!) || '.', baseline: `${rev} (${base.commit.slice(0, 12)})`, problems: ctx.problems });
    } catch (e) {
      logError('layerwise/explain', e);
      throw new ResponseError(-32603, `Layerwise: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  });

  /** The prediction `explain --since HEAD` for the text (null without trust, a file on disk, a context or git). */
  async function predictSinceHead(uri: string, text: string, model: Model, rc: ResolvedContext): Promise<{ e: Explanation; label: string } | null> {
    const file = uriToPath(uri);
    if (!trusted || !file || !rc.dir) return null;
    const { ctx } = await loadContext(rc);
    if (!ctx) return null;
    try {
      const base = gitBaseline({ contextDir: rc.dir, dockerfilePath: file, rev: 'HEAD' });
      const opts = { buildArgs: rc.buildArgs, target: rc.target, buildkitVersion: settings.buildkitVersion };
      const gitDirRel = path.relative(rc.dir, path.join(base.repoRoot, '.git')).split(path.sep).join('/');
      const e = explain({
        current: { text, context: ctx, options: opts },
        baseline: { text: base.dockerfileText, context: base.context as ContextSnapshot, options: opts },
        changedHint: base.changedHint,
        exclude: (x) => x === gitDirRel || x.startsWith(gitDirRel + '/'),
        currentModel: model,
      });
      return { e, label: `HEAD (${base.commit.slice(0, 12)})` };
    } catch (e) {
      log(`no prediction to compare the build with: ${(e as Error).message.split('\n')[0]}`);
      return null;
    }
  }

  connection.onRequest('layerwise/importBuild', async (p: { uri: string; logText: string; source?: string }) => {
    if (!p || typeof p.uri !== 'string' || typeof p.logText !== 'string') throw new ResponseError(-32602, 'Layerwise: importBuild needs {uri, logText}');
    const file = uriToPath(p.uri);
    const doc = documents.get(p.uri);
    if (!doc && !file) throw new ResponseError(-32602, 'Layerwise: open the Dockerfile the build used first');
    let text: string;
    try {
      text = doc ? doc.getText() : fs.readFileSync(file!, 'utf8');
    } catch (e) {
      throw new ResponseError(-32602, `Layerwise: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const rc = resolveContext(p.uri);
    const model = analyze(text, { buildArgs: rc.buildArgs, target: rc.target, buildkitVersion: settings.buildkitVersion });
    let mapping: BuildLogMapping;
    try {
      mapping = importBuildLog(model, p.logText);
    } catch (e) {
      if (e instanceof BuildLogError) throw new ResponseError(-32602, `Layerwise: ${e.message}`);
      throw new ResponseError(-32603, `Layerwise: ${(e as Error).message}`);
    }
    const pred = await predictSinceHead(p.uri, text, model, rc).catch((e) => (logError('prediction for importBuild', e), null));
    const comparisons = compareWithBuild(mapping, pred?.e ?? null);
    const record: BuildRecord = {
      version: 1,
      dockerfile: file ? path.resolve(file) : p.uri,
      importedAt: new Date().toISOString(),
      source: typeof p.source === 'string' && p.source ? p.source : 'build log',
      format: mapping.format,
      steps: mapping.steps,
      baseline: pred?.label ?? null,
      comparisons,
      problems: mapping.problems,
    };
    let stored: string | null = null;
    if (file && trusted) {
      buildRecords.set(file, record);
      stored = saveBuildRecord(record);
    }
    const executed = mapping.steps.filter((x) => x.status === 'executed');
    const mismatches = comparisons.filter((c) => c.agrees === false);
    if (trusted) {
      const a = await current(p.uri);
      if (a) publishEvidence(p.uri);
    }
    const result: ImportBuildResult = {
      format: mapping.format,
      steps: mapping.steps.length,
      executed: executed.length,
      cached: mapping.steps.filter((x) => x.status === 'cached').length,
      executedSeconds: Math.round(executed.reduce((t, x) => t + (x.seconds ?? 0), 0) * 10) / 10,
      baseline: record.baseline,
      mismatches: mismatches.map((m) => ({ line: m.line, real: m.real, predicted: m.predicted, message: mismatchMessage(m, record.baseline ?? 'HEAD') })),
      mapped: mapping.steps.map((x) => ({ line: x.line, status: x.status, label: lastBuildLabel(x.status, x.seconds) })),
      problems: mapping.problems,
      stored,
      note: trusted ? null : 'untrusted workspace: the build is not stored and not compared with a prediction',
    };
    return result;
  });

  connection.onRequest('layerwise/buildInfo', (p: { uri: string }) => {
    const file = uriToPath(p?.uri ?? '');
    if (!file) throw new ResponseError(-32602, 'Layerwise: building works on files on disk');
    const rc = resolveContext(p.uri);
    return { dockerfile: file, contextDir: rc.dir, contextFrom: rc.contextFrom, buildArgs: rc.buildArgs, target: rc.target ?? null, trusted };
  });

  connection.onRequest('layerwise/cacheReport', async (p: { uri: string }) => {
    const file = uriToPath(p?.uri ?? '');
    const doc = documents.get(p?.uri ?? '');
    if (!file) throw new ResponseError(-32602, 'Layerwise: the cache report works on files on disk');
    try {
      const text = doc ? doc.getText() : fs.readFileSync(file, 'utf8');
      const rc = resolveContext(p.uri);
      const opts = { buildArgs: rc.buildArgs, target: rc.target, buildkitVersion: settings.buildkitVersion };
      const model = (doc ? (await current(p.uri))?.model : null) ?? analyze(text, opts);
      const rel = (x: string) => {
        const r = folders.length ? path.relative(folders[0]!, x) : x;
        return r === '' ? '.' : r && !r.startsWith('..') ? r : x;
      };
      const disabled = !trusted
        ? 'the workspace is not trusted (git and the build context are not read)'
        : !settings.historyEnabled
          ? 'layerwise.history.enabled is off'
          : !rc.dir
            ? 'no build context'
            : undefined;
      let reply: ReportReply | null = null;
      if (!disabled && historyWorker)
        reply = await historyWorker.report({
          contextDir: rc.dir!,
          dockerfilePath: file,
          commits: settings.historyCommits,
          text,
          options: { buildArgs: rc.buildArgs, target: rc.target, buildkitVersion: settings.buildkitVersion },
          severities: rc.severities,
        });
      const record = recordFor(p.uri);
      const insights = stepInsights(model, reply?.result?.state === 'ok' ? reply.result : null, mappingOf(record));
      const markdown = renderCacheReport({ dockerfile: rel(file), context: rc.dir ? rel(rc.dir) : '(none)', requestedCommits: settings.historyCommits, disabled }, reply, insights, record);
      return { markdown, state: reply?.result?.state ?? 'no-history', commits: reply?.result?.commits ?? 0 };
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      logError('layerwise/cacheReport', e);
      throw new ResponseError(-32603, `Layerwise: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  });

  connection.onShutdown(() => {
    for (const t of timers.values()) t.cancel();
    timers.clear();
    store?.dispose();
    analysisStore?.dispose();
    worker?.dispose();
    historyWorker?.dispose();
    for (const h of histories.values()) if (h.timer) clearTimeout(h.timer);
    projects.dispose();
  });

  documents.listen(connection);
  connection.listen();
}

export function uriToPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).href;
}
