// Protocol tests for the history and build-evidence features of the language server: hit rates from a scripted git
// history in hovers and lenses, `layerwise/importBuild` with logs from real builds (a saved one from
// test/oracle/logs, and — when a builder is reachable — fresh ones made here), prediction-mismatch diagnostics,
// persistence across restarts, and `layerwise/cacheReport`.
import { test, describe, after, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LspClient, tempContext } from './client';
import { Repo } from '../history/gitrepo';
import { DOCKER, dockerEnv, findBuilder, lockBuilder } from '../oracle/harness';
// the Dockerfile of the oracle scenarios manifest-first/* (test/oracle/logs/single-stage.log was built from it)
import { MANIFEST_FIRST } from '../oracle/scenarios';

const LOGS = path.resolve(__dirname, '..', '..', '..', 'test', 'oracle', 'logs');


const clients: LspClient[] = [];
const repos: Repo[] = [];
async function start(root: string, init: Record<string, unknown> = {}): Promise<LspClient> {
  const c = await LspClient.start({ root, initializationOptions: init });
  clients.push(c);
  return c;
}
after(async () => {
  for (const c of clients) await c.stop();
  for (const r of repos) r.dispose();
});

/** root commit + 2 commits that change package.json + 6 that change src.js (8 replayed). */
function scriptedRepo(): Repo {
  const r = new Repo(fs.realpathSync(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'lw-lsp-hist-'))));
  repos.push(r);
  r.write('Dockerfile', MANIFEST_FIRST).write('.dockerignore', '.git\n').write('package.json', '{"v":0}\n').write('src.js', 'console.log(0)\n');
  r.commit('init');
  for (let i = 1; i <= 8; i++) {
    if (i === 3 || i === 6) r.write('package.json', `{"v":${i}}\n`);
    else r.write('src.js', `console.log(${i})\n`);
    r.commit(`c${i}`);
  }
  return r;
}

function historyNotes(c: LspClient, uri: string): unknown[] {
  return c.notifications.filter((n) => n.method === 'layerwise/history' && (n.params as { uri: string }).uri === uri).map((n) => n.params);
}

async function untilHover(c: LspClient, uri: string, line: number, re: RegExp, timeoutMs = 20000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await c.hoverText(uri, line);
    if (re.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hover of line ${line} never matched ${re}:\n${last}\nlog:\n${c.messages.join('\n')}`);
}

describe('hit rates from the git history', () => {
  test('hover shows the exact hit rate and top reasons; the lens title gains "hit rate N%"', async () => {
    const repo = scriptedRepo();
    const c = await start(repo.root);
    const uri = c.open(repo.path('Dockerfile'));
    await c.waitDiagnostics(uri);
    const run = await untilHover(c, uri, 3, /hit rate/);
    assert.match(run, /\*\*Cache history\*\*: hit rate 75% \(2\/8 commits rebuilt\) · ~\d+(\.\d)? s when rebuilt/);
    assert.match(run, /Rebuilt by: `package\.json` \(2 commits\)/);
    const copyAll = await c.hoverText(uri, 4);
    assert.match(copyAll, /hit rate 0% \(8\/8 commits rebuilt\)/);
    assert.match(copyAll, /`src\.js` \(6 commits\)/);
    const workdir = await c.hoverText(uri, 1);
    assert.match(workdir, /hit rate 100% \(0\/8 commits rebuilt\)/);
    const lenses = await c.codeLenses(uri);
    const title = (line: number) => lenses.find((l) => l.range.start.line === line)?.command?.title ?? '';
    assert.match(title(3), /^step 3\/5 · hit rate 75% · /);
    assert.match(title(5), /hit rate 0%/);
    // the replay was cached on disk per HEAD under the repository's git dir
    assert.ok(fs.readdirSync(repo.path('.git/layerwise')).some((f) => /^history-.*\.json$/.test(f)));
  });

  test('a new commit (HEAD moves) is picked up; an edited step has no history until it is committed', async () => {
    const repo = scriptedRepo();
    const c = await start(repo.root);
    const uri = c.open(repo.path('Dockerfile'));
    await untilHover(c, uri, 3, /hit rate 75%/);
    repo.write('package.json', '{"v":9}\n');
    repo.commit('c9');
    // any analysis asks again; the worker rereads git because HEAD moved
    c.change(uri, MANIFEST_FIRST + '# touched\n');
    await untilHover(c, uri, 3, /hit rate 67% \(3\/9 commits rebuilt\)/);
    c.change(uri, MANIFEST_FIRST.replace('echo installing', 'echo installing!'));
    await c.waitDiagnostics(uri, (_d, p) => p.version === 3);
    const edited = await c.hoverText(uri, 3);
    assert.doesNotMatch(edited, /hit rate/);
    assert.match(await untilHover(c, uri, 2, /hit rate/), /hit rate 67% \(3\/9 commits rebuilt\)/);
  });

  test('no history (not a repository), untrusted, or layerwise.history.enabled off: nothing shown, no error', async () => {
    const dir = tempContext({ Dockerfile: MANIFEST_FIRST, 'package.json': '{}', 'src.js': '1' });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const d = await c.waitDiagnostics(uri);
    // the history worker's answer for this document: no repository, no history
    await c.until(() => c.notifications.some((n) => n.method === 'layerwise/history' && (n.params as { uri: string; state: string }).uri === uri), 20000, 'the history answer');
    assert.deepEqual(historyNotes(c, uri), [{ uri, state: 'no-history', commits: 0 }]);
    const h = await c.hoverText(uri, 3);
    assert.match(h, /step 3 of 5/);
    assert.doesNotMatch(h, /hit rate|Cache history/);
    assert.ok(!d.diagnostics.some((x) => /history/i.test(x.message)));
    assert.ok(c.alive);

    const repo = scriptedRepo();
    const off: { c: LspClient; uri: string; init: object }[] = [];
    for (const init of [{ trusted: false }, { settings: { history: { enabled: false } } }]) {
      const c2 = await start(repo.root, init);
      off.push({ c: c2, uri: c2.open(repo.path('Dockerfile')), init });
    }
    // a server with the history on, started after them on the same repository: once its hover has the hit rate, a
    // server that wrongly replayed the history would have it too (no fixed sleep: the control's answer is the clock)
    const control = await start(repo.root);
    const cu = control.open(repo.path('Dockerfile'));
    await untilHover(control, cu, 3, /hit rate 75%/);
    for (const { c: c2, uri: u2, init } of off) {
      await c2.waitDiagnostics(u2);
      assert.doesNotMatch(await c2.hoverText(u2, 3), /hit rate|Cache history/, JSON.stringify(init));
      const lenses = await c2.codeLenses(u2);
      assert.ok(lenses.every((l) => !/hit rate/.test(l.command?.title ?? '')));
      assert.deepEqual(historyNotes(c2, u2), [], 'no history answer at all');
    }
  });

  test('layerwise.history.commits limits the replay', async () => {
    const repo = scriptedRepo();
    const c = await start(repo.root, { settings: { history: { commits: 4 } } });
    const uri = c.open(repo.path('Dockerfile'));
    // the last 4 commits: c5 (src), c6 (package.json), c7, c8 (src)
    const h = await untilHover(c, uri, 3, /hit rate/);
    assert.match(h, /hit rate 75% \(1\/4 commits rebuilt\)/);
  });

  test('a history replay that runs out of memory ends its worker only: the error says so, the server goes on, the next replay starts a new worker', async () => {
    const repo = scriptedRepo();
    const c = await LspClient.start({ root: repo.root, env: { ...process.env, LAYERWISE_TEST_FAULTS: '1' } });
    clients.push(c);
    const uri = c.open(repo.path('Dockerfile'), `# layerwise-test-fault: history-oom\n${MANIFEST_FIRST}`);
    const logged = () => c.notifications.filter((n) => n.method === 'window/logMessage').map((n) => (n.params as { message: string }).message);
    await c.until(() => logged().some((m) => /history worker ran out of memory \(over 128 MB\)/.test(m)), 60_000, 'the history worker out of memory');
    assert.ok(c.alive, 'the server survived');
    // the limit held: the process's peak resident set stayed far below V8's default heap limit (~4 GB here)
    const peakMb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${c.proc.pid}/status`, 'utf8'))![1]) / 1024;
    assert.ok(peakMb < 1024, `peak RSS ${peakMb.toFixed(0)} MB`);
    assert.match(await c.hoverText(uri, 4), /step 3 of 5/);
    // the document without the fault: a new history worker replays it
    c.change(uri, MANIFEST_FIRST);
    assert.match(await untilHover(c, uri, 3, /hit rate/, 60_000), /hit rate 75% \(2\/8 commits rebuilt\)/);
    assert.ok(c.alive);
  });

  test('cache report: steps by expected cost per commit, hit rates with a bar, reasons, what fixes save', async () => {
    const repo = scriptedRepo();
    const c = await start(repo.root);
    const uri = c.open(repo.path('Dockerfile'));
    await c.waitDiagnostics(uri);
    const r = await c.request<{ markdown: string; state: string; commits: number }>('layerwise/cacheReport', { uri });
    assert.equal(r.state, 'ok');
    assert.equal(r.commits, 8);
    const md = r.markdown;
    assert.match(md, /^# Cache report: Dockerfile/);
    assert.match(md, /8 commits replayed/);
    assert.match(md, /\*\*Expected per commit: 2\.50 steps rebuilt/);
    assert.match(md, /\| line \| step \| hit rate \|/);
    const rows = md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    assert.equal(rows.length, 5);
    // COPY . . (a copy of the whole context, ~3 s) misses every commit: the costliest per commit; WORKDIR never
    // misses: last; the rows are sorted by miss rate × cost
    assert.match(rows[0]!, /^\| 5 \| `COPY \. \.` \| 0% \| `░░░░░░░░░░` \| 8\/8 \| ~3 s copy \| 3 s \|/);
    assert.match(md, /\| 6 \| `RUN cat src\.js > \/built` \| 0% \| `░░░░░░░░░░` \| 8\/8 \|/);
    const perCommit = rows.map((l) => l.split(' | ')[6]!).map((x) => (x === '0' ? 0 : parseFloat(x)));
    assert.deepEqual(perCommit, [...perCommit].sort((a, b) => b - a), rows.join('\n'));
    assert.match(rows[rows.length - 1]!, /^\| 2 \| `WORKDIR \/app` \| 100% \| `██████████` \| 0\/8 \|/);
    assert.match(md, /\| 4 \| `RUN cat package\.json > \/installed && echo installing` \| 75% \| `████████░░` \| 2\/8 \|.*`package\.json` \(2\)/);
    assert.match(md, /## What the fixes would save/);
    if (process.env.LW_PRINT_REPORT) console.log(md);
  });

  test('cache report on a file without history says so (and still names hit rates)', async () => {
    const dir = tempContext({ Dockerfile: MANIFEST_FIRST, 'package.json': '{}', 'src.js': '1' });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const r = await c.request<{ markdown: string; state: string }>('layerwise/cacheReport', { uri });
    assert.equal(r.state, 'no-history');
    assert.match(r.markdown, /No hit rates from the git history\*\*: .*not in a git repository/);
  });
});

describe('importing a build log', () => {
  test('a saved plain log from a real build: last build in hovers, real durations, mismatch diagnostics, persisted', async () => {
    const repo = scriptedRepo();
    // the log (second build of manifest-first/edit-src): WORKDIR, COPY package.json, RUN cached; COPY . ., RUN rebuilt.
    // Here package.json changed since HEAD, so the prediction rebuilds from COPY package.json: two disagreements.
    repo.write('package.json', '{"v":"edited"}\n');
    const log = fs.readFileSync(path.join(LOGS, 'single-stage.log'), 'utf8');
    const c = await start(repo.root);
    const uri = c.open(repo.path('Dockerfile'));
    await c.waitDiagnostics(uri);
    const r = await c.request<{ executed: number; cached: number; baseline: string | null; mismatches: { line: number; message: string }[]; stored: string | null }>('layerwise/importBuild', { uri, logText: log, source: 'single-stage.log' });
    assert.equal(r.executed, 2);
    assert.equal(r.cached, 3);
    assert.match(r.baseline ?? '', /^HEAD \([0-9a-f]{12}\)$/);
    assert.deepEqual(r.mismatches.map((m) => m.line), [3, 4]);
    assert.ok(r.stored && r.stored.startsWith(repo.path('.git/layerwise')), String(r.stored));
    const p = await c.waitDiagnostics(uri, (d) => d.some((x) => x.code === 'prediction-mismatch'));
    const mm = p.diagnostics.filter((x) => x.code === 'prediction-mismatch');
    assert.deepEqual(mm.map((x) => x.range.start.line), [2, 3]);
    for (const x of mm) assert.equal(x.severity, 3 /* Information */);
    assert.match(mm[0]!.message, /^The last build took this step from the cache, but Layerwise predicts a rebuild since HEAD \([0-9a-f]{12}\): .*package\.json/);
    // hovers: last build, and the real duration replaces the estimate
    const last = await c.hoverText(uri, 5);
    assert.match(last, /0\.1 s when rebuilt · last build: rebuilt, 0\.1 s/);
    assert.doesNotMatch(last, /~0\.1 s when rebuilt/);
    assert.match(await c.hoverText(uri, 1), /last build: cached/);
    // decorations for the client
    const note = await c.until(() => [...c.notifications].reverse().find((n) => n.method === 'layerwise/lastBuild' && (n.params as { uri: string }).uri === uri), 5000, 'lastBuild');
    const items = (note.params as { items: { line: number; text: string; mismatch: boolean }[] }).items;
    assert.deepEqual(items.map((i) => [i.line, i.text, i.mismatch]), [
      [1, 'last build: cached', false],
      [2, 'last build: cached', true],
      [3, 'last build: cached', true],
      [4, 'last build: rebuilt, 0 s', false],
      [5, 'last build: rebuilt, 0.1 s', false],
    ]);
    await c.stop();

    // a restart reads the record back from .git/layerwise
    const c2 = await start(repo.root);
    const u2 = c2.open(repo.path('Dockerfile'));
    await c2.waitDiagnostics(u2, (d) => d.some((x) => x.code === 'prediction-mismatch'));
    assert.match(await c2.hoverText(u2, 5), /last build: rebuilt, 0\.1 s/);
  });

  test('a log that is not a BuildKit log is a clear error, not a crash', async () => {
    const repo = scriptedRepo();
    const c = await start(repo.root);
    const uri = c.open(repo.path('Dockerfile'));
    await c.waitDiagnostics(uri);
    await assert.rejects(c.request('layerwise/importBuild', { uri, logText: 'Step 1/3 : FROM x\n ---> abc\n' }), /classic builder/);
    await assert.rejects(c.request('layerwise/importBuild', { uri, logText: '' }), /empty/);
    assert.ok(c.alive);
  });
});

const isCI = process.env.CI === 'true';
const builder = findBuilder();
const skipReal = builder.problem && !isCI ? `real-build tests skipped: ${builder.problem}` : undefined;

describe('importing logs of builds made by this test', { skip: skipReal }, () => {
  let release: (() => void) | undefined;
  let repo: Repo;
  let first = '';
  let second = '';
  let nonce = '';
  const DF = (n: string) =>
    ['FROM localbase', 'WORKDIR /app', `RUN echo prep-${n} > /prep`, 'COPY app.txt ./', `RUN sleep 1 && cat app.txt > /out && echo built-${n}`, ''].join('\n');
  const build = () => {
    const r = spawnSync(DOCKER, ['build', '--network=none', '--progress=plain', repo.root], { cwd: repo.root, env: dockerEnv(builder.host!), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, (r.stdout ?? '') + (r.stderr ?? ''));
    return (r.stdout ?? '') + (r.stderr ?? '');
  };
  before(() => {
    assert.ok(!builder.problem, `needs a builder (CI=true makes this an error): ${builder.problem}`);
    release = lockBuilder(builder.host!);
    nonce = randomBytes(6).toString('hex');
    repo = new Repo(fs.realpathSync(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'lw-lsp-build-'))));
    repos.push(repo);
    repo.write('Dockerfile', DF(nonce)).write('app.txt', `app ${nonce}\n`).write('.dockerignore', '.git\n');
    repo.commit('init');
    first = build();
    repo.append('app.txt', 'more\n'); // not committed: the prediction since HEAD rebuilds from COPY app.txt
    second = build();
  });
  after(() => release?.());

  test('the second build agrees with the prediction: last build with real durations, no mismatch', async () => {
    const c = await start(repo.root);
    const uri = c.open(repo.path('Dockerfile'));
    await c.waitDiagnostics(uri);
    const r = await c.request<{ executed: number; mismatches: unknown[] }>('layerwise/importBuild', { uri, logText: second });
    assert.equal(r.executed, 2);
    assert.deepEqual(r.mismatches, []);
    const h = await c.hoverText(uri, 4);
    const m = /last build: rebuilt, (\d+(?:\.\d)?) s/.exec(h);
    assert.ok(m && Number(m[1]) >= 1, h);
    assert.match(await c.hoverText(uri, 2), /last build: cached/);
    // the evidence is published (diagnostics, then layerwise/lastBuild) before importBuild answers
    assert.ok(c.notifications.some((n) => n.method === 'layerwise/lastBuild' && (n.params as { uri: string }).uri === uri), 'evidence published');
    assert.ok(!(c.lastDiagnostics(uri)?.diagnostics ?? []).some((d) => d.code === 'prediction-mismatch'));
  });

  test('the first build (everything executed) contradicts the prediction for the steps it expects cached', async () => {
    const c = await start(repo.root);
    const uri = c.open(repo.path('Dockerfile'));
    await c.waitDiagnostics(uri);
    const r = await c.request<{ mismatches: { line: number }[] }>('layerwise/importBuild', { uri, logText: first });
    // RUN echo prep-<nonce> is predicted cached (nothing changed before it) but ran in the first build; WORKDIR
    // may have been cached by an earlier run of this suite (its key has no nonce)
    assert.ok(r.mismatches.some((x) => x.line === 3), JSON.stringify(r.mismatches));
    const p = await c.waitDiagnostics(uri, (d) => d.some((x) => x.code === 'prediction-mismatch'));
    const d = p.diagnostics.find((x) => x.code === 'prediction-mismatch' && x.range.start.line === 2)!;
    assert.match(d.message, /^The last build rebuilt this step \(\d.* s\), but Layerwise predicts a cache hit since HEAD/);
  });
});
