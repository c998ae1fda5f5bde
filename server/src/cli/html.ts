// `layerwise graph --format html`: the whole build as one self-contained HTML file (inline CSS, no script, no network,
// no external URL), for CI artefacts and sharing: the layer cache map of engine/cachemap.ts (the editor's webview
// shows the same body). Each step's box carries `data-line` (1-based) and `data-status` — the next build's status
// against HEAD (or --since REV) when the context is in a git repository, else `unknown` (said at the top). Arrows
// are named in each box (FROM stage, COPY --from, --mount=from); the webview also draws them.
import path = require('node:path');
import { cacheMapBody, CACHE_MAP_CSS, contextSizes, esc, sentPaths, stepReads, type ContextSnapshot, type Model, type StepResult } from '../engine';
import type { ParsedArgs } from './args';
import { explainSinceGit } from './input';


/** Statuses per step id against `rev`, or null with the reason when there is no git baseline. */
function forecast(model: Model, text: string, ctx: ContextSnapshot, contextDir: string, dockerfilePath: string, a: ParsedArgs): { byId: Map<number, StepResult>; label: string } | { error: string } {
  const rev = a.since ?? 'HEAD';
  try {
    // the same comparison as explain --since (options, stat checks, .git left out)
    const { result: e, base } = explainSinceGit(a, model, text, ctx, contextDir, dockerfilePath, rev);
    return { byId: new Map(e.steps.map((r) => [r.step.id, r])), label: `${rev} (${base.commit.slice(0, 12)})` };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] ?? 'no git baseline' };
  }
}

export function renderGraphHtml(model: Model, text: string, ctx: ContextSnapshot, meta: { dockerfile: string; context: string; contextDir: string; dockerfilePath: string }, a: ParsedArgs): string {
  const f = forecast(model, text, ctx, meta.contextDir, meta.dockerfilePath, a);
  const sent = sentPaths(ctx);
  const body = cacheMapBody({
    model,
    statuses: 'byId' in f ? f.byId : null,
    baseline: 'byId' in f ? f.label : null,
    note: 'error' in f ? f.error : null,
    reads: stepReads(model, ctx, sent),
    sizes: contextSizes(model, ctx, sent),
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Layerwise: ${esc(path.basename(meta.dockerfile))}</title>
<style>
${CACHE_MAP_CSS}
</style></head><body>
<h1>${esc(meta.dockerfile)} <small>(context ${esc(meta.context)})</small></h1>
${body.html}
</body></html>
`;
}
