#!/usr/bin/env node
// A screenshot of a hover with build-cache sizes, in a real VS Code (code-server + headless Chromium, as
// scripts/vscode-test.mjs drives it), against the daemon DOCKER_HOST names (a real one: its cache must hold builds of
// the workspace's Dockerfiles). Not a test: it makes docs/screenshots/hover-buildcache.png for the README.
//
//   DOCKER_HOST=unix:///…/docker.sock node scripts/screenshot-buildcache.mjs WORKSPACE LINE [OUT.png]
//
// LINE is the 1-based line to hover (a step the cache holds).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { editorsMissing, launchBrowser, startCodeServer, workbenchUrl } from './vscode-test.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [workspace, lineArg, outArg] = process.argv.slice(2);
if (!workspace || !lineArg) { console.error('usage: screenshot-buildcache.mjs WORKSPACE LINE [OUT.png]'); process.exit(2); }
const out = path.resolve(outArg ?? path.join(ROOT, 'docs/screenshots/hover-buildcache.png'));
if (editorsMissing().length) { console.error('editors missing: run scripts/editors.sh install'); process.exit(77); }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-shot-'));
const cs = await startCodeServer(tmp, path.resolve(workspace));
const ctx = await launchBrowser(tmp);
let code = 1;
try {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  await page.setViewportSize({ width: 1280, height: 800 }).catch(() => undefined);
  await page.goto(workbenchUrl(cs.port, path.resolve(workspace), [['extensionDevelopmentPath', ROOT], ['skipWelcome', 'true']]));
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 });
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^Dockerfile$/ }).first().dblclick();
  await page.waitForSelector('.editor-instance .monaco-editor .view-lines', { timeout: 30000 });
  await page.waitForSelector('.codelens-decoration', { timeout: 60000 }).catch(() => undefined);
  const line = Number(lineArg);
  const target = page.locator('.editor-instance .monaco-editor .view-line').nth(line - 1);
  for (let i = 0; i < 20; i++) {
    await page.mouse.move(5, 5);
    await page.waitForTimeout(300);
    const box = await target.boundingBox();
    await page.mouse.move(box.x + 40, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover:not(.hidden)').first();
    await hover.waitFor({ state: 'visible', timeout: 15000 });
    await page.waitForTimeout(600);
    const text = await hover.innerText();
    if (/Build cache:/.test(text)) {
      await page.screenshot({ path: out });
      console.log(`screenshot: ${out}\n${text.split('\n').filter((l) => /Build cache|Cache mount/.test(l)).join('\n')}`);
      code = 0;
      break;
    }
    await page.waitForTimeout(1000); // the first hover starts the daemon probe; a later one shows its answer
  }
  if (code) console.error('no hover with build-cache sizes (is DOCKER_HOST a daemon whose cache holds these builds?)');
} finally {
  await ctx.close().catch(() => undefined);
  await cs.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
