// Runs inside a real VS Code (code-server's workbench + Node extension host, or VS Code desktop): opens the fixture
// workspace's Dockerfiles, waits for the extension's diagnostics, asks VS Code's hover and code-action providers,
// applies a quick fix and checks the text.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it, before } from 'mocha';
import * as vscode from 'vscode';

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

  it('hover on a COPY tells the step, files read and what a miss reruns', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(4, 1));
    const text = hoverText(hovers);
    assert.match(text, /step 4 of 6/);
    assert.match(text, /stage `build`/);
    assert.match(text, /context files/);
    assert.match(text, /chmod \+x/);
    assert.match(text, /reruns 2 later steps/);
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

  it('the explain command runs (no git here: a clear error, not a crash)', async () => {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('layerwise.explain').then(undefined, () => undefined);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(1, 1));
    assert.ok(hoverText(hovers).length > 0, 'the server still answers');
  });
});
