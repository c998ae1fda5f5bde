// A small read-mostly Docker Engine API client over Node's own http/https: unix socket, Windows named pipe, or
// TCP with TLS (endpoint.ts decides which, as the docker CLI would). Every call has a connect timeout and a
// total timeout; every failure is a DockerError with one clear line (no daemon, permission, hang, API error).
//
//   const docker = await connect();             // resolves the endpoint, pings, negotiates the API version
//   const df = await docker.get<SystemDf>('/system/df');
//   await docker.post('/build/prune' + query({ filters: { id: ['abc'] } }));
//   const tar = await docker.stream('/images/' + encodeURIComponent(name) + '/get');
import type * as http from 'node:http';
import type { Readable } from 'node:stream';
import { DockerError } from './errors';
import { resolveEndpoint, type DockerEndpoint, type ResolveOptions } from './endpoint';

export { DockerError } from './errors';
export type { DockerErrorKind } from './errors';
export { resolveEndpoint, currentContextName, dockerConfigDir, parseEndpoint } from './endpoint';
export type { DockerEndpoint, DockerTls, ResolveOptions } from './endpoint';

/** The newest Engine API version this client speaks; an older daemon's own version is used instead. */
export const MAX_API_VERSION = '1.45';

export interface RequestOptions {
  /** Total time for the whole answer (stream(): until the headers, then this long without data). */
  timeoutMs?: number;
  /** Largest JSON answer accepted (bytes). */
  maxBytes?: number;
  /** POST body (sent as JSON). */
  body?: unknown;
}

export interface ConnectOptions extends ResolveOptions {
  /** Use this endpoint instead of resolving one. */
  endpoint?: DockerEndpoint;
  /** Until the socket is connected (default 2 s). */
  connectTimeoutMs?: number;
  /** Default total timeout of a request (default 30 s); the ping uses connectTimeoutMs + 1 s at most. */
  timeoutMs?: number;
  /** Default largest JSON answer (default 256 MiB). */
  maxBytes?: number;
}

export interface DockerClient {
  readonly endpoint: DockerEndpoint;
  /** The negotiated API version (`1.41` for Docker 20.10). */
  readonly apiVersion: string;
  /** The daemon's `Server` header / version as the ping reported it (may be empty). */
  readonly server: string;
  get<T = unknown>(path: string, opts?: RequestOptions): Promise<T>;
  post<T = unknown>(path: string, opts?: RequestOptions): Promise<T>;
  /** A streaming GET (e.g. `/images/{name}/get`): resolves when a 2xx status arrives. */
  stream(path: string, opts?: RequestOptions): Promise<Readable>;
}

/** `?filters=...&all=1` from plain values; objects (filters) are JSON-encoded as the API wants. */
export function query(params: Record<string, string | number | boolean | object | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(s));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

function versionLess(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

function where(ep: DockerEndpoint): string {
  return `${ep.url} (${ep.source})`;
}

/** Turn a socket-level error into a DockerError naming the endpoint. */
export function socketError(ep: DockerEndpoint, e: NodeJS.ErrnoException): DockerError {
  switch (e.code) {
    case 'ENOENT':
      return new DockerError('no-daemon', `no Docker daemon at ${where(ep)}: the socket does not exist`);
    case 'ECONNREFUSED':
      return new DockerError('no-daemon', `no Docker daemon at ${where(ep)}: connection refused`);
    case 'EACCES':
    case 'EPERM':
      return new DockerError('permission', `permission denied on ${where(ep)} (is your user in the docker group?)`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DockerError('no-daemon', `no Docker daemon at ${where(ep)}: ${e.code}`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new DockerError('protocol', `the Docker daemon at ${where(ep)} closed the connection`);
    default:
      return new DockerError('no-daemon', `cannot reach the Docker daemon at ${where(ep)}: ${e.code ?? e.message}`);
  }
}

interface Raw {
  res: http.IncomingMessage;
  req: http.ClientRequest;
}

class Client implements DockerClient {
  apiVersion = '';
  server = '';
  constructor(readonly endpoint: DockerEndpoint, private readonly o: Required<Pick<ConnectOptions, 'connectTimeoutMs' | 'timeoutMs' | 'maxBytes'>>) {}

  private url(p: string): string {
    if (!p.startsWith('/')) p = '/' + p;
    return this.apiVersion && p !== '/_ping' ? `/v${this.apiVersion}${p}` : p;
  }

  /** Send one request; resolves with the response once headers arrive. `deadline` covers connect + headers. */
  private open(method: string, p: string, body: unknown, totalMs: number): Promise<Raw> {
    const ep = this.endpoint;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { Host: 'docker', Accept: 'application/json' };
    if (payload) { headers['Content-Type'] = 'application/json'; headers['Content-Length'] = payload.length; }
    const base: http.RequestOptions = { method, path: this.url(p), headers, agent: false };
    let req: http.ClientRequest;
    if (ep.kind === 'tcp') {
      const m = /^\[?(.*?)\]?:(\d+)$/.exec(ep.address);
      const t = ep.tls!;
      // http and https (tls, net) are loaded on the first request: most servers and CLI runs never make one
      req = (require('node:https') as typeof import('node:https')).request({
        ...base, host: m ? m[1] : ep.address, port: m ? Number(m[2]) : 2376,
        ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.verify,
      });
    } else {
      req = (require('node:http') as typeof import('node:http')).request({ ...base, socketPath: ep.address });
    }
    return new Promise<Raw>((resolve, reject) => {
      let done = false;
      const fail = (e: DockerError) => { if (done) return; done = true; clearTimeout(connectTimer); clearTimeout(totalTimer); req.destroy(); reject(e); };
      const connectTimer = setTimeout(() => fail(new DockerError('timeout',
        `the Docker daemon at ${where(ep)} did not accept a connection within ${this.o.connectTimeoutMs} ms`)), this.o.connectTimeoutMs);
      const totalTimer = setTimeout(() => fail(new DockerError('timeout',
        `the Docker daemon at ${where(ep)} did not answer ${method} ${p} within ${totalMs} ms`)), totalMs);
      req.on('socket', (s) => {
        const connected = () => clearTimeout(connectTimer);
        if ((s as { connecting?: boolean }).connecting) s.once(ep.kind === 'tcp' ? 'secureConnect' : 'connect', connected);
        else connected();
      });
      req.on('error', (e) => fail(e instanceof DockerError ? e : socketError(ep, e as NodeJS.ErrnoException)));
      req.on('response', (res) => {
        if (done) { res.resume(); return; }
        done = true;
        clearTimeout(connectTimer);
        // totalTimer stays armed for the body; the caller clears it through the returned handle.
        (res as unknown as { lwTimer?: NodeJS.Timeout }).lwTimer = totalTimer;
        resolve({ res, req });
      });
      req.end(payload);
    });
  }

  private async readBody(raw: Raw, method: string, p: string, maxBytes: number, totalMs: number): Promise<Buffer> {
    const { res, req } = raw;
    const timer = (res as unknown as { lwTimer?: NodeJS.Timeout }).lwTimer;
    clearTimeout(timer);
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (e?: DockerError) => {
        if (done) return;
        done = true;
        clearTimeout(t);
        if (e) { req.destroy(); reject(e); } else resolve(Buffer.concat(chunks));
      };
      const t = setTimeout(() => finish(new DockerError('timeout',
        `the Docker daemon at ${where(this.endpoint)} did not finish answering ${method} ${p} within ${totalMs} ms`)), totalMs);
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) { finish(new DockerError('protocol', `the answer to ${method} ${p} is larger than ${maxBytes} bytes`)); return; }
        chunks.push(c);
      });
      res.on('end', () => finish());
      res.on('aborted', () => finish(new DockerError('protocol', `the Docker daemon closed the connection during ${method} ${p}`)));
      res.on('error', (e) => finish(socketError(this.endpoint, e as NodeJS.ErrnoException)));
    });
  }

  private apiError(status: number, method: string, p: string, body: Buffer): DockerError {
    let msg = body.toString('utf8').trim();
    try {
      const j = JSON.parse(msg) as { message?: unknown };
      if (j && typeof j.message === 'string') msg = j.message;
    } catch { /* plain text */ }
    msg = msg.replace(/\s+/g, ' ').slice(0, 300);
    return new DockerError('api', `Docker API ${method} ${p}: ${status}${msg ? ' ' + msg : ''}`, status);
  }

  async request<T>(method: string, p: string, opts: RequestOptions = {}, raw = false): Promise<T> {
    const totalMs = opts.timeoutMs ?? this.o.timeoutMs;
    const maxBytes = opts.maxBytes ?? this.o.maxBytes;
    const started = Date.now();
    const r = await this.open(method, p, opts.body, totalMs);
    const left = Math.max(1, totalMs - (Date.now() - started));
    const body = await this.readBody(r, method, p, maxBytes, left);
    const status = r.res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw this.apiError(status, method, p, body);
    if (raw) return body.toString('utf8') as T;
    if (body.length === 0) return undefined as T;
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new DockerError('protocol', `the answer to ${method} ${p} is not JSON`);
    }
  }

  get<T = unknown>(p: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', p, opts);
  }

  post<T = unknown>(p: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('POST', p, opts);
  }

  async stream(p: string, opts: RequestOptions = {}): Promise<Readable> {
    const idleMs = opts.timeoutMs ?? this.o.timeoutMs;
    const r = await this.open('GET', p, undefined, idleMs);
    clearTimeout((r.res as unknown as { lwTimer?: NodeJS.Timeout }).lwTimer);
    const status = r.res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const body = await this.readBody(r, 'GET', p, 1 << 20, idleMs);
      throw this.apiError(status, 'GET', p, body);
    }
    // No data for idleMs: the stream errors with a timeout instead of hanging its reader.
    r.req.setTimeout(idleMs, () => r.res.destroy(new DockerError('timeout',
      `the Docker daemon at ${where(this.endpoint)} sent nothing for ${idleMs} ms during GET ${p}`)));
    return r.res;
  }

  async ping(): Promise<void> {
    const ms = this.o.connectTimeoutMs + 1000;
    const r = await this.open('GET', '/_ping', undefined, ms);
    const body = await this.readBody(r, 'GET', '/_ping', 1 << 16, ms);
    const status = r.res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw this.apiError(status, 'GET', '/_ping', body);
    const v = r.res.headers['api-version'];
    const server = r.res.headers['server'];
    this.server = typeof server === 'string' ? server : '';
    const ver = typeof v === 'string' && /^\d+\.\d+$/.test(v) ? v : '';
    if (!ver) throw new DockerError('protocol', `${where(this.endpoint)} answered /_ping without an API-Version header: not a Docker daemon?`);
    this.apiVersion = versionLess(ver, MAX_API_VERSION) ? ver : MAX_API_VERSION;
  }
}

/**
 * Resolve the endpoint (unless given), ping it and negotiate the API version. Rejects with a DockerError:
 * `config`, `no-daemon`, `permission`, `timeout`, `api`, `protocol`.
 */
export async function connect(o: ConnectOptions = {}): Promise<DockerClient> {
  const endpoint = o.endpoint ?? resolveEndpoint(o);
  const c = new Client(endpoint, {
    connectTimeoutMs: o.connectTimeoutMs ?? 2000,
    timeoutMs: o.timeoutMs ?? 30_000,
    maxBytes: o.maxBytes ?? 256 * 1024 * 1024,
  });
  await c.ping();
  return c;
}
