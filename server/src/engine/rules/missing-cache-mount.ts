// missing-cache-mount: a package manager downloads into a directory that ends up in (or is deleted from) the layer,
// so every rebuild downloads everything again. A cache mount keeps the downloads across builds, and its contents never
// bust the cache (measured: table f, `--mount=type=cache`).
import { memoized } from '../memo';
import { runScript } from '../shell';
import { matchInstall, matchOsPackage } from './managers';
import type { Step } from '../model';
import type { Finding, Rule, RuleContext } from './types';
import { headRange, homeOf, isWindowsStage, linesText, quoteInstr, replaceLines } from './util';

const APT_KEEP = "rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache";

export const missingCacheMount: Rule = {
  id: 'missing-cache-mount',
  title: 'Package download without a cache mount',
  defaultSeverity: 'info',
  description:
    'A package manager downloads without RUN --mount=type=cache, so each time the step reruns it fetches every package again. A cache mount keeps downloads between builds without putting them in the image, and its contents never affect the cache key.',
  check(rc) {
    const out: Finding[] = [];
    for (const step of rc.model.steps) {
      if (step.keyword !== 'RUN') continue;
      // what a step gets depends only on the step, its stage and the text of its lines: memoised per step object
      // (steps of memoised stages are shared between analyses, and a shared step implies the same stage text)
      const f = memoized(perStep, step, (s) => checkStep(rc, s));
      if (f) out.push(f);
    }
    return out;
  },
};

const perStep = new WeakMap<Step, Finding | null>();

function checkStep(rc: RuleContext, step: Step): Finding | null {
  const { model } = rc;
  if (step.keyword !== 'RUN' || step.trigger || isWindowsStage(model, step.stage)) return null;
  const rs = runScript(step);
  if (!rs || !rs.parsed) return null;
  // a cache or tmpfs mount on the directory already keeps downloads out of the layer
  const cacheTargets = step.mounts.filter((m) => m.type === 'cache' || m.type === 'tmpfs').map((m) => m.target ?? '');
  const home = homeOf(step.user);
  const wants: { manager: string; targets: string[] }[] = [];
  for (const c of rs.commands) {
    const inst = matchInstall(c);
    if (inst) {
      if (c.words.includes('--no-cache-dir') || c.words.includes('--no-cache')) continue;
      const targets = inst.cacheTargets.map((t) => t.replace('$HOME', home ?? '~'));
      if (!wants.some((w) => w.manager === inst.manager)) wants.push({ manager: inst.manager, targets });
      continue;
    }
    const os = matchOsPackage(c);
    if (os && os.kind === 'install' && os.manager === 'apt' && !wants.some((w) => w.manager === 'apt')) wants.push({ manager: 'apt', targets: ['/var/cache/apt', '/var/lib/apt/lists'] });
  }
  const missing = wants.filter((w) => !w.targets.some((t) => cacheTargets.some((ct) => ct === t || ct.startsWith(t + '/') || t.startsWith(ct + '/'))));
  if (!missing.length) return null;
  const f: Finding = {
    rule: missingCacheMount.id,
    severity: missingCacheMount.defaultSeverity,
    range: headRange(rc, step),
    message: `${quoteInstr(step)} downloads ${missing.map((m) => m.manager).join(' and ')} packages from scratch every time it reruns. Add RUN --mount=type=cache,target=${missing[0]!.targets[0]} so downloads survive between builds (cache-mount contents never bust the cache).`,
  };
  // fix: only when the home directory is known (root) and the file does not use exec form
  const knownHome = missing.every((m) => !m.targets.some((t) => t.startsWith('~')));
  if (knownHome && step.script !== undefined && !step.heredoc) {
    const mounts: string[] = [];
    let prefix = '';
    for (const m of missing) {
      if (m.manager === 'apt') {
        // /var/lib/apt/lists, not all of /var/lib/apt: extended_states (apt's auto-installed marks) must stay in the image
        // (a real build showed it otherwise ends up in the cache: test/oracle/fix-safety.test.ts)
        mounts.push('--mount=type=cache,target=/var/cache/apt,sharing=locked', '--mount=type=cache,target=/var/lib/apt/lists,sharing=locked');
        prefix = APT_KEEP + ' && \\\n    ';
      } else mounts.push(`--mount=type=cache,target=${m.targets[0]}`);
    }
    const text = linesText(rc, step.range.start.line, step.range.end.line);
    // existing flags must all sit on the first line (otherwise the script start is not safely known)
    const mm = /^(\s*\S+)([ \t]+)((?:--\S+[ \t]+)*)(?=[^-\s\\])/.exec(text);
    if (mm) {
      const rest = text.slice(mm[0].length);
      const newText = `${mm[1]} ${mm[3]}${mounts.join(' ')} \\\n    ${prefix}${rest}`;
      f.fix = { title: `Add a cache mount for ${missing.map((m) => m.manager).join(' and ')}`, edits: [replaceLines(rc, step.range.start.line, step.range.end.line, newText)] };
    }
  }
  return f;
}
