// The build cache in the language server (the built server over stdio, a real LSP client): hover lines with a
// step's cached size and last use and a cache mount's size, from a daemon on a unix socket that serves the answer
// recorded from a real dockerd 20.10 (test/buildcache/recorded-20.10, df2); no daemon, a hanging daemon (hovers
// answer without waiting, one log line); `layerwise/buildCachePlan` / `layerwise/buildCachePrune`: refused when
// untrusted, and deleting exactly the listed stale records (the prune requests the daemon receives).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { FULL_CAPS, LspClient } from './client';

const REC = path.resolve(__dirname, '../../../test/buildcache/recorded-20.10');
const answers = JSON.parse(fs.readFileSync(path.join(REC, 'answers.json'), 'utf8')) as Record<string, { BuildCache: Record<string, unknown>[] }>;
const clients: LspClient[] = [];
after(async () => { for (const c of clients) await c.stop(); });

function root(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-lspcache-'));
  for (const f of ['Dockerfile', 'alt.Dockerfile']) fs.copyFileSync(path.join(REC, f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src/app.txt'), 'v2: edited\n');
  fs.writeFileSync(path.join(dir, 'deps.txt'), 'deps\n');
  return dir;
}

async function start(dir: string, dockerHost: string, trusted = true): Promise<LspClient> {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = dockerHost; // the server reads the environment, like the docker CLI
  try {
    const c = await LspClient.start({ root: dir, initializationOptions: { fileEvents: true, trusted }, capabilities: FULL_CAPS });
    clients.push(c);
    return c;
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST; else process.env.DOCKER_HOST = saved;
  }
}

async function recordedDaemon(dir: string, df: { BuildCache: unknown; Images?: unknown } = answers['df2']!) {
  const sock = path.join(dir, 'docker.sock');
  const prunes: string[] = [];
  const body = JSON.stringify({ BuildCache: df.BuildCache });
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url!, 'http://d');
    if (u.pathname === '/_ping') { res.writeHead(200, { 'API-Version': '1.41' }); res.end('OK'); return; }
    if (u.pathname === '/v1.41/system/df') { res.writeHead(200); res.end(body); return; }
    if (u.pathname === '/v1.41/images/json') { res.writeHead(200); res.end(JSON.stringify(df.Images ?? [])); return; }
    if (u.pathname === '/v1.41/build/prune' && req.method === 'POST') {
      const id = (JSON.parse(u.searchParams.get('filters')!) as { id: string[] }).id[0]!.replace(/^\^|\$$/g, '');
      assert.equal(u.searchParams.get('all'), 'true');
      prunes.push(id);
      const r = answers['df2']!.BuildCache.find((x) => x.ID === id);
      res.writeHead(200); res.end(JSON.stringify({ CachesDeleted: r ? [id] : null, SpaceReclaimed: r ? r.Size : 0 })); return;
    }
    res.writeHead(404); res.end('{"message":"not found"}');
  });
  await new Promise<void>((r) => srv.listen(sock, r));
  after(() => { srv.closeAllConnections(); srv.close(); });
  return { host: 'unix://' + sock, prunes };
}

const DF = fs.readFileSync(path.join(REC, 'Dockerfile'), 'utf8').split('\n');
const lineOf = (prefix: string) => DF.findIndex((l) => l.startsWith(prefix));

test('hovers: a step\'s cached size, generations, last use and uses; a cache mount\'s size', async (t) => {
  const dir = root();
  const d = await recordedDaemon(dir);
  const c = await start(dir, d.host);
  const uri = c.open(path.join(dir, 'Dockerfile'));
  await c.waitDiagnostics(uri);
  const run = lineOf('RUN dd if=/dev/zero of=/srv/built.bin');
  // the first hover starts the probe and does not wait for it; a later one has the sizes
  assert.doesNotMatch(await c.hoverText(uri, run), /\*\*Build cache:\*\*/, 'the first hover does not wait for the daemon');
  await c.until(() => c.messages.some((m) => /build cache of unix:\/\/.*docker\.sock \(DOCKER_HOST\): 21 records/.test(m)), 10_000, 'the probe\'s first answer');
  const hover = await c.hoverText(uri, run);
  t.diagnostic(hover.split('\n').filter((l) => /Build cache/.test(l)).join(' '));
  // expected from the recording: the records whose description is this RUN's argv
  const recs = answers['df2']!.BuildCache.filter((x) => x.Description === 'mount / from exec /bin/sh -c ' + DF[run]!.slice(4));
  assert.equal(recs.length, 2);
  const bytes = recs.reduce((s, x) => s + (x.Size as number), 0);
  const uses = recs.reduce((s, x) => s + (x.UsageCount as number), 0);
  assert.match(hover, new RegExp(`\\*\\*Build cache:\\*\\* ${(bytes / 1000).toPrecision(3)} kB in 2 records \\(generations\\), last used \\d+ (s|min|h|days) ago, used ${uses} times`));
  const mountRun = lineOf('RUN --mount=type=cache');
  const mh = await c.hoverText(uri, mountRun);
  const cm = answers['df2']!.BuildCache.find((x) => x.Type === 'exec.cachemount')!;
  assert.match(mh, new RegExp(`\\*\\*Cache mount:\\*\\* ${((cm.Size as number) / 1000).toPrecision(3)} kB, last used`));
  assert.equal(c.messages.filter((m) => /build cache of unix:/.test(m)).length, 1, c.messages.join('\n'));
});

test('no daemon and a hanging daemon: hovers answer without cache lines and do not wait; one log line each', async (t) => {
  for (const kind of ['none', 'hang'] as const) {
    const dir = root();
    let host = `unix://${dir}/none.sock`;
    if (kind === 'hang') {
      const sock = path.join(dir, 'hang.sock');
      const held: net.Socket[] = [];
      const srv = net.createServer((s) => { held.push(s); s.on('error', () => undefined); });
      await new Promise<void>((r) => srv.listen(sock, r));
      t.after(() => { for (const s of held) s.destroy(); srv.close(); });
      host = 'unix://' + sock;
    }
    const c = await start(dir, host);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const run = lineOf('RUN dd if=/dev/zero of=/srv/built.bin');
    for (let i = 0; i < 5; i++) {
      const h = await c.hoverText(uri, run);
      assert.match(h, /RUN|rebuild|cache/i);
      assert.doesNotMatch(h, /\*\*Build cache:\*\*/);
    }
    const why = kind === 'none' ? /no build-cache sizes in hovers: no Docker daemon at unix:\/\/.*none\.sock \(DOCKER_HOST\): the socket does not exist/
      : /no build-cache sizes in hovers: the Docker daemon at unix:\/\/.*hang\.sock \(DOCKER_HOST\) did not answer GET \/_ping within 1500 ms/;
    await c.until(() => c.messages.some((m) => why.test(m)), 10_000, `${kind}: the log line`);
    for (let i = 0; i < 3; i++) await c.hoverText(uri, run);
    assert.equal(c.messages.filter((m) => /no build-cache sizes in hovers/.test(m)).length, 1, `${kind}: said once`);
  }
});

test('Clean stale build cache: refused when untrusted; the plan lists the stale generation; prune deletes exactly it', async () => {
  const dir = root();
  const d = await recordedDaemon(dir);
  const u = await start(dir, d.host, false);
  await assert.rejects(u.request('layerwise/buildCachePlan', {}), /not cleaned in an untrusted workspace/);
  await assert.rejects(u.request('layerwise/buildCachePrune', { ids: ['x'] }), /not cleaned in an untrusted workspace/);
  assert.deepEqual(d.prunes, []);
  const c = await start(dir, d.host, true);
  const plan = await c.request<{ ids: string[]; staleBytes: number; items: { dockerfile: string; line: number; bytes: number }[] }>('layerwise/buildCachePlan', {});
  // the stale generation in the recording: the records build 2 did not use that sit at steps build 2 re-ran
  assert.equal(plan.ids.length, 4);
  assert.deepEqual(plan.items.map((i) => `${i.dockerfile}:${i.line}`).sort(), ['Dockerfile:11', 'Dockerfile:12', 'alt.Dockerfile:3', 'alt.Dockerfile:4']);
  const before = new Map(answers['df1']!.BuildCache.map((x) => [x.ID, x.LastUsedAt]));
  for (const id of plan.ids) assert.equal(answers['df2']!.BuildCache.find((x) => x.ID === id)!.LastUsedAt, before.get(id), `${id} unused by build 2`);
  const r = await c.request<{ deleted: string[]; reclaimedBytes: number; notDeleted: string[] }>('layerwise/buildCachePrune', { ids: plan.ids.slice(0, 3).concat(['not-listed']) });
  assert.deepEqual(new Set(d.prunes), new Set(plan.ids.slice(0, 3)), 'only confirmed, still stale ids reach the daemon');
  assert.deepEqual(r.notDeleted, ['not-listed']);
  assert.equal(r.reclaimedBytes, plan.ids.slice(0, 3).reduce((s, id) => s + (answers['df2']!.BuildCache.find((x) => x.ID === id)!.Size as number), 0));
});

test('missing-cache-mount: the hover says how big the cache mount its fix would add already is in this builder', async () => {
  // recorded: a real build of npm-cache.Dockerfile (a RUN with a cache mount at /root/.npm)
  const df = JSON.parse(fs.readFileSync(path.join(REC, 'npm-cache.df.json'), 'utf8')) as { BuildCache: Record<string, unknown>[]; Images: unknown };
  const cm = df.BuildCache.find((x) => x.Type === 'exec.cachemount')!;
  assert.match(cm.Description as string, /^cached mount \/root\/\.npm from exec /);
  const dir = root();
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM localbase\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\n');
  fs.writeFileSync(path.join(dir, 'package.json'), '{}');
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}');
  const d = await recordedDaemon(dir, df);
  const c = await start(dir, d.host);
  const uri = c.open(path.join(dir, 'Dockerfile'));
  const diags = await c.waitDiagnostics(uri, (ds) => ds.some((x) => x.code === 'missing-cache-mount'));
  assert.ok(diags.diagnostics.some((x) => x.code === 'missing-cache-mount' && x.range.start.line === 3));
  await c.hoverText(uri, 3); // starts the probe
  await c.until(() => c.messages.some((m) => /build cache of unix:\/\/.*: 5 records/.test(m)), 10_000, 'the probe\'s first answer');
  const h = await c.hoverText(uri, 3);
  assert.match(h, new RegExp(`\\*\\*Cache mount \`/root/\\.npm\`\\*\\* already in this builder: ${((cm.Size as number) / 1000).toPrecision(3)} kB \\(the fix would reuse it\\)`), h);
});
