// apt-update-alone: a package-index update in a RUN that installs nothing. Its layer is cached with the index of the
// day it was built; a later `apt-get install` in another RUN reuses that stale index (or rebuilds alone when edited),
// and the two drift apart.
import { runScript } from '../shell';
import type { Step } from '../model';
import { matchOsPackage, type OsPackageMatch } from './managers';
import type { Finding, Rule } from './types';
import { deleteLines, headRange, linesText, nothingAffectingBetween, quoteInstr, replaceLines, stageSteps } from './util';

function osCommands(step: Step): OsPackageMatch[] {
  const rs = runScript(step);
  return rs ? rs.commands.map(matchOsPackage).filter((x): x is OsPackageMatch => !!x) : [];
}

export const aptUpdateAlone: Rule = {
  id: 'apt-update-alone',
  title: 'Package index update in its own RUN',
  defaultSeverity: 'warning',
  description:
    'A RUN that only updates the package index (apt-get update, apk update, dnf makecache, zypper refresh) is cached on its own: later installs in other RUNs reuse whatever index that layer captured, and editing the install line does not refresh it. Update and install in the same RUN.',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    for (const stage of model.stages) {
      const steps = stageSteps(model, stage.index);
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i]!;
        if (step.keyword !== 'RUN' || step.trigger) continue;
        const cmds = osCommands(step);
        const updates = cmds.filter((c) => c.kind === 'update');
        if (!updates.length) continue;
        const mgr = updates[0]!.manager;
        if (cmds.some((c) => c.manager === mgr && c.kind === 'install')) continue;
        // the install that relies on it
        let install: Step | null = null;
        for (let j = i + 1; j < steps.length; j++) {
          const s = steps[j]!;
          if (s.keyword === 'RUN' && osCommands(s).some((c) => c.manager === mgr && c.kind === 'install')) {
            install = s;
            break;
          }
        }
        const f: Finding = {
          rule: this.id,
          severity: this.defaultSeverity,
          range: headRange(rc, step),
          message: install
            ? `${quoteInstr(step)} installs nothing: its layer keeps the package index of the day it was cached, and ${quoteInstr(install, 40)} on line ${install.line + 1} installs from that stale index (editing the install alone never refreshes it). Update and install in one RUN.`
            : `${quoteInstr(step)} installs nothing: its cached layer keeps an old package index and only makes the image bigger. Update in the same RUN that installs.`,
        };
        if (install) {
          f.related = [{ range: headRange(rc, install), message: 'installs from the index this step cached' }];
          const rs = runScript(step)!;
          const onlyUpdates = rs.parsed && rs.commands.every((c) => matchOsPackage(c)?.kind === 'update');
          const adjacent = steps[i + 1] === install && nothingAffectingBetween(model, stage.index, step.line, install.line);
          if (onlyUpdates && adjacent && step.script !== undefined && install.script !== undefined && !step.heredoc && !install.heredoc && !step.mounts.length && step.range.start.line === step.range.end.line) {
            const text = linesText(rc, install.range.start.line, install.range.end.line);
            const m = /^(\s*\S+\s+(?:--\S+\s+)*)/.exec(text);
            if (m && !/^\s*<</.test(text.slice(m[1]!.length))) {
              const merged = m[1] + step.script.trim() + ' && \\\n    ' + text.slice(m[1]!.length);
              f.fix = {
                title: `Merge ${quoteInstr(step, 30)} into the install on line ${install.line + 1}`,
                edits: [deleteLines(step.range.start.line, step.range.end.line), replaceLines(rc, install.range.start.line, install.range.end.line, merged)],
              };
            }
          }
        }
        out.push(f);
      }
    }
    return out;
  },
};
