// Parsing: dockerfile-ast finds instructions, their ranges, heredocs and parser directives; this module turns each
// instruction into the logical line BuildKit's parser produces (continuations joined, comment and blank lines inside
// a continuation dropped, leading/trailing whitespace stripped — measured rule i / semantics §5.16) and splits off
// the flags. Pure: no I/O.
import { BoundedCache } from './memo';
import { DockerfileParser } from 'dockerfile-ast';
import { splitWords } from './expand';
import { scanDockerfile } from './scan';

export interface Pos {
  line: number; // 0-based
  character: number;
}
export interface Range {
  start: Pos;
  end: Pos;
}

export interface Flag {
  name: string;
  value: string | null;
}

export interface ParsedInstruction {
  keyword: string; // upper-cased
  range: Range;
  /** Range of the keyword itself. */
  keywordRange: Range;
  /** The logical line as BuildKit sees it, keyword included, heredoc bodies appended after "\n". */
  logical: string;
  /** Flags (`--name=value`) in order. */
  flags: Flag[];
  /** Everything after the keyword and flags on the logical line (heredoc bodies excluded). */
  args: string;
  /** The JSON array when the arguments are in JSON (exec) form. */
  json: string[] | null;
  heredocs: { name: string; body: string }[];
  /** For ONBUILD: the trigger instruction. */
  trigger?: ParsedInstruction;
  /** Original source text of the whole instruction (for display). */
  source: string;
}

export interface Directive {
  name: string;
  value: string;
  line: number;
}

export interface ParsedDockerfile {
  escape: string;
  directives: Directive[];
  instructions: ParsedInstruction[];
  lines: string[];
}

const FLAG_RE = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/;

export interface ParseOptions {
  /**
   * Files with at least this many lines are parsed stage by stage (see parseDockerfile). Default 200; tests lower it
   * to check that the chunked parse equals the whole-file parse.
   */
  chunkMinLines?: number;
}

/**
 * Parses a Dockerfile. Long files are cut before each top-level FROM into chunks that dockerfile-ast parses on their
 * own, and each chunk's result is cached by its text: an edit re-parses one stage, not the file (dockerfile-ast costs
 * ~10 µs per line and grows faster than linearly). A cut is made only where no continuation or heredoc can span it,
 * so the result equals parseWhole's (tested on the corpus and on mutated files).
 */
export function parseDockerfile(text: string, opts: ParseOptions = {}): ParsedDockerfile {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length < (opts.chunkMinLines ?? 200)) return parseWhole(text, lines);
  const head = directiveBlock(lines);
  const escape = head.escape;
  const cuts = stageCuts(lines, escape);
  if (cuts.length < 2) return parseWhole(text, lines);
  const starts = lineStarts(text);
  const instructions: ParsedInstruction[] = [];
  const bounds = [0, ...cuts, lines.length];
  for (let c = 0; c + 1 < bounds.length; c++) {
    const from = bounds[c]!;
    const chunk = text.slice(starts[from], bounds[c + 1]! < lines.length ? starts[bounds[c + 1]!] : text.length);
    // a chunk after the first does not start the file: tell dockerfile-ast the escape character with a directive line
    const prefix = c > 0 && escape !== '\\' ? `# escape=${escape}\n` : '';
    for (const p of cachedChunk(prefix + chunk, escape, from - (prefix ? 1 : 0))) instructions.push(p);
  }
  return { escape, directives: head.directives, instructions, lines };
}

/** The whole-file parse (the reference the chunked parse must equal). */
export function parseWhole(text: string, lines: string[] = text.split(/\r\n|\r|\n/)): ParsedDockerfile {
  const { escape, directives, instructions } = readInstructions(text);
  return { escape, directives, instructions: instructionsOf(instructions, lines, escape), lines };
}

/** An instruction where dockerfile-ast's parser puts it. */
interface RawInstruction {
  keyword: string; // upper-cased
  range: Range;
  keywordRange: Range;
  /** dockerfile-ast's getHeredocs() names (asked only when the instruction's lines hold `<<`). */
  heredocNames(): string[];
}

const NO_HEREDOCS = (): string[] => [];

/**
 * Directives, escape character and instruction positions as dockerfile-ast's parser finds them: from scan.ts's walk,
 * or from dockerfile-ast itself when an instruction may hold a heredoc (finding one needs its argument tokens).
 */
export function readInstructions(text: string): { escape: string; directives: Directive[]; instructions: RawInstruction[] } {
  const scanned = scanDockerfile(text);
  if (scanned) return { escape: scanned.escape, directives: scanned.directives, instructions: scanned.instructions.map((i) => ({ ...i, heredocNames: NO_HEREDOCS })) };
  return parseWithAst(text);
}

/** The same from dockerfile-ast's objects (the reference scan.ts must equal: test/unit/scan.test.ts). */
export function parseWithAst(text: string): { escape: string; directives: Directive[]; instructions: RawInstruction[] } {
  const df = DockerfileParser.parse(text);
  const escape = df.getEscapeCharacter() || '\\';
  const directives = df.getDirectives().map((d) => ({
    name: (d.getDirective() ?? '').toLowerCase(),
    value: d.getValue() ?? '',
    line: d.getRange().start.line,
  }));
  const instructions = df.getInstructions().map((ins) => ({
    keyword: ins.getKeyword().toUpperCase(),
    range: ins.getRange(),
    keywordRange: ins.getInstructionRange(),
    heredocNames: () => {
      const anyIns = ins as unknown as { getHeredocs?: () => { getName(): string }[] };
      if (typeof anyIns.getHeredocs !== 'function') return [];
      try {
        return anyIns.getHeredocs().map((h) => h.getName());
      } catch {
        // dockerfile-ast throws on some malformed delimiters (`RUN <<'EOF''`): no heredoc names, as for any other text
        return [];
      }
    },
  }));
  return { escape, directives, instructions };
}

function instructionsOf(raw: RawInstruction[], lines: string[], escape: string): ParsedInstruction[] {
  const instructions: ParsedInstruction[] = [];
  let skipUntil = -1;
  for (const ins of raw) {
    if (ins.range.start.line <= skipUntil) continue;
    const p = toParsed(ins, lines, escape);
    const extra = missedHeredocs(p, lines);
    if (extra) {
      p.heredocs.push(...extra.heredocs);
      p.range = { start: p.range.start, end: { line: extra.endLine, character: (lines[extra.endLine] ?? '').length } };
      p.logical = p.logical + '\n' + extra.heredocs.map((h) => h.body + '\n' + h.name).join('\n');
      p.source = sliceRange(lines, p.range);
      skipUntil = extra.endLine;
    }
    instructions.push(p);
  }
  return instructions;
}

/** Parser directives and the escape character, from the comment lines that open the file. */
function directiveBlock(lines: string[]): { escape: string; directives: Directive[] } {
  let n = 0;
  while (n < lines.length && /^\s*(#.*)?$/.test(lines[n]!)) n++;
  const { escape, directives } = readInstructions(lines.slice(0, n).join('\n'));
  return { escape, directives };
}

/**
 * Lines where a chunk may start: a top-level FROM that no continuation or heredoc can reach. Errs on the side of
 * not cutting: any line ending in the escape character (comments included) continues, and every `<<WORD` outside a
 * heredoc body opens one (as missedHeredocs would read it) until its terminator; an unterminated one stops cutting.
 */
export function stageCuts(lines: string[], escape: string): number[] {
  const cuts: number[] = [];
  const contRe = new RegExp(escapeRe(escape) + '[ \\t]*$');
  let cont = false;
  const pending: string[] = [];
  let sawInstruction = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (pending.length && !cont) {
      const name = pending[0]!;
      if (line === name || line.replace(/^\t+/, '') === name || line.trim() === name) pending.shift();
      continue;
    }
    const t = line.trimStart();
    if (t === '') continue;
    if (!cont && !pending.length && sawInstruction && /^from(\s|$)/i.test(t)) cuts.push(i);
    if (t[0] === '#') {
      cont = cont || contRe.test(line);
      continue;
    }
    sawInstruction = true;
    cont = contRe.test(line);
    if (line.includes('<<')) for (const m of line.matchAll(HEREDOC_START)) pending.push(m[4]!);
  }
  // an unterminated heredoc (or a trailing continuation) may swallow what follows its start: drop later cuts
  if (pending.length || cont) return [];
  return cuts;
}

/** Offset where each line starts (lines end at \r\n, \r or \n, as in the split the parser uses). */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) out.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      out.push(i + 1);
    }
  }
  return out;
}

const CHUNK_CACHE_MAX = 4096;
/** Parsed chunks by escape + text: the instructions at line 0, and the last shifted copy handed out. */
// weight: the key (UTF-16) and the parsed instructions, a few times the text
const chunkCache = new BoundedCache<string, { base: ParsedInstruction[]; shift: number; shifted: ParsedInstruction[] }>('parsed chunks', CHUNK_CACHE_MAX, (k) => k.length * 8);

export function clearParseCache(): void {
  chunkCache.clear();
}

/** The chunk's instructions moved down by `shift` lines (the same objects as last time when it has not moved). */
function cachedChunk(chunk: string, escape: string, shift: number): ParsedInstruction[] {
  const key = escape + '\u0000' + chunk;
  let hit = chunkCache.get(key);
  if (!hit) {
    const base = instructionsOf(readInstructions(chunk).instructions, chunk.split(/\r\n|\r|\n/), escape);
    hit = { base, shift: -1, shifted: [] };
    chunkCache.set(key, hit);
  }
  if (hit.shift !== shift) {
    hit.shifted = hit.base.map((p) => shifted(p, shift));
    hit.shift = shift;
  }
  return hit.shifted;
}

function shiftRange(r: Range, by: number): Range {
  return { start: { line: r.start.line + by, character: r.start.character }, end: { line: r.end.line + by, character: r.end.character } };
}

/**
 * A copy of a cached instruction with its ranges moved down by `by` lines. Flags, JSON and heredocs are shared with
 * the cache: nothing mutates a parsed instruction after parsing.
 */
function shifted(p: ParsedInstruction, by: number): ParsedInstruction {
  const out: ParsedInstruction = { ...p, range: shiftRange(p.range, by), keywordRange: shiftRange(p.keywordRange, by) };
  if (p.trigger) out.trigger = shifted(p.trigger, by);
  return out;
}

const HEREDOC_START = /(?:^|[^<\w])(\d*)<<(-?)[ \t]*(["']?)([A-Za-z_][A-Za-z0-9_]*)\3/g;

/**
 * Heredocs dockerfile-ast does not see (a file-descriptor prefix such as `5<<EOF`, which BuildKit accepts): their
 * bodies would otherwise be parsed as instructions. Only for RUN/COPY/ADD, as in BuildKit.
 */
function missedHeredocs(p: ParsedInstruction, lines: string[]): { heredocs: { name: string; body: string }[]; endLine: number } | null {
  if (!['RUN', 'COPY', 'ADD'].includes(p.keyword)) return null;
  const first = p.logical.split('\n')[0] ?? '';
  if (!first.includes('<<')) return null;
  const known = new Set(p.heredocs.map((h) => h.name));
  const names: { name: string; strip: boolean }[] = [];
  for (const m of first.matchAll(HEREDOC_START)) if (!known.has(m[4]!)) names.push({ name: m[4]!, strip: m[2] === '-' });
  if (!names.length) return null;
  let l = p.range.end.line + 1;
  const heredocs: { name: string; body: string }[] = [];
  for (const { name, strip } of names) {
    const body: string[] = [];
    let found = false;
    for (; l < lines.length; l++) {
      const text = lines[l]!;
      if ((strip ? text.replace(/^\t+/, '') : text) === name) {
        found = true;
        l++;
        break;
      }
      body.push(text);
    }
    if (!found) return null; // unterminated: leave dockerfile-ast's reading alone
    heredocs.push({ name, body: body.join('\n') });
  }
  return { heredocs, endLine: l - 1 };
}

function toParsed(ins: RawInstruction, lines: string[], escape: string): ParsedInstruction {
  const range = ins.range;
  // getHeredocs() re-tokenises the instruction: only ask when a heredoc operator can be there
  const heredocNames = rawHas(lines, range, '<<') ? ins.heredocNames() : [];
  const { logicalFirst, heredocs } = logicalLine(lines, range, escape, heredocNames);
  const source = sliceRange(lines, range);
  const parsed = splitInstruction(logicalFirst, escape);
  const result: ParsedInstruction = {
    keyword: ins.keyword,
    range,
    keywordRange: ins.keywordRange,
    logical: heredocs.length ? logicalFirst + '\n' + heredocs.map((h) => h.body + '\n' + h.name).join('\n') : logicalFirst,
    flags: parsed.flags,
    args: parsed.args,
    json: parsed.json,
    heredocs,
    source,
  };
  if (result.keyword === 'ONBUILD') {
    const kw = /^\S+/.exec(parsed.args)?.[0] ?? '';
    const innerSplit = splitInstruction(parsed.args, escape);
    result.trigger = {
      keyword: kw.toUpperCase(),
      range,
      keywordRange: range,
      logical: parsed.args,
      flags: innerSplit.flags,
      args: innerSplit.args,
      json: innerSplit.json,
      heredocs: [],
      source: parsed.args,
    };
  }
  return result;
}

function rawHas(lines: string[], r: Range, needle: string): boolean {
  for (let l = r.start.line; l <= r.end.line && l < lines.length; l++) if (lines[l]!.includes(needle)) return true;
  return false;
}

function sliceRange(lines: string[], r: Range): string {
  if (r.start.line === r.end.line) return (lines[r.start.line] ?? '').slice(r.start.character, r.end.character);
  const out = [(lines[r.start.line] ?? '').slice(r.start.character)];
  for (let l = r.start.line + 1; l < r.end.line; l++) out.push(lines[l] ?? '');
  out.push((lines[r.end.line] ?? '').slice(0, r.end.character));
  return out.join('\n');
}

/**
 * Joins an instruction's physical lines as BuildKit's parser does: a line ending in the escape character (optionally
 * followed by spaces/tabs) continues; the escape and the newline are removed and nothing else; comment lines and
 * empty lines inside a continuation are dropped. Heredoc bodies (after the first logical line) are kept verbatim.
 */
function logicalLine(
  lines: string[],
  range: Range,
  escape: string,
  heredocNames: string[],
): { logicalFirst: string; heredocs: { name: string; body: string }[] } {
  const contRe = new RegExp(escapeRe(escape) + '[ \\t]*$');
  let out = '';
  let l = range.start.line;
  let first = true;
  for (; l <= range.end.line && l < lines.length; l++) {
    let text = lines[l] ?? '';
    if (first) text = text.slice(range.start.character);
    if (!first) {
      const t = text.trimStart();
      if (t.startsWith('#')) continue;
      if (t === '') continue;
    }
    first = false;
    const m = contRe.exec(text);
    if (m) {
      out += text.slice(0, m.index);
      continue;
    }
    out += text;
    l++;
    break;
  }
  const heredocs: { name: string; body: string }[] = [];
  for (const name of heredocNames) {
    const body: string[] = [];
    let found = false;
    for (; l <= range.end.line && l < lines.length; l++) {
      const text = lines[l] ?? '';
      if (text.replace(/^\t+/, '') === name || text.trim() === name) {
        found = true;
        l++;
        break;
      }
      body.push(text);
    }
    heredocs.push({ name, body: body.join('\n') });
    if (!found) break;
  }
  return { logicalFirst: out.trim(), heredocs };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits `KEYWORD --a=b --c args…` into flags and the argument text; detects JSON form. */
export function splitInstruction(logical: string, escape: string): { flags: Flag[]; args: string; json: string[] | null } {
  let rest = logical.replace(/^\S+\s*/, '');
  const flags: Flag[] = [];
  for (;;) {
    const m = /^--\S*/.exec(rest);
    if (!m) break;
    // a flag value may contain quotes with spaces: take one quote-aware word
    const word = splitWords(rest, escape)[0] ?? m[0];
    const fm = FLAG_RE.exec(word);
    if (!fm) break;
    flags.push({ name: fm[1]!.toLowerCase(), value: fm[2] === undefined ? null : unquote(fm[2]) });
    rest = rest.slice(word.length).replace(/^\s+/, '');
  }
  let json: string[] | null = null;
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) json = v as string[];
    } catch {
      json = null;
    }
  }
  return { flags, args: rest.trim(), json };
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}
