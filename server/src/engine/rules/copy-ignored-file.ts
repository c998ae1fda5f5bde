// copy-ignored-file: a COPY/ADD source that .dockerignore excludes. Excluded files are never sent to the builder
// (semantics §5.4), so the COPY fails with "not found" or silently copies less than it names. A source that is not in
// the context at all is a missing source (copy-source-missing), not an ignore problem: no `!` exception for it.
import { parseDockerignore } from '../dockerignore';
import type { Finding, Rule } from './types';
import { headRange, quoteInstr, sourcePresence } from './util';

export const copyIgnoredFile: Rule = {
  id: 'copy-ignored-file',
  title: 'COPY of a path excluded by .dockerignore',
  defaultSeverity: 'error',
  description: 'A COPY/ADD source is excluded by .dockerignore. Excluded paths are never sent to the builder, so the build fails with "not found" (or copies less than it names).',
  check(rc) {
    if (!rc.ctx || rc.ignoreText === null) return [];
    const ig = parseDockerignore(rc.ignoreText);
    const out: Finding[] = [];
    for (const step of rc.model.steps) {
      if (step.trigger) continue;
      for (const read of step.contextReads) {
        for (const src of read.sources) {
          if (src === '' || /[*?[]/.test(src)) continue;
          const d = ig.decide(src);
          if (!d.ignored) continue;
          const present = sourcePresence(rc.ctx, ig, src);
          if (present === 'no') continue; // not there at all: copy-source-missing reports it
          const pat = ig.patterns[d.pattern];
          const where = `${rc.ignoreName}${pat ? ` line ${pat.line} (\`${pat.text}\`)` : ''}`;
          out.push({
            rule: this.id,
            severity: this.defaultSeverity,
            range: headRange(rc, step),
            message:
              present === 'yes'
                ? `${quoteInstr(step)} copies \`${src}\`, which ${where} excludes: it is never sent to the builder, so this ${step.keyword} fails with "not found". Remove the pattern or add \`!${src}\` after it.`
                : `${quoteInstr(step)} copies \`${src}\`, which ${where} excludes together with its whole folder: whether or not it exists, it is never sent to the builder, so this ${step.keyword} fails with "not found".`,
          });
        }
      }
    }
    return out;
  },
};
