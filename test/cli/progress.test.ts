// Progress and Ctrl-C on big work, on a real terminal: the CLI runs under `script` (util-linux), which gives it a
// pseudo-terminal; a ^C written to that terminal is a real Ctrl-C (the terminal sends SIGINT to the CLI). Without a
// terminal (pipes, as in CI logs) stderr stays empty.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const HAVE_SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const CI = process.env['CI'] === 'true';
let tmp: string;
let many: string;
let hist: string;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the CLI on a pseudo-terminal (its stdout to `stdoutFile`); `interruptOn`: write ^C once the output matches. */
function onTerminal(args: string[], cwd: string, stdoutFile: string, interruptOn?: RegExp): Promise<{ code: number | null; tty: string }> {
  const cmd = `${q(process.execPath)} ${q(CLI)} ${args.map(q).join(' ')} > ${q(stdoutFile)}`;
  const c = spawn('script', ['-qec', cmd, '/dev/null'], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm', LAYERWISE_NO_HISTORY_CACHE: '1' } });
  let tty = '';
  let sent = false;
  c.stdout!.on('data', (d: Buffer) => {
    tty += d.toString();
    if (interruptOn && !sent && interruptOn.test(tty)) {
      sent = true;
      c.stdin!.write('\x03');
    }
  });
  return new Promise((resolve) => c.on('close', (code) => resolve({ code, tty })));
}

function piped(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, LAYERWISE_NO_HISTORY_CACHE: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-progress-'));
  // 120 Dockerfiles of 80 steps each: a few seconds of work
  many = path.join(tmp, 'many');
  for (let i = 0; i < 120; i++) {
    const lines = [`FROM debian:bookworm AS s${i}`, 'WORKDIR /app'];
    for (let k = 0; k < 40; k++) lines.push(`RUN apt-get update && apt-get install -y pkg${k} && echo ${i}`, `COPY f${k} /x/`);
    fs.mkdirSync(path.join(many, `s${i}`), { recursive: true });
    fs.writeFileSync(path.join(many, `s${i}`, 'Dockerfile'), lines.join('\n') + '\n');
  }
  // a repository with 1,000 commits (git fast-import: one process), each editing a source file, some the Dockerfile
  hist = path.join(tmp, 'hist');
  fs.mkdirSync(hist);
  const git = (args: string[], input?: string) => {
    const r = spawnSync('git', args, { cwd: hist, input, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  git(['init', '-q', '-b', 'main']);
  const stream: string[] = [];
  let df = 'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n';
  for (let i = 1; i <= 1000; i++) {
    if (i % 50 === 0) df += `RUN echo ${i}\n`;
    const files: [string, string][] = [[`src/f${i % 40}.ts`, `export const v = ${i};\n`]];
    if (i === 1 || i % 50 === 0) files.push(['Dockerfile', df], ['package.json', `{"v":${i}}\n`]);
    stream.push('commit refs/heads/main', `mark :${i}`, `committer t <t@t> ${1700000000 + i} +0000`, `data ${`c${i}`.length}`, `c${i}`);
    if (i > 1) stream.push(`from :${i - 1}`);
    for (const [p, c] of files) stream.push(`M 100644 inline ${p}`, `data ${Buffer.byteLength(c)}`, c);
    stream.push('');
  }
  git(['fast-import', '--quiet'], stream.join('\n') + '\n');
  git(['checkout', '-q', 'main']);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('check over many Dockerfiles', { skip: !HAVE_SCRIPT && !CI ? 'util-linux script is not installed' : false }, () => {
  test('a terminal shows done/total and elapsed on stderr; the report on stdout is whole', async () => {
    const out = path.join(tmp, 'check.json');
    const r = await onTerminal(['check', '.', '--format', 'json'], many, out);
    assert.equal(r.code, 1, r.tty);
    assert.match(r.tty, /\r\x1b\[Kcheck: \d+\/120 Dockerfiles · \d+\.\d s/);
    assert.ok(r.tty.endsWith('\r\x1b[K'), 'the progress line is erased at the end');
    assert.equal((JSON.parse(fs.readFileSync(out, 'utf8')) as { files: unknown[] }).files.length, 120);
  });

  test('--quiet, or no terminal: nothing on stderr', async () => {
    const quiet = await onTerminal(['check', '.', '--format', 'json', '--quiet'], many, path.join(tmp, 'quiet.json'));
    assert.equal(quiet.code, 1);
    assert.equal(quiet.tty, '');
    const p = piped(['check', '.', '--format', 'json'], many);
    assert.equal(p.code, 1);
    assert.equal(p.err, '');
    assert.equal((JSON.parse(p.out) as { files: unknown[] }).files.length, 120);
  });

  test('Ctrl-C stops after the current Dockerfile with a one-line summary and no report', async () => {
    const out = path.join(tmp, 'interrupted.json');
    const r = await onTerminal(['check', '.', '--format', 'json'], many, out, /check: \d+\/120/);
    assert.equal(r.code, 130, r.tty);
    const m = /layerwise: interrupted: checked (\d+) of 120 Dockerfiles in \d+\.\d s; no report written\r\n$/.exec(r.tty);
    assert.ok(m, JSON.stringify(r.tty.slice(-300)));
    assert.ok(Number(m[1]) < 120);
    assert.equal(fs.readFileSync(out, 'utf8'), '');
  });
});

describe('history over many commits', { skip: !HAVE_SCRIPT && !CI ? 'util-linux script is not installed' : false }, () => {
  test('a terminal shows the git read, then commits done/total; no terminal, nothing', async () => {
    const out = path.join(tmp, 'history.json');
    const r = await onTerminal(['history', '--commits', '1000', '--format', 'json'], hist, out);
    assert.equal(r.code, 0, r.tty);
    assert.match(r.tty, /history: \d+\/1000 commits · \d+\.\d s/);
    const j = JSON.parse(fs.readFileSync(out, 'utf8')) as { commits: number };
    assert.equal(j.commits, 999);
    const p = piped(['history', '--commits', '1000', '--format', 'json'], hist);
    assert.equal(p.err, '');
    assert.deepEqual(JSON.parse(p.out), j);
  });

  test('Ctrl-C during the replay stops at once with what was replayed', async () => {
    const out = path.join(tmp, 'history-int.json');
    const r = await onTerminal(['history', '--commits', '1000'], hist, out, /history: \d+\/1000 commits/);
    assert.equal(r.code, 130, r.tty);
    const m = /layerwise: interrupted: replayed (\d+) of 1000 commits in \d+\.\d s; nothing printed\r\n$/.exec(r.tty);
    assert.ok(m, JSON.stringify(r.tty.slice(-300)));
    assert.ok(Number(m[1]) < 1000);
    assert.equal(fs.readFileSync(out, 'utf8'), '');
  });
});
