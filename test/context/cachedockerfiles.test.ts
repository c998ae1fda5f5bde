// The Dockerfiles a build-cache report maps onto (context/docker/dockerfiles.ts), on real temp folders: how many ways
// the workspace builds each one (compose services / bake targets with their own args or target), which decides
// whether any of its records may be called stale (engine/buildcache.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCacheDockerfiles } from '../../server/src/context/docker/dockerfiles';

function tree(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lw-cache-dfs-')));
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), c);
  }
  return root;
}

const DF = 'FROM alpine:3.20\nARG FLAVOR=plain\nRUN echo "$FLAVOR" > /flavor\n';
const ways = (root: string) =>
  Object.fromEntries(loadCacheDockerfiles([root], { display: (abs) => path.relative(root, abs) }).map((d) => [d.dockerfile, d.configurations]));

test('configurations: compose services building one Dockerfile with other args count apart; the same args count once', () => {
  const root = tree({
    'compose.yaml': [
      'services:',
      '  web: { build: { context: ./app } }',
      '  worker: { build: { context: ./app, args: { FLAVOR: gpu } } }',
      '  again: { build: { context: ./app, args: { FLAVOR: gpu } } }',
      '  tool: { build: { context: ./tool } }',
      '',
    ].join('\n'),
    'app/Dockerfile': DF,
    'tool/Dockerfile': DF,
  });
  try {
    assert.deepEqual(ways(root), { 'app/Dockerfile': 2, 'tool/Dockerfile': 1 });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('configurations: no project file is one way; an unreadable project file is "several" (nothing stale on a guess)', () => {
  const plain = tree({ 'Dockerfile': DF });
  const broken = tree({ 'compose.yaml': 'services: [unclosed', 'Dockerfile': DF });
  try {
    assert.deepEqual(ways(plain), { Dockerfile: 1 });
    assert.deepEqual(ways(broken), { Dockerfile: 2 });
  } finally {
    fs.rmSync(plain, { recursive: true, force: true });
    fs.rmSync(broken, { recursive: true, force: true });
  }
});
