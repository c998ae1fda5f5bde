// costly-step-after-volatile-copy: a costly RUN (OS package install, download, toolchain setup) that reads nothing a
// preceding COPY/ADD brought in, placed after it: every change to the copied files reruns it for nothing (chain
// rule, semantics §5.1).
import type { Step } from '../model';
import { runScript } from '../shell';
import { commandCost, isCostly, matchInstall, maxCost, type CostClass } from './managers';
import type { Finding, Rule } from './types';
import { deleteLines, headRange, insertBefore, linesText, nothingAffectingBetween, plural, quoteInstr, stageSteps } from './util';

/** Words that could name a path the COPY brought in (relative paths, the destination). */
function readsCopied(run: Step, copies: Step[]): boolean {
  const rs = runScript(run);
  if (!rs || !rs.parsed) return true;
  if (run.mounts.some((m) => m.type === 'bind')) return true;
  const dests = copies.map((c) => c.parts['dest'] ?? '').filter(Boolean);
  for (const c of rs.commands) {
    // language installs read manifests (broad-copy-before-install covers them)
    if (matchInstall(c)) return true;
    for (const w of c.words.slice(1)) {
      if (w.startsWith('-') || /^https?:\/\//.test(w)) continue;
      if (w.startsWith('./') || w.startsWith('../') || w === '.') return true;
      if (dests.some((d) => d !== '/' && (w === d || w.startsWith(d.endsWith('/') ? d : d + '/')))) return true;
      if (/\.(sh|py|js|ts|rb|pl|txt|json|ya?ml|toml|lock|cfg|conf|ini|xml|gradle|mod|sum)$/.test(w) && !w.startsWith('/')) return true;
    }
    const tool = (c.words[0] ?? '').replace(/^.*\//, '');
    if (['make', 'cmake', 'go', 'cargo', 'npm', 'yarn', 'pnpm', 'python', 'python3', 'node', 'sh', 'bash', 'mvn', 'gradle', 'dotnet', 'bundle', 'composer', 'pip', 'pip3'].includes(tool)) return true;
    if (c.words[0]?.startsWith('./')) return true;
  }
  return false;
}

export const costlyStepAfterVolatileCopy: Rule = {
  id: 'costly-step-after-volatile-copy',
  title: 'Costly step after a COPY it does not need',
  defaultSeverity: 'warning',
  description:
    'A costly RUN (package install, download, compile) that reads nothing a preceding COPY/ADD brought in sits after it, so every change to the copied files reruns it. Move it above the copy.',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    for (const stage of model.stages) {
      const steps = stageSteps(model, stage.index);
      for (let i = 1; i < steps.length; i++) {
        const run = steps[i]!;
        if (run.keyword !== 'RUN' || run.trigger) continue;
        const rs = runScript(run);
        if (!rs) continue;
        let cost: CostClass = 'metadata';
        for (const c of rs.commands) cost = maxCost(cost, commandCost(c));
        if (!isCostly(cost)) continue;
        // the contiguous block of context COPY/ADD steps right before it
        let j = i - 1;
        const copies: Step[] = [];
        while (j >= 0 && (steps[j]!.keyword === 'COPY' || steps[j]!.keyword === 'ADD') && !steps[j]!.trigger) {
          copies.unshift(steps[j]!);
          j--;
        }
        const volatile = copies.filter((c) => c.contextReads.length);
        if (!volatile.length) continue;
        // earlier COPYs in the stage also feed the RUN? then it is placed after them for a reason we cannot see
        if (readsCopied(run, copies)) continue;
        const first = copies[0]!;
        const files = volatile.reduce((n, c) => n + (rc.reads.get(c.id)?.files ?? 0), 0);
        const f: Finding = {
          rule: this.id,
          severity: this.defaultSeverity,
          range: headRange(rc, run),
          message: `${quoteInstr(run)} (${cost}) reads nothing that ${volatile.length === 1 ? quoteInstr(volatile[0]!, 30) : `the ${volatile.length} COPY steps above`} on line ${volatile[0]!.line + 1} brings in, but runs after it: a change to any of ${rc.ctx ? plural(files, 'copied file') : 'the copied files'} reruns it. Move it above line ${first.line + 1}.`,
          related: volatile.map((c) => ({ range: headRange(rc, c), message: 'changes here rerun the costly step below' })),
        };
        if (nothingAffectingBetween(model, stage.index, first.line, run.line) && run.range.start.line > first.range.end.line) {
          f.fix = {
            title: `Move ${quoteInstr(run, 30)} above line ${first.line + 1}`,
            edits: [insertBefore(first.range.start.line, linesText(rc, run.range.start.line, run.range.end.line)), deleteLines(run.range.start.line, run.range.end.line)],
          };
        }
        out.push(f);
      }
    }
    return out;
  },
};
