// arg-declared-early: an ARG with a value is in the environment of every later RUN of its stage, used or not
// (measured: table d, `not-using-arg`). Declared early, a changed value reruns every RUN after it.
import { PROXY_ARGS, type Model, type Step } from '../model';
import { runScript } from '../shell';
import { varReach } from '../reach';
import { matchInstall, matchOsPackage } from './managers';
import type { Finding, Rule } from './types';
import { deleteLines, insertBefore, lineRange, linesText, plural, stageArgs, stageSteps } from './util';

/** Names tools read from the environment by themselves: moving these could change what a RUN does. */
const IMPLICIT = /^(DEBIAN_FRONTEND|PATH|HOME|LANG|LANGUAGE|LC_.*|TZ|CC|CXX|CFLAGS|CXXFLAGS|LDFLAGS|CPPFLAGS|MAKEFLAGS|PIP_.*|NPM_CONFIG_.*|npm_config_.*|YARN_.*|PNPM_.*|GO.*|CGO_.*|CARGO_.*|RUST.*|NODE_.*|PYTHON.*|UV_.*|POETRY_.*|PIPENV_.*|BUNDLE_.*|GEM_.*|COMPOSER_.*|MAVEN_.*|GRADLE_.*|JAVA_.*|JDK_.*|DOTNET_.*|NUGET_.*|CI|TARGET.*|BUILD(PLATFORM|OS|ARCH|VARIANT)|SOURCE_DATE_EPOCH|BUILDKIT_.*)$/;

function mentions(model: Model, step: Step, name: string): boolean {
  if (step.varsUsed.includes(name)) return true;
  const text = step.script ?? step.argv?.join(' ') ?? '';
  const re = new RegExp('\\$\\{?' + name + '\\b');
  if (re.test(text)) return true;
  // a flag (`--mount=…,id=$V`): the step's mounts hold expanded values, so look at the flags as written
  const ins = model.parsed.instructions.find((x) => x.range.start.line === step.range.start.line);
  return !!ins && ins.flags.some((f) => f.value !== null && re.test(f.value));
}

/** A RUN whose commands are all known tools that do not read arbitrary build args (safe to move an ARG past). */
function opaque(step: Step): boolean {
  const rs = runScript(step);
  if (!rs || !rs.parsed) return true;
  // language package managers run project code (lifecycle scripts, build.rs, setup.py) that can read the env
  return !rs.commands.every((c) => (matchOsPackage(c) && !matchInstall(c)) || ['mkdir', 'rm', 'ln', 'echo', 'cp', 'mv', 'chmod', 'chown', 'curl', 'wget', 'tar', 'unzip', 'useradd', 'adduser', 'addgroup', 'groupadd', 'true'].includes((c.words[0] ?? '').replace(/^.*\//, '')));
}

export const argDeclaredEarly: Rule = {
  id: 'arg-declared-early',
  title: 'ARG declared long before it is used',
  defaultSeverity: 'warning',
  description:
    'An ARG with a value is put in the environment of every later RUN of its stage, whether the RUN uses it or not, so changing the value reruns all of them. Declare it just before its first use.',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    for (const { cfg, words } of stageArgs(model)) {
      if (cfg.stage === null) continue;
      const ins = model.parsed.instructions.find((x) => x.range.start.line === cfg.line)!;
      if (words.length !== 1) continue; // multi-name ARG lines: report nothing rather than a half fix
      const word = words[0]!;
      const name = word.split('=')[0]!;
      if (PROXY_ARGS.has(name) || IMPLICIT.test(name)) continue;
      const hasDefault = word.includes('=');
      const passed = Object.prototype.hasOwnProperty.call(model.options.buildArgs, name);
      const later = stageSteps(model, cfg.stage).filter((s) => s.line > cfg.line && !s.trigger);
      const firstUse = later.find((s) => mentions(model, s, name));
      // ENV X=$ARG also carries it: treat an ENV that expands it as the use
      // ENV X=$ARG or ARG Y=...$ARG... carries it on: treat it as the use
      const envUse = model.config.find((c) => c.stage === cfg.stage && (c.keyword === 'ENV' || c.keyword === 'ARG') && c.line > cfg.line && new RegExp('\\$\\{?' + name + '\\b').test(c.instruction));
      // a RUN that runs scripts or build tools may read it from its environment without naming it: a possible use
      const opaqueRun = later.find((s) => s.keyword === 'RUN' && opaque(s));
      const useLine = Math.min(firstUse?.line ?? Infinity, envUse?.line ?? Infinity, opaqueRun?.line ?? Infinity);
      const busted = varReach(model, cfg).runsWithValue.filter((s) => s.line < useLine);
      if (!busted.length) continue;
      const when = hasDefault || passed ? 'Changing its value' : 'Passing it with --build-arg';
      const useText =
        useLine === Infinity
          ? 'none of them uses it'
          : opaqueRun && opaqueRun.line === useLine && firstUse?.line !== useLine
            ? `line ${useLine + 1} runs commands that may read it from the environment`
            : `its first use is line ${useLine + 1}`;
      const f: Finding = {
        rule: this.id,
        severity: this.defaultSeverity,
        range: lineRange(cfg.line, model.parsed.lines[cfg.line] ?? ''),
        message: `${when} reruns ${plural(busted.length, 'RUN step')} after \`ARG ${name}\` that never read it (${busted.slice(0, 3).map((s) => `line ${s.line + 1}`).join(', ')}${busted.length > 3 ? ', …' : ''}): every RUN after an ARG gets it in its environment, and ${useText}.`,
        related: busted.slice(0, 5).map((s) => ({ range: s.range, message: `reruns when ${name} changes` })),
      };
      const between = model.config.filter((c) => c.stage === cfg.stage && c.line > cfg.line && c.line < useLine);
      const safe =
        useLine !== Infinity &&
        !(opaqueRun && opaqueRun.line === useLine && firstUse?.line !== useLine) &&
        ins.range.start.line === ins.range.end.line &&
        busted.every((s) => !opaque(s)) &&
        !between.some((c) => c.keyword === 'ARG' && c.instruction.includes(name)) &&
        !between.some((c) => (c.keyword === 'ENV' || c.keyword === 'ARG') && new RegExp('\\$\\{?' + name + '\\b').test(c.instruction));
      if (safe) {
        const target = firstUse && firstUse.line === useLine ? firstUse.range.start.line : useLine;
        f.fix = {
          title: `Move \`ARG ${name}\` down to line ${useLine + 1}, where it is first used`,
          edits: [deleteLines(cfg.line, cfg.line), insertBefore(target, linesText(rc, cfg.line, cfg.line).trim())],
        };
      }
      out.push(f);
    }
    return out;
  },
};
