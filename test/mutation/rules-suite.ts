// The fast test files that exercise the rules (engine/rules/), in one process, for the `rules` mutation group
// (scripts/mutation-groups.mjs): per-rule tests, the rule docs' examples, the caught bugs, the hand-judged precision
// classes and fix safety (the slower two last: a mutant stops at its first failing test). Not a *.test.ts file, so
// `npm test` does not run the same tests twice.
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
import '../unit/precision.test';
import '../unit/fix-safety.test';
