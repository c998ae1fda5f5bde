// Protocol tests: the built language server (dist/server.js --stdio) driven over JSON-RPC like an editor would,
// on real files in temp build contexts.
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, TextDocumentEdit, CreateFile, Diagnostic } from 'vscode-languageserver-protocol';
import { RULES } from '../../server/src/engine';
import { LspClient, tempContext, applyEdits, FULL_CAPS, SERVER } from './client';
import { openToOthers, unprivileged } from '../unprivileged';

const DOCKERFILE = `# syntax=docker/dockerfile:1
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY src ./src
RUN npm run build
LABEL org.opencontainers.image.title=app

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/dist ./dist
EXPOSE 8080
CMD ["node", "dist/server.js"]
`;

function ctxFiles(extra: Record<string, string> = {}): Record<string, string> {
  return {
    Dockerfile: DOCKERFILE,
    'package.json': '{"name":"app"}',
    'package-lock.json': '{}',
    'src/a.ts': 'export const a = 1;\n',
    'src/b.ts': 'export const b = 2;\n',
    'src/c.ts': 'export const c = 3;\n',
    ...extra,
  };
}

const clients: LspClient[] = [];
async function start(root: string, init: Record<string, unknown> = {}, caps = FULL_CAPS): Promise<LspClient> {
  const c = await LspClient.start({ root, initializationOptions: init, capabilities: caps });
  clients.push(c);
  return c;
}
after(async () => {
  for (const c of clients) await c.stop();
});

describe('language server over stdio', () => {
  test('the server answers initialize with its capabilities and stays up', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir);
    assert.ok(c.alive);
    assert.ok(c.initResult.capabilities.hoverProvider);
    assert.deepEqual(c.initResult.capabilities.codeLensProvider, { resolveProvider: true });
    assert.equal(c.initResult.serverInfo?.name, 'layerwise-language-server');
  });

  test('diagnostics: model problems and rule findings, with source, code and docs link', async () => {
    const dir = tempContext(ctxFiles({ Dockerfile: DOCKERFILE.replace('RUN npm ci', 'RUNN npm ci') }));
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const p = await c.waitDiagnostics(uri, (d) => d.length > 0);
    assert.equal(p.version, 1, 'diagnostics carry the document version');
    const unknown = p.diagnostics.find((d) => /unknown instruction: RUNN/.test(d.message));
    assert.ok(unknown, `unknown instruction reported: ${JSON.stringify(p.diagnostics)}`);
    assert.equal(unknown.source, 'layerwise');
    assert.equal(unknown.range.start.line, 4);
    for (const d of p.diagnostics.filter((x) => x.code && x.code !== 'context')) {
      assert.ok(RULES.some((r) => r.id === d.code), `code ${d.code} is a rule id`);
      assert.match(d.codeDescription!.href, new RegExp(`docs/rules/${d.code}\\.md$`));
    }
  });

  test('diagnostics for every registered rule carry codeDescription and come from check()', async () => {
    // A Dockerfile that wastes the cache in the usual ways: whatever rules exist now should fire on some of it
    const df = `FROM debian:12
ARG GIT_SHA=dev
RUN apt-get update
RUN apt-get install -y curl
COPY . /app
RUN cd /app && npm install
`;
    const dir = tempContext({ Dockerfile: df, 'package.json': '{}', 'index.js': '1', 'node_modules/x/index.js': '1', '.git/HEAD': 'x' });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const p = await c.waitDiagnostics(uri);
    const codes = new Set(p.diagnostics.map((d) => d.code).filter(Boolean));
    for (const d of p.diagnostics) {
      assert.equal(d.source, 'layerwise');
      if (d.code && d.code !== 'context') {
        assert.ok(d.codeDescription?.href.endsWith(`/${d.code}.md`));
        assert.ok(RULES.some((r) => r.id === d.code));
      }
    }
    if (RULES.length === 0) assert.equal(codes.size, 0);
    else assert.ok(codes.size > 0, `some of ${RULES.map((r) => r.id).join(', ')} should fire on a cache-wasting Dockerfile`);
  });

  test('hover: step, stage, files read, what a miss reruns; config lines never rebuild', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const copySrc = await c.hoverText(uri, 5, 2); // COPY src ./src
    assert.match(copySrc, /step 4 of 5/);
    assert.match(copySrc, /stage `build`/);
    assert.match(copySrc, /3 context files/);
    assert.match(copySrc, /`src\/a\.ts`/);
    assert.match(copySrc, /mtime-only changes don't; .*`chmod \+x` does/);
    assert.match(copySrc, /reruns 1 later step\b/);
    assert.match(copySrc, /RUN steps it reruns: line 7 `RUN npm run build`/);
    // sizes from the crawl: 3 files of 20 bytes, the hover's second paragraph
    assert.match(copySrc, /\*\*COPY\*\* — step 4 of 5[^\n]*\n\n\*\*Size:\*\* adds 60 B from the context: 3 files; largest `src\/a\.ts` 20 B\n/);
    assert.doesNotMatch(await c.hoverText(uri, 12), /Size:/, 'COPY --from is not a context copy');
    assert.match(copySrc, /Plus 1 step that copies from a rerun stage/);
    const pkg = await c.hoverText(uri, 3);
    assert.match(pkg, /reruns 3 later steps/);
    assert.match(pkg, /2 context files: `package-lock\.json`, `package\.json`/);
    const run = await c.hoverText(uri, 4); // RUN npm ci
    assert.match(run, /step 3 of 5/);
    assert.match(run, /previous step, line 4/);
    const label = await c.hoverText(uri, 7);
    assert.match(label, /never rebuilds anything/);
    const expose = await c.hoverText(uri, 13);
    assert.match(expose, /never rebuilds anything/);
    const env = await c.hoverText(uri, 10);
    assert.match(env, /ENV/);
    const from = await c.hoverText(uri, 1);
    assert.match(from, /FROM.*stage `build`/);
    assert.equal(await c.hoverText(uri, 8), '', 'no hover on a blank line');
  });

  test('code lens titles above each step', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const lenses = await c.codeLenses(uri);
    const titles = lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`);
    assert.equal(lenses.length, 7, titles.join('\n'));
    const copySrc = lenses.find((l) => l.range.start.line === 5)!;
    assert.equal(copySrc.command!.title, 'step 4/5 in build · a miss reruns 1 later step (+1 maybe) · reads 3 files · +60 B');
    const pkg = lenses.find((l) => l.range.start.line === 3)!;
    assert.match(pkg.command!.title, /^step 2\/5 in build · a miss reruns 3 later steps \(\+1 maybe\) · reads 2 files · \+16 B$/);
    // a COPY --from adds nothing from the context: no size
    assert.doesNotMatch(lenses.find((l) => l.range.start.line === 12)!.command!.title, / · \+\d/);
    assert.equal(pkg.command!.command, 'layerwise.showImpact');
  });

  test('code lens can be switched off in settings', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir, { settings: { codeLens: { enabled: false } } });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    assert.deepEqual(await c.codeLenses(uri), []);
  });

  test('inlay hints: off by default; with layerwise.inlayHints.enabled, `reads N files` after COPY lines', async () => {
    const dir = tempContext(ctxFiles());
    const off = await start(dir);
    const uri0 = off.open(path.join(dir, 'Dockerfile'));
    await off.waitDiagnostics(uri0);
    const all = { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } };
    assert.deepEqual(await off.request('textDocument/inlayHint', { textDocument: { uri: uri0 }, range: all }), []);
    assert.ok(off.initResult.capabilities.inlayHintProvider);
    const c = await start(dir, { settings: { inlayHints: { enabled: true } } });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const hints = await c.request<{ position: { line: number; character: number }; label: string; tooltip?: string }[]>('textDocument/inlayHint', { textDocument: { uri }, range: all });
    assert.deepEqual(
      hints.map((h) => [h.position.line, h.position.character, h.label]),
      [
        [3, 'COPY package.json package-lock.json ./'.length, 'reads 2 files'],
        [5, 'COPY src ./src'.length, 'reads 3 files'],
      ],
    );
    assert.match(hints[1]!.tooltip!, /step 4\/5/);
    const some = await c.request<unknown[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } } });
    assert.equal(some.length, 1, 'only hints in the requested range');
  });

  test('versioning: two quick changes publish only the last version', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir, { debounceMs: 150 });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitFullDiagnostics(uri);
    const before = c.diagnostics.get(uri)!.length;
    c.change(uri, DOCKERFILE.replace('RUN npm ci', 'RUNX npm ci'));
    const v3 = c.change(uri, DOCKERFILE.replace('RUN npm ci', 'RUNY npm ci'));
    const p = await c.waitDiagnostics(uri, (_d, pp) => pp.version === v3);
    const after = c.diagnostics.get(uri)!.slice(before);
    assert.deepEqual(after.map((x) => x.version), [v3], 'no diagnostics for the intermediate version');
    assert.ok(p.diagnostics.some((d) => /RUNY/.test(d.message)));
    assert.ok(!p.diagnostics.some((d) => /RUNX/.test(d.message)));
    // hover answers for the new text
    assert.match(await c.hoverText(uri, 5), /step 3 of 4/);
  });

  // how fast (edit → diagnostics, vs docker-langserver) is measured in bench/lsp.bench.ts, not asserted here
  test('adaptive debounce: each edit of a small document gets its own diagnostics; a burst of edits coalesces', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir, { debounceMs: undefined });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitFullDiagnostics(uri);
    for (let i = 0; i < 5; i++) {
      const n = c.diagnostics.get(uri)!.length;
      const v = c.change(uri, DOCKERFILE.replace('RUN npm ci', `RUNZ${i} npm ci`));
      const p = await c.waitDiagnostics(uri, (_d, pp) => pp.version === v);
      assert.ok(p.diagnostics.some((d) => new RegExp(`RUNZ${i}`).test(d.message)));
      assert.deepEqual(c.diagnostics.get(uri)!.slice(n).map((x) => x.version), [v], 'one publication per edit, for that edit');
    }
    const before = c.diagnostics.get(uri)!.length;
    let last = 0;
    for (let i = 0; i < 20; i++) last = c.change(uri, DOCKERFILE.replace('RUN npm ci', `RUNB${i} npm ci`));
    const p = await c.waitDiagnostics(uri, (_d, pp) => pp.version === last);
    assert.ok(p.diagnostics.some((d) => /RUNB19/.test(d.message)));
    const pubs = c.diagnostics.get(uri)!.slice(before);
    assert.ok(pubs.length <= 3, `${pubs.length} publications for a burst of 20 edits`);
    assert.ok(pubs.every((x, i) => i === 0 || x.version! > pubs[i - 1]!.version!), 'versions only go up');
  });

  test('live update: adding a context file changes the hover file count (server-side watcher)', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitFullDiagnostics(uri);
    assert.match(await c.hoverText(uri, 5), /3 context files/);
    const n = c.diagnostics.get(uri)!.length;
    fs.writeFileSync(path.join(dir, 'src', 'd.ts'), 'export const d = 4;\n');
    await c.until(() => c.diagnostics.get(uri)!.length > n, 10000, 're-analysis after the context changed');
    assert.match(await c.hoverText(uri, 5), /4 context files/);
    const lens = (await c.codeLenses(uri)).find((l) => l.range.start.line === 5)!;
    assert.match(lens.command!.title, /reads 4 files/);
  });

  test('hovers and lenses right after an edit\'s diagnostics answer for that edit (the held result is flushed)', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir, { debounceMs: 0 });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    for (const [src, want] of [['src/a.ts', /1 context file\b/], ['src', /3 context files/], ['src/b.ts', /1 context file\b/]] as const) {
      const v = c.change(uri, DOCKERFILE.replace('COPY src ./src', `COPY ${src} ./src`));
      await c.waitDiagnostics(uri, (_d, p) => p.version === v);
      // no pause: the worker still holds this version's full analysis
      assert.match(await c.hoverText(uri, 5), want, `hover after COPY ${src}`);
      const lens = (await c.codeLenses(uri)).find((l) => l.range.start.line === 5)!;
      assert.match(lens.command!.title, src === 'src' ? /reads 3 files/ : /reads 1 file\b/);
    }
    // a burst: every intermediate result is superseded; the last one is what hovers see
    let last = 0;
    for (let i = 0; i < 10; i++) last = c.change(uri, DOCKERFILE.replace('RUN npm ci', `RUN npm ci --v${i}`));
    await c.waitDiagnostics(uri, (_d, p) => p.version === last);
    assert.match(await c.hoverText(uri, 4), /npm ci --v9/);
  });

  test('live update from workspace/didChangeWatchedFiles (client-side watcher)', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir, { fileEvents: true });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitFullDiagnostics(uri);
    assert.match(await c.hoverText(uri, 5), /3 context files/);
    fs.rmSync(path.join(dir, 'src', 'c.ts'));
    const n = c.diagnostics.get(uri)!.length;
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(dir, 'src', 'c.ts')).href, type: 3 }] });
    await c.until(() => c.diagnostics.get(uri)!.length > n, 10000, 're-analysis after a file event');
    assert.match(await c.hoverText(uri, 5), /2 context files/);
  });

  test('code actions: suppress for this line / this file insert the right comments', async () => {
    const text = DOCKERFILE.replace('RUN npm ci', 'RUN apt-get update\nRUN apt-get install -y curl\nRUN npm ci');
    const dir = tempContext(ctxFiles({ Dockerfile: text }));
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const p = await c.waitDiagnostics(uri, (d) => d.length > 0);
    const ruleDiag = p.diagnostics.find((d) => d.code === 'apt-update-alone');
    assert.ok(ruleDiag, `apt-update-alone fires: ${JSON.stringify(p.diagnostics.map((d) => d.code))}`);
    assert.equal(ruleDiag.range.start.line, 4);
    const acts = await c.codeActions(uri, ruleDiag.range, [ruleDiag]);
    const line = acts.find((a) => a.title === 'Suppress apt-update-alone for this line');
    assert.ok(line, acts.map((a) => a.title).join(', '));
    const withLine = applyEdits(text, line.edit!.changes![uri]!);
    assert.equal(withLine, text.replace('RUN apt-get update\n', '# layerwise-ignore apt-update-alone\nRUN apt-get update\n'));
    const file = acts.find((a) => a.title === 'Suppress apt-update-alone for this file');
    assert.ok(file, acts.map((a) => a.title).join(', '));
    const withFile = applyEdits(text, file.edit!.changes![uri]!);
    assert.equal(withFile, text.replace('# syntax=docker/dockerfile:1\n', '# syntax=docker/dockerfile:1\n# layerwise-ignore-file apt-update-alone\n'));
    // and the server honours what it inserted
    const v = c.change(uri, withLine);
    const after = await c.waitDiagnostics(uri, (_d, pp) => pp.version === v);
    assert.ok(!after.diagnostics.some((d) => d.code === 'apt-update-alone'), JSON.stringify(after.diagnostics.map((d) => d.code)));
  });

  test('code actions: a finding\'s fix applies (Dockerfile and .dockerignore in one edit), and fix-all', async () => {
    const df = `FROM node:20
WORKDIR /app
COPY . .
RUN npm ci
RUN apt-get update
RUN apt-get install -y curl
RUN npm run build
`;
    const dir = tempContext({ Dockerfile: df, 'package.json': '{}', 'package-lock.json': '{}', 'index.js': '1', 'node_modules/x/i.js': '1', '.git/HEAD': 'ref' });
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    const p = await c.waitFullDiagnostics(uri);
    const ignoreUri = c.uri(path.join(dir, '.dockerignore'));
    /** The preferred fix of a rule's diagnostic, applied: the new text of each document it edits. */
    const applyFix = async (rule: string): Promise<Map<string, string>> => {
      const d = p.diagnostics.find((x) => x.code === rule);
      assert.ok(d, `${rule} fires: ${JSON.stringify(p.diagnostics.map((x) => x.code))}`);
      const a = (await c.codeActions(uri, d.range, [d])).find((x) => x.isPreferred && x.edit);
      assert.ok(a, `${rule} offers a fix`);
      assert.equal(a.kind, 'quickfix');
      const out = new Map<string, string>();
      for (const ch of a.edit!.documentChanges!) {
        if ('kind' in ch) {
          assert.deepEqual(ch as CreateFile, { kind: 'create', uri: ignoreUri, options: { ignoreIfExists: true } });
          continue;
        }
        const tde = ch as TextDocumentEdit;
        if (tde.textDocument.uri === uri) assert.equal(tde.textDocument.version, 1);
        else assert.equal(tde.textDocument.uri, ignoreUri);
        const base = out.get(tde.textDocument.uri) ?? (tde.textDocument.uri === uri ? df : '');
        out.set(tde.textDocument.uri, applyEdits(base, tde.edits as { range: never; newText: string }[]));
      }
      return out;
    };
    const broad = await applyFix('broad-copy-before-install');
    assert.deepEqual([...broad.keys()], [uri]);
    assert.equal(broad.get(uri), 'FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN apt-get update\nRUN apt-get install -y curl\nRUN npm run build\n');
    const volatile = await applyFix('context-includes-volatile');
    assert.deepEqual([...volatile.keys()], [ignoreUri]);
    assert.match(volatile.get(ignoreUri)!, /^# added by layerwise: .*\n\.git\nnode_modules\n/);
    const all = await c.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, [], ['source.fixAll.layerwise']);
    assert.equal(all.length, 1);
    assert.equal(all[0]!.kind, 'source.fixAll.layerwise');
    let fixedAll = df;
    for (const ch of all[0]!.edit!.documentChanges!) {
      if ('kind' in ch) continue;
      const tde = ch as TextDocumentEdit;
      if (tde.textDocument.uri === uri) fixedAll = applyEdits(fixedAll, tde.edits as { range: never; newText: string }[]);
    }
    // every fix went in: the manifests first, update merged into the install
    assert.match(fixedAll, /^FROM node:20\nWORKDIR \/app\nCOPY package\.json package-lock\.json \.\/\n/);
    assert.match(fixedAll, /apt-get update && \\\n/);
    assert.doesNotMatch(fixedAll, /^RUN apt-get update$/m);
  });

  test('.dockerignore: a pattern that matches nothing is reported; hover counts excluded files', async () => {
    const dir = tempContext({
      ...ctxFiles(),
      '.dockerignore': '# comment\nnode_modules\n*.log\n!keep.log\nnothing-here/\n',
      'node_modules/a/index.js': '1',
      'node_modules/b/index.js': '1',
      'debug.log': 'x',
      'keep.log': 'x',
      'other.log': 'x',
    });
    const c = await start(dir);
    const uri = c.open(path.join(dir, '.dockerignore'), undefined, 'dockerignore');
    const p = await c.waitDiagnostics(uri);
    const unmatched = p.diagnostics.filter((d) => d.code === 'dockerignore-unmatched');
    assert.deepEqual(unmatched.map((d) => d.range.start.line), [4], JSON.stringify(p.diagnostics));
    assert.match(unmatched[0]!.message, /nothing-here.*matches nothing/);
    const logs = await c.hoverText(uri, 2);
    assert.match(logs, /Excludes/);
    assert.match(logs, /2 files/);
    assert.match(logs, /`debug\.log`/);
    const nm = await c.hoverText(uri, 1);
    assert.match(nm, /node_modules/);
    const keep = await c.hoverText(uri, 3);
    assert.match(keep, /Re-includes[\s\S]*1 file\b/);
  });

  test('untrusted workspace: text-only analysis, no context read', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir, { trusted: false });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const h = await c.hoverText(uri, 5);
    assert.match(h, /step 4 of 5/);
    assert.match(h, /untrusted workspace/);
    assert.doesNotMatch(h, /3 context files/);
    await assert.rejects(c.request('layerwise/explain', { uri }), /untrusted/);
  });

  test('layerwise/explain returns the explain JSON relative to HEAD', async (t) => {
    const dir = tempContext(ctxFiles({ '.dockerignore': '.git\n' }));
    const { spawnSync } = await import('node:child_process');
    const git = (...a: string[]) => spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { cwd: dir, encoding: 'utf8' });
    if (git('init', '-q').status !== 0) return t.skip('git not available');
    git('add', '-A');
    git('commit', '-qm', 'init');
    fs.writeFileSync(path.join(dir, 'src', 'a.ts'), 'export const a = 42;\n');
    const c = await start(dir);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    const r = await c.request<{ context: string; dockerfile: string; summary: { steps: number; rebuilt: number; firstMiss: number }; steps: { line: number; status: string }[]; changedPaths: { path: string }[] }>(
      'layerwise/explain',
      { uri },
    );
    assert.equal(r.context, '.', 'the workspace folder itself is the context: `.`, not its absolute path');
    assert.equal(r.dockerfile, 'Dockerfile');
    assert.equal(r.summary.steps, 7);
    assert.equal(r.summary.firstMiss, 6);
    assert.deepEqual(r.changedPaths.map((x) => x.path), ['src/a.ts']);
    assert.equal(r.steps.find((s) => s.line === 5)!.status, 'cached');
    assert.equal(r.steps.find((s) => s.line === 7)!.status, 'rebuilt');
  });

  test('layerwise.contexts maps a Dockerfile to another context directory', async () => {
    const dir = tempContext({ 'docker/app.Dockerfile': 'FROM alpine\nCOPY src /src\n', 'src/x.txt': 'x', 'src/y.txt': 'y' });
    const c = await start(dir, { settings: { contexts: { 'docker/*.Dockerfile': '.' } } });
    const uri = c.open(path.join(dir, 'docker/app.Dockerfile'));
    await c.waitDiagnostics(uri);
    assert.match(await c.hoverText(uri, 1), /2 context files/);
  });

  test('bad settings: a clear warning and the defaults', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir, { settings: { buildArgs: 'oops', rules: { x: 'loud' }, codeLens: { enabled: 'yes' } } });
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    await c.until(() => c.notifications.find((n) => n.method === 'window/showMessage'), 5000, 'showMessage');
    const m = c.notifications.find((n) => n.method === 'window/showMessage')!.params as { type: number; message: string };
    assert.equal(m.type, 2);
    assert.match(m.message, /layerwise\.buildArgs/);
    assert.match(m.message, /layerwise\.rules\.x/);
    assert.equal((await c.codeLenses(uri)).length, 7, 'defaults (code lens on) are used');
  });
});

describe('bad input never crashes the server', () => {
  test('binary garbage document', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir);
    let junk = '';
    for (let i = 0; i < 5000; i++) junk += String.fromCharCode((i * 7919) % 256);
    const uri = c.open(path.join(dir, 'garbage.Dockerfile'), junk);
    const p = await c.waitDiagnostics(uri);
    assert.match(p.diagnostics[0]!.message, /binary/);
    assert.equal(await c.hoverText(uri, 0), '');
    assert.deepEqual(await c.codeLenses(uri), []);
    // garbage without NULs goes through the parser
    const uri2 = c.open(path.join(dir, 'garbage2.Dockerfile'), junk.replace(/\0/g, ''));
    await c.waitDiagnostics(uri2);
    assert.ok(c.alive);
  });

  test('20,000-line document: diagnostics arrive and hover still answers', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir);
    const lines = ['FROM alpine AS base'];
    for (let i = 0; lines.length < 20000; i++) {
      if (i % 500 === 0) lines.push(`FROM base AS s${i}`);
      else if (i % 3 === 0) lines.push(`COPY src/a.ts /x/${i}`);
      else if (i % 3 === 1) lines.push(`RUN echo ${i} \\`, `  && true`);
      else lines.push(`ENV V${i}=${i}`);
    }
    const small = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(small);
    const uri = c.open(path.join(dir, 'big.Dockerfile'), lines.join('\n') + '\n');
    // while the big file is analysed (in the worker thread), another document's hover answers: before the big
    // file's diagnostics are out (a protocol thread busy analysing would answer after them). The pause only lets the
    // analysis start (it takes seconds), it is no time limit; latencies are measured in bench/lsp.bench.ts
    await new Promise((r) => setTimeout(r, 300));
    assert.match(await c.hoverText(small, 5), /step 4 of 5/);
    assert.equal(c.diagnostics.get(uri), undefined, 'the other document answered before the big analysis was done');
    // the full diagnostics (with layerwise/analysed): the first publication holds what the text alone gives, and a
    // hover for a version whose analysis is not done within the handler budget answers nothing (it never stalls)
    await c.waitFullDiagnostics(uri, 60000);
    let lastCopy = lines.length - 1;
    while (!lines[lastCopy]!.startsWith('COPY')) lastCopy--;
    const h = await c.hoverText(uri, lastCopy);
    assert.match(h, /step \d+ of \d+/, 'hover answers');
    const lenses = await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
    assert.ok(Array.isArray(lenses) && lenses.length > 1000);
    c.change(uri, lines.join('\n') + '\nRUN echo more\n');
    const h2 = await c.hoverText(uri, 3);
    assert.ok(h2.length > 0);
  });

  test('unreadable and missing contexts: no crash, a diagnostic says why', async (t) => {
    const dir = tempContext(ctxFiles({ 'secret/key.txt': 'k' }));
    fs.chmodSync(path.join(dir, 'secret'), 0o000);
    openToOthers(dir);
    t.after(() => fs.chmodSync(path.join(dir, 'secret'), 0o755));
    // root reads a chmod 000 folder anyway: the server runs as an unprivileged user
    const c = await LspClient.start({
      root: dir,
      initializationOptions: { settings: { contexts: { 'missing.Dockerfile': 'does-not-exist' } } },
      command: [...unprivileged(), process.execPath, SERVER, '--stdio'],
    });
    clients.push(c);
    const uri = c.open(path.join(dir, 'Dockerfile'), 'FROM alpine\nCOPY . /app\n');
    const p = await c.waitFullDiagnostics(uri);
    assert.ok(p.diagnostics.some((d) => d.code === 'context' && /could not be read/.test(d.message)), JSON.stringify(p.diagnostics));
    assert.match(await c.hoverText(uri, 1), /context file/);
    const uri2 = c.open(path.join(dir, 'missing.Dockerfile'), 'FROM alpine\nCOPY . /app\n');
    const p2 = await c.waitFullDiagnostics(uri2);
    assert.ok(p2.diagnostics.some((d) => /build context not found/.test(d.message)), JSON.stringify(p2.diagnostics));
    assert.match(await c.hoverText(uri2, 1), /step 1 of 1/);
    assert.ok(c.alive);
  });

  test('requests for unknown documents and odd positions answer null', async () => {
    const dir = tempContext(ctxFiles());
    const c = await start(dir);
    assert.equal(await c.hover('file:///nope/Dockerfile', 0, 0), null);
    const uri = c.open(path.join(dir, 'Dockerfile'));
    await c.waitDiagnostics(uri);
    assert.equal(await c.hover(uri, 99999, 99999), null);
    assert.deepEqual(await c.codeActions(uri, { start: { line: 500, character: 0 }, end: { line: 600, character: 0 } }), []);
    assert.ok(c.alive);
  });
});
