// `layerwise-language-server`: the Layerwise LSP server. The transport comes from argv (`--stdio`, `--node-ipc`,
// `--socket=PORT`, `--pipe=NAME`), as vscode-languageserver's createConnection reads it. The same bundle also runs
// as the analysis worker thread (see worker.ts).
import { isMainThread, workerData } from 'node:worker_threads';

if (!isMainThread && (workerData as { layerwiseWorker?: boolean } | null)?.layerwiseWorker) {
  if ((workerData as { role?: string }).role === 'history') (require('./historyworker') as typeof import('./historyworker')).runHistoryWorker();
  else (require('./worker') as typeof import('./worker')).runWorker();
} else {
  const version = () => (require('./server') as typeof import('./server')).SERVER_VERSION;
  if (process.argv.includes('--version')) {
    process.stdout.write(version() + '\n');
    process.exit(0);
  }
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      `layerwise-language-server ${version()}\n\nUsage: layerwise-language-server --stdio | --node-ipc | --socket=PORT | --pipe=NAME\n`,
    );
    process.exit(0);
  }
  if (!process.argv.some((a) => /^--(stdio|node-ipc|socket|pipe|clientProcessId)/.test(a))) {
    // a bare start would make createConnection throw an unhelpful error
    process.stderr.write('layerwise-language-server: choose a transport: --stdio, --node-ipc, --socket=PORT or --pipe=NAME\n');
    process.exit(2);
  }
  // the analysis worker first: its bundle loads while this thread loads the protocol code (modules are required
  // lazily below, so the worker thread initialises only what it runs)
  if (process.env['LAYERWISE_LSP_INPROCESS'] !== '1') (require('./workerstart') as typeof import('./workerstart')).prestartAnalysisWorker(__filename);
  const { createConnection, ProposedFeatures, StreamMessageWriter } = require('vscode-languageserver/node') as typeof import('vscode-languageserver/node');
  const { startServer } = require('./server') as typeof import('./server');
  const stdio = process.argv.includes('--stdio');
  let connection: import('vscode-languageserver/node').Connection;
  if (stdio) {
    // the library's own --stdio connection, with an encoder that sends a RawJson result as its text (rawjson.ts):
    // stdin stays a stream, so the library still ends the process when it closes
    const { rawJsonEncoder, consoleToClient } = require('./rawjson') as typeof import('./rawjson');
    const writer = new StreamMessageWriter(process.stdout, { charset: 'utf-8', contentTypeEncoder: rawJsonEncoder });
    connection = createConnection(ProposedFeatures.all, process.stdin, writer as unknown as NodeJS.WritableStream);
    consoleToClient(connection.console);
  } else connection = createConnection(ProposedFeatures.all);
  // A bug must never take the server down: log it and keep serving.
  process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e?.stack ?? e}`));
  process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${(e as Error)?.stack ?? e}`));
  startServer(connection, { workerScript: __filename });
}
