// Sizes review helper (not a test): contextSizes and unread-context-data over every corpus Dockerfile that has a
// build-context listing (files.tsv: path and size of every tracked blob at HEAD, so a fresh clone's sizes; a symlink
// is listed with its target's length). Prints the distribution of transfer sizes, why a transfer is the whole
// context, why a figure is unknown, the largest context copies and every unread-context-data finding, for judging by
// hand (README "Sizes", the report of issue 15).
//   npx tsc -p test/tsconfig.json && node out/test/corpus/sizes-review.js [--top N]
// The corpus (../shared/corpus) is read in place, never copied.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, check, sentPaths } from '../../server/src/engine';
import { contextSizes, fmtBytes } from '../../server/src/engine/sizes';
import { CORPUS_DIR, readManifest, corpusContext, corpusDockerfile } from './checks';

const i = process.argv.indexOf('--top');
const TOP = i >= 0 ? Number(process.argv[i + 1]) : 10;

function main(): void {
  const manifest = readManifest();
  let n = 0;
  const whole = new Map<string, number>();
  const unknown = new Map<string, number>();
  const transfers: { file: string; bytes: number; files: number; whole: string }[] = [];
  const copies: { file: string; line: number; instr: string; bytes: number; files: number; largest: string }[] = [];
  let unreadPositive = 0;
  const findings: string[] = [];
  for (const m of [...manifest.values()].sort((a, b) => a.file.localeCompare(b.file))) {
    const ctx = corpusContext(m);
    if (!ctx) continue;
    n++;
    const text = fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', m.file), 'utf8');
    const model = analyze(text);
    const s = contextSizes(model, ctx, sentPaths(ctx));
    if (s.whole) whole.set(s.whole.why, (whole.get(s.whole.why) ?? 0) + 1);
    const u = s.unknown ?? s.unreadUnknown;
    if (u) {
      const k = u.replace(/line \d+/g, 'line N').replace(/\$\{[^}]+\}/g, '${…}').replace(/image \S+/, 'image …').replace(/\([^)]*\)/, '(…)');
      unknown.set(k, (unknown.get(k) ?? 0) + 1);
    }
    if (s.contextBytes !== null) transfers.push({ file: m.file, bytes: s.contextBytes, files: s.contextFiles, whole: s.whole ? `line ${s.whole.line + 1} ${s.whole.why}` : '' });
    if (s.unreadBytes) unreadPositive++;
    for (const st of model.steps) {
      const x = s.steps.get(st.id);
      if (x && x.addsBytes !== null) copies.push({ file: m.file, line: st.line + 1, instr: st.instruction.slice(0, 60), bytes: x.addsBytes, files: x.addsFiles, largest: x.largest[0] ? `${x.largest[0].path} ${fmtBytes(x.largest[0].bytes)}` : '' });
    }
    for (const f of check(text, ctx, { dockerfile: corpusDockerfile(m) }).findings) {
      if (f.rule !== 'unread-context-data') continue;
      findings.push(`${m.file}:${f.range.start.line + 1}\n  ${f.message}\n  fix: ${f.fix ? f.fix.title : f.fixRefused ? 'refused: ' + f.fixRefused.reason : 'none'}`);
    }
  }
  const sorted = [...transfers].sort((a, b) => b.bytes - a.bytes);
  const q = (p: number) => fmtBytes(sorted[Math.floor((sorted.length - 1) * (1 - p))]?.bytes ?? 0);
  console.log(`${n} Dockerfiles with a context listing; transfer known for ${transfers.length}; median ${q(0.5)}, p90 ${q(0.9)}, max ${q(1)}`);
  console.log(`whole-context transfers: ${[...whole].map(([k, v]) => `${v} × ${k}`).join('; ') || 'none'}`);
  console.log(`unknown: ${[...unknown].map(([k, v]) => `${v} × ${k}`).join('; ') || 'none'}`);
  console.log(`Dockerfiles with unread bytes > 0: ${unreadPositive}`);
  console.log(`\nlargest transfers:`);
  for (const t of sorted.slice(0, TOP)) console.log(`  ${fmtBytes(t.bytes).padStart(9)}  ${String(t.files).padStart(6)} files  ${t.file}${t.whole ? '  (' + t.whole + ')' : ''}`);
  console.log(`\nlargest context copies:`);
  for (const c of copies.sort((a, b) => b.bytes - a.bytes).slice(0, TOP)) console.log(`  ${fmtBytes(c.bytes).padStart(9)}  ${String(c.files).padStart(6)} files  ${c.file}:${c.line} ${c.instr}  largest ${c.largest}`);
  console.log(`\nunread-context-data findings: ${findings.length}`);
  for (const f of findings) console.log(f);
}

main();
