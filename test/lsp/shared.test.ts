// Shared layers in the hover, over the protocol: the compose fixture of three services (test/sharedfixture.ts) opened in
// the built server; each step's hover names exactly the builds and lines `graph --format json` lists in "sharedWith",
// and the worker's divergence (another ARG value) is worded the same in both. needless-divergence runs in the editor
// as in the CLI: the analysis worker's check gets the workspace's other builds, open ones with their unsaved text.
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Diagnostic, TextEdit } from 'vscode-languageserver-protocol';
import { applyEdits, LspClient, FULL_CAPS } from './client';
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

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface CheckJson {
  files: { findings: { rule: string; line: number; column: number; endColumn: number; message: string; fix?: string }[] }[];
}

describe('needless-divergence in the editor', () => {
  test('the same finding, range and fix as `check`; an unsaved edit of the other build counts; without the other build none', async () => {
    const root = fs.realpathSync(sharedFixture());
    try {
      // api writes a shared step with other blanks: web (sorted later) is told to write it as api does
      const apiFile = path.join(root, 'api', 'Dockerfile');
      const apiText = fs.readFileSync(apiFile, 'utf8');
      fs.writeFileSync(apiFile, apiText.replace('RUN echo common > /common', 'RUN echo common  >  /common'));
      const r = spawnSync(process.execPath, [CLI, 'check', 'web/Dockerfile', '--context', '.', '--format', 'json'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      const cli = (JSON.parse(r.stdout) as CheckJson).files[0]!.findings.filter((f) => f.rule === 'needless-divergence');
      assert.equal(cli.length, 1, r.stdout);

      const c = await LspClient.start({ root, initializationOptions: {}, capabilities: FULL_CAPS });
      clients.push(c);
      const webFile = path.join(root, 'web', 'Dockerfile');
      const uri = c.open(webFile);
      const nd = (d: Diagnostic[]) => d.filter((x) => x.code === 'needless-divergence');
      const p = await c.waitDiagnostics(uri, (d) => nd(d).length > 0, 30_000);
      const got = nd(p.diagnostics);
      assert.deepEqual(got.map((d) => [d.range.start.line + 1, d.range.start.character + 1, d.range.end.character + 1, d.message]), cli.map((f) => [f.line, f.column, f.endColumn, f.message]));
      const act = (await c.codeActions(uri, got[0]!.range, got)).find((x) => x.title === cli[0]!.fix);
      assert.ok(act, `the fix "${cli[0]!.fix}" is offered`);
      const edits = act.edit!.changes?.[uri] ?? (act.edit!.documentChanges as unknown as { edits: TextEdit[] }[])[0]!.edits;
      const webText = fs.readFileSync(webFile, 'utf8');
      assert.equal(applyEdits(webText, edits), webText.replace('RUN echo common > /common', 'RUN echo common  >  /common'), 'written as api writes it');

      // api open with its old text, unsaved: nothing diverges any more
      const apiUri = c.open(apiFile, apiText);
      c.change(uri, webText + '\n'); // web is analysed again (the other build's edits do not schedule it)
      await c.waitDiagnostics(uri, (d, q) => q.version === 2 && nd(d).length === 0, 30_000);
      c.close(apiUri);
      const v = c.change(uri, webText);
      await c.waitDiagnostics(uri, (d, q) => q.version === v && nd(d).length === 1, 30_000);
      assert.equal(nd(c.lastDiagnostics(uri)!.diagnostics)[0]!.message, cli[0]!.message);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
