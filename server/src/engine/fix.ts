// Applying fixes: one at a time, re-checking after each, so overlapping fixes never corrupt the text. Pure: the
// caller writes the results. Edits to the ignore file are applied to an overlay snapshot between rounds.
import type { ContextEntry, ContextSnapshot } from './context';
import { check, type CheckOptions } from './check';
import type { Finding } from './rules/types';
import { applyEdits } from './rules/util';

export interface FixAllResult {
  text: string;
  /** New ignore-file text when a fix changed it (null when untouched). */
  ignoreText: string | null;
  ignoreName: string;
  applied: { rule: string; title: string; line: number }[];
}

/** A snapshot with a different ignore file (the rest delegated). */
export function withIgnoreFile(ctx: ContextSnapshot, name: string, text: string): ContextSnapshot {
  return {
    label: ctx.label,
    paths: () => withFile(ctx.paths(), name),
    entry: (p: string): ContextEntry | undefined => ctx.entry(p) ?? (p === name ? { type: 'file', mode: 0o644, size: text.length } : undefined),
    contentId: (p: string) => (p === name ? 'ignore:' + text : ctx.contentId(p)),
    ignoreFile: { name, text },
    modeGranularity: ctx.modeGranularity,
    problems: ctx.problems,
    partial: ctx.partial,
    readText: (p: string) => (p === name ? text : ctx.readText?.(p)),
  };
}

function* withFile(paths: Iterable<string>, name: string): Iterable<string> {
  let seen = false;
  for (const p of paths) {
    if (p === name) seen = true;
    yield p;
  }
  if (!seen) yield name;
}

export function fixAll(text: string, ctx: ContextSnapshot | null, options: CheckOptions = {}, only?: (f: Finding) => boolean, maxRounds = 50): FixAllResult {
  let cur = text;
  let snap = ctx;
  let ignoreText: string | null = null;
  const ignoreName = ctx?.ignoreFile?.name ?? '.dockerignore';
  const applied: FixAllResult['applied'] = [];
  const tried = new Set<string>();
  for (let round = 0; round < maxRounds; round++) {
    const { findings } = check(cur, snap, options);
    const next = findings.find((f) => f.fix && (!only || only(f)) && !tried.has(f.rule + '@' + f.range.start.line + ':' + f.message));
    if (!next || !next.fix) break;
    tried.add(next.rule + '@' + next.range.start.line + ':' + next.message);
    const dEdits = next.fix.edits.filter((e) => e.file === 'dockerfile');
    const iEdits = next.fix.edits.filter((e) => e.file === 'dockerignore');
    const before = cur;
    cur = applyEdits(cur, dEdits);
    if (iEdits.length) {
      const base = ignoreText ?? snap?.ignoreFile?.text ?? '';
      ignoreText = applyEdits(base, iEdits);
      if (snap) snap = withIgnoreFile(snap, ignoreName, ignoreText);
    }
    if (cur !== before || iEdits.length) applied.push({ rule: next.rule, title: next.fix.title, line: next.range.start.line });
  }
  return { text: cur, ignoreText, ignoreName, applied };
}
