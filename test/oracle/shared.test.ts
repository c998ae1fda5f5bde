// ORACLE: shared layers across the services of a compose file, against real builds. Three services built from
// Dockerfiles that share a base stage (one passes a different value for an ARG of it). `layerwise graph --format json`
// of each says which steps it shares with which service; building the three one after another from an empty cache, the
// second and third builds must show CACHED for exactly the steps reported shared with a service built before them,
// and the divergence must be reported at the step where the real build first misses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, compare, dockerEnv, DOCKER, findBuilder, lockBuilder, pruneBuilder, realTable, table, BUILDKIT_VERSION, type CliStep } from './harness';

const isCI = process.env.CI === 'true';
const builder = findBuilder();
const skip = builder.problem ? (isCI ? false : `no builder: ${builder.problem}`) : !existsSync(CLI) ? 'no CLI (dist/cli.js): npm run build' : false;

const BASE = `FROM localbase AS base
RUN echo base-setup > /setup
WORKDIR /app
COPY shared/ ./shared/
ARG FLAVOR=plain
RUN echo "$FLAVOR" > /flavor
RUN echo common > /common

`;
const SERVICES: { name: string; args: Record<string, string> }[] = [
  { name: 'web', args: {} },
  { name: 'api', args: {} },
  { name: 'worker', args: { FLAVOR: 'gpu' } },
];
const COMPOSE = `services:
${SERVICES.map((s) => `  ${s.name}:
    build:
      context: .
      dockerfile: ${s.name}/Dockerfile
${Object.keys(s.args).length ? `      args:\n${Object.entries(s.args).map(([k, v]) => `        ${k}: ${v}\n`).join('')}` : ''}`).join('')}`;

function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'lw-shared-'));
  mkdirSync(join(root, 'shared'));
  writeFileSync(join(root, 'shared', 'lib.txt'), 'lib\n');
  SERVICES.forEach((s, i) => {
    mkdirSync(join(root, s.name));
    const df = join(root, s.name, 'Dockerfile');
    writeFileSync(df, BASE + `FROM base\nCOPY ${s.name}/app.txt ./\nRUN cat app.txt > /${s.name}\n`);
    // dockerd 20.10 sends the Dockerfile like the context (rsync-like, by size and mtime): two Dockerfiles of one size
    // written in the same second would build the first one's text (measured)
    utimesSync(df, 1_700_000_000 + i * 100, 1_700_000_000 + i * 100);
    writeFileSync(join(root, s.name, 'app.txt'), s.name + '\n');
  });
  writeFileSync(join(root, 'compose.yaml'), COMPOSE);
  return root;
}

interface GraphJson {
  stages: { index: number; name: string | null }[];
  steps: { stage: string; line: number; instruction: string; sharedWith: { dockerfile: string; line: number; build: string }[] }[];
  sharing: { build: string; divergences: { line: number; with: { build: string; line: number }; reasons: { kind: string; name?: string }[] }[] };
}

function graph(root: string, service: string): GraphJson {
  const r = spawnSync(process.execPath, [CLI, 'graph', `${service}/Dockerfile`, '--context', '.', '--format', 'json', '--buildkit-version', BUILDKIT_VERSION], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as GraphJson;
}

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
      const graphs = SERVICES.map((s) => graph(root, s.name));
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
