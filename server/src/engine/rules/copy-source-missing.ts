// copy-source-missing: a COPY/ADD source that matches nothing in the build context: the build fails (a literal path)
// or copies nothing (an empty wildcard). When the missing sources are written relative to a folder above the context
// (`COPY ./src/api/go.mod` with the context at src/api), or when every missing source exists in a folder above the
// context inside the same repository (`docker build -f docker/Dockerfile .`), the context is what is wrong: one
// finding says so.
import { parseDockerignore } from '../dockerignore';
import type { Finding, Rule } from './types';
import { headRange, quoteInstr } from './util';

/** Levels up at which `src` would make sense: its leading folders repeat the context path's trailing folders. */
function levelsUp(contextLabel: string, src: string): number {
  const ctxSegs = contextLabel.replace(/\\/g, '/').split('/').filter(Boolean);
  const srcSegs = src.split('/');
  for (let n = Math.min(ctxSegs.length, srcSegs.length - 1); n >= 1; n--) {
    if (ctxSegs.slice(-n).join('/') === srcSegs.slice(0, n).join('/')) return n;
  }
  return 0;
}

export const copySourceMissing: Rule = {
  id: 'copy-source-missing',
  title: 'COPY source missing from the build context',
  defaultSeverity: 'error',
  description:
    'A COPY/ADD source matches nothing in the build context: a missing path stops the build with "not found"; an empty wildcard copies nothing. Sources written relative to a folder above the context mean the context itself is wrong.',
  check(rc) {
    if (!rc.ctx || rc.ctx.partial) return [];
    const ig = parseDockerignore(rc.ignoreText ?? '');
    const out: Finding[] = [];
    const misplaced: { step: (typeof rc.model.steps)[number]; src: string; up: number }[] = [];
    const missing: { step: (typeof rc.model.steps)[number]; src: string }[] = [];
    const hint = 'If the build uses another context, set it in .layerwise.yaml (dockerfiles: <path>: context) or the layerwise.contexts setting.';
    for (const step of rc.model.steps) {
      if (step.trigger || !rc.model.stages[step.stage]) continue;
      const reads = rc.reads.get(step.id);
      if (!reads) continue;
      const all = step.contextReads.flatMap((r) => r.sources);
      for (const src of reads.unmatched) {
        if (src === '' || src.includes('$')) continue;
        const wildcard = /[*?[]/.test(src);
        // a wildcard that matches nothing is fine as long as another source matches (the `COPY x* noop.txt` idiom)
        if (wildcard && all.some((o) => !reads.unmatched.includes(o))) continue;
        if (!wildcard && ig.ignores(src)) continue; // copy-ignored-file says it better
        const up = levelsUp(rc.ctx.label, src);
        if (up > 0) {
          misplaced.push({ step, src, up });
          continue;
        }
        if (!wildcard) {
          missing.push({ step, src });
          continue;
        }
        out.push({
          rule: this.id,
          severity: 'info',
          range: headRange(rc, step),
          message: `${quoteInstr(step)}: \`${src}\` matches nothing in the build context ${rc.ctx.label}, so this step copies nothing (BuildKit does not fail on an empty wildcard). ${hint}`,
        });
      }
    }
    // every missing source exists a few folders up, in the same repository: the build runs from there
    let above = 0;
    if (missing.length && rc.ctx.existsAbove) {
      for (let up = 1; up <= 4 && !above; up++) if (missing.every((m) => rc.ctx!.existsAbove!(up, m.src))) above = up;
    }
    if (above) {
      const first = missing[0]!;
      const dots = '../'.repeat(above).replace(/\/$/, '');
      out.push({
        rule: this.id,
        severity: 'warning',
        range: headRange(rc, first.step),
        message: `${missing.length === 1 ? `\`${first.src}\` is` : `${missing.length} COPY sources (\`${first.src}\`, …) are`} missing from the build context ${rc.ctx.label} but exist${missing.length === 1 ? 's' : ''} ${above} folder${above === 1 ? '' : 's'} above it (\`${dots}\`): this Dockerfile is probably built with that folder as its context (docker build -f … ${dots}). ${hint}`,
        related: missing.slice(1, 6).map((m) => ({ range: headRange(rc, m.step), message: `\`${m.src}\` exists in \`${dots}\` too` })),
        contextUp: above,
      });
    } else {
      for (const { step, src } of missing) {
        out.push({
          rule: this.id,
          severity: this.defaultSeverity,
          range: headRange(rc, step),
          message: `${quoteInstr(step)}: \`${src}\` does not exist in the build context ${rc.ctx.label}; the build fails with "not found". ${hint}`,
        });
      }
    }
    if (misplaced.length) {
      const first = misplaced[0]!;
      const up = Math.max(...misplaced.map((m) => m.up));
      out.push({
        rule: this.id,
        severity: 'warning',
        range: headRange(rc, first.step),
        message: `${misplaced.length === 1 ? `\`${first.src}\` is` : `${misplaced.length} COPY sources (\`${first.src}\`, …) are`} written relative to a folder ${up} level${up === 1 ? '' : 's'} above the build context ${rc.ctx.label}, where they do not exist: this Dockerfile is probably built with that folder as its context (docker build -f … ${'../'.repeat(up).replace(/\/$/, '')}). ${hint}`,
        related: misplaced.slice(1, 6).map((m) => ({ range: headRange(rc, m.step), message: `\`${m.src}\` is missing from this context too` })),
      });
    }
    return out;
  },
};
