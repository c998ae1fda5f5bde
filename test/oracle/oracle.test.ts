// ORACLE suite: for every scenario in ./scenarios, build for real with dockerd's BuildKit, mutate, build again,
// and check that `layerwise explain --since HEAD` predicts exactly what the second build's log shows.
//
// Builder: env LAYERWISE_DOCKER_HOST, else the host file written by `scripts/builder.sh start`
// ($LAYERWISE_CACHE or ~/.cache/layerwise, /docker/host). Without one the suite is skipped, except with CI=true
// where it fails. Options (env): LAYERWISE_ORACLE_ONLY=<substring> runs matching scenarios only;
// LAYERWISE_ORACLE_REAL_ONLY=1 builds and prints the real outcomes without running the CLI;
// LAYERWISE_ORACLE_KEEP=1 keeps the temp repos;
// LAYERWISE_ORACLE_SAVE_LOGS=<dir> writes both build logs of every scenario there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarios } from './scenarios';
import {
  applyMutations, build, cleanup, CLI, compare, findBuilder, lockBuilder, materialize, pruneBuilder, realTable, runCli, table,
} from './harness';

const isCI = process.env.CI === 'true';
const realOnly = process.env.LAYERWISE_ORACLE_REAL_ONLY === '1';
const only = process.env.LAYERWISE_ORACLE_ONLY;
const saveLogs = process.env.LAYERWISE_ORACLE_SAVE_LOGS; // directory: keep both build logs of every scenario
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function saveLog(name: string, first: string, second: string): void {
  const base = join(saveLogs!, name.replace(/[^A-Za-z0-9._-]+/g, '_'));
  mkdirSync(saveLogs!, { recursive: true });
  writeFileSync(base + '.first.log', first);
  writeFileSync(base + '.second.log', second);
}

const builder = findBuilder();
const skipAll = builder.problem && !isCI ? `oracle suite skipped: ${builder.problem}` : undefined;

describe('oracle: predictions vs a real BuildKit (dockerd 20.10)', { skip: skipAll }, () => {
  test('a real builder is reachable', () => {
    assert.ok(!builder.problem, `oracle suite needs a builder (CI=true makes this an error): ${builder.problem}`);
  });

  const cliMissing = !realOnly && !existsSync(CLI);
  test('the CLI is built (dist/cli.js)', () => {
    assert.ok(realOnly || !cliMissing, `${CLI} does not exist: run \`npm run build\` (server/src/cli/main.ts must exist). ` +
      'Set LAYERWISE_ORACLE_REAL_ONLY=1 to only print the real build outcomes.');
  });

  // Serialise oracle runs that share a builder (each scenario prunes its cache).
  let release: (() => void) | undefined;
  before(() => { if (builder.host && !builder.problem && !cliMissing) release = lockBuilder(builder.host); });
  after(() => release?.());

  const selected = scenarios.filter((s) => !only || s.name.includes(only));
  const names = new Set<string>();
  for (const sc of selected) {
    assert.ok(!names.has(sc.name), `duplicate scenario name ${sc.name}`);
    names.add(sc.name);
    const skip = builder.problem ? 'no builder' : cliMissing ? 'no CLI (dist/cli.js)' : sc.rootOnly && !isRoot ? 'needs root (chown)' : false;
    test(sc.name, { skip, timeout: 600_000 }, (t) => {
      const host = builder.host!;
      pruneBuilder(host); // every scenario starts from an empty build cache
      const ws = materialize(sc);
      try {
        const first = build(host, ws, sc, sc.before);
        assert.ok(first.ok, `${sc.name}: baseline build failed\n$ ${first.command}\n${first.log}`);
        if (sc.intermediate) {
          applyMutations(ws, sc.intermediate);
          const mid = build(host, ws, sc, sc.after ?? sc.before);
          assert.ok(mid.ok, `${sc.name}: intermediate build failed\n$ ${mid.command}\n${mid.log}`);
        }
        applyMutations(ws, sc.mutation ?? []);
        const second = build(host, ws, sc, sc.after ?? sc.before);
        assert.ok(second.ok, `${sc.name}: second build failed\n$ ${second.command}\n${second.log}`);
        if (saveLogs) saveLog(sc.name, first.log, second.log);
        t.diagnostic(`real (${first.seconds.toFixed(1)}s + ${second.seconds.toFixed(1)}s):\n${realTable(second.log)}`);
        if (realOnly) return;

        const cli = runCli(ws, sc);
        assert.ok(cli.ok, `${sc.name}: the CLI failed\n$ (cd ${ws.root}) ${cli.command}\n${cli.error}`);
        const { rows, problems } = compare(second.log, cli.steps);
        const bad = rows.filter((r) => !r.ok);
        if (bad.length > 0 || problems.length > 0) {
          assert.fail(
            `scenario ${sc.name} (${sc.about}): ${bad.length} step(s) disagree with the real build\n` +
            problems.map((p) => `  ! ${p}\n`).join('') +
            table(rows) + '\n' +
            `(real: C = CACHED, R = executed, - = not built; repo ${process.env.LAYERWISE_ORACLE_KEEP === '1' ? ws.root : '(removed; LAYERWISE_ORACLE_KEEP=1 keeps it)'})\n` +
            `$ ${cli.command}`);
        }
        t.diagnostic(`agrees:\n${table(rows)}`);
      } finally {
        if (process.env.LAYERWISE_ORACLE_KEEP !== '1') cleanup(ws);
      }
    });
  }
});
