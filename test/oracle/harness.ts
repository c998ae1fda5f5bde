// Oracle harness: materialise a scenario in a temp git repo, build it twice with a real dockerd (BuildKit),
// run the Layerwise CLI, and compare per step.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildSucceeded, parseSteps, RealStatus, RealStep, stagesInLog, stepsByStage } from './progress';
import type { BuildOptions, FileSpec, Mutation, Scenario, TarMember } from './scenarios';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..'); // out/test/oracle -> repo
export const CLI = join(REPO_ROOT, 'dist', 'cli.js');
export const DOCKER = '/usr/bin/docker'; // Debian's CLI: /usr/local/bin/docker (28.x) has no buildx
export const BUILDKIT_VERSION = '0.8'; // dockerd 20.10 embeds BuildKit v0.8

// ------------------------------------------------------------------------------------------------------
// Builder discovery

export interface Builder { host?: string; problem?: string }

export function cacheDir(): string {
  return process.env.LAYERWISE_CACHE || join(homedir(), '.cache', 'layerwise');
}

export function findBuilder(): Builder {
  let host = process.env.LAYERWISE_DOCKER_HOST?.trim();
  let from = 'LAYERWISE_DOCKER_HOST';
  if (!host) {
    const f = join(cacheDir(), 'docker', 'host');
    if (existsSync(f)) { host = readFileSync(f, 'utf8').trim(); from = f; }
  }
  if (!host) {
    return { problem: 'no builder: LAYERWISE_DOCKER_HOST is unset and no ' + join(cacheDir(), 'docker', 'host') +
      ' exists. Start one with: eval "$(scripts/builder.sh start)"' };
  }
  if (!/^[a-z]+:\/\//.test(host)) host = 'unix://' + host;
  if (!existsSync(DOCKER)) return { host, problem: `${DOCKER} not found (apt-get install docker.io)` };
  const r = spawnSync(DOCKER, ['info', '--format', '{{.ServerVersion}}'], { env: dockerEnv(host), encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) {
    return { host, problem: `builder ${host} (from ${from}) does not answer: ${(r.stderr || r.error?.message || '').trim()}. ` +
      'Start it with: eval "$(scripts/builder.sh start)"' };
  }
  const img = spawnSync(DOCKER, ['image', 'inspect', 'localbase:latest'], { env: dockerEnv(host), encoding: 'utf8', timeout: 20_000 });
  if (img.status !== 0) return { host, problem: `builder ${host} has no localbase:latest image; run scripts/builder.sh start` };
  return { host };
}

export function dockerEnv(host: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '1' };
  // Proxy settings of the runner must not leak into the builds (they are ProxyEnv anyway).
  delete env.DOCKER_CONTEXT;
  return env;
}

/**
 * One oracle run per builder at a time: every scenario prunes the build cache, which would corrupt a concurrent
 * run's results. A lock directory in the temp dir, keyed by the builder host, holds the owner's pid; a lock whose
 * owner is dead is taken over. Returns a release function.
 */
export function lockBuilder(host: string, waitMs = 20 * 60_000): () => void {
  const key = createHash('sha256').update(host).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `layerwise-oracle-${key}.lock`);
  const deadline = Date.now() + waitMs;
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try { owner = Number(readFileSync(join(dir, 'pid'), 'utf8')); } catch { /* being written */ }
      let alive = false;
      if (Number.isInteger(owner) && owner > 0) { try { process.kill(owner, 0); alive = true; } catch { alive = false; } }
      if (Number.isInteger(owner) && !alive) { rmSync(dir, { recursive: true, force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`another oracle run (pid ${owner}) holds ${dir}; gave up after ${waitMs / 1000}s`);
      Atomics.wait(sleep, 0, 0, 500);
    }
  }
}

// ------------------------------------------------------------------------------------------------------
// Files

/** A minimal deterministic ustar writer (same members + mtimes -> same bytes). */
export function makeTar(members: TarMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const m of members) {
    const data = Buffer.from(m.content, 'utf8');
    const h = Buffer.alloc(512, 0);
    const put = (s: string, off: number, len: number) => h.write(s, off, len, 'ascii');
    const oct = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, '0') + '\0', off, len);
    put(m.name, 0, 100);
    oct(m.mode ?? 0o644, 100, 8);
    oct(0, 108, 8);
    oct(0, 116, 8);
    oct(data.length, 124, 12);
    oct(m.mtime ?? 1_000_000_000, 136, 12);
    put('        ', 148, 8);
    put('0', 156, 1);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    put('root', 265, 32);
    put('root', 297, 32);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512, 0));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return Buffer.concat(blocks);
}

export function writeSpec(root: string, rel: string, spec: FileSpec): void {
  const p = join(root, rel);
  if (typeof spec === 'object' && 'dir' in spec) { mkdirSync(p, { recursive: true }); return; }
  mkdirSync(dirname(p), { recursive: true });
  if (typeof spec === 'object' && 'symlink' in spec) { symlinkSync(spec.symlink, p); return; }
  if (typeof spec === 'string') writeFileSync(p, spec);
  else if ('tar' in spec) writeFileSync(p, makeTar(spec.tar));
  else {
    writeFileSync(p, spec.content);
    if (spec.mode !== undefined) chmodSync(p, spec.mode);
    if (spec.mtime !== undefined) utimesSync(p, spec.mtime, spec.mtime);
  }
}

export interface Workspace {
  root: string;
  secretsDir: string;
  dockerfile: string; // absolute
  context: string; // absolute
}

export function materialize(sc: Scenario): Workspace {
  const base = mkdtempSync(join(tmpdir(), 'lw-oracle-'));
  const root = join(base, 'repo');
  const secretsDir = join(base, 'secrets');
  mkdirSync(root);
  mkdirSync(secretsDir);
  for (const [id, content] of Object.entries(sc.before?.secrets ?? {})) writeFileSync(join(secretsDir, id), content);
  for (const [rel, spec] of Object.entries(sc.files)) writeSpec(root, rel, spec);
  const dockerfile = join(root, sc.dockerfilePath ?? 'Dockerfile');
  mkdirSync(dirname(dockerfile), { recursive: true });
  writeFileSync(dockerfile, sc.dockerfile);
  const context = join(root, sc.context ?? '.');
  mkdirSync(context, { recursive: true });
  git(root, ['init', '-q']);
  git(root, ['add', '-A']);
  git(root, ['-c', 'user.name=oracle', '-c', 'user.email=oracle@example.invalid', '-c', 'commit.gpgsign=false',
    'commit', '-q', '--no-verify', '-m', 'before']);
  for (const [k, v] of Object.entries(sc.gitConfig ?? {})) git(root, ['config', k, v]);
  if (sc.gitConfig) git(root, ['status', '--short']); // refresh the index under that config
  return { root, secretsDir, dockerfile, context };
}

function git(cwd: string, args: string[]): void {
  const r = spawnSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'init.defaultBranch=main', ...args], {
    cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir() },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
}

export function applyMutations(ws: Workspace, muts: Mutation[]): void {
  for (const m of muts) {
    const p = 'path' in m ? join(ws.root, m.path) : '';
    switch (m.op) {
      case 'write': mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, m.content); break;
      case 'rewrite-same': { const b = readFileSync(p); rmSync(p); writeFileSync(p, b); break; }
      case 'remove': rmSync(p, { recursive: true }); break;
      case 'chmod': chmodSync(p, m.mode); break;
      case 'chown': chownSync(p, m.uid, m.gid); break;
      case 'touch': utimesSync(p, m.mtime, m.mtime); break;
      case 'rewrite-keep-mtime': { const st = statSync(p); writeFileSync(p, m.content); utimesSync(p, st.atime, st.mtime); break; }
      case 'mkdir': mkdirSync(p, { recursive: true }); break;
      case 'symlink': rmSync(p, { force: true }); symlinkSync(m.target, p); break;
      case 'tar': writeFileSync(p, makeTar(m.members)); break;
      case 'dockerfile': writeFileSync(ws.dockerfile, m.content); break;
      case 'secret': writeFileSync(join(ws.secretsDir, m.id), m.content); break;
    }
  }
}

export function cleanup(ws: Workspace): void {
  rmSync(dirname(ws.root), { recursive: true, force: true });
}

// ------------------------------------------------------------------------------------------------------
// Builds

export interface BuildResult { log: string; ok: boolean; command: string; seconds: number }

/** `docker build` of the workspace as it is now; secrets are the files in ws.secretsDir (see materialize). */
export function build(host: string, ws: Workspace, sc: Scenario, opts: BuildOptions | undefined): BuildResult {
  const args = ['build', '--network=none', '--progress=plain'];
  for (const [k, v] of Object.entries(opts?.args ?? {})) args.push('--build-arg', `${k}=${v}`);
  const target = opts?.target ?? sc.target;
  if (target) args.push('--target', target);
  if (opts?.platform) args.push('--platform', opts.platform);
  for (const id of Object.keys(sc.before?.secrets ?? {})) args.push('--secret', `id=${id},src=${join(ws.secretsDir, id)}`);
  args.push('-f', ws.dockerfile, ws.context);
  const t0 = Date.now();
  const r = spawnSync(DOCKER, args, { cwd: ws.root, env: dockerEnv(host), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  const log = (r.stdout ?? '') + (r.stderr ?? '');
  return { log, ok: r.status === 0 && buildSucceeded(log), command: `${DOCKER} ${args.join(' ')}`, seconds: (Date.now() - t0) / 1000 };
}

export function pruneBuilder(host: string): void {
  const env = dockerEnv(host);
  const r = spawnSync(DOCKER, ['builder', 'prune', '-af'], { env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`docker builder prune failed: ${r.stderr}`);
  // Untagged images from earlier builds: not a cache source for BuildKit, but keep the data root small.
  spawnSync(DOCKER, ['image', 'prune', '-f'], { env, encoding: 'utf8', timeout: 120_000 });
}

// ------------------------------------------------------------------------------------------------------
// CLI

export interface CliStep {
  stage: string;
  stageIndex: number;
  line: number;
  instruction: string;
  status: 'cached' | 'rebuilt' | 'maybe' | 'skipped' | string;
  reasons?: unknown[];
}
export interface CliResult { ok: boolean; steps: CliStep[]; raw: string; command: string; error?: string }

export function cliArgs(ws: Workspace, sc: Scenario): string[] {
  const args = ['explain', ws.dockerfile, '--since', 'HEAD', '--format', 'json', '--buildkit-version', BUILDKIT_VERSION];
  if (sc.context !== undefined && resolve(ws.context) !== resolve(dirname(ws.dockerfile))) args.push('--context', ws.context);
  const after = sc.after ?? sc.before;
  for (const [k, v] of Object.entries(after?.args ?? {})) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(sc.before?.args ?? {})) args.push('--baseline-build-arg', `${k}=${v}`);
  // the baseline had no build args while the second build has some: say so (otherwise it takes the current ones)
  if (Object.keys(sc.before?.args ?? {}).length === 0 && Object.keys(after?.args ?? {}).length > 0) args.push('--no-baseline-build-args');
  const target = after?.target ?? sc.target;
  if (target) args.push('--target', target);
  if ((sc.before?.target ?? sc.target) !== target) args.push('--baseline-target', sc.before?.target ?? sc.target ?? lastStageName(sc.dockerfile));
  // --platform of each build; a build without one targets the builder's own platform (the CLI's default: the host's)
  if (after?.platform) args.push('--platform', after.platform);
  if ((sc.before?.platform ?? '') !== (after?.platform ?? '')) args.push('--baseline-platform', sc.before?.platform ?? builderPlatform());
  return args;
}

/** The last stage's name (the default target), for a baseline built without --target. */
function lastStageName(dockerfile: string): string {
  const froms = [...dockerfile.matchAll(/^FROM\s.*?\bAS\s+(\S+)\s*$/gim)];
  return froms.length ? froms[froms.length - 1]![1]!.toLowerCase() : '';
}

let nativePlatform: string | undefined;
/** The builder's own platform (`docker version`: Server.Os/Server.Arch), e.g. linux/amd64. */
function builderPlatform(): string {
  if (nativePlatform === undefined) {
    const host = findBuilder().host ?? '';
    const r = spawnSync(DOCKER, ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}'], { env: dockerEnv(host), encoding: 'utf8', timeout: 20_000 });
    nativePlatform = r.status === 0 && r.stdout.trim() ? r.stdout.trim() : 'linux/amd64';
  }
  return nativePlatform;
}

export function runCli(ws: Workspace, sc: Scenario): CliResult {
  const args = cliArgs(ws, sc);
  const command = `node dist/cli.js ${args.join(' ')}`;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ws.root, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  const raw = r.stdout ?? '';
  if (r.status !== 0) {
    return { ok: false, steps: [], raw, command, error: `exit ${r.status}${r.error ? ' ' + r.error.message : ''}: ${(r.stderr ?? '').trim().slice(0, 2000)}` };
  }
  try {
    const j = JSON.parse(raw) as { steps?: CliStep[] };
    if (!Array.isArray(j.steps)) return { ok: false, steps: [], raw, command, error: 'JSON has no steps array' };
    return { ok: true, steps: j.steps, raw, command };
  } catch (e) {
    return { ok: false, steps: [], raw, command, error: `output is not JSON: ${(e as Error).message}: ${raw.slice(0, 500)}` };
  }
}

// ------------------------------------------------------------------------------------------------------
// Comparison

export type RealCell = RealStatus | '-';

export interface Row {
  line: number;
  stage: string;
  instruction: string;
  real: RealCell;
  realText?: string;
  predicted: string;
  reasons: string;
  ok: boolean;
}

export function agrees(real: RealCell, predicted: string): boolean {
  switch (predicted) {
    case 'rebuilt': return real === 'R';
    case 'cached': return real === 'C';
    case 'maybe': return real === 'R' || real === 'C';
    case 'skipped': return real === '-';
    default: return false;
  }
}

function reasonText(rs: unknown[] | undefined): string {
  if (!rs || rs.length === 0) return '';
  return rs.map((r) => {
    if (typeof r === 'string') return r;
    if (r && typeof r === 'object') {
      const o = r as Record<string, unknown>;
      for (const k of ['message', 'text', 'summary', 'detail']) if (typeof o[k] === 'string') return o[k] as string;
    }
    return JSON.stringify(r);
  }).join('; ');
}

/** Log stage label for a CLI step: lowercase stage name, `stage-<i>`, or '' for a single-stage log. */
function labelsFor(step: CliStep): string[] {
  const out = [String(step.stage).toLowerCase(), `stage-${step.stageIndex}`];
  return out;
}

export interface Comparison { rows: Row[]; problems: string[] }

/**
 * Align the CLI's steps with the real steps by stage + ordinal within the stage (file order; the CLI lists
 * inherited ONBUILD triggers first, like the log numbers them).
 */
export function compare(log: string, cli: CliStep[]): Comparison {
  const problems: string[] = [];
  const real = stepsByStage(parseSteps(log));
  const present = stagesInLog(log);
  const unprefixed = real.get('') ?? [];
  const cliStages = [...new Set(cli.map((s) => s.stageIndex))];
  const rows: Row[] = [];
  const used = new Set<string>();
  // With no stage prefix in the log (single-stage Dockerfile) all real steps belong to the one built stage.
  const unprefixedOwner = unprefixed.length > 0 || present.has('')
    ? (cliStages.length === 1 ? cliStages[0] : cliStages.find((i) => cli.some((s) => s.stageIndex === i && s.status !== 'skipped')))
    : undefined;
  for (const idx of cliStages) {
    const mine = cli.filter((s) => s.stageIndex === idx);
    let label: string | undefined;
    let rs: RealStep[] | undefined;
    for (const l of labelsFor(mine[0])) if (real.has(l) || present.has(l)) { label = l; rs = real.get(l) ?? []; break; }
    if (rs === undefined && unprefixedOwner === idx) { label = ''; rs = unprefixed; }
    if (label !== undefined) used.add(label);
    if (rs !== undefined && rs.length !== mine.length) {
      problems.push(`stage ${mine[0].stage}: the real build has ${rs.length} step(s) [${rs.map((r) => r.text).join(' | ')}] ` +
        `but the CLI lists ${mine.length}; aligned by position`);
    }
    mine.forEach((s, k) => {
      const r = rs?.[k];
      if (r && keyword(s.instruction) !== keyword(r.text)) {
        problems.push(`line ${s.line}: aligned with real step "${r.text}" but the CLI says "${s.instruction}" (different instruction)`);
      }
      const cell: RealCell = rs === undefined ? '-' : r ? r.status : '?';
      const reasons = reasonText(s.reasons);
      rows.push({ line: s.line, stage: String(s.stage), instruction: s.instruction, real: cell, realText: r?.text,
        predicted: s.status, reasons, ok: agrees(cell, s.status) });
    });
  }
  for (const [label, rs] of real) {
    if (!used.has(label)) problems.push(`real stage "${label || '(unprefixed)'}" has ${rs.length} step(s) the CLI does not list: ${rs.map((r) => r.text).join(' | ')}`);
  }
  rows.sort((a, b) => a.line - b.line);
  return { rows, problems };
}

export function table(rows: Row[]): string {
  const head = ['', 'line', 'stage', 'instruction', 'real', 'predicted', 'reasons'];
  const body = rows.map((r) => [r.ok ? ' ' : '✗', String(r.line), r.stage, clip(r.instruction, 60), r.real, r.predicted, clip(r.reasons, 140)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [fmt(head), ...body.map(fmt)].join('\n');
}

/** Real outcome only, for runs without a CLI (LAYERWISE_ORACLE_REAL_ONLY=1). */
export function realTable(log: string): string {
  const real = stepsByStage(parseSteps(log));
  const lines: string[] = [];
  for (const [stage, rs] of real) for (const r of rs) lines.push(`  [${stage || '-'} ${r.number}] ${r.status}  ${clip(r.text, 90)}`);
  return lines.join('\n');
}

/** RUN / COPY / ADD / WORKDIR of an instruction text (an inherited `ONBUILD RUN ...` counts as RUN). */
function keyword(text: string): string {
  return text.trim().replace(/^ONBUILD\s+/i, '').split(/\s+/, 1)[0].toUpperCase();
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}
