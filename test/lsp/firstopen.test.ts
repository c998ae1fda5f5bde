// The first diagnostics of a document whose build context the server has not read yet (a new server, a new
// folder): what the Dockerfile alone gives goes out first, while the worker crawls the context, then the full
// diagnostics. The first publication holds only what the full one says again (test/unit/textonly.test.ts checks it
// over the corpus); here, over the protocol, on a real context on disk: the order, the contents, and that a document
// opened once the context is read, or a later edit, gets the full diagnostics at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LspClient, tempContext, FULL_CAPS } from './client';

const DOCKERFILE = ['FROM node:20', 'WORKDIR /app', 'COPY nothere.txt /x', 'RUN apt-get update', 'RUN apt-get install -y curl', 'COPY . .', 'CMD ["node", "a.js"]', ''].join('\n');

const codes = (d: { code?: unknown }[]) => d.map((x) => String(x.code));

test('first open: the text-only diagnostics first, then the full ones, which say all of them again', async () => {
  const dir = tempContext({ 'package.json': '{}', 'a.js': '1', '.dockerignore': 'node_modules\n' });
  const c = await LspClient.start({ root: dir, capabilities: FULL_CAPS, initializationOptions: { debounceMs: 0 } });
  try {
    const uri = c.open(path.join(dir, 'Dockerfile'), DOCKERFILE);
    await c.waitDiagnostics(uri, (d) => codes(d).includes('copy-source-missing'), 30_000);
    const pubs = c.diagnostics.get(uri)!;
    assert.equal(pubs.length, 2, `two publications: ${JSON.stringify(pubs.map((p) => codes(p.diagnostics)))}`);
    const [first, full] = pubs as [(typeof pubs)[0], (typeof pubs)[0]];
    assert.ok(codes(first.diagnostics).includes('apt-update-alone'), 'the first publication has what the text alone gives');
    assert.ok(!codes(first.diagnostics).includes('copy-source-missing'), 'a finding that needs the context waits for it');
    assert.equal(first.version, 1);
    assert.equal(full.version, 1);
    const again = new Set(full.diagnostics.map((d) => JSON.stringify(d)));
    for (const d of first.diagnostics) assert.ok(again.has(JSON.stringify(d)), `said again: ${d.message}`);

    // the context is read now: another Dockerfile of it gets its full diagnostics in one publication
    const uri2 = c.open(path.join(dir, 'other.Dockerfile'), DOCKERFILE.replace('nothere.txt', 'missing2.txt'));
    await c.waitDiagnostics(uri2, (d) => codes(d).includes('copy-source-missing'), 30_000);
    assert.equal(c.diagnostics.get(uri2)!.length, 1);

    // after a file of the context changed (its listing is stale), an edit never goes back to text-only diagnostics
    fs.writeFileSync(path.join(dir, 'b.js'), '2');
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: c.uri(path.join(dir, 'b.js')), type: 1 }] });
    const before = c.diagnostics.get(uri)!.length;
    c.change(uri, DOCKERFILE.replace('curl', 'wget'));
    await c.waitDiagnostics(uri, (_d, p) => p.version === 2, 30_000);
    for (const p of c.diagnostics.get(uri)!.slice(before)) assert.ok(codes(p.diagnostics).includes('copy-source-missing'), `every later publication is a full one: ${codes(p.diagnostics)}`);
  } finally {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
