// FIX SAFETY with the real builder: for every scenario in ./fix-scenarios, run `layerwise check --fix` on a copy,
// build the ORIGINAL and the FIXED Dockerfile for real (dockerd 20.10, BuildKit 0.8, --network=none), export both
// final filesystems (`--output type=tar`) and both image configs (`docker image inspect`), and require them to be
// identical — same paths, types, modes, owners, link targets and file contents; mtimes ignored — except for the paths
// a fix changes on purpose (RULE_ALLOWED per rule, `allowed` per scenario, each with its reason). Also requires that
// the fixes the scenario is about were applied and that those rules no longer fire on the fixed file.
//
// Builder discovery, skip-when-absent and failure under CI=true are those of oracle.test.ts (test/README.md).
// Env: LAYERWISE_FIX_ONLY=<substring> runs matching scenarios; LAYERWISE_ORACLE_KEEP=1 keeps the temp dirs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILDKIT_VERSION, CLI, DOCKER, dockerEnv, findBuilder, lockBuilder, pruneBuilder, writeSpec } from './harness';
import { fixScenarios, gitTrackedFile, RULE_ALLOWED, TOOLS_FILES, TOOLS_IMAGE, type AllowedDiff, type FixScenario } from './fix-scenarios';

const isCI = process.env.CI === 'true';
const only = process.env.LAYERWISE_FIX_ONLY;
const keep = process.env.LAYERWISE_ORACLE_KEEP === '1';

const builder = findBuilder();
const skipAll = builder.problem && !isCI ? `fix-safety suite skipped: ${builder.problem}` : undefined;

// ------------------------------------------------------------------------------------------------------------------
// Tar reading (docker's tar output: ustar with PAX / GNU long-name headers)

interface Entry { type: string; mode: number; uid: number; gid: number; link: string; sha: string; size: number }

function readTar(buf: Buffer): Map<string, Entry> {
  const out = new Map<string, Entry>();
  let off = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> = {};
  const str = (o: number, n: number) => { const s = buf.subarray(o, o + n); const z = s.indexOf(0); return s.subarray(0, z < 0 ? n : z).toString('utf8'); };
  const num = (o: number, n: number) => parseInt(str(o, n).trim() || '0', 8);
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = num(off + 124, 12);
    const flag = String.fromCharCode(h[156]!) || '0';
    const base = off;
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'L') { longName = data.toString('utf8').replace(/\0+$/, ''); continue; }
    if (flag === 'K') { longLink = data.toString('utf8').replace(/\0+$/, ''); continue; }
    if (flag === 'x') {
      pax = {};
      const text = data.toString('utf8');
      let i = 0;
      while (i < text.length) {
        const sp = text.indexOf(' ', i);
        const len = parseInt(text.slice(i, sp), 10);
        const rec = text.slice(sp + 1, i + len - 1);
        const eq = rec.indexOf('=');
        pax[rec.slice(0, eq)] = rec.slice(eq + 1);
        i += len;
      }
      continue;
    }
    if (flag === 'g') continue;
    const prefix = str(base + 345, 155);
    let name = pax['path'] ?? longName ?? (prefix ? prefix + '/' : '') + str(base, 100);
    const link = pax['linkpath'] ?? longLink ?? str(base + 157, 100);
    name = '/' + name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    const type = flag === '5' ? 'dir' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : flag === '0' || flag === '\0' || flag === '7' ? 'file' : `type-${flag}`;
    out.set(name === '/' ? '/' : name, {
      type,
      mode: num(base + 100, 8) & 0o7777,
      uid: pax['uid'] !== undefined ? Number(pax['uid']) : num(base + 108, 8),
      gid: pax['gid'] !== undefined ? Number(pax['gid']) : num(base + 116, 8),
      link: type === 'symlink' || type === 'hardlink' ? link : '',
      sha: type === 'file' ? createHash('sha256').update(data).digest('hex').slice(0, 16) : '',
      size: type === 'file' ? size : 0,
    });
    longName = null;
    longLink = null;
    pax = {};
  }
  return out;
}

function describeEntry(e: Entry | undefined): string {
  if (!e) return '(absent)';
  return `${e.type} ${e.mode.toString(8).padStart(4, '0')} ${e.uid}:${e.gid}` + (e.link ? ` -> ${e.link}` : '') + (e.type === 'file' ? ` ${e.size}B ${e.sha}` : '');
}

function allowedBy(path: string, allowed: AllowedDiff[]): AllowedDiff | undefined {
  return allowed.find((a) => (a.path.endsWith('/**') ? path === a.path.slice(0, -3) || path.startsWith(a.path.slice(0, -2)) : path === a.path));
}

interface FsDiff { path: string; original: string; fixed: string; allowed?: string }

function diffFs(a: Map<string, Entry>, b: Map<string, Entry>, allowed: AllowedDiff[]): FsDiff[] {
  const out: FsDiff[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = describeEntry(a.get(p));
    const y = describeEntry(b.get(p));
    const by = allowedBy(p, allowed);
    const fixedEntry = b.get(p);
    const ok = by && (!by.removedOnly || !fixedEntry || fixedEntry.type === 'dir');
    if (x !== y) out.push({ path: p, original: x, fixed: y, allowed: ok ? by.why : undefined });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------------
// Builds

interface Built { ok: boolean; log: string; command: string; fs?: Map<string, Entry>; config?: Record<string, unknown> }

function run(args: string[], env: NodeJS.ProcessEnv, cwd?: string, timeout = 300_000) {
  return spawnSync(DOCKER, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

function buildAndExport(host: string, dir: string, tag: string, outTar: string, buildArgs: Record<string, string>, dockerfile = 'Dockerfile'): Built {
  const env = dockerEnv(host);
  const common = ['build', '--network=none', '--progress=plain'];
  for (const [k, v] of Object.entries(buildArgs)) common.push('--build-arg', `${k}=${v}`);
  const tagged = [...common, '-t', tag, '-f', join(dir, dockerfile), dir];
  const command = `${DOCKER} ${tagged.join(' ')}`;
  const r = run(tagged, env, dir);
  const log = (r.stdout ?? '') + (r.stderr ?? '');
  if (r.status !== 0) return { ok: false, log, command };
  // the same build again (fully cached) to a tar of the final filesystem
  const t = run([...common, '--output', `type=tar,dest=${outTar}`, '-f', join(dir, dockerfile), dir], env, dir);
  if (t.status !== 0) return { ok: false, log: log + (t.stdout ?? '') + (t.stderr ?? ''), command: command + ' (then --output type=tar)' };
  const ins = run(['image', 'inspect', '--format', '{{json .Config}}', tag], env);
  if (ins.status !== 0) return { ok: false, log: log + ins.stderr, command: `${DOCKER} image inspect ${tag}` };
  const cfg = JSON.parse(ins.stdout) as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  for (const k of ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'Shell', 'StopSignal', 'Healthcheck', 'OnBuild']) config[k] = cfg[k] ?? null;
  return { ok: true, log, command, fs: readTar(readFileSync(outTar)), config };
}

function ensureToolsImage(host: string): void {
  const env = dockerEnv(host);
  const dir = mkdtempSync(join(tmpdir(), 'lw-fixtools-'));
  try {
    for (const [rel, spec] of Object.entries(TOOLS_FILES)) writeSpec(dir, rel, spec);
    // always rebuild (cheap): the image must match TOOLS_FILES of this checkout
    const r = run(['build', '--network=none', '--progress=plain', '-t', TOOLS_IMAGE, dir], env, dir);
    if (r.status !== 0) throw new Error(`building ${TOOLS_IMAGE} failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------------------------
// CLI

interface JsonFinding { rule: string; line: number; fixable: boolean; message: string }
interface JsonFile { dockerfile: string; findings: JsonFinding[]; fixed?: { rule: string; title: string; line: number }[] }

function cli(args: string[], cwd: string): { files: JsonFile[]; command: string; raw: string } {
  const command = `node ${CLI} ${args.join(' ')}`;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command}: exit ${r.status}: ${r.stderr}`);
  try {
    return { files: (JSON.parse(r.stdout) as { files: JsonFile[] }).files, command, raw: r.stdout };
  } catch (e) {
    throw new Error(`${command}: output is not JSON (${(e as Error).message}): ${r.stdout.slice(0, 500)} ${r.stderr}`);
  }
}

function checkArgs(sc: FixScenario, dockerfile: string, configFile: string | null): string[] {
  const args = ['check', dockerfile, '--format', 'json', '--buildkit-version', BUILDKIT_VERSION];
  for (const [k, v] of Object.entries(sc.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  if (configFile) args.push('--config', configFile);
  return args;
}

function materializeContext(dir: string, sc: FixScenario): void {
  mkdirSync(dir, { recursive: true });
  for (const [rel, spec] of Object.entries(sc.files)) writeSpec(dir, rel, spec);
  const df = sc.dockerfilePath ?? 'Dockerfile';
  writeSpec(dir, df, sc.dockerfile);
  if (sc.gitTracked) writeSpec(dir, '.git/tracked', gitTrackedFile(sc.files, sc.dockerfile, df, sc.gitTracked));
}

/** A config file outside the context that turns every rule except `sc.rules` off. */
function writeConfig(base: string, sc: FixScenario, allRules: string[]): string | null {
  if (!sc.rules) return null;
  const file = join(base, 'layerwise.yaml');
  writeFileSync(file, 'rules:\n' + allRules.filter((r) => !sc.rules!.includes(r)).map((r) => `  ${r}: off\n`).join(''));
  return file;
}

/** Rule ids, from the CLI itself (SARIF lists every rule). */
function ruleIds(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'lw-rules-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const r = spawnSync(process.execPath, [CLI, 'check', join(dir, 'Dockerfile'), '--format', 'sarif'], { encoding: 'utf8' });
    const j = JSON.parse(r.stdout) as { runs: { tool: { driver: { rules: { id: string }[] } } }[] };
    return j.runs[0]!.tool.driver.rules.map((x) => x.id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------------------------

describe('fix safety: original vs fixed Dockerfile built with a real BuildKit (dockerd 20.10)', { skip: skipAll }, () => {
  test('a real builder is reachable', () => {
    assert.ok(!builder.problem, `fix-safety suite needs a builder (CI=true makes this an error): ${builder.problem}`);
  });
  const cliMissing = !existsSync(CLI);
  test('the CLI is built (dist/cli.js)', () => {
    assert.ok(!cliMissing, `${CLI} does not exist: run \`npm run build\``);
  });

  let release: (() => void) | undefined;
  let allRules: string[] = [];
  let setupError: Error | undefined;
  before(() => {
    if (!builder.host || builder.problem || cliMissing) return;
    release = lockBuilder(builder.host);
    try {
      allRules = ruleIds();
      ensureToolsImage(builder.host);
    } catch (e) {
      setupError = e as Error;
    }
  });
  after(() => release?.());

  test('every fixable rule has a scenario', () => {
    if (builder.problem || cliMissing) return;
    const fixable = ['broad-copy-before-install', 'costly-step-after-volatile-copy', 'arg-declared-early', 'apt-update-alone', 'missing-cache-mount', 'cleanup-in-separate-layer', 'context-includes-volatile'];
    for (const id of fixable) {
      assert.ok(fixScenarios.some((s) => !s.knownUnsafe && s.rules?.length === 1 && s.rules[0] === id), `no passing single-rule scenario for ${id}`);
    }
  });

  const names = new Set<string>();
  for (const sc of fixScenarios.filter((s) => !only || s.name.includes(only))) {
    assert.ok(!names.has(sc.name), `duplicate scenario name ${sc.name}`);
    names.add(sc.name);
    const skip = builder.problem ? 'no builder' : cliMissing ? 'no CLI (dist/cli.js)' : false;
    test(sc.name, { skip, todo: sc.knownUnsafe, timeout: 600_000 }, (t) => {
      if (setupError) throw setupError;
      const host = builder.host!;
      pruneBuilder(host); // empty build cache and cache mounts: both builds start alike
      const base = mkdtempSync(join(tmpdir(), 'lw-fixsafety-'));
      const origDir = join(base, 'original');
      const fixedDir = join(base, 'fixed');
      const key = createHash('sha256').update(sc.name + base).digest('hex').slice(0, 10);
      const tags = [`layerwise-fixsafety-orig:${key}`, `layerwise-fixsafety-fixed:${key}`];
      try {
        materializeContext(origDir, sc);
        cpSync(origDir, fixedDir, { recursive: true, verbatimSymlinks: true });
        const configFile = writeConfig(base, sc, allRules);

        // 1. fix a copy with the CLI
        const df = sc.dockerfilePath ?? 'Dockerfile';
        // like `docker build -f <df> .`: the context is the scenario's root, wherever the Dockerfile lives
        const ctxArgs = sc.dockerfilePath ? ['--context', fixedDir] : [];
        const fixRun = cli([...checkArgs(sc, join(fixedDir, df), configFile), ...ctxArgs, '--fix'], fixedDir);
        const applied = (fixRun.files[0]?.fixed ?? []).map((x) => x.rule);
        const fixedText = readFileSync(join(fixedDir, df), 'utf8');
        const ignorePath = join(fixedDir, '.dockerignore');
        const fixedIgnore = existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '(none)';
        t.diagnostic(`applied: ${applied.join(', ') || '(nothing)'}\n--- fixed Dockerfile\n${fixedText}--- fixed .dockerignore\n${fixedIgnore}`);
        for (const id of sc.expectFixed) assert.ok(applied.includes(id), `${sc.name}: \`check --fix\` did not apply a ${id} fix (applied: ${applied.join(', ') || 'nothing'})\n$ ${fixRun.command}`);

        // 2. the fixed file is what `check` says: the rules fixed no longer fire
        const recheck = cli([...checkArgs(sc, join(fixedDir, df), configFile), ...ctxArgs], fixedDir);
        const left = (recheck.files[0]?.findings ?? []).filter((f) => sc.expectFixed.includes(f.rule) && !(sc.stillReports && f.message.includes(sc.stillReports) && !f.fixable));
        assert.deepEqual(left.map((f) => `${f.rule}@${f.line}: ${f.message}`), [], `${sc.name}: rules still fire on the fixed file\n$ ${recheck.command}`);
        // cases where a real build showed the fix is unsafe: the rule may report (or see that the step does read the
        // copied files and stay quiet), but it must not offer — or apply — that fix
        // (when it does, both are still built below, so the failure shows what the fix does to the build)
        const unsafeApplied = (sc.expectUnfixed ?? []).filter((id) => applied.includes(id));
        for (const id of sc.expectUnfixed ?? []) {
          const f = (recheck.files[0]?.findings ?? []).filter((x) => x.rule === id);
          assert.ok(f.every((x) => !x.fixable), `${sc.name}: ${id} should not offer a fix: ${sc.unsafeBecause}`);
        }

        // 3. build both for real and compare final filesystems and image configs
        const orig = buildAndExport(host, origDir, tags[0]!, join(base, 'original.tar'), sc.buildArgs ?? {}, df);
        assert.ok(orig.ok, `${sc.name}: the ORIGINAL Dockerfile does not build (scenario bug)\n$ ${orig.command}\n${orig.log}`);
        const fixed = buildAndExport(host, fixedDir, tags[1]!, join(base, 'fixed.tar'), sc.buildArgs ?? {}, df);
        // a later build of the fixed file: cache mounts emptied (BuildKit prunes them apart from the layer cache), one
        // source edited — a step that reads a store another step filled in a cache mount then runs without it
        const rebuild = (): Built | null => {
          if (!sc.rebuild || !fixed.ok) return null;
          const env = dockerEnv(host);
          const r = run(['builder', 'prune', '-af', '--filter', 'type=exec.cachemount'], env);
          if (r.status !== 0) throw new Error(`pruning cache mounts failed: ${r.stderr}`);
          writeFileSync(join(fixedDir, sc.rebuild.file), sc.rebuild.content);
          return buildAndExport(host, fixedDir, tags[1]!, join(base, 'fixed2.tar'), sc.buildArgs ?? {}, df);
        };
        if (unsafeApplied.length) {
          const again = rebuild();
          const what = !fixed.ok
            ? `the fixed build FAILS:\n${fixed.log.slice(-1500)}`
            : again && !again.ok
              ? `the fixed build works once, but FAILS after its cache mounts were pruned and ${sc.rebuild!.file} edited:\n${again.log.slice(-1500)}`
              : `the fixed build differs:\n${diffFs(orig.fs!, fixed.fs!, []).map((d) => `  ${d.path}: original ${d.original} | fixed ${d.fixed}`).join('\n') || '  (same filesystem)'}`;
          assert.fail(`${sc.name}: ${unsafeApplied.join(', ')} applied a fix that is not safe here: ${sc.unsafeBecause}\n--- fixed Dockerfile\n${fixedText}--- ${what}`);
        }
        assert.ok(fixed.ok, `${sc.name}: the FIXED Dockerfile does not build\n--- fixed Dockerfile\n${fixedText}\n$ ${fixed.command}\n${fixed.log.slice(-4000)}`);

        const allowed = [...applied.flatMap((r) => RULE_ALLOWED[r] ?? []), ...(sc.allowed ?? [])];
        const diffs = diffFs(orig.fs!, fixed.fs!, allowed);
        const bad = diffs.filter((d) => !d.allowed);
        const ok = diffs.filter((d) => d.allowed);
        if (ok.length) t.diagnostic(`allowed differences:\n${ok.map((d) => `  ${d.path}: ${d.original} | ${d.fixed}  (${d.allowed})`).join('\n')}`);
        assert.deepEqual(bad.map((d) => `${d.path}: original ${d.original} | fixed ${d.fixed}`), [],
          `${sc.name}: the final filesystems differ\n--- fixed Dockerfile\n${fixedText}` + (keep ? `(kept: ${base})` : ''));
        assert.deepEqual(fixed.config, orig.config, `${sc.name}: the image configs differ`);
        // the cache the fix moves into a cache mount must really have left the image (a mount on the wrong folder leaves it)
        for (const p of applied.length ? sc.cacheOut ?? [] : []) {
          assert.ok(orig.fs!.has(p), `${sc.name}: scenario bug: the original image has no ${p}`);
          const left = [...fixed.fs!.keys()].filter((q) => (q === p || q.startsWith(p + '/')) && fixed.fs!.get(q)!.type !== 'dir');
          assert.deepEqual(left, [], `${sc.name}: the cache at ${p} is still in the fixed image (the mount is on another folder)\n--- fixed Dockerfile\n${fixedText}`);
        }
        const again = rebuild();
        if (again) assert.ok(again.ok, `${sc.name}: the fixed Dockerfile FAILS once its cache mounts are pruned and ${sc.rebuild!.file} edited\n--- fixed Dockerfile\n${fixedText}\n${again.log.slice(-3000)}`);
        t.diagnostic(`identical: ${orig.fs!.size} paths compared (${ok.length} allowed difference(s))`);
      } finally {
        spawnSync(DOCKER, ['image', 'rm', '-f', ...tags], { env: dockerEnv(host), encoding: 'utf8' });
        if (!keep) rmSync(base, { recursive: true, force: true });
      }
    });
  }
});
