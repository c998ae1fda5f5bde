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
    const files = zipEntries(fs.readFileSync(out));
    for (const f of ['extension/package.json', 'extension/dist/client.js', 'extension/dist/server.js', 'extension/syntaxes/dockerignore.tmLanguage.json'])
      assert.ok(files.includes(f), `${f} in the vsix: ${files.join(', ')}`);
    assert.ok(!files.some((f) => /node_modules|\/out\/|\/test\/|\.ts$/.test(f)), `nothing else: ${files.join(', ')}`);
    assert.ok(fs.statSync(out).size < 5 * 1024 * 1024, 'the vsix stays small');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** The entry names of a zip file, from its central directory (no unzip needed). */
function zipEntries(zip: Buffer): string[] {
  // the end-of-central-directory record: signature PK\x05\x06, within the last 64 KiB + 22 bytes
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  assert.ok(eocd >= 0, 'a zip file (end of central directory found)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let k = 0; k < count; k++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, `central directory entry ${k}`);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}
