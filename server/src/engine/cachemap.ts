// The layer cache map: the whole build as lanes (stages in build order) of boxes (steps), each with its forecast
// status, what it reads, what a miss reruns and its reasons. One rendering for two faces: `layerwise graph --format
// html` (cli/html.ts wraps it in a self-contained page) and the editor's webview (the language server's
// `layerwise/cacheMap` answers the same body; the client adds its script for clicks, keys and arrows). Boxes carry
// `data-line` (1-based) and `data-status`; lanes name the stage they are built FROM (`data-base`), boxes the stages
// they copy or mount from (`data-reads`), and a COPY/ADD of known size the bytes it takes from the context
// (`data-bytes`, shown as `adds 48.2 MB`: sizes.ts's figure, the one hovers and lenses show). Pure: strings in,
// strings out; every text is escaped.
import { impactOf, type StepResult } from './explain';
import type { StepReads } from './inputs';
import type { Model } from './model';
import { fmtBytes, type ContextSizes } from './sizes';

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const STATUS_LABEL: Record<string, string> = { rebuilt: 'rebuilds', maybe: 'may rebuild', cached: 'cached', skipped: 'not built', unknown: 'no forecast' };

export interface CacheMapInput {
  model: Model;
  /** The forecast per step id, or null (then `note` says why and every box is `unknown`). */
  statuses: Map<number, Pick<StepResult, 'status' | 'reasons'>> | null;
  /** `HEAD (abc123def456)`, `the build of 10:42`. */
  baseline: string | null;
  note: string | null;
  reads: Map<number, StepReads>;
  /** What each COPY/ADD takes from the context (engine/sizes.ts), when the context is known. */
  sizes?: ContextSizes;
  /** More facts per step id (hit rate, last build) when known. */
  extra?: (stepId: number) => string[];
}

export interface CacheMapSummary {
  counts: Record<string, number>;
  /** 1-based line of the first step that rebuilds, or null. */
  firstMiss: number | null;
}

/** `<p class="summary">` and `<div class="lanes">` of the map. */
export function cacheMapBody(m: CacheMapInput): { html: string; summary: CacheMapSummary } {
  const { model } = m;
  const name = (i: number) => model.stages[i]!.name ?? `stage ${i}`;
  const counts: Record<string, number> = {};
  const lanes: string[] = [];
  let firstMiss: number | null = null;
  for (const s of model.stages) {
    const boxes: string[] = [];
    const from = s.base.kind === 'stage' ? `FROM stage ${name(s.base.stage)}` : `FROM ${s.base.ref}`;
    for (const id of s.steps) {
      const st = model.steps[id]!;
      const r = m.statuses?.get(id);
      const status = r ? r.status : 'unknown';
      counts[status] = (counts[status] ?? 0) + 1;
      const miss = status === 'rebuilt' && firstMiss === null;
      if (miss) firstMiss = st.line + 1;
      const rd = m.reads.get(id);
      const facts: string[] = [];
      if (rd) facts.push(`reads ${rd.files} file${rd.files === 1 ? '' : 's'}`);
      const size = m.sizes?.steps.get(id);
      if (size) facts.push(size.addsBytes === null ? 'size unknown' : `adds ${fmtBytes(size.addsBytes)}`);
      const readsFrom = new Set<number>();
      for (const sr of st.stageReads) {
        if (sr.stage !== null) readsFrom.add(sr.stage);
        facts.push(`${sr.via === 'bind' || sr.via === 'cache' ? 'mounts' : 'copies'} from ${sr.stage !== null ? 'stage ' + name(sr.stage) : (sr.image ?? 'an image')}`);
      }
      const imp = impactOf(model, id);
      facts.push(imp.rebuilt.length ? `a miss reruns ${imp.rebuilt.length} later step${imp.rebuilt.length === 1 ? '' : 's'}` : 'a miss reruns nothing after it');
      facts.push(...(m.extra?.(id) ?? []));
      const why = r?.reasons.map((x) => x.message).join('; ') ?? '';
      const label = `line ${st.line + 1}: ${st.instruction.slice(0, 80)} — ${STATUS_LABEL[status]}${why ? ': ' + why : ''}`;
      boxes.push(
        `<li class="step ${status}${miss ? ' first-miss' : ''}" data-line="${st.line + 1}" data-status="${status}" data-stage="${esc(name(s.index))}" data-step="${id}"` +
          `${readsFrom.size ? ` data-reads="${[...readsFrom].join(',')}"` : ''}${size && size.addsBytes !== null ? ` data-bytes="${size.addsBytes}"` : ''} tabindex="0" role="button" aria-label="${esc(label)}"${why ? ` title="${esc(why)}"` : ''}>` +
          `<span class="line">${st.line + 1}</span> <code>${esc(st.instruction.length > 120 ? st.instruction.slice(0, 119) + '…' : st.instruction)}</code>` +
          `<span class="status">${STATUS_LABEL[status]}${miss ? ' · first miss' : ''}</span><span class="facts">${esc(facts.join(' · '))}</span>${why ? `<span class="why">${esc(why)}</span>` : ''}</li>`,
      );
    }
    lanes.push(
      `<section class="lane${s.needed ? '' : ' unused'}" data-stage="${esc(name(s.index))}" data-index="${s.index}"${s.base.kind === 'stage' ? ` data-base="${s.base.stage}"` : ''}>` +
        `<h2>${esc(name(s.index))}${s.needed ? '' : ' <small>(not built for the target)</small>'}</h2><p class="from">${esc(from)}</p><ol>${boxes.join('')}</ol></section>`,
    );
  }
  const list = Object.entries(counts).map(([k, v]) => `${v} ${STATUS_LABEL[k]}`).join(', ');
  const summary = m.statuses && m.baseline ? `Next build against ${esc(m.baseline)}: ${list}.` : `No forecast: ${esc(m.note ?? 'no baseline')}.`;
  return { html: `<p class="summary">${summary}</p>\n<div class="lanes">${lanes.join('\n')}</div>`, summary: { counts, firstMiss } };
}

/**
 * The map's style (no url(), no import): colours from the page's scheme, or from VS Code's theme variables inside
 * the webview (`--vscode-*`, with the page's colours as fallback).
 */
export const CACHE_MAP_CSS = `:root{color-scheme:light dark;--fg:var(--vscode-foreground,#1f2328);--bg:var(--vscode-editor-background,#fff);--muted:var(--vscode-descriptionForeground,#656d76);--rebuilt:var(--vscode-testing-iconFailed,#cf222e);--maybe:var(--vscode-editorWarning-foreground,#9a6700);--cached:var(--vscode-testing-iconPassed,#1a7f37);--skipped:var(--vscode-disabledForeground,#8c959f);--unknown:#8c959f;--focus:var(--vscode-focusBorder,#0969da)}
@media (prefers-color-scheme:dark){:root{--fg:var(--vscode-foreground,#e6edf3);--bg:var(--vscode-editor-background,#0d1117);--muted:var(--vscode-descriptionForeground,#8d96a0);--rebuilt:var(--vscode-testing-iconFailed,#ff7b72);--maybe:var(--vscode-editorWarning-foreground,#e3b341);--cached:var(--vscode-testing-iconPassed,#3fb950)}}
body{font:14px var(--vscode-font-family,system-ui,sans-serif);color:var(--fg);background:var(--bg);margin:1.5em}
.lanes{display:flex;gap:2.5em;align-items:flex-start;overflow-x:auto;position:relative;padding-bottom:1em}
.lane{min-width:18em;max-width:28em;border:1px solid var(--muted);border-radius:6px;padding:.5em;position:relative;z-index:1;background:var(--bg)}
.lane.unused{opacity:.5}
h2{font-size:1em;margin:.2em 0}.from{color:var(--muted);margin:.2em 0 .5em}
ol{list-style:none;padding:0;margin:0}
.step{border-left:4px solid var(--unknown);padding:.3em .5em;margin:.3em 0;display:flex;flex-direction:column;gap:.1em;cursor:pointer}
.step:focus{outline:2px solid var(--focus);outline-offset:1px}
.step.rebuilt{border-color:var(--rebuilt)}.step.maybe{border-color:var(--maybe);border-left-style:dashed}.step.cached{border-color:var(--cached)}.step.skipped{border-color:var(--skipped)}
.first-miss{outline:2px solid var(--rebuilt)}
.line{color:var(--muted);font-size:.85em}.status{font-weight:600}.facts,.why{color:var(--muted);font-size:.85em}
code{white-space:pre-wrap;word-break:break-word;font-family:var(--vscode-editor-font-family,monospace)}
svg.arrows{position:absolute;left:0;top:0;pointer-events:none;z-index:2;overflow:visible}
svg.arrows path{fill:none;stroke:var(--muted);stroke-width:1.5}
svg.arrows path.from{stroke-dasharray:4 3}`;
