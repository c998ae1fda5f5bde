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
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { docsUrl, explain, type ContextSnapshot, type Finding } from '../engine';
import { gitBaseline } from '../context';
import { renderExplainJson } from '../cli/render';
import { countFiles, type DocAnalysis } from './analysis';
import { AnalysisWorker, analyseWithStore, type AnalyseRequest } from './worker';
import { codeActions, FIX_ALL_KIND, type EditCapabilities } from './actions';
import { ContextStore, type FileChange } from './contexts';
import { analyseIgnore, ignoreHover, patternAtLine, type IgnoreAnalysis } from './ignoredoc';
import { configAtLine, lensTitle, stageAtFromLine, stepAtLine, stepHover, configHover, stageHover } from './present';
import { DEFAULT_SETTINGS, parseSettings, type Settings } from './settings';

export const SERVER_VERSION = '0.1.0';

/** What the client may pass in initializationOptions. */
export interface InitOptions {
  /** `vscode.workspace.isTrusted`; false → no crawl, no git: text-only analysis. Default true. */
  trusted?: boolean;
  /** Settings (the `layerwise` section) for clients without workspace/configuration. */
  settings?: unknown;
  /** The client sends workspace/didChangeWatchedFiles for all files by itself (VS Code `synchronize.fileEvents`). */
  fileEvents?: boolean;
  /** Debounce in ms (tests). Default 150. */
  debounceMs?: number;
  /** Run the engine on the protocol thread instead of a worker thread. */
  inProcess?: boolean;
}

export interface AnalysedNotification {
  uri: string;
  version: number;
  kind: 'dockerfile' | 'dockerignore';
  steps: number;
  stages: number;
  findings: number;
  contextFiles: number | null;
  contextDir: string | null;
  elapsedMs: number;
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
  let debounceMs = 150;
  let caps: ClientCapabilities = {};
  let folders: string[] = [];
  let pullConfig = false;
  let lastSettingsWarning = '';
  let registerWatcher = false;
  const analyses = new Map<string, DocAnalysis>();
  const ignoreAnalyses = new Map<string, IgnoreAnalysis>();
  const timers = new Map<string, NodeJS.Timeout>();
  const inflight = new Map<string, { version: number; promise: Promise<void> }>();
  const published = new Map<string, Diagnostic[]>();
  /** Contexts for .dockerignore documents and explain (protocol thread). */
  let store: ContextStore | null = null;
  /** Where Dockerfiles are analysed: a worker thread, or in-process (fallback, `inProcess` option). */
  let worker: AnalysisWorker | null = null;
  let analysisStore: ContextStore | null = null;

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
    if (typeof init.debounceMs === 'number' && init.debounceMs >= 0) debounceMs = init.debounceMs;
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
    if (!worker) analysisStore = new ContextStore({ ownWatcher: !clientWatches, log, onChange: (dir) => contextChanged(dir) });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        codeLensProvider: { resolveProvider: true },
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

  function schedule(uri: string, delay = debounceMs): void {
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        void runAnalysis(uri);
      }, delay),
    );
  }

  function runAnalysis(uri: string): Promise<void> {
    const doc = documents.get(uri);
    if (!doc) return Promise.resolve();
    const cur = inflight.get(uri);
    if (cur && cur.version === doc.version) return cur.promise;
    const version = doc.version;
    const holder: { promise?: Promise<void> } = {};
    const promise = (async () => {
      try {
        if (isIgnoreDocument(doc)) await analyseIgnoreDoc(doc, version);
        else await analyseDockerfile(doc, version);
      } catch (e) {
        logError(`analysing ${uri}`, e);
      } finally {
        if (inflight.get(uri)?.promise === holder.promise) inflight.delete(uri);
      }
    })();
    holder.promise = promise;
    inflight.set(uri, { version, promise });
    return promise;
  }

  /** The analysis of the document's current version: computed now if it is pending (at most once per version). */
  async function current(uri: string): Promise<DocAnalysis | undefined> {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const a = analyses.get(uri);
    if (a && a.version === doc.version) return a;
    const t = timers.get(uri);
    if (t) {
      clearTimeout(t);
      timers.delete(uri);
    }
    await runAnalysis(uri);
    return analyses.get(uri);
  }

  async function currentIgnore(uri: string): Promise<IgnoreAnalysis | undefined> {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const a = ignoreAnalyses.get(uri);
    if (a && a.version === doc.version) return a;
    const t = timers.get(uri);
    if (t) {
      clearTimeout(t);
      timers.delete(uri);
    }
    await runAnalysis(uri);
    return ignoreAnalyses.get(uri);
  }

  interface ResolvedContext {
    dir: string | null;
    dockerfilePath: string | null;
    buildArgs: Record<string, string>;
    target: string | undefined;
  }

  function resolveContext(uri: string, ignoreDoc = false): ResolvedContext {
    const file = uriToPath(uri);
    const res: ResolvedContext = { dir: null, dockerfilePath: file, buildArgs: settings.buildArgs, target: settings.target };
    if (!file) return res;
    let dockerfile = file;
    if (ignoreDoc) {
      // `<Dockerfile>.dockerignore` belongs to that Dockerfile; `.dockerignore` to the folder it is in
      dockerfile = path.basename(file) === '.dockerignore' ? path.join(path.dirname(file), 'Dockerfile') : file.replace(/\.dockerignore$/i, '');
      res.dockerfilePath = dockerfile;
    }
    const folder = folders.filter((f) => dockerfile === f || dockerfile.startsWith(f + path.sep)).sort((a, b) => b.length - a.length)[0];
    const base = folder ?? path.dirname(dockerfile);
    for (const m of settings.contexts) {
      const rel = path.relative(base, dockerfile).split(path.sep).join('/');
      const hit = path.resolve(base, m.dockerfile) === dockerfile || (!rel.startsWith('..') && picomatch(m.dockerfile, { dot: true })(rel));
      if (hit) {
        res.dir = path.resolve(base, m.context);
        if (m.buildArgs) res.buildArgs = { ...settings.buildArgs, ...m.buildArgs };
        if (m.target) res.target = m.target;
        return res;
      }
    }
    res.dir = path.dirname(ignoreDoc && path.basename(file) === '.dockerignore' ? file : dockerfile);
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
      severities: settings.rules,
    };
    const a = worker ? await worker.analyse(req) : await analyseWithStore(analysisStore!, req);
    if (documents.get(uri)?.version !== version) return; // a newer version arrived meanwhile: drop this result
    analyses.set(uri, a);
    if (a.elapsedMs > 500) log(`analysed ${uri} v${version} in ${a.elapsedMs} ms`);
    const diags = dockerfileDiagnostics(a, a.contextError);
    published.set(uri, diags);
    void connection.sendDiagnostics({ uri, version, diagnostics: diags });
    const n: AnalysedNotification = {
      uri,
      version,
      kind: 'dockerfile',
      steps: a.model?.steps.length ?? 0,
      stages: a.model?.stages.length ?? 0,
      findings: a.check?.findings.length ?? 0,
      contextFiles: a.contextFiles,
      contextDir: a.contextDir,
      elapsedMs: a.elapsedMs,
    };
    void connection.sendNotification('layerwise/analysed', n);
  }

  async function analyseIgnoreDoc(doc: TextDocument, version: number): Promise<void> {
    const uri = doc.uri;
    const rc = resolveContext(uri, true);
    const { ctx, note } = await loadContext(rc);
    if (documents.get(uri)?.version !== version) return;
    const a = analyseIgnore(uri, version, documents.get(uri)!.getText(), ctx as (ContextSnapshot & { pruned?: readonly string[] }) | null, rc.dir, note);
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

  function lineRange(doc: TextDocument, line: number) {
    const text = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
    return { start: { line, character: 0 }, end: { line, character: text.length } };
  }

  function severityOf(s: 'error' | 'warning' | 'info'): DiagnosticSeverity {
    return s === 'error' ? DiagnosticSeverity.Error : s === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
  }

  function findingDiagnostic(a: DocAnalysis, f: Finding): Diagnostic {
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

  function dockerfileDiagnostics(a: DocAnalysis, contextError: string | null): Diagnostic[] {
    const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    if (a.refused) return [{ range: top, severity: DiagnosticSeverity.Warning, source: 'layerwise', message: `Layerwise: ${a.refused}` }];
    const out: Diagnostic[] = [];
    for (const p of a.model?.problems ?? [])
      out.push({ range: p.range, severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, source: 'layerwise', message: p.message });
    for (const f of a.check?.findings ?? []) out.push(findingDiagnostic(a, f));
    const firstFrom = a.model?.stages[0]?.range ?? top;
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
      }
    }),
  );

  // ---- documents

  documents.onDidOpen((e) => schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    const t = timers.get(e.document.uri);
    if (t) clearTimeout(t);
    timers.delete(e.document.uri);
    analyses.delete(e.document.uri);
    ignoreAnalyses.delete(e.document.uri);
    published.delete(e.document.uri);
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
      // the current version's analysis if it is ready within a moment, else the last one (hovers never wait long)
      const cached = analyses.get(doc.uri);
      const a =
        cached && cached.version === doc.version
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
    if (step) return stepHover(a, step);
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
    return { title: lensTitle(a, s), command: 'layerwise.showImpact', arguments: [a.uri, s.line] };
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
      return codeActions(a, params.range, params.context.only, params.context.diagnostics, ec);
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
      return { markdown: hoverText(a, p.line), title: step ? lensTitle(a, step) : null };
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
      return JSON.parse(
        renderExplainJson(e, { dockerfile: rel(file), context: rel(rc.dir!) || '.', baseline: `${rev} (${base.commit.slice(0, 12)})`, problems: ctx.problems }),
      );
    } catch (e) {
      logError('layerwise/explain', e);
      throw new ResponseError(-32603, `Layerwise: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  });

  connection.onShutdown(() => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    store?.dispose();
    analysisStore?.dispose();
    worker?.dispose();
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
