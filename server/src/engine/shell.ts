// The commands a RUN executes, from a real shell parse (mvdan/sh) of its script. Windows shells (cmd, PowerShell)
// and scripts that do not parse fall back to splitting on command separators. Memoised per script text. Pure.
import { BoundedCache } from './memo';
import { memoized } from './memo';
import type * as MvdanSh from 'mvdan-sh';
import { stepOrigin, type Step } from './model';

export interface ShellCommand {
  /** Words with quotes removed (best effort for words with expansions). */
  words: string[];
  /** Offsets of the command in the script (UTF-16). */
  start: number;
  end: number;
}

/** Where a `[[ … ]]` test clause is in a script (UTF-16 offsets): it is no command, so `commands` has no entry for it. */
export interface TestSpan {
  start: number;
  end: number;
}

export interface RunScript {
  script: string;
  commands: ShellCommand[];
  /** The `[[ … ]]` test clauses (from the full parser; the plain subset has none, a fallback split lists `[[` as a word). */
  tests: TestSpan[];
  /** False when the shell is not POSIX-like or the script did not parse (commands come from a plain split). */
  parsed: boolean;
}

type Parse = { commands: ShellCommand[]; parsed: boolean; tests: TestSpan[] };
const memo = new BoundedCache<string, Parse>('shell parses', 5000, (k, v) => k.length * 2 + v.commands.length * 256);
// mvdan-sh is a large GopherJS module: load it on the first script that needs a full parse, not at startup
let sh: typeof MvdanSh | null = null;
let parser: ReturnType<typeof MvdanSh.syntax.NewParser> | null = null;
type ShFile = Parameters<typeof MvdanSh.syntax.Walk>[0];

function unquote(w: string): string {
  let out = '';
  for (let i = 0; i < w.length; i++) {
    const c = w[i]!;
    if (c === "'") {
      const j = w.indexOf("'", i + 1);
      out += w.slice(i + 1, j < 0 ? w.length : j);
      i = j < 0 ? w.length : j;
    } else if (c === '"') continue;
    else if (c === '\\' && i + 1 < w.length) out += w[++i];
    else out += c;
  }
  return out;
}

function byteToCharMapper(s: string): (b: number) => number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return (b) => b;
  const map: number[] = [];
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i)!;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) map[b + k] = i;
    b += n;
    if (cp >= 0x10000) i++;
  }
  map[b] = s.length;
  return (x) => map[x] ?? s.length;
}

export function splitFallback(script: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  const re = /&&|\|\||;|\||\n|&(?!&)/g;
  let last = 0;
  const push = (a: number, b: number) => {
    const text = script.slice(a, b);
    const words = text.trim().split(/\s+/).filter(Boolean).map(unquote);
    if (words.length) out.push({ words, start: a, end: b });
  };
  let m: RegExpExecArray | null;
  while ((m = re.exec(script))) {
    push(last, m.index);
    last = m.index + m[0].length;
  }
  push(last, script.length);
  return out;
}

/**
 * What the plain reader takes inside `${…}`: a parameter (a name, digits, or one of `@*#?!-`), its length
 * (`#PARAM`), or the parameter and a default, alternative, error, trim, replace or case operator followed by any
 * plain text. Indirection, arrays, substrings and `@` operators are the parser's (mvdan/sh rejects `${}`, `${-x}`,
 * `${A:}`, `${A@}`, `${1a}`, `${#A:-x}` …).
 */
/** The reserved words of the compound commands the plain reader takes (`case`, `select`, `[[` … are the parser's). */
/**
 * A word's text as the walk gives it: a word of literal characters only (escapes included, no quote or expansion) is
 * mvdan's `Lit()`, as written, backslashes kept; any other is its source unquoted.
 */
function wordValue(raw: string): string {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') i++;
    else if (c === "'" || c === '"' || c === '$') return unquote(raw);
  }
  return raw;
}

/** A redirection operator, with the file descriptor before it. */
const REDIR = /^[0-9]*(&>>?|>>|>\||>&|<&|<<<|<<|<>|>|<)/;

const COMPOUND_WORD = /^(?:if|then|elif|else|fi|for|while|until|do|done)$/;

const PARAM_EXP = /^(?:#?(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?!-])|(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?!-])(?::?[-=+?]|##?|%%?|\/\/?|\^\^?|,,?)[^]*)$/;

/**
 * The commands of a script in the plain subset of the shell language, or null when the script leaves that subset
 * (then only the real parser, mvdan/sh, reads it). The subset: simple commands of words, `NAME=value` prefixes and
 * redirections (`>`, `>>`, `<`, `2>&1`, `&>`, `<<<` …), joined by `&&`, `||`, `|`, `;`, `&` and newlines; brace
 * groups `{ list; }` (the apt fix of `missing-cache-mount` writes one: reading it must not load the parser),
 * subshells `( list )`, `if`/`elif`/`else`, `for NAME in WORD…; do`, `while`/`until`, each with redirections after it;
 * words of plain characters, backslash escapes, `'…'`, `"…"`, `$NAME` / `${NAME…}` expansions and command
 * substitutions `$(list)` (bare or inside `"…"`) of a list in this same subset; line continuations between words.
 * Anything else — backquotes, `$((…))`, `case`, other keywords, here-documents, comments, a line continuation inside a
 * word — returns null. Within the subset the answer is the parser's: the same words (quotes removed as parseScript does) and
 * offsets (first to last word or assignment of each command), in the order its walk visits them (a command, then the
 * commands substituted in its assignments, its words and its redirections), which test/unit/shell.test.ts checks on
 * every RUN of the corpus and on generated scripts. The mvdan/sh parse costs milliseconds a script (GopherJS); this
 * is linear.
 */
export function plainCommands(script: string): ShellCommand[] | null {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(script)) return null;
  const n = script.length;
  /** `$` followed by a name, a digit, a special parameter or `{` (not `$(`, `$'…'`, `$"…"`, `$[`). */
  const dollarOk = (j: number): boolean => /[A-Za-z_{0-9@*#?$!-]/.test(script[j + 1] ?? '');
  /**
   * The `}` closing the `${` whose `{` is at `j`, when nothing inside needs the parser and what is inside is a
   * parameter the parser takes (`PARAM`, `#PARAM`, or `PARAM` and one of the operators of PARAM_EXP); else -1.
   */
  const braceEnd = (j: number): number => {
    for (let k = j + 1; k < n; k++) {
      const d = script[k]!;
      if (d === '}') return PARAM_EXP.test(script.slice(j + 1, k)) ? k : -1;
      if (d === '{' || d === '$' || d === '`' || d === "'" || d === '"' || d === '\\' || d === '\n') return -1;
    }
    return -1;
  };
  /** After the `)` closing the `$(` whose `(` is at `j` (its commands appended to `found`), or -1 outside the subset. */
  const substEnd = (j: number, found: ShellCommand[]): number => {
    if (script[j + 1] === '(') return -1; // `$((`: arithmetic
    const r = list(j + 1, true);
    if (!r) return -1;
    for (const c of r.commands) found.push(c);
    return r.end;
  };
  /**
   * The end of the word starting at `j` (j itself: no word there), or -1 when it leaves the subset; the commands of
   * its substitutions go to `found`. Inside a substitution (`nested`) a `)` ends the word.
   */
  const wordEnd = (j: number, nested: boolean, found: ShellCommand[]): number => {
    while (j < n) {
      const c = script[j]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === ';' || c === '&' || c === '|' || c === '<' || c === '>') return j;
      if (c === "'") {
        const k = script.indexOf("'", j + 1);
        if (k < 0) return -1;
        j = k + 1;
      } else if (c === '"') {
        let k = j + 1;
        while (k < n && script[k] !== '"') {
          const d = script[k]!;
          if (d === '`') return -1;
          if (d === '\\') {
            // an escape inside double quotes; a line continuation there is the parser's
            if (k + 1 >= n || script[k + 1] === '\n' || script[k + 1] === '\r') return -1;
            k += 2;
            continue;
          }
          if (d === '$') {
            if (script[k + 1] === '(') {
              if ((k = substEnd(k + 1, found)) < 0) return -1;
              continue;
            }
            if (!dollarOk(k)) return -1;
            if (script[k + 1] === '{' && (k = braceEnd(k + 1)) < 0) return -1;
          }
          k++;
        }
        if (k >= n) return -1;
        j = k + 1;
      } else if (c === '$') {
        if (script[j + 1] === '(') {
          if ((j = substEnd(j + 1, found)) < 0) return -1;
        } else if (!dollarOk(j)) return -1;
        else if (script[j + 1] === '{') {
          const k = braceEnd(j + 1);
          if (k < 0) return -1;
          j = k + 1;
        } else j++;
      } else if (c === ')' && nested) return j;
      else if (c === '\\') {
        // an escaped character is part of the word; a line continuation inside a word is the parser's
        if (j + 1 >= n || script[j + 1] === '\n' || script[j + 1] === '\r') return -1;
        j += 2;
      } else if ('`(){}#'.includes(c)) return -1;
      else j++;
    }
    return j;
  };
  /**
   * The word from `i` to `e` ends in digits right before a redirection operator that the parser may read as its file
   * descriptor: after a quote or an expansion (`"x"2>f`, `$12>f`: the word is `$1`) or as a whole word (`>&2>f`, which
   * it rejects). A literal word (`x2>f`) keeps its digits.
   */
  const fdAhead = (i: number, e: number): boolean => {
    if (script[e] !== '<' && script[e] !== '>') return false;
    const w = script.slice(i, e);
    return /[0-9]$/.test(w) && (/^[0-9]+$/.test(w) || /['"$]/.test(w));
  };
  /**
   * The commands of the list starting at `from`: up to the end of the script, or (`nested`, the list of a `$(`) up
   * to its closing `)`, with the offset after it.
   */
  const list = (from: number, nested: boolean): { commands: ShellCommand[]; end: number } | null => {
    const out: ShellCommand[] = [];
    let words: string[] = [];
    let start = -1;
    let end = -1;
    /** The commands substituted in the current command's assignments, words and redirections (the walk's order). */
    let inAssigns: ShellCommand[] = [];
    let inWords: ShellCommand[] = [];
    let inRedirs: ShellCommand[] = [];
    /** The current command has a word, an assignment or a redirection. */
    let has = false;
    /** A declaration (`export A=1`): the parser's DeclClause, not a call. */
    let decl = false;
    /** After `&&`, `||`, `|` or `{`: a command must follow (newlines in between are blank). */
    let need = false;
    /**
     * The groups and compound commands open, innermost last: `{`, `(` (a subshell), `if`/`elif` (their condition),
     * `then`/`else` (a body), `while` (the condition of a while or until loop), `do` (a loop's body).
     */
    const open: string[] = [];
    const top = (): string | undefined => open[open.length - 1];
    /** Inside a subshell a `)` ends a word, as it does in a substitution. */
    const inParen = (): boolean => nested || open.includes('(');
    /** Right after a group's `}`: only an operator, a newline or the end may follow. */
    let closed = false;
    const finish = () => {
      if (words.length && !decl) out.push({ words: words.map(wordValue), start, end });
      for (const c of inAssigns) out.push(c);
      for (const c of inWords) out.push(c);
      for (const c of inRedirs) out.push(c);
      words = [];
      inAssigns = [];
      inWords = [];
      inRedirs = [];
      start = end = -1;
      has = decl = closed = false;
    };
    const startToken = (at: number) => {
      need = false;
      has = true;
      if (start < 0) start = at;
    };
    let i = from;
    while (i < n) {
      const c = script[i]!;
      if (c === ' ' || c === '\t') {
        i++;
        continue;
      }
      if (c === '\\' && script[i + 1] === '\n') {
        // a line continuation between words is blank; right after a word it would join two words (an escape that
        // starts a word is the word's)
        if (i > 0 && !' \t\n;&|'.includes(script[i - 1]!)) return null;
        i += 2;
        continue;
      }
      if (c === '\n') {
        if (!need) finish();
        i++;
        continue;
      }
      if (c === ')' && top() === '(') {
        // a subshell's end: its list must be complete and not empty
        if (need) return null;
        finish();
        open.pop();
        has = closed = true;
        i++;
        continue;
      }
      if (c === ')' && nested) {
        // the substitution's end: its list must be complete
        if (need || open.length) return null;
        finish();
        return { commands: out, end: i + 1 };
      }
      const op = /^(?:&&|\|\||[;|]|&(?!>))/.exec(script.slice(i, i + 2))?.[0];
      if (op) {
        if (!has || /^(?:\|&|;;|;&|&&&|\|\|\|)/.test(script.slice(i, i + 3))) return null;
        finish();
        need = op !== ';' && op !== '&';
        i += op.length;
        continue;
      }
      // after a group or a compound command (`}`, `)`, `fi`, `done`) only its redirections: the walk visits their
      // substitutions after the commands inside it
      if (closed && !REDIR.test(script.slice(i, i + 16))) return null;
      // `{` and `}` are reserved words only where a command starts, followed by a blank (`}`: or an operator)
      if (!has && (c === '{' || c === '}')) {
        const next = script[i + 1];
        if (c === '{' && (next === ' ' || next === '\t' || next === '\n')) {
          open.push('{');
          need = true;
          i++;
          continue;
        }
        if (c === '}' && top() === '{' && !need && (next === undefined || ' \t\n;&|'.includes(next) || (next === ')' && inParen()))) {
          open.pop();
          has = closed = true;
          i++;
          continue;
        }
      }
      // a subshell where a command starts (`((` is an arithmetic command: the parser's)
      if (!has && c === '(') {
        if (script[i + 1] === '(') return null;
        open.push('(');
        need = true;
        i++;
        continue;
      }
      // a redirection; digits right before its operator are its file descriptor
      const redir = REDIR.exec(script.slice(i, i + 16));
      if (redir) {
        if (decl) return null;
        const after = script[i + redir[0].length];
        if (redir[1] === '<<' || redir[1] === '<>' || after === '(' || after === '<' || after === '>') return null; // here-documents
        startToken(i);
        if (words.length === 0 && start === i) start = -1; // a redirection is not part of the call's extent
        i += redir[0].length;
        while (i < n && (script[i] === ' ' || script[i] === '\t')) i++;
        const e = wordEnd(i, inParen(), inRedirs);
        if (e <= i) return null;
        if (fdAhead(i, e)) return null;
        i = e;
        continue;
      }
      const found: ShellCommand[] = [];
      const e = wordEnd(i, inParen(), found);
      if (e <= i || fdAhead(i, e)) return null;
      const raw = script.slice(i, e);
      if (!has && COMPOUND_WORD.test(raw)) {
        // a reserved word where a command starts: it opens, continues or closes a compound command, whose commands
        // the walk visits in source order (condition, then body, then what follows)
        const t = top();
        if (raw === 'if' || raw === 'while' || raw === 'until') {
          open.push(raw === 'if' ? 'if' : 'while');
          need = true;
        } else if (raw === 'for') {
          const h = forHeader(e, found);
          if (h < 0) return null;
          for (const x of found) out.push(x);
          open.push('do');
          need = true;
          i = h;
          continue;
        } else if (need) return null; // then, elif, else, fi, do, done: after a complete, non-empty list only
        else if (raw === 'then' && (t === 'if' || t === 'elif')) open[open.length - 1] = 'then';
        else if ((raw === 'elif' || raw === 'else') && t === 'then') open[open.length - 1] = raw;
        else if (raw === 'do' && t === 'while') open[open.length - 1] = 'do';
        else if ((raw === 'fi' && (t === 'then' || t === 'else')) || (raw === 'done' && t === 'do')) {
          open.pop();
          has = closed = true;
          i = e;
          continue;
        } else return null;
        if (raw !== 'if' && raw !== 'while' && raw !== 'until') need = true;
        i = e;
        continue;
      }
      if (!words.length && /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(raw)) {
        // an assignment before the command: in its extent, not one of its words
        startToken(i);
        end = e;
        for (const x of found) inAssigns.push(x);
      } else {
        if (!words.length) {
          if (/^[A-Za-z_][A-Za-z0-9_]*\[/.test(raw)) return null; // an array element assignment
          if (/^(?:if|then|else|elif|fi|for|while|until|do|done|case|esac|function|select|time|coproc|in|let|!|\[\[|\]\])$/.test(raw)) return null;
          decl = /^(?:export|declare|local|readonly|typeset)$/.test(raw);
          if (decl && has) return null; // after a redirection or an assignment the parser may read it as a call
        }
        // the parser checks a declaration's operands: names, assignments and flags are all the subset takes
        else if (decl && !/^(?:-[A-Za-z]+|[A-Za-z_][A-Za-z0-9_]*(?:\+?=[^]*)?)$/.test(raw)) return null;
        startToken(i);
        words.push(raw);
        end = e;
        for (const x of found) inWords.push(x);
      }
      i = e;
    }
    if (nested || need || open.length) return null;
    finish();
    return { commands: out, end: n };
  };
  /**
   * After `for` (at `from`): ` NAME in WORD…; do` (or a newline before `do`), the words' substituted commands appended
   * to `found`; the offset after `do`, or -1 outside the subset (no `in`, an empty list, `for ((…))`, anything else).
   */
  const forHeader = (from: number, found: ShellCommand[]): number => {
    const blanks = (j: number): number => {
      while (j < n && (script[j] === ' ' || script[j] === '\t')) j++;
      return j;
    };
    let j = blanks(from);
    if (j === from) return -1;
    const name = /^[A-Za-z_][A-Za-z0-9_]*(?=[ \t])/.exec(script.slice(j, j + 256));
    if (!name) return -1;
    j = blanks(j + name[0].length);
    if (!/^in[ \t]/.test(script.slice(j, j + 3))) return -1;
    j = blanks(j + 2);
    let items = 0;
    while (j < n && script[j] !== ';' && script[j] !== '\n') {
      const e = wordEnd(j, false, found);
      if (e <= j || fdAhead(j, e)) return -1;
      const c = script[e];
      if (c !== undefined && c !== ' ' && c !== '\t' && c !== ';' && c !== '\n') return -1;
      items++;
      j = blanks(e);
    }
    if (!items || j >= n) return -1;
    j++;
    while (j < n && (script[j] === ' ' || script[j] === '\t' || script[j] === '\n')) j++;
    if (!/^do(?=[ \t\n])/.test(script.slice(j, j + 3))) return -1;
    return j + 2;
  };
  return list(0, false)?.commands ?? null;
}

/** Scripts over either limit are not given to the full parser (the corpus: at most 4,802 characters, 363 words). */
export const MAX_PARSED_SCRIPT_CHARS = 32 * 1024;
export const MAX_PARSED_SCRIPT_WORDS = 2000;

function wordCount(script: string): number {
  let n = 0;
  const re = /\S+/g;
  while (re.exec(script) && ++n <= MAX_PARSED_SCRIPT_WORDS);
  return n;
}

export function parseScript(script: string): Parse {
  const hit = memo.get(script);
  if (hit) return hit;
  let result: Parse;
  const plain = plainCommands(script);
  if (plain) result = { commands: plain, parsed: true, tests: [] };
  else if (script.length > MAX_PARSED_SCRIPT_CHARS || wordCount(script) > MAX_PARSED_SCRIPT_WORDS) {
    // the full parser costs ~0.2 ms a syntax node (walking its tree dominates): a 100 KB line of words held the
    // language server's worker for 15 s and more. Far past any real script: split, and marked as not parsed
    result = { commands: splitFallback(script), parsed: false, tests: [] };
  } else {
    try {
      result = { ...shellParse(script), parsed: true };
    } catch {
      result = { commands: splitFallback(script), parsed: false, tests: [] };
    }
  }
  memo.set(script, result);
  return result;
}

/** The commands of a script from the real parser (mvdan/sh); throws when the script does not parse. */
export function shellCommands(script: string): ShellCommand[] {
  return shellParse(script).commands;
}

type ShellParse = { commands: ShellCommand[]; tests: TestSpan[] };

/** The commands and `[[ … ]]` test clauses of a script from the real parser; throws when the script does not parse. */
export function shellParse(script: string): ShellParse {
  const file = mvdanParse(script);
  try {
    const direct = internalCommands(file, script);
    if (direct) return direct;
  } catch {
    // a tree this reader does not know: the public walk below reads it
  }
  return walkCommands(file, script);
}

/** The same from mvdan/sh's public `syntax.Walk` (the reference `shellParse` is tested against). */
export function walkedParse(script: string): ShellParse {
  return walkCommands(mvdanParse(script), script);
}

/** The commands of `walkedParse`. */
export function walkedCommands(script: string): ShellCommand[] {
  return walkedParse(script).commands;
}

function mvdanParse(script: string): ShFile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sh ??= require('mvdan-sh') as typeof MvdanSh;
  parser ??= sh.syntax.NewParser();
  return parser.Parse(script, '');
}

/** The word of a call as the commands give it: its literal value, else its source text unquoted. */
function wordText(lit: string, script: string, toChar: (b: number) => number, from: number, to: number): string {
  return lit !== '' ? lit : unquote(script.slice(toChar(from), toChar(to)));
}

function walkCommands(file: ShFile, script: string): ShellParse {
  const syntax = sh!.syntax;
  const toChar = byteToCharMapper(script);
  const commands: ShellCommand[] = [];
  const tests: TestSpan[] = [];
  syntax.Walk(file, (node) => {
    if (node && syntax.NodeType(node) === 'TestClause') tests.push({ start: toChar(node.Pos().Offset()), end: toChar(node.End().Offset()) });
    if (node && syntax.NodeType(node) === 'CallExpr') {
      const call = node as unknown as { Args: { Lit(): string; Pos(): { Offset(): number }; End(): { Offset(): number } }[] } & typeof node;
      if (call.Args.length) {
        const words = call.Args.map((w) => wordText(w.Lit(), script, toChar, w.Pos().Offset(), w.End().Offset()));
        commands.push({ words, start: toChar(node.Pos().Offset()), end: toChar(node.End().Offset()) });
      }
    }
    return true;
  });
  return { commands, tests };
}

/**
 * The children `syntax.Walk` visits for each node type, in its order (mvdan-sh 0.10.1's walk.go; comments hold no
 * commands and are skipped; `A.B` is field B of the non-node struct in field A).
 */
const WALKED: Record<string, readonly string[]> = {
  File: ['Stmts'], Comment: [], Stmt: ['Cmd', 'Redirs'], Assign: ['Name', 'Value', 'Index', 'Array'], Redirect: ['N', 'Word', 'Hdoc'],
  CallExpr: ['Assigns', 'Args'], Subshell: ['Stmts'], Block: ['Stmts'], IfClause: ['Cond', 'Then', 'Else'], WhileClause: ['Cond', 'Do'],
  ForClause: ['Loop', 'Do'], WordIter: ['Name', 'Items'], CStyleLoop: ['Init', 'Cond', 'Post'], BinaryCmd: ['X', 'Y'], FuncDecl: ['Name', 'Body'],
  Word: ['Parts'], Lit: [], SglQuoted: [], DblQuoted: ['Parts'], CmdSubst: ['Stmts'], ParamExp: ['Param', 'Index', 'Repl.Orig', 'Repl.With', 'Exp.Word'],
  ArithmExp: ['X'], ArithmCmd: ['X'], BinaryArithm: ['X', 'Y'], BinaryTest: ['X', 'Y'], UnaryArithm: ['X'], UnaryTest: ['X'], ParenArithm: ['X'],
  ParenTest: ['X'], CaseClause: ['Word', 'Items'], CaseItem: ['Patterns', 'Stmts'], TestClause: ['X'], DeclClause: ['Args'], ArrayExpr: ['Elems'],
  ArrayElem: ['Index', 'Value'], ExtGlob: ['Pattern'], ProcSubst: ['Stmts'], TimeClause: ['Stmt'], CoprocClause: ['Name', 'Stmt'], LetClause: ['Exprs'],
  TestDecl: ['Description', 'Body'],
};

const utf8 = new TextDecoder();
/** A Go string inside GopherJS holds UTF-8 bytes, one per JavaScript char (converted only when handed out). */
function goString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : utf8.decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
}

/** A GopherJS value of the parsed tree: a struct pointer, a slice, a nil pointer or interface. */
interface GoValue {
  constructor: { string?: string; nil?: unknown };
  [field: string]: unknown;
}
interface GoPos {
  Offset(): number;
}
interface GoNode extends GoValue {
  Pos(): GoPos;
  End(): GoPos;
}

/**
 * `walkCommands` without the walk: `syntax.Walk` hands every node to JavaScript through GopherJS's conversion
 * (~50 µs a node, most of a script's cost), so this reads the Go structs behind the parsed file directly, visiting
 * what `syntax.Walk` visits in its order and calling the same methods (Lit, Pos, End) on them. Null when the file
 * is not the GopherJS wrapper this expects; throws on a node type it does not know (then the caller walks).
 * test/unit/shell.test.ts checks it gives what walkCommands gives on every RUN of the corpus and generated scripts.
 */
function internalCommands(file: ShFile, script: string): ShellParse | null {
  const root = (file as unknown as { __internal_object__?: GoValue }).__internal_object__;
  if (!root || root.constructor.string !== '*syntax.File') return null;
  const toChar = byteToCharMapper(script);
  const commands: ShellCommand[] = [];
  const tests: TestSpan[] = [];
  const isNil = (v: unknown): boolean => v === null || v === undefined || (v as GoValue).constructor === Object || v === (v as GoValue).constructor.nil;
  const visit = (v: unknown): void => {
    if (isNil(v)) return;
    const x = v as GoValue;
    if (typeof x['$length'] === 'number' && x['$array'] !== undefined) {
      const arr = x['$array'] as unknown[];
      const off = x['$offset'] as number;
      for (let i = 0; i < (x['$length'] as number); i++) visit(arr[off + i]);
      return;
    }
    const type = x.constructor.string ?? '';
    const kids = type.startsWith('*syntax.') ? WALKED[type.slice(8)] : undefined;
    if (!kids) throw new Error(`unknown node ${type}`);
    if (type === '*syntax.TestClause') {
      const t = x as GoNode;
      tests.push({ start: toChar(t.Pos().Offset()), end: toChar(t.End().Offset()) });
    }
    if (type === '*syntax.CallExpr') {
      const args = x['Args'] as GoValue;
      const n = args['$length'] as number;
      if (n) {
        const arr = args['$array'] as (GoNode & { Lit(): string })[];
        const off = args['$offset'] as number;
        const words: string[] = [];
        for (let i = 0; i < n; i++) {
          const w = arr[off + i]!;
          words.push(wordText(goString(w.Lit()), script, toChar, w.Pos().Offset(), w.End().Offset()));
        }
        const call = x as GoNode;
        commands.push({ words, start: toChar(call.Pos().Offset()), end: toChar(call.End().Offset()) });
      }
    }
    for (const k of kids) {
      const dot = k.indexOf('.');
      if (dot < 0) visit(x[k]);
      else {
        const inner = x[k.slice(0, dot)];
        if (!isNil(inner)) visit((inner as GoValue)[k.slice(dot + 1)]);
      }
    }
  };
  visit(root);
  return { commands, tests };
}

/**
 * What kind of shell a SHELL / exec-form program is, by its name: `posix` for the shells whose scripts Layerwise reads
 * as POSIX sh (sh, bash, dash, ash, ksh, mksh: what mvdan/sh parses with their semantics), `windows` for PowerShell
 * and cmd, `other` for anything else (zsh and fish, which split words otherwise, an interpreter such as python, `env`
 * in front of a shell): a script nobody here can read the way it runs.
 */
export function shellKind(program: string): 'posix' | 'windows' | 'other' {
  const s = program.toLowerCase();
  if (/(powershell|pwsh)(\.exe)?$|(^|[\\/])cmd(\.exe)?$/.test(s)) return 'windows';
  return /(^|\/)(sh|bash|dash|ash|ksh|mksh)$/.test(s) ? 'posix' : 'other';
}

export function isPosixShell(shell: string[]): boolean {
  return shellKind(shell[0] ?? '') === 'posix';
}

const runScripts = new WeakMap<Step, RunScript | null>();

/**
 * The script a RUN step runs and the commands in it (sh -c form, exec form with `sh -c`, heredoc bodies). Memoised
 * per step content (stepOrigin: steps of memoised stages are shared between analyses, moved or not); callers must
 * not mutate the result.
 */
export function runScript(step: Step): RunScript | null {
  return memoized(runScripts, stepOrigin(step), computeRunScript);
}

function computeRunScript(step: Step): RunScript | null {
  if (step.keyword !== 'RUN') return null;
  const argv = step.argv;
  let script: string;
  let posix = isPosixShell(step.shell);
  if (step.script !== undefined) script = step.script;
  else if (argv && argv.length >= 3 && shellKind(argv[0]!) === 'posix' && argv[1] === '-c') {
    script = argv[2]!;
    posix = true;
  } else if (argv) {
    return { script: argv.join(' '), commands: argv.length ? [{ words: argv, start: 0, end: argv.join(' ').length }] : [], parsed: true, tests: [] };
  } else return null;
  if (!posix) return { script, commands: splitFallback(script), parsed: false, tests: [] };
  let r = posixScripts.get(script);
  if (!r) {
    r = { script, ...parseScript(script) };
    posixScripts.set(script, r);
  }
  return r;
}

/** POSIX scripts by text: steps that moved (new objects, same script) get the same result without re-parsing. */
const posixScripts = new BoundedCache<string, RunScript>('shell scripts', 5000, (k, v) => k.length * 2 + v.commands.length * 256);
