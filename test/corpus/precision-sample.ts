// Precision review helper (not a test): runs the engine's `check()` over every corpus Dockerfile with its simulated
// build context (as `layerwise check` would with the real context), counts findings per rule, and draws a
// deterministic sample of findings spread over the rules for reading by hand (docs/precision-review.md).
//   npx tsc -p test/tsconfig.json && node out/test/corpus/precision-sample.js [N=50] [--json]
// The corpus (../shared/corpus) is read in place, never copied.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, type Finding } from '../../server/src/engine';
import { CORPUS_DIR, readManifest, corpusContext, rng } from './checks';

const N = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 50);
const SEED = 20240603;

interface Item { file: string; finding: Finding; hasContext: boolean }

function main(): void {
  const manifest = readManifest();
  const files = fs.readdirSync(path.join(CORPUS_DIR, 'dockerfiles')).sort();
  const all: Item[] = [];
  const counts = new Map<string, { findings: number; fixable: number; files: Set<string> }>();
  for (const f of files) {
    const text = fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', f), 'utf8');
    const m = manifest.get(f);
    const ctx = m ? corpusContext(m) : null;
    for (const finding of check(text, ctx).findings) {
      all.push({ file: f, finding, hasContext: !!ctx });
      const c = counts.get(finding.rule) ?? { findings: 0, fixable: 0, files: new Set<string>() };
      c.findings++;
      if (finding.fix) c.fixable++;
      c.files.add(f);
      counts.set(finding.rule, c);
    }
  }
  // allocation: every rule with findings gets at least 2 (or all it has), the rest proportionally (largest remainder)
  const rules = [...counts.keys()].sort();
  const alloc = new Map<string, number>();
  let left = N;
  for (const r of rules) {
    const a = Math.min(2, counts.get(r)!.findings);
    alloc.set(r, a);
    left -= a;
  }
  const total = all.length;
  const want = rules.map((r) => ({ r, exact: (left * counts.get(r)!.findings) / total }));
  for (const w of want) {
    const add = Math.min(Math.floor(w.exact), counts.get(w.r)!.findings - alloc.get(w.r)!);
    alloc.set(w.r, alloc.get(w.r)! + add);
  }
  let rest = N - [...alloc.values()].reduce((s, x) => s + x, 0);
  for (const w of want.sort((a, b) => (b.exact % 1) - (a.exact % 1))) {
    if (rest <= 0) break;
    if (alloc.get(w.r)! < counts.get(w.r)!.findings) {
      alloc.set(w.r, alloc.get(w.r)! + 1);
      rest--;
    }
  }
  const rand = rng(SEED);
  const sample: Item[] = [];
  for (const r of rules) {
    const pool = all.filter((i) => i.finding.rule === r);
    // Fisher-Yates with the seeded PRNG, then the first alloc items
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    sample.push(...pool.slice(0, alloc.get(r)));
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({
      files: files.length,
      counts: Object.fromEntries(rules.map((r) => [r, { findings: counts.get(r)!.findings, fixable: counts.get(r)!.fixable, files: counts.get(r)!.files.size }])),
      sample: sample.map((s) => ({ file: s.file, rule: s.finding.rule, line: s.finding.range.start.line + 1, fixable: !!s.finding.fix, hasContext: s.hasContext, message: s.finding.message })),
    }, null, 2) + '\n');
    return;
  }
  console.log(`${files.length} files, ${total} findings`);
  for (const r of rules) { const c = counts.get(r)!; console.log(`${r}\t${c.findings}\t${c.fixable}\t${c.files.size}\tsample ${alloc.get(r)}`); }
  let k = 0;
  for (const s of sample) {
    const text = fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', s.file), 'utf8').split('\n');
    const line = s.finding.range.start.line;
    console.log(`\n#${++k} ${s.finding.rule} ${s.file}:${line + 1} ${s.finding.fix ? '[fix]' : ''} ctx=${s.hasContext}\n  ${s.finding.message}`);
    const from = Math.max(0, line - 8);
    for (let i = from; i < Math.min(text.length, line + 6); i++) console.log(`${i === line ? '>' : ' '}${String(i + 1).padStart(4)}| ${text[i]}`);
  }
}

main();
