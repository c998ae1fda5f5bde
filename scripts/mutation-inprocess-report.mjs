// Summary of a scripts/mutation-inprocess.cjs run: node scripts/mutation-inprocess-report.mjs <sandbox> <results.json>
// [from-to] — counts, score ((killed + timeout) / all, Stryker's), and the survivors and mutants without coverage
// with line, mutator, original and replacement (the lines of the source instrumented; optionally only lines from-to).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [sandbox, resultsFile, range] = process.argv.slice(2);
const mutants = JSON.parse(readFileSync(join(sandbox, 'mutants.json'), 'utf8'));
const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
const [from, to] = range ? range.split('-').map(Number) : [0, Infinity];
const counts = {};
const left = [];
let n = 0;
for (const m of mutants) {
  if (m.line < from || m.line > to) continue;
  n++;
  const r = results[m.id];
  const s = r ? r.status : 'not run';
  counts[s] = (counts[s] ?? 0) + 1;
  if (s !== 'killed' && s !== 'timeout') left.push(`${m.id}\t${s}\tL${m.line}:${m.column}\t${m.mutator}\t${JSON.stringify(m.original).slice(0, 70)} -> ${JSON.stringify(m.replacement).slice(0, 70)}`);
}
const det = (counts.killed ?? 0) + (counts.timeout ?? 0);
console.log(`${n} mutants: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}; score ${((100 * det) / n).toFixed(1)} % (${det} / ${n})`);
for (const l of left) console.log(l);
