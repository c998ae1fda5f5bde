// .dockerignore matching speed: our fused matcher (engine/dockerignore.ts) vs @balena/dockerignore on the same
// pattern set and 20,000 generated paths (moved here from test/context/dockerignore.test.ts: timings are not
// pass/fail). Not part of `npm test`; run with `node out/bench/dockerignore.bench.js` after
// `npx tsc -p test/tsconfig.json`. Goal: ours/balena ≤ 1×. BENCH_ROUNDS=n changes the number of measured rounds.
import { parseDockerignore } from '../server/src/engine/dockerignore';
import { compare, fmtMs, ratio, table } from './util';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const balena = require('@balena/dockerignore') as (o?: { ignorecase?: boolean }) => { add(p: string): { ignores(p: string): boolean } };

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TEXT = ['**/node_modules', '.git', '*.md', '!README.md', '**/*.log', 'build/**', '!build/keep/**', 'docs', 'src/**/*.test.ts', '**/.DS_Store', 'tmp*', '!tmp/keep', 'coverage', '**/__pycache__', '*.pyc', '.env*', '!.env.example', 'dist', 'out'].join('\n');
const SEGS = ['a', 'b', 'foo', 'bar', 'node_modules', 'src', 'docs', 'README.md', 'x.md', 'y.txt', '.git', 'keep', 'a.b', 'build', '.env', 'Dockerfile', 'deep', 'A.MD', 'ab', 'c'];

function paths(n: number, seed: number): string[] {
  const set = new Set<string>();
  const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff), seed / 0x7fffffff);
  while (set.size < n) {
    const segs: string[] = [];
    for (let i = 0, depth = 1 + Math.floor(r() * 4); i < depth; i++) segs.push(SEGS[Math.floor(r() * SEGS.length)]!);
    for (let i = 1; i <= segs.length; i++) set.add(segs.slice(0, i).join('/'));
  }
  return [...set];
}

const PATHS = paths(20000, 13);
// a fresh matcher per round (both libraries cache per pattern set or per path)
const m = compare(
  [
    { name: 'layerwise', run: () => { const ig = parseDockerignore(TEXT); for (const p of PATHS) ig.ignores(p); } },
    { name: '@balena/dockerignore', run: () => { const ig = balena({ ignorecase: false }).add(TEXT); for (const p of PATHS) ig.ignores(p); } },
  ],
  ROUNDS,
);
const ours = m.get('layerwise')!.median;
const peer = m.get('@balena/dockerignore')!.median;
console.log(`## .dockerignore matching: ${PATHS.length} paths, ${TEXT.split('\n').length} patterns (median of ${ROUNDS})`);
console.log(table([
  ['matcher', 'median', 'µs/path', 'ratio'],
  ['layerwise', fmtMs(ours), ((ours * 1000) / PATHS.length).toFixed(2), ratio(ours, peer)],
  ['@balena/dockerignore', fmtMs(peer), ((peer * 1000) / PATHS.length).toFixed(2), '1.00×'],
]));
