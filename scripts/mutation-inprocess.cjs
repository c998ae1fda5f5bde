// Usage (from a Stryker sandbox whose build finished, e.g. .stryker-tmp/sandbox-*/ kept by stopping the run after
// its build): node <repo>/scripts/mutation-inprocess.cjs . '<test name pattern>' <ids: a-b,c,...> out/test/unit/<file>.test.js ...
// Rerun the ids printed 'static' each with __STRYKER_ACTIVE_MUTANT__=<id> (then only that mutant is run). test/README.md § Mutation testing.
// Runs Stryker's instrumented sources (a sandbox's out/) against compiled node:test files in ONE process, switching
// mutants at runtime through globalThis.__stryker__.activeMutant (the instrumented code reads it on every call).
// Usage: node harness.js <sandbox> <pattern> <ids: a-b,c,...|all> <test.js> [...]
// Prints one line per mutant: id status [test].  Static mutants (hit while loading modules) are reported as 'static'
// (they need a fresh process: the caller runs them with __STRYKER_ACTIVE_MUTANT__).
const Module = require('module');
const path = require('path');
const [sandbox, pattern, idSpec, ...files] = process.argv.slice(2);
const re = new RegExp(pattern);
const tests = [];
const stack = [];
const add = (name, a, b) => {
  const fn = typeof a === 'function' ? a : b;
  const full = [...stack, name];
  tests.push({ full, fn });
};
const fake = {
  test: add, it: add,
  describe: (name, a, b) => { const fn = typeof a === 'function' ? a : b; stack.push(name); fn(); stack.pop(); },
};
const origLoad = Module._load;
Module._load = function (req, ...rest) { if (req === 'node:test' || req === 'test') return fake; return origLoad.call(this, req, ...rest); };
const ns = (globalThis.__stryker__ = globalThis.__stryker__ || {});
for (const f of files) require(path.resolve(f));
const staticCov = { ...((ns.mutantCoverage && ns.mutantCoverage.static) || {}) };
const selected = tests.filter((t) => t.full.some((n) => re.test(n)));
const engine = require(path.join(path.resolve(sandbox), 'out/server/src/engine'));
async function runAll() {
  for (const t of selected) {
    engine.clearAnalysisCaches && engine.clearAnalysisCaches();
    try { await t.fn({ diagnostic() {}, skip() {}, todo() {} }); } catch (e) { return { t, e }; }
  }
  return null;
}
(async () => {
  // baseline, collecting coverage of every mutant the selected tests reach
  ns.mutantCoverage = ns.mutantCoverage || { static: {}, perTest: {} };
  ns.mutantCoverage.static = {}; ns.mutantCoverage.perTest = {};
  if (process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.hitCount = 0; ns.hitLimit = 2_000_000;
    let r; try { r = await runAll(); } catch (e) { r = { t: { full: ['?'] }, e }; }
    const timeout = r && r.e && /Hit count limit/.test(String(r.e.message));
    console.log(process.env.__STRYKER_ACTIVE_MUTANT__, r ? (timeout ? 'timeout' : 'killed') : 'survived', r ? r.t.full.join(' > ').slice(0, 80) : '', '(static, own process)');
    return;
  }
  const base = await runAll();
  if (base) { console.log('BASELINE FAILS', base.t.full.join(' > '), base.e && base.e.message); process.exit(3); }
  const covered = new Set([...Object.keys(ns.mutantCoverage.static), ...Object.keys(ns.mutantCoverage.perTest).flatMap((k) => Object.keys(ns.mutantCoverage.perTest[k]))]);
  console.log(`# tests ${selected.length} of ${tests.length}; covered ${covered.size}; static ${Object.keys(staticCov).length}`);
  let ids = [];
  for (const part of idSpec.split(',')) { const [a, b] = part.split('-').map(Number); for (let i = a; i <= (b ?? a); i++) ids.push(String(i)); }
  for (const id of ids) {
    if (staticCov[id]) { console.log(id, 'static'); continue; }
    if (!covered.has(id)) { console.log(id, 'nocov'); continue; }
    ns.activeMutant = id; ns.hitCount = 0; ns.hitLimit = 2_000_000;
    let r;
    try { r = await runAll(); } catch (e) { r = { t: { full: ['?'] }, e }; }
    ns.activeMutant = undefined; ns.hitCount = undefined; ns.hitLimit = undefined;
    if (!r) { console.log(id, 'survived'); continue; }
    const timeout = r.e && /Hit count limit/.test(String(r.e.message));
    console.log(id, timeout ? 'timeout' : 'killed', r.t.full.join(' > ').slice(0, 80));
    // a mutant may leave state behind: the unmutated tests must still pass
    const again = await runAll();
    if (again) { console.log('POISONED after', id, again.t.full.join(' > ')); process.exit(4); }
  }
})();
