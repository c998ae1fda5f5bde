// The language server's scheduling (scheduling-common.ts): file events and context changes re-analyse, the
// debounce, lens refreshes, `.dockerignore` documents re-checked when the Dockerfiles that use them change.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { FULL_CAPS } from './client';
import { InProcessServer, turns, WAIT_MS } from './inprocess';
import { Publications, analysed, context, names, servers, settled, start, stepsOf, textOf } from './scheduling-common';

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

test('a .dockerignore document checks the Dockerfiles that use it: open ones as edited, closed ones from disk, not those with their own ignore file', async () => {
  const dir = context({
    'src/x.ts': 'x',
    'docs/y.md': 'y',
    'Dockerfile': 'FROM alpine\nCOPY a.txt /a\n',
    'other.Dockerfile': 'FROM alpine\nCOPY docs /docs\n',
    'other.Dockerfile.dockerignore': 'src\n',
    'disk.Dockerfile': 'FROM alpine\nCOPY docs /d\n',
    '.dockerignore': 'src\ndocs\n',
    // neither is a Dockerfile of the folder: a file with another name, a folder with a Dockerfile's name
    'notes.sh': 'FROM alpine\nCOPY docs /n\n',
    'sub.Dockerfile/x': 'FROM alpine\nCOPY docs /s\n',
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
  assert.deepEqual(s.errors, []);
});

/**
 * A `.dockerignore` document (`src` excluded) analysed once; from `hold()` on, the worker's answers wait for
 * `release()`.
 */
async function ignoreDocWithHeldAnswers(): Promise<{ s: InProcessServer; dir: string; uri: string; hold: () => void; release: () => void }> {
  const dir = context({ 'src/x.ts': 'x' });
  const s = await start(dir);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let holding = false;
  s.slow(() => (holding ? held : 0));
  const uri = s.uri(path.join(dir, '.dockerignore'));
  s.open(uri, 'src\n', 'dockerignore');
  await settled(s, [uri], 'v1 analysed');
  return { s, dir, uri, hold: () => (holding = true), release: () => { holding = false; release(); } };
}

test('while a .dockerignore document\'s re-analysis is held past the budget, its hover data is the same version\'s analysis, never an older version\'s', async () => {
  const { s, dir, uri, hold, release } = await ignoreDocWithHeldAnswers();
  assert.equal(s.state.ignoreAnalyses.get(uri)?.version, 1);
  hold();
  // a context change: the same version is analysed again, its answer held
  const answers = s.answers;
  fs.writeFileSync(path.join(dir, 'src/y.ts'), 'y');
  s.fileChanged(path.join(dir, 'src/y.ts'), 1);
  await s.until(() => s.answers > answers, WAIT_MS, 'the re-analysis computed (and held)');
  assert.ok(s.state.scheduler.pending(uri), 'the re-analysis is in flight');
  // a budget of 50 ms: the held re-analysis cannot answer within it (it is held until release), the fallback does
  assert.equal((await s.state.currentIgnore(uri, 50))?.version, 1, 'the same version\'s analysis answers');
  // an edit: the analysis kept is of an older version, which may no longer hold
  const v2 = s.change(uri, 'docs\n');
  await s.until(() => s.state.documents.get(uri)?.version === v2, WAIT_MS, 'the edit at the server');
  const from = s.diagnostics.get(uri)!.length;
  assert.equal(await s.state.currentIgnore(uri, 50), undefined, 'nothing for the older version');
  release();
  assert.equal((await s.state.currentIgnore(uri))?.version, v2, 'released: the current version');
  await settled(s, [uri], 'v2 published');
  assert.deepEqual([...new Set(s.diagnostics.get(uri)!.slice(from).map((p) => p.version))], [v2], 'the held re-analysis of v1 is never published once v2 is there');
});

test('a .dockerignore document\'s users are the Dockerfiles of its folder with no ignore file of their own, each once, at most 50', async () => {
  const dir = context({
    'a/x': 'x',
    'b/x': 'x',
    'c/x': 'x',
    'd/x': 'x',
    'e/x': 'x',
    'Dockerfile': 'FROM alpine\nCOPY a.txt /a\n',
    'disk.Dockerfile': 'FROM alpine\nCOPY b /b\n',
    'other.Dockerfile': 'FROM alpine\nCOPY c /c\n',
    'other.Dockerfile.dockerignore': 'x\n',
    // neither is a Dockerfile: a file with another name, a folder with a Dockerfile's name
    'notes.sh': 'FROM alpine\nCOPY d /d\n',
    'sub.Dockerfile/x': 'FROM alpine\nCOPY d /s\n',
  });
  const s = await start(dir);
  const ignoreUri = s.uri(path.join(dir, '.dockerignore'));
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  // the ignore document's own text has a line that reads like a COPY: it is no Dockerfile either
  const users = (ds: Diagnostic[]) =>
    ds
      .filter((d) => d.code === 'dockerignore-excludes-needed')
      .flatMap((d) => (d.relatedInformation ?? []).map((r) => `${/^`([^`]*)`/.exec(d.message)?.[1]} ${path.basename(r.location.uri)}`))
      .sort();
  s.open(uri, 'FROM alpine\nCOPY a /a\n'); // unsaved: it copies a
  s.open(ignoreUri, 'a\nb\nc\nd\ne\nCOPY e /e\n', 'dockerignore');
  await settled(s, [ignoreUri, uri], 'both analysed');
  await s.until(() => !s.state.scheduler.pending(ignoreUri), WAIT_MS, 'the ignore document re-checked after the Dockerfile');
  assert.deepEqual(users(s.last(ignoreUri)!.diagnostics), ['a Dockerfile', 'b disk.Dockerfile']);
  assert.deepEqual(s.errors, []);
  // 51 Dockerfiles in a folder, each copying its own path: the first 50 are checked
  const many: Record<string, string> = {};
  for (let i = 0; i <= 50; i++) {
    many[`p${i}/x`] = 'x';
    many[`d${i}.Dockerfile`] = `FROM alpine\nCOPY p${i} /p\n`;
  }
  const big = context(many);
  const bigIgnore = s.uri(path.join(big, '.dockerignore'));
  s.open(bigIgnore, Array.from({ length: 51 }, (_, i) => `p${i}\n`).join(''), 'dockerignore');
  await settled(s, [bigIgnore], 'the big folder\'s ignore document');
  assert.equal(users(s.last(bigIgnore)!.diagnostics).length, 50);
  // an edit of the first folder's Dockerfile re-checks that folder's ignore document, not the other folder's
  const [own, other] = [ignoreUri, bigIgnore].map((u) => s.diagnostics.get(u)!.length);
  const since = s.notifications.length;
  const v2 = s.change(uri, 'FROM alpine\nCOPY e /e\n');
  await s.fullDiagnosticsOf(uri, v2, since);
  await s.until(() => s.diagnostics.get(ignoreUri)!.length > own! && ![ignoreUri, bigIgnore].some((u) => s.state.scheduler.pending(u)), WAIT_MS, 'the first folder\'s ignore document re-checked');
  await s.sync();
  assert.deepEqual(users(s.last(ignoreUri)!.diagnostics), ['b disk.Dockerfile', 'e Dockerfile']);
  assert.equal(s.diagnostics.get(bigIgnore)!.length, other, 'the other folder\'s: not re-checked');
});

test('a context change while the version is being analysed starts its re-analysis when due: the one in flight read the old files', async () => {
  const dir = context();
  const s = await start(dir);
  const w = s.state.worker!;
  const analyse = w.analyse.bind(w);
  const requested: number[] = [];
  w.analyse = (req, onDiagnostics, onEarly) => {
    requested.push(req.version);
    return analyse(req, onDiagnostics, onEarly);
  };
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  s.slow(() => held);
  const pubs = new Publications(s);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  pubs.open(uri, textOf(1));
  await s.until(() => s.answers > 0, WAIT_MS, 'v1 computed by the worker (its answers held)');
  fs.writeFileSync(path.join(dir, 'missing1.txt'), 'now here');
  s.fileChanged(path.join(dir, 'missing1.txt'), 1);
  const timers = (s.state.scheduler as unknown as { timers: Map<string, unknown> }).timers;
  await s.until(() => timers.has(uri), WAIT_MS, 'the re-analysis scheduled');
  await s.until(() => !timers.has(uri), WAIT_MS, 'the re-analysis due');
  assert.deepEqual(requested, [1, 1], 'v1 analysed again at once, not joined to the one in flight');
  release();
  await s.until(() => s.last(uri)?.version === 1 && names(s.last(uri)!.diagnostics).length === 0 && !s.state.scheduler.pending(uri), WAIT_MS, 'the re-analysis published');
  assert.equal(s.last(uri)!.version, 1);
  assert.equal(s.state.analyses.get(uri)?.contextFiles, 2);
  assert.deepEqual(pubs.failures, []);
});

test('a request waiting for an analysis that a later file event made stale gets the analysis after it', async () => {
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
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b');
  s.fileChanged(path.join(dir, 'b.txt'), 1);
  await s.sync(); // the server has handled the event: a re-analysis is scheduled
  const answers = s.answers;
  const current = s.state.current(uri); // what lenses and hovers wait for: the re-analysis starts now
  await s.until(() => s.answers > answers, WAIT_MS, 'the re-analysis computed by the worker (its answers held)');
  // another file, after the worker has read the folder for it
  fs.writeFileSync(path.join(dir, 'c.txt'), 'c');
  s.fileChanged(path.join(dir, 'c.txt'), 1);
  await s.sync();
  hold = false;
  release();
  assert.equal((await current)?.contextFiles, 3, 'a.txt, b.txt and c.txt: the analysis after the second event');
  await settled(s, [uri], 'the re-analyses published');
});

/**
 * Version 2 sent (and at the server), then `ask()`, then an edit every 10 ms (for up to 10 s) until it answers: the
 * document always has a newer version pending. `answered`: before the edits stopped; `v`: the last version sent.
 */
async function askWhileEditing<T>(s: InProcessServer, uri: string, text: (v: number) => string, ask: () => Promise<T>): Promise<{ answer: T; answered: boolean; v: number }> {
  let v = 1;
  s.change(uri, text(++v));
  await s.sync(); // the server holds version 2
  let answered = false;
  const asked = ask().then((x) => {
    answered = true;
    return x;
  });
  for (let i = 0; i < 1000 && !answered; i++) {
    s.change(uri, text(++v));
    await new Promise((r) => setTimeout(r, 10));
  }
  const ended = answered;
  return { answer: await asked, answered: ended, v };
}

test('a request answers while edits keep coming: it waits for a newer analysis a bounded number of times, not until the edits stop', async () => {
  const dir = context();
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  await settled(s, [uri], 'v1 analysed');
  // what lenses and hovers wait for
  const { answer: a, answered, v } = await askWhileEditing(s, uri, textOf, () => s.state.current(uri));
  assert.ok(answered, `answered while the edits were still coming (${v} versions sent)`);
  // the latest complete analysis: while edits keep coming it may be an older version's (hover checks the line, code
  // actions and inlay hints the version; lenses carry theirs)
  assert.ok(a && a.version >= 1 && a.version <= v, `an analysis of a version the client sent (got ${a?.version}, sent up to ${v})`);
  await settled(s, [uri], 'the last version analysed');
  assert.deepEqual(names(await s.diagnosticsOf(uri, v)), [`missing${v}.txt`]);
});

test('a hover while edits keep coming never describes an older version\'s step on a line that reads differently now', async () => {
  const dir = context({ 'a.txt': 'a' });
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  // version 1's line 2 is a COPY; every later version's line 2 is a RUN
  const text = (v: number) => (v === 1 ? 'FROM alpine\nRUN echo hi\nCOPY a.txt /a\n' : `FROM alpine\nRUN echo hi\nRUN echo v${v}\n`);
  s.open(uri, text(1));
  await settled(s, [uri], 'v1 analysed');
  assert.match(await s.hoverText(uri, 2), /context files/, 'version 1: the COPY hover');
  const { answer: h } = await askWhileEditing(s, uri, text, () => s.hover(uri, 2));
  const shown = h ? JSON.stringify(h.contents) : '';
  assert.doesNotMatch(shown, /\*\*COPY\*\*/, `the RUN line is not described as version 1's COPY: ${shown.slice(0, 300)}`);
  await settled(s, [uri], 'the last version analysed');
});

test('a hover right after an edit of the hovered line waits for the new version: never the old line\'s step, never nothing', async () => {
  const dir = context({ 'a.txt': 'a' });
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, 'FROM alpine\nRUN echo hi\nCOPY a.txt /a\n');
  await settled(s, [uri], 'v1 analysed');
  assert.match(await s.hoverText(uri, 2), /\*\*COPY\*\*/);
  s.change(uri, 'FROM alpine\nRUN echo hi\nRUN echo two\n');
  await s.sync(); // the server holds version 2; its analysis is scheduled or running
  const h = await s.hover(uri, 2);
  assert.match(JSON.stringify(h?.contents ?? null), /\*\*RUN\*\*/, 'the hover of version 2\'s RUN');
  await settled(s, [uri], 'v2 analysed');
});

test('a hover right after a new context file answers from the analysis that reads it, not from the one before', async () => {
  const dir = context({ 'a.txt': 'a' });
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, 'FROM alpine\nCOPY *.txt /x/\n');
  await settled(s, [uri], 'v1 analysed');
  assert.match(await s.hoverText(uri, 1), /1 context file\b/);
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b');
  s.fileChanged(path.join(dir, 'b.txt'), 1);
  await s.sync(); // the server has handled the event: the same version's re-analysis is scheduled
  assert.match(await s.hoverText(uri, 1), /2 context files/, 'the hover counts b.txt');
  await settled(s, [uri], 'the re-analysis published');
});

test('a client that declares no workspace capabilities: analyses, forecasts and context changes go on and no error is logged (no lens refresh is asked)', async () => {
  const dir = context({ 'a.txt': 'a' });
  const s = await InProcessServer.start({ root: dir, capabilities: { textDocument: FULL_CAPS.textDocument } });
  servers.push(s);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, 'FROM alpine\nCOPY *.txt /x/\n');
  await settled(s, [uri], 'v1 analysed');
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b');
  s.fileChanged(path.join(dir, 'b.txt'), 1); // a context change: lenses would be refreshed by a client that can
  await s.sync();
  assert.match(await s.hoverText(uri, 1), /2 context files/);
  await settled(s, [uri], 'the re-analysis published');
  assert.deepEqual(s.errors, [], 'no error logged');
});

test('a .dockerignore document closed while a request waits past its budget for a held re-analysis: the request answers nothing, nothing is thrown', async () => {
  const { s, dir, uri, hold, release } = await ignoreDocWithHeldAnswers();
  hold();
  const answers = s.answers;
  fs.writeFileSync(path.join(dir, 'src/y.ts'), 'y');
  s.fileChanged(path.join(dir, 'src/y.ts'), 1);
  await s.until(() => s.answers > answers, WAIT_MS, 'the re-analysis computed (and held)');
  const waiting = s.state.currentIgnore(uri, 100); // its budget runs out while the answer is held
  s.close(uri);
  await s.until(() => !s.state.documents.get(uri), WAIT_MS, 'the close at the server');
  assert.equal(await waiting, undefined, 'nothing for a closed document');
  release();
  await turns(50);
  assert.deepEqual(s.errors, []);
});

test('a request waiting for version 2 when version 3 arrives answers with version 3\'s analysis, not the one before both', async () => {
  const dir = context();
  const s = await start(dir);
  const uri = s.uri(path.join(dir, 'Dockerfile'));
  s.open(uri, textOf(1));
  await settled(s, [uri], 'v1 analysed');
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let hold = true;
  s.slow(() => (hold ? held : 0));
  const answers = s.answers;
  s.change(uri, textOf(2));
  await s.until(() => s.answers > answers, WAIT_MS, 'version 2 computed by the worker (its answers held)');
  const current = s.state.current(uri); // waits for version 2
  const v3 = s.change(uri, textOf(3));
  await s.until(() => s.state.documents.get(uri)?.version === v3, WAIT_MS, 'version 3 at the server');
  hold = false;
  release();
  assert.equal((await current)?.version, v3, 'the analysis of the version the document has now');
  await settled(s, [uri], 'v3 analysed');
});

test('a .dockerignore document that is not a file on disk (untitled) is analysed without a context and no Dockerfile uses it; nothing is logged', async () => {
  const dir = context({ 'Dockerfile': 'FROM alpine\nCOPY a.txt /a\n' });
  const s = await start(dir);
  const uri = 'untitled:Untitled-1';
  s.open(uri, 'a.txt\n', 'dockerignore');
  await settled(s, [uri], 'the untitled ignore document analysed');
  const note = await s.until(() => analysed(s, uri).at(-1), WAIT_MS, 'layerwise/analysed');
  assert.equal(note.kind, 'dockerignore');
  assert.equal(note.contextDir, null);
  assert.equal(s.state.ignoreAnalyses.get(uri)?.version, 1);
  assert.deepEqual(s.errors, []);
});

test('a Dockerfile-specific .dockerignore whose first analysis started before its Dockerfile was open is checked again against the open text, in the context a project file gives the Dockerfile', async () => {
  // compose builds docker/app.Dockerfile in the root folder: its ignore file is docker/app.Dockerfile.dockerignore
  const dir = context({
    'src/x.ts': 'x',
    'compose.yaml': 'services:\n  web:\n    build: {context: ., dockerfile: docker/app.Dockerfile}\n',
    'docker/app.Dockerfile': 'FROM alpine\nCOPY a.txt /a\n',
    'docker/app.Dockerfile.dockerignore': 'src\n',
  });
  const s = await start(dir);
  const w = s.state.worker!;
  const analyseIgnore = w.analyseIgnore.bind(w);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let first = true;
  let computed = false;
  // the ignore document's first analysis: computed by the worker, its answer held until the Dockerfile is analysed
  w.analyseIgnore = (req) => {
    if (!first) return analyseIgnore(req);
    first = false;
    return analyseIgnore(req).then((a) => ((computed = true), held.then(() => a)));
  };
  const ignoreUri = s.uri(path.join(dir, 'docker/app.Dockerfile.dockerignore'));
  const uri = s.uri(path.join(dir, 'docker/app.Dockerfile'));
  const needed = (ds: Diagnostic[]) => ds.filter((d) => d.code === 'dockerignore-excludes-needed').map((d) => /in (\S+) line/.exec(d.message)?.[1] ?? d.message);
  s.open(ignoreUri, 'src\n', 'dockerignore');
  await s.until(() => computed, WAIT_MS, 'the ignore document\'s first analysis computed (held)');
  // the Dockerfile opens with an unsaved COPY of src, which the ignore file excludes
  s.open(uri, 'FROM alpine\nCOPY src /src\n');
  const n = await s.until(() => analysed(s, uri).at(-1), WAIT_MS, 'the Dockerfile analysed');
  assert.equal(n.contextDir, dir);
  release();
  await settled(s, [ignoreUri, uri], 'both analysed');
  assert.deepEqual(needed(s.last(ignoreUri)!.diagnostics), ['app.Dockerfile'], 'checked against the open text');
  assert.deepEqual(s.errors, []);
});
