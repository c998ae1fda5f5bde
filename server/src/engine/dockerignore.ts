// Docker's `.dockerignore` semantics, exactly as BuildKit applies them when it sends a local context.
// PURE: no fs, no child_process (shared by the engine and the context layer).
//
// Sources mirrored here (read them before changing anything):
//  * moby/patternmatcher ignorefile.ReadAll: the file is split into lines (bufio.ScanLines: `\n`, one trailing `\r`
//    dropped), a UTF-8 BOM is stripped from the first line only, a line that *starts* with `#` is a comment (checked
//    before trimming, so `  #x` is a pattern), then strings.TrimSpace, empty lines skipped, a leading `!` taken off and
//    the rest trimmed again, filepath.Clean + ToSlash, and one leading `/` dropped (when the pattern is longer than 1).
//  * moby/patternmatcher New(): TrimSpace + filepath.Clean again, `!` alone is an error ("illegal exclusion pattern"),
//    and the pattern (without its `!`) must pass Go's filepath.Match(p, ".") syntax check, or Docker refuses the build
//    ("invalid excludepatterns"): a trailing `\`, `[]a]`, `[a-]`, `[^a` are refused — but only in the chunks that
//    Match reaches before its first failed one (`a*[`, `a*\` pass; measured on Docker 20.10 / Go 1.19).
//  * moby/patternmatcher Pattern.compile(): `*` → `[^/]*`, `?` → `[^/]`, `**` (+ an eaten `/`) → `(.*/)?`, a final
//    `**` → `.*`; `.+()|{}$` escaped; `\x` passes `\x` to Go's regexp (so `\d` is a digit class!); `[`/`]` passed
//    raw (character classes are *Go regexp* classes, e.g. `[!a]` means "! or a"). A pattern without wildcards is an
//    exact string compare, `lit/**` a prefix compare, and `**lit` (a leading `**` followed only by literal text) a
//    plain *suffix* compare: `**.md` matches `a/b/x.md` although the regexp `^(.*/)?\.md$` would not.
//  * tonistiigi/fsutil filterFS.Walk (BuildKit's client walk): every path is matched with
//    PatternMatcher.MatchesUsingParentResults, passing the parent directory's per-pattern results: a pattern that
//    matched a parent counts as matched for everything below it ("sticky"), and the usual skip rule applies
//    (an inclusion is not evaluated once matched, an exclusion is not evaluated while not matched). Last match wins.
//    An excluded directory is not descended when every `!` exception is a plain prefix and none starts with `dir/`
//    (`onlyPrefixExcludeExceptions`); this prune is sound, i.e. it never changes the per-path result.
//
// Matching: exact, prefix and suffix patterns are string compares (as in patternmatcher; exact ones of a run are one
// map lookup); the others are translated from the Go regexp text patternmatcher builds into a source for
// engine/nfa.ts, a linear-time matcher — never a JavaScript RegExp, which backtracks (`**/**/**/…` took minutes) and
// overflows its stack on long patterns. A repository's `.dockerignore` is untrusted input: wildcard patterns over
// MAX_WILDCARD_PATTERN_CHARS and lines past MAX_PATTERNS are not applied and listed in `limits` (Docker applies
// them: whoever shows results says they may be off).

import { BoundedCache } from './memo';
import { compileRegexSubset, nfaTest, type Nfa } from './nfa';
import { fmtInt } from './format';

export interface DockerIgnorePattern {
  /** The line as written, trimmed (e.g. `!src/keep.txt`). */
  text: string;
  /** 1-based line number in the ignore file. */
  line: number;
  negated: boolean;
  /** The cleaned pattern patternmatcher uses (no `!`, Clean()ed, no leading `/`). */
  cleaned: string;
}

export interface IgnoreDecision {
  ignored: boolean;
  /** Index into `patterns` of the deciding (last matching) pattern, -1 if none matched. */
  pattern: number;
}

export interface DockerIgnore {
  readonly patterns: readonly DockerIgnorePattern[];
  readonly hasExceptions: boolean;
  /** Problems Docker would refuse the build for (bad pattern syntax, a lone `!`). Such patterns never match here. */
  readonly errors: readonly { line: number; message: string }[];
  /**
   * Patterns Layerwise does not apply because of its own limits (pattern length, pattern count; Docker applies them):
   * what it says about this context may be off. Such patterns never match here.
   */
  readonly limits: readonly { line: number; message: string }[];
  /** True when `path` (posix, context-relative, no leading `./`) is not sent to the builder. */
  ignores(path: string): boolean;
  decide(path: string): IgnoreDecision;
  /** True when `dir` is excluded and no `!` exception could match anything below it (a crawler may skip it). */
  canSkipDir(dir: string): boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Go helpers

/** Go's strings.TrimSpace (unicode.IsSpace), which differs from JS trim (JS trims U+FEFF, not U+0085). */
export function goTrimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isGoSpace(s.charCodeAt(a))) a++;
  while (b > a && isGoSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

function isGoSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** Go's path/filepath.Clean on a '/' system. */
export function goClean(p: string): string {
  if (p === '') return '.';
  const rooted = p[0] === '/';
  const out: string[] = [];
  let dotdot = 0; // number of leading '..' kept in out (non-rooted)
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > dotdot) out.pop();
      else if (!rooted) {
        out.push('..');
        dotdot++;
      }
      continue;
    }
    out.push(seg);
  }
  const s = out.join('/');
  if (rooted) return '/' + s;
  return s === '' ? '.' : s;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the file (ignorefile.ReadAll)

interface RawPattern {
  text: string;
  line: number;
  value: string; // as ReadAll returns it (with `!`)
}

function readAll(text: string): RawPattern[] {
  const out: RawPattern[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // bufio.Scanner: no empty final token
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.startsWith('#')) continue;
    let pattern = goTrimSpace(line);
    if (pattern === '') continue;
    const invert = pattern[0] === '!';
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern[0] === '/') pattern = pattern.slice(1);
    }
    if (invert) pattern = '!' + pattern;
    out.push({ text: goTrimSpace(line), line: i + 1, value: pattern });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The syntax check of New(): Go's filepath.Match(pattern, ".") on a '/' system, errors only

/** False when filepath.Match(pattern, ".") returns ErrBadPattern (code points; Go works on bytes, to the same effect). */
function goMatchSyntaxOk(pattern: string): boolean {
  let p = Array.from(pattern);
  let name = ['.'];
  while (p.length > 0) {
    const { star, chunk, rest } = scanChunk(p);
    if (star && chunk.length === 0) return true;
    const m = matchChunk(chunk, name);
    if (m === null) return false;
    if (m.ok && (m.rest.length === 0 || rest.length > 0)) {
      name = m.rest;
      p = rest;
      continue;
    }
    let found = false;
    // the same chunk again at later offsets: its syntax is already known to be good
    for (let i = 0; star && !found && i < name.length && name[i] !== '/'; i++) {
      const t = matchChunk(chunk, name.slice(i + 1))!;
      if (t.ok && !(rest.length === 0 && t.rest.length > 0)) {
        name = t.rest;
        found = true;
      }
    }
    if (!found) return true; // a failed match: Match returns without checking the rest of the pattern
    p = rest;
  }
  return true;
}

function scanChunk(p: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let i = 0;
  while (i < p.length && p[i] === '*') i++;
  const start = i;
  let inRange = false;
  for (; i < p.length; i++) {
    if (p[i] === '\\') {
      if (i + 1 < p.length) i++;
    } else if (p[i] === '[') inRange = true;
    else if (p[i] === ']') inRange = false;
    else if (p[i] === '*' && !inRange) break;
  }
  return { star: start > 0, chunk: p.slice(start, i), rest: p.slice(i) };
}

/**
 * A character class as Go's filepath.Match reads it (`.dockerignore` patterns, and BuildKit's COPY/ADD wildcards):
 * `i` is the index after `[`. `^` negates (`!` is a member), `\` escapes, `lo-hi` is a range of code points (a reversed
 * one matches nothing). Null for ErrBadPattern: no `]`, an empty class, a `-` that is no range, a `\` at the end.
 * `end` is the index of the class's `]`.
 */
export function goClass(cs: readonly string[], i: number): { negated: boolean; ranges: [number, number][]; end: number } | null {
  let k = i;
  const negated = cs[k] === '^';
  if (negated) k++;
  // Go's getEsc: one possibly escaped character; a `-` or `]` there, or the end of the pattern, is ErrBadPattern
  const esc = (): number | null => {
    if (k >= cs.length || cs[k] === '-' || cs[k] === ']') return null;
    if (cs[k] === '\\' && ++k >= cs.length) return null;
    return cs[k++]!.codePointAt(0)!;
  };
  const ranges: [number, number][] = [];
  for (let n = 0; !(cs[k] === ']' && n > 0); n++) {
    const lo = esc();
    if (lo === null) return null;
    let hi = lo;
    if (cs[k] === '-') {
      k++;
      const h = esc();
      if (h === null) return null;
      hi = h;
    }
    ranges.push([lo, hi]);
  }
  return { negated, ranges, end: k };
}

/** Go's matchChunk: null for ErrBadPattern (the whole chunk is checked, also after the match failed). */
function matchChunk(chunk: string[], s: string[]): { ok: boolean; rest: string[] } | null {
  let failed = false;
  let c = 0;
  let si = 0;
  while (c < chunk.length) {
    if (si >= s.length) failed = true;
    const ch = chunk[c]!;
    if (ch === '[') {
      const r = failed ? -1 : s[si++]!.codePointAt(0)!;
      const cls = goClass(chunk, c + 1);
      if (!cls) return null;
      c = cls.end + 1;
      if (cls.ranges.some(([lo, hi]) => lo <= r && r <= hi) === cls.negated) failed = true;
    } else if (ch === '?') {
      if (!failed && s[si++] === '/') failed = true;
      c++;
    } else {
      if (ch === '\\' && ++c >= chunk.length) return null;
      if (!failed && chunk[c] !== s[si++]) failed = true;
      c++;
    }
  }
  return failed ? { ok: false, rest: [] } : { ok: true, rest: s.slice(si) };
}

// ---------------------------------------------------------------------------------------------------------------
// Compiling one pattern (Pattern.compile) into a JS regexp source (anchored at the start by the caller).

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

function escapeLiteral(s: string): string {
  let r = '';
  for (const ch of s) r += litChar(ch);
  return r;
}

function litChar(ch: string): string {
  if (/^[A-Za-z0-9_]$/.test(ch) || ch.codePointAt(0)! > 0x7f) return ch;
  return '\\u{' + ch.codePointAt(0)!.toString(16) + '}';
}

/** Builds the Go regexp text exactly as patternmatcher does and reports the match type. */
function goCompile(cleaned: string): { type: MatchType; goRe: string } {
  let regStr = '^';
  let type: MatchType = 'exact';
  const chars = Array.from(cleaned); // text/scanner iterates runes
  let pos = 0;
  const peek = () => (pos < chars.length ? chars[pos] : undefined);
  for (let i = 0; pos < chars.length; i++) {
    const ch = chars[pos++];
    if (ch === '*') {
      if (peek() === '*') {
        pos++;
        if (peek() === '/') pos++;
        if (peek() === undefined) {
          if (type === 'exact') type = 'prefix';
          else {
            regStr += '.*';
            type = 'regexp';
          }
        } else {
          regStr += '(.*/)?';
          type = 'regexp';
        }
        if (i === 0) type = 'suffix';
      } else {
        regStr += '[^/]*';
        type = 'regexp';
      }
    } else if (ch === '?') {
      regStr += '[^/]';
      type = 'regexp';
    } else if ('.+()|{}$'.includes(ch)) {
      regStr += '\\' + ch;
    } else if (ch === '\\') {
      if (peek() !== undefined) {
        regStr += '\\' + chars[pos++];
        type = 'regexp';
      } else regStr += '\\';
    } else if (ch === '[' || ch === ']') {
      regStr += ch;
      type = 'regexp';
    } else regStr += ch;
  }
  if (type === 'regexp') regStr += '$';
  return { type, goRe: regStr };
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\u{0}-\\u{7f}',
  blank: '\\t ',
  cntrl: '\\u{0}-\\u{1f}\\u{7f}',
  digit: '0-9',
  graph: '\\u{21}-\\u{7e}',
  lower: 'a-z',
  print: '\\u{20}-\\u{7e}',
  punct: '\\u{21}-\\u{2f}\\u{3a}-\\u{40}\\u{5b}-\\u{60}\\u{7b}-\\u{7e}',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Go (RE2) escapes that are classes or special; returns JS text (for use outside a class) or null if unsupported. */
function goEscape(c: string, inClass: boolean): string | null {
  const classes: Record<string, [string, boolean]> = {
    d: ['0-9', false],
    D: ['0-9', true],
    s: ['\\t\\n\\f\\r ', false],
    S: ['\\t\\n\\f\\r ', true],
    w: ['0-9A-Za-z_', false],
    W: ['0-9A-Za-z_', true],
  };
  if (classes[c]) {
    const [body, neg] = classes[c];
    if (inClass) return neg ? null : body;
    return (neg ? '[^' : '[') + body + ']';
  }
  const chars: Record<string, string> = { t: '\\t', n: '\\n', r: '\\r', f: '\\f', v: '\\v', a: '\\u{7}' };
  if (chars[c]) return chars[c];
  if (!inClass) {
    if (c === 'b') return '\\b';
    if (c === 'B') return '\\B';
    if (c === 'A') return '^';
    if (c === 'z') return '$';
  }
  if (/[A-Za-z0-9]/.test(c)) return null; // \x.., \p{..}, \Q, octal, ...: not supported here
  return litChar(c); // escaped punctuation is literal in RE2
}

/** Valid Go regexp syntax this translation does not support: the pattern is not applied (a limit, not an error). */
class Unsupported extends Error {}

/** A `\c` goEscape refused: Go's hex, Unicode-class, quoting and octal escapes are valid there; other letters and digits are not. */
function escapeError(c: string): Error {
  return /^[xpPQ0-7]$/.test(c) ? new Unsupported(`\\${c} escapes`) : new Error('invalid escape \\' + c);
}

/** Translates the small RE2 subset patternmatcher can produce into a JS (u-flag) source. Throws on a syntax error. */
function goReToJs(goRe: string): string {
  const cs = Array.from(goRe);
  let out = '';
  let i = 0;
  const n = cs.length;
  while (i < n) {
    const c = cs[i];
    if (c === '\\') {
      if (i + 1 >= n) throw new Error('trailing backslash');
      const t = goEscape(cs[i + 1], false);
      if (t === null) throw escapeError(cs[i + 1]!);
      out += t;
      i += 2;
    } else if (c === '[') {
      i++;
      let body = '';
      let neg = false;
      if (cs[i] === '^') {
        neg = true;
        i++;
      }
      let first = true;
      let closed = false;
      while (i < n) {
        const d = cs[i];
        if (d === ']' && !first) {
          closed = true;
          i++;
          break;
        }
        first = false;
        if (d === '[' && cs[i + 1] === ':') {
          // Go's parseNamedClass: `[:` up to the next `:]` is a class name, and an unknown one is an error
          const rest = cs.slice(i + 2).join('');
          const k = rest.indexOf(':]');
          if (k >= 0) {
            const name = rest.slice(0, k);
            const known = (x: string) => Object.prototype.hasOwnProperty.call(POSIX, x);
            if (name[0] === '^' && known(name.slice(1))) throw new Unsupported('negated POSIX classes');
            if (!known(name)) throw new Error(`invalid character class [:${name}:]`);
            body += POSIX[name];
            i += 4 + Array.from(name).length;
            continue;
          }
        }
        if (d === '\\') {
          if (i + 1 >= n) throw new Error('missing closing ]');
          const t = goEscape(cs[i + 1], true);
          if (t === null) throw escapeError(cs[i + 1]!);
          body += t;
          i += 2;
          continue;
        }
        if (d === '-' && body !== '' && cs[i + 1] !== ']' && i + 1 < n) {
          body += '-';
          i++;
          continue;
        }
        body += litChar(d);
        i++;
      }
      if (!closed) throw new Error('missing closing ]');
      out += (neg ? '[^' : '[') + body + ']';
    } else if (c === ']') {
      out += '\\]';
      i++;
    } else if (c === '.') {
      out += '[^\\n]'; // Go's `.` excludes only \n; JS's also excludes \r, U+2028, U+2029
      i++;
    } else if (c === '(' && cs[i + 1] === '.') {
      out += '(?:';
      i++;
    } else if (c === '(' || c === ')' || c === '?' || c === '*' || c === '^' || c === '$' || c === '+' || c === '|') {
      out += c;
      i++;
    } else {
      out += litChar(c);
      i++;
    }
  }
  return out;
}

/** How a compiled pattern is tested: string compares where patternmatcher does them, else a linear-time NFA. */
type Test =
  | { k: 'exact'; s: string }
  | { k: 'prefix'; s: string }
  | { k: 'suffix'; s: string }
  | { k: 'nfa'; nfa: Nfa }
  | { k: 'never' };

interface Compiled {
  test: Test;
  error?: string;
  /** A limit of ours (not Docker's) kept the pattern from being applied. */
  limit?: string;
}

/**
 * Wildcard patterns longer than this are not applied (a diagnostic says so). Matching costs at most
 * path length × pattern states, so the limit bounds the time per path; real patterns are far shorter.
 */
export const MAX_WILDCARD_PATTERN_CHARS = 1024;
/** Patterns beyond this many lines are not applied (a diagnostic says so). */
export const MAX_PATTERNS = 10_000;

function compilePattern(cleaned: string): Compiled {
  const { type, goRe } = goCompile(cleaned);
  switch (type) {
    case 'exact':
      return { test: { k: 'exact', s: cleaned } };
    case 'prefix':
      return { test: { k: 'prefix', s: cleaned.slice(0, -2) } };
    case 'suffix':
      return { test: { k: 'suffix', s: cleaned.slice(2) } };
    case 'regexp': {
      if (cleaned.length > MAX_WILDCARD_PATTERN_CHARS)
        return {
          test: { k: 'never' },
          limit: `wildcard pattern of ${fmtInt(cleaned.length)} characters: Layerwise applies wildcard patterns of up to ${fmtInt(MAX_WILDCARD_PATTERN_CHARS)} characters, so it does not apply this one (Docker does): predictions for this context may be off`,
        };
      let g = goRe.slice(1); // drop '^'
      // A trailing lone `\` makes Go's final `$` an escaped literal `$` with no end anchor.
      let anchored = true;
      if (g.endsWith('\\$') && trailingBackslashes(cleaned) % 2 === 1) {
        g = g.slice(0, -2) + '\\$';
        anchored = false;
      } else g = g.slice(0, -1);
      try {
        const js = goReToJs(g) + (anchored ? '$' : '');
        return { test: { k: 'nfa', nfa: compileRegexSubset(js) } };
      } catch (e) {
        if (e instanceof Unsupported)
          return { test: { k: 'never' }, limit: `pattern ${JSON.stringify(cleaned)} uses ${e.message} of Go's regexp syntax, which Layerwise does not apply (Docker does): predictions for this context may be off` };
        return { test: { k: 'never' }, error: `syntax error in pattern ${JSON.stringify(cleaned)}: ${(e as Error).message}` };
      }
    }
  }
}

function runTest(t: Test, path: string): boolean {
  switch (t.k) {
    case 'exact':
      return path === t.s;
    case 'prefix':
      return path.startsWith(t.s);
    case 'suffix':
      // strings.HasSuffix, and `**/foo` matches `foo`
      return t.s === '' || path.endsWith(t.s) || (t.s[0] === '/' && path.length === t.s.length - 1 && t.s.endsWith(path));
    case 'nfa':
      return nfaTest(t.nfa, path);
    case 'never':
      return false;
  }
}

function trailingBackslashes(s: string): number {
  let k = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) k++;
  return k;
}

// ---------------------------------------------------------------------------------------------------------------
// The matcher

interface Run {
  exclusion: boolean;
  start: number; // first pattern index
  end: number; // exclusive
  /** Exact patterns of the run: the first index per string (one lookup instead of a compare each). */
  exact: Map<string, number>;
  /** The other patterns of the run, in order. */
  others: { index: number; test: Test }[];
}

interface DirState {
  ignored: boolean;
  pattern: number;
  /** The patterns that matched this directory, ascending (MatchInfo.parentMatched, sparse), null when none. */
  pm: number[] | null;
}

const ROOT: DirState = { ignored: false, pattern: -1, pm: null };
const PATTERN_CHARS = /[*[\]?^\\]/;

class Matcher implements DockerIgnore {
  readonly patterns: DockerIgnorePattern[] = [];
  readonly errors: { line: number; message: string }[] = [];
  readonly limits: { line: number; message: string }[] = [];
  readonly hasExceptions: boolean;
  private readonly runs: Run[] = [];
  private readonly n: number;
  private readonly dirCache = new Map<string, DirState>();
  /** null when some exception has wildcards (fsutil then never prunes; we use literal prefixes instead). */
  private readonly exceptionPrefixes: string[];
  private readonly onlyPrefixExceptions: boolean;

  /** `given`: patterns as given (`--exclude`), not the lines of an ignore file. */
  constructor(text: string, given?: RawPattern[]) {
    const compiled: Compiled[] = [];
    for (const raw of given ?? readAll(text)) {
      if (this.patterns.length >= MAX_PATTERNS) {
        this.limits.push({
          line: raw.line,
          message: `more than ${fmtInt(MAX_PATTERNS)} patterns: Layerwise does not apply this line and the ones after it (Docker does), so predictions for this context may be off`,
        });
        break;
      }
      // New(): TrimSpace + Clean again, then `!`.
      let p = goTrimSpace(raw.value);
      if (p === '') continue;
      p = goClean(p);
      let negated = false;
      if (p[0] === '!') {
        if (p.length === 1) {
          this.errors.push({ line: raw.line, message: 'illegal exclusion pattern: "!"' });
          continue;
        }
        negated = true;
        p = p.slice(1);
      }
      const c: Compiled = goMatchSyntaxOk(p)
        ? compilePattern(p)
        : { test: { k: 'never' }, error: `syntax error in pattern ${JSON.stringify(p)}: Docker's check (Go's filepath.Match) refuses it` };
      if (c.error) this.errors.push({ line: raw.line, message: c.error });
      if (c.limit) this.limits.push({ line: raw.line, message: c.limit });
      this.patterns.push({ text: raw.text, line: raw.line, negated, cleaned: p });
      compiled.push(c);
    }
    this.n = this.patterns.length;
    this.hasExceptions = this.patterns.some((p) => p.negated);
    for (let s = 0; s < this.n; ) {
      let e = s + 1;
      while (e < this.n && this.patterns[e].negated === this.patterns[s].negated) e++;
      const run: Run = { exclusion: this.patterns[s].negated, start: s, end: e, exact: new Map(), others: [] };
      for (let k = s; k < e; k++) {
        const t = compiled[k].test;
        if (t.k === 'exact') {
          if (!run.exact.has(t.s)) run.exact.set(t.s, k);
        } else if (t.k !== 'never') run.others.push({ index: k, test: t });
      }
      this.runs.push(run);
      s = e;
    }
    let onlyPrefix = true;
    this.exceptionPrefixes = [];
    for (const p of this.patterns) {
      if (!p.negated) continue;
      let s = p.cleaned;
      if (s.endsWith('/**')) s = s.slice(0, -3);
      else if (s.endsWith('/*')) s = s.slice(0, -2);
      if (PATTERN_CHARS.test(s)) {
        onlyPrefix = false;
        // literal directory prefix before the first special character: every path it matches starts with it
        const k = s.search(PATTERN_CHARS);
        const lit = s.slice(0, k);
        const slash = lit.lastIndexOf('/');
        this.exceptionPrefixes.push(slash < 0 ? '' : lit.slice(0, slash + 1));
      } else this.exceptionPrefixes.push(s + '/');
    }
    this.onlyPrefixExceptions = onlyPrefix;
  }

  ignores(path: string): boolean {
    return this.decide(path).ignored;
  }

  decide(path: string): IgnoreDecision {
    if (this.n === 0) return { ignored: false, pattern: -1 };
    path = normalize(path);
    if (path === '') return { ignored: false, pattern: -1 };
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? ROOT : this.dirState(path.slice(0, slash));
    const st = this.step(parent.pm, path, false);
    return { ignored: st.ignored, pattern: st.pattern };
  }

  canSkipDir(dir: string): boolean {
    dir = normalize(dir);
    if (dir === '' || this.n === 0) return false;
    if (!this.dirState(dir).ignored) return false;
    if (!this.hasExceptions) return true;
    const dirSlash = dir + '/';
    for (const pre of this.exceptionPrefixes) {
      if (pre.startsWith(dirSlash) || dirSlash.startsWith(pre)) return false;
    }
    return true;
  }

  /** True when every exception is a plain prefix (fsutil's own prune condition). */
  get prunesLikeBuildKit(): boolean {
    return this.onlyPrefixExceptions;
  }

  private dirState(dir: string): DirState {
    let st = this.dirCache.get(dir);
    if (st) return st;
    const slash = dir.lastIndexOf('/');
    const parent = slash < 0 ? ROOT : this.dirState(dir.slice(0, slash));
    st = this.step(parent.pm, dir, true);
    if (this.dirCache.size > 200_000) this.dirCache.clear();
    this.dirCache.set(dir, st);
    return st;
  }

  /** One MatchesUsingParentResults call. `ppm`: the parent directory's matched patterns, ascending. */
  private step(ppm: number[] | null, path: string, record: boolean): DirState {
    let matched = false;
    let decider = -1;
    let pm: number[] | null = null;
    const mark = (k: number) => {
      if (!record) return;
      (pm ??= []).push(k);
    };
    let q = 0; // position in ppm
    for (const run of this.runs) {
      // the parent's matches within this run: ppm[q0..q) (they re-apply whatever the state)
      while (ppm && q < ppm.length && ppm[q]! < run.start) q++;
      const q0 = q;
      while (ppm && q < ppm.length && ppm[q]! < run.end) q++;
      const firstInherited = q > q0 ? ppm![q0]! : -1;
      if (run.exclusion !== matched) {
        // skipped, except patterns the parent matched (they re-apply and keep `matched` as it is)
        for (let j = q0; j < q; j++) {
          decider = ppm![j]!;
          mark(decider);
        }
        continue;
      }
      // the first pattern of the run that matches (one evaluated after an inherited one is skipped)
      const limit = firstInherited >= 0 ? firstInherited : run.end;
      let first = run.exact.get(path) ?? -1;
      if (first >= limit) first = -1;
      const bound = first >= 0 ? first : limit;
      for (const o of run.others) {
        if (o.index >= bound) break;
        if (runTest(o.test, path)) {
          first = o.index;
          break;
        }
      }
      if (first >= 0) {
        decider = first;
        mark(first);
        matched = !run.exclusion;
      }
      if (firstInherited >= 0) {
        for (let j = q0; j < q; j++) {
          decider = Math.max(decider, ppm![j]!);
          mark(ppm![j]!);
        }
        matched = !run.exclusion;
      }
    }
    return { ignored: matched, pattern: decider, pm };
  }
}

function normalize(p: string): string {
  if (p === '.' || p === '') return '';
  if (p.startsWith('./') || p.startsWith('/') || p.endsWith('/') || p.includes('//') || p.includes('/./')) {
    const c = goClean(p);
    return c === '.' || c === '/' ? '' : c.replace(/^\//, '');
  }
  return p;
}

/**
 * Parsed ignore files by text. Every analysis of a Dockerfile reads its context's ignore file (rules, sent paths,
 * explain), and compiling a long, pathological one took seconds each time (the storm's garbage `.dockerignore`); a
 * Matcher is immutable but for its bounded directory cache, so one per text is shared.
 */
const parsedIgnores = new BoundedCache<string, DockerIgnore>('parsed ignore files', 32, (k) => k.length * 8 + 4096);

export function parseDockerignore(text: string): DockerIgnore {
  let m = parsedIgnores.get(text);
  if (!m) {
    m = new Matcher(text);
    parsedIgnores.set(text, m);
  }
  return m;
}

const parsedExcludes = new BoundedCache<string, DockerIgnore>('parsed --exclude patterns', 256, (k) => k.length * 8 + 4096);

/**
 * The patterns of COPY/ADD `--exclude` flags as BuildKit matches them: patternmatcher.New over the patterns as given
 * (TrimSpace, Clean, a leading `!` an exception; no comment lines and no leading-`/` strip, which are the ignore
 * file reader's), the same matching as .dockerignore (a pattern matching a folder excludes what is in it). `line` of
 * a pattern is its 1-based index.
 */
export function parseExcludes(patterns: readonly string[]): DockerIgnore {
  const key = patterns.join('\n');
  let m = parsedExcludes.get(key);
  if (!m) {
    m = new Matcher('', patterns.map((value, i) => ({ text: goTrimSpace(value), line: i + 1, value })));
    parsedExcludes.set(key, m);
  }
  return m;
}

/** An ignore that excludes nothing. */
export const EMPTY_DOCKERIGNORE: DockerIgnore = parseDockerignore('');
