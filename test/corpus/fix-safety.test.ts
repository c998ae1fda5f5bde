// Fix safety over the real-world corpus (../shared/corpus, read in place): for every file where a fix is offered,
// apply it and check that the result parses as well as before, keeps its stages, runs the same shell commands and
// copies the same context files in every stage. Counts per rule are printed for the precision review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, check, fixAll, applyEdits, MemoryContext, stepReads, type Model } from '../../server/src/engine';
import { runScript } from '../../server/src/engine/shell';
import { CORPUS_DIR, readManifest, corpusContext, corpusDockerfile } from './checks';


function stageSignature(model: Model, ctx: MemoryContext | null) {
  const reads = ctx ? stepReads(model, ctx) : new Map();
  return model.stages.map((s) => {
    const cmds: string[] = [];
    const copied = new Set<string>();
    for (const id of s.steps) {
      const st = model.steps[id]!;
      const rs = runScript(st);
      if (rs) for (const c of rs.commands) cmds.push(c.words.join(' '));
      if (st.contextReads.length) for (const src of st.contextReads.flatMap((r) => r.sources)) copied.add(src === '' ? '.' : src);
      void reads;
    }
    return { name: s.name, base: s.base.ref, cmds: cmds.sort(), copied };
  });
}

test('fixes keep every corpus Dockerfile equivalent', (t) => {
  if (!fs.existsSync(path.join(CORPUS_DIR, 'manifest.jsonl'))) {
    if (process.env['CI'] === 'true') assert.fail(`corpus missing at ${CORPUS_DIR}`);
    t.skip(`corpus not found at ${CORPUS_DIR}`);
    return;
  }
  const manifest = readManifest();
  const offered: Record<string, number> = {};
  const refused: Record<string, number> = {};
  const found: Record<string, number> = {};
  const failures: string[] = [];
  let files = 0;
  for (const m of manifest.values()) {
    const text = fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', m.file), 'utf8');
    const ctx = corpusContext(m);
    files++;
    const before = analyze(text);
    const res = check(text, ctx, { dockerfile: corpusDockerfile(m) }, before);
    for (const f of res.findings) {
      found[f.rule] = (found[f.rule] ?? 0) + 1;
      if (f.fixRefused) refused[f.rule] = (refused[f.rule] ?? 0) + 1;
      if (!f.fix) continue;
      offered[f.rule] = (offered[f.rule] ?? 0) + 1;
      // the only commands a fix may add or remove are those it declares (and the fix-safety checker verified)
      const declaredAdded = (f.fix.effect?.added ?? []).map((x) => x.words.join(' '));
      const declaredRemoved = (f.fix.effect?.removed ?? []).map((x) => x.words.join(' '));
      const after = applyEdits(text, f.fix.edits.filter((e) => e.file === 'dockerfile'));
      const m2 = analyze(after);
      const where = `${m.file}: ${f.rule} at line ${f.range.start.line + 1}`;
      if (m2.problems.length > before.problems.length) failures.push(`${where}: the fixed text has new problems: ${m2.problems.map((p) => p.message).join('; ')}`);
      const a = stageSignature(before, ctx);
      const b = stageSignature(m2, ctx);
      if (a.length !== b.length) {
        failures.push(`${where}: stage count changed`);
        continue;
      }
      for (let i = 0; i < a.length; i++) {
        if (a[i]!.name !== b[i]!.name || a[i]!.base !== b[i]!.base) failures.push(`${where}: stage ${i} changed`);
        // multiset difference: the fix may only add the commands listed in ADDED_OK, and remove none
        const rest = [...b[i]!.cmds];
        const lost: string[] = [];
        for (const c of a[i]!.cmds) {
          const k = rest.indexOf(c);
          if (k < 0) {
            const d = declaredRemoved.indexOf(c);
            if (d >= 0) declaredRemoved.splice(d, 1);
            else lost.push(c);
          } else rest.splice(k, 1);
        }
        const added = rest.filter((c) => {
          const d = declaredAdded.indexOf(c);
          if (d < 0) return true;
          declaredAdded.splice(d, 1);
          return false;
        });
        if (lost.length || added.length) failures.push(`${where}: stage ${i} runs different commands (lost ${JSON.stringify(lost)}, added ${JSON.stringify(added)})`);
        const la = [...a[i]!.copied].sort();
        const lb = [...b[i]!.copied].filter((x) => !la.includes(x) ? !a[i]!.copied.has('.') : true).sort();
        if (!la.every((x) => b[i]!.copied.has(x)) || lb.some((x) => !a[i]!.copied.has(x) && !a[i]!.copied.has('.'))) failures.push(`${where}: stage ${i} copies different context paths`);
      }
    }
    // fixing everything must terminate and parse
    const all = fixAll(text, ctx, { dockerfile: corpusDockerfile(m) });
    if (analyze(all.text).problems.length > before.problems.length) failures.push(`${m.file}: fix-all produced new problems`);
  }
  t.diagnostic(`files: ${files}`);
  t.diagnostic(`findings per rule: ${JSON.stringify(found)}`);
  t.diagnostic(`fixes offered per rule: ${JSON.stringify(offered)}`);
  t.diagnostic(`fixes refused by the fix-safety checker per rule: ${JSON.stringify(refused)}`);
  assert.deepEqual(failures, []);
});
