// Code lenses: the next build's status per step (`✗ rebuilds · src/server.js changed`, when the forecast is ready) and one per step, "rebuilds N steps …" with the hit rate and last build when known. Up to 300 steps the
// titles come with the lenses; beyond, each is resolved when the editor shows it.
import type { CodeLens } from 'vscode-languageserver';
import type { DocAnalysis } from './analysis';
import { lineStart } from './diagnostics';
import { forecastLens, mapLens } from './forecast';
import { lensTitle } from './present';
import { withSizeLens } from './sizes';
import type { ServerState } from './state';
import { isIgnoreDocument } from './uri';

/** Up to this many steps, lenses are sent with their titles. */
const EAGER_STEPS = 300;

function lensCommand(s: ServerState, a: DocAnalysis, stepId: number) {
  const step = a.model!.steps[stepId]!;
  return { title: withSizeLens(lensTitle(a, step, s.insights.insightOf(a, stepId)), a, step), command: 'layerwise.showImpact', arguments: [a.uri, step.line] };
}

export function registerLenses(s: ServerState): void {
  s.connection.onCodeLens(
    s.guard('codeLens', [] as CodeLens[], async (params) => {
      if (!s.settings.codeLensEnabled) return [];
      const doc = s.documents.get(params.textDocument.uri);
      if (!doc || isIgnoreDocument(doc)) return [];
      // within the handler budget, else the latest complete analysis (its lenses carry its version)
      const a = await s.currentWithin(doc.uri, () => s.analyses.get(doc.uri));
      if (!a?.model) return [];
      const eager = a.model.steps.length <= EAGER_STEPS;
      const lenses: CodeLens[] = [];
      const forecast = s.forecasts.get(doc.uri);
      const map = mapLens(s, a);
      if (map) lenses.push(map);
      for (const step of a.model.steps) {
        if (step.trigger) continue;
        const range = lineStart(step.line);
        const data = { uri: doc.uri, version: a.version, step: step.id };
        lenses.push(eager ? { range, command: lensCommand(s, a, step.id), data } : { range, data });
        // the next build's status, its own lens after the step's (forecast.ts asks for a refresh when it changes)
        const next = forecastLens(forecast, a.version, step.line);
        if (next) lenses.push({ range, command: { title: next, command: 'layerwise.showImpact', arguments: [a.uri, step.line] } });
      }
      return lenses;
    }),
  );

  s.connection.onCodeLensResolve(
    s.guard('codeLensResolve', { range: lineStart(0) } as CodeLens, async (lens) => {
      const d = lens.data as { uri: string; version: number; step: number } | undefined;
      if (!d) return lens;
      const cached = s.analyses.get(d.uri);
      const a = cached?.version === d.version ? cached : ((await s.currentWithin(d.uri, () => cached)) ?? cached);
      if (a?.model?.steps[d.step]) lens.command = lensCommand(s, a, d.step);
      else lens.command = { title: 'layerwise: re-analysing…', command: '' };
      return lens;
    }),
  );
}
