// The Docker Engine API client: endpoint resolution as the docker CLI does it (real config folders in temp dirs),
// and every failure a user meets, on real sockets: nothing there, nobody listening, a server that accepts and
// never answers, a socket we may not open (as `nobody`), an API error, a non-Docker server. The real daemon's side
// (ping, JSON, streaming GET) is in test/oracle/cache.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { connect, DockerError, query, resolveEndpoint, currentContextName } from '../../server/src/context/docker';
import { nodeUnprivileged, openToOthers } from '../unprivileged';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lw-dk-'));
}

function writeContext(configDir: string, name: string, host: string, opts: { skipTls?: boolean; tls?: boolean } = {}): void {
  const id = createHash('sha256').update(name).digest('hex');
  const meta = path.join(configDir, 'contexts', 'meta', id);
  fs.mkdirSync(meta, { recursive: true });
  fs.writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({
    Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: !!opts.skipTls } },
  }));
  if (opts.tls) {
    const t = path.join(configDir, 'contexts', 'tls', id, 'docker');
    fs.mkdirSync(t, { recursive: true });
    fs.writeFileSync(path.join(t, 'ca.pem'), 'CA');
  }
}

async function rejects(p: Promise<unknown>, kind: string, re: RegExp): Promise<DockerError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DockerError, `not a DockerError: ${e}`);
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return e;
  }
  assert.fail('did not reject');
}

test('endpoint: DOCKER_HOST wins over DOCKER_CONTEXT and config.json, like the docker CLI', () => {
  const home = tmp();
  const cfg = path.join(home, '.docker');
  fs.mkdirSync(cfg);
  fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
  writeContext(cfg, 'remote', 'unix:///run/remote.sock');
  writeContext(cfg, 'other', 'unix:///run/other.sock');

  const a = resolveEndpoint({ home, env: { DOCKER_HOST: 'unix:///run/a.sock', DOCKER_CONTEXT: 'other' }, platform: 'linux' });
  assert.deepEqual([a.kind, a.address, a.source], ['unix', '/run/a.sock', 'DOCKER_HOST']);
  const b = resolveEndpoint({ home, env: { DOCKER_CONTEXT: 'other' }, platform: 'linux' });
  assert.deepEqual([b.kind, b.address, b.source], ['unix', '/run/other.sock', 'docker context "other"']);
  const c = resolveEndpoint({ home, env: {}, platform: 'linux' });
  assert.deepEqual([c.address, c.source], ['/run/remote.sock', 'docker context "remote"']);
  assert.equal(currentContextName({ home, env: {} }), 'remote');
  // DOCKER_CONFIG moves the folder; an empty config means the default context and the platform's socket.
  const empty = tmp();
  const d = resolveEndpoint({ home, env: { DOCKER_CONFIG: empty }, platform: 'linux' });
  assert.deepEqual([d.kind, d.address, d.source], ['unix', '/var/run/docker.sock', 'default socket']);
  const w = resolveEndpoint({ home, env: { DOCKER_CONFIG: empty }, platform: 'win32' });
  assert.deepEqual([w.kind, w.address], ['npipe', '\\\\.\\pipe\\docker_engine']);
  // currentContext "default" is the default context too.
  fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ currentContext: 'default' }));
  assert.equal(resolveEndpoint({ home, env: {}, platform: 'linux' }).source, 'default socket');
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(empty, { recursive: true, force: true });
});

test('endpoint: tcp only with TLS; ssh, bad schemes, missing contexts and broken config are one clear line', () => {
  const home = tmp();
  const certs = tmp();
  fs.writeFileSync(path.join(certs, 'ca.pem'), 'CA');
  fs.writeFileSync(path.join(certs, 'cert.pem'), 'CERT');
  fs.writeFileSync(path.join(certs, 'key.pem'), 'KEY');
  const t = resolveEndpoint({ home, env: { DOCKER_HOST: 'tcp://build.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } });
  assert.equal(t.kind, 'tcp');
  assert.equal(t.address, 'build.example:2376');
  assert.equal(t.tls?.verify, true);
  assert.equal(t.tls?.ca?.toString(), 'CA');
  assert.equal(t.tls?.key?.toString(), 'KEY');
  assert.equal(resolveEndpoint({ home, env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS: '1', DOCKER_CERT_PATH: certs } }).address, 'h:2376');

  const bad = (env: NodeJS.ProcessEnv, re: RegExp) => assert.throws(() => resolveEndpoint({ home, env, platform: 'linux' }),
    (e: unknown) => e instanceof DockerError && e.kind === 'config' && re.test(e.message) && !e.message.includes('\n'));
  bad({ DOCKER_HOST: 'tcp://h:2375' }, /no TLS settings.*unencrypted TCP/);
  bad({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: home }, /ca\.pem cannot be read/);
  bad({ DOCKER_HOST: 'ssh://me@h' }, /ssh:\/\/ endpoints .* not supported/);
  bad({ DOCKER_HOST: 'fd://' }, /unsupported endpoint scheme "fd:\/\/"/);
  bad({ DOCKER_HOST: 'localhost' }, /is not a Docker endpoint/);
  bad({ DOCKER_CONTEXT: 'nope' }, /docker context "nope" not found/);
  const cfg = path.join(home, '.docker');
  fs.mkdirSync(cfg);
  writeContext(cfg, 'plain-tcp', 'tcp://h:2375');
  bad({ DOCKER_CONTEXT: 'plain-tcp' }, /docker context "plain-tcp": tcp:\/\/h:2375 has no TLS settings/);
  writeContext(cfg, 'tls', 'tcp://h:2376', { tls: true, skipTls: true });
  const ctls = resolveEndpoint({ home, env: { DOCKER_CONTEXT: 'tls' } });
  assert.deepEqual([ctls.kind, ctls.tls?.verify, ctls.tls?.ca?.toString()], ['tcp', false, 'CA']);
  fs.writeFileSync(path.join(cfg, 'config.json'), '{not json');
  bad({}, /docker config .*config\.json is not valid JSON/);
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(certs, { recursive: true, force: true });
});

test('query: filters are JSON, undefined values are left out', () => {
  assert.equal(query({ filters: { id: ['a b'] }, all: true, x: undefined }), '?filters=%7B%22id%22%3A%5B%22a%20b%22%5D%7D&all=true');
  assert.equal(query({}), '');
});

test('no daemon: a missing socket and a socket nobody listens on', async () => {
  const dir = tmp();
  await rejects(connect({ env: { DOCKER_HOST: 'unix://' + path.join(dir, 'none.sock') } }), 'no-daemon', /no Docker daemon at unix:\/\/.*none\.sock \(DOCKER_HOST\): the socket does not exist/);
  // A socket file left behind by a daemon that is gone.
  const sock = path.join(dir, 'stale.sock');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(sock, r));
  await new Promise<void>((r) => srv.close(() => r()));
  fs.writeFileSync(sock, ''); // close() removed it; a plain file in its place refuses connections too
  await rejects(connect({ env: { DOCKER_HOST: 'unix://' + sock } }), 'no-daemon', /no Docker daemon at .*stale\.sock/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('hanging daemon: accepts and never answers -> a timeout within the bound', async (t) => {
  const dir = tmp();
  const sock = path.join(dir, 'hang.sock');
  const held: net.Socket[] = [];
  const srv = net.createServer((s) => { held.push(s); s.on('error', () => undefined); });
  await new Promise<void>((r) => srv.listen(sock, r));
  t.after(() => { for (const s of held) s.destroy(); srv.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const started = Date.now();
  await rejects(connect({ env: { DOCKER_HOST: 'unix://' + sock }, connectTimeoutMs: 300 }), 'timeout', /did not answer GET \/_ping within 1300 ms/);
  const took = Date.now() - started;
  assert.ok(took < 10_000, `gave up after ${took} ms`); // liveness only: the bound is the point, not the speed
  assert.ok(held.length >= 1, 'the server saw the connection');
});

test('daemon that stops mid-answer, a non-Docker server, an API error, an answer too large', async (t) => {
  const dir = tmp();
  const sock = path.join(dir, 'api.sock');
  const srv = http.createServer((req, res) => {
    if (req.url === '/_ping') { res.writeHead(200, { 'API-Version': '1.41', Server: 'Docker/test' }); res.end('OK'); return; }
    if (req.url === '/v1.41/cut') { res.writeHead(200, { 'Content-Type': 'application/json' }); res.write('{"a":'); setTimeout(() => res.destroy(), 20); return; }
    if (req.url === '/v1.41/big') { res.writeHead(200); res.end('x'.repeat(5000)); return; }
    if (req.url === '/v1.41/text') { res.writeHead(200); res.end('<html>'); return; }
    if (req.url === '/v1.41/slow') { res.writeHead(200); res.write('['); return; } // headers, then nothing
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: 'an error\nwith lines' }));
  });
  await new Promise<void>((r) => srv.listen(sock, r));
  t.after(() => { srv.closeAllConnections(); srv.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const c = await connect({ env: { DOCKER_HOST: 'unix://' + sock } });
  assert.equal(c.apiVersion, '1.41');
  assert.equal(c.server, 'Docker/test');
  const e = await rejects(c.get('/system/df'), 'api', /^Docker API GET \/system\/df: 500 an error with lines$/);
  assert.equal(e.status, 500);
  await rejects(c.get('/cut'), 'protocol', /closed the connection during GET \/cut|not JSON/);
  await rejects(c.get('/big', { maxBytes: 1000 }), 'protocol', /larger than 1000 bytes/);
  await rejects(c.get('/text'), 'protocol', /answer to GET \/text is not JSON/);
  await rejects(c.get('/slow', { timeoutMs: 300 }), 'timeout', /did not finish answering GET \/slow within/);
  const s = await c.stream('/slow', { timeoutMs: 300 });
  await rejects(new Promise((resolve, reject) => { s.on('data', () => undefined); s.on('error', reject); s.on('end', resolve); }), 'timeout', /sent nothing for 300 ms during GET \/slow/);

  // Something that is not a Docker daemon (no API-Version header) is said to be so.
  const sock2 = path.join(dir, 'web.sock');
  const web = http.createServer((_q, r) => { r.writeHead(200); r.end('hello'); });
  await new Promise<void>((r) => web.listen(sock2, r));
  t.after(() => web.close());
  await rejects(connect({ env: { DOCKER_HOST: 'unix://' + sock2 } }), 'protocol', /without an API-Version header: not a Docker daemon\?/);
});

test('permission denied on the socket (EACCES), checked as an unprivileged user', async (t) => {
  const dir = tmp();
  openToOthers(dir);
  const sock = path.join(dir, 'root-only.sock');
  const srv = http.createServer((_q, r) => { r.writeHead(200, { 'API-Version': '1.41' }); r.end('OK'); });
  await new Promise<void>((r) => srv.listen(sock, r));
  fs.chmodSync(sock, 0o000); // as root the child runs as nobody; as anyone else mode 000 denies its owner too
  t.after(() => { srv.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const code = `require(process.argv[1]).connect({ env: { DOCKER_HOST: 'unix://' + process.argv[2] } })
    .then(() => console.log(JSON.stringify({ ok: true })), (e) => console.log(JSON.stringify({ kind: e.kind, message: e.message })));`;
  const out = await new Promise<string>((resolve, reject) => {
    // Asynchronous: the server answering the connection runs in this process.
    setImmediate(() => { try { resolve(nodeUnprivileged(['-e', code, path.resolve(__dirname, '../../server/src/context/docker'), sock])); } catch (e) { reject(e); } });
  });
  const r = JSON.parse(out) as { kind: string; message: string };
  assert.equal(r.kind, 'permission', out);
  assert.match(r.message, /^permission denied on unix:\/\/.*root-only\.sock \(DOCKER_HOST\) \(is your user in the docker group\?\)$/);
});
