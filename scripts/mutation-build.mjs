// Build step inside Stryker's sandbox (.stryker-tmp/sandbox-*/): link the project's node_modules (Stryker would
// link it only after the build), compile the instrumented sources and the tests to out/, and with `--bundle` also
// bundle dist/ (for suites that start the built language server).
import { existsSync, symlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

if (!existsSync('node_modules')) symlinkSync(resolve('../../node_modules'), 'node_modules', 'dir');
const run = (args) => {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(['node_modules/typescript/bin/tsc', '-p', 'test/tsconfig.json']);
if (process.argv.includes('--bundle')) run(['scripts/build.mjs']);
