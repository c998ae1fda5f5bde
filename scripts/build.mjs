// Bundles Layerwise with esbuild into dist/:
//   server.js  the language server, its worker threads and the CLI: one bundle, so the engine ships once
//              (entry server/src/main.ts)
//   lsp.js     the language server's launcher (entry server/src/lsp/launch.ts, ~2 KB): starts the analysis worker
//              thread, then requires server.js, so the worker starts before Node compiles the bundle here
//   cli.js     the `layerwise` command: a launcher that requires server.js
//   sh.js      mvdan-sh (the shell parser, 1.4 MB of GopherJS), required by server.js on the first RUN that needs a
//              full shell parse, so starting the server or the CLI never reads it
//   client.js  the VS Code extension: commands, status bar, decorations
//   languageclient.js  vscode-languageclient, required by client.js once activate() has returned
// Bundles are minified for size (whitespace and syntax) but keep every identifier, so a stack trace from a user
// names the real functions; the external source maps (*.map) stay in dist/ for decoding positions and are never
// packaged (.vscodeignore, .npmignore).
import { build } from 'esbuild';
import { existsSync, chmodSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// ESM-only code paths of some dependencies read import.meta.url; give the CJS bundle a real value for it.
const metaUrl = "const __layerwiseMetaUrl = require('url').pathToFileURL(__filename).href;";
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  define: { 'import.meta.url': '__layerwiseMetaUrl' },
};

/** `require('mvdan-sh')` in the server bundle loads dist/sh.js at run time instead of inlining it. */
const shellParserApart = {
  name: 'shell-parser-apart',
  setup(b) {
    b.onResolve({ filter: /^mvdan-sh$/ }, () => ({ path: './sh.js', external: true }));
  },
};

/**
 * vscode-languageserver-types and -textdocument publish an ES module build under the `module`/`import` conditions
 * (esbuild's defaults) and a CommonJS (UMD) one as `default`: dockerfile-ast's and the protocol's CommonJS files
 * `require` them, and a `require` of an ES module is a fresh copy of its whole namespace at every require site
 * (esbuild's __toCommonJS: 7.6 of the 38 ms the language server's modules took to initialise, profiled here), with
 * the package bundled twice. Resolved as Node resolves a `require` (the UMD build, nested versions kept): one copy,
 * initialised once.
 */
const lspTypesAsCommonJs = {
  name: 'lsp-types-as-commonjs',
  setup(b) {
    b.onResolve({ filter: /^vscode-languageserver-(types|textdocument)$/ }, (args) => ({ path: createRequire(join(args.resolveDir, 'x.js')).resolve(args.path) }));
  },
};

/** `require('vscode-languageclient/node')` in the client loads dist/languageclient.js when the client starts. */
const languageClientApart = {
  name: 'language-client-apart',
  setup(b) {
    b.onResolve({ filter: /^vscode-languageclient\/node$/ }, () => ({ path: './languageclient.js', external: true }));
  },
};

const entries = [
  { entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js', banner: { js: '#!/usr/bin/env node\n' + metaUrl }, plugins: [shellParserApart, lspTypesAsCommonJs], exec: true },
  { entryPoints: ['server/src/lsp/launch.ts'], outfile: 'dist/lsp.js', banner: { js: '#!/usr/bin/env node' }, external: ['./server.js'], exec: true },
  { entryPoints: ['node_modules/mvdan-sh/index.js'], outfile: 'dist/sh.js' },
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/client.js', external: ['vscode'], banner: { js: metaUrl }, plugins: [languageClientApart] },
  { entryPoints: ['node_modules/vscode-languageclient/node.js'], outfile: 'dist/languageclient.js', external: ['vscode'] },
];
for (const e of entries) {
  if (!existsSync(e.entryPoints[0])) continue;
  const { exec, ...opts } = e;
  await build({ ...common, ...opts });
  if (exec) chmodSync(e.outfile, 0o755);
}

const launcher = `#!/usr/bin/env node
// layerwise: the CLI lives in server.js (one bundle for the server and the CLI); see scripts/build.mjs.
'use strict';
require('./server.js').cli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
`;
writeFileSync('dist/cli.js', launcher);
chmodSync('dist/cli.js', 0o755);
// an older build's separate CLI bundle map would describe a file that no longer exists
rmSync('dist/cli.js.map', { force: true });
