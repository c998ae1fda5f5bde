// Hovers: a step's rebuild impact and insights, a config instruction, a stage; a `.dockerignore` pattern's effect.
// Also the `layerwise/impact` request (the same markdown and the step's lens title, for the client's impact view).
import type { DocAnalysis } from './analysis';
import { ignoreHover, patternAtLine } from './ignoredoc';
import { configAtLine, configHover, lensTitle, stageAtFromLine, stageHover, stepAtLine, stepHover } from './present';
import { forecastLine } from './forecast';
import { sharingHoverFor } from './shared';
import { withSizeLine } from './sizes';
import { buildCacheHoverLines } from './buildcache';
import { layerHoverLines } from './layers';
import { HANDLER_BUDGET_MS, type ServerState } from './state';
import { isIgnoreDocument } from './uri';

/** How long a hover waits for the current version's analysis before it answers from the last one. */
const HOVER_WAIT_MS = 1000;
/** What a hover keeps of its budget for putting the answer together and sending it. */
const HOVER_MARGIN_MS = 250;

/**
 * `a` if it may describe line `line` of the open document: its version, or an older one where that line reads the
 * same (an older version's line numbers may point elsewhere); else undefined.
 */
function forLine(s: ServerState, uri: string, a: DocAnalysis | undefined, line: number): DocAnalysis | undefined {
  const doc = s.documents.get(uri);
  return a && doc && (a.version === doc.version || lineOf(a.text, line) === lineOf(doc.getText(), line)) ? a : undefined;
}

/** Line `n` (0-based) of `text`, without its line break ('' past the end). */
function lineOf(text: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const k = text.indexOf('\n', at);
    if (k < 0) return '';
    at = k + 1;
  }
  const end = text.indexOf('\n', at);
  return text.slice(at, end < 0 ? text.length : end).replace(/\r$/, '');
}

export function hoverText(s: ServerState, a: DocAnalysis, line: number): string | null {
  const model = a.model!;
  const step = stepAtLine(model, line);
  if (step) return withSizeLine(stepHover(a, step, s.insights.insightOf(a, step.id)), a, step);
  const cfg = configAtLine(model, line);
  if (cfg) return configHover(a, cfg);
  const st = stageAtFromLine(model, line);
  if (st) return stageHover(a, st);
  return null;
}

export function registerHover(s: ServerState): void {
  s.connection.onHover(
    s.guard('hover', null, async (params) => {
      const doc = s.documents.get(params.textDocument.uri);
      if (!doc) return null;
      // one budget for the whole hover: the analysis, then the forecast and the shared layers together
      const deadline = Date.now() + HANDLER_BUDGET_MS;
      const line = params.position.line;
      if (isIgnoreDocument(doc)) {
        const a = await s.currentIgnore(doc.uri);
        if (!a) return null;
        const idx = patternAtLine(a, line);
        if (idx < 0) return null;
        return { contents: { kind: 'markdown', value: ignoreHover(a, idx) } };
      }
      // the current version's analysis if it is ready within a moment, else the last one — only when the hovered
      // line reads the same there (an older version's line numbers may point elsewhere). A re-analysis of the same
      // version (the build context changed) is waited for up to the handler budget: its answer must include the change.
      const cached = forLine(s, doc.uri, s.analyses.get(doc.uri), line);
      const sameLine = !!cached && cached.version !== doc.version;
      // while edits keep coming the wait gives up after a few newer versions and answers with the latest complete
      // analysis, which may be older: the same check again, on the text as it is then
      const a = forLine(s, doc.uri, s.analysisFor(doc.uri) ?? (await s.currentWithin(doc.uri, () => cached, sameLine ? HOVER_WAIT_MS : undefined)), line);
      if (!a?.model) return null;
      const text = hoverText(s, a, line);
      if (!text) return null;
      // what the builder's cache holds for the step (from the probe's last snapshot: never waits for the daemon)
      const hovered = stepAtLine(a.model, line);
      // and what the last build's image holds for it (its layer, the bytes later layers waste)
      const layerLines = hovered ? layerHoverLines(a.image, hovered) : [];
      const cacheLines = [...buildCacheHoverLines(s, a, line), ...(layerLines.length ? [layerLines.join('\n')] : [])];
      const head = text.indexOf('\n\n');
      const value = !cacheLines.length ? text : head < 0 ? text + '\n\n' + cacheLines.join('\n\n')
        : text.slice(0, head) + '\n\n' + cacheLines.join('\n\n') + text.slice(head); // right under the hover's title
      // the next build's status first, for the latest edits and file events (forHover: never stale, never long)
      const step = stepAtLine(a.model, line);
      const left = Math.max(0, deadline - Date.now() - HOVER_MARGIN_MS);
      const [f, shared] = step ? await Promise.all([s.forecasts.forHover(doc.uri, left), sharingHoverFor(s, a, step, left)]) : [null, []];
      const first = step && f ? forecastLine(f, a.version, step.line) : null;
      // right under the step's heading line, where it is seen without scrolling
      const cut = value.indexOf('\n');
      const body = !shared.length ? value : cut < 0 ? value + '\n\n' + shared.join('\n') : value.slice(0, cut) + '\n\n' + shared.join('\n') + '\n' + value.slice(cut);
      return { contents: { kind: 'markdown', value: first ? first + '\n\n' + body : body } };
    }),
  );

  s.connection.onRequest('layerwise/impact', async (p: { uri: string; line: number }) => {
    try {
      const doc = s.documents.get(p.uri);
      if (!doc) return null;
      const a = forLine(s, p.uri, await s.currentWithin(p.uri, () => s.analyses.get(p.uri)), p.line);
      if (!a?.model) return null;
      const step = stepAtLine(a.model, p.line);
      return { markdown: hoverText(s, a, p.line), title: step ? lensTitle(a, step, s.insights.insightOf(a, step.id)) : null };
    } catch (e) {
      s.logError('layerwise/impact', e);
      return null;
    }
  });
}
