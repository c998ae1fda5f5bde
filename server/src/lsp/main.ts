// `layerwise-language-server`: the Layerwise LSP server. The transport comes from argv (`--stdio`, `--node-ipc`,
// `--socket=PORT`, `--pipe=NAME`), as vscode-languageserver's createConnection reads it. The same bundle also runs
// as the analysis worker thread (see worker.ts).
import { isMainThread, workerData } from 'node:worker_threads';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer, SERVER_VERSION } from './server';
import { runWorker } from './worker';
import { runHistoryWorker } from './historyworker';

if (!isMainThread && (workerData as { layerwiseWorker?: boolean } | null)?.layerwiseWorker) {
  if ((workerData as { role?: string }).role === 'history') runHistoryWorker();
  else runWorker();
} else {
  if (process.argv.includes('--version')) {
    process.stdout.write(SERVER_VERSION + '\n');
    process.exit(0);
  }
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      `layerwise-language-server ${SERVER_VERSION}\n\nUsage: layerwise-language-server --stdio | --node-ipc | --socket=PORT | --pipe=NAME\n`,
    );
    process.exit(0);
  }
  if (!process.argv.some((a) => /^--(stdio|node-ipc|socket|pipe|clientProcessId)/.test(a))) {
    // a bare start would make createConnection throw an unhelpful error
    process.stderr.write('layerwise-language-server: choose a transport: --stdio, --node-ipc, --socket=PORT or --pipe=NAME\n');
    process.exit(2);
  }
  const connection = createConnection(ProposedFeatures.all);
  // A bug must never take the server down: log it and keep serving.
  process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e?.stack ?? e}`));
  process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${(e as Error)?.stack ?? e}`));
  startServer(connection, { workerScript: __filename });
}
