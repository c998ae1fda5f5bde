// The live rebuild forecast: for each open Dockerfile, the status of every step in the next build against a baseline
// (`layerwise.forecast.baseline`: the last imported build when it was stored with its input, else HEAD), kept current
// after Dockerfile edits (each analysis), context file events, HEAD moves, imports and settings changes. The engine's
// explain does the work where analyses run (forecastwork.ts, in the analysis worker: git, the crawl and explain never
// block the protocol thread); this module schedules it, keeps the result per document and tells the client
// (`layerwise/forecast` notification). It never starts an analysis or publishes diagnostics, and it runs after the
// diagnostics of an analysis are out (a forecast comes after), so git never delays them.
import { analyze, type Model, type StepResult } from '../engine';
import { headStamp } from '../context/evidence';
import { looksBinary, tooLargeToAnalyse } from '../engine/budget';
import type { CodeLens } from 'vscode-languageserver';
import type { DocAnalysis } from './analysis';
import { RawJson } from './rawjson';
import { ForecastWork, shortReason, type ForecastData, type ForecastItemData, type ForecastJson, type ForecastRequest } from './forecastwork';
import type { ForecastItem, ForecastNotification } from './protocol';
import { analyzeOptions, resolveContext, workspaceRelative } from './resolve';
import type { ServerState } from './state';
import { isIgnoreDocument, uriToPath } from './uri';

/**
 * How long after the last analysis or file event the forecast is recomputed: events coalesce (a trailing delay, so
 * typing does not forecast every keystroke), longer when the last forecast took long (it runs where analyses run;
 * a hover or lens that needs it sooner asks at once).
 */
const FORECAST_DELAY_MS = 30;
const MAX_FORECAST_DELAY_MS = 1000;
/** How often HEAD is checked for moves (a file read, no git) while Dockerfiles are open. */
const HEAD_POLL_MS = 2000;

/** One step of a forecast: its lines (0-based), status and reasons. */
export interface ForecastStep {
  id: number;
  line: number;
  endLine: number;
  trigger: boolean;
  status: StepResult['status'];
  reasons: StepResult['reasons'];
}

export interface Forecast {
  uri: string;
  version: number;
  /** The baseline's label (`HEAD (abc123def456)`) or null with a note. */
  baseline: string | null;
  note: string | null;
  /** `explain --format json` of it as text (computed where it ran), or null without a baseline. */
  text: string | null;
  /** Every step in model order (index = step id), its status and short reason; empty without a baseline. */
  items: ForecastItemData[];
  /** Step id per 0-based step line (not ONBUILD triggers). */
  byLine: Map<number, number>;
  /** The model it is for, when it is not the document's analysis (another target: the map's picker). */
  model?: Model;
  /** Statuses and reasons as the client shows them: an equal one changes nothing on screen. */
  signature: string;
  /**
   * What it was computed from besides the context and the baseline's HEAD (the document version, the engine's
   * options, the context and Dockerfile, the baseline asked for): an analysis of the same inputs with no file event,
   * HEAD move or import since needs no new forecast.
   */
  inputs: string;
  /** `text` parsed, on first use (a request, a hover, the map), then kept: the answer is assembled once per forecast. */
  parsed?: { json: object; steps: ForecastStep[] };
}

export { shortReason };

function parsedOf(f: Forecast): NonNullable<Forecast['parsed']> {
  if (!f.parsed) {
    const json = f.text === null ? null : (JSON.parse(f.text) as ForecastJson & object);
    const steps = (json?.steps ?? []).map((x, id): ForecastStep => ({ id, line: x.line - 1, endLine: x.endLine - 1, trigger: !!x.onbuild, status: x.status, reasons: x.reasons }));
    f.parsed = { json: json ?? { baseline: f.baseline, note: f.note, steps: [] }, steps };
  }
  return f.parsed;
}

/** The forecast in the shape of `explain --format json` (parsed once per forecast). */
export function jsonOf(f: Forecast): object {
  return parsedOf(f).json;
}

/** Every step with its reasons, in model order (index = step id): parsed once per forecast. */
export function stepsOf(f: Forecast): ForecastStep[] {
  return parsedOf(f).steps;
}

/** The step (not an ONBUILD trigger) on a 0-based line, with its reasons. */
function stepAt(f: Forecast, line: number): ForecastStep | undefined {
  const id = f.byLine.get(line);
  return id === undefined ? undefined : stepsOf(f)[id];
}

export class Forecasts {
  private readonly results = new Map<string, Forecast>();
  /** Scheduled forecasts: a timer, or an immediate (leading edge). */
  private readonly timers = new Map<string, { cancel(): void; immediate: boolean }>();
  /** Documents whose forecast may be out of date (an event or an analysis since the last one). */
  private readonly dirty = new Set<string>();
  /**
   * Documents whose forecast is out of date whatever its inputs (a file event, a HEAD move, an import, a reset);
   * the others in `dirty` were only analysed again: forecast again only if the inputs changed (`Forecast.inputs`).
   */
  private readonly stale = new Set<string>();
  private readonly running = new Map<string, Promise<Forecast | null>>();
  /** The repository stamp of each document's HEAD baseline, polled for commits and checkouts. */
  private readonly heads = new Map<string, { dir: string; stamp: string }>();
  /** Without an analysis worker: the computation runs here, on the in-process analysis store. */
  private local: ForecastWork | null = null;
  private lensTimer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private saidUntrusted = false;
  /** Milliseconds the last forecast took (the trailing delay grows with it), and when it ended. */
  private lastMs = 0;
  private lastDoneAt = 0;

  constructor(private readonly s: ServerState) {}

  /**
   * Forecast `uri` shortly: `changed`, something the forecast reads changed (a file event, HEAD, an import);
   * `analysed`, a new analysis of it (its diagnostics are out), which needs a new forecast only for new inputs (a new
   * version, other options): a context event's re-analysis has its forecast already.
   */
  schedule(uri: string, why: 'changed' | 'analysed' = 'changed'): void {
    this.dirty.add(uri);
    if (why === 'changed') this.stale.add(uri);
    const pending = this.timers.get(uri);
    // leading edge for what changed outside the text (a file event, HEAD, an import): the forecast starts at once
    // when none of this document runs and the last one's time has passed since it ended (so a storm of events
    // costs at most about half of the worker), ahead of the re-analysis the event also schedules (a context event's
    // forecast had waited the trailing delay, 30 ms + 3× the last forecast's time, then for that re-analysis: ~1 s in
    // bench/forecast.bench.ts); an immediate still lets the paths of one event message, handled together, coalesce
    const now = Date.now();
    const lead = why === 'changed' && !this.running.has(uri) && now - this.lastDoneAt >= this.lastMs;
    if (pending?.immediate) return; // about to start: it reads the latest state anyway
    pending?.cancel();
    const run = () => {
      this.timers.delete(uri);
      void this.current(uri);
    };
    if (lead) {
      const h = setImmediate(run);
      this.timers.set(uri, { cancel: () => clearImmediate(h), immediate: true });
    } else {
      const h = setTimeout(run, Math.min(MAX_FORECAST_DELAY_MS, FORECAST_DELAY_MS + 3 * this.lastMs));
      this.timers.set(uri, { cancel: () => clearTimeout(h), immediate: false });
    }
    this.startPolling();
  }

  /**
   * A file event for `absPath`: the documents forecast so far re-forecast (the baselines where the forecast runs
   * hint the path: the worker's store reports the event to them, and so does the in-process one).
   */
  pathChanged(absPath: string): void {
    this.local?.pathChanged(absPath);
    for (const doc of this.s.documents.all()) if (this.results.has(doc.uri) || this.timers.has(doc.uri)) this.schedule(doc.uri);
  }

  /** Settings or trust changed: every baseline may be another. */
  reset(): void {
    this.local?.reset();
    this.s.worker?.forecastReset();
    for (const doc of this.s.documents.all()) if (this.results.has(doc.uri)) this.schedule(doc.uri);
  }

  get(uri: string): Forecast | undefined {
    return this.results.get(uri);
  }

  /**
   * For a hover: the forecast for the latest state if it comes within `ms` (the rest of the hover's budget: it is
   * computed where analyses run, so waiting blocks nothing) when an older one is there to replace, else the last one
   * only if it is still current, else null (the hover then says nothing about the next build rather than something
   * stale; the trailing timer brings it).
   */
  async forHover(uri: string, ms: number): Promise<Forecast | null> {
    // current: for this version, nothing since (an event marks it dirty; a forecast running now was started because
    // something changed, and the stored one predates it)
    const fresh = () => {
      const f = this.results.get(uri);
      return f && f.version === this.s.documents.get(uri)?.version && !this.dirty.has(uri) && !this.running.has(uri) ? f : null;
    };
    // a document not forecast yet says nothing until its first forecast comes (the trailing timer brings it): its
    // request may be queued behind another document's long analysis in the worker, and a hover must not wait for that
    if (fresh() || ms <= 0 || !this.results.has(uri)) return fresh();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
    try {
      return (await Promise.race([this.current(uri), late])) ?? fresh();
    } finally {
      clearTimeout(timer);
    }
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
    const stale = this.stale.has(uri);
    this.dirty.delete(uri);
    this.stale.delete(uri);
    const p = this.compute(uri, undefined, stale).catch((e) => {
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
    this.stale.delete(uri);
    this.heads.delete(uri);
    this.timers.get(uri)?.cancel();
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
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private startPolling(): void {
    if (this.poll) return;
    this.poll = setInterval(() => {
      const stamps = new Map<string, string | null>();
      for (const [uri, h] of this.heads) {
        if (!stamps.has(h.dir)) stamps.set(h.dir, headStamp(h.dir));
        if (stamps.get(h.dir) === h.stamp) continue;
        this.heads.delete(uri);
        this.schedule(uri); // where it runs, the baseline is read again for the new HEAD
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

  /** Runs a forecast where analyses run (the worker; in-process without one); null: a newer one overtook it. */
  private async run(req: ForecastRequest): Promise<ForecastData | null> {
    if (this.s.worker) return this.s.worker.forecast(req);
    this.local ??= new ForecastWork(this.s.analysisStore!);
    return this.local.compute(req);
  }

  /** `stale`: something it reads changed; else the stored forecast stands when its inputs are the same. */
  private async compute(uri: string, target?: string, stale = true): Promise<Forecast | null> {
    const s = this.s;
    const keep = target === undefined;
    const doc = s.documents.get(uri);
    if (!doc || isIgnoreDocument(doc)) return null; // a `.dockerignore` document has no build to forecast
    const version = doc.version;
    const text = doc.getText();
    const mode = s.settings.forecastBaseline;
    const none = (note: string | null): Forecast => this.store({ uri, version, baseline: null, note, text: null, items: [], byLine: new Map(), signature: '', inputs: '' }, keep);
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
    // a text the engine refused (binary, too large) has nothing to forecast: it is not copied to the worker again
    const a = s.analyses.get(uri);
    if (a && a.version === version && !a.model) return none(a.refused ?? 'not analysed');
    if (!a || a.version !== version) {
      const refused = looksBinary(text) ? 'binary content' : tooLargeToAnalyse(text);
      if (refused) return none(refused);
    }
    const opts = keep ? analyzeOptions(s, rc) : { ...analyzeOptions(s, rc), target };
    const inputs = JSON.stringify([version, opts, rc.dir, file, mode, record?.input ? record.importedAt : null]);
    const have = this.results.get(uri);
    if (keep && !stale && have && have.inputs === inputs) return have; // the same answer: nothing to compute or send
    const req: ForecastRequest = {
      uri,
      version,
      text,
      opts,
      contextDir: rc.dir,
      file,
      build: record?.input ? { importedAt: record.importedAt } : null,
      keep,
      display: { dockerfile: workspaceRelative(s, file) || file, context: workspaceRelative(s, rc.dir) || '.' },
    };
    const t0 = Date.now();
    let data = await this.run(req);
    if (data?.needRecord && record?.input) data = await this.run({ ...req, build: { importedAt: record.importedAt, record: { importedAt: record.importedAt, steps: record.steps, input: record.input } } });
    if (keep) {
      this.lastDoneAt = Date.now();
      this.lastMs = this.lastDoneAt - t0;
    }
    // overtaken by a newer forecast of it, or the document moved on meanwhile: the next one comes with its analysis
    if (!data || data.needRecord || s.documents.get(uri) !== doc || doc.version !== version) return keep ? (this.results.get(uri) ?? null) : null;
    if (keep) {
      if (data.head) this.heads.set(uri, data.head);
      else this.heads.delete(uri);
    }
    const byLine = new Map<number, number>();
    data.items.forEach((r, id) => r.trigger || byLine.set(r.line, id));
    const f: Forecast = { uri, version, baseline: data.baseline, note: data.note, text: data.text, items: data.items, byLine, signature: '', inputs };
    if (!keep && data.text !== null) f.model = analyze(text, opts); // the map draws another target's lanes (a one-off, on request)
    return this.store(f, keep);
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
    f.items.forEach((r, id) => {
      if (r.trigger) return;
      items.push({ line: r.line, endLine: r.endLine, status: r.status, reason: r.reason });
      if (r.status === 'rebuilt') rebuilt++;
      if (r.status === 'maybe') maybe++;
      if (r.status === 'rebuilt' && seconds !== null) seconds = this.knownSeconds(a, id, r.line, seconds);
    });
    return { uri: f.uri, version: f.version, baseline: f.baseline, note: f.note, items, summary: { steps: items.length, rebuilt, maybe, seconds: rebuilt ? seconds : null } };
  }

  /** Adds a rebuilt step's cost when a build log or the history knows it; null when one is unknown. */
  private knownSeconds(a: DocAnalysis | undefined, id: number, line: number, sum: number): number | null {
    if (!a?.model || a.model.steps[id]?.line !== line) return null;
    const ins = this.s.insights.insightOf(a, id);
    if (!ins || (ins.cost.source !== 'build-log' && !ins.history)) return null;
    return sum + ins.cost.seconds;
  }
}

/** The hover's first line for a step: what the next build does with it, and why. */
export function forecastLine(f: Forecast | undefined, version: number, line: number): string | null {
  if (!f || f.version !== version || !f.baseline) return null;
  const r = stepAt(f, line);
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
  const id = f.byLine.get(line);
  const r = id === undefined ? undefined : f.items[id];
  if (!r) return null;
  if (r.status === 'cached') return '✓ cached';
  if (r.status === 'skipped') return '– not built';
  const why = r.reason;
  return `${r.status === 'maybe' ? '? may rebuild' : '✗ rebuilds'}${why ? ' · ' + why : ''}`;
}

export function registerForecast(s: ServerState, forecasts: Forecasts): void {
  s.connection.onRequest('layerwise/forecast', async (p: { uri: string }) => {
    try {
      const f = await forecasts.current(p?.uri ?? '');
      // the worker's JSON text as it is (not parsed here and serialised again: rawjson.ts)
      return f ? (f.text !== null ? new RawJson(f.text) : jsonOf(f)) : null;
    } catch (e) {
      s.logError('layerwise/forecast', e);
      return null;
    }
  });
}
