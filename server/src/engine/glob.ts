// Globs of `.layerwise.yaml` (`ignore:`) and of the `layerwise.contexts` setting, matched in linear time. PURE.
//
// Both come from the repository (a workspace's settings file is a repository file too), so they are untrusted:
// picomatch compiles a glob into a backtracking RegExp (`*a*a*a*a*a*a*a*a*b` took 4 s on a 40-character path, ten
// stars 35 s). Here a glob becomes a source for engine/nfa.ts, whose cost is path length × glob length at most.
//
// Syntax (the common part of picomatch's with `dot: true`, which the project used before):
//   `*` any characters but `/`; `?` one character but `/`; `**` as a whole segment: any number of segments (`a/**`
//   also matches `a`, `**/b` also `b`); `**` inside a segment is `*`; `[abc]`, `[a-z]`, `[^a]` a class (one
//   character but `/`; an unclosed `[` is literal); `{a,b}` alternatives (nested allowed); `\x` a literal x; a
//   leading `!` negates; a leading `./` is dropped. Extglobs (`@(a|b)`, `+(a)`) and brace ranges (`{1..3}`) are not
//   supported: their characters are literal.
import { BoundedCache } from './memo';
import { ANY, compileRegexSubset, lit, nfaTest } from './nfa';
import { fmtInt } from './format';

/** Longer globs are refused with a message (real ones are short; matching costs grow with the length). */
export const MAX_GLOB_CHARS = 1024;

export type GlobMatcher = (path: string) => boolean;

/** Why a glob is refused (too long, or a class range out of order), or null when it compiles. */
export function globProblem(glob: string): string | null {
  if (glob.length > MAX_GLOB_CHARS) return `glob of ${fmtInt(glob.length)} characters (at most ${fmtInt(MAX_GLOB_CHARS)})`;
  try {
    compileRegexSubset(globSource(stripGlob(glob).body));
    return null;
  } catch (e) {
    return `invalid glob ${JSON.stringify(glob.slice(0, 80))}: ${(e as Error).message}`;
  }
}

const cache = new BoundedCache<string, GlobMatcher>('globs', 1000, (k) => 256 + k.length * 64);

/** A matcher for `glob`; a refused glob (see globProblem) matches nothing. */
export function globMatcher(glob: string): GlobMatcher {
  let m = cache.get(glob);
  if (m) return m;
  if (globProblem(glob) !== null) m = () => false;
  else {
    const { body, negated } = stripGlob(glob);
    const nfa = compileRegexSubset(globSource(body) + '$');
    m = negated ? (p) => !nfaTest(nfa, p) : (p) => nfaTest(nfa, p);
  }
  cache.set(glob, m);
  return m;
}

function stripGlob(glob: string): { body: string; negated: boolean } {
  let negated = false;
  let body = glob;
  if (body.startsWith('!') && !body.startsWith('!(')) {
    negated = true;
    body = body.slice(1);
  }
  while (body.startsWith('./')) body = body.slice(2);
  return { body, negated };
}


/** The NFA source of a glob body (see the syntax above). */
function globSource(g: string): string {
  const cs = Array.from(g);
  const n = cs.length;
  let out = '';
  let depth = 0; // open braces
  const braceClose: number[] = []; // for each `{` that opens alternatives, where its `}` is
  const segStart = (i: number) => i === 0 || cs[i - 1] === '/';
  for (let i = 0; i < n; i++) {
    const c = cs[i]!;
    if (depth === 0 && c === '*' && cs[i + 1] === '*' && segStart(i) && (i + 2 === n || cs[i + 2] === '/')) {
      if (i + 2 === n) out += ANY + '*'; // the whole glob, or after a `**/` (a `/**` at the end is below)
      else out += '(?:' + ANY + '*/)?';
      i += 2; // past `**` and its `/`
      continue;
    }
    if (depth === 0 && c === '/' && cs[i + 1] === '*' && cs[i + 2] === '*' && i + 3 === n) {
      out += '(?:/' + ANY + '*)?';
      break;
    }
    if (c === '*') {
      while (cs[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < n) out += lit(cs[++i]!);
    else if (c === '[') {
      const close = classEnd(cs, i);
      if (close < 0) out += lit(c);
      else {
        let j = i + 1;
        let neg = false;
        if (cs[j] === '^' || cs[j] === '!') {
          neg = true;
          j++;
        }
        let body = '';
        for (; j < close; j++) {
          const d = cs[j]!;
          if (d === '-' && body !== '' && j + 1 < close) body += '-';
          else if (d === '\\' && j + 1 < close) body += lit(cs[++j]!);
          else body += lit(d);
        }
        out += neg ? '[^/' + body + ']' : '[' + body + ']';
        i = close;
      }
    } else if (c === '{') {
      const close = braceEnd(cs, i);
      if (close < 0) out += lit(c);
      else {
        braceClose.push(close);
        depth++;
        out += '(?:';
      }
    } else if (c === ',' && depth > 0) out += '|';
    else if (c === '}' && depth > 0 && braceClose[braceClose.length - 1] === i) {
      braceClose.pop();
      depth--;
      out += ')';
    } else out += lit(c);
  }
  return out;
}

/** Index of the `]` closing the class opened at `i` (a `]` right after `[`, `[^` or `[!` is literal), or -1. */
function classEnd(cs: string[], i: number): number {
  let j = i + 1;
  if (cs[j] === '^' || cs[j] === '!') j++;
  if (cs[j] === ']') j++;
  for (; j < cs.length; j++) {
    if (cs[j] === '\\') j++;
    else if (cs[j] === ']') return j;
    else if (cs[j] === '/') return -1;
  }
  return -1;
}

/** Index of the `}` closing the brace opened at `i` when it holds a top-level `,` (else it is literal), or -1. */
function braceEnd(cs: string[], i: number): number {
  let level = 0;
  let comma = false;
  for (let j = i; j < cs.length; j++) {
    const c = cs[j];
    if (c === '\\') j++;
    else if (c === '{') level++;
    else if (c === '}') {
      level--;
      if (level === 0) return comma ? j : -1;
    } else if (c === ',' && level === 1) comma = true;
  }
  return -1;
}
