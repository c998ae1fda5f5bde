// The build cache for an editor: never waited for. `peek()` answers at once from the last snapshot (or nothing) and
// starts a refresh in the background when the snapshot is old; the first probe times out fast, and a daemon that
// is not there is tried again only after a pause. The first failure and the first success are reported once
// (`onState`), for the output channel.
import type { CacheRecord } from '../../engine/buildcache';
import { connect, DockerError, type ConnectOptions, type DockerClient } from './client';
import { readBuildCache } from './buildcache';

export interface ProbeOptions extends ConnectOptions {
  /** A snapshot older than this is refreshed in the background (default 20 s). */
  maxAgeMs?: number;
  /** After a failure, the next try waits this long (default 5 min). */
  retryMs?: number;
  /** Timeout of the df request (default 3 s). */
  readTimeoutMs?: number;
  /** Called once when the daemon first answers, and once when it first fails. */
  onState?: (state: 'ok' | 'failed', message: string) => void;
  now?: () => number;
}

export interface CacheSnapshot {
  records: CacheRecord[];
  /** The daemon's image references (for base records that name no image). */
  localImages: string[];
  /** When it was read (ms since the epoch). */
  at: number;
}

export class BuildCacheProbe {
  private snap: CacheSnapshot | null = null;
  private inflight: Promise<void> | null = null;
  private failedAt = -Infinity;
  private reported = { ok: false, failed: false };
  private client: DockerClient | null = null;
  /** The last failure's message ('' while none). */
  lastError = '';

  constructor(private readonly o: ProbeOptions = {}) {}

  private now(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  /** The last snapshot, at once; starts a refresh when it is missing or old (and no failure is recent). */
  peek(): CacheSnapshot | null {
    const now = this.now();
    const old = !this.snap || now - this.snap.at > (this.o.maxAgeMs ?? 20_000);
    if (old && !this.inflight && now - this.failedAt > (this.o.retryMs ?? 300_000)) void this.refresh();
    return this.snap;
  }

  /** Read the cache now (one request at a time); resolves when done, never rejects. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = (async () => {
      try {
        this.client ??= await connect({ connectTimeoutMs: 500, timeoutMs: 3000, ...this.o });
        const read = await readBuildCache(this.client, this.o.readTimeoutMs ?? 3000);
        this.snap = { records: read.records, localImages: read.localImages, at: this.now() };
        this.lastError = '';
        if (!this.reported.ok) {
          this.reported.ok = true;
          this.o.onState?.('ok', `build cache of ${this.client.endpoint.url} (${this.client.endpoint.source}): ${read.records.length} records`);
        }
      } catch (e) {
        this.client = null;
        this.failedAt = this.now();
        this.lastError = e instanceof DockerError ? e.message : (e as Error).message;
        if (!this.reported.failed) {
          this.reported.failed = true;
          this.o.onState?.('failed', `no build-cache sizes in hovers: ${this.lastError}`);
        }
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }
}
