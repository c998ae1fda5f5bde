// The built server loads its bundle through a V8 code cache (server/src/lsp/codecache.ts): one file per thread role
// (the protocol thread, the analysis worker) under LAYERWISE_CODE_CACHE_DIR, written 2 s after a thread started
// without a usable one, its first line the SHA-1 of dist/server.js. Over the protocol, with a real cache folder:
// the files are made, taken by the next server (not written again), and a damaged, foreign or unwritable cache never
// changes what the server answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LspClient, tempContext, FULL_CAPS } from './client';

const BUNDLE = path.resolve(__dirname, '../../../dist/server.js');
const DOCKERFILE = ['FROM node:20', 'WORKDIR /app', 'COPY nothere.txt /x', 'RUN apt-get update', 'RUN apt-get install -y curl', 'COPY . .', ''].join('\n');
/** A little over the loader's 2 s. */
const SAVED_MS = 3000;

/** One build context for every run (the messages name it). */
const dir = tempContext({ 'package.json': '{}', 'a.js': '1' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bundleHash = () => crypto.createHash('sha1').update(fs.readFileSync(BUNDLE, 'utf8')).digest('hex');

/** Starts a server with this cache setting, opens the Dockerfile, returns its full diagnostics' codes and messages. */
async function run(env: NodeJS.ProcessEnv, live = SAVED_MS): Promise<string[]> {
  const c = await LspClient.start({ root: dir, capabilities: FULL_CAPS, initializationOptions: { debounceMs: 0 }, env: { ...process.env, ...env } });
  try {
    const uri = c.open(path.join(dir, 'Dockerfile'), DOCKERFILE);
    await c.waitDiagnostics(uri, (d) => d.some((x) => x.code === 'copy-source-missing'), 30_000);
    await sleep(live);
    const last = c.diagnostics.get(uri)!.at(-1)!;
    return last.diagnostics.map((d) => `${String(d.code)}@${d.range.start.line}: ${d.message}`).sort();
  } finally {
    await c.stop();
  }
}

function cacheFiles(folder: string): Map<string, fs.Stats> {
  if (!fs.existsSync(folder)) return new Map();
  return new Map(fs.readdirSync(folder).map((f) => [f, fs.statSync(path.join(folder, f))]));
}

test('code cache: made for both threads, then taken by the next server without writing it again', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-codecache-'));
  const first = await run({ LAYERWISE_CODE_CACHE_DIR: cache });
  const made = cacheFiles(cache);
  const names = [...made.keys()].sort();
  assert.equal(names.length, 2, `one file per thread: ${names.join(', ')}`);
  assert.match(names[0]!, /^server\.js\.server\.[0-9a-f]{12}\.v8cache$/);
  assert.match(names[1]!, /^server\.js\.worker\.[0-9a-f]{12}\.v8cache$/);
  for (const n of names) {
    const buf = fs.readFileSync(path.join(cache, n));
    assert.equal(buf.toString('latin1', 0, 41), bundleHash() + '\n', `${n} names the bundle it was made from`);
    assert.ok(buf.length > 10_000, `${n} holds compiled code (${buf.length} bytes)`);
  }
  const second = await run({ LAYERWISE_CODE_CACHE_DIR: cache });
  assert.deepEqual(second, first);
  for (const [n, st] of cacheFiles(cache)) assert.equal(st.mtimeMs, made.get(n)!.mtimeMs, `${n} was taken, not made again`);
});

test('code cache: a damaged or foreign file is not taken, the answers stay the same, and the file is made again', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-codecache-'));
  const reference = await run({ LAYERWISE_CODE_CACHE_DIR: cache });
  const names = [...cacheFiles(cache).keys()];
  assert.equal(names.length, 2);
  const [serverFile, workerFile] = names.sort().map((n) => path.join(cache, n)) as [string, string];
  // the right header with bytes V8 cannot read, and a cache of another build (its header names other bytes)
  fs.writeFileSync(serverFile, Buffer.concat([Buffer.from(bundleHash() + '\n', 'latin1'), crypto.randomBytes(50_000)]));
  const good = fs.readFileSync(workerFile);
  fs.writeFileSync(workerFile, Buffer.concat([Buffer.from('0'.repeat(40) + '\n', 'latin1'), good.subarray(41)]));
  assert.deepEqual(await run({ LAYERWISE_CODE_CACHE_DIR: cache }), reference);
  for (const f of [serverFile, workerFile]) assert.equal(fs.readFileSync(f).toString('latin1', 0, 41), bundleHash() + '\n', `${path.basename(f)} made again`);
  // a truncated file
  fs.writeFileSync(serverFile, fs.readFileSync(serverFile).subarray(0, 30));
  assert.deepEqual(await run({ LAYERWISE_CODE_CACHE_DIR: cache }), reference);
  assert.ok(fs.statSync(serverFile).size > 10_000, 'a truncated file is made again');
});

test('code cache: an unwritable folder or LAYERWISE_CODE_CACHE=0 changes nothing but the cache', async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-codecache-'));
  const blocked = path.join(parent, 'not-a-folder');
  fs.writeFileSync(blocked, 'a file where the folder would be');
  const reference = await run({ LAYERWISE_CODE_CACHE_DIR: path.join(parent, 'ref') });
  assert.deepEqual(await run({ LAYERWISE_CODE_CACHE_DIR: blocked }), reference);
  assert.equal(fs.readFileSync(blocked, 'utf8'), 'a file where the folder would be');
  const off = path.join(parent, 'off');
  assert.deepEqual(await run({ LAYERWISE_CODE_CACHE_DIR: off, LAYERWISE_CODE_CACHE: '0' }), reference);
  assert.equal(fs.existsSync(off), false, 'nothing written when it is off');
});
