// `layerwise graph --format html`: the whole build as one self-contained HTML file (inline CSS, no script, no network,
// no external URL), for CI artefacts and sharing. Stages are lanes in build order; each step is a box carrying
// `data-line` (1-based) and `data-status` — the next build's status against HEAD (or --since REV) when the context is
// in a git repository, else `unknown` (said at the top). Arrows are named in each box (FROM stage, COPY --from).
import * as path from 'node:path';
import { impactOf, stepReads, type ContextSnapshot, type Model, type StepResult } from '../engine';
import type { ParsedArgs } from './args';
import { explainSinceGit } from './input';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const LABEL: Record<string, string> = { rebuilt: 'rebuilds', maybe: 'may rebuild', cached: 'cached', skipped: 'not built', unknown: 'no forecast' };

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
  const reads = stepReads(model, ctx);
  const name = (i: number) => model.stages[i]!.name ?? `stage ${i}`;
  const counts: Record<string, number> = {};
  const lanes: string[] = [];
  let firstMiss = true;
  for (const s of model.stages) {
    const boxes: string[] = [];
    const from = s.base.kind === 'stage' ? `FROM stage ${name(s.base.stage)}` : `FROM ${s.base.ref}`;
    for (const id of s.steps) {
      const st = model.steps[id]!;
      const r = 'byId' in f ? f.byId.get(id) : undefined;
      const status = r ? r.status : 'unknown';
      counts[status] = (counts[status] ?? 0) + 1;
      const miss = status === 'rebuilt' && firstMiss;
      if (miss) firstMiss = false;
      const rd = reads.get(id);
      const facts: string[] = [];
      if (rd) facts.push(`reads ${rd.files} file${rd.files === 1 ? '' : 's'}`);
      for (const sr of st.stageReads) facts.push(`copies from ${sr.stage !== null ? 'stage ' + name(sr.stage) : (sr.image ?? 'an image')}`);
      const imp = impactOf(model, id);
      facts.push(imp.rebuilt.length ? `a miss reruns ${imp.rebuilt.length} later step${imp.rebuilt.length === 1 ? '' : 's'}` : 'a miss reruns nothing after it');
      const why = r?.reasons.map((x) => x.message).join('; ') ?? '';
      boxes.push(
        `<li class="step ${status}${miss ? ' first-miss' : ''}" data-line="${st.line + 1}" data-status="${status}" data-stage="${esc(name(s.index))}"${why ? ` title="${esc(why)}"` : ''}>` +
          `<span class="line">${st.line + 1}</span> <code>${esc(st.instruction.length > 120 ? st.instruction.slice(0, 119) + '…' : st.instruction)}</code>` +
          `<span class="status">${LABEL[status]}${miss ? ' · first miss' : ''}</span><span class="facts">${esc(facts.join(' · '))}</span>${why ? `<span class="why">${esc(why)}</span>` : ''}</li>`,
      );
    }
    lanes.push(
      `<section class="lane${s.needed ? '' : ' unused'}" data-stage="${esc(name(s.index))}"><h2>${esc(name(s.index))}${s.needed ? '' : ' <small>(not built for the target)</small>'}</h2>` +
        `<p class="from">${esc(from)}</p><ol>${boxes.join('')}</ol></section>`,
    );
  }
  const summary = 'byId' in f ? `Next build against ${esc(f.label)}: ${Object.entries(counts).map(([k, v]) => `${v} ${LABEL[k]}`).join(', ')}.` : `No forecast: ${esc(f.error)}.`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Layerwise: ${esc(path.basename(meta.dockerfile))}</title>
<style>
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#656d76;--rebuilt:#cf222e;--maybe:#9a6700;--cached:#1a7f37;--skipped:#8c959f;--unknown:#8c959f}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#8d96a0;--rebuilt:#ff7b72;--maybe:#e3b341;--cached:#3fb950}}
body{font:14px system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:1.5em}
.lanes{display:flex;gap:1em;align-items:flex-start;overflow-x:auto}
.lane{min-width:18em;max-width:28em;border:1px solid var(--muted);border-radius:6px;padding:.5em}
.lane.unused{opacity:.5}
h2{font-size:1em;margin:.2em 0}.from{color:var(--muted);margin:.2em 0 .5em}
ol{list-style:none;padding:0;margin:0}
.step{border-left:4px solid var(--unknown);padding:.3em .5em;margin:.3em 0;display:flex;flex-direction:column;gap:.1em}
.step.rebuilt{border-color:var(--rebuilt)}.step.maybe{border-color:var(--maybe);border-left-style:dashed}.step.cached{border-color:var(--cached)}.step.skipped{border-color:var(--skipped)}
.first-miss{outline:2px solid var(--rebuilt)}
.line{color:var(--muted);font-size:.85em}.status{font-weight:600}.facts,.why{color:var(--muted);font-size:.85em}
code{white-space:pre-wrap;word-break:break-word}
</style></head><body>
<h1>${esc(meta.dockerfile)} <small>(context ${esc(meta.context)})</small></h1>
<p class="summary">${summary}</p>
<div class="lanes">${lanes.join('\n')}</div>
</body></html>
`;
}
