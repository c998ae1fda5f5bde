// `dist/lsp.js` (`layerwise-language-server`, and what the VS Code client starts): the language server's launcher.
// The analysis worker thread is started first, before Node compiles the 1.2 MB bundle (dist/server.js) for this
// thread, so the worker's own start (its Node environment, the same bundle, the engine's warm-up) runs beside the
// protocol thread's instead of after it: a Dockerfile opened right after `initialize` waited for it. Bundled alone
// with workerstart.ts (nothing else); dist/server.js adopts the worker (workerstart.ts's process-wide slot).
import path = require('node:path');
import { prestartAnalysisWorker, startsWorkerServer } from './workerstart';
import { loadBundle } from './codecache';

const bundle = path.join(__dirname, 'server.js');
if (startsWorkerServer(process.argv)) prestartAnalysisWorker(bundle);
(loadBundle(bundle, 'server') as { languageServer(): void }).languageServer();
