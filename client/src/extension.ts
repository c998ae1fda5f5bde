// The VS Code side of Layerwise: thin. Starts the language server (dist/lsp.js over IPC), passes settings and
// workspace trust, and shows what the server computes: commands, a status bar item, an output channel.
// It imports no analysis code: every fact comes from the server (see docs/ARCHITECTURE.md).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { cleanBuildCacheCommand } from './buildcache';
import { cacheMapBoxes, refreshCacheMap, showCacheMap } from './cachemap';
import { registerWhatIf } from './whatif';
import type { AnalysedNotification as Analysed, ForecastNotification, ImportBuildResult as ImportResult, LastBuildNotification } from '../../server/src/lsp/protocol';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../server/src/lsp/nodeflags';
import { loadBundle } from '../../server/src/lsp/codecache';

interface ExplainJson {
  dockerfile: string;
  context: string;
  target: string | null;
  baseline: string;
  summary: { steps: number; rebuilt: number; maybe: number; cached: number; skipped: number; firstMiss: number | null };
  changedPaths: { path: string; change: string }[];
  steps: { stage: string; line: number; instruction: string; status: string; reasons: { message: string }[] }[];
  problems: { line?: number; path?: string; severity: string; message: string }[];
}

export const DOCUMENT_SELECTOR: vscode.DocumentFilter[] = [
  { scheme: 'file', language: 'dockerfile' },
  { scheme: 'untitled', language: 'dockerfile' },
  { scheme: 'file', pattern: '**/{Containerfile,Containerfile.*,*.Dockerfile,*.dockerfile,Dockerfile.*,Dockerfile}' },
  { scheme: 'file', language: 'dockerignore' },
  { scheme: 'file', pattern: '**/{.dockerignore,*.dockerignore}' },
];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let status: vscode.StatusBarItem;
const lastAnalysis = new Map<string, Analysed>();
const EXPLAIN_SCHEME = 'layerwise-explain';
const explainDocs = new Map<string, string>();
const explainChanged = new vscode.EventEmitter<vscode.Uri>();
/** `layerwise/lastBuild` from the server: per Dockerfile, what the last imported build did per line. */
const lastBuild = new Map<string, LastBuildNotification['items']>();
let lastBuildDecoration: vscode.TextEditorDecorationType;
let mismatchDecoration: vscode.TextEditorDecorationType;
/** `layerwise/forecast` from the server: per Dockerfile, the next build's status per step (gutter marks, status bar). */
const forecasts = new Map<string, ForecastNotification>();
const FORECAST_STATUSES = ['rebuilt', 'maybe', 'cached', 'skipped'] as const;
const FORECAST_LABELS: Record<(typeof FORECAST_STATUSES)[number], string> = { rebuilt: 'rebuilds', maybe: 'may rebuild', cached: 'cached', skipped: 'not built' };
let forecastDecorations: Map<string, vscode.TextEditorDecorationType>;
let forecastStatus: vscode.StatusBarItem;

/** What tests (and other extensions) can reach: the client and the decorations shown per document. */
export interface LayerwiseApi {
  client: () => LanguageClient | undefined;
  /** Resolves once the language server has answered `initialize` (activate() does not wait for it). */
  ready: () => Promise<void>;
  lastBuildDecorations: (uri: string) => { line: number; text: string; mismatch: boolean }[];
  /** The gutter marks drawn in the visible editors of `uri`: line (0-based) and status. */
  forecastMarks: (uri: string) => { line: number; status: string }[];
  importBuildLog: (logText: string, dockerfile: vscode.Uri, source?: string) => Promise<ImportResult>;
  /** The boxes the layer cache map of `uri` shows (line, status), as its webview's DOM holds them. */
  cacheMapBoxes: (uri: string) => { line: number; status: string }[] | undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<LayerwiseApi> {
  output = vscode.window.createOutputChannel('Layerwise');
  status = vscode.window.createStatusBarItem('layerwise.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Layerwise';
  status.command = 'layerwise.explain';
  context.subscriptions.push(output, status);
  lastBuildDecoration = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  mismatchDecoration = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorInfo.foreground'), margin: '0 0 0 2em', fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  context.subscriptions.push(lastBuildDecoration, mismatchDecoration);
  forecastDecorations = new Map(
    FORECAST_STATUSES.map((st) => [
      st,
      vscode.window.createTextEditorDecorationType({
        light: { gutterIconPath: context.asAbsolutePath(`images/forecast/${st}-light.svg`) },
        dark: { gutterIconPath: context.asAbsolutePath(`images/forecast/${st}-dark.svg`) },
        gutterIconSize: 'contain',
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
    ]),
  );
  context.subscriptions.push(...forecastDecorations.values());
  forecastStatus = vscode.window.createStatusBarItem('layerwise.forecast', vscode.StatusBarAlignment.Right, 101);
  forecastStatus.name = 'Layerwise: next build';
  forecastStatus.command = 'layerwise.showCacheMap';
  context.subscriptions.push(forecastStatus);

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
      onDidChange: explainChanged.event,
      provideTextDocumentContent: (uri) => explainDocs.get(uri.toString()) ?? '',
    }),
    vscode.commands.registerCommand('layerwise.explain', (uri?: vscode.Uri) => explainCommand(uri)),
    vscode.commands.registerCommand('layerwise.showImpact', (uri?: string | vscode.Uri, line?: number) => showImpact(uri, line)),
    vscode.commands.registerCommand('layerwise.restartServer', async () => {
      await client?.restart();
    }),
    vscode.commands.registerCommand('layerwise.importBuildLog', (logUri?: vscode.Uri, dockerfile?: vscode.Uri) => importBuildCommand(logUri, dockerfile)),
    vscode.commands.registerCommand('layerwise.buildAndImport', (dockerfile?: vscode.Uri) => buildAndImportCommand(dockerfile)),
    vscode.commands.registerCommand('layerwise.cacheReport', (uri?: vscode.Uri) => cacheReportCommand(uri)),
    vscode.commands.registerCommand('layerwise.showCacheMap', (uri?: vscode.Uri | string) => showCacheMap(() => client, uri)),
    registerWhatIf(() => client),
    vscode.commands.registerCommand('layerwise.cleanBuildCache', () => cleanBuildCacheCommand(client, output)),
    vscode.window.onDidChangeActiveTextEditor(() => updateStatus()),
    vscode.window.onDidChangeVisibleTextEditors(() => applyDecorations()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.sendNotification('layerwise/setTrusted', { trusted: true })),
  );

  // Not awaited: VS Code's activation (and every extension activating on the same event) does not wait for the
  // server process; requests sent meanwhile wait for it (vscode-languageclient queues them until it runs).
  const ready = startClient(context);
  ready.catch((e) => output.appendLine(`[client] the language server did not start: ${(e as Error)?.message ?? e}`));
  updateStatus();
  return {
    client: () => client,
    ready: () => ready,
    lastBuildDecorations: (uri) => lastBuild.get(uri) ?? [],
    forecastMarks: (uri) => drawnMarks.get(uri) ?? [],
    importBuildLog: (logText, dockerfile, source) => importBuild(logText, dockerfile, source),
    cacheMapBoxes,
  };
}

/**
 * Creates the language client and starts it; resolves once the server has answered `initialize`.
 * vscode-languageclient is most of the extension's code: it is a bundle of its own (dist/languageclient.js, see
 * scripts/build.mjs), loaded here, after activate() has returned.
 */
async function startClient(context: vscode.ExtensionContext): Promise<void> {
  await new Promise((r) => setImmediate(r));
  // through the code cache in the extension's global storage, as the server loads its bundle (codecache.ts): compiling
  // the 0.55 MB bundle was part of every start
  const bundle = context.asAbsolutePath(path.join('dist', 'languageclient.js'));
  const { LanguageClient, RevealOutputChannelOn, State, TransportKind } = (fs.existsSync(bundle)
    ? loadBundle(bundle, 'client', path.join(context.globalStorageUri.fsPath, 'code-cache'))
    : require('vscode-languageclient/node')) as typeof import('vscode-languageclient/node');
  // the launcher: it starts the analysis worker before the server bundle (dist/server.js) is compiled
  const module = context.asAbsolutePath(path.join('dist', 'lsp.js'));
  const env = serverEnv(context);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env, execArgv: [...SERVER_NODE_FLAGS] } },
    debug: { module, transport: TransportKind.ipc, options: { env, execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR as LanguageClientOptions['documentSelector'],
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    synchronize: {
      configurationSection: 'layerwise',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*'),
    },
    initializationOptions: {
      trusted: vscode.workspace.isTrusted,
      fileEvents: true,
      commands: ['layerwise.showCacheMap'],
      settings: vscode.workspace.getConfiguration().get('layerwise'),
    },
    // a crashed server is restarted by vscode-languageclient's default error handler (up to 4 times in 3 minutes)
  };
  client = new LanguageClient('layerwise', 'Layerwise', serverOptions, clientOptions);
  client.onDidChangeState((e) => {
    if (e.newState === State.Stopped) output.appendLine('[client] language server stopped');
    if (e.newState === State.Running) output.appendLine('[client] language server running');
  });
  context.subscriptions.push(client);
  client.onNotification('layerwise/lastBuild', (n: LastBuildNotification) => {
    lastBuild.set(n.uri, n.items);
    applyDecorations();
  });
  client.onNotification('layerwise/forecast', (n: ForecastNotification) => {
    forecasts.set(n.uri, n);
    applyDecorations();
    updateStatus();
    refreshCacheMap(() => client, n.uri);
  });
  client.onNotification('layerwise/analysed', (n: Analysed) => {
    lastAnalysis.set(n.uri, n);
    updateStatus();
  });
  return client.start();
}

/**
 * The server's environment: the extension host's, plus two caches of compiled code in the extension's global storage
 * (never the workspace; VS Code removes it with the extension): LAYERWISE_CODE_CACHE_DIR, where the launcher keeps
 * the V8 code cache of the 1.2 MB server bundle for each of its threads (server/src/lsp/codecache.ts, any Node), and
 * NODE_COMPILE_CACHE, Node's own (22.1+; code-server runs 24) for the files it `require`s itself (the shell parser).
 * Both are keyed by the files' content, so an updated extension never runs stale code. A cache folder that cannot be
 * created (read-only storage) is only left out; a variable the user set is kept.
 */
function serverEnv(context: vscode.ExtensionContext): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const [k, v] of Object.entries(SERVER_ENV)) env[k] ??= v; // unless the user set it
  for (const [name, folder] of [['LAYERWISE_CODE_CACHE_DIR', 'code-cache'], ['NODE_COMPILE_CACHE', 'compile-cache']] as const) {
    if (env[name] !== undefined) continue; // the user's own choice
    const dir = path.join(context.globalStorageUri.fsPath, folder);
    try {
      fs.mkdirSync(dir, { recursive: true });
      env[name] = dir;
    } catch (e) {
      output.appendLine(`[client] no ${folder} for the server (${(e as Error).message})`);
    }
  }
  return env;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

function isLayerwiseDoc(doc: vscode.TextDocument | undefined): boolean {
  if (!doc) return false;
  return vscode.languages.match(DOCUMENT_SELECTOR, doc) > 0;
}

function updateStatus(): void {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || !isLayerwiseDoc(doc)) {
    status.hide();
    forecastStatus.hide();
    return;
  }
  updateForecastStatus(doc);
  const a = lastAnalysis.get(doc.uri.toString());
  if (!a) {
    status.text = '$(layers) Layerwise…';
    status.tooltip = 'Layerwise is analysing this file';
  } else if (a.kind === 'dockerignore') {
    status.text = `$(layers) ${a.contextFiles === null ? 'no context' : fmt(a.contextFiles) + ' context files'}`;
    status.tooltip = `Build context: ${a.contextDir ?? 'not read'}`;
  } else {
    const parts = [`${a.steps} step${a.steps === 1 ? '' : 's'}`];
    if (a.contextFiles !== null) parts.push(`${fmt(a.contextFiles)} files${a.contextSize ? ` (${a.contextSize.short})` : ''}`);
    parts.push(`${a.findings} finding${a.findings === 1 ? '' : 's'}`);
    status.text = `$(layers) ${parts.join(' · ')}`;
    status.tooltip = new vscode.MarkdownString(
      `**Layerwise** — ${a.stages} stage(s), ${a.steps} cached steps\n\nBuild context: ${a.contextDir ?? '*not read*'}${a.contextSize ? `\n\n${a.contextSize.summary}` : ''}\n\nClick: explain what rebuilds since the last commit`,
    );
  }
  status.show();
}

/** "next build: 3 of 12 steps rebuild, ~2 min" for the active Dockerfile, from the server's forecast. */
function updateForecastStatus(doc: vscode.TextDocument): void {
  const f = forecasts.get(doc.uri.toString());
  if (!f || (!f.baseline && !f.note)) {
    forecastStatus.hide();
    return;
  }
  if (!f.baseline) {
    forecastStatus.text = '$(circle-slash) next build: no forecast';
    forecastStatus.tooltip = `Layerwise: ${f.note}`;
  } else {
    const { steps, rebuilt, maybe, seconds } = f.summary;
    const time = seconds !== null && rebuilt ? `, ~${seconds >= 90 ? Math.round(seconds / 60) + ' min' : Math.round(seconds) + ' s'}` : '';
    forecastStatus.text = `${rebuilt ? '$(debug-restart)' : '$(check)'} next build: ${rebuilt} of ${steps} step${steps === 1 ? '' : 's'} rebuild${time}`;
    forecastStatus.tooltip = `Layerwise: against ${f.baseline}${maybe ? `; ${maybe} more may rebuild (content copied from another stage)` : ''}. Click: show the layer cache map.`;
  }
  forecastStatus.show();
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

async function explainCommand(uri?: vscode.Uri): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target || !client) {
    void vscode.window.showInformationMessage('Layerwise: open a Dockerfile first.');
    return;
  }
  let r: ExplainJson;
  try {
    r = await client.sendRequest<ExplainJson>('layerwise/explain', { uri: target.toString() });
  } catch (e) {
    void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
    return;
  }
  const md = renderExplain(r);
  const doc = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/${path.basename(target.fsPath)} — what rebuilds.md` });
  explainDocs.set(doc.toString(), md);
  explainChanged.fire(doc);
  const td = await vscode.workspace.openTextDocument(doc);
  await vscode.languages.setTextDocumentLanguage(td, 'markdown');
  await vscode.commands.executeCommand('markdown.showPreviewToSide', doc).then(undefined, () => vscode.window.showTextDocument(td, vscode.ViewColumn.Beside));
}

export function renderExplain(r: ExplainJson): string {
  const icon: Record<string, string> = { rebuilt: '✗ rebuilt', cached: '✓ cached', maybe: '? maybe', skipped: '– not built' };
  const out: string[] = [];
  out.push(`# What rebuilds: ${r.dockerfile}`, '');
  out.push(`Baseline **${r.baseline}**, context \`${r.context}\`${r.target ? `, target \`${r.target}\`` : ''}.`, '');
  const s = r.summary;
  out.push(`**${s.rebuilt} of ${s.steps} steps rebuild**${s.maybe ? `, ${s.maybe} maybe` : ''}, ${s.cached} cached${s.skipped ? `, ${s.skipped} not built` : ''}.${s.firstMiss ? ` First miss: line ${s.firstMiss}.` : ''}`, '');
  if (r.changedPaths.length) {
    out.push(`Changed in the context (${r.changedPaths.length}): ${r.changedPaths.slice(0, 10).map((c) => `\`${c.path}\` (${c.change})`).join(', ')}${r.changedPaths.length > 10 ? ', …' : ''}`, '');
  }
  out.push('| line | stage | step | status | why |', '|---:|---|---|---|---|');
  for (const st of r.steps) {
    const why = st.reasons.map((x) => x.message).join('; ').replace(/\|/g, '\\|');
    out.push(`| ${st.line} | ${st.stage} | \`${st.instruction.replace(/\|/g, '\\|').slice(0, 70)}\` | ${icon[st.status] ?? st.status} | ${why} |`);
  }
  if (r.problems.length) {
    out.push('', '## Problems', '');
    for (const p of r.problems) out.push(`- ${p.line ? `line ${p.line}: ` : p.path ? `${p.path}: ` : ''}${p.message}`);
  }
  return out.join('\n') + '\n';
}

async function showImpact(uriArg?: string | vscode.Uri, lineArg?: number): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const uri = uriArg ? uriArg.toString() : editor?.document.uri.toString();
  const line = lineArg ?? editor?.selection.active.line;
  if (!uri || line === undefined || !client) {
    void vscode.window.showInformationMessage('Layerwise: put the cursor on a Dockerfile instruction.');
    return;
  }
  const r = await client.sendRequest<{ markdown: string | null; title: string | null } | null>('layerwise/impact', { uri, line });
  if (!r?.markdown) {
    void vscode.window.showInformationMessage('Layerwise: no build step on this line.');
    return;
  }
  const doc = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/impact of line ${line + 1}.md` });
  explainDocs.set(doc.toString(), `# Layer impact — line ${line + 1}\n\n${r.title ? `*${r.title}*\n\n` : ''}${r.markdown}\n`);
  explainChanged.fire(doc);
  await vscode.commands.executeCommand('markdown.showPreviewToSide', doc).then(undefined, async () => {
    const td = await vscode.workspace.openTextDocument(doc);
    await vscode.window.showTextDocument(td, vscode.ViewColumn.Beside);
  });
}

// ---- build evidence: decorations, import, build-and-import

/** Gutter marks drawn per document (what the API reports to tests). */
const drawnMarks = new Map<string, { line: number; status: string }[]>();

function applyDecorations(): void {
  for (const editor of vscode.window.visibleTextEditors) {
    const key = editor.document.uri.toString();
    const f = forecasts.get(key);
    // a forecast for another version of the text would mark the wrong lines
    const items = f && f.version === editor.document.version ? f.items.filter((i) => i.line < editor.document.lineCount) : [];
    drawnMarks.set(key, items.map((i) => ({ line: i.line, status: i.status })));
    for (const st of FORECAST_STATUSES)
      editor.setDecorations(
        forecastDecorations.get(st)!,
        items.filter((i) => i.status === st).map((i) => ({ range: new vscode.Range(i.line, 0, i.line, 0), hoverMessage: `Next build: ${FORECAST_LABELS[st]}${i.reason ? ' — ' + i.reason : ''}` })),
      );
  }
  for (const editor of vscode.window.visibleTextEditors) {
    const items = lastBuild.get(editor.document.uri.toString()) ?? [];
    const deco = (mismatch: boolean): vscode.DecorationOptions[] =>
      items
        .filter((i) => i.mismatch === mismatch && i.line < editor.document.lineCount)
        .map((i) => {
          const end = editor.document.lineAt(i.line).range.end;
          return {
            range: new vscode.Range(end, end),
            renderOptions: { after: { contentText: mismatch ? `${i.text} — not what Layerwise predicted` : i.text } },
          };
        });
    editor.setDecorations(lastBuildDecoration, deco(false));
    editor.setDecorations(mismatchDecoration, deco(true));
  }
}

async function importBuild(logText: string, dockerfile: vscode.Uri, source?: string, imageId?: string): Promise<ImportResult> {
  if (!client) throw new Error('Layerwise: the language server is not running');
  // the server maps onto the document it has: make sure it is open
  await vscode.workspace.openTextDocument(dockerfile);
  return client.sendRequest<ImportResult>('layerwise/importBuild', { uri: dockerfile.toString(), logText, source, ...(imageId ? { imageId } : {}) });
}

function reportImport(r: ImportResult): void {
  const parts = [`${r.executed} step${r.executed === 1 ? '' : 's'} rebuilt (${r.executedSeconds} s), ${r.cached} cached`];
  if (r.baseline) parts.push(r.mismatches.length ? `${r.mismatches.length} disagree${r.mismatches.length === 1 ? 's' : ''} with the prediction since ${r.baseline}` : `agrees with the prediction since ${r.baseline}`);
  if (r.note) parts.push(r.note);
  for (const p of r.problems) output.appendLine(`[import] ${p}`);
  void vscode.window.showInformationMessage(`Layerwise: build imported — ${parts.join('; ')}.`);
}

async function importBuildCommand(logUri?: vscode.Uri, dockerfileArg?: vscode.Uri): Promise<ImportResult | undefined> {
  const dockerfile = dockerfileArg ?? vscode.window.activeTextEditor?.document.uri;
  if (!dockerfile || (!dockerfileArg && !isLayerwiseDoc(vscode.window.activeTextEditor?.document))) {
    void vscode.window.showInformationMessage('Layerwise: open the Dockerfile the build used first.');
    return undefined;
  }
  let log = logUri;
  if (!log) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Import build log',
      title: 'A docker build --progress=plain (or rawjson) log',
      filters: { 'Build logs': ['log', 'txt', 'json', 'jsonl'], 'All files': ['*'] },
    });
    log = picked?.[0];
    if (!log) return undefined;
  }
  try {
    const bytes = await vscode.workspace.fs.readFile(log);
    const r = await importBuild(Buffer.from(bytes).toString('utf8'), dockerfile, path.basename(log.fsPath || log.path));
    reportImport(r);
    return r;
  } catch (e) {
    void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
    return undefined;
  }
}

/** `docker` on PATH (no shell: the directories of PATH are looked in). */
function findDocker(): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = path.join(dir, 'docker' + ext);
      try {
        if (fs.statSync(p).isFile()) return p;
      } catch {
        /* not here */
      }
    }
  }
  return null;
}

/**
 * Runs the build the user asked for — `docker build --progress=plain -f <Dockerfile> <context>` with the build args
 * and target the server uses — in a terminal (a task with a pseudoterminal, so the log can be captured), then imports
 * the log. Only in trusted workspaces; the language server itself never runs anything.
 */
async function buildAndImportCommand(dockerfileArg?: vscode.Uri): Promise<void> {
  const dockerfile = dockerfileArg ?? vscode.window.activeTextEditor?.document.uri;
  if (!dockerfile || dockerfile.scheme !== 'file' || !client) {
    void vscode.window.showInformationMessage('Layerwise: open a Dockerfile on disk first.');
    return;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Layerwise: building runs the Dockerfile\'s commands; trust this workspace first.');
    return;
  }
  const docker = findDocker();
  if (!docker) {
    void vscode.window.showErrorMessage('Layerwise: no `docker` CLI on PATH. Install Docker (with BuildKit), or run the build yourself with --progress=plain and use "Layerwise: Import build log…".');
    return;
  }
  const info = await client.sendRequest<{ dockerfile: string; contextDir: string | null; buildArgs: Record<string, string>; target: string | null }>('layerwise/buildInfo', { uri: dockerfile.toString() });
  if (!info.contextDir) {
    void vscode.window.showErrorMessage('Layerwise: no build context for this Dockerfile.');
    return;
  }
  const args = ['build', '--progress=plain', '-f', info.dockerfile];
  for (const [k, v] of Object.entries(info.buildArgs)) args.push('--build-arg', `${k}=${v}`);
  if (info.target) args.push('--target', info.target);
  // the id of the image it writes, for its layers in the hover (the log names it too, unless the image store does not)
  let iidDir: string | null = null;
  try {
    iidDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-iid-'));
    args.push('--iidfile', path.join(iidDir, 'iid'));
  } catch {
    iidDir = null;
  }
  args.push(info.contextDir);
  const readIid = (): string | undefined => {
    if (!iidDir) return undefined;
    try {
      return fs.readFileSync(path.join(iidDir, 'iid'), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    } finally {
      fs.rmSync(iidDir, { recursive: true, force: true }); // our own temporary folder
      iidDir = null;
    }
  };
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number>();
  let logText = '';
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => {
      write.fire(`$ docker ${args.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}\r\n`);
      const child = spawn(docker, args, { cwd: info.contextDir!, env: { ...process.env, DOCKER_BUILDKIT: '1' }, shell: false });
      const onData = (d: Buffer) => {
        const t = d.toString('utf8');
        logText += t;
        write.fire(t.replace(/\r?\n/g, '\r\n'));
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (e) => {
        write.fire(`\r\nLayerwise: could not run docker: ${e.message}\r\n`);
        readIid();
        close.fire(1);
      });
      child.on('close', (code) => {
        void (async () => {
          try {
            const r = await importBuild(logText, dockerfile, `docker build (${new Date().toLocaleTimeString()})`, code === 0 ? readIid() : (readIid(), undefined));
            write.fire(`\r\nLayerwise: imported — ${r.executed} rebuilt, ${r.cached} cached${r.mismatches.length ? `, ${r.mismatches.length} differ from the prediction` : ''}.\r\n`);
            reportImport(r);
          } catch (e) {
            write.fire(`\r\nLayerwise: the log could not be imported: ${e instanceof Error ? e.message : String(e)}\r\n`);
          }
          close.fire(code ?? 1);
        })();
      });
    },
    close: () => undefined,
  };
  const folder = vscode.workspace.getWorkspaceFolder(dockerfile);
  const task = new vscode.Task({ type: 'layerwise-build' }, folder ?? vscode.TaskScope.Workspace, `build ${path.basename(info.dockerfile)}`, 'Layerwise', new vscode.CustomExecution(async () => pty));
  await vscode.tasks.executeTask(task);
}

// ---- cache report

async function cacheReportCommand(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target || !client) {
    void vscode.window.showInformationMessage('Layerwise: open a Dockerfile first.');
    return undefined;
  }
  let r: { markdown: string };
  try {
    r = await client.sendRequest<{ markdown: string }>('layerwise/cacheReport', { uri: target.toString() });
  } catch (e) {
    void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
    return undefined;
  }
  const doc = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/${path.basename(target.fsPath || target.path)} — cache report.md` });
  explainDocs.set(doc.toString(), r.markdown);
  explainChanged.fire(doc);
  const td = await vscode.workspace.openTextDocument(doc);
  await vscode.languages.setTextDocumentLanguage(td, 'markdown');
  await vscode.commands.executeCommand('markdown.showPreviewToSide', doc).then(undefined, () => vscode.window.showTextDocument(td, vscode.ViewColumn.Beside));
  return doc;
}
