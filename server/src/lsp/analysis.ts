// One open document's analysis, computed once per document version and served to hovers, lenses and code actions
// from this cache. Only calls the engine: no analysis of its own.
import {
  analyze,
  check,
  impactOf,
  stepReads,
  sentPaths,
  type CheckResult,
  type ContextProblem,
  type ContextSnapshot,
  type Impact,
  type Model,
  type Severity,
  type StepReads,
} from '../engine';

export interface DocAnalysis {
  uri: string;
  version: number;
  text: string;
  /** Null when the text is not a Dockerfile we analyse (binary, too large). */
  model: Model | null;
  check: CheckResult | null;
  reads: Map<number, StepReads>;
  /** The context snapshot (only when analysed in-process; a worker's result carries the summary fields below). */
  ctx: ContextSnapshot | null;
  hasContext: boolean;
  ignoreFileName: string | null;
  contextFiles: number | null;
  contextProblems: ContextProblem[];
  /** Why the context could not be read (missing directory…), for a diagnostic. */
  contextError: string | null;
  contextDir: string | null;
  /** Why there is no context (untrusted workspace, missing directory…), for hovers and diagnostics. */
  contextNote: string | null;
  /** Why the document was not analysed at all. */
  refused: string | null;
  /** Memoised static impact per step id. */
  impacts: Map<number, Impact>;
  /** Milliseconds the analysis took (logged, used by benchmarks). */
  elapsedMs: number;
}

export const MAX_DOCUMENT_CHARS = 16 * 1024 * 1024;

export interface AnalyseInput {
  uri: string;
  version: number;
  text: string;
  ctx: ContextSnapshot | null;
  contextDir: string | null;
  contextNote: string | null;
  contextError?: string | null;
  buildArgs: Record<string, string>;
  target: string | undefined;
  buildkitVersion: string | undefined;
  severities: Record<string, Severity | 'off'>;
}

export function analyseDocument(inp: AnalyseInput): DocAnalysis {
  const t0 = Date.now();
  const base: DocAnalysis = {
    uri: inp.uri,
    version: inp.version,
    text: inp.text,
    model: null,
    check: null,
    reads: new Map(),
    ctx: inp.ctx,
    hasContext: !!inp.ctx,
    ignoreFileName: inp.ctx?.ignoreFile?.name ?? null,
    contextFiles: inp.ctx ? countFiles(inp.ctx) : null,
    contextProblems: inp.ctx ? [...inp.ctx.problems] : [],
    contextError: inp.contextError ?? null,
    contextDir: inp.contextDir,
    contextNote: inp.contextNote,
    refused: null,
    impacts: new Map(),
    elapsedMs: 0,
  };
  if (inp.text.includes('\u0000')) base.refused = 'binary content (NUL bytes): not a Dockerfile';
  else if (inp.text.length > MAX_DOCUMENT_CHARS) base.refused = `${inp.text.length} characters is too large for a Dockerfile`;
  if (base.refused) {
    base.elapsedMs = Date.now() - t0;
    return base;
  }
  const text = inp.text.charCodeAt(0) === 0xfeff ? inp.text.slice(1) : inp.text;
  const opts = { buildArgs: inp.buildArgs, target: inp.target, buildkitVersion: inp.buildkitVersion };
  const model = analyze(text, opts);
  base.model = model;
  base.check = check(text, inp.ctx, { ...opts, severities: inp.severities }, model);
  if (inp.ctx) base.reads = stepReads(model, inp.ctx, sentPaths(inp.ctx));
  base.elapsedMs = Date.now() - t0;
  return base;
}

export function impactFor(a: DocAnalysis, stepId: number): Impact {
  let i = a.impacts.get(stepId);
  if (!i) {
    i = impactOf(a.model!, stepId);
    a.impacts.set(stepId, i);
  }
  return i;
}

const fileCounts = new WeakMap<object, number>();
export function countFiles(ctx: ContextSnapshot): number {
  let n = fileCounts.get(ctx);
  if (n === undefined) {
    n = 0;
    for (const p of ctx.paths()) if (ctx.entry(p)?.type !== 'dir') n++;
    fileCounts.set(ctx, n);
  }
  return n;
}
