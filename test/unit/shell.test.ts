// The RUN script splitter: the fast path for plain scripts must agree with the real shell parse (mvdan/sh) — checked
// on hand-written scripts and on every RUN of the corpus (read in place from ../shared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syntax } from 'mvdan-sh';
import { analyze } from '../../server/src/engine';
import { parseScript, SIMPLE_SCRIPT } from '../../server/src/engine/shell';
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
