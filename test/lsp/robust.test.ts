// A language server that never crashes, hangs or goes stale: the built server (dist/server.js) under a seeded storm
// checked against a fresh server (the model, see storm.ts), with a small fixed budget; worker containment with real
// faults (LAYERWISE_TEST_FAULTS: a worker that exits, loops or runs out of memory); huge and binary files; a hover
// right after a watched-file event. The long mode is bench/stress.bench.ts.
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LspClient, tempContext, FULL_CAPS } from './client';
import { rssOf, runStorm } from './storm';

const clients: LspClient[] = [];
async function start(root: string, env: Record<string, string> = {}, init: Record<string, unknown> = {}): Promise<LspClient> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const c = await LspClient.start({ root, capabilities: FULL_CAPS, initializationOptions: { debounceMs: undefined, ...init } });
  process.env = saved;
  clients.push(c);
  return c;
}
after(async () => {
  for (const c of clients) await c.stop();
});

const SMALL = 'FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY src ./src\nCMD ["node", "src/a.js"]\n';
const errorsLogged = (c: LspClient) => c.notifications.filter((n) => n.method === 'window/logMessage' && (n.params as { type: number }).type === 1).map((n) => (n.params as { message: string }).message);

describe('robust language server', () => {
  for (const seed of [1, 2, 3]) {
    test(`seeded storm ${seed}: no crash, every request answered, no stale or foreign publication, final state equals a fresh server's`, async () => {
      const res = await runStorm({ seed, ops: 220, docs: 5 });
      assert.deepEqual(res.failures, [], res.failures.join('\n'));
      assert.ok(res.edits > 50 && res.requests > 20 && res.compared >= 2, `${res.edits} edits, ${res.requests} requests, ${res.compared} documents compared`);
    });
  }

  test('containment: a worker that exits, hangs or runs out of memory (by steps, or in one allocation larger than its heap limit) costs that document one diagnostic; the others go on', async () => {
    const dir = tempContext({ 'package.json': '{}', 'src/a.js': '1', Dockerfile: SMALL, 'crash.Dockerfile': SMALL, 'hang.Dockerfile': SMALL, 'oom.Dockerfile': SMALL, 'bigalloc.Dockerfile': SMALL });
    const c = await start(dir, { LAYERWISE_TEST_FAULTS: '1' });
    const ok = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(ok);
    for (const fault of ['crash', 'hang', 'oom', 'bigalloc'] as const) {
      const uri = c.open(path.join(dir, `${fault}.Dockerfile`), `# layerwise-test-fault: ${fault}\n${SMALL}`);
      const p = await c.waitDiagnostics(uri, (d) => d.length > 0, 60_000);
      assert.equal(p.diagnostics.length, 1, JSON.stringify(p.diagnostics));
      const want = fault === 'crash' ? /could not be analysed: the analysis worker stopped \(exit code 70\)/ : fault === 'hang' ? /could not be analysed: it took over 5 s without answering/ : /could not be analysed: it ran out of memory/;
      assert.match(p.diagnostics[0]!.message, want);
      assert.ok(c.alive, `the server survived the ${fault} fault`);
      // the other document is analysed by the restarted worker, and its hovers answer
      const v = c.change(ok, SMALL.replace('npm ci', `npm ci --${fault}`));
      const q = await c.waitDiagnostics(ok, (_d, pp) => pp.version === v, 60_000);
      assert.ok(q.diagnostics.length > 0);
      assert.match(await c.hoverText(ok, 3), new RegExp(`npm ci --${fault}`));
      // the faulty version is not tried again (no crash loop); its next version is
      const w = c.change(uri, `# layerwise-test-fault: ${fault}\n${SMALL}\n`);
      await c.waitDiagnostics(uri, (_d, pp) => pp.version === w, 60_000);
    }
    assert.ok(c.alive);
    // a crash is a bug and says so at error level; running out of memory or time is a contained budget outcome
    assert.deepEqual(errorsLogged(c).filter((m) => /analysis worker exited \(70\)/.test(m)).length, 2, errorsLogged(c).join('\n'));
    assert.deepEqual(errorsLogged(c).filter((m) => !/analysis worker exited \(70\)/.test(m)), []);
  });

  test('.dockerignore documents are analysed in the worker: one that hangs it costs that document one diagnostic, the protocol thread goes on', async () => {
    const dir = tempContext({ 'package.json': '{}', 'src/a.js': '1', Dockerfile: SMALL, '.dockerignore': 'node_modules\n' });
    const c = await start(dir, { LAYERWISE_TEST_FAULTS: '1' });
    const df = c.open(path.join(dir, 'Dockerfile'));
    // its full analysis, not the text-only first publication: the hover below answers from it while the worker hangs
    await c.waitFullDiagnostics(df, 60_000);
    const uri = c.open(path.join(dir, '.dockerignore'), '# layerwise-test-fault: hang\nnode_modules\n*.md\n', 'dockerignore');
    // the worker loops on it: the protocol thread still answers (from the Dockerfile's complete analysis), and a hover
    // on the ignore document itself answers within its budget (3 s), before the watchdog (5 s here) ends the worker
    await new Promise((r) => setTimeout(r, 500));
    assert.match(await c.hoverText(df, 3), /npm ci/);
    assert.equal(await c.hover(uri, 1), null);
    assert.equal(c.lastDiagnostics(uri), undefined, 'the hover waited for the worker to be ended');
    const p = await c.waitDiagnostics(uri, (d) => d.length > 0, 60_000);
    assert.equal(p.diagnostics.length, 1, JSON.stringify(p.diagnostics));
    assert.match(p.diagnostics[0]!.message, /^Layerwise: could not be analysed: it took over 5 s without answering/);
    // the log names what the worker was in when it was ended (what to reproduce)
    const warned = c.notifications.filter((n) => n.method === 'window/logMessage' && (n.params as { type: number }).type === 2).map((n) => (n.params as { message: string }).message);
    assert.ok(warned.some((m) => m.includes(`without answering (ended) (in the ignore file ${uri} v1, `)), warned.join('\n'));
    // its next version is analysed by the restarted worker, with the context
    const v = c.change(uri, 'node_modules\n*.md\n');
    const q = await c.waitDiagnostics(uri, (_d, pp) => pp.version === v, 60_000);
    assert.deepEqual(q.diagnostics.map((d) => `${d.range.start.line}:${d.code}`), ['0:dockerignore-unmatched', '1:dockerignore-unmatched']);
    assert.match(await c.hoverText(uri, 1), /Matches nothing in the build context/);
    assert.ok(c.alive);
    assert.deepEqual(errorsLogged(c), []);
  });

  test('memory returns when the worker goes idle: the caches keep what was used last, up to 8 MB, and the rest goes', async (t) => {
    if (!fs.existsSync('/proc/self/status')) return t.skip('RSS is read from /proc');
    const dir = tempContext({ 'package.json': '{}', 'src/a.js': '1', Dockerfile: SMALL });
    const c = await start(dir, { LAYERWISE_TEST_FAULTS: '1' });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitFullDiagnostics(uri, 60_000); // the analysis with the context is over
    await new Promise((r) => setTimeout(r, 3000)); // idle: trimmed and collected
    const base = rssOf(c.proc.pid!);
    // the worker's analysis fills a bounded cache with 64 MB of live entries (a storm's chunks, stages, scripts)
    const v = c.change(uri, `# layerwise-test-fault: ballast\n${SMALL}`);
    const p = await c.waitDiagnostics(uri, (_d, pp) => pp.version === v, 60_000);
    assert.ok(p.diagnostics.length > 0);
    const high = rssOf(c.proc.pid!);
    let now = high;
    for (let i = 0; i < 60 && now > base + 16 * 1024; i++) {
      await new Promise((r) => setTimeout(r, 500));
      now = rssOf(c.proc.pid!);
    }
    t.diagnostic(`RSS ${base} -> ${high} -> ${now} KiB`);
    assert.ok(high > base + 50 * 1024, `the fault filled the cache: RSS ${base} KiB -> ${high} KiB`);
    assert.ok(now <= base + 16 * 1024, `RSS ${base} KiB before, ${high} KiB after the analysis, ${now} KiB idle`);
    // the document still answers (its analysis is on the protocol thread; the worker's caches were only trimmed)
    assert.match(await c.hoverText(uri, 4), /npm ci/);
    assert.ok(c.alive);
    assert.deepEqual(errorsLogged(c), []);
  });

  test('at most 500 diagnostics a document: a COPY of 2,000 missing sources publishes 499 and one that counts the rest', async () => {
    const dir = tempContext({ 'package.json': '{}', 'src/a.js': '1' });
    const c = await start(dir);
    const sources = Array.from({ length: 2000 }, (_, i) => `missing${i}.txt`).join(' ');
    const uri = c.open(path.join(dir, 'Dockerfile'), `FROM alpine\nCOPY ${sources} /x/\n`);
    const p = await c.waitFullDiagnostics(uri, 60_000);
    assert.equal(p.diagnostics.length, 500);
    assert.ok(p.diagnostics.filter((d) => d.code === 'copy-source-missing').length >= 490);
    const m = /^Layerwise: ([\d,]+) more findings from here on are not shown \(at most 500 diagnostics per document\)$/.exec(p.diagnostics[499]!.message);
    assert.ok(m && +m[1]!.replace(/,/g, '') >= 1501, p.diagnostics[499]!.message);
    assert.match(await c.hoverText(uri, 1), /COPY/);
    assert.deepEqual(errorsLogged(c), []);
  });

  test('huge and binary files: one "too large" or "binary" diagnostic each, and a small document keeps answering', async () => {
    const big = 'FROM alpine\nRUN echo x\n'.repeat(110_000); // 2.5 MB
    const stages = Array.from({ length: 3000 }, (_, i) => `FROM alpine AS s${i}\nRUN echo ${i}\n`).join('');
    const chain = ['FROM alpine AS s0\n', ...Array.from({ length: 50_000 }, (_, i) => `FROM s${i} AS s${i + 1}\n`)].join('');
    const newlines = '\n'.repeat(1_000_000);
    const binary = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 256)).toString('latin1').replace(/\u0000/g, '\u0001') + '\u0000';
    const dir = tempContext({ 'package.json': '{}', 'src/a.js': '1', Dockerfile: SMALL });
    const c = await start(dir);
    const small = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(small);
    const cases: [string, string, RegExp][] = [
      ['big.Dockerfile', big, /^Layerwise: too large to analyse: 2,530,000 characters \(Layerwise analyses Dockerfiles of up to 2,097,152 characters/],
      ['stages.Dockerfile', stages, /^Layerwise: too large to analyse: 3,000 stages \(Layerwise analyses Dockerfiles of up to 2,000 stages/],
      ['chain.Dockerfile', chain, /^Layerwise: too large to analyse: 50,001 stages/],
      ['newlines.Dockerfile', newlines, /^Layerwise: too large to analyse: 1,000,001 lines/],
      ['binary.Dockerfile', binary, /^Layerwise: binary content/],
    ];
    for (const [name, text, want] of cases) {
      const uri = c.open(path.join(dir, name), text);
      // the small document answers meanwhile
      assert.match(await c.hoverText(small, 3), /npm ci/);
      const p = await c.waitDiagnostics(uri, (d) => d.length > 0, 30_000);
      assert.equal(p.diagnostics.length, 1);
      assert.match(p.diagnostics[0]!.message, want);
      assert.equal(await c.hover(uri, 1), null);
      assert.deepEqual(await c.codeLenses(uri), []);
      c.close(uri);
    }
    assert.deepEqual(errorsLogged(c), []);
  });

  test('a hover right after workspace/didChangeWatchedFiles for a new context file answers from the new context', async () => {
    const dir = tempContext({ 'package.json': '{}', 'src/a.js': '1', Dockerfile: SMALL });
    const c = await start(dir, {}, { fileEvents: true });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    assert.match(await c.hoverText(uri, 4), /1 context file\b/);
    for (let n = 2; n <= 6; n++) {
      const f = path.join(dir, 'src', `n${n}.js`);
      fs.writeFileSync(f, String(n));
      c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: c.uri(f), type: 1 }] });
      // sent right behind the notification, before the worker has reported the change back
      assert.match(await c.hoverText(uri, 4), new RegExp(`${n} context files`), `hover after the event for file ${n}`);
    }
  });

  test('.dockerignore documents with pathological patterns: diagnostics at once, limits reported, hovers answer', async () => {
    const dir = tempContext({ 'package.json': '{}', 'src/a.js': '1', Dockerfile: SMALL, '.dockerignore': 'node_modules\n' });
    const c = await start(dir);
    const text = ['**/'.repeat(100) + '*/src', 'a'.repeat(33_000), '?'.repeat(12_400), '!'.repeat(300) + '[/]'.repeat(80), '[', '*.log'].join('\n') + '\n';
    const uri = c.open(path.join(dir, '.dockerignore'), text, 'dockerignore');
    const p = await c.waitDiagnostics(uri, (d) => d.length > 0, 30_000);
    const codes = p.diagnostics.map((d) => `${d.range.start.line}:${d.code}`);
    assert.ok(codes.includes('2:dockerignore-limit'), codes.join(' '));
    assert.ok(codes.includes('4:dockerignore-syntax'), codes.join(' '));
    assert.ok(p.diagnostics.every((d) => d.message.length < 600), 'long patterns are cut in messages');
    assert.match(await c.hoverText(uri, 5), /Excludes/);
    // saved to disk, the Dockerfile of that context is analysed and says that a pattern is not applied
    fs.writeFileSync(path.join(dir, '.dockerignore'), text);
    const df = c.open(path.join(dir, 'Dockerfile'));
    const q = await c.waitDiagnostics(df, (d) => d.some((x) => /not apply/.test(x.message)), 30_000);
    assert.ok(q.diagnostics.length > 0);
    assert.deepEqual(errorsLogged(c), []);
  });
});
