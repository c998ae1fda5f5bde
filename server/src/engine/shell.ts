// The commands a RUN executes, from a real shell parse (mvdan/sh) of its script. Windows shells (cmd, PowerShell)
// and scripts that do not parse fall back to splitting on command separators. Memoised per script text. Pure.
import { BoundedCache } from './memo';
import { memoized } from './memo';
import type * as MvdanSh from 'mvdan-sh';
import type { Step } from './model';

export interface ShellCommand {
  /** Words with quotes removed (best effort for words with expansions). */
  words: string[];
  /** Offsets of the command in the script (UTF-16). */
  start: number;
  end: number;
}

export interface RunScript {
  script: string;
  commands: ShellCommand[];
  /** False when the shell is not POSIX-like or the script did not parse (commands come from a plain split). */
  parsed: boolean;
}

const memo = new BoundedCache<string, { commands: ShellCommand[]; parsed: boolean }>('shell parses', 5000, (k, v) => k.length * 2 + v.commands.length * 256);
// mvdan-sh is a large GopherJS module: load it on the first script that needs a full parse, not at startup
let sh: typeof MvdanSh | null = null;
let parser: ReturnType<typeof MvdanSh.syntax.NewParser> | null = null;

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
 * Scripts made only of plain words joined by `&&`, `||`, `;`, `|` and newlines (no quotes, expansions, redirections,
 * comments, globs or compound commands) split the same way under any POSIX parser; they skip the full parse, which
 * costs ~0.3 ms a script. test/unit/shell.test.ts checks the two agree on every such RUN of the corpus.
 */
export const SIMPLE_SCRIPT = {
  // one character class, no nested quantifiers (no catastrophic backtracking); a backslash only before a newline
  test: (s: string): boolean => /^[A-Za-z0-9_\-./=:@%+,~^&|; \t\n\\]*$/.test(s) && !/\\(?!\n)/.test(s) && !/\|&|&&&|;;/.test(s),
};

/** Scripts over either limit are not given to the full parser (the corpus: at most 4,802 characters, 363 words). */
export const MAX_PARSED_SCRIPT_CHARS = 32 * 1024;
export const MAX_PARSED_SCRIPT_WORDS = 2000;

function wordCount(script: string): number {
  let n = 0;
  const re = /\S+/g;
  while (re.exec(script) && ++n <= MAX_PARSED_SCRIPT_WORDS);
  return n;
}

export function parseScript(script: string): { commands: ShellCommand[]; parsed: boolean } {
  const hit = memo.get(script);
  if (hit) return hit;
  let result: { commands: ShellCommand[]; parsed: boolean };
  if (SIMPLE_SCRIPT.test(script) && !/(^|[\s;&|])(if|then|else|elif|fi|for|while|until|do|done|case|esac|function|!)(?=[\s;&|]|$)/.test(script)) {
    // like the parser: leading NAME=value words are assignments, not arguments
    const commands = splitFallback(script.replace(/\\\n/g, '  '))
      .map((c) => {
        let k = 0;
        while (k < c.words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(c.words[k]!)) k++;
        return { ...c, words: c.words.slice(k) };
      })
      // declarations are not calls for the parser either
      .filter((c) => c.words.length && !['export', 'declare', 'local', 'readonly', 'typeset'].includes(c.words[0]!));
    result = { commands, parsed: true };
    memo.set(script, result);
    return result;
  }
  if (script.length > MAX_PARSED_SCRIPT_CHARS || wordCount(script) > MAX_PARSED_SCRIPT_WORDS) {
    // the full parser costs ~0.2 ms a syntax node (walking its tree dominates): a 100 KB line of words held the
    // language server's worker for 15 s and more. Far past any real script: split, and marked as not parsed
    result = { commands: splitFallback(script), parsed: false };
    memo.set(script, result);
    return result;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    sh ??= require('mvdan-sh') as typeof MvdanSh;
    const syntax = sh.syntax;
    parser ??= syntax.NewParser();
    const file = parser.Parse(script, '');
    const toChar = byteToCharMapper(script);
    const commands: ShellCommand[] = [];
    syntax.Walk(file, (node) => {
      if (node && syntax.NodeType(node) === 'CallExpr') {
        const call = node as unknown as { Args: { Lit(): string; Pos(): { Offset(): number }; End(): { Offset(): number } }[] } & typeof node;
        if (call.Args.length) {
          const words = call.Args.map((w) => {
            const lit = w.Lit();
            return lit !== '' ? lit : unquote(script.slice(toChar(w.Pos().Offset()), toChar(w.End().Offset())));
          });
          commands.push({ words, start: toChar(node.Pos().Offset()), end: toChar(node.End().Offset()) });
        }
      }
      return true;
    });
    result = { commands, parsed: true };
  } catch {
    result = { commands: splitFallback(script), parsed: false };
  }
  memo.set(script, result);
  return result;
}

export function isPosixShell(shell: string[]): boolean {
  const s = (shell[0] ?? '').toLowerCase();
  return !/(powershell|pwsh|cmd(\.exe)?$)/.test(s);
}

const runScripts = new WeakMap<Step, RunScript | null>();

/**
 * The script a RUN step runs and the commands in it (sh -c form, exec form with `sh -c`, heredoc bodies). Memoised
 * per step object (steps of memoised stages are shared between analyses); callers must not mutate the result.
 */
export function runScript(step: Step): RunScript | null {
  return memoized(runScripts, step, computeRunScript);
}

function computeRunScript(step: Step): RunScript | null {
  if (step.keyword !== 'RUN') return null;
  const argv = step.argv;
  let script: string;
  let posix = isPosixShell(step.shell);
  if (step.script !== undefined) script = step.script;
  else if (argv && argv.length >= 3 && /(^|\/)(ba|da|a)?sh$/.test(argv[0]!) && argv[1] === '-c') {
    script = argv[2]!;
    posix = true;
  } else if (argv) {
    return { script: argv.join(' '), commands: argv.length ? [{ words: argv, start: 0, end: argv.join(' ').length }] : [], parsed: true };
  } else return null;
  if (!posix) return { script, commands: splitFallback(script), parsed: false };
  let r = posixScripts.get(script);
  if (!r) {
    r = { script, ...parseScript(script) };
    posixScripts.set(script, r);
  }
  return r;
}

/** POSIX scripts by text: steps that moved (new objects, same script) get the same result without re-parsing. */
const posixScripts = new BoundedCache<string, RunScript>('shell scripts', 5000, (k, v) => k.length * 2 + v.commands.length * 256);
