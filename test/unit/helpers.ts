// Helpers for engine tests: build an in-memory context, mutate it, and read the per-step statuses.
import { check, explain, MemoryContext, type AnalyzeOptions, type Explanation, type Finding, type StepStatus } from '../../server/src/engine';

export interface Case {
  dockerfile: string;
  files?: Record<string, string>;
  /** Mutates a clone of the baseline context (the current state). */
  change?: (ctx: MemoryContext) => void;
  /** The current Dockerfile, when it differs. */
  after?: string;
  base?: AnalyzeOptions;
  cur?: AnalyzeOptions;
  /** Put the Dockerfile itself into the context (as `docker build .` does). */
  dockerfileInContext?: boolean;
}

export function run(c: Case): Explanation {
  const files = { ...(c.files ?? {}) };
  if (c.dockerfileInContext) files['Dockerfile'] = c.dockerfile;
  const base = new MemoryContext('base', files);
  const cur = base.clone('cur');
  if (c.dockerfileInContext && c.after !== undefined) cur.addFile('Dockerfile', c.after);
  c.change?.(cur);
  if (cur.text('.dockerignore') !== undefined) cur.setIgnore('.dockerignore', cur.text('.dockerignore')!);
  return explain({
    current: { text: c.after ?? c.dockerfile, context: cur, options: c.cur ?? c.base },
    baseline: { text: c.dockerfile, context: base, options: c.base },
  });
}

/** Status of each step, keyed by its first words (`RUN echo A`), in file order. */
export function statuses(e: Explanation): string[] {
  return e.steps.map((r) => r.status[0]!.toUpperCase() === 'S' ? '-' : short(r.status));
}

function short(s: StepStatus): string {
  return s === 'cached' ? 'C' : s === 'rebuilt' ? 'R' : s === 'maybe' ? 'M' : '-';
}

export function table(e: Explanation): string {
  return e.steps.map((r) => `${r.step.line + 1} ${r.step.instruction} → ${r.status} ${r.reasons.map((x) => x.message).join('; ')}`).join('\n');
}

/**
 * A context for rule tests: listed files get their own name as content (JSON manifests an empty object: no lifecycle
 * scripts), or the given contents; an optional `.dockerignore`.
 */
export function ctxOf(files: string[] | Record<string, string>, ignore?: string, label = 'ctx'): MemoryContext {
  const c = new MemoryContext(label);
  if (Array.isArray(files)) for (const f of files) c.addFile(f, f.endsWith('.json') ? '{}' : f);
  else for (const [k, v] of Object.entries(files)) c.addFile(k, v);
  if (ignore !== undefined) c.addFile('.dockerignore', ignore).setIgnore('.dockerignore', ignore);
  return c;
}

/** The findings of one rule. */
export function findings(text: string, ctx: MemoryContext | null, rule: string): Finding[] {
  return check(text, ctx).findings.filter((f) => f.rule === rule);
}

/** `line instruction: status — kind: message` per step, for exact comparisons. */
export function why(e: Explanation): string[] {
  return e.steps.map((r) => `${r.step.line + 1} ${r.status}: ${r.reasons.map((x) => `${x.kind}${x.line !== undefined ? '@' + x.line : ''}: ${x.message}`).join(' | ')}`);
}
