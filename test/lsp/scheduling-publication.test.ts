// The language server's scheduling (scheduling-common.ts): what each analysis publishes and announces (binary
// texts, configuration problems, ignored Dockerfiles, untrusted workspaces), and handlers that throw.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InProcessServer, WAIT_MS } from './inprocess';
import { analysed, context, names, servers, settled, start, stepsOf, textOf } from './scheduling-common';

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
