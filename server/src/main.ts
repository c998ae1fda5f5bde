// `dist/server.js`: one bundle for the language server, its worker threads and the CLI, so the engine ships once.
// Run directly (or as a worker thread) it is the language server (lsp/main.ts); `dist/cli.js` is a two-line launcher
// that requires this bundle and calls `cli()`. Each side is evaluated only when it runs (esbuild keeps a module that
// is require()d lazily in a wrapper), so the server never initialises the CLI and the CLI never starts a connection.
// The CLI's own worker thread (`history` replays there, see cli/historyjob.ts) is this bundle too.
import { isMainThread, workerData } from 'node:worker_threads';

/** Runs `layerwise` with these arguments; resolves with its exit code. */
export function cli(argv: string[]): Promise<number> {
  return (require('./cli/main') as typeof import('./cli/main')).runMain(argv, { workerScript: __filename });
}

/** Runs the language server (or, in a worker thread of it, the worker's side): `dist/lsp.js` calls it. */
export function languageServer(): void {
  require('./lsp/main');
  // V8's compile cache (NODE_COMPILE_CACHE, which the VS Code client sets) is written when Node exits normally, which
  // a server stopped with its editor window may never do: write it once the server is up (Node 22.10+ has the call)
  setTimeout(() => {
    try {
      (require('node:module') as { flushCompileCache?: () => void }).flushCompileCache?.();
    } catch {
      // a cache that cannot be written is only slower next time
    }
  }, 2000).unref();
}

if (!isMainThread && (workerData as { layerwiseCli?: string } | null)?.layerwiseCli === 'history')
  (require('./cli/historyjob') as typeof import('./cli/historyjob')).historyWorkerMain();
else if (require.main === module || !isMainThread) languageServer();
