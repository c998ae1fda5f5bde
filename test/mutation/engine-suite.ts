// The fast engine test files in one process, for the mutation runs (scripts/mutation-groups.mjs): the tap runner
// starts one node per test file and mutant, and starting node and loading the engine costs more than these tests.
// Not a *.test.ts file, so `npm test` does not run the same tests twice.
import '../unit/semantics.test';
import '../unit/caught-bugs.test';
import '../unit/model.test';
import '../unit/memo.test';
import '../unit/explain.test';
import '../unit/rules.test';
import '../unit/rule-docs.test';
import '../unit/rule-apt-update-alone.test';
