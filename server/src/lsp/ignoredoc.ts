// `.dockerignore` documents: which context paths each pattern decides (via the engine's matcher), for
// "matches nothing" diagnostics and hovers with counts and examples.
import { parseDockerignore, type ContextSnapshot, type DockerIgnore } from '../engine';

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

export interface IgnoreAnalysis {
  uri: string;
  version: number;
  ignore: DockerIgnore;
  stats: PatternStats[];
  ctx: ContextSnapshot | null;
  contextDir: string | null;
  contextNote: string | null;
  totalPaths: number;
}

export function analyseIgnore(
  uri: string,
  version: number,
  text: string,
  ctx: (ContextSnapshot & { pruned?: readonly string[] }) | null,
  contextDir: string | null,
  contextNote: string | null,
): IgnoreAnalysis {
  const ignore = parseDockerignore(text.includes('\u0000') ? '' : text);
  const stats: PatternStats[] = ignore.patterns.map((_, index) => ({ index, decided: 0, files: 0, examples: [], prunedDirs: [] }));
  let total = 0;
  if (ctx) {
    const all = [...ctx.paths()].sort();
    for (const p of all) {
      total++;
      const d = ignore.decide(p);
      if (d.pattern < 0) continue;
      const s = stats[d.pattern]!;
      s.decided++;
      if (ctx.entry(p)?.type !== 'dir') {
        s.files++;
        if (s.examples.length < 5) s.examples.push(p);
      }
    }
    for (const dir of ctx.pruned ?? []) {
      const d = ignore.decide(dir);
      if (d.pattern < 0) continue;
      const s = stats[d.pattern]!;
      s.decided++;
      s.prunedDirs.push(dir);
    }
  }
  return { uri, version, ignore, stats, ctx, contextDir, contextNote, totalPaths: total };
}

export function patternAtLine(a: IgnoreAnalysis, line0: number): number {
  return a.ignore.patterns.findIndex((p) => p.line - 1 === line0);
}

export function ignoreHover(a: IgnoreAnalysis, index: number): string {
  const p = a.ignore.patterns[index]!;
  const s = a.stats[index]!;
  const out: string[] = [];
  out.push(`**${p.negated ? 'Re-includes' : 'Excludes'}** \`${p.cleaned}\`${p.negated ? ' (an exception: `!`)' : ''}`);
  out.push('');
  if (!a.ctx) {
    out.push(a.contextNote ?? 'The build context is not known here.');
    return out.join('\n');
  }
  const verb = p.negated ? 'sends back' : 'keeps out';
  if (s.decided === 0) out.push(`Matches nothing in the build context (${a.totalPaths.toLocaleString('en-US')} paths): it has no effect.`);
  else {
    out.push(`It ${verb} ${s.files.toLocaleString('en-US')} file${s.files === 1 ? '' : 's'} (${s.decided.toLocaleString('en-US')} paths in all) of the build context.`);
    if (s.examples.length) out.push('', 'For example: ' + s.examples.map((e) => '`' + e + '`').join(', ') + (s.files > s.examples.length ? ', …' : ''));
    if (s.prunedDirs.length)
      out.push('', `Whole directories left out (not even read): ${s.prunedDirs.slice(0, 5).map((d) => '`' + d + '/`').join(', ')}${s.prunedDirs.length > 5 ? ', …' : ''}.`);
  }
  out.push('', 'Counts are of the paths this pattern decides (the last matching pattern wins).');
  return out.join('\n');
}
