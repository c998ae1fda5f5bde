// StrykerJS configuration for `npm run mutation` (scripts/mutation.mjs picks the group through LAYERWISE_MUTATION_GROUP).
// Each group mutates a few source files and runs only the fast test files that exercise them, one at a time
// (concurrency 1: the machines this runs on are shared). The tap runner runs each compiled node:test file with
// `node`, which prints TAP when its output is not a terminal; coverage is per test file, so a mutant only runs the
// files that reach it. Reports go to reports/mutation/ (gitignored); incremental state per group lets a re-run
// test only mutants whose code or covering tests changed.
import { groups } from './scripts/mutation-groups.mjs';

const name = process.env.LAYERWISE_MUTATION_GROUP ?? 'model';
const group = groups[name];
// a run narrowed by LAYERWISE_MUTATE keeps its own reports and incremental state
// (LAYERWISE_MUTATION_NAME names it when the list of files or line ranges is too long for a file name)
const runName = process.env.LAYERWISE_MUTATION_NAME ?? name + (process.env.LAYERWISE_MUTATE ? '-' + process.env.LAYERWISE_MUTATE.replace(/[^\w.-]+/g, '_') : '');
if (!group) throw new Error(`unknown mutation group ${name}; one of ${Object.keys(groups).join(', ')}`);

export default {
  testRunner: 'tap',
  // LAYERWISE_MUTATION_TESTS=<pattern> runs only the tests whose names match (node's --test-name-pattern, e.g. the
  // rule's id): a lower bound of the group's score, in a fraction of the time on a loaded machine
  // LAYERWISE_MUTATION_FILES=out/test/unit/a.test.js,… runs these compiled test files instead of the group's (e.g. a rule's
  // own files instead of the whole suite: half the CPU per mutant; a lower bound again)
  tap: { testFiles: process.env.LAYERWISE_MUTATION_FILES ? process.env.LAYERWISE_MUTATION_FILES.split(',') : group.tests, forceBail: true, nodeArgs: process.env.LAYERWISE_MUTATION_TESTS ? [`--test-name-pattern=${process.env.LAYERWISE_MUTATION_TESTS}`] : [] },
  // LAYERWISE_MUTATE=a.ts,b.ts narrows a group to some of its files (e.g. one rule)
  mutate: process.env.LAYERWISE_MUTATE ? process.env.LAYERWISE_MUTATE.split(',') : group.mutate,
  buildCommand: 'node scripts/mutation-build.mjs' + (group.bundle ? ' --bundle' : ''),
  symlinkNodeModules: false,
  coverageAnalysis: group.coverage ?? 'perTest',
  concurrency: group.concurrency ?? 1,
  timeoutMS: group.timeoutMS ?? 10000,
  // the initial run of the lsp group's five files took over Stryker's default 5 min at load 30 (the run stopped)
  dryRunTimeoutMinutes: 20,
  incremental: true,
  incrementalFile: `reports/mutation/${runName}.incremental.json`,
  reporters: ['html', 'json', 'clear-text', 'progress-append-only'],
  htmlReporter: { fileName: `reports/mutation/${runName}.html` },
  jsonReporter: { fileName: `reports/mutation/${runName}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  ignorePatterns: ['out', 'dist', 'reports', '*.vsix', '.bench-tmp', '.stryker-tmp', 'test/vscode/fixture'],
  thresholds: { high: 80, low: 70, break: null },
};
