// "Layerwise: Clean stale build cache…": asks the server what is stale (`layerwise/buildCachePlan`), shows the list
// in a modal confirmation, and only on "Delete" asks it to delete exactly those records (`layerwise/buildCachePrune`).
// Never in an untrusted workspace. No analysis here: every fact comes from the server.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

/** The reply of `layerwise/buildCachePlan` (server/src/lsp/buildcache.ts; the client imports no server code). */
interface BuildCachePlanReply {
  endpoint: string;
  totalBytes: number;
  staleBytes: number;
  ids: string[];
  items: { dockerfile: string; line: number; instruction: string; bytes: number; records: number }[];
}

function size(b: number): string {
  const u = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = b, i = 0;
  while (v >= 1000 && i < u.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))} ${u[i]}`;
}

export async function cleanBuildCacheCommand(client: LanguageClient | undefined, output: vscode.OutputChannel): Promise<'untrusted' | 'nothing' | 'cancelled' | 'deleted' | 'error'> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Layerwise: cleaning the build cache deletes data; trust this workspace first.');
    return 'untrusted';
  }
  if (!client) return 'error';
  let plan: BuildCachePlanReply;
  try {
    plan = await client.sendRequest<BuildCachePlanReply>('layerwise/buildCachePlan', {});
  } catch (e) {
    void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
    return 'error';
  }
  if (!plan.ids.length) {
    void vscode.window.showInformationMessage(`Layerwise: nothing stale in the build cache of ${plan.endpoint} (${size(plan.totalBytes)} in all).`);
    return 'nothing';
  }
  const lines = plan.items.map((it) => `${it.dockerfile}:${it.line}  ${it.instruction.length > 60 ? it.instruction.slice(0, 59) + '…' : it.instruction} — ${size(it.bytes)}`);
  output.appendLine(`Layerwise: stale build cache of ${plan.endpoint}:`);
  for (const l of lines) output.appendLine('  ' + l);
  const shown = lines.slice(0, 15).join('\n') + (lines.length > 15 ? `\n… and ${lines.length - 15} more (listed in the Layerwise output)` : '');
  const pick = await vscode.window.showWarningMessage(
    `Delete ${plan.ids.length} stale build-cache records (${size(plan.staleBytes)} of ${size(plan.totalBytes)})?`,
    { modal: true, detail: `Older generations of these steps, which no current build of this workspace's Dockerfiles can hit:\n\n${shown}\n\nDaemon: ${plan.endpoint}` },
    'Delete',
  );
  if (pick !== 'Delete') return 'cancelled';
  try {
    const r = await client.sendRequest<{ deleted: string[]; reclaimedBytes: number; notDeleted: string[] }>('layerwise/buildCachePrune', { ids: plan.ids });
    void vscode.window.showInformationMessage(`Layerwise: deleted ${r.deleted.length} records, ${size(r.reclaimedBytes)} reclaimed${r.notDeleted.length ? ` (${r.notDeleted.length} kept: used again since the listing)` : ''}.`);
    return 'deleted';
  } catch (e) {
    void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
    return 'error';
  }
}
