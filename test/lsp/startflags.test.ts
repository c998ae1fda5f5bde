// The launcher sets the server's V8 options (nodeflags.ts) back to V8's defaults while the process starts, and sets
// them again once it has started (server/src/lsp/startflags.ts): V8 rejects a code cache made under other flags, and
// under them Node compiled its own modules from source. Seen as V8 sees it, in a process started with those options:
// a code cache made by a process without options is taken during the start and rejected after it, and one made after
// it by the same process is taken then. Plus the launcher's own order: the worker it starts bootstraps with Node's
// built-in code cache (NODE_DEBUG_NATIVE=CODE_CACHE names every module whose cache V8 took or rejected, in either
// thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SERVER_NODE_FLAGS } from '../../server/src/lsp/nodeflags';
import { DEFERRED_V8_FLAGS, RESTORE_AFTER_MS } from '../../server/src/lsp/startflags';

const STARTFLAGS = path.resolve(__dirname, '../../server/src/lsp/startflags.js');
/** One source per check: V8's compilation cache answers a source compiled before without looking at cachedData. */
const src = (name: string) => `function ${name}(a) { return a + 1; }`;
const CHECKS = ['before', 'during', 'after'];

test('start flags: every V8 option the server is started with is one the launcher defers', () => {
  for (const f of SERVER_NODE_FLAGS) assert.ok(DEFERRED_V8_FLAGS[f.split('=')[0]!] !== undefined, `${f} is deferred`);
});

test('start flags: V8 checks code caches against its defaults during the start, against the given options after it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-startflags-'));
  // caches made with V8's defaults, as Node's own built-in one is
  const made = `for (const n of ${JSON.stringify(CHECKS)}) require('fs').writeFileSync(require('path').join(${JSON.stringify(dir)}, n), new (require('vm').Script)((${src.toString()})(n)).createCachedData())`;
  execFileSync(process.execPath, ['-e', made]);
  const script = `
    const vm = require('vm'), fs = require('fs'), path = require('path');
    const src = ${src.toString()};
    const taken = (name, data) => !new vm.Script(src(name), { cachedData: data ?? fs.readFileSync(path.join(${JSON.stringify(dir)}, name)) }).cachedDataRejected;
    const out = { before: taken('before') };
    require(${JSON.stringify(STARTFLAGS)}).deferStartFlags(process.execArgv);
    out.during = taken('during');
    setTimeout(() => {
      out.after = taken('after');
      out.madeAfter = taken('madeAfter', new vm.Script(src('madeAfter')).createCachedData());
      console.log(JSON.stringify(out));
    }, ${RESTORE_AFTER_MS + 300});`;
  const r = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: false, during: true, after: false, madeAfter: true });
});

test('start flags: the analysis worker bootstraps with Node\'s built-in code cache', async () => {
  const { LspClient, tempContext, FULL_CAPS } = await import('./client');
  const dir = tempContext({ 'package.json': '{}' });
  const c = await LspClient.start({ root: dir, capabilities: FULL_CAPS, env: { ...process.env, NODE_DEBUG_NATIVE: 'CODE_CACHE' } });
  try {
    const uri = c.open(path.join(dir, 'Dockerfile'), 'FROM node:20\nRUN true\n');
    await c.waitDiagnostics(uri, () => true, 30_000);
  } finally {
    await c.stop();
  }
  // the modules only a worker thread loads: `internal/main/worker_thread` runs there, never in the protocol thread
  const rejected = [...c.stderr.matchAll(/^Code cache of (\S+) \(\w+\) is rejected$/gm)].map((m) => m[1]!);
  const accepted = [...c.stderr.matchAll(/^Code cache of (\S+) \(\w+\) is accepted$/gm)].map((m) => m[1]!);
  assert.ok(accepted.includes('internal/main/worker_thread'), `the worker's bootstrap took its cache (rejected: ${rejected.join(' ')})`);
  assert.ok(!rejected.includes('internal/main/worker_thread'));
  // and its modules of worker_threads (which the protocol thread loads too) were not first compiled under the given
  // options, before the launcher set them back: the cache Node made then would be rejected in the worker as well
  for (const m of ['worker_threads', 'internal/worker', 'internal/worker/io']) assert.ok(!rejected.includes(m), `${m} rejected (${rejected.join(' ')})`);
});
