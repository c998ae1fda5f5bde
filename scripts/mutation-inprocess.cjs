// In-process mutation runner: Stryker's instrumented sources against compiled node:test files in ONE process,
// switching mutants at runtime through globalThis.__stryker__.activeMutant (the instrumented code reads it on every
// call). test/README.md § Mutation testing.
//
// Usage: node scripts/mutation-inprocess.cjs <sandbox> <test name pattern> <ids: a-b,c,...|all> <test.js> [...]
//   <sandbox>: a folder with out/ holding the instrumented sources: scripts/mutation-instrument.mjs makes one
//   (.stryker-tmp/inproc-<name>/, with mutants.json), or a Stryker sandbox kept after its build. Test files are
//   paths under it (out/test/unit/x.test.js). LAYERWISE_INPROC_OUT=<file> also writes the results as JSON.
// Prints one line per mutant: id status [the test that killed it]. Mutants hit while the modules load (constants,
// regexes, tables) are 'static': each is run in a fresh process of this script with __STRYKER_ACTIVE_MUTANT__ set
// (as Stryker does), unless LAYERWISE_INPROC_NO_STATIC=1; with LAYERWISE_INPROC_STATIC=inprocess one that a test also
// reaches runs in this process over those tests (a quicker first pass: what the modules computed while loading stays
// unmutated, so a survivor there may still be killed in its own process).
//
// Per mutant, as Stryker's perTest coverage: only the tests that reached it in the unmutated run, in file order,
// until one fails. Between mutants every cache a mutant could fill is emptied: the engine's bounded caches
// (memo.trimCaches(0), clearAnalysisCaches) and every WeakMap created by the loaded code (WeakMap is replaced by a
// clearable one before anything loads: explain's clean keys, op hashes, snapshot contents, read matchers), so no
// mutant's result is read by the next one. After each kill the test that killed it runs again unmutated (a mutant
// leaving state behind would show as POISONED). A hit count limit (2,000,000) or a test that takes over 20 s is a timeout.
const Module = require('module');
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');

const [sandbox, pattern, idSpec, ...files] = process.argv.slice(2);
if (!sandbox || !files.length) {
  console.error('usage: node scripts/mutation-inprocess.cjs <sandbox> <pattern> <ids|all> <test.js> ...');
  process.exit(2);
}
const root = path.resolve(sandbox);
const re = new RegExp(pattern);
const TEST_MS = Number(process.env.LAYERWISE_INPROC_TEST_MS ?? 20000);

// WeakMaps that can be emptied between mutants (the loaded code only uses get/set/has/delete)
const weakMaps = [];
const RealWeakMap = WeakMap;
class ClearableWeakMap {
  constructor(entries) { this.m = new RealWeakMap(entries); weakMaps.push(this); }
  get(k) { return this.m.get(k); }
  set(k, v) { this.m.set(k, v); return this; }
  has(k) { return this.m.has(k); }
  delete(k) { return this.m.delete(k); }
  clear() { this.m = new RealWeakMap(); }
}
globalThis.WeakMap = ClearableWeakMap;

const tests = [];
const stack = [];
const hooks = { before: [], after: [] };
const fnOf = (a, b) => (typeof a === 'function' ? a : b);
const add = (name, a, b) => { const fn = fnOf(a, b); if (fn) tests.push({ full: [...stack, name], fn }); };
const describe = (name, a, b) => { stack.push(name); fnOf(a, b)(); stack.pop(); };
const noop = () => {};
const fake = {
  test: add, it: add, describe, suite: describe,
  before: (fn) => hooks.before.push(fn), after: (fn) => hooks.after.push(fn),
  beforeEach: (fn) => { throw new Error('beforeEach is not supported by the in-process runner'); },
  afterEach: (fn) => { throw new Error('afterEach is not supported by the in-process runner'); },
};
for (const k of ['test', 'it']) { fake[k].skip = noop; fake[k].todo = noop; fake[k].only = add; }
fake.describe.skip = noop;
fake.default = fake.test;
Object.assign(fake.test, fake);
const origLoad = Module._load;
Module._load = function (req, ...rest) { if (req === 'node:test' || req === 'test') return fake; return origLoad.call(this, req, ...rest); };

const ns = (globalThis.__stryker__ = globalThis.__stryker__ || {});
ns.mutantCoverage = { static: {}, perTest: {} };
// a static mutant's own process needs no coverage (only speed differs)
if (process.env.__STRYKER_ACTIVE_MUTANT__) ns.skipCoverage = true;
let loadError = null;
for (const f of files) {
  try { require(path.resolve(root, f)); } catch (e) { loadError = loadError || { f, e }; }
}
const staticCov = { ...ns.mutantCoverage.static };
const selected = tests.filter((t) => t.full.some((n) => re.test(n)));
const engine = require(path.join(root, 'out/server/src/engine'));
const memo = require(path.join(root, 'out/server/src/engine/memo'));

function clearState() {
  engine.clearAnalysisCaches && engine.clearAnalysisCaches();
  memo.trimCaches(0);
  for (const w of weakMaps) w.clear();
}
// t.after(fn): run when the test ends, passed or failed (node:test's order: last registered first)
const context = () => { const afters = []; return { diagnostic: noop, skip: noop, todo: noop, plan: noop, name: '', after: (fn) => afters.unshift(fn), afters }; };
function withTimeout(p) {
  let timer;
  return Promise.race([p, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('in-process runner: test over ' + TEST_MS + ' ms')), TEST_MS); })]).finally(() => clearTimeout(timer));
}
/** Runs the tests (indices) in order; the first failure as { t, e }, or null. */
const durations = [];
async function runTests(indices, collect) {
  clearState();
  for (const i of indices) {
    const t = selected[i];
    engine.clearAnalysisCaches && engine.clearAnalysisCaches();
    if (collect) ns.currentTestId = String(i);
    const t0 = Date.now();
    const ctx = context();
    let failed = null;
    try { await withTimeout(Promise.resolve().then(() => t.fn(ctx))); } catch (e) { failed = e; }
    for (const fn of ctx.afters) { try { await fn(); } catch { /* a cleanup */ } }
    if (failed) { ns.currentTestId = undefined; return { t, e: failed }; }
    if (collect) durations[i] = Date.now() - t0;
    ns.currentTestId = undefined;
  }
  return null;
}
const isTimeout = (r) => r && r.e && /Hit count limit|in-process runner: test over/.test(String(r.e && r.e.message));
const allIdx = selected.map((_, i) => i);

(async () => {
  for (const h of hooks.before) await h();
  const results = {};
  const print = (id, status, t) => { results[id] = { status, test: t || undefined }; console.log(id, status, t || ''); };
  if (process.env.__STRYKER_ACTIVE_MUTANT__) {
    // a static mutant, active since the modules loaded
    const id = process.env.__STRYKER_ACTIVE_MUTANT__;
    if (loadError) { print(id, 'killed', 'load: ' + loadError.f); return; }
    ns.hitCount = 0; ns.hitLimit = 2_000_000;
    // the parent's order (quickest first), else file order
    const given = (process.env.LAYERWISE_INPROC_ORDER || '').split(',').filter(Boolean).map(Number);
    const idx = given.length === allIdx.length ? given : allIdx;
    let r; try { r = await runTests(idx); } catch (e) { r = { t: { full: ['?'] }, e }; }
    print(id, r ? (isTimeout(r) ? 'timeout' : 'killed') : 'survived', r ? r.t.full.join(' > ').slice(0, 100) : '');
    for (const h of hooks.after) await h();
    process.exit(0);
  }
  if (loadError) { console.log('LOAD FAILS', loadError.f, loadError.e && loadError.e.stack); process.exit(3); }
  const base = await runTests(allIdx, true);
  if (base) { console.log('BASELINE FAILS', base.t.full.join(' > '), base.e && base.e.stack); process.exit(3); }
  ns.skipCoverage = true;
  if (process.env.LAYERWISE_INPROC_TIMES) for (const i of allIdx) console.error(`# ${durations[i]} ms ${selected[i].full.join(' > ').slice(0, 100)}`);
  // a mutant's covering tests run quickest first (the order decides only how soon a kill is seen: Stryker runs
  // them in file order; LAYERWISE_INPROC_FILE_ORDER=1 does too)
  const order = (idx) => (process.env.LAYERWISE_INPROC_FILE_ORDER === '1' ? idx.sort((a, b) => a - b) : idx.sort((a, b) => durations[a] - durations[b] || a - b));
  const byMutant = new Map();
  for (const [ti, cov] of Object.entries(ns.mutantCoverage.perTest)) for (const id of Object.keys(cov)) { if (!byMutant.has(id)) byMutant.set(id, []); byMutant.get(id).push(Number(ti)); }
  const outsideTests = new Set(Object.keys(ns.mutantCoverage.static)); // reached by hooks or module code run later
  console.log(`# tests ${selected.length} of ${tests.length}; covered ${new Set([...byMutant.keys(), ...outsideTests]).size}; static ${Object.keys(staticCov).length}`);
  let ids = [];
  if (idSpec === 'all') {
    ids = JSON.parse(fs.readFileSync(path.join(root, 'mutants.json'), 'utf8')).map((m) => m.id);
  } else {
    for (const part of idSpec.split(',')) { const [a, b] = part.split('-').map(Number); for (let i = a; i <= (b ?? a); i++) ids.push(String(i)); }
  }
  const statics = [];
  const t0 = Date.now();
  for (const id of ids) {
    // LAYERWISE_INPROC_STATIC=inprocess: a static mutant some test also reaches runs here over those tests (the
    // values computed while the modules loaded stay unmutated: a quick first pass; its survivors can be run again
    // in their own process by id); one no test reaches still gets its own process
    if (staticCov[id] && !(process.env.LAYERWISE_INPROC_STATIC === 'inprocess' && byMutant.has(id))) { statics.push(id); continue; }
    const staticHere = !!staticCov[id];
    if (!byMutant.has(id) && !outsideTests.has(id)) { print(id, 'nocov'); continue; }
    const idx = outsideTests.has(id) ? allIdx : order(byMutant.get(id));
    ns.activeMutant = id; ns.hitCount = 0; ns.hitLimit = 2_000_000;
    let r;
    try { r = await runTests(idx); } catch (e) { r = { t: { full: ['?'] }, e }; }
    ns.activeMutant = undefined; ns.hitCount = undefined; ns.hitLimit = undefined;
    if (!r) { print(id, 'survived', staticHere ? '(static, in process)' : ''); continue; }
    print(id, isTimeout(r) ? 'timeout' : 'killed', r.t.full.join(' > ').slice(0, 100) + (staticHere ? ' (static, in process)' : ''));
    // the test that killed it, unmutated, must pass again (all of the mutant's tests with LAYERWISE_INPROC_RECHECK=all)
    const again = await runTests(process.env.LAYERWISE_INPROC_RECHECK === 'all' ? idx : [selected.indexOf(r.t)].filter((i) => i >= 0));
    if (again) { console.log('POISONED after', id, again.t.full.join(' > '), again.e && again.e.message); process.exit(4); }
  }
  console.log(`# ${ids.length - statics.length} mutants in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${statics.length} static`);
  for (const h of hooks.after) await h();
  if (statics.length && process.env.LAYERWISE_INPROC_NO_STATIC !== '1') {
    for (const id of statics) {
      const r = spawnSync(process.execPath, [__filename, sandbox, pattern, id, ...files], { env: { ...process.env, __STRYKER_ACTIVE_MUTANT__: id, LAYERWISE_INPROC_ORDER: order([...allIdx]).join(',') }, encoding: 'utf8', timeout: 600_000 });
      const line = (r.stdout || '').trim().split('\n').filter((l) => l.startsWith(id + ' ')).pop();
      if (line) { const [, status, ...rest] = line.split(' '); print(id, status, rest.join(' ') + ' (static, own process)'); }
      else print(id, r.error && r.error.code === 'ETIMEDOUT' ? 'timeout' : 'killed', '(static, own process: exit ' + r.status + ')');
    }
  } else for (const id of statics) print(id, 'static');
  if (process.env.LAYERWISE_INPROC_OUT) fs.writeFileSync(process.env.LAYERWISE_INPROC_OUT, JSON.stringify(results, null, 1));
  process.exit(0);
})();
