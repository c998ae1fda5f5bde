// needless-divergence: a RUN that another build of the workspace (compose service, bake target, sibling Dockerfile)
// runs on the same shared parent, with the same commands, but written with other spacing or line breaks. BuildKit keys
// a RUN by its exact text, so the two are built twice and so is everything after them. The fix writes it as the other
// build does; it is offered only when the re-analysed step has the other's exact key material.
import type { Finding, Rule } from './types';
import { applyEdits, plural } from './util';

export const needlessDivergence: Rule = {
  id: 'needless-divergence',
  title: 'Step written differently from another build that shares its parent',
  defaultSeverity: 'info',
  description:
    'Another build of the workspace runs the same commands on the same shared layers, but the RUN is written with other spacing or line breaks. BuildKit keys a RUN by its exact text, so the two builds stop sharing here. Write it as the other build does.',
  check(rc) {
    const out: Finding[] = [];
    if (rc.formattingTwins === false) return out; // no formatting divergence possible: spare the comparison
    const sh = rc.shared;
    if (!sh) return out;
    const done = new Set<number>();
    for (const d of sh.divergences) {
      if (d.reasons[0]?.kind !== 'formatting' || d.otherText === undefined || done.has(d.step)) continue;
      // one direction only: the build whose Dockerfile sorts later adopts the other's text (the two never swap)
      if ((d.other.dockerfile + '\u0000' + d.other.name).localeCompare(sh.dockerfile + '\u0000' + sh.name) > 0) continue;
      const step = rc.model.steps[d.step]!;
      done.add(d.step);
      const msg = `\`${d.other.dockerfile}\` (${d.other.name}) runs the same commands on the same shared layers at line ${d.other.line}, written differently: BuildKit keys a RUN by its exact text, so ${plural(d.lost, 'step')} from here ${d.lost === 1 ? 'is' : 'are'} built twice instead of once.`;
      const edit = { file: 'dockerfile' as const, range: step.range, newText: d.otherText };
      // proof: with the edit, this step has the other's cache key (it is shared with it), and no step that was
      // shared before stops being shared
      const after = rc.reshare?.(applyEdits(rc.text, [edit]));
      const nowStep = after?.model.steps.find((x) => x.line === step.line && x.keyword === 'RUN');
      const safe =
        !!after &&
        !!nowStep &&
        after.model.steps.length === rc.model.steps.length &&
        (after.sharedWith.get(nowStep.id) ?? []).some((r) => r.member === d.other.member && r.line === d.other.line) &&
        [...sh.sharedWith.keys()].every((id) => after.sharedWith.has(id));
      out.push({
        rule: 'needless-divergence',
        severity: 'info',
        range: { start: step.range.start, end: { line: step.range.start.line, character: rc.text.split('\n')[step.range.start.line]?.length ?? step.range.start.character } },
        message: msg,
        related: [],
        ...(safe ? { fix: { title: `Write it as ${d.other.dockerfile} line ${d.other.line}`, edits: [edit] } } : {}),
      });
    }
    return out;
  },
};
