// The engine's public surface: text + a context snapshot + options in; model, explanations (and later findings and
// fixes as text edits) out. No I/O, no protocol types.
export * from './context';
export { analyze, versionAtLeast, resolvePath } from './model';
export type { Model, Step, Stage, StageBase, AnalyzeOptions, ConfigInstruction, Problem, Mount, ContextRead, StageRead, StepKeyword } from './model';
export { explain, impactOf, diffContexts, sourceSelects, readSelects } from './explain';
export type { Explanation, StepResult, StepStatus, Reason, FileChangeKind, ExplainInput, Impact } from './explain';
export { parseDockerignore } from './dockerignore';
export type { DockerIgnore } from './dockerignore';
export { expandWord } from './expand';
export { stepReads, sentPaths } from './inputs';
export type { StepReads } from './inputs';
export { check, applySuppressions, buildRuleContext } from './check';
export type { CheckOptions, CheckResult } from './check';
export { RULES, ruleById } from './rules';
export type { Rule, Finding, Fix, TextEdit, Severity, RuleContext, Related } from './rules/types';
export { docsUrl } from './rules/types';
export type { Range, Pos } from './parse';
export { applyEdits } from './rules/util';
export { fixAll, withIgnoreFile } from './fix';
export type { FixAllResult } from './fix';
export { parseConfig, emptyConfig, ConfigError } from './config';
export type { LayerwiseConfig, DockerfileSettings } from './config';
