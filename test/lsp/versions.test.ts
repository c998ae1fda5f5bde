// Versioning over the protocol: diagnostics are only ever published for the document's current version. An edit
// that arrives while an older version is being analysed must drop that older result (issue 10: publishing the
// outdated one slipped past every suite).
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { LspClient, tempContext } from './client';

const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
});

test('an edit during the analysis of an older version: that version\'s diagnostics are never published', async () => {
  // an invalid .layerwise.yaml is reported (once) as each Dockerfile analysis starts: the signal that version 1 is
  // being analysed, so the edit below certainly arrives while it runs (20,000 lines take far longer than a message)
  const lines = ['FROM alpine AS base'];
  for (let i = 0; lines.length < 20000; i++) {
    if (i % 500 === 0) lines.push(`FROM base AS s${i}`);
    else if (i % 2 === 0) lines.push(`COPY a.txt /x/${i}`);
    else lines.push(`RUN echo ${i}`);
  }
  const text = lines.join('\n') + '\n';
  const dir = tempContext({ 'a.txt': 'a', '.layerwise.yaml': 'buildArgs: [1, 2]\n' });
  const c = await LspClient.start({ root: dir, initializationOptions: { debounceMs: undefined } });
  clients.push(c);
  const uri = c.open(path.join(dir, 'Dockerfile'), text);
  const configUri = c.uri(path.join(dir, '.layerwise.yaml'));
  await c.until(() => c.diagnostics.get(configUri)?.length, 30000, 'the config problem (version 1 analysis started)');
  const v2 = c.change(uri, text.replace('RUN echo 1\n', 'RUNX echo 1\n'));
  const p = await c.waitDiagnostics(uri, (_d, pp) => pp.version === v2, 120000);
  assert.deepEqual(c.diagnostics.get(uri)!.map((x) => x.version), [v2], 'only the current version is published');
  assert.ok(p.diagnostics.some((d) => /RUNX/.test(d.message)), 'for the edited text');
  assert.ok(p.diagnostics.some((d) => d.code === 'config'), 'with the config problem');
  assert.ok(c.alive);
});
