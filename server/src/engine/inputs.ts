// What each step reads from the current context: counts and a few example paths (for `graph`, hovers, lenses).
import type { ContextSnapshot } from './context';
import { parseDockerignore } from './dockerignore';
import { readSelects } from './explain';
import type { Model } from './model';

export interface StepReads {
  /** Files (and links) sent to the builder that the step's COPY/ADD/bind sources select. */
  files: number;
  sample: string[];
  /** True when some read is the whole context (`COPY . .`, a bind mount without source). */
  wholeContext: boolean;
  /** Source patterns that select nothing in the context. */
  unmatched: string[];
}

export function sentPaths(ctx: ContextSnapshot): string[] {
  const ig = parseDockerignore(ctx.ignoreFile?.text ?? '');
  const out: string[] = [];
  for (const p of ctx.paths()) if (!ig.ignores(p)) out.push(p);
  return out;
}

export function stepReads(model: Model, ctx: ContextSnapshot, sent: string[] = sentPaths(ctx)): Map<number, StepReads> {
  const out = new Map<number, StepReads>();
  const files = sent.filter((p) => ctx.entry(p)?.type !== 'dir').sort();
  for (const step of model.steps) {
    if (!step.contextReads.length) continue;
    const r: StepReads = { files: 0, sample: [], wholeContext: step.contextReads.some((c) => c.sources.includes('')), unmatched: [] };
    for (const read of step.contextReads) {
      for (const src of read.sources) {
        if (!sent.some((p) => readSelects({ ...read, sources: [src] }, p))) r.unmatched.push(src);
      }
    }
    for (const p of files) {
      if (step.contextReads.some((c) => readSelects(c, p))) {
        r.files++;
        if (r.sample.length < 5) r.sample.push(p);
      }
    }
    out.set(step.id, r);
  }
  return out;
}
