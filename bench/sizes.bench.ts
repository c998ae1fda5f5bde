// Sizes from the build context (engine/sizes.ts) on the 100k-file tree of context.bench.ts, as ratios to a raw crawl.
// Sizes come from the snapshot's lstat data: the crawl reads directories only, and the analysis stats each path once
// (countFiles, stepReads), so what sizes add after it is the selection and the sums. Variants:
// - raw fdir crawl (no stat), and a raw crawl that lstats every file (the peer: what any size needs at least);
// - loadDiskContext + analyze + contextSizes, `COPY . .` (every sent file is summed) — the CLI's cost, cold;
// - contextSizes alone on a loaded snapshot whose entries are known (the language server: a new model per edit).
// Run: `npm run -s build && npm run -s compile-tests && node out/bench/sizes.bench.js` (BENCH_ROUNDS=n).
import * as fs from 'node:fs';
import { fdir } from 'fdir';
import { loadDiskContext } from '../server/src/context';
import { analyze, sentPaths } from '../server/src/engine';
import { contextSizes, fmtBytes } from '../server/src/engine/sizes';
import { ensureTree } from './context.bench';
import { compare, fmtMs, ratio, table } from './util';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WHOLE = 'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n';
const TMPFS = 'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN --mount=type=tmpfs,target=/tmp npm ci\nCOPY packages/app0/src ./src\n';

function main(): void {
  const tree = ensureTree();
  console.log(`sizes bench — node ${process.version}, tree ${tree}, ${ROUNDS} rounds after warm-up, medians`);
  const warm = loadDiskContext(tree);
  const warmSent = sentPaths(warm);
  for (const p of warm.paths()) warm.entry(p);
  let edit = 0;
  const out: Record<string, string> = {};
  const variants = [
    { name: 'raw', run: () => new fdir().withRelativePaths().crawl(tree).sync().length },
    {
      name: 'raw-stat',
      run: () => {
        let n = 0;
        for (const p of new fdir().withFullPaths().crawl(tree).sync()) n += fs.lstatSync(p).size;
        return n;
      },
    },
    {
      name: 'cold',
      run: () => {
        const ctx = loadDiskContext(tree);
        const s = contextSizes(analyze(WHOLE), ctx);
        out['cold'] = `${fmtBytes(s.contextBytes ?? 0)}, ${s.contextFiles} files`;
      },
    },
    {
      name: 'warm-whole',
      // a new model each round (an edit), so the per-model memo does not answer
      run: () => {
        const s = contextSizes(analyze(WHOLE + `LABEL edit=${edit++}\n`), warm, warmSent);
        out['warm-whole'] = `${fmtBytes(s.contextBytes ?? 0)}, ${s.contextFiles} files`;
      },
    },
    {
      name: 'warm-tmpfs',
      run: () => {
        const s = contextSizes(analyze(TMPFS + `LABEL edit=${edit++}\n`), warm, warmSent);
        out['warm-tmpfs'] = `${fmtBytes(s.contextBytes ?? 0)} sent, ${fmtBytes(s.unreadBytes ?? 0)} unread`;
      },
    },
  ];
  const r = compare(variants, ROUNDS, 1);
  const raw = r.get('raw')!.median;
  const m = (k: string): number => r.get(k)!.median;
  console.log(
    table([
      ['variant', 'result', 'median', 'vs raw crawl'],
      ['raw fdir crawl, all files (no stat)', '', fmtMs(raw), '1.00×'],
      ['raw fdir crawl + lstat of every file (sum of sizes)', '', fmtMs(m('raw-stat')), ratio(m('raw-stat'), raw)],
      ['loadDiskContext + analyze + contextSizes, COPY . . (cold)', out['cold']!, fmtMs(m('cold')), ratio(m('cold'), raw)],
      ['contextSizes on a loaded snapshot, COPY . . (per edit)', out['warm-whole']!, fmtMs(m('warm-whole')), ratio(m('warm-whole'), raw)],
      ['contextSizes on a loaded snapshot, tmpfs mount (per edit)', out['warm-tmpfs']!, fmtMs(m('warm-tmpfs')), ratio(m('warm-tmpfs'), raw)],
    ]),
  );
}

main();
