// The live forecast's computation, where Dockerfiles are analysed (the analysis worker, or in-process without one):
// the baseline per context and Dockerfile — HEAD (git read once per HEAD) or the last imported build stored with
// its input (read once per import) — with its model and the paths that may differ from it, the document's current
// model (the worker's latest analysis of that text), the context (the worker's own store: no second crawl) and the
// engine's explain. Plain data goes back (the JSON of `explain --format json`); forecast.ts on the protocol thread
// schedules, stores and presents it. Under a storm this work (git, crawl, analyze, explain) no longer runs on the
// protocol thread, so no handler waits behind it.
import path = require('node:path');
import { analyze, explain, explanationJson, RecordedContext, type AnalyzeOptions, type ContextSnapshot, type Explanation, type Model, type StepResult } from '../engine';
import { BudgetExceeded, looksBinary, tooLargeToAnalyse, withBudget } from '../engine/budget';
import { gitBaseline } from '../context';
import { changedSinceBuild, headStamp, type BuildRecord } from '../context/evidence';
import type { ContextStore } from './contexts';

/** A forecast's time budget where it runs (the worker's analyses have the same). */
const FORECAST_BUDGET_MS = 10_000;

/** What an imported build contributes to its baseline (a BuildRecord's parts the forecast reads). */
export type BuildBaselineRecord = Pick<BuildRecord, 'importedAt' | 'steps' | 'input'>;

export interface ForecastRequest {
  uri: string;
  version: number;
  text: string;
  /** The engine's options (the document's; another target for the map's picker). */
  opts: AnalyzeOptions;
  contextDir: string;
  /** The Dockerfile's path (the context store's key for a Dockerfile-specific ignore file; git's Dockerfile). */
  file: string;
  /**
   * Compare with this imported build (null: HEAD). The record itself is sent only when the worker asks for it
   * (`needRecord`): once per import and worker, not with every forecast.
   */
  build: { importedAt: string; record?: BuildBaselineRecord } | null;
  /** The document's own forecast (its baseline model is kept); false: a one-off for another target. */
  keep: boolean;
  /** Paths as the JSON shows them. */
  display: { dockerfile: string; context: string };
}

export interface ForecastData {
  /** The baseline's label (`HEAD (abc123def456)`, `the build of 10:42`), or null with a note. */
  baseline: string | null;
  note: string | null;
  /**
   * `explain --format json` of the forecast as text (null without a baseline). A string crosses to the protocol
   * thread as one copy: the object graph's structured clone (1,091 steps, ~207 KB) took 4-28 ms on each side, more
   * than JSON.stringify here; the protocol thread parses it only when a request or a hover needs the reasons.
   */
  text: string | null;
  /** What the notification, lenses and the map show of each step, in model order (index = step id). */
  items: ForecastItemData[];
  /** A HEAD baseline's repository stamp (the protocol thread polls it, a file read, to notice commits and checkouts). */
  head: { dir: string; stamp: string } | null;
  /** The build record is not known here: send the request again with it. */
  needRecord?: boolean;
}

/** The parts of `explanationJson` the server reads (steps in model order: index = step id). */
export interface ForecastJson {
  steps: { line: number; endLine: number; onbuild?: boolean; status: Explanation['steps'][number]['status']; reasons: Explanation['steps'][number]['reasons'] }[];
}

/** One step of a forecast without its reasons (lines 0-based): what the notification and the lenses show. */
export interface ForecastItemData {
  line: number;
  endLine: number;
  trigger: boolean;
  status: StepResult['status'];
  /** The short reason (`shortReason`; empty when cached). */
  reason: string;
}

/**
 * ForecastData as it crosses from the worker: the steps as columns (typed arrays and one string) instead of one object
 * per step. Measured here (1,091 steps, the 277 KB JSON text beside them): structured clone 0.76 ms to serialize and
 * 1.45 ms to deserialize as objects, 0.15 and 0.24 ms as columns (the columns made included); both sit between the
 * worker's answer and the notification and request it serves.
 */
export interface PackedForecastData extends Omit<ForecastData, 'items'> {
  items: { line: Int32Array; endLine: Int32Array; /** STATUSES index, +4 for an ONBUILD trigger. */ flags: Uint8Array; /** The reasons, NUL-separated. */ reasons: string };
}

const STATUSES: readonly StepResult['status'][] = ['cached', 'rebuilt', 'maybe', 'skipped'];

/** ForecastData for postMessage (see PackedForecastData). */
export function packForecast(f: ForecastData): PackedForecastData {
  const n = f.items.length;
  const line = new Int32Array(n);
  const endLine = new Int32Array(n);
  const flags = new Uint8Array(n);
  const reasons: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = f.items[i]!;
    line[i] = r.line;
    endLine[i] = r.endLine;
    flags[i] = STATUSES.indexOf(r.status) | (r.trigger ? 4 : 0);
    // a reason is a message and paths: no NUL in it (a path with one cannot exist), but never split one apart
    reasons[i] = r.reason.replace(/\u0000/g, '\ufffd');
  }
  return { ...f, items: { line, endLine, flags, reasons: reasons.join('\u0000') } };
}

/** The ForecastData packForecast packed. */
export function unpackForecast(p: PackedForecastData): ForecastData {
  const { line, endLine, flags } = p.items;
  const reasons = p.items.reasons.split('\u0000');
  const items: ForecastItemData[] = new Array(line.length);
  for (let i = 0; i < line.length; i++) items[i] = { line: line[i]!, endLine: endLine[i]!, trigger: (flags[i]! & 4) !== 0, status: STATUSES[flags[i]! & 3]!, reason: reasons[i]! };
  return { ...p, items };
}

/** The short reason of a step's status: `src/server.js changed`, `the previous step rebuilds`. */
export function shortReason(r: Pick<StepResult, 'reasons'>): string {
  const files = r.reasons.find((x) => x.kind === 'files' && x.paths?.length);
  if (files) {
    const p = files.paths!;
    const c = p[0]!.change;
    return `${p[0]!.path} ${c === 'added' ? 'added' : c === 'removed' ? 'removed' : c === 'mode' ? 'changed mode' : 'changed'}${p.length > 1 ? ` (+${p.length - 1} more)` : ''}`;
  }
  const first = r.reasons[0];
  return first ? first.message.replace(/\.$/, '') : '';
}

interface Baseline {
  key: string;
  kind: 'head' | 'build';
  /** HEAD's stamp, or the build's import time: another one reads the baseline again. */
  stamp: string;
  contextDir: string;
  text: string | null;
  context: ContextSnapshot;
  /** The build's options (a build baseline); null: the current options (HEAD). */
  options: AnalyzeOptions | null;
  /** The baseline's steps the builder holds (a build that failed finished only some). */
  built?: ReadonlySet<number>;
  /** Context-relative paths that may differ: git's hint (or the stat check of a build) at read time plus every path an event named since. */
  hint: Set<string>;
  label: string;
  /** The baseline's model, analysed once per options. */
  model: { opts: string; model: Model } | null;
}

/** The build's time as the hover says it: `10:42` today, else `2026-11-30 10:42`. */
function buildTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const now = new Date();
  return d.toDateString() === now.toDateString() ? hm : `${day} ${hm}`;
}

/** The baseline's steps whose results a real build left in the cache: those it ran or found cached, and, when nothing failed, the steps the log does not show. */
function builtSteps(model: Model, r: BuildBaselineRecord): Set<number> {
  const failed = r.steps.some((x) => x.status === 'error' || x.status === 'canceled' || x.status === 'incomplete');
  const mapped = new Map(r.steps.map((x) => [x.stepId, x.status]));
  const out = new Set<number>();
  for (const st of model.steps) {
    const status = mapped.get(st.id);
    if (status === 'executed' || status === 'cached' || (status === undefined && !failed)) out.add(st.id);
  }
  return out;
}

/** At most this many baselines are kept (one per context and Dockerfile forecast): the oldest goes first. */
const MAX_BASELINES = 32;

/** At most this many documents' current models are kept beside the baselines' (the oldest goes first). */
const MAX_MODELS = 8;

export class ForecastWork {
  private readonly baselines = new Map<string, Baseline>();
  /** The model each document's last forecast used, when it is not its baseline's (see explainWithin). */
  private readonly models = new Map<string, { text: string; opts: string; model: Model }>();
  private readonly failures = new Map<string, { stamp: string; message: string }>();

  constructor(
    private readonly store: ContextStore,
    /** The model of the document's latest analysis when it is of this text and these options. */
    private readonly modelOf: (uri: string, text: string, opts: AnalyzeOptions) => Model | undefined = () => undefined,
  ) {}

  /** A file event for `absPath`: every baseline whose context holds it now hints it. */
  pathChanged(absPath: string): void {
    for (const b of this.baselines.values()) {
      const rel = path.relative(b.contextDir, absPath);
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const p = rel.split(path.sep).join('/');
      b.hint.add(p);
      // a folder of the baseline (deleted, renamed): its files may all differ (the hint is a superset, explain
      // compares each); a new folder's files are on the current side only, which explain finds without a hint
      if (b.context.entry(p)?.type === 'dir') for (const q of b.context.paths()) if (q.startsWith(p + '/')) b.hint.add(q);
    }
  }

  /** A closed document: its model goes. */
  forget(uri: string): void {
    this.models.delete(uri);
  }

  /** Settings or trust changed: every baseline may be another. */
  reset(): void {
    this.models.clear();
    this.baselines.clear();
    this.failures.clear();
  }

  async compute(req: ForecastRequest): Promise<ForecastData> {
    const none = (note: string, head: ForecastData['head'] = null): ForecastData => ({ baseline: null, note, text: null, items: [], head });
    const refused = looksBinary(req.text) ? 'binary content' : tooLargeToAnalyse(req.text);
    if (refused) return none(refused); // what the engine refuses to analyse is not forecast either
    let b: Baseline | null;
    try {
      // the baseline first: without git (or a build) there is nothing to compare with, and no crawl to pay for
      b = req.build ? this.buildBaseline(req.contextDir, req.file, req.build) : this.baselineFor(req.contextDir, req.file);
    } catch (e) {
      return none(`no git baseline: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    if (!b) return { baseline: null, note: null, text: null, items: [], head: null, needRecord: true };
    const head = b.kind === 'head' ? { dir: b.contextDir, stamp: b.stamp } : null;
    const r = await this.store.get(req.contextDir, req.file);
    if (!r.ctx) return none(r.error ?? 'the build context could not be read', head);
    const ctx = r.ctx;
    const baseline = b;
    try {
      return this.explainWithin(req, baseline, ctx, head);
    } catch (e) {
      if (e instanceof BudgetExceeded) return none(`not forecast: ${e.message}`, head); // a contained outcome, not an error
      throw e;
    }
  }

  private explainWithin(req: ForecastRequest, baseline: Baseline, ctx: ContextSnapshot, head: ForecastData['head']): ForecastData {
    return withBudget(FORECAST_BUDGET_MS, () => {
      const { text, opts } = req;
      const optsKey = JSON.stringify(opts);
      // a build baseline was built for its own target; HEAD is compared for the target asked about
      const baseOpts = baseline.options ?? opts;
      const baseKey = baseline.options ? JSON.stringify(baseline.options) : optsKey;
      let baseModel = baseline.model?.opts === baseKey ? baseline.model.model : undefined;
      // one model object per text and options: explain memoises a model's clean keys (and, when both sides are one
      // model, keys the baseline against it without comparing sources), and every re-analysis makes a new model of
      // the same text — a context event's re-analysis had the next forecast hash all 1,091 steps again
      const last = this.models.get(req.uri);
      const model =
        baseModel && baseline.text === text && baseKey === optsKey
          ? baseModel
          : last && last.text === text && last.opts === optsKey
            ? last.model
            : (this.modelOf(req.uri, text, opts) ?? analyze(text, opts));
      if (req.keep && model !== baseModel) {
        this.models.delete(req.uri);
        this.models.set(req.uri, { text, opts: optsKey, model });
        if (this.models.size > MAX_MODELS) this.models.delete(this.models.keys().next().value!);
      } else if (req.keep) this.models.delete(req.uri);
      if (baseline.text !== null && !baseModel) {
        baseModel = baseline.text === text && baseKey === optsKey ? model : analyze(baseline.text, baseOpts);
        if (req.keep) baseline.model = { opts: baseKey, model: baseModel };
      }
      const e = explain({
        current: { text, context: ctx, options: opts },
        baseline: { text: baseline.text, context: baseline.context, options: baseOpts },
        changedHint: baseline.hint,
        currentModel: model,
        baselineModel: baseModel,
        baselineBuilt: baseline.built,
      });
      const missing = baseline.text === null ? (baseline.kind === 'head' ? 'the Dockerfile is not in HEAD: every step is new' : 'the build has no Dockerfile: every step is new') : null;
      const json = explanationJson(e, { ...req.display, problems: ctx.problems, baseline: baseline.label }) as ForecastJson;
      const items = e.steps.map((r): ForecastItemData => ({ line: r.step.line, endLine: r.step.endLine, trigger: !!r.step.trigger, status: r.status, reason: r.status === 'cached' ? '' : shortReason(r) }));
      return { baseline: baseline.label, note: missing, text: JSON.stringify(json), items, head };
    });
  }

  private keep(b: Baseline): Baseline {
    this.baselines.delete(b.key);
    this.baselines.set(b.key, b);
    if (this.baselines.size > MAX_BASELINES) this.baselines.delete(this.baselines.keys().next().value!);
    return b;
  }

  /** The baseline for a context and Dockerfile: read from git once per HEAD. */
  private baselineFor(contextDir: string, file: string): Baseline {
    const key = contextDir + '\u0000' + file;
    const stamp = headStamp(contextDir);
    // no .git above the context: no git to run at all
    if (stamp === null) throw new Error('the build context is not in a git repository');
    const have = this.baselines.get(key);
    if (have && have.stamp === stamp) return have;
    // a failure (no commits yet, context outside the repository…) is remembered until HEAD moves
    const failed = this.failures.get(key);
    if (failed && failed.stamp === stamp) throw new Error(failed.message);
    let g: ReturnType<typeof gitBaseline>;
    try {
      g = gitBaseline({ contextDir, dockerfilePath: file, rev: 'HEAD' });
    } catch (e) {
      this.failures.set(key, { stamp, message: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
      if (this.failures.size > MAX_BASELINES) this.failures.delete(this.failures.keys().next().value!);
      throw e;
    }
    return this.keep({ key, kind: 'head', stamp, contextDir: path.resolve(contextDir), text: g.dockerfileText, context: g.context, options: null, hint: new Set(g.changedHint), label: `HEAD (${g.commit.slice(0, 12)})`, model: null });
  }

  /** The baseline of an imported build stored with its input: read once per import (null: the record is needed). */
  private buildBaseline(contextDir: string, file: string, build: NonNullable<ForecastRequest['build']>): Baseline | null {
    const key = 'build\u0000' + contextDir + '\u0000' + file;
    const have = this.baselines.get(key);
    if (have && have.stamp === build.importedAt) return have;
    const r = build.record;
    if (!r?.input || r.importedAt !== build.importedAt) return null;
    const input = r.input;
    const label = `the build of ${buildTime(r.importedAt)}`;
    const model = analyze(input.text, input.options);
    return this.keep({
      key,
      kind: 'build',
      stamp: r.importedAt,
      contextDir: path.resolve(contextDir),
      text: input.text,
      context: new RecordedContext(label, input),
      options: input.options,
      built: builtSteps(model, r),
      hint: new Set(changedSinceBuild(input, path.resolve(contextDir))),
      label,
      model: { opts: JSON.stringify(input.options), model },
    });
  }
}
