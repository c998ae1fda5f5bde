// missing-cache-mount: a package manager downloads into a directory that ends up in (or is deleted from) the layer,
// so every rebuild downloads everything again. A cache mount keeps the downloads across builds, and its contents never
// bust the cache (measured: table f, `--mount=type=cache`).
//
// The fix is planned per directory (managers.ts knows where each manager keeps what, what moves it and whether it is a
// pure download cache or a package store later steps read) and proven by engine/fixsafety.ts before it is offered:
// a store is mounted on every step that reads it or not at all; a RUN that empties the folder gets the clean dropped;
// Debian's docker-clean hook is set aside for that RUN only.
import { emptiesDir, mountedTargets, noteProven, proofKey, proveFix, runEnv, runHome, runsBefore, stageChain, stepsBefore, usersAround, wildcardFolder, type FixEffect, type MountEffect } from '../fixsafety';
import { runScript, type ShellCommand } from '../shell';
import { cacheSpecs, cacheUse, cleanedBy, matchInstall, matchOsPackage, resolveCacheDir, under, withInline, type CacheDirSpec } from './managers';
import type { Step } from '../model';
import type { Finding, Rule, RuleContext, TextEdit } from './types';
import { headRange, linesText, quoteInstr, replaceLines, stageOs } from './util';

const DC = '/etc/apt/apt.conf.d/docker-clean';
/** A store shared by more RUNs than this gets no fix (each would need the mount; the proof grows with the group). */
const MAX_GROUP = 12;
const DC_OFF = '/etc/apt/docker-clean.off';
const DC_ASIDE = `[ ! -f ${DC} ] || mv ${DC} ${DC_OFF}`;
const DC_BACK = `{ [ ! -f ${DC_OFF} ] || mv ${DC_OFF} ${DC}; }`;
const DC_WORDS = [['[', '!', '-f', DC, ']'], ['mv', DC, DC_OFF], ['[', '!', '-f', DC_OFF, ']'], ['mv', DC_OFF, DC]];

export const missingCacheMount: Rule = {
  id: 'missing-cache-mount',
  title: 'Package download without a cache mount',
  defaultSeverity: 'info',
  description:
    'A package manager downloads without RUN --mount=type=cache, so each time the step reruns it fetches every package again. A cache mount keeps downloads between builds without putting them in the image, and its contents never affect the cache key.',
  check(rc) {
    const out: Finding[] = [];
    // the finding (its fix proven) depends on the step, on what the fix-safety proof reads (proofKey: the stages
    // around it, later readers of the folder, the final image …) and on whether the context holds a Yarn 2+ setup
    const yarn2 = rc.ctx ? (rc.ctx.entry('.yarnrc.yml') || rc.ctx.entry('.yarn/releases') ? 'yarn2' : 'ctx') : '-';
    for (const step of rc.model.steps) {
      if (step.keyword !== 'RUN' || step.trigger) continue;
      const key = proofKey(rc.model, step) + ' ' + yarn2;
      const hit = perStep.get(step);
      let f: Finding | null;
      if (hit && hit.key === key) {
        f = hit.finding;
        if (f?.fix) noteProven(rc, f.fix);
      } else {
        f = checkStep(rc, step);
        perStep.set(step, { key, finding: f });
      }
      if (f) out.push(f);
    }
    return out;
  },
};

/** Findings per step object (shared between analyses while its stage is unchanged), with the key they hold for. */
const perStep = new WeakMap<Step, { key: string; finding: Finding | null }>();

interface Want {
  manager: string;
  spec: CacheDirSpec;
  dir: string | null;
  /** Why there is no fix for this folder. */
  why?: string;
}

function checkStep(rc: RuleContext, step: Step): Finding | null {
  const { model } = rc;
  if (step.keyword !== 'RUN' || step.trigger) return null;
  // cache mounts are a BuildKit feature of Linux builds; on an image nobody can name here (FROM $ARG with no value)
  // only an OS package manager in its stages says it is Linux
  const os = stageOs(model, step.stage);
  if (os === 'windows' || (os === 'unknown' && !linuxEvidence(rc, step.stage))) return null;
  const rs = runScript(step);
  if (!rs || !rs.parsed) return null;
  const env = runEnv(model, step);
  const home = runHome(model, step, env);
  const existing = mountedTargets(step);
  const wants: Want[] = [];
  const done: ShellCommand[] = [];
  const aptBinary = rs.commands.some((c) => c.words[0] === 'apt' && ['install', 'upgrade', 'full-upgrade', 'dist-upgrade'].includes(c.words.find((w, i) => i > 0 && !w.startsWith('-')) ?? ''));
  for (const c of rs.commands) {
    const noCache = c.words.includes('--no-cache-dir') || c.words.includes('--no-cache');
    const ctext = rs.script.slice(c.start, c.end);
    const cenv = withInline(env, ctext);
    for (const u of cacheUse(c, done, env, ctext)) {
      if (!u.writes || noCache) continue;
      // an `apt-get update` on its own is apt-update-alone's; this rule speaks of the RUN that installs
      if (u.manager === 'apt' && !u.reads) continue;
      // a plain install of named packages (npm i x) downloads too, but only manifest installs and apt are this rule's
      if (!matchInstall(c) && !['go', 'go-build', 'apt', 'maven', 'gradle', 'dotnet', 'cargo', 'pnpm'].includes(u.manager)) continue;
      for (const spec of cacheSpecs(u.manager)) {
        if (wants.some((w) => w.spec === spec)) continue;
        const r = resolveCacheDir(spec, cenv, home);
        if ('off' in r) continue;
        const w: Want = { manager: u.manager, spec, dir: 'dir' in r ? r.dir : null, why: 'unknown' in r ? r.unknown : undefined };
        // already mounted (a folder at, above or below it), or a mount that ends like the default for an unknown home
        const suffix = typeof spec.dflt === 'string' && spec.dflt.startsWith('~') ? spec.dflt.slice(1) : null;
        if (existing.some((t) => (w.dir && (under(t, w.dir) || under(w.dir, t))) || (!w.dir && suffix && t.endsWith(suffix)))) continue;
        // a store or cache an earlier RUN filled in the image (dotnet restore, go mod download, mvn
        // dependency:go-offline before the build; a first `mix deps.get` or `npm ci` before the full copy): this RUN
        // finds the packages there and downloads only what is new (apt: docker-clean empties its archives)
        if (w.dir && spec.manager !== 'apt' && filledBefore(rc, step, w.dir, spec.manager)) continue;
        if (!w.why) w.why = hazard(rc, step, spec, cenv);
        if (spec.manager === 'apt' && spec.kind === 'download' && aptBinary) w.why ??= '`apt` (unlike apt-get) deletes the packages it downloaded after installing them';
        wants.push(w);
      }
    }
    done.push(c);
  }
  if (!wants.length) return null;
  const managers = [...new Set(wants.filter((w) => w.manager !== 'go-build').map((w) => (w.manager === 'go' ? 'Go module' : w.manager)))];
  const does = [...(managers.length ? [`downloads ${managers.join(' and ')} packages`] : []), ...(wants.some((w) => w.manager === 'go-build') ? ['recompiles every Go package'] : [])];
  const f: Finding = {
    rule: missingCacheMount.id,
    severity: missingCacheMount.defaultSeverity,
    range: headRange(rc, step),
    message: `${quoteInstr(step)} ${does.join(' and ')} from scratch every time it reruns.`,
  };
  // plan: all known folders together when the fix-safety checker proves that; else one folder at a time, keeping
  // those it proves
  const refused: string[] = [];
  let ok: Want[] = [];
  for (const w of wants) {
    const big = w.dir && !w.why && w.spec.kind === 'store' ? groupTooBig(rc, step, w.dir) : null;
    if (!w.dir || w.why) refused.push(`${w.spec.what}: ${w.why ?? 'its folder is not known'}`);
    else if (big) refused.push(`${w.spec.what} (${w.dir}): ${big}`);
    else ok.push(w);
  }
  let plan = ok.length ? planFix(rc, step, ok) : null;
  if (plan && (typeof plan === 'string' || proveFix(rc, { ...f, fix: plan })) && ok.length > 1) {
    const each = ok;
    ok = [];
    for (const w of each) {
      const one = planFix(rc, step, [w]);
      const why = typeof one === 'string' ? one : proveFix(rc, { ...f, fix: one });
      if (why) refused.push(`${w.spec.what} (${w.dir}): ${why}`);
      else ok.push(w);
    }
    plan = ok.length ? planFix(rc, step, ok) : null;
  } else if (plan && ok.length === 1) {
    const why = typeof plan === 'string' ? plan : proveFix(rc, { ...f, fix: plan });
    if (why) {
      refused.push(`${ok[0]!.spec.what} (${ok[0]!.dir}): ${why}`);
      ok = [];
      plan = null;
    }
  }
  if (plan && typeof plan !== 'string' && !proveFix(rc, { ...f, fix: plan })) {
    f.fix = plan;
    f.message += ` Add RUN --mount=type=cache,target=${ok[0]!.dir}${ok.length > 1 ? ` (and cache mounts on ${ok.slice(1).map((w) => w.dir).join(', ')})` : ''} so ${ok.some((w) => w.manager !== 'go-build') ? 'downloads' : 'compiled packages'} survive between builds (cache-mount contents never bust the cache).`;
  } else if (ok.length) f.message += ` A cache mount on ${ok[0]!.dir} would keep them between builds.`;
  if (refused.length) {
    f.message += ` No cache-mount fix for the ${refused.join('; the ')}.`;
    f.fixRefused = { title: 'Add a cache mount', reason: refused[0]! };
  }
  return f;
}

/** An OS package manager (apt-get, apk, dnf …) in a RUN of the stage or the stages it is built on: a Linux image. */
function linuxEvidence(rc: RuleContext, stage: number): boolean {
  const chain = stageChain(rc.model, stage);
  return rc.model.steps.some((s) => s.keyword === 'RUN' && chain.includes(s.stage) && (runScript(s)?.commands ?? []).some((c) => matchOsPackage(c) !== null));
}

/** An earlier RUN (this stage or those it is built on) filled the folder in the image, and nothing emptied it since. */
function filledBefore(rc: RuleContext, step: Step, dir: string, manager: string): boolean {
  const model = rc.model;
  return usersAround(model, dir, step, 'before').some(({ step: b, use }) => {
    if (!use.writes || mountedTargets(b).some((t) => under(dir, t) || under(t, dir))) return false;
    // an install told not to keep its downloads fills nothing
    if ((runScript(b)?.commands ?? []).some((c) => c.words.includes('--no-cache-dir') || c.words.includes('--no-cache'))) return false;
    // not emptied since: by b itself or by a RUN between b and this step
    const since = stepsBefore(model, step).filter((s) => s.keyword === 'RUN' && (s === b || runsBefore(model, b, s)));
    return !since.some((s) => emptiesDir(model, s, runScript(s)?.commands ?? [], dir, manager) !== null);
  });
}

/** Why a manager's cache folder must not be mounted even though it is known (its output lives inside it). */
function hazard(rc: RuleContext, step: Step, spec: CacheDirSpec, env: Map<string, string>): string | undefined {
  const on = (k: string) => /^(1|true|yes|on)$/i.test(env.get(k) ?? '');
  const off = (k: string) => /^(0|false|no|off)$/i.test(env.get(k) ?? '');
  const scripts = () => [...stepsBefore(rc.model, step), step].map((s) => s.script ?? '').join('\n');
  switch (spec.manager) {
    case 'poetry':
      if (off('POETRY_VIRTUALENVS_CREATE') || on('POETRY_VIRTUALENVS_IN_PROJECT') || env.get('POETRY_VIRTUALENVS_PATH')) return undefined;
      if (/virtualenvs\.create\s+(false|0)|virtualenvs\.in-project\s+(true|1)/.test(scripts())) return undefined;
      return 'poetry creates its virtualenv inside its cache folder unless told otherwise (POETRY_VIRTUALENVS_CREATE=false or POETRY_VIRTUALENVS_IN_PROJECT=true)';
    case 'uv':
      return env.get('UV_LINK_MODE') === 'symlink' ? 'UV_LINK_MODE=symlink makes the environment point into the cache' : undefined;
    case 'yarn':
      if (rc.ctx?.entry('.yarnrc.yml') || rc.ctx?.entry('.yarn/releases')) return 'Yarn 2+ (.yarnrc.yml) keeps packages in its own cache, and Plug\'n\'Play reads them from there at run time';
      return undefined;
    case 'bundler':
      if (env.get('BUNDLE_PATH') || on('BUNDLE_DEPLOYMENT') || /\bbundle\b[^\n;&|]*--(deployment|path)\b|bundle config (set )?(--local )?(path|deployment)/.test(scripts())) return 'bundler installs into a path set by BUNDLE_PATH / deployment mode, with its gem cache inside it';
      return undefined;
    default:
      return undefined;
  }
}

/** A store used by too many RUNs to mount it on all of them in one fix (checked before any plan is proven). */
function groupTooBig(rc: RuleContext, step: Step, dir: string): string | null {
  let n = 0;
  for (const _ of [...usersAround(rc.model, dir, step, 'before'), ...usersAround(rc.model, dir, step, 'after')]) {
    if (++n > MAX_GROUP) return `more than ${MAX_GROUP} RUNs share ${dir}: too many to prove one fix for`;
  }
  return null;
}

interface StepEdit {
  mounts: string[];
  removed: string[][];
  added: string[][];
  /** The words kept of a removed command whose other operands stay (by the removed command's words). */
  kept: Map<string[], string[]>;
  wrapApt: boolean;
}

/** The edits and the declared effect for mounting these folders (on this step, and on every step sharing a store). */
function planFix(rc: RuleContext, step: Step, wants: Want[]): { title: string; edits: TextEdit[]; effect: FixEffect } | string {
  const model = rc.model;
  const perStep = new Map<number, StepEdit>();
  const effect: FixEffect = { mounts: [], removed: [], added: [] };
  const get = (s: Step): StepEdit => {
    let e = perStep.get(s.id);
    if (!e) perStep.set(s.id, (e = { mounts: [], removed: [], added: [], kept: new Map(), wrapApt: false }));
    return e;
  };
  for (const w of wants) {
    const dir = w.dir!;
    const targets: Step[] = [step];
    if (w.spec.kind === 'store') {
      // a store is mounted on every RUN that fills or reads it, before and after this one
      for (const { step: s } of [...usersAround(model, dir, step, 'before'), ...usersAround(model, dir, step, 'after')]) {
        if (mountedTargets(s).includes(dir)) continue;
        targets.push(s);
        if (targets.length > MAX_GROUP) return `more than ${MAX_GROUP} RUNs share ${dir}: too many to prove one fix for`;
      }
    }
    for (const s of targets) {
      const e = get(s);
      const m: MountEffect = { step: s.id, target: dir, manager: w.spec.manager, kind: w.spec.kind };
      effect.mounts!.push(m);
      e.mounts.push(`--mount=type=cache,target=${dir}${w.spec.sharing ? ',sharing=' + w.spec.sharing : ''}`);
      if (w.spec.manager === 'apt' && w.spec.kind === 'download') e.wrapApt = true;
    }
  }
  // commands that would empty a folder now in a cache mount: dropped (the mount keeps it out of the image anyway)
  for (const [id, e] of perStep) {
    const s = model.steps[id]!;
    const dirs = (effect.mounts ?? []).filter((m) => m.step === id);
    const env = runEnv(model, s);
    const home = runHome(model, s, env);
    for (const c of runScript(s)?.commands ?? []) {
      const cl = cleanedBy(c);
      const mountedHere = (sp: CacheDirSpec) => dirs.some((m) => m.manager === sp.manager && m.kind === sp.kind);
      const byName = cl.specs.some(mountedHere);
      // a clean by name of a mounted cache that also empties folders not mounted here (`go clean -modcache -cache`
      // with only the module cache mounted, `dotnet nuget locals all --clear`): dropping it would keep those in the
      // image, keeping it would empty the mount
      const alsoEmpties = byName ? (cl.specs.find((sp) => !mountedHere(sp))?.what ?? cl.more) : null;
      if (alsoEmpties) return `the RUN at line ${s.line + 1} runs \`${c.words.join(' ')}\`, which also empties the ${alsoEmpties}, not mounted there`;
      const abs = cl.paths.map((p) => (p.startsWith('~') ? (home ? home + p.slice(1) : p) : p.replace(/^\$\{?HOME\}?/, home ?? '$HOME')));
      // an operand at or inside a mounted folder only cleans the mount: dropped. One that holds a mounted folder
      // (`rm -rf /root/*` or `/root/.cache` with ~/.npm or ~/.cache/pip mounted) deletes more than it: dropping it would
      // keep the rest in the image, keeping it would delete the mount's folder (rm fails on a mount point): no fix
      // (a wildcard reaches its whole folder: `rm -rf /var/cache/ap*` deletes /var/cache/apt itself)
      const holder = abs.find((p) => dirs.some((m) => under(m.target, wildcardFolder(p)) && !under(wildcardFolder(p), m.target)));
      if (holder) return `the RUN at line ${s.line + 1} deletes \`${holder}\`, which holds ${dirs.find((m) => under(m.target, wildcardFolder(holder)))!.target}`;
      const hit = abs.map((p) => dirs.some((m) => under(wildcardFolder(p), m.target)));
      if (!byName && !hit.some(Boolean)) continue;
      if (byName || hit.every(Boolean)) e.removed.push(c.words);
      else {
        // rm -rf /var/lib/apt/lists/* /tmp/*: keep the command, drop the operands in the mount
        e.removed.push(c.words);
        const drop = new Set(cl.paths.filter((_, i) => hit[i]));
        const kept = c.words.filter((x) => !drop.has(x));
        e.added.push(kept);
        e.kept.set(c.words, kept);
      }
    }
    if (e.wrapApt) e.added.push(...DC_WORDS);
  }
  const edits: TextEdit[] = [];
  for (const [id, e] of perStep) {
    const s = model.steps[id]!;
    if (s.script === undefined || s.heredoc || s.trigger) return `the RUN at line ${s.line + 1} is not a shell-form RUN the fix can edit`;
    // an early successful exit would skip putting docker-clean back (a failing one fails the build: no layer)
    if (e.wrapApt && (runScript(s)?.commands ?? []).some((c) => (c.words[0] === 'exit' && (c.words.length === 1 || c.words[1] === '0')) || c.words[0] === 'exec' || c.words[0] === 'return')) return `the RUN at line ${s.line + 1} may exit early, before docker-clean is put back`;
    const text = editStep(rc, s, e);
    if (text === null) return `the RUN at line ${s.line + 1} is written in a way the fix cannot edit safely`;
    edits.push(replaceLines(rc, s.range.start.line, s.range.end.line, text));
    for (const r of e.removed) effect.removed!.push({ step: id, words: r });
    for (const a of e.added) effect.added!.push({ step: id, words: a });
  }
  const names = [...new Set(wants.map((w) => w.spec.what))];
  const others = perStep.size > 1 ? ` (here and on ${perStep.size - 1} other RUN${perStep.size > 2 ? 's' : ''} that read${perStep.size > 2 ? '' : 's'} it)` : '';
  return { title: `Add a cache mount for the ${names.join(' and ')}${others}`, edits, effect };
}

/** The RUN's new text: mounts after its flags, cleans of mounted folders dropped, docker-clean set aside. */
function editStep(rc: RuleContext, step: Step, e: StepEdit): string | null {
  const text = linesText(rc, step.range.start.line, step.range.end.line);
  // existing flags come first, each followed by blanks or a line continuation
  const mm = /^(\s*\S+)([ \t]+)((?:--\S+(?:[ \t]*\\\n[ \t]*|[ \t]+))*)(?=[^-\s\\])/.exec(text);
  if (!mm) return null;
  let rest = text.slice(mm[0].length);
  const script = runScript(step)!.script;
  const cmds = runScript(step)!.commands;
  for (const words of e.removed) {
    const c = cmds.find((x) => x.words === words)!;
    const literal = script.slice(c.start, c.end).trim();
    // (looked up by the command: two commands cut down alike, `rm -rf ~/.npm /tmp/a` and `rm -rf ~/.cache/pip /tmp/a
    // /tmp/b`, must each keep their own operands)
    const kept = e.kept.get(words);
    const at = rest.indexOf(literal);
    if (at < 0 || rest.indexOf(literal, at + 1) >= 0) return null;
    if (kept) {
      // drop only the operands inside the mount
      let cmd = literal;
      for (const w of words.filter((x) => !kept.includes(x))) {
        const k = cmd.indexOf(' ' + w);
        if (k < 0) return null;
        cmd = cmd.slice(0, k) + cmd.slice(k + 1 + w.length);
      }
      rest = rest.slice(0, at) + cmd + rest.slice(at + literal.length);
      continue;
    }
    // remove the command with the operator that joins it to the one before (or after, for the first)
    let j = at;
    const skipBack = () => {
      for (;;) {
        while (j > 0 && /[ \t]/.test(rest[j - 1]!)) j--;
        if (j > 1 && rest[j - 1] === '\n' && rest[j - 2] === '\\') j -= 2;
        else break;
      }
    };
    skipBack();
    if (rest.slice(j - 2, j) === '&&') j -= 2;
    else if (rest[j - 1] === ';') j -= 1;
    else j = -1;
    if (j >= 0) {
      skipBack();
      rest = rest.slice(0, j) + rest.slice(at + literal.length);
    } else {
      const after = /^[ \t]*(&&|;)[ \t]*(\\\n[ \t]*)*/.exec(rest.slice(at + literal.length));
      if (!after) return null;
      rest = rest.slice(0, at) + rest.slice(at + literal.length + after[0].length);
    }
  }
  let prefix = '';
  if (e.wrapApt) {
    prefix = `${DC_ASIDE} && \\\n    `;
    rest = rest.replace(/[ \t;]*$/, '') + ` \\\n    && ${DC_BACK}`;
  }
  return `${mm[1]} ${mm[3]}${e.mounts.join(' ')} \\\n    ${prefix}${rest}`;
}
