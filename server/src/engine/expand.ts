// Docker's word expansion (the Dockerfile frontend's shell lexer, not a POSIX shell): `$VAR`, `${VAR}`,
// `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`, `${VAR:?msg}`, `${VAR#pat}`, `${VAR%pat}`, and
// single/double quotes, with the Dockerfile's escape character. Used for FROM, COPY, ADD, WORKDIR, ENV, ARG, USER.
// RUN is never expanded by the frontend (the shell does it at run time, with the step's env).
import { ANY, compileRegexSubset, lit, nfaMatchEnds, nfaSearch, type Nfa } from './nfa';

export type Env = ReadonlyMap<string, string>;

export interface ExpandResult {
  value: string;
  /** Variable names the word referenced (whether or not they had a value). */
  used: string[];
}

export function expandWord(word: string, env: Env, escape = '\\'): ExpandResult {
  const used: string[] = [];
  let i = 0;
  const n = word.length;
  let out = '';

  const readName = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i));
    if (m) {
      i += m[0].length;
      return m[0];
    }
    return '';
  };

  const lookup = (name: string): string | undefined => {
    used.push(name);
    return env.get(name);
  };

  const readBraced = (): string => {
    // after "${"
    const name = readName();
    if (!name) {
      // not a valid expansion: keep literally up to the closing brace
      const close = word.indexOf('}', i);
      const lit = close < 0 ? word.slice(i) : word.slice(i, close + 1);
      i = close < 0 ? n : close + 1;
      return '${' + lit;
    }
    const value = lookup(name);
    if (word[i] === '}') {
      i++;
      return value ?? '';
    }
    let op = '';
    if (word[i] === ':' && '-+?'.includes(word[i + 1] ?? '')) {
      op = word.slice(i, i + 2);
      i += 2;
    } else if ('-+?'.includes(word[i] ?? '')) {
      op = word[i]!;
      i += 1;
    } else if (word.startsWith('##', i) || word.startsWith('%%', i)) {
      op = word.slice(i, i + 2);
      i += 2;
    } else if (word[i] === '#' || word[i] === '%' || word[i] === '/') {
      op = word[i]!;
      i += 1;
      if (op === '/' && word[i] === '/') {
        op = '//';
        i++;
      }
    }
    // the operand runs to the matching close brace (nested ${...} allowed)
    let depth = 1;
    const start = i;
    while (i < n && depth > 0) {
      if (word[i] === escape && i + 1 < n) i += 2;
      else {
        if (word[i] === '{') depth++;
        else if (word[i] === '}') depth--;
        i++;
      }
    }
    const rawOperand = word.slice(start, depth === 0 ? i - 1 : i);
    const operand = expandWord(rawOperand, env, escape).value;
    used.push(...expandWord(rawOperand, env, escape).used);
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (op) {
      case ':-':
        return nonEmpty ? value! : operand;
      case '-':
        return set ? value! : operand;
      case ':+':
        return nonEmpty ? operand : '';
      case '+':
        return set ? operand : '';
      case ':?':
      case '?':
        return value ?? '';
      case '#':
      case '##':
        return trimPattern(value ?? '', operand, 'prefix', op === '##');
      case '%':
      case '%%':
        return trimPattern(value ?? '', operand, 'suffix', op === '%%');
      case '/':
      case '//': {
        const slash = operand.indexOf('/');
        const pat = slash < 0 ? operand : operand.slice(0, slash);
        const rep = slash < 0 ? '' : operand.slice(slash + 1);
        if (!pat) return value ?? '';
        return replacePattern(value ?? '', pat, rep, op === '//');
      }
      default:
        return value ?? '';
    }
  };

  const readDollar = (): string => {
    // at "$"
    i++;
    if (word[i] === '{') {
      i++;
      return readBraced();
    }
    const name = readName();
    if (!name) return '$';
    return lookup(name) ?? '';
  };

  while (i < n) {
    const c = word[i]!;
    if (c === escape) {
      // an escaped character is literal (the escape itself is dropped); an escape that ends the word is dropped too
      // (measured on BuildKit 0.8: JSON-form `COPY ["a*\\", …]` is the pattern `a*`)
      out += word[i + 1] ?? '';
      i += 2;
    } else if (c === "'") {
      const close = word.indexOf("'", i + 1);
      const end = close < 0 ? n : close;
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < n && word[i] !== '"') {
        // in double quotes the escape character escapes `"`, `$` and itself only (`"p\\q"` is `p\q`, `"p\q"` stays
        // `p\q`: measured on BuildKit 0.8)
        const next = word[i + 1];
        if (word[i] === escape && (next === '"' || next === '$' || next === escape)) {
          out += next;
          i += 2;
        } else if (word[i] === '$') out += readDollar();
        else out += word[i++];
      }
      i++; // the closing quote (BuildKit refuses a word whose quote is not closed; this reads it to the end)
    } else if (c === '$') {
      out += readDollar();
    } else {
      out += c;
      i++;
    }
  }
  return { value: out, used };
}

function trimPattern(value: string, pattern: string, side: 'prefix' | 'suffix', longest: boolean): string {
  // the prefixes (or, on reversed strings, suffixes) of the value the pattern matches, in one linear pass
  const rev = (x: string) => Array.from(x).reverse().join('');
  const v = side === 'prefix' ? value : rev(value);
  const ends = nfaMatchEnds(globNfa(side === 'prefix' ? pattern : rev(pattern)), v);
  if (!ends.length) return value;
  const k = longest ? ends[ends.length - 1]! : ends[0]!;
  return side === 'prefix' ? value.slice(k) : rev(v.slice(k));
}

/** `${v/pat/rep}`: the leftmost match, longest at that start (a shell pattern: `*` and `?`). */
function replacePattern(value: string, pattern: string, rep: string, all: boolean): string {
  const nfa = globNfa(pattern);
  let out = '';
  let i = 0;
  while (i <= value.length) {
    const m = nfaSearch(nfa, value, i);
    if (!m) break;
    const [start, end] = m;
    out += value.slice(i, start) + rep;
    if (end === start) {
      if (start < value.length) out += value[start];
      i = start + 1;
    } else i = end;
    if (!all) break;
  }
  return i <= value.length ? out + value.slice(i) : out;
}

/** A shell pattern (`*` any characters, `?` one, the rest literal) as a linear-time matcher (engine/nfa.ts). */
function globNfa(glob: string): Nfa {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += ANY + '*';
    else if (ch === '?') re += ANY;
    else re += lit(ch);
  }
  return compileRegexSubset(re);
}

/**
 * The words of a shell-form COPY or ADD: BuildKit splits them at whitespace and nothing else (quotes and escapes do
 * not join words; measured on BuildKit 0.8: `COPY a\\ b /t/` copies `a` and `b`, `COPY "a b" /t/` fails on the
 * unmatched quote of `"a`). Each word is then expanded on its own.
 */
export function splitFields(text: string): string[] {
  return text.match(/[^ \t\r\n]+/g) ?? [];
}

/** Splits an instruction's argument text into words the way the frontend does (whitespace outside quotes). */
export function splitWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      cur += c;
      if (c === escape && quote === '"' && i + 1 < text.length) cur += text[++i];
      else if (c === quote) quote = null;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    cur += c;
    if (c === escape && i + 1 < text.length) cur += text[++i];
    else if (c === '"' || c === "'") quote = c;
  }
  if (inWord) words.push(cur);
  return words;
}
