// Start-up costs: the language server's process start to `initialize` answered, side by side with
// dockerfile-language-server-nodejs (the peer inside Microsoft's and Docker's VS Code extensions); the CLI's start
// (`--version`, and `check` of a small Dockerfile) against a bare `node -e 0`; and the sizes of the bundles.
// Rounds are interleaved (rotating the order) and sequential. Not pass/fail: prints ratios against the goal
// (`initialize` not slower than the peer's).
//
// LAYERWISE_BENCH_BASELINE_DIST=<dir> adds a second Layerwise build (e.g. an older dist/) to every table.
// LAYERWISE_BENCH_NODE=<node binary> runs the servers with that Node (e.g. code-server's Node 24); with a Node that
// has V8's compile cache (22.1+) a row "layerwise + compile cache" starts the server as the VS Code client does
// (NODE_COMPILE_CACHE in a folder of its own; the warm-up round fills it). The first row is the server as the VS Code
// client starts it (the launcher dist/lsp.js with nodeflags.ts' options, its code cache in a folder of its own,
// filled by the warm-up round); the goal is measured on it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { LspClient, FULL_CAPS } from '../test/lsp/client';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../server/src/lsp/nodeflags';
import { fmtMs, median, table } from './util';

const ROOT = path.resolve(__dirname, '../..');
const PEER = path.join(ROOT, 'node_modules/dockerfile-language-server-nodejs/bin/docker-langserver');
const DIST = path.join(ROOT, 'dist');
const BASELINE = process.env['LAYERWISE_BENCH_BASELINE_DIST'];
const ROUNDS = Number(process.env['STARTUP_BENCH_ROUNDS'] ?? 15);
const NODE = process.env['LAYERWISE_BENCH_NODE'] ?? process.execPath;

interface Subject {
  name: string;
  argv: string[];
  times: number[];
}

/** Process start to the `initialize` response (the client sends `initialized` right after, not timed). */
async function initializeTime(argv: string[], root: string, liveMs = 0): Promise<number> {
  const t0 = performance.now();
  const c = await LspClient.start({ root, capabilities: FULL_CAPS, command: argv });
  const t = performance.now() - t0;
  if (liveMs) await new Promise((r) => setTimeout(r, liveMs));
  await c.stop();
  return t;
}

function sizes(dir: string): string {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => `${f} ${(fs.statSync(path.join(dir, f)).size / 1024).toFixed(0)} KB`)
    .join(', ');
}

async function main(): Promise<void> {
  if (!fs.existsSync(PEER)) throw new Error(`${PEER} is missing: npm install (dockerfile-language-server-nodejs is a devDependency)`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-startup-'));
  fs.writeFileSync(path.join(root, 'Dockerfile'), 'FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . /app\nRUN make -C /app\n');
  fs.writeFileSync(path.join(root, 'Makefile'), 'all:\n');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-compile-cache-')); // not in the workspace the servers read
  const codeCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-code-cache-'));
  try {
    console.log(`# Start-up (node ${process.version}, ${ROUNDS} interleaved rounds, medians)`);
    console.log(`bundles: ${sizes(DIST)}`);
    if (BASELINE) console.log(`baseline (${BASELINE}): ${sizes(BASELINE)}`);

    const nodeVersion = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const [major, minor] = nodeVersion.replace(/^v/, '').split('.').map(Number) as [number, number];
    const compileCache = major > 22 || (major === 22 && minor >= 1);
    console.log(`servers run with node ${nodeVersion}${compileCache ? '' : ' (no compile cache: the "+ compile cache" row is left out)'}`);
    // as the VS Code client starts it: the launcher (dist/lsp.js), the Node options and environment of nodeflags.ts,
    // the bundle's V8 code cache (lsp/codecache.ts) in a folder of its own, filled by the warm-up round
    const launcher = (env: string[]) => ['/usr/bin/env', ...Object.entries(SERVER_ENV).map(([k, v]) => `${k}=${v}`), ...env, NODE, ...SERVER_NODE_FLAGS, path.join(DIST, 'lsp.js'), '--stdio'];
    const servers: Subject[] = [
      { name: 'layerwise (lsp.js, code cache)', argv: launcher([`LAYERWISE_CODE_CACHE_DIR=${codeCacheDir}`]), times: [] },
      { name: 'layerwise (lsp.js, no code cache)', argv: launcher(['LAYERWISE_CODE_CACHE=0']), times: [] },
      { name: 'layerwise (server.js run directly)', argv: [NODE, path.join(DIST, 'server.js'), '--stdio'], times: [] },
      ...(compileCache ? [{ name: 'layerwise + compile cache', argv: ['/usr/bin/env', `NODE_COMPILE_CACHE=${cacheDir}`, NODE, path.join(DIST, 'server.js'), '--stdio'], times: [] }] : []),
      ...(BASELINE ? [{ name: 'layerwise (baseline)', argv: [NODE, path.join(BASELINE, 'server.js'), '--stdio'], times: [] }] : []),
      { name: 'docker-langserver', argv: [NODE, PEER, '--stdio'], times: [] },
    ];
    for (const s of servers) await initializeTime(s.argv, root, 2500); // warm the page cache; the code cache is written 2 s after a start
    for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < servers.length; k++) {
      const s = servers[(k + r) % servers.length]!;
      s.times.push(await initializeTime(s.argv, root));
    }
    const peer = median(servers[servers.length - 1]!.times);
    console.log('\n## language server: process start → initialize answered');
    console.log(table([['server', 'median', 'min', 'vs peer'], ...servers.map((s) => [s.name, fmtMs(median(s.times)), fmtMs(Math.min(...s.times)), (median(s.times) / peer).toFixed(2) + '×'])]));
    const ours = median(servers[0]!.times) / peer;
    console.log(`goal: initialize not slower than the peer (≤ 1.00×): ${ours <= 1 ? 'met' : 'MISSED'} (${ours.toFixed(2)}×)`);

    const cli = (dir: string, args: string[]): string[] => [process.execPath, path.join(dir, 'cli.js'), ...args];
    const runs: Subject[] = [
      { name: 'node -e 0 (floor)', argv: [process.execPath, '-e', '0'], times: [] },
      { name: 'layerwise --version', argv: cli(DIST, ['--version']), times: [] },
      { name: 'layerwise check Dockerfile', argv: cli(DIST, ['check', 'Dockerfile']), times: [] },
      ...(BASELINE
        ? [
            { name: 'baseline --version', argv: cli(BASELINE, ['--version']), times: [] },
            { name: 'baseline check Dockerfile', argv: cli(BASELINE, ['check', 'Dockerfile']), times: [] },
          ]
        : []),
    ];
    for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < runs.length; k++) {
      const s = runs[(k + r) % runs.length]!;
      const t0 = performance.now();
      const p = spawnSync(s.argv[0]!, s.argv.slice(1), { cwd: root, encoding: 'utf8' });
      s.times.push(performance.now() - t0);
      if (p.status !== 0 && p.status !== 1) throw new Error(`${s.name}: exit ${p.status}\n${p.stderr}`);
    }
    const floor = median(runs[0]!.times);
    console.log('\n## CLI: process start → exit');
    console.log(table([['command', 'median', 'min', 'vs node -e 0'], ...runs.map((s) => [s.name, fmtMs(median(s.times)), fmtMs(Math.min(...s.times)), (median(s.times) / floor).toFixed(2) + '×'])]));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.rmSync(codeCacheDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
