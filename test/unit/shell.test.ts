// The RUN script splitter: the fast path for plain scripts must agree with the real shell parse (mvdan/sh) — checked
// on hand-written scripts and on every RUN of the corpus (read in place from ../shared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syntax } from 'mvdan-sh';
import { analyze } from '../../server/src/engine';
import { MAX_PARSED_SCRIPT_CHARS, MAX_PARSED_SCRIPT_WORDS, parseScript, SIMPLE_SCRIPT } from '../../server/src/engine/shell';
import { corpusDockerfilesOrSkip } from '../corpus/checks';

function fullParse(script: string): string[][] {
  const p = syntax.NewParser();
  const f = p.Parse(script, '');
  const out: string[][] = [];
  syntax.Walk(f, (n) => {
    if (n && syntax.NodeType(n) === 'CallExpr') out.push((n as unknown as { Args: { Lit(): string }[] }).Args.map((w) => w.Lit()));
    return true;
  });
  return out;
}

test('commands of plain and compound scripts', () => {
  assert.deepEqual(parseScript('apt-get update && apt-get install -y curl').commands.map((c) => c.words), [['apt-get', 'update'], ['apt-get', 'install', '-y', 'curl']]);
  assert.deepEqual(parseScript('if [ -f x ]; then npm ci; fi').commands.map((c) => c.words), [['[', '-f', 'x', ']'], ['npm', 'ci']]);
  assert.deepEqual(parseScript('pip install -r "req s.txt" | tee log').commands.map((c) => c.words), [['pip', 'install', '-r', 'req s.txt'], ['tee', 'log']]);
  assert.deepEqual(parseScript('a \\\n  && b').commands.map((c) => c.words), [['a'], ['b']]);
  assert.equal(parseScript('if then fi ((').parsed, false, 'a script that does not parse falls back to a split');
});

test('scripts past the full parser\'s limits are split and marked not parsed; every RUN of the corpus is far under them', (t) => {
  // not plain (quotes): they would go to the full parser; n commands are 2n words
  const words = (n: number) => Array.from({ length: n }, (_, i) => `echo "w${i}"`).join('; ');
  const n = MAX_PARSED_SCRIPT_WORDS / 2;
  const under = parseScript(words(n - 5));
  assert.equal(under.parsed, true);
  assert.deepEqual(under.commands[1]!.words, ['echo', 'w1']);
  const over = parseScript(words(n + 5));
  assert.equal(over.parsed, false);
  assert.equal(over.commands.length, n + 5);
  assert.equal(parseScript('x="' + 'a'.repeat(MAX_PARSED_SCRIPT_CHARS) + '"').parsed, false);
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  let longest = 0;
  let most = 0;
  for (const f of fs.readdirSync(dir)) {
    for (const s of analyze(fs.readFileSync(path.join(dir, f), 'utf8')).steps) {
      if (s.script === undefined) continue;
      longest = Math.max(longest, s.script.length);
      most = Math.max(most, s.script.split(/\s+/).length);
    }
  }
  t.diagnostic(`longest RUN script of the corpus: ${longest} characters, ${most} words`);
  assert.ok(longest * 4 < MAX_PARSED_SCRIPT_CHARS && most * 4 < MAX_PARSED_SCRIPT_WORDS, `${longest} characters, ${most} words`);
});

test('the fast path agrees with mvdan/sh on every plain RUN of the corpus', (t) => {
  const dir = corpusDockerfilesOrSkip(t);
  if (!dir) return;
  let plain = 0;
  for (const f of fs.readdirSync(dir)) {
    const m = analyze(fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const s of m.steps) {
      if (s.script === undefined || !SIMPLE_SCRIPT.test(s.script)) continue;
      let want: string[][];
      try {
        want = fullParse(s.script);
      } catch {
        continue;
      }
      const got = parseScript(s.script);
      if (!got.parsed) continue;
      plain++;
      assert.deepEqual(got.commands.map((c) => c.words), want, `${f} line ${s.line + 1}: ${s.script}`);
    }
  }
  t.diagnostic(`plain scripts compared: ${plain}`);
  assert.ok(plain > 50);
});
