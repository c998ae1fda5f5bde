// Per-step insights: git-history replays (hit rates, from the history worker) and the last imported build per
// Dockerfile, merged by the engine's stepInsights for hovers, lenses and the cache report; and the build evidence
// (prediction-mismatch diagnostics, `layerwise/lastBuild` decorations) published from them. Trusted workspaces only.
import fs = require('node:fs');
import { stepInsights, type BuildLogMapping, type HistoryResult, type StepInsight } from '../engine';
import { loadBuildRecord, type BuildRecord } from '../context/evidence';
import type { DocAnalysis } from './analysis';
import { evidenceDiagnostics } from './diagnostics';
import { lastBuildTitle } from './present';
import type { LastBuildNotification } from './protocol';
import { analyzeOptions, resolveContext } from './resolve';
import type { ServerState } from './state';
import { isIgnoreDocument, uriToPath } from './uri';

interface HistoryState {
  result: HistoryResult | null;
  pending: boolean;
  dirty: boolean;
  timer?: NodeJS.Timeout;
}

/** The engine's view of a stored build record. */
export function mappingOf(r: BuildRecord | null): BuildLogMapping | null {
  return r ? { format: r.format, steps: r.steps, unmatched: [], problems: r.problems } : null;
}

export class Insights {
  /** The latest history replay per document (one request in flight; `dirty`: ask again when it is back). */
  private readonly histories = new Map<string, HistoryState>();
  /** The last imported build per Dockerfile path (loaded from disk once, null: none). */
  private readonly buildRecords = new Map<string, BuildRecord | null>();
  /** stepInsights memo per analysis (recomputed when the history or the build record changes). */
  private readonly memo = new WeakMap<DocAnalysis, { h: HistoryResult | null; r: BuildRecord | null; list: StepInsight[] }>();

  constructor(private readonly s: ServerState) {}

  historyOf(uri: string): HistoryResult | null {
    if (!this.s.trusted || !this.s.settings.historyEnabled) return null;
    const r = this.histories.get(uri)?.result ?? null;
    return r && r.state === 'ok' ? r : null;
  }

  recordFor(uri: string): BuildRecord | null {
    if (!this.s.trusted) return null;
    const file = uriToPath(uri);
    return file ? (this.buildRecords.get(file) ?? null) : null;
  }

  /** Loads the Dockerfile's stored build record the first time it is analysed (trusted workspaces). */
  loadRecord(file: string | null): void {
    if (this.s.trusted && file && !this.buildRecords.has(file)) this.buildRecords.set(file, loadBuildRecord(file));
  }

  /** A build just imported for the Dockerfile (layerwise/importBuild). */
  setRecord(file: string, record: BuildRecord): void {
    this.buildRecords.set(file, record);
  }

  /** The engine's per-step insights (hit rate, cost, last build) for an analysis, memoised. */
  insightsFor(a: DocAnalysis): StepInsight[] {
    const h = this.historyOf(a.uri);
    const r = this.recordFor(a.uri);
    const m = this.memo.get(a);
    if (m && m.h === h && m.r === r) return m.list;
    const list = a.model ? stepInsights(a.model, h, mappingOf(r)) : [];
    this.memo.set(a, { h, r, list });
    return list;
  }

  /** One step's insight, or undefined when there is neither history nor an imported build. */
  insightOf(a: DocAnalysis, stepId: number): StepInsight | undefined {
    if (!this.historyOf(a.uri) && !this.recordFor(a.uri)) return undefined;
    return this.insightsFor(a)[stepId];
  }

  /**
   * Asks the history worker for the replay of the document's current text (after its analysis). One request in
   * flight per document; while one runs, later analyses only mark it dirty. The worker reads git only when HEAD moved.
   */
  scheduleHistory(uri: string): void {
    if (!this.s.trusted || !this.s.settings.historyEnabled || !this.s.historyWorker) {
      this.histories.delete(uri);
      return;
    }
    let st = this.histories.get(uri);
    if (!st) this.histories.set(uri, (st = { result: null, pending: false, dirty: false }));
    if (st.pending) {
      st.dirty = true;
      return;
    }
    if (st.timer) clearTimeout(st.timer);
    const state = st;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.runHistory(uri, state);
    }, state.result ? 500 : 0);
  }

  private async runHistory(uri: string, st: HistoryState): Promise<void> {
    const { s } = this;
    const doc = s.documents.get(uri);
    const file = uriToPath(uri);
    if (!doc || !file || isIgnoreDocument(doc) || !s.historyWorker) return;
    const rc = resolveContext(s, uri);
    if (!rc.dir || !fs.existsSync(file)) return;
    st.pending = true;
    st.dirty = false;
    try {
      const reply = await s.historyWorker.history({ contextDir: rc.dir, dockerfilePath: file, commits: s.settings.historyCommits, text: doc.getText(), options: analyzeOptions(s, rc) });
      if (this.histories.get(uri) !== st) return; // closed or disabled meanwhile
      const before = JSON.stringify(st.result?.steps.map((x) => [x.key, x.rebuilt, x.considered]) ?? null);
      st.result = reply.result;
      if (reply.result?.state !== 'ok' && reply.note) s.log(`history of ${file}: ${reply.note}`);
      if (JSON.stringify(st.result?.steps.map((x) => [x.key, x.rebuilt, x.considered]) ?? null) !== before) {
        s.refreshLenses();
        void s.connection.sendNotification('layerwise/history', { uri, state: reply.result?.state ?? 'no-history', commits: reply.result?.commits ?? 0 });
      }
    } catch (e) {
      s.logError(`history of ${uri}`, e);
    } finally {
      st.pending = false;
      if (st.dirty && this.histories.get(uri) === st) this.scheduleHistory(uri);
    }
  }

  /** Re-publishes the document's diagnostics with the build evidence, and the decorations for the client. */
  publishEvidence(uri: string): void {
    const { s } = this;
    const a = s.analyses.get(uri);
    const doc = s.documents.get(uri);
    if (!a || !doc || a.version !== doc.version) return;
    const r = this.recordFor(uri);
    const base = (s.published.get(uri) ?? []).filter((d) => d.code !== 'prediction-mismatch');
    s.publish(uri, a.version, [...base, ...evidenceDiagnostics(a, r, doc)]);
    const items: LastBuildNotification['items'] = [];
    if (r && a.model) {
      const mismatched = new Set(r.comparisons.filter((c) => c.agrees === false).map((c) => c.key));
      for (const ins of this.insightsFor(a)) {
        const step = a.model.steps[ins.stepId]!;
        const title = lastBuildTitle(ins);
        if (!title || step.trigger) continue;
        items.push({ line: step.endLine, text: title, mismatch: mismatched.has(ins.key) });
      }
    }
    const n: LastBuildNotification = { uri, version: a.version, items };
    void s.connection.sendNotification('layerwise/lastBuild', n);
    s.refreshLenses();
  }

  /** A closed document. */
  forget(uri: string): void {
    const hs = this.histories.get(uri);
    if (hs?.timer) clearTimeout(hs.timer);
    this.histories.delete(uri);
  }

  dispose(): void {
    for (const h of this.histories.values()) if (h.timer) clearTimeout(h.timer);
  }
}
