// Reading an image export (`GET /images/{name}/get`, the `docker save` tar) into what engine/layers.ts analyses: the
// image config's history and the listing of every layer tar (names, types, sizes; contents are skipped, never stored).
// Both layouts are read: Docker 20.10's (`<id>/layer.tar`, `<config>.json`, manifest.json last) and the OCI layout of
// newer daemons (`blobs/sha256/…`, gzip-compressed layers). The outer and inner tars are parsed as streams with
// tar-stream; nothing is written to disk.
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type * as Zlib from 'node:zlib';
import { extract, type Header as Headers } from 'tar-stream';
import { imageWaste, type HistoryEntry, type ImageLayersInput, type ImageWaste, type LayerEntry, type LayerEntryType } from '../engine/layers';
import { DockerError, type DockerClient } from './docker';

/** JSON members (configs, manifests) larger than this are skipped. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

function typeOf(h: Headers): LayerEntryType {
  switch (h.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

/** Members listed over all layers; past the limit the export is not read further. */
export class TooManyEntries extends Error {}

/** The listing of one layer tar (gzip detected by its magic bytes). */
function listLayer(stream: Readable, budget: { entries: number }): Promise<LayerEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: LayerEntry[] = [];
    const inner = extract();
    inner.on('entry', (h, s, next) => {
      s.on('error', () => undefined); // a destroyed listing ends its member too: the listing's error says it
      if (--budget.entries < 0) {
        inner.destroy(new TooManyEntries('too many files in its layers'));
        return;
      }
      const type = typeOf(h);
      // a symlink's size is its target's length, as Docker counts a layer's size (lstat)
      entries.push({ path: h.name, type, size: type === 'symlink' ? Buffer.byteLength(h.linkname ?? '') : (h.size ?? 0) });
      s.on('end', next);
      s.resume();
    });
    inner.on('finish', () => resolve(entries));
    inner.on('error', reject);
    let first = true;
    const pass = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        const src = chunk[0] === 0x1f && chunk[1] === 0x8b ? pass.pipe((require('node:zlib') as typeof Zlib).createGunzip()) : pass;
        src.on('error', reject);
        src.pipe(inner);
      }
      if (!pass.write(chunk)) {
        stream.pause();
        pass.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => {
      if (first) resolve(entries);
      pass.end();
    });
    stream.on('error', reject);
  });
}

function readAll(stream: Readable, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    stream.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= max) parts.push(c);
    });
    stream.on('end', () => resolve(n <= max ? Buffer.concat(parts) : null));
    stream.on('error', reject);
  });
}

interface Manifest {
  Config: string;
  Layers: string[];
}

/**
 * An image export read into history + layer listings (manifest order). Rejects on a malformed export, and with
 * TooManyEntries past `maxEntries` members over all layers (default: no limit).
 */
export function readImageExport(stream: Readable, maxEntries = Infinity): Promise<ImageLayersInput & { repoTags: string[] }> {
  const budget = { entries: maxEntries };
  return new Promise((resolve, reject) => {
    const jsons = new Map<string, Buffer>();
    const layers = new Map<string, LayerEntry[]>();
    const outer = extract();
    outer.on('entry', (h, s, next) => {
      s.on('error', () => undefined); // a destroyed export ends its member too: the export's error says it
      const name = h.name.replace(/^\.\//, '');
      const done = (p: Promise<void>) => p.then(() => next(), (e: Error) => outer.destroy(e));
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        s.on('end', next);
        s.resume();
        return;
      }
      // JSON (manifests, configs, index) starts with `{` or `[`; `<id>/layer.tar` and other blobs are layer tars
      const peek = new PassThrough();
      let decided = false;
      s.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        if (!decided) {
          decided = true;
          const c = chunk[0];
          if (c === 0x7b || c === 0x5b) done(readAll(peek, MAX_JSON_BYTES).then((b) => void (b && jsons.set(name, b))));
          else if (name.endsWith('/layer.tar') || name.startsWith('blobs/')) done(listLayer(peek, budget).then((l) => void layers.set(name, l)));
          else done(readAll(peek, 0).then(() => undefined)); // VERSION files and the like
        }
        if (!peek.write(chunk)) {
          s.pause();
          peek.once('drain', () => s.resume());
        }
      });
      s.on('end', () => {
        if (!decided) {
          decided = true;
          next();
        }
        peek.end();
      });
    });
    outer.on('error', reject);
    outer.on('finish', () => {
      try {
        const m = jsons.get('manifest.json');
        if (!m) throw new Error('the image export has no manifest.json');
        const manifests = JSON.parse(m.toString('utf8')) as (Manifest & { RepoTags?: string[] })[];
        const man = manifests[0];
        if (!man || typeof man.Config !== 'string' || !Array.isArray(man.Layers)) throw new Error('manifest.json has no Config and Layers');
        const cfgBuf = jsons.get(man.Config);
        if (!cfgBuf) throw new Error(`the image export has no config ${man.Config}`);
        const cfg = JSON.parse(cfgBuf.toString('utf8')) as { history?: { created_by?: string; empty_layer?: boolean; comment?: string }[] };
        const history: HistoryEntry[] = (cfg.history ?? []).map((x) => ({ createdBy: x.created_by ?? '', emptyLayer: !!x.empty_layer, ...(x.comment ? { comment: x.comment } : {}) }));
        const listed = man.Layers.map((l) => layers.get(l.replace(/^\.\//, '')));
        const missing = man.Layers.filter((_, i) => !listed[i]);
        if (missing.length) throw new Error(`the image export lacks layer ${missing[0]}`);
        if (history.filter((x) => !x.emptyLayer).length !== listed.length) throw new Error(`the image has ${listed.length} layers but ${history.filter((x) => !x.emptyLayer).length} history entries with a layer`);
        resolve({ history, layers: listed as LayerEntry[][], repoTags: man.RepoTags ?? [] });
      } catch (e) {
        reject(e);
      }
    });
    stream.on('error', (e) => outer.destroy(e));
    stream.pipe(outer);
  });
}

/** The export of one image from the daemon, read (`GET /images/{name}/get`). */
export async function readImageLayers(docker: DockerClient, image: string, timeoutMs = 120_000): Promise<ImageLayersInput & { repoTags: string[] }> {
  const s = await docker.stream('/images/' + encodeURIComponent(image) + '/get', { timeoutMs });
  try {
    return await readImageExport(s);
  } catch (e) {
    if (e instanceof DockerError) throw e;
    throw new Error(`cannot read the export of ${image}: ${(e as Error).message}`);
  }
}

/** Bounds of an editor's read of an image (it runs beside the language server; `layerwise layers` has none). */
export interface WasteLimits {
  /** Images larger than this (the daemon's `Size`) are not read (default 4 GiB). */
  maxImageBytes?: number;
  /** Members over all layers (default 500,000: the listings are held while the export is read). */
  maxEntries?: number;
  /** The whole read (default 120 s). */
  timeoutMs?: number;
}

/** Why an image's waste is not known: the image is gone, too large to read here, or the read failed. */
export type WasteFailure = { kind: 'missing' | 'too-large' | 'failed'; message: string };

/** The waste of each layer of an image (engine/layers.ts `imageWaste`), read within the limits; never throws. */
export async function readImageWaste(docker: DockerClient, image: string, limits: WasteLimits = {}): Promise<ImageWaste | WasteFailure> {
  const maxBytes = limits.maxImageBytes ?? 4 * 1024 ** 3;
  const maxEntries = limits.maxEntries ?? 500_000;
  try {
    const info = (await docker.get('/images/' + encodeURIComponent(image) + '/json', { timeoutMs: 10_000 })) as { Size?: number } | null;
    const size = typeof info?.Size === 'number' ? info.Size : 0;
    if (size > maxBytes) return { kind: 'too-large', message: `${image} is ${size} bytes, over the ${maxBytes} bytes the editor reads (run \`layerwise layers\`)` };
    const totalMs = limits.timeoutMs ?? 120_000;
    const s = await docker.stream('/images/' + encodeURIComponent(image) + '/get', { timeoutMs: Math.min(30_000, totalMs) });
    const timer = setTimeout(() => s.destroy(new DockerError('timeout', `the export of ${image} took over ${totalMs} ms`)), totalMs);
    try {
      return imageWaste(await readImageExport(s, maxEntries));
    } finally {
      clearTimeout(timer);
      s.destroy();
    }
  } catch (e) {
    if (e instanceof DockerError && e.kind === 'api' && e.status === 404) return { kind: 'missing', message: `${image} is no longer in the daemon (removed or pruned)` };
    if (e instanceof TooManyEntries) return { kind: 'too-large', message: `${image} has more than ${maxEntries} files in its layers, more than the editor reads (run \`layerwise layers\`)` };
    return { kind: 'failed', message: `cannot read ${image}: ${(e as Error).message.split('\n')[0]}` };
  }
}
