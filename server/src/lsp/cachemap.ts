// `layerwise/cacheMap {uri, target?}`: the layer cache map of a Dockerfile for the editor's webview — the body of
// engine/cachemap.ts (the same as `graph --format html`) from the live forecast (or a one-off forecast for another
// target, the map's picker), with what each step reads and, when known, its size, hit rate and last build. The client
// draws it in a webview with its own script; this answers data and escaped HTML only.
import { cacheMapBody, CACHE_MAP_CSS, type StepReads } from '../engine';
import { stepsOf } from './forecast';
import type { CacheMapResult } from './protocol';
import type { ServerState } from './state';


export function registerCacheMap(s: ServerState): void {
  s.connection.onRequest('layerwise/cacheMap', async (p: { uri: string; target?: string | null }): Promise<CacheMapResult | null> => {
    try {
      const uri = typeof p?.uri === 'string' ? p.uri : '';
      const target = typeof p?.target === 'string' && p.target ? p.target : null;
      const f = await s.forecasts.forTarget(uri, target);
      const a = await s.current(uri);
      // another target's forecast carries its model; the document's own is for the text of its version
      const model = f?.model ?? a?.model;
      if (!model || !a) return null;
      const sameText = a.version === f?.version;
      const forecast = f && f.baseline && (f.model || sameText) ? f : null;
      const reads: Map<number, StepReads> = sameText ? a.reads : new Map();
      const body = cacheMapBody({
        model,
        statuses: forecast ? new Map(stepsOf(forecast).map((r) => [r.id, r])) : null,
        baseline: forecast?.baseline ?? null,
        note: f?.note ?? (forecast ? null : 'the forecast is not ready'),
        reads,
        sizes: sameText ? a.sizes : undefined,
        extra: (id) => {
          const ins = sameText ? s.insights.insightOf(a, id) : undefined;
          return ins?.summary ? [ins.summary] : [];
        },
      });
      const statuses = forecast ? new Map(forecast.items.map((r, id) => [id, r.status])) : null;
      return {
        uri,
        version: a.version,
        html: body.html,
        css: CACHE_MAP_CSS,
        steps: model.steps.map((st) => ({ line: st.line + 1, status: statuses?.get(st.id) ?? 'unknown' })),
        firstMiss: body.summary.firstMiss,
        targets: model.stages.flatMap((st) => (st.name ? [st.name] : [])),
        target: model.target >= 0 ? (model.stages[model.target]!.name ?? null) : null,
        baseline: f?.baseline ?? null,
        note: f?.note ?? null,
      };
    } catch (e) {
      s.logError('layerwise/cacheMap', e);
      return null;
    }
  });
}
