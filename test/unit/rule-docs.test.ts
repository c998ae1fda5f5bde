// Every rule has docs/rules/<id>.md, and the examples in it are run here: the bad example must trigger the rule, the
// fixed example must not, and for fixable rules applying the fix to the bad example must give exactly the fixed text.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, fixAll, MemoryContext, RULES } from '../../server/src/engine';

const DOCS = path.resolve(__dirname, '../../../docs/rules');

interface Doc {
  bad?: string;
  fixed?: string;
  fixedIgnore?: string;
  context: string[];
}

function parseDoc(md: string): Doc {
  const doc: Doc = { context: [] };
  const re = /(Bad:|Fixed[^\n]*:)?\s*```(dockerfile|context|dockerignore)\n([\s\S]*?)```/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md))) {
    const label = m[1] ?? '';
    const body = m[3]!;
    if (m[2] === 'context') doc.context = body.split('\n').filter(Boolean);
    else if (m[2] === 'dockerignore') doc.fixedIgnore = body;
    else if (label.startsWith('Bad')) doc.bad = body;
    else if (label.startsWith('Fixed')) doc.fixed = body;
  }
  return doc;
}

function contextOf(doc: Doc): MemoryContext {
  const ctx = new MemoryContext('example');
  for (const line of doc.context) {
    // `path: content` gives a file its content (`;` separates lines); a bare path gets its own name as content
    const m = /^([^\s:]+): (.*)$/.exec(line);
    if (m) {
      const content = m[2]!.split(/\s*;\s*/).join('\n') + '\n';
      ctx.addFile(m[1]!, content);
      if (m[1]!.endsWith('.dockerignore')) ctx.setIgnore(m[1]!, content);
    } else ctx.addFile(line, line);
  }
  return ctx;
}

describe('rule docs', () => {
  test('every rule has a doc and every doc a rule', () => {
    const docs = fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, '')).sort();
    assert.deepEqual(docs, RULES.map((r) => r.id).sort());
  });
  for (const rule of RULES) {
    test(`${rule.id}: the doc's examples behave as documented`, () => {
      const doc = parseDoc(fs.readFileSync(path.join(DOCS, rule.id + '.md'), 'utf8'));
      assert.ok(doc.bad, 'doc has a Bad: example');
      const ctx = contextOf(doc);
      const bad = check(doc.bad!, ctx).findings.filter((f) => f.rule === rule.id);
      assert.ok(bad.length > 0, `the bad example triggers ${rule.id}`);
      if (doc.fixed !== undefined) {
        const good = check(doc.fixed, ctx).findings.filter((f) => f.rule === rule.id);
        assert.deepEqual(good.map((f) => f.message), [], 'the fixed example is clean');
      }
      const fixable = bad.some((f) => f.fix);
      if (fixable) {
        const res = fixAll(doc.bad!, ctx, {}, (f) => f.rule === rule.id);
        if (doc.fixed !== undefined && doc.fixedIgnore === undefined) assert.equal(res.text, doc.fixed, 'applying the fix gives the documented text');
        if (doc.fixedIgnore !== undefined) assert.equal(res.ignoreText, doc.fixedIgnore, 'the fix writes the documented .dockerignore');
      }
      assert.match(fs.readFileSync(path.join(DOCS, rule.id + '.md'), 'utf8'), /\*\*Fixable:\*\* (yes|no)/);
      assert.equal(/\*\*Fixable:\*\* yes/.test(fs.readFileSync(path.join(DOCS, rule.id + '.md'), 'utf8')), fixable, 'the doc says whether the rule is fixable, and it is right');
    });
  }
});
