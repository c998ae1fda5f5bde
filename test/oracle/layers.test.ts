// ORACLE: `layerwise layers IMAGE DOCKERFILE` on an image the real daemon built, whose Dockerfile deletes in a later
// layer a file an earlier layer created and overwrites another: the deleted file's layer wastes exactly its size, the
// overwritten file's layer exactly the old size, and every layer's size and step agree with `docker history`
// (Docker's own numbers, read with the docker CLI, not through Layerwise's client).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, dockerEnv, DOCKER, findBuilder, lockBuilder } from './harness';

const isCI = process.env.CI === 'true';
const builder = findBuilder();
const skip = builder.problem ? (isCI ? false : `no builder: ${builder.problem}`) : !existsSync(CLI) ? 'no CLI (dist/cli.js): npm run build' : false;

const DOCKERFILE = `FROM localbase
RUN head -c 300000 /dev/urandom > /big.bin
COPY seed.txt /seed.txt
RUN head -c 5000 /dev/urandom > /over.txt
RUN rm /big.bin
RUN head -c 100 /dev/urandom > /over.txt
`;

interface LayersJson {
  mapped: boolean;
  totalBytes: number;
  wastedBytes: number;
  layers: { index: number; createdBy: string; line: number | null; bytes: number; wastedBytes: number; removesBytes: number; wasted: { path: string; bytes: number; how: string; byLine: number | null }[] }[];
}

describe('oracle: image layers and wasted bytes (dockerd 20.10)', { skip }, () => {
  let release: (() => void) | undefined;
  before(() => {
    if (builder.host && !builder.problem) release = lockBuilder(builder.host);
  });
  after(() => release?.());

  test('a deleted file wastes its size, an overwritten one its old size; sizes and steps agree with docker history', { timeout: 600_000 }, (t) => {
    assert.ok(!builder.problem, `needs a builder (CI=true makes this an error): ${builder.problem}`);
    const env = dockerEnv(builder.host!);
    const dir = mkdtempSync(join(tmpdir(), 'lw-layers-'));
    const tag = `layerwise-oracle-layers:${process.pid}`;
    try {
      writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
      writeFileSync(join(dir, 'seed.txt'), 'x'.repeat(1234));
      const b = spawnSync(DOCKER, ['build', '--network=none', '--progress=plain', '-t', tag, '.'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
      assert.equal(b.status, 0, b.stderr);
      const h = spawnSync(DOCKER, ['history', '--no-trunc', '--human=false', '--format', '{{json .}}', tag], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(h.status, 0, h.stderr);
      const history = h.stdout.trim().split('\n').map((l) => JSON.parse(l) as { CreatedBy: string; Size: string });
      const sizeOf = (line: number): number => {
        const text = DOCKERFILE.split('\n')[line - 1]!;
        const hit = history.filter((x) => x.CreatedBy.includes(text.replace(/^RUN /, '').replace(/^COPY /, '')));
        assert.equal(hit.length, 1, `one history entry for line ${line}: ${JSON.stringify(history)}`);
        return Number(hit[0]!.Size);
      };
      const r = spawnSync(process.execPath, [CLI, 'layers', tag, 'Dockerfile', '--format', 'json'], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout) as LayersJson;
      t.diagnostic(r.stdout);
      assert.equal(j.mapped, true);
      // every step's layer: mapped to its line, sized as Docker sizes it; the total is Docker's too
      const byLine = new Map(j.layers.filter((l) => l.line !== null).map((l) => [l.line!, l]));
      assert.deepEqual([...byLine.keys()], [2, 3, 4, 5, 6]);
      for (const [line, l] of byLine) assert.equal(l.bytes, sizeOf(line), `line ${line}: layer size`);
      assert.equal(j.totalBytes, history.reduce((n, x) => n + Number(x.Size), 0), 'total = the sum of docker history sizes');
      // the deleted file: its layer wastes exactly its size, credited to the rm; the overwritten one: its old size
      const big = byLine.get(2)!;
      assert.equal(big.wastedBytes, sizeOf(2));
      assert.deepEqual(big.wasted.map((w) => [w.path, w.bytes, w.how, w.byLine]), [['big.bin', sizeOf(2), 'deleted', 5]]);
      const over = byLine.get(4)!;
      assert.deepEqual(over.wasted.map((w) => [w.path, w.bytes, w.how, w.byLine]), [['over.txt', sizeOf(4), 'overwritten', 6]]);
      assert.equal(byLine.get(5)!.removesBytes, sizeOf(2), 'the rm removes what line 2 made');
      assert.equal(byLine.get(6)!.removesBytes, sizeOf(4), 'the overwrite removes the old bytes');
      for (const line of [3, 5, 6]) assert.equal(byLine.get(line)!.wastedBytes, 0, `line ${line} wastes nothing`);
      assert.equal(j.wastedBytes, sizeOf(2) + sizeOf(4));
    } finally {
      spawnSync(DOCKER, ['rmi', '-f', tag], { env, encoding: 'utf8', timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
