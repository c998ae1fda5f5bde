// One open document's analysis, computed once per document version and served to hovers, lenses and code actions
// from this cache. Only calls the engine: no analysis of its own.
import {
  analyze,
  check,
  contextSizes,
  impactOf,
  stepReads,
  sentPaths,
  varReach,
  type CheckResult,
  type ContextProblem,
  type ContextSizes,
  type ContextSnapshot,
  type Impact,
  type Model,
  type Severity,
  type StepReads,
  type Step,
} from '../engine';
import { beginAnalysis, memoized } from '../engine/memo';
import { mapLayers } from '../engine/layers';
import type { SiblingBuild } from '../engine/shared';
import { shortId, type ImageInput, type ImageLayersResult } from './layers';
import { BudgetExceeded, looksBinary, tooLargeToAnalyse, withBudget } from '../engine/budget';
import path = require('node:path');
import { fileURLToPath } from 'node:url';

export interface DocAnalysis {
  uri: string;
  version: number;
  text: string;
  /** Null when the text is not a Dockerfile we analyse (binary, too large). */
  model: Model | null;
  check: CheckResult | null;
  reads: Map<number, StepReads>;
  /** Bytes per context copy, transferred and unread (engine/sizes.ts); absent without a context. */
  sizes?: ContextSizes;
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
  /** Why the document was not analysed at all (too large, binary, over its time budget, an internal error). */
  refused: string | null;
  /** The stack of an internal error that made the analysis fail (logged by the server). */
  internalError?: string;
  /** Per ARG/ENV line of a stage, the RUN steps it reaches (the engine's varReach, summarised in the worker). */
  reach: Map<number, ReachSummary>;
  /** Memoised static impact per step id. */
  impacts: Map<number, Impact>;
  /** Milliseconds the analysis took (logged, used by benchmarks). */
  elapsedMs: number;
  /**
   * Set on a worker's result (see forTransfer): steps carry at most ENV_SHOWN env entries (and their sources), and
   * this map has the full count per step id whose env was cut. Absent: `step.env` is complete.
   */
  envCounts?: Map<number, number>;
  /** The last imported build's image: its layers mapped onto this model, or why there are none (lsp/layers.ts). */
  image?: ImageLayersResult;
}

/** The engine's VarReach for one line, small enough to send with the analysis: counts and the first step ids. */
export interface ReachSummary {
  names: string[];
  /** Every name on the line has a value in this build. */
  valued: boolean;
  runs: number;
  runsWithValue: number;
  /** Ids of the first REACH_SHOWN steps of `runs` and of `runsWithValue`. */
  shown: number[];
  shownWithValue: number[];
}

export const REACH_SHOWN = 4;

/** varReach for every ARG/ENV line of a stage (computed where the full model is: the worker or in-process). */
export function reachSummaries(model: Model): Map<number, ReachSummary> {
  const out = new Map<number, ReachSummary>();
  for (const c of model.config) {
    if (c.stage === null || (c.keyword !== 'ARG' && c.keyword !== 'ENV')) continue;
    const r = varReach(model, c);
    out.set(c.line, {
      names: r.names,
      valued: r.valued.length === r.names.length,
      runs: r.runs.length,
      runsWithValue: r.runsWithValue.length,
      shown: r.runs.slice(0, REACH_SHOWN).map((s) => s.id),
      shownWithValue: r.runsWithValue.slice(0, REACH_SHOWN).map((s) => s.id),
    });
  }
  return out;
}

/** What diagnostics are made of: small, so a worker can send it before the (much larger) analysis itself. */
export interface DiagInput {
  uri: string;
  version: number;
  refused: string | null;
  problems: Model['problems'];
  findings: CheckResult['findings'];
  /** Range of the first FROM (where context diagnostics go), if any. */
  firstFrom: Model['stages'][number]['range'] | null;
  contextError: string | null;
  contextProblems: ContextProblem[];
  /** Milliseconds the analysis took (the adaptive debounce uses it). */
  elapsedMs: number;
}

export function diagInputOf(a: DocAnalysis): DiagInput {
  return {
    uri: a.uri,
    version: a.version,
    refused: a.refused,
    problems: a.model?.problems ?? [],
    findings: a.check?.findings ?? [],
    firstFrom: a.model?.stages[0]?.range ?? null,
    contextError: a.contextError,
    contextProblems: a.contextProblems,
    elapsedMs: a.elapsedMs,
  };
}

/** How many env entries a hover lists by name (the rest are counted). */
export const ENV_SHOWN = 8;

/**
 * The part of an analysis the protocol thread presents from, cheap to structured-clone across threads. A RUN's env
 * holds every ARG/ENV in scope, so on long Dockerfiles the steps' env, envSources and op (the cache-key material)
 * grow with steps × variables and cloning them cost more than the analysis (1.2 s of 32 MB at 20,000 lines). The
 * protocol thread never recomputes keys (explain re-analyses from the text), so: no `op`/`parts`, no stage env maps,
 * env cut to what a hover names, with the full count in `envCounts`.
 */
export function forTransfer(a: DocAnalysis): DocAnalysis {
  if (!a.model) return { ...a, ctx: null };
  const envCounts = new Map<number, number>();
  const steps = a.model.steps.map((s) => {
    const slim = { ...s, op: '', parts: {} };
    if (s.env.length > ENV_SHOWN) {
      envCounts.set(s.id, s.env.length);
      slim.env = s.env.slice(0, ENV_SHOWN);
    }
    if (s.envSources.size) {
      const m = new Map<string, Step['envSources'] extends Map<string, infer V> ? V : never>();
      for (const [k] of slim.env) {
        const src = s.envSources.get(k);
        if (src) m.set(k, { ...src, value: '' });
      }
      slim.envSources = m;
    }
    return slim;
  });
  const stages = a.model.stages.map((st) => ({ ...st, envAtEnd: new Map<string, string>(), keyEnvAtEnd: new Map<string, string>() }));
  const model: Model = { ...a.model, steps, stages };
  return { ...a, ctx: null, model, check: a.check ? { ...a.check, model } : null, envCounts };
}


/**
 * The time one analysis of a document may take (the engine checks it between stages and rules); over it, the
 * document gets one "too large to analyse within …" diagnostic. The worker's watchdog ends analyses that do not
 * come back at all (see worker.ts).
 */
export const ANALYSIS_BUDGET_MS = 10_000;

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
  /** `--platform` and the builder's own platform (engine defaults when absent). */
  platform?: string;
  buildPlatform?: string;
  severities: Record<string, Severity | 'off'>;
  /** `.layerwise.yaml` `unreadContextLimit` (bytes), for unread-context-data. */
  unreadContextLimit?: number;
  /** Time budget (default ANALYSIS_BUDGET_MS). */
  budgetMs?: number;
  /** The image the last imported build of this text made, with its layers' waste (lsp/layers.ts). */
  image?: ImageInput | null;
  /** The workspace's other builds (compose services, bake targets, sibling Dockerfiles), for needless-divergence. */
  siblings?: SiblingBuild[];
}

export function analyseDocument(inp: AnalyseInput): DocAnalysis {
  const t0 = Date.now();
  beginAnalysis(); // the caches keep what the latest analyses use (engine/memo.ts WORKING_SET_BYTES)
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
    reach: new Map(),
    impacts: new Map(),
    elapsedMs: 0,
  };
  if (looksBinary(inp.text)) base.refused = BINARY_REFUSAL;
  else base.refused = tooLargeToAnalyse(inp.text);
  if (base.refused) {
    base.elapsedMs = Date.now() - t0;
    return base;
  }
  const text = inp.text.charCodeAt(0) === 0xfeff ? inp.text.slice(1) : inp.text;
  const opts = { buildArgs: inp.buildArgs, target: inp.target, buildkitVersion: inp.buildkitVersion, platform: inp.platform, buildPlatform: inp.buildPlatform };
  try {
    withBudget(inp.budgetMs ?? ANALYSIS_BUDGET_MS, () => {
      const model = analyze(text, opts);
      const prepared = inp.ctx ? readsFor(model, inp.ctx) : undefined;
      // the image's layers mapped onto this model: only an image whose history matches every step counts
      const layers = inp.image?.waste ? mapLayers(inp.image.waste, model) : undefined;
      if (inp.image) base.image = { id: inp.image.id, ...(layers?.mapped ? { report: layers } : { note: inp.image.note ?? `the history of \`${shortId(inp.image.id)}\` does not match this Dockerfile's steps: its layers are not shown` }) };
      const checked = check(text, inp.ctx, { ...opts, severities: inp.severities, unreadContextLimit: inp.unreadContextLimit, dockerfile: dockerfileInContext(inp.uri, inp.contextDir), ...(layers?.mapped ? { layers } : {}), ...(inp.siblings?.length ? { siblings: inp.siblings } : {}) }, model, prepared);
      base.model = model;
      base.reach = reachSummaries(model);
      if (prepared) base.reads = prepared.reads;
      if (prepared) base.sizes = contextSizes(model, inp.ctx!, prepared.sent);
      base.check = checked;
    });
  } catch (e) {
    // never silence: a document the engine cannot analyse gets one diagnostic that says why
    base.model = null;
    base.check = null;
    base.reads = new Map();
    base.reach = new Map();
    base.refused = e instanceof BudgetExceeded ? e.message : `could not be analysed (an internal error of Layerwise: ${e instanceof Error ? e.message : String(e)})`;
    if (!(e instanceof BudgetExceeded)) base.internalError = e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  base.elapsedMs = Date.now() - t0;
  return base;
}

interface ReadsCache {
  sent: string[];
  /** StepReads by the step's context reads (sources and excludes), for this context snapshot. */
  bySources: Map<string, StepReads>;
}
const readsCaches = new WeakMap<ContextSnapshot, ReadsCache>();
/** A step's context reads as a cache key (steps of memoised stages are shared between analyses). */
const readKeys = new WeakMap<Step, string>();

/**
 * `sentPaths` and `stepReads` for a model, computed once per context snapshot and step sources: an edit to a
 * Dockerfile only computes the reads of steps whose sources changed (the context store hands out a new snapshot
 * whenever paths are added, removed or the ignore file changes; content changes do not change what a step selects).
 * The result is passed to check() so that the rules do not compute it a second time.
 */
export function readsFor(model: Model, ctx: ContextSnapshot): { sent: string[]; reads: Map<number, StepReads> } {
  let c = readsCaches.get(ctx);
  if (!c) {
    c = { sent: sentPaths(ctx), bySources: new Map() };
    readsCaches.set(ctx, c);
  }
  const todo: Model['steps'] = [];
  const keys = new Map<number, string>();
  const pending = new Set<string>();
  for (const s of model.steps) {
    if (!s.contextReads.length) continue;
    const key = memoized(readKeys, s, (x) => JSON.stringify(x.contextReads.map((r) => [r.sources, r.excludes])));
    keys.set(s.id, key);
    if (!c.bySources.has(key) && !pending.has(key)) {
      pending.add(key); // steps with the same sources read the same files: compute one of them
      todo.push(s);
    }
  }
  if (todo.length) {
    if (c.bySources.size + todo.length > 50_000) c.bySources.clear();
    for (const [id, r] of stepReads({ ...model, steps: todo }, ctx, c.sent)) c.bySources.set(keys.get(id)!, r);
  }
  const reads = new Map<number, StepReads>();
  for (const [id, key] of keys) {
    const r = c.bySources.get(key);
    if (r) reads.set(id, r);
  }
  return { sent: c.sent, reads };
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

export const BINARY_REFUSAL = 'binary content (NUL bytes or bytes that are not UTF-8): not a Dockerfile';

/** What a document version gets when it could not be analysed at all (the worker died on it…): one diagnostic. */
export function failedAnalysis(req: { uri: string; version: number; text: string; contextDir: string | null; noContextNote?: string | null }, refused: string): DocAnalysis {
  return {
    uri: req.uri,
    version: req.version,
    text: req.text,
    model: null,
    check: null,
    reads: new Map(),
    reach: new Map(),
    ctx: null,
    hasContext: false,
    ignoreFileName: null,
    contextFiles: null,
    contextProblems: [],
    contextError: null,
    contextDir: req.contextDir,
    contextNote: req.noContextNote ?? null,
    refused,
    impacts: new Map(),
    elapsedMs: 0,
  };
}

/** The document's path inside its build context (posix), null when outside it, `Dockerfile` when unknown. */
function dockerfileInContext(uri: string, contextDir: string | null): string | null {
  if (!contextDir || !uri.startsWith('file:')) return 'Dockerfile';
  let file: string;
  try {
    file = fileURLToPath(uri);
  } catch {
    return 'Dockerfile';
  }
  const rel = path.relative(contextDir, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : null;
}
