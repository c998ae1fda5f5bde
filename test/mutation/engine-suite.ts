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
// session 8: the model's other detail tests (model.ts measured whole with them: 83.4 %, engine-suite alone 74.7 %)
import '../unit/model-gaps.test';
import '../unit/explain-reasons.test';
import '../unit/explain-fullform.test';
import '../unit/shared.test';
import '../unit/rule-small-rules.test';
import '../unit/rule-copy-source-missing.test';
import '../unit/fix-safety.test';
import '../unit/sizes.test';
import '../unit/layers.test';
// session 9: the model's survivors of the whole-file run judged (two model bugs found: the env's order, `ARG toString`)
import '../unit/model-detail.test';
