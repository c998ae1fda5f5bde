// Bundles the CLI (and, when present, the language server and the VS Code client) with esbuild.
import { build } from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };
const entries = [
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
];
for (const e of entries) {
  if (!existsSync(e.entryPoints[0])) continue;
  await build({ ...common, ...e });
  if (e.banner) chmodSync(e.outfile, 0o755);
}
