// Image layers (engine/layers.ts): sizes, wasted bytes from whiteouts, opaque directories and overwrites, and the
// layer ↔ step mapping by history; and the export reader (context/layers.ts) on both export layouts, written here with
// tar-stream's packer (Docker 20.10's `<id>/layer.tar` + manifest last; OCI blobs with a gzip-compressed layer).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { pack } from 'tar-stream';
import { analyze, builtImageId, check, MemoryContext } from '../../server/src/engine';
import { imageLayers, imageWaste, mapLayers, type LayerEntry, type HistoryEntry } from '../../server/src/engine/layers';
import { readImageExport, TooManyEntries } from '../../server/src/context/layers';

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

  test('what each layer removes, per earlier layer; mapLayers over imageWaste is imageLayers', () => {
    const input = {
      history: hist('a', 'b', 'c'),
      layers: [[f('x', 100), f('y', 7)], [f('z', 30), f('.wh.y', 0)], [f('.wh.x', 0), f('.wh.z', 0), f('w', 1)]],
    };
    const r = imageLayers(input);
    assert.deepEqual(r.layers.map((l) => l.removesFrom), [[], [{ layer: 0, bytes: 7 }], [{ layer: 0, bytes: 100 }, { layer: 1, bytes: 30 }]]);
    assert.deepEqual(r.layers.map((l) => l.removesBytes), [0, 7, 130]);
    const waste = imageWaste(input);
    assert.ok(waste.layers.every((l) => l.step === null));
    assert.deepEqual(mapLayers(waste), r);
    assert.deepEqual(structuredClone(waste), waste, 'plain data: it crosses threads');
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
  test('past the limit of listed files over all layers the export is not read further', async () => {
    const layer = await tarOf([{ name: 'a', body: 'x' }, { name: 'b', body: 'y' }, { name: 'c', body: 'z' }]);
    const outer = () => tarOf([
      { name: 'l1/layer.tar', body: layer },
      { name: 'l2/layer.tar', body: layer },
      { name: 'cfg.json', body: JSON.stringify({ history: [{ created_by: 'a' }, { created_by: 'b' }] }) },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'cfg.json', Layers: ['l1/layer.tar', 'l2/layer.tar'] }]) },
    ]);
    assert.equal((await readImageExport(Readable.from([await outer()]), 6)).layers.flat().length, 6);
    await assert.rejects(readImageExport(Readable.from([await outer()]), 5), (e: Error) => e instanceof TooManyEntries);
  });
});

describe('the image a build wrote, from its log', () => {
  const id = 'sha256:' + 'ab12'.repeat(16);
  const other = 'sha256:' + 'cd34'.repeat(16);
  test('plain and rawjson logs; the last one wins; none in a failed build', () => {
    assert.equal(builtImageId(`#9 exporting layers done\n#9 writing image ${other} done\n#12 writing image ${id} done\n#12 naming to docker.io/library/x done\n`), id);
    assert.equal(builtImageId(JSON.stringify({ statuses: [{ id: `writing image ${id}`, vertex: 'sha256:00' }] }) + '\n'), id);
    assert.equal(builtImageId('#5 ERROR: process "/bin/sh -c false" did not complete successfully\n'), null);
    assert.equal(builtImageId('#9 writing image sha256:abc done\n'), null, 'not a whole id');
  });
});

describe('cleanup-in-separate-layer with the image built from the text', () => {
  const text = 'FROM alpine\nRUN apk add curl && head -c 300000 /dev/urandom > /tmp/big.bin\nCOPY f /f\nRUN rm -rf /tmp/big.bin /var/cache/apk/*\n';
  const history = hist('ADD file:1 in /', 'RUN /bin/sh -c apk add curl && head -c 300000 /dev/urandom > /tmp/big.bin # buildkit', 'COPY f /f # buildkit', 'RUN /bin/sh -c rm -rf /tmp/big.bin /var/cache/apk/* # buildkit');
  const layers = [[f('bin/sh', 9)], [f('tmp/big.bin', 300000), f('var/cache/apk/idx', 1234), f('usr/bin/curl', 5)], [f('f', 3)], [f('tmp/.wh.big.bin', 0), d('var/cache/apk'), f('var/cache/apk/.wh..wh..opq', 0)]];
  const msg = (o: object) => check(text, new MemoryContext('c', { f: 'abc' }), o).findings.find((x) => x.rule === 'cleanup-in-separate-layer')!.message;
  test('the message cites the bytes the cleanup leaves in the earlier layer; without an image it is as before', () => {
    const model = analyze(text);
    const mapped = imageLayers({ history, layers }, model);
    assert.equal(mapped.mapped, true);
    assert.match(msg({ layers: mapped }), /: the files it deletes still take 301 kB in layer 1 \(line 2\) of the image the last build made, so the image does not shrink/);
    assert.match(msg({}), /: the files stay in the earlier layer, so the image does not shrink/);
  });
  test('files of more than three earlier layers, one of them the base image\'s: three named, the rest summed', () => {
    const t = 'FROM alpine\nRUN echo > /tmp/a\nRUN echo > /tmp/b\nRUN echo > /tmp/c\nRUN echo > /tmp/d\nRUN rm -rf /tmp/a /tmp/b /tmp/c /tmp/d /tmp/base\n';
    const h = hist('ADD file:1 in /', 'RUN /bin/sh -c echo > /tmp/a # buildkit', 'RUN /bin/sh -c echo > /tmp/b # buildkit', 'RUN /bin/sh -c echo > /tmp/c # buildkit', 'RUN /bin/sh -c echo > /tmp/d # buildkit', 'RUN /bin/sh -c rm -rf /tmp/a /tmp/b /tmp/c /tmp/d /tmp/base # buildkit');
    const ls = [[f('tmp/base', 1000)], [f('tmp/a', 2000)], [f('tmp/b', 3000)], [f('tmp/c', 4000)], [f('tmp/d', 5000)], ['a', 'b', 'c', 'd', 'base'].map((x) => f('tmp/.wh.' + x, 0))];
    const mapped = imageLayers({ history: h, layers: ls }, analyze(t));
    assert.equal(mapped.mapped, true);
    const m = check(t, null, { layers: mapped }).findings.find((x) => x.rule === 'cleanup-in-separate-layer')!.message;
    assert.match(m, /: the files it deletes still take 1 kB in layer 0, 2 kB in layer 1 \(line 2\), 3 kB in layer 2 \(line 3\), 9 kB in 2 more of the image the last build made,/);
    // exactly three: no sum
    const t3 = 'FROM alpine\nRUN echo > /tmp/a\nRUN echo > /tmp/b\nRUN rm -rf /tmp/a /tmp/b /tmp/base\n';
    const h3 = hist('ADD file:1 in /', 'RUN /bin/sh -c echo > /tmp/a # buildkit', 'RUN /bin/sh -c echo > /tmp/b # buildkit', 'RUN /bin/sh -c rm -rf /tmp/a /tmp/b /tmp/base # buildkit');
    const l3 = [[f('tmp/base', 1000)], [f('tmp/a', 2000)], [f('tmp/b', 3000)], ['a', 'b', 'base'].map((x) => f('tmp/.wh.' + x, 0))];
    const m3 = check(t3, null, { layers: imageLayers({ history: h3, layers: l3 }, analyze(t3)) }).findings.find((x) => x.rule === 'cleanup-in-separate-layer')!.message;
    assert.match(m3, /: the files it deletes still take 1 kB in layer 0, 2 kB in layer 1 \(line 2\), 3 kB in layer 2 \(line 3\) of the image the last build made,/);
  });
  test('an image whose history does not match every step, or a cleanup that removed nothing, leaves the message as it is', () => {
    const model = analyze(text);
    const other = imageLayers({ history: [...history.slice(0, 3), { createdBy: 'RUN /bin/sh -c rm -rf /elsewhere # buildkit', emptyLayer: false }], layers }, model);
    assert.equal(other.mapped, false);
    assert.match(msg({ layers: other }), /: the files stay in the earlier layer,/);
    const nothing = imageLayers({ history, layers: [...layers.slice(0, 3), [f('unrelated', 1)]] }, model);
    assert.match(msg({ layers: nothing }), /: the files stay in the earlier layer,/);
  });
});
