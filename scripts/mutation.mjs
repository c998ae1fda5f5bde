// `npm run mutation [group ...]`: StrykerJS over the engine (and the language server's scheduling), one group at a
// time, concurrency 1, incremental. Not part of `npm test` (it takes a long time). Reports: reports/mutation/<group>.html.
import { spawnSync } from 'node:child_process';
import { groups, order } from './mutation-groups.mjs';

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : order;
for (const n of names) if (!groups[n]) { console.error(`unknown group ${n}; one of ${Object.keys(groups).join(', ')}`); process.exit(2); }
let status = 0;
for (const name of names) {
  console.log(`\n== mutation group ${name}: ${groups[name].mutate.join(' ')}`);
  const r = spawnSync(process.execPath, ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, LAYERWISE_MUTATION_GROUP: name },
  });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
