// "Layerwise: Cache report": the per-Dockerfile summary as markdown, from the history worker's replay (hit rates,
// reasons, expected cost per commit, what the rules' fixes would save) and the engine's step insights (real
// durations from an imported build replace estimates). Presentation only.
import { fmtSeconds, type HistoryResult, type StepInsight } from '../engine';
import type { BuildRecord } from '../context/evidence';
import type { ReportReply } from './historyworker';

export interface ReportMeta {
  dockerfile: string;
  context: string;
  requestedCommits: number;
  /** Why there are no hit rates regardless of the history (untrusted workspace, disabled setting). */
  disabled?: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
const code = (s: string) => '`' + cell(s).replace(/`/g, "'") + '`';

function bar(rate: number, width = 10): string {
  const n = Math.round(rate * width);
  return '█'.repeat(n) + '░'.repeat(width - n);
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

export function renderCacheReport(meta: ReportMeta, reply: ReportReply | null, insights: StepInsight[], record: BuildRecord | null): string {
  const out: string[] = [];
  out.push(`# Cache report: ${meta.dockerfile}`, '');
  const h: HistoryResult | null = reply?.result ?? null;
  const head = reply?.head ? ` at HEAD \`${reply.head.slice(0, 12)}\`` : '';
  out.push(`Build context \`${meta.context}\`${head}.`, '');
  const byId = new Map(insights.map((i) => [i.stepId, i]));
  if (meta.disabled || !h || h.state !== 'ok') {
    out.push(`**No hit rates from the git history**: ${meta.disabled ?? h?.note ?? reply?.note ?? 'the history could not be read'}.`, '');
  } else {
    const skipped = h.skipped.root + h.skipped.noDockerfile + h.skipped.noParentDockerfile;
    out.push(
      `${h.commits} commit${h.commits === 1 ? '' : 's'} replayed (the last ${meta.requestedCommits} that touched the build context or the Dockerfile${skipped ? `; ${skipped} without a previous build skipped` : ''}).`,
      '',
    );
    // expected cost per commit with the best known durations (real ones from an imported build)
    const rows = h.steps.map((s) => {
      const seconds = byId.get(s.stepId)?.cost.seconds ?? s.cost.seconds;
      const measured = byId.get(s.stepId)?.cost.source === 'build-log';
      return { s, seconds, measured, perCommit: s.missRate * seconds };
    });
    const steps = rows.reduce((t, r) => t + r.s.missRate, 0);
    const secs = rows.reduce((t, r) => t + r.perCommit, 0);
    out.push(`**Expected per commit: ${steps.toFixed(2)} steps rebuilt, ~${fmtSeconds(secs)} of build time**${h.expectedMaybeSteps ? ` (+${h.expectedMaybeSteps.toFixed(2)} maybe)` : ''}.`, '');
    rows.sort((a, b) => b.perCommit - a.perCommit || a.s.line - b.s.line);
    out.push('| line | step | hit rate | | rebuilt | when rebuilt | per commit | top reasons |', '|---:|---|---:|---|---:|---:|---:|---|');
    for (const r of rows) {
      const s = r.s;
      const rate = s.hitRate === null ? 'new' : `${Math.round(s.hitRate * 100)}%`;
      const reasons = s.reasons.slice(0, 3).map((x) => `${x.path !== undefined ? code(x.label) : cell(x.label)} (${x.count})`).join(', ') + (s.maybe ? `${s.reasons.length ? '; ' : ''}${s.maybe} maybe` : '');
      out.push(
        `| ${s.line} | ${code(clip(s.instruction, 60))} | ${rate} | ${s.considered ? '`' + bar(1 - s.missRate) + '`' : ''} | ${s.considered ? `${s.rebuilt}/${s.considered}` : '–'} | ${r.measured ? '' : '~'}${fmtSeconds(r.seconds)} ${s.cost.class} | ${r.perCommit ? fmtSeconds(r.perCommit) : '0'} | ${reasons} |`,
      );
    }
    out.push('', 'The bar is the hit rate (█ = cached). Costs marked ~ are estimates; an imported build log replaces them with real durations.', '');
    out.push('## What the fixes would save', '');
    if (!reply!.fixes.length) out.push(`Nothing to compare: ${reply!.fixNote ?? 'no fix is offered'}.`);
    else {
      out.push('Replaying the same commits over the Dockerfile after the rules\' fixes (both versions held fixed over the history):', '');
      for (const f of reply!.fixes) {
        const what = f.rule === 'all' ? `**All fixes together** (${cell(f.titles.slice(0, 4).join('; '))}${f.titles.length > 4 ? '; …' : ''})` : `\`${f.rule}\` — ${cell(f.titles.join('; '))}`;
        out.push(
          `- ${what}: ${f.savedStepsPerCommit > 0 ? `${f.savedStepsPerCommit.toFixed(2)} fewer steps` : 'no fewer steps'} and ${f.savedSecondsPerCommit > 0 ? `~${fmtSeconds(f.savedSecondsPerCommit)} less` : 'no time saved'} per commit (~${fmtSeconds(f.beforeSeconds)} → ~${fmtSeconds(f.afterSeconds)})`,
        );
      }
    }
    out.push('');
  }
  if (record) {
    const executed = record.steps.filter((s) => s.status === 'executed');
    const total = executed.reduce((t, s) => t + (s.seconds ?? 0), 0);
    const mism = record.comparisons.filter((c) => c.agrees === false);
    out.push('## Last imported build', '');
    out.push(`${cell(record.source)}, imported ${record.importedAt}: ${executed.length} step${executed.length === 1 ? '' : 's'} rebuilt (${fmtSeconds(total)}), ${record.steps.filter((s) => s.status === 'cached').length} cached.`);
    if (record.baseline) out.push('', mism.length ? `${mism.length} step${mism.length === 1 ? '' : 's'} disagree with the prediction since ${record.baseline}: ${mism.map((m) => `line ${m.line}`).join(', ')}.` : `The build agrees with the prediction since ${record.baseline}.`);
    out.push('');
  }
  return out.join('\n');
}
