// Runs inside a real VS Code (loaded as extensionTestsPath by bench/activation.bench.mjs) in a workspace with no
// Dockerfile, so nothing has activated Layerwise yet: times `activate()` (VS Code loading dist/client.js, then
// activate() resolving: what VS Code and the extensions activating with Layerwise wait for), activate() up to the
// language client being ready (the server process started and `initialize` answered), then opening a Dockerfile up
// to its first Layerwise diagnostics. Prints one `LAYERWISE_BENCH {json}` line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** From activate(): the client's and the server's code caches are written 2 s after their bundles load. */
const CACHES_WRITTEN_MS = 3000;

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<{ client: () => { isRunning(): boolean } | undefined; ready?: () => Promise<void> }>('layerwise.layerwise');
  if (!ext) throw new Error('the extension under test is not installed');
  if (ext.isActive) throw new Error('Layerwise was already active: the workspace must not contain a Dockerfile');
  const t0 = performance.now();
  const api = await ext.activate();
  const activateMs = performance.now() - t0;
  // an older build (LAYERWISE_BENCH_BASELINE_DIST) has no ready(): its activate() waited for the client itself
  await api.ready?.();
  const readyMs = performance.now() - t0;
  if (!api.client()?.isRunning()) throw new Error('the language client is not running once ready() resolved');
  const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  const file = path.join(root, 'Dockerfile');
  fs.writeFileSync(file, 'FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . /app\n');
  const t1 = performance.now();
  const doc = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(doc);
  await waitFor('diagnostics', () => vscode.languages.getDiagnostics(doc.uri).some((d) => d.source === 'layerwise'));
  const firstDiagnosticsMs = performance.now() - t1;
  console.log('LAYERWISE_BENCH ' + JSON.stringify({ activateMs, readyMs, firstDiagnosticsMs }));
  // the window stays until the code caches are written (2 s after each load: codecache.ts, the server's
  // flushCompileCache), as a user's window does: closed sooner, every window started with empty caches
  await new Promise((r) => setTimeout(r, Math.max(0, t0 + CACHES_WRITTEN_MS - performance.now())));
}
