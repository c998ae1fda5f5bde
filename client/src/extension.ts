// The VS Code side of Layerwise: thin. Starts the language server (dist/server.js over IPC), passes settings and
// workspace trust, and shows what the server computes: commands, a status bar item, an output channel.
// It imports neither the engine nor dockerfile-ast (see docs/ARCHITECTURE.md).
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

interface Analysed {
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

export async function activate(context: vscode.ExtensionContext): Promise<{ client: () => LanguageClient | undefined }> {
  output = vscode.window.createOutputChannel('Layerwise');
  status = vscode.window.createStatusBarItem('layerwise.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Layerwise';
  status.command = 'layerwise.explain';
  context.subscriptions.push(output, status);

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
    vscode.window.onDidChangeActiveTextEditor(() => updateStatus()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.sendNotification('layerwise/setTrusted', { trusted: true })),
  );

  await startClient(context);
  updateStatus();
  return { client: () => client };
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
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
  await client.start();
  client.onNotification('layerwise/analysed', (n: Analysed) => {
    lastAnalysis.set(n.uri, n);
    updateStatus();
  });
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
    return;
  }
  const a = lastAnalysis.get(doc.uri.toString());
  if (!a) {
    status.text = '$(layers) Layerwise…';
    status.tooltip = 'Layerwise is analysing this file';
  } else if (a.kind === 'dockerignore') {
    status.text = `$(layers) ${a.contextFiles === null ? 'no context' : fmt(a.contextFiles) + ' context files'}`;
    status.tooltip = `Build context: ${a.contextDir ?? 'not read'}`;
  } else {
    const parts = [`${a.steps} step${a.steps === 1 ? '' : 's'}`];
    if (a.contextFiles !== null) parts.push(`${fmt(a.contextFiles)} files`);
    parts.push(`${a.findings} finding${a.findings === 1 ? '' : 's'}`);
    status.text = `$(layers) ${parts.join(' · ')}`;
    status.tooltip = new vscode.MarkdownString(
      `**Layerwise** — ${a.stages} stage(s), ${a.steps} cached steps\n\nBuild context: ${a.contextDir ?? '*not read*'}\n\nClick: explain what rebuilds since the last commit`,
    );
  }
  status.show();
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
