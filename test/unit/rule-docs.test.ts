// Every rule has docs/rules/<id>.md, and the examples in it are run here: the bad example must trigger the rule, the
// fixed example must not, and for fixable rules applying the fix to the bad example must give exactly the fixed text.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, fixAll, MemoryContext, RULES, type CheckOptions } from '../../server/src/engine';

const DOCS = path.resolve(__dirname, '../../../docs/rules');

interface Doc {
  bad?: string;
  fixed?: string;
  fixedIgnore?: string;
  context: string[];
  /** `No fix offered` under the example: the bad example's finding must come without a fix. */
  noFix?: boolean;
  /** check options (```options block, JSON), e.g. the Dockerfile's path in the context */
  options?: CheckOptions;
  title?: string;
}

function parseDoc(md: string): Doc {
  const doc: Doc = { context: [] };
  const re = /(Bad:|Fixed[^\n]*:)?\s*```(dockerfile|context|dockerignore|options)\n([\s\S]*?)```/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md))) {
    const label = m[1] ?? '';
    const body = m[3]!;
    if (m[2] === 'context') doc.context = body.split('\n').filter(Boolean);
    else if (m[2] === 'options') doc.options = JSON.parse(body) as CheckOptions;
    else if (m[2] === 'dockerignore') doc.fixedIgnore = body;
    else if (label.startsWith('Bad')) doc.bad = body;
    else if (label.startsWith('Fixed')) doc.fixed = body;
  }
  doc.noFix = /\*\*No fix offered\*\*/.test(md);
  return doc;
}

/** The doc's main example (before any `### Example:` heading) and each `### Example: …` section as its own example. */
function parseExamples(md: string): Doc[] {
  const parts = md.split(/^### Example: /m);
  return parts.map((p, i) => ({ ...parseDoc(p), title: i === 0 ? 'main example' : p.split('\n')[0]!.trim() }));
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
    const md = fs.readFileSync(path.join(DOCS, rule.id + '.md'), 'utf8');
    for (const doc of parseExamples(md).slice(1)) {
      test(`${rule.id}: doc example "${doc.title}" behaves as documented`, () => {
        assert.ok(doc.bad, 'the example has a Bad: block');
        const ctx = contextOf(doc);
        const opts = doc.options ?? {};
        const bad = check(doc.bad!, ctx, opts).findings.filter((f) => f.rule === rule.id);
        assert.ok(bad.length > 0, `the bad example triggers ${rule.id}`);
        if (doc.noFix) assert.deepEqual(bad.filter((f) => f.fix).map((f) => f.fix!.title), [], 'no fix is offered');
        if (doc.fixed !== undefined) {
          const good = check(doc.fixed, ctx, opts).findings.filter((f) => f.rule === rule.id);
          assert.deepEqual(good.map((f) => f.message), [], 'the fixed example is clean');
        }
        if (!doc.noFix) {
          assert.ok(bad.some((f) => f.fix), 'a fix is offered');
          const res = fixAll(doc.bad!, ctx, opts, (f) => f.rule === rule.id);
          if (doc.fixed !== undefined) assert.equal(res.text, doc.fixed, 'applying the fix gives the documented text');
          if (doc.fixedIgnore !== undefined) assert.equal(res.ignoreText, doc.fixedIgnore, 'the fix writes the documented .dockerignore');
        }
      });
    }
    test(`${rule.id}: the doc's examples behave as documented`, () => {
      const doc = parseExamples(md)[0]!;
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
