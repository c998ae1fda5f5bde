import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { gitBaseline, findRepoRoot, resolveRev, loadDiskContext } from '../../server/src/context';

function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).toString();
}
function write(root: string, rel: string, content = 'x', mode?: number) {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  if (mode !== undefined) fs.chmodSync(p, mode);
}
function repo(t: { after(fn: () => void): void }): string {
  const r = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lw-git-')));
  t.after(() => fs.rmSync(r, { recursive: true, force: true }));
  sh(r, 'init', '-q', '-b', 'main');
  sh(r, 'config', 'commit.gpgsign', 'false');
  return r;
}

test('gitBaseline on a scripted history', (t) => {
  const r = repo(t);
  write(r, 'app/Dockerfile', 'FROM scratch\nCOPY . .\n');
  write(r, 'app/src/a.js', 'a1');
  write(r, 'app/src/del.js', 'd');
  write(r, 'app/run.sh', 'echo', 0o644);
  write(r, 'app/weird name\nx.txt', 'w');
  write(r, 'app/.dockerignore', '*.log\n');
  write(r, 'app/.gitignore', 'ignored.txt\n');
  write(r, 'other/file', 'o');
  fs.symlinkSync('src/a.js', path.join(r, 'app/link'));
  sh(r, 'add', '-A');
  sh(r, 'commit', '-q', '-m', 'one');
  const c1 = sh(r, 'rev-parse', 'HEAD').trim();
  // working-tree changes
  write(r, 'app/src/a.js', 'a2'); // modified
  write(r, 'app/src/new.js', 'n'); // untracked
  fs.rmSync(path.join(r, 'app/src/del.js')); // deleted
  fs.chmodSync(path.join(r, 'app/run.sh'), 0o755); // mode only
  write(r, 'app/ignored.txt', 'i'); // git-ignored, still in the Docker context
  write(r, 'other/file', 'o2'); // outside the context
  write(r, 'app/sp ace/x y', 's');

  const b = gitBaseline({ contextDir: path.join(r, 'app'), dockerfilePath: path.join(r, 'app/Dockerfile'), rev: 'HEAD' });
  assert.equal(b.repoRoot, r);
  assert.equal(b.commit, c1);
  assert.equal(b.dockerfileText, 'FROM scratch\nCOPY . .\n');
  assert.equal(b.context.label, 'git:HEAD');
  assert.equal(b.context.modeGranularity, 'git');
  assert.deepEqual(b.context.ignoreFile, { name: '.dockerignore', text: '*.log\n' });
  assert.deepEqual([...b.context.paths()].sort(), [
    '.dockerignore', '.gitignore', 'Dockerfile', 'link', 'run.sh', 'src', 'src/a.js', 'src/del.js', 'weird name\nx.txt',
  ]);
  assert.equal(b.context.entry('src')?.type, 'dir');
  assert.equal(b.context.entry('src')?.mode, 0o755);
  assert.equal(b.context.entry('run.sh')?.mode, 0o644);
  assert.equal(b.context.entry('link')?.type, 'symlink');
  assert.equal(b.context.entry('link')?.target, 'src/a.js');
  assert.equal(b.context.contentId('src/a.js'), sh(r, 'rev-parse', 'HEAD:app/src/a.js').trim());
  assert.equal(b.context.contentId('src'), undefined);
  assert.deepEqual([...b.changedHint].sort(), ['ignored.txt', 'run.sh', 'sp ace/x y', 'src/a.js', 'src/del.js', 'src/new.js']);

  // disk ids are comparable with git ids
  const disk = loadDiskContext(path.join(r, 'app'));
  assert.equal(disk.contentId('weird name\nx.txt'), b.context.contentId('weird name\nx.txt'));
  assert.equal(disk.contentId('link'), b.context.contentId('link'));
  assert.notEqual(disk.contentId('src/a.js'), b.context.contentId('src/a.js'));
  assert.equal(disk.entry('run.sh')?.mode, 0o755);

  // a rev where the Dockerfile did not exist
  write(r, 'app/Dockerfile.new', 'FROM x');
  const b2 = gitBaseline({ contextDir: path.join(r, 'app'), dockerfilePath: path.join(r, 'app/Dockerfile.new'), rev: c1 });
  assert.equal(b2.dockerfileText, null);
  assert.ok(b2.changedHint.includes('Dockerfile.new'));
});

test('Dockerfile outside the context, <Dockerfile>.dockerignore at rev, context = repo root', (t) => {
  const r = repo(t);
  write(r, 'ctx/a.txt', 'a');
  write(r, 'ctx/.dockerignore', 'generic');
  write(r, 'docker/prod.Dockerfile', 'FROM x');
  write(r, 'docker/prod.Dockerfile.dockerignore', 'specific');
  sh(r, 'add', '-A');
  sh(r, 'commit', '-q', '-m', 'one');
  const b = gitBaseline({ contextDir: path.join(r, 'ctx'), dockerfilePath: path.join(r, 'docker/prod.Dockerfile'), rev: 'main' });
  assert.equal(b.dockerfileText, 'FROM x');
  assert.equal(b.context.ignoreFile?.text, 'specific');
  assert.deepEqual([...b.context.paths()].sort(), ['.dockerignore', 'a.txt']);
  assert.deepEqual(b.changedHint, []);
  const whole = gitBaseline({ contextDir: r, dockerfilePath: path.join(r, 'docker/prod.Dockerfile'), rev: 'HEAD' });
  assert.ok([...whole.context.paths()].includes('docker/prod.Dockerfile'));
  assert.ok([...whole.context.paths()].includes('ctx'));
  assert.equal(whole.context.ignoreFile?.name, 'docker/prod.Dockerfile.dockerignore');
});

test('clear errors: unknown revision, not a repository', (t) => {
  const r = repo(t);
  write(r, 'a', 'a');
  sh(r, 'add', '-A');
  sh(r, 'commit', '-q', '-m', 'one');
  assert.throws(() => gitBaseline({ contextDir: r, dockerfilePath: path.join(r, 'Dockerfile'), rev: 'nope' }), /^Error: unknown revision nope$/);
  assert.throws(() => resolveRev(r, '--output=/tmp/x'), /unknown revision/);
  assert.equal(resolveRev(r, 'HEAD'), sh(r, 'rev-parse', 'HEAD').trim());
  const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-nogit-'));
  t.after(() => fs.rmSync(plain, { recursive: true, force: true }));
  assert.throws(() => findRepoRoot(plain), /not a git repository: /);
  assert.throws(() => gitBaseline({ contextDir: plain, dockerfilePath: path.join(plain, 'Dockerfile'), rev: 'HEAD' }), /not a git repository/);
});

test('GIT_DIR / GIT_WORK_TREE from the environment are not inherited', (t) => {
  const r = repo(t);
  write(r, 'a', 'a');
  sh(r, 'add', '-A');
  sh(r, 'commit', '-q', '-m', 'one');
  const saved = { d: process.env.GIT_DIR, w: process.env.GIT_WORK_TREE };
  process.env.GIT_DIR = '/nonexistent/.git';
  process.env.GIT_WORK_TREE = '/nonexistent';
  try {
    assert.equal(findRepoRoot(r), r);
  } finally {
    if (saved.d === undefined) delete process.env.GIT_DIR; else process.env.GIT_DIR = saved.d;
    if (saved.w === undefined) delete process.env.GIT_WORK_TREE; else process.env.GIT_WORK_TREE = saved.w;
  }
});

test('a malicious .git/config (fsmonitor, hooks, diff.external, textconv, filters, pager) executes nothing', (t) => {
  const r = repo(t);
  const marker = path.join(r, '..', path.basename(r) + '-PWNED');
  t.after(() => fs.rmSync(marker, { force: true }));
  const evil = path.join(r, 'evil.sh');
  fs.writeFileSync(evil, `#!/bin/sh\necho "$0 $*" >> '${marker}'\ncat\n`, { mode: 0o755 });
  write(r, '.gitattributes', '* diff=evil filter=evil\n');
  write(r, 'a.txt', 'one');
  sh(r, 'add', '-A');
  sh(r, 'commit', '-q', '-m', 'one');
  fs.rmSync(marker, { force: true });
  const cfg = path.join(r, '.git/config');
  fs.appendFileSync(
    cfg,
    `[core]\n\tfsmonitor = ${evil}\n\thooksPath = ${r}/hooks\n\tpager = ${evil}\n[diff]\n\texternal = ${evil}\n` +
      `[diff "evil"]\n\ttextconv = ${evil}\n\tcommand = ${evil}\n[filter "evil"]\n\tclean = ${evil}\n\tsmudge = ${evil}\n\tprocess = ${evil}\n\trequired = true\n` +
      `[pager]\n\tdiff = ${evil}\n`,
  );
  fs.mkdirSync(path.join(r, 'hooks'));
  for (const h of ['post-index-change', 'reference-transaction', 'pre-commit'])
    fs.copyFileSync(evil, path.join(r, 'hooks', h)), fs.chmodSync(path.join(r, 'hooks', h), 0o755);
  // make the working tree dirty in content and in stat so git must look at file contents
  write(r, 'a.txt', 'two');
  write(r, 'b.txt', 'new');
  const past = new Date(Date.now() - 3600_000);
  fs.utimesSync(path.join(r, 'a.txt'), past, past);
  const b = gitBaseline({ contextDir: r, dockerfilePath: path.join(r, 'Dockerfile'), rev: 'HEAD' });
  assert.ok(b.changedHint.includes('a.txt') && b.changedHint.includes('b.txt'), JSON.stringify(b.changedHint));
  assert.equal(fs.existsSync(marker), false, fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '');
});

// git's stat cache: `git diff` skips an index entry whose stat data matches the file. A same-size rewrite with a
// restored mtime (cp -p, touch -r, tar x) still changes ctime, which a repository or user config may tell git to
// ignore; assume-unchanged and skip-worktree entries are not looked at at all. BuildKit compares content, so each
// of these must still show up as possibly changed.
function restoredRewrite(r: string, rel: string, content: string): void {
  const p = path.join(r, rel);
  const st = fs.statSync(p);
  fs.writeFileSync(p, content);
  fs.utimesSync(p, st.atime, st.mtime);
}

test('a same-size rewrite with a restored mtime is seen even when the repository sets core.trustctime=false', (t) => {
  const r = repo(t);
  write(r, 'Dockerfile', 'FROM scratch\nCOPY a.txt /a\n');
  write(r, 'a.txt', 'aaaa');
  write(r, 'b.txt', 'bbbb');
  const old = new Date(Date.now() - 86400_000);
  for (const f of ['a.txt', 'b.txt']) fs.utimesSync(path.join(r, f), old, old);
  sh(r, 'add', '-A');
  sh(r, 'commit', '-q', '-m', 'one');
  sh(r, 'config', 'core.trustctime', 'false');
  sh(r, 'config', 'core.checkStat', 'minimal');
  sh(r, 'status', '--short'); // index refreshed: its stat data now matches the files
  restoredRewrite(r, 'a.txt', 'AAAA');
  // git itself (with the repository's config) does not see it
  assert.equal(sh(r, 'diff', '--raw', 'HEAD').trim(), '');
  const b = gitBaseline({ contextDir: r, dockerfilePath: path.join(r, 'Dockerfile'), rev: 'HEAD' });
  // b.txt (mtime restored before the commit, in the same second) may be listed too: a hint only asks for a comparison
  assert.ok(b.changedHint.includes('a.txt'), JSON.stringify(b.changedHint));
  const ctx = loadDiskContext(r, { dockerfilePath: path.join(r, 'Dockerfile') });
  assert.notEqual(ctx.contentId('a.txt'), b.context.contentId('a.txt'));
  assert.equal(ctx.contentId('b.txt'), b.context.contentId('b.txt'));
});

test('assume-unchanged and skip-worktree entries are listed as possibly changed', (t) => {
  const r = repo(t);
  write(r, 'Dockerfile', 'FROM scratch\nCOPY . /\n');
  write(r, 'au.txt', 'one');
  write(r, 'sw.txt', 'one');
  write(r, 'plain.txt', 'one');
  sh(r, 'add', '-A');
  sh(r, 'commit', '-q', '-m', 'one');
  sh(r, 'update-index', '--assume-unchanged', 'au.txt');
  sh(r, 'update-index', '--skip-worktree', 'sw.txt');
  write(r, 'au.txt', 'two');
  write(r, 'sw.txt', 'two');
  assert.equal(sh(r, 'diff', '--raw', 'HEAD').trim(), '');
  const b = gitBaseline({ contextDir: r, dockerfilePath: path.join(r, 'Dockerfile'), rev: 'HEAD' });
  assert.deepEqual([...b.changedHint].sort(), ['au.txt', 'sw.txt']);
  // and the comparison then finds the content change
  const ctx = loadDiskContext(r, { dockerfilePath: path.join(r, 'Dockerfile') });
  for (const p of ['au.txt', 'sw.txt', 'plain.txt']) assert.equal(ctx.contentId(p) === b.context.contentId(p), p === 'plain.txt', p);
});
