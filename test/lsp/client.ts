// A small LSP client for the protocol tests: spawns the built server (dist/lsp.js --stdio, the launcher the VS Code
// client starts, which requires dist/server.js) and speaks JSON-RPC
// to it with vscode-languageserver-protocol, as an editor would.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../server/src/lsp/nodeflags';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  createProtocolConnection,
  type ClientCapabilities,
  type CodeAction,
  type CodeLens,
  type Diagnostic,
  type Hover,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
} from 'vscode-languageserver-protocol';

export const SERVER = path.resolve(__dirname, '../../../dist/lsp.js');

export const FULL_CAPS: ClientCapabilities = {
  workspace: {
    workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
    configuration: false,
  },
  textDocument: {
    publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } } },
  },
};

export interface StartOptions {
  root: string;
  initializationOptions?: Record<string, unknown>;
  capabilities?: ClientCapabilities;
  /** Another server to start instead of ours (argv; e.g. a peer for benchmarks). */
  command?: string[];
  /** The server's environment (default: the test's). */
  env?: NodeJS.ProcessEnv;
}

export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly notifications: { method: string; params: unknown }[] = [];
  readonly messages: string[] = [];
  stderr = '';
  initResult!: InitializeResult;
  private versions = new Map<string, number>();
  private waiters: (() => void)[] = [];

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: ProtocolConnection,
  ) {}

  static async start(opts: StartOptions): Promise<LspClient> {
    if (!opts.command && !fs.existsSync(SERVER)) throw new Error(`${SERVER} is missing: run npm run build first`);
    // the server runs as the VS Code client starts it (its Node flags and environment)
    const [cmd, ...args] = opts.command ?? [process.execPath, ...SERVER_NODE_FLAGS, SERVER, '--stdio'];
    const proc = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...(opts.command ? {} : SERVER_ENV), ...(opts.env ?? process.env) } });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const c = new LspClient(proc, conn);
    proc.stderr!.on('data', (d) => (c.stderr += d.toString()));
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const list = c.diagnostics.get(p.uri) ?? [];
      list.push(p);
      c.diagnostics.set(p.uri, list);
      c.wake();
    });
    (conn as unknown as { onNotification(h: (method: string, params: unknown) => void): void }).onNotification((method: string, params: unknown) => {
      c.notifications.push({ method, params });
      if (method === 'window/logMessage' || method === 'window/showMessage') c.messages.push((params as { message: string }).message);
      c.wake();
    });
    conn.onRequest('workspace/configuration', (p: { items?: unknown[] }) => (p?.items ?? [null]).map(() => null));
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('workspace/codeLens/refresh', () => null);
    conn.listen();
    c.initResult = await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(opts.root).href,
      workspaceFolders: [{ uri: pathToFileURL(opts.root).href, name: path.basename(opts.root) }],
      capabilities: opts.capabilities ?? FULL_CAPS,
      initializationOptions: { debounceMs: 50, ...(opts.initializationOptions ?? {}) },
    });
    await conn.sendNotification('initialized', {});
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `pred` holds, re-checked after every message from the server. */
  async until<T>(pred: () => T | undefined | false, timeoutMs = 10000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}\nserver stderr:\n${this.stderr}\nlog:\n${this.messages.join('\n')}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  uri(file: string): string {
    return pathToFileURL(file).href;
  }

  open(file: string, text?: string, languageId = 'dockerfile'): string {
    const uri = this.uri(file);
    this.versions.set(uri, 1);
    void this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId, version: 1, text: text ?? fs.readFileSync(file, 'utf8') },
    });
    return uri;
  }

  change(uri: string, text: string): number {
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    return v;
  }

  close(uri: string): void {
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  lastDiagnostics(uri: string): PublishDiagnosticsParams | undefined {
    const l = this.diagnostics.get(uri);
    return l?.[l.length - 1];
  }

  /** Waits for a diagnostics publication for `uri` (optionally of a version) that satisfies `pred`. */
  waitDiagnostics(uri: string, pred: (d: Diagnostic[], p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 10000): Promise<PublishDiagnosticsParams> {
    return this.until(() => {
      const p = this.lastDiagnostics(uri);
      return p && pred(p.diagnostics, p) ? p : undefined;
    }, timeoutMs, `diagnostics for ${uri}`);
  }

  /**
   * The full diagnostics of the document's current version: the publication that comes with its `layerwise/analysed`
   * notification (on a context the server has not read yet, a first one holds only what the text alone gives).
   */
  async waitFullDiagnostics(uri: string, timeoutMs = 10000): Promise<PublishDiagnosticsParams> {
    const version = this.versions.get(uri);
    await this.until(() => this.notifications.some((n) => n.method === 'layerwise/analysed' && (n.params as { uri: string; version: number }).uri === uri && (n.params as { version: number }).version === version), timeoutMs, `the full diagnostics of ${uri}`);
    return this.lastDiagnostics(uri)!;
  }

  hover(uri: string, line: number, character = 0): Promise<Hover | null> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  async hoverText(uri: string, line: number, character = 0): Promise<string> {
    const h = await this.hover(uri, line, character);
    if (!h) return '';
    const c = h.contents as { value?: string } | string;
    return typeof c === 'string' ? c : (c.value ?? '');
  }

  async codeLenses(uri: string): Promise<CodeLens[]> {
    const lenses: CodeLens[] = await this.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
    const out: CodeLens[] = [];
    for (const l of lenses) out.push(l.command ? l : await this.conn.sendRequest('codeLens/resolve', l));
    return out;
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = [], only?: string[]): Promise<CodeAction[]> {
    return this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params);
  }

  notify(method: string, params: unknown): void {
    void this.conn.sendNotification(method, params);
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stop(): Promise<void> {
    try {
      if (this.alive) {
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
        void this.conn.sendNotification('exit');
      }
    } catch {
      /* already gone */
    }
    await new Promise<void>((res) => {
      if (!this.alive) return res();
      const t = setTimeout(() => {
        this.proc.kill('SIGKILL');
        res();
      }, 2000);
      this.proc.once('exit', () => {
        clearTimeout(t);
        res();
      });
    });
    this.conn.dispose();
  }
}

/** Creates a temp directory with the given files (content string, or {mode}). */
export function tempContext(files: Record<string, string | { content: string; mode?: number }>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'layerwise-lsp-')));
  for (const [rel, v] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const content = typeof v === 'string' ? v : v.content;
    fs.writeFileSync(abs, content);
    if (typeof v !== 'string' && v.mode !== undefined) fs.chmodSync(abs, v.mode);
  }
  return dir;
}

/** Applies LSP text edits to a string (the edits of one document, non-overlapping). */
export function applyEdits(text: string, edits: { range: Range; newText: string }[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => {
    let o = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) o += lines[i]!.length + 1;
    return Math.min(o + p.character, text.length);
  };
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}
