// `layerwise graph --format html` end to end (the bundled CLI, a real git repository): the file is parsed as HTML
// (parse5, the WHATWG parser) and checked: one box per step with data-line/data-status, the statuses of the next
// build against HEAD after a context file edit, stages as lanes, and nothing that loads from the network.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'parse5';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface El {
  nodeName: string;
  attrs?: { name: string; value: string }[];
  childNodes?: El[];
  value?: string;
}

function all(n: El, out: El[] = []): El[] {
  out.push(n);
  for (const c of n.childNodes ?? []) all(c, out);
  if ((n as { content?: El }).content) all((n as { content?: El }).content!, out);
  return out;
}
const attr = (n: El, k: string) => n.attrs?.find((a) => a.name === k)?.value;
const textOf = (n: El): string => (n.nodeName === '#text' ? (n.value ?? '') : (n.childNodes ?? []).map(textOf).join(''));

function html(dir: string, args: string[] = []): El[] {
  const r = spawnSync(process.execPath, [CLI, 'graph', '--format', 'html', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return all(parse(r.stdout) as unknown as El);
}

test('graph --format html: one box per step with data-line and data-status, lanes per stage, no external URL', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-html-')));
  const files: Record<string, string> = {
    Dockerfile: 'FROM node:20 AS build\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY src ./src\nRUN npm run build\n\nFROM node:20-slim AS app\nCOPY --from=build /app/dist /dist\nCMD ["node", "/dist/x.js"]\n\nFROM alpine AS unused\nRUN echo <b>&\n',
    'package.json': '{}',
    'src/a.js': '1',
    '.dockerignore': '.git\n',
  };
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), c);
  }
  const git = (...a: string[]) => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...a], { cwd: dir, encoding: 'utf8' });
  if (git('init', '-q').status !== 0) return;
  git('add', '-A');
  git('commit', '-qm', 'init');
  fs.writeFileSync(path.join(dir, 'src/a.js'), '2');

  const nodes = html(dir, ['--target', 'app']);
  const steps = nodes.filter((n) => attr(n, 'data-line') !== undefined);
  assert.deepEqual(steps.map((n) => Number(attr(n, 'data-line'))), [2, 3, 4, 5, 6, 9, 13], 'every step, once, in order');
  assert.deepEqual(
    steps.map((n) => attr(n, 'data-status')),
    ['cached', 'cached', 'cached', 'rebuilt', 'rebuilt', 'maybe', 'skipped'],
    'the next build against HEAD after src/a.js changed',
  );
  // sizes where known (engine/sizes.ts, as hovers and lenses show them): the context copies, in bytes and in the text
  assert.deepEqual(steps.map((n) => attr(n, 'data-bytes') ?? null), [null, '2', null, '1', null, null, null], 'COPY package.json ({}), COPY src (src/a.js: 2)');
  assert.match(textOf(steps[1]!), /adds 2 B/);
  assert.doesNotMatch(textOf(steps[5]!), /adds|size/, 'a COPY --from has no context size');
  assert.match(textOf(steps[3]!), /first miss/);
  assert.match(attr(steps[3]!, 'title') ?? '', /src\/a\.js/);
  assert.match(textOf(steps[6]!), /RUN echo <b>&/, 'instruction text escaped, not markup');
  const lanes = nodes.filter((n) => n.nodeName === 'section');
  assert.deepEqual(lanes.map((n) => attr(n, 'data-stage')), ['build', 'app', 'unused']);
  assert.match(attr(lanes[2]!, 'class')!, /unused/);
  // self-contained: no scripts, no links, no resource loads
  for (const n of nodes) {
    assert.ok(!['script', 'link', 'img', 'iframe', 'object', 'embed'].includes(n.nodeName), `<${n.nodeName}> in the file`);
    for (const a of n.attrs ?? []) assert.doesNotMatch(a.value, /(https?:)?\/\/|url\(/i, `${n.nodeName}[${a.name}]`);
  }
  const style = nodes.filter((n) => n.nodeName === 'style').map(textOf).join('');
  assert.doesNotMatch(style, /url\(|@import|https?:/);

  // without git: boxes are there, with an honest "unknown"
  fs.rmSync(path.join(dir, '.git'), { recursive: true, force: true });
  const nogit = html(dir);
  assert.deepEqual([...new Set(nogit.filter((n) => attr(n, 'data-line') !== undefined).map((n) => attr(n, 'data-status')))], ['unknown']);
  assert.match(nogit.filter((n) => attr(n, 'class') === 'summary').map(textOf).join(''), /No forecast: /);
});
