// The real language server (server/src/lsp/server.ts startServer, compiled to out/) in this process, over a pair of
// in-memory streams, with a real JSON-RPC client on the other side: for tests that must drive the scheduling and
// versioning modules themselves (the mutation run instruments them in out/, and a bundled server in a child process
// would need a rebuild per mutant). The analysis worker is the real one: a worker thread started from the compiled
// entry point (out/server/src/lsp/main.js, what dist/server.js bundles), or the in-process analysis production falls
// back to (`inProcess`).
//
// `slow()` makes the worker's answers reach the protocol thread later, by a seeded number of event-loop turns or until
// a test lets them through (its diagnostics, then its full result, in the order the worker sent them): the analyses and every line of scheduling,
// holding and superseding still run as in production; only the moments differ, as on a loaded machine.
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  createProtocolConnection,
  type ClientCapabilities,
  type CodeLens,
  type Diagnostic,
  type Hover,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';
import { startServer } from '../../server/src/lsp/server';
import type { ServerState } from '../../server/src/lsp/state';
import { FULL_CAPS } from './client';

/** The compiled server entry point: the analysis worker thread runs it as production runs dist/server.js. */
export const WORKER_SCRIPT = path.resolve(__dirname, '../../server/src/lsp/main.js');

export interface InProcessOptions {
  root: string;
  /** Analyse on the protocol thread (the production fallback) instead of the worker thread. */
  inProcess?: boolean;
  initializationOptions?: Record<string, unknown>;
  capabilities?: ClientCapabilities;
}

/**
 * How long a test waits for something the server should do (an analysis of a small text takes milliseconds; 4 s
 * was too short at load 20, 10 s at load 30: the unmutated suite failed). Every wait ends as soon as its condition
 * holds: this only bounds a test that would otherwise hang.
 */
export const WAIT_MS = 30_000;

/** Event-loop turns: a setImmediate each (other messages, timers and the worker's answers get in between). */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

export class InProcessServer {
  /** Every publication per document, in order. */
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly notifications: { method: string; params: unknown }[] = [];
  /** window/logMessage at error level. */
  readonly errors: string[] = [];
  /** Answers of the worker (diagnostics, full results) that have reached the protocol thread, delayed or not (slow()). */
  answers = 0;
  /** `workspace/codeLens/refresh` requests received. */
  lensRefreshes = 0;
  private readonly versions = new Map<string, number>();
  private waiters: (() => void)[] = [];
  private onPublish: ((p: PublishDiagnosticsParams) => void) | null = null;

  private constructor(
    readonly state: ServerState,
    readonly client: ProtocolConnection,
    private readonly serverSide: { dispose(): void },
  ) {}

  static async start(o: InProcessOptions): Promise<InProcessServer> {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
    const state = startServer(connection, { workerScript: WORKER_SCRIPT });
    const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    const c = new InProcessServer(state, client, connection);
    client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const list = c.diagnostics.get(p.uri) ?? [];
      list.push(p);
      c.diagnostics.set(p.uri, list);
      c.onPublish?.(p);
      c.wake();
    });
    (client as unknown as { onNotification(h: (method: string, params: unknown) => void): void }).onNotification((method, params) => {
      c.notifications.push({ method, params });
      if (method === 'window/logMessage' && (params as { type: number }).type === 1) c.errors.push((params as { message: string }).message);
      c.wake();
    });
    client.onRequest('workspace/configuration', (p: { items?: unknown[] }) => (p?.items ?? [null]).map(() => null));
    client.onRequest('client/registerCapability', () => null);
    client.onRequest('workspace/codeLens/refresh', () => {
      c.lensRefreshes++;
      c.wake();
      return null;
    });
    client.listen();
    // processId null: the connection's watchdog would poll it for ever (and keep this process alive)
    await client.sendRequest('initialize', {
      processId: null,
      rootUri: pathToFileURL(o.root).href,
      workspaceFolders: [{ uri: pathToFileURL(o.root).href, name: path.basename(o.root) }],
      capabilities: o.capabilities ?? FULL_CAPS,
      initializationOptions: { fileEvents: true, ...(o.inProcess ? { inProcess: true } : {}), ...(o.initializationOptions ?? {}) },
    });
    await client.sendNotification('initialized', {});
    await c.until(() => (o.inProcess ? c.state.analysisStore : c.state.worker) !== null, WAIT_MS, 'the analysis worker');
    return c;
  }

  /** Calls `f` with every publication as it arrives (before the lists are updated by later ones). */
  watch(f: (p: PublishDiagnosticsParams) => void): void {
    this.onPublish = f;
  }

  /**
   * From now on the worker's answers (diagnostics, full results) reach the protocol thread `delay()` event-loop turns
   * late (or when the promise it returns settles), each in the order the worker sent it. Without a worker (in-process
   * analysis) there is nothing to delay.
   */
  slow(delay: () => number | Promise<unknown>): void {
    const w = this.state.worker;
    if (!w) return;
    const analyse = w.analyse.bind(w);
    const analyseIgnore = w.analyseIgnore.bind(w);
    let chain = Promise.resolve();
    const later = <T>(f: () => T): Promise<T> => {
      this.answers++;
      const d = delay();
      const p = chain.then(() => (typeof d === 'number' ? turns(d) : d)).then(f);
      chain = p.then(
        () => undefined,
        () => undefined,
      );
      return p;
    };
    w.analyse = (req, onDiagnostics) =>
      analyse(req, onDiagnostics && ((d) => void later(() => onDiagnostics(d)))).then((a) => later(() => a));
    w.analyseIgnore = (req) => analyseIgnore(req).then((a) => later(() => a));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `pred` holds, re-checked after every message from the server (and every 100 ms). */
  async until<T>(pred: () => T | undefined | null | false, timeoutMs = WAIT_MS, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; errors logged: ${this.errors.join('\n') || 'none'}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /**
   * A round trip: what the server sent before it answers (notifications, publications) has reached the client when
   * this resolves (a test that reads the server's state directly is otherwise ahead of its messages).
   */
  async sync(): Promise<void> {
    await this.client.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///layerwise-sync' }, position: { line: 0, character: 0 } });
  }

  uri(file: string): string {
    return pathToFileURL(file).href;
  }

  version(uri: string): number | undefined {
    return this.versions.get(uri);
  }

  open(uri: string, text: string, languageId = 'dockerfile', version = 1): void {
    this.versions.set(uri, version);
    void this.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  change(uri: string, text: string): number {
    const v = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, v);
    void this.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] });
    return v;
  }

  close(uri: string): void {
    this.versions.delete(uri);
    void this.client.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  fileChanged(file: string, type: 1 | 2 | 3): void {
    void this.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: this.uri(file), type }] });
  }

  last(uri: string): PublishDiagnosticsParams | undefined {
    const l = this.diagnostics.get(uri);
    return l?.[l.length - 1];
  }

  /** Waits until the last publication for `uri` is for `version`. */
  diagnosticsOf(uri: string, version: number, timeoutMs = WAIT_MS): Promise<Diagnostic[]> {
    return this.until(() => (this.last(uri)?.version === version ? this.last(uri)!.diagnostics : undefined), timeoutMs, `diagnostics of ${uri} v${version}`);
  }

  /**
   * The diagnostics of `version` that come with its full analysis (`layerwise/analysed`, among the notifications from
   * index `since` on): a document's first publication may hold only what the text alone gives (runanalysis.ts).
   */
  fullDiagnosticsOf(uri: string, version: number, since = 0, timeoutMs = WAIT_MS): Promise<Diagnostic[]> {
    const analysed = () => this.notifications.slice(since).some((n) => n.method === 'layerwise/analysed' && (n.params as { uri: string }).uri === uri && (n.params as { version: number }).version === version);
    return this.until(() => (analysed() && this.last(uri)?.version === version ? this.last(uri)!.diagnostics : undefined), timeoutMs, `full diagnostics of ${uri} v${version}`);
  }

  hover(uri: string, line: number, character = 0): Promise<Hover | null> {
    return this.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  async hoverText(uri: string, line: number): Promise<string> {
    const h = await this.hover(uri, line);
    const c = h?.contents as { value?: string } | undefined;
    return c?.value ?? '';
  }

  codeLenses(uri: string): Promise<CodeLens[]> {
    return this.client.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.client.sendRequest(method, params);
  }

  /** `shutdown` (the server disposes its scheduler, stores and workers), then both ends of the connection. */
  async stop(): Promise<void> {
    await this.client.sendRequest('shutdown');
    this.client.dispose();
    this.serverSide.dispose();
  }
}
