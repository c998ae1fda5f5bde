// What a step costs when it reruns: a cost class from the instruction and a real shell parse of RUN scripts, and a
// rough duration per class. Real durations from an imported build log replace the estimates (stepInsights in
// history.ts). Pure: no I/O.
import type { Model, Step } from './model';
import { runScript, type ShellCommand } from './shell';
import { commandCost, maxCost, type CostClass } from './rules/managers';

export type { CostClass } from './rules/managers';

export interface StepCost {
  class: CostClass;
  /** Rough seconds when the step reruns (estimate, or measured when `source` is 'build-log'). */
  seconds: number;
  source: 'estimate' | 'build-log';
  /** What the estimate is based on, for people ("npm ci", "COPY of the context", ...). */
  basis: string;
}

/** Rough seconds per cost class (a medium-sized project on a CI runner). */
export const CLASS_SECONDS: Record<CostClass, number> = {
  metadata: 0.1,
  copy: 1,
  command: 2,
  test: 30,
  download: 10,
  install: 45,
  compile: 90,
};

/** Commands that only shuffle a few files or print: near-free. */
const TRIVIAL = new Set([
  'echo', 'printf', 'mkdir', 'ln', 'chmod', 'chown', 'chgrp', 'rm', 'cp', 'mv', 'touch', 'true', 'false', 'cd', 'test', '[',
  'set', 'cat', 'ls', 'pwd', 'id', 'whoami', 'useradd', 'adduser', 'groupadd', 'addgroup', 'usermod', 'sed', 'tee', 'sh',
  'bash', 'env', 'export', 'unset', 'umask', 'exit', 'date', 'find', 'head', 'tail', 'wc', 'sleep', 'update-ca-certificates',
  'ldconfig', 'locale-gen', 'ln', 'rmdir', 'install',
]);

function commandName(cmd: ShellCommand): string {
  let i = 0;
  while (i < cmd.words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(cmd.words[i]!) || ['sudo', 'exec', 'time', 'nice'].includes(cmd.words[i]!))) i++;
  return (cmd.words[i] ?? '').replace(/^.*\//, '');
}

/** Cost class and estimate of one step, from its instruction (and the shell parse of a RUN). */
export function stepCost(step: Step): StepCost {
  if (step.keyword === 'WORKDIR') return { class: 'metadata', seconds: CLASS_SECONDS.metadata, source: 'estimate', basis: 'WORKDIR' };
  if (step.keyword === 'COPY' || step.keyword === 'ADD') {
    if (step.remote) return { class: 'download', seconds: CLASS_SECONDS.download, source: 'estimate', basis: `ADD ${step.remote}` };
    const whole = step.contextReads.some((r) => r.sources.includes(''));
    const fromStage = step.stageReads.length > 0 && step.contextReads.length === 0;
    return {
      class: 'copy',
      seconds: whole ? 3 : CLASS_SECONDS.copy,
      source: 'estimate',
      basis: whole ? 'copy of the whole context' : fromStage ? 'copy from another stage' : 'file copy',
    };
  }
  // RUN
  const rs = runScript(step);
  if (!rs || rs.commands.length === 0) return { class: 'command', seconds: CLASS_SECONDS.command, source: 'estimate', basis: 'RUN' };
  let cls: CostClass = 'metadata';
  let seconds = 0;
  let basis = '';
  let basisClass: CostClass = 'metadata';
  for (const c of rs.commands) {
    const name = commandName(c);
    let k: CostClass = TRIVIAL.has(name) ? 'metadata' : commandCost(c);
    // `sh -c '...'` nested scripts and unknown programs are generic commands
    if (k === 'metadata' && (name === 'sh' || name === 'bash') && c.words.length > 1) k = 'command';
    seconds += k === 'metadata' ? 0.05 : CLASS_SECONDS[k];
    cls = maxCost(cls, k);
    if (maxCost(basisClass, k) === k && k !== basisClass) {
      basisClass = k;
      basis = c.words.slice(0, 3).join(' ');
    } else if (!basis && k === basisClass) basis = c.words.slice(0, 3).join(' ');
  }
  return { class: cls, seconds: Math.max(0.1, Math.round(seconds * 10) / 10), source: 'estimate', basis: basis || 'RUN' };
}

/** Costs of every step of a model (indexed by step id). */
export function modelCosts(model: Model): StepCost[] {
  return model.steps.map(stepCost);
}
