// The language server's state: what the client told us (capabilities, folders, settings, trust), the open documents,
// their latest analyses, the diagnostics last published, and the stores and workers that produce analyses. Feature
// modules (hover.ts, lens.ts, …) read it; the few operations that change it are named here, and who may call them
// is in docs/ARCHITECTURE.md ("The language server").
import { ResponseError, TextDocuments, type ClientCapabilities, type Connection, type Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ProjectFiles } from '../context/projects';
import type { DocAnalysis } from './analysis';
import type { ContextStore } from './contexts';
import type { HistoryWorker } from './historyworker';
import type { IgnoreAnalysis } from './ignoredoc';
import type { AnalysisWorker } from './worker';
import { ConfigDiagnostics } from './diagnostics';
import { Forecasts } from './forecast';
import { Insights } from './insights';
import { ImageLayers } from './layers';
import { Scheduler } from './scheduler';
import { DEFAULT_SETTINGS, type Settings } from './settings';

/** The longest (and, before a document's first analysis, the) debounce after an edit. */
export const MAX_DEBOUNCE_MS = 150;
/**
 * The longest a request handler waits for the current version's analysis; then it answers from the latest complete
 * analysis (or with nothing), whatever the worker is doing (editors give up on requests after a few seconds).
 */
export const HANDLER_BUDGET_MS = 3000;

export class ServerState {
  readonly documents = new TextDocuments(TextDocument);
  settings: Settings = DEFAULT_SETTINGS;
  /** The last settings warning shown (configuration.ts shows each once). */
  settingsWarning = '';
  trusted = true;
  /** Commands of the client that lenses may name (initializationOptions.commands). */
  clientCommands = new Set<string>();
  /** The longest debounce (and the fixed one when the client sets `debounceMs`). */
  debounceMs = MAX_DEBOUNCE_MS;
  fixedDebounce = false;
  caps: ClientCapabilities = {};
  folders: string[] = [];
  /** The latest analysis per Dockerfile / `.dockerignore` document (its `version` says which). Written by runanalysis.ts. */
  readonly analyses = new Map<string, DocAnalysis>();
  readonly ignoreAnalyses = new Map<string, IgnoreAnalysis>();
  /** The diagnostics last published per document (publish() keeps it). */
  readonly published = new Map<string, Diagnostic[]>();
  /** Contexts for .dockerignore documents and explain (protocol thread). */
  store: ContextStore | null = null;
  /** Where Dockerfiles are analysed: a worker thread, or in-process (fallback, `inProcess` option). */
  worker: AnalysisWorker | null = null;
  analysisStore: ContextStore | null = null;
  /** compose/bake/.layerwise.yaml lookups (cached by mtime; re-resolved on every analysis). */
  projects = new ProjectFiles();
  /** Project-file problems already logged (resolve.ts logs each once). */
  readonly loggedProblems = new Set<string>();
  /** Git-history replays (a second worker thread). */
  historyWorker: HistoryWorker | null = null;
  /** Diagnostics on `.layerwise.yaml` files themselves. */
  readonly configDiagnostics: ConfigDiagnostics;
  /** History results and imported builds per document, and the step insights made of them. */
  readonly insights: Insights;
  /** Timers and analyses in flight: the only code that starts an analysis. */
  readonly scheduler: Scheduler;
  /** The live rebuild forecast per open Dockerfile (forecast.ts): computed after analyses and file events. */
  readonly forecasts: Forecasts;
  /** The layers of imported builds' images, per image id (layers.ts). */
  readonly imageLayers: ImageLayers;

  constructor(readonly connection: Connection) {
    this.configDiagnostics = new ConfigDiagnostics(connection);
    this.insights = new Insights(this);
    this.scheduler = new Scheduler(this);
    this.forecasts = new Forecasts(this);
    this.imageLayers = new ImageLayers(this);
  }

  // logging never throws: once the connection is closed or disposed (the client gone, or after shutdown, while late
  // work still ends) sending throws "Connection is disposed", and from a catch handler that was an unhandled rejection
  log(msg: string): void {
    try {
      this.connection.console.log(msg);
    } catch {
      // nobody to tell
    }
  }

  logError(where: string, e: unknown): void {
    try {
      this.connection.console.error(`${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    } catch {
      // nobody to tell
    }
  }

  /** Wraps a handler: an exception is logged and turned into `fallback`, never a crash (a ResponseError goes out). */
  guard<P extends unknown[], R>(where: string, fallback: R, fn: (...a: P) => R | Promise<R>): (...a: P) => Promise<R> {
    return async (...a: P) => {
      try {
        return await fn(...a);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        this.logError(where, e);
        return fallback;
      }
    };
  }

  /** The analysis of the document's current version if it is there and no re-analysis is pending, else undefined. */
  analysisFor(uri: string): DocAnalysis | undefined {
    const doc = this.documents.get(uri);
    const a = this.analyses.get(uri);
    return doc && a && a.version === doc.version && !this.scheduler.pending(uri) ? a : undefined;
  }

  /** The analysis of the document's current version: computed now if it is pending (at most once per version). */
  current(uri: string): Promise<DocAnalysis | undefined> {
    return this.scheduler.current(uri, this.analyses);
  }

  /** The current version's analysis if it comes within `ms` (default HANDLER_BUDGET_MS), else `fallback()`. */
  currentWithin<F>(uri: string, fallback: () => F, ms = HANDLER_BUDGET_MS): Promise<DocAnalysis | undefined | F> {
    return this.scheduler.currentWithin(uri, this.analyses, ms, fallback);
  }

  /**
   * A `.dockerignore` document's current analysis within the handler budget, else the one of the same version (a
   * re-analysis after a context change is running) or nothing: an older version's stats may no longer hold.
   */
  currentIgnore(uri: string, ms = HANDLER_BUDGET_MS): Promise<IgnoreAnalysis | undefined> {
    const sameVersion = () => {
      const a = this.ignoreAnalyses.get(uri);
      return a && a.version === this.documents.get(uri)?.version ? a : undefined;
    };
    return this.scheduler.currentWithin(uri, this.ignoreAnalyses, ms, sameVersion);
  }

  /** Sends a document's diagnostics and keeps them (publishEvidence re-sends them with the build evidence). */
  publish(uri: string, version: number, diagnostics: Diagnostic[]): void {
    this.published.set(uri, diagnostics);
    void this.connection.sendDiagnostics({ uri, version, diagnostics });
  }

  /** Asks the client to re-request code lenses (now, or after `delayMs`), when it can. */
  refreshLenses(delayMs?: number): void {
    if (!this.caps.workspace?.codeLens?.refreshSupport) return;
    const send = () => void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    if (delayMs === undefined) send();
    else setTimeout(send, delayMs);
  }

  /** A closed document: its timers, analyses, history and diagnostics go. */
  close(uri: string): void {
    this.scheduler.forget(uri);
    this.analyses.delete(uri);
    this.ignoreAnalyses.delete(uri);
    this.published.delete(uri);
    this.insights.forget(uri);
    this.forecasts.forget(uri);
    this.worker?.closed(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    if (this.documents.all().length === 0) this.worker?.noDocuments();
  }
}
