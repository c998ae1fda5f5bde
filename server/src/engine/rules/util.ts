// Small helpers shared by rules: ranges, edits, instruction text, stage walks. Pure.
import type { ContextSnapshot } from '../context';
import type { DockerIgnore } from '../dockerignore';
import type { ConfigInstruction, Model, Step } from '../model';
import type { Range } from '../parse';
import { splitWords } from '../expand';
import { runScript, shellKind } from '../shell';
import { isTreeCheck } from './managers';
import type { RuleContext, TextEdit } from './types';
import { fmtInt } from '../format';

export function lineRange(line: number, text: string): Range {
  return { start: { line, character: 0 }, end: { line, character: text.length } };
}

/** The range of an instruction's first line (where a squiggle belongs for multi-line instructions). */
export function headRange(rc: RuleContext, step: Step): Range {
  const r = step.range;
  const first = rc.model.parsed.lines[r.start.line] ?? '';
  if (r.start.line === r.end.line) return r;
  return { start: r.start, end: { line: r.start.line, character: first.replace(/\s*\\\s*$/, '').length } };
}

/** Source text of whole lines [start, end]. */
export function linesText(rc: RuleContext, start: number, end: number): string {
  return rc.model.parsed.lines.slice(start, end + 1).join('\n');
}

export function insertBefore(line: number, text: string): TextEdit {
  return { file: 'dockerfile', range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: text.endsWith('\n') ? text : text + '\n' };
}

export function deleteLines(start: number, end: number): TextEdit {
  return { file: 'dockerfile', range: { start: { line: start, character: 0 }, end: { line: end + 1, character: 0 } }, newText: '' };
}

export function replaceLines(rc: RuleContext, start: number, end: number, text: string): TextEdit {
  const last = rc.model.parsed.lines[end] ?? '';
  return { file: 'dockerfile', range: { start: { line: start, character: 0 }, end: { line: end, character: last.length } }, newText: text };
}

/** Steps of a stage in order. */
export function stageSteps(model: Model, stage: number): Step[] {
  return model.stages[stage]!.steps.map((i) => model.steps[i]!);
}

/** Config instructions (ENV, ARG, USER, SHELL, …) strictly between two lines of one stage. */
export function configBetween(model: Model, stage: number, fromLine: number, toLine: number): ConfigInstruction[] {
  return model.config.filter((c) => c.stage === stage && c.line > fromLine && c.line < toLine);
}

/** True when nothing between the two lines changes what a RUN sees (ENV/ARG/USER/SHELL/ONBUILD). */
export function nothingAffectingBetween(model: Model, stage: number, fromLine: number, toLine: number): boolean {
  return configBetween(model, stage, fromLine, toLine).every((c) => c.affects === 'none');
}

/** The destination word of a COPY/ADD as written (unexpanded). */
export function copyDestWord(step: Step): string {
  const words = splitWords(step.instruction.replace(/^\S+\s+/, '').replace(/^(--\S+\s+)*/, ''));
  if (words[0]?.startsWith('[')) {
    try {
      const arr = JSON.parse(step.instruction.replace(/^\S+\s+/, '').replace(/^(--\S+\s+)*/, '')) as string[];
      return arr[arr.length - 1] ?? '.';
    } catch {
      return '.';
    }
  }
  return words[words.length - 1] ?? '.';
}

/** Flags of a COPY/ADD as written, e.g. `--chown=app:app ` (with a trailing space), minus --from/--link/--exclude/--parents. */
export function copyFlagsText(step: Step): string {
  const m = /^\S+\s+((?:--\S+\s+)*)/.exec(step.instruction);
  if (!m) return '';
  return m[1]!
    .split(/\s+/)
    .filter((f) => /^--(chown|chmod)=/.test(f))
    .map((f) => f + ' ')
    .join('');
}

export function plural(n: number, word: string, pl = word + 's'): string {
  return `${fmtInt(n)} ${n === 1 ? word : pl}`;
}

export function quoteInstr(step: Step, n = 50): string {
  const s = step.instruction;
  return '`' + (s.length > n ? s.slice(0, n - 1) + '…' : s) + '`';
}

/** Applies text edits (all on one document) and returns the new text. Edits must not overlap. */
export function applyEdits(text: string, edits: { range: Range; newText: string }[]): string {
  const lines = text.split('\n');
  const offsetOf = (p: { line: number; character: number }): number => {
    let off = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) off += lines[i]!.length + 1;
    if (p.line >= lines.length) return text.length;
    return off + Math.min(p.character, lines[p.line]!.length);
  };
  const sorted = edits
    .map((e) => ({ s: offsetOf(e.range.start), e: offsetOf(e.range.end), t: e.newText }))
    .sort((a, b) => b.s - a.s || b.e - a.e);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.s) + e.t + out.slice(e.e);
  return out;
}

/** The home directory of the user a RUN runs as, when it can be known. */
export function homeOf(user: string): string | null {
  const u = user.split(':')[0] ?? '';
  if (u === '' || u === 'root' || u === '0') return '/root';
  return null;
}

export function isWindowsStage(model: Model, stage: number): boolean {
  return stageOs(model, stage) === 'windows';
}

/**
 * What a stage's RUNs run on: Windows (a Windows image anywhere in the chain of stages it is built on, the backtick
 * escape, a PowerShell or cmd SHELL), unknown (the image at the root of its chain comes from an ARG with no value: it
 * may be a Windows image), else Linux. A zsh, fish or python SHELL is Linux; `runScript` leaves its scripts unread.
 */
export function stageOs(model: Model, stage: number): 'windows' | 'linux' | 'unknown' {
  const s = model.stages[stage]!;
  if (model.escape === '`' || shellKind(s.shellAtEnd[0] ?? '/bin/sh') === 'windows') return 'windows';
  const seen = new Set<number>();
  let b = s.base;
  while (b.kind === 'stage' && !seen.has(b.stage)) {
    seen.add(b.stage);
    b = model.stages[b.stage]!.base;
  }
  if (b.kind !== 'image') return 'linux';
  const ref = b.ref.toLowerCase();
  if (/windows|nanoserver|servercore|mcr\.microsoft\.com\/(powershell|dotnet\/framework)/.test(ref)) return 'windows';
  return ref === '' ? 'unknown' : 'linux';
}

/** Every in-stage `ARG` instruction with its declared words (`NAME` or `NAME=default`). */
export function stageArgs(model: Model): { cfg: ConfigInstruction; words: string[] }[] {
  const out: { cfg: ConfigInstruction; words: string[] }[] = [];
  let byLine: Map<number, Model['parsed']['instructions'][number]> | null = null;
  for (const cfg of model.config) {
    if (cfg.keyword !== 'ARG' || cfg.stage === null) continue;
    byLine ??= new Map(model.parsed.instructions.map((x) => [x.range.start.line, x]));
    const ins = byLine.get(cfg.line);
    if (ins) out.push({ cfg, words: splitWords(ins.args, model.escape) });
  }
  return out;
}

/**
 * A RUN that reads the whole build context on purpose: it bind-mounts the context root, or it runs only checks
 * (linters, validators, tests, generators: `isTreeCheck`) after a COPY/ADD of the whole context in its stage. Such a
 * step is meant to rerun whenever anything in the tree changes.
 */
export function readsWholeTree(model: Model, step: Step): boolean {
  if (step.keyword !== 'RUN') return false;
  if (step.contextReads.some((r) => r.sources.includes(''))) return true;
  const before = stageSteps(model, step.stage).filter((s) => s.line < step.line);
  if (!before.some((s) => (s.keyword === 'COPY' || s.keyword === 'ADD') && s.contextReads.some((r) => r.sources.includes('')))) return false;
  const rs = runScript(step);
  if (!rs || !rs.parsed) return false;
  const real = rs.commands.filter((c) => !['set', 'cd', 'echo', 'export', 'true', 'mkdir', 'rm', 'printf'].includes((c.words[0] ?? '').replace(/^.*\//, '')));
  return real.length > 0 && real.every(isTreeCheck);
}

/**
 * Is a literal COPY source in the build context before the ignore file applies? 'maybe' when a folder on its path is
 * excluded entirely and absent, so a crawler may have pruned it without looking inside (ContextSnapshot.paths).
 */
export function sourcePresence(ctx: ContextSnapshot, ig: DockerIgnore, src: string): 'yes' | 'no' | 'maybe' {
  if (ctx.entry(src)) return 'yes';
  // crawlers prune folders, never files: the last segment counts only when it is written as a folder (or has no dot)
  const parts = src.replace(/\/$/, '').split('/');
  const upTo = src.endsWith('/') || !parts[parts.length - 1]!.includes('.') ? parts.length : parts.length - 1;
  for (let i = 1; i <= upTo; i++) {
    const dir = parts.slice(0, i).join('/');
    if (ctx.entry(dir)) continue;
    return ig.canSkipDir(dir) ? 'maybe' : 'no';
  }
  return 'no';
}

/** Submodule paths declared in the context's `.gitmodules` (when the snapshot can read it). */
export function submodulePaths(ctx: ContextSnapshot): string[] {
  const text = ctx.entry('.gitmodules') ? ctx.readText?.('.gitmodules') : undefined;
  if (!text) return [];
  return [...text.matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)].map((m) => m[1]!.replace(/^\.\//, '').replace(/\/$/, ''));
}
