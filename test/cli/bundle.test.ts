// What users install: the .vsix (size, exact contents, and that the CLI inside it runs on its own) and the npm
// tarball (`npm pack`, installed offline into a clean folder: its `layerwise` bin works with no other package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { inflateRawSync } from 'node:zlib';

const ROOT = path.resolve(__dirname, '../../..');
const MAX_VSIX_BYTES = 1024 * 1024;

/** The entries of a zip file, read from its central directory (stored or deflated; no zip64: a .vsix is small). */
function readZip(file: string): Map<string, Buffer> {
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  assert.ok(eocd >= 0, `${file}: no end of central directory`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(data, data + csize);
    out.set(name, method === 0 ? Buffer.from(raw) : inflateRawSync(raw));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `layerwise-${tag}-`));
}

// The shell parser (dist/sh.js) is loaded on first use: this Dockerfile's apt RUN needs it for the cache-mount
// finding, so a package missing it shows up as a missing finding, not only as a missing file.
const FIXTURE = 'FROM debian:bookworm\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends curl && \\\n    rm -rf /var/lib/apt/lists/*\nCOPY . /app\n';

function checkFixture(cli: string): { rules: string[]; out: string; err: string; code: number | null } {
  const dir = tmpdir('fixture');
  try {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), FIXTURE);
    fs.writeFileSync(path.join(dir, 'app.js'), 'x');
    const r = spawnSync(cli, ['check', 'Dockerfile', '--format', 'json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    let rules: string[] = [];
    try {
      rules = (JSON.parse(r.stdout) as { files: { findings: { rule: string }[] }[] }).files[0]!.findings.map((f) => f.rule);
    } catch {
      /* reported by the caller's assertion */
    }
    return { rules, out: r.stdout, err: r.stderr, code: r.status };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test(`the .vsix is at most ${MAX_VSIX_BYTES / 1024} KB, holds exactly the bundles, manifest, grammar, forecast icons and README, and its CLI runs alone`, () => {
  const dir = tmpdir('vsix');
  try {
    const out = path.join(dir, 'layerwise.vsix');
    const script = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.package as string;
    const vsceArgs = script.replace(/^.*?vsce /, '').replace(/-o \S+/, '').split(/\s+/).filter(Boolean);
    const r = spawnSync(path.join(ROOT, 'node_modules/.bin/vsce'), [...vsceArgs, '-o', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const size = fs.statSync(out).size;
    assert.ok(size <= MAX_VSIX_BYTES, `the .vsix is ${(size / 1024).toFixed(0)} KB (limit ${MAX_VSIX_BYTES / 1024} KB)`);
    const entries = readZip(out);
    const ext = [...entries.keys()].filter((n) => n.startsWith('extension/')).sort();
    assert.deepEqual(ext, [
      'extension/dist/cli.js',
      'extension/dist/client.js',
      // vscode-languageclient, loaded by client.js after activate() returns
      'extension/dist/languageclient.js',
      // the language server's launcher (starts the analysis worker, then requires server.js)
      'extension/dist/lsp.js',
      'extension/dist/server.js',
      'extension/dist/sh.js',
      // the forecast's gutter icons (client/src/extension.ts), light and dark
      ...['cached', 'maybe', 'rebuilt', 'skipped'].flatMap((s) => [`extension/images/forecast/${s}-dark.svg`, `extension/images/forecast/${s}-light.svg`]),
      // the walkthrough's pages (package.json contributes.walkthroughs)
      ...['build', 'fix', 'forecast', 'map', 'open'].map((m) => `extension/media/walkthrough/${m}.md`),
      'extension/package.json',
      'extension/readme.md',
      'extension/syntaxes/dockerignore.language-configuration.json',
      'extension/syntaxes/dockerignore.tmLanguage.json',
    ]);
    // readable stack traces without shipping source maps: the bundles keep the source's function names
    const server = entries.get('extension/dist/server.js')!.toString('utf8');
    for (const name of ['function runCheck(', 'function replayHistory(', 'function startServer(', 'function loadDiskContext(']) assert.ok(server.includes(name), `server.js keeps ${name}`);
    // the engine ships once: the CLI launcher is tiny and every bundle is minified — long lines (an unminified bundle
    // averages ~40 characters a line; text shipped as strings, like the map webview's script, keeps its own lines)
    assert.ok(entries.get('extension/dist/cli.js')!.length < 1024, 'dist/cli.js is a launcher');
    // the server's launcher holds the start-flags deferral and the code cache loader beside the worker's start (~7 KB)
    assert.ok(entries.get('extension/dist/lsp.js')!.length < 8192, 'dist/lsp.js is a launcher');
    for (const b of ['server.js', 'client.js', 'languageclient.js', 'sh.js']) {
      const text = entries.get(`extension/dist/${b}`)!.toString('utf8');
      const perLine = text.length / text.split('\n').length;
      assert.ok(perLine > 150, `${b} is minified (${perLine.toFixed(0)} characters a line)`);
    }
    // the packaged files run on their own: unpack them to a folder with no node_modules anywhere above it
    const unpacked = path.join(dir, 'x');
    for (const [name, data] of entries) {
      if (!name.startsWith('extension/')) continue;
      const dst = path.join(unpacked, name);
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.writeFileSync(dst, data, { mode: 0o755 });
    }
    const c = checkFixture(path.join(unpacked, 'extension/dist/cli.js'));
    assert.equal(c.code, 1, c.out + c.err);
    assert.deepEqual([...new Set(c.rules)].sort(), ['context-includes-volatile', 'missing-cache-mount'], c.out);
    for (const entry of ['server.js', 'lsp.js']) {
      const v = spawnSync(process.execPath, [path.join(unpacked, 'extension/dist', entry), '--version'], { encoding: 'utf8' });
      assert.equal(v.stdout.trim(), JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version, entry + ': ' + v.stderr);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('npm pack gives a self-contained package: installed offline into a clean folder, its layerwise bin checks a Dockerfile', () => {
  const dir = tmpdir('npm-pack');
  try {
    const npm = 'npm';
    const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    const pack = spawnSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(pack.status, 0, pack.stderr);
    const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const tarball = path.join(dir, info[0]!.filename);
    assert.deepEqual(info[0]!.files.map((f) => f.path).sort(), ['README.md', 'dist/cli.js', 'dist/lsp.js', 'dist/server.js', 'dist/sh.js', 'package.json']);
    const proj = path.join(dir, 'proj');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, 'package.json'), '{"name":"p","version":"1.0.0","private":true}');
    const inst = spawnSync(npm, ['install', '--offline', '--no-package-lock', tarball], { cwd: proj, encoding: 'utf8', env });
    assert.equal(inst.status, 0, inst.stdout + inst.stderr);
    // nothing but layerwise itself: every runtime dependency is in the bundle
    assert.deepEqual(fs.readdirSync(path.join(proj, 'node_modules')).filter((n) => !n.startsWith('.')), ['layerwise']);
    const c = checkFixture(path.join(proj, 'node_modules/.bin/layerwise'));
    assert.equal(c.code, 1, c.out + c.err);
    assert.deepEqual([...new Set(c.rules)].sort(), ['context-includes-volatile', 'missing-cache-mount'], c.out);
    const ls = spawnSync(path.join(proj, 'node_modules/.bin/layerwise-language-server'), ['--version'], { encoding: 'utf8' });
    assert.match(ls.stdout, /^\d+\.\d+\.\d+\n$/, ls.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
