// The build-cache mapping and the stale rule on answers RECORDED from real daemons by test/oracle/cache.test.ts
// (LAYERWISE_CACHE_RECORD; the nonce replaced by NONCE), one folder per description format: dockerd 20.10
// (BuildKit 0.8: file operations say `fileop target`, `Parent`) and dockerd 26.1 (its BuildKit names file operations
// `[<stage> n/m] <instruction>`, a cache mount's description ends in its id, parents come as " Parents"; see
// test/buildcache/recorded-26.1/README.md). `GET /system/df` after each build (df1: v1 built; df2: src/app.txt
// edited and built; df3: v3 built; df-revert: back to v2) and the build logs. Expectations come from the recordings
// themselves (which records a build created, which it marked used, which steps its log says it executed), never
// from Layerwise's own output.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, importBuildLog, type Model } from '../../server/src/engine';
import { imageRefs } from '../../server/src/context/docker/buildcache';
import {
  mapBuildCache as mapAll, parseSize, prunePlan, recommendedKeepStorage, recordsFromDf, humanSize,
  type CacheDockerfile, type CacheRecord,
} from '../../server/src/engine/buildcache';

/** The recordings, with the BuildKit version the daemon embeds (moby 26.1 vendors BuildKit v0.13). */
const RECORDINGS = [{ dir: 'recorded-20.10', buildkit: '0.8' }, { dir: 'recorded-26.1', buildkit: '0.13' }];
const FILES = ['Dockerfile', 'alt.Dockerfile'];
/** A file operation's record, in either format (BuildKit 0.8: `fileop target`; current: the step's name). */
const isFileop = (d: string) => d === 'fileop target' || /^\[[^\]]*\d+\/\d+\] (COPY|ADD|WORKDIR) /.test(d);
/** The parent ids of a raw record, whichever key the API version used. */
const rawParents = (x: Record<string, unknown>): string[] =>
  (x.Parents ?? x[' Parents'] ?? (x.Parent ? [x.Parent] : [])) as string[];
/** The raw record with its parents replaced (written back in the key the recording used). */
function withParents(x: Record<string, unknown>, ps: string[]): Record<string, unknown> {
  const { Parent: _a, Parents: _b, ' Parents': _c, ...rest } = x;
  if ('Parent' in x) return { ...rest, Parent: ps[0] ?? '' };
  return { ...rest, [' Parents' in x ? ' Parents' : 'Parents']: ps };
}

for (const REC of RECORDINGS) describe(REC.dir, () => {
const DIR = path.resolve(__dirname, '../../../test/buildcache', REC.dir);
const answers = JSON.parse(fs.readFileSync(path.join(DIR, 'answers.json'), 'utf8')) as Record<string, { BuildCache: Record<string, unknown>[] }>;
const text = (f: string) => fs.readFileSync(path.join(DIR, f), 'utf8');
const log = (f: string, n: number) => fs.readFileSync(path.join(DIR, `${f}.build${n}.log`), 'utf8');
const model = (t: string): Model => analyze(t, { buildkitVersion: REC.buildkit });
const dfs = (): CacheDockerfile[] => FILES.map((f) => ({ dockerfile: f, model: model(text(f)) }));
const recs = (name: string): CacheRecord[] => recordsFromDf(answers[name]).records;
/** The daemon's images as recorded with the df answers (the Images part of GET /system/df). */
const LOCAL = imageRefs((answers['df2'] as unknown as { Images: unknown }).Images);
const mapBuildCache = (r: CacheRecord[], d: CacheDockerfile[]) => mapAll(r, d, { localImages: LOCAL });
function executed(f: string, n: number): number[] {
  return importBuildLog(model(text(f)), log(f, n)).steps.filter((s) => s.status === 'executed').map((s) => s.line).sort((a, b) => a - b);
}
/** Records of `b` that were in `a` with the same last use: the build between them did not use them. */
function unused(a: string, b: string): Set<string> {
  const before = new Map(recs(a).map((r) => [r.id, r.lastUsedAt]));
  return new Set(recs(b).filter((r) => before.has(r.id) && before.get(r.id) === r.lastUsedAt).map((r) => r.id));
}

test('the recording has a parent link on every step record (its API shape is read)', () => {
  const steps = recs('df2').filter((x) => x.description.startsWith('mount / from exec ') || isFileop(x.description));
  assert.ok(steps.length >= 10);
  assert.deepEqual(steps.filter((x) => x.parents.length !== 1).map((x) => x.description), []);
});

test('recorded df1 (first builds): every step record maps onto the step the logs say made it', () => {
  const r = mapBuildCache(recs('df1'), dfs());
  for (const f of FILES) {
    const steps = executed(f, 1);
    assert.ok(steps.length >= 3);
    const lines = r.records.filter((x) => x.type === 'regular' && x.places.some((p) => p.dockerfile === f && p.kind === 'step'))
      .flatMap((x) => x.places.filter((p) => p.dockerfile === f && p.kind === 'step').map((p) => p.line)).sort((a, b) => a - b);
    assert.deepEqual(lines, steps, `${f}: one record per executed step`);
  }
  // the RUN records carry their argv; each maps onto the RUN with exactly that command
  for (const x of r.records.filter((x) => x.description.startsWith('mount / from exec '))) {
    assert.equal(x.places.length, 1, x.description);
    const m = model(text(x.places[0]!.dockerfile));
    const step = m.steps.find((s) => s.line + 1 === x.places[0]!.line)!;
    assert.equal(x.description, 'mount / from exec /bin/sh -c ' + step.script);
  }
  const cm = r.records.filter((x) => x.type === 'exec.cachemount');
  assert.deepEqual(cm.map((x) => x.places.map((p) => `${p.dockerfile}:${p.line}:${p.kind}`)), [['Dockerfile:5:cache-mount']]);
  assert.equal(r.staleBytes, 0, 'nothing stale after the first builds');
  assert.deepEqual(r.unmapped.map((u) => u.reason), ['build context transfer (local source)']);
});

test('recorded df2 (after an edit): >= 90 % of bytes mapped; the new records are the re-executed steps; stale = unused older generation', (t) => {
  const r = mapBuildCache(recs('df2'), dfs());
  const pct = (100 * r.mappedBytes) / r.totalBytes;
  t.diagnostic(`mapped ${r.mappedBytes} / ${r.totalBytes} bytes (${pct.toFixed(2)} %)`);
  assert.ok(pct >= 90);
  const old = new Set(recs('df1').map((x) => x.id));
  for (const f of FILES) {
    const created = r.records.filter((x) => !old.has(x.id) && x.type === 'regular' && x.places.some((p) => p.dockerfile === f)).map((x) => x.places[0]!.line).sort((a, b) => a - b);
    assert.deepEqual(created, executed(f, 2), f);
  }
  const stale = r.records.filter((x) => x.stale);
  const notUsed = unused('df1', 'df2');
  for (const x of stale) assert.ok(notUsed.has(x.id), `${x.id} was used by the last builds`);
  assert.equal(stale.length, executed('Dockerfile', 2).length + executed('alt.Dockerfile', 2).length);
  assert.equal(r.staleBytes, stale.reduce((s, x) => s + x.bytes, 0));
  // the deps stage is not the target chain: even its unused records are not called stale (docs/build-cache.md)
  const deps = r.records.filter((x) => x.places.some((p) => p.dockerfile === 'Dockerfile' && p.line >= 2 && p.line <= 5));
  assert.ok(deps.length >= 4);
  assert.ok(deps.every((x) => !x.stale));
});

test('recorded df2: a Dockerfile the workspace builds several ways has no stale record (its older generations may be another build\'s); the other keeps its stale ones', () => {
  const one = mapBuildCache(recs('df2'), dfs());
  const several = mapBuildCache(recs('df2'), dfs().map((d) => (d.dockerfile === 'Dockerfile' ? { ...d, configurations: 2 } : d)));
  const staleOf = (r: typeof one, f: string) => r.records.filter((x) => x.stale && x.places.some((p) => p.dockerfile === f));
  assert.ok(staleOf(one, 'Dockerfile').length > 0, 'built one way: its unused older generation is stale');
  assert.equal(staleOf(several, 'Dockerfile').length, 0);
  assert.deepEqual(staleOf(several, 'alt.Dockerfile').map((x) => x.id), staleOf(one, 'alt.Dockerfile').map((x) => x.id));
  assert.equal(several.dockerfiles.find((d) => d.dockerfile === 'Dockerfile')!.configurations, 2);
  assert.equal(several.dockerfiles.find((d) => d.dockerfile === 'alt.Dockerfile')!.configurations, undefined);
  assert.ok(prunePlan(several).records.every((x) => !x.places.some((p) => p.dockerfile === 'Dockerfile')));
});

test('recorded revert (v3 built, back to v2): v3\'s records are the stale generation, v2\'s are kept', () => {
  const r = mapBuildCache(recs('df-revert'), dfs());
  const stale = r.records.filter((x) => x.stale);
  const notUsed = unused('df3', 'df-revert');
  const v3 = new Set(recs('df3').map((x) => x.id).filter((id) => !recs('df2').some((y) => y.id === id)));
  for (const x of stale) {
    assert.ok(notUsed.has(x.id), `${x.id} was used by the revert builds`);
    assert.ok(v3.has(x.id), `${x.id} is not one of v3's records`);
  }
  assert.equal(stale.length, executed('Dockerfile', 4).length + executed('alt.Dockerfile', 4).length);
});

test('every API shape of the parent links (Parent, Parents, " Parents") maps the same (the recorded answer, converted)', () => {
  const a = mapBuildCache(recs('df2'), dfs());
  assert.ok(a.mappedBytes > 0);
  for (const key of ['Parent', 'Parents', ' Parents']) {
    const conv = { BuildCache: answers['df2']!.BuildCache.map((x) => {
      const ps = rawParents(x);
      const { Parent: _a, Parents: _b, ' Parents': _c, ...rest } = x;
      return { ...rest, [key]: key === 'Parent' ? ps[0] ?? '' : ps };
    }) };
    const b = mapBuildCache(recordsFromDf(conv).records, dfs());
    assert.deepEqual(b.records.map((x) => [x.id, x.places, x.stale]), a.records.map((x) => [x.id, x.places, x.stale]), key);
  }
});

test('never a guess: steps that file operations cannot tell apart are unmapped; an edited RUN is unmapped and not stale', () => {
  // A third Dockerfile with main's final stage but WORKDIR /other: records name no path, so the WORKDIR record and
  // everything under it could be either one.
  const twin = text('Dockerfile').replace('WORKDIR /srv', 'WORKDIR /other');
  const r = mapBuildCache(recs('df2'), [...dfs(), { dockerfile: 'twin.Dockerfile', model: model(twin) }]);
  const amb = r.records.filter((x) => x.unmapped?.startsWith('ambiguous'));
  assert.ok(amb.length >= 4, `ambiguous: ${amb.length}`);
  assert.ok(amb.every((x) => !x.stale));
  // identical text is the same op: the records are shared by both Dockerfiles, not ambiguous
  const same = mapBuildCache(recs('df2'), [...dfs(), { dockerfile: 'copy.Dockerfile', model: model(text('Dockerfile')) }]);
  const shared = same.records.filter((x) => x.places.some((p) => p.dockerfile === 'copy.Dockerfile'));
  assert.ok(shared.length >= 8);
  assert.ok(shared.every((x) => x.places.some((p) => p.dockerfile === 'Dockerfile')));
  // the final RUN edited since the builds: its records match no step, are unmapped and never stale
  const edited = text('Dockerfile').replace('> out.txt', '> out2.txt');
  const e = mapBuildCache(recs('df2'), [{ dockerfile: 'Dockerfile', model: model(edited) }, dfs()[1]!]);
  const runs = e.records.filter((x) => x.description.includes('> out.txt'));
  assert.equal(runs.length, 2);
  for (const x of runs) {
    assert.deepEqual(x.places, []);
    assert.match(x.unmapped!, /^RUN no Dockerfile here has at that place/);
    assert.equal(x.stale, false);
  }
  // … and so the stale COPY under the old RUN is kept too (BuildKit frees a parent only with its children)
  assert.ok(e.records.filter((x) => x.stale).every((x) => x.places.every((p) => p.dockerfile === 'alt.Dockerfile')));
});

test('prune plan: children before parents, oldest first down to keep-storage, never a non-stale record', () => {
  const r = mapBuildCache(recs('df2'), dfs());
  const all = prunePlan(r);
  assert.equal(all.bytes, r.staleBytes);
  assert.deepEqual(new Set(all.records.map((x) => x.id)), new Set(r.records.filter((x) => x.stale).map((x) => x.id)));
  const pos = new Map(all.records.map((x, i) => [x.id, i]));
  for (const x of all.records) for (const p of x.parents) if (pos.has(p)) assert.ok(pos.get(p)! > pos.get(x.id)!, 'a parent after its children');
  assert.deepEqual(prunePlan(r, r.totalBytes).records, [], 'within keep-storage: nothing');
  const some = prunePlan(r, r.totalBytes - 1);
  assert.ok(some.records.length >= 1 && some.records.length < all.records.length, `${some.records.length}`);
  assert.ok(some.after <= r.totalBytes - 1);
  assert.equal(prunePlan(r, 0).records.length, all.records.length, 'never below the working set');
  const keep = recommendedKeepStorage(r);
  assert.ok(keep >= (r.totalBytes - r.staleBytes) * 1.25 && keep < (r.totalBytes - r.staleBytes) * 1.4, String(keep));
});

test('a base record that names no image (dockerd\'s local store) maps only onto a base the daemon has, pinned by a RUN', () => {
  assert.ok(LOCAL.includes('localbase:latest'));
  // without the image list: nothing under an unnamed base maps
  const none = mapAll(recs('df2'), dfs());
  assert.equal(none.mappedBytes, recs('df2').filter((x) => x.type === 'exec.cachemount').reduce((s, x) => s + x.bytes, 0), 'only the cache mount (by target + argv)');
  // a Dockerfile of another base with main's file operations: localbase's records must not be claimed for it
  const other = 'FROM node:20-slim\nWORKDIR /srv\nCOPY src/ ./src/\n';
  const o = mapBuildCache(recs('df2'), [{ dockerfile: 'node.Dockerfile', model: model(other) }]);
  assert.equal(o.mappedBytes, 0);
  // the same base, but no RUN pins the chain (deps-revert has WORKDIR + COPY right under the base): unmapped
  const df = JSON.parse(fs.readFileSync(path.join(DIR, 'deps-revert.df.json'), 'utf8'));
  const noRun = 'FROM localbase\nWORKDIR /app\nCOPY deps.txt ./\n';
  const n = mapBuildCache(recordsFromDf(df).records, [{ dockerfile: 'norun.Dockerfile', model: model(noRun) }]);
  const fileops = n.records.filter((x) => isFileop(x.description));
  assert.ok(fileops.length >= 4);
  assert.deepEqual(fileops.filter((x) => x.places.length).map((x) => x.id), []);
  assert.ok(n.records.some((x) => /no RUN below or above pins the stage/.test(x.unmapped ?? '')));
  // with the RUN that follows them in the real Dockerfile, they map
  const full = mapBuildCache(recordsFromDf(df).records, [{ dockerfile: 'Dockerfile', model: model(fs.readFileSync(path.join(DIR, 'deps-revert.Dockerfile'), 'utf8')) }]);
  assert.ok(full.records.filter((x) => isFileop(x.description)).every((x) => x.places.length === 1));
});

test('FROM scratch: a chain with no base record maps only where a RUN pins it', () => {
  // the recording's COPY src/ records, cut loose from their parents (as a scratch stage's first step is)
  const cut = answers['df2']!.BuildCache.map((x) => (x.Size === 3 || x.Size === 11) && isFileop(x.Description as string) ? withParents(x, []) : x);
  const loose = recordsFromDf({ BuildCache: cut }).records.filter((x) => x.parents.length === 0 && isFileop(x.description));
  assert.ok(loose.length >= 1);
  const r = mapBuildCache(recordsFromDf({ BuildCache: cut }).records, [{ dockerfile: 'scratch.Dockerfile', model: model('FROM scratch\nCOPY src/ ./src/\n') }]);
  const mine = r.records.filter((y) => loose.some((l) => l.id === y.id));
  const pinned = /FROM scratch\), and no RUN below or above pins the stage/;
  for (const x of mine) {
    assert.deepEqual(x.places, []);
    // a named record of another stage (`[stage-1 5/6] COPY …`) does not even fit the one-stage file's COPY
    assert.match(x.unmapped!, x.description === 'fileop target' ? pinned : new RegExp(`${pinned.source}|^file operation under a record no Dockerfile here explains$`));
  }
  assert.ok(mine.some((x) => pinned.test(x.unmapped!)), 'one of them fits the COPY, and only the missing RUN keeps it unmapped');
});

test('10,000 records (the recording cloned into many projects): mapped, counted, no stack overflow on deep chains', () => {
  const base = answers['df2']!.BuildCache;
  const big: Record<string, unknown>[] = [];
  let clones = 0;
  for (let k = 0; big.length < 10_000; k++, clones++) for (const x of base) big.push({ ...withParents(x, rawParents(x).map((p) => `${p}${k}`)), ID: `${x.ID}${k}` });
  // and one chain 3,000 records deep
  for (let i = 0; i < 3000; i++) big.push({ ID: `deep${i}`, Parent: i ? `deep${i - 1}` : '', Type: 'regular', Description: 'fileop target', Size: 1 });
  const r = mapBuildCache(recordsFromDf({ BuildCache: big }).records, dfs());
  assert.equal(r.records.length, big.length);
  assert.equal(r.totalBytes, big.reduce((s, x) => s + (x.Size as number), 0));
  // every clone maps like the original (same places), the deep chain maps onto nothing
  const one = mapBuildCache(recs('df2'), dfs());
  assert.equal(r.mappedBytes, clones * one.mappedBytes);
  assert.ok(r.records.filter((x) => x.id.startsWith('deep')).every((x) => x.places.length === 0));
});

test('recorded deps-stage revert (deps.txt 1 -> 2 -> 1; the third build fully CACHED): the current deps records are not stale', () => {
  // Measured (dockerd 20.10): the revert build hit the v1 records of the deps stage through COPY --from without
  // marking them used, so by last use the v2 records look newer. Only the target chain's last use is evidence.
  const df = JSON.parse(fs.readFileSync(path.join(DIR, 'deps-revert.df.json'), 'utf8'));
  const m = model(fs.readFileSync(path.join(DIR, 'deps-revert.Dockerfile'), 'utf8'));
  const r = mapBuildCache(recordsFromDf(df).records, [{ dockerfile: 'Dockerfile', model: m }]); // same daemon: localbase
  const depsLines = new Set(m.stages[0]!.steps.map((id) => m.steps[id]!.line + 1));
  const deps = r.records.filter((x) => x.places.some((p) => depsLines.has(p.line)));
  // two generations of COPY deps.txt and of the RUN: the older by last use is the current one
  assert.equal(deps.filter((x) => isFileop(x.description) && x.bytes === 6).length, 2);
  assert.deepEqual(deps.filter((x) => x.stale).map((x) => x.id), []);
  assert.equal(r.staleBytes, 0);
});
});

test('records: junk entries are skipped, odd sizes are 0; sizes print as docker system df -v prints them', () => {
  const { records, skipped } = recordsFromDf({ BuildCache: [null, { ID: '' }, { ID: 'a', Size: -1, Type: 'regular' }, { ID: 'b', Size: 'x' }, 7] });
  assert.deepEqual([records.map((x) => [x.id, x.bytes]), skipped], [[['a', 0], ['b', 0]], 3]);
  assert.deepEqual(recordsFromDf(null), { records: [], skipped: 0 });
  assert.deepEqual(recordsFromDf({ BuildCache: null }), { records: [], skipped: 0 });
  // go-units HumanSizeWithPrecision(size, 3) strings, as printed for this recording's records by docker system df -v
  assert.deepEqual([102406, 204800, 307200, 410, 6, 0, 51200, 1_234_567].map((b) => humanSize(b)), ['102kB', '205kB', '307kB', '410B', '6B', '0B', '51.2kB', '1.23MB']);
  assert.equal(humanSize(512429, 4), '512.4kB');
});

test('parseSize: decimal and binary units like docker --keep-storage', () => {
  assert.deepEqual(['10GB', '512MB', '2GiB', '100000', '1.5kB', '5 MB', '3g', '7KiB'].map(parseSize), [1e10, 512e6, 2 * 1024 ** 3, 100000, 1500, 5e6, 3e9, 7168]);
  for (const bad of ['', 'abc', '10XB', '-1GB', 'GB', '1e9']) assert.equal(parseSize(bad), null, bad);
});
