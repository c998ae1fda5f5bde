// What each step reads from the current context: counts and a few example paths (for `graph`, hovers, lenses).
import type { ContextSnapshot } from './context';
import { parseDockerignore } from './dockerignore';
import { compileSource, readSelects } from './explain';
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
  if (!model.steps.some((s) => s.contextReads.length)) return out;
  // sorted files (no dirs) once; literal sources become a binary-searched prefix range
  const files = sent.filter((p) => ctx.entry(p)?.type !== 'dir').sort();
  const sentSorted = [...sent].sort();
  const lowerBound = (arr: string[], key: string): number => {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const literal = (s: string): boolean => !/[*?[\\]/.test(s);
  /** Indices of `arr` selected by one literal source: the path itself and everything below it. */
  const literalRange = (arr: string[], src: string): number[] => {
    const idx: number[] = [];
    const exact = lowerBound(arr, src);
    if (arr[exact] === src) idx.push(exact);
    const prefix = src + '/';
    for (let i = lowerBound(arr, prefix); i < arr.length && arr[i]!.startsWith(prefix); i++) idx.push(i);
    return idx;
  };
  /** Does a wildcard source select anything? Only paths under its literal leading folders can match. */
  const wildcardMatches = (arr: string[], src: string): boolean => {
    const segs = src.split('/');
    const lit: string[] = [];
    for (const s of segs) {
      if (/[*?[\\]/.test(s)) break;
      lit.push(s);
    }
    const m = compileSource(src);
    const prefix = lit.length ? lit.join('/') + '/' : '';
    for (let i = prefix ? lowerBound(arr, prefix) : 0; i < arr.length && arr[i]!.startsWith(prefix); i++) if (m(arr[i]!)) return true;
    return false;
  };
  for (const step of model.steps) {
    if (!step.contextReads.length) continue;
    const r: StepReads = { files: 0, sample: [], wholeContext: step.contextReads.some((c) => c.sources.includes('')), unmatched: [] };
    for (const read of step.contextReads) {
      for (const src of read.sources) {
        if (src === '') {
          if (!sent.length) r.unmatched.push(src);
          continue;
        }
        const any = literal(src) ? literalRange(sentSorted, src).length > 0 : wildcardMatches(sentSorted, src);
        if (!any) r.unmatched.push(src);
      }
    }
    const simple = !r.wholeContext && step.contextReads.every((c) => c.excludes.length === 0 && c.sources.every(literal));
    if (simple) {
      const hit = new Set<number>();
      for (const c of step.contextReads) for (const src of c.sources) for (const i of literalRange(files, src)) hit.add(i);
      const sorted = [...hit].sort((a, b) => a - b);
      r.files = sorted.length;
      r.sample = sorted.slice(0, 5).map((i) => files[i]!);
    } else {
      for (const p of files) {
        if (step.contextReads.some((c) => readSelects(c, p))) {
          r.files++;
          if (r.sample.length < 5) r.sample.push(p);
        }
      }
    }
    out.set(step.id, r);
  }
  return out;
}
