// Turns the cached analysis into what people read: hover markdown and code-lens titles. Presentation only: every
// fact comes from the engine's model, stepReads, impactOf and check results.
import type { Finding, Model, Step, Stage, ConfigInstruction, StepInsight } from '../engine';
import { docsUrl, lastBuildLabel, ruleById } from '../engine';
import { ENV_SHOWN, impactFor, type DocAnalysis } from './analysis';
import { fmtInt } from '../engine/format';

const fmt = (n: number): string => fmtInt(n);
const plural = (n: number, one: string, many = one + 's'): string => `${fmt(n)} ${n === 1 ? one : many}`;
const code = (s: string): string => '`' + s.replace(/`/g, "'") + '`';

function short(s: string, max = 80): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? one.slice(0, max - 1) + '…' : one;
}

export function stageLabel(model: Model, i: number): string {
  const s = model.stages[i]!;
  return s.name ? code(s.name) : `#${i}`;
}

function stageName(model: Model, i: number): string {
  return model.stages[i]!.name ?? `stage ${i}`;
}

/** The step an instruction at `line` is (not ONBUILD triggers, which sit on the child's FROM line). */
export function stepAtLine(model: Model, line: number): Step | undefined {
  for (const s of model.steps) if (!s.trigger && s.line <= line && line <= s.endLine) return s;
  return undefined;
}

export function configAtLine(model: Model, line: number): ConfigInstruction | undefined {
  for (const c of model.config) if (c.range.start.line <= line && line <= c.range.end.line) return c;
  return undefined;
}

export function stageAtFromLine(model: Model, line: number): Stage | undefined {
  for (const s of model.stages) if (s.range.start.line <= line && line <= s.range.end.line) return s;
  return undefined;
}

export function findingsOnLine(a: DocAnalysis, startLine: number, endLine: number): Finding[] {
  return (a.check?.findings ?? []).filter((f) => f.range.start.line <= endLine && f.range.end.line >= startLine);
}

/** `reruns 5 later steps` with the split over stages. */
export function impactSummary(a: DocAnalysis, step: Step): { rebuilt: number; maybe: number; sameStage: number; otherStages: Map<number, number[]> } {
  const imp = impactFor(a, step.id);
  const model = a.model!;
  let sameStage = 0;
  const otherStages = new Map<number, number[]>();
  for (const id of imp.rebuilt) {
    const s = model.steps[id]!;
    if (s.stage === step.stage) sameStage++;
    else otherStages.set(s.stage, [...(otherStages.get(s.stage) ?? []), id]);
  }
  return { rebuilt: imp.rebuilt.length, maybe: imp.maybe.length, sameStage, otherStages };
}

/** `hit rate 13%` for a lens title, when the history knows the step. */
export function hitRateTitle(insight: StepInsight | undefined): string | null {
  const h = insight?.history;
  return h && h.hitRate !== null ? `hit rate ${Math.round(h.hitRate * 100)}%` : null;
}

/**
 * The history / last-build part of a step's hover: the engine's one-line summary (hit rate, cost when rebuilt, last
 * build) and the top reasons of the misses. Empty when neither a history nor an imported build knows the step.
 */
export function insightMarkdown(insight: StepInsight | undefined): string[] {
  if (!insight) return [];
  const h = insight.history && insight.history.hitRate !== null ? insight.history : undefined;
  if (!h && !insight.lastBuild) return [];
  const out = ['', `**${h ? 'Cache history' : 'Last build'}**: ${insight.summary}`];
  if (h && h.reasons.length) {
    out.push('');
    out.push(`Rebuilt by: ${h.reasons.slice(0, 4).map((r) => `${r.path !== undefined ? code(r.label) : r.label} (${plural(r.count, 'commit')})`).join(', ')}${h.reasons.length > 4 ? ', …' : ''}`);
  }
  if (h && h.maybe) out.push('', `${plural(h.maybe, 'commit')} more *maybe* (content copied from another stage).`);
  return out;
}

/** `last build: rebuilt, 94 s` for an end-of-line decoration. */
export function lastBuildTitle(insight: StepInsight | undefined): string | null {
  const l = insight?.lastBuild;
  return l ? `last build: ${lastBuildLabel(l.status, l.seconds)}` : null;
}

export function lensTitle(a: DocAnalysis, step: Step, insight?: StepInsight): string {
  const model = a.model!;
  const stage = model.stages[step.stage]!;
  const parts: string[] = [];
  const where = model.stages.length > 1 ? ` in ${stageName(model, step.stage)}` : '';
  parts.push(`step ${step.ordinal + 1}/${stage.steps.length}${where}`);
  const hit = hitRateTitle(insight);
  if (hit) parts.push(hit);
  const imp = impactSummary(a, step);
  if (imp.rebuilt === 0 && imp.maybe === 0) parts.push('a miss reruns nothing after it');
  else if (imp.rebuilt === 0) parts.push(`a miss may rerun ${plural(imp.maybe, 'step')} that ${imp.maybe === 1 ? 'copies' : 'copy'} from it`);
  else {
    let s = `a miss reruns ${plural(imp.rebuilt, 'later step')}`;
    if (imp.maybe) s += ` (+${fmt(imp.maybe)} maybe)`;
    parts.push(s);
  }
  const reads = readsTitle(a, step);
  if (reads) parts.push(reads);
  if (!stage.needed) parts.push('not built for the target');
  return parts.join(' · ');
}

/** `reads 1,284 files` for a step that reads the build context (code lens part, inlay hint); null otherwise. */
export function readsTitle(a: DocAnalysis, step: Step): string | null {
  const r = a.reads.get(step.id);
  if (r) return `reads ${plural(r.files, 'file')}${r.wholeContext ? ' (whole context)' : ''}`;
  if (step.contextReads.length && !a.hasContext) return 'reads context files';
  return null;
}

function lineRef(model: Model, line0: number): string {
  return `line ${line0 + 1}`;
}

function describeParent(model: Model, step: Step): string {
  if (step.parent !== null) {
    const p = model.steps[step.parent]!;
    return `the previous step, ${lineRef(model, p.line)} ${code(short(p.instruction, 60))}`;
  }
  const st = model.stages[step.stage]!;
  if (st.base.kind === 'stage') return `the result of stage ${stageLabel(model, st.base.stage)} (its base)`;
  if (st.base.kind === 'scratch') return 'the empty base `scratch`';
  return `the base image ${code(st.base.ref)} (a new digest for that tag rebuilds everything below)`;
}

function findingsMarkdown(fs: Finding[]): string[] {
  if (!fs.length) return [];
  const out = ['', '**Findings on this line**', ''];
  for (const f of fs) {
    const title = ruleById(f.rule)?.title;
    out.push(`- ${f.severity === 'error' ? '⛔' : f.severity === 'warning' ? '⚠️' : 'ℹ️'} [${f.rule}](${docsUrl(f.rule)})${title ? ` — ${title}` : ''}: ${f.message}`);
  }
  return out;
}

function impactMarkdown(a: DocAnalysis, step: Step): string[] {
  const model = a.model!;
  const imp = impactSummary(a, step);
  const out = [''];
  if (imp.rebuilt === 0 && imp.maybe === 0) {
    out.push('**A miss here reruns nothing after it** (it is the last step that depends on it).');
    return out;
  }
  const pieces: string[] = [];
  if (imp.sameStage) pieces.push(`${fmt(imp.sameStage)} in this stage`);
  for (const [st, ids] of imp.otherStages) {
    const names = ids.slice(0, 3).map((id) => `${lineRef(model, model.steps[id]!.line)} ${code(short(model.steps[id]!.instruction, 40))}`);
    pieces.push(`${fmt(ids.length)} in stage ${stageLabel(model, st)} (${names.join(', ')}${ids.length > 3 ? ', …' : ''})`);
  }
  out.push(`**A miss here reruns ${plural(imp.rebuilt, 'later step')}**${pieces.length ? ': ' + pieces.join('; ') : ''}.`);
  // name the costly ones: RUN steps are where build time goes
  const runs = impactFor(a, step.id).rebuilt.map((id) => model.steps[id]!).filter((s) => s.keyword === 'RUN');
  if (runs.length) {
    out.push('');
    out.push(`RUN steps it reruns: ${runs.slice(0, 4).map((s) => `${lineRef(model, s.line)} ${code(short(s.instruction, 50))}`).join(', ')}${runs.length > 4 ? `, and ${fmt(runs.length - 4)} more` : ''}.`);
  }
  if (imp.maybe) {
    out.push('');
    out.push(`Plus ${plural(imp.maybe, 'step')} that ${imp.maybe === 1 ? 'copies' : 'copy'} from a rerun stage: ${imp.maybe === 1 ? 'it reruns' : 'they rerun'} only if the copied bytes differ.`);
  }
  return out;
}

export function stepHover(a: DocAnalysis, step: Step, insight?: StepInsight): string {
  const model = a.model!;
  const stage = model.stages[step.stage]!;
  const out: string[] = [];
  const stageDesc = model.stages.length > 1 ? ` of stage ${stageLabel(model, step.stage)} (${step.stage + 1} of ${model.stages.length})` : '';
  out.push(`**${step.keyword}** — step ${step.ordinal + 1} of ${stage.steps.length}${stageDesc}${stage.needed ? '' : ' — *not built for the current target*'}`);
  out.push(...insightMarkdown(insight));
  out.push('');
  out.push('**Its cache key depends on**');
  out.push('');
  out.push(`- ${describeParent(model, step)}`);
  out.push(`- the instruction itself${step.keyword === 'RUN' ? ' (the command text, exactly as written)' : ''}`);
  if (step.contextReads.length) {
    const r = a.reads.get(step.id);
    if (r) {
      const sample = r.sample.map(code).join(', ');
      out.push(`- ${r.wholeContext ? 'the whole build context: ' : ''}${plural(r.files, 'context file')}${r.files ? ': ' + sample + (r.files > r.sample.length ? ', …' : '') : ''}`);
      if (r.unmatched.length) out.push(`- ⚠️ ${r.unmatched.map(code).join(', ')} ${r.unmatched.length === 1 ? 'matches' : 'match'} nothing in the context`);
    } else {
      const srcs = step.contextReads.flatMap((c) => c.sources.map((s) => (s === '' ? '.' : s)));
      out.push(`- the context files selected by ${srcs.slice(0, 5).map(code).join(', ')}${a.contextNote ? ` (${a.contextNote})` : ''}`);
    }
  }
  for (const sr of step.stageReads) {
    const from = sr.stage !== null ? `stage ${stageLabel(model, sr.stage)}` : sr.image ? `image ${code(sr.image)}` : 'another stage';
    out.push(`- the content of ${sr.paths.slice(0, 3).map(code).join(', ') || 'files'} from ${from} (by content: reruns only if those bytes differ)`);
  }
  if (step.keyword === 'RUN') {
    if (step.env.length) {
      const names = step.env.map(([k]) => {
        const src = step.envSources.get(k);
        return src ? `${code(k)} (${src.kind === 'arg' ? 'ARG' : src.kind === 'env' ? 'ENV' : 'inherited'}${src.line >= 0 && src.kind !== 'inherited' ? ', ' + lineRef(model, src.line) : ''})` : code(k);
      });
      const total = a.envCounts?.get(step.id) ?? names.length;
      out.push(`- build args and env that reach it: ${names.slice(0, ENV_SHOWN).join(', ')}${total > ENV_SHOWN ? `, and ${total - ENV_SHOWN} more` : ''}`);
    }
    if (step.user) out.push(`- the user ${code(step.user)}`);
    out.push(`- the working directory ${code(step.workdir || '/')}`);
    for (const m of step.mounts) out.push(`- a ${m.type} mount${m.target ? ' at ' + code(m.target) : ''}${m.type === 'cache' ? ' (its contents are not part of the key)' : ''}`);
  } else if (step.varsUsed.length) {
    out.push(`- the values of ${step.varsUsed.map(code).join(', ')} (expanded into the instruction)`);
  }
  if (step.remote) out.push(`- ⚠️ remote content ${code(step.remote)}: the cache does not look at it`);
  out.push('');
  out.push('**What does not bust it**');
  out.push('');
  if (step.contextReads.length) {
    out.push("- touching files (mtime-only changes don't; a content change, an added or removed file, or `chmod +x` does)");
    out.push('- changes to context files it does not select, or that `.dockerignore` excludes');
  } else if (step.keyword === 'RUN') {
    out.push('- any change in the build context (a RUN reads no context files unless it bind-mounts them)');
    out.push('- LABEL, EXPOSE, CMD, ENTRYPOINT and other config-only lines around it');
  } else {
    out.push('- changes in the build context; config-only lines (LABEL, EXPOSE, CMD…)');
  }
  out.push(...impactMarkdown(a, step));
  out.push(...findingsMarkdown(findingsOnLine(a, step.line, step.endLine)));
  return out.join('\n');
}

export function configHover(a: DocAnalysis, c: ConfigInstruction): string {
  const model = a.model!;
  const out: string[] = [];
  const stagePart = c.stage !== null && model.stages.length > 1 ? ` (stage ${stageLabel(model, c.stage)})` : '';
  out.push(`**${c.keyword}**${stagePart} — changes only the image config, creates no layer`);
  out.push('');
  if (c.affects === 'none') {
    out.push(`${c.keyword} never rebuilds anything: editing it changes no step's cache key (LABEL/EXPOSE/CMD never rebuild anything).`);
  } else if (c.affects === 'run-env' || c.affects === 'run-user' || c.affects === 'run-shell') {
    const what = c.affects === 'run-env' ? 'the environment' : c.affects === 'run-user' ? 'the user' : 'the shell';
    const runList = (ids: number[], total: number): string =>
      total ? ': ' + ids.map((id) => `${lineRef(model, model.steps[id]!.line)} ${code(short(model.steps[id]!.instruction, 40))}`).join(', ') + (total > ids.length ? ', …' : '') + ' (and everything after the first of them)' : '';
    const r = c.affects === 'run-env' ? a.reach.get(c.line) : undefined;
    if (r && !r.valued && r.runs === 0) {
      // an ARG without a value is in no RUN's environment until it is passed (the engine's varReach)
      out.push(`It has no value in this build (no default, not passed), so no RUN step sees it. Passing it with --build-arg busts ${plural(r.runsWithValue, 'RUN step')}${runList(r.shownWithValue, r.runsWithValue)}.`);
    } else if (r) {
      out.push(`It sets ${what} of the RUN steps after it. Changing its value busts ${plural(r.runs, 'RUN step')}${runList(r.shown, r.runs)}.`);
      if (r.runsWithValue > r.runs) out.push('', `Passing its other names with --build-arg busts ${plural(r.runsWithValue, 'RUN step')} in all.`);
    } else {
      // USER and SHELL: the RUN steps after it in the stage, up to the next line that sets the same
      const next = model.config.find((o) => o.stage === c.stage && o.line > c.line && o.affects === c.affects)?.line ?? Infinity;
      const later = model.steps.filter((s) => s.stage === c.stage && s.line > c.line && s.line < next && s.keyword === 'RUN' && !s.trigger);
      out.push(`It sets ${what} of the RUN steps after it. Changing its value busts ${plural(later.length, 'RUN step')}${runList(later.slice(0, 4).map((s) => s.id), later.length)}.`);
    }
    if (c.affects === 'run-env') out.push('', 'COPY, ADD and WORKDIR keys are affected only where the value is expanded into their arguments.');
  } else if (c.affects === 'global-arg') {
    out.push('A global ARG (before the first FROM): usable in FROM lines, and in a stage after `ARG NAME` redeclares it.');
  } else if (c.affects === 'onbuild') {
    out.push('An ONBUILD trigger: runs as a step in every stage built FROM this one, not here.');
  }
  out.push(...findingsMarkdown(findingsOnLine(a, c.range.start.line, c.range.end.line)));
  return out.join('\n');
}

export function stageHover(a: DocAnalysis, s: Stage): string {
  const model = a.model!;
  const out: string[] = [];
  out.push(`**FROM** — stage ${s.name ? code(s.name) + ' ' : ''}(${s.index + 1} of ${model.stages.length}), ${plural(s.steps.length, 'step')}`);
  out.push('');
  if (s.base.kind === 'image') out.push(`Base image ${code(s.base.ref)}: a new digest behind this reference rebuilds every step of the stage.`);
  else if (s.base.kind === 'stage') out.push(`Built on stage ${stageLabel(model, s.base.stage)}: a miss there reruns every step here.`);
  else out.push('Starts from `scratch` (empty).');
  out.push('');
  out.push(s.needed ? (model.target === s.index ? 'This is the target stage.' : 'Built for the current target.') : 'Not built for the current target (BuildKit skips it).');
  if (s.platform) out.push('', `Platform ${code(s.platform)}${s.platformFlag !== undefined ? ' (its `--platform` flag)' : ' (the build\'s: `layerwise.platform`, default this machine\'s)'}: its RUN steps and its base image are keyed by it, so another platform rebuilds them.`);
  const trig = model.steps.filter((x) => x.stage === s.index && x.trigger);
  if (trig.length) out.push('', `Runs ${plural(trig.length, 'ONBUILD trigger')} inherited from its base first.`);
  out.push(...findingsMarkdown(findingsOnLine(a, s.range.start.line, s.range.end.line)));
  return out.join('\n');
}
