#!/usr/bin/env node
// The same real-VS Code suite (test/vscode/suite) under VS Code desktop via @vscode/test-electron, for machines that
// can download VS Code (this project's CI cannot: it uses scripts/vscode-test.mjs with code-server instead).
//   npm run -s build && npm run -s compile-tests && node scripts/vscode-test-electron.mjs
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-vscode-electron-'));
fs.cpSync(path.join(ROOT, 'test/vscode/fixture'), workspace, { recursive: true });
try {
  await runTests({
    version: process.env.LAYERWISE_VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, 'out/test/vscode/suite/index.js'),
    launchArgs: [workspace, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
  process.exit(0);
} catch (e) {
  console.error(`vscode-test-electron: ${e?.message ?? e}`);
  process.exit(1);
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
