// `layerwise check` vs dockerfile-utils' linter over the corpus. Not part of `npm test`; run with
// `node out/bench/check.bench.js` after `npm run build` (for the CLI rows) and `npx tsc -p test/tsconfig.json`.
// Reads ../shared/corpus/dockerfiles in place (never copies it).
//
// In-process (the headline): engine `check(text, ctx)` per file — parse, model, step reads, all twelve rules, with
// the corpus's simulated build context (contexts built once, before timing, as the LSP keeps them) and again with no
// context — vs `validate(text, {})` from dockerfile-utils (parse + its lint rules) on the same texts. Warm-up first,
// then interleaved rounds; medians. Whole-process: `node dist/cli.js check <every file> --format json` (disk
// context = the corpus folder, crawled per file) vs one `node` process that loads dockerfile-utils and validates the
// same files. BENCH_ROUNDS=n changes the number of rounds (default 7); BENCH_CLI=0 skips the process rows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { validate } from 'dockerfile-utils';
import { check, MemoryContext } from '../server/src/engine';
import { CORPUS_DIR, readManifest, corpusContext } from '../test/corpus/checks';
import { compare, fmtMs, median, ratio, table } from './util';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js'); // out/bench -> repo

interface Input {
  name: string;
  text: string;
  ctx: MemoryContext | null;
}

function layerwise(inputs: Input[], withCtx: boolean): number {
  let n = 0;
  for (const { text, ctx } of inputs) n += check(text, withCtx ? ctx : null).findings.length;
  return n;
}

function utils(inputs: Input[]): number {
  let n = 0;
  for (const { text } of inputs) n += validate(text, {}).length;
  return n;
}

function timeProcess(args: string[], rounds: number): { median: number; status: number | null } {
  const all: number[] = [];
  let status: number | null = 0;
  spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20 }); // warm the page cache
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
    all.push(performance.now() - t0);
    status = r.status;
  }
  return { median: median(all), status };
}

function main(): void {
  const dir = path.join(CORPUS_DIR, 'dockerfiles');
  if (!fs.existsSync(path.join(CORPUS_DIR, 'manifest.jsonl'))) {
    console.log(`corpus not found at ${CORPUS_DIR}: nothing to measure`);
    return;
  }
  const manifest = readManifest();
  const files = fs.readdirSync(dir).sort();
  const inputs: Input[] = files.map((f) => {
    const m = manifest.get(f);
    return { name: f, text: fs.readFileSync(path.join(dir, f), 'utf8'), ctx: (m && corpusContext(m)) || null };
  });
  const lines = inputs.reduce((s, i) => s + i.text.split('\n').length, 0);
  const withCtx = inputs.filter((i) => i.ctx).length;
  console.log(`check bench — node ${process.version}, ${ROUNDS} rounds after warm-up, medians; ratios measured side by side`);
  console.log(`corpus: ${files.length} files / ${lines.toLocaleString('en-US')} lines (${withCtx} with a simulated build context)`);

  const r = compare(
    [
      { name: 'utils', run: () => utils(inputs) },
      { name: 'lw+ctx', run: () => layerwise(inputs, true) },
      { name: 'lw', run: () => layerwise(inputs, false) },
    ],
    ROUNDS,
    2,
  );
  const u = r.get('utils')!.median;
  const lc = r.get('lw+ctx')!.median;
  const l0 = r.get('lw')!.median;
  const rows: string[][] = [['in-process, whole corpus', 'dockerfile-utils validate', 'layerwise check', 'check/validate']];
  rows.push(['with simulated contexts', fmtMs(u), fmtMs(lc), ratio(lc, u)]);
  rows.push(['no context (rules that need one stay quiet)', fmtMs(u), fmtMs(l0), ratio(l0, u)]);
  console.log(table(rows));
  console.log(`findings: layerwise ${layerwise(inputs, true)} (with contexts), dockerfile-utils ${utils(inputs)} diagnostics`);

  if (process.env.BENCH_CLI !== '0') {
    if (!fs.existsSync(CLI)) {
      console.log(`${CLI} missing (npm run build): process rows skipped`);
    } else {
      const paths = files.map((f) => path.join(dir, f));
      const utilsScript =
        "const fs=require('fs');const {validate}=require('dockerfile-utils');let n=0;" +
        'for(const f of process.argv.slice(1)) n+=validate(fs.readFileSync(f,"utf8"),{}).length;' +
        'process.stdout.write(JSON.stringify({n}))';
      const pr = Math.max(3, Math.ceil(ROUNDS / 2));
      const cli = timeProcess([CLI, 'check', ...paths, '--format', 'json'], pr);
      const ut = timeProcess(['-e', utilsScript, ...paths], pr);
      const prow: string[][] = [['whole process, whole corpus', 'node + dockerfile-utils', 'layerwise check CLI', 'CLI/utils']];
      prow.push([`${files.length} files, one process each side (exit ${cli.status})`, fmtMs(ut.median), fmtMs(cli.median), ratio(cli.median, ut.median)]);
      console.log(table(prow));
    }
  }
  console.log(`headline: layerwise check / dockerfile-utils validate = ${(lc / u).toFixed(2)}× in-process with contexts (${(l0 / u).toFixed(2)}× without)`);
}

main();
