// `dist/lsp.js` (`layerwise-language-server`, and what the VS Code client starts): the language server's launcher.
// First the server's V8 options are set back to their defaults for the start (startflags.ts: under them Node compiled
// its own modules from source, and the worker's bootstrap took twice as long). Then the analysis worker thread is
// started, before Node compiles the 1.2 MB bundle (dist/server.js) for this thread, so the worker's own start (its Node
// environment, the same bundle, the engine's warm-up) runs beside the protocol thread's instead of after it: a
// Dockerfile opened right after `initialize` waited for it. Bundled alone with startflags.ts, workerstart.ts and
// codecache.ts (nothing else); dist/server.js adopts the worker (workerstart.ts's process-wide slot).
//
// `require`, not `import`, so the order is this one: a Node module compiled before the flags are back at their
// defaults (`node:worker_threads`, which workerstart.ts imports) leaves a code cache made under the given flags, which
// the worker's bootstrap then rejects (Node shares the caches it makes between threads; measured,
// NODE_DEBUG_NATIVE=CODE_CACHE: ~25 of the worker's modules rejected when workerstart.ts was imported first).
import type * as StartFlagsModule from './startflags';
import type * as WorkerStartModule from './workerstart';
import type * as CodeCacheModule from './codecache';

const { deferStartFlags, startFlags } = require('./startflags') as typeof StartFlagsModule;
deferStartFlags(process.execArgv);
const { prestartAnalysisWorker, startsWorkerServer } = require('./workerstart') as typeof WorkerStartModule;
const { loadBundle } = require('./codecache') as typeof CodeCacheModule;

const bundle = require('node:path').join(__dirname, 'server.js') as string;
if (startsWorkerServer(process.argv)) prestartAnalysisWorker(bundle);
(loadBundle(bundle, 'server', undefined, startFlags()) as { languageServer(): void }).languageServer();
