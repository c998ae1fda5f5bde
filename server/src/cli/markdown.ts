// Markdown for pull-request comments and job summaries: `explain --format markdown` (what a change rebuilds, per
// stage, with costs: measured where an imported build log knows the step, estimated otherwise) and
// `check --format markdown` (the findings as a table). Presentation only.
import { fmtSeconds, stepInsights, type BuildLogMapping, type Explanation, type Finding, type Problem, type Reason, type StepResult, docsUrl } from '../engine';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
const code = (s: string) => '`' + cell(s).replace(/`/g, "'") + '`';
const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

/** "because `src/app.ts` changed" for a step's first own reason. */
export function because(reasons: Reason[]): string {
  const r = reasons.find((x) => x.kind !== 'parent') ?? reasons[0];
  if (!r) return '';
  if (r.kind === 'files' && r.paths?.length) {
    const shown = r.paths.slice(0, 3).map((p) => code(p.path));
    const more = (r.count ?? r.paths.length) - shown.length;
    const list = more > 0 ? `${shown.join(', ')} and ${plural(more, 'more file')}` : shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}` : shown[0]!;
    return `because ${list} changed`;
  }
  return `because ${r.message.replace(/\s+/g, ' ')}`;
}

export interface ExplainMarkdownMeta {
  dockerfile: string;
  context: string;
  baseline: string;
  notes?: string[];
  /** The last imported build of this Dockerfile, for measured durations. */
  buildLog?: BuildLogMapping | null;
}

function costText(seconds: number, measured: boolean): string {
  return seconds > 0 ? `${measured ? '' : '~'}${fmtSeconds(seconds)}` : '–';
}

export function renderExplainMarkdown(e: Explanation, meta: ExplainMarkdownMeta): string {
  const model = e.model;
  const s = e.summary;
  const insights = new Map(stepInsights(model, null, meta.buildLog ?? null).map((i) => [i.stepId, i]));
  const cost = (r: StepResult) => insights.get(r.step.id)!.cost;
  const out: string[] = [`#### Layerwise: what this change rebuilds in ${code(meta.dockerfile)}`, ''];
  const rebuilt = e.steps.filter((r) => r.status === 'rebuilt');
  const maybe = e.steps.filter((r) => r.status === 'maybe');
  const sum = (rs: StepResult[]) => rs.reduce((t, r) => t + cost(r).seconds, 0);
  const allMeasured = (rs: StepResult[]) => rs.length > 0 && rs.every((r) => cost(r).source === 'build-log');
  const built = s.total;
  const notBuilt = s.skipped ? ` (${s.skipped} not built for this target)` : '';
  if (s.rebuilt + s.maybe === 0) {
    out.push(`This change rebuilds none of the ${plural(built, 'step')} of ${code(meta.dockerfile)}${notBuilt}: every step is cached.`);
  } else {
    const fm = s.firstMiss!;
    const why = because(fm.reasons);
    const head = s.rebuilt
      ? `This change rebuilds ${s.rebuilt} of ${plural(built, 'step')} of ${code(meta.dockerfile)}`
      : `This change may rebuild ${s.maybe} of ${plural(built, 'step')} of ${code(meta.dockerfile)}`;
    const extra = s.rebuilt && s.maybe ? `; ${s.maybe} more may rebuild` : '';
    out.push(`${head} (first miss: line ${fm.step.line + 1} ${code(clip(fm.step.instruction, 60))}${why ? `, ${why}` : ''})${extra}${notBuilt}.`);
    const measured = [...rebuilt, ...maybe].some((r) => cost(r).source === 'build-log');
    const basis = measured ? 'measured in the last imported build where known, estimated elsewhere' : 'estimated from the instructions';
    const mayCost = costText(sum(maybe), allMeasured(maybe));
    if (rebuilt.length)
      out.push('', `Rebuilding takes ${costText(sum(rebuilt), allMeasured(rebuilt))}${maybe.length ? `, up to ${mayCost} more if the steps that may rebuild do` : ''} (${basis}).`);
    else out.push('', `If they rebuild, it takes up to ${mayCost} (${basis}).`);
  }
  out.push('', `Compared with ${code(meta.baseline)}; build context ${code(meta.context)}.`, '');
  out.push('| stage | base | steps | rebuilt | may rebuild | cached | first miss | rebuild cost |', '|---|---|---:|---:|---:|---:|---|---:|');
  for (const st of model.stages) {
    const rs = e.steps.filter((r) => r.step.stage === st.index);
    const n = (k: string) => rs.filter((r) => r.status === k).length;
    const first = rs.find((r) => r.status === 'rebuilt' || r.status === 'maybe');
    const stageRebuilt = rs.filter((r) => r.status === 'rebuilt');
    const base = st.base.kind === 'stage' ? `stage ${code(model.stages[st.base.stage]!.name ?? String(st.base.stage))}` : code(st.base.ref);
    const name = code(st.name ?? String(st.index));
    if (!st.needed) {
      out.push(`| ${name} | ${base} | ${rs.length} | – | – | – | not built for this target | – |`);
      continue;
    }
    out.push(
      `| ${name} | ${base} | ${rs.length} | ${n('rebuilt')} | ${n('maybe')} | ${n('cached')} | ${first ? `line ${first.step.line + 1} ${code(clip(first.step.instruction, 40))}` : '–'} | ${costText(sum(stageRebuilt), allMeasured(stageRebuilt))} |`,
    );
  }
  const changed = [...rebuilt, ...maybe].sort((a, b) => a.step.line - b.step.line);
  if (changed.length) {
    out.push('', `<details><summary>${plural(changed.length, 'step')} that ${s.maybe && !s.rebuilt ? 'may ' : ''}rebuild${s.maybe && s.rebuilt ? ' or may' : ''}</summary>`, '');
    out.push('| line | step | | why | cost |', '|---:|---|---|---|---:|');
    for (const r of changed) {
      const c = cost(r);
      out.push(`| ${r.step.line + 1} | ${code(clip(r.step.instruction, 60))} | ${r.status === 'rebuilt' ? 'rebuilds' : 'may rebuild'} | ${cell(because(r.reasons).replace(/^because /, ''))} | ${costText(c.seconds, c.source === 'build-log')} |`);
    }
    out.push('', '</details>');
  }
  for (const note of meta.notes ?? []) out.push('', `> **Note:** ${cell(note)}`);
  for (const p of model.problems) out.push('', `> **${p.severity}** on line ${p.line + 1}: ${cell(p.message)}`);
  return out.join('\n') + '\n';
}

export interface CheckMarkdownFile {
  dockerfile: string;
  findings: Finding[];
  problems: readonly Problem[];
}

/** Keeps a comment under GitHub's 65,536-character limit for comments and summaries. */
const MAX_ROWS = 150;

export function renderCheckMarkdown(files: CheckMarkdownFile[]): string {
  const total = files.reduce((t, f) => t + f.findings.length, 0);
  const fixable = files.reduce((t, f) => t + f.findings.filter((x) => x.fix).length, 0);
  const withFindings = files.filter((f) => f.findings.length || f.problems.length);
  const out: string[] = [];
  out.push(
    total
      ? `#### Layerwise: ${plural(total, 'finding')} in ${plural(files.length, 'Dockerfile')}${fixable ? ` (${fixable} fixable with \`layerwise check --fix\`)` : ''}`
      : `#### Layerwise: no findings in ${plural(files.length, 'Dockerfile')}`,
  );
  if (!withFindings.length) return out.join('\n') + '\n';
  out.push('', '| where | severity | rule | finding |', '|---|---|---|---|');
  let rows = 0;
  for (const f of withFindings) {
    for (const p of f.problems) if (rows++ < MAX_ROWS) out.push(`| ${code(`${f.dockerfile}:${p.line + 1}`)} | ${p.severity} | Dockerfile problem | ${cell(p.message)} |`);
    for (const x of f.findings) {
      if (rows++ >= MAX_ROWS) continue;
      out.push(`| ${code(`${f.dockerfile}:${x.range.start.line + 1}`)} | ${x.severity} | [${x.rule}](${docsUrl(x.rule)}) | ${cell(x.message)}${x.fix ? ' *(fixable)*' : ''} |`);
    }
  }
  if (rows > MAX_ROWS) out.push('', `…and ${rows - MAX_ROWS} more (run \`layerwise check\` for all of them).`);
  return out.join('\n') + '\n';
}
