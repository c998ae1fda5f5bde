// `.dockerignore` documents: which context paths each pattern decides and which COPY/ADD sources it takes away
// (both computed by the engine), for diagnostics and hovers with counts and examples.
import {
  excludedCopySources,
  ignorePatternStats,
  parseDockerignore,
  type ContextSnapshot,
  type DockerIgnore,
  type Model,
  type NeededExclusion,
  type PatternStats,
} from '../engine';
import { countFiles } from './analysis';
import { fmtInt } from '../engine/format';

export type { PatternStats };

export interface IgnoreAnalysis {
  uri: string;
  version: number;
  /** The parsed file's patterns and problems (plain data: it crosses from the analysis worker). */
  ignore: Pick<DockerIgnore, 'patterns' | 'errors' | 'limits'>;
  stats: PatternStats[];
  /** COPY/ADD sources of Dockerfiles using this context that the file excludes. */
  needed: NeededExclusion[];
  /** The build context was read (stats count its paths). */
  hasContext: boolean;
  contextDir: string | null;
  contextNote: string | null;
  totalPaths: number;
  /** Files in the context (null without one). */
  contextFiles: number | null;
  /** Why the file was not analysed (the analysis worker died on it, or ran out of time), for one diagnostic. */
  refused?: string;
}

/** A Dockerfile that uses the context: `label` is how diagnostics name it, `uri` where related information points. */
export interface IgnoreUser {
  label: string;
  uri: string;
  model: Model;
}

export function analyseIgnore(
  uri: string,
  version: number,
  text: string,
  ctx: (ContextSnapshot & { pruned?: readonly string[] }) | null,
  contextDir: string | null,
  contextNote: string | null,
  users: IgnoreUser[] = [],
): IgnoreAnalysis {
  const ignore = parseDockerignore(text.includes('\u0000') ? '' : text);
  const { stats, totalPaths } = ignorePatternStats(ignore, ctx, ctx?.pruned ?? []);
  const needed = excludedCopySources(ignore, users.map((u) => ({ label: u.uri, model: u.model })), ctx);
  const plain = { patterns: ignore.patterns, errors: ignore.errors, limits: ignore.limits };
  return { uri, version, ignore: plain, stats, needed, hasContext: !!ctx, contextDir, contextNote, totalPaths, contextFiles: ctx ? countFiles(ctx) : null };
}

/** What an ignore document gets when it could not be analysed at all: one diagnostic (see ignoreDiagnostics). */
export function refusedIgnore(uri: string, version: number, contextDir: string | null, refused: string): IgnoreAnalysis {
  return { uri, version, ignore: { patterns: [], errors: [], limits: [] }, stats: [], needed: [], hasContext: false, contextDir, contextNote: refused, totalPaths: 0, contextFiles: null, refused };
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
  if (!a.hasContext) {
    out.push(a.contextNote ?? 'The build context is not known here.');
    return out.join('\n');
  }
  const verb = p.negated ? 'sends back' : 'keeps out';
  if (s.decided === 0) out.push(`Matches nothing in the build context (${fmtInt(a.totalPaths)} paths): it has no effect.`);
  else {
    out.push(`It ${verb} ${fmtInt(s.files)} file${s.files === 1 ? '' : 's'} (${fmtInt(s.decided)} paths in all) of the build context.`);
    if (s.examples.length) out.push('', 'For example: ' + s.examples.map((e) => '`' + e + '`').join(', ') + (s.files > s.examples.length ? ', …' : ''));
    if (s.prunedDirs.length)
      out.push('', `Whole directories left out (not even read): ${s.prunedDirs.slice(0, 5).map((d) => '`' + d + '/`').join(', ')}${s.prunedDirs.length > 5 ? ', …' : ''}.`);
  }
  out.push('', 'Counts are of the paths this pattern decides (the last matching pattern wins).');
  const needs = a.needed.filter((n) => n.pattern === index);
  if (needs.length) {
    out.push('', '**⚠️ Takes away what a build needs:**');
    for (const n of needs.slice(0, 5)) out.push(`- \`${n.keyword} ${n.source}\` (${labelOf(n.dockerfile)} line ${n.line + 1})`);
    if (needs.length > 5) out.push(`- and ${needs.length - 5} more`);
  }
  return out.join('\n');
}

/** A short name for a Dockerfile URI: its file name. */
export function labelOf(uri: string): string {
  const i = uri.lastIndexOf('/');
  return decodeURIComponent(i >= 0 ? uri.slice(i + 1) : uri);
}
