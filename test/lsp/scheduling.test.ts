// The language server's scheduling, holding and superseding (lsp/scheduler.ts, state.ts, runanalysis.ts) driven in
// this process (test/lsp/inprocess.ts: the real server over in-memory streams, the real analysis worker thread), so
// that the mutation run can measure those modules (scripts/mutation-groups.mjs, group `lsp`). Issue 12's versions:
// the last version of every open document gets its diagnostics, for its text; a published version never exceeds the
// document's and never goes back; lenses and hovers asked for version N answer for N; superseded analyses are dropped;
// closing drops the document's state; after seeded random interleavings of edits, opens, closes, requests and file
// events (with the worker's answers arriving late by seeded amounts) the state equals a fresh server's for the final
// texts and files.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { FULL_CAPS, tempContext } from './client';
import { InProcessServer, turns, WAIT_MS } from './inprocess';
import { rng } from '../corpus/checks';

const servers: InProcessServer[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of servers.splice(0)) await s.stop().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function start(dir: string, inProcess = false): Promise<InProcessServer> {
  const s = await InProcessServer.start({ root: dir, inProcess });
  servers.push(s);
  return s;
}

function context(files: Record<string, string> = {}): string {
  const dir = tempContext({ 'a.txt': 'a', ...files });
  dirs.push(dir);
  return dir;
}

/**
 * Version `v`'s text: its diagnostics name `missing<v>.txt` (copy-source-missing), its hover on line 2 says "step 2
 * of <3 + v % 5>", its lenses are for 3 + v % 5 steps.
 */
function textOf(v: number, tag = ''): string {
  return `FROM alpine\nCOPY a.txt /a\nRUN echo ${tag}v${v}\nCOPY missing${tag}${v}.txt /m\n` + 'RUN true\n'.repeat(v % 5);
}
const stepsOf = (v: number) => 3 + (v % 5);
const names = (ds: Diagnostic[]) => ds.map((d) => /`(missing[^`]*)`/.exec(d.message)?.[1]).filter(Boolean);

/**
 * The publication invariants, checked on every publication as it arrives: a version the client sent for the open
 * document (never one it did not send, never a newer one), never older than one published before for the same open
 * document, and after a close nothing but the close's own empty, version-less publication.
 */
class Publications {
  readonly failures: string[] = [];
  private readonly sent = new Map<string, Set<number>>();
  private readonly highest = new Map<string, number>();
  private readonly closing = new Map<string, number>();

  constructor(private readonly s: InProcessServer) {
    s.watch((p) => this.check(p));
  }

  open(uri: string, text: string, languageId = 'dockerfile'): void {
    this.sent.set(uri, new Set([1]));
    this.highest.set(uri, 0);
    this.s.open(uri, text, languageId);
  }

  change(uri: string, text: string): number {
    const v = this.s.change(uri, text);
    this.sent.get(uri)!.add(v);
    return v;
  }

  close(uri: string): void {
    this.sent.delete(uri);
    this.closing.set(uri, (this.closing.get(uri) ?? 0) + 1);
    this.s.close(uri);
  }

  private check(p: PublishDiagnosticsParams): void {
    const closing = this.closing.get(p.uri) ?? 0;
    if (closing > 0) {
      // what comes before the close's acknowledgement was sent before the server saw the close
      if (p.version === undefined && p.diagnostics.length === 0) this.closing.set(p.uri, closing - 1);
      return;
    }
    const sent = this.sent.get(p.uri);
    if (!sent) {
      if (p.diagnostics.length) this.failures.push(`${p.uri}: diagnostics after its close`);
      return;
    }
    if (p.version === undefined || !sent.has(p.version)) this.failures.push(`${p.uri}: published v${p.version}, not a version sent (${[...sent].join(',')})`);
    else if (p.version < this.highest.get(p.uri)!) this.failures.push(`${p.uri}: published v${p.version} after v${this.highest.get(p.uri)}`);
    else this.highest.set(p.uri, p.version);
  }
}

/** Every open document's last publication is for its current version and nothing is scheduled or in flight. */
async function settled(s: InProcessServer, uris: string[], what: string): Promise<void> {
  await s.until(() => uris.every((u) => s.last(u)?.version === s.version(u) && !s.state.scheduler.pending(u)), WAIT_MS, what);
  await s.sync();
}

test('the last version of every open document gets its diagnostics, for its text, with the worker answering late', async () => {
  const dir = context();
  const s = await start(dir);
  const r = rng(7);
  s.slow(() => Math.floor(r() * 30));
  const pubs = new Publications(s);
  const uris = [0, 1, 2].map((i) => s.uri(path.join(dir, `d${i}.Dockerfile`)));
  for (const u of uris) pubs.open(u, textOf(1));
  // bursts of edits across the documents, some in one tick, some a few turns apart
  for (let i = 0; i < 40; i++) {
    const u = uris[Math.floor(r() * uris.length)]!;
    pubs.change(u, textOf(s.version(u)! + 1));
    if (r() < 0.5) await turns(Math.floor(r() * 20));
  }
  await settled(s, uris, 'every document\'s final version published');
  for (const u of uris) {
    const v = s.version(u)!;
    assert.deepEqual(names(s.last(u)!.diagnostics), [`missing${v}.txt`], `${path.basename(u)}: the diagnostics of v${v}'s text`);
    assert.equal(s.state.analyses.get(u)?.version, v, 'the analysis kept is the final version\'s');
    assert.equal(s.state.analysisFor(u)?.version, v);
  }
  assert.deepEqual(pubs.failures, []);
  assert.deepEqual(s.errors, []);
});

test('an analysis superseded while the worker answers is dropped: its version is never published or announced', async () => {
  const dir = context();
  const s = await start(dir);
  // version 1's answers wait until the server holds version 3 (sent while version 1 is being analysed)
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  let n = 0;
  s.slow(() => (n++ < 2 ? s.until(() => s.state.documents.get(uri)?.version === 3, WAIT_MS, 'version 3 at the server') : 0));
  const pubs = new Publications(s);
  pubs.open(uri, textOf(1));
  await s.until(() => s.answers > 0, WAIT_MS, 'version 1\'s diagnostics from the worker');
  const v2 = pubs.change(uri, textOf(2));
  const v3 = pubs.change(uri, textOf(3));
  await settled(s, [uri], 'version 3 published');
  assert.deepEqual(s.diagnostics.get(uri)!.map((p) => p.version), [v3], 'only the current version is published');
  assert.deepEqual(names(s.last(uri)!.diagnostics), ['missing3.txt']);
  const analysed = s.notifications.filter((x) => x.method === 'layerwise/analysed').map((x) => (x.params as { version: number }).version);
  assert.deepEqual(analysed, [v3], 'only the current version is announced (layerwise/analysed)');
  assert.equal(s.state.analyses.get(uri)?.version, v3);
  assert.ok(v2 < v3);
  assert.deepEqual(pubs.failures, []);
});

test('lenses and hovers asked right after an edit answer for that version', async () => {
  const dir = context();
  const s = await start(dir);
  const r = rng(11);
  s.slow(() => Math.floor(r() * 40));
  const pubs = new Publications(s);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  pubs.open(uri, textOf(1));
  await s.diagnosticsOf(uri, 1);
  for (let v = 2; v <= 7; v++) {
    pubs.change(uri, textOf(v));
    // asked in the same tick as the edit: the analysis of v is not even scheduled yet when they arrive
    const [lenses, hover, impact] = await Promise.all([
      s.codeLenses(uri),
      s.hoverText(uri, 2),
      s.request<{ title: string | null } | null>('layerwise/impact', { uri, line: 4 }),
    ]);
    const versions = [...new Set(lenses.map((l) => (l.data as { version: number } | undefined)?.version))];
    assert.deepEqual(versions, [v], `v${v}: the lenses are for v${v}`);
    assert.equal(lenses.length, stepsOf(v), `v${v}: one lens per step of v${v}`);
    assert.match(hover, new RegExp(`step 2 of ${stepsOf(v)}\\b`), `v${v}: the hover is for v${v}'s text`);
    // line 4 is a step only in versions with v % 5 > 0
    if (v % 5) assert.match(impact?.title ?? '', new RegExp(`^step 4/${stepsOf(v)}\\b`), `v${v}: layerwise/impact for v${v}`);
    else assert.equal(impact?.title ?? null, null, `v${v}: line 4 is no step of v${v}`);
  }
  await settled(s, [uri], 'the final version published');
  assert.deepEqual(pubs.failures, []);
});

for (const when of ['after the analysis is complete', 'between its diagnostics and its full result'] as const)
  test(`a context change ${when} re-analyses the version: the current analysis right behind the file event includes the new file`, async () => {
    const dir = context();
    const s = await start(dir);
    // the first analysis's full result (its second answer) held back 200 turns: the file event comes before it
    let answers = 0;
    if (when !== 'after the analysis is complete') s.slow(() => (answers++ === 1 ? 200 : 0));
    const pubs = new Publications(s);
    const uri = s.uri(path.join(dir, 'Dockerfile'));
    pubs.open(uri, textOf(1));
    if (when === 'after the analysis is complete') await settled(s, [uri], 'version 1 analysed');
    assert.deepEqual(names(await s.diagnosticsOf(uri, 1)), ['missing1.txt']);
    assert.equal(s.state.analyses.has(uri), when === 'after the analysis is complete');
    const count = s.diagnostics.get(uri)!.length;
    fs.writeFileSync(path.join(dir, 'missing1.txt'), 'now here');
    s.fileChanged(path.join(dir, 'missing1.txt'), 1);
    await s.sync(); // the server has handled the event
    // what lenses and hovers wait for (within their budget: at load 20 a lens's 3 s ran out first, by design)
    const a = await s.state.current(uri);
    assert.equal(a?.contextFiles, 2, 'the current analysis reads the file created before the request');
    await s.until(() => s.diagnostics.get(uri)!.length > count && !s.state.scheduler.pending(uri), WAIT_MS, 'the re-analysis published');
    assert.equal(s.last(uri)!.version, 1, 'the same version again');
    assert.deepEqual(names(s.last(uri)!.diagnostics), [], 'without the missing source');
    assert.deepEqual(pubs.failures, []);
  });

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

const analysed = (s: InProcessServer, uri: string) =>
  s.notifications.filter((x) => x.method === 'layerwise/analysed' && (x.params as { uri: string }).uri === uri).map((x) => x.params as Record<string, unknown>);

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

test('a .dockerignore document checks the Dockerfiles that use it: open ones as edited, closed ones from disk, not those with their own ignore file', async () => {
  const dir = context({
    'src/x.ts': 'x',
    'docs/y.md': 'y',
    'Dockerfile': 'FROM alpine\nCOPY a.txt /a\n',
    'other.Dockerfile': 'FROM alpine\nCOPY docs /docs\n',
    'other.Dockerfile.dockerignore': 'src\n',
    'disk.Dockerfile': 'FROM alpine\nCOPY docs /d\n',
    '.dockerignore': 'src\ndocs\n',
  });
  const s = await start(dir);
  const ignoreUri = s.uri(path.join(dir, '.dockerignore'));
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  const needed = (ds: Diagnostic[]) => ds.filter((d) => d.code === 'dockerignore-excludes-needed').map((d) => /in (\S+) line/.exec(d.message)?.[1] ?? d.message);
  s.open(ignoreUri, 'src\ndocs\n', 'dockerignore');
  s.open(uri, 'FROM alpine\nCOPY a.txt /a\n');
  await settled(s, [ignoreUri, uri], 'both analysed');
  // `docs` is needed by disk.Dockerfile (closed, read from disk); other.Dockerfile has its own ignore file
  assert.deepEqual(needed(s.last(ignoreUri)!.diagnostics), ['disk.Dockerfile']);
  // the open Dockerfile now copies src (unsaved): the ignore document is checked again without being edited
  const v2 = s.change(uri, 'FROM alpine\nCOPY src /src\n');
  await s.diagnosticsOf(uri, v2);
  await s.until(() => needed(s.last(ignoreUri)!.diagnostics).includes('Dockerfile') && !s.state.scheduler.pending(ignoreUri), WAIT_MS, 'the ignore document re-checked');
  assert.deepEqual(needed(s.last(ignoreUri)!.diagnostics).sort(), ['Dockerfile', 'disk.Dockerfile']);
  assert.equal(s.last(ignoreUri)!.version, 1);
  // a Dockerfile-specific ignore file is checked against its Dockerfile only
  const own = s.uri(path.join(dir, 'other.Dockerfile.dockerignore'));
  s.open(own, 'src\ndocs\n', 'dockerignore');
  await settled(s, [own], 'the specific ignore file analysed');
  assert.deepEqual(needed(s.last(own)!.diagnostics), ['other.Dockerfile']);
  const note = await s.until(() => analysed(s, own).at(-1), WAIT_MS, 'layerwise/analysed');
  assert.equal(note.kind, 'dockerignore');
  assert.equal(note.contextDir, dir);
  assert.equal(note.findings, s.last(own)!.diagnostics.length);
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
});

test('lenses are refreshed after a context change when the client can, never when it cannot', async () => {
  const dir = context();
  const caps = { ...FULL_CAPS, workspace: { ...FULL_CAPS.workspace, codeLens: { refreshSupport: true } } };
  const [yes, no] = [await InProcessServer.start({ root: dir, capabilities: caps }), await start(dir)];
  servers.push(yes);
  const uri = yes.uri(path.join(dir, 'Dockerfile'));
  for (const s of [yes, no]) s.open(uri, textOf(1));
  for (const s of [yes, no]) await settled(s, [uri], 'analysed');
  const before = yes.lensRefreshes;
  fs.writeFileSync(path.join(dir, 'missing1.txt'), 'here');
  for (const s of [yes, no]) s.fileChanged(path.join(dir, 'missing1.txt'), 1);
  for (const s of [yes, no]) await s.until(() => names(s.last(uri)!.diagnostics).length === 0, WAIT_MS, 're-analysed');
  await yes.until(() => yes.lensRefreshes > before, WAIT_MS, 'a lens refresh');
  await yes.until(() => !yes.state.scheduler.pending(uri) && yes.state.forecasts.get(uri)?.version === 1, WAIT_MS, 'the forecast');
  assert.equal(no.lensRefreshes, 0, 'a client without refreshSupport is never asked');
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
  await turns(20);
  assert.equal(worker.restarts, restarts, 'one document still open: the same worker');
  s.close(b!);
  await s.until(() => worker.restarts > restarts, WAIT_MS, 'the worker replaced');
  const since = s.notifications.length;
  s.open(a!, textOf(3));
  assert.deepEqual(names(await s.fullDiagnosticsOf(a!, 1, since)), ['missing3.txt'], 'the new worker analyses');
  assert.deepEqual(s.errors, []);
});

test('with a fixed debounce of a minute an edit waits for it, a request does not, a context change waits at most 100 ms', async () => {
  const dir = context();
  const s = await InProcessServer.start({ root: dir, initializationOptions: { debounceMs: 60_000 } });
  servers.push(s);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  await settled(s, [uri], 'an opened document is analysed at once');
  const v2 = s.change(uri, textOf(2));
  await s.until(() => s.state.documents.get(uri)?.version === v2, WAIT_MS, 'the edit at the server');
  await turns(50);
  assert.equal(s.last(uri)!.version, 1, 'the edit waits for the debounce');
  assert.ok(s.state.scheduler.pending(uri));
  assert.equal(s.state.analysisFor(uri), undefined, 'no analysis of the current version yet');
  assert.match(await s.hoverText(uri, 2), new RegExp(`step 2 of ${stepsOf(v2)}\\b`), 'a hover analyses the edit now');
  assert.deepEqual(names(await s.diagnosticsOf(uri, v2)), [`missing${v2}.txt`]);
  await s.until(() => !s.state.scheduler.pending(uri), WAIT_MS, 'nothing left scheduled');
  const count = s.diagnostics.get(uri)!.length;
  fs.writeFileSync(path.join(dir, `missing${v2}.txt`), 'here');
  s.fileChanged(path.join(dir, `missing${v2}.txt`), 1);
  await s.until(() => s.diagnostics.get(uri)!.length > count, WAIT_MS, 'the re-analysis after the file event');
  assert.deepEqual(names(s.last(uri)!.diagnostics), []);
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

test('while the current version\'s analysis is held past the handler budget, lenses answer from the last complete one, hovers only where the line reads the same', async () => {
  const dir = context();
  const s = await start(dir);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let hold = false;
  s.slow(() => (hold ? held : 0));
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  await settled(s, [uri], 'v1 analysed');
  hold = true;
  const v2 = s.change(uri, textOf(2));
  // line 0 reads the same in v1 and v2, line 2 does not
  const [lenses, same, other] = await Promise.all([s.codeLenses(uri), s.hoverText(uri, 0), s.hover(uri, 2)]);
  assert.deepEqual([...new Set(lenses.map((l) => (l.data as { version: number }).version))], [1], 'the lenses of v1, which carry its version');
  assert.match(same, /FROM/, 'a hover on a line that reads the same: from v1');
  assert.equal(other, null, 'a hover on a line that differs: nothing, never v1\'s answer for another text');
  assert.equal(s.last(uri)!.version, 1);
  release();
  assert.deepEqual(names(await s.diagnosticsOf(uri, v2)), [`missing${v2}.txt`]);
  assert.deepEqual([...new Set((await s.codeLenses(uri)).map((l) => (l.data as { version: number }).version))], [v2]);
});

// ---------------------------------------------------------------------------------------------------------------
// The model: random interleavings end where a fresh server starts.

const SNIPPETS = ['RUN echo hi\n', 'COPY src ./src\n', 'COPY *.json ./\n', 'FROM alpine:3.19 AS extra\n', 'ARG X=1\n', 'ENV A=b\n', 'COPY --from=extra /x /y\n', 'RUN --mount=type=cache,target=/root/.npm npm ci\n', '\\\n', 'COPY nothere.txt /n\n'];
const BASE = 'FROM node:20-slim AS build\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY src ./src\nRUN npm run build\nFROM node:20-slim\nCOPY --from=build /app/dist ./dist\n';
const IGNORES = ['node_modules\n', '*.md\n', 'src\n', '!src/a.ts\n', '[\n'];

function mutate(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1));
  const k = r();
  if (k < 0.5) return text.slice(0, at) + SNIPPETS[Math.floor(r() * SNIPPETS.length)]! + text.slice(at);
  if (k < 0.8) return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(r() * 30)));
  return BASE;
}

const canon = (ds: Diagnostic[]) => ds.map((d) => JSON.stringify([d.range, d.severity, d.code ?? null, d.message])).sort().join('\n');

/** What a client sees of a Dockerfile: diagnostics, lens titles by line, hovers on the lens lines. */
async function presentation(s: InProcessServer, uri: string): Promise<string> {
  const lenses = await s.codeLenses(uri);
  const titles = lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`).sort();
  const hovers: string[] = [];
  for (const line of [...new Set(lenses.map((l) => l.range.start.line))]) hovers.push(`${line}: ${await s.hoverText(uri, line)}`);
  return [canon(s.last(uri)?.diagnostics ?? []), titles.join('\n'), hovers.join('\n')].join('\n----\n');
}

async function storm(seed: number, inProcess: boolean): Promise<void> {
  const r = rng(seed);
  const dir = context({ 'package.json': '{}', 'src/a.ts': 'a', '.dockerignore': 'node_modules\n' });
  const s = await start(dir, inProcess);
  s.slow(() => (r() < 0.3 ? Math.floor(r() * 50) : 0));
  const pubs = new Publications(s);
  const docs = [0, 1, 2].map((i) => ({ uri: s.uri(path.join(dir, `d${i}.Dockerfile`)), text: BASE, open: false, lang: 'dockerfile' }));
  docs.push({ uri: s.uri(path.join(dir, '.dockerignore')), text: 'node_modules\n', open: false, lang: 'dockerignore' });
  const requests: Promise<unknown>[] = [];
  for (let i = 0; i < 70; i++) {
    const d = docs[Math.floor(r() * docs.length)]!;
    const k = r();
    if (!d.open) {
      if (k < 0.6) {
        d.open = true;
        pubs.open(d.uri, d.text, d.lang);
      }
    } else if (k < 0.55) {
      d.text = d.lang === 'dockerignore' ? IGNORES[Math.floor(r() * IGNORES.length)]! + d.text.slice(0, 40) : mutate(d.text, r);
      pubs.change(d.uri, d.text);
    } else if (k < 0.75) {
      const line = Math.floor(r() * 10);
      const ask = r();
      requests.push(ask < 0.5 ? s.hover(d.uri, line) : ask < 0.8 ? s.codeLenses(d.uri) : s.request('layerwise/impact', { uri: d.uri, line }));
    } else if (k < 0.85) {
      const file = path.join(dir, ['src/a.ts', 'src/b.ts', 'nothere.txt', 'package.json'][Math.floor(r() * 4)]!);
      const existed = fs.existsSync(file);
      if (existed && r() < 0.4) fs.rmSync(file);
      else fs.writeFileSync(file, `${i}\n`);
      s.fileChanged(file, !fs.existsSync(file) ? 3 : existed ? 2 : 1);
    } else if (k < 0.92) {
      d.open = false;
      pubs.close(d.uri);
    }
    if (r() < 0.4) await turns(Math.floor(r() * 30));
  }
  const results = await Promise.allSettled(requests);
  assert.deepEqual(results.filter((x) => x.status === 'rejected'), [], 'every request answered');
  const open = docs.filter((d) => d.open);
  await settled(s, open.map((d) => d.uri), `seed ${seed}: every open document's final version`);
  await turns(20);
  assert.deepEqual(pubs.failures, [], `seed ${seed}: publication invariants`);
  assert.deepEqual(s.errors, [], `seed ${seed}: no error logged`);
  for (const d of docs.filter((x) => !x.open)) {
    assert.equal(s.state.analyses.has(d.uri) || s.state.ignoreAnalyses.has(d.uri) || s.state.published.has(d.uri), false, `seed ${seed}: nothing kept for a closed document`);
  }
  // in the order the long-lived server holds them (a .dockerignore finding names the first Dockerfile that needs a path)
  const order = s.state.documents.all().map((x) => x.uri);
  assert.deepEqual([...order].sort(), open.map((d) => d.uri).sort(), `seed ${seed}: the server holds exactly the open documents`);
  const fresh = await start(dir, inProcess);
  for (const u of order) {
    const d = open.find((x) => x.uri === u)!;
    fresh.open(d.uri, d.text, d.lang, s.version(d.uri));
  }
  await settled(fresh, open.map((d) => d.uri), `seed ${seed}: the fresh server's diagnostics`);
  for (const d of open) {
    if (d.lang === 'dockerignore') assert.equal(canon(s.last(d.uri)!.diagnostics), canon(fresh.last(d.uri)!.diagnostics), `seed ${seed}: ${d.uri}`);
    else assert.equal(await presentation(s, d.uri), await presentation(fresh, d.uri), `seed ${seed}: ${d.uri} v${s.version(d.uri)} as a fresh server shows it`);
  }
}

for (const seed of [1, 2]) test(`seeded interleavings (seed ${seed}, worker answering late) end in a fresh server's state`, () => storm(seed, false));
test('seeded interleavings with in-process analysis end in a fresh server\'s state', () => storm(3, true));
