// `layerwise cache [PATH ...]` and `layerwise cache prune [PATH ...]`: what the daemon's build cache holds per
// Dockerfile step, what is stale, and deleting the stale part when asked (--yes). The daemon is read through
// context/docker; the mapping and the stale rule are the engine's (engine/buildcache.ts).
import fs = require('node:fs');
import path = require('node:path');
import { ConfigError } from '../engine';
import {
  formatAgo, formatBytes, mapBuildCache, parseSize, prunePlan, recommendedKeepStorage,
  type CacheDockerfile, type CacheReport, type MappedRecord, type PrunePlan,
} from '../engine/buildcache';
import { connect, DockerError, type DockerClient } from '../context/docker';
import { pruneRecords, readBuildCache, type PruneResult } from '../context/docker/buildcache';
import { loadCacheDockerfiles } from '../context/docker/dockerfiles';
import { CliError } from './args';

interface CacheArgs {
  prune: boolean;
  paths: string[];
  format: 'text' | 'json';
  yes: boolean;
  keepStorage?: number;
  buildkitVersion?: string;
}

const USAGE = 'layerwise cache [PATH ...] [--format text|json] | layerwise cache prune [PATH ...] [--dry-run] [--yes] [--keep-storage SIZE] [--format text|json]';

export function parseCacheArgs(argv: string[]): CacheArgs {
  const a: CacheArgs = { prune: false, paths: [], format: 'text', yes: false };
  let i = 0;
  if (argv[0] === 'prune') { a.prune = true; i = 1; }
  let dryRun = false;
  for (; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    if (arg.startsWith('--') && arg.includes('=')) { inline = arg.slice(arg.indexOf('=') + 1); arg = arg.slice(0, arg.indexOf('=')); }
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new CliError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--format': {
        const f = take();
        if (f !== 'text' && f !== 'json') throw new CliError(`--format ${f} is not available for cache (text, json)`);
        a.format = f;
        break;
      }
      case '--yes': case '-y':
        if (!a.prune) throw new CliError('--yes only applies to cache prune');
        a.yes = true; break;
      case '--dry-run':
        if (!a.prune) throw new CliError('--dry-run only applies to cache prune');
        dryRun = true; break;
      case '--keep-storage': {
        if (!a.prune) throw new CliError('--keep-storage only applies to cache prune');
        const v = take();
        const n = parseSize(v);
        if (n === null) throw new CliError(`--keep-storage "${v}": expected a size such as 10GB, 512MB or 2GiB`);
        a.keepStorage = n;
        break;
      }
      case '--buildkit-version': a.buildkitVersion = take(); break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new CliError(`unknown option ${arg} for cache (${USAGE})`);
        a.paths.push(arg);
    }
  }
  if (dryRun && a.yes) throw new CliError('--dry-run and --yes cannot be combined');
  return a;
}

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') || path.isAbsolute(r) ? p : r.split(path.sep).join('/');
}

/** The Dockerfiles under PATHs (like check), each analysed with its .layerwise.yaml build args and target. */
function dockerfilesFor(paths: string[], buildkitVersion?: string): CacheDockerfile[] {
  try {
    return loadCacheDockerfiles(paths, { buildkitVersion, display: rel });
  } catch (e) {
    throw new CliError(e instanceof ConfigError ? e.message : (e as Error).message);
  }
}

async function daemon(): Promise<DockerClient> {
  try {
    return await connect({ connectTimeoutMs: 2000, timeoutMs: 60_000 });
  } catch (e) {
    if (e instanceof DockerError) throw new CliError(e.message);
    throw e;
  }
}

async function report(docker: DockerClient, dfs: CacheDockerfile[]): Promise<CacheReport> {
  try {
    const read = await readBuildCache(docker);
    return mapBuildCache(read.records, dfs, { localImages: read.localImages });
  } catch (e) {
    if (e instanceof DockerError) throw new CliError(e.message);
    throw e;
  }
}

const ago = formatAgo;
const size = (b: number): string => formatBytes(b);

export function cacheJson(r: CacheReport, docker: { endpoint: string; server: string; apiVersion: string }): object {
  return {
    daemon: docker,
    totalBytes: r.totalBytes,
    staleBytes: r.staleBytes,
    mappedBytes: r.mappedBytes,
    unmappedBytes: r.unmappedBytes,
    recommendedKeepStorage: recommendedKeepStorage(r),
    records: r.records.map((x) => ({
      id: x.id, type: x.type, description: x.description, bytes: x.bytes, shared: x.shared, inUse: x.inUse,
      createdAt: x.createdAt, lastUsed: x.lastUsedAt, usageCount: x.usageCount,
      dockerfile: x.places[0]?.dockerfile ?? null, line: x.places[0]?.line ?? null, stale: x.stale,
      ...(x.places.length > 1 ? { places: x.places.map((p) => ({ dockerfile: p.dockerfile, line: p.line, kind: p.kind })) } : {}),
      ...(x.places.length ? { kind: x.places[0]!.kind } : { unmapped: x.unmapped }),
    })),
    dockerfiles: r.dockerfiles.map((d) => ({
      dockerfile: d.dockerfile,
      ...(d.configurations ? { configurations: d.configurations } : {}),
      steps: d.steps.map((s) => ({ line: s.line, instruction: s.instruction, kind: s.kind, bytes: s.bytes, staleBytes: s.staleBytes, lastUsed: s.lastUsed, usageCount: s.usageCount, records: s.records })),
    })),
    unmapped: r.unmapped,
  };
}

function gcNote(docker: DockerClient): string[] {
  const lines = ['Size control: the Engine API does not expose the build-cache GC policy. dockerd reads it from daemon.json',
    '  "builder": {"gc": {"enabled": true, "defaultKeepStorage": "…", "policy": […]}}; a standalone BuildKit from buildkitd.toml',
    '  ([worker.oci] gckeepstorage, [[worker.oci.gcpolicy]]).'];
  if (docker.endpoint.kind === 'unix' && docker.endpoint.address === '/var/run/docker.sock') {
    try {
      const j = JSON.parse(fs.readFileSync('/etc/docker/daemon.json', 'utf8')) as { builder?: { gc?: unknown } };
      lines.push(`  /etc/docker/daemon.json: builder.gc = ${j.builder?.gc === undefined ? '(not set: the daemon\'s default)' : JSON.stringify(j.builder.gc)}`);
    } catch { /* unreadable or absent: nothing to add */ }
  }
  return lines;
}

export function renderCacheText(r: CacheReport, head: string, now: number, extra: string[] = []): string {
  const out: string[] = [head, ''];
  for (const d of r.dockerfiles) {
    out.push(d.dockerfile);
    if (d.configurations) out.push(`  built ${d.configurations} ways in this workspace (compose services, bake targets): records do not say which build made them, so none is called stale`);
    if (!d.steps.length) { out.push('  nothing in the cache maps onto this Dockerfile', ''); continue; }
    const rows = d.steps.map((s) => [String(s.line), s.kind === 'cache-mount' ? 'cache mount of ' + s.instruction : s.instruction,
      size(s.bytes), ago(s.lastUsed, now), String(s.usageCount), s.staleBytes ? size(s.staleBytes) + ' stale' : '']);
    const head2 = ['line', 'instruction', 'cached', 'last used', 'uses', ''];
    const w = head2.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
    const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
    const iw = Math.min(w[1]!, 60);
    for (const row of [head2, ...rows]) {
      out.push(('  ' + row[0]!.padEnd(w[0]!) + '  ' + cut(row[1]!, iw).padEnd(iw) + '  ' + row[2]!.padStart(w[2]!) + '  ' +
        row[3]!.padEnd(w[3]!) + '  ' + row[4]!.padStart(w[4]!) + '  ' + row[5]!).trimEnd());
    }
    out.push('');
  }
  const pct = r.totalBytes ? ((100 * r.mappedBytes) / r.totalBytes).toFixed(1) : '100.0';
  out.push(`Total: ${size(r.totalBytes)} in ${r.records.length} records; mapped onto these Dockerfiles: ${size(r.mappedBytes)} (${pct} %)`);
  if (r.unmapped.length) {
    out.push(`Unmapped: ${size(r.unmappedBytes)}`);
    for (const u of r.unmapped) out.push(`  ${size(u.bytes).padStart(10)}  ${u.records} record${u.records === 1 ? '' : 's'}: ${u.reason}`);
  }
  const stale = r.records.filter((x) => x.stale);
  out.push(stale.length ? `Stale: ${size(r.staleBytes)} in ${stale.length} records (older generations of steps; layerwise cache prune lists them, --yes deletes them)` : 'Stale: nothing');
  out.push(`Working set (not stale): ${size(r.totalBytes - r.staleBytes)}; recommended keep-storage: ${size(recommendedKeepStorage(r))} (working set + 25 %)`);
  out.push(...extra);
  return out.join('\n') + '\n';
}

function planText(plan: PrunePlan, r: CacheReport, dryRun: boolean, keep: number | undefined): string[] {
  const out: string[] = [];
  const by = new Map<string, Map<string, { instruction: string; line: number; bytes: number; n: number }>>();
  for (const rec of plan.records) for (const p of rec.places.slice(0, 1)) {
    let m = by.get(p.dockerfile);
    if (!m) by.set(p.dockerfile, (m = new Map()));
    const k = String(p.line);
    const e = m.get(k) ?? { instruction: p.instruction, line: p.line, bytes: 0, n: 0 };
    e.bytes += rec.bytes; e.n++;
    m.set(k, e);
  }
  out.push(plan.records.length
    ? `${dryRun ? 'Would delete' : 'Deleting'} ${plan.records.length} stale records, ${size(plan.bytes)}${keep !== undefined ? ` (oldest first, down to --keep-storage ${size(keep)}: the cache would be ${size(plan.after)})` : ''}:`
    : keep !== undefined && r.totalBytes <= keep ? `Nothing to delete: the cache (${size(r.totalBytes)}) is within --keep-storage ${size(keep)}.` : 'Nothing to delete: no stale records.');
  for (const [df, m] of by) {
    out.push('  ' + df);
    for (const e of [...m.values()].sort((a, b) => a.line - b.line)) out.push(`    line ${e.line}  ${e.instruction.length > 60 ? e.instruction.slice(0, 59) + '…' : e.instruction}: ${size(e.bytes)} in ${e.n} record${e.n === 1 ? '' : 's'}`);
  }
  return out;
}

export async function runCache(argv: string[]): Promise<number> {
  const a = parseCacheArgs(argv);
  const dfs = dockerfilesFor(a.paths, a.buildkitVersion);
  if (!dfs.length) throw new CliError(`no Dockerfiles found in ${(a.paths.length ? a.paths : ['.']).join(', ')} (looked for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile*)`);
  const docker = await daemon();
  const info = { endpoint: docker.endpoint.url, server: docker.server, apiVersion: docker.apiVersion };
  const r = await report(docker, dfs);
  const now = Date.now();
  const head = `Build cache of ${docker.endpoint.url} (${docker.endpoint.source}; ${docker.server || 'Docker'}, API ${docker.apiVersion})`;
  if (!a.prune) {
    process.stdout.write(a.format === 'json' ? JSON.stringify(cacheJson(r, info), null, 2) + '\n' : renderCacheText(r, head, now, ['', ...gcNote(docker)]));
    return 0;
  }
  const plan = prunePlan(r, a.keepStorage);
  let result: PruneResult | null = null;
  let kept: string[] = [];
  if (a.yes) {
    // Read again and delete only what is still stale: a build since the listing may have used a record.
    const again = await report(docker, dfs);
    const still = new Set(again.records.filter((x) => x.stale).map((x) => x.id));
    const ids = plan.records.filter((x) => still.has(x.id)).map((x) => x.id);
    kept = plan.records.filter((x) => !still.has(x.id)).map((x) => x.id);
    try {
      result = ids.length ? await pruneRecords(docker, ids) : { deleted: [], reclaimed: 0, kept: [] };
    } catch (e) {
      if (e instanceof DockerError) throw new CliError(e.message);
      throw e;
    }
    result.kept.push(...kept);
  }
  if (a.format === 'json') {
    const rec = (x: MappedRecord) => ({ id: x.id, bytes: x.bytes, lastUsed: x.lastUsedAt, dockerfile: x.places[0]?.dockerfile ?? null, line: x.places[0]?.line ?? null });
    process.stdout.write(JSON.stringify({
      daemon: info, dryRun: !a.yes, totalBytes: r.totalBytes, staleBytes: r.staleBytes, keepStorage: a.keepStorage ?? null,
      plannedBytes: plan.bytes, planned: plan.records.map(rec),
      ...(result ? { deleted: result.deleted, reclaimedBytes: result.reclaimed, notDeleted: result.kept } : {}),
      recommendedKeepStorage: recommendedKeepStorage(r),
    }, null, 2) + '\n');
  } else {
    const lines = [head, '', ...planText(plan, r, !a.yes, a.keepStorage)];
    if (!a.yes && plan.records.length) lines.push('', 'Dry run: nothing deleted. Run again with --yes to delete these records.');
    if (result && plan.records.length) {
      lines.push('', `Deleted ${result.deleted.length} records, ${size(result.reclaimed)} reclaimed.`);
      if (result.kept.length) lines.push(`Not deleted (used again since the listing, or still held): ${result.kept.join(', ')}`);
    }
    lines.push('', `Working set (not stale): ${size(r.totalBytes - r.staleBytes)}; recommended keep-storage: ${size(recommendedKeepStorage(r))}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  return 0;
}
