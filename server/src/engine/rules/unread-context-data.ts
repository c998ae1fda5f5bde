// unread-context-data: the build makes BuildKit transfer large context data that no step reads (a tmpfs mount sends
// the whole context, `COPY --exclude` patterns apply after the transfer). Sizes from engine/sizes.ts.
import { contextSizes, fmtBytes, unreadBytes, unreadGroups, type FileSize } from '../sizes';
import { ignoreEdit } from './context-includes-volatile';
import type { Finding, Rule } from './types';
import { headRange, plural } from './util';

/** Default threshold: 50 MB (decimal, as docker prints sizes). */
export const UNREAD_CONTEXT_LIMIT = 50_000_000;
/** At most this many ignore patterns in one fix (the largest unread folders or files). */
const MAX_PATTERNS = 10;

const DOCKERFILE_LIKE = /(^|\/)(Dockerfile|Containerfile)(\.[^/]*)?$|\.(Dockerfile|dockerfile)$/;

export const unreadContextData: Rule = {
  id: 'unread-context-data',
  title: 'The build transfers context data no step reads',
  defaultSeverity: 'warning',
  description:
    'BuildKit transfers only the context paths the build names, but a tmpfs mount makes it transfer the whole context and COPY --exclude patterns apply after the transfer: data no step reads is still walked on every build and sent in full to a fresh builder (CI). Reported from 50 MB on (`unreadContextLimit` in .layerwise.yaml); exclude it in .dockerignore when no step of any stage reads it.',
  check(rc) {
    const ctx = rc.ctx;
    if (!ctx || ctx.partial) return [];
    const limit = rc.unreadContextLimit ?? UNREAD_CONTEXT_LIMIT;
    // the unread bytes first: they need the sizes of the unread files only (a stat each on disk), and most builds
    // leave less than the limit unread
    const unread = unreadBytes(rc.model, ctx, rc.sent);
    if (unread === null || unread < limit) return [];
    const sizes = contextSizes(rc.model, ctx, rc.sent);
    if (sizes.unreadBytes === null || sizes.unreadBytes < limit || sizes.contextBytes === null) return [];
    const needed = rc.model.steps.filter((s) => rc.model.stages[s.stage]?.needed && !s.trigger);
    const at = (sizes.whole && needed.find((s) => s.line === sizes.whole!.line)) || needed.find((s) => s.contextReads.some((r) => r.excludes.length)) || needed[0];
    if (!at) return [];
    const why = sizes.whole
      ? `the ${at.keyword} at line ${at.line + 1} ${sizes.whole.why}`
      : `the --exclude patterns of line ${at.line + 1} apply after the transfer`;
    // the largest unread folders and files, until they hold 95% of the unread bytes (small leftovers are not worth a pattern)
    const groups: FileSize[] = [];
    let covered = 0;
    for (const g of unreadGroups(rc.model, ctx, rc.sent, sizes)) {
      if (groups.length === MAX_PATTERNS || covered >= 0.95 * sizes.unreadBytes) break;
      groups.push(g);
      covered += g.bytes;
    }
    const top = (groups.length ? groups : sizes.unreadLargest).slice(0, 5).map((f) => `${f.path} (${fmtBytes(f.bytes)})`).join(', ');
    const f: Finding = {
      rule: this.id,
      severity: this.defaultSeverity,
      range: headRange(rc, at),
      message:
        `This build transfers ${fmtBytes(sizes.contextBytes)} of context (${plural(sizes.contextFiles, 'file')}); ${fmtBytes(sizes.unreadBytes)} of it (${plural(sizes.unreadFiles, 'file')}) no step reads: ${why}. ` +
        `Largest: ${top}. BuildKit walks it on every build and a fresh builder (CI) receives all of it.`,
    };
    const title = `Exclude ${groups.map((g) => g.path).join(', ')} in ${rc.ignoreName}`;
    // a shared .dockerignore also decides what other Dockerfiles of the context send: their reads are not known here
    const others = rc.ignoreName === '.dockerignore' ? rc.sent.filter((p) => p !== rc.dockerfile && DOCKERFILE_LIKE.test(p)) : [];
    if (!groups.length) return [f];
    if (others.length) {
      f.fixRefused = { title, reason: `${rc.ignoreName} also applies to ${others.length === 1 ? others[0] : plural(others.length, 'other Dockerfile')}, whose reads are not checked here` };
      f.message += ` No fix offered: ${f.fixRefused.reason}.`;
      return [f];
    }
    const patterns = groups.map((g) => g.path);
    f.fix = { title, edits: [ignoreEdit(rc, patterns, 'keep context data no step reads out of the transfer')], effect: { ignore: { patterns, step: at.id } } };
    return [f];
  },
};
