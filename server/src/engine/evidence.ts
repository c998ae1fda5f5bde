// Real build evidence against the prediction: for each step of a mapped build log (buildlog.ts), whether the
// builder did what `explain` predicted, and the engine's reasons when it did not. Shared by the language server
// (prediction-mismatch diagnostics, decorations) and anything else that compares. Pure: no I/O.
import type { BuildLogMapping, LogStepStatus } from './buildlog';
import type { Explanation, StepStatus } from './explain';
import { fmtSeconds } from './history';

export interface BuildComparison {
  stepId: number;
  /** stepKeys key (stage + instruction + occurrence): survives edits elsewhere in the Dockerfile. */
  key: string;
  /** 1-based, in the Dockerfile the log was mapped onto. */
  line: number;
  instruction: string;
  real: LogStepStatus;
  seconds?: number;
  predicted: StepStatus | null;
  /** null: nothing to compare (no prediction, or the step failed / was canceled). */
  agrees: boolean | null;
  /** The engine's reasons for its prediction, when it disagrees with the build. */
  reasons: string[];
}

/** Whether a real outcome agrees with a predicted status (null: not comparable). */
export function agreesWith(real: LogStepStatus, predicted: StepStatus | undefined | null): boolean | null {
  if (predicted === undefined || predicted === null) return null;
  if (real === 'error' || real === 'canceled' || real === 'incomplete') return null;
  switch (predicted) {
    case 'rebuilt':
      return real === 'executed';
    case 'cached':
      return real === 'cached';
    case 'maybe':
      return true;
    case 'skipped':
      return false;
  }
}

/** Compares every mapped step of a build log with the prediction (which must be for the same model). */
export function compareWithBuild(mapping: BuildLogMapping, prediction: Explanation | null): BuildComparison[] {
  return mapping.steps.map((s) => {
    const pred = prediction?.steps[s.stepId];
    const agrees = agreesWith(s.status, pred?.status);
    return {
      stepId: s.stepId,
      key: s.key,
      line: s.line,
      instruction: s.instruction,
      real: s.status,
      seconds: s.seconds,
      predicted: pred?.status ?? null,
      agrees,
      reasons: agrees === false && pred ? pred.reasons.map((r) => r.message) : [],
    };
  });
}

/** `rebuilt, 94 s` / `cached` / `failed`: what the builder did with a step, for decorations and hovers. */
export function lastBuildLabel(real: LogStepStatus, seconds?: number): string {
  if (real === 'executed') return seconds !== undefined ? `rebuilt, ${fmtSeconds(seconds)}` : 'rebuilt';
  if (real === 'error') return 'failed';
  return real;
}

/** One sentence for a disagreement between the build and the prediction, with the engine's reason. */
export function mismatchMessage(c: BuildComparison, baseline: string): string {
  const real = `The last build ${c.real === 'executed' ? `rebuilt this step${c.seconds !== undefined ? ` (${fmtSeconds(c.seconds)})` : ''}` : 'took this step from the cache'}`;
  const pred =
    c.predicted === 'rebuilt'
      ? `Layerwise predicts a rebuild since ${baseline}`
      : c.predicted === 'cached'
        ? `Layerwise predicts a cache hit since ${baseline}`
        : c.predicted === 'skipped'
          ? 'Layerwise predicts the step is not built for the target'
          : `Layerwise predicts ${c.predicted}`;
  const why = c.reasons.length ? `: ${c.reasons.join('; ')}` : c.predicted === 'cached' ? ': no change since then reaches its cache key (a change made before that commit, a pruned cache or other build settings?)' : '';
  return `${real}, but ${pred}${why}.`;
}
