// `npm run demo`: the CLI on the bundled example project — what an edit rebuilds, what the rules find, and the layer
// graph. `check` exits 1 when it finds something (that is its job); the demo only fails on a real error (exit 2).
import { spawnSync } from 'node:child_process';

const runs = [
  ['What rebuilds when src/server.js changes', ['explain', 'examples/node-app/Dockerfile', '--changed', 'examples/node-app/src/server.js']],
  ['What wastes the cache, and what --fix would change', ['check', 'examples/node-app/Dockerfile']],
  ['The layer graph: what each step reads, and what a miss reruns', ['graph', 'examples/node-app/Dockerfile']],
];
for (const [title, args] of runs) {
  process.stdout.write(`\n━━ ${title}\n$ layerwise ${args.join(' ')}\n\n`);
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
  if (r.status === null || r.status >= 2) process.exit(r.status ?? 1);
}
