// Fix-safety review helper (not a test): runs `check()` over every corpus Dockerfile with its simulated build context
// and the Dockerfile's real path in it (as `layerwise check` would), and reports, per rule, findings, fixes offered
// and fixes refused by the engine's fix-safety checker (engine/fixsafety.ts) with the reason; then draws a seeded
// sample of missing-cache-mount and context-includes-volatile findings for judging by hand
// (docs/fix-safety-review.md).
//   npx tsc -p test/tsconfig.json && node out/test/corpus/fix-safety-review.js [--seed N] [--sample N] [--rules a,b] [--json]
// The corpus (../shared/corpus) is read in place, never copied.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdits, check, type Finding } from '../../server/src/engine';
import { CORPUS_DIR, readManifest, corpusContext, corpusDockerfile, rng } from './checks';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
};
const SEED = Number(arg('--seed', '20261201'));
const SAMPLE = Number(arg('--sample', '15'));
const RULES = arg('--rules', 'missing-cache-mount,context-includes-volatile').split(',');

interface Item { file: string; repo: string; finding: Finding }

function main(): void {
  const manifest = readManifest();
  const per = new Map<string, { findings: number; offered: number; refused: Map<string, number> }>();
  const items: Item[] = [];
  for (const m of [...manifest.values()].sort((a, b) => a.file.localeCompare(b.file))) {
    const text = fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', m.file), 'utf8');
    const ctx = corpusContext(m);
    const res = check(text, ctx, { dockerfile: corpusDockerfile(m) });
    for (const f of res.findings) {
      const c = per.get(f.rule) ?? { findings: 0, offered: 0, refused: new Map<string, number>() };
      c.findings++;
      if (f.fix) c.offered++;
      if (f.fixRefused) {
        // one line per kind of reason: numbers, paths and quoted commands folded
        const why = f.fixRefused.reason.replace(/`[^`]*`/g, '`…`').replace(/line \d+/g, 'line N').replace(/\/[^\s,:;)]+/g, '<dir>').replace(/\d+/g, 'N');
        c.refused.set(why, (c.refused.get(why) ?? 0) + 1);
      }
      per.set(f.rule, c);
      if (RULES.includes(f.rule)) items.push({ file: m.file, repo: m.repo, finding: f });
    }
  }
  const rand = rng(SEED);
  const sample: Item[] = [];
  for (const r of RULES) {
    const pool = items.filter((i) => i.finding.rule === r);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    sample.push(...pool.slice(0, SAMPLE));
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(Object.fromEntries([...per].sort().map(([r, c]) => [r, { findings: c.findings, offered: c.offered, refused: Object.fromEntries(c.refused) }])), null, 2) + '\n');
    return;
  }
  console.log('rule\tfindings\tfix offered\tfix (or part of it) refused');
  for (const [r, c] of [...per].sort()) console.log(`${r}\t${c.findings}\t${c.offered}\t${[...c.refused.values()].reduce((s, x) => s + x, 0)}`);
  for (const [r, c] of [...per].sort()) for (const [why, n] of [...c.refused].sort((a, b) => b[1] - a[1])) console.log(`  ${r} refused ×${n}: ${why}`);
  let k = 0;
  for (const s of sample) {
    const text = fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', s.file), 'utf8');
    const lines = text.split('\n');
    const line = s.finding.range.start.line;
    console.log(`\n#${++k} ${s.finding.rule} ${s.file}:${line + 1} (${s.repo}) ${s.finding.fix ? '[fix]' : s.finding.fixRefused ? '[refused: ' + s.finding.fixRefused.reason + ']' : ''}\n  ${s.finding.message}`);
    // the instruction in full (up to the next instruction), with a few lines before it
    const from = Math.max(0, line - 3);
    let to = line + 1;
    while (to < lines.length && to < line + 60 && !/^\s*(FROM|RUN|COPY|ADD|ENV|ARG|WORKDIR|USER|CMD|ENTRYPOINT|EXPOSE|LABEL|VOLUME|SHELL|ONBUILD|HEALTHCHECK|STOPSIGNAL)\b/i.test(lines[to]!)) to++;
    for (let i = from; i < to; i++) console.log(`${i === line ? '>' : ' '}${String(i + 1).padStart(4)}| ${lines[i]}`);
    if (s.finding.fix) {
      const d = s.finding.fix.edits.filter((e) => e.file === 'dockerfile');
      const ig = s.finding.fix.edits.filter((e) => e.file === 'dockerignore');
      if (d.length) {
        const after = applyEdits(text, d).split('\n');
        console.log('  --- fixed:');
        for (let i = line; i < Math.min(after.length, line + 4); i++) console.log(`  ${String(i + 1).padStart(4)}| ${after[i]}`);
      }
      for (const e of ig) console.log(`  --- ignore-file edit:\n${e.newText.replace(/^/gm, '  | ')}`);
    }
  }
}

main();
