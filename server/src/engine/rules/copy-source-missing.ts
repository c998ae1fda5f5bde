// copy-source-missing: a COPY/ADD source that matches nothing in the build context: the build fails (a literal path)
// or copies nothing (an empty wildcard). When the missing sources are written relative to a folder above the context
// (`COPY ./src/api/go.mod` with the context at src/api), or when every missing source exists in a folder above the
// context inside the same repository (`docker build -f docker/Dockerfile .`), the context is what is wrong: one
// finding says so, and the sources it covers get no per-file error. A source inside a git submodule that is not checked
// out, or one that looks like the output of a build run before `docker build` (target/, dist/, a .jar), is said once
// and softly (warning): the repository is fine, the checkout is not ready.
import { parseDockerignore } from '../dockerignore';
import type { Finding, Rule } from './types';
import { normalizeRel } from '../context';
import { splitFields } from '../expand';
import { sourcePath, type Model, type Step } from '../model';
import { headRange, quoteInstr, sourcePresence, stageArgs, submodulePaths } from './util';

/**
 * The build args a missing source depends on that Layerwise was not given: ARGs declared in the step's stage before it,
 * not set by an ENV there (ENV wins), that a source word of the step expands and no literal word names `src`. With
 * `--build-arg` the real build may name another file: the finding is then conditional. Each with its default (null: none).
 */
function argsNotGiven(model: Model, step: Step, src: string): { name: string; dflt: string | null }[] {
  const ins = model.parsed.instructions.find((x) => x.range.start.line === step.line);
  if (!ins || !step.varsUsed.length) return [];
  const words = ins.json ?? splitFields(ins.args);
  const sources = words.slice(0, -1);
  if (sources.some((w) => !w.includes('$') && normalizeRel(sourcePath(w, model.escape)) === src)) return [];
  const written = new Set(sources.flatMap((w) => [...w.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!)));
  const declared = new Map<string, string | null>();
  for (const { cfg, words: decl } of stageArgs(model))
    if (cfg.stage === step.stage && cfg.line < step.line)
      for (const w of decl) {
        const eq = w.indexOf('=');
        declared.set(eq < 0 ? w : w.slice(0, eq), eq < 0 ? null : w.slice(eq + 1));
      }
  const envSet = (name: string) =>
    model.config.some((c) => c.keyword === 'ENV' && c.stage === step.stage && c.line < step.line && new RegExp(`^ENV\\s+(?:.*\\s)?${name}(=|\\s|$)`).test(c.instruction));
  const out: { name: string; dflt: string | null }[] = [];
  for (const name of new Set(step.varsUsed)) {
    if (!written.has(name) || !declared.has(name) || Object.prototype.hasOwnProperty.call(model.options.buildArgs, name) || envSet(name)) continue;
    out.push({ name, dflt: declared.get(name)! });
  }
  return out;
}

/** Levels up at which `src` would make sense: its leading folders repeat the context path's trailing folders. */
function levelsUp(contextLabel: string, src: string): number {
  const ctxSegs = contextLabel.replace(/\\/g, '/').split('/').filter(Boolean);
  const srcSegs = src.split('/');
  for (let n = Math.min(ctxSegs.length, srcSegs.length - 1); n >= 1; n--) {
    if (ctxSegs.slice(-n).join('/') === srcSegs.slice(0, n).join('/')) return n;
  }
  return 0;
}

/** Folders and file types that hold what a build produces rather than what a repository tracks. */
const BUILD_OUTPUT_DIR = /^(target|build|dist|out|obj|artifacts|publish|_build|release|releases)$/;
const ARTIFACT = /\.(jar|war|ear|tar\.gz|tgz|tar\.xz|zip|whl|deb|rpm|apk|exe|msi|nupkg|gem|so|dll)$/i;

function buildOutput(src: string): string | null {
  const dir = src.replace(/\/$/, '').split('/').find((s) => BUILD_OUTPUT_DIR.test(s));
  if (dir) return `\`${dir}/\``;
  return ARTIFACT.test(src) ? 'an archive or binary' : null;
}

export const copySourceMissing: Rule = {
  id: 'copy-source-missing',
  title: 'COPY source missing from the build context',
  defaultSeverity: 'error',
  description:
    'A COPY/ADD source matches nothing in the build context: a missing path stops the build with "not found"; an empty wildcard copies nothing. Sources written relative to a folder above the context mean the context itself is wrong; sources in a submodule that is not checked out, or build outputs, mean the checkout is not ready.',
  check(rc) {
    if (!rc.ctx || rc.ctx.partial) return [];
    const ctx = rc.ctx;
    const ig = parseDockerignore(rc.ignoreText ?? '');
    const out: Finding[] = [];
    type Missing = { step: (typeof rc.model.steps)[number]; src: string };
    const misplaced: (Missing & { up: number })[] = [];
    const missing: Missing[] = [];
    const hint = 'If the build uses another context, set it in .layerwise.yaml (dockerfiles: <path>: context) or the layerwise.contexts setting.';
    for (const step of rc.model.steps) {
      if (step.trigger || !rc.model.stages[step.stage]) continue;
      const reads = rc.reads.get(step.id);
      if (!reads) continue;
      const all = step.contextReads.flatMap((r) => r.sources);
      // a source named twice (`COPY a.js ./a.js ./`, or `x$V.js x.js` with V empty) is one finding
      for (const src of new Set(reads.unmatched)) {
        if (src === '' || src.includes('$')) continue;
        const wildcard = /[*?[]/.test(src);
        // a wildcard that matches nothing is fine as long as another source matches (the `COPY x* noop.txt` idiom)
        if (wildcard && all.some((o) => !reads.unmatched.includes(o))) continue;
        // `COPY cwallet.ss[o] ./`: one-letter classes and no other wildcard is the idiom for "copy it if it is there"
        if (wildcard && !/[*?]/.test(src.replace(/\[[^\]/]\]/g, ''))) continue;
        // present but excluded by the ignore file: copy-ignored-file says it better
        if (!wildcard && ig.ignores(src) && sourcePresence(ctx, ig, src) !== 'no') continue;
        const up = levelsUp(ctx.label, src);
        if (up > 0) {
          misplaced.push({ step, src, up });
          continue;
        }
        if (!wildcard) {
          missing.push({ step, src });
          continue;
        }
        const artifact = buildOutput(src);
        out.push({
          rule: this.id,
          severity: 'info',
          range: headRange(rc, step),
          message: artifact
            ? `${quoteInstr(step)}: \`${src}\` matches nothing in the build context ${ctx.label}; it looks like something produced before \`docker build\` (${artifact}), so produce it first — as it is, this step copies nothing (BuildKit does not fail on an empty wildcard) and steps that use the files fail.`
            : `${quoteInstr(step)}: \`${src}\` matches nothing in the build context ${ctx.label}, so this step copies nothing (BuildKit does not fail on an empty wildcard). ${hint}`,
        });
      }
    }
    // the likely context: the level the misplaced sources point at, else the level where every missing source exists
    let level = misplaced.length ? Math.max(...misplaced.map((m) => m.up)) : 0;
    let folded: Missing[] = [];
    if (ctx.existsAbove && missing.length) {
      if (level) folded = missing.filter((m) => ctx.existsAbove!(level, m.src));
      else
        for (let up = 1; up <= 4 && !level; up++)
          if (missing.every((m) => ctx.existsAbove!(up, m.src))) {
            level = up;
            folded = missing;
          }
    }
    if (level) {
      const dots = '../'.repeat(level).replace(/\/$/, '');
      const covered: Missing[] = [...misplaced, ...folded];
      const first = covered[0]!;
      const n = covered.length;
      const what = n === 1 ? `\`${first.src}\` is` : `${n} COPY sources (\`${first.src}\`, …) are`;
      out.push({
        rule: this.id,
        severity: 'warning',
        range: headRange(rc, first.step),
        message: folded.length
          ? `${what} missing from the build context ${ctx.label} but exist${n === 1 ? 's' : ''} ${level} folder${level === 1 ? '' : 's'} above it (\`${dots}\`): this Dockerfile is probably built with that folder as its context (docker build -f … ${dots}). ${hint}`
          : `${what} written relative to a folder ${level} level${level === 1 ? '' : 's'} above the build context ${ctx.label}, where they do not exist: this Dockerfile is probably built with that folder as its context (docker build -f … ${dots}). ${hint}`,
        related: covered.slice(1, 6).map((m) => ({ range: headRange(rc, m.step), message: folded.includes(m) ? `\`${m.src}\` exists in \`${dots}\` too` : `\`${m.src}\` is missing from this context too` })),
        contextUp: level,
      });
    }
    const rest = missing.filter((m) => !folded.includes(m));
    // a submodule that is not checked out: one warning per submodule
    const subs = submodulePaths(ctx);
    const bySub = new Map<string, Missing[]>();
    const plain: Missing[] = [];
    for (const m of rest) {
      const sub = subs.find((p) => m.src === p || m.src.startsWith(p + '/'));
      if (sub) bySub.set(sub, [...(bySub.get(sub) ?? []), m]);
      else plain.push(m);
    }
    for (const [sub, list] of bySub) {
      out.push({
        rule: this.id,
        severity: 'warning',
        range: headRange(rc, list[0]!.step),
        message: `${list.length === 1 ? `\`${list[0]!.src}\` is` : `${list.length} COPY sources (\`${list[0]!.src}\`, …) are`} in the git submodule \`${sub}\`, which is not checked out in ${ctx.label}: the build fails with "not found" until it is (git submodule update --init ${sub}).`,
        related: list.slice(1, 6).map((m) => ({ range: headRange(rc, m.step), message: `\`${m.src}\` is in \`${sub}\` too` })),
      });
    }
    for (const { step, src } of plain) {
      const output = buildOutput(src);
      // a build output is said as one whatever the args (`ARG DEPENDENCY=target/dependency`): produce it first
      const args = output ? [] : argsNotGiven(rc.model, step, src);
      if (args.length) {
        const values = args.map((a) => (a.dflt === null ? `\`$${a.name}\` empty (its ARG has no default)` : `\`$${a.name}\` at its default \`${a.dflt}\``)).join(' and ');
        const flags = args.map((a) => `--build-arg ${a.name}=…`).join(' ');
        out.push({
          rule: this.id,
          severity: 'warning',
          range: headRange(rc, step),
          message: `${quoteInstr(step)}: with ${values}, the source is \`${src}\`, which does not exist in the build context ${ctx.label}: a build without \`${flags}\` fails with "not found". If your builds pass ${args.length === 1 ? 'it' : 'them'}, give Layerwise the same (the layerwise.buildArgs setting, buildArgs in .layerwise.yaml, or --build-arg) to check the file they name.`,
        });
        continue;
      }
      out.push({
        rule: this.id,
        severity: output ? 'warning' : this.defaultSeverity,
        range: headRange(rc, step),
        message: output
          ? `${quoteInstr(step)}: \`${src}\` is not in the build context ${ctx.label}; it looks like something produced before \`docker build\` (${output}), so produce it first — from a clean checkout this step fails with "not found".`
          : `${quoteInstr(step)}: \`${src}\` does not exist in the build context ${ctx.label}; the build fails with "not found". ${hint}`,
      });
    }
    return out;
  },
};
