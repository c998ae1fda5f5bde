// Engine speed vs dockerfile-ast alone. Not part of `npm test`; run with `node out/bench/engine.bench.js` after
// `npx tsc -p test/tsconfig.json`. Reads ../shared/corpus in place (never copies it).
// Engine = analyze() + stepReads() + one explain() (baseline == current, current model reused), which is what one
// editor update costs; parse = DockerfileParser.parse() over the same text. Goal (docs): engine/parse ≤ 1.5×.
// The engine runs cold (its parse-chunk and stage memos cleared before every file), so the ratio compares like with
// like; the "edit" rows show what an editor pays when one line of a long file changes (memos warm).
// BENCH_ROUNDS=n changes the number of measured rounds (default 7).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { analyze, clearAnalysisCaches, explain, stepReads, MemoryContext } from '../server/src/engine';
import { CORPUS_DIR, readManifest, corpusContext, generateDockerfile } from '../test/corpus/checks';
import { compare, fmtMs, ratio, table } from './util';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

interface Input {
  name: string;
  text: string;
  ctx: MemoryContext;
}

function engine(inputs: Input[]): void {
  for (const { text, ctx } of inputs) {
    clearAnalysisCaches();
    const model = analyze(text);
    stepReads(model, ctx);
    explain({ current: { text, context: ctx }, baseline: { text, context: ctx }, currentModel: model });
  }
}

function parse(inputs: Input[]): void {
  for (const { text } of inputs) DockerfileParser.parse(text);
}

const FORTY = [
  '# syntax=docker/dockerfile:1',
  'ARG NODE_VERSION=20',
  'FROM node:${NODE_VERSION}-bookworm-slim AS base',
  'WORKDIR /app',
  'ENV NODE_ENV=production',
  'RUN apt-get update \\',
  ' && apt-get install -y --no-install-recommends ca-certificates curl \\',
  ' && rm -rf /var/lib/apt/lists/*',
  '',
  'FROM base AS deps',
  'COPY package.json package-lock.json ./',
  'RUN --mount=type=cache,target=/root/.npm \\',
  '    npm ci --omit=dev',
  '',
  'FROM base AS build',
  'COPY package.json package-lock.json ./',
  'RUN --mount=type=cache,target=/root/.npm npm ci',
  'COPY tsconfig.json ./',
  'COPY src/ ./src/',
  'RUN npm run build',
  '',
  'FROM base AS test',
  'COPY --from=build /app /app',
  'RUN npm test',
  '',
  'FROM gcr.io/distroless/nodejs20-debian12 AS runtime',
  'WORKDIR /app',
  'COPY --from=deps /app/node_modules ./node_modules',
  'COPY --from=build /app/dist ./dist',
  'COPY <<EOF /app/config.json',
  '{"port": 8080}',
  'EOF',
  'USER 1000',
  'EXPOSE 8080',
  'HEALTHCHECK CMD ["/nodejs/bin/node", "dist/health.js"]',
  'LABEL org.opencontainers.image.source=https://example.com/app',
  'ENTRYPOINT ["/nodejs/bin/node"]',
  'CMD ["dist/server.js"]',
  '',
  '',
].join('\n');

function smallContext(): MemoryContext {
  const c = new MemoryContext('synthetic');
  c.addFile('package.json', '{}').addFile('package-lock.json', '{}').addFile('tsconfig.json', '{}');
  for (let i = 0; i < 200; i++) c.addFile(`src/mod${i % 20}/file${i}.ts`, 'x' + i);
  for (let i = 0; i < 10; i++) c.addFile(`scripts/s${i}.sh`, 's');
  c.addFile('.dockerignore', 'node_modules\n*.log\n').setIgnore('.dockerignore', 'node_modules\n*.log\n');
  return c;
}

function main(): void {
  console.log(`engine bench — node ${process.version}, ${ROUNDS} rounds after warm-up, medians; ratios measured side by side`);
  const rows: string[][] = [['input', 'parse (dockerfile-ast)', 'engine', 'engine/parse']];
  let headline = '';

  if (fs.existsSync(path.join(CORPUS_DIR, 'manifest.jsonl'))) {
    const manifest = readManifest();
    const files = fs.readdirSync(path.join(CORPUS_DIR, 'dockerfiles')).sort();
    const empty = new MemoryContext('empty');
    const withCtx: Input[] = files.map((f) => {
      const m = manifest.get(f);
      return { name: f, text: fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', f), 'utf8'), ctx: (m && corpusContext(m)) || empty };
    });
    const noCtx: Input[] = withCtx.map((i) => ({ ...i, ctx: empty }));
    const lines = withCtx.reduce((s, i) => s + i.text.split('\n').length, 0);
    const r = compare(
      [
        { name: 'parse', run: () => parse(withCtx) },
        { name: 'engine+ctx', run: () => engine(withCtx) },
        { name: 'engine', run: () => engine(noCtx) },
      ],
      ROUNDS,
      2,
    );
    const p = r.get('parse')!.median;
    const ec = r.get('engine+ctx')!.median;
    const e0 = r.get('engine')!.median;
    rows.push([`corpus: ${files.length} files / ${lines} lines, simulated contexts`, fmtMs(p), fmtMs(ec), ratio(ec, p)]);
    rows.push([`corpus: same files, empty context`, fmtMs(p), fmtMs(e0), ratio(e0, p)]);
    headline = `engine/parse = ${(ec / p).toFixed(2)}× (goal ≤ 1.5×)   [corpus with its simulated contexts; ${(e0 / p).toFixed(2)}× with an empty context]`;

    // where the corpus time goes (one pass each, after the rounds above warmed everything)
    const phase = { parse: 0, analyze: 0, stepReads: 0, explain: 0 };
    const perFile: [string, number][] = [];
    for (const { name, text, ctx } of withCtx) {
      const tp = performance.now();
      DockerfileParser.parse(text);
      const t0 = performance.now();
      const m = analyze(text);
      const t1 = performance.now();
      stepReads(m, ctx);
      const t2 = performance.now();
      explain({ current: { text, context: ctx }, baseline: { text, context: ctx }, currentModel: m });
      const t3 = performance.now();
      phase.parse += t0 - tp;
      phase.analyze += t1 - t0;
      phase.stepReads += t2 - t1;
      phase.explain += t3 - t2;
      perFile.push([name, t3 - t0]);
    }
    console.log(
      `corpus phases (one pass): parse alone ${fmtMs(phase.parse)} | analyze ${fmtMs(phase.analyze)}, stepReads ${fmtMs(phase.stepReads)}, explain ${fmtMs(phase.explain)}`,
    );
    console.log(
      'slowest corpus files (engine, one pass): ' +
        perFile
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([n, t]) => `${n} ${fmtMs(t)}`)
          .join(', '),
    );
  } else {
    console.log(`corpus not found at ${CORPUS_DIR}: corpus rows skipped`);
  }

  const ctx = smallContext();
  const sizes: [string, string, number, number][] = [
    ['40 lines (hand-written, 5 stages)', FORTY, ROUNDS * 20, 5],
    ['2,000 lines (generated, 100 stages)', generateDockerfile(2000), ROUNDS, 2],
    ['20,000 lines (generated, 1,000 stages)', generateDockerfile(20000), Math.max(3, Math.ceil(ROUNDS / 2)), 1],
  ];
  for (const [label, text, rounds, warmup] of sizes) {
    const input: Input[] = [{ name: label, text, ctx }];
    const r = compare(
      [
        { name: 'parse', run: () => parse(input) },
        { name: 'engine', run: () => engine(input) },
      ],
      rounds,
      warmup,
    );
    const p = r.get('parse')!.median;
    const e = r.get('engine')!.median;
    rows.push([label + ', 213-file context', fmtMs(p), fmtMs(e), ratio(e, p)]);
    if (text.length < 10_000) continue;
    // an edit: the last line changes between rounds; the memos keep the untouched stages
    let n = 0;
    const edited = (): Input[] => {
      const lines = text.split('\n');
      lines[lines.length - 2] = `EXPOSE ${8000 + (n++ % 1000)}`;
      return [{ name: label, text: lines.join('\n'), ctx }];
    };
    const warm = (inputs: Input[]): void => {
      for (const { text: t, ctx: c } of inputs) {
        const model = analyze(t);
        stepReads(model, c);
        explain({ current: { text: t, context: c }, baseline: { text: t, context: c }, currentModel: model });
      }
    };
    const re = compare(
      [
        { name: 'parse', run: () => parse(edited()) },
        { name: 'engine', run: () => warm(edited()) },
      ],
      rounds,
      warmup,
    );
    const pe = re.get('parse')!.median;
    const ee = re.get('engine')!.median;
    rows.push([label + ', one line edited (memos warm)', fmtMs(pe), fmtMs(ee), ratio(ee, pe)]);
  }
  console.log(table(rows));
  if (headline) console.log(headline);
}

main();
