// `npm run package` builds the .vsix users install: it must succeed (vsce is strict about README links) and hold
// exactly what the extension runs, staying small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '../../..');

test('the .vsix packages and holds the bundles, manifest, grammar and README images only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-vsix-'));
  try {
    const out = path.join(dir, 'layerwise.vsix');
    const script = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.package as string;
    const vsceArgs = script.replace(/^.*?vsce /, '').replace(/-o \S+/, '').split(/\s+/).filter(Boolean);
    const r = spawnSync(path.join(ROOT, 'node_modules/.bin/vsce'), [...vsceArgs, '-o', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const list = spawnSync('unzip', ['-Z1', out], { encoding: 'utf8' });
    const files = list.status === 0 ? list.stdout.split('\n').filter(Boolean) : [];
    if (list.status === 0) {
      for (const f of ['extension/package.json', 'extension/dist/client.js', 'extension/dist/server.js', 'extension/syntaxes/dockerignore.tmLanguage.json'])
        assert.ok(files.includes(f), `${f} in the vsix: ${files.join(', ')}`);
      assert.ok(!files.some((f) => /node_modules|\/out\/|\/test\/|\.ts$/.test(f)), `nothing else: ${files.join(', ')}`);
    }
    assert.ok(fs.statSync(out).size < 5 * 1024 * 1024, 'the vsix stays small');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
