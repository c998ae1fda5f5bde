// ORACLE + LSP: the layers of the image a real build made, in the language server's hover and in
// `cleanup-in-separate-layer`. The real daemon builds a Dockerfile whose later steps delete and overwrite what earlier
// ones made; its log is imported over the protocol (`layerwise/importBuild`, the image id taken from the log, which
// must be the `--iidfile`'s); then every step's hover must give its layer the size `docker history` reports and the
// wasted bytes of the deleted and the overwritten file, the cleanup's diagnostic must cite the bytes it leaves in the
// earlier layer, an edited text must show no layers (it is not the image's), and a removed image must be said once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, dockerEnv, DOCKER, findBuilder, lockBuilder } from './harness';
import { FULL_CAPS, LspClient } from '../lsp/client';

const isCI = process.env.CI === 'true';
const builder = findBuilder();
const skip = builder.problem ? (isCI ? false : `no builder: ${builder.problem}`) : !fs.existsSync(CLI) ? 'no CLI (dist/cli.js): npm run build' : false;

const DOCKERFILE = `FROM localbase
RUN head -c 300000 /dev/urandom > /tmp/big.bin
COPY seed.txt /seed.txt
RUN head -c 5000 /dev/urandom > /over.txt
RUN rm /tmp/big.bin
RUN head -c 100 /dev/urandom > /over.txt
`;

const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
});

/** The server, started with the builder as DOCKER_HOST (it reads the environment, like the docker CLI). */
async function start(root: string, host: string): Promise<LspClient> {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = host;
  try {
    const c = await LspClient.start({ root, initializationOptions: { trusted: true }, capabilities: FULL_CAPS });
    clients.push(c);
    return c;
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
}

/** `300 kB` as the hover and the rule write sizes (3 significant digits, SI units). */
function size(b: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let v = b;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}

/** Waits for the log line matching `re`, then for the document's analysis that follows it (the server re-analyses). */
async function analysedAfter(c: LspClient, uri: string, re: RegExp): Promise<void> {
  const at = await c.until(() => {
    const i = c.notifications.findIndex((n) => n.method === 'window/logMessage' && re.test((n.params as { message: string }).message));
    return i >= 0 ? i + 1 : undefined;
  }, 120_000, `a log line ${re}`);
  await c.until(() => c.notifications.slice(at).some((n) => n.method === 'layerwise/analysed' && (n.params as { uri: string }).uri === uri), 30_000, 'the analysis after it');
}

describe('oracle: the image of an imported build in the language server (dockerd 20.10)', { skip }, () => {
  let release: (() => void) | undefined;
  before(() => {
    if (builder.host && !builder.problem) release = lockBuilder(builder.host);
  });
  after(() => release?.());

  test('hover: each step\'s layer and wasted bytes as docker history has them; the cleanup cites its bytes; edited text and a removed image', { timeout: 600_000 }, async (t) => {
    assert.ok(!builder.problem, `needs a builder (CI=true makes this an error): ${builder.problem}`);
    const env = dockerEnv(builder.host!);
    const dir = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), 'lw-layers-lsp-')));
    const tag = `layerwise-oracle-layers-lsp:${process.pid}`;
    try {
      fs.writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
      fs.writeFileSync(join(dir, 'seed.txt'), 'x'.repeat(1234));
      assert.equal(spawnSync('git', ['init', '-q', dir]).status, 0); // the build record goes to .git/layerwise
      const b = spawnSync(DOCKER, ['build', '--network=none', '--progress=plain', '--iidfile', join(dir, '.iid'), '-t', tag, '.'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
      assert.equal(b.status, 0, b.stderr);
      const iid = fs.readFileSync(join(dir, '.iid'), 'utf8').trim();
      fs.rmSync(join(dir, '.iid'));
      // Docker's own numbers, through the docker CLI
      const h = spawnSync(DOCKER, ['history', '--no-trunc', '--human=false', '--format', '{{json .}}', tag], { env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(h.status, 0, h.stderr);
      const history = h.stdout.trim().split('\n').map((l) => JSON.parse(l) as { CreatedBy: string; Size: string });
      const sizeOf = (line: number): number => {
        const text = DOCKERFILE.split('\n')[line - 1]!.replace(/^(RUN|COPY) /, '');
        const hit = history.filter((x) => x.CreatedBy.includes(text));
        assert.equal(hit.length, 1, `one history entry for line ${line}`);
        return Number(hit[0]!.Size);
      };
      // layer indices as `layerwise layers` numbers them (test/oracle/layers.test.ts checks it against docker history)
      const cli = spawnSync(process.execPath, [CLI, 'layers', tag, 'Dockerfile', '--format', 'json'], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
      assert.equal(cli.status, 0, cli.stderr);
      const listed = (JSON.parse(cli.stdout) as { layers: { index: number; line: number | null; bytes: number }[] }).layers;
      const layerOf = (line: number): number => listed.find((l) => l.line === line)!.index;
      for (const line of [2, 3, 4, 5, 6]) assert.equal(listed.find((l) => l.line === line)?.bytes, sizeOf(line));

      const c = await start(dir, builder.host!);
      const uri = c.open(join(dir, 'Dockerfile'));
      await c.waitDiagnostics(uri);
      assert.doesNotMatch(await c.hoverText(uri, 1), /Image layer/, 'no image before a build is imported');
      const imported = await c.request<{ image: string | null; steps: number }>('layerwise/importBuild', { uri, logText: b.stdout + b.stderr, source: 'docker build' });
      assert.equal(imported.image, iid, 'the image id from the log is the --iidfile\'s');

      // once the history worker has read the image, the document is analysed again with it
      const short = iid.slice(7, 19);
      await analysedAfter(c, uri, new RegExp(`image layers of ${short}: `));
      const cleanup = (d: { code?: unknown; message: string }[]) => d.find((x) => x.code === 'cleanup-in-separate-layer');
      const withBytes = await c.waitDiagnostics(uri, (d) => !!cleanup(d)?.message.includes('still take'), 10_000);
      const hover2 = await c.hoverText(uri, 1);
      t.diagnostic(hover2);
      assert.ok(hover2.includes(`**Image layer** ${layerOf(2)} (\`${short}\`, the last build): ${size(sizeOf(2))}, 1 file`), hover2);
      assert.ok(hover2.includes(`**${size(sizeOf(2))} wasted**`), hover2);
      assert.ok(hover2.includes(`- \`tmp/big.bin\` (${size(sizeOf(2))}) deleted by line 5`), hover2);
      const hover4 = await c.hoverText(uri, 3);
      assert.ok(hover4.includes(`**Image layer** ${layerOf(4)} (\`${short}\`, the last build): ${size(sizeOf(4))}, 1 file`), hover4);
      assert.ok(hover4.includes(`- \`over.txt\` (${size(sizeOf(4))}) overwritten by line 6`), hover4);
      const hover3 = await c.hoverText(uri, 2);
      assert.ok(hover3.includes(`**Image layer** ${layerOf(3)} (\`${short}\`, the last build): ${size(sizeOf(3))}, 1 file`), hover3);
      assert.doesNotMatch(hover3, /wasted\*\*/, 'the COPY wastes nothing');
      const hover5 = await c.hoverText(uri, 4);
      assert.ok(hover5.includes(`Removes ${size(sizeOf(2))} of line 2: those bytes stay in the image`), hover5);
      assert.ok((await c.hoverText(uri, 5)).includes(`Removes ${size(sizeOf(4))} of line 4`));

      // the rule: the bytes the cleanup leaves in line 2's layer
      const msg = cleanup(withBytes.diagnostics)!.message;
      t.diagnostic(msg);
      assert.ok(msg.includes(`the files it deletes still take ${size(sizeOf(2))} in layer ${layerOf(2)} (line 2) of the image the last build made`), msg);

      // another text is not the image's: no layers, the message as without an image
      const v = c.change(uri, DOCKERFILE.replace('head -c 100 ', 'head -c 101 '));
      await c.waitDiagnostics(uri, (d, p) => p.version === v && !!cleanup(d), 30_000);
      const edited = await c.hoverText(uri, 1);
      assert.match(edited, /\*Image layers:\* the Dockerfile changed since the build that made/);
      assert.doesNotMatch(edited, /wasted\*\*/);
      assert.ok(cleanup(c.lastDiagnostics(uri)!.diagnostics)!.message.includes('the files stay in the earlier layer'));
      await c.stop();

      // the image removed: a new server reads the stored record, says so once, and shows no layers
      assert.equal(spawnSync(DOCKER, ['rmi', '-f', tag], { env, encoding: 'utf8', timeout: 60_000 }).status, 0);
      const c2 = await start(dir, builder.host!);
      const uri2 = c2.open(join(dir, 'Dockerfile'));
      await analysedAfter(c2, uri2, /no longer in the daemon/);
      const gone = await c2.hoverText(uri2, 1);
      assert.match(gone, /\*Image layers:\* sha256:[0-9a-f]{64} is no longer in the daemon/);
      assert.doesNotMatch(gone, /\*\*Image layer\*\*/);
      for (let i = 0; i < 6; i++) await c2.hoverText(uri2, i);
      c2.change(uri2, DOCKERFILE + '\n');
      c2.change(uri2, DOCKERFILE);
      await c2.waitDiagnostics(uri2);
      assert.equal(c2.messages.filter((m) => /no longer in the daemon/.test(m)).length, 1, 'said once in the log');
      assert.ok(c2.alive);
    } finally {
      spawnSync(DOCKER, ['rmi', '-f', tag], { env, encoding: 'utf8', timeout: 60_000 });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
