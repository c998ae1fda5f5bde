#!/usr/bin/env node
// The extension's activation time in a real VS Code (code-server's workbench and Node extension host, headless
// Chromium; scripts/vscode-test.mjs): each round opens a fresh window on a workspace without a Dockerfile and runs
// bench/vscode/activation.ts there, which times `activate()`, activate() up to the language client being ready, and
// then a Dockerfile's first diagnostics. Not pass/fail: prints medians against the goal (activation ≤ 100 ms).
//
//   npm run -s build && npm run -s compile-tests && node bench/activation.bench.mjs
//   LAYERWISE_BENCH_BASELINE_DIST=<dir>   also time another build of dist/ (e.g. an older one), interleaved
//   ACTIVATION_BENCH_ROUNDS=N             rounds per build (default 5)
//
// Figures: 2026-12-02, c22f639 client, 3 windows: at load ~5–8 on 2 cores activate() 104 ms (min 92), activate() →
// client ready 860 ms, open → first diagnostics 1,201 ms (goal ≤ 100 ms: just missed); at load ~21: 466 ms (min 329),
// 2,182 ms, 1,580 ms. Not worked on yet. 2026-12-02 (session 9), load ~11: activate() 77 ms (min 23), → client ready
// 843 ms (min 769), → first diagnostics 1,205 ms: the goal, measured to the client ready, is missed.
//
// Where activate() → client ready goes (2026-12-03, session 14; temporary timestamps, performance.timeOrigin +
// performance.now() in the extension host and the server process, since removed). Until then every window closed
// ~1.5 s after its client was ready, before the code caches are written (2 s after each load: codecache.ts, the
// server's flushCompileCache), so every round, the warm-up included, ran with empty caches: the server bundle's load
// took 104–307 ms, the languageclient bundle's 18–91 ms. bench/vscode/activation.ts now keeps each window 3 s from
// activate(); the warm-up window (empty caches) is printed apart. With the caches filled, 3 windows at load ~3–6:
//   VS Code: ext.activate() → our activate() runs (loading dist/client.js)   42–269 ms (most of the spread is here)
//   activate() body, setImmediate                                          ~3 ms
//   languageclient.js load (code cache)                                    14–17 ms
//   new LanguageClient                                                     3–6 ms
//   start() → child_process.fork returned (TransportKind.ipc)              ~5 ms
//   fork → the server's timeOrigin                                         5–15 ms
//   Node bootstrap (timeOrigin → bootstrapComplete)                        96–138 ms (the same process started from
//     a shell at the same load: 30–40 ms; Chromium and the extension host share the 2 cores. fork's IPC channel under
//     the V8 options of nodeflags.ts costs ~17 ms of it: Node then compiles child_process/net from source — measured
//     alone, fork 34 → 50 ms to bootstrapComplete with the options, spawn 29–30 ms either way)
//   bootstrapComplete → launcher's first line                              3–86 ms
//   launcher → server.js load: start flags, the analysis worker started    11–32 ms
//   server.js load (code cache; the worker loads it at the same time)      35–97 ms (alone: 46–103)
//   languageServer(): the modules' top level, createConnection, listen     28–89 ms (alone: 40–141)
//   → initialize received, answered, start() resolved                      ~10–30 ms
// No round trip holds start(): workspace/configuration and registerCapability come after `initialized`; the fork
// runs code-server's Node 24 (ELECTRON_RUN_AS_NODE=1, no NODE_OPTIONS) with both caches. So the server's start is
// ~270–380 ms of the ~350–680 ms, ~1.5–2× its time alone (bench/startup.bench.ts, Node 24, same load: 189 ms, with
// the compile cache 153 ms), the rest is VS Code's loading of the extension. Left: a spawn without the IPC channel
// (TransportKind.stdio with `runtime`: ~17 ms; needs ELECTRON_RUN_AS_NODE in desktop VS Code, and stdout becomes the
// protocol) was not tried. ≤ 100 ms is out of reach with a server process: Node's bootstrap alone exceeds it here.
// Before/after the 3 s window, interleaved, 5 windows each, medians (load 1.3–4.9): activate() → client ready
// 804, 530, 557 → 492, 516, 522 ms; the warm-up windows (empty caches either way) 254–333 ms, one 813: mostly faster
// than the later windows at this load, so the spread between windows is larger than what the caches save.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { fileURLToPath } from 'node:url';
import { editorsMissing, startCodeServer, launchBrowser, workbenchUrl } from '../scripts/vscode-test.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.ACTIVATION_BENCH_ROUNDS ?? 5);
const ROUND_TIMEOUT_MS = 120000;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** An unpacked extension folder: the manifest and grammar from the repository, the bundles from `dist`. */
function extensionDir(tmp, name, dist) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(ROOT, 'syntaxes'), path.join(dir, 'syntaxes'), { recursive: true });
  for (const f of fs.readdirSync(dist)) if (f.endsWith('.js')) fs.copyFileSync(path.join(dist, f), path.join(dir, 'dist', f));
  return dir;
}

let windows = 0;
async function round(ctx, port, tmp, ext, testsPath) {
  // a new folder each time: VS Code would reopen the last window's Dockerfile, activating Layerwise before the test
  const workspace = path.join(tmp, `workspace-${++windows}`);
  fs.mkdirSync(workspace);
  const page = await ctx.newPage();
  try {
    let settle;
    const done = new Promise((r) => (settle = r));
    let result = null;
    const logs = [];
    await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code)));
    await page.exposeFunction('codeAutomationLog', (_type, a) => {
      const line = util.format(...(Array.isArray(a) ? a : [a]));
      const m = /LAYERWISE_BENCH (\{.*\})/.exec(line);
      if (m) result = JSON.parse(m[1]);
      logs.push(line);
    });
    await page.goto(workbenchUrl(port, workspace, [['extensionDevelopmentPath', ext], ['extensionTestsPath', testsPath], ['skipWelcome', 'true']]));
    const code = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), ROUND_TIMEOUT_MS))]);
    if (code !== 0 || !result) throw new Error(`round failed (${code}):\n${logs.slice(-30).join('\n')}`);
    return result;
  } finally {
    await page.close().catch(() => undefined);
  }
}

async function main() {
  const missing = editorsMissing();
  if (missing.length) {
    console.error(`activation bench: editors missing: ${missing.join(', ')} — run scripts/editors.sh install`);
    return 77;
  }
  const testsPath = path.join(ROOT, 'out/bench/vscode/activation.js');
  if (!fs.existsSync(testsPath)) throw new Error(`${testsPath} missing: run npm run compile-tests`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-activation-'));
  const subjects = [{ name: 'layerwise', ext: extensionDir(tmp, 'ext', path.join(ROOT, 'dist')), runs: [] }];
  if (process.env.LAYERWISE_BENCH_BASELINE_DIST)
    subjects.push({ name: 'layerwise (baseline)', ext: extensionDir(tmp, 'ext-baseline', path.resolve(process.env.LAYERWISE_BENCH_BASELINE_DIST)), runs: [] });
  const cs = await startCodeServer(tmp, tmp);
  const ctx = await launchBrowser(tmp);
  try {
    // warm-up: code-server's first window is slower, and the extension's code caches are empty (it fills them)
    const first = await round(ctx, cs.port, tmp, subjects[0].ext, testsPath);
    subjects[0].first = first;
    for (let r = 0; r < ROUNDS; r++)
      for (let k = 0; k < subjects.length; k++) {
        const s = subjects[(k + r) % subjects.length];
        s.runs.push(await round(ctx, cs.port, tmp, s.ext, testsPath));
      }
  } finally {
    await ctx.close().catch(() => undefined);
    await cs.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`# Extension activation in a real VS Code (code-server + headless Chromium), ${ROUNDS} fresh windows per build, medians`);
  const rows = [['build', 'activate()', 'min', 'activate() → client ready', 'min', 'open Dockerfile → first diagnostics', 'min']];
  const f = (ms) => `${ms.toFixed(0)} ms`;
  const col = (s, k) => s.runs.map((x) => x[k] ?? x.activateMs);
  for (const s of subjects) {
    const [a, r, d] = ['activateMs', 'readyMs', 'firstDiagnosticsMs'].map((k) => col(s, k));
    rows.push([s.name, f(median(a)), f(Math.min(...a)), f(median(r)), f(Math.min(...r)), f(median(d)), f(Math.min(...d))]);
  }
  const first = subjects[0].first;
  rows.push([`${subjects[0].name}: warm-up window, empty caches`, f(first.activateMs), '', f(first.readyMs), '', f(first.firstDiagnosticsMs), '']);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
  const ours = median(col(subjects[0], 'activateMs'));
  // the activation time is activate() start to the language client ready (the server started, `initialize`
  // answered); activate() itself returns before the client starts
  const ready = median(col(subjects[0], 'readyMs'));
  console.log(`goal: activation (activate() → client ready) ≤ 100 ms: ${ready <= 100 ? 'met' : 'MISSED'} (${ready.toFixed(0)} ms; activate() itself returns after ${ours.toFixed(0)} ms)`);
  return 0;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(e?.stack ?? String(e));
    process.exit(1);
  },
);
