// cache-bust-pattern: deliberate cache busting (ARG CACHEBUST, build dates) and commands whose output a cached layer
// freezes (RUN date, $RANDOM). Says exactly what the pattern invalidates — or why it does not work.
import { impactOf } from '../explain';
import { runScript, type RunScript } from '../shell';
import type { Finding, Rule } from './types';
import { headRange, lineRange, plural, quoteInstr, readsWholeTree, stageArgs, stageSteps } from './util';

const TESTS = new Set(['[', '[[', 'test']);

/**
 * Does the clock reach what the RUN leaves behind? `$(date …)` used inline (an argument, a redirected echo) or a
 * redirected/piped `date` does; a `date` that only prints to the build log, or a `now="$(date …)"` read only by test
 * commands (`[ "$X" -lt "$now" ]`, a sanity check) does not.
 */
function clockReachesLayer(rs: RunScript): boolean {
  const s = rs.script;
  // a test command (`[`, `test`; `[[` in a fallback split) or a `[[ … ]]` clause, which the parser lists as no command
  const inTest = (off: number): boolean =>
    rs.commands.some((c) => c.start <= off && off < c.end && TESTS.has(c.words[0] ?? '')) || rs.tests.some((t) => t.start <= off && off < t.end);
  const subst = /\$\(date\b|`date\b/g;
  for (let m: RegExpExecArray | null; (m = subst.exec(s)); ) {
    // `date -d @$EPOCH`, `date -r file`: a fixed date, not the clock
    if (/^\s+(-[a-zA-Z]*[dr]\b|--date\b|--reference\b)/.test(s.slice(m.index + m[0].length, m.index + m[0].length + 40))) continue;
    const before = s.slice(Math.max(0, m.index - 80), m.index);
    const assigned = /(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=["']?$/.exec(before);
    if (!assigned) return true; // used in place
    const uses = [...s.matchAll(new RegExp('\\$\\{?' + assigned[1] + '\\b', 'g'))];
    if (uses.some((u) => !inTest(u.index!))) return true;
  }
  for (const c of rs.commands) {
    // (`--date=…`, `--reference=…`: a fixed date too)
    if (c.words[0] !== 'date' || c.words.some((w) => w.startsWith('-d') || w.startsWith('--date') || w.startsWith('-r') || w.startsWith('--reference'))) continue;
    // right inside `$(` or a backquote its output is the substitution's (handled above): only a redirection, up to
    // the substitution's end, still writes it into the layer
    const captured = /(?:\$\(|`)\s*$/.test(s.slice(Math.max(0, c.start - 40), c.start));
    const tail = (captured ? /^[^;&|\n)`]*(\|\||&&|[;&|\n)`]|$)/ : /^[^;&|\n]*(\|\||&&|[;&|\n]|$)/).exec(s.slice(c.start))!;
    if (/>/.test(tail[0]) || (!captured && tail[1] === '|' && !tail[0].endsWith('||'))) return true;
  }
  return false;
}

const BUST_ARG = /^(CACHE_?BUST(ER)?|BUST|NO_?CACHE|.*_CACHEBUST|BUILD_?(DATE|TIME|TIMESTAMP)|TIMESTAMP|DATE|NOW|RANDOM)$/i;

export const cacheBustPattern: Rule = {
  id: 'cache-bust-pattern',
  title: 'Deliberate cache busting',
  defaultSeverity: 'info',
  description:
    'An ARG used to bust the cache (CACHEBUST, BUILD_DATE) invalidates every RUN after it in its stage, not just the one meant; commands such as `date` or `$RANDOM` in a RUN are frozen by the cache and only rerun when something else busts the step.',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    for (const { cfg, words } of stageArgs(model)) {
      if (cfg.stage === null) continue;
      for (const w of words) {
        const name = w.split('=')[0]!;
        if (!BUST_ARG.test(name)) continue;
        const runs = stageSteps(model, cfg.stage).filter((s) => s.keyword === 'RUN' && s.line > cfg.line);
        // placed right before the one RUN it is meant to rerun, it does exactly what it says; RUNs that read the whole
        // tree anyway (linters, validators, generators, whole-context bind mounts) are meant to rerun too
        if (runs.slice(1).every((s) => readsWholeTree(model, s))) continue;
        const im = impactOf(model, runs[0]!.id);
        const total = 1 + im.rebuilt.length;
        out.push({
          rule: this.id,
          severity: this.defaultSeverity,
          range: lineRange(cfg.line, model.parsed.lines[cfg.line] ?? ''),
          message: `A new value of ${name} reruns ${plural(total, 'step')}: every RUN after line ${cfg.line + 1} in this stage (from ${quoteInstr(runs[0]!, 30)} on line ${runs[0]!.line + 1}) gets it in its environment, whether it reads it or not${im.maybe.length ? `, and ${plural(im.maybe.length, 'step')} in other stages may follow` : ''}. Declare it just before the one step that should rerun.`,
          related: runs.slice(0, 5).map((s) => ({ range: s.range, message: `reruns when ${name} changes` })),
        });
      }
    }
    for (const step of model.steps) {
      if (step.keyword !== 'RUN' || step.trigger) continue;
      const rs = runScript(step);
      if (!rs) continue;
      // only values that are meant to change between builds (a timestamp) and reach the layer; random passwords and
      // ids are fine frozen, and a step that reads the whole tree reruns on any change anyway
      if (!clockReachesLayer(rs) || readsWholeTree(model, step)) continue;
      out.push({
        rule: this.id,
        severity: this.defaultSeverity,
        range: headRange(rc, step),
        message: `${quoteInstr(step)} produces a different result each time it runs, but the cache does not know: the cached layer keeps the first value until something else busts this step. Pass the value as a build arg (ARG just before this RUN) if it must change.`,
      });
    }
    return out;
  },
};
