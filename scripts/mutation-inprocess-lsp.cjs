// The `lsp` group's mutants in ONE process (test/README.md § Mutation testing): the scheduling test files
// (test/lsp/scheduling*.test.ts, the real server over in-memory streams, test/lsp/inprocess.ts) loaded once from a
// Stryker sandbox whose build finished, each mutant switched on at runtime through globalThis.__stryker__.activeMutant
// (the instrumented code reads it on every call). scheduler.ts and runanalysis.ts run on the protocol thread only: the
// analysis worker thread (worker.ts) never loads them, so a mutant active in this thread is the whole mutant.
//
// Usage (from the repository): node scripts/mutation-inprocess-lsp.cjs <sandbox> <ids: a-b,c,...|all> [out/test/lsp/x.test.js ...]
//   (test files relative to the sandbox; default: the lsp group's six scheduling files). Env: LAYERWISE_MUTANT_JSON=<file> writes
//   the results as JSON ({ id: { status, test } }); LAYERWISE_MUTANT_TESTS=<regexp> keeps only the tests it matches.
// How: a baseline pass runs every test with __stryker__.currentTestId set to it (per-test coverage; what runs after a
// test ends is charged to it until the next one starts). A mutant then runs only the tests that reached it, quickest
// first, and stops at the first failure. Each test ends with the files' after() hooks (scheduling-common.ts stops its
// servers, worker threads included, and removes its folders), so no server outlives its test. A test that does not end
// within 1.5 × its baseline + 5 s (Stryker's rule, with the group's timeoutMS) is a timeout (detected, as Stryker counts it). After every kill the
// test that failed runs again unmutated: if it fails then, the result is not trusted (POISONED, the run stops).
// Static mutants (reached while the modules load) cannot be switched at runtime: each is run in its own process with
// __STRYKER_ACTIVE_MUTANT__=<id> (the same script, all covering tests), as Stryker runs them.
const Module = require('module');
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');

const [sandboxArg, idSpec, ...fileArgs] = process.argv.slice(2);
const sandbox = path.resolve(sandboxArg);
const files = (fileArgs.length ? fileArgs : ['scheduling-debounce', 'scheduling', 'scheduling-close', 'scheduling-publication', 'scheduling-events', 'scheduling-storm'].map((f) => `out/test/lsp/${f}.test.js`)).map((f) => path.join(sandbox, f));
const only = process.env.LAYERWISE_MUTANT_TESTS ? new RegExp(process.env.LAYERWISE_MUTANT_TESTS) : null;

const tests = [];
const afters = [];
let current = null;
const stack = [];
const add = (name, a, b) => {
  const fn = typeof a === 'function' ? a : b;
  const opts = typeof a === 'object' && a ? a : {};
  if (opts.skip) return;
  tests.push({ id: `${path.basename(current)}: ${[...stack, name].join(' > ')}`, fn });
};
const fake = {
  test: add,
  it: add,
  describe: (name, a, b) => {
    const fn = typeof a === 'function' ? a : b;
    stack.push(name);
    fn();
    stack.pop();
  },
  after: (fn) => afters.push(fn),
  before: (fn) => fn(),
};
fake.default = fake.test;
const origLoad = Module._load;
Module._load = function (req, ...rest) {
  if (req === 'node:test' || req === 'test') return fake;
  return origLoad.call(this, req, ...rest);
};
// a rejection a mutant leaves behind (a handler's promise) must not end the run: it is charged to the running test
let stray = [];
// (except "Connection is disposed" and "Pending response rejected since connection got disposed": the late work of an earlier test's server, stopped by the hooks, which in node:test
// would only come at the end of its file; only stop() disposes a connection)
const strayOf = (e) => {
  if (!/Connection is disposed|connection got disposed/.test(String(e && e.message))) stray.push(e);
};

const ns = (globalThis.__stryker__ = globalThis.__stryker__ || {});
ns.mutantCoverage = ns.mutantCoverage || { static: {}, perTest: {} };
for (const f of files) {
  current = f;
  require(f);
}
// installed once the files are loaded (an error loading them must end the run, loudly)
process.on('unhandledRejection', strayOf);
process.on('uncaughtException', strayOf);
const staticIds = new Set(Object.keys(ns.mutantCoverage.static));
const selected = only ? tests.filter((t) => only.test(t.id)) : tests;

const withTimeout = (p, ms) => {
  let timer;
  return Promise.race([p, new Promise((_, rej) => (timer = setTimeout(() => rej(Object.assign(new Error(`test timeout ${ms} ms`), { testTimeout: true })), ms)))]).finally(() => clearTimeout(timer));
};
async function cleanup() {
  for (const f of afters) await withTimeout(Promise.resolve().then(f), 20_000).catch(() => undefined);
}
/** Runs one test (and the after() hooks); the error if it failed. */
async function runOne(t, ms) {
  stray = [];
  ns.currentTestId = t.id;
  let err = null;
  try {
    await withTimeout(Promise.resolve().then(() => t.fn({ diagnostic() {}, skip() {}, todo() {}, after: (f) => afters.push(f) })), ms);
  } catch (e) {
    err = e;
  }
  // what a test's body left unhandled fails it; what its late work throws once the hooks have disposed the
  // connection ("Connection is disposed") does not (node:test runs after() at the end of the file, when it is over)
  if (!err && stray.length) err = stray[0];
  await cleanup();
  return err;
}
const msg = (e) => (e && e.message ? String(e.message).split('\n')[0].slice(0, 100) : String(e));

function parseIds(spec, all) {
  if (spec === 'all') return all;
  const ids = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) ids.push(String(i));
  }
  return ids;
}

(async () => {
  // a static mutant, in its own process (started below with __STRYKER_ACTIVE_MUTANT__): every test, first failure
  if (process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.hitCount = 0;
    ns.hitLimit = 100_000;
    for (const t of selected) {
      const e = await runOne(t, 120_000);
      if (e) {
        console.log(JSON.stringify({ status: e.testTimeout || /Hit count limit/.test(msg(e)) ? 'timeout' : 'killed', test: t.id, error: msg(e) }));
        process.exit(0);
      }
    }
    console.log(JSON.stringify({ status: 'survived' }));
    process.exit(0);
  }
  const started = Date.now();
  const base = new Map();
  for (const t of selected) {
    const t0 = Date.now();
    const e = await runOne(t, 300_000);
    if (e) {
      console.log('BASELINE FAILS', t.id, msg(e));
      process.exit(3);
    }
    base.set(t.id, Date.now() - t0);
  }
  ns.currentTestId = undefined;
  const coveredBy = new Map();
  for (const [tid, ids] of Object.entries(ns.mutantCoverage.perTest)) for (const id of Object.keys(ids)) coveredBy.set(id, [...(coveredBy.get(id) ?? []), tid]);
  const allIds = [...new Set([...staticIds, ...coveredBy.keys()])].sort((a, b) => a - b);
  console.log(`# ${selected.length} tests, baseline ${Math.round((Date.now() - started) / 1000)} s; mutants reached ${allIds.length}, static ${staticIds.size}`);
  const results = {};
  const out = (id, status, test = '', error = '') => {
    results[id] = { status, test, error };
    console.log(id, status, test, error);
    if (process.env.LAYERWISE_MUTANT_JSON) fs.writeFileSync(process.env.LAYERWISE_MUTANT_JSON, JSON.stringify(results, null, 1));
  };
  const byTest = new Map(selected.map((t) => [t.id, t]));
  for (const id of parseIds(idSpec, allIds)) {
    if (staticIds.has(id)) {
      const r = spawnSync(process.execPath, process.argv.slice(1), { env: { ...process.env, __STRYKER_ACTIVE_MUTANT__: id, LAYERWISE_MUTANT_JSON: '' }, encoding: 'utf8', timeout: 30 * 60_000 });
      const last = (r.stdout || '').trim().split('\n').pop();
      let res;
      try {
        res = JSON.parse(last);
      } catch {
        res = { status: r.status === 0 ? 'error' : 'killed', test: '(own process)', error: `exit ${r.status} ${(r.stderr || '').slice(-200)}` };
      }
      out(id, res.status, `${res.test ?? ''} (static, own process)`, res.error ?? '');
      continue;
    }
    const covering = (coveredBy.get(id) ?? []).filter((tid) => byTest.has(tid)).sort((a, b) => base.get(a) - base.get(b));
    if (!covering.length) {
      out(id, 'nocov');
      continue;
    }
    let result = null;
    for (const tid of covering) {
      ns.activeMutant = id;
      ns.hitCount = 0;
      ns.hitLimit = 100_000;
      const ms = Math.round(1.5 * base.get(tid) + 5000);
      const e = await runOne(byTest.get(tid), ms);
      ns.activeMutant = undefined;
      ns.hitCount = undefined;
      ns.hitLimit = undefined;
      if (e) {
        result = { status: e.testTimeout || /Hit count limit/.test(msg(e)) ? 'timeout' : 'killed', test: tid, error: msg(e) };
        break;
      }
    }
    if (!result) {
      out(id, 'survived', `(${covering.length} tests)`);
      continue;
    }
    out(id, result.status, result.test, result.error);
    // the mutant may have left something behind that fails the unmutated test too: then no result here is trusted
    const again = await runOne(byTest.get(result.test), 300_000);
    if (again) {
      console.log('POISONED after', id, result.test, msg(again));
      process.exit(4);
    }
  }
  const counts = {};
  for (const r of Object.values(results)) counts[r.status] = (counts[r.status] ?? 0) + 1;
  console.log(`# done in ${Math.round((Date.now() - started) / 1000)} s:`, JSON.stringify(counts));
  process.exit(0);
})();
