// The Layerwise language server: keeps one cached analysis per open document version (debounced, versioned),
// serves diagnostics, hovers, code lenses and code actions from it, and keeps build contexts fresh from file events.
// Protocol translation only — every fact comes from server/src/engine, every byte from server/src/context.
// This file is the wiring: it creates the state (state.ts), the stores and workers, and registers each feature's
// handlers; the features live one per module (docs/ARCHITECTURE.md, "The language server").
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { setIncrementalMinLines } from '../engine/model';
import { ProjectFiles } from '../context/projects';
import { FIX_ALL_KIND, registerCodeActions } from './actions';
import { applySettings, pullsConfiguration, refreshSettings, registerConfiguration } from './configuration';
import { ContextStore } from './contexts';
import { contextChanged, projectFileChanged, registerFileEvents } from './files';
import { HistoryWorker } from './historyworker';
import { registerHover } from './hover';
import { registerInlayHints } from './inlay';
import { registerLenses } from './lens';
import { registerBuildRequests } from './requests/build';
import { registerCacheReport } from './requests/cachereport';
import { registerBuildCacheRequests } from './buildcache';
import { registerExplain } from './requests/explain';
import { registerForecast } from './forecast';
import { registerCacheMap } from './cachemap';
import { registerWhatIf } from './whatif';
import { ServerState } from './state';
import { uriToPath } from './uri';
import { AnalysisWorker, discardPrestartedWorker } from './worker';
export type { AnalysedNotification, ImportBuildResult, LastBuildNotification } from './protocol';
export { MAX_DEBOUNCE_MS } from './state';
export { MIN_DEBOUNCE_MS, EXPENSIVE_MS } from './scheduler';
export { isIgnoreDocument, uriToPath, pathToUri } from './uri';

export const SERVER_VERSION = '0.1.0';

/** What the client may pass in initializationOptions. */
export interface InitOptions {
  /** `vscode.workspace.isTrusted`; false → no crawl, no git: text-only analysis. Default true. */
  trusted?: boolean;
  /** Settings (the `layerwise` section) for clients without workspace/configuration. */
  settings?: unknown;
  /** The client sends workspace/didChangeWatchedFiles for all files by itself (VS Code `synchronize.fileEvents`). */
  fileEvents?: boolean;
  /** Client commands lenses may name (Layerwise's VS Code client: `layerwise.showCacheMap`). */
  commands?: string[];
  /**
   * Debounce of diagnostics after an edit, in ms (fixed). Default: adaptive — as long as the document's last analysis
   * took, at most 150 ms (a 40-line file is analysed in a few ms: waiting 150 ms for it only adds latency).
   */
  debounceMs?: number;
  /** Run the engine on the protocol thread instead of a worker thread. */
  inProcess?: boolean;
}

export interface ServerOptions {
  /** The bundle to start as the analysis worker thread (dist/server.js); without it the engine runs in-process. */
  workerScript?: string;
}

const CAPABILITIES: InitializeResult['capabilities'] = {
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  hoverProvider: true,
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
  codeLensProvider: { resolveProvider: true },
  inlayHintProvider: { resolveProvider: false },
};

/** Takes the client's capabilities, folders and options; starts the stores and workers. */
function initialize(
  s: ServerState,
  params: InitializeParams,
  serverOptions: ServerOptions,
): { registerWatcher: boolean; startWorker: () => void } {
  s.caps = params.capabilities;
  const init = (params.initializationOptions ?? {}) as InitOptions;
  s.trusted = init.trusted !== false;
  s.clientCommands = new Set(Array.isArray(init.commands) ? init.commands.filter((x): x is string => typeof x === 'string') : []);
  if (typeof init.debounceMs === 'number' && init.debounceMs >= 0) {
    s.debounceMs = init.debounceMs;
    s.fixedDebounce = true;
  }
  s.folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
  if (!s.folders.length && params.rootUri) {
    const p = uriToPath(params.rootUri);
    if (p) s.folders.push(p);
  }
  applySettings(s, init.settings);
  const dynamicWatch = !!s.caps.workspace?.didChangeWatchedFiles?.dynamicRegistration;
  const clientWatches = !!init.fileEvents || dynamicWatch;
  const log = (msg: string) => s.log(msg);
  const onContextChange = (dir: string, p?: string) => {
    contextChanged(s, dir);
    s.forecasts.pathChanged(p ?? dir); // the worker's own watcher reports the folder only
  };
  s.store = new ContextStore({ ownWatcher: !clientWatches, log, onChange: onContextChange });
  const inProcess = !!init.inProcess || process.env['LAYERWISE_LSP_INPROCESS'] === '1' || !serverOptions.workerScript;
  if (inProcess) discardPrestartedWorker();
  s.projects = new ProjectFiles({ ownWatcher: !clientWatches, log, onChange: (f) => projectFileChanged(s, f) });
  s.historyWorker = new HistoryWorker(inProcess ? undefined : serverOptions.workerScript, log);
  // The analysis worker loads the whole bundle on a thread of its own: started once `initialize` is answered (the
  // client's start waits for that answer, and both would compete for the CPU): on `initialized`, or on the first
  // document of a client that never sends it.
  let started = false;
  const startWorker = () => {
    if (started) return;
    started = true;
    if (!inProcess) {
      try {
        // an echo of the protocol thread's own event: its forecasts are marked out of date already (files.ts)
        s.worker = new AnalysisWorker(serverOptions.workerScript!, !clientWatches, (dir, echo) => (echo ? contextChanged(s, dir) : onContextChange(dir)), (m, level) =>
          level === 'error' ? s.connection.console.error(m) : level === 'warn' ? s.connection.console.warn(m) : s.log(m),
        );
      } catch (e) {
        s.logError('starting the analysis worker (falling back to in-process analysis)', e);
      }
    }
    if (!s.worker) setIncrementalMinLines(0); // as the worker does: documents are re-analysed after every edit
    if (!s.worker) s.analysisStore = new ContextStore({ ownWatcher: !clientWatches, log, onChange: onContextChange });
  };
  return { registerWatcher: !init.fileEvents && dynamicWatch, startWorker };
}

/** Starts the server on `connection`; its state is returned for in-process tests (test/lsp/inprocess.ts). */
export function startServer(connection: Connection, serverOptions: ServerOptions = {}): ServerState {
  const s = new ServerState(connection);
  let registerWatcher = false;
  let startWorker = () => {};

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    ({ registerWatcher, startWorker } = initialize(s, params, serverOptions));
    return { capabilities: CAPABILITIES, serverInfo: { name: 'layerwise-language-server', version: SERVER_VERSION } };
  });

  connection.onInitialized(
    s.guard('initialized', undefined, async () => {
      startWorker();
      if (registerWatcher) {
        await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] });
      }
      if (pullsConfiguration(s)) await refreshSettings(s);
      s.log(`layerwise-language-server ${SERVER_VERSION} ready (${s.trusted ? 'trusted' : 'untrusted: text-only analysis'})`);
    }),
  );

  registerConfiguration(s);
  registerFileEvents(s);
  s.documents.onDidOpen((e) => {
    startWorker();
    s.scheduler.schedule(e.document.uri, 0);
  });
  s.documents.onDidChangeContent((e) => s.scheduler.schedule(e.document.uri));
  s.documents.onDidClose((e) => s.close(e.document.uri));
  registerHover(s);
  registerLenses(s);
  registerInlayHints(s);
  registerCodeActions(s);
  registerExplain(s);
  registerForecast(s, s.forecasts);
  registerCacheMap(s);
  registerWhatIf(s);
  registerBuildRequests(s);
  registerCacheReport(s);
  registerBuildCacheRequests(s);

  connection.onShutdown(() => {
    s.scheduler.dispose();
    s.store?.dispose();
    s.analysisStore?.dispose();
    s.worker?.dispose();
    s.historyWorker?.dispose();
    s.insights.dispose();
    s.projects.dispose();
  });

  s.documents.listen(connection);
  connection.listen();
  return s;
}
