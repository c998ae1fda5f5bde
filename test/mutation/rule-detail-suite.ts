// The quick rule test files only (no precision review, no fix safety), in one process, for the `rule-detail`
// mutation group (scripts/mutation-groups.mjs): on a loaded machine a surviving mutant costs the whole suite, and
// these are a third of the rules suite's time. A score measured with it is a lower bound of the rules group's.
// Not a *.test.ts file, so `npm test` does not run the same tests twice.
import '../unit/rules.test';
import '../unit/rule-docs.test';
import '../unit/rule-apt-update-alone.test';
import '../unit/rule-cache-bust-pattern.test';
import '../unit/rule-small-rules.test';
import '../unit/rule-copy-source-missing.test';
import '../unit/rule-broad-copy-before-install.test';
import '../unit/rule-cleanup-in-separate-layer.test';
import '../unit/rule-unpinned-remote-source.test';
import '../unit/rule-missing-cache-mount.test';
import '../unit/rule-context-includes-volatile.test';
import '../unit/rule-managers.test';
import '../unit/layers.test';
import '../unit/shared.test';
import '../unit/caught-bugs.test';
// unread-context-data's tests live with the sizes they build on
import '../unit/sizes.test';
