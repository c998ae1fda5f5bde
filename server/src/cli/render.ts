// Output of `layerwise explain` and `layerwise graph`: text for people, JSON for machines, DOT for graphviz.
import { contextSizes, explanationJson, impactOf, sizesStepJson, sizesSummary, sizesTopJson, stepReads, stepSizeText, type ContextSnapshot, type ExplanationMeta as ExplainMeta, type Explanation, type Model, type StepStatus } from '../engine';

import { sharedWithJson } from '../engine/shared';
import { sharingJson, sharingTextLines, type GraphSharing } from './shared';

export type GraphFormat = 'text' | 'json' | 'dot';


const C = {
  red: (s: string) => `\x1b[31m${s}\x1b[0m`,
  green: (s: string) => `\x1b[32m${s}\x1b[0m`,
  yellow: (s: string) => `\x1b[33m${s}\x1b[0m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[0m`,
  bold: (s: string) => `\x1b[1m${s}\x1b[0m`,
};
const plain = { red: (s: string) => s, green: (s: string) => s, yellow: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s };

function stageName(model: Model, i: number): string {
  const s = model.stages[i]!;
  return s.name ?? String(i);
}

export function renderExplainJson(e: Explanation, meta: ExplainMeta): string {
  return JSON.stringify(explanationJson(e, meta), null, 2);
}

const MARK: Record<StepStatus, string> = { rebuilt: '✗ rebuilt', cached: '✓ cached ', maybe: '? maybe  ', skipped: '- not built' };

export function renderExplainText(e: Explanation, meta: ExplainMeta, color: boolean): string {
  const c = color ? C : plain;
  const model = e.model;
  const out: string[] = [];
  out.push(`${c.bold(meta.dockerfile)}  (context ${meta.context}; baseline ${meta.baseline})`);
  if (e.changedPaths.size) {
    const list = [...e.changedPaths].slice(0, 8).map(([p, k]) => `${p} (${k})`);
    out.push(c.dim(`changed in the context: ${list.join(', ')}${e.changedPaths.size > 8 ? `, … ${e.changedPaths.size - 8} more` : ''}`));
  }
  if (meta.sizes) out.push(c.dim(sizesSummary(meta.sizes)));
  const width = String(Math.max(1, ...e.steps.map((r) => r.step.line + 1))).length;
  for (const stage of model.stages) {
    const label = stage.name ? `stage '${stage.name}'` : `stage ${stage.index}`;
    const base = stage.base.kind === 'stage' ? `FROM stage '${stageName(model, stage.base.stage)}'` : `FROM ${stage.base.ref}`;
    out.push('');
    out.push(c.bold(`${label}`) + c.dim(`  ${base}${stage.needed ? '' : '  — not built for this target'}`));
    const steps = e.steps.filter((r) => r.step.stage === stage.index);
    if (!steps.length) out.push(c.dim('  (no steps)'));
    for (const r of steps) {
      const mark = r.status === 'rebuilt' ? c.red(MARK.rebuilt) : r.status === 'cached' ? c.green(MARK.cached) : r.status === 'maybe' ? c.yellow(MARK.maybe) : c.dim(MARK.skipped);
      const ln = String(r.step.line + 1).padStart(width);
      const instr = r.step.instruction.length > 70 ? r.step.instruction.slice(0, 69) + '…' : r.step.instruction;
      out.push(`  ${mark}  ${ln}  ${r.step.trigger ? c.dim('(ONBUILD) ') : ''}${instr}`);
      if (r.status === 'rebuilt' || r.status === 'maybe') {
        const own = r.reasons.filter((x) => x.kind !== 'parent');
        const shown = own.length ? own : r.reasons;
        for (const reason of shown.slice(0, 3)) out.push(c.dim(`  ${' '.repeat(11 + width)}  ↳ ${reason.message}`));
      }
    }
  }
  out.push('');
  const s = e.summary;
  if (model.problems.length) for (const p of model.problems) out.push(`line ${p.line + 1}: ${p.severity}: ${p.message}`);
  for (const p of meta.problems.slice(0, 10)) out.push(c.dim(`context: ${p.message}`));
  for (const n of meta.notes ?? []) out.push(c.yellow(`note: ${n}`));
  if (s.rebuilt + s.maybe === 0) out.push(c.green(`All ${s.total} steps are cached.`) + (s.skipped ? c.dim(` (${s.skipped} not built for this target)`) : ''));
  else {
    const fm = s.firstMiss!;
    const why = fm.reasons.find((r) => r.kind !== 'parent')?.message ?? fm.reasons[0]?.message ?? '';
    out.push(
      `${s.rebuilt} of ${s.total} steps rebuild${s.maybe ? `, ${s.maybe} may rebuild` : ''}; first miss: line ${fm.step.line + 1} \`${fm.step.instruction.slice(0, 50)}\`${why ? ` (${why})` : ''}`,
    );
  }
  return out.join('\n') + '\n';
}

export function renderGraph(model: Model, ctx: ContextSnapshot, meta: { dockerfile: string; context: string }, fmt: GraphFormat, color: boolean, shared?: GraphSharing): string {
  const reads = stepReads(model, ctx);
  const sizes = contextSizes(model, ctx);
  const impact = model.steps.map((s) => impactOf(model, s.id));
  if (fmt === 'json') {
    return (
      JSON.stringify(
        {
          dockerfile: meta.dockerfile,
          context: meta.context,
          target: model.target >= 0 ? stageName(model, model.target) : null,
          ...sizesTopJson(sizes),
          stages: model.stages.map((s) => ({
            index: s.index,
            name: s.name,
            line: s.line + 1,
            base: s.base.kind === 'stage' ? { stage: stageName(model, s.base.stage) } : { image: s.base.ref },
            needed: s.needed,
            dependsOn: s.deps.map((d) => stageName(model, d)),
          })),
          steps: model.steps.map((s) => ({
            id: s.id,
            stage: stageName(model, s.stage),
            line: s.line + 1,
            instruction: s.instruction,
            ...(s.trigger ? { onbuild: true } : {}),
            inputs: {
              parent: s.parent === null ? null : model.steps[s.parent]!.line + 1,
              contextFiles: reads.get(s.id)?.files ?? 0,
              contextSources: s.contextReads.flatMap((r) => r.sources.map((x) => x || '.')),
              fromStages: s.stageReads.map((r) => ({ stage: r.stage === null ? null : stageName(model, r.stage), image: r.image ?? null, paths: r.paths })),
              env: s.keyword === 'RUN' ? s.env.map(([k]) => k) : [],
              user: s.user || null,
              workdir: s.workdir,
              mounts: s.mounts.map((m) => ({ type: m.type, target: m.target ?? null, source: m.source ?? null, from: m.from ?? null })),
              remote: s.remote ?? null,
            },
            ...sizesStepJson(sizes, s.id),
            missReruns: { steps: impact[s.id]!.rebuilt.map((i) => model.steps[i]!.line + 1), maybe: impact[s.id]!.maybe.map((i) => model.steps[i]!.line + 1) },
            sharedWith: sharedWithJson(shared?.sharing.sharedWith.get(s.id)),
          })),
          ...(shared ? { sharing: sharingJson(shared) } : {}),
        },
        null,
        2,
      ) + '\n'
    );
  }
  if (fmt === 'dot') {
    const q = (s: string) => JSON.stringify(s);
    const lines = ['digraph layerwise {', '  rankdir=TB;', '  node [shape=box, fontname="monospace", fontsize=10];'];
    for (const s of model.stages) {
      lines.push(`  subgraph cluster_${s.index} {`);
      lines.push(`    label=${q((s.name ?? `stage ${s.index}`) + (s.needed ? '' : ' (not built)'))};`);
      lines.push(`    s${s.index}_base [label=${q('FROM ' + s.base.ref)}, shape=ellipse];`);
      for (const id of s.steps) {
        const st = model.steps[id]!;
        lines.push(`    n${id} [label=${q(`${st.line + 1}: ${st.instruction.slice(0, 60)}`)}];`);
      }
      s.steps.forEach((id, i) => lines.push(`    ${i === 0 ? `s${s.index}_base` : `n${s.steps[i - 1]}`} -> n${id};`));
      lines.push('  }');
    }
    for (const s of model.stages) {
      if (s.base.kind === 'stage') {
        const p = model.stages[s.base.stage]!;
        const last = p.steps.length ? `n${p.steps[p.steps.length - 1]}` : `s${p.index}_base`;
        lines.push(`  ${last} -> s${s.index}_base [label="FROM"];`);
      }
    }
    for (const st of model.steps) {
      for (const r of st.stageReads) {
        if (r.stage === null) continue;
        const p = model.stages[r.stage]!;
        const last = p.steps.length ? `n${p.steps[p.steps.length - 1]}` : `s${p.index}_base`;
        lines.push(`  ${last} -> n${st.id} [style=dashed, label=${q('content of ' + r.paths.join(' '))}];`);
      }
      const rd = reads.get(st.id);
      if (rd) lines.push(`  ctx -> n${st.id} [style=dotted, label=${q(rd.files + ' files')}];`);
    }
    if (reads.size) lines.push(`  ctx [label=${q('build context ' + meta.context)}, shape=folder];`);
    lines.push('}');
    return lines.join('\n') + '\n';
  }
  const c = color ? C : plain;
  const out: string[] = [`${c.bold(meta.dockerfile)}  (context ${meta.context})`, c.dim(sizesSummary(sizes))];
  for (const s of model.stages) {
    out.push('');
    const base = s.base.kind === 'stage' ? `FROM stage '${stageName(model, s.base.stage)}'` : `FROM ${s.base.ref}`;
    const deps = s.deps.filter((d) => !(s.base.kind === 'stage' && s.base.stage === d)).map((d) => stageName(model, d));
    out.push(c.bold(s.name ? `stage '${s.name}'` : `stage ${s.index}`) + c.dim(`  line ${s.line + 1}, ${base}${deps.length ? `, copies from ${deps.join(', ')}` : ''}${s.needed ? '' : ' — not built for this target'}`));
    for (const id of s.steps) {
      const st = model.steps[id]!;
      out.push(`  ${String(st.line + 1).padStart(4)}  ${st.trigger ? '(ONBUILD) ' : ''}${st.instruction}`);
      const inputs: string[] = [];
      const rd = reads.get(id);
      if (rd) inputs.push(rd.wholeContext ? `whole context (${rd.files} files)` : `${rd.files} context file${rd.files === 1 ? '' : 's'}${rd.sample.length ? ': ' + rd.sample.slice(0, 3).join(', ') + (rd.files > 3 ? ', …' : '') : ''}`);
      for (const r of st.stageReads) inputs.push(r.stage === null ? `image ${r.image}` : `content of stage '${stageName(model, r.stage)}'`);
      if (st.keyword === 'RUN' && st.env.length) inputs.push('env ' + st.env.map(([k]) => k).join(', '));
      if (st.remote) inputs.push(`remote ${st.remote} (not checked by the cache)`);
      const im = impact[id]!;
      out.push(c.dim(`        reads: ${inputs.length ? inputs.join('; ') : 'nothing but the previous step'}`));
      const adds = stepSizeText(sizes, id);
      if (adds) out.push(c.dim(`        ${adds}`));
      out.push(c.dim(`        a miss reruns ${im.rebuilt.length} later step${im.rebuilt.length === 1 ? '' : 's'}${im.maybe.length ? ` (+${im.maybe.length} that may)` : ''}`));
      if (shared) for (const l of sharingTextLines(shared.sharing, id)) out.push(c.dim(`        ${l}`));
    }
  }
  for (const p of shared?.problems ?? []) out.push(c.yellow(`note: shared layers: ${p}`));
  return out.join('\n') + '\n';
}
