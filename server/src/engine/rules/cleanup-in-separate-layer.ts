// cleanup-in-separate-layer: a RUN that only deletes what an earlier step created. Layers are additive: the files
// stay in the earlier layer, the image does not shrink, and the extra step reruns whenever that one does. With the
// image the text was built into (RuleContext.layers), the message cites the bytes the cleanup left in earlier layers.
import { formatBytes } from '../buildcache';
import type { LayersReport } from '../layers';
import { resolvePath, type Model, type Step } from '../model';
import { parseScript, runScript, type ShellCommand } from '../shell';
import { runEnv, runHome, wildcardFolder } from '../fixsafety';
import { matchOsPackage, under } from './managers';
import type { Finding, Rule } from './types';
import { deleteLines, headRange, linesText, nothingAffectingBetween, quoteInstr, replaceLines, stageSteps } from './util';

/** `rm` or `/bin/rm`. */
const isRm = (c: ShellCommand): boolean => (c.words[0] ?? '').replace(/^.*\//, '') === 'rm';

function isCleanup(c: ShellCommand): boolean {
  const tool = (c.words[0] ?? '').replace(/^.*\//, '');
  if (tool === 'rm') return c.words.slice(1).some((w) => !w.startsWith('-'));
  const os = matchOsPackage(c);
  // clean/autoclean drop caches; remove/purge/del uninstall packages, which is not a cleanup of this Dockerfile's files
  if (os && os.kind === 'clean') return c.words.some((w) => ['clean', 'autoclean', 'cache', 'cc'].includes(w));
  if (['npm', 'yarn', 'pnpm'].includes(tool) && c.words.includes('cache') && (c.words.includes('clean') || c.words.includes('prune'))) return true;
  if ((tool === 'pip' || tool === 'pip3') && c.words[1] === 'cache') return true;
  if (tool === 'find' && c.words.includes('-delete')) return true;
  return false;
}

/** Cache folders and the tools that fill them: a deletion there is a cleanup only when such a tool ran before. */
const PRODUCERS: [RegExp, RegExp][] = [
  [/^\/var\/lib\/apt\/lists|^\/var\/cache\/(apt|debconf)/, /\b(apt-get|apt|aptitude)\b/],
  [/^\/var\/cache\/apk/, /\bapk\b/],
  [/^\/var\/cache\/(dnf|yum|zypp)/, /\b(dnf|yum|microdnf|zypper)\b/],
  [/(^|\/)\.cache\/pip(\/|$)/, /\bpip3?\b|python3? -m pip/],
  [/(^|\/)\.npm(\/|$)/, /\bnpm\b/],
  [/(^|\/)\.yarn(\/|$)|\/yarn(\/|$)/, /\byarn\b/],
  [/(^|\/)\.m2(\/|$)/, /\bmvnw?\b/],
  [/(^|\/)\.gradle(\/|$)/, /\bgradlew?\b/],
  [/(^|\/)__pycache__(\/|$)/, /\bpython|\bpip|\.py\b/],
];

/** Paths that are caches, downloads or temporary files: deleting them is cleanup, not configuration. */
const CACHE_LIKE = /(^|\/)(\.cache|cache|caches|tmp|lists|\.npm|\.yarn|__pycache__|\.gradle|\.m2)(\/|$)|^\/tmp\/|^\/var\/tmp\/|\.(tar(\.\w+)?|tgz|zip|deb|rpm|apk|whl|gem)$/;

function stepText(s: Step): string {
  return s.script ?? s.argv?.join(' ') ?? s.instruction;
}

/**
 * Was the path plausibly created by an earlier step: a COPY/ADD destination; a cache folder after the tool that fills
 * it; a temporary file; or a cache-like path whose own name an earlier step mentions? A specific folder inside a cache
 * that nothing here writes (`~/.cache/rosetta`, left by an emulator) is not this Dockerfile's to clean up.
 */
function plausiblyCreated(p: string, earlier: Step[]): boolean {
  const clean = p.replace(/\/\*$/, '').replace(/\/$/, '');
  for (const s of earlier) {
    if (s.keyword !== 'COPY' && s.keyword !== 'ADD') continue;
    const dest = (s.parts['dest'] ?? '').replace(/\/$/, '');
    if (!dest) continue;
    if (clean === dest || clean.startsWith(dest + '/')) return true;
  }
  if (!CACHE_LIKE.test(p)) return false;
  const producer = PRODUCERS.find(([dir]) => dir.test(clean));
  // a producer that removed the folder itself, after its last use of the tool, left nothing there
  if (producer) return earlier.some((s) => producer[1].test(stepText(s)) && !removedAfterUse(s, clean, producer[1]));
  if (/^\/(var\/)?tmp(\/|$)/.test(clean)) return earlier.length > 0;
  const name = clean.split('/').pop() ?? '';
  if (/^(\.cache|cache|caches|tmp)$/.test(name)) return earlier.length > 0;
  return name.length >= 3 && earlier.some((s) => stepText(s).includes(name));
}

/** Does RUN step `s` itself `rm` the folder `clean` after the last command that uses the tool `tool`? */
function removedAfterUse(s: Step, clean: string, tool: RegExp): boolean {
  const r = s.keyword === 'RUN' ? runScript(s) : null;
  if (!r || !r.parsed) return false;
  let lastUse = -1;
  let lastRm = -1;
  r.commands.forEach((c, i) => {
    if (isRm(c) && c.words.slice(1).some((w) => w.replace(/\/\*$/, '').replace(/\/$/, '') === clean)) lastRm = i;
    else if (tool.test(c.words.join(' '))) lastUse = i;
  });
  return lastRm > lastUse && lastUse >= 0;
}

/** Steps of the stages a stage is built FROM (nearest base last). */
function ancestorSteps(model: Model, stage: number): Step[] {
  const out: Step[] = [];
  for (let b = model.stages[stage]!.base; b.kind === 'stage'; b = model.stages[b.stage]!.base) out.unshift(...stageSteps(model, b.stage));
  return out;
}

/** Does `prev` run the package manager or tool whose caches `c` (a clean command, not an `rm`) cleans? */
function cleansAfter(c: ShellCommand, prev: Step): boolean {
  if (prev.keyword !== 'RUN') return false;
  const r = runScript(prev);
  const tool = (c.words[0] ?? '').replace(/^.*\//, '');
  const os = matchOsPackage(c);
  const tools = r?.commands.map((x) => (x.words[0] ?? '').replace(/^.*\//, '')) ?? [];
  if (os) return r?.commands.some((x) => matchOsPackage(x)?.manager === os.manager) ?? false;
  if (tool === 'find') return false;
  if (tool === 'pip3' || tool === 'pip') return tools.some((t) => t === 'pip' || t === 'pip3' || /^python/.test(t));
  return tools.includes(tool);
}

function cleanedPaths(cmds: ShellCommand[]): string[] {
  return cmds.flatMap((c) => (isRm(c) ? c.words.slice(1).filter((w) => !w.startsWith('-')) : []));
}

/** `/var/lib/apt/lists/*, /tmp/x` or `` `dnf clean all` `` — what the step removes, for the message. */
function describe(cmds: ShellCommand[]): string {
  const parts = cmds.map((c) => (isRm(c) ? c.words.slice(1).filter((w) => !w.startsWith('-')).join(', ') : '`' + c.words.slice(0, 4).join(' ') + '`'));
  const text = parts.filter(Boolean).slice(0, 3).join(', ');
  return text.length > 90 ? text.slice(0, 89) + '…' : text;
}

/**
 * `the files it deletes still take 300 kB in layer 1 (line 2)` — what the step's layer removes of earlier layers in the
 * built image, or null when the image says nothing about it (no image, no layer of the step, nothing removed).
 */
function bytesLeft(layers: LayersReport | undefined, step: Step): string | null {
  const l = layers?.layers.find((x) => x.step?.id === step.id);
  if (!l || !l.removesFrom.length) return null;
  const where = (i: number): string => `layer ${i}${layers!.layers[i]?.step ? ` (line ${layers!.layers[i]!.step!.line + 1})` : ''}`;
  const parts = l.removesFrom.slice(0, 3).map((x) => `${formatBytes(x.bytes, 3)} in ${where(x.layer)}`);
  if (l.removesFrom.length > 3) parts.push(`${formatBytes(l.removesFrom.slice(3).reduce((n, x) => n + x.bytes, 0), 3)} in ${l.removesFrom.length - 3} more`);
  return `the files it deletes still take ${parts.join(', ')} of the image the last build made`;
}

/** A deleted path as an absolute one (from the step's WORKDIR and home), or null when the shell may expand it otherwise. */
function absPath(model: Model, step: Step, p: string): string | null {
  const m = /^(~|\$HOME|\$\{HOME\})(\/|$)/.exec(p);
  let q = p;
  if (m) {
    const home = runHome(model, step, runEnv(model, step));
    if (!home) return null;
    q = home + p.slice(m[1]!.length);
  }
  return /[$~`]/.test(q) ? null : resolvePath(step.workdir || '/', q);
}

/**
 * Does `prev`'s script followed by ` && ` and the cleanup's script run the cleanup, on the same files, exactly when
 * `prev` succeeded? Not when a mount of `prev` is at, above or inside a path it deletes (the `rm` would act on the
 * mount, not on the image: a tmpfs or cache mount hides the image's files there, and `rm -rf` of a mount point fails),
 * when a mount of `prev` may hold what a clean command empties (its folders are not known here), when `prev` may end
 * early (`exit 0`, `exec`), when the joined text is not the two command lists one after the other (a trailing comment,
 * `;` or `&` in `prev`), or when the cleanup's commands are not all joined by `&&` (`rm a; rm b` would run `rm b` after
 * a failing `prev`).
 */
function appendable(prev: Step, step: Step, paths: string[]): boolean {
  if (prev.mounts.length) {
    if (!step.script || runScript(step)!.commands.some((c) => !isRm(c))) return false;
    for (const m of prev.mounts) {
      if (m.target === undefined) return false;
      const t = resolvePath(prev.workdir || '/', m.target);
      for (const p of paths) {
        if (/[$~`]/.test(p)) return false;
        const d = wildcardFolder(resolvePath(step.workdir || '/', p));
        if (under(d, t) || under(t, d)) return false;
      }
    }
  }
  const a = runScript(prev)!;
  const b = runScript(step)!;
  if (!a.parsed || a.commands.some((c) => ['exit', 'exec', 'return'].includes(c.words[0] ?? ''))) return false;
  for (let k = 1; k < b.commands.length; k++) if (b.script.slice(b.commands[k - 1]!.end, b.commands[k]!.start).replace(/\d*[<>]&?\S+/g, '').trim() !== '&&') return false;
  const joined = parseScript(a.script.trim() + ' && ' + b.script.trim());
  const want = [...a.commands, ...b.commands].map((c) => c.words);
  return joined.parsed && JSON.stringify(joined.commands.map((c) => c.words)) === JSON.stringify(want);
}

export const cleanupInSeparateLayer: Rule = {
  id: 'cleanup-in-separate-layer',
  title: 'Cleanup in a separate RUN',
  defaultSeverity: 'warning',
  description:
    'A RUN deletes files an earlier step created (rm -rf, apt-get clean, cache dirs). Layers only add: the files remain in the earlier layer and the image does not shrink. Do the cleanup in the step that created them.',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    const bases = new Set<number>();
    for (const o of model.stages) if (o.base.kind === 'stage') bases.add(o.base.stage);
    const readFrom = new Set<number>();
    for (const s of model.steps) for (const r of s.stageReads) if (r.stage !== null) readFrom.add(r.stage);
    for (const stage of model.stages) {
      // a stage whose layers never ship (only COPY --from reads it; it is not the target nor a FROM base):
      // deleting there decides what gets copied, and layer sizes do not matter
      if (stage.index !== model.target && !bases.has(stage.index) && readFrom.has(stage.index)) continue;
      const steps = stageSteps(model, stage.index);
      for (let i = 1; i < steps.length; i++) {
        const step = steps[i]!;
        if (step.keyword !== 'RUN' || step.trigger) continue;
        const rs = runScript(step);
        if (!rs || !rs.parsed || !rs.commands.length || !rs.commands.every(isCleanup)) continue;
        const prev = steps[i - 1]!;
        const earlierRuns = steps.slice(0, i).filter((s) => s.keyword === 'RUN' || s.keyword === 'COPY' || s.keyword === 'ADD');
        if (!earlierRuns.length) continue;
        // mount-aware: deleting inside a cache mount of the previous RUN removes nothing from the image
        const paths = cleanedPaths(rs.commands);
        // `rm` of files the base image shipped (config removal) is not a cleanup of this Dockerfile's layers
        const rmOnly = rs.commands.every(isRm);
        // what could have created the files: earlier steps of this stage and of the stages it is built FROM, except
        // other cleanups (naming a path in an `rm` does not create it)
        const producers: Step[] = [...ancestorSteps(model, stage.index), ...earlierRuns].filter((s) => {
          const r = s.keyword === 'RUN' ? runScript(s) : null;
          return !(r && r.parsed && r.commands.length && r.commands.every(isCleanup));
        });
        if (rmOnly && !paths.some((p) => plausiblyCreated(p, producers))) continue;
        // (a target or a path written with a trailing slash is the same folder: `target=/var/cache/apt/`, `rm -rf /var/cache/apt`;
        // relative ones are from each step's WORKDIR, `~` and `$HOME` the home of the cleanup's user)
        const mounted = prev.mounts.filter((m) => m.type === 'cache' && m.target).map((m) => resolvePath(prev.workdir || '/', m.target!));
        if (paths.length && paths.every((p) => { const a = absPath(model, step, p); return a !== null && mounted.some((t) => under(a, t)); })) {
          out.push({ rule: this.id, severity: 'info', range: headRange(rc, step), message: `${quoteInstr(step)} deletes inside a cache mount of the previous RUN: those files were never in the image, so this step does nothing but cost a layer.` });
          continue;
        }
        // the previous step is where the cleanup belongs only when it could have made what is cleaned (a `dnf clean
        // all` after `RUN rm /x` belongs with the dnf installs before that: moving it there would save nothing)
        const prevMade = paths.length ? paths.some((p) => plausiblyCreated(p, [prev])) : rs.commands.every((c) => cleansAfter(c, prev));
        const f: Finding = {
          rule: this.id,
          severity: this.defaultSeverity,
          range: headRange(rc, step),
          message: `${quoteInstr(step)} ${paths.length ? 'removes' : 'cleans caches with'} ${describe(rs.commands)} in a layer of its own: ${bytesLeft(rc.layers, step) ?? 'the files stay in the earlier layer'}, so the image does not shrink (and this step reruns whenever that one does). Do it in the same RUN that created them.`,
          ...(prevMade ? { related: [{ range: headRange(rc, prev), message: 'the step the cleanup belongs in' }] } : {}),
        };
        if (prevMade && prev.keyword === 'RUN' && prev.script !== undefined && !prev.heredoc && !step.heredoc && step.script !== undefined && nothingAffectingBetween(model, stage.index, prev.line, step.line) && step.mounts.length === 0 && appendable(prev, step, paths)) {
          const prevText = linesText(rc, prev.range.start.line, prev.range.end.line);
          f.fix = {
            title: `Move the cleanup into the RUN on line ${prev.line + 1}`,
            edits: [replaceLines(rc, prev.range.start.line, prev.range.end.line, prevText.replace(/\s+$/, '') + ' && \\\n    ' + step.script.trim().replace(/\n/g, ' ')), deleteLines(step.range.start.line, step.range.end.line)],
          };
        }
        out.push(f);
      }
    }
    return out;
  },
};
