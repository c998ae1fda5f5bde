// Bundles the CLI (and, when present, the language server and the VS Code client) with esbuild.
import { build } from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

// ESM-only code paths of some dependencies read import.meta.url; give the CJS bundle a real value for it.
const metaUrl = "const __layerwiseMetaUrl = require('url').pathToFileURL(__filename).href;";
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  define: { 'import.meta.url': '__layerwiseMetaUrl' },
};
const entries = [
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node\n' + metaUrl }, exec: true },
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', banner: { js: '#!/usr/bin/env node\n' + metaUrl }, exec: true },
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'], banner: { js: metaUrl } },
];
for (const e of entries) {
  if (!existsSync(e.entryPoints[0])) continue;
  const { exec, ...opts } = e;
  await build({ ...common, ...opts });
  if (exec) chmodSync(e.outfile, 0o755);
}
