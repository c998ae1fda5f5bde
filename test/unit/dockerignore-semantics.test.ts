// `.dockerignore` semantics case by case (engine/dockerignore.ts): what a user sees — which paths a pattern keeps out
// of the context, which pattern decides, and which lines Docker refuses. Quick, precise cases (the randomised
// agreement with balena is test/context/dockerignore.test.ts); written against the mutants StrykerJS found alive.
// The refused / accepted pattern lists were measured with `docker build` (Docker 20.10.24, Go 1.19, BuildKit) on the
// shared builder: "error from sender: invalid excludepatterns: …: syntax error in pattern" or a build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goClean, goTrimSpace, parseDockerignore } from '../../server/src/engine/dockerignore';

/** The paths of `paths` the ignore file keeps out of the context. */
const ignored = (text: string, paths: string[]): string[] => {
  const ig = parseDockerignore(text);
  return paths.filter((p) => ig.ignores(p));
};

test("Go's strings.TrimSpace: exactly unicode.IsSpace is trimmed (not U+FEFF, U+200B, U+180E)", () => {
  const spaces = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2005, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];
  const others = [0x08, 0x0e, 0x1f, 0x21, 0x84, 0x86, 0x9f, 0xa1, 0xff, 0x100, 0x167f, 0x1681, 0x180e, 0x1fff, 0x200b, 0x2027, 0x202a, 0x202e, 0x2030, 0x205e, 0x2060, 0x2fff, 0x3001, 0xfeff];
  for (const c of spaces) {
    const s = String.fromCharCode(c);
    assert.equal(goTrimSpace(s + 'x' + s), 'x', c.toString(16));
    assert.equal(goTrimSpace(s + s), '', c.toString(16));
    // a pattern line with it around: the same pattern
    assert.deepEqual(parseDockerignore(s + 'x' + s).patterns.map((p) => p.cleaned), ['x'], c.toString(16));
  }
  for (const c of others) {
    const s = String.fromCharCode(c);
    assert.equal(goTrimSpace(' ' + s + 'x' + s + ' '), s + 'x' + s, c.toString(16));
  }
  assert.equal(goTrimSpace(''), '');
  assert.equal(goTrimSpace(' a b '), 'a b');
});

test("Go's filepath.Clean on the patterns", () => {
  // Go's own table (path/filepath cleantests, '/' system)
  const cases: [string, string][] = [
    ['abc', 'abc'], ['abc/def', 'abc/def'], ['a/b/c', 'a/b/c'], ['.', '.'], ['..', '..'], ['../..', '../..'], ['../../abc', '../../abc'],
    ['/abc', '/abc'], ['/', '/'], ['', '.'], ['abc/', 'abc'], ['abc/def/', 'abc/def'], ['./', '.'], ['../', '..'], ['../../', '../..'],
    ['/abc/', '/abc'], ['abc//def//ghi', 'abc/def/ghi'], ['//abc', '/abc'], ['///abc', '/abc'], ['//abc//', '/abc'], ['abc//', 'abc'],
    ['abc/./def', 'abc/def'], ['/./abc/def', '/abc/def'], ['abc/.', 'abc'], ['abc/def/ghi/../jkl', 'abc/def/jkl'], ['abc/def/../ghi/../jkl', 'abc/jkl'],
    ['abc/def/..', 'abc'], ['abc/def/../..', '.'], ['/abc/def/../..', '/'], ['abc/def/../../..', '..'], ['/abc/def/../../..', '/'],
    ['abc/def/../../../ghi/jkl/../../../mno', '../../mno'], ['/../abc', '/abc'], ['abc/./../def', 'def'], ['abc//./../def', 'def'],
    ['abc/../../././../def', '../../def'], ['../a/..', '..'], ['a/../../b/./c//', '../b/c'],
  ];
  for (const [i, o] of cases) assert.equal(goClean(i), o, JSON.stringify(i));
  // as patterns: one leading `/` dropped, `..` kept (it matches no context path)
  assert.deepEqual(parseDockerignore('/a/./b/\n/\n../x\n./c\n!/d/../e').patterns.map((p) => [p.cleaned, p.negated]), [
    ['a/b', false],
    ['/', false],
    ['../x', false],
    ['c', false],
    ['e', true],
  ]);
  assert.deepEqual(ignored('/\n../x', ['x', 'a', '.']), []);
});

test('reading the file: lines, comments, BOM, `!`, line numbers and texts', () => {
  const ig = parseDockerignore('\uFEFF# c\r\na\r\n\r\n  #b\n\t!  c  \n!\n\n x \n#\n\uFEFFd\ne');
  assert.deepEqual(
    ig.patterns.map((p) => [p.text, p.line, p.negated, p.cleaned]),
    [
      ['a', 2, false, 'a'],
      ['#b', 4, false, '#b'],
      ['!  c', 5, true, 'c'],
      ['x', 8, false, 'x'],
      ['\uFEFFd', 10, false, '\uFEFFd'],
      ['e', 11, false, 'e'],
    ],
  );
  assert.deepEqual(ig.errors, [{ line: 6, message: 'illegal exclusion pattern: "!"' }]);
  assert.equal(ig.hasExceptions, true);
  assert.equal(parseDockerignore('a\nb').hasExceptions, false);
  // the BOM is dropped from the first line only, before the comment check
  assert.deepEqual(parseDockerignore('\uFEFFa').patterns.map((p) => p.cleaned), ['a']);
  assert.deepEqual(parseDockerignore('\uFEFF#a').patterns, []);
  // only a trailing `\r` is the line end's (and Go's TrimSpace drops a leading one)
  assert.deepEqual(parseDockerignore('\rab\n\r\rcd\r').patterns.map((p) => p.cleaned), ['ab', 'cd']);
  // a final line without a newline, and only newlines
  assert.deepEqual(parseDockerignore('a\nb').patterns.map((p) => p.line), [1, 2]);
  assert.deepEqual(parseDockerignore('\n\n\n').patterns, []);
  // `!` with only spaces or a slash after it is a lone `!` (measured: `!/` is refused: illegal exclusion pattern)
  assert.equal(parseDockerignore('!   ').errors.length, 1);
  assert.deepEqual(parseDockerignore('!/').errors, [{ line: 1, message: 'illegal exclusion pattern: "!"' }]);
  assert.equal(parseDockerignore('!/').patterns.length, 0);
  // `!!a`: the second `!` is part of the pattern
  assert.deepEqual(parseDockerignore('!!a').patterns.map((p) => [p.negated, p.cleaned]), [[true, '!a']]);
  assert.deepEqual(ignored('*\n!!a', ['!a', 'a']), ['a']);
});

test('Docker refuses the patterns filepath.Match refuses, and only those (measured on the builder)', () => {
  const refused = ['a\\', '!a\\', '\\', '*\\', '[a]\\', '[]a]', '[a-]', 'x/[-a]', '[^]a]', '[a-b-c]', '[a\\]', '[]', '[^a', 'x[', '*[', '.*[', '.*\\', '?*[', '*.*\\', '[.]*\\'];
  const accepted = ['b', '[\\]]', 'a\\\\', '[!a]', '[*]', '[[:digit:]]x', 'a\\*', 'a*\\', 'a*b*\\', '[a]]', ']', 'a]b', '[a-z]', '\\12'];
  for (const p of refused) {
    const ig = parseDockerignore('keep\n' + p);
    assert.equal(ig.errors.length, 1, `${p} is refused`);
    assert.equal(ig.errors[0]!.line, 2);
    assert.match(ig.errors[0]!.message, /^syntax error in pattern /);
    assert.equal(ig.ignores('keep'), true);
  }
  for (const p of accepted) assert.deepEqual([p, parseDockerignore(p).errors], [p, []]);
  // patterns Go's regexp refuses when they are matched (Docker: "failed to match excludepatterns")
  for (const p of ['a*[', '*a*[', 'a*[]', '[z-a]', '[a-\\]]', '\\e', '\\8']) assert.equal(parseDockerignore(p).errors.length, 1, p);
  // valid Go regexp escapes Layerwise does not translate: not applied, said so (a limit), not "Docker refuses"
  for (const p of ['\\x41', '[\\x41]', '\\pL', '[[:^alpha:]]', '\\Qa']) {
    const ig = parseDockerignore(p);
    assert.deepEqual([p, ig.errors, ig.limits.length], [p, [], 1]);
    assert.match(ig.limits[0]!.message, /Layerwise does not apply \(Docker does\)/);
    assert.equal(ig.ignores('A'), false);
  }
});

test('how each kind of pattern matches', () => {
  const P = ['a', 'b', 'ab', 'a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'x/a', 'x/y/a', 'xa', 'a.md', 'x/a.md', 'x/y/a.md', 'amd', 'a\nb/b', 'a/c\nd/b', 'a/c\rd/b'];
  const cases: [string, string[]][] = [
    ['a', ['a', 'a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'a/c\nd/b', 'a/c\rd/b']],
    ['a/**', ['a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'a/c\nd/b', 'a/c\rd/b']],
    ['a**', ['a', 'ab', 'a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'a.md', 'amd', 'a\nb/b', 'a/c\nd/b', 'a/c\rd/b']],
    ['**', P],
    ['**/a', ['a', 'a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'x/a', 'x/y/a', 'a/c\nd/b', 'a/c\rd/b']],
    ['**a', ['a', 'a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'x/a', 'x/y/a', 'xa', 'a/c\nd/b', 'a/c\rd/b']],
    ['**.md', ['a.md', 'x/a.md', 'x/y/a.md']],
    ['**/*.md', ['a.md', 'x/a.md', 'x/y/a.md']],
    ['*.md', ['a.md']],
    ['a/**/b', ['a/b', 'a/x/b', 'a/x/y/b', 'a/c\rd/b']],
    ['a/*/b', ['a/x/b', 'a/c\nd/b', 'a/c\rd/b']],
    ['a/?/b', ['a/x/b']],
    ['?', ['a', 'b', 'a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'x/a', 'x/y/a', 'x/a.md', 'x/y/a.md', 'a/c\nd/b', 'a/c\rd/b']],
    ['a?', ['ab']],
    ['*/a', ['x/a']],
    ['x/**/**', ['x/a', 'x/y/a', 'x/a.md', 'x/y/a.md']],
    ['a.md', ['a.md']],
    ['a\\.md', ['a.md']],
    ['a?md', ['a.md']],
    ['[ab]', ['a', 'b', 'a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'a/c\nd/b', 'a/c\rd/b']],
    ['[^a]', ['b', 'x/a', 'x/y/a', 'x/a.md', 'x/y/a.md']],
    ['x[a]', ['xa']],
    ['\\a', []], // Go's \a is BEL, not `a`
  ];
  for (const [pat, want] of cases) assert.deepEqual(ignored(pat, P), want, pat);
  // regexp characters are literal
  const lits = ['c++', 'f(1)', 'a|b', '{a,b}', 'a$', 'a.b', 'x+', 'x^'];
  for (const l of lits) {
    assert.deepEqual(ignored(l, [...lits, 'c', 'cc', 'f1', 'a', 'b', 'axb', 'xx']), [l], l);
    if (l !== 'x^') assert.deepEqual(ignored('*' + l, [l, 'z' + l, 'c', 'cc', 'f1', 'a', 'axb', 'xx', 'zaxb']), [l, 'z' + l], '*' + l);
  }
  // `^` is not escaped (patternmatcher's shouldEscape has no `^`): in a regexp pattern it is Go's start anchor
  assert.deepEqual(ignored('*x^', ['x^', 'zx^', 'x']), []);
  assert.deepEqual(ignored('**/c++', ['c++', 'x/c++', 'cc', 'x/cc']), ['c++', 'x/c++']);
  // Go regexp escapes and classes (patternmatcher hands `\x` on; classes are Go classes)
  const chars = ['a', 'A', 'z', 'Z', '0', '9', '_', '-', ' ', '\t', '\n', '\r', '\f', '\v', '\u0007', '#', '!', '~', '\u0000', '\u007f', 'é'];
  const classes: [string, string][] = [
    ['\\d', '09'], ['\\D', 'aAzZ_- \t\n\r\f\v\u0007#!~\u0000\u007fé'], ['\\s', ' \t\n\r\f'], ['\\S', 'aAzZ09_-\v\u0007#!~\u0000\u007fé'],
    ['\\w', 'aAzZ09_'], ['\\W', '- \t\n\r\f\v\u0007#!~\u0000\u007fé'], ['\\t', '\t'], ['\\n', '\n'], ['\\r', '\r'], ['\\f', '\f'], ['\\v', '\v'], ['\\a', '\u0007'],
    ['\\#', '#'], ['\\!', '!'], ['[\\d]', '09'], ['[\\s]', ' \t\n\r\f'], ['[\\w\\-]', 'aAzZ09_-'], ['[\\t]', '\t'], ['[a\\-z]', 'az-'], ['[\\]]', ''],
    ['[[:alnum:]]', 'aAzZ09'], ['[[:alpha:]]', 'aAzZ'], ['[[:ascii:]]', 'aAzZ09_- \t\n\r\f\v\u0007#!~\u0000\u007f'], ['[[:blank:]]', ' \t'],
    ['[[:cntrl:]]', '\t\n\r\f\v\u0007\u0000\u007f'], ['[[:digit:]]', '09'], ['[[:graph:]]', 'aAzZ09_-#!~'], ['[[:lower:]]', 'az'],
    ['[[:print:]]', 'aAzZ09_- #!~'], ['[[:punct:]]', '_-#!~'], ['[[:space:]]', ' \t\n\r\f\v'], ['[[:upper:]]', 'AZ'], ['[[:word:]]', 'aAzZ09_'],
    ['[[:xdigit:]]', 'aA09'], ['[[:digit:]a]', 'a09'], ['[^[:digit:]a]', 'AzZ_- \t\n\r\f\v\u0007#!~\u0000\u007fé'], ['[a-c]', 'a'], ['[Z-a]', 'aZ_'],
  ];
  for (const [pat, want] of classes) {
    const ig = parseDockerignore(pat);
    assert.deepEqual([pat, ig.errors, ig.limits], [pat, [], []]);
    assert.equal(chars.filter((c) => ig.ignores(c)).join(''), [...want].filter((c) => chars.includes(c)).join(''), pat);
  }
  // `[:` up to the next `:]` names a class: an unknown name is an error (measured: "failed to match excludepatterns");
  // without a `:]` the characters are plain class members
  for (const p of ['[[:foo:]]', '[a[:b:]]', '[[:a-b:]]', '[[:constructor:]]', '[[:digit:]', '[[:^foo:]]']) assert.equal(parseDockerignore(p).errors.length, 1, p);
  assert.deepEqual(ignored('[[:x]', ['[', ':', 'x', 'y', '[:x]']), ['[', ':', 'x']);
  // `\b`, `\B`, `\A`, `\z` are regexp assertions (patternmatcher passes them on)
  assert.deepEqual(ignored('a\\b*', ['a', 'ab', 'a-b', 'a.x']), ['a', 'a-b', 'a.x']);
  assert.deepEqual(ignored('a\\B*', ['a', 'ab', 'a-b']), ['ab']);
  assert.deepEqual(ignored('\\Aa*', ['a', 'ab', 'ba']), ['a', 'ab']);
  assert.deepEqual(ignored('a\\z*', ['a', 'ab']), ['a']);
  // a trailing backslash after a wildcard: Go's `\$` is a literal `$` and the pattern has no end anchor
  assert.deepEqual(ignored('a*\\', ['a', 'a$', 'ab$', 'ab$x', 'b$', 'a/$']), ['a$', 'ab$', 'ab$x']);
  assert.deepEqual(ignored('a*\\\\\\', ['a\\$', 'ab\\$x', 'a\\', 'a$']), ['a\\$', 'ab\\$x']);
  assert.deepEqual(ignored('a*\\\\', ['a\\', 'ab\\', 'a\\x', 'a']), ['a\\', 'ab\\']);
});

test('which pattern decides: last match wins, exceptions, directories', () => {
  const d = (text: string, p: string) => parseDockerignore(text).decide(p);
  assert.deepEqual(d('a\na', 'a'), { ignored: true, pattern: 0 }, 'the first of equal exact patterns in a run');
  assert.deepEqual(d('*\na', 'a'), { ignored: true, pattern: 0 }, 'the first matching pattern of a run decides');
  assert.deepEqual(d('a\n*', 'a'), { ignored: true, pattern: 0 }, 'an exact first pattern, a wildcard after it');
  assert.deepEqual(d('b\na\n*', 'a'), { ignored: true, pattern: 1 });
  assert.deepEqual(d('*\n!a\na', 'a'), { ignored: true, pattern: 2 });
  assert.deepEqual(d('*\n!a\n!b', 'a'), { ignored: false, pattern: 1 });
  assert.deepEqual(d('*\n!a\nb', 'a'), { ignored: false, pattern: 1 });
  assert.deepEqual(d('!a\n*', 'a'), { ignored: true, pattern: 1 }, 'an exception before any exclusion is never evaluated');
  assert.deepEqual(d('!a', 'a'), { ignored: false, pattern: -1 });
  assert.deepEqual(d('a\n!*\na*', 'ab'), { ignored: true, pattern: 2 });
  assert.deepEqual(d('x*\n!xa\nx?', 'xa'), { ignored: true, pattern: 2 });
  assert.deepEqual(d('x*\n!x?\n!xa', 'xa'), { ignored: false, pattern: 1 });
  // below an excluded directory: the directory's match sticks (the last pattern that matched a parent decides)
  assert.deepEqual(d('a', 'a/b/c'), { ignored: true, pattern: 0 });
  // a later pattern of the same run is not evaluated once a parent's match already decided (fsutil skips it)
  assert.deepEqual(d('a\na/b', 'a/b'), { ignored: true, pattern: 0 });
  assert.deepEqual(d('a\na/b\n!a/b/c', 'a/b/c'), { ignored: false, pattern: 2 });
  assert.deepEqual(d('a\na/b', 'a/b/c'), { ignored: true, pattern: 0 });
  assert.deepEqual(d('a\n!a/b', 'a/b/c'), { ignored: false, pattern: 1 });
  assert.deepEqual(d('a\n!a/b\na/b/c', 'a/b/c'), { ignored: true, pattern: 2 });
  assert.deepEqual(d('a\n!a/b\na', 'a/b/c'), { ignored: false, pattern: 1 }, 'the last `a` was skipped at `a` (already matched), so it does not stick');
  assert.deepEqual(d('a\n!a/b\n*', 'a/b/c'), { ignored: false, pattern: 1 }, '`*` matches only the top level');
  assert.deepEqual(d('a\nb\n!a/b', 'a/b/c'), { ignored: false, pattern: 2 });
  assert.deepEqual(d('a\n!a\na/b', 'a/b/c'), { ignored: true, pattern: 2 });
  assert.deepEqual(d('a\n!a\na/b', 'a/c'), { ignored: false, pattern: 1 });
  assert.deepEqual(d('**/x\n!a/**/x', 'a/b/x/y'), { ignored: false, pattern: 1 });
  assert.deepEqual(d('*/x\nb\n!a/x', 'a/x/y'), { ignored: false, pattern: 2 });
  // a pattern Docker refuses or Layerwise does not apply never decides
  assert.deepEqual(d('a\n[', 'a'), { ignored: true, pattern: 0 });
  assert.deepEqual(d('a*\n!\\xa1', 'ab'), { ignored: true, pattern: 0 });
  // paths as callers may write them
  const ig = parseDockerignore('a/b');
  for (const p of ['a/b', './a/b', '/a/b', 'a/b/', 'a//b', 'a/./b', './a/b/c', 'a/b//c']) assert.equal(ig.ignores(p), true, p);
  for (const p of ['', '.', './', '/', 'a', 'a/c', 'b']) assert.equal(ig.ignores(p), false, p);
  assert.deepEqual(parseDockerignore('*').decide('.'), { ignored: false, pattern: -1 }, 'the context root itself is always sent');
  assert.deepEqual(parseDockerignore('').decide('a'), { ignored: false, pattern: -1 });
  // the same text gives the same (shared) matcher
  assert.equal(parseDockerignore('a\nb'), parseDockerignore('a\nb'));
});

test('canSkipDir: an excluded directory no exception can reach below', () => {
  const can = (text: string, dirs: string[]) => {
    const ig = parseDockerignore(text);
    return dirs.filter((x) => ig.canSkipDir(x));
  };
  const D = ['a', 'a/b', 'a/b/c', 'b', 'src', 'src/x', 'x', 'ab'];
  assert.deepEqual(can('a\nb', D), ['a', 'a/b', 'a/b/c', 'b']);
  assert.deepEqual(can('', D), []);
  assert.deepEqual(can('a\n!a/b', D), []);
  assert.deepEqual(can('a\n!a/b/**', D), []);
  assert.deepEqual(can('a\n!a/b/*', D), []);
  assert.deepEqual(can('a\nb\n!b/x', D), ['a', 'a/b', 'a/b/c']);
  assert.deepEqual(can('a\nsrc\n!src/**/*.keep', D), ['a', 'a/b', 'a/b/c']);
  assert.deepEqual(can('a\nsrc\n!src/x*', D), ['a', 'a/b', 'a/b/c']);
  assert.deepEqual(can('a\nsrc\n!s*', D), []);
  assert.deepEqual(can('a\nab\n!a/b', D), ['ab'], '`a/` is not a prefix of `ab/`');
  assert.deepEqual(can('a\n!ab', D), ['a', 'a/b', 'a/b/c']);
  assert.deepEqual(can('a\n!a/b/c/d', D), []);
  assert.deepEqual(can('a\n!x/y\n!a/[b]', D), []);
  assert.deepEqual(can('*\n!x', ['a', 'x', 'x/y']), ['a']);
  // the prefix an exception reaches: `!abcdef/**` all of abcdef/; `!src/x*` src/ (not srcx/); `!a/b` a/b/ (not a/bc/)
  assert.deepEqual(can('abcdef\n!abcdef/**', ['abcdef', 'abcdef/x']), []);
  assert.deepEqual(can('*\n!src/x*', ['src', 'src/x', 'srcx', 'sr']), ['srcx', 'sr']);
  assert.deepEqual(can('*\n!a/b', ['a', 'a/b', 'a/bc', 'a/c']), ['a/bc', 'a/c']);
  for (const x of ['a/', './a', '/a']) assert.equal(parseDockerignore('a').canSkipDir(x), true, x);
  assert.equal(parseDockerignore('*').canSkipDir('.'), false);
  assert.equal(parseDockerignore('*').canSkipDir(''), false);
});

test('which check refuses a pattern: Go\'s filepath.Match against "." (it stops at the first chunk that fails) or Go\'s regexp', () => {
  // filepath.Match(pattern, ".") reads chunk by chunk and returns at the first one that does not match "." (Go before
  // the remainder check): a bad class after it is only found when patternmatcher's regexp is compiled
  const byMatch = ['[\\', '?*[', '[.]*[', '[a.]*[', '*[', 'x[', '*a?['];
  const byRegexp = ['a*[', '*a*[', '[a]*[', '[+-,]*[', '?*a*['];
  for (const p of byMatch) assert.deepEqual([p, parseDockerignore(p).errors.map((e) => e.message)], [p, [`syntax error in pattern ${JSON.stringify(p)}: Docker's check (Go's filepath.Match) refuses it`]]);
  for (const p of byRegexp) assert.deepEqual([p, parseDockerignore(p).errors.map((e) => e.message)], [p, [`syntax error in pattern ${JSON.stringify(p)}: missing closing ]`]]);
  // the messages of Go's regexp errors and of what Layerwise does not translate
  assert.deepEqual(parseDockerignore('\\e').errors.map((e) => e.message), ['syntax error in pattern "\\\\e": invalid escape \\e']);
  assert.deepEqual(parseDockerignore('[[:foo:]]').errors.map((e) => e.message), ['syntax error in pattern "[[:foo:]]": invalid character class [:foo:]']);
  assert.match(parseDockerignore('\\x41').limits[0]!.message, /uses \\x escapes of Go's regexp syntax/);
  assert.match(parseDockerignore('[[:^alpha:]]').limits[0]!.message, /uses negated POSIX classes of Go's regexp syntax/);
});

test('classes and brackets as Go\'s regexp reads them', () => {
  const ig = (p: string, path: string) => parseDockerignore(p).ignores(path);
  // a class alone is a regexp (not the literal text `[ab]`)
  assert.deepEqual([ig('[ab]', 'a'), ig('[ab]', '[ab]')], [true, false]);
  // `^` negates: `^` and `[` are members of `[^a]`
  assert.deepEqual([ig('[^a]', '^'), ig('[^a]', '['), ig('[^a]', 'a')], [true, true, false]);
  // a named class after a member
  assert.deepEqual([ig('[a[:digit:]]', '5'), ig('[a[:digit:]]', 'a'), ig('[a[:digit:]]', 'b')], [true, true, false]);
  // a `]` outside a class is itself
  assert.deepEqual([ig('a]b', 'a]b'), ig('a]b', 'ab')], [true, false]);
  // `[:` opens a class name only as `[` then `:` (Go's parseClass): `:` after another member, or `[` before another
  // character, is a member; a name up to `:]` is looked up, an empty one `[::]` as well (Go: invalid character class)
  assert.deepEqual([ig('[a:b:]]', 'b]'), ig('[a:b:]]', ':]'), ig('[a:b:]]', 'b'), parseDockerignore('[a:b:]]').errors], [true, true, false, []]);
  assert.deepEqual([ig('[[a:]]', 'a]'), ig('[[a:]]', '[]'), ig('[[a:]]', 'a'), parseDockerignore('[[a:]]').errors], [true, true, false, []]);
  assert.deepEqual(parseDockerignore('[[::]]').errors.map((e) => e.message), ['syntax error in pattern "[[::]]": invalid character class [::]']);
  // inside a class `\b`, `\B`, `\A`, `\z` are no assertions: Go's parseEscape refuses them (letters other than its
  // escapes), as it does `\e` outside one
  for (const c of ['b', 'B', 'A', 'z']) assert.deepEqual(parseDockerignore(`[\\${c}]`).errors.map((e) => e.message), [`syntax error in pattern "[\\\\${c}]": invalid escape \\${c}`], c);
  // an escaped backslash at the end: the pattern ends in `\` itself (an even count), the whole pattern or after a wildcard
  assert.deepEqual([ig('\\\\', '\\'), ig('\\\\', '\\\\'), ig('ab*\\\\', 'abc\\'), ig('ab*\\\\', 'abc'), ig('ab*x\\\\', 'abcx\\')], [true, false, true, false, true]);
});

test('blank and comment lines are no patterns', () => {
  assert.deepEqual(parseDockerignore('a\n\n   \n\t\n# c\nb\n').patterns.map((p) => [p.cleaned, p.line]), [['a', 1], ['b', 6]]);
});

test('suffix patterns (`**/foo`, `**foo`): strings.HasSuffix, and `**/foo` matches `foo` itself, nothing shorter', () => {
  const ig = (p: string, path: string) => parseDockerignore(p).ignores(path);
  assert.deepEqual(['foo', 'x/foo', 'xfoo', 'oo', 'o'].map((p) => ig('**/foo', p)), [true, true, false, false, false]);
  assert.deepEqual(['foo', 'xfoo', 'oo'].map((p) => ig('**foo', p)), [true, true, false]);
});

test('more than 10,000 patterns: the rest is not applied, and the limit says so at its line', () => {
  const ig = parseDockerignore(Array.from({ length: 10_001 }, (_, i) => 'p' + i).join('\n'));
  assert.deepEqual(ig.limits, [{ line: 10_001, message: 'more than 10,000 patterns: Layerwise does not apply this line and the ones after it (Docker does), so predictions for this context may be off' }]);
  assert.deepEqual([ig.ignores('p9999'), ig.ignores('p10000')], [true, false]);
});

test('the context root is never ignored, however it is written', () => {
  const ig = parseDockerignore('*');
  for (const p of ['', '.', './', '/', '/./', './/']) assert.deepEqual([p, ig.decide(p)], [p, { ignored: false, pattern: -1 }]);
  assert.equal(ig.ignores('./a'), true);
});
