// Where dockerfile-ast's parser puts each instruction (its keyword, range and keyword range), its parser directives
// and escape character, found by the same character walk without building its objects. dockerfile-ast's parse builds
// an object per instruction (JSON instructions tokenise their arguments at once, RUN/COPY/ADD twice for heredocs): that
// was most of the engine's parse time, of which parse.ts uses only these positions. Where the walk would need
// dockerfile-ast's argument tokenising — an instruction that may name a heredoc — the scan gives up (null) and the
// caller asks dockerfile-ast itself. test/unit/scan.test.ts compares the two on the corpus and on mutations of it.
// Pure: no I/O.
import type { Directive, Range, Pos } from './parse';

export interface ScannedInstruction {
  /** Upper-cased, as dockerfile-ast's getKeyword(). */
  keyword: string;
  range: Range;
  keywordRange: Range;
}

export interface Scanned {
  escape: string;
  directives: Directive[];
  instructions: ScannedInstruction[];
}

const CR = 13;
const LF = 10;
const SP = 32;
const TAB = 9;
const HASH = 35;
const LT = 60;
/** Keywords whose heredocs dockerfile-ast looks for (an ONBUILD through its trigger). */
const HEREDOC_KEYWORDS = new Set(['ADD', 'COPY', 'RUN', 'ONBUILD']);

/** The scan of `text`, or null when an instruction may hold a heredoc (dockerfile-ast must read its arguments). */
export function scanDockerfile(text: string): Scanned | null {
  return new Scanner(text).scan();
}

class Scanner {
  private readonly t: string;
  private readonly n: number;
  private readonly lineOffsets: number[];
  private escape = 92; // '\\'
  private readonly out: ScannedInstruction[] = [];
  private giveUp = false;

  constructor(text: string) {
    this.t = text;
    this.n = text.length;
    const offs = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === CR || c === LF) {
        if (c === CR && i + 1 < text.length && text.charCodeAt(i + 1) === LF) i++;
        offs.push(i + 1);
      }
    }
    this.lineOffsets = offs;
  }

  /** vscode-languageserver-textdocument's positionAt (an offset inside a line break moves before it). */
  private pos(offset: number): Pos {
    let o = Math.max(Math.min(offset, this.n), 0);
    const lo = this.lineOffsets;
    let low = 0;
    let high = lo.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (lo[mid]! > o) high = mid;
      else low = mid + 1;
    }
    const line = low - 1;
    const start = lo[line]!;
    while (o > start && isEol(this.t.charCodeAt(o - 1))) o--;
    return { line, character: o - start };
  }

  scan(): Scanned | null {
    const directives = this.directives();
    let offset = 0;
    let escape = '\\';
    for (const d of directives) {
      if (d.name === 'escape' && (d.value === '\\' || d.value === '`')) {
        escape = d.value;
        break;
      }
    }
    if (directives.length) offset = directives.length >= this.lineOffsets.length ? this.n : this.lineOffsets[directives.length]!;
    else if (this.t.charCodeAt(0) === 0xfeff) offset = 1;
    this.escape = escape.charCodeAt(0);
    const t = this.t;
    for (let i = offset; i < this.n; i++) {
      const c = t.charCodeAt(i);
      if (c === SP || c === TAB || c === CR || c === LF) continue;
      if (c === HASH) i = this.comment(i);
      else i = this.instruction(i);
      if (this.giveUp) return null;
    }
    return { escape, directives: directives.map((d) => ({ name: d.name, value: d.value, line: d.line })), instructions: this.out };
  }

  /** Parser.getParserDirectives: `# name=value` lines at the top of the file. */
  private directives(): { name: string; value: string; line: number }[] {
    const t = this.t;
    const n = this.n;
    const found: { name: string; value: string; line: number }[] = [];
    const offset = t.charCodeAt(0) === 0xfeff ? 1 : 0;
    directiveCheck: for (let i = offset; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === SP || c === TAB) continue;
      if (c !== HASH) break; // a line break (blank line) or anything else ends the directives
      let directiveStart = -1;
      let directiveEnd = -1;
      for (let j = i + 1; j < n; j++) {
        const ch = t.charCodeAt(j);
        if (ch === SP || ch === TAB) {
          if (directiveStart !== -1 && directiveEnd === -1) directiveEnd = j;
        } else if (ch === CR || ch === LF) {
          break directiveCheck;
        } else if (ch === 61 /* = */) {
          let valueStart = -1;
          let valueEnd = -1;
          if (directiveEnd === -1) directiveEnd = j;
          let lineEnd = n;
          for (let k = j + 1; k < n; k++) {
            const v = t.charCodeAt(k);
            if (v === CR || v === LF) {
              if (valueStart !== -1 && valueEnd === -1) valueEnd = k;
              lineEnd = k;
              break;
            }
            if (v === TAB || v === SP) {
              if (valueStart !== -1 && valueEnd === -1) valueEnd = k;
              continue;
            }
            if (valueStart === -1) valueStart = k;
          }
          if (directiveStart === -1) break directiveCheck; // `#=x`: a comment
          if (valueStart === -1) {
            valueStart = j + 1;
            valueEnd = lineEnd;
          } else if (valueEnd === -1) valueEnd = n;
          const name = t.slice(directiveStart, directiveEnd).toLowerCase();
          // dockerfile-ast's getDirective(): a known directive's name, else none
          found.push({ name: name === 'escape' || name === 'syntax' ? name : '', value: t.slice(valueStart, valueEnd), line: this.pos(i).line });
          i = t.charCodeAt(valueEnd) === CR ? valueEnd + 1 : valueEnd;
          continue directiveCheck;
        } else if (directiveStart === -1) directiveStart = j;
      }
      break;
    }
    return found;
  }

  /** Parser.processComment: the offset of the line break ending the comment (or the end). */
  private comment(start: number): number {
    const t = this.t;
    for (let i = start + 1; i < this.n; i++) {
      const c = t.charCodeAt(i);
      if (c === CR || c === LF) return i;
    }
    return this.n;
  }

  private add(keyword: string, start: number, keywordEnd: number, end: number): void {
    const s = this.pos(start);
    this.out.push({ keyword: keyword.toUpperCase(), keywordRange: { start: s, end: this.pos(keywordEnd) }, range: { start: s, end: this.pos(end) } });
  }

  /** Parser.processInstruction: the keyword (escapes included as dockerfile-ast keeps them), then the arguments. */
  private instruction(start: number): number {
    const t = this.t;
    const n = this.n;
    const esc = this.escape;
    let kw = t[start]!;
    let kwEnd = -1;
    let escaped = false;
    instructionCheck: for (let i = start + 1; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === esc) {
        escaped = true;
        const next = t.charCodeAt(i + 1);
        if (next === CR || next === LF) {
          if (kwEnd === -1) kwEnd = i;
          i++;
        } else if (next === SP || next === TAB) {
          for (let j = i + 2; j < n; j++) {
            const d = t.charCodeAt(j);
            if (d === SP || d === TAB) continue;
            if (d === CR || d === LF) {
              i = j;
              continue instructionCheck;
            }
            kwEnd = i + 1;
            kw += t[i]!;
            i = j - 2;
            continue instructionCheck;
          }
          kwEnd = i + 1;
          kw += t[i]!;
          break instructionCheck;
        } else {
          kwEnd = i + 1;
          kw += t[i]!;
          escaped = false;
        }
      } else if (c === SP || c === TAB) {
        if (escaped) {
          let j = i + 1;
          for (; j < n; j++) {
            const d = t.charCodeAt(j);
            if (d === SP || d === TAB) continue;
            if (d === CR || d === LF) {
              i = j;
              continue instructionCheck;
            }
            break;
          }
          escaped = false;
        }
        if (kwEnd === -1) kwEnd = i;
        const end = this.args(kw, start, i);
        this.add(kw, start, kwEnd, end);
        return end;
      } else if (c === CR || c === LF) {
        if (escaped) continue;
        if (kwEnd === -1) kwEnd = i;
        this.add(kw, start, i, i);
        return i;
      } else {
        if (c === HASH && escaped) continue;
        kwEnd = i + 1;
        kw += t[i]!;
        escaped = false;
      }
    }
    if (kwEnd === -1) kwEnd = n;
    this.add(kw, start, kwEnd, n);
    return n;
  }

  /** Parser.processArguments: the offset where the instruction ends (its line break, or the end of the text). */
  private args(kw: string, start: number, offset: number): number {
    const t = this.t;
    const n = this.n;
    const esc = this.escape;
    let escaped = false;
    argumentsCheck: for (let i = offset + 1; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === CR || c === LF) {
        if (escaped) continue;
        // dockerfile-ast looks for heredocs here (processHeredocs) and reads them with getHeredocs() later: both
        // tokenise the arguments, so an instruction that may name one is left to it
        if (this.mayHoldHeredoc(kw, start, i)) this.giveUp = true;
        return i;
      }
      if (c === esc) {
        const next = t.charCodeAt(i + 1);
        if (next === LF || next === CR) {
          escaped = true;
          i++;
        } else if (next === SP || next === TAB) {
          for (let j = i + 2; j < n; j++) {
            const d = t.charCodeAt(j);
            if (d === SP || d === TAB) continue;
            if (d === CR || d === LF) escaped = true;
            i = j;
            continue argumentsCheck;
          }
          break argumentsCheck;
        }
        continue;
      }
      if (c === HASH) {
        if (escaped) i = this.comment(i);
        continue;
      }
      if (c !== SP && c !== TAB) escaped = false;
    }
    // the end of the text: dockerfile-ast reads no heredoc here, but parse.ts asks getHeredocs() when '<<' is there
    if (this.mayHoldHeredoc(kw, start, n)) this.giveUp = true;
    return n;
  }

  /**
   * An argument starting with `<<` needs two '<' in the instruction's text (a continuation may stand between them);
   * parse.ts also asks any instruction whose lines hold `<<` for its heredocs.
   */
  private mayHoldHeredoc(kw: string, start: number, end: number): boolean {
    const t = this.t;
    const first = t.indexOf('<', start);
    if (first === -1 || first >= end) return false;
    if (HEREDOC_KEYWORDS.has(kw.toUpperCase())) {
      const second = t.indexOf('<', first + 1);
      return second !== -1 && second < end;
    }
    const pair = t.indexOf('<<', first);
    return pair !== -1 && pair + 1 < end;
  }
}

function isEol(c: number): boolean {
  return c === CR || c === LF;
}
