// mutable-base-image: FROM without a tag, or with `latest`: every step of the stage (and of stages built on it) keys
// on a moving target; when the tag moves, everything rebuilds, and until you pull, nothing does.
import { impactOf } from '../explain';
import type { Finding, Rule } from './types';
import { lineRange, plural } from './util';

/** Docker's reference grammar: path components after an optional registry host are lower-case. */
function validReference(ref: string): boolean {
  const comps = ref.replace(/:[\w][\w.-]{0,127}$/, '').split('/');
  if (comps.length > 1 && (/[.:]/.test(comps[0]!) || comps[0] === 'localhost')) comps.shift();
  return comps.length > 0 && comps.every((c) => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(c));
}

export const mutableBaseImage: Rule = {
  id: 'mutable-base-image',
  title: 'Base image without a pinned tag',
  defaultSeverity: 'warning',
  description: 'FROM an image without a tag or with :latest. Every layer keys on whatever that tag points to when the builder resolves it, so builds are not reproducible and a tag move rebuilds every step. Pin a version tag or a digest.',
  check(rc) {
    const out: Finding[] = [];
    const { model } = rc;
    for (const stage of model.stages) {
      if (stage.base.kind !== 'image') continue;
      const ref = stage.base.ref.replace(/ \(.*\)$/, '');
      if (!ref || ref.includes('$') || ref.includes('@')) continue;
      // not an image reference at all (`FROM REPLACE-ME`, a template placeholder): the build fails on the name itself
      if (!validReference(ref)) continue;
      const lastSeg = ref.split('/').pop()!;
      const tag = lastSeg.includes(':') ? lastSeg.split(':').pop()! : null;
      if (tag !== null && tag !== 'latest') continue;
      const first = stage.steps[0];
      const n = stage.steps.length + (first !== undefined ? impactOf(model, first).rebuilt.filter((i) => model.steps[i]!.stage !== stage.index).length : 0);
      out.push({
        rule: this.id,
        severity: this.defaultSeverity,
        range: lineRange(stage.line, model.parsed.lines[stage.line] ?? ''),
        message: `\`${ref}\` ${tag === null ? 'has no tag (it means :latest)' : 'uses :latest'}: ${n ? `${plural(n, 'step')} key${n === 1 ? 's' : ''} on a moving target — when the tag moves they all rebuild` : 'the image is whatever the tag points to when the builder resolves it'}, and builds on different machines differ. Pin a version (e.g. \`${ref.replace(/:[^/:]*$/, '')}:<version>\`) or a digest.`,
      });
    }
    return out;
  },
};
