// costly-step-after-volatile-copy: a costly RUN (OS package install, download, toolchain setup) that reads nothing a
// preceding COPY/ADD brought in, placed after it: every change to the copied files reruns it for nothing (chain
// rule, semantics §5.1).
import { resolvePath, type Step } from '../model';
import { runScript } from '../shell';
import { commandCost, matchOsPackage, maxCost, under, type CostClass } from './managers';
import type { Finding, Rule } from './types';
import { deleteLines, headRange, insertBefore, linesText, nothingAffectingBetween, plural, quoteInstr, stageSteps } from './util';

/** Tools a RUN may use and still provably not read what a COPY brought in (unless it names those paths). */
const SAFE_TOOLS = new Set([
  'apt-get', 'apt', 'apk', 'dnf', 'yum', 'microdnf', 'zypper', 'curl', 'wget', 'echo', 'printf', 'rm', 'mkdir', 'ln',
  'chmod', 'chown', 'tar', 'gzip', 'gunzip', 'unzip', 'xz', 'sed', 'grep', 'cp', 'mv', 'test', '[', 'true', 'set',
  'useradd', 'groupadd', 'adduser', 'addgroup', 'usermod', 'update-ca-certificates', 'locale-gen', 'dpkg-reconfigure',
  'sha256sum', 'gpg', 'install', 'touch', 'cd', 'debconf-set-selections', 'ldconfig',
]);

/** The safe tools that work on files: their operands (and any command's redirections) may be copied paths. */
const FILE_TOOLS = new Set(['rm', 'ln', 'chmod', 'chown', 'tar', 'gzip', 'gunzip', 'unzip', 'xz', 'sed', 'grep', 'cp', 'mv', 'test', '[', 'sha256sum', 'gpg', 'install', 'touch']);

/** Where tools look for configuration: system config, home directories, certificates and keys, dotfiles. */
const CONFIG_DEST = /^\/(etc|root|home|usr\/local\/etc|usr\/local\/share\/ca-certificates|usr\/share\/keyrings|var\/lib\/apt|opt\/conda\/\.condarc)(\/|$)|\/\.[^/]+\/?$/;

/** Could the RUN read something the copies above it brought in? Conservative: yes unless proven otherwise. */
function readsCopied(run: Step, copies: Step[]): boolean {
  const rs = runScript(run);
  if (!rs || !rs.parsed) return true;
  if (run.mounts.some((m) => m.type === 'bind')) return true;
  // tools read configuration by absolute path (apt sources and keys, pip.conf, .npmrc, CA certificates): a COPY
  // into the filesystem outside the working directory may be read without being named
  if (copies.some((c) => CONFIG_DEST.test(c.parts['dest'] ?? ''))) return true;
  const names = new Set<string>();
  // where the copies put files: a path at or below one of them (or above it) may be a copied file
  const dests = copies.map((c) => resolvePath('/', c.parts['dest'] ?? '/'));
  for (const c of copies) {
    // the destination as the script may name it (`COPY x .` and `COPY x ./` into the working directory alike)
    const dest = resolvePath('/', c.parts['dest'] ?? '/');
    if (dest !== '/') names.add(dest);
    for (const r of c.contextReads) for (const src of r.sources) {
      const base = src.split('/').pop() ?? '';
      if (base.length >= 3 && !/[*?[]/.test(base)) names.add(base);
    }
  }
  for (const n of names) if (rs.script.includes(n)) return true;
  // after a `cd` relative paths point elsewhere than the working directory
  const cd = rs.commands.some((c) => c.words[0] === 'cd');
  const mayBeCopied = (p: string): boolean => {
    if (!p.startsWith('/') && cd) return true;
    const abs = resolvePath(run.workdir, p);
    return dests.some((d) => under(abs, d) || under(d, abs));
  };
  for (const c of rs.commands) {
    const tool = (c.words[0] ?? '').replace(/^.*\//, '');
    if (!SAFE_TOOLS.has(tool)) return true; // scripts, build tools, interpreters: they read the working tree
    if (c.words.some((w) => w.startsWith('./') || w.startsWith('../') || w === '.')) return true;
    // a file tool's operands (`chmod +x entrypoint.sh` after `COPY scripts/ ./`, `sed -i … /etc/s6/run` after
    // `COPY rootfs/ /`): moved above the copy, it would miss the copied files (or fail)
    if (FILE_TOOLS.has(tool) && c.words.slice(1).some((w) => !w.startsWith('-') && mayBeCopied(w))) return true;
  }
  // what the script redirects to or from (`echo … > config.json`; not `2>&1`, here-documents, /dev/null)
  for (const m of rs.script.matchAll(/(?<![<>])(?:>>?|<(?!<))\|?[ \t]*([^\s;&|<>()]+)/g)) if (m[1] !== '/dev/null' && mayBeCopied(m[1]!)) return true;
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
        // only OS package installs and downloads: compiles and language installs read the copied sources
        if (cost !== 'install' && cost !== 'download') continue;
        if (!rs.commands.some((c) => matchOsPackage(c)?.kind === 'install' || ['curl', 'wget'].includes((c.words[0] ?? '').replace(/^.*\//, '')))) continue;
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
          message: `${quoteInstr(run)} (${cost}) reads nothing that ${volatile.length === 1 ? `${quoteInstr(volatile[0]!, 30)} on line ${volatile[0]!.line + 1} brings in, but runs after it` : `the ${volatile.length} COPY steps from line ${volatile[0]!.line + 1} on bring in, but runs after them`}: ${rc.ctx && files === 1 ? 'a change to the copied file' : `a change to any of ${rc.ctx && files > 0 ? plural(files, 'copied file') : 'the copied files'}`} reruns it. Move it above line ${first.line + 1}.`,
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
