// Step identity across versions of a Dockerfile: a key per step (stage + instruction text + occurrence) that
// survives edits elsewhere in the file. History replays and imported build logs both match steps by it. Pure.
import type { Model } from './model';

function stageKey(model: Model, stageIdx: number): string {
  const s = model.stages[stageIdx]!;
  return s.name ? 'n:' + s.name.toLowerCase() : 'i:' + stageIdx;
}

/** Keys for every step of a model: stage (name, else index) + instruction text + occurrence of that text in the stage. */
export function stepKeys(model: Model): string[] {
  const seen = new Map<string, number>();
  return model.steps.map((s) => {
    const base = stageKey(model, s.stage) + '\u0000' + s.instruction;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return base + '\u0000' + n;
  });
}
