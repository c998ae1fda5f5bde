// ORACLE: shared layers across the services of a compose file, against real builds. Three services built from
// Dockerfiles that share a base stage (one passes a different value for an ARG of it). `layerwise graph --format json`
// of each says which steps it shares with which service; building the three one after another from an empty cache, the
// second and third builds must show CACHED for exactly the steps reported shared with a service built before them,
// and the divergence must be reported at the step where the real build first misses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { graphJson, sharedFixture as fixture, SERVICES } from '../sharedfixture';
import { CLI, compare, dockerEnv, DOCKER, findBuilder, lockBuilder, pruneBuilder, realTable, table, BUILDKIT_VERSION, type CliStep } from './harness';

const isCI = process.env.CI === 'true';
const builder = findBuilder();
const skip = builder.problem ? (isCI ? false : `no builder: ${builder.problem}`) : !existsSync(CLI) ? 'no CLI (dist/cli.js): npm run build' : false;

describe('oracle: shared layers across compose services (dockerd 20.10)', { skip }, () => {
  let release: (() => void) | undefined;
  before(() => {
    if (builder.host && !builder.problem) release = lockBuilder(builder.host);
  });
  after(() => release?.());

  test('the second and third services hit exactly the steps reported shared with the services built before them', { timeout: 600_000 }, (t) => {
    assert.ok(!builder.problem, `needs a builder (CI=true makes this an error): ${builder.problem}`);
    const host = builder.host!;
    const root = fixture();
    try {
      const graphs = SERVICES.map((s) => graphJson(root, s.name, ['--buildkit-version', BUILDKIT_VERSION]));
      // the compose service each Dockerfile is compared as, and the worker's divergence (its ARG value)
      assert.deepEqual(graphs.map((g) => g.sharing.build), SERVICES.map((s) => `compose.yaml service "${s.name}"`));
      const div = graphs[2]!.sharing.divergences.map((d) => `${d.line} vs ${d.with.build}@${d.with.line}: ${d.reasons.map((r) => r.kind + ' ' + (r.name ?? '')).join(', ')}`);
      assert.deepEqual(div, ['6 vs compose.yaml service "web"@6: arg FLAVOR', '6 vs compose.yaml service "api"@6: arg FLAVOR']);
      pruneBuilder(host);
      const earlier = new Set<string>();
      for (let k = 0; k < SERVICES.length; k++) {
        const s = SERVICES[k]!;
        const args = ['build', '--network=none', '--progress=plain', ...Object.entries(s.args).flatMap(([n, v]) => ['--build-arg', `${n}=${v}`]), '-f', `${s.name}/Dockerfile`, '.'];
        const r = spawnSync(DOCKER, args, { cwd: root, env: dockerEnv(host), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
        const log = (r.stdout ?? '') + (r.stderr ?? '');
        assert.equal(r.status, 0, `docker ${args.join(' ')}\n${log}`);
        const g = graphs[k]!;
        const stageIndex = (name: string) => g.stages.findIndex((x) => (x.name ?? String(x.index)) === name);
        // predicted: cached when shared with a service built before this one, else run
        const steps: CliStep[] = g.steps.map((x) => ({ stage: x.stage, stageIndex: stageIndex(x.stage), line: x.line, instruction: x.instruction, status: x.sharedWith.some((w) => earlier.has(w.build)) ? 'cached' : 'rebuilt' }));
        const cmp = compare(log, steps);
        t.diagnostic(`${s.name} (after ${[...earlier].join(', ') || 'nothing'}):\n${realTable(log)}\n${table(cmp.rows)}`);
        assert.deepEqual(cmp.problems, [], `${s.name}: alignment`);
        assert.deepEqual(cmp.rows.filter((x) => !x.ok).map((x) => `${x.line} ${x.instruction}: real ${x.real}, predicted ${x.predicted}`), [], `${s.name}: shared ⇔ CACHED`);
        const cached = cmp.rows.filter((x) => x.real === 'C').map((x) => x.line);
        assert.deepEqual(cached, k === 0 ? [] : k === 1 ? [2, 3, 4, 6, 7] : [2, 3, 4], `${s.name}: the CACHED lines`);
        earlier.add(g.sharing.build);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
