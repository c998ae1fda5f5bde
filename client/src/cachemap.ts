// The layer cache map in a webview beside the editor: the server's `layerwise/cacheMap` body (engine/cachemap.ts, the
// same picture as `graph --format html`) with a small script of ours: clicking a box (or Enter/Space on it) reveals its
// line, arrow keys move between boxes, the map draws arrows for FROM <stage>, COPY --from and --mount=from, and a
// picker switches the target. It follows the editor live (the server's forecast notifications) and the theme (VS Code's
// CSS variables). Strict CSP: no remote content, styles and the one script by nonce; the body is the server's escaped
// HTML. Thin: every fact comes from the server.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { CacheMapResult } from '../../server/src/lsp/protocol';

interface MapPanel {
  panel: vscode.WebviewPanel;
  uri: string;
  target: string | null;
  timer?: NodeJS.Timeout;
  /** What the webview's DOM holds after its last render (reported by its script). */
  boxes: { line: number; status: string }[];
  /** The page (with the server's style) is set; later answers go by message. */
  loaded: boolean;
  last?: object;
}

const panels = new Map<string, MapPanel>();

/** The boxes the map of `uri` shows (line and status, read from the webview's DOM), for tests. */
export function cacheMapBoxes(uri: string): { line: number; status: string }[] | undefined {
  return panels.get(uri)?.boxes;
}

/** Opens (or reveals) the map of a Dockerfile beside its editor. */
export async function showCacheMap(client: () => LanguageClient | undefined, uriArg?: vscode.Uri | string): Promise<void> {
  const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : (uriArg ?? vscode.window.activeTextEditor?.document.uri);
  if (!uri || !client()) {
    void vscode.window.showInformationMessage('Layerwise: open a Dockerfile first.');
    return;
  }
  const key = uri.toString();
  const have = panels.get(key);
  if (have) {
    have.panel.reveal(vscode.ViewColumn.Beside, true);
    refreshCacheMap(client, key, 0);
    return;
  }
  await vscode.workspace.openTextDocument(uri); // the server analyses open documents
  const panel = vscode.window.createWebviewPanel('layerwise.cacheMap', `Layer cache map: ${uri.path.split('/').pop()}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
    enableScripts: true,
    localResourceRoots: [],
    retainContextWhenHidden: false,
  });
  const p: MapPanel = { panel, uri: key, target: null, boxes: [], loaded: false };
  panels.set(key, p);
  panel.webview.html = page('', '<p class="summary">Loading the forecast…</p>');
  void update(client, p);
  panel.onDidDispose(() => {
    if (p.timer) clearTimeout(p.timer);
    panels.delete(key);
  });
  panel.webview.onDidReceiveMessage(async (m: { type: string; line?: number; target?: string; boxes?: { line: number; status: string }[] }) => {
    if (m.type === 'ready') {
      if (p.last) void p.panel.webview.postMessage(p.last);
    } else if (m.type === 'rendered' && Array.isArray(m.boxes)) p.boxes = m.boxes;
    else if (m.type === 'target') {
      p.target = typeof m.target === 'string' && m.target ? m.target : null;
      void update(client, p);
    } else if (m.type === 'reveal' && typeof m.line === 'number') {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(key));
      const line = Math.max(0, Math.min(doc.lineCount - 1, m.line - 1));
      const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === key);
      const ed = await vscode.window.showTextDocument(doc, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false });
      const pos = new vscode.Position(line, doc.lineAt(line).firstNonWhitespaceCharacterIndex);
      ed.selection = new vscode.Selection(pos, pos);
      ed.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  });
}

/** The document's forecast changed (or it was analysed): redraw its map shortly, if one is open. */
export function refreshCacheMap(client: () => LanguageClient | undefined, uri: string, delayMs = 150): void {
  const p = panels.get(uri);
  if (!p) return;
  if (p.timer) clearTimeout(p.timer);
  p.timer = setTimeout(() => {
    p.timer = undefined;
    void update(client, p);
  }, delayMs);
}

async function update(client: () => LanguageClient | undefined, p: MapPanel): Promise<void> {
  const c = client();
  if (!c) return;
  let r: CacheMapResult | null;
  try {
    r = await c.sendRequest<CacheMapResult | null>('layerwise/cacheMap', { uri: p.uri, target: p.target });
  } catch (e) {
    r = null;
    void p.panel.webview.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  if (!panels.has(p.uri)) return;
  if (!r) {
    void p.panel.webview.postMessage({ type: 'error', message: 'Layerwise has no analysis of this Dockerfile yet.' });
    return;
  }
  p.last = { type: 'update', html: r.html, targets: r.targets, target: r.target, picked: p.target };
  if (!p.loaded) {
    p.loaded = true;
    p.panel.webview.html = page(r.css, r.html); // the script reports 'ready', then gets the update
  } else void p.panel.webview.postMessage(p.last);
}

function page(css: string, body: string): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'none'; font-src 'none'; connect-src 'none'`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width"><title>Layer cache map</title>
<style nonce="${nonce}">${css}
.bar{display:flex;gap:1em;align-items:center;margin-bottom:.5em}
select{background:var(--vscode-dropdown-background);color:var(--vscode-dropdown-foreground);border:1px solid var(--vscode-dropdown-border)}
</style></head><body>
<div class="bar"><label>Target <select id="target" aria-label="Target stage"></select></label><span id="err" role="status"></span></div>
<div id="map" aria-live="polite">${body}</div>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>`;
}

// The webview's script (runs in the webview, not in the extension host): no eval, no remote loads.
const SCRIPT = `(() => {
const vscode = acquireVsCodeApi();
const map = document.getElementById('map');
const sel = document.getElementById('target');
const err = document.getElementById('err');
const boxes = () => [...map.querySelectorAll('.step')];
function reveal(el) { vscode.postMessage({ type: 'reveal', line: Number(el.dataset.line) }); }
map.addEventListener('click', (e) => { const el = e.target.closest('.step'); if (el) reveal(el); });
map.addEventListener('keydown', (e) => {
  const el = e.target.closest && e.target.closest('.step');
  if (!el) return;
  if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); reveal(el); return; }
  const all = boxes();
  const lane = el.closest('.lane');
  const inLane = [...lane.querySelectorAll('.step')];
  let next = null;
  if (e.key === 'ArrowDown') next = inLane[inLane.indexOf(el) + 1];
  else if (e.key === 'ArrowUp') next = inLane[inLane.indexOf(el) - 1];
  else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
    const lanes = [...map.querySelectorAll('.lane')].filter((l) => l.querySelector('.step'));
    const other = lanes[lanes.indexOf(lane) + (e.key === 'ArrowRight' ? 1 : -1)];
    if (other) next = other.querySelectorAll('.step')[Math.min(inLane.indexOf(el), other.querySelectorAll('.step').length - 1)];
  } else if (e.key === 'Home') next = all[0];
  else if (e.key === 'End') next = all[all.length - 1];
  if (next) { e.preventDefault(); next.focus(); }
});
sel.addEventListener('change', () => vscode.postMessage({ type: 'target', target: sel.value }));
function arrows() {
  const lanesEl = map.querySelector('.lanes');
  if (!lanesEl) return;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'arrows');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('width', lanesEl.scrollWidth);
  svg.setAttribute('height', lanesEl.scrollHeight);
  const base = lanesEl.getBoundingClientRect();
  const laneOf = (i) => lanesEl.querySelector('.lane[data-index="' + i + '"]');
  const endOf = (lane) => { const s = lane.querySelectorAll('.step'); return s.length ? s[s.length - 1] : lane.querySelector('h2'); };
  const line = (a, b, cls) => {
    const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
    const x1 = ra.right - base.left + lanesEl.scrollLeft, y1 = ra.top + ra.height / 2 - base.top;
    const x2 = rb.left - base.left + lanesEl.scrollLeft, y2 = rb.top + rb.height / 2 - base.top;
    const p = document.createElementNS(ns, 'path');
    const mx = (x1 + x2) / 2;
    p.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + x2 + ',' + y2);
    p.setAttribute('class', cls);
    svg.appendChild(p);
  };
  for (const lane of lanesEl.querySelectorAll('.lane[data-base]')) { const src = laneOf(lane.dataset.base); if (src) line(endOf(src), lane.querySelector('h2'), 'from'); }
  for (const step of lanesEl.querySelectorAll('.step[data-reads]')) for (const i of step.dataset.reads.split(',')) { const src = laneOf(i); if (src && src !== step.closest('.lane')) line(endOf(src), step, 'copy'); }
  lanesEl.appendChild(svg);
}
window.addEventListener('message', (e) => {
  const m = e.data;
  if (m.type === 'error') { err.textContent = m.message; return; }
  if (m.type !== 'update') return;
  err.textContent = '';
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.line : null;
  map.innerHTML = m.html;
  sel.textContent = '';
  const def = document.createElement('option');
  def.value = ''; def.textContent = m.target ? 'build settings (' + m.target + ')' : 'build settings';
  sel.appendChild(def);
  for (const t of m.targets) { const o = document.createElement('option'); o.value = t; o.textContent = t; if (t === m.picked) o.selected = true; sel.appendChild(o); }
  arrows();
  if (focused) { const el = map.querySelector('.step[data-line="' + focused + '"]'); if (el) el.focus(); }
  vscode.postMessage({ type: 'rendered', boxes: boxes().map((b) => ({ line: Number(b.dataset.line), status: b.dataset.status })) });
});
window.addEventListener('resize', () => { const s = map.querySelector('svg.arrows'); if (s) s.remove(); arrows(); });
vscode.postMessage({ type: 'ready' });
})();`;
