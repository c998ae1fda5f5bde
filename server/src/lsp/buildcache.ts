// The daemon's build cache in the editor: hover lines (a step's cached size and last use, a cache mount's size,
// the size of an existing cache mount a missing-cache-mount fix would use), and the requests behind "Layerwise:
// Clean stale build cache…" (`layerwise/buildCachePlan`, `layerwise/buildCachePrune`; never in an untrusted
// workspace). Hovers never wait for the daemon: they read the probe's last snapshot (context/docker/probe.ts).
import { ResponseError } from 'vscode-languageserver';
import { formatAgo, formatBytes, mapBuildCache, prunePlan, recommendedKeepStorage, type CacheReport } from '../engine/buildcache';
import { connect, DockerError } from '../context/docker';
import { pruneRecords, readBuildCache } from '../context/docker/buildcache';
import { loadCacheDockerfiles } from '../context/docker/dockerfiles';
import { BuildCacheProbe } from '../context/docker/probe';
import type { DocAnalysis } from './analysis';
import { workspaceRelative } from './resolve';
import type { ServerState } from './state';

const probes = new WeakMap<ServerState, BuildCacheProbe>();
const reports = new WeakMap<DocAnalysis, { at: number; report: CacheReport }>();

function probeOf(s: ServerState): BuildCacheProbe {
  let p = probes.get(s);
  if (!p) {
    p = new BuildCacheProbe({ onState: (_state, msg) => s.log(`Layerwise: ${msg}`) });
    probes.set(s, p);
  }
  return p;
}

const size = (b: number): string => formatBytes(b, 3);
const ago = formatAgo;

const CACHE_MOUNT_TARGET = /^cached mount (\S+) from exec /;

/**
 * Markdown lines for the hover of `line` (0-based): what the builder's cache holds for that step. Empty without a
 * snapshot (the first hover starts the probe; nothing waits for it).
 */
export function buildCacheHoverLines(s: ServerState, a: DocAnalysis, line: number): string[] {
  const model = a.model;
  if (!model) return [];
  const snap = probeOf(s).peek();
  if (!snap) return [];
  let memo = reports.get(a);
  if (!memo || memo.at !== snap.at) {
    memo = { at: snap.at, report: mapBuildCache(snap.records, [{ dockerfile: a.uri, model }], { localImages: snap.localImages }) };
    reports.set(a, memo);
  }
  const now = Date.now();
  const out: string[] = [];
  const steps = memo.report.dockerfiles[0]?.steps ?? [];
  for (const st of steps.filter((x) => x.line === line + 1 && x.kind !== 'from')) {
    const n = st.records.length;
    if (st.kind === 'step') out.push(`**Build cache:** ${size(st.bytes)}${n > 1 ? ` in ${n} records (generations)` : ''}, last used ${ago(st.lastUsed, now)}, used ${st.usageCount} time${st.usageCount === 1 ? '' : 's'}`);
    else out.push(`**Cache mount:** ${size(st.bytes)}, last used ${ago(st.lastUsed, now)}`);
  }
  // missing-cache-mount: the cache mount its fix adds may already exist in this builder (cache mounts are shared by id)
  const targets = new Set<string>();
  for (const f of a.check?.findings ?? []) {
    if (f.rule !== 'missing-cache-mount' || f.range.start.line > line || f.range.end.line < line) continue;
    for (const m of f.fix?.effect?.mounts ?? []) targets.add(m.target);
  }
  for (const t of targets) {
    const recs = snap.records.filter((r) => r.type === 'exec.cachemount' && CACHE_MOUNT_TARGET.exec(r.description)?.[1] === t);
    if (recs.length) out.push(`**Cache mount \`${t}\`** already in this builder: ${size(recs.reduce((x, r) => x + r.bytes, 0))} (the fix would reuse it)`);
  }
  return out;
}

function refuseUntrusted(s: ServerState): void {
  if (!s.trusted) throw new ResponseError(-32600, 'Layerwise: the build cache is not cleaned in an untrusted workspace');
}

async function workspaceReport(s: ServerState): Promise<{ report: CacheReport; endpoint: string; docker: Awaited<ReturnType<typeof connect>> }> {
  let dfs;
  try {
    dfs = loadCacheDockerfiles(s.folders, { display: (abs) => workspaceRelative(s, abs) || abs });
  } catch (e) {
    throw new ResponseError(-32603, `Layerwise: ${(e as Error).message}`);
  }
  try {
    const docker = await connect({ connectTimeoutMs: 2000, timeoutMs: 60_000 });
    const read = await readBuildCache(docker);
    return { report: mapBuildCache(read.records, dfs, { localImages: read.localImages }), endpoint: `${docker.endpoint.url} (${docker.endpoint.source})`, docker };
  } catch (e) {
    throw new ResponseError(-32603, `Layerwise: ${e instanceof DockerError ? e.message : (e as Error).message}`);
  }
}

export interface BuildCachePlanReply {
  endpoint: string;
  totalBytes: number;
  staleBytes: number;
  unmappedBytes: number;
  recommendedKeepStorage: number;
  ids: string[];
  /** Per Dockerfile and step: what would be deleted. */
  items: { dockerfile: string; line: number; instruction: string; bytes: number; records: number }[];
}

export function registerBuildCacheRequests(s: ServerState): void {
  s.connection.onRequest('layerwise/buildCachePlan', async (): Promise<BuildCachePlanReply> => {
    refuseUntrusted(s);
    const { report, endpoint } = await workspaceReport(s);
    const plan = prunePlan(report);
    const items = new Map<string, BuildCachePlanReply['items'][number]>();
    for (const r of plan.records) {
      const p = r.places[0]!;
      const k = `${p.dockerfile}\0${p.line}`;
      const it = items.get(k) ?? { dockerfile: p.dockerfile, line: p.line, instruction: p.instruction, bytes: 0, records: 0 };
      it.bytes += r.bytes;
      it.records++;
      items.set(k, it);
    }
    return {
      endpoint, totalBytes: report.totalBytes, staleBytes: report.staleBytes, unmappedBytes: report.unmappedBytes,
      recommendedKeepStorage: recommendedKeepStorage(report), ids: plan.records.map((r) => r.id),
      items: [...items.values()].sort((a, b) => a.dockerfile.localeCompare(b.dockerfile) || a.line - b.line),
    };
  });
  s.connection.onRequest('layerwise/buildCachePrune', async (p: { ids?: unknown }) => {
    refuseUntrusted(s);
    const asked = new Set(Array.isArray(p?.ids) ? p.ids.filter((x): x is string => typeof x === 'string') : []);
    // read again: delete only what the user confirmed and is still stale now
    const { report, docker } = await workspaceReport(s);
    const ids = prunePlan(report).records.map((r) => r.id).filter((id) => asked.has(id));
    try {
      const r = await pruneRecords(docker, ids);
      s.log(`Layerwise: deleted ${r.deleted.length} stale build-cache records, ${r.reclaimed} bytes reclaimed`);
      void probeOf(s).refresh();
      return { deleted: r.deleted, reclaimedBytes: r.reclaimed, notDeleted: [...asked].filter((id) => !r.deleted.includes(id)) };
    } catch (e) {
      throw new ResponseError(-32603, `Layerwise: ${e instanceof DockerError ? e.message : (e as Error).message}`);
    }
  });
}
