// `layerwise cache` on a 10,000-record build cache: the answer recorded from a real dockerd 20.10
// (test/buildcache/recorded-20.10, df2) cloned into ~480 projects' worth of records. Compared with the raw cost of
// the same data: JSON.parse of the Engine API answer plus one pass over its records (what any client must do).
// Also the whole CLI (`node dist/cli.js cache --format json`) against a unix-socket daemon serving that answer,
// vs `node -e` reading the same answer over the same socket. Not part of `npm test`; run
// `node out/bench/buildcache.bench.js` after `npm run build && npm run compile-tests`. BENCH_ROUNDS=n.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze } from '../server/src/engine';
import { mapBuildCache, prunePlan, recordsFromDf } from '../server/src/engine/buildcache';
import { compare, fmtMs, ratio, table } from './util';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROOT = path.resolve(__dirname, '../..');
const REC = path.join(ROOT, 'test/buildcache/recorded-20.10');

function images(): unknown {
  return (JSON.parse(fs.readFileSync(path.join(REC, 'answers.json'), 'utf8')) as Record<string, { Images: unknown }>)['df2']!.Images;
}

function answer(n: number): string {
  const a = JSON.parse(fs.readFileSync(path.join(REC, 'answers.json'), 'utf8')) as Record<string, { BuildCache: Record<string, unknown>[] }>;
  const base = a['df2']!.BuildCache;
  const big: Record<string, unknown>[] = [];
  for (let k = 0; big.length < n; k++) for (const x of base) big.push({ ...x, ID: `${x.ID}${k}`, Parent: x.Parent ? `${x.Parent}${k}` : '' });
  return JSON.stringify({ BuildCache: big, BuilderSize: 0 });
}

async function main(): Promise<void> {
  const body = answer(10_000);
  const imagesJson = JSON.stringify(images());
  const localImages = (images() as { RepoTags: string[] }[]).flatMap((i) => i.RepoTags);
  const dfs = ['Dockerfile', 'alt.Dockerfile'].map((f) => ({ dockerfile: f, model: analyze(fs.readFileSync(path.join(REC, f), 'utf8'), { buildkitVersion: '0.8' }) }));
  let n = 0;
  const r = compare([
    { name: 'raw', run: () => { const j = JSON.parse(body) as { BuildCache: { Size: number }[] }; let s = 0; for (const x of j.BuildCache) s += x.Size; n = j.BuildCache.length; return s; } },
    { name: 'map', run: () => mapBuildCache(recordsFromDf(JSON.parse(body)).records, dfs, { localImages }) },
    { name: 'map+plan', run: () => prunePlan(mapBuildCache(recordsFromDf(JSON.parse(body)).records, dfs, { localImages })) },
  ], ROUNDS, 1);
  const raw = r.get('raw')!.median;

  // end to end over a unix socket
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-bench-cache-'));
  for (const f of ['Dockerfile', 'alt.Dockerfile']) fs.copyFileSync(path.join(REC, f), path.join(dir, f));
  const sock = path.join(dir, 'd.sock');
  const srv = http.createServer((req, res) => {
    if (req.url === '/_ping') { res.writeHead(200, { 'API-Version': '1.41' }); res.end('OK'); return; }
    if (req.url === '/v1.41/images/json') { res.writeHead(200); res.end(imagesJson); return; }
    res.writeHead(200); res.end(body);
  });
  await new Promise<void>((ok) => srv.listen(sock, ok));
  const env = { ...process.env, DOCKER_HOST: 'unix://' + sock };
  const run = (args: string[]) => new Promise<number>((ok) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('close', () => ok(performance.now() - t0));
  });
  const reader = `const h=require('http');h.get({socketPath:${JSON.stringify(sock)},path:'/v1.41/system/df'},(r)=>{let b='';r.on('data',(c)=>b+=c);r.on('end',()=>{const j=JSON.parse(b);let s=0;for(const x of j.BuildCache)s+=x.Size;console.log(s)})})`;
  const cliT: number[] = [], rawT: number[] = [];
  await run([path.join(ROOT, 'dist/cli.js'), 'cache', '--format', 'json']);
  for (let i = 0; i < Math.max(3, ROUNDS >> 1); i++) {
    cliT.push(await run([path.join(ROOT, 'dist/cli.js'), 'cache', '--format', 'json']));
    rawT.push(await run(['-e', reader]));
  }
  srv.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(table([
    ['variant (10,000+ records)', 'records', 'median', 'vs raw'],
    ['raw: JSON.parse + one pass', String(n), fmtMs(raw), '1.00×'],
    ['mapBuildCache (records -> steps, stale)', String(n), fmtMs(r.get('map')!.median), ratio(r.get('map')!.median, raw)],
    ['mapBuildCache + prunePlan', String(n), fmtMs(r.get('map+plan')!.median), ratio(r.get('map+plan')!.median, raw)],
    ['process: node -e reading /system/df over the socket', String(n), fmtMs(med(rawT)), '1.00×'],
    ['process: layerwise cache --format json', String(n), fmtMs(med(cliT)), ratio(med(cliT), med(rawT))],
  ]));
}

void main();
