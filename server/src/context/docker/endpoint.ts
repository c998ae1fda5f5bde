// Which Docker daemon to talk to, decided the way the docker CLI decides it (docker/cli's cli/command: the
// context name is DOCKER_HOST's implicit "default" when DOCKER_HOST is set, else DOCKER_CONTEXT, else
// config.json's currentContext, else "default"; the default context's endpoint is DOCKER_HOST or the platform's
// socket). Reads only environment variables and the docker config folder; never runs the CLI.
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { createHash } from 'node:crypto';
import { DockerError } from './errors';

export interface DockerTls {
  /** Verify the server's certificate against `ca` (DOCKER_TLS_VERIFY / a context without SkipTLSVerify). */
  verify: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface DockerEndpoint {
  kind: 'unix' | 'npipe' | 'tcp';
  /** Socket path, pipe path (`\\.\pipe\docker_engine`) or `host:port`. */
  address: string;
  /** The endpoint as written (`unix:///var/run/docker.sock`, `tcp://h:2376`). */
  url: string;
  tls?: DockerTls;
  /** Where it came from, for messages: `DOCKER_HOST`, `context "x"`, `default socket`. */
  source: string;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Home folder (for ~/.docker); default os.homedir(). */
  home?: string;
  platform?: NodeJS.Platform;
}

const DEFAULT_UNIX = 'unix:///var/run/docker.sock';
const DEFAULT_NPIPE = 'npipe:////./pipe/docker_engine';

/** The docker config folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(o: ResolveOptions = {}): string {
  const env = o.env ?? process.env;
  return env.DOCKER_CONFIG?.trim() || path.join(o.home ?? os.homedir(), '.docker');
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new DockerError('config', `cannot read ${what} ${file}: ${code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new DockerError('config', `${what} ${file} is not valid JSON`);
  }
}

function readOptional(file: string): Buffer | undefined {
  try { return fs.readFileSync(file); } catch { return undefined; }
}

/** Parse an endpoint URL (`unix://`, `npipe://`, `tcp://`) with its TLS settings. */
export function parseEndpoint(url: string, source: string, tls: DockerTls | undefined, platform: NodeJS.Platform): DockerEndpoint {
  const u = url.trim();
  const m = /^([a-z]+):\/\/(.*)$/i.exec(u);
  if (!m) {
    // The CLI accepts a bare path as a unix socket only on unix; be as strict and as clear.
    if (u.startsWith('/') && platform !== 'win32') return { kind: 'unix', address: u, url: 'unix://' + u, source };
    throw new DockerError('config', `${source}: "${u}" is not a Docker endpoint (unix://, npipe:// or tcp://)`);
  }
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  if (scheme === 'unix') {
    if (!rest) throw new DockerError('config', `${source}: "${u}" names no socket`);
    return { kind: 'unix', address: rest, url: u, source };
  }
  if (scheme === 'npipe') {
    // npipe:////./pipe/docker_engine -> \\.\pipe\docker_engine
    const p = rest.replace(/\//g, '\\');
    if (!/^\\\\[^\\]+\\pipe\\./i.test(p)) throw new DockerError('config', `${source}: "${u}" is not a named pipe path`);
    return { kind: 'npipe', address: p, url: u, source };
  }
  if (scheme === 'tcp' || scheme === 'https' || scheme === 'http') {
    const hostPort = rest.replace(/\/.*$/, '');
    if (!hostPort) throw new DockerError('config', `${source}: "${u}" names no host`);
    const withPort = /:\d+$/.test(hostPort) || /^\[.*\]:\d+$/.test(hostPort) ? hostPort : `${hostPort}:${tls ? 2376 : 2375}`;
    if (!tls) {
      throw new DockerError('config', `${source}: ${u} has no TLS settings (DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, or a ` +
        `context with TLS); Layerwise does not talk to a daemon over unencrypted TCP`);
    }
    return { kind: 'tcp', address: withPort, url: u, tls, source };
  }
  if (scheme === 'ssh') throw new DockerError('config', `${source}: ssh:// endpoints (${u}) are not supported`);
  throw new DockerError('config', `${source}: unsupported endpoint scheme "${scheme}://"`);
}

function envTls(env: NodeJS.ProcessEnv, configDir: string): DockerTls | undefined {
  const verify = !!env.DOCKER_TLS_VERIFY;
  const tls = verify || !!env.DOCKER_TLS;
  if (!tls) return undefined;
  const dir = env.DOCKER_CERT_PATH?.trim() || configDir;
  const t: DockerTls = { verify, ca: readOptional(path.join(dir, 'ca.pem')), cert: readOptional(path.join(dir, 'cert.pem')), key: readOptional(path.join(dir, 'key.pem')) };
  if (verify && !t.ca) throw new DockerError('config', `DOCKER_TLS_VERIFY is set but ${path.join(dir, 'ca.pem')} cannot be read`);
  return t;
}

/** The current context's name, as the CLI picks it (DOCKER_HOST set means the default context). */
export function currentContextName(o: ResolveOptions = {}): string {
  const env = o.env ?? process.env;
  if (env.DOCKER_HOST?.trim()) return 'default';
  if (env.DOCKER_CONTEXT?.trim()) return env.DOCKER_CONTEXT.trim();
  const cfg = readJson(path.join(dockerConfigDir(o), 'config.json'), 'docker config') as { currentContext?: unknown } | undefined;
  if (cfg && typeof cfg === 'object' && typeof cfg.currentContext === 'string' && cfg.currentContext) return cfg.currentContext;
  return 'default';
}

/** Resolve the endpoint the docker CLI would use. Throws DockerError('config') with a clear message. */
export function resolveEndpoint(o: ResolveOptions = {}): DockerEndpoint {
  const env = o.env ?? process.env;
  const platform = o.platform ?? process.platform;
  const configDir = dockerConfigDir(o);
  const host = env.DOCKER_HOST?.trim();
  if (host) return parseEndpoint(host, 'DOCKER_HOST', envTls(env, configDir), platform);
  const name = currentContextName(o);
  if (name !== 'default') {
    const id = createHash('sha256').update(name).digest('hex');
    const metaFile = path.join(configDir, 'contexts', 'meta', id, 'meta.json');
    const meta = readJson(metaFile, `docker context "${name}"`) as
      { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } } | undefined;
    if (meta === undefined) throw new DockerError('config', `docker context "${name}" not found (${metaFile})`);
    const ep = meta?.Endpoints?.docker;
    if (!ep || typeof ep.Host !== 'string' || !ep.Host) throw new DockerError('config', `docker context "${name}" has no docker endpoint`);
    const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
    const ca = readOptional(path.join(tlsDir, 'ca.pem'));
    const cert = readOptional(path.join(tlsDir, 'cert.pem'));
    const key = readOptional(path.join(tlsDir, 'key.pem'));
    const tls: DockerTls | undefined = ca || cert || key ? { verify: ep.SkipTLSVerify !== true, ca, cert, key } : undefined;
    return parseEndpoint(ep.Host, `docker context "${name}"`, tls, platform);
  }
  return parseEndpoint(platform === 'win32' ? DEFAULT_NPIPE : DEFAULT_UNIX, 'default socket', undefined, platform);
}
