// The forecast crosses from the analysis worker with its steps as columns (forecastwork.ts packForecast): unpacked
// on the protocol thread it is the forecast the worker computed, step by step — every status, ONBUILD triggers, empty
// and non-empty reasons (one with a NUL, the columns' separator, cannot split the steps apart) — and the same for a
// real forecast of a Dockerfile against its git HEAD after a context edit (structuredClone: the clone postMessage makes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ForecastWork, packForecast, unpackForecast, type ForecastData } from '../../server/src/lsp/forecastwork';
import { ContextStore } from '../../server/src/lsp/contexts';
import { tempContext } from './client';

test('forecast packing: every status, trigger and reason comes back as the worker computed it', () => {
  const f: ForecastData = {
    baseline: 'HEAD (0123456789ab)',
    note: null,
    text: '{"steps":[]}',
    head: { dir: '/x', stamp: 's' },
    items: [
      { line: 0, endLine: 0, trigger: false, status: 'cached', reason: '' },
      { line: 3, endLine: 5, trigger: false, status: 'rebuilt', reason: 'src/a.js changed (+2 more)' },
      { line: 7, endLine: 7, trigger: true, status: 'maybe', reason: 'the previous step rebuilds' },
      { line: 9, endLine: 9, trigger: false, status: 'skipped', reason: 'not built: the target stage does not depend on it' },
      { line: 12, endLine: 12, trigger: true, status: 'rebuilt', reason: 'a\u0000b changed' },
      { line: 70000, endLine: 70003, trigger: false, status: 'cached', reason: '' },
    ],
  };
  const back = unpackForecast(structuredClone(packForecast(f)));
  assert.deepEqual({ ...back, items: back.items.slice(0, 4) }, { ...f, items: f.items.slice(0, 4) });
  assert.deepEqual(back.items[4], { ...f.items[4], reason: 'a\ufffdb changed' });
  assert.deepEqual(back.items[5], f.items[5]);
  assert.equal(back.items.length, f.items.length);
});

test('forecast packing: a real forecast after a context edit, unpacked, equals the computed one', async () => {
  const lines = ['FROM node:20 AS a', 'WORKDIR /app', 'COPY package.json ./', 'RUN npm ci', 'COPY src ./src', 'ONBUILD RUN echo hi', 'FROM a', 'COPY --from=a /app /b', 'RUN ls', 'FROM alpine AS unused', 'RUN true', 'FROM a'];
  const dir = tempContext({ Dockerfile: lines.join('\n') + '\n', 'package.json': '{}', 'src/a.js': '1' });
  const git = (...a: string[]) => spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: dir });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  fs.writeFileSync(path.join(dir, 'src/a.js'), '2');
  const store = new ContextStore({ ownWatcher: false, log: () => undefined, onChange: () => undefined });
  try {
    const file = path.join(dir, 'Dockerfile');
    const f = await new ForecastWork(store).compute({ uri: pathToFileURL(file).href, version: 1, text: fs.readFileSync(file, 'utf8'), opts: {}, contextDir: dir, file, build: null, keep: true, display: { dockerfile: 'Dockerfile', context: '.' } });
    assert.ok(f.items.some((r) => r.status === 'rebuilt' && r.reason) && f.items.some((r) => r.status === 'cached'), JSON.stringify(f.items));
    assert.deepEqual(unpackForecast(structuredClone(packForecast(f))), f);
  } finally {
    store.dispose();
  }
});
