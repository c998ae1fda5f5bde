// The language server's scheduling, holding and superseding (lsp/scheduler.ts, state.ts, runanalysis.ts) driven in
// this process (test/lsp/inprocess.ts: the real server over in-memory streams, the real analysis worker thread), so
// that the mutation run can measure those modules (scripts/mutation-groups.mjs, group `lsp`). Issue 12's versions:
// the last version of every open document gets its diagnostics, for its text; a published version never exceeds the
// document's and never goes back; lenses and hovers asked for version N answer for N; superseded analyses are dropped;
// closing drops the document's state; after seeded random interleavings of edits, opens, closes, requests and file
// events (with the worker's answers arriving late by seeded amounts) the state equals a fresh server's for the final
// texts and files.
// This file: versions and superseding (the other themes: scheduling-close, -events, -publication, -storm).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InProcessServer, turns, WAIT_MS } from './inprocess';
import { rng } from '../corpus/checks';
import { Publications, context, names, servers, settled, start, stepsOf, textOf } from './scheduling-common';

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

test('never two analyses of one document in flight: edits while its analysis is held wait for its diagnostics, then the latest version is analysed once', async () => {
  const dir = context();
  const s = await start(dir);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  s.slow(() => held);
  // the analyses requested from the worker, and those whose diagnostics have not reached the protocol thread yet
  const w = s.state.worker!;
  const analyse = w.analyse.bind(w);
  const requested: number[] = [];
  let inFlight = 0;
  let most = 0;
  w.analyse = (req, onDiagnostics, onEarly) => {
    requested.push(req.version);
    most = Math.max(most, ++inFlight);
    let done = false;
    const settle = () => {
      if (!done) inFlight--;
      done = true;
    };
    return analyse(req, (d) => (settle(), onDiagnostics?.(d)), onEarly).finally(settle);
  };
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  const pubs = new Publications(s);
  pubs.open(uri, textOf(1));
  await s.until(() => s.answers > 0, WAIT_MS, 'version 1 computed by the worker (its answers held)');
  pubs.change(uri, textOf(2));
  const v3 = pubs.change(uri, textOf(3));
  // the edits' debounce has run out (no timer left), and found version 1 still being analysed
  const timers = (s.state.scheduler as unknown as { timers: Map<string, unknown> }).timers;
  await s.until(() => s.state.documents.get(uri)?.version === v3 && !timers.has(uri), WAIT_MS, 'the edits\' debounce over');
  assert.deepEqual(requested, [1], 'no second analysis while the first one\'s diagnostics are out');
  release();
  await settled(s, [uri], 'the latest version published');
  assert.deepEqual(requested, [1, v3], 'then the latest version, once');
  assert.equal(most, 1);
  assert.deepEqual(names(s.last(uri)!.diagnostics), ['missing3.txt']);
  assert.deepEqual(pubs.failures, []);
});

/** Counts the analyses the protocol thread asks the worker for (their versions, in order). */
function requests(s: InProcessServer): number[] {
  const w = s.state.worker!;
  const analyse = w.analyse.bind(w);
  const requested: number[] = [];
  w.analyse = (req, onDiagnostics, onEarly) => {
    requested.push(req.version);
    return analyse(req, onDiagnostics, onEarly);
  };
  return requested;
}

test('a hover on an analysed version starts no analysis; requests while the version is being analysed join that analysis', async () => {
  const dir = context();
  const s = await start(dir);
  const requested = requests(s);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let hold = false;
  s.slow(() => (hold ? held : 0));
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  const pubs = new Publications(s);
  pubs.open(uri, textOf(1));
  await settled(s, [uri], 'v1 analysed');
  assert.match(await s.hoverText(uri, 2), /step 2 of 4\b/);
  await s.codeLenses(uri);
  assert.deepEqual(requested, [1], 'the analysis of v1 answers');
  hold = true;
  const answers = s.answers;
  const v2 = pubs.change(uri, textOf(2));
  await s.until(() => s.answers > answers, WAIT_MS, 'v2 computed by the worker (its answers held)');
  const asked = [s.hoverText(uri, 2), s.codeLenses(uri), s.hoverText(uri, 0)];
  await s.sync(); // the server has handled them: each waits for the analysis of v2
  assert.deepEqual(requested, [1, v2], 'no second analysis of v2');
  release();
  await Promise.all(asked);
  await settled(s, [uri], 'v2 published');
  assert.deepEqual(requested, [1, v2]);
  assert.deepEqual(pubs.failures, []);
});

test('a newer version starts as soon as the older one\'s diagnostics are out, while its full result is still on its way', async () => {
  const dir = context();
  const s = await start(dir);
  const w = s.state.worker!;
  const analyse = w.analyse.bind(w);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const requested: number[] = [];
  // version 1's full result waits for the release; its diagnostics do not
  w.analyse = (req, onDiagnostics, onEarly) => {
    requested.push(req.version);
    const p = analyse(req, onDiagnostics, onEarly);
    return req.version === 1 ? p.then((a) => held.then(() => a)) : p;
  };
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  const pubs = new Publications(s);
  pubs.open(uri, textOf(1));
  await s.until(() => names(s.last(uri)?.diagnostics ?? []).includes('missing1.txt'), WAIT_MS, 'v1\'s diagnostics');
  const v2 = pubs.change(uri, textOf(2));
  assert.deepEqual(names(await s.diagnosticsOf(uri, v2)), ['missing2.txt'], 'v2 analysed while v1\'s full result is held');
  assert.deepEqual(requested, [1, v2]);
  release();
  await settled(s, [uri], 'v2 published');
  assert.equal(s.state.analyses.get(uri)?.version, v2);
  assert.deepEqual(pubs.failures, []);
});

test('an edit made while an older version is being analysed still waits its own (fixed) debounce', async () => {
  const dir = context();
  const s = await InProcessServer.start({ root: dir, initializationOptions: { debounceMs: 60_000 } });
  servers.push(s);
  const requested = requests(s);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  s.slow(() => held);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  const pubs = new Publications(s);
  pubs.open(uri, textOf(1));
  await s.until(() => s.answers > 0, WAIT_MS, 'v1 computed by the worker (its answers held)');
  pubs.change(uri, textOf(2));
  // a context change: v2's analysis is due in 100 ms, and finds v1 still being analysed
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b');
  s.fileChanged(path.join(dir, 'b.txt'), 1);
  const timers = (s.state.scheduler as unknown as { timers: Map<string, unknown> }).timers;
  const inflight = (s.state.scheduler as unknown as { inflight: Map<string, { version: number }> }).inflight;
  await s.until(() => s.state.documents.get(uri)?.version === 2 && !timers.has(uri), WAIT_MS, 'v2 waiting for v1');
  const v3 = pubs.change(uri, textOf(3)); // its debounce: a minute
  await s.until(() => s.state.documents.get(uri)?.version === v3 && timers.has(uri), WAIT_MS, 'v3 at the server');
  release();
  await s.until(() => inflight.get(uri)?.version !== 1, WAIT_MS, 'v1 over');
  assert.deepEqual(requested, [1], 'v3 waits for its debounce');
  assert.match(await s.hoverText(uri, 2), new RegExp(`step 2 of ${stepsOf(v3)}\\b`), 'a request analyses it now');
  assert.deepEqual(requested, [1, v3]);
  await settled(s, [uri], 'v3 published');
  assert.deepEqual(pubs.failures, []);
});
