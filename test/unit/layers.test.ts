// Image layers (engine/layers.ts): sizes, wasted bytes from whiteouts, opaque directories and overwrites, and the
// layer ↔ step mapping by history; and the export reader (context/layers.ts) on both export layouts, written here with
// tar-stream's packer (Docker 20.10's `<id>/layer.tar` + manifest last; OCI blobs with a gzip-compressed layer).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { pack } from 'tar-stream';
import { analyze } from '../../server/src/engine';
import { imageLayers, type LayerEntry, type HistoryEntry } from '../../server/src/engine/layers';
import { readImageExport } from '../../server/src/context/layers';

const f = (path: string, size: number): LayerEntry => ({ path, type: 'file', size });
const d = (path: string): LayerEntry => ({ path, type: 'dir', size: 0 });
const hist = (...xs: (string | [string, true])[]): HistoryEntry[] => xs.map((x) => (typeof x === 'string' ? { createdBy: x, emptyLayer: false } : { createdBy: x[0], emptyLayer: true }));

describe('wasted bytes', () => {
  test('a whiteout deletes, a rewrite overwrites, an opaque directory hides only lower layers; each counted once', () => {
    const r = imageLayers({
      history: hist('base', 'a', 'b', 'c', 'd'),
      layers: [
        [d('./'), f('./bin/sh', 50)],
        [d('app'), f('app/big', 1000), f('app/conf', 10), d('app/sub'), f('app/sub/x', 7)],
        [d('app'), f('app/.wh.big', 0), f('app/conf', 3)],
        [d('app'), f('app/.wh..wh..opq', 0), f('app/new', 2)],
        [f('app/new', 5), { path: 'bin', type: 'symlink', size: 7 }],
      ],
    });
    assert.deepEqual(r.layers.map((l) => [l.bytes, l.wastedBytes, l.removesBytes]), [[50, 50, 0], [1017, 1017, 0], [3, 3, 1010], [2, 2, 10], [12, 0, 52]]);
    assert.deepEqual(r.layers[1]!.wasted.map((w) => `${w.path} ${w.bytes} ${w.how} by ${w.by}`), ['app/big 1000 deleted by 2', 'app/conf 10 overwritten by 2', 'app/sub/x 7 deleted by 3']);
    assert.deepEqual(r.layers[0]!.wasted.map((w) => `${w.path} ${w.how} by ${w.by}`), ['bin/sh deleted by 4'], 'a directory replaced by a link loses what is below it');
    assert.equal(r.wastedBytes, 50 + 1017 + 3 + 2);
    assert.equal(r.totalBytes, 50 + 1017 + 3 + 2 + 12);
  });

  test('a file deleted and re-created in the same later layer is still the older layer’s waste; directories listed again are not', () => {
    const r = imageLayers({ history: hist('a', 'b'), layers: [[d('x'), f('x/f', 9)], [d('x'), f('x/.wh.f', 0), f('x/g', 1)]] });
    assert.deepEqual(r.layers.map((l) => l.wastedBytes), [9, 0]);
    const r2 = imageLayers({ history: hist('a', 'b'), layers: [[d('x'), f('x/f', 9)], [d('x'), f('x/g', 1)]] });
    assert.deepEqual(r2.layers.map((l) => l.wastedBytes), [0, 0]);
  });
});

describe('layer ↔ step mapping', () => {
  const text = 'FROM alpine AS base\nRUN echo a > /a\nENV X=1\nFROM base\nWORKDIR /w\nCOPY f .\nRUN rm /a\n';
  const model = analyze(text);
  const layers = [[f('bin/sh', 1)], [f('a', 2)], [d('w')], [f('w/f', 3)], [f('.wh.a', 0)]];
  test('from the end, by keyword and RUN text; config entries skipped; base entries before', () => {
    const history = hist('ADD file:123 in /', 'RUN /bin/sh -c echo a > /a # buildkit', ['ENV X=1', true], 'WORKDIR /w', 'COPY f . # buildkit', 'RUN /bin/sh -c rm /a # buildkit');
    const r = imageLayers({ history, layers }, model);
    assert.equal(r.mapped, true);
    assert.equal(r.baseEntries, 1);
    assert.deepEqual(r.layers.map((l) => (l.step ? l.step.line + 1 : null)), [null, 2, 5, 6, 7]);
    assert.deepEqual(r.layers[1]!.wasted.map((w) => w.by), [4]);
  });
  test('an empty layer of a step maps to no layer; a history from another Dockerfile stops the mapping', () => {
    const history = hist('ADD file:123 in /', 'RUN /bin/sh -c echo a > /a # buildkit', ['WORKDIR /w', true], 'COPY f . # buildkit', 'RUN /bin/sh -c rm /a # buildkit');
    const r = imageLayers({ history, layers: [layers[0]!, layers[1]!, layers[3]!, layers[4]!] }, model);
    assert.equal(r.mapped, true);
    assert.deepEqual(r.emptySteps.map((id) => model.steps[id]!.line + 1), [5]);
    const other = hist('ADD file:123 in /', 'RUN /bin/sh -c echo b > /a # buildkit', 'WORKDIR /w', 'COPY f . # buildkit', 'RUN /bin/sh -c rm /a # buildkit');
    const r2 = imageLayers({ history: other, layers }, model);
    assert.equal(r2.mapped, false);
    assert.equal(r2.baseEntries, other.length, 'nothing is called the base when the mapping stopped');
    assert.deepEqual(r2.layers.map((l) => (l.step ? l.step.line + 1 : null)), [null, null, 5, 6, 7], 'what matched from the end stays, never a guess');
  });
});

function tarOf(members: { name: string; body: Buffer | string; type?: 'symlink'; linkname?: string }[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const p = pack();
    for (const m of members) {
      if (m.type === 'symlink') p.entry({ name: m.name, type: 'symlink', linkname: m.linkname });
      else if (m.name.endsWith('/')) p.entry({ name: m.name, type: 'directory' });
      else p.entry({ name: m.name }, m.body);
    }
    p.finalize();
    const parts: Buffer[] = [];
    p.on('data', (c: unknown) => parts.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(parts)));
  });
}

describe('image export reader', () => {
  const config = JSON.stringify({ history: [{ created_by: 'base' }, { created_by: 'ENV A=1', empty_layer: true }, { created_by: 'RUN x' }] });
  test('Docker 20.10 layout: layer tars by directory, VERSION files skipped, manifest last', async () => {
    const l1 = await tarOf([{ name: 'bin/', body: '' }, { name: 'bin/tool', body: 'abc' }, { name: 'bin/ln', body: '', type: 'symlink', linkname: 'tool' }]);
    const l2 = await tarOf([{ name: 'bin/.wh.tool', body: '' }]);
    const outer = await tarOf([
      { name: 'aaa/VERSION', body: '1.0' },
      { name: 'aaa/layer.tar', body: l1 },
      { name: 'bbb/json', body: '{}' },
      { name: 'bbb/layer.tar', body: l2 },
      { name: 'cfg.json', body: config },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['x:1'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }]) },
    ]);
    const r = await readImageExport(Readable.from([outer]));
    assert.deepEqual(r.repoTags, ['x:1']);
    assert.deepEqual(r.history.map((h) => h.emptyLayer), [false, true, false]);
    assert.deepEqual(r.layers, [[{ path: 'bin/', type: 'dir', size: 0 }, { path: 'bin/tool', type: 'file', size: 3 }, { path: 'bin/ln', type: 'symlink', size: 4 }], [{ path: 'bin/.wh.tool', type: 'file', size: 0 }]]);
    assert.deepEqual(imageLayers(r).layers.map((l) => l.wastedBytes), [3, 0], 'the link stays, the tool is deleted');
  });
  test('OCI layout: blobs, a gzip-compressed layer; a missing layer or config is a clear error', async () => {
    const l1 = zlib.gzipSync(await tarOf([{ name: 'a', body: 'hello' }]));
    const l2 = await tarOf([{ name: 'a', body: 'hi' }]);
    const members = [
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'blobs/sha256/c0', body: config },
      { name: 'blobs/sha256/l1', body: l1 },
      { name: 'blobs/sha256/l2', body: l2 },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'blobs/sha256/c0', Layers: ['blobs/sha256/l1', 'blobs/sha256/l2'] }]) },
    ];
    const r = await readImageExport(Readable.from([await tarOf(members)]));
    assert.deepEqual(imageLayers(r).layers.map((l) => [l.bytes, l.wastedBytes]), [[5, 5], [2, 0]]);
    await assert.rejects(readImageExport(Readable.from([await tarOf(members.filter((m) => m.name !== 'blobs/sha256/l2'))])), /lacks layer blobs\/sha256\/l2/);
    await assert.rejects(readImageExport(Readable.from([await tarOf(members.slice(0, 4))])), /no manifest\.json/);
    await assert.rejects(readImageExport(Readable.from([Buffer.from('not a tar at all, just text of some length '.repeat(20))])));
  });
});
