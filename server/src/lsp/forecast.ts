// The live rebuild forecast: for each open Dockerfile, the status of every step in the next build against a baseline
// (HEAD; `layerwise.forecast.baseline`), kept current after Dockerfile edits (each analysis), context file events,
// HEAD moves and settings changes. The engine's explain does the work; this module keeps the baseline (read from git
// once per HEAD), the paths that may differ from it, and the result per document, and tells the client
// (`layerwise/forecast` notification). It never starts an analysis or publishes diagnostics, and it runs after the
// diagnostics of an analysis are out (a forecast comes after), so git never delays them.
import * as path from 'node:path';
import { explain, explanationJson, type Explanation, type StepResult } from '../engine';
import { gitBaseline, type GitContext } from '../context';
import { headStamp } from '../context/evidence';
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
  stamp: string | null;
  contextDir: string;
  commit: string;
  text: string | null;
  context: GitContext;
  /** Context-relative paths that may differ from HEAD: git's hint at read time plus every path an event named since. */
  hint: Set<string>;
  /** Commit time (for "since HEAD"). */
  label: string;
}

export interface Forecast {
  uri: string;
  version: number;
  /** The baseline's label (`HEAD (abc123def456)`) or null with a note. */
  baseline: string | null;
  note: string | null;
  explanation: Explanation | null;
  json: object | null;
  /** Per 0-based step line (not ONBUILD triggers). */
  byLine: Map<number, StepResult>;
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
      // a folder event: its files may all differ (the hint is a superset, explain compares each)
      for (const q of b.context.paths()) if (q.startsWith(p + '/')) b.hint.add(q);
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
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private startPolling(): void {
    if (this.poll) return;
    this.poll = setInterval(() => {
      for (const b of this.baselines.values()) {
        if (headStamp(b.contextDir) === b.stamp) continue;
        this.baselines.delete(b.key);
        for (const [uri, f] of this.results) if (f.baseline) this.schedule(uri);
      }
    }, HEAD_POLL_MS);
    this.poll.unref?.();
  }

  private async compute(uri: string): Promise<Forecast | null> {
    const s = this.s;
    const doc = s.documents.get(uri);
    if (!doc) return null;
    const version = doc.version;
    const text = doc.getText();
    const mode = s.settings.forecastBaseline;
    const none = (note: string | null): Forecast => this.store({ uri, version, baseline: null, note, explanation: null, json: null, byLine: new Map() });
    if (mode === 'off') return none(null);
    if (!s.trusted) {
      if (!this.saidUntrusted) s.log('Layerwise: untrusted workspace: no git, so the rebuild forecast has no baseline (and no imported build to compare with)');
      this.saidUntrusted = true;
      return none('untrusted workspace: no git, and no imported build to compare with');
    }
    if (mode === 'lastBuild') return none('a forecast against the last imported build is not available yet: set layerwise.forecast.baseline to "head"');
    const file = uriToPath(uri);
    const rc = resolveContext(s, uri);
    if (!file || !rc.dir) return none('not a file on disk: no build context');
    const { ctx, note } = await loadContext(s, rc);
    if (!ctx) return none(note);
    let b: Baseline;
    try {
      b = this.baselineFor(rc.dir, file);
    } catch (e) {
      return none(`no git baseline: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    if (s.documents.get(uri)?.version !== version) return this.results.get(uri) ?? null;
    const opts = analyzeOptions(s, rc);
    const t0 = Date.now();
    const e = explain({
      current: { text, context: ctx, options: opts },
      baseline: { text: b.text, context: b.context, options: opts },
      changedHint: b.hint,
    });
    this.lastMs = Date.now() - t0;
    const byLine = new Map<number, StepResult>();
    for (const r of e.steps) if (!r.step.trigger) byLine.set(r.step.line, r);
    const json = explanationJson(e, { dockerfile: workspaceRelative(s, file) || file, context: workspaceRelative(s, rc.dir) || '.', baseline: b.label, problems: ctx.problems });
    return this.store({ uri, version, baseline: b.label, note: b.text === null ? 'the Dockerfile is not in HEAD: every step is new' : null, explanation: e, json, byLine });
  }

  private store(f: Forecast): Forecast {
    const prev = this.results.get(f.uri);
    this.results.set(f.uri, f);
    const n = this.notification(f);
    const changed = !prev || JSON.stringify(prev.json) !== JSON.stringify(f.json) || prev.note !== f.note;
    void this.s.connection.sendNotification('layerwise/forecast', n);
    if (changed) this.s.refreshLenses();
    return f;
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
    const b: Baseline = { key, stamp, contextDir: path.resolve(contextDir), commit: g.commit, text: g.dockerfileText, context: g.context, hint: new Set(g.changedHint), label: `HEAD (${g.commit.slice(0, 12)})` };
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
      if (!f) return null;
      return f.json ?? { baseline: f.baseline, note: f.note, steps: [] };
    } catch (e) {
      s.logError('layerwise/forecast', e);
      return null;
    }
  });
}
