import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadDiskContext, loadDiskContextAsync, gitBlobId } from '../../server/src/context';
import { nodeUnprivileged, openToOthers } from '../unprivileged';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lw-disk-'));
}
function write(root: string, rel: string, content = 'x', mode?: number) {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  if (mode !== undefined) fs.chmodSync(p, mode);
}

test('crawl: files, empty dirs, symlinks (not followed), loops, modes', async (t) => {
  const root = tmp();
  const outside = tmp();
  t.after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });
  write(root, 'Dockerfile', 'FROM scratch\n');
  write(root, 'src/a.js', 'a');
  write(root, 'bin/run.sh', '#!/bin/sh\n', 0o755);
  fs.mkdirSync(path.join(root, 'empty/nested'), { recursive: true });
  write(outside, 'secret/big.txt', 'outside');
  fs.symlinkSync(outside, path.join(root, 'out-link'));
  fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
  fs.symlinkSync('.', path.join(root, 'src/self'));
  write(root, 'with space/and\nnewline', 'n');

  for (const ctx of [loadDiskContext(root), await loadDiskContextAsync(root)]) {
    const paths = [...ctx.paths()].sort();
    assert.deepEqual(paths, [
      'Dockerfile', 'bin', 'bin/run.sh', 'empty', 'empty/nested', 'loop-a', 'loop-b', 'out-link', 'src', 'src/a.js', 'src/self',
      'with space', 'with space/and\nnewline',
    ]);
    assert.equal(ctx.entry('empty/nested')?.type, 'dir');
    assert.deepEqual(ctx.entry('out-link'), { type: 'symlink', mode: ctx.entry('out-link')!.mode, size: outside.length, target: outside });
    assert.equal(ctx.entry('loop-a')?.target, 'loop-b');
    assert.equal(ctx.entry('bin/run.sh')?.mode, 0o755);
    assert.equal(ctx.entry('src/a.js')?.mode, fs.lstatSync(path.join(root, 'src/a.js')).mode & 0o7777);
    assert.equal(ctx.entry('src/a.js')?.size, 1);
    assert.equal(ctx.modeGranularity, 'exact');
    assert.equal(ctx.label, root);
    assert.equal(ctx.ignoreFile, null);
    assert.deepEqual(ctx.problems, []);
    // content ids are git blob ids
    const want = execFileSync('git', ['hash-object', path.join(root, 'src/a.js')]).toString().trim();
    assert.equal(ctx.contentId('src/a.js'), want);
    assert.equal(ctx.contentId('with space/and\nnewline'), gitBlobId('n'));
    assert.equal(ctx.contentId('out-link'), gitBlobId(outside));
    assert.equal(ctx.contentId('src'), undefined);
    assert.equal(ctx.contentId('nope'), undefined);
  }
});

test('errors: missing context, not a directory; vanished and too-large files become problems', (t) => {
  const root = tmp();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  assert.throws(() => loadDiskContext(path.join(root, 'nope')), /build context not found: /);
  write(root, 'f', 'x');
  assert.throws(() => loadDiskContext(path.join(root, 'f')), /build context is not a directory: /);
  write(root, 'big', '0123456789');
  write(root, 'gone', 'g');
  const ctx = loadDiskContext(root, { maxHashBytes: 5 });
  assert.equal(ctx.contentId('big'), undefined);
  assert.equal(ctx.problems.filter((p) => p.kind === 'too-large').length, 1);
  fs.rmSync(path.join(root, 'gone'));
  assert.equal(ctx.contentId('gone'), undefined);
  assert.ok(ctx.problems.some((p) => p.kind === 'missing' && p.path === 'gone'));
});

test('unreadable directory is a problem, never a throw (crawled as an unprivileged user)', (t) => {
  const root = tmp();
  t.after(() => {
    try { fs.chmodSync(path.join(root, 'locked'), 0o755); } catch { /* */ }
    fs.rmSync(root, { recursive: true, force: true });
  });
  write(root, 'locked/inner.txt', 'x');
  write(root, 'ok.txt', 'x');
  fs.chmodSync(path.join(root, 'locked'), 0o000);
  openToOthers(root);
  // root reads a chmod 000 folder anyway: crawl as an unprivileged user (both crawlers)
  const code = `const { loadDiskContext, loadDiskContextAsync } = require(process.argv[1]);
    (async () => {
      const out = [];
      for (const c of [loadDiskContext(process.argv[2]), await loadDiskContextAsync(process.argv[2])]) out.push({ paths: [...c.paths()], problems: c.problems });
      process.stdout.write(JSON.stringify(out));
    })();`;
  const runs = JSON.parse(nodeUnprivileged(['-e', code, path.resolve(__dirname, '../../server/src/context'), root])) as { paths: string[]; problems: { kind: string; path: string }[] }[];
  assert.equal(runs.length, 2);
  for (const ctx of runs) {
    assert.ok(ctx.paths.includes('ok.txt'));
    assert.ok(ctx.paths.includes('locked'));
    assert.ok(ctx.problems.some((p) => p.kind === 'unreadable' && p.path === 'locked'), JSON.stringify(ctx.problems));
    assert.ok(!ctx.paths.includes('locked/inner.txt'));
  }
});

test('pruning of excluded directories, with and without exceptions below them', (t) => {
  const root = tmp();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  write(root, 'node_modules/a/index.js');
  write(root, 'node_modules/keep/k.js');
  write(root, 'build/out.bin');
  write(root, 'build/keep/x');
  write(root, 'src/main.ts');
  write(root, '.dockerignore', 'node_modules\nbuild\n!build/keep\n');
  const ctx = loadDiskContext(root);
  const paths = new Set(ctx.paths());
  assert.ok(!paths.has('node_modules'), 'pruned dir itself is absent');
  assert.ok(!paths.has('node_modules/a/index.js'));
  assert.ok(paths.has('build'), 'build has an exception below: descended');
  assert.ok(paths.has('build/keep/x'));
  assert.ok(paths.has('build/out.bin'));
  assert.ok(paths.has('src/main.ts'));
  assert.deepEqual(ctx.pruned, ['node_modules']);
  assert.deepEqual(ctx.ignoreFile, { name: '.dockerignore', text: 'node_modules\nbuild\n!build/keep\n' });

  // a wildcard exception keeps everything walkable
  write(root, '.dockerignore', 'node_modules\n!**/k.js\n');
  const c2 = loadDiskContext(root);
  assert.ok(new Set(c2.paths()).has('node_modules/keep/k.js'));
  // noPrune
  write(root, '.dockerignore', 'node_modules\n');
  assert.ok(new Set(loadDiskContext(root, { noPrune: true }).paths()).has('node_modules/a/index.js'));
});

test('existsAbove looks in the folders above the context, never beyond the repository root', () => {
  const repo = tmp();
  fs.mkdirSync(path.join(repo, '.git'));
  write(repo, 'package.json', '{}');
  write(repo, 'docker/web/Dockerfile', 'FROM node\nCOPY package.json ./\n');
  write(path.dirname(repo), path.basename(repo) + '-sibling.txt');
  const ctx = loadDiskContext(path.join(repo, 'docker', 'web'));
  assert.equal(ctx.existsAbove(2, 'package.json'), true);
  assert.equal(ctx.existsAbove(1, 'package.json'), false);
  assert.equal(ctx.existsAbove(2, 'docker/web/Dockerfile'), true);
  assert.equal(ctx.existsAbove(3, path.basename(repo) + '-sibling.txt'), false, 'above the repository root');
  assert.equal(ctx.existsAbove(1, '../web/Dockerfile'), false, 'no .. in a probe');
  // no repository: no probing at all
  const loose = tmp();
  write(loose, 'package.json');
  write(loose, 'sub/Dockerfile');
  assert.equal(loadDiskContext(path.join(loose, 'sub')).existsAbove(1, 'package.json'), false);
  // the repository root itself has nothing above
  assert.equal(loadDiskContext(repo).existsAbove(1, path.basename(repo) + '-sibling.txt'), false);
});

test('<Dockerfile>.dockerignore beside the Dockerfile wins over <context>/.dockerignore', (t) => {
  const root = tmp();
  const other = tmp();
  t.after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(other, { recursive: true, force: true });
  });
  write(root, '.dockerignore', 'ctx');
  write(root, 'docker/app.Dockerfile', 'FROM x');
  write(root, 'docker/app.Dockerfile.dockerignore', 'specific');
  assert.deepEqual(loadDiskContext(root, { dockerfilePath: path.join(root, 'docker/app.Dockerfile') }).ignoreFile, {
    name: 'docker/app.Dockerfile.dockerignore',
    text: 'specific',
  });
  // Dockerfile without its own ignore file → context .dockerignore
  write(root, 'docker/b.Dockerfile', 'FROM x');
  assert.equal(loadDiskContext(root, { dockerfilePath: path.join(root, 'docker/b.Dockerfile') }).ignoreFile?.name, '.dockerignore');
  // Dockerfile outside the context
  write(other, 'Dockerfile', 'FROM x');
  write(other, 'Dockerfile.dockerignore', 'outside');
  const c = loadDiskContext(root, { dockerfilePath: path.join(other, 'Dockerfile') });
  assert.equal(c.ignoreFile?.text, 'outside');
  assert.equal(c.ignoreFile?.name, path.join(other, 'Dockerfile.dockerignore'));
  // default Dockerfile name: Dockerfile.dockerignore in the context
  write(root, 'Dockerfile.dockerignore', 'default-specific');
  assert.equal(loadDiskContext(root).ignoreFile?.text, 'default-specific');
});
