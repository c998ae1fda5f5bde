// `layerwise check` vs dockerfile-utils' linter over the corpus. Not part of `npm test`; run with
// `node out/bench/check.bench.js` after `npm run build` (for the CLI rows) and `npx tsc -p test/tsconfig.json`.
// Reads ../shared/corpus/dockerfiles in place (never copies it).
//
// In-process (the headline): engine `check(text, ctx)` per file — parse, model, step reads, all twelve rules, with
// the corpus's simulated build context (contexts built once, before timing, as the LSP keeps them) and again with no
// context — vs `validate(text, {})` from dockerfile-utils (parse + its lint rules) on the same texts. Warm-up first,
// then interleaved rounds; medians.
//
// Whole process (the goal's row: `check` on a monorepo with its build contexts): the corpus laid out on disk as its
// repositories (every listed file of a repository with context data, at its size as a sparse file; Dockerfiles,
// `.dockerignore` files as stored; a `.layerwise.yaml` per repository giving each Dockerfile its context where that
// is not its folder), then `node dist/cli.js check <every Dockerfile> --format json` — which crawls each context and
// finds each Dockerfile's sibling builds — vs one `node` process that loads dockerfile-utils and validates the same
// files. Both sides are one process over all files: `dockerfile-utils lint` itself takes one file per invocation
// (342 processes; BENCH_LINT_CLI=1 adds that row, informative only), so the one-process row is the stricter one.
// Until 2026-12-01 the process row ran the CLI on the flat corpus folder instead: one context for all 342 files (the
// other Dockerfiles as its only content) and every file a sibling build of every other (342² sibling lookups) —
// neither the corpus's contexts nor a monorepo; it is kept as a second row ("flat folder").
// BENCH_ROUNDS=n changes the number of rounds (default 7); BENCH_CLI=0 skips the process rows.
//
// Figures (2 cores shared with five other sessions; medians):
//   2026-12-01, c22f639: monorepo row 4.47× (11.4 s utils, 50.7 s CLI; 3 rounds, load 25); in process 1.47× with
//     contexts. The session before measured 3.50×. CLI profile (--cpu-prof on the laid-out monorepo, share of samples):
//     siblingSharing 23 % (contentKeys' full-content hashing 18 %: every path tested against the ignore file again
//     per source, per Dockerfile and per sibling; the content reads themselves ~5 %), mvdan/sh 14 %, fix proofs 13 %
//     (missing-cache-mount's planning 10 %), analyze 9 %, GC 7 %, workspaceBuilds 5 % (compose/bake/config looked up
//     and parsed per Dockerfile), crawls 5 %, sentPaths 2 %, module load < 1 %.
//   2026-12-02, after (contentKeys memo per snapshot over its sent paths, one ProjectFiles and config read per run,
//     ignore-fix proofs' sent paths memoised, $(…) in the plain shell reader): 4.28× vs the c22f639 CLI's 4.60× in the
//     same run, interleaved (5.8 s utils, 24.9 s vs 26.8 s CLI; BENCH_PROCESS_ROUNDS=3 BENCH_BASELINE_CLI, load ~30);
//     profile: siblingSharing 16 % (full-content 10 %, mostly the content reads), mvdan/sh 13 % (its first parses
//     warming GopherJS up dominate: 215 of 1,371 RUNs still need it), fix proofs 12 %, analyze 12 %, GC 6 %.
//     `check`'s json/text/sarif/github/markdown output over the monorepo byte for byte the same before and after.
//   2026-12-02, session 8 (s8-check): monorepo row 2.62× vs the d093ec4 CLI's 3.54× in the same run, interleaved
//     (1974 ms utils, 5180 ms vs 6978 ms CLI; BENCH_PROCESS_ROUNDS=3 BENCH_ROUNDS=5 BENCH_BASELINE_CLI, load 6–8;
//     at the session's start, load 1.5–4.7, the same row was 3.56×: 1226 ms utils, 4367 ms CLI). CPU (user+sys) of
//     one CLI run over the monorepo, interleaved: 4.47 s → 3.2 s. What went: needless-divergence's content keys when
//     no formatting twin exists (siblingSharing 16–18 % → formattingTwins ~2 %; the file reads for full-content
//     hashes 20,891 → 624), the lstat of every sent path (sizes stat only what they count: 34,298 lstat → 886),
//     ProjectFiles' throwing stats (unchanging mode: each path once), mvdan parses 181 → 79 (the plain reader takes
//     subshells, if/for/while, escapes, compound redirections), context-includes-volatile's per-path counting per
//     Dockerfile. Profile after (share of samples, load ~8): crawls 20 % (readdir 17 % self: the kernel, 5,120
//     calls), mvdan/sh 11 %, fix proofs 10 % (their re-parses of fixed scripts included), analyze 7 %, GC 7 %,
//     workspace builds and siblings 5 %, step reads 5 %, module load 4 %. The in-process rows (CPU, 7 rounds) are
//     unchanged: 513–552 ms vs 537–552 ms. Output of all five formats byte for byte the same as at d093ec4.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { validate } from 'dockerfile-utils';
import { check, MemoryContext } from '../server/src/engine';
import { isDockerfileName } from '../server/src/context/discover';
import { BAKE_NAMES, COMPOSE_NAMES } from '../server/src/context/projects';
import { CORPUS_DIR, readManifest, corpusContext, listing, storedIgnoreFile, submodulesOf, type ManifestEntry } from '../test/corpus/checks';
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

function listedFiles(root: string): number {
  return (fs.readdirSync(root, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((d) => d.isFile()).length;
}

function timeProcess(args: string[], rounds: number, warm = true): { median: number; status: number | null } {
  const all: number[] = [];
  let status: number | null = 0;
  if (warm) spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20 }); // warm the page cache
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
    all.push(performance.now() - t0);
    status = r.status;
  }
  return { median: median(all), status };
}

/**
 * The corpus as its repositories under `root`: each repository with context data gets every listed file (a sparse
 * file of its listed size; Dockerfile, compose and bake names empty, since their content is not stored; ignore files
 * as stored), each corpus Dockerfile goes to its path, and a `.layerwise.yaml` gives it its context when that is not
 * its folder. Returns the Dockerfiles' paths in the order of `files`.
 */
function materialize(root: string, files: string[], manifest: Map<string, ManifestEntry>): string[] {
  const made = new Set<string>();
  const configs = new Map<string, string[]>();
  const write = (abs: string, text: string | null, size = 0): void => {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    if (text !== null) fs.writeFileSync(abs, text);
    else {
      fs.writeFileSync(abs, '');
      if (size) fs.truncateSync(abs, size);
    }
  };
  const out: string[] = [];
  for (const f of files) {
    const m = manifest.get(f);
    const repoDir = path.join(root, (m?.repo ?? 'single/' + f).replace('/', '__'));
    if (m?.context && !made.has(m.context)) {
      made.add(m.context);
      for (const [p, size] of listing(CORPUS_DIR, m.context)) {
        const base = path.posix.basename(p);
        const ignore = base === '.dockerignore' || base.endsWith('.dockerignore') ? storedIgnoreFile(CORPUS_DIR, m.context, p) : null;
        const empty = isDockerfileName(base) || COMPOSE_NAMES.includes(base) || BAKE_NAMES.includes(base) || base === '.gitmodules';
        write(path.join(repoDir, p), ignore ? fs.readFileSync(ignore, 'utf8') : null, empty ? 0 : (size ?? 0));
      }
      for (const sp of submodulesOf(CORPUS_DIR, m.context)) fs.mkdirSync(path.join(repoDir, sp), { recursive: true });
    }
    const rel = m?.path ?? f;
    const abs = path.join(repoDir, rel);
    write(abs, fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', f), 'utf8'));
    out.push(abs);
    const cd = path.posix.normalize(m?.context_dir ?? '.');
    if (m && cd !== path.posix.dirname(rel)) {
      const lines = configs.get(repoDir) ?? [];
      lines.push(`  ${JSON.stringify(rel)}:\n    context: ${JSON.stringify(cd)}`);
      configs.set(repoDir, lines);
    }
  }
  for (const [dir, lines] of configs) fs.writeFileSync(path.join(dir, '.layerwise.yaml'), 'dockerfiles:\n' + lines.join('\n') + '\n');
  return out;
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
      // BENCH_MONO_DIR=dir keeps the laid-out monorepo there (for profiling the CLI on it)
      const keep = process.env.BENCH_MONO_DIR;
      if (keep) fs.mkdirSync(keep, { recursive: true });
      const root = keep ? fs.mkdtempSync(path.join(keep, 'mono-')) : fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-check-bench-'));
      try {
        const t0 = performance.now();
        const mono = materialize(root, files, manifest);
        const made = performance.now() - t0;
        if (keep) fs.writeFileSync(path.join(root, 'dockerfiles.txt'), mono.join('\n') + '\n');
        const flat = files.map((f) => path.join(dir, f));
        const utilsScript =
          "const fs=require('fs');const {validate}=require('dockerfile-utils');let n=0;" +
          'for(const f of process.argv.slice(1)) n+=validate(fs.readFileSync(f,"utf8"),{}).length;' +
          'process.stdout.write(JSON.stringify({n}))';
        const pr = Number(process.env.BENCH_PROCESS_ROUNDS ?? Math.max(3, Math.ceil(ROUNDS / 2)));
        const prow: string[][] = [['whole process, whole corpus', 'node + dockerfile-utils', 'layerwise check CLI', 'CLI/utils']];
        // interleaved: CLI then utils, round by round
        // BENCH_BASELINE_CLI=path/to/dist/cli.js: an older build's CLI on the monorepo too, interleaved (before/after)
        const baseline = process.env.BENCH_BASELINE_CLI;
        const times = { cli: [] as number[], ut: [] as number[], flat: [] as number[], utFlat: [] as number[], base: [] as number[] };
        let status: number | null = null;
        let flatStatus: number | null = null;
        for (let i = -1; i < pr; i++) {
          const a = timeProcess([CLI, 'check', ...mono, '--format', 'json'], 1, false);
          const b = timeProcess(['-e', utilsScript, ...mono], 1, false);
          const c = timeProcess([CLI, 'check', ...flat, '--format', 'json'], 1, false);
          const d = timeProcess(['-e', utilsScript, ...flat], 1, false);
          const e = baseline ? timeProcess([baseline, 'check', ...mono, '--format', 'json'], 1, false) : null;
          if (i < 0) continue;
          if (e) times.base.push(e.median);
          times.cli.push(a.median);
          times.ut.push(b.median);
          times.flat.push(c.median);
          times.utFlat.push(d.median);
          status = a.status;
          flatStatus = c.status;
        }
        const [cli, ut, fl, uf] = [median(times.cli), median(times.ut), median(times.flat), median(times.utFlat)];
        prow.push([`monorepo with contexts: ${files.length} files, one process each side (exit ${status})`, fmtMs(ut), fmtMs(cli), ratio(cli, ut)]);
        prow.push([`flat folder (one context, all siblings; exit ${flatStatus})`, fmtMs(uf), fmtMs(fl), ratio(fl, uf)]);
        if (baseline) prow.push([`monorepo, baseline CLI (${baseline})`, fmtMs(ut), fmtMs(median(times.base)), ratio(median(times.base), ut)]);
        if (process.env.BENCH_LINT_CLI === '1') {
          const bin = require.resolve('dockerfile-utils/bin/dockerfile-utils');
          const t1 = performance.now();
          for (const f of mono) spawnSync(process.execPath, [bin, 'lint', '--json', f], { encoding: 'utf8', maxBuffer: 64 << 20 });
          const lint = performance.now() - t1;
          prow.push([`dockerfile-utils lint, one process per file (one round)`, fmtMs(lint), fmtMs(cli), ratio(cli, lint)]);
        }
        console.log(`monorepo laid out in ${fmtMs(made)} under ${root} (${listedFiles(root).toLocaleString('en-US')} files)`);
        console.log(table(prow));
        console.log(`headline (process): layerwise check / dockerfile-utils = ${(cli / ut).toFixed(2)}× on the monorepo with contexts (goal ≤ 1.0×; flat folder ${(fl / uf).toFixed(2)}×)`);
      } finally {
        if (!keep) fs.rmSync(root, { recursive: true, force: true });
      }
    }
  }
  console.log(`headline: layerwise check / dockerfile-utils validate = ${(lc / u).toFixed(2)}× in-process with contexts (${(l0 / u).toFixed(2)}× without)`);
}

main();
