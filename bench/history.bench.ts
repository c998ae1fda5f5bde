// History replay speed: `layerwise history` for the last 100 / 500 / 2,000 commits of a generated repository
// (git read in one pass + replay, without the on-disk cache; then the cached path). Goal (issue 5): 500 commits well
// under a few seconds. Not part of `npm test`; run with `node out/bench/history.bench.js` after
// `npx tsc -p test/tsconfig.json`.
// The repository (2,400 commits: source edits, manifest bumps, renames, deletes, files outside the context, a merge
// every 50 commits, Dockerfile edits every 150, .dockerignore edits every 400) is generated once with a single
// `git fast-import` into $HOME/.cache/layerwise/bench-history-repo and reused; LAYERWISE_BENCH_HISTORY_REPO overrides
// the location, BENCH_ROUNDS=n the number of measured rounds.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replayHistory } from '../server/src/engine';
import { loadHistory } from '../server/src/context/history';
import { fmtMs, median, table } from './util';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const VERSION = 'v1';
const REPO = process.env.LAYERWISE_BENCH_HISTORY_REPO ?? path.join(os.homedir(), '.cache', 'layerwise', 'bench-history-repo');
const TOTAL = 2400;

const DOCKERFILES = [
  'FROM node:20 AS deps\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nFROM deps AS build\nCOPY . .\nRUN npm run build\nRUN npm test\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=build /app/dist ./dist\nCOPY --from=deps /app/node_modules ./node_modules\nCMD ["node", "dist/main.js"]\n',
  'FROM node:20 AS deps\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nFROM deps AS build\nCOPY tsconfig.json ./\nCOPY src/ src/\nRUN npm run build\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=build /app/dist ./dist\nCOPY --from=deps /app/node_modules ./node_modules\n',
];

function git(cwd: string, args: string[], input?: string): string {
  const r = spawnSync('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd, input, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  if (r.status !== 0) throw new Error(`git ${args[0]}: ${r.stderr}`);
  return r.stdout;
}

function generate(): void {
  fs.rmSync(REPO, { recursive: true, force: true });
  fs.mkdirSync(REPO, { recursive: true });
  git(REPO, ['init', '-q', '-b', 'main']);
  const out: string[] = [];
  let mark = 0;
  let t = 1_600_000_000;
  const files = new Map<string, string>();
  for (let i = 0; i < 300; i++) files.set(`app/src/mod${i % 30}/file${i}.ts`, `export const v${i} = 0;\n`);
  files.set('app/package.json', '{"version":"0.0.0"}\n');
  files.set('app/package-lock.json', '{}\n');
  files.set('app/tsconfig.json', '{}\n');
  files.set('app/Dockerfile', DOCKERFILES[0]!);
  files.set('app/.dockerignore', 'node_modules\n');
  for (let i = 0; i < 50; i++) files.set(`docs/page${i}.md`, `# ${i}\n`);
  const commit = (branch: string, msg: string, changes: [string, string | null][], from?: number, merge?: number): number => {
    const m = ++mark;
    out.push(`commit refs/heads/${branch}`, `mark :${m}`, `author B <b@example.invalid> ${t} +0000`, `committer B <b@example.invalid> ${t} +0000`);
    t += 60;
    out.push(`data ${Buffer.byteLength(msg)}`, msg);
    if (from) out.push(`from :${from}`);
    if (merge) out.push(`merge :${merge}`);
    for (const [p, c] of changes) {
      if (c === null) out.push(`D ${p}`);
      else out.push(`M 100644 inline ${p}`, `data ${Buffer.byteLength(c)}`, c);
    }
    out.push('');
    return m;
  };
  let head = commit('main', 'init', [...files]);
  let rename = 0;
  for (let i = 1; i < TOTAL; i++) {
    const ch: [string, string | null][] = [];
    if (i % 150 === 0) ch.push(['app/Dockerfile', DOCKERFILES[(i / 150) % 2]!]);
    else if (i % 400 === 7) ch.push(['app/.dockerignore', i % 800 === 7 ? 'node_modules\ndocs\n*.md\n' : 'node_modules\n']);
    else if (i % 20 === 0) ch.push(['app/package.json', `{"version":"0.0.${i}"}\n`], ['app/package-lock.json', `{"lock":${i}}\n`]);
    else if (i % 37 === 0) {
      const from = `app/src/mod${rename % 30}/file${rename}.ts`;
      if (files.has(from)) {
        ch.push([from, null], [`app/src/mod${rename % 30}/renamed${rename}.ts`, files.get(from)!]);
        files.delete(from);
      }
      rename++;
    } else if (i % 11 === 0) ch.push([`docs/page${i % 50}.md`, `# ${i}\n`]); // outside the context
    else {
      const p = `app/src/mod${i % 30}/file${(i * 7) % 300}.ts`;
      ch.push([p, `export const v = ${i};\n`]);
    }
    if (i % 50 === 25) {
      // a side branch with two commits, merged back
      const side = commit(`side${i}`, `side ${i}`, [[`app/src/mod${i % 30}/side${i}.ts`, `${i}\n`]], head);
      const side2 = commit(`side${i}`, `side ${i} b`, [[`app/src/mod${i % 30}/side${i}.ts`, `${i}b\n`]], side);
      head = commit('main', `merge side ${i}`, [[`app/src/mod${i % 30}/side${i}.ts`, `${i}b\n`]], head, side2);
      continue;
    }
    for (const [p, c] of ch) if (c !== null) files.set(p, c);
    head = commit('main', `change ${i}`, ch, head);
  }
  git(REPO, ['fast-import', '--quiet'], out.join('\n') + '\n');
  git(REPO, ['checkout', '-q', '-f', 'main']);
  fs.writeFileSync(path.join(REPO, '.git', 'layerwise-bench-version'), VERSION);
}

function main(): void {
  const marker = path.join(REPO, '.git', 'layerwise-bench-version');
  if (!fs.existsSync(marker) || fs.readFileSync(marker, 'utf8') !== VERSION) {
    const t0 = performance.now();
    generate();
    console.log(`generated ${REPO} in ${fmtMs(performance.now() - t0)}`);
  }
  const ctx = path.join(REPO, 'app');
  const df = path.join(ctx, 'Dockerfile');
  const text = fs.readFileSync(df, 'utf8');
  const rows: string[][] = [['commits', 'replayed', 'git (1 pass)', 'replay', 'total', 'cached load+replay']];
  for (const n of [100, 500, 2000]) {
    const g: number[] = [];
    const r: number[] = [];
    const c: number[] = [];
    let replayed = 0;
    for (let k = 0; k < ROUNDS + 1; k++) {
      const t0 = performance.now();
      const data = loadHistory({ contextDir: ctx, dockerfilePath: df, commits: n, cache: false });
      const t1 = performance.now();
      const res = replayHistory({ commits: data.commits, currentText: text });
      const t2 = performance.now();
      loadHistory({ contextDir: ctx, dockerfilePath: df, commits: n }); // fill the cache
      const t3 = performance.now();
      const cached = loadHistory({ contextDir: ctx, dockerfilePath: df, commits: n });
      replayHistory({ commits: cached.commits, currentText: text });
      const t4 = performance.now();
      if (cached.source !== 'cache') throw new Error('cache not used');
      replayed = res.commits;
      void t3;
      if (k === 0) continue; // warm-up
      g.push(t1 - t0);
      r.push(t2 - t1);
      c.push(t4 - t3);
    }
    rows.push([String(n), String(replayed), fmtMs(median(g)), fmtMs(median(r)), fmtMs(median(g) + median(r)), fmtMs(median(c))]);
  }
  console.log(table(rows));
}

main();
