// The compose fixture of the shared-layers tests (oracle/shared.test.ts, lsp/shared.test.ts): three services built
// from Dockerfiles that share a base stage written the same; the third passes another value for an ARG of it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(__dirname, '..', '..', 'dist', 'cli.js'); // out/test -> repo

const BASE = `FROM localbase AS base
RUN echo base-setup > /setup
WORKDIR /app
COPY shared/ ./shared/
ARG FLAVOR=plain
RUN echo "$FLAVOR" > /flavor
RUN echo common > /common

`;
export const SERVICES: { name: string; args: Record<string, string> }[] = [
  { name: 'web', args: {} },
  { name: 'api', args: {} },
  { name: 'worker', args: { FLAVOR: 'gpu' } },
];
const COMPOSE = `services:
${SERVICES.map((s) => `  ${s.name}:
    build:
      context: .
      dockerfile: ${s.name}/Dockerfile
${Object.keys(s.args).length ? `      args:\n${Object.entries(s.args).map(([k, v]) => `        ${k}: ${v}\n`).join('')}` : ''}`).join('')}`;

export function sharedFixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'lw-shared-'));
  mkdirSync(join(root, 'shared'));
  writeFileSync(join(root, 'shared', 'lib.txt'), 'lib\n');
  SERVICES.forEach((s, i) => {
    mkdirSync(join(root, s.name));
    const df = join(root, s.name, 'Dockerfile');
    writeFileSync(df, BASE + `FROM base\nCOPY ${s.name}/app.txt ./\nRUN cat app.txt > /${s.name}\n`);
    // dockerd 20.10 sends the Dockerfile like the context (rsync-like, by size and mtime): two Dockerfiles of one size
    // written in the same second would build the first one's text (measured)
    utimesSync(df, 1_700_000_000 + i * 100, 1_700_000_000 + i * 100);
    writeFileSync(join(root, s.name, 'app.txt'), s.name + '\n');
  });
  writeFileSync(join(root, 'compose.yaml'), COMPOSE);
  return root;
}


export interface GraphJson {
  stages: { index: number; name: string | null }[];
  steps: { stage: string; line: number; instruction: string; sharedWith: { dockerfile: string; line: number; build: string }[] }[];
  sharing: { build: string; divergences: { line: number; with: { build: string; dockerfile: string; line: number }; reasons: { kind: string; name?: string; message: string }[]; lostSteps: number }[] };
}

/** `layerwise graph <service>/Dockerfile --format json` run in the fixture. */
export function graphJson(root: string, service: string, extra: string[] = []): GraphJson {
  const r = spawnSync(process.execPath, [CLI, 'graph', `${service}/Dockerfile`, '--context', '.', '--format', 'json', ...extra], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as GraphJson;
}
