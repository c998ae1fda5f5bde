// import-build on logs captured from REAL builds (Debian's docker.io 20.10, BuildKit 0.8) made by this test, both
// --progress=plain and rawjson (produced from the same build's vertices, see rawjson.ts), plus malformed and
// truncated logs. Without a builder the real-build tests are skipped, except under CI=true where they fail.
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, importBuildLog, parseBuildLog, logSteps, BuildLogError, type BuildLogMapping } from '../../server/src/engine';
import { CLI, DOCKER, dockerEnv, findBuilder, lockBuilder } from '../oracle/harness';
import { Repo } from '../history/gitrepo';
import { plainToRawJson } from './rawjson';

const isCI = process.env.CI === 'true';
const builder = findBuilder();
const skipReal = builder.problem && !isCI ? `real-build tests skipped: ${builder.problem}` : undefined;

function dockerBuild(repo: Repo, args: string[] = []): { log: string; ok: boolean } {
  const r = spawnSync(DOCKER, ['build', '--network=none', '--progress=plain', ...args, repo.root], {
    cwd: repo.root,
    env: dockerEnv(builder.host!),
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
  return { log: (r.stdout ?? '') + (r.stderr ?? ''), ok: r.status === 0 };
}

function cli(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
}

function statuses(m: BuildLogMapping): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of m.steps) out[`${s.line} ${s.instruction}`] = s.status;
  return out;
}

describe('import-build on real builds', { skip: skipReal }, () => {
  let release: (() => void) | undefined;
  let repo: Repo;
  let nonce: string;
  let first: string;
  let second: string;
  let failed: string;
  const DF = (n: string) =>
    [
      'FROM localbase AS deps',
      `ARG NONCE=${n}`,
      'ARG F=lib.txt',
      'COPY ${F} /lib.txt',
      'RUN echo "deps $NONCE" && cat /lib.txt > /deps',
      'FROM localbase',
      'WORKDIR /app',
      `RUN echo prep-${n} > /prep`,
      'COPY --from=deps /deps /deps',
      'COPY app.txt ./',
      `RUN sleep 1 && cat app.txt > /out && echo built-${n}`,
      '',
    ].join('\n');

  before(() => {
    assert.ok(!builder.problem, `needs a builder (CI=true makes this an error): ${builder.problem}`);
    release = lockBuilder(builder.host!);
    nonce = randomBytes(6).toString('hex');
    repo = new Repo();
    repo.write('Dockerfile', DF(nonce)).write('lib.txt', `lib ${nonce}\n`).write('app.txt', `app ${nonce}\n`).write('.dockerignore', '.git\n');
    repo.commit('init');
    const b1 = dockerBuild(repo);
    assert.ok(b1.ok, b1.log.slice(-2000));
    first = b1.log;
    repo.append('app.txt', 'more\n'); // not committed: explain --since HEAD sees it
    const b2 = dockerBuild(repo);
    assert.ok(b2.ok, b2.log.slice(-2000));
    second = b2.log;
  });
  after(() => {
    repo?.dispose();
    release?.();
  });

  test('the first build executed the steps (fresh nonce); the plain log maps onto both stages by position', () => {
    const m = importBuildLog(analyze(DF(nonce)), first);
    assert.equal(m.format, 'plain');
    assert.deepEqual(m.problems, []);
    assert.equal(m.steps.length, 7);
    // every step executed, except WORKDIR /app whose key has no nonce (an earlier run may have cached it)
    assert.ok(m.steps.every((s) => s.status === 'executed' || (s.line === 7 && s.status === 'cached')), JSON.stringify(m.steps));
    // names are printed after expansion: COPY ${F} appears as COPY lib.txt
    const copy = m.steps.find((s) => s.line === 4)!;
    assert.equal(copy.instruction, 'COPY ${F} /lib.txt');
    assert.equal(copy.logText, 'COPY lib.txt /lib.txt');
    const sleep = m.steps.find((s) => s.line === 11)!;
    assert.ok((sleep.seconds ?? 0) >= 1, `RUN sleep 1 took ${sleep.seconds}s`);
  });

  test('the second build (app.txt edited): cached up to COPY app.txt, then executed, with durations', () => {
    const m = importBuildLog(analyze(DF(nonce)), second);
    assert.deepEqual(statuses(m), {
      '4 COPY ${F} /lib.txt': 'cached',
      '5 RUN echo "deps $NONCE" && cat /lib.txt > /deps': 'cached',
      '7 WORKDIR /app': 'cached',
      [`8 RUN echo prep-${nonce} > /prep`]: 'cached',
      '9 COPY --from=deps /deps /deps': 'cached',
      '10 COPY app.txt ./': 'executed',
      [`11 RUN sleep 1 && cat app.txt > /out && echo built-${nonce}`]: 'executed',
    });
    assert.ok((m.steps.find((s) => s.line === 11)!.seconds ?? 0) >= 1);
    assert.equal(m.steps.find((s) => s.line === 7)!.seconds, undefined);
  });

  test('rawjson of the same build gives the same mapping and durations', () => {
    const raw = plainToRawJson(second);
    const mp = importBuildLog(analyze(DF(nonce)), second);
    const mr = importBuildLog(analyze(DF(nonce)), raw);
    assert.equal(mr.format, 'rawjson');
    assert.deepEqual(statuses(mr), statuses(mp));
    for (const s of mp.steps) {
      const r = mr.steps.find((x) => x.stepId === s.stepId)!;
      if (s.seconds === undefined) assert.equal(r.seconds, undefined);
      else assert.ok(Math.abs((r.seconds ?? -1) - s.seconds) <= 0.1, `${s.instruction}: ${r.seconds} vs ${s.seconds}`);
    }
  });

  test('CLI import-build agrees with explain --since HEAD on the real build (plain and rawjson)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-logs-'));
    try {
      writeFileSync(join(dir, 'plain.log'), second);
      writeFileSync(join(dir, 'raw.json'), plainToRawJson(second));
      for (const f of ['plain.log', 'raw.json']) {
        const r = cli(repo.root, 'import-build', join(dir, f), '--format', 'json', '--buildkit-version', '0.8');
        assert.equal(r.status, 0, r.stderr);
        const j = JSON.parse(r.stdout);
        assert.equal(j.format, f === 'plain.log' ? 'plain' : 'rawjson');
        assert.equal(j.disagreements, 0, JSON.stringify(j.steps, null, 1));
        assert.equal(j.executed, 2);
        assert.equal(j.cached, 5);
        assert.ok(j.executedSeconds >= 1);
        assert.deepEqual(j.steps.map((s: { line: number; real: string; predicted: string }) => [s.line, s.real, s.predicted]), [
          [4, 'cached', 'cached'], [5, 'cached', 'cached'], [7, 'cached', 'cached'], [8, 'cached', 'cached'], [9, 'cached', 'cached'],
          [10, 'executed', 'rebuilt'], [11, 'executed', 'rebuilt'],
        ]);
      }
      const t = cli(repo.root, 'import-build', join(dir, 'plain.log'), '--buildkit-version', '0.8');
      assert.equal(t.status, 0, t.stderr);
      assert.match(t.stdout, /2 executed/);
      assert.match(t.stdout, /agrees with the build/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('wrong predictions (--changed) are flagged with the engine\'s reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-logs-'));
    try {
      writeFileSync(join(dir, 'plain.log'), second);
      type Row = { line: number; real: string; predicted: string; agrees: boolean | null; reasons: string[] };
      // predicted rebuilt, really cached (the later steps copy from the rebuilt stage: "maybe", which agrees)
      let r = cli(repo.root, 'import-build', join(dir, 'plain.log'), '--changed', 'lib.txt', '--format', 'json');
      assert.equal(r.status, 0, r.stderr);
      let j = JSON.parse(r.stdout);
      let bad: Row[] = j.steps.filter((s: Row) => s.agrees === false);
      assert.deepEqual(bad.map((s) => [s.line, s.real, s.predicted]), [[4, 'cached', 'rebuilt'], [5, 'cached', 'rebuilt']]);
      assert.match(bad[0]!.reasons.join(' '), /1 context path it copies changed: lib\.txt/);
      assert.deepEqual(j.steps.filter((s: Row) => s.line >= 9).map((s: Row) => [s.line, s.predicted, s.agrees]), [[9, 'maybe', true], [10, 'maybe', true], [11, 'maybe', true]]);
      // predicted cached, really executed
      r = cli(repo.root, 'import-build', join(dir, 'plain.log'), '--changed', '.dockerignore', '--format', 'json');
      j = JSON.parse(r.stdout);
      bad = j.steps.filter((s: Row) => s.agrees === false);
      assert.deepEqual(bad.map((s) => [s.line, s.real, s.predicted]), [[10, 'executed', 'cached'], [11, 'executed', 'cached']]);
      assert.equal(j.disagreements, 2);
      const t = cli(repo.root, 'import-build', join(dir, 'plain.log'), '--changed', '.dockerignore');
      assert.match(t.stdout, /2 disagreements/);
      assert.match(t.stdout, /✗ +10 +executed .* cached +COPY app\.txt/);
      assert.match(t.stdout, /engine: the engine saw no change for this step/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failed real build: the failing step is an error, the log still imports', () => {
    const r2 = new Repo();
    try {
      r2.write('Dockerfile', `FROM localbase\nRUN echo ok-${nonce} > /ok\nRUN echo failing-${nonce} && exit 3\nRUN echo never\n`).commit('init');
      const b = dockerBuild(r2);
      assert.ok(!b.ok);
      failed = b.log;
      const m = importBuildLog(analyze(`FROM localbase\nRUN echo ok-${nonce} > /ok\nRUN echo failing-${nonce} && exit 3\nRUN echo never\n`), failed);
      assert.deepEqual(m.steps.map((s) => [s.line, s.status]), [[2, 'executed'], [3, 'error']]);
      const raw = importBuildLog(analyze(`FROM localbase\nRUN echo ok-${nonce} > /ok\nRUN echo failing-${nonce} && exit 3\nRUN echo never\n`), plainToRawJson(failed));
      assert.deepEqual(raw.steps.map((s) => [s.line, s.status]), [[2, 'executed'], [3, 'error']]);
    } finally {
      r2.dispose();
    }
  });

  test('truncated real logs give a clear error', () => {
    // cut the plain log right after the RUN sleep vertex started (before its DONE)
    const lines = second.split('\n');
    const at = lines.findIndex((l) => /^#\d+ \[\S+ \d+\/\d+\] RUN sleep 1/.test(l) || /^#\d+ \[\d+\/\d+\] RUN sleep 1/.test(l));
    assert.ok(at > 0);
    const cut = lines.slice(0, at + 2).join('\n');
    assert.throws(() => importBuildLog(analyze(DF(nonce)), cut), (e: Error) => e instanceof BuildLogError && /truncated: #\d+ .*RUN sleep 1.*never finished/.test(e.message));
    // the same cut as rawjson (the vertex started, never completed)
    assert.throws(() => importBuildLog(analyze(DF(nonce)), plainToRawJson(cut)), (e: Error) => /truncated/.test(e.message));
    // rawjson cut in the middle of a line
    const raw = plainToRawJson(second);
    assert.throws(() => parseBuildLog(raw.slice(0, Math.floor(raw.length / 2))), (e: Error) => e instanceof BuildLogError && /truncated: its last line \(\d+\) is incomplete JSON/.test(e.message));
    // CLI: one line, exit 2
    const dir = mkdtempSync(join(tmpdir(), 'lw-logs-'));
    try {
      writeFileSync(join(dir, 'cut.log'), cut);
      const r = cli(repo.root, 'import-build', join(dir, 'cut.log'));
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /^layerwise: .*cut\.log: the build log is truncated/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('malformed logs (no builder needed)', () => {
  const model = analyze('FROM alpine\nRUN true\n');
  const err = (text: string, re: RegExp) =>
    assert.throws(() => importBuildLog(model, text), (e: Error) => e instanceof BuildLogError && re.test(e.message) && !e.message.includes('\n'));

  test('empty, random text, classic builder output', () => {
    err('', /empty/);
    err('   \n\n', /empty/);
    err('hello world\nthis is not a log\n', /not a BuildKit --progress=plain or --progress=rawjson log/);
    err('Sending build context to Docker daemon  2.048kB\nStep 1/2 : FROM alpine\n ---> abc\nStep 2/2 : RUN true\n', /classic builder/);
  });

  test('rawjson: a line that is not JSON, not a SolveStatus, vertexes not an array, bad time, no digest', () => {
    err('{"vertexes":[]}\nnot json\n{"vertexes":[]}\n', /malformed rawjson log: line 2 is not JSON/);
    err('{"foo":1}\n', /line 1 is not a BuildKit SolveStatus object/);
    err('{"vertexes":{}}\n', /"vertexes" is not an array/);
    err('{"vertexes":[{"digest":"sha256:1","name":"[1/2] RUN true","started":"yesterday"}]}\n', /bad "started" time/);
    err('{"vertexes":[{"name":"[1/2] RUN true"}]}\n', /a vertex has no digest/);
    err('{"statuses":[]}\n', /has no vertices/);
  });

  test('a log cut off before any step', () => {
    err('#1 [internal] load build definition from Dockerfile\n#1 DONE 0.0s\n', /no Dockerfile steps/);
  });

  test('a vertex reported CACHED and later CANCELED (another step failed) stays cached', () => {
    const log = ['#4 [1/3] FROM docker.io/library/alpine', '#4 CACHED', '#5 [2/3] RUN true', '#5 CACHED', '#7 [3/3] COPY x /x', '#7 ERROR: "/x" not found', '#5 [2/3] RUN true', '#5 CANCELED'].join('\n');
    const steps = logSteps(parseBuildLog(log));
    assert.deepEqual(steps.map((s) => s.status), ['cached', 'error']);
  });

  test('CLI: missing log file and malformed log are one-line errors with exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-logs-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine\nRUN true\n');
      writeFileSync(join(dir, 'bad.log'), 'garbage\n');
      for (const [args, re] of [
        [['import-build', 'missing.log'], /cannot read build log missing\.log: ENOENT/],
        [['import-build', 'bad.log'], /bad\.log: not a BuildKit/],
        [['import-build'], /needs a LOG file/],
      ] as [string[], RegExp][]) {
        const r = cli(dir, ...args);
        assert.equal(r.status, 2, r.stdout);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, re);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
