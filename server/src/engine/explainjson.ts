// The JSON shape of an explanation, shared by both faces: `layerwise explain --format json` prints it and the
// language server's `layerwise/explain` request returns it. Pure: plain data in, plain data out.
import type { ContextProblem } from './context';
import type { Explanation } from './explain';
import type { Model } from './model';
import { sizesStepJson, sizesTopJson, type ContextSizes } from './sizes';

/** What the caller knows about an explanation: paths as shown to the user, the baseline's label, context problems. */
export interface ExplanationMeta {
  dockerfile: string;
  context: string;
  baseline: string;
  problems: readonly ContextProblem[];
  notes?: string[];
  /** Sizes from the current context (engine/sizes.ts); absent: the JSON says null. */
  sizes?: ContextSizes;
}

function stageName(model: Model, i: number): string {
  const s = model.stages[i]!;
  return s.name ?? String(i);
}

/** The explanation as JSON-ready data (lines 1-based, stages by name or index). */
export function explanationJson(e: Explanation, meta: ExplanationMeta): object {
  const model = e.model;
  return {
    dockerfile: meta.dockerfile,
    context: meta.context,
    target: model.target >= 0 ? stageName(model, model.target) : null,
    baseline: meta.baseline,
    summary: {
      steps: e.summary.total,
      rebuilt: e.summary.rebuilt,
      maybe: e.summary.maybe,
      cached: e.summary.cached,
      skipped: e.summary.skipped,
      firstMiss: e.summary.firstMiss ? e.summary.firstMiss.step.line + 1 : null,
    },
    changedPaths: [...e.changedPaths].map(([path, change]) => ({ path, change })),
    steps: e.steps.map((r) => ({
      stage: stageName(model, r.step.stage),
      stageIndex: r.step.stage,
      line: r.step.line + 1,
      endLine: r.step.endLine + 1,
      instruction: r.step.instruction,
      ...(r.step.trigger ? { onbuild: true } : {}),
      status: r.status,
      reasons: r.reasons,
      ...sizesStepJson(meta.sizes, r.step.id),
    })),
    ...sizesTopJson(meta.sizes),
    notes: meta.notes ?? [],
    problems: [
      ...model.problems.map((p) => ({ line: p.line + 1, severity: p.severity, message: p.message })),
      ...meta.problems.map((p) => ({ path: p.path, severity: 'warning', message: p.message })),
    ],
  };
}
