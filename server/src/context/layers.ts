// Reading an image export (`GET /images/{name}/get`, the `docker save` tar) into what engine/layers.ts analyses: the
// image config's history and the listing of every layer tar (names, types, sizes; contents are skipped, never stored).
// Both layouts are read: Docker 20.10's (`<id>/layer.tar`, `<config>.json`, manifest.json last) and the OCI layout of
// newer daemons (`blobs/sha256/…`, gzip-compressed layers). The outer and inner tars are parsed as streams with
// tar-stream; nothing is written to disk.
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type * as Zlib from 'node:zlib';
import { extract, type Header as Headers } from 'tar-stream';
import type { HistoryEntry, ImageLayersInput, LayerEntry, LayerEntryType } from '../engine/layers';
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

/** The listing of one layer tar (gzip detected by its magic bytes). */
function listLayer(stream: Readable): Promise<LayerEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: LayerEntry[] = [];
    const inner = extract();
    inner.on('entry', (h, s, next) => {
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

/** An image export read into history + layer listings (manifest order). Rejects on a malformed export. */
export function readImageExport(stream: Readable): Promise<ImageLayersInput & { repoTags: string[] }> {
  return new Promise((resolve, reject) => {
    const jsons = new Map<string, Buffer>();
    const layers = new Map<string, LayerEntry[]>();
    const outer = extract();
    outer.on('entry', (h, s, next) => {
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
          else if (name.endsWith('/layer.tar') || name.startsWith('blobs/')) done(listLayer(peek).then((l) => void layers.set(name, l)));
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
