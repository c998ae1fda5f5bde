// Runs inside a real VS Code (code-server's workbench + Node extension host, or VS Code desktop): opens the fixture
// workspace's Dockerfiles, waits for the extension's diagnostics, asks VS Code's hover and code-action providers,
// applies a quick fix and checks the text.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it, before } from 'mocha';
import * as vscode from 'vscode';
import { SERVER_NODE_FLAGS } from '../../../server/src/lsp/nodeflags';

function workspaceRoot(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the suite needs the fixture folder open as the workspace');
  return f.uri.fsPath;
}

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))
    .join('\n')
    .replace(/&nbsp;/g, ' ');
}

describe('Layerwise in VS Code', () => {
  let doc: vscode.TextDocument;

  before(async () => {
    const ext = vscode.extensions.getExtension('layerwise.layerwise');
    assert.ok(ext, 'the extension under development is installed');
    doc = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), 'Dockerfile'));
    await vscode.window.showTextDocument(doc);
    await waitFor('activation', () => ext.isActive);
  });

  it('shows rule findings as diagnostics with source, code and docs link', async () => {
    const diags = await waitFor('diagnostics', () => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'layerwise');
      return d.length ? d : undefined;
    });
    const codes = diags.map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)));
    assert.ok(codes.includes('apt-update-alone'), `codes: ${codes.join(', ')}`);
    const apt = diags.find((d) => typeof d.code === 'object' && d.code.value === 'apt-update-alone')!;
    assert.equal(apt.range.start.line, 2);
    assert.match(String((apt.code as { target: vscode.Uri }).target), /docs\/rules\/apt-update-alone\.md$/);
  });

  it('the language server runs with the Node options and environment the client gives it (nodeflags.ts)', async () => {
    // the server is the IPC module the extension host forks: a child of this process running dist/lsp.js
    const servers = await waitFor('the language server process', () => {
      const found: { argv: string[]; env: string[] }[] = [];
      for (const pid of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
        try {
          const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
          if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
          const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          if (argv.some((a) => a.endsWith(path.join('dist', 'lsp.js')))) found.push({ argv, env: fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0') });
        } catch {
          // a process that ended meanwhile
        }
      }
      return found.length ? found : undefined;
    });
    assert.equal(servers.length, 1, JSON.stringify(servers.map((x) => x.argv)));
    assert.ok(servers[0]!.argv.includes('--max-semi-space-size=2'), servers[0]!.argv.join(' '));
    for (const flag of SERVER_NODE_FLAGS) assert.ok(servers[0]!.argv.includes(flag), `${flag} in ${servers[0]!.argv.join(' ')}`);
    assert.ok(servers[0]!.env.includes('MALLOC_ARENA_MAX=2'), 'MALLOC_ARENA_MAX=2 in the server\'s environment');
    // the code cache of the server bundle (server/src/lsp/codecache.ts) lives in the extension's global storage,
    // never the workspace, and the server's two threads write theirs there once they are up
    const cacheDir = servers[0]!.env.find((e) => e.startsWith('LAYERWISE_CODE_CACHE_DIR='))?.slice('LAYERWISE_CODE_CACHE_DIR='.length);
    assert.ok(cacheDir && /code-cache$/.test(cacheDir), `LAYERWISE_CODE_CACHE_DIR in the server's environment: ${cacheDir}`);
    assert.ok(!path.resolve(cacheDir).startsWith(path.resolve(workspaceRoot())), `${cacheDir} is outside the workspace`);
    await waitFor('the code cache files of both threads', () => {
      const names = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((n) => n.endsWith('.v8cache')) : [];
      return names.some((n) => n.startsWith('server.js.server.')) && names.some((n) => n.startsWith('server.js.worker.'));
    });
  });

  it('hover on a COPY tells the step, files read and what a miss reruns', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(4, 1));
    const text = hoverText(hovers);
    assert.match(text, /step 4 of 6/);
    assert.match(text, /stage `build`/);
    assert.match(text, /context files/);
    assert.match(text, /chmod \+x/);
    assert.match(text, /reruns 2 later steps/);
    // sizes from the crawl (engine/sizes.ts): the workspace's files, exact bytes checked in the unit and LSP tests
    assert.match(text, /\*\*Size:\*\* adds \d[\d.]* k?B from the context: \d+ files; largest `/);
  });

  it('hover on EXPOSE: config-only lines never rebuild anything', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(11, 1));
    assert.match(hoverText(hovers), /never rebuilds anything/);
  });

  it('code lenses above each step', async () => {
    const lenses = await waitFor('code lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
      return l && l.length ? l : undefined;
    });
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => /^step 4\/6 in build · a miss reruns 2 later steps/.test(t)), titles.join('\n'));
  });

  it('applies the apt-update-alone quick fix through executeCodeActionProvider + applyEdit', async () => {
    const diag = vscode.languages.getDiagnostics(doc.uri).find((d) => typeof d.code === 'object' && d.code.value === 'apt-update-alone')!;
    assert.ok(diag);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Suppress apt-update-alone for this line'), titles.join(' | '));
    const fix = actions.find((a) => a.isPreferred && /Merge `RUN apt-get update`/.test(a.title));
    assert.ok(fix?.edit, titles.join(' | '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    const text = doc.getText();
    assert.match(text, /RUN apt-get update && \\\n\s+apt-get install -y --no-install-recommends python3\n/);
    assert.doesNotMatch(text, /^RUN apt-get update\n/m);
    // the diagnostics follow the edit
    await waitFor('apt-update-alone gone', () =>
      !vscode.languages.getDiagnostics(doc.uri).some((d) => typeof d.code === 'object' && d.code.value === 'apt-update-alone'),
    );
  });

  it('.dockerignore documents: language, unmatched-pattern diagnostic and hover', async () => {
    const ig = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), '.dockerignore'));
    assert.equal(ig.languageId, 'dockerignore');
    const diags = await waitFor('dockerignore diagnostics', () => {
      const d = vscode.languages.getDiagnostics(ig.uri).filter((x) => x.source === 'layerwise');
      return d.length ? d : undefined;
    });
    assert.ok(diags.some((d) => d.range.start.line === 2 && /matches nothing/.test(d.message)), diags.map((d) => d.message).join('\n'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', ig.uri, new vscode.Position(2, 1));
    assert.match(hoverText(hovers), /Matches nothing in the build context/);
  });

  it('a Dockerfile built from the repository root: the quick fix creates .layerwise.yaml and the warning goes', async () => {
    const api = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), 'repo', 'docker', 'api', 'Dockerfile'));
    await vscode.window.showTextDocument(api);
    const warn = await waitFor('the copy-source-missing warning', () =>
      vscode.languages.getDiagnostics(api.uri).find((d) => typeof d.code === 'object' && d.code.value === 'copy-source-missing'),
    );
    assert.equal(warn.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(warn.message, /exist 2 folders above it/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', api.uri, warn.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => /as its context \(create \.layerwise\.yaml\)/.test(a.title));
    assert.ok(fix?.edit, actions.map((a) => a.title).join(' | '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    const cfg = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), 'repo', '.layerwise.yaml'));
    assert.match(cfg.getText(), /docker\/api\/Dockerfile[\s\S]*context: "\."/);
    await cfg.save();
    await waitFor('the warning gone', () => !vscode.languages.getDiagnostics(api.uri).some((d) => typeof d.code === 'object' && d.code.value === 'copy-source-missing'));
  });

  it('the explain command runs (no git here: a clear error, not a crash)', async () => {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('layerwise.explain').then(undefined, () => undefined);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(1, 1));
    assert.ok(hoverText(hovers).length > 0, 'the server still answers');
  });
});

describe('Layerwise build evidence and cache report in VS Code', () => {
  // a plain BuildKit log of the fixture Dockerfile (stages build and stage-1), in the format of docker build
  // --progress=plain: the build stage rebuilt from COPY . ., the final stage cached
  const LOG = [
    '#1 [internal] load build definition from Dockerfile',
    '#1 DONE 0.0s',
    '#2 [build 1/7] FROM docker.io/library/node:20-slim',
    '#2 DONE 0.0s',
    '#3 [build 2/7] WORKDIR /app',
    '#3 CACHED',
    '#4 [build 3/7] RUN apt-get update',
    '#4 CACHED',
    '#5 [build 4/7] RUN apt-get install -y --no-install-recommends python3',
    '#5 CACHED',
    '#6 [build 5/7] COPY . .',
    '#6 DONE 0.4s',
    '#7 [build 6/7] RUN npm ci',
    '#7 DONE 94.2s',
    '#8 [build 7/7] RUN npm run build',
    '#8 DONE 12.0s',
    '#9 [stage-1 2/3] WORKDIR /app',
    '#9 CACHED',
    '#10 [stage-1 3/3] COPY --from=build /app/dist ./dist',
    '#10 DONE 0.1s',
    '#11 exporting to image',
    '#11 DONE 0.2s',
    '',
  ].join('\n');

  it('the cache report command opens a document with hit rates', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), 'Dockerfile'));
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('layerwise.cacheReport', doc.uri);
    const report = await waitFor('the cache report document', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'layerwise-explain' && /cache report/.test(d.uri.path)),
    );
    const text = report.getText();
    assert.match(text, /^# Cache report: Dockerfile/);
    assert.match(text, /hit rate/);
  });

  it('importing a saved log via the command shows "last build" in decorations and hovers', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), 'Dockerfile'));
    await vscode.window.showTextDocument(doc);
    // an earlier test applied a quick fix (unsaved): back to the text the log was made from
    // (the workbench may have auto-saved it: the fixture's text is restored as such)
    const original = [
      'FROM node:20-slim AS build', 'WORKDIR /app', 'RUN apt-get update', 'RUN apt-get install -y --no-install-recommends python3',
      'COPY . .', 'RUN npm ci', 'RUN npm run build', '', 'FROM node:20-slim', 'WORKDIR /app', 'COPY --from=build /app/dist ./dist',
      'EXPOSE 8080', 'CMD ["node", "dist/server.js"]', '',
    ].join('\n');
    const we = new vscode.WorkspaceEdit();
    we.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), original);
    assert.ok(await vscode.workspace.applyEdit(we));
    await waitFor('reverted', () => /^RUN apt-get update$/m.test(doc.getText()));
    const os = await import('node:os');
    const fs = await import('node:fs');
    const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lw-log-')), 'build.log');
    fs.writeFileSync(logFile, LOG);
    const r = await vscode.commands.executeCommand<{ executed: number; cached: number } | undefined>('layerwise.importBuildLog', vscode.Uri.file(logFile), doc.uri);
    assert.ok(r, 'the import returns its summary');
    assert.equal(r.executed, 4);
    const api = vscode.extensions.getExtension('layerwise.layerwise')!.exports as {
      lastBuildDecorations: (uri: string) => { line: number; text: string; mismatch: boolean }[];
    };
    const items = await waitFor('decorations', () => {
      const d = api.lastBuildDecorations(doc.uri.toString());
      return d.length ? d : undefined;
    });
    const text = doc.getText().split('\n');
    const at = (needle: string) => items.find((i) => text[i.line]!.startsWith(needle))?.text;
    assert.equal(at('RUN npm ci'), 'last build: rebuilt, 94 s');
    assert.equal(at('RUN apt-get update'), 'last build: cached');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(text.findIndex((l) => l.startsWith('RUN npm ci')), 1));
    assert.match(hoverText(hovers), /94 s when rebuilt · last build: rebuilt, 94 s/);
  });
  it('live forecast: gutter marks on the step lines, and a context file edited on disk turns its COPY to "rebuilt"', async () => {
    // forecast/ is a real git repository with one commit (made by scripts/vscode-test.mjs)
    const dir = path.join(workspaceRoot(), 'forecast');
    const fdoc = await vscode.workspace.openTextDocument(path.join(dir, 'Dockerfile'));
    await vscode.window.showTextDocument(fdoc);
    const api = vscode.extensions.getExtension('layerwise.layerwise')!.exports as { forecastMarks: (uri: string) => { line: number; status: string }[] };
    const marks = () => api.forecastMarks(fdoc.uri.toString());
    const first = await waitFor('forecast marks', () => (marks().length === 5 ? marks() : undefined));
    assert.deepEqual(first.map((m) => m.line), [1, 2, 3, 4, 5], 'one mark per step line');
    assert.deepEqual(first.map((m) => m.status), ['cached', 'cached', 'cached', 'cached', 'cached']);
    const fs = await import('node:fs');
    fs.writeFileSync(path.join(dir, 'src', 'app.js'), 'console.log(2)\n');
    const after = await waitFor('the COPY of src/ to rebuild', () => (marks().find((m) => m.line === 4)?.status === 'rebuilt' ? marks() : undefined));
    assert.deepEqual(after.map((m) => m.status), ['cached', 'cached', 'cached', 'rebuilt', 'rebuilt'], 'package.json steps stay cached');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', fdoc.uri, new vscode.Position(4, 1));
    assert.match(hoverText(hovers), /\*\*Rebuilds\*\*: `src\/app\.js` changed since HEAD/);
  });

  it('layer cache map: the webview holds one box per step with the forecast statuses and follows a context edit', async () => {
    // after the previous test src/app.js differs from HEAD: the COPY of src/ and the RUN after it rebuild
    const dir = path.join(workspaceRoot(), 'forecast');
    const fdoc = await vscode.workspace.openTextDocument(path.join(dir, 'Dockerfile'));
    await vscode.window.showTextDocument(fdoc, vscode.ViewColumn.One);
    const api = vscode.extensions.getExtension('layerwise.layerwise')!.exports as { cacheMapBoxes: (uri: string) => { line: number; status: string }[] | undefined };
    await vscode.commands.executeCommand('layerwise.showCacheMap', fdoc.uri);
    const boxes = () => api.cacheMapBoxes(fdoc.uri.toString());
    const first = await waitFor('the map webview to render its boxes', () => (boxes()?.length === 5 ? boxes() : undefined), 60000);
    assert.deepEqual(first, [
      { line: 2, status: 'cached' },
      { line: 3, status: 'cached' },
      { line: 4, status: 'cached' },
      { line: 5, status: 'rebuilt' },
      { line: 6, status: 'rebuilt' },
    ]);
    // the file back to HEAD's bytes: the map follows (the server's forecast notification redraws it)
    const fs = await import('node:fs');
    fs.writeFileSync(path.join(dir, 'src', 'app.js'), 'console.log(1)\n');
    const back = await waitFor('the map to show the COPY cached again', () => (boxes()?.every((b) => b.status === 'cached') ? boxes() : undefined), 60000);
    assert.equal(back!.length, 5);
  });
});
