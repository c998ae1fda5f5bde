// The daemon's build cache through the Engine API: read the records (`GET /system/df`) and delete chosen ones
// (`POST /build/prune`). Mapping and the stale rule are pure (engine/buildcache.ts).
import { recordsFromDf, type CacheRecord } from '../../engine/buildcache';
import { query, type DockerClient } from './client';

export interface BuildCacheRead {
  records: CacheRecord[];
  /** Entries of the answer that were not records (no ID). */
  skipped: number;
  /** The daemon's own total (`BuilderSize`), when it sends one. */
  builderSize: number | null;
  /** The images the daemon has, by reference (`GET /images/json` RepoTags): which base images a record can be. */
  localImages: string[];
}

export async function readBuildCache(docker: DockerClient, timeoutMs?: number): Promise<BuildCacheRead> {
  // type=build-cache (API 1.42+) keeps the daemon from sizing images, containers and volumes; older daemons ignore it.
  const df = await docker.get<Record<string, unknown>>('/system/df' + query({ type: 'build-cache' }), { timeoutMs });
  const { records, skipped } = recordsFromDf(df);
  const bs = df && typeof df.BuilderSize === 'number' ? df.BuilderSize : null;
  const images = await docker.get<unknown>('/images/json', { timeoutMs });
  return { records, skipped, builderSize: bs, localImages: imageRefs(images) };
}

/** RepoTags of a `GET /images/json` (or `/system/df` Images) answer, without `<none>:<none>`. */
export function imageRefs(images: unknown): string[] {
  const out: string[] = [];
  if (!Array.isArray(images)) return out;
  for (const i of images as { RepoTags?: unknown }[]) {
    if (!i || !Array.isArray(i.RepoTags)) continue;
    for (const t of i.RepoTags) if (typeof t === 'string' && t !== '<none>:<none>') out.push(t);
  }
  return out;
}

export interface PruneResult {
  deleted: string[];
  reclaimed: number;
  /** Records asked for that the daemon did not delete (in use again, held by a child, already gone). */
  kept: string[];
}

/**
 * Deletes exactly these records, one request each, in the order given (children before parents): dockerd accepts
 * one value per filter key, and turns `id` into BuildKit's `id~=VALUE` (a regular expression), so the value is
 * anchored (`^ID$`). `all` is needed: without it BuildKit skips records shared with images.
 */
export async function pruneRecords(docker: DockerClient, ids: string[], timeoutMs?: number): Promise<PruneResult> {
  const out: PruneResult = { deleted: [], reclaimed: 0, kept: [] };
  for (const id of ids) {
    if (!/^[A-Za-z0-9]+$/.test(id)) { out.kept.push(id); continue; }
    const r = await docker.post<{ CachesDeleted?: string[] | null; SpaceReclaimed?: number }>(
      '/build/prune' + query({ all: 'true', filters: { id: [`^${id}$`] } }), { timeoutMs });
    const del = (r?.CachesDeleted ?? []).filter((x) => typeof x === 'string');
    out.deleted.push(...del);
    out.reclaimed += typeof r?.SpaceReclaimed === 'number' ? r.SpaceReclaimed : 0;
    if (!del.includes(id)) out.kept.push(id);
  }
  return out;
}
