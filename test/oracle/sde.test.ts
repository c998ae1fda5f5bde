// ORACLE: SOURCE_DATE_EPOCH divergences between two builds (compose services `x` and `y`) of one Dockerfile that pass
// different values, against real builds: `y` built after `x` must show CACHED for exactly the steps the engine reports
// shared (engine/shared.ts with the builder's BuildKit version), and the divergence must be reported, with kind
// `source-date-epoch`, at the first step that ran again. Two Dockerfiles: one that only has a WORKDIR (BuildKit ≥ 0.22
// stamps it with the epoch; older builders do not), one that declares `ARG SOURCE_DATE_EPOCH` (a RUN after it has the
// value in its environment). Recorded from a private dockerd 26.1.5 (BuildKit 0.13; test/oracle/logs-26.1/README.md),
// always checked; and built live on the oracle builder (dockerd 20.10, BuildKit 0.8) when one is reachable
// (`LAYERWISE_SDE_RECORD=<dir>` saves the live logs: how the 26.1 recordings were made).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemoryContext } from '../../server/src/engine';
import { sharedLayers } from '../../server/src/engine/shared';
import { dockerEnv, DOCKER, findBuilder, lockBuilder } from './harness';
import { parseSteps } from './progress';

const isCI = process.env.CI === 'true';
const builder = findBuilder();
const RECORDED = resolve(__dirname, '..', '..', '..', 'test', 'oracle', 'logs-26.1');

const EXPERIMENTS: { name: string; dockerfile: string }[] = [
  { name: 'sde-workdir', dockerfile: 'FROM localbase\nRUN echo NONCE > /a\nWORKDIR /app\nRUN echo b > b\n' },
  { name: 'sde-arg', dockerfile: 'FROM localbase\nRUN echo NONCE > /a\nARG SOURCE_DATE_EPOCH\nRUN echo b > /b\n' },
];
const VALUES = ['1000', '2000'];

/** The engine's view of `y` (SOURCE_DATE_EPOCH=2000) after `x` (=1000): shared lines and divergences. */
function predicted(dockerfile: string, buildkitVersion: string) {
  const ctx = new MemoryContext('c');
  const members = VALUES.map((v, i) => ({ name: i ? 'y' : 'x', dockerfile: 'Dockerfile', text: dockerfile, context: ctx, options: { buildkitVersion, buildArgs: { SOURCE_DATE_EPOCH: v } } }));
  const y = sharedLayers(members).members[1]!;
  const lines = (ids: Iterable<number>) => [...ids].map((id) => y.model.steps[id]!.line + 1).sort((a, b) => a - b);
  return { shared: lines(y.sharedWith.keys()), divergences: y.divergences.map((d) => ({ line: d.line + 1, kinds: d.reasons.map((r) => r.kind), message: d.reasons.map((r) => r.message).join('; ') })) };
}

/** The second build's CACHED / executed lines (one stage; `[n/m]` counts the FROM as 1). */
function real(log: string): { cached: number[]; ran: number[] } {
  const steps = parseSteps(log);
  assert.ok(steps.length >= 2 && steps.every((s) => s.status === 'C' || s.status === 'R'), `a complete build:\n${log}`);
  return { cached: steps.filter((s) => s.status === 'C').map((s) => s.number), ran: steps.filter((s) => s.status === 'R').map((s) => s.number) };
}

/** The lines of the Dockerfile's steps in build order (line of `[n/m]` is stepLines[n - 2]). */
const stepLines = (df: string): number[] => df.split('\n').flatMap((l, i) => (/^(RUN|WORKDIR|COPY|ADD) /.test(l) ? [i + 1] : []));

function agree(name: string, dockerfile: string, log2: string, buildkitVersion: string): string {
  const p = predicted(dockerfile, buildkitVersion);
  const r = real(log2);
  const lines = stepLines(dockerfile);
  // in build order: the plain log prints steps as the solver reports them, cached ones in no fixed order (a full run
  // printed step 3's CACHED before step 2's)
  const byLine = (a: number, b: number) => a - b;
  const cached = r.cached.map((n) => lines[n - 2]!).sort(byLine);
  const ran = r.ran.map((n) => lines[n - 2]!).sort(byLine);
  assert.deepEqual(p.shared, cached, `${name} (BuildKit ${buildkitVersion}): shared ⇔ CACHED`);
  // a divergence exactly where the real build first ran again, said to be SOURCE_DATE_EPOCH's
  assert.deepEqual(p.divergences.map((d) => d.line), ran.length ? [ran[0]!] : [], `${name}: the divergence is the first step that ran`);
  for (const d of p.divergences) assert.deepEqual(d.kinds, ['source-date-epoch'], d.message);
  return `${name}: cached ${cached.join(',') || '-'}, ran ${ran.join(',') || '-'}; ${p.divergences.map((d) => `line ${d.line}: ${d.message}`).join(' ') || 'no divergence'}`;
}

describe('SOURCE_DATE_EPOCH divergences, recorded from dockerd 26.1.5 (BuildKit 0.13)', () => {
  for (const e of EXPERIMENTS)
    test(e.name, (t) => {
      const df = fs.readFileSync(join(RECORDED, `${e.name}.Dockerfile`), 'utf8');
      assert.equal(df, e.dockerfile, 'the recorded Dockerfile is the experiment\'s');
      t.diagnostic(agree(e.name, df, fs.readFileSync(join(RECORDED, `${e.name}.build2.log`), 'utf8'), '0.13'));
    });
  test('what was measured (so a change of the engine cannot pass unseen)', () => {
    // the WORKDIR is not stamped before BuildKit 0.22: everything stays shared; a declared ARG reaches the RUN after it
    assert.deepEqual(predicted(EXPERIMENTS[0]!.dockerfile, '0.13').shared, [2, 3, 4]);
    assert.deepEqual(predicted(EXPERIMENTS[1]!.dockerfile, '0.13').divergences.map((d) => d.line), [4]);
    // from 0.22 on the engine says WORKDIR diverges (buildkit-semantics.md experiment l, buildkitd v0.24.0)
    assert.deepEqual(predicted(EXPERIMENTS[0]!.dockerfile, '0.22').divergences.map((d) => [d.line, d.message]), [[3, 'SOURCE_DATE_EPOCH is "2000" here and "1000" in x (BuildKit ≥ 0.22 stamps WORKDIR with it)']]);
  });
});

const skip = builder.problem ? (isCI ? false : `no builder: ${builder.problem}`) : false;

describe('SOURCE_DATE_EPOCH divergences on the oracle builder', { skip }, () => {
  let release: (() => void) | undefined;
  before(() => {
    if (builder.host && !builder.problem) release = lockBuilder(builder.host);
  });
  after(() => release?.());

  test('y after x: CACHED exactly where the engine says shared, the divergence where it first runs', { timeout: 600_000 }, (t) => {
    assert.ok(!builder.problem, `needs a builder (CI=true makes this an error): ${builder.problem}`);
    const env = dockerEnv(builder.host!);
    const v = spawnSync(DOCKER, ['version', '--format', '{{.Server.Version}}'], { env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(v.status, 0, v.stderr);
    const major = Number(/^(\d+)\./.exec(v.stdout.trim())?.[1]);
    const bk = ({ 20: '0.8', 26: '0.13' } as Record<number, string>)[major];
    assert.ok(bk, `dockerd ${v.stdout.trim()}: which BuildKit it embeds is not known here`);
    const record = process.env.LAYERWISE_SDE_RECORD;
    for (const e of EXPERIMENTS) {
      const dir = fs.mkdtempSync(join(tmpdir(), 'lw-sde-'));
      const nonce = `n${process.pid}x${Date.now()}`; // no record another build made can be hit
      try {
        fs.writeFileSync(join(dir, 'Dockerfile'), e.dockerfile.replace('NONCE', nonce));
        const logs = VALUES.map((val) => {
          const r = spawnSync(DOCKER, ['build', '--network=none', '--progress=plain', '--build-arg', `SOURCE_DATE_EPOCH=${val}`, '.'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
          assert.equal(r.status, 0, r.stderr);
          return ((r.stdout ?? '') + (r.stderr ?? '')).split(nonce).join('NONCE');
        });
        if (record) {
          fs.mkdirSync(record, { recursive: true });
          fs.writeFileSync(join(record, `${e.name}.Dockerfile`), e.dockerfile);
          logs.forEach((l, i) => fs.writeFileSync(join(record, `${e.name}.build${i + 1}.log`), l));
        }
        assert.deepEqual(real(logs[0]!).cached, [], `${e.name}: the first build runs every step`);
        t.diagnostic(`dockerd ${v.stdout.trim()}: ${agree(e.name, e.dockerfile, logs[1]!, bk!)}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
