// The language server's scheduling (scheduling-common.ts): what each analysis publishes and announces (binary
// texts, configuration problems, ignored Dockerfiles, untrusted workspaces), the first text-only diagnostics, failures, and
// handlers that throw.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InProcessServer, WAIT_MS } from './inprocess';
import { Publications, analysed, context, names, servers, settled, start, stepsOf, textOf } from './scheduling-common';
import { sharedFixture } from '../sharedfixture';

test('each analysis announces its version with what it found, and the forecast follows it', async () => {
  const dir = context({ 'b.txt': 'bb' });
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  const diags = await s.fullDiagnosticsOf(uri, 1);
  const rules = diags.filter((d) => (d.data as { rule?: string } | undefined)?.rule).length;
  assert.deepEqual(analysed(s, uri)[0], {
    uri,
    version: 1,
    kind: 'dockerfile',
    steps: 3 + 1,
    stages: 1,
    findings: rules,
    contextFiles: 2,
    contextSize: analysed(s, uri)[0]!.contextSize,
    contextDir: dir,
    contextFrom: analysed(s, uri)[0]!.contextFrom,
    elapsedMs: analysed(s, uri)[0]!.elapsedMs,
  });
  assert.ok(rules >= 2, 'mutable-base-image and copy-source-missing');
  // the forecast runs after the analysis (no git here: its note says so), for the version analysed
  const forecastOf = (v: number) => s.notifications.find((x) => x.method === 'layerwise/forecast' && (x.params as { uri: string; version: number }).uri === uri && (x.params as { version: number }).version === v);
  await s.until(() => forecastOf(1), WAIT_MS, 'the forecast of v1');
  const v2 = s.change(uri, textOf(2));
  await s.diagnosticsOf(uri, v2);
  await s.until(() => forecastOf(v2), WAIT_MS, 'the forecast of v2');
  assert.equal(analysed(s, uri).at(-1)!.steps, stepsOf(v2));
});

test('a binary text gets one diagnostic, a configuration problem goes with every Dockerfile\'s diagnostics, an ignored Dockerfile gets none', async () => {
  const dir = context({ '.layerwise.yaml': 'buildArgs: [1, 2]\n' });
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, 'FROM alpine\n\u0000\u0001binary\n');
  const bin = await s.diagnosticsOf(uri, 1);
  assert.deepEqual(bin.map((d) => d.message).filter((m) => !/configuration/.test(m)), ['Layerwise: binary content (NUL bytes or bytes that are not UTF-8): not a Dockerfile']);
  await s.until(() => analysed(s, uri).length, WAIT_MS, 'layerwise/analysed');
  assert.equal(analysed(s, uri).at(-1)!.steps, 0, 'nothing analysed');
  const configUri = s.uri(path.join(dir, '.layerwise.yaml'));
  await s.until(() => s.last(configUri)?.diagnostics.length, WAIT_MS, 'the problem on .layerwise.yaml itself');
  const v2 = s.change(uri, textOf(2));
  const d2 = await s.diagnosticsOf(uri, v2);
  assert.deepEqual(names(d2), ['missing2.txt'], 'a text again: analysed');
  assert.equal(d2.filter((d) => d.code === 'config').length, 1, 'the configuration problem, once');
  assert.equal(bin.filter((d) => d.code === 'config').length, 1, 'also with the binary text');
  // a valid configuration that ignores one Dockerfile: it gets an empty publication for its version
  fs.writeFileSync(path.join(dir, '.layerwise.yaml'), 'ignore: ["skip.Dockerfile"]\n');
  s.fileChanged(path.join(dir, '.layerwise.yaml'), 2);
  const v3 = s.change(uri, textOf(3));
  assert.deepEqual((await s.diagnosticsOf(uri, v3)).map((d) => d.code ?? null).filter((c) => c === 'config'), [], 'the configuration problem is gone');
  const skip = s.uri(path.join(dir, 'skip.Dockerfile'));
  s.open(skip, textOf(1));
  assert.deepEqual(await s.diagnosticsOf(skip, 1), [], 'an ignored Dockerfile: no diagnostics');
  await s.until(() => analysed(s, skip).length, WAIT_MS, 'but analysed (hovers, lenses)');
  assert.match(await s.hoverText(skip, 2), /step 2 of 4/);
});

test('an untrusted workspace analyses the text without its context', async () => {
  const dir = context();
  const s = await InProcessServer.start({ root: dir, initializationOptions: { trusted: false } });
  servers.push(s);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  const d = await s.diagnosticsOf(uri, 1);
  assert.deepEqual(names(d), [], 'no context: no copy-source-missing');
  assert.ok(d.some((x) => x.code === 'mutable-base-image'), 'the text is analysed');
  await s.until(() => analysed(s, uri).length, WAIT_MS, 'layerwise/analysed');
  assert.equal(analysed(s, uri)[0]!.contextDir, null);
  assert.match(await s.hoverText(uri, 1), /untrusted/);
  // the forecast that follows the analysis says once, in the log (state.log), why it has no baseline
  const logged = (m: string) => s.notifications.some((n) => n.method === 'window/logMessage' && (n.params as { message: string }).message.includes(m));
  await s.until(() => logged('untrusted workspace: no git'), WAIT_MS, 'the log line of the untrusted forecast');
  // a .dockerignore document: checked against no Dockerfile (its users are not read)
  const ignoreUri = s.uri(path.join(dir, '.dockerignore'));
  s.open(ignoreUri, 'a.txt\n', 'dockerignore');
  await s.until(() => s.last(ignoreUri)?.version === 1, WAIT_MS, 'the .dockerignore diagnostics');
  assert.deepEqual(s.last(ignoreUri)!.diagnostics.filter((x) => /could not be analysed/.test(x.message)), []);
  assert.deepEqual(s.errors, []);
});

test('a handler that throws is logged and answers its fallback; the server keeps serving', async () => {
  const dir = context();
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  await settled(s, [uri], 'analysed');
  // no position: the hover handler throws a TypeError
  assert.equal(await s.request('textDocument/hover', { textDocument: { uri } }), null);
  await s.until(() => s.errors.length, WAIT_MS, 'the error logged');
  assert.match(s.errors[0]!, /^hover: TypeError: .*\n\s+at /, 'where, and the stack');
  assert.deepEqual(await s.request('textDocument/codeLens', {}), [], 'codeLens without a document: its fallback');
  assert.match(await s.hoverText(uri, 2), /step 2 of 4/, 'still serving');
});

test('an analysis that fails (the worker\'s request rejected) gets one diagnostic that says so and is logged; the next version is analysed', async () => {
  const dir = context();
  const s = await start(dir);
  const w = s.state.worker!;
  const [analyse, analyseIgnore] = [w.analyse, w.analyseIgnore];
  w.analyse = () => Promise.reject(new Error('worker gone\nsecond line'));
  w.analyseIgnore = () => Promise.reject(new Error('ignore worker gone\nsecond line'));
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  const ignoreUri = s.uri(path.join(dir, '.dockerignore'));
  s.open(uri, textOf(1));
  s.open(ignoreUri, 'src\n', 'dockerignore');
  assert.deepEqual((await s.diagnosticsOf(uri, 1)).map((d) => d.message), ['Layerwise: could not be analysed (worker gone)']);
  await s.until(() => s.last(ignoreUri)?.version === 1, WAIT_MS, 'the .dockerignore diagnostics');
  assert.ok(s.last(ignoreUri)!.diagnostics.some((d) => /could not be analysed \(ignore worker gone\)$/.test(d.message)), JSON.stringify(s.last(ignoreUri)!.diagnostics));
  await s.until(() => s.errors.length >= 2, WAIT_MS, 'the errors logged');
  assert.ok(s.errors.some((e) => e.startsWith(`analysing ${uri}: Error: worker gone`)), s.errors.join('\n'));
  assert.ok(s.errors.some((e) => e.startsWith(`analysing ${ignoreUri}: Error: ignore worker gone`)), s.errors.join('\n'));
  [w.analyse, w.analyseIgnore] = [analyse, analyseIgnore];
  const v2 = s.change(uri, textOf(2));
  assert.deepEqual(names(await s.diagnosticsOf(uri, v2)), ['missing2.txt']);
});

test('a first open on a context not read yet publishes what the text alone gives, then the full diagnostics; a later version only the full ones', async () => {
  const dir = context();
  const s = await start(dir); // a new server: the worker has not read the context
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  assert.deepEqual(names(await s.fullDiagnosticsOf(uri, 1)), ['missing1.txt']);
  const first = s.diagnostics.get(uri)!;
  assert.equal(first.length, 2, 'the text-only publication, then the full one');
  assert.deepEqual(names(first[0]!.diagnostics), [], 'a finding that needs the context is not in the first');
  assert.ok(first[0]!.diagnostics.some((d) => d.code === 'mutable-base-image'), 'what the text alone gives is');
  assert.equal(first[0]!.version, 1);
  const since = s.notifications.length;
  const v2 = s.change(uri, textOf(2));
  assert.deepEqual(names(await s.fullDiagnosticsOf(uri, v2, since)), ['missing2.txt']);
  assert.equal(s.diagnostics.get(uri)!.filter((p) => p.version === v2).length, 1, 'a later version: one publication, the full one');
});

test('the text-only diagnostics of a version superseded before they arrive are never published', async () => {
  const dir = context();
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  // version 1's answers (text-only diagnostics, diagnostics, full result, in that order) reach the protocol thread
  // once the server holds version 2
  const w = s.state.worker!;
  const analyse = w.analyse.bind(w);
  let early = 0;
  w.analyse = (req, onDiagnostics, onEarly) => {
    if (req.version !== 1) return analyse(req, onDiagnostics, onEarly);
    const gate = s.until(() => s.state.documents.get(uri)?.version === 2, WAIT_MS, 'version 2 at the server');
    return analyse(
      req,
      onDiagnostics && ((d) => void gate.then(() => onDiagnostics(d))),
      onEarly &&
        ((d) => {
          early++;
          void gate.then(() => onEarly(d));
        }),
    ).then((a) => gate.then(() => a));
  };
  const pubs = new Publications(s);
  pubs.open(uri, textOf(1));
  await s.until(() => early > 0, WAIT_MS, 'version 1\'s text-only diagnostics from the worker');
  const v2 = pubs.change(uri, textOf(2));
  assert.deepEqual(names(await s.fullDiagnosticsOf(uri, v2)), ['missing2.txt']);
  assert.deepEqual([...new Set(s.diagnostics.get(uri)!.map((p) => p.version))], [v2], 'nothing of version 1 is published');
  assert.deepEqual(pubs.failures, []);
});

test('a failure that is not an Error is said as it is; an analysis that threw outside the worker is logged; an internal error is logged with its version', async () => {
  const dir = context();
  const s = await start(dir);
  const w = s.state.worker!;
  const [analyse, analyseIgnore] = [w.analyse.bind(w), w.analyseIgnore.bind(w)];
  w.analyse = () => Promise.reject('plain words');
  w.analyseIgnore = () => Promise.reject('plain ignore words');
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  const ignoreUri = s.uri(path.join(dir, '.dockerignore'));
  s.open(uri, textOf(1));
  s.open(ignoreUri, 'src\n', 'dockerignore');
  assert.deepEqual((await s.diagnosticsOf(uri, 1)).map((d) => d.message), ['Layerwise: could not be analysed (plain words)']);
  await s.until(() => s.last(ignoreUri)?.version === 1, WAIT_MS, 'the .dockerignore diagnostics');
  assert.ok(s.last(ignoreUri)!.diagnostics.some((d) => /could not be analysed \(plain ignore words\)$/.test(d.message)), JSON.stringify(s.last(ignoreUri)!.diagnostics));
  [w.analyse, w.analyseIgnore] = [analyse, analyseIgnore];
  // the request itself fails to be made (here: reading the build record of the image throws)
  const insights = s.state.insights as unknown as { loadRecord(file: string | null): void };
  const loadRecord = insights.loadRecord;
  insights.loadRecord = () => {
    throw new Error('no record\nsecond line');
  };
  const errors = s.errors.length;
  const v2 = s.change(uri, textOf(2));
  // never silence: the version gets one diagnostic that says so, as a worker failure does (runanalysis.ts)
  assert.deepEqual((await s.diagnosticsOf(uri, v2)).map((d) => d.message), ['Layerwise: could not be analysed (no record)']);
  await s.until(() => s.errors.length > errors, WAIT_MS, 'the error logged');
  assert.ok(s.errors[errors]!.startsWith(`analysing ${uri}: Error: no record`), s.errors[errors]);
  // what lenses and hovers wait for is that answer, for v2 (never v1's), and it is not tried again and again
  await s.until(() => !s.state.scheduler.pending(uri), WAIT_MS, 'v2\'s analysis over');
  assert.equal((await s.state.current(uri))?.version, v2, 'v2 has its answer');
  await s.sync();
  assert.equal(s.errors.length, errors + 1, 'no second attempt');
  insights.loadRecord = loadRecord;
  // the engine failed inside the worker: the analysis it answers says so, and the log names the version
  w.analyse = (req, onDiagnostics, onEarly) => analyse(req, onDiagnostics, onEarly).then((a) => a && { ...a, internalError: 'Error: engine broke\n    at somewhere' });
  const logged = s.errors.length;
  const v3 = s.change(uri, textOf(3));
  assert.deepEqual(names(await s.fullDiagnosticsOf(uri, v3)), ['missing3.txt']);
  await s.until(() => s.errors.length > logged, WAIT_MS, 'the internal error logged');
  assert.equal(s.errors[logged], `analysing ${uri} v${v3}: Error: engine broke\n    at somewhere`);
  w.analyse = analyse;
  const v4 = s.change(uri, textOf(4));
  assert.deepEqual(names(await s.diagnosticsOf(uri, v4)), ['missing4.txt']);
  await s.sync();
  assert.equal(s.errors.length, logged + 1, 'nothing else logged');
});

test('needless-divergence counts another build\'s unsaved text (the open documents go with the request)', async () => {
  const root = fs.realpathSync(sharedFixture());
  try {
    // api, on disk, writes a shared step with other blanks: web is told to write it as api does
    const apiFile = path.join(root, 'api', 'Dockerfile');
    const apiText = fs.readFileSync(apiFile, 'utf8');
    fs.writeFileSync(apiFile, apiText.replace('RUN echo common > /common', 'RUN echo common  >  /common'));
    const webFile = path.join(root, 'web', 'Dockerfile');
    const webText = fs.readFileSync(webFile, 'utf8');
    const s = await start(root);
    const nd = (d: { code?: unknown }[]) => d.filter((x) => x.code === 'needless-divergence').length;
    const web = s.uri(webFile);
    s.open(web, webText);
    assert.equal(nd(await s.fullDiagnosticsOf(web, 1)), 1, 'against api as saved');
    // api open with its old text, unsaved: nothing diverges any more
    s.open(s.uri(apiFile), apiText);
    const since = s.notifications.length;
    const v2 = s.change(web, webText + '\n');
    assert.equal(nd(await s.fullDiagnosticsOf(web, v2, since)), 0, 'against api as open');
    await settled(s, [web, s.uri(apiFile)], 'both analysed');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a request that cannot even be prepared (the build record, the context\'s resolution throws) gets one diagnostic that says so and is logged; the next version is analysed', async () => {
  const dir = context();
  const s = await start(dir);
  const loadRecord = s.state.insights.loadRecord;
  s.state.insights.loadRecord = () => {
    throw new Error('build record unreadable\nsecond line');
  };
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  assert.deepEqual((await s.diagnosticsOf(uri, 1)).map((d) => d.message), ['Layerwise: could not be analysed (build record unreadable)']);
  await s.until(() => s.errors.length >= 1, WAIT_MS, 'the error logged');
  assert.ok(s.errors.some((e) => e.startsWith(`analysing ${uri}: Error: build record unreadable`)), s.errors.join('\n'));
  s.state.insights.loadRecord = loadRecord;
  const v2 = s.change(uri, textOf(2));
  assert.deepEqual(names(await s.diagnosticsOf(uri, v2)), ['missing2.txt']);
});

test('an analysis that throws once its request is made is logged and stores nothing; a request then analyses that version again, never answers with the older one', async () => {
  const dir = context();
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  await settled(s, [uri], 'v1 analysed');
  // the first step of the analysis proper (publishing the configuration's problem) throws, once
  const cd = s.state.configDiagnostics as unknown as { publish(...a: unknown[]): void };
  const publish = cd.publish.bind(cd);
  let fail = true;
  cd.publish = (...a) => {
    if (!fail) return publish(...a);
    fail = false;
    throw new Error('configuration broke\nsecond line');
  };
  const errors = s.errors.length;
  const v2 = s.change(uri, textOf(2));
  await s.until(() => s.errors.length > errors, WAIT_MS, 'the error logged');
  assert.ok(s.errors[errors]!.startsWith(`analysing ${uri}: Error: configuration broke`), s.errors[errors]);
  await s.until(() => !s.state.scheduler.pending(uri), WAIT_MS, 'v2\'s analysis over');
  assert.equal(s.state.analyses.get(uri)?.version, 1, 'nothing stored for v2');
  assert.equal(s.last(uri)!.version, 1, 'nothing published for v2');
  // what a lens or hover waits for: v2 analysed now, not v1's analysis
  assert.equal((await s.state.current(uri))?.version, v2);
  assert.deepEqual(names(await s.diagnosticsOf(uri, v2)), [`missing${v2}.txt`]);
});
