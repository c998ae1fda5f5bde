#!/usr/bin/env node
// Runs the real-VS Code suite (test/vscode/suite, the @vscode/test-electron layout) inside code-server — the real
// VS Code workbench and Node extension host — driven by headless Debian Chromium through playwright-core
// (recipe: ../shared/real-editors.md). The suite's exit code comes from the workbench's codeAutomationExit hook.
//
//   node scripts/vscode-test.mjs                  run the mocha suite (exit 0 pass, 1 fail, 77 editors missing)
//   node scripts/vscode-test.mjs --screenshots D  also take UI screenshots (squiggle, hover, sizes hover, quick fix) into D
//   node scripts/vscode-test.mjs --ui-only D      only the screenshots
//   node scripts/vscode-test.mjs --shared-shot D  only the shared-layers hover (shared-hover.png) on the compose
//                                                 fixture of test/sharedfixture.ts (after npm run compile-tests)
//
// Editors come from scripts/editors.sh (cache: ${LAYERWISE_CACHE:-~/.cache/layerwise}); override with
// LAYERWISE_CODE_SERVER (entry.js), LAYERWISE_NODE24 (node binary), LAYERWISE_CHROMIUM.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const shotsIdx = args.findIndex((a) => a === '--screenshots' || a === '--ui-only');
const shotsDir = shotsIdx >= 0 ? path.resolve(args[shotsIdx + 1] ?? 'docs/screenshots') : null;
const uiOnly = args.includes('--ui-only');
const SUITE_TIMEOUT_MS = Number(process.env.LAYERWISE_VSCODE_TIMEOUT_MS ?? 240000);
const EXIT_MISSING = 77;

function log(...a) {
  process.stderr.write(`vscode-test: ${util.format(...a)}\n`);
}

function editors() {
  const env = {};
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/editors.sh'), 'env'], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  const pick = (k) => process.env[k] || env[k];
  return { codeServer: pick('LAYERWISE_CODE_SERVER'), node24: pick('LAYERWISE_NODE24'), chromium: pick('LAYERWISE_CHROMIUM') || '/usr/bin/chromium' };
}

export function editorsMissing() {
  const e = editors();
  const missing = [];
  if (!e.codeServer || !fs.existsSync(e.codeServer)) missing.push(`code-server (${e.codeServer ?? 'not installed'})`);
  if (!e.node24 || !fs.existsSync(e.node24)) missing.push(`Node 24 (${e.node24 ?? 'not installed'})`);
  if (!fs.existsSync(e.chromium)) missing.push(`Chromium (${e.chromium})`);
  try {
    fs.accessSync(path.join(ROOT, 'node_modules/playwright-core'));
  } catch {
    missing.push('playwright-core (npm ci)');
  }
  return missing;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function copyDir(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) copyDir(s, d);
    else fs.copyFileSync(s, d);
  }
}

export async function startCodeServer(tmp, workspace) {
  const e = editors();
  const port = await freePort();
  const cfg = path.join(tmp, 'config.yaml');
  fs.writeFileSync(cfg, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const ud = path.join(tmp, 'user-data');
  fs.mkdirSync(path.join(ud, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(ud, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.ignoreRecommendations': true,
      'update.mode': 'none',
      'editor.hover.delay': 200,
      'workbench.colorTheme': 'Default Light Modern',
      'window.commandCenter': false,
      'chat.disableAIFeatures': true,
    }),
  );
  const xdg = path.join(tmp, 'xdg');
  const child = spawn(
    e.node24,
    [
      e.codeServer,
      '--config', cfg,
      '--user-data-dir', ud,
      '--extensions-dir', path.join(tmp, 'exts'),
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      '--vscode-option', 'enable-smoke-test-driver',
      workspace,
    ],
    {
      env: { ...process.env, XDG_CONFIG_HOME: xdg + '/config', XDG_DATA_HOME: xdg + '/data', XDG_CACHE_HOME: xdg + '/cache', PATH: path.dirname(e.node24) + ':' + process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${out}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not start within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { port, child, output: () => out, stop: () => stopChild(child) };
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function launchBrowser(tmp) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
    executablePath: editors().chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function workbenchUrl(port, workspace, payload) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const pl = payload.map(([k, v]) => [k, k.endsWith('Path') ? remote(v) : v]);
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(pl))}`;
}

/** A real git repository (one commit) for the live forecast test: a Dockerfile that copies package.json, then src/. */
function forecastRepo(dir) {
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY src ./src\nRUN node src/app.js\n');
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"forecast"}\n');
  fs.writeFileSync(path.join(dir, 'src', 'app.js'), 'console.log(1)\n');
  const git = (...a) => {
    const r = spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...a], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
}

async function runSuite() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-vscode-'));
  const workspace = path.join(tmp, 'workspace');
  copyDir(path.join(ROOT, 'test/vscode/fixture'), workspace);
  // repo/ stands for a repository (a .git folder bounds where Layerwise looks above a build context); a fixture in
  // this repository cannot hold a .git folder itself
  fs.mkdirSync(path.join(workspace, 'repo', '.git'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'repo', '.git', 'HEAD'), 'ref: refs/heads/main\n');
  forecastRepo(path.join(workspace, 'forecast'));
  const testsPath = path.join(ROOT, 'out/test/vscode/suite/index.js');
  if (!fs.existsSync(testsPath)) throw new Error(`${testsPath} missing: run npm run compile-tests`);
  if (!fs.existsSync(path.join(ROOT, 'dist/client.js'))) throw new Error('dist/client.js missing: run npm run build');
  const cs = await startCodeServer(tmp, workspace);
  const ctx = await launchBrowser(tmp);
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    let done;
    const exited = new Promise((r) => (done = r));
    await page.exposeFunction('codeAutomationExit', (code) => done(Number(code)));
    // the workbench's own chatter (gallery look-ups that fail offline…) is kept back until mocha starts reporting;
    // it is printed in full when the suite fails or LAYERWISE_VSCODE_VERBOSE is set
    const early = [];
    let reporting = !!process.env.LAYERWISE_VSCODE_VERBOSE;
    await page.exposeFunction('codeAutomationLog', (type, a) => {
      const line = util.format(...(Array.isArray(a) ? a : [a]));
      if (!reporting && /^\s*Layerwise in VS Code/.test(line)) reporting = true;
      if (reporting) console.log(line);
      else early.push(line);
    });
    page.on('close', () => undefined);
    const dumpEarly = () => {
      if (!process.env.LAYERWISE_VSCODE_VERBOSE) console.log(early.join('\n'));
    };
    const url = workbenchUrl(cs.port, workspace, [
      ['extensionDevelopmentPath', ROOT],
      ['extensionTestsPath', testsPath],
      ['skipWelcome', 'true'],
    ]);
    log(`code-server on port ${cs.port}, workspace ${workspace}`);
    await page.goto(url);
    const timeout = new Promise((r) => setTimeout(() => r('timeout'), SUITE_TIMEOUT_MS));
    const code = await Promise.race([exited, timeout]);
    if (code !== 0) dumpEarly();
    if (code === 'timeout') {
      log(`the suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`);
      await page.screenshot({ path: path.join(tmp, 'timeout.png') }).catch(() => undefined);
      log(`screenshot: ${path.join(tmp, 'timeout.png')}\ncode-server output:\n${cs.output().slice(-4000)}`);
      return 1;
    }
    return code;
  } finally {
    await ctx.close().catch(() => undefined);
    await cs.stop();
    if (!process.env.LAYERWISE_VSCODE_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** code-server on `workspace` with the extension under development, and a browser page showing its explorer. */
async function openWorkbench(tmp, workspace) {
  const cs = await startCodeServer(tmp, workspace);
  const ctx = await launchBrowser(tmp);
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  await page.goto(workbenchUrl(cs.port, workspace, [['extensionDevelopmentPath', ROOT], ['skipWelcome', 'true']]));
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 });
  return { cs, ctx, page };
}

async function runScreenshots(dir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-vscode-ui-'));
  const workspace = path.join(tmp, 'workspace');
  copyDir(path.join(ROOT, 'test/vscode/fixture'), workspace);
  // a large file for the sizes hover (sparse: 31 MB by size, nothing on disk)
  fs.mkdirSync(path.join(workspace, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'assets', 'intro.mp4'), '');
  fs.truncateSync(path.join(workspace, 'assets', 'intro.mp4'), 31_000_000);
  forecastRepo(path.join(workspace, 'forecast'));
  fs.mkdirSync(dir, { recursive: true });
  const { cs, ctx, page } = await openWorkbench(tmp, workspace);
  try {
    // open the Dockerfile from the explorer
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^Dockerfile$/ }).first();
    await row.dblclick();
    await page.waitForSelector('.editor-instance .monaco-editor .view-lines', { timeout: 30000 });
    const squiggle = page.locator('.editor-instance .monaco-editor .squiggly-warning').first();
    await squiggle.waitFor({ timeout: 60000 });
    await page.waitForSelector('.codelens-decoration', { timeout: 30000 }).catch(() => log('no code lens seen'));
    await page.mouse.move(5, 5);
    await page.waitForTimeout(800);
    const checks = {};
    await page.screenshot({ path: path.join(dir, 'squiggle.png') });
    checks.squiggle = await page.locator('.squiggly-warning').count();
    checks.codeLens = await page.locator('.codelens-decoration').count();
    // hover over `RUN apt-get update`'s squiggle: diagnostics + the layer-impact hover
    const box = await squiggle.boundingBox();
    await page.mouse.move(box.x + Math.min(30, box.width / 2), box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:not(.hidden)').first();
    await hover.waitFor({ state: 'visible', timeout: 15000 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(dir, 'hover.png') });
    checks.hover = (await hover.innerText()).slice(0, 400);
    // the sizes hover: `COPY . .` (line 5) says what it adds from the context
    await page.keyboard.press('Escape');
    await page.mouse.move(5, 5);
    await page.waitForTimeout(500);
    const copyLine = page.locator('.editor-instance .monaco-editor .view-line', { hasText: 'COPY . .' }).first();
    const cbox = await copyLine.boundingBox();
    await page.mouse.move(cbox.x + 12, cbox.y + cbox.height / 2);
    const sizeHover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'Size:' }).first();
    await sizeHover.waitFor({ state: 'visible', timeout: 15000 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(dir, 'hover-sizes.png') });
    checks.sizeHover = (await sizeHover.innerText()).slice(0, 1000);
    // quick-fix menu: cursor on the line, Ctrl+.
    await page.keyboard.press('Escape');
    await page.mouse.click(box.x + 10, box.y + box.height / 2);
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget').first();
    await menu.waitFor({ state: 'visible', timeout: 15000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(dir, 'quickfix.png') });
    checks.quickFix = (await menu.innerText()).slice(0, 400);
    await page.keyboard.press('Escape');
    Object.assign(checks, await forecastAndMap(page, workspace, dir));
    log('ui checks: ' + JSON.stringify(checks));
    const ok = checks.squiggle > 0 && /step \d+ of \d+/.test(checks.hover) && /adds 31\.0 MB from the context/.test(checks.sizeHover) && /apt-update-alone|Merge/.test(checks.quickFix) && checks.mapBoxes === 5 && checks.cursorAfterClick === 'Ln 5, Col 1';
    if (!ok) log('a UI check failed');
    return ok ? 0 : 1;
  } finally {
    await ctx.close().catch(() => undefined);
    await cs.stop();
    if (!process.env.LAYERWISE_VSCODE_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The shared-layers hover on the compose fixture of the shared-layers tests: `api/Dockerfile` line 6. */
async function runSharedShot(dir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-vscode-shared-'));
  const { sharedFixture } = await import(path.join(ROOT, 'out/test/sharedfixture.js'));
  const workspace = sharedFixture();
  fs.mkdirSync(dir, { recursive: true });
  const { cs, ctx, page } = await openWorkbench(tmp, workspace);
  try {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^api$/ }).first().click();
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^Dockerfile$/ }).first().dblclick();
    await page.waitForSelector('.editor-instance .monaco-editor .view-lines', { timeout: 30000 });
    await page.waitForSelector('.codelens-decoration', { timeout: 60000 }).catch(() => log('no code lens seen'));
    const line = page.locator('.editor-instance .view-line', { hasText: 'FLAVOR" > /flavor' }).first();
    const box = await line.boundingBox();
    await page.mouse.move(box.x + 40, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'Shared layer' }).first();
    await hover.waitFor({ state: 'visible', timeout: 20000 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(dir, 'shared-hover.png') });
    const text = await hover.innerText();
    log('shared hover: ' + JSON.stringify(text.slice(0, 600)));
    return /Shared layer/.test(text) && /Diverges/.test(text) ? 0 : 1;
  } finally {
    await ctx.close().catch(() => undefined);
    await cs.stop();
    if (!process.env.LAYERWISE_VSCODE_KEEP) {
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  }
}

/** The live forecast after a context edit (forecast.png) and the layer cache map beside it (map.png); a click on a box moves the cursor. */
async function forecastAndMap(page, workspace, dir) {
  const checks = {};
  await page.keyboard.press('Control+P');
  await page.keyboard.type('forecast/Dockerfile');
  await page.waitForTimeout(800);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.codelens-decoration', { timeout: 60000 });
  fs.writeFileSync(path.join(workspace, 'forecast', 'src', 'app.js'), 'console.log("edited")\n');
  // the COPY of src/ turns to "rebuilds" (its lens and gutter mark)
  await page.locator('.codelens-decoration', { hasText: 'rebuilds · src/app.js changed' }).first().waitFor({ timeout: 60000 });
  await page.mouse.move(5, 5);
  await page.waitForTimeout(1000);
  await page.screenshot({ path: path.join(dir, 'forecast.png') });
  checks.forecastLenses = await page.locator('.codelens-decoration', { hasText: 'rebuilds' }).count();
  checks.statusBar = (await page.locator('.statusbar-item', { hasText: 'next build' }).first().innerText().catch(() => '')).trim();
  // the status bar item opens the map
  await page.locator('.statusbar-item', { hasText: 'next build' }).first().click();
  let frame = null;
  for (let i = 0; i < 100 && !frame; i++) {
    for (const f of page.frames()) if ((await f.locator('.lanes .step').count().catch(() => 0)) > 0) frame = f;
    if (!frame) await page.waitForTimeout(300);
  }
  if (!frame) {
    log('the map webview did not show up');
    return checks;
  }
  await page.waitForTimeout(1500);
  await page.screenshot({ path: path.join(dir, 'map.png') });
  checks.mapBoxes = await frame.locator('.step').count();
  checks.mapStatuses = await frame.locator('.step').evaluateAll((els) => els.map((e) => e.dataset.status).join(','));
  // a click on the box of line 5 (COPY src ./src) puts the cursor there
  await frame.locator('.step[data-line="5"]').click();
  await page.waitForTimeout(1500);
  checks.cursorAfterClick = (await page.locator('#status\\.editor\\.selection').first().innerText().catch(() => '')).trim();
  return checks;
}

async function main() {
  const missing = editorsMissing();
  if (missing.length) {
    log(`editors missing: ${missing.join(', ')} — run scripts/editors.sh install`);
    return EXIT_MISSING;
  }
  const sharedIdx = args.indexOf('--shared-shot');
  if (sharedIdx >= 0) return await runSharedShot(path.resolve(args[sharedIdx + 1] ?? 'docs/screenshots'));
  let code = 0;
  if (!uiOnly) {
    const t0 = Date.now();
    code = await runSuite();
    log(`suite ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (shotsDir && (code === 0 || uiOnly)) {
    const t0 = Date.now();
    const ui = await runScreenshots(shotsDir);
    log(`screenshots in ${shotsDir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    code = code || ui;
  }
  return code;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (c) => process.exit(c),
    (e) => {
      log(e?.stack ?? String(e));
      process.exit(1);
    },
  );
}
