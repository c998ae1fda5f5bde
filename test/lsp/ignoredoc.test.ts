// `.dockerignore` documents: pattern counts (engine helper) and patterns that take away a file a COPY/ADD needs —
// the pure helpers on in-memory contexts, then over the protocol on real temp contexts.
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, excludedCopySources, ignorePatternStats, MemoryContext, parseDockerignore } from '../../server/src/engine';
import { LspClient, tempContext, FULL_CAPS } from './client';

function mem(files: string[]): MemoryContext {
  const m: Record<string, string> = {};
  for (const f of files) m[f] = 'x';
  return new MemoryContext('mem', m);
}

describe('.dockerignore helpers (engine)', () => {
  test('ignorePatternStats: the deciding pattern counts a path; examples; pruned dirs', () => {
    const ig = parseDockerignore('*.log\n!keep.log\nnothing\nbuild\n');
    const ctx = mem(['a.log', 'b.log', 'keep.log', 'src/x.ts']);
    const r = ignorePatternStats(ig, ctx, ['build']);
    assert.equal(r.stats[0]!.files, 2);
    assert.deepEqual(r.stats[0]!.examples, ['a.log', 'b.log']);
    assert.equal(r.stats[1]!.files, 1);
    assert.equal(r.stats[2]!.decided, 0);
    assert.deepEqual(r.stats[3]!.prunedDirs, ['build']);
    assert.equal(ignorePatternStats(ig, null).totalPaths, 0);
  });

  test('excludedCopySources: literal sources excluded, wildcards left with nothing; COPY . . and partial globs are fine', () => {
    const ig = parseDockerignore('*.json\n!tsconfig.json\nsecrets\n*.md\n');
    const model = analyze('FROM node\nCOPY package.json ./\nCOPY . .\nCOPY tsconfig.json ./\nCOPY *.md /docs/\nCOPY secrets/key.pem /k\nCOPY *.ts /src/\nONBUILD COPY package.json /x\n');
    const ctx = mem(['package.json', 'tsconfig.json', 'README.md', 'a.ts', 'b.ts']);
    const r = excludedCopySources(ig, [{ label: 'Dockerfile', model }], ctx);
    assert.deepEqual(
      r.map((x) => [x.line, x.source, x.pattern, x.example]),
      [
        [1, 'package.json', 0, 'package.json'],
        [4, '*.md', 3, 'README.md'],
        [5, 'secrets/key.pem', 2, 'secrets/key.pem'],
      ],
    );
    assert.deepEqual(excludedCopySources(parseDockerignore(''), [{ label: 'D', model }], ctx), []);
  });
});

const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
});

describe('.dockerignore documents over the protocol', () => {
  test('a pattern that excludes a file a COPY needs names the Dockerfile and line; the hover says so too', async () => {
    const dir = tempContext({
      Dockerfile: 'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm i\nCOPY . .\n',
      'api.Dockerfile': 'FROM node:20\nCOPY config/app.yaml /etc/app.yaml\n',
      '.dockerignore': '*.json\nconfig\nnode_modules\n',
      'package.json': '{}',
      'config/app.yaml': 'a: 1',
      'node_modules/x/i.js': '1',
    });
    const c = await LspClient.start({ root: dir, capabilities: FULL_CAPS });
    clients.push(c);
    const uri = c.open(path.join(dir, '.dockerignore'), undefined, 'dockerignore');
    const p = await c.waitDiagnostics(uri, (d) => d.filter((x) => x.code === 'dockerignore-excludes-needed').length === 2);
    const needed = p.diagnostics.filter((d) => d.code === 'dockerignore-excludes-needed');
    assert.deepEqual(needed.map((d) => d.range.start.line), [0, 1]);
    assert.match(needed[0]!.message, /`\*\.json` excludes `package\.json`, which `COPY package\.json` in Dockerfile line 3 needs/);
    assert.equal(needed[0]!.relatedInformation![0]!.location.uri, c.uri(path.join(dir, 'Dockerfile')));
    assert.equal(needed[0]!.relatedInformation![0]!.location.range.start.line, 2);
    assert.match(needed[1]!.message, /`config` excludes `config\/app\.yaml`, which `COPY config\/app\.yaml` in api\.Dockerfile line 2 needs/);
    assert.ok(!p.diagnostics.some((d) => d.range.start.line === 2), 'node_modules is only read by COPY . . — no warning');
    const h = await c.hoverText(uri, 0);
    assert.match(h, /Excludes[\s\S]*1 file/);
    assert.match(h, /Takes away what a build needs[\s\S]*`COPY package\.json` \(Dockerfile line 3\)/);
    // fixing the ignore file in the editor clears it (unsaved text is what counts)
    c.change(uri, '!package.json\nnode_modules\n');
    await c.waitDiagnostics(uri, (d) => !d.some((x) => x.code === 'dockerignore-excludes-needed'));
  });

  test('an open, edited Dockerfile is checked with its current text; another context\'s Dockerfile is not', async () => {
    const dir = tempContext({
      'app/Dockerfile': 'FROM alpine\n',
      'app/.dockerignore': '*.txt\n',
      'app/a.txt': 'a',
      'other/Dockerfile': 'FROM alpine\nCOPY a.txt /a\n',
      'other/a.txt': 'a',
    });
    const c = await LspClient.start({ root: dir, capabilities: FULL_CAPS });
    clients.push(c);
    const ig = c.open(path.join(dir, 'app/.dockerignore'), undefined, 'dockerignore');
    const other = c.open(path.join(dir, 'other/Dockerfile'));
    await c.waitDiagnostics(other);
    const p0 = await c.waitDiagnostics(ig);
    assert.ok(!p0.diagnostics.some((d) => d.code === 'dockerignore-excludes-needed'), JSON.stringify(p0.diagnostics));
    const df = c.open(path.join(dir, 'app/Dockerfile'));
    await c.waitDiagnostics(df);
    c.change(df, 'FROM alpine\nRUN true\nCOPY a.txt /a\n');
    const p = await c.waitDiagnostics(ig, (d) => d.some((x) => x.code === 'dockerignore-excludes-needed'));
    assert.match(p.diagnostics.find((d) => d.code === 'dockerignore-excludes-needed')!.message, /Dockerfile line 3/);
    fs.rmSync(path.join(dir, 'app/a.txt'));
    assert.ok(c.alive);
  });
});
