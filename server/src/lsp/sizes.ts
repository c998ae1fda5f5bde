// Sizes in the editor: the hover line and lens part of a COPY/ADD that takes files from the build context, from the
// engine's contextSizes (computed with the analysis). Translation only.
import { fmtBytes, sizesSummary, type Step } from '../engine';
import type { DocAnalysis } from './analysis';
import { fmtInt } from '../engine/format';

const code = (s: string) => '`' + s.replace(/`/g, "'") + '`';

/** "adds 48.2 MB from the context: 1,284 files; largest `assets/video.mp4` 31.0 MB" (null: not a context copy). */
export function sizeHoverLine(a: DocAnalysis, step: Step): string | null {
  const s = a.sizes?.steps.get(step.id);
  if (!s) return null;
  const files = `${fmtInt(s.addsFiles)} file${s.addsFiles === 1 ? '' : 's'}`;
  if (s.addsBytes === null) return `**Size:** ${files} from the context; bytes in the layer unknown: ${s.unknown}`;
  const big = s.largest[0] && s.addsFiles > 1 ? `; largest ${code(s.largest[0].path)} ${fmtBytes(s.largest[0].bytes)}` : '';
  return `**Size:** adds ${fmtBytes(s.addsBytes)} from the context: ${files}${big}`;
}

/** The hover with the size line after its first line (the step's header). */
export function withSizeLine(md: string, a: DocAnalysis, step: Step): string {
  const line = sizeHoverLine(a, step);
  if (!line) return md;
  const k = md.indexOf('\n');
  return k < 0 ? md + '\n\n' + line : md.slice(0, k) + '\n\n' + line + md.slice(k);
}

/** A lens title with ` · +48.2 MB` at its end for a context copy of known size. */
export function withSizeLens(title: string, a: DocAnalysis, step: Step): string {
  const s = a.sizes?.steps.get(step.id);
  return s && s.addsBytes !== null ? `${title} · +${fmtBytes(s.addsBytes)}` : title;
}

/** The status bar's context size (`31.0 MB sent`) and its tooltip line; null without a context. */
export function contextSizeStatus(a: DocAnalysis): { short: string; summary: string } | null {
  if (!a.sizes) return null;
  return { short: a.sizes.contextBytes === null ? 'size unknown' : `${fmtBytes(a.sizes.contextBytes)} sent`, summary: sizesSummary(a.sizes) };
}
