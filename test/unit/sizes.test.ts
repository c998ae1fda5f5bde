// Sizes from the build context (engine/sizes.ts) on in-memory contexts (and a changed file on disk): what each COPY/ADD adds, what BuildKit
// transfers (measured on dockerd 20.10: only the paths the needed stages name; a tmpfs mount sends everything), what
// no step reads, and the unread-context-data rule built on it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, check, fixAll, MemoryContext, RULES, type ContextSizes } from '../../server/src/engine';
import { contextSizes, fmtBytes, unreadGroups } from '../../server/src/engine/sizes';
import { parseConfig, parseSize } from '../../server/src/engine/config';
import { loadDiskContext } from '../../server/src/context/disk';

const MB = 1_000_000;

/** A context of listed files (path → size); `.dockerignore` text when given. */
function ctxOf(files: Record<string, number>, ignore?: string): MemoryContext {
  const c = new MemoryContext('sizes');
  for (const [p, n] of Object.entries(files)) c.addListed(p, n);
  if (ignore !== undefined) c.addFile('.dockerignore', ignore).setIgnore('.dockerignore', ignore);
  return c;
}

function sizesOf(dockerfile: string, ctx: MemoryContext, opts: { target?: string; buildArgs?: Record<string, string> } = {}): ContextSizes {
  return contextSizes(analyze(dockerfile, opts), ctx);
}

/** addsBytes/addsFiles per step line (1-based), for context copies. */
function adds(s: ContextSizes, dockerfile: string, opts: { target?: string } = {}): Record<number, [number | null, number]> {
  const m = analyze(dockerfile, opts);
  const out: Record<number, [number | null, number]> = {};
  for (const st of m.steps) {
    const x = s.steps.get(st.id);
    if (x) out[st.line + 1] = [x.addsBytes, x.addsFiles];
  }
  return out;
}

const FILES = { 'src/a.js': 100, 'src/b.js': 250, 'src/lib/c.ts': 4000, 'docs/x.md': 7, 'data/big.bin': 80 * MB, 'package.json': 30, 'README.md': 12 };

describe('what each COPY/ADD adds', () => {
  test('directories, files, globs and the whole context: exact sums and counts', () => {
    const df = 'FROM alpine\nCOPY package.json ./\nCOPY src /app/src\nCOPY src/*.js /js/\nCOPY *.md /docs/\nCOPY . /all\n';
    const ctx = ctxOf(FILES);
    const s = sizesOf(df, ctx);
    assert.deepEqual(adds(s, df), { 2: [30, 1], 3: [4350, 3], 4: [350, 2], 5: [12, 1], 6: [80 * MB + 4399, 7] });
    assert.deepEqual(s.steps.get(analyze(df).steps[1]!.id)!.largest, [
      { path: 'src/lib/c.ts', bytes: 4000 },
      { path: 'src/b.js', bytes: 250 },
      { path: 'src/a.js', bytes: 100 },
    ]);
  });

  test('.dockerignore: ignored files add nothing, are not sent, are not unread', () => {
    const df = 'FROM alpine\nCOPY . /app\n';
    const s = sizesOf(df, ctxOf(FILES, 'data\n*.md\n'));
    // .dockerignore itself is sent (10 bytes: "data\n*.md\n"); `*.md` is anchored at the root: docs/x.md is sent
    assert.deepEqual(adds(s, df), { 2: [4397, 6] });
    assert.equal(s.contextBytes, 4397);
    assert.equal(s.unreadBytes, 0);
  });

  test('COPY --exclude: excluded files are not copied, but still transferred (unread)', () => {
    const df = 'FROM alpine\nCOPY --exclude=data --exclude=*.md . /app\n';
    const s = sizesOf(df, ctxOf(FILES));
    // `*.md` matches at the root only, like a .dockerignore pattern: docs/x.md is copied
    assert.deepEqual(adds(s, df), { 2: [4387, 5] });
    assert.equal(s.contextBytes, 80 * MB + 4399);
    assert.equal(s.unreadBytes, 80 * MB + 12);
    assert.equal(s.unreadFiles, 2);
    assert.deepEqual(s.unreadLargest[0], { path: 'data/big.bin', bytes: 80 * MB });
    assert.match(s.whole!.why, /--exclude patterns are applied after the transfer/);
  });

  test('a source link copies its target; links inside a copied folder are links (no data)', () => {
    const ctx = ctxOf({ 'real/app.bin': 5000, 'tree/f': 10 });
    ctx.addSymlink('app', 'real/app.bin').addSymlink('tree/link', '../real/app.bin');
    const df = 'FROM alpine\nCOPY app /app\nCOPY tree /tree\n';
    assert.deepEqual(adds(sizesOf(df, ctx), df), { 2: [5000, 1], 3: [10, 2] });
  });

  test('not a context copy: COPY --from, ADD of a URL and RUN say nothing; ADD of a local archive is unknown', () => {
    const df = 'FROM alpine AS b\nRUN echo\nFROM alpine\nCOPY --from=b /x /x\nADD https://example.com/f.tgz /f\nADD vendor.tar.gz /v\nADD notes.txt /n\n';
    const s = sizesOf(df, ctxOf({ 'vendor.tar.gz': 9000, 'notes.txt': 5 }));
    assert.deepEqual(adds(s, df), { 6: [null, 1], 7: [5, 1] });
    assert.match(s.steps.get(analyze(df).steps.find((x) => x.line === 5)!.id)!.unknown!, /ADD unpacks local tar archives \(vendor\.tar\.gz\)/);
  });

  test('a snapshot without sizes says unknown, never 0', () => {
    const ctx = ctxOf({ a: 1 });
    ctx.addDir('d');
    // an entry without size (e.g. a snapshot kind that does not know it)
    const noSize = Object.assign(Object.create(MemoryContext.prototype) as MemoryContext, ctx);
    const orig = ctx.entry.bind(ctx);
    noSize.entry = (p: string) => (p === 'a' ? { type: 'file', mode: 0o644 } : orig(p));
    const s = contextSizes(analyze('FROM alpine\nCOPY a /\n'), noSize);
    const step = [...s.steps.values()][0]!;
    assert.equal(step.addsBytes, null);
    assert.equal(step.addsFiles, 1);
    assert.equal(s.contextBytes, null);
  });

  test('a file changed on disk (the snapshot forgets its metadata, as after a file event) is sized again, for the same model', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-sizes-'));
    try {
      fs.writeFileSync(path.join(dir, 'package.json'), '{}');
      const ctx = loadDiskContext(dir);
      const model = analyze('FROM node:20\nCOPY package.json ./\n');
      assert.equal([...contextSizes(model, ctx).steps.values()][0]!.addsBytes, 2);
      fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"a longer one"}');
      ctx.invalidate('package.json');
      const after = contextSizes(model, ctx);
      assert.equal([...after.steps.values()][0]!.addsBytes, 23);
      assert.equal(after.contextBytes, 23);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what BuildKit transfers and what no step reads', () => {
  test('only the paths the needed stages name are sent (an unused stage sends nothing)', () => {
    const df = 'FROM alpine AS unused\nCOPY data /data\nFROM alpine\nCOPY src /src\n';
    const s = sizesOf(df, ctxOf(FILES));
    assert.equal(s.contextBytes, 4350);
    assert.equal(s.contextFiles, 3);
    assert.equal(s.unreadBytes, 0);
    assert.equal(s.whole, null);
    // with the other target, data is sent and read
    assert.equal(sizesOf(df, ctxOf(FILES), { target: 'unused' }).contextBytes, 80 * MB);
  });

  test('a tmpfs mount sends the whole context (measured: BuildKit 0.8); what no step reads is unread', () => {
    const df = 'FROM alpine\nCOPY package.json ./\nRUN --mount=type=tmpfs,target=/t true\n';
    const s = sizesOf(df, ctxOf(FILES));
    assert.equal(s.contextBytes, 80 * MB + 4399);
    assert.equal(s.unreadBytes, 80 * MB + 4369);
    assert.deepEqual(s.whole, { line: 2, why: 'has a tmpfs mount, which makes BuildKit transfer the whole context' });
    // a cache or secret mount does not
    assert.equal(sizesOf(df.replace('type=tmpfs', 'type=cache'), ctxOf(FILES)).contextBytes, 30);
  });

  test('a bind mount reads what it mounts', () => {
    const df = 'FROM alpine\nRUN --mount=type=bind,source=data,target=/d cat /d/big.bin\nRUN --mount=type=tmpfs,target=/t true\n';
    const s = sizesOf(df, ctxOf(FILES));
    assert.equal(s.unreadBytes, 4399);
    assert.equal([...s.steps.keys()].length, 0, 'a RUN adds nothing from the context to its layer by itself');
  });

  test('unknown, with the reason: variable sources, an ONBUILD image, an unreadable folder, a partial snapshot', () => {
    const v = sizesOf('FROM alpine\nARG DIR=src\nCOPY ${DIR} /x\nRUN --mount=type=tmpfs,target=/t true\n', ctxOf(FILES));
    assert.equal(v.contextBytes, 80 * MB + 4399, 'the transfer of this build is known');
    assert.equal(v.unreadBytes, null);
    assert.match(v.unreadUnknown!, /line 3 depend on \$\{DIR\}/);
    const o = sizesOf('FROM node:onbuild\nCOPY src /x\n', ctxOf(FILES));
    assert.equal(o.contextBytes, null);
    assert.match(o.unknown!, /ONBUILD/);
    const u = ctxOf(FILES);
    u.problems.push({ kind: 'unreadable', path: 'secret', message: 'secret: EACCES' });
    assert.match(sizesOf('FROM alpine\nCOPY . .\n', u).unknown!, /could not be read \(secret\)/);
    const p = ctxOf(FILES);
    p.partial = true;
    assert.equal(sizesOf('FROM alpine\nCOPY . .\n', p).unreadBytes, null);
  });

  test('unread groups: the largest folders no step of any stage reads; never a folder something reads in', () => {
    const files = { 'data/big.bin': 80 * MB, 'data/keep.txt': 3, 'media/v.mp4': 60 * MB, 'media/w.mp4': 1 * MB, 'app.js': 10, 'a[1].bin': 5 * MB };
    const df = 'FROM alpine AS other\nCOPY data/keep.txt /k\nFROM alpine\nCOPY app.js /\nRUN --mount=type=tmpfs,target=/t true\n';
    const ctx = ctxOf(files);
    const m = analyze(df);
    const sent = [...ctx.paths()];
    const s = contextSizes(m, ctx, sent);
    // data/keep.txt is read by the other target: data/big.bin is named alone; a[1].bin cannot be a literal pattern
    assert.deepEqual(unreadGroups(m, ctx, sent, s), [
      { path: 'data/big.bin', bytes: 80 * MB },
      { path: 'media', bytes: 61 * MB },
    ]);
  });

  test('fmtBytes and sizes in .layerwise.yaml', () => {
    assert.deepEqual([0, 999, 1000, 48_200_000, 999_960_000, 1_400_000_000].map(fmtBytes), ['0 B', '999 B', '1.0 kB', '48.2 MB', '1.0 GB', '1.4 GB']);
    assert.deepEqual(['50MB', '1.5 GB', '512MiB', '1000', 7, 'x', '-1', -1].map(parseSize), [50 * MB, 1.5e9, 512 * 1024 * 1024, 1000, 7, null, null, null]);
    assert.equal(parseConfig('unreadContextLimit: 200MB\n', 'c.yaml').unreadContextLimit, 200 * MB);
    assert.throws(() => parseConfig('unreadContextLimit: lots\n', 'c.yaml'), /c\.yaml: `unreadContextLimit` must be a size/);
  });
});

describe('unread-context-data', () => {
  const df = 'FROM alpine\nCOPY --exclude=data . /app\nRUN make\n';
  const find = (ctx: MemoryContext, text = df, opts = {}) => check(text, ctx, opts).findings.filter((f) => f.rule === 'unread-context-data');

  test('reported from 50 MB on with the .dockerignore fix; the fixed context sends nothing unread', () => {
    const ctx = ctxOf(FILES);
    const [f, ...more] = find(ctx);
    assert.equal(more.length, 0);
    assert.equal(f!.range.start.line, 1);
    assert.equal(
      f!.message,
      'This build transfers 80.0 MB of context (7 files); 80.0 MB of it (1 file) no step reads: the COPY at line 2 copies the whole context (its --exclude patterns are applied after the transfer). Largest: data (80.0 MB). BuildKit walks it on every build and a fresh builder (CI) receives all of it.',
    );
    assert.equal(f!.fix!.title, 'Exclude data in .dockerignore');
    const fixed = fixAll(df, ctx, {}, (x) => x.rule === 'unread-context-data');
    assert.equal(fixed.ignoreText, '# added by layerwise: keep context data no step reads out of the transfer\ndata\n');
    const after = ctxOf(FILES, fixed.ignoreText!);
    assert.equal(sizesOf(df, after).unreadBytes, 0);
    assert.equal(find(after).length, 0);
  });

  test('under the threshold, or with another threshold from the options', () => {
    const small = ctxOf({ ...FILES, 'data/big.bin': 40 * MB });
    assert.equal(find(small).length, 0);
    assert.equal(find(small, df, { unreadContextLimit: 10 * MB }).length, 1);
    assert.equal(find(ctxOf(FILES), df, { unreadContextLimit: 100 * MB }).length, 0);
  });

  test('no fix when another Dockerfile shares .dockerignore, or when a step of another target reads the data', () => {
    const shared = ctxOf({ ...FILES, 'worker.Dockerfile': 40 });
    const [f] = find(shared);
    assert.equal(f!.fix, undefined);
    assert.match(f!.fixRefused!.reason, /also applies to worker\.Dockerfile/);
    const other = 'FROM alpine AS seed\nCOPY data /seed\nFROM alpine\nCOPY --exclude=data . /app\n';
    const [g] = find(ctxOf(FILES), other);
    assert.ok(g, 'the default target still transfers data without reading it');
    assert.equal(g!.fix, undefined);
  });

  const brief = (ctx: MemoryContext, text: string, opts = {}) =>
    find(ctx, text, opts).map((f) => ({ range: [f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character], severity: f.severity, message: f.message, fix: f.fix && { title: f.fix.title, text: f.fix.edits.map((e) => [e.file, e.newText]), effect: f.fix.effect }, refused: f.fixRefused }));
  const tail = 'BuildKit walks it on every build and a fresh builder (CI) receives all of it.';
  const note = '# added by layerwise: keep context data no step reads out of the transfer\n';

  test('a tmpfs mount: the RUN that has it is named and carries the finding (not a step of an unused stage or a trigger)', () => {
    const text = 'FROM alpine AS u\nRUN --mount=type=tmpfs,target=/t echo\nFROM alpine\nONBUILD RUN --mount=type=tmpfs,target=/t echo\nCOPY src /src\nRUN --mount=type=tmpfs,target=/t echo\n';
    assert.deepEqual(brief(ctxOf(FILES), text), [
      {
        range: [5, 0, 5, 37], severity: 'warning',
        message: `This build transfers 80.0 MB of context (7 files); 80.0 MB of it (4 files) no step reads: the RUN at line 6 has a tmpfs mount, which makes BuildKit transfer the whole context. Largest: data (80.0 MB). ${tail}`,
        fix: { title: 'Exclude data in .dockerignore', text: [['dockerignore', note + 'data\n']], effect: { ignore: { patterns: ['data'], step: 2 } } },
        refused: undefined,
      },
    ]);
  });

  test('the fix: the largest unread folders or files until 95 % of the unread bytes, at most 10; the message lists 5', () => {
    const ex = 'FROM alpine\nCOPY --exclude=a --exclude=b --exclude=c . /app\n';
    const pats = (files: Record<string, number>, text = ex) => { const [f] = brief(ctxOf(files), text); return [f!.fix!.title, f!.message.replace(/.*Largest: /, '').replace(tail, '')]; };
    // exactly 95 % after two: the third is left out; 94 % after two: it is taken
    assert.deepEqual(pats({ 'a/f': 60 * MB, 'b/f': 35 * MB, 'c/f': 5 * MB, 'k.txt': 1 }), ['Exclude a, b in .dockerignore', 'a (60.0 MB), b (35.0 MB). ']);
    assert.deepEqual(pats({ 'a/f': 60 * MB, 'b/f': 34 * MB, 'c/f': 6 * MB, 'k.txt': 1 }), ['Exclude a, b, c in .dockerignore', 'a (60.0 MB), b (34.0 MB), c (6.0 MB). ']);
    const many: Record<string, number> = {};
    for (let i = 0; i < 12; i++) many[`d${String(i).padStart(2, '0')}/f.bin`] = (20 - i) * MB;
    const [f] = brief(ctxOf(many), 'FROM alpine\nCOPY --exclude=d* . /app\n');
    const ten = Array.from({ length: 10 }, (_, i) => `d${String(i).padStart(2, '0')}`);
    assert.deepEqual(f!.fix, { title: `Exclude ${ten.join(', ')} in .dockerignore`, text: [['dockerignore', note + ten.map((d) => d + '\n').join('')]], effect: { ignore: { patterns: ten, step: 0 } } });
    assert.equal(f!.message, `This build transfers 174 MB of context (12 files); 174 MB of it (12 files) no step reads: the COPY at line 2 copies the whole context (its --exclude patterns are applied after the transfer). Largest: d00 (20.0 MB), d01 (19.0 MB), d02 (18.0 MB), d03 (17.0 MB), d04 (16.0 MB). ${tail}`);
    // a file in a folder a step reads from is excluded alone
    assert.deepEqual(pats({ 'src/a.js': 10, 'src/big.bin': 60 * MB }, 'FROM alpine\nCOPY --exclude=src/big.bin . /app\n'), ['Exclude src/big.bin in .dockerignore', 'src/big.bin (60.0 MB). ']);
  });

  test('the catalogue entry; --exclude of a folder inside a copied one: that COPY (of a needed stage) carries the finding', () => {
    const r = RULES.find((x) => x.id === 'unread-context-data')!;
    assert.deepEqual([r.title, r.defaultSeverity], ['The build transfers context data no step reads', 'warning']);
    assert.match(r.description, /^BuildKit transfers only the context paths the build names, but a tmpfs mount/);
    const files = { 'src/big/f': 60 * MB, 'src/a.js': 1, k: 1 };
    const msg = (l: number, n = 3) => `This build transfers 60.0 MB of context (${n} files); 60.0 MB of it (1 file) no step reads: the --exclude patterns of line ${l} apply after the transfer. Largest: src/big (60.0 MB). ${tail}`;
    // the pattern is relative to the source (`big` inside `src`); the fix's .dockerignore line is relative to the context
    assert.deepEqual(brief(ctxOf(files), 'FROM alpine\nCOPY k /k\nCOPY --exclude=big src /app\n').map((f) => [f.range, f.message, f.fix?.effect]), [[[2, 0, 2, 27], msg(3), { ignore: { patterns: ['src/big'], step: 1 } }]]);
    assert.deepEqual(brief(ctxOf(files), 'FROM alpine AS u\nCOPY --exclude=big src /u\nFROM alpine\nCOPY --exclude=big src /app\n').map((f) => [f.range[0], f.message]), [[3, msg(4, 2)]]);
    // a step before it that reads no context (a RUN) is not the one whose --exclude patterns apply
    assert.deepEqual(brief(ctxOf(files), 'FROM alpine\nRUN make\nCOPY --exclude=big src /app\n').map((f) => [f.range[0], f.message]), [[2, msg(3, 2)]]);
    // written relative to the context, the pattern names `src/src/big`: it excludes nothing, every byte is read
    assert.deepEqual(brief(ctxOf(files), 'FROM alpine\nRUN make\nCOPY --exclude=src/big src /app\n'), []);
  });

  test('the threshold is inclusive; a partial snapshot says nothing', () => {
    const ex = 'FROM alpine\nCOPY --exclude=a . /app\n';
    assert.equal(find(ctxOf({ 'a/f': 50 * MB, k: 1 }), ex).length, 1);
    assert.equal(find(ctxOf({ 'a/f': 50 * MB - 1, k: 1 }), ex).length, 0);
    assert.equal(find(ctxOf({ 'a/f': 50 * MB, k: 1 }), ex, { unreadContextLimit: 50 * MB + 1 }).length, 0);
    const partial = Object.assign(ctxOf({ 'a/f': 60 * MB, k: 1 }), { partial: true });
    assert.equal(find(partial, ex).length, 0);
  });

  test('the Dockerfiles that share a .dockerignore: Dockerfile, Containerfile, their suffixed names and *.dockerfile; not with its own ignore file', () => {
    const ex = 'FROM alpine\nCOPY --exclude=data . /app\n';
    const refused = (extra: Record<string, number>) => brief(ctxOf({ ...FILES, ...extra }), ex)[0]!;
    for (const p of ['a/Dockerfile', 'Containerfile', 'Dockerfile.dev', 'b/Containerfile.prod', 'x.Dockerfile', 'y.dockerfile']) {
      const f = refused({ [p]: 5 });
      assert.equal(f.fix, undefined, p);
      assert.deepEqual(f.refused, { title: 'Exclude data in .dockerignore', reason: `.dockerignore also applies to ${p}, whose reads are not checked here` }, p);
      assert.ok(f.message.endsWith(`${tail} No fix offered: .dockerignore also applies to ${p}, whose reads are not checked here.`), p);
    }
    assert.equal(refused({ 'a/Dockerfile': 5, Containerfile: 5 }).refused!.reason, '.dockerignore also applies to 2 other Dockerfiles, whose reads are not checked here');
    // (`Dockerfile` is the analysed one itself)
    for (const p of ['Dockerfile', 'Dockerfilex', 'Dockerfile/x', 'xDockerfile', 'dockerfile', 'a.Dockerfile.txt']) assert.equal(refused({ [p]: 5 }).refused, undefined, p);
    // a Dockerfile with its own ignore file (<Dockerfile>.dockerignore): the others do not read it
    const own = new MemoryContext('sizes');
    for (const [p, n] of Object.entries({ ...FILES, 'worker.Dockerfile': 5 })) own.addListed(p, n);
    own.addFile('Dockerfile.dockerignore', 'x\n').setIgnore('Dockerfile.dockerignore', 'x\n');
    const [g] = brief(own, ex);
    assert.deepEqual([g!.fix?.title, g!.refused], ['Exclude data in Dockerfile.dockerignore', undefined]);
  });

  test('not reported when every byte sent is read, when unread is unknown, or without a context', () => {
    assert.equal(find(ctxOf(FILES), 'FROM alpine\nCOPY . /app\n').length, 0);
    assert.equal(find(ctxOf(FILES), 'FROM alpine\nARG X=.\nCOPY --exclude=data ${X} /app\n').length, 0);
    assert.equal(check(df, null).findings.filter((f) => f.rule === 'unread-context-data').length, 0);
  });

  test('on a crawled context only the unread files are stat\'ed (none when every file sent is read); the finding and sizes as from a listing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-sizes-'));
    try {
      const mem = new MemoryContext('listed');
      for (const [p, n] of Object.entries(FILES)) {
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), '');
        fs.truncateSync(path.join(dir, p), n); // sparse: the size without the data
        mem.addListed(p, n);
      }
      fs.symlinkSync('a.js', path.join(dir, 'src/link.js'));
      mem.addSymlink('src/link.js', 'a.js');
      const disk = () => {
        const ctx = loadDiskContext(dir);
        const stats = new Set<string>();
        const entry = ctx.entry.bind(ctx);
        ctx.entry = (p: string) => (ctx.has(p) && stats.add(p), entry(p)); // a listed path: a stat
        return { ctx, stats };
      };
      const all = disk();
      assert.deepEqual(find(all.ctx as never, 'FROM alpine\nCOPY . /app\nRUN make\n'), []);
      assert.deepEqual([...all.stats], [], 'every file sent is read: no size needed');
      const some = disk();
      const rules = (c: MemoryContext | typeof some.ctx) => check(df, c).findings.map((f) => [f.rule, f.message, f.fix?.title]);
      assert.deepEqual(rules(some.ctx), rules(mem));
      assert.ok(some.stats.has('data/big.bin'));
      const under = disk();
      assert.deepEqual(find(under.ctx as never, df, { unreadContextLimit: 100 * MB }), []);
      assert.deepEqual([...under.stats], ['data/big.bin'], 'under the limit: only the unread file is stat\'ed');
      const m = analyze(df);
      const { steps: a, ...restA } = contextSizes(m, loadDiskContext(dir));
      const { steps: b, ...restB } = contextSizes(m, mem);
      assert.deepEqual([restA, [...a]], [restB, [...b]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('unread-context-data: known unread bytes in a context whose size is not known (a file without a size): no finding, no unknown size in a message', () => {
  const c = new MemoryContext('c');
  c.addListed('data', 80e6).addListed('app.js', null).addFile('Dockerfile', 'x');
  const text = 'FROM alpine\nCOPY --exclude=data . /app\nRUN make\n';
  assert.deepEqual(check(text, c).findings.filter((f) => f.rule === 'unread-context-data'), []);
  c.addListed('app.js', 10);
  assert.equal(check(text, c).findings.filter((f) => f.rule === 'unread-context-data').length, 1, 'with every size known');
});
