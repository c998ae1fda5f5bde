// Mutation groups for `npm run mutation`: what each mutates and the fast test files that cover it (compiled paths
// under out/; the build command compiles them inside Stryker's sandbox). Real-builder and real-editor suites are
// never used here. out/test/mutation/engine-suite.js loads the fast engine test files in one process, rules-suite.js those of the rules.
const engine = ['out/test/mutation/engine-suite.js'];
const rules = ['out/test/mutation/rules-suite.js'];
const ruleFiles = ['server/src/engine/rules/*.ts', '!server/src/engine/rules/index.ts', '!server/src/engine/rules/types.ts'];

export const groups = {
  model: { mutate: ['server/src/engine/model.ts'], tests: engine },
  // explain.ts and dockerignore.ts: separate test files (not a suite), so a mutant runs only the files that reach it
  // and the incremental state sees a changed test file; the quick, precise files first (a run stops at the first
  // failing file). Left out: explain-keys.test.js (the corpus, ~15 s; explain.test.ts checks the key reuse on
  // small cases), the rules' and the language server's suites.
  explain: {
    mutate: ['server/src/engine/explain.ts'],
    tests: ['out/test/unit/explain.test.js', 'out/test/unit/explain-reasons.test.js', 'out/test/unit/explain-fullform.test.js', 'out/test/unit/semantics.test.js', 'out/test/unit/model-gaps.test.js', 'out/test/unit/caught-bugs.test.js', 'out/test/unit/shared.test.js'],
  },
  dockerignore: {
    mutate: ['server/src/engine/dockerignore.ts'],
    tests: ['out/test/unit/dockerignore-semantics.test.js', 'out/test/context/dockerignore.test.js', 'out/test/unit/patterns.test.js'],
  },
  rules: { mutate: ruleFiles, tests: rules },
  // the rules against their quick tests only (a lower bound of the rules group's score, in a third of the time)
  'rule-detail': { mutate: ruleFiles, tests: ['out/test/mutation/rule-detail-suite.js'] },
  // the language server's scheduling, versioning and publishing, driven in-process (the real server over in-memory
  // streams, the real analysis worker thread started from out/: no bundle, coverage per test file). The tests are
  // split by theme so that a mutant runs only the files that reach it; the scheduler alone (debounce, timers) first,
  // versions and closing next (quick, and they kill most), the seeded interleavings last.
  // scripts/mutation-inprocess-lsp.cjs runs the same files in one process (a mutant switched at runtime).
  lsp: {
    mutate: ['server/src/lsp/scheduler.ts', 'server/src/lsp/state.ts', 'server/src/lsp/runanalysis.ts'],
    tests: ['scheduling-debounce', 'scheduling', 'scheduling-close', 'scheduling-publication', 'scheduling-events', 'scheduling-storm'].map((f) => `out/test/lsp/${f}.test.js`),
    timeoutMS: 5000,
    // two test processes (under `nice -n 15`, as every mutation run): a mutant mostly waits for the worker thread
    concurrency: 2,
  },
};

/** The order `npm run mutation` runs them in when no group is named. */
export const order = ['model', 'explain', 'dockerignore', 'rules', 'lsp'];
