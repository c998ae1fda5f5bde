// A seeded storm against the built language server, and the model it is checked against: after any sequence of
// edits, opens, closes, requests and file changes (in random interleavings, with random pauses), the server's state
// for the final texts and files must equal a FRESH server's for the same texts and files. Used by
// test/lsp/robust.test.ts (small fixed budget) and bench/stress.bench.ts (long mode, with RSS figures).
//
// Checked during the storm (deterministic properties, no timing but the liveness budget):
//  - the server never exits, never writes a stack trace to stderr, never logs at error level;
//  - every request is answered (not with an error) within LIVENESS_MS;
//  - per open document, published versions never go down, never exceed the last version sent, and nothing but an
//    empty list comes for a closed document after the close;
// and at the end: every open document has diagnostics for its final version, equal (with code lenses, hovers on the
// lens lines and the live forecast) to a fresh server's. The workspace is a git repository (when git runs), so the
// forecast has a HEAD baseline, follows the storm's file events and is asked for (`layerwise/forecast`) during it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { LspClient, tempContext, FULL_CAPS } from './client';
import { rng } from '../corpus/checks';

/** Requests must be answered within this (the handler budget is 3 s; the rest is slack for a loaded machine). */
export const LIVENESS_MS = 10_000;

const BASES = [
  `FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY src ./src
RUN npm run build

FROM node:20-slim
WORKDIR /app
COPY --from=build /app/dist ./dist
CMD ["node", "dist/server.js"]
`,
  `# syntax=docker/dockerfile:1
ARG VERSION=3.12
FROM python:\${VERSION}-slim
RUN apt-get update
RUN apt-get install -y curl
COPY . /srv
RUN pip install -r /srv/requirements.txt
ENV PORT=8000
EXPOSE 8000
`,
  `FROM golang:1.22 AS base
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN go build -o /out/app ./cmd/app
FROM scratch
COPY --from=base /out/app /app
ENTRYPOINT ["/app"]
`,
];

/** Bits of text an edit inserts: ordinary instructions and the hostile inputs of the stress runs. */
const SNIPPETS = [
  'RUN echo hi\n',
  'COPY src ./src\n',
  'COPY *.json ./\n',
  'FROM alpine:3.19 AS extra\n',
  'ARG X=1\n',
  'ENV A=b\n',
  'RUN <<EOF\necho a\nEOF\n',
  "RUN <<'EOF''\necho a\n",
  'RUN apt-get update && apt-get install -y git \\\n  make\n',
  'COPY --from=build /app /app\n',
  '# layerwise-ignore broad-copy-before-install\n',
  '\\\n',
  '["unbalanced",\n',
  'x'.repeat(20_000) + '\n',
  '\u0000',
  '\ud800',
  '\r',
  '\t',
  'RUN --mount=type=cache, npm ci\n',
  'WORKDIR $HOME/${X:-y}\n',
];

const IGNORES = ['node_modules\n', '**/*.md\n!README.md\n', '**/'.repeat(60) + '*/src\n', '[\n', '!\n', '!'.repeat(200) + '[/]'.repeat(50) + '\n', 'a'.repeat(5000) + '\n', '?'.repeat(2000) + '\n', '*.log\n'];

export interface StormOptions {
  seed: number;
  /** Operations (edits, requests, file changes, opens/closes). */
  ops: number;
  docs?: number;
  /** Written to the server's environment (fault injection). */
  env?: Record<string, string>;
  /** How long after closing every document the RSS is taken (the worker is replaced when nothing is open). */
  settleMs?: number;
  /** Sampled every 250 ms when set. */
  onRss?: (kb: number) => void;
}

export interface StormResult {
  failures: string[];
  edits: number;
  requests: number;
  latencies: number[];
  compared: number;
  /** `fresh`: a fresh server's once it has the same documents (and final texts) open and has analysed them. */
  rss: { start: number; afterOpen: number; peak: number; end: number; fresh: number; afterClose: number };
}

interface DocState {
  uri: string;
  file: string;
  text: string;
  version: number;
  open: boolean;
  /** Versions sent since the last open (a reopen starts at 1 again). */
  sent: Set<number>;
  lastPublished: number;
  /** Closes whose acknowledgement (the server's empty publication) has not come yet: publications until then are old. */
  unacked: number;
  /** The `.dockerignore` document (no forecast). */
  ignore?: boolean;
}

/** RSS of the server process tree in KiB (Linux /proc), 0 elsewhere. */
export function rssOf(pid: number): number {
  let total = 0;
  const walk = (p: number) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += +m[1]!;
      for (const t of fs.readdirSync(`/proc/${p}/task`))
        for (const c of fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean)) walk(+c);
    } catch {
      /* gone, or not Linux */
    }
  };
  walk(pid);
  return total;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function workspace(docs: number, r: () => number): { root: string; dir: string; files: string[] } {
  const files: Record<string, string> = {
    'package.json': '{"name":"app"}',
    'package-lock.json': '{}',
    'go.mod': 'module x\n',
    'go.sum': '',
    'requirements.txt': 'flask\n',
    'src/a.ts': 'export const a = 1;\n',
    'src/b.ts': 'export const b = 2;\n',
    'README.md': '# x\n',
    'notes.md': 'n\n',
    '.dockerignore': 'node_modules\n*.log\n',
  };
  const names: string[] = [];
  for (let i = 0; i < docs; i++) {
    const name = i % 3 === 2 ? `svc/d${i}.Dockerfile` : `d${i}.Dockerfile`;
    files[name] = BASES[Math.floor(r() * BASES.length)]!;
    names.push(name);
  }
  // the workspace is a folder of a git repository, committed, so that the live forecast compares with HEAD; `.git` is
  // outside the build context (git writes there — the index, on a fresh server's first read — with no file event)
  const root = tempContext(Object.fromEntries(Object.entries(files).map(([k, v]) => [`ws/${k}`, v])));
  const dir = path.join(root, 'ws');
  const git = (...a: string[]) => spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...a], { cwd: root, encoding: 'utf8' }).status === 0;
  if (!(git('init', '-q') && git('add', '-A') && git('commit', '-qm', 'storm'))) fs.rmSync(path.join(root, '.git'), { recursive: true, force: true });
  return { root, dir, files: names.map((n) => path.join(dir, n)) };
}

function mutate(text: string, r: () => number): string {
  const k = r();
  const at = Math.floor(r() * (text.length + 1));
  if (k < 0.45) {
    const snip = SNIPPETS[Math.floor(r() * SNIPPETS.length)]!;
    return text.slice(0, at) + snip + text.slice(at);
  }
  if (k < 0.7) return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(r() * 40)));
  if (k < 0.9) return text.slice(0, at) + String.fromCharCode(32 + Math.floor(r() * 90)) + text.slice(at);
  return BASES[Math.floor(r() * BASES.length)]!;
}

const canon = (ds: Diagnostic[]) =>
  ds
    .map((d) => JSON.stringify([d.range, d.severity, d.code ?? null, d.message]))
    .sort()
    .join('\n');

/** The version of the last `layerwise/forecast` notification per document. */
function forecastVersions(c: LspClient): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of c.notifications) if (n.method === 'layerwise/forecast') out.set((n.params as { uri: string }).uri, (n.params as { version: number }).version);
  return out;
}

/**
 * Waits until every open document has diagnostics for its current version, every open Dockerfile a forecast for it,
 * and nothing was published (diagnostics or forecasts) for 500 ms.
 */
async function quiet(c: LspClient, docs: DocState[], what: string, failures: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastCount = -1;
  let stableSince = Date.now();
  for (;;) {
    const count = [...c.diagnostics.values()].reduce((n, l) => n + l.length, 0) + c.notifications.filter((n) => n.method === 'layerwise/forecast').length;
    if (count !== lastCount) {
      lastCount = count;
      stableSince = Date.now();
    }
    const forecasts = forecastVersions(c);
    const done = docs.filter((d) => d.open).every((d) => c.lastDiagnostics(d.uri)?.version === d.version && (d.ignore || forecasts.get(d.uri) === d.version));
    if (done && Date.now() - stableSince >= 500) return;
    if (Date.now() > deadline) {
      for (const d of docs.filter((x) => x.open && c.lastDiagnostics(x.uri)?.version !== x.version))
        failures.push(`${what}: ${path.basename(d.file)} has no diagnostics for its final version v${d.version} (last: v${c.lastDiagnostics(d.uri)?.version})`);
      for (const d of docs.filter((x) => x.open && !x.ignore && forecastVersions(c).get(x.uri) !== x.version))
        failures.push(`${what}: ${path.basename(d.file)} has no forecast for its final version v${d.version} (last: v${forecastVersions(c).get(d.uri)})`);
      return;
    }
    await sleep(50);
  }
}

/**
 * The storm's servers see no Docker daemon: a hover's build-cache lines come from the daemon's probe snapshot, which a
 * server takes at its first hover and never waits for (lsp/buildcache.ts), so a fresh server's first hovers lack what
 * the long-lived one has — the daemon's state, not the documents' (a run of the full suite differed on exactly that,
 * with the oracle's cache mounts in the builder).
 */
const NO_DAEMON: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/layerwise-storm/docker.sock' };

/** What a client sees for a document: diagnostics, code lenses (titles by line), hovers on the lens lines, the forecast. */
async function presentation(c: LspClient, uri: string): Promise<string> {
  const diags = canon(c.lastDiagnostics(uri)?.diagnostics ?? []);
  // changedPaths is a set (its order follows the order the paths were hinted in): compared sorted
  const f = await c.request<{ changedPaths?: { path: string }[] } | null>('layerwise/forecast', { uri });
  if (f?.changedPaths) f.changedPaths.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const forecast = JSON.stringify(f);
  const lenses = await c.codeLenses(uri);
  const titles = lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`).sort();
  const hovers: string[] = [];
  for (const line of [...new Set(lenses.map((l) => l.range.start.line))].slice(0, 12)) hovers.push(`${line}: ${await c.hoverText(uri, line)}`);
  return [diags, titles.join('\n'), hovers.join('\n'), forecast].join('\n----\n');
}

export async function runStorm(o: StormOptions): Promise<StormResult> {
  const r = rng(o.seed);
  const nDocs = o.docs ?? 5;
  const { root, dir, files } = workspace(nDocs, r);
  const saved = { ...process.env };
  Object.assign(process.env, o.env ?? {});
  const c = await LspClient.start({ root: dir, capabilities: FULL_CAPS, initializationOptions: { fileEvents: true, debounceMs: undefined }, env: NO_DAEMON });
  process.env = saved;
  const failures: string[] = [];
  const latencies: number[] = [];
  const rss = { start: rssOf(c.proc.pid!), afterOpen: 0, peak: 0, end: 0, fresh: 0, afterClose: 0 };
  const sampler = setInterval(() => {
    const kb = rssOf(c.proc.pid!);
    rss.peak = Math.max(rss.peak, kb);
    o.onRss?.(kb);
  }, 250);
  const docs: DocState[] = files.map((file) => ({ uri: c.uri(file), file, text: fs.readFileSync(file, 'utf8'), version: 0, open: false, sent: new Set(), lastPublished: 0, unacked: 0 }));
  const ignoreDoc: DocState = { uri: c.uri(path.join(dir, '.dockerignore')), file: path.join(dir, '.dockerignore'), text: fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8'), version: 0, open: false, sent: new Set(), lastPublished: 0, unacked: 0, ignore: true };
  const all = [...docs, ignoreDoc];
  const byUri = new Map(all.map((d) => [d.uri, d]));
  // publication invariants, checked as they arrive
  c.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    const list = c.diagnostics.get(p.uri) ?? [];
    list.push(p);
    c.diagnostics.set(p.uri, list);
    const d = byUri.get(p.uri);
    if (!d) return;
    if (p.version === undefined && p.diagnostics.length === 0 && d.unacked > 0) {
      d.unacked--; // the server's acknowledgement of a close
      return;
    }
    if (d.unacked > 0) return; // sent before the server saw the close
    if (!d.open) {
      if (p.diagnostics.length) failures.push(`${path.basename(d.file)}: diagnostics published after its close was acknowledged`);
      return;
    }
    if (p.version === undefined) {
      failures.push(`${path.basename(d.file)}: a publication without a version`);
      return;
    }
    if (!d.sent.has(p.version)) failures.push(`${path.basename(d.file)}: published v${p.version}, a version the client never sent (last v${d.version})`);
    if (p.version < d.lastPublished) failures.push(`${path.basename(d.file)}: published v${p.version} after v${d.lastPublished}`);
    d.lastPublished = Math.max(d.lastPublished, p.version);
  });
  const inFlight: Promise<void>[] = [];
  let requests = 0;
  const request = (what: string, send: () => Promise<unknown>) => {
    requests++;
    const t0 = Date.now();
    const p = send().then(
      () => {
        const ms = Date.now() - t0;
        latencies.push(ms);
        if (ms > LIVENESS_MS) failures.push(`${what} answered after ${ms} ms`);
      },
      (e: Error) => {
        failures.push(`${what} failed: ${e.message}`);
      },
    );
    inFlight.push(p);
  };
  const open = (d: DocState) => {
    d.open = true;
    d.version = 1;
    d.sent = new Set([1]);
    d.lastPublished = 0;
    void c.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: d.uri, languageId: d === ignoreDoc ? 'dockerignore' : 'dockerfile', version: 1, text: d.text } });
  };
  const edit = (d: DocState, text: string) => {
    d.text = text;
    d.version++;
    d.sent.add(d.version);
    void c.conn.sendNotification('textDocument/didChange', { textDocument: { uri: d.uri, version: d.version }, contentChanges: [{ text }] });
  };
  let edits = 0;
  try {
    for (const d of docs.slice(0, Math.max(1, nDocs - 1))) open(d);
    open(ignoreDoc);
    await quiet(c, all, 'after the first open', failures);
    rss.afterOpen = rssOf(c.proc.pid!);
    for (let i = 0; i < o.ops; i++) {
      const k = r();
      const d = all[Math.floor(r() * all.length)]!;
      if (k < 0.55) {
        if (!d.open) open(d);
        else if (d === ignoreDoc) edit(d, r() < 0.5 ? IGNORES[Math.floor(r() * IGNORES.length)]! + d.text : d.text.slice(Math.floor(r() * d.text.length)));
        else edit(d, mutate(d.text, r));
        edits++;
      } else if (k < 0.75) {
        if (!d.open) continue;
        const line = Math.floor(r() * (d.text.split('\n').length + 2));
        const m = r();
        if (m < 0.5) request(`hover ${path.basename(d.file)}:${line}`, () => c.hover(d.uri, line));
        else if (m < 0.7) request(`codeLens ${path.basename(d.file)}`, () => c.codeLenses(d.uri));
        else if (m < 0.8) request(`layerwise/forecast ${path.basename(d.file)}`, () => c.request('layerwise/forecast', { uri: d.uri }));
        else request(`codeAction ${path.basename(d.file)}:${line}`, () => c.codeActions(d.uri, { start: { line, character: 0 }, end: { line, character: 0 } }, c.lastDiagnostics(d.uri)?.diagnostics.slice(0, 3) ?? []));
      } else if (k < 0.85) {
        // a context file changes on disk, with its event; sometimes a hover right after it
        const rel = pickFile(r);
        const abs = path.join(dir, rel);
        const existed = fs.existsSync(abs);
        if (existed && r() < 0.3 && rel !== '.dockerignore') fs.rmSync(abs);
        else {
          fs.mkdirSync(path.dirname(abs), { recursive: true });
          fs.writeFileSync(abs, rel === '.dockerignore' ? IGNORES[Math.floor(r() * IGNORES.length)]! : `// ${i}\n`);
        }
        const type = !fs.existsSync(abs) ? 3 : existed ? 2 : 1;
        c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: c.uri(abs), type }] });
        if (d.open && d !== ignoreDoc && r() < 0.5) request(`hover after a file event ${path.basename(d.file)}`, () => c.hover(d.uri, 4));
      } else if (k < 0.9) {
        if (d.open && d !== ignoreDoc) {
          d.open = false;
          d.unacked++;
          void c.conn.sendNotification('textDocument/didClose', { textDocument: { uri: d.uri } });
        } else if (!d.open) open(d);
      } else await sleep(Math.floor(r() * 40));
      if (!c.alive) {
        failures.push(`the server exited (${c.proc.exitCode ?? c.proc.signalCode}) after ${i} operations`);
        break;
      }
    }
    await Promise.all(inFlight);
    await quiet(c, all, 'after the storm', failures);
    rss.end = rssOf(c.proc.pid!);
    // the model: a fresh server on the same workspace with the same documents and final texts
    let compared = 0;
    const fresh = await LspClient.start({ root: dir, capabilities: FULL_CAPS, initializationOptions: { fileEvents: true, debounceMs: undefined }, env: NO_DAEMON });
    try {
      const openDocs = all.filter((d) => d.open);
      for (const d of openDocs)
        void fresh.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: d.uri, languageId: d === ignoreDoc ? 'dockerignore' : 'dockerfile', version: d.version, text: d.text } });
      await fresh.until(() => openDocs.every((d) => fresh.lastDiagnostics(d.uri)?.version === d.version && (d.ignore || forecastVersions(fresh).get(d.uri) === d.version)), 60_000, 'the fresh server\'s diagnostics and forecasts');
      await quiet(fresh, openDocs, 'the fresh server', failures);
      rss.fresh = rssOf(fresh.proc.pid!);
      for (const d of openDocs) {
        if (d === ignoreDoc) {
          if (canon(c.lastDiagnostics(d.uri)?.diagnostics ?? []) !== canon(fresh.lastDiagnostics(d.uri)?.diagnostics ?? []))
            failures.push(`${path.basename(d.file)}: diagnostics differ from a fresh server's`);
        } else {
          const [a, b] = [await presentation(c, d.uri), await presentation(fresh, d.uri)];
          if (a !== b) failures.push(`${path.basename(d.file)} v${d.version}: differs from a fresh server's:\n${diffLines(a, b)}`);
        }
        compared++;
      }
    } finally {
      await fresh.stop();
    }
    // memory returns after close: close everything, let the idle worker be recycled
    for (const d of all.filter((x) => x.open)) {
      d.open = false;
      d.unacked++;
      void c.conn.sendNotification('textDocument/didClose', { textDocument: { uri: d.uri } });
    }
    await sleep(o.settleMs ?? 200);
    rss.afterClose = rssOf(c.proc.pid!);
    for (const m of c.notifications)
      if (m.method === 'window/logMessage' && (m.params as { type: number }).type === 1) failures.push(`error logged: ${(m.params as { message: string }).message.split('\n')[0]}`);
    if (/^\s+at .+:\d+:\d+\)?$|uncaught|unhandled/im.test(c.stderr)) failures.push(`stderr: ${c.stderr.slice(0, 500)}`);
    return { failures, edits, requests, latencies, compared, rss };
  } finally {
    clearInterval(sampler);
    await c.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function pickFile(r: () => number): string {
  return ['src/a.ts', 'src/new.ts', `src/gen${Math.floor(r() * 3)}.ts`, 'package.json', '.dockerignore', 'notes.md', 'x.log'][Math.floor(r() * 7)]!;
}

function diffLines(a: string, b: string): string {
  const A = a.split('\n');
  const B = b.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(A.length, B.length) && out.length < 12; i++) {
    if (A[i] === B[i]) continue;
    // from a little before the first character that differs (a forecast's JSON is one long line)
    let k = 0;
    while (k < (A[i] ?? '').length && A[i]![k] === B[i]?.[k]) k++;
    const from = Math.max(0, k - 60);
    out.push(`  long-lived: ${(A[i] ?? '').slice(from, from + 240)}\n  fresh:      ${(B[i] ?? '').slice(from, from + 240)}`);
  }
  return out.join('\n');
}
