// copy-source-missing: a COPY/ADD source that matches nothing in the build context: the build fails.
import { parseDockerignore } from '../dockerignore';
import type { Finding, Rule } from './types';
import { headRange, quoteInstr } from './util';

export const copySourceMissing: Rule = {
  id: 'copy-source-missing',
  title: 'COPY source missing from the build context',
  defaultSeverity: 'error',
  description: 'A COPY/ADD source matches nothing in the build context, so the build stops with "not found" (or "no source files were specified" for a wildcard).',
  check(rc) {
    if (!rc.ctx || rc.ctx.partial) return [];
    const ig = parseDockerignore(rc.ignoreText ?? '');
    const out: Finding[] = [];
    for (const step of rc.model.steps) {
      if (step.trigger || !rc.model.stages[step.stage]) continue;
      const reads = rc.reads.get(step.id);
      if (!reads) continue;
      const all = step.contextReads.flatMap((r) => r.sources);
      for (const src of reads.unmatched) {
        if (src === '' || src.includes('$')) continue;
        // a wildcard that matches nothing is fine as long as another source matches (the `COPY x* noop.txt` idiom)
        if (/[*?[]/.test(src) && all.some((o) => !reads.unmatched.includes(o))) continue;
        if (!/[*?[]/.test(src) && ig.ignores(src)) continue; // copy-ignored-file says it better
        const wildcard = /[*?[]/.test(src);
        out.push({
          rule: this.id,
          severity: wildcard ? 'info' : this.defaultSeverity,
          range: headRange(rc, step),
          message: /[*?[]/.test(src)
            ? `${quoteInstr(step)}: \`${src}\` matches nothing in the build context ${rc.ctx.label}, so this step copies nothing (BuildKit does not fail on an empty wildcard). If the build uses another context, set it in .layerwise.yaml.`
            : `${quoteInstr(step)}: \`${src}\` does not exist in the build context ${rc.ctx.label}; the build fails with "not found". If the build uses another context, set it in .layerwise.yaml.`,
        });
      }
    }
    return out;
  },
};
