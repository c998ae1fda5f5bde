// `layerwise cache` from the bundled CLI when the daemon is not what it should be: none, hanging, permission
// denied, an API error, an answer that is not JSON, a huge cache (10,000 records: the recorded real answer of
// test/buildcache/recorded-20.10 cloned). One line on stderr, exit code 2, never a stack trace or a hang; the huge
// cache is answered in full. Bad arguments are usage errors. The real daemon's side is test/oracle/cache.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { unprivileged, openToOthers } from '../unprivileged';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const REC = path.join(ROOT, 'test/buildcache/recorded-20.10');
/** The daemon's image list as recorded with the df answers (their Images part). */
const IMAGES = JSON.stringify((JSON.parse(fs.readFileSync(path.join(REC, 'answers.json'), 'utf8')) as Record<string, { Images: unknown }>)['df2']!.Images);

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string, asNobody = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...rest] = asNobody ? [...unprivileged(), process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  return new Promise((resolve) => {
    // asynchronous: the fake daemons answer from this process
    const p = spawn(cmd!, rest, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function fixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-cachecli-'));
  fs.copyFileSync(path.join(REC, 'Dockerfile'), path.join(dir, 'Dockerfile'));
  fs.copyFileSync(path.join(REC, 'alt.Dockerfile'), path.join(dir, 'alt.Dockerfile'));
  return dir;
}

function oneLine(r: { code: number | null; stderr: string; stdout: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr.trimEnd(), re);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

async function listen(server: net.Server, sock: string): Promise<void> {
  await new Promise<void>((r) => server.listen(sock, r));
}

test('no daemon: a missing socket, and the default context with nothing on it', async (t) => {
  const dir = fixture();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  oneLine(await run(['cache'], { DOCKER_HOST: `unix://${dir}/none.sock` }, dir), /^layerwise: no Docker daemon at unix:\/\/.*none\.sock \(DOCKER_HOST\): the socket does not exist$/);
  oneLine(await run(['cache', 'prune', '--yes'], { DOCKER_HOST: 'tcp://127.0.0.1:1' }, dir), /^layerwise: DOCKER_HOST: tcp:\/\/127\.0\.0\.1:1 has no TLS settings/);
});

test('a daemon that accepts and never answers: a timeout line, not a hang', async (t) => {
  const dir = fixture();
  const sock = path.join(dir, 'hang.sock');
  const held: net.Socket[] = [];
  const srv = net.createServer((s) => { held.push(s); s.on('error', () => undefined); });
  await listen(srv, sock);
  t.after(() => { for (const s of held) s.destroy(); srv.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  oneLine(await run(['cache'], { DOCKER_HOST: 'unix://' + sock }, dir), /^layerwise: the Docker daemon at unix:\/\/.*hang\.sock \(DOCKER_HOST\) did not answer GET \/_ping within 3000 ms$/);
});

test('permission denied on the socket (as an unprivileged user)', async (t) => {
  const dir = fixture();
  openToOthers(dir);
  const sock = path.join(dir, 'd.sock');
  const srv = http.createServer((_q, r) => { r.writeHead(200, { 'API-Version': '1.41' }); r.end('OK'); });
  await listen(srv, sock);
  fs.chmodSync(sock, 0o000);
  t.after(() => { srv.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  oneLine(await run(['cache'], { DOCKER_HOST: 'unix://' + sock }, dir, true), /^layerwise: permission denied on unix:\/\/.*d\.sock \(DOCKER_HOST\) \(is your user in the docker group\?\)$/);
});

/** A daemon that answers /_ping and serves `df` (a body, or a status + message) for /system/df. */
async function fakeDaemon(dir: string, df: (res: http.ServerResponse) => void, onPrune?: (url: string) => unknown) {
  const sock = path.join(dir, 'api.sock');
  const srv = http.createServer((req, res) => {
    if (req.url === '/_ping') { res.writeHead(200, { 'API-Version': '1.41', Server: 'Docker/20.10.24' }); res.end('OK'); return; }
    if (req.url?.startsWith('/v1.41/system/df')) { df(res); return; }
    if (req.url === '/v1.41/images/json') { res.writeHead(200); res.end(IMAGES); return; }
    if (req.url?.startsWith('/v1.41/build/prune') && onPrune) { res.writeHead(200); res.end(JSON.stringify(onPrune(req.url))); return; }
    res.writeHead(404); res.end('{"message":"page not found"}');
  });
  await listen(srv, sock);
  return { sock, close: () => { srv.closeAllConnections(); srv.close(); } };
}

test('an API error and an answer that is not JSON: one line each', async (t) => {
  const dir = fixture();
  const d = await fakeDaemon(dir, (res) => { res.writeHead(500, { 'Content-Type': 'application/json' }); res.end('{"message":"error getting build cache usage: boom"}'); });
  t.after(() => { d.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  oneLine(await run(['cache', '--format', 'json'], { DOCKER_HOST: 'unix://' + d.sock }, dir), /^layerwise: Docker API GET \/system\/df\?type=build-cache: 500 error getting build cache usage: boom$/);
  const dir2 = fixture();
  const d2 = await fakeDaemon(dir2, (res) => { res.writeHead(200); res.end('<html>'); });
  t.after(() => { d2.close(); fs.rmSync(dir2, { recursive: true, force: true }); });
  oneLine(await run(['cache'], { DOCKER_HOST: 'unix://' + d2.sock }, dir2), /^layerwise: the answer to GET \/system\/df\?type=build-cache is not JSON$/);
});

test('a huge cache: 10,000 records answered in full (text and JSON), prune --dry-run deletes nothing', async (t) => {
  const dir = fixture();
  const answers = JSON.parse(fs.readFileSync(path.join(REC, 'answers.json'), 'utf8')) as Record<string, { BuildCache: Record<string, unknown>[] }>;
  const base = answers['df2']!.BuildCache;
  const big: Record<string, unknown>[] = [];
  for (let k = 0; big.length < 10_000; k++) for (const x of base) big.push({ ...x, ID: `${x.ID}${k}`, Parent: x.Parent ? `${x.Parent}${k}` : '' });
  const body = JSON.stringify({ BuildCache: big, BuilderSize: 0 });
  let prunes = 0;
  const d = await fakeDaemon(dir, (res) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(body); }, () => { prunes++; return {}; });
  t.after(() => { d.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const j = await run(['cache', '--format', 'json'], { DOCKER_HOST: 'unix://' + d.sock }, dir);
  assert.equal(j.code, 0, j.stderr);
  const out = JSON.parse(j.stdout) as { totalBytes: number; records: unknown[]; dockerfiles: { steps: unknown[] }[] };
  assert.equal(out.records.length, big.length);
  assert.equal(out.totalBytes, big.reduce((s, x) => s + (x.Size as number), 0));
  assert.ok(out.dockerfiles.every((x) => x.steps.length > 0));
  const txt = await run(['cache'], { DOCKER_HOST: 'unix://' + d.sock }, dir);
  assert.equal(txt.code, 0, txt.stderr);
  assert.match(txt.stdout, new RegExp(`\\nTotal: [\\d.]+ MB in ${big.length} records`));
  const dry = await run(['cache', 'prune'], { DOCKER_HOST: 'unix://' + d.sock }, dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /\nDry run: nothing deleted\. Run again with --yes/);
  assert.equal(prunes, 0, 'a dry run sends no prune');
});

test('usage errors: bad options, sizes and combinations', async (t) => {
  const dir = fixture();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { DOCKER_HOST: `unix://${dir}/none.sock` };
  oneLine(await run(['cache', '--yes'], env, dir), /^layerwise: --yes only applies to cache prune$/);
  oneLine(await run(['cache', 'prune', '--keep-storage', 'lots'], env, dir), /^layerwise: --keep-storage "lots": expected a size such as 10GB/);
  oneLine(await run(['cache', 'prune', '--yes', '--dry-run'], env, dir), /^layerwise: --dry-run and --yes cannot be combined$/);
  oneLine(await run(['cache', '--format', 'sarif'], env, dir), /^layerwise: --format sarif is not available for cache \(text, json\)$/);
  oneLine(await run(['cache', '--bogus'], env, dir), /^layerwise: unknown option --bogus for cache/);
  oneLine(await run(['cache', 'nowhere'], env, dir), /^layerwise: no such file or directory: nowhere$/);
});
