// Untrusted patterns (`.dockerignore` lines, COPY sources, `.layerwise.yaml` and settings globs, `${V#pat}`) are
// matched in linear time: engine/nfa.ts agrees with JavaScript's RegExp on its subset (random sources and inputs),
// the globs agree with picomatch (which the project used before) on its common syntax, and the shapes that made
// the old matchers hang or throw (seen in a seeded stress run and minimised) now give an answer — the right one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import picomatch from 'picomatch';
import { compileRegexSubset, nfaMatchEnds, nfaTest } from '../../server/src/engine/nfa';
import { MAX_PATTERNS, MAX_WILDCARD_PATTERN_CHARS, parseDockerignore } from '../../server/src/engine/dockerignore';
import { globMatcher, globProblem, MAX_GLOB_CHARS } from '../../server/src/engine/glob';
import { sourceSelects } from '../../server/src/engine/explain';
import { expandWord } from '../../server/src/engine/expand';
import { ConfigError, parseConfig } from '../../server/src/engine/config';
import { rng } from '../corpus/checks';

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** A random source of the NFA's subset (it may be invalid: the syntax errors must agree too). */
function randomSource(r: () => number, depth = 0): string {
  const atoms = ['a', 'b', '/', '\\u{2e}', '[ab]', '[^/]', '[a-c]', '[c-a]', '.', '\\b', '\\B', '^', '$', '\\]', '\\t'];
  let s = '';
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.12 && depth < 3) s += (r() < 0.5 ? '(' : '(?:') + randomSource(r, depth + 1) + ')';
    else if (k < 0.17) s += '|';
    else s += pick(r, atoms);
    const q = r();
    if (q < 0.25) s += '*';
    else if (q < 0.33) s += '?';
    else if (q < 0.37) s += '+';
    else if (q < 0.39) s += '*?';
    else if (q < 0.4) s += '**';
  }
  return s;
}

test('the NFA agrees with RegExp (u flag) on random sources of its subset: matches and syntax errors', () => {
  const r = rng(11);
  const inputs: string[] = [];
  for (let i = 0; i < 60; i++) {
    let x = '';
    const len = Math.floor(r() * 9);
    for (let k = 0; k < len; k++) x += pick(r, ['a', 'b', 'c', '/', '.', ']', '\t', '\n', ' ']);
    inputs.push(x);
  }
  let compiled = 0;
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const src = randomSource(r);
    let re: RegExp | null = null;
    try {
      re = new RegExp('^(?:' + src + ')', 'u');
    } catch {
      re = null;
    }
    let nfa = null;
    try {
      nfa = compileRegexSubset(src);
    } catch {
      nfa = null;
    }
    assert.equal(nfa === null, re === null, `syntax verdicts differ on ${JSON.stringify(src)}`);
    if (!re || !nfa) {
      refused++;
      continue;
    }
    compiled++;
    for (const x of inputs) assert.equal(nfaTest(nfa, x), re.test(x), `${JSON.stringify(src)} on ${JSON.stringify(x)}`);
    // every end of a match from the start, as the trims of ${V#pat} use them
    const x = inputs[i % inputs.length]!;
    const want: number[] = [];
    for (let e = 0; e <= x.length; e++) if (new RegExp('^(?:' + src + ')$', 'u').test(x.slice(0, e)) && !/[$\\]|\\b|\\B/.test(src)) want.push(e);
    if (!/[$\\]|\\b|\\B/.test(src)) assert.deepEqual(nfaMatchEnds(nfa, x), want, `ends of ${JSON.stringify(src)} on ${JSON.stringify(x)}`);
  }
  assert.ok(compiled > 1000 && refused > 50, `${compiled} compiled, ${refused} refused`);
});

test('.dockerignore: the shapes that crashed or hung the old matcher answer, and answer right', () => {
  // 33,000 characters of one literal: the fused RegExp overflowed the stack (SyntaxError) — now a string compare
  const longLit = 'a'.repeat(33_000);
  const ig1 = parseDockerignore(longLit + '\n');
  assert.deepEqual([ig1.errors, ig1.limits], [[], []]);
  assert.equal(ig1.ignores(longLit), true);
  assert.equal(ig1.ignores('a'), false);
  // 12,400 `?`: over our wildcard limit: not applied, and said so on its line
  const ig2 = parseDockerignore('x\n' + '?'.repeat(12_400));
  assert.equal(ig2.limits.length, 1);
  assert.equal(ig2.limits[0]!.line, 2);
  assert.match(ig2.limits[0]!.message, /12,400 characters.*does not apply/);
  assert.equal(ig2.ignores('x'), true);
  assert.equal(ig2.ignores('b'.repeat(12_400)), false);
  // `**/` × 100 + `*/src` (exponential backtracking before: 27 s on the protocol thread): it means `**/*/src`
  const redos = parseDockerignore('**/'.repeat(100) + '*/src');
  const plain = parseDockerignore('**/*/src');
  const paths: string[] = [];
  const r = rng(3);
  for (let i = 0; i < 2000; i++) {
    const segs: string[] = [];
    for (let k = 0; k < 1 + Math.floor(r() * 30); k++) segs.push(pick(r, ['a', 'src', 'b', 'srcx', '']));
    paths.push(segs.filter(Boolean).join('/') || 'a');
  }
  paths.push(Array(200).fill('a').join('/') + '/srx');
  for (const p of paths) assert.equal(redos.ignores(p), plain.ignores(p), p);
  assert.ok(paths.some((p) => plain.ignores(p)) && paths.some((p) => !plain.ignores(p)));
  // runs of `!` and `/`-classes up to the limit: compiled, matched in time, the same answer as a short equivalent
  const bangs = '!'.repeat(400) + '[/]'.repeat(100);
  const ig3 = parseDockerignore(`*\n${bangs}\n`);
  assert.equal(ig3.limits.length, 0);
  assert.equal(ig3.ignores('x'), true);
  // a wildcard pattern just at the limit is applied, one character more is not
  const at = 'a*'.repeat(MAX_WILDCARD_PATTERN_CHARS / 2);
  assert.equal(parseDockerignore(at).limits.length, 0);
  assert.equal(parseDockerignore(at).ignores('a'.repeat(600)), true);
  assert.equal(parseDockerignore(at + 'b').limits.length, 1);
  // more lines than the limit: the rest is not applied, one message on the first line left out
  const many = Array.from({ length: MAX_PATTERNS + 5 }, (_, i) => `f${i}`).join('\n');
  const ig4 = parseDockerignore(many);
  assert.equal(ig4.patterns.length, MAX_PATTERNS);
  assert.deepEqual(ig4.limits.map((l) => l.line), [MAX_PATTERNS + 1]);
  assert.equal(ig4.ignores(`f${MAX_PATTERNS - 1}`), true);
  assert.equal(ig4.ignores(`f${MAX_PATTERNS}`), false);
});

test('globs agree with picomatch ({dot: true}) on their common syntax, on random globs and paths', () => {
  const r = rng(21);
  const parts = ['a', 'b', '*', '?', '**', '/', '[ab]', '[^a]', '{a,b}', '{a,b/c}', '.', 'x.Dockerfile', '\\*'];
  const paths: string[] = [];
  for (let i = 0; i < 150; i++) {
    const segs: string[] = [];
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) segs.push(pick(r, ['a', 'b', 'ab', 'c', '.a', 'x.Dockerfile', 'a.b', '*']));
    paths.push(segs.join('/'));
  }
  let n = 0;
  for (let i = 0; i < 1500; i++) {
    let g = '';
    for (let k = 0; k < 1 + Math.floor(r() * 5); k++) g += pick(r, parts);
    if (/\/\/|^\/|\/$/.test(g)) continue; // empty segments: picomatch's own normalisation
    if (/\*\*\*/.test(g) || /[^/]\*\*|\*\*[^/]/.test(g)) continue; // `**` inside a segment: picomatch differs by version
    const pm = picomatch(g, { dot: true });
    const ours = globMatcher(g);
    for (const p of paths) assert.equal(ours(p), pm(p), `${JSON.stringify(g)} on ${JSON.stringify(p)}`);
    n++;
  }
  assert.ok(n > 800, `${n} globs compared`);
  assert.equal(globMatcher('!svc/*')('svc/x'), false);
  assert.equal(globMatcher('!svc/*')('web/x'), true);
  assert.equal(globMatcher('./svc/*.Dockerfile')('svc/a.Dockerfile'), true);
});

test('globs: what made picomatch hang answers, a glob over the limit is refused with a message', () => {
  // picomatch: 10 stars took 35 s on this path
  const g = '*a'.repeat(40) + '*b';
  assert.equal(globMatcher(g)('a'.repeat(400)), false);
  assert.equal(globMatcher(g)('a'.repeat(400) + 'b'), true);
  assert.equal(globMatcher('**/a/'.repeat(50) + 'b')(Array(300).fill('a').join('/') + '/c'), false);
  const long = 'a'.repeat(MAX_GLOB_CHARS + 1);
  assert.match(globProblem(long)!, /1,025 characters/);
  assert.equal(globMatcher(long)(long), false);
  assert.equal(globProblem('[z-a]')?.startsWith('invalid glob'), true);
  assert.throws(() => parseConfig(`ignore:\n  - "${long}"\n`, '.layerwise.yaml'), (e: unknown) => e instanceof ConfigError && /ignore.*1,025 characters/.test(e.message));
});

test('COPY sources and ${V#pat}: pathological wildcards answer (they were backtracking RegExps)', () => {
  const seg = '*a'.repeat(30) + '*b';
  assert.equal(sourceSelects(`src/${seg}`, `src/${'a'.repeat(200)}`), false);
  assert.equal(sourceSelects(`src/${seg}`, `src/${'a'.repeat(200)}b/x`), true);
  assert.equal(sourceSelects('src/[ab]?.txt', 'src/bx.txt'), true);
  assert.equal(sourceSelects('src/[^ab]?.txt', 'src/bx.txt'), false);
  assert.equal(sourceSelects('src/[!ab]?.txt', 'src/bx.txt'), true, "Go's filepath.Match: `!` is a class member");
  const v = 'a'.repeat(3000);
  const env = new Map([['V', v]]);
  assert.equal(expandWord('${V#' + '*a'.repeat(20) + '*b}', env).value, v);
  assert.equal(expandWord('${V#*a}', env).value, v.slice(1));
  assert.equal(expandWord('${V##*a}', env).value, '');
  assert.equal(expandWord('${V%a*}', env).value, v.slice(0, -1));
  assert.equal(expandWord('${V%%a*}', env).value, '');
  assert.equal(expandWord('${V/' + '*a'.repeat(20) + '*b/x}', env).value, v);
  assert.equal(expandWord('${V/aa/x}', new Map([['V', 'baab aa']])).value, 'bxb aa');
  assert.equal(expandWord('${V//a?/x}', new Map([['V', 'abacad']])).value, 'xxx');
  assert.equal(expandWord('${V/b*/x}', new Map([['V', 'abcb']])).value, 'ax');
});
