// What each pattern of a `.dockerignore` does to a build context: which paths it decides (counts, examples), and
// which COPY/ADD sources of the Dockerfiles that use the context it takes away. Pure: an ignore file, a context
// snapshot and models in; plain data out (used by the language server's `.dockerignore` documents).
import type { ContextSnapshot } from './context';
import type { DockerIgnore } from './dockerignore';
import { compileSource, hasWildcard } from './explain';
import type { Model, Step } from './model';

export interface PatternStats {
  /** Index into ignore.patterns. */
  index: number;
  /** Paths this pattern is the deciding (last matching) pattern for. */
  decided: number;
  files: number;
  examples: string[];
  /** Directories pruned by the crawl (not descended) that this pattern excludes. */
  prunedDirs: string[];
}

export interface IgnoreStats {
  stats: PatternStats[];
  /** Paths in the context (crawled; pruned directories count once each in `prunedDirs`). */
  totalPaths: number;
}

/** Per pattern: the context paths it is the deciding pattern for. `pruned` are directories the crawl skipped. */
export function ignorePatternStats(ignore: DockerIgnore, ctx: ContextSnapshot | null, pruned: readonly string[] = [], maxExamples = 5): IgnoreStats {
  const stats: PatternStats[] = ignore.patterns.map((_, index) => ({ index, decided: 0, files: 0, examples: [], prunedDirs: [] }));
  let total = 0;
  if (!ctx || !ignore.patterns.length) {
    if (ctx) for (const _ of ctx.paths()) total++;
    return { stats, totalPaths: total };
  }
  const all = [...ctx.paths()].sort();
  for (const p of all) {
    total++;
    const d = ignore.decide(p);
    if (d.pattern < 0) continue;
    const s = stats[d.pattern]!;
    s.decided++;
    if (ctx.entry(p)?.type !== 'dir') {
      s.files++;
      if (s.examples.length < maxExamples) s.examples.push(p);
    }
  }
  for (const dir of pruned) {
    const d = ignore.decide(dir);
    if (d.pattern < 0) continue;
    const s = stats[d.pattern]!;
    s.decided++;
    s.prunedDirs.push(dir);
  }
  return { stats, totalPaths: total };
}

/** A COPY/ADD source of a Dockerfile that the ignore file takes away entirely. */
export interface NeededExclusion {
  /** Index into ignore.patterns of the pattern that decides it. */
  pattern: number;
  /** Which Dockerfile (the caller's label, e.g. its path). */
  dockerfile: string;
  /** 0-based first line of the step. */
  line: number;
  step: number;
  keyword: string;
  /** The source as the step names it (relative to the context). */
  source: string;
  /** A context path it would have read (the source itself for literal sources). */
  example: string;
}

const isGlob = hasWildcard;

/**
 * Sources that this ignore file leaves the step without: a literal source the file excludes (the build fails with
 * "not found"), or a wildcard that selects context paths but none that are sent. Reading the whole context (`COPY . .`)
 * is what an ignore file is for, so it is never reported; neither are ONBUILD triggers (they run in another build).
 */
export function excludedCopySources(ignore: DockerIgnore, dockerfiles: { label: string; model: Model }[], ctx: ContextSnapshot | null): NeededExclusion[] {
  const out: NeededExclusion[] = [];
  if (!ignore.patterns.length) return out;
  let paths: string[] | null = null;
  const ctxPaths = (): string[] => (paths ??= ctx ? [...ctx.paths()].sort() : []);
  const push = (df: string, step: Step, source: string, example: string, pattern: number) =>
    out.push({ pattern, dockerfile: df, line: step.line, step: step.id, keyword: step.keyword, source, example });
  for (const { label, model } of dockerfiles) {
    for (const step of model.steps) {
      if (step.trigger) continue;
      for (const read of step.contextReads) {
        for (const src of read.sources) {
          if (src === '') continue;
          if (!isGlob(src)) {
            const d = ignore.decide(src);
            if (d.ignored && d.pattern >= 0) push(label, step, src, src, d.pattern);
            continue;
          }
          if (!ctx) continue;
          let first: string | null = null;
          let firstPattern = -1;
          let sent = false;
          const selects = compileSource(src); // compiled once: this runs over every context path
          for (const p of ctxPaths()) {
            if (!selects(p)) continue;
            const d = ignore.decide(p);
            if (!d.ignored) {
              sent = true;
              break;
            }
            if (first === null) {
              first = p;
              firstPattern = d.pattern;
            }
          }
          if (!sent && first !== null && firstPattern >= 0) push(label, step, src, first, firstPattern);
        }
      }
    }
  }
  return out;
}
