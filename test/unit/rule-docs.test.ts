// Every rule has docs/rules/<id>.md, and the examples in it are run here: a bad example must trigger the rule, its
// fixed example must not, and where the rule fixes it, applying the fix must give exactly the fixed text; a
// "Not reported …" example must not trigger the rule, a "Reported as info …" one only as info. A doc's main part and
// each `### Example: …` section are tested on their own; in a section, `**No fix offered**` means its bad example's
// finding must come without a fix, otherwise the fix must be offered.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, fixAll, MemoryContext, RULES, type CheckOptions } from '../../server/src/engine';

const DOCS = path.resolve(__dirname, '../../../docs/rules');

interface Example {
  bad?: string;
  fixed?: string;
  fixedIgnore?: string;
  /** `Not reported …:` (no finding of the rule) or `Reported as info …:` (findings, all of severity info). */
  quiet?: string;
  info?: string;
  context: string[];
  /** check options (```options block, JSON), e.g. the Dockerfile's path in the context */
  options?: CheckOptions;
}

interface Section {
  title: string;
  examples: Example[];
  /** `**No fix offered**` in the section: its bad examples' findings must come without a fix. */
  noFix: boolean;
}

/**
 * The examples of a doc part, in order. A `Bad:` block starts an example, the `Fixed…:` (and ```dockerignore) block
 * after it belongs to it; `Not reported …:` and `Reported as info …:` blocks are examples of their own. A ```context
 * or ```options block applies to the examples after it, up to the next one.
 */
function parseExamples(md: string): Example[] {
  const out: Example[] = [];
  let context: string[] = [];
  let options: CheckOptions | undefined;
  let cur: Example | null = null;
  const re = /```(dockerfile|context|dockerignore|options)\n([\s\S]*?)```/g;
  let prevEnd = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md))) {
    // the label is the paragraph right before the block, ending in a colon ("Bad:", "Not reported because …:")
    const para = md.slice(prevEnd, m.index).split(/\n\s*\n/).map((x) => x.trim()).filter(Boolean).pop() ?? '';
    const label = para.endsWith(':') ? para : '';
    prevEnd = m.index + m[0].length;
    const body = m[2]!;
    if (m[1] === 'context') {
      context = body.split('\n').filter(Boolean);
      if (cur && cur.bad !== undefined && cur.fixed === undefined) cur.context = context;
    } else if (m[1] === 'options') {
      options = JSON.parse(body) as CheckOptions;
      if (cur && cur.bad !== undefined && cur.fixed === undefined) cur.options = options;
    } else if (m[1] === 'dockerignore') {
      if (cur) cur.fixedIgnore = body;
    } else if (label.startsWith('Bad')) out.push((cur = { bad: body, context, options }));
    else if (label.startsWith('Fixed') && cur) cur.fixed = body;
    else if (label.startsWith('Not reported')) out.push({ quiet: body, context, options });
    else if (label.startsWith('Reported as info')) out.push({ info: body, context, options });
    else throw new Error(`a dockerfile example without a Bad:/Fixed:/Not reported …:/Reported as info …: label:\n${body}`);
  }
  return out;
}

/** The doc's main part (before any `### Example:` heading) and each `### Example: …` section. */
function parseSections(md: string): Section[] {
  return md.split(/^### Example: /m).map((p, i) => ({
    title: i === 0 ? 'main example' : p.split('\n')[0]!.trim(),
    examples: parseExamples(p),
    noFix: i > 0 && /\*\*No fix offered\*\*/.test(p),
  }));
}

function contextOf(lines: string[]): MemoryContext {
  const ctx = new MemoryContext('example');
  for (const line of lines) {
    // `path: content` gives a file its content (`;` separates lines); a bare path gets its own name as content;
    // `../path` is a path one folder above the context, in the same repository
    if (line.startsWith('../')) {
      ctx.addAbove(1, line.slice(3));
      continue;
    }
    // `path (60 MB)` is a file known by its size only (sizes: unread-context-data)
    const sized = /^(\S+) \((\d+(?:\.\d+)?) (B|kB|MB|GB)\)$/.exec(line);
    if (sized) {
      ctx.addListed(sized[1]!, Math.round(Number(sized[2]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[sized[3] as 'B']!));
      continue;
    }
    const m = /^([^\s:]+): (.*)$/.exec(line);
    if (m) {
      const content = m[2]!.split(/\s*;\s*/).join('\n') + '\n';
      ctx.addFile(m[1]!, content);
      if (m[1]!.endsWith('.dockerignore')) ctx.setIgnore(m[1]!, content);
    } else ctx.addFile(line, line);
  }
  return ctx;
}

/** Runs a part's examples; returns whether any bad example's finding came with a fix. `fixRequired`: sections. */
function runExamples(rule: string, examples: Example[], noFix: boolean, fixRequired: boolean): boolean {
  let fixable = false;
  for (const ex of examples) {
    const ctx = contextOf(ex.context);
    const opts = ex.options ?? {};
    if (ex.quiet !== undefined) {
      assert.deepEqual(check(ex.quiet, ctx, opts).findings.filter((f) => f.rule === rule).map((f) => f.message), [], `not reported:\n${ex.quiet}`);
      continue;
    }
    if (ex.info !== undefined) {
      const got = check(ex.info, ctx, opts).findings.filter((f) => f.rule === rule);
      assert.ok(got.length > 0, `reported as info:\n${ex.info}`);
      assert.deepEqual([...new Set(got.map((f) => f.severity))], ['info'], `reported as info only:\n${ex.info}`);
      continue;
    }
    const bad = check(ex.bad!, ctx, opts).findings.filter((f) => f.rule === rule);
    assert.ok(bad.length > 0, `the bad example triggers ${rule}:\n${ex.bad}`);
    if (noFix) assert.deepEqual(bad.filter((f) => f.fix).map((f) => f.fix!.title), [], 'no fix is offered');
    if (ex.fixed !== undefined) {
      const good = check(ex.fixed, ctx, opts).findings.filter((f) => f.rule === rule);
      assert.deepEqual(good.map((f) => f.message), [], 'the fixed example is clean');
    }
    if (fixRequired && !noFix) assert.ok(bad.some((f) => f.fix), 'a fix is offered');
    if (bad.some((f) => f.fix)) {
      fixable = true;
      const res = fixAll(ex.bad!, ctx, opts, (f) => f.rule === rule);
      if (ex.fixed !== undefined && ex.fixedIgnore === undefined) assert.equal(res.text, ex.fixed, 'applying the fix gives the documented text');
      if (ex.fixedIgnore !== undefined) assert.equal(res.ignoreText, ex.fixedIgnore, 'the fix writes the documented .dockerignore');
    }
  }
  return fixable;
}

describe('rule docs', () => {
  test('every rule has a doc and every doc a rule', () => {
    const docs = fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, '')).sort();
    assert.deepEqual(docs, RULES.map((r) => r.id).sort());
  });
  for (const rule of RULES) {
    const md = fs.readFileSync(path.join(DOCS, rule.id + '.md'), 'utf8');
    const sections = parseSections(md);
    for (const s of sections.slice(1)) {
      test(`${rule.id}: doc example "${s.title}" behaves as documented`, () => {
        assert.ok(s.examples.some((e) => e.bad !== undefined), 'the example has a Bad: block');
        runExamples(rule.id, s.examples, s.noFix, true);
      });
    }
    test(`${rule.id}: the doc's examples behave as documented`, () => {
      const main = sections[0]!;
      assert.ok(main.examples.some((e) => e.bad !== undefined), 'doc has a Bad: example');
      const fixable = runExamples(rule.id, main.examples, false, false);
      assert.match(md, /\*\*Fixable:\*\* (yes|no)/);
      assert.equal(/\*\*Fixable:\*\* yes/.test(md), fixable, 'the doc says whether the rule is fixable, and it is right');
    });
  }
});
