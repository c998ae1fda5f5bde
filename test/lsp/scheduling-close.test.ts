// The language server's scheduling (scheduling-common.ts): closing drops a document's state, and the last close
// replaces the idle worker.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { turns, WAIT_MS } from './inprocess';
import { Publications, context, names, settled, start, textOf } from './scheduling-common';

test('closing drops the document\'s state; an analysis of the closed document is never published for the reopened one', async () => {
  const dir = context({ '.dockerignore': 'node_modules\n' });
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  // the old text's answers wait until the server holds the reopened document (below)
  const reopened = () => s.until(() => s.state.documents.get(uri)?.getText() === textOf(1, 'new'), WAIT_MS, 'the reopened document at the server');
  let holdOld = false;
  s.slow(() => (holdOld ? reopened() : 0));
  const pubs = new Publications(s);
  const ignoreUri = s.uri(path.join(dir, '.dockerignore'));
  pubs.open(uri, textOf(1));
  pubs.open(ignoreUri, 'node_modules\n', 'dockerignore');
  await settled(s, [uri, ignoreUri], 'both documents analysed');
  assert.ok(s.state.analyses.has(uri) && s.state.published.has(uri) && s.state.ignoreAnalyses.has(ignoreUri));
  for (const [u, kind] of [
    [uri, 'Dockerfile'],
    [ignoreUri, '.dockerignore'],
  ] as const) {
    pubs.close(u);
    await s.until(() => s.last(u)?.version === undefined && !s.state.documents.get(u), WAIT_MS, `the close of the ${kind}`);
    assert.deepEqual(s.last(u)!.diagnostics, [], `${kind}: its diagnostics are cleared`);
    assert.equal(s.state.analyses.has(u) || s.state.ignoreAnalyses.has(u), false, `${kind}: its analysis goes`);
    assert.equal(s.state.published.has(u), false, `${kind}: its published diagnostics go`);
    assert.equal(s.state.scheduler.pending(u), false, `${kind}: nothing scheduled`);
    assert.equal(await s.hover(u, 1), null, `${kind}: no hover for a closed document`);
  }
  assert.equal(s.state.forecasts.get(uri), undefined, 'its forecast goes');
  // reopened (version 1 again, another text) while the old document's analysis is still on its way
  await settled(s, [uri, ignoreUri], 'nothing in flight');
  holdOld = true;
  const answers = s.answers;
  pubs.open(uri, textOf(1, 'old'));
  // the worker has computed the old text and its diagnostics are on their way
  await s.until(() => s.answers > answers, WAIT_MS, 'the old text\'s diagnostics from the worker');
  holdOld = false;
  pubs.close(uri);
  pubs.open(uri, textOf(1, 'new'));
  await settled(s, [uri], 'the reopened document analysed'); // after the old text's answers (they come in order)
  assert.deepEqual(names(s.last(uri)!.diagnostics), ['missingnew1.txt'], 'the reopened text\'s diagnostics');
  assert.equal(s.state.analyses.get(uri)?.text, textOf(1, 'new'), 'the reopened text\'s analysis');
  assert.match(await s.hoverText(uri, 2), /step 2 of 4/);
  const forUri = s.diagnostics.get(uri)!;
  assert.equal(forUri.filter((p) => names(p.diagnostics).includes('missingold1.txt')).length, 0, 'the closed text is never published');
  assert.deepEqual(pubs.failures, []);
  assert.deepEqual(s.errors, []);
});

test('the last close replaces the idle worker by an empty one; a close with documents left does not', async () => {
  const dir = context();
  const s = await start(dir);
  const [a, b] = ['a', 'b'].map((n) => s.uri(path.join(dir, `${n}.Dockerfile`)));
  s.open(a!, textOf(1));
  s.open(b!, textOf(2));
  await settled(s, [a!, b!], 'both analysed');
  // idle: the forecasts that follow the analyses (they run in the worker too) are done
  await s.until(() => s.state.forecasts.get(a!)?.version === 1 && s.state.forecasts.get(b!)?.version === 1, WAIT_MS, 'the forecasts');
  const worker = s.state.worker!;
  const restarts = worker.restarts;
  s.close(a!);
  await s.until(() => !s.state.documents.get(a!), WAIT_MS, 'the first close');
  // an edit of the open document, analysed after the close: a worker ended by the close would have exited (and been
  // counted as restarted) before any worker could answer it
  const v2 = s.change(b!, textOf(4));
  assert.deepEqual(names(await s.fullDiagnosticsOf(b!, v2)), ['missing4.txt']);
  assert.equal(worker.restarts, restarts, 'one document still open: the same worker');
  s.close(b!);
  await s.until(() => worker.restarts > restarts, WAIT_MS, 'the worker replaced');
  const since = s.notifications.length;
  s.open(a!, textOf(3));
  assert.deepEqual(names(await s.fullDiagnosticsOf(a!, 1, since)), ['missing3.txt'], 'the new worker analyses');
  assert.deepEqual(s.errors, []);
});

test('closing a document analysed in-process (no worker) drops its state and logs no error', async () => {
  const dir = context();
  const s = await start(dir, true);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  await settled(s, [uri], 'analysed in-process');
  assert.equal(s.state.worker, null);
  // an exception in a notification handler is only printed (vscode-languageserver's emitter catches it): on this
  // thread, in-process, that is this process's console
  const printed: unknown[] = [];
  const consoleError = console.error;
  console.error = (...a: unknown[]) => void printed.push(a);
  try {
    s.close(uri);
    await s.until(() => s.last(uri)?.version === undefined && !s.state.documents.get(uri), WAIT_MS, 'the close');
    await s.sync();
  } finally {
    console.error = consoleError;
  }
  assert.deepEqual(printed.map(String), [], 'nothing thrown while closing the last document');
  assert.deepEqual(s.last(uri)!.diagnostics, []);
  assert.equal(s.state.analyses.has(uri) || s.state.published.has(uri), false);
  s.open(uri, textOf(2));
  assert.deepEqual(names(await s.diagnosticsOf(uri, 1)), ['missing2.txt'], 'reopened: analysed again');
  // the reopened document's follow-up work done before the test ends (the file's after() disposes the connection:
  // a notification sent after that was an unhandled "Connection is disposed" in a full run)
  await settled(s, [uri], 'the reopened document');
  assert.deepEqual(s.errors, []);
});

test('documents closed while their analysis is held (a Dockerfile whose edit waits for it, a .dockerignore): nothing more is analysed, published, kept or thrown', async () => {
  const dir = context();
  const s = await start(dir);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  s.slow(() => held);
  // the analyses asked for, and those whose answers have all reached the protocol thread
  const w = s.state.worker!;
  const analyse = w.analyse.bind(w);
  const requested: number[] = [];
  let over = 0;
  w.analyse = (req, onDiagnostics, onEarly) => {
    requested.push(req.version);
    return analyse(req, onDiagnostics, onEarly).finally(() => over++);
  };
  const analyseIgnore = w.analyseIgnore.bind(w);
  w.analyseIgnore = (req) => analyseIgnore(req).finally(() => over++);
  const stray: unknown[] = [];
  const onStray = (e: unknown) => stray.push(e);
  process.on('unhandledRejection', onStray);
  try {
    const uri = s.uri(path.join(dir, 'Dockerfile'));
    const ignoreUri = s.uri(path.join(dir, '.dockerignore'));
    const pubs = new Publications(s);
    pubs.open(uri, textOf(1));
    pubs.open(ignoreUri, 'a.txt\n', 'dockerignore');
    await s.until(() => s.answers > 1, WAIT_MS, 'v1 of both computed by the worker (their answers held)');
    // the .dockerignore document closed while its analysis is held
    pubs.close(ignoreUri);
    pubs.change(uri, textOf(2));
    const timers = (s.state.scheduler as unknown as { timers: Map<string, unknown> }).timers;
    await s.until(() => s.state.documents.get(uri)?.version === 2 && !timers.has(uri), WAIT_MS, 'v2 waiting for v1');
    pubs.close(uri);
    await s.until(() => !s.state.documents.get(uri), WAIT_MS, 'the close at the server');
    release();
    await s.until(() => over > 1, WAIT_MS, 'the answers of both through');
    await s.sync();
    await turns(20);
    assert.equal(s.state.scheduler.pending(uri), false, 'nothing scheduled or in flight');
    assert.equal(s.state.ignoreAnalyses.has(ignoreUri), false, 'nothing kept for the closed .dockerignore document');
    assert.deepEqual(requested, [1], 'v2 is never analysed');
    assert.deepEqual(pubs.failures, []);
    assert.deepEqual(stray, [], 'no unhandled rejection');
    assert.deepEqual(s.errors, []);
  } finally {
    process.off('unhandledRejection', onStray);
  }
});
