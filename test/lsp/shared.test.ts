// Shared layers in the hover, over the protocol: the compose fixture of three services (test/sharedfixture.ts) opened in
// the built server; each step's hover names exactly the builds and lines `graph --format json` lists in "sharedWith",
// and the worker's divergence (another ARG value) is worded the same in both.
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LspClient, FULL_CAPS } from './client';
import { graphJson, sharedFixture, SERVICES } from '../sharedfixture';

const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
});

/** The shared-with entries of a hover, as `build@dockerfile:line`. */
function hoverShared(md: string): string[] {
  return [...md.matchAll(/^- (.+?): `([^`]+)` line (\d+)$/gm)].map((m) => `${m[1]}@${m[2]}:${m[3]}`);
}

describe('shared layers in the hover', () => {
  test('every step: the hover lists the same builds and lines as graph --format json; the divergence reads the same', async () => {
    const root = fs.realpathSync(sharedFixture());
    try {
      const c = await LspClient.start({ root, initializationOptions: {}, capabilities: FULL_CAPS });
      clients.push(c);
      let compared = 0;
      for (const s of SERVICES) {
        const g = graphJson(root, s.name);
        const uri = c.open(path.join(root, s.name, 'Dockerfile'));
        for (const step of g.steps) {
          const md = await c.hoverText(uri, step.line - 1);
          const want = step.sharedWith.map((w) => `${w.build}@${w.dockerfile}:${w.line}`);
          assert.deepEqual(hoverShared(md), want, `${s.name} line ${step.line}:\n${md}`);
          if (want.length) assert.match(md, /\*\*Shared layer\*\* — lines? [0-9–, ]+ (is|are) shared with \d other builds?: built once, cached for all/);
          compared += want.length;
          for (const d of g.sharing.divergences.filter((x) => x.line === step.line)) {
            assert.ok(md.includes(`- from ${d.with.build} (\`${d.with.dockerfile}\` line ${d.with.line}): ${d.reasons.map((r) => r.message).join('; ')}`), `${s.name} line ${step.line}: divergence in the hover:\n${md}`);
            compared++;
          }
        }
      }
      const worker = graphJson(root, 'worker');
      assert.deepEqual(worker.sharing.divergences.map((d) => `${d.line}: ${d.reasons.map((r) => r.kind).join(',')}`), ['6: arg', '6: arg']);
      assert.ok(compared >= 20, `compared ${compared} entries`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
