// The live rebuild forecast over the protocol: the built server (dist/server.js --stdio) on a real git repository in a
// temp dir. After a context file edit + didChangeWatchedFiles, a Dockerfile edit and a commit (HEAD moves), the
// `layerwise/forecast` request, the `layerwise/forecast` notification, the hover's first line and the code lens say
// what the next build does; a hover right after a file event answers for the new state.
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ForecastNotification } from '../../server/src/lsp/protocol';
import { LspClient, tempContext, FULL_CAPS } from './client';
import { InProcessServer, WAIT_MS } from './inprocess';

const DOCKERFILE = `FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY src ./src
RUN npm run build
CMD ["node", "src/server.js"]
`;
// 0-based lines of the steps
const L = { workdir: 1, copyPkg: 2, npmCi: 3, copySrc: 4, build: 5 };

interface ForecastJson {
  baseline: string;
  context: string;
  dockerfile: string;
  summary: { steps: number; rebuilt: number };
  steps: { stage: string; line: number; instruction: string; status: string; reasons: { kind: string; message: string; paths?: { path: string }[] }[] }[];
}

const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
});

/** A temp git repository holding `files`, committed once (throws when git fails). */
function gitRepo(files: Record<string, string>): { dir: string; git: (...a: string[]) => string } {
  const dir = tempContext(files);
  const git = (...a: string[]) => {
    const r = spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...a], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  return { dir, git };
}

function repo(): { dir: string; git: (...a: string[]) => string } | null {
  try {
    return gitRepo({ Dockerfile: DOCKERFILE, 'package.json': '{"name":"app"}', 'package-lock.json': '{}', 'src/server.js': 'console.log(1)\n', 'src/util.js': 'module.exports = 1\n', '.dockerignore': '.git\n' });
  } catch {
    return null;
  }
}

async function start(root: string, init: Record<string, unknown> = {}): Promise<LspClient> {
  const c = await LspClient.start({ root, initializationOptions: { fileEvents: true, ...init }, capabilities: FULL_CAPS });
  clients.push(c);
  return c;
}

const statusAt = (f: ForecastJson, line0: number) => f.steps.find((s) => s.line === line0 + 1)!.status;

/** The last `layerwise/forecast` notification for `uri` that satisfies `pred`. */
function forecastNote(c: LspClient, uri: string, pred: (n: ForecastNotification) => boolean, what: string): Promise<ForecastNotification> {
  return c.until(
    () => {
      const all = c.notifications.filter((n) => n.method === 'layerwise/forecast' && (n.params as ForecastNotification).uri === uri);
      const last = all[all.length - 1]?.params as ForecastNotification | undefined;
      return last && pred(last) ? last : undefined;
    },
    10000,
    what,
  );
}

describe('live rebuild forecast', () => {
  test('context edit + didChangeWatchedFiles, Dockerfile edit, commit: request, notification, hover and lens follow', async (t) => {
    const r = repo();
    if (!r) return t.skip('git not available');
    const { dir, git } = r;
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const first = await forecastNote(c, uri, (n) => n.items.length === 5, 'first forecast');
    assert.match(first.baseline!, /^HEAD \([0-9a-f]{12}\)$/);
    assert.deepEqual(first.items.map((i) => i.status), ['cached', 'cached', 'cached', 'cached', 'cached'], 'nothing changed since HEAD');
    let f = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.equal(f.context, '.');
    assert.equal(f.dockerfile, 'Dockerfile');
    assert.deepEqual(Object.keys(f.steps[0]!).filter((k) => ['stage', 'line', 'instruction', 'status', 'reasons'].includes(k)).sort(), ['instruction', 'line', 'reasons', 'stage', 'status']);
    assert.equal(f.summary.rebuilt, 0);
    assert.match(await c.hoverText(uri, L.copySrc), /^\*\*Cached\*\* since HEAD/);

    // a context file edited on disk, the client's watcher reports it, and a hover comes right after
    fs.writeFileSync(path.join(dir, 'src', 'server.js'), 'console.log(2)\n');
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'src', 'server.js')).href, type: 2 }] });
    const hover = await c.hoverText(uri, L.copySrc);
    assert.match(hover.split('\n')[0]!, /^\*\*Rebuilds\*\*: `src\/server\.js` changed since HEAD$/, hover);
    f = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.equal(statusAt(f, L.npmCi), 'cached', 'npm ci does not read src/');
    assert.equal(statusAt(f, L.copySrc), 'rebuilt');
    assert.equal(statusAt(f, L.build), 'rebuilt');
    assert.deepEqual(f.steps.find((s) => s.line === L.copySrc + 1)!.reasons.flatMap((x) => x.paths?.map((p) => p.path) ?? []), ['src/server.js']);
    const note = await forecastNote(c, uri, (n) => n.summary.rebuilt === 2, 'forecast notification after the file event');
    assert.equal(note.items.find((i) => i.line === L.copySrc)!.reason, 'src/server.js changed');
    const lenses = await c.codeLenses(uri);
    const lensAt = (line0: number) => lenses.filter((l) => l.range.start.line === line0).map((l) => l.command!.title);
    assert.match(lensAt(L.copySrc)[0]!, /^step 4\/5 · /, 'the step lens first');
    assert.equal(lensAt(L.copySrc)[1], '✗ rebuilds · src/server.js changed');
    assert.equal(lensAt(L.npmCi)[1], '✓ cached');

    // a Dockerfile edit (not saved): the step it changes and every later one rebuild
    const v = c.change(uri, DOCKERFILE.replace('RUN npm ci', 'RUN npm ci --omit=dev'));
    await forecastNote(c, uri, (n) => n.version === v, 'forecast of the edited version');
    f = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.equal(statusAt(f, L.copyPkg), 'cached');
    assert.equal(statusAt(f, L.npmCi), 'rebuilt');
    assert.equal(f.steps.find((s) => s.line === L.npmCi + 1)!.reasons[0]!.kind, 'instruction');
    assert.match(await c.hoverText(uri, L.npmCi), /^\*\*Rebuilds\*\*/);

    // back to HEAD's text, then a commit of the edited file: HEAD moves and nothing rebuilds any more
    const v2 = c.change(uri, DOCKERFILE);
    await forecastNote(c, uri, (n) => n.version === v2 && n.summary.rebuilt === 2, 'forecast after the revert');
    const before = first.baseline!;
    git('add', '-A');
    git('commit', '-qm', 'server.js v2');
    const moved = await forecastNote(c, uri, (n) => n.baseline !== before, 'forecast after HEAD moved');
    assert.equal(moved.summary.rebuilt, 0, JSON.stringify(moved.items));
    assert.match(await c.hoverText(uri, L.copySrc), /^\*\*Cached\*\* since HEAD/);
  });

  test('a file created in the context (didChangeWatchedFiles Created) rebuilds the COPY that selects it', async (t) => {
    const r = repo();
    if (!r) return t.skip('git not available');
    const c = await start(r.dir);
    const uri = c.open(path.join(r.dir, 'Dockerfile'));
    await forecastNote(c, uri, (n) => n.items.length === 5, 'first forecast');
    fs.writeFileSync(path.join(r.dir, 'src', 'new.js'), 'x\n');
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(r.dir, 'src', 'new.js')).href, type: 1 }] });
    assert.match((await c.hoverText(uri, L.copySrc)).split('\n')[0]!, /^\*\*Rebuilds\*\*: `src\/new\.js` changed since HEAD/);
    assert.equal(statusAt(await c.request<ForecastJson>('layerwise/forecast', { uri }), L.copyPkg), 'cached');
  });

  test('one context file event is forecast once: the re-analysis after it does not forecast the same state again', async (t) => {
    const r = repo();
    if (!r) return t.skip('git not available');
    const c = await start(r.dir);
    const uri = c.open(path.join(r.dir, 'Dockerfile'));
    await forecastNote(c, uri, (n) => n.items.length === 5, 'first forecast');
    const notes = () => c.notifications.filter((n) => n.method === 'layerwise/forecast' && (n.params as ForecastNotification).uri === uri).length;
    const analysed = () => c.notifications.filter((n) => n.method === 'layerwise/analysed' && (n.params as { uri: string }).uri === uri).length;
    const a0 = analysed();
    fs.writeFileSync(path.join(r.dir, 'src', 'server.js'), 'console.log(3)\n');
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(r.dir, 'src', 'server.js')).href, type: 2 }] });
    const f1 = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.equal(statusAt(f1, L.copySrc), 'rebuilt', 'the request right after the event answers for the new state');
    const n1 = notes();
    // the event re-analyses the document (its context changed): same version, same inputs, same context state
    await c.until(() => analysed() > a0 || undefined, 10000, 'the analysis after the event');
    // a forecast computed again would be stored and notified before this answer (one stream, in order)
    const f2 = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.deepEqual(f2, f1);
    assert.equal(notes(), n1, 'no second forecast of the same state');
  });

  test('a file event on a quiet server is forecast at once, ahead of the re-analysis it schedules (no request: what the VS Code client sees)', async (t) => {
    const r = repo();
    if (!r) return t.skip('git not available');
    // re-analyses after a file event are scheduled 5 ms later (scheduleSoon: the debounce, at most 100 ms): a forecast
    // left to its trailing delay (30 ms + 3x the last one's time) would queue in the worker behind that analysis
    const c = await start(r.dir, { debounceMs: 5 });
    const uri = c.open(path.join(r.dir, 'Dockerfile'));
    const notes = () => c.notifications.filter((n) => n.method === 'layerwise/forecast' && (n.params as ForecastNotification).uri === uri);
    const analysed = () => c.notifications.filter((n) => n.method === 'layerwise/analysed' && (n.params as { uri: string }).uri === uri).length;
    await forecastNote(c, uri, (n) => n.items.length === 5, 'first forecast');
    await c.until(() => analysed() > 0 || undefined, 10000, 'the first analysis');
    await new Promise((res) => setTimeout(res, 500)); // quiet: the last forecast's time has passed since it ended
    const n0 = notes().length;
    const a0 = analysed();
    fs.writeFileSync(path.join(r.dir, 'src', 'server.js'), 'console.log(5)\n');
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(r.dir, 'src', 'server.js')).href, type: 2 }] });
    // which comes first on the one stream: the forecast of the new state, or the re-analysis's announcement
    const first = await c.until(() => (notes().length > n0 ? 'forecast' : analysed() > a0 ? 'analysis' : undefined), 10000, 'the forecast or the analysis after the event');
    assert.equal(first, 'forecast');
    const n = notes()[n0]!.params as ForecastNotification;
    assert.equal(n.items.find((x) => x.line === L.copySrc)?.status, 'rebuilt', 'the forecast is of the new state');
  });

  test("the worker's echo of a file event the protocol thread applied does not forecast that state again (in-process server: the echo held until the forecast is in)", async (t) => {
    const r = repo();
    if (!r) return t.skip('git not available');
    const s = await InProcessServer.start({ root: r.dir });
    try {
      // the worker's store reports every change it applies; hold those reports back, as a busy worker sends them late
      const slot = s.state.worker as unknown as { onChanged: (dir: string, echo: boolean) => void };
      const deliver = slot.onChanged;
      const held: (() => void)[] = [];
      slot.onChanged = (dir, echo) => void held.push(() => deliver(dir, echo));
      const uri = s.uri(path.join(r.dir, 'Dockerfile'));
      s.open(uri, DOCKERFILE);
      const notes = () => s.notifications.filter((n) => n.method === 'layerwise/forecast' && (n.params as ForecastNotification).uri === uri);
      await s.until(() => notes().some((n) => (n.params as ForecastNotification).items.length === 5), WAIT_MS, 'first forecast');
      fs.writeFileSync(path.join(r.dir, 'src', 'server.js'), 'console.log(4)\n');
      s.fileChanged(path.join(r.dir, 'src', 'server.js'), 2);
      const f1 = await s.request<ForecastJson>('layerwise/forecast', { uri });
      assert.equal(statusAt(f1, L.copySrc), 'rebuilt', 'the request right after the event answers for the new state');
      await s.until(() => held.length > 0, WAIT_MS, "the worker's report of the event");
      const n1 = notes().length;
      for (const f of held.splice(0)) f();
      const f2 = await s.request<ForecastJson>('layerwise/forecast', { uri });
      assert.deepEqual(f2, f1);
      assert.equal(notes().length, n1, 'no second forecast of the same state');
    } finally {
      await s.stop();
    }
  });

  test('untrusted workspace: no git, no baseline, said in the answer; baseline "off" turns it off', async (t) => {
    const r = repo();
    if (!r) return t.skip('git not available');
    const c = await start(r.dir, { trusted: false });
    const uri = c.open(path.join(r.dir, 'Dockerfile'));
    const n = await forecastNote(c, uri, () => true, 'untrusted forecast');
    assert.equal(n.baseline, null);
    assert.match(n.note!, /untrusted workspace: no git/);
    assert.equal(n.items.length, 0);
    const f = await c.request<{ baseline: string | null; note: string; steps: unknown[] }>('layerwise/forecast', { uri });
    assert.equal(f.baseline, null);
    assert.doesNotMatch(await c.hoverText(uri, L.copySrc), /^\*\*(Cached|Rebuilds)/);
    assert.equal(c.messages.filter((m) => /rebuild forecast has no baseline/.test(m)).length, 1, 'said once');

    const off = await start(r.dir, { settings: { forecast: { baseline: 'off' } } });
    const u2 = off.open(path.join(r.dir, 'Dockerfile'));
    await off.waitDiagnostics(u2);
    const n2 = await forecastNote(off, u2, () => true, 'forecast off');
    assert.equal(n2.baseline, null);
    assert.equal(n2.note, null);
    assert.doesNotMatch(await off.hoverText(u2, L.copySrc), /^\*\*(Cached|Rebuilds)/);
  });

  test('not a git repository: a clear note, no crash', async () => {
    const dir = tempContext({ Dockerfile: DOCKERFILE, 'src/server.js': 'x' });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const n = await forecastNote(c, uri, () => true, 'forecast without git');
    assert.equal(n.baseline, null);
    assert.match(n.note!, /^no git baseline: /);
    assert.ok(c.alive);
  });
});

describe('forecast against the last imported build', () => {
  // the saved log of a real build of MANIFEST_FIRST (test/oracle/logs/single-stage.log)
  const LOGS = path.resolve(__dirname, '..', '..', '..', 'test', 'oracle', 'logs');
  const MANIFEST_FIRST = 'FROM localbase\nWORKDIR /app\nCOPY package.json ./\nRUN cat package.json > /installed && echo installing\nCOPY . .\nRUN cat src.js > /built\n';
  const M = { workdir: 1, copyPkg: 2, run: 3, copyAll: 4, build: 5 };

  test('import a build: the forecast compares with it (not HEAD), follows context edits and commits, survives a restart', async () => {
    const { dir, git } = gitRepo({ Dockerfile: MANIFEST_FIRST, '.dockerignore': '.git\n', 'package.json': '{"v":0}\n', 'src.js': 'console.log(0)\n' });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await forecastNote(c, uri, (n) => n.items.length === 5 && /^HEAD/.test(n.baseline ?? ''), 'forecast against HEAD before any import');
    // src.js changed before the build: HEAD says COPY . . rebuilds, the build (made from this state) holds it
    fs.writeFileSync(path.join(dir, 'src.js'), 'console.log(1)\n');
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'src.js')).href, type: 2 }] });
    await forecastNote(c, uri, (n) => /^HEAD/.test(n.baseline ?? '') && n.summary.rebuilt === 2, 'HEAD: src.js changed');
    const imported = await c.request<{ executed: number; stored: string | null }>('layerwise/importBuild', { uri, logText: fs.readFileSync(path.join(LOGS, 'single-stage.log'), 'utf8'), source: 'single-stage.log' });
    assert.equal(imported.executed, 2);
    const n = await forecastNote(c, uri, (x) => /^the build of /.test(x.baseline ?? ''), 'forecast against the imported build');
    assert.match(n.baseline!, /^the build of \d\d:\d\d$/);
    assert.deepEqual(n.items.map((i) => i.status), ['cached', 'cached', 'cached', 'cached', 'cached'], 'nothing changed since the build');
    const time = n.baseline!.slice('the build of '.length);
    assert.equal((await c.hoverText(uri, M.copyAll)).split('\n')[0], `**Cached** since the build of ${time}: nothing it depends on changed`);
    let f = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.equal(f.baseline, `the build of ${time}`);
    assert.equal(f.summary.rebuilt, 0);

    // a context edit after the build
    fs.writeFileSync(path.join(dir, 'src.js'), 'console.log(2)\n');
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'src.js')).href, type: 2 }] });
    assert.equal((await c.hoverText(uri, M.copyAll)).split('\n')[0], `**Rebuilds**: \`src.js\` changed since the build of ${time}`);
    f = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.deepEqual([M.copyPkg, M.run, M.copyAll, M.build].map((l) => statusAt(f, l)), ['cached', 'cached', 'rebuilt', 'rebuilt']);

    // a commit moves HEAD, not the build: still rebuilds (against HEAD nothing would)
    git('add', '-A');
    git('commit', '-qm', 'src v2');
    f = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.equal(statusAt(f, M.copyAll), 'rebuilt');
    // back to the bytes of the build: cached again (the content, not the mtime, decides)
    fs.writeFileSync(path.join(dir, 'src.js'), 'console.log(1)\n');
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'src.js')).href, type: 2 }] });
    f = await c.request<ForecastJson>('layerwise/forecast', { uri });
    assert.equal(statusAt(f, M.copyAll), 'cached');
    fs.writeFileSync(path.join(dir, 'src.js'), 'console.log(3)\n');
    await c.stop();

    // a restart reads the record with its input back (and compares what changed on disk meanwhile)
    const c2 = await start(dir);
    const u2 = c2.open(path.join(dir, 'Dockerfile'));
    const n2 = await forecastNote(c2, u2, (x) => x.items.length === 5, 'forecast after a restart');
    assert.equal(n2.baseline, `the build of ${time}`);
    assert.deepEqual(n2.items.map((i) => i.status), ['cached', 'cached', 'cached', 'rebuilt', 'rebuilt']);

    // layerwise.forecast.baseline "head" compares with HEAD again
    const c3 = await start(dir, { settings: { forecast: { baseline: 'head' } } });
    const u3 = c3.open(path.join(dir, 'Dockerfile'));
    const n3 = await forecastNote(c3, u3, (x) => x.items.length === 5, 'forecast with baseline head');
    assert.match(n3.baseline!, /^HEAD \(/);
  });

  test('a failed build holds only the steps it finished; "lastBuild" without an import says how to get one', async () => {
    const text = 'FROM localbase\nRUN echo ok > /ok\nCOPY missing.txt /m\n';
    const { dir } = gitRepo({ Dockerfile: text, '.dockerignore': '.git\n' });
    const strict = await start(dir, { settings: { forecast: { baseline: 'lastBuild' } } });
    const us = strict.open(path.join(dir, 'Dockerfile'));
    const none = await forecastNote(strict, us, () => true, 'lastBuild without a build');
    assert.equal(none.baseline, null);
    assert.match(none.note!, /^no imported build of this Dockerfile yet: run "Layerwise: Build and import"/);
    const r = await strict.request<{ steps: number }>('layerwise/importBuild', { uri: us, logText: fs.readFileSync(path.join(LOGS, 'failed-build.log'), 'utf8') });
    assert.equal(r.steps, 2);
    const n = await forecastNote(strict, us, (x) => x.baseline !== null, 'forecast against the failed build');
    // nothing changed since, but the COPY failed: the builder holds no result for it, so it runs again
    assert.deepEqual(n.items.map((i) => [i.line, i.status]), [[1, 'cached'], [2, 'rebuilt']]);
  });
});

describe('layer cache map and "what rebuilds if this changes?"', () => {
  const MULTI = 'FROM node:20 AS build\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY src ./src\nRUN npm run build\n\nFROM alpine AS tools\nRUN echo <b>&\n\nFROM node:20-slim AS app\nCOPY --from=build /app/dist /dist\nCMD ["node", "/dist/x.js"]\n';
  const multiRepo = (): string => gitRepo({ Dockerfile: MULTI, 'package.json': '{}', 'src/a.js': '1', '.dockerignore': '.git\n', 'docs/readme.md': 'x' }).dir;
  interface MapResult { html: string; css: string; steps: { line: number; status: string }[]; firstMiss: number | null; targets: string[]; target: string | null; baseline: string | null }

  test('layerwise/cacheMap: one box per step with the forecast statuses, the first miss, a target picker; the map lens for clients that have the command', async () => {
    const dir = multiRepo();
    fs.writeFileSync(path.join(dir, 'src/a.js'), '2');
    const c = await start(dir, { commands: ['layerwise.showCacheMap'] });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await forecastNote(c, uri, (n) => n.items.length === 7, 'first forecast');
    const m = await c.request<MapResult>('layerwise/cacheMap', { uri });
    assert.deepEqual(m.steps, [
      { line: 2, status: 'cached' },
      { line: 3, status: 'cached' },
      { line: 4, status: 'cached' },
      { line: 5, status: 'rebuilt' },
      { line: 6, status: 'rebuilt' },
      { line: 9, status: 'skipped' },
      { line: 12, status: 'maybe' },
    ]);
    assert.equal(m.firstMiss, 5);
    assert.deepEqual(m.targets, ['build', 'tools', 'app']);
    assert.equal(m.target, 'app');
    const boxes = [...m.html.matchAll(/<li class="step ([a-z]+)[^"]*" data-line="(\d+)" data-status="([a-z]+)"/g)].map((x) => [Number(x[2]), x[3]]);
    assert.deepEqual(boxes, m.steps.map((s) => [s.line, s.status]), 'the HTML holds the same boxes');
    // sizes where known, as the hover and lens show them: COPY package.json ({}: 2 bytes), COPY src (src/a.js: 1)
    const sized = m.html.split('<li class="step').slice(1).map((box) => {
      const tag = box.slice(0, box.indexOf('>'));
      return [Number(/data-line="(\d+)"/.exec(tag)![1]), /data-bytes="(\d+)"/.exec(tag)?.[1] ?? null, /<span class="facts">[^<]*?(adds [0-9.]+ [kMG]?B)/.exec(box)?.[1] ?? null];
    });
    assert.deepEqual(sized, [[2, null, null], [3, '2', 'adds 2 B'], [4, null, null], [5, '1', 'adds 1 B'], [6, null, null], [9, null, null], [12, null, null]]);
    const hover = await c.hover(uri, 2, 1);
    assert.match(JSON.stringify(hover), /adds 2 B from the context/, 'the figure the hover shows');
    assert.match(m.html, /RUN echo &lt;b&gt;&amp;/, 'instruction text escaped');
    assert.match(m.html, /data-reads="0"/, 'the COPY --from names the stage it copies from');
    assert.doesNotMatch(m.html + m.css, /https?:|url\(|<script/i);
    assert.match(m.html, /<section class="lane unused" data-stage="tools"/, 'a stage the target does not build is greyed');
    // the picker's target: tools, so build and app are not built
    const tools = await c.request<MapResult>('layerwise/cacheMap', { uri, target: 'tools' });
    assert.deepEqual(tools.steps.map((s) => s.status), ['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'cached', 'skipped']);
    assert.equal(tools.target, 'tools');
    assert.equal((await c.request<MapResult>('layerwise/cacheMap', { uri })).target, 'app', 'the live forecast keeps the build settings\' target');
    const lenses = await c.codeLenses(uri);
    assert.deepEqual(lenses.filter((l) => l.command?.command === 'layerwise.showCacheMap').map((l) => [l.range.start.line, l.command!.title]), [[0, 'layer cache map']]);
    const plain = await start(dir);
    const u2 = plain.open(path.join(dir, 'Dockerfile'));
    await plain.waitDiagnostics(u2);
    assert.equal((await plain.codeLenses(u2)).filter((l) => l.command?.command === 'layerwise.showCacheMap').length, 0, 'no lens naming a command the client lacks');
  });

  test('layerwise/whatIf: the steps that rebuild if a file or folder changed, for each Dockerfile whose context holds it', async () => {
    const dir = multiRepo();
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'Dockerfile'), 'FROM alpine\nCOPY . /x\n');
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const other = pathToFileURL(path.join(dir, 'other', 'Dockerfile')).href;
    type W = { results: { dockerfile: string; steps: { line: number; status: string }[]; rebuilt: number }[]; markdown: string };
    const file = await c.request<W>('layerwise/whatIf', { uri: pathToFileURL(path.join(dir, 'src', 'a.js')).href, dockerfiles: [uri, other] });
    assert.deepEqual(file.results.map((r) => r.dockerfile), ['Dockerfile'], 'other/ is its own context: src/a.js is not in it');
    assert.deepEqual(file.results[0]!.steps.map((s) => s.status), ['cached', 'cached', 'cached', 'rebuilt', 'rebuilt', 'skipped', 'maybe']);
    assert.match(file.markdown, /^# What rebuilds if `src\/a\.js` changes/);
    const folder = await c.request<W>('layerwise/whatIf', { uri: pathToFileURL(path.join(dir, 'src')).href, dockerfiles: [uri, other] });
    assert.equal(folder.results[0]!.rebuilt, 2);
    const manifest = await c.request<W>('layerwise/whatIf', { uri: pathToFileURL(path.join(dir, 'package.json')).href, dockerfiles: [uri] });
    assert.deepEqual(manifest.results[0]!.steps.map((s) => s.status).slice(0, 5), ['cached', 'rebuilt', 'rebuilt', 'rebuilt', 'rebuilt']);
    const inner = await c.request<W>('layerwise/whatIf', { uri: pathToFileURL(path.join(dir, 'other', 'Dockerfile')).href, dockerfiles: [uri, other] });
    assert.deepEqual(inner.results.map((r) => [r.dockerfile, r.rebuilt]), [['Dockerfile', 0], ['other/Dockerfile', 1]], 'other/Dockerfile is in both contexts; only other/ copies it');
    const untrusted = await start(dir, { trusted: false });
    const u3 = untrusted.open(path.join(dir, 'Dockerfile'));
    await untrusted.waitDiagnostics(u3);
    await assert.rejects(untrusted.request('layerwise/whatIf', { uri: pathToFileURL(path.join(dir, 'src', 'a.js')).href }), /untrusted workspace/);
  });
});
