// `layerwise cache` and `cache prune` against the REAL build cache (dockerd 20.10, BuildKit 0.8; the oracle
// builder). Two fixture Dockerfiles are built, a file the final stages read is edited, both are built again:
// the older generation of the re-run steps is stale. Checked with the docker CLI's own view (`docker system df
// -v`) and the build logs, never with Layerwise's own mapping:
//   - every record's size is what `docker system df -v` prints for it; >= 90 % of the bytes the fixture's builds
//     added map onto fixture steps; the records the second build created map exactly onto the steps its log says
//     it executed;
//   - `cache prune` (dry run) lists only records the last build did not use, one per re-executed step;
//     `--yes` deletes exactly those (nothing else disappears), reclaims exactly the bytes it listed, and a rebuild
//     of every fixture Dockerfile is fully CACHED; with nothing stale it deletes nothing;
//   - a revert (build v3, go back to v2) makes v3 the stale generation, and the same holds.
// Safe on the shared CI daemon: it takes the oracle lock (every builder user does), never prunes the whole cache,
// and its steps sit under `RUN echo <nonce>` records, so nothing another build made can map onto them.
// LAYERWISE_CACHE_RECORD=<dir> saves the daemon's answers and the logs (test/buildcache/recorded/ holds a run).
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, importBuildLog } from '../../server/src/engine';
import { humanSize } from '../../server/src/engine/buildcache';
import { connect, DockerError } from '../../server/src/context/docker';
import { CLI, DOCKER, dockerEnv, findBuilder, lockBuilder } from './harness';

const isCI = process.env.CI === 'true';
const builder = findBuilder();
const skip = builder.problem && !isCI ? `build-cache tests skipped: ${builder.problem}` : undefined;
const RECORD = process.env.LAYERWISE_CACHE_RECORD;

const MAIN = (n: string) => [
  'FROM localbase AS deps',
  `RUN echo deps-${n} > /nonce`,
  'WORKDIR /app',
  'COPY deps.txt ./',
  'RUN --mount=type=cache,target=/var/cache/lw dd if=/dev/zero of=/var/cache/lw/blob bs=1024 count=300 2>/dev/null && dd if=/dev/zero of=/app/deps.bin bs=1024 count=200 2>/dev/null && cat deps.txt',
  '',
  'FROM localbase',
  `RUN echo app-${n} > /nonce`,
  'WORKDIR /srv',
  'COPY --from=deps /app/deps.bin ./',
  'COPY src/ ./src/',
  'RUN dd if=/dev/zero of=/srv/built.bin bs=1024 count=100 2>/dev/null && cat src/app.txt > out.txt',
  '',
].join('\n');
const ALT = (n: string) => [
  'FROM localbase',
  `RUN echo alt-${n} > /nonce`,
  'COPY src/app.txt /app.txt',
  'RUN dd if=/dev/zero of=/alt.bin bs=1024 count=50 2>/dev/null && cat /app.txt',
  '',
].join('\n');
const FILES = ['Dockerfile', 'alt.Dockerfile'];

interface DfRow { ID: string; Size: string; LastUsedAt: string; CacheType: string; Description: string }

/** The docker CLI's own view of the build cache: `docker system df -v`, its build-cache rows by full id. */
function dockerDf(): Map<string, DfRow> {
  const r = spawnSync(DOCKER, ['system', 'df', '-v', '--format', '{{json .BuildCache}}'], { env: dockerEnv(builder.host!), encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout.trim() || '[]') as DfRow[];
  // the CLI marks a record in use with a trailing `*` on its id (a build holding it, even one left from elsewhere)
  return new Map((rows ?? []).map((x) => [x.ID.replace(/\*$/, ''), x]));
}

describe('build cache on the real daemon', { skip }, () => {
  let release: (() => void) | undefined;
  let dir: string;
  let nonce: string;
  const logs: Record<string, string[]> = { Dockerfile: [], 'alt.Dockerfile': [] };
  const rec: Record<string, unknown> = {};
  let snap0: Map<string, DfRow>;
  let snap1: Map<string, DfRow>;
  let snap2: Map<string, DfRow>;

  function build(file: string): string {
    const r = spawnSync(DOCKER, ['build', '--network=none', '--progress=plain', '-f', join(dir, file), '-t', `lw-cache-${nonce}-${file === 'Dockerfile' ? 'main' : 'alt'}`, dir], {
      cwd: dir, env: dockerEnv(builder.host!), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20,
    });
    const log = (r.stdout ?? '') + (r.stderr ?? '');
    assert.equal(r.status, 0, log.slice(-2000));
    logs[file]!.push(log);
    return log;
  }
  const buildAll = () => FILES.map((f) => build(f));
  function steps(file: string, log: string) {
    const text = readFileSync(join(dir, file), 'utf8');
    return importBuildLog(analyze(text, { buildkitVersion: '0.8' }), log).steps;
  }
  function cli(...args: string[]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...dockerEnv(builder.host!), NO_COLOR: '1' }, timeout: 300_000, maxBuffer: 64 << 20 });
    return r;
  }
  function cliJson<T>(...args: string[]): T {
    const r = cli(...args, '--format', 'json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return JSON.parse(r.stdout) as T;
  }
  async function recordDf(name: string) {
    if (!RECORD) return;
    const d = await connect({ env: dockerEnv(builder.host!) });
    rec[name] = await d.get('/system/df');
  }

  before(async () => {
    assert.ok(!builder.problem, `needs a builder (CI=true makes this an error): ${builder.problem}`);
    release = lockBuilder(builder.host!);
    nonce = randomBytes(6).toString('hex');
    dir = mkdtempSync(join(tmpdir(), 'lw-cache-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'Dockerfile'), MAIN(nonce));
    writeFileSync(join(dir, 'alt.Dockerfile'), ALT(nonce));
    writeFileSync(join(dir, 'deps.txt'), `deps ${nonce}\n`);
    writeFileSync(join(dir, 'src/app.txt'), 'v1\n');
    writeFileSync(join(dir, '.dockerignore'), '*.Dockerfile\nDockerfile\n');
    snap0 = dockerDf();
    buildAll();
    snap1 = dockerDf();
    await recordDf('df1');
    writeFileSync(join(dir, 'src/app.txt'), 'v2: edited\n');
    buildAll();
    snap2 = dockerDf();
    await recordDf('df2');
  });
  after(() => {
    if (RECORD && dir) {
      mkdirSync(RECORD, { recursive: true });
      const strip = (s: string) => s.split(nonce).join('NONCE');
      writeFileSync(join(RECORD, 'Dockerfile'), strip(MAIN(nonce)));
      writeFileSync(join(RECORD, 'alt.Dockerfile'), strip(ALT(nonce)));
      writeFileSync(join(RECORD, 'answers.json'), strip(JSON.stringify(rec, null, 1)) + '\n');
      for (const [f, l] of Object.entries(logs)) l.forEach((x, i) => writeFileSync(join(RECORD, `${f}.build${i + 1}.log`), strip(x)));
    }
    if (dir) {
      spawnSync(DOCKER, ['rmi', '-f', `lw-cache-${nonce}-main`, `lw-cache-${nonce}-alt`], { env: dockerEnv(builder.host!), encoding: 'utf8', timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    }
    release?.();
  });

  interface CacheJson {
    totalBytes: number; staleBytes: number; mappedBytes: number;
    records: { id: string; type: string; description: string; bytes: number; dockerfile: string | null; line: number | null; kind?: string; stale: boolean; places?: { dockerfile: string; line: number }[] }[];
    dockerfiles: { dockerfile: string; steps: { line: number; bytes: number; records: string[] }[] }[];
  }
  interface PruneJson { dryRun: boolean; plannedBytes: number; planned: { id: string; bytes: number }[]; deleted?: string[]; reclaimedBytes?: number; notDeleted?: string[] }

  test('sizes are what docker system df -v prints; >= 90 % of the added bytes map onto fixture steps; new records map onto the executed steps', (t) => {
    const j = cliJson<CacheJson>('cache', '.');
    const df = dockerDf();
    assert.deepEqual(new Set(j.records.map((r) => r.id)), new Set(df.keys()), 'the same records as docker system df -v');
    for (const r of j.records) assert.equal(humanSize(r.bytes, 3), df.get(r.id)!.Size, `size of ${r.id} (${r.description})`);
    const added = j.records.filter((r) => !snap0.has(r.id));
    const addedBytes = added.reduce((s, r) => s + r.bytes, 0);
    const mapped = added.filter((r) => r.dockerfile !== null).reduce((s, r) => s + r.bytes, 0);
    const pct = (100 * mapped) / addedBytes;
    t.diagnostic(`mapped ${mapped} of ${addedBytes} added bytes (${pct.toFixed(2)} %); unmapped: ${added.filter((r) => r.dockerfile === null).map((r) => r.description).join('; ')}`);
    assert.ok(addedBytes > 600_000, `the fixture's builds added ${addedBytes} bytes`); // 2 x 200 KB + 100 KB + 2 x 50 KB written
    assert.ok(pct >= 90, `mapped ${pct.toFixed(2)} %`);
    // every RUN and cache-mount record the fixture made maps (its argv carries the nonce)
    for (const r of added.filter((x) => x.description.includes(nonce))) assert.notEqual(r.dockerfile, null, `${r.id} ${r.description}`);
    // the records the second build created are exactly the steps its logs say it executed
    for (const f of FILES) {
      const executed = steps(f, logs[f]![1]!).filter((s) => s.status === 'executed').map((s) => s.line).sort((a, b) => a - b);
      assert.ok(executed.length >= 2, `${f}: the edit re-ran ${executed.length} steps`);
      const created = j.records.filter((r) => snap2.has(r.id) && !snap1.has(r.id) && r.type === 'regular' && (r.places ?? [{ dockerfile: r.dockerfile!, line: r.line! }]).some((p) => p.dockerfile === f));
      assert.deepEqual(created.map((r) => r.line).sort((a, b) => a! - b!), executed, `${f}: lines of the records build 2 created`);
    }
    // the cache mount maps onto its RUN (a cache mount is shared by id = target: an earlier run's may be reused)
    const cm = j.records.filter((r) => r.type === 'exec.cachemount' && r.description.startsWith('cached mount /var/cache/lw from exec /bin/sh -c dd if=/dev/zero of=/var/cache/lw/blob'));
    assert.equal(cm.length, 1);
    assert.equal(cm[0]!.kind, 'cache-mount');
    assert.equal(cm[0]!.line, 5);
    const text = cli('cache', '.');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^Build cache of unix:\/\//);
    assert.match(text.stdout, /\n {2}5 +cache mount of RUN --mount=type=cache,target=\/var\/cache\/lw/);
    assert.match(text.stdout, /\nStale: [\d.]+ [kM]?B in \d+ records/);
  });

  function pruneRoundTrip(t: { diagnostic(s: string): void }, label: string, lastBuild: Map<string, DfRow>, before: Map<string, DfRow>, genLog: Record<string, string>) {
    // dry run: what it would delete
    const dry = cliJson<PruneJson>('cache', 'prune', '.');
    assert.equal(dry.dryRun, true);
    assert.deepEqual(new Set(dockerDf().keys()), new Set(lastBuild.keys()), `${label}: a dry run deletes nothing`);
    // only records the last builds did not use (LastUsedAt unchanged since the builds before them) …
    for (const p of dry.planned) {
      assert.ok(before.has(p.id), `${label}: ${p.id} is older than the last builds`);
      assert.equal(lastBuild.get(p.id)!.LastUsedAt, before.get(p.id)!.LastUsedAt, `${label}: ${p.id} was not used by the last builds`);
    }
    // … one per step the build that made the stale generation executed (each of them left one)
    const executed = FILES.reduce((n, f) => n + steps(f, genLog[f]!).filter((s) => s.status === 'executed').length, 0);
    assert.equal(dry.planned.length, executed, `${label}: one stale record per step that build executed`);
    assert.ok(dry.plannedBytes > 0);
    assert.equal(dry.plannedBytes, dry.planned.reduce((s, p) => s + p.bytes, 0));
    const j = cliJson<CacheJson>('cache', '.');
    assert.equal(j.staleBytes, dry.plannedBytes, `${label}: cache and cache prune agree`);
    // delete
    const yes = cliJson<PruneJson>('cache', 'prune', '.', '--yes');
    t.diagnostic(`${label}: listed ${dry.planned.length} records / ${dry.plannedBytes} bytes; deleted ${yes.deleted?.length} / reclaimed ${yes.reclaimedBytes}`);
    assert.equal(yes.dryRun, false);
    assert.deepEqual(new Set(yes.deleted), new Set(dry.planned.map((p) => p.id)), `${label}: deleted exactly what it listed`);
    assert.equal(yes.reclaimedBytes, dry.plannedBytes, `${label}: freed exactly the listed bytes`);
    assert.deepEqual(yes.notDeleted, []);
    const after = dockerDf();
    const expected = new Set([...lastBuild.keys()].filter((id) => !yes.deleted!.includes(id)));
    assert.deepEqual(new Set(after.keys()), expected, `${label}: nothing else disappeared`);
    // every fixture Dockerfile still builds fully from the cache
    for (const f of FILES) {
      const st = steps(f, build(f));
      assert.ok(st.length >= 3);
      assert.deepEqual(st.filter((s) => s.status !== 'cached').map((s) => `${s.line} ${s.instruction}: ${s.status}`), [], `${label}: ${f} rebuilt fully CACHED`);
    }
    // nothing stale now: nothing deleted
    const again = cliJson<PruneJson>('cache', 'prune', '.', '--yes');
    assert.deepEqual([again.planned.length, again.plannedBytes, again.deleted, again.reclaimedBytes], [0, 0, [], 0], `${label}: nothing stale, nothing freed`);
  }

  test('cache prune: lists the stale generation, --yes frees exactly it, every Dockerfile rebuilds fully CACHED', (t) => {
    // the stale generation is build 1's records of the steps build 2 re-ran
    pruneRoundTrip(t, 'after the edit', snap2, snap1, { Dockerfile: logs.Dockerfile![1]!, 'alt.Dockerfile': logs['alt.Dockerfile']![1]! });
  });

  test('a revert: v3 built, back to v2 (cached from v2\'s records) -> v3 is the stale generation', async (t) => {
    writeFileSync(join(dir, 'src/app.txt'), 'v3\n');
    const v3 = buildAll();
    const s3 = dockerDf();
    await recordDf('df3');
    writeFileSync(join(dir, 'src/app.txt'), 'v2: edited\n');
    for (const f of FILES) {
      // the revert builds from the cache: the v2 records are used again
      assert.deepEqual(steps(f, build(f)).filter((s) => s.status !== 'cached').map((s) => s.line), [], `${f}: the revert is fully cached`);
    }
    const s4 = dockerDf();
    await recordDf('df-revert');
    // the stale generation is v3's records: one per step the v3 builds executed
    pruneRoundTrip(t, 'after the revert', s4, s3, { Dockerfile: v3[0]!, 'alt.Dockerfile': v3[1]! });
  });

  test('the Engine API client on the real daemon: version, an API error, a streaming GET', async () => {
    const d = await connect({ env: dockerEnv(builder.host!) });
    assert.equal(d.apiVersion, '1.41');
    assert.match(d.server, /^Docker\/20\.10/);
    await assert.rejects(d.get(`/images/lw-no-such-image-${nonce}/json`), (e: unknown) =>
      e instanceof DockerError && e.kind === 'api' && e.status === 404 && /^Docker API GET \/images\/lw-no-such-image-\w+\/json: 404 no such image/i.test(e.message));
    const s = await d.stream('/images/localbase:latest/get');
    const first = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let n = 0;
      s.on('data', (c: Buffer) => { chunks.push(c); n += c.length; if (n >= 512) { s.destroy(); resolve(Buffer.concat(chunks)); } });
      s.on('error', reject);
      s.on('end', () => resolve(Buffer.concat(chunks)));
    });
    assert.equal(first.subarray(257, 262).toString('latin1'), 'ustar', 'docker save answers a tar');
  });
});
