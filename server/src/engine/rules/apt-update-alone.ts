// apt-update-alone: a package index refreshed in one RUN and read by an install in a later RUN. The refreshing layer is
// cached with the index of the day it was built; the later install reads that stale index (or reruns alone when
// edited), and the two drift apart. An update whose index nothing reads only makes the image bigger (said softly).
// Which installs read the index on disk and which fetch their own is package-manager knowledge (managers.ts).
import { runScript } from '../shell';
import type { Model, Step } from '../model';
import { matchOsPackage, packageIndexUse, type IndexManager, type IndexUse } from './managers';
import type { Finding, Rule, RuleContext } from './types';
import { deleteLines, headRange, linesText, nothingAffectingBetween, quoteInstr, replaceLines, stageSteps } from './util';

const NO_USE = new Map<IndexManager, IndexUse>();

function indexUse(step: Step): Map<IndexManager, IndexUse> {
  const rs = step.keyword === 'RUN' && !step.trigger ? runScript(step) : null;
  return rs ? packageIndexUse(rs.commands) : NO_USE;
}

interface Refresh {
  step: Step;
  manager: IndexManager;
  /** Later RUNs (this stage or stages built on it) whose installs read the index this step left. */
  readers: Step[];
}

/** Walks the stages in order, carrying the index each stage leaves into the stages built FROM it. */
function refreshes(model: Model): Refresh[] {
  const out: Refresh[] = [];
  const atEnd = new Map<number, Map<IndexManager, Refresh | null>>();
  for (const stage of model.stages) {
    const state = new Map(stage.base.kind === 'stage' ? (atEnd.get(stage.base.stage) ?? []) : []);
    for (const step of stageSteps(model, stage.index)) {
      for (const [m, u] of indexUse(step)) {
        const last = state.get(m);
        if (u.relies && last) last.readers.push(step);
        if (u.leaves === 'removed') state.set(m, null);
        if (u.refreshes) {
          const r: Refresh = { step, manager: m, readers: [] };
          out.push(r);
          state.set(m, u.leaves === 'fresh' ? r : null);
        }
      }
    }
    atEnd.set(stage.index, state);
  }
  return out;
}

export const aptUpdateAlone: Rule = {
  id: 'apt-update-alone',
  title: 'Package index update in its own RUN',
  defaultSeverity: 'warning',
  description:
    'A RUN refreshes the package index (apt-get update, apk update, …) and a later RUN installs from that index without refreshing it: the refreshing layer is cached with the index of the day it was built, so the later install reads a stale index, and editing it never refreshes the index. Update and install in the same RUN. An update nothing installs from only makes the image bigger (info).',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    for (const r of refreshes(model)) {
      const { step } = r;
      const use = indexUse(step).get(r.manager)!;
      const install = r.readers[0];
      // apk has the simpler remedy: `apk add --no-cache` fetches its own index and leaves none behind
      const apk = r.manager === 'apk' ? ', or install with `apk add --no-cache`, which fetches its own index' : '';
      if (install) {
        const f: Finding = {
          rule: this.id,
          severity: this.defaultSeverity,
          range: headRange(rc, step),
          message: use.installs
            ? `${quoteInstr(step)} leaves its package index in the layer, and ${quoteInstr(install, 40)} on line ${install.line + 1} installs from that index as it was when this layer was cached, without refreshing it (editing the install alone never does). Update in the RUN that installs${apk}.`
            : `${quoteInstr(step)} installs nothing: its layer keeps the package index of the day it was cached, and ${quoteInstr(install, 40)} on line ${install.line + 1} installs from that stale index (editing the install alone never refreshes it). Update and install in one RUN${apk}.`,
          related: r.readers.slice(0, 5).map((s) => ({ range: headRange(rc, s), message: 'installs from the index that step cached' })),
        };
        const fix = use.installs ? undefined : mergeFix(rc, step, install);
        if (fix) f.fix = fix;
        out.push(f);
        continue;
      }
      // nothing reads the index this RUN refreshed: harmless for correctness, only the image is bigger
      if (use.installs || use.leaves !== 'fresh') continue;
      const later = stageSteps(model, step.stage).find((s) => s.line > step.line && indexUse(s).get(r.manager)?.installs);
      out.push({
        rule: this.id,
        severity: 'info',
        range: headRange(rc, step),
        message: later
          ? `${quoteInstr(step)} installs nothing, and ${quoteInstr(later, 40)} on line ${later.line + 1} fetches its own index: this step only adds an old package index to the image. Drop it.`
          : `${quoteInstr(step)} installs nothing: its cached layer keeps an old package index and only makes the image bigger. Update in the same RUN that installs.`,
      });
    }
    return out;
  },
};

/** Merge an update-only RUN into the install RUN right after it (nothing between them changes what a RUN sees). */
function mergeFix(rc: RuleContext, step: Step, install: Step): Finding['fix'] {
  const { model } = rc;
  const steps = stageSteps(model, step.stage);
  const i = steps.indexOf(step);
  const rs = runScript(step)!;
  const onlyUpdates = rs.parsed && rs.commands.every((c) => matchOsPackage(c)?.kind === 'update');
  const adjacent = steps[i + 1] === install && nothingAffectingBetween(model, step.stage, step.line, install.line);
  if (!onlyUpdates || !adjacent || step.script === undefined || install.script === undefined || step.heredoc || install.heredoc || step.mounts.length || step.range.start.line !== step.range.end.line) return undefined;
  const text = linesText(rc, install.range.start.line, install.range.end.line);
  const m = /^(\s*\S+\s+(?:--\S+\s+)*)/.exec(text);
  if (!m || /^\s*<</.test(text.slice(m[1]!.length))) return undefined;
  const merged = m[1] + step.script.trim() + ' && \\\n    ' + text.slice(m[1]!.length);
  return {
    title: `Merge ${quoteInstr(step, 30)} into the install on line ${install.line + 1}`,
    edits: [deleteLines(step.range.start.line, step.range.end.line), replaceLines(rc, install.range.start.line, install.range.end.line, merged)],
  };
}
