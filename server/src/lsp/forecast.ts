// The live rebuild forecast: for each open Dockerfile, the status of every step in the next build against a baseline
// (`layerwise.forecast.baseline`: the last imported build when it was stored with its input, else HEAD), kept current
// after Dockerfile edits (each analysis), context file events, HEAD moves, imports and settings changes. The engine's
// explain does the work; this module keeps the baseline (read from git once per HEAD, or from the build record once
// per import, with its model), the paths that may differ from it, the current model per document and the result,
// and tells the client (`layerwise/forecast` notification). It never starts an analysis or publishes diagnostics, and it runs after the
// diagnostics of an analysis are out (a forecast comes after), so git never delays them.
import * as path from 'node:path';
import { analyze, explain, explanationJson, RecordedContext, type AnalyzeOptions, type ContextSnapshot, type Explanation, type Model, type StepResult } from '../engine';
import { gitBaseline } from '../context';
import { changedSinceBuild, headStamp, type BuildRecord } from '../context/evidence';
import type { CodeLens } from 'vscode-languageserver';
import type { DocAnalysis } from './analysis';
import type { ForecastItem, ForecastNotification } from './protocol';
import { analyzeOptions, loadContext, resolveContext, workspaceRelative } from './resolve';
import type { ServerState } from './state';
import { uriToPath } from './uri';

/**
 * How long after the last analysis or file event the forecast is recomputed: events coalesce (a trailing delay, so
 * typing does not forecast every keystroke), longer when the last forecast took long (it runs on the protocol thread;
 * a hover or lens that needs it sooner computes it at once).
 */
const FORECAST_DELAY_MS = 30;
const MAX_FORECAST_DELAY_MS = 1000;
/** A hover computes a missing forecast itself only when the last one took at most this long. */
const HOVER_BUDGET_MS = 25;
const HOVER_STEPS = 300;
/** How often HEAD is checked for moves (a file read, no git) while Dockerfiles are open. */
const HEAD_POLL_MS = 2000;

interface Baseline {
  key: string;
  kind: 'head' | 'build';
  /** HEAD's stamp, or the build's import time: another one reads the baseline again. */
  stamp: string | null;
  contextDir: string;
  text: string | null;
  context: ContextSnapshot;
  /** The build's options (a build baseline); null: the current options (HEAD). */
  options: AnalyzeOptions | null;
  /** The baseline's steps the builder holds (a build that failed finished only some). */
  built?: ReadonlySet<number>;
  /** Context-relative paths that may differ: git's hint (or the stat check of a build) at read time plus every path an event named since. */
  hint: Set<string>;
  /** `HEAD (abc123def456)`, `the build of 10:42`. */
  label: string;
  /** The baseline's model, analysed once per options. */
  model: { opts: string; model: Model } | null;
}

export interface Forecast {
  uri: string;
  version: number;
  /** The baseline's label (`HEAD (abc123def456)`) or null with a note. */
  baseline: string | null;
  note: string | null;
  explanation: Explanation | null;
  /** What `explanationJson` needs besides the explanation (the JSON is built when asked for: jsonOf). */
  meta: { dockerfile: string; context: string; problems: ContextSnapshot['problems'] } | null;
  json?: object;
  /** Per 0-based step line (not ONBUILD triggers). */
  byLine: Map<number, StepResult>;
  /** Statuses and reasons as the client shows them: an equal one changes nothing on screen. */
  signature: string;
}

/** The forecast in the shape of `explain --format json`, built once per forecast when asked for. */
export function jsonOf(f: Forecast): object {
  if (!f.json) f.json = f.explanation && f.meta ? explanationJson(f.explanation, { ...f.meta, baseline: f.baseline ?? '' }) : { baseline: f.baseline, note: f.note, steps: [] };
  return f.json;
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
function builtSteps(model: Model, r: BuildRecord): Set<number> {
  const failed = r.steps.some((x) => x.status === 'error' || x.status === 'canceled' || x.status === 'incomplete');
  const mapped = new Map(r.steps.map((x) => [x.stepId, x.status]));
  const out = new Set<number>();
  for (const st of model.steps) {
    const status = mapped.get(st.id);
    if (status === 'executed' || status === 'cached' || (status === undefined && !failed)) out.add(st.id);
  }
  return out;
}

/** The short reason of a step's status: `src/server.js changed`, `the previous step rebuilds`. */
export function shortReason(r: StepResult): string {
  const files = r.reasons.find((x) => x.kind === 'files' && x.paths?.length);
  if (files) {
    const p = files.paths!;
    const c = p[0]!.change;
    return `${p[0]!.path} ${c === 'added' ? 'added' : c === 'removed' ? 'removed' : c === 'mode' ? 'changed mode' : 'changed'}${p.length > 1 ? ` (+${p.length - 1} more)` : ''}`;
  }
  const first = r.reasons[0];
  return first ? first.message.replace(/\.$/, '') : '';
}

export class Forecasts {
  private readonly baselines = new Map<string, Baseline>();
  private readonly results = new Map<string, Forecast>();
  private readonly failures = new Map<string, { stamp: string; message: string }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Documents whose forecast is out of date (an event or an analysis since the last one). */
  private readonly dirty = new Set<string>();
  private readonly running = new Map<string, Promise<Forecast | null>>();
  /** The current model per document (text and options), so a context event does not analyse it again. */
  private readonly models = new Map<string, { text: string; opts: string; model: Model }>();
  private lensTimer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private saidUntrusted = false;
  /** Milliseconds the last forecast took (the trailing delay grows with it). */
  private lastMs = 0;

  constructor(private readonly s: ServerState) {}

  /** A new analysis of `uri` (its diagnostics are out): forecast it shortly. */
  schedule(uri: string): void {
    this.dirty.add(uri);
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.current(uri);
      }, Math.min(MAX_FORECAST_DELAY_MS, FORECAST_DELAY_MS + 3 * this.lastMs)),
    );
    this.startPolling();
  }

  /** A file event for `absPath`: every baseline whose context holds it now hints it; their documents re-forecast. */
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
    for (const doc of this.s.documents.all()) if (this.results.has(doc.uri) || this.timers.has(doc.uri)) this.schedule(doc.uri);
  }

  /** Settings or trust changed: every baseline may be another. */
  reset(): void {
    this.baselines.clear();
    this.failures.clear();
    for (const doc of this.s.documents.all()) if (this.results.has(doc.uri)) this.schedule(doc.uri);
  }

  get(uri: string): Forecast | undefined {
    return this.results.get(uri);
  }

  /**
   * For a hover: the forecast for the latest state when computing it is cheap (up to HOVER_STEPS steps, or the last
   * one took at most HOVER_BUDGET_MS: it runs on this thread), else the last one only if it is still current, else null (the hover
   * then says nothing about the next build rather than something stale; the trailing timer brings it).
   */
  async forHover(uri: string): Promise<Forecast | null> {
    const steps = this.s.analyses.get(uri)?.model?.steps.length ?? 0;
    if (steps <= HOVER_STEPS || this.lastMs <= HOVER_BUDGET_MS) return this.current(uri);
    const f = this.results.get(uri);
    return f && f.version === this.s.documents.get(uri)?.version && !this.dirty.has(uri) ? f : null;
  }

  /** The forecast for the document's current version and the latest events (computed now if out of date). */
  async current(uri: string): Promise<Forecast | null> {
    const run = this.running.get(uri);
    if (run) {
      await run;
      if (!this.dirty.has(uri)) return this.results.get(uri) ?? null;
    }
    const doc = this.s.documents.get(uri);
    if (!doc) return null;
    const have = this.results.get(uri);
    if (have && have.version === doc.version && !this.dirty.has(uri)) return have;
    this.dirty.delete(uri);
    const p = this.compute(uri).catch((e) => {
      this.s.logError('forecast', e);
      return null;
    });
    this.running.set(uri, p);
    try {
      return await p;
    } finally {
      if (this.running.get(uri) === p) this.running.delete(uri);
    }
  }

  forget(uri: string): void {
    this.results.delete(uri);
    this.models.delete(uri);
    this.dirty.delete(uri);
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.delete(uri);
    if (!this.s.documents.all().length && this.poll) {
      clearInterval(this.poll);
      this.poll = null;
    }
  }

  dispose(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    if (this.lensTimer) clearTimeout(this.lensTimer);
    this.lensTimer = null;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private startPolling(): void {
    if (this.poll) return;
    this.poll = setInterval(() => {
      for (const b of this.baselines.values()) {
        if (b.kind !== 'head' || headStamp(b.contextDir) === b.stamp) continue;
        this.baselines.delete(b.key);
        for (const [uri, f] of this.results) if (f.baseline) this.schedule(uri);
      }
    }, HEAD_POLL_MS);
    this.poll.unref?.();
  }

  /**
   * The forecast for another target than the document's (the map's target picker): computed once, not kept, not
   * sent. Null target: the current forecast.
   */
  async forTarget(uri: string, target: string | null): Promise<Forecast | null> {
    const rc = resolveContext(this.s, uri);
    if (target === null || target === (rc.target ?? null)) return this.current(uri);
    return this.compute(uri, target).catch((e) => {
      this.s.logError('forecast', e);
      return null;
    });
  }

  private async compute(uri: string, target?: string): Promise<Forecast | null> {
    const s = this.s;
    const keep = target === undefined;
    const doc = s.documents.get(uri);
    if (!doc) return null;
    const version = doc.version;
    const text = doc.getText();
    const mode = s.settings.forecastBaseline;
    const none = (note: string | null): Forecast => this.store({ uri, version, baseline: null, note, explanation: null, meta: null, byLine: new Map(), signature: '' }, keep);
    if (mode === 'off') return none(null);
    if (!s.trusted) {
      if (!this.saidUntrusted) s.log('Layerwise: untrusted workspace: no git, so the rebuild forecast has no baseline (and no imported build to compare with)');
      this.saidUntrusted = true;
      return none('untrusted workspace: no git, and no imported build to compare with');
    }
    const file = uriToPath(uri);
    const rc = resolveContext(s, uri);
    if (!file || !rc.dir) return none('not a file on disk: no build context');
    const record = mode === 'head' ? null : s.insights.recordFor(uri);
    if (mode === 'lastBuild' && !record?.input)
      return none(
        record
          ? 'the last imported build was stored without what it was built from (an older Layerwise): import it again, or set layerwise.forecast.baseline to "head"'
          : 'no imported build of this Dockerfile yet: run "Layerwise: Build and import" or "Layerwise: Import build log…"',
      );
    const { ctx, note } = await loadContext(s, rc);
    if (!ctx) return none(note);
    let b: Baseline;
    try {
      b = record?.input ? this.buildBaseline(rc.dir, file, record) : this.baselineFor(rc.dir, file);
    } catch (e) {
      return none(`no git baseline: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    if (s.documents.get(uri)?.version !== version) return keep ? (this.results.get(uri) ?? null) : null;
    const opts = keep ? analyzeOptions(s, rc) : { ...analyzeOptions(s, rc), target };
    const optsKey = JSON.stringify(opts);
    const t0 = Date.now();
    let cur = keep ? this.models.get(uri) : undefined;
    if (!cur || cur.text !== text || cur.opts !== optsKey) {
      cur = { text, opts: optsKey, model: analyze(text, opts) };
      if (keep) this.models.set(uri, cur);
    }
    // a build baseline was built for its own target; HEAD is compared for the target asked about
    const baseOpts = b.options ?? opts;
    const baseKey = b.options ? JSON.stringify(b.options) : optsKey;
    let baseModel = b.model?.opts === baseKey ? b.model.model : undefined;
    if (b.text !== null && !baseModel) {
      baseModel = b.text === text && baseKey === optsKey ? cur.model : analyze(b.text, baseOpts);
      if (keep) b.model = { opts: baseKey, model: baseModel };
    }
    const e = explain({
      current: { text, context: ctx, options: opts },
      baseline: { text: b.text, context: b.context, options: baseOpts },
      changedHint: b.hint,
      currentModel: cur.model,
      baselineModel: baseModel,
      baselineBuilt: b.built,
    });
    if (keep) this.lastMs = Date.now() - t0;
    const byLine = new Map<number, StepResult>();
    for (const r of e.steps) if (!r.step.trigger) byLine.set(r.step.line, r);
    const meta = { dockerfile: workspaceRelative(s, file) || file, context: workspaceRelative(s, rc.dir) || '.', problems: ctx.problems };
    const missing = b.text === null ? (b.kind === 'head' ? 'the Dockerfile is not in HEAD: every step is new' : 'the build has no Dockerfile: every step is new') : null;
    return this.store({ uri, version, baseline: b.label, note: missing, explanation: e, meta, byLine, signature: '' }, keep);
  }

  private store(f: Forecast, keep = true): Forecast {
    if (!keep) return f;
    const prev = this.results.get(f.uri);
    this.results.set(f.uri, f);
    const n = this.notification(f);
    f.signature = `${f.baseline}\u0000${f.note}\u0000${n.items.map((i) => `${i.line}:${i.status}:${i.reason}`).join('\u0001')}`;
    void this.s.connection.sendNotification('layerwise/forecast', n);
    if (!prev || prev.signature !== f.signature) this.refreshLenses();
    return f;
  }

  /** One code-lens refresh for the forecasts stored in the same turn of the event loop. */
  private refreshLenses(): void {
    if (this.lensTimer) return;
    this.lensTimer = setTimeout(() => {
      this.lensTimer = null;
      this.s.refreshLenses();
    }, 0);
  }

  private notification(f: Forecast): ForecastNotification {
    const items: ForecastItem[] = [];
    let rebuilt = 0;
    let maybe = 0;
    let seconds: number | null = 0;
    const a = this.s.analyses.get(f.uri);
    for (const r of f.explanation?.steps ?? []) {
      if (r.step.trigger) continue;
      items.push({ line: r.step.line, endLine: r.step.endLine, status: r.status, reason: r.status === 'cached' ? '' : shortReason(r) });
      if (r.status === 'rebuilt') rebuilt++;
      if (r.status === 'maybe') maybe++;
      if (r.status === 'rebuilt' && seconds !== null) seconds = this.knownSeconds(a, r, seconds);
    }
    return { uri: f.uri, version: f.version, baseline: f.baseline, note: f.note, items, summary: { steps: items.length, rebuilt, maybe, seconds: rebuilt ? seconds : null } };
  }

  /** Adds a rebuilt step's cost when a build log or the history knows it; null when one is unknown. */
  private knownSeconds(a: DocAnalysis | undefined, r: StepResult, sum: number): number | null {
    if (!a?.model || a.model.steps[r.step.id]?.line !== r.step.line) return null;
    const ins = this.s.insights.insightOf(a, r.step.id);
    if (!ins || (ins.cost.source !== 'build-log' && !ins.history)) return null;
    return sum + ins.cost.seconds;
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
      throw e;
    }
    const b: Baseline = { key, kind: 'head', stamp, contextDir: path.resolve(contextDir), text: g.dockerfileText, context: g.context, options: null, hint: new Set(g.changedHint), label: `HEAD (${g.commit.slice(0, 12)})`, model: null };
    this.baselines.set(key, b);
    return b;
  }

  /** The baseline of an imported build stored with its input: read once per import. */
  private buildBaseline(contextDir: string, file: string, r: BuildRecord): Baseline {
    const key = 'build\u0000' + contextDir + '\u0000' + file;
    const have = this.baselines.get(key);
    if (have && have.stamp === r.importedAt) return have;
    const input = r.input!;
    const label = `the build of ${buildTime(r.importedAt)}`;
    const model = analyze(input.text, input.options);
    const b: Baseline = {
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
    };
    this.baselines.set(key, b);
    return b;
  }
}

/** The hover's first line for a step: what the next build does with it, and why. */
export function forecastLine(f: Forecast | undefined, version: number, line: number): string | null {
  if (!f || f.version !== version || !f.baseline) return null;
  const r = f.byLine.get(line);
  if (!r) return null;
  const since = f.baseline.startsWith('HEAD') ? 'since HEAD' : `since ${f.baseline}`;
  const why = shortReason(r);
  if (r.status === 'cached') return `**Cached** ${since}: nothing it depends on changed`;
  if (r.status === 'skipped') return '**Not built** in the next build: the target does not need this stage';
  const files = r.reasons.find((x) => x.kind === 'files' && x.paths?.length);
  const reason = files ? `${files.paths!.slice(0, 3).map((p) => '`' + p.path + '`').join(', ')}${files.paths!.length > 3 ? ', …' : ''} changed ${since}` : why;
  return `**${r.status === 'maybe' ? 'May rebuild' : 'Rebuilds'}**${reason ? ': ' + reason : ''}`;
}

/** The lens on the first FROM that opens the layer cache map (clients that have the command: Layerwise's VS Code client). */
export function mapLens(s: ServerState, a: DocAnalysis): CodeLens | null {
  const first = a.model?.stages[0];
  if (!first || !s.clientCommands.has('layerwise.showCacheMap')) return null;
  return { range: { start: { line: first.line, character: 0 }, end: { line: first.line, character: 0 } }, command: { title: 'layer cache map', command: 'layerwise.showCacheMap', arguments: [a.uri] } };
}

/** The forecast part of a step's code lens: `✗ rebuilds · src/server.js changed`, `✓ cached`. */
export function forecastLens(f: Forecast | undefined, version: number, line: number): string | null {
  if (!f || f.version !== version || !f.baseline) return null;
  const r = f.byLine.get(line);
  if (!r) return null;
  if (r.status === 'cached') return '✓ cached';
  if (r.status === 'skipped') return '– not built';
  const why = shortReason(r);
  return `${r.status === 'maybe' ? '? may rebuild' : '✗ rebuilds'}${why ? ' · ' + why : ''}`;
}

export function registerForecast(s: ServerState, forecasts: Forecasts): void {
  s.connection.onRequest('layerwise/forecast', async (p: { uri: string }) => {
    try {
      const f = await forecasts.current(p?.uri ?? '');
      return f ? jsonOf(f) : null;
    } catch (e) {
      s.logError('layerwise/forecast', e);
      return null;
    }
  });
}
