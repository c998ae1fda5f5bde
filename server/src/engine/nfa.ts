// A linear-time matcher for the small regular-expression subset Layerwise compiles untrusted patterns into
// (`.dockerignore` lines, `.layerwise.yaml` and settings globs). PURE.
//
// JavaScript's RegExp backtracks: `**/**/**/…` or `*a*a*a*b` take exponential time on a path that almost matches, and
// very long sources overflow its compiler's stack. This is a Thompson NFA simulated state set by state set, so a
// test costs at most input length × states, whatever the pattern; callers cap the pattern length.
//
// Accepted syntax (a subset of JS `u`-flag regexps, with the same meaning and the same syntax errors there): literal
// code points, `\u{hex}`, `\t \n \r \f \v`, an escaped syntax character, classes `[…]`/`[^…]` with ranges, `.`,
// groups `(…)` and `(?:…)`, `|`, the quantifiers `* + ?` (a lazy `?` after one is accepted: same language), and the
// assertions `^ $ \b \B`. Matching is anchored at the start (like `^(?:…)`); `$` anchors the end.

const enum K {
  Char,
  Split,
  Bol,
  Eol,
  WordB,
  NotWordB,
  Match,
  Jmp,
}

export interface Nfa {
  kind: K[];
  out: number[];
  out2: number[];
  /** Per Char state: sorted inclusive code point ranges [lo, hi, lo, hi, …] and whether the class is negated. */
  ranges: (number[] | null)[];
  neg: boolean[];
  start: number;
  // reused buffers (matching is synchronous and single-threaded)
  cur: Int32Array;
  next: Int32Array;
  mark: Int32Array;
  gen: number;
  stack: Int32Array;
}

type Node =
  | { t: 'char'; ranges: number[]; neg: boolean }
  | { t: 'assert'; k: K.Bol | K.Eol | K.WordB | K.NotWordB }
  | { t: 'cat'; xs: Node[] }
  | { t: 'alt'; xs: Node[] }
  | { t: 'rep'; x: Node; min: 0 | 1; max: 1 | typeof Infinity };

function parseSubset(src: string): Node {
  const cs = Array.from(src);
  let i = 0;
  const err = (m: string): never => {
    throw new Error(m);
  };
  const escapeAt = (): number => {
    // at the character after `\`: \u{hex}, \t \n \r \f \v, or an escaped syntax character
    const c = cs[i++];
    if (c === undefined) return err('\\ at end of pattern');
    if (c === 'u' && cs[i] === '{') {
      const close = cs.indexOf('}', i);
      if (close < 0) err('invalid Unicode escape');
      const v = parseInt(cs.slice(i + 1, close).join(''), 16);
      if (!Number.isFinite(v) || v > 0x10ffff) err('invalid Unicode escape');
      i = close + 1;
      return v;
    }
    const ctl: Record<string, number> = { t: 9, n: 10, r: 13, f: 12, v: 11 };
    if (ctl[c] !== undefined) return ctl[c];
    if ('^$\\.*+?()[]{}|/-'.includes(c)) return c.codePointAt(0)!;
    return err('invalid escape');
  };
  const parseClass = (): Node => {
    // at the character after `[`
    let neg = false;
    if (cs[i] === '^') {
      neg = true;
      i++;
    }
    const ranges: number[] = [];
    const atom = (): number => (cs[i] === '\\' ? (i++, escapeAt()) : cs[i++]!.codePointAt(0)!);
    while (true) {
      if (i >= cs.length) err('missing closing ]');
      if (cs[i] === ']') {
        i++;
        break;
      }
      const lo = atom();
      if (cs[i] === '-' && i + 1 < cs.length && cs[i + 1] !== ']') {
        i++;
        const hi = atom();
        if (hi < lo) err('range out of order in character class');
        ranges.push(lo, hi);
      } else ranges.push(lo, lo);
    }
    return { t: 'char', ranges, neg };
  };
  const parseAlt = (depth: number): Node => {
    const alts: Node[] = [];
    let seq: Node[] = [];
    while (i < cs.length) {
      const c = cs[i]!;
      if (c === ')') {
        if (depth === 0) err('unmatched )');
        break;
      }
      if (c === '|') {
        i++;
        alts.push({ t: 'cat', xs: seq });
        seq = [];
        continue;
      }
      let atom: Node;
      let quantifiable = true;
      i++;
      if (c === '(') {
        if (cs[i] === '?' && cs[i + 1] === ':') i += 2;
        atom = parseAlt(depth + 1);
        if (cs[i] !== ')') err('unterminated group');
        i++;
      } else if (c === '[') atom = parseClass();
      else if (c === '\\') {
        if (cs[i] === 'b' || cs[i] === 'B') {
          atom = { t: 'assert', k: cs[i] === 'b' ? K.WordB : K.NotWordB };
          quantifiable = false;
          i++;
        } else {
          const v = escapeAt();
          atom = { t: 'char', ranges: [v, v], neg: false };
        }
      } else if (c === '^' || c === '$') {
        atom = { t: 'assert', k: c === '^' ? K.Bol : K.Eol };
        quantifiable = false;
      } else if (c === '*' || c === '+' || c === '?') return err('nothing to repeat');
      else if (c === '.') atom = { t: 'char', ranges: [10, 10, 13, 13, 0x2028, 0x2029], neg: true };
      else {
        const v = c.codePointAt(0)!;
        atom = { t: 'char', ranges: [v, v], neg: false };
      }
      const q = cs[i];
      if (q === '*' || q === '+' || q === '?') {
        if (!quantifiable) err('nothing to repeat');
        i++;
        if (cs[i] === '?') i++; // lazy: the same language
        if (cs[i] === '*' || cs[i] === '+' || cs[i] === '?') err('nothing to repeat');
        atom = { t: 'rep', x: atom, min: q === '+' ? 1 : 0, max: q === '?' ? 1 : Infinity };
      }
      seq.push(atom);
    }
    alts.push({ t: 'cat', xs: seq });
    return alts.length === 1 ? alts[0]! : { t: 'alt', xs: alts };
  };
  return parseAlt(0);
}

/** One character as a literal in compileRegexSubset's source (`\u{…}`: never a metacharacter). */
export const lit = (ch: string): string => '\\u{' + ch.codePointAt(0)!.toString(16) + '}';
/** Any one character, in compileRegexSubset's source. */
export const ANY = '[\\u{0}-\\u{10ffff}]';

/** Compiles a source of the subset (throws an Error with a short message on a syntax error). */
export function compileRegexSubset(src: string): Nfa {
  const tree = parseSubset(src);
  const kind: K[] = [];
  const out: number[] = [];
  const out2: number[] = [];
  const ranges: (number[] | null)[] = [];
  const neg: boolean[] = [];
  const add = (k: K, r: number[] | null = null, n = false): number => {
    kind.push(k);
    out.push(-1);
    out2.push(-1);
    ranges.push(r);
    neg.push(n);
    return kind.length - 1;
  };
  // Each fragment: its start state and the dangling exits (state, which out) to patch.
  type Frag = { start: number; exits: [number, 1 | 2][] };
  const patch = (exits: Frag['exits'], to: number) => {
    for (const [s, w] of exits) (w === 1 ? out : out2)[s] = to;
  };
  const build = (n: Node): Frag => {
    switch (n.t) {
      case 'char': {
        const rs: number[] = [];
        for (let k = 0; k < n.ranges.length; k += 2) rs.push(n.ranges[k]!, n.ranges[k + 1]!);
        const s = add(K.Char, rs, n.neg);
        return { start: s, exits: [[s, 1]] };
      }
      case 'assert': {
        const s = add(n.k);
        return { start: s, exits: [[s, 1]] };
      }
      case 'cat': {
        if (!n.xs.length) {
          const s = add(K.Jmp);
          return { start: s, exits: [[s, 1]] };
        }
        const fs = n.xs.map(build);
        for (let k = 0; k + 1 < fs.length; k++) patch(fs[k]!.exits, fs[k + 1]!.start);
        return { start: fs[0]!.start, exits: fs[fs.length - 1]!.exits };
      }
      case 'alt': {
        const fs = n.xs.map(build);
        let start = fs[fs.length - 1]!.start;
        for (let k = fs.length - 2; k >= 0; k--) {
          const s = add(K.Split);
          out[s] = fs[k]!.start;
          out2[s] = start;
          start = s;
        }
        return { start, exits: fs.flatMap((f) => f.exits) };
      }
      case 'rep': {
        const f = build(n.x);
        const s = add(K.Split);
        out[s] = f.start;
        if (n.max === Infinity) patch(f.exits, s);
        const exits: Frag['exits'] = n.max === Infinity ? [[s, 2]] : [[s, 2], ...f.exits];
        return { start: n.min === 1 ? f.start : s, exits };
      }
    }
  };
  const f = build(tree);
  patch(f.exits, add(K.Match));
  const size = kind.length;
  return {
    kind,
    out,
    out2,
    ranges,
    neg,
    start: f.start,
    cur: new Int32Array(size),
    next: new Int32Array(size),
    mark: new Int32Array(size),
    gen: 0,
    stack: new Int32Array(size * 2 + 2),
  };
}

const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Does the NFA match a prefix of `s` (it is anchored at the start; `$` states anchor the end)? */
export function nfaTest(p: Nfa, s: string): boolean {
  return simulate(p, s, 0, false, () => true);
}

/** Every `end` (ascending) such that the NFA matches `s.slice(from, end)` from its start. */
export function nfaMatchEnds(p: Nfa, s: string, from = 0): number[] {
  const ends: number[] = [];
  simulate(p, s, from, false, (_start, at) => {
    if (ends[ends.length - 1] !== at) ends.push(at);
    return false;
  });
  return ends;
}

/**
 * The leftmost match of the NFA in `s` at or after `from`, longest at that start ([start, end]), or null. One pass:
 * every state keeps the earliest start that reaches it (a later start there can only match later or shorter).
 */
export function nfaSearch(p: Nfa, s: string, from = 0): [number, number] | null {
  let best: [number, number] | null = null;
  simulate(p, s, from, true, (start, at) => {
    if (!best || start < best[0] || (start === best[0] && at > best[1])) best = [start, at];
    return false;
  });
  return best;
}

/**
 * The state-set simulation. Anchored (`search` false): one thread starts at `from`. Searching: a thread starts at
 * every position until something matched, and threads that started after the best match's start are dropped.
 * `onMatch(start, at)` is called when the match state is reached; returning true stops the run (then: true).
 */
function simulate(p: Nfa, s: string, from: number, search: boolean, onMatch: (start: number, at: number) => boolean): boolean {
  const { kind, out, out2, mark, stack } = p;
  const size = kind.length;
  let cur = search ? new Int32Array(size) : p.cur;
  let next = search ? new Int32Array(size) : p.next;
  // each thread's start (searching only: anchored threads all start at `from`)
  let curStart = search ? new Int32Array(size) : null;
  let nextStart = search ? new Int32Array(size) : null;
  let stop = false;
  let bestStart = -1;
  // adds `s0` and everything reachable from it without consuming input at position `at` to `list`
  const close = (s0: number, start: number, list: Int32Array, starts: Int32Array | null, len: number, at: number): number => {
    let sp = 0;
    stack[sp++] = s0;
    while (sp > 0) {
      const st = stack[--sp]!;
      if (st < 0 || mark[st] === p.gen) continue;
      mark[st] = p.gen;
      switch (kind[st]) {
        case K.Char:
          if (starts) starts[len] = start;
          list[len++] = st;
          break;
        case K.Match:
          if (bestStart < 0 || start < bestStart) bestStart = start;
          if (onMatch(start, at)) stop = true;
          break;
        case K.Jmp:
          stack[sp++] = out[st]!;
          break;
        case K.Split:
          stack[sp++] = out2[st]!;
          stack[sp++] = out[st]!;
          break;
        case K.Bol:
          if (at === 0) stack[sp++] = out[st]!;
          break;
        case K.Eol:
          if (at === s.length) stack[sp++] = out[st]!;
          break;
        default: {
          const before = at > 0 && isWordCode(s.charCodeAt(at - 1));
          const after = at < s.length && isWordCode(s.charCodeAt(at));
          if ((before !== after) === (kind[st] === K.WordB)) stack[sp++] = out[st]!;
        }
      }
    }
    return len;
  };
  p.gen++;
  let nCur = close(p.start, from, cur, curStart, 0, from);
  let at = from;
  while (!stop && at < s.length && (nCur > 0 || (search && bestStart < 0))) {
    const c = s.codePointAt(at)!;
    const nextAt = at + (c > 0xffff ? 2 : 1);
    p.gen++;
    let nNext = 0;
    // threads in order of their start (earliest first), so a state keeps its earliest start
    for (let k = 0; k < nCur && !stop; k++) {
      const st = cur[k]!;
      const start = curStart ? curStart[k]! : from;
      if (bestStart >= 0 && start > bestStart) continue;
      const rs = p.ranges[st]!;
      let hit = false;
      for (let r = 0; r < rs.length; r += 2)
        if (c >= rs[r]! && c <= rs[r + 1]!) {
          hit = true;
          break;
        }
      if (hit !== p.neg[st]) nNext = close(out[st]!, start, next, nextStart, nNext, nextAt);
    }
    if (search && bestStart < 0 && !stop) nNext = close(p.start, nextAt, next, nextStart, nNext, nextAt);
    [cur, next] = [next, cur];
    [curStart, nextStart] = [nextStart, curStart];
    nCur = nNext;
    at = nextAt;
  }
  if (p.gen > 0x3fffffff) {
    p.mark.fill(0);
    p.gen = 0;
  }
  return stop;
}
