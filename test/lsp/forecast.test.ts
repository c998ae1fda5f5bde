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

function repo(): { dir: string; git: (...a: string[]) => string } | null {
  const dir = tempContext({ Dockerfile: DOCKERFILE, 'package.json': '{"name":"app"}', 'package-lock.json': '{}', 'src/server.js': 'console.log(1)\n', 'src/util.js': 'module.exports = 1\n', '.dockerignore': '.git\n' });
  const git = (...a: string[]) => {
    const r = spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...a], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'init');
  } catch {
    return null;
  }
  return { dir, git };
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
