// The language server's scheduling (scheduling-common.ts): seeded random interleavings of edits, opens, closes,
// requests and file events (the worker's answers arriving late by seeded amounts) end in a fresh server's state.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { InProcessServer, turns } from './inprocess';
import { rng } from '../corpus/checks';
import { Publications, context, settled, start } from './scheduling-common';

const SNIPPETS = ['RUN echo hi\n', 'COPY src ./src\n', 'COPY *.json ./\n', 'FROM alpine:3.19 AS extra\n', 'ARG X=1\n', 'ENV A=b\n', 'COPY --from=extra /x /y\n', 'RUN --mount=type=cache,target=/root/.npm npm ci\n', '\\\n', 'COPY nothere.txt /n\n'];
const BASE = 'FROM node:20-slim AS build\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY src ./src\nRUN npm run build\nFROM node:20-slim\nCOPY --from=build /app/dist ./dist\n';
const IGNORES = ['node_modules\n', '*.md\n', 'src\n', '!src/a.ts\n', '[\n'];

function mutate(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1));
  const k = r();
  if (k < 0.5) return text.slice(0, at) + SNIPPETS[Math.floor(r() * SNIPPETS.length)]! + text.slice(at);
  if (k < 0.8) return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(r() * 30)));
  return BASE;
}

const canon = (ds: Diagnostic[]) => ds.map((d) => JSON.stringify([d.range, d.severity, d.code ?? null, d.message])).sort().join('\n');

/** What a client sees of a Dockerfile: diagnostics, lens titles by line, hovers on the lens lines. */
async function presentation(s: InProcessServer, uri: string): Promise<string> {
  const lenses = await s.codeLenses(uri);
  const titles = lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`).sort();
  const hovers: string[] = [];
  for (const line of [...new Set(lenses.map((l) => l.range.start.line))]) hovers.push(`${line}: ${await s.hoverText(uri, line)}`);
  return [canon(s.last(uri)?.diagnostics ?? []), titles.join('\n'), hovers.join('\n')].join('\n----\n');
}

async function storm(seed: number, inProcess: boolean): Promise<void> {
  const r = rng(seed);
  const dir = context({ 'package.json': '{}', 'src/a.ts': 'a', '.dockerignore': 'node_modules\n' });
  const s = await start(dir, inProcess);
  s.slow(() => (r() < 0.3 ? Math.floor(r() * 50) : 0));
  const pubs = new Publications(s);
  const docs = [0, 1, 2].map((i) => ({ uri: s.uri(path.join(dir, `d${i}.Dockerfile`)), text: BASE, open: false, lang: 'dockerfile' }));
  docs.push({ uri: s.uri(path.join(dir, '.dockerignore')), text: 'node_modules\n', open: false, lang: 'dockerignore' });
  const requests: Promise<unknown>[] = [];
  for (let i = 0; i < 70; i++) {
    const d = docs[Math.floor(r() * docs.length)]!;
    const k = r();
    if (!d.open) {
      if (k < 0.6) {
        d.open = true;
        pubs.open(d.uri, d.text, d.lang);
      }
    } else if (k < 0.55) {
      d.text = d.lang === 'dockerignore' ? IGNORES[Math.floor(r() * IGNORES.length)]! + d.text.slice(0, 40) : mutate(d.text, r);
      pubs.change(d.uri, d.text);
    } else if (k < 0.75) {
      const line = Math.floor(r() * 10);
      const ask = r();
      requests.push(ask < 0.5 ? s.hover(d.uri, line) : ask < 0.8 ? s.codeLenses(d.uri) : s.request('layerwise/impact', { uri: d.uri, line }));
    } else if (k < 0.85) {
      const file = path.join(dir, ['src/a.ts', 'src/b.ts', 'nothere.txt', 'package.json'][Math.floor(r() * 4)]!);
      const existed = fs.existsSync(file);
      if (existed && r() < 0.4) fs.rmSync(file);
      else fs.writeFileSync(file, `${i}\n`);
      s.fileChanged(file, !fs.existsSync(file) ? 3 : existed ? 2 : 1);
    } else if (k < 0.92) {
      d.open = false;
      pubs.close(d.uri);
    }
    if (r() < 0.4) await turns(Math.floor(r() * 30));
  }
  const results = await Promise.allSettled(requests);
  assert.deepEqual(results.filter((x) => x.status === 'rejected'), [], 'every request answered');
  const open = docs.filter((d) => d.open);
  await settled(s, open.map((d) => d.uri), `seed ${seed}: every open document's final version`);
  await turns(20);
  assert.deepEqual(pubs.failures, [], `seed ${seed}: publication invariants`);
  assert.deepEqual(s.errors, [], `seed ${seed}: no error logged`);
  for (const d of docs.filter((x) => !x.open)) {
    assert.equal(s.state.analyses.has(d.uri) || s.state.ignoreAnalyses.has(d.uri) || s.state.published.has(d.uri), false, `seed ${seed}: nothing kept for a closed document`);
  }
  // in the order the long-lived server holds them (a .dockerignore finding names the first Dockerfile that needs a path)
  const order = s.state.documents.all().map((x) => x.uri);
  assert.deepEqual([...order].sort(), open.map((d) => d.uri).sort(), `seed ${seed}: the server holds exactly the open documents`);
  const fresh = await start(dir, inProcess);
  for (const u of order) {
    const d = open.find((x) => x.uri === u)!;
    fresh.open(d.uri, d.text, d.lang, s.version(d.uri));
  }
  await settled(fresh, open.map((d) => d.uri), `seed ${seed}: the fresh server's diagnostics`);
  for (const d of open) {
    if (d.lang === 'dockerignore') assert.equal(canon(s.last(d.uri)!.diagnostics), canon(fresh.last(d.uri)!.diagnostics), `seed ${seed}: ${d.uri}`);
    else assert.equal(await presentation(s, d.uri), await presentation(fresh, d.uri), `seed ${seed}: ${d.uri} v${s.version(d.uri)} as a fresh server shows it`);
  }
}

for (const seed of [1, 2]) test(`seeded interleavings (seed ${seed}, worker answering late) end in a fresh server's state`, () => storm(seed, false));
test('seeded interleavings with in-process analysis end in a fresh server\'s state', () => storm(3, true));
