// Settings and trust: the `layerwise` settings section (pulled with workspace/configuration when the client can,
// else pushed), validated by settings.ts, and `layerwise/setTrusted`. Either change re-analyses every open document.
import { MessageType, ShowMessageNotification } from 'vscode-languageserver';
import { parseSettings } from './settings';
import type { ServerState } from './state';

/** Takes validated settings; invalid values fall back to defaults, with one warning per distinct problem. */
export function applySettings(s: ServerState, raw: unknown): void {
  const { settings, errors } = parseSettings(raw);
  s.settings = settings;
  const msg = errors.join('; ');
  if (msg && msg !== s.settingsWarning) {
    void s.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `Layerwise: invalid settings, using defaults for: ${msg}` });
    s.log(`invalid settings: ${msg}`);
  }
  s.settingsWarning = msg;
}

export async function refreshSettings(s: ServerState): Promise<void> {
  const [cfg] = (await s.connection.workspace.getConfiguration([{ section: 'layerwise' }])) as unknown[];
  applySettings(s, cfg);
}

/** Whether the client answers workspace/configuration (else settings come with didChangeConfiguration). */
export function pullsConfiguration(s: ServerState): boolean {
  return !!s.caps.workspace?.configuration;
}

export function registerConfiguration(s: ServerState): void {
  s.connection.onDidChangeConfiguration(
    s.guard('didChangeConfiguration', undefined, async (params) => {
      if (pullsConfiguration(s)) await refreshSettings(s);
      else applySettings(s, (params.settings as { layerwise?: unknown } | undefined)?.layerwise ?? params.settings);
      s.store?.invalidateAll();
      s.analysisStore?.invalidateAll();
      s.worker?.invalidateAll();
      s.forecasts.reset();
      for (const doc of s.documents.all()) s.scheduler.schedule(doc.uri, 0);
      s.refreshLenses();
      if (s.caps.workspace?.inlayHint?.refreshSupport) void s.connection.sendRequest('workspace/inlayHint/refresh').catch(() => undefined);
    }),
  );

  s.connection.onNotification(
    'layerwise/setTrusted',
    s.guard('setTrusted', undefined, (p: { trusted: boolean }) => {
      s.trusted = !!p?.trusted;
      s.forecasts.reset();
      for (const doc of s.documents.all()) s.scheduler.schedule(doc.uri, 0);
    }),
  );
}
