// "What rebuilds if this changes?" in the Explorer's context menu: finds the workspace's Dockerfiles, asks the server
// (`layerwise/whatIf`) which steps of each rebuild if the chosen file or folder changed, and shows its summary beside.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

const GLOB = '**/{Dockerfile,Containerfile,*.Dockerfile,*.dockerfile,Dockerfile.*,Containerfile.*}';
const EXCLUDE = '**/{node_modules,.git,vendor,.venv}/**';

export function registerWhatIf(client: () => LanguageClient | undefined): vscode.Disposable {
  return vscode.commands.registerCommand('layerwise.whatIfChanged', async (uri?: vscode.Uri) => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const c = client();
    if (!target || !c) {
      void vscode.window.showInformationMessage('Layerwise: pick a file or folder in the Explorer.');
      return;
    }
    const found = await vscode.workspace.findFiles(GLOB, EXCLUDE, 50);
    let r: { markdown: string; results: unknown[] };
    try {
      r = await c.sendRequest('layerwise/whatIf', { uri: target.toString(), dockerfiles: found.filter((f) => !/\.(dockerignore|md|txt)$/i.test(f.path)).map((f) => f.toString()) });
    } catch (e) {
      void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
      return;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: r.markdown });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  });
}
