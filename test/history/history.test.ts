// History replay on real git repositories with scripted histories: exact counts per step.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyze, replayHistory, whatIfFixed, stepInsights, importBuildLog, type HistoryResult, type HistoryCommit, type StepHistory } from '../../server/src/engine';
import { loadHistory } from '../../server/src/context/history';
import { Repo } from './gitrepo';

const CLI = resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

function replay(repo: Repo, opts: { dockerfile?: string; context?: string; commits?: number; target?: string; cache?: boolean } = {}): HistoryResult {
  const dockerfile = repo.path(opts.dockerfile ?? 'Dockerfile');
  const data = loadHistory({ contextDir: repo.path(opts.context ?? ''), dockerfilePath: dockerfile, commits: opts.commits, cache: opts.cache ?? false });
  const text = require('node:fs').readFileSync(dockerfile, 'utf8') as string;
  return replayHistory({ commits: data.commits, currentText: text, options: { target: opts.target }, noHistory: data.state === 'no-history' ? data.reason : undefined });
}

function byInstr(r: HistoryResult, instruction: string): StepHistory {
  const s = r.steps.find((x) => x.instruction === instruction);
  assert.ok(s, `no step ${instruction} in ${r.steps.map((x) => x.instruction).join(' | ')}`);
  return s;
}

function counts(r: HistoryResult): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const s of r.steps) out[s.instruction] = [s.rebuilt, s.considered];
  return out;
}

function reasons(s: StepHistory): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of s.reasons) out[r.label] = r.count;
  return out;
}

test('edits, a rename (delete + add), a delete and a mode change: exact counts and root causes', () => {
  const repo = new Repo();
  try {
    repo.write('Dockerfile', 'FROM alpine\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY src/ src/\nRUN npm run build\nCOPY docs/ docs/\n');
    repo.write('package.json', '{}').write('src/a.js', 'a').write('src/b.js', 'b').write('docs/x.md', 'x').write('docs/y.md', 'y');
    repo.commit('init');
    repo.append('src/a.js', '1').commit('edit a');
    repo.git('mv', 'src/b.js', 'src/c.js');
    repo.commit('rename b -> c');
    repo.rm('docs/x.md').commit('delete x');
    repo.write('package.json', '{"x":1}').commit('deps');
    repo.write('src/a.js', 'a1', 0o755).commit('chmod a');
    const r = replay(repo);
    assert.equal(r.state, 'ok');
    assert.equal(r.commits, 5);
    assert.equal(r.skipped.root, 1);
    assert.deepEqual(counts(r), {
      'WORKDIR /app': [0, 5],
      'COPY package.json ./': [1, 5],
      'RUN npm ci': [1, 5],
      'COPY src/ src/': [4, 5],
      'RUN npm run build': [4, 5],
      'COPY docs/ docs/': [5, 5],
    });
    assert.deepEqual(reasons(byInstr(r, 'RUN npm ci')), { 'package.json': 1 });
    // 'src/' rolls up the 3 commits in which some file under src/ caused the miss
    assert.deepEqual(reasons(byInstr(r, 'COPY src/ src/')), { 'src/': 3, 'src/a.js': 2, 'src/b.js': 1, 'src/c.js': 1, 'package.json': 1 });
    assert.deepEqual(byInstr(r, 'COPY src/ src/').reasons[0], { kind: 'directory', label: 'src/', path: 'src', count: 3 });
    assert.deepEqual(reasons(byInstr(r, 'COPY docs/ docs/')), { 'src/': 3, 'src/a.js': 2, 'src/b.js': 1, 'src/c.js': 1, 'package.json': 1, 'docs/x.md': 1 });
    const ci = byInstr(r, 'RUN npm ci');
    assert.equal(ci.hitRate, 0.8);
    assert.equal(ci.cost.class, 'install');
    // expected rebuilt steps per commit = Σ miss rates
    assert.equal(r.expectedRebuiltSteps, Math.round(((0 + 1 + 1 + 4 + 4 + 5) / 5) * 1e4) / 1e4);
    // the estimates per step (CLASS_SECONDS: metadata 0.1 s, file copy 1 s, install 45 s, compile 90 s) ...
    assert.deepEqual(r.steps.map((s) => [s.cost.class, s.cost.seconds]), [['metadata', 0.1], ['copy', 1], ['install', 45], ['copy', 1], ['compile', 90], ['copy', 1]]);
    // ... weighted by the miss rates above: 0×0.1 + 0.2×1 + 0.2×45 + 0.8×1 + 0.8×90 + 1×1 = 83 s per commit
    assert.ok(Math.abs(r.expectedCostSeconds - 83) < 0.01, String(r.expectedCostSeconds));
  } finally {
    repo.dispose();
  }
});

test('Dockerfile edits that add, change and remove steps: new steps count from when they appear', () => {
  const repo = new Repo();
  try {
    repo.write('a.txt', 'a').write('b.txt', 'b');
    repo.write('Dockerfile', 'FROM alpine\nCOPY a.txt /a\nRUN echo one\n').commit('init');
    repo.append('a.txt', '1').commit('edit a');
    repo.write('Dockerfile', 'FROM alpine\nCOPY a.txt /a\nRUN echo one\nRUN echo two\n').commit('add step');
    repo.append('b.txt', '1').commit('edit b (read by nothing)');
    repo.write('Dockerfile', 'FROM alpine\nCOPY a.txt /a\nRUN echo uno\nRUN echo two\n').commit('change step');
    repo.write('Dockerfile', 'FROM alpine\nRUN echo uno\nRUN echo two\n').commit('remove step');
    repo.append('a.txt', '2').commit('edit a (read by nothing now)');
    const r = replay(repo);
    assert.equal(r.commits, 6);
    assert.deepEqual(counts(r), { 'RUN echo uno': [2, 3], 'RUN echo two': [3, 5] });
    assert.deepEqual(reasons(byInstr(r, 'RUN echo uno')), { 'Dockerfile edit': 2 });
    assert.deepEqual(reasons(byInstr(r, 'RUN echo two')), { 'Dockerfile edit': 3 });
    assert.deepEqual(r.steps.map((s) => s.line), [2, 3]);
    // per-commit view, newest first
    assert.deepEqual(r.perCommit.map((c) => c.rebuilt.length), [0, 2, 2, 0, 1, 0]);
  } finally {
    repo.dispose();
  }
});

test('context in a subdirectory, Dockerfile outside it, files outside the context, .dockerignore change mid-history', () => {
  const repo = new Repo();
  try {
    repo.write('docker/Dockerfile', 'FROM alpine\nCOPY . /src\nRUN make\n');
    repo.write('app/.dockerignore', '.dockerignore\nsecret.txt\n').write('app/main.c', 'int main;').write('app/secret.txt', 's0').write('docs/readme', 'r');
    repo.commit('init');
    repo.append('docs/readme', '1').commit('docs only (outside the context)');
    repo.append('app/main.c', '//').commit('edit main.c');
    repo.append('app/secret.txt', '1').commit('edit an ignored file');
    repo.write('docker/Dockerfile', 'FROM alpine\nLABEL x=y\nCOPY . /src\nRUN make\n').commit('LABEL only');
    repo.write('app/.dockerignore', '.dockerignore\n').commit('stop ignoring secret.txt');
    repo.append('docs/readme', '2').commit('docs again');
    repo.append('app/secret.txt', '2').commit('edit secret.txt (now sent)');
    const r = replay(repo, { dockerfile: 'docker/Dockerfile', context: 'app' });
    assert.equal(r.commits, 5);
    assert.deepEqual(counts(r), { 'COPY . /src': [3, 5], 'RUN make': [3, 5] });
    assert.deepEqual(reasons(byInstr(r, 'COPY . /src')), { 'secret.txt': 2, 'main.c': 1 });
    assert.deepEqual(reasons(byInstr(r, 'RUN make')), { 'secret.txt': 2, 'main.c': 1 });
    // --commits 2: the two newest commits that touched the context or the Dockerfile
    const r2 = replay(repo, { dockerfile: 'docker/Dockerfile', context: 'app', commits: 2 });
    assert.equal(r2.commits, 2);
    assert.deepEqual(counts(r2), { 'COPY . /src': [2, 2], 'RUN make': [2, 2] });
  } finally {
    repo.dispose();
  }
});

test('merges are compared with their first parent; side-branch commits are not replayed', () => {
  const repo = new Repo();
  try {
    repo.write('Dockerfile', 'FROM alpine\nCOPY src/ /src/\nCOPY other.txt /o\n').write('src/a', 'a').write('src/b', 'b').write('other.txt', 'o');
    repo.commit('init');
    repo.append('src/a', '1').commit('main: edit a');
    repo.git('checkout', '-q', '-b', 'side');
    repo.append('src/b', '1').commit('side: edit b');
    repo.append('src/b', '2').commit('side: edit b again');
    repo.git('checkout', '-q', 'main');
    repo.append('other.txt', '1').commit('main: edit other');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');
    const r = replay(repo);
    assert.equal(r.commits, 3);
    assert.deepEqual(counts(r), { 'COPY src/ /src/': [2, 3], 'COPY other.txt /o': [3, 3] });
    assert.deepEqual(reasons(byInstr(r, 'COPY src/ /src/')), { 'src/': 2, 'src/a': 1, 'src/b': 1 });
    assert.equal(r.perCommit[0]!.subject, 'merge side');
  } finally {
    repo.dispose();
  }
});

test('multi-stage: copies from a rebuilt stage count as maybe, stages the target does not need are left out', () => {
  const repo = new Repo();
  try {
    repo.write('Dockerfile', 'FROM alpine AS builder\nCOPY lib.txt /lib.txt\nRUN cc -o /lib /lib.txt\nFROM alpine AS unused\nCOPY other.txt /o\nFROM alpine AS final\nCOPY --from=builder /lib /lib\nCOPY app.txt /app.txt\n');
    repo.write('lib.txt', 'l').write('other.txt', 'o').write('app.txt', 'a').commit('init');
    repo.append('lib.txt', '1').commit('lib');
    repo.append('other.txt', '1').commit('other');
    repo.append('app.txt', '1').commit('app');
    const r = replay(repo);
    assert.equal(r.commits, 3);
    assert.deepEqual(counts(r), { 'COPY lib.txt /lib.txt': [1, 3], 'RUN cc -o /lib /lib.txt': [1, 3], 'COPY --from=builder /lib /lib': [0, 3], 'COPY app.txt /app.txt': [1, 3] });
    assert.equal(byInstr(r, 'COPY --from=builder /lib /lib').maybe, 1);
    assert.equal(byInstr(r, 'COPY --from=builder /lib /lib').hitRate, 1);
    assert.equal(byInstr(r, 'COPY app.txt /app.txt').maybe, 1);
    assert.ok(!r.steps.some((s) => s.instruction === 'COPY other.txt /o'));
    assert.equal(byInstr(r, 'RUN cc -o /lib /lib.txt').cost.class, 'compile');
    const rb = replay(repo, { target: 'builder' });
    assert.deepEqual(counts(rb), { 'COPY lib.txt /lib.txt': [1, 3], 'RUN cc -o /lib /lib.txt': [1, 3] });
    const ru = replay(repo, { target: 'unused' });
    assert.deepEqual(counts(ru), { 'COPY other.txt /o': [1, 3] });
  } finally {
    repo.dispose();
  }
});

test('no history: shallow clone, empty repository, a single commit, not a repository', () => {
  const repo = new Repo();
  const dir = mkdtempSync(join(tmpdir(), 'lw-hist-x-'));
  try {
    repo.write('Dockerfile', 'FROM alpine\nCOPY . .\n').write('a', '1').commit('one');
    let r = replay(repo);
    assert.equal(r.state, 'no-history');
    assert.equal(r.commits, 0);
    assert.match(r.note ?? '', /no parent/);
    repo.append('a', '2').commit('two');
    repo.append('a', '3').commit('three');
    assert.equal(replay(repo).commits, 2);
    // shallow clone
    const clone = new Repo(join(dir, 'clone'), false);
    spawnSync('git', ['clone', '-q', '--depth', '1', 'file://' + repo.root, clone.root], { encoding: 'utf8' });
    assert.ok(existsSync(clone.path('Dockerfile')));
    r = replay(clone);
    assert.equal(r.state, 'no-history');
    assert.match(r.note ?? '', /shallow clone/);
    assert.ok(r.steps.every((s) => s.considered === 0 && s.hitRate === null));
    // empty repository
    const empty = new Repo(join(dir, 'empty'), false);
    require('node:fs').mkdirSync(empty.root);
    empty.git('init', '-q');
    empty.write('Dockerfile', 'FROM alpine\n');
    r = replay(empty);
    assert.equal(r.state, 'no-history');
    assert.match(r.note ?? '', /no commits/);
    // not a repository
    const plain = new Repo(join(dir, 'plain'), false);
    plain.write('Dockerfile', 'FROM alpine\nRUN true\n');
    r = replay(plain);
    assert.equal(r.state, 'no-history');
    assert.match(r.note ?? '', /not in a git repository/);
  } finally {
    repo.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on-disk cache keyed by HEAD: reused until HEAD moves', () => {
  const repo = new Repo();
  try {
    repo.write('Dockerfile', 'FROM alpine\nCOPY . .\n').write('a', '1').commit('one');
    repo.append('a', '2').commit('two');
    const o = { contextDir: repo.root, dockerfilePath: repo.path('Dockerfile') };
    const d1 = loadHistory(o);
    assert.equal(d1.source, 'git');
    assert.ok(d1.cacheFile && d1.cacheFile.startsWith(join(repo.root, '.git')), d1.cacheFile);
    const d2 = loadHistory(o);
    assert.equal(d2.source, 'cache');
    assert.deepEqual(d2.commits, d1.commits);
    repo.append('a', '3').commit('three');
    const d3 = loadHistory(o);
    assert.equal(d3.source, 'git');
    assert.equal(d3.commits.length, 3);
    // the cache file does not change the repository's status
    assert.equal(repo.git('status', '--porcelain'), '');
  } finally {
    repo.dispose();
  }
});

function pureCommits(n: number, pkgEvery: number): HistoryCommit[] {
  const out: HistoryCommit[] = [];
  for (let i = n; i >= 1; i--) {
    const path = i % pkgEvery === 0 ? 'package.json' : 'src/x.js';
    out.push({
      id: 'c' + i,
      parents: ['c' + (i - 1)],
      changes: [{ path, before: { mode: '100644', id: 'b' + (i - 1) }, after: { mode: '100644', id: 'b' + i } }],
      dockerfile: { before: null, after: null },
      ignore: { before: null, after: null },
    });
  }
  return out;
}

test('whatIfFixed: copying the manifest before the install saves its cost on every commit that did not touch it', () => {
  const bad = 'FROM node\nWORKDIR /app\nCOPY . .\nRUN npm ci\n';
  const good = 'FROM node\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n';
  const commits = pureCommits(10, 10).map((c) => ({ ...c, dockerfile: { before: bad, after: bad } }));
  const w = whatIfFixed({ commits, currentText: bad }, good);
  assert.equal(w.before.commits, 10);
  assert.deepEqual(counts(w.before), { 'WORKDIR /app': [0, 10], 'COPY . .': [10, 10], 'RUN npm ci': [10, 10] });
  assert.deepEqual(counts(w.after), { 'WORKDIR /app': [0, 10], 'COPY package.json package-lock.json ./': [1, 10], 'RUN npm ci': [1, 10], 'COPY . .': [10, 10] });
  assert.equal(w.before.expectedCostSeconds, 48); // COPY . . ~3 s + npm ci ~45 s
  assert.equal(w.after.expectedCostSeconds, 7.6); // 0.1 × 1 s + 0.1 × 45 s + 3 s
  assert.equal(w.savedSecondsPerCommit, 40.4);
  assert.equal(w.savedStepsPerCommit, 0.8);
});

test('stepInsights merges hit rates, estimates and real durations by step identity', () => {
  const text = 'FROM node\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n';
  const commits = pureCommits(8, 4).map((c) => ({ ...c, dockerfile: { before: text, after: text } }));
  const h = replayHistory({ commits, currentText: text });
  const log = ['#1 [internal] load build definition from Dockerfile', '#1 DONE 0.0s', '#2 [1/4] FROM docker.io/library/node', '#2 CACHED',
    '#3 [2/4] WORKDIR /app', '#3 CACHED', '#4 [3/4] COPY package.json ./', '#4 DONE 0.2s', '#5 [4/4] RUN npm ci', '#5 DONE 94.3s',
    '#6 [5/5] COPY . .', '#6 DONE 1.1s', '#7 exporting to image', '#7 DONE 0.5s'].join('\n');
  // the document was edited since (a LABEL added above): steps are still found by identity
  const edited = analyze('FROM node\nLABEL a=b\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n');
  const ins = stepInsights(edited, h, importBuildLog(analyze(text), log));
  const ci = ins.find((s) => s.instruction === 'RUN npm ci')!;
  assert.equal(ci.line, 5);
  assert.equal(ci.history?.rebuilt, 2);
  assert.equal(ci.history?.considered, 8);
  assert.equal(ci.cost.source, 'build-log');
  assert.equal(ci.cost.seconds, 94.3);
  assert.equal(ci.summary, 'hit rate 75% (2/8 commits rebuilt) · 94 s when rebuilt · last build: rebuilt, 94 s');
  const wd = ins.find((s) => s.instruction === 'WORKDIR /app')!;
  assert.equal(wd.lastBuild?.status, 'cached');
  assert.equal(wd.cost.source, 'estimate');
  assert.match(wd.summary, /^hit rate 100% \(0\/8 commits rebuilt\) · ~0\.1 s when rebuilt · last build: cached$/);
});

test('CLI: layerwise history JSON shape and text table; one-line errors with exit 2', () => {
  const repo = new Repo();
  try {
    repo.write('Dockerfile', 'FROM alpine\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n').write('package.json', '{}').write('src/a.js', 'a');
    repo.commit('init');
    for (let i = 0; i < 4; i++) repo.append('src/a.js', String(i)).commit();
    repo.write('package.json', '{"a":1}').commit('deps');
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, LAYERWISE_NO_HISTORY_CACHE: '1' } });
    const j = run('history', '--format', 'json');
    assert.equal(j.status, 0, j.stderr);
    const out = JSON.parse(j.stdout);
    assert.equal(out.commits, 5);
    assert.deepEqual(
      out.steps.map((s: { line: number; instruction: string; rebuilt: number; considered: number; hitRate: number }) => [s.line, s.instruction, s.rebuilt, s.considered, s.hitRate]),
      [[2, 'COPY package.json ./', 1, 5, 0.8], [3, 'RUN npm ci', 1, 5, 0.8], [4, 'COPY . .', 5, 5, 0], [5, 'RUN npm run build', 5, 5, 0]],
    );
    assert.deepEqual(out.steps[3].reasons[0], { kind: 'path', label: 'src/a.js', path: 'src/a.js', count: 4 });
    const t = run('history');
    assert.equal(t.status, 0, t.stderr);
    const lines = t.stdout.split('\n');
    assert.match(lines[1]!, /^5 commits replayed/);
    // most expensive misses first: the build (compile) then COPY . .
    const rows = lines.filter((l) => /^\d+ +(\d+\/\d+|–) /.test(l));
    assert.match(rows[0]!, /^5 +5\/5 +██████████ +0% .*RUN npm run build/);
    assert.match(rows.find((l) => l.includes('RUN npm ci'))!, /1\/5 +██░░░░░░░░ +80%/);
    const bad = run('history', '--commits', '0');
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /--commits "0"/);
    const nf = run('history', 'nope/Dockerfile');
    assert.equal(nf.status, 2);
    assert.match(nf.stderr, /no such Dockerfile/);
  } finally {
    repo.dispose();
  }
});
