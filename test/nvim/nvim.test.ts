// A second, independent LSP client: headless Neovim (Debian's 0.7) attaches dist/lsp.js (the `layerwise-language-server` bin) over stdio
// (test/nvim/check.lua) and checks diagnostics and hover. Skips when nvim is missing — fails under CI=true.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CI = process.env['CI'] === 'true';
const SERVER = path.join(ROOT, 'dist/lsp.js');
const LUA = path.join(ROOT, 'test/nvim/check.lua');

function nvimPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v nvim'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

test('Neovim (headless, stdio): diagnostics and hover from layerwise-language-server', { timeout: 120000 }, (t) => {
  const nvim = nvimPath();
  if (!nvim) {
    if (CI) assert.fail('CI=true: nvim is not installed (scripts/editors.sh install)');
    t.skip('nvim not installed (scripts/editors.sh install)');
    return;
  }
  assert.ok(fs.existsSync(SERVER), 'dist/lsp.js missing: npm run build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-nvim-'));
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . /app\nRUNN oops\n',
  );
  fs.writeFileSync(path.join(dir, 'app.txt'), 'x');
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const r = spawnSync(nvim, ['--headless', '--clean', '-c', `luafile ${LUA}`], {
    encoding: 'utf8',
    timeout: 90000,
    env: { ...process.env, HOME: home, XDG_STATE_HOME: home, XDG_DATA_HOME: home, LAYERWISE_SERVER: SERVER, LAYERWISE_FILE: path.join(dir, 'Dockerfile'), LAYERWISE_HOVER_LINE: '3' },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const m = /RESULT (\{.*\})/.exec(out);
  assert.ok(m, `no RESULT from nvim (exit ${r.status}):\n${out}`);
  const res = JSON.parse(m[1]!) as {
    error?: string;
    diagnostics_arrived: boolean;
    diagnostics: { line: number; source: string; code?: string; message: string }[];
    hover: string;
    lenses: number;
  };
  assert.equal(res.error, undefined, res.error);
  assert.equal(r.status, 0, out);
  assert.ok(res.diagnostics_arrived, 'diagnostics arrived');
  assert.ok(res.diagnostics.every((d) => d.source === 'layerwise'));
  assert.ok(res.diagnostics.some((d) => d.line === 4 && /unknown instruction: RUNN/.test(d.message)), JSON.stringify(res.diagnostics));
  assert.ok(res.diagnostics.some((d) => d.code === 'apt-update-alone' && d.line === 1), JSON.stringify(res.diagnostics));
  assert.match(res.hover, /COPY.*step 3 of 3/);
  assert.match(res.hover, /context file/);
  assert.ok(res.lenses >= 3, `code lenses: ${res.lenses}`);
  fs.rmSync(dir, { recursive: true, force: true });
});
