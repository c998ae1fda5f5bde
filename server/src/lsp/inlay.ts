// Inlay hints (optional, `layerwise.inlayHints.enabled`): `reads 1,284 files` after the steps that read the build
// context, only for the current version's analysis.
import type { InlayHint } from 'vscode-languageserver';
import { lineRange } from './diagnostics';
import { lensTitle, readsTitle } from './present';
import type { ServerState } from './state';
import { isIgnoreDocument } from './uri';

export function registerInlayHints(s: ServerState): void {
  s.connection.languages.inlayHint.on(
    s.guard('inlayHint', [] as InlayHint[], async (params) => {
      if (!s.settings.inlayHintsEnabled) return [];
      const doc = s.documents.get(params.textDocument.uri);
      if (!doc || isIgnoreDocument(doc)) return [];
      const a = await s.currentWithin(doc.uri, () => undefined);
      if (!a?.model || a.version !== doc.version) return [];
      const from = params.range.start.line;
      const to = params.range.end.line;
      const hints: InlayHint[] = [];
      for (const step of a.model.steps) {
        if (step.trigger || step.endLine < from || step.line > to) continue;
        const title = readsTitle(a, step);
        if (!title) continue;
        const end = lineRange(doc, step.endLine).end;
        hints.push({ position: end, label: title, paddingLeft: true, tooltip: lensTitle(a, step) });
      }
      return hints;
    }),
  );
}
