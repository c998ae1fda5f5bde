// The build's platform in the editor: `layerwise.platform` reaches the model (stage platforms, the automatic
// platform ARGs), a `FROM --platform` flag wins for its stage, and a bad value is a clear settings warning.
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { LspClient, tempContext, FULL_CAPS } from './client';
import { hostPlatform } from '../../server/src/context/platform';

const DOCKERFILE = `FROM busybox AS tools
ARG TARGETARCH
RUN echo "$TARGETARCH" > /arch
FROM --platform=linux/s390x busybox
RUN true
`;

const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) await c.stop();
});
async function open(settings?: Record<string, unknown>): Promise<{ c: LspClient; uri: string }> {
  const dir = tempContext({ Dockerfile: DOCKERFILE });
  const c = await LspClient.start({ root: dir, initializationOptions: settings ? { settings } : {}, capabilities: FULL_CAPS });
  clients.push(c);
  const uri = c.open(path.join(dir, 'Dockerfile'));
  await c.waitDiagnostics(uri);
  return { c, uri };
}

describe('layerwise.platform', () => {
  test('default: this machine\'s platform; a FROM --platform flag wins for its stage', async () => {
    const { c, uri } = await open();
    assert.match(await c.hoverText(uri, 0), new RegExp('Platform `' + hostPlatform() + '` \\(the build\'s'));
    assert.match(await c.hoverText(uri, 3), /Platform `linux\/s390x` \(its `--platform` flag\)/);
  });

  test('set: the stages without a flag are built for it, normalised as BuildKit does', async () => {
    const { c, uri } = await open({ platform: 'linux/aarch64' });
    assert.match(await c.hoverText(uri, 0), /Platform `linux\/arm64` \(the build's/);
    assert.match(await c.hoverText(uri, 3), /Platform `linux\/s390x` \(its `--platform` flag\)/);
  });

  test('a value that is not a platform: a warning naming the setting, and the default', async () => {
    const { c, uri } = await open({ platform: 'not a platform!' });
    await c.until(() => c.notifications.find((n) => n.method === 'window/showMessage'), 5000, 'showMessage');
    const m = c.notifications.find((n) => n.method === 'window/showMessage')!.params as { type: number; message: string };
    assert.equal(m.type, 2);
    assert.match(m.message, /layerwise\.platform/);
    assert.match(await c.hoverText(uri, 0), new RegExp('Platform `' + hostPlatform() + '`'));
  });
});
