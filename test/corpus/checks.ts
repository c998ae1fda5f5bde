// Robustness checks shared by the corpus sweep and the hand-written robustness inputs. Each check runs inside a
// worker (see guard.ts) so that a hang in the engine fails the test instead of blocking it forever.
// The corpus (../shared/corpus) is read in place, never copied into the project.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, explain, stepReads, parseDockerignore, readSelects, MemoryContext, normalizeRel } from '../../server/src/engine';
import type { Model, StepStatus } from '../../server/src/engine';

/** out/test/corpus → /work/main → ../shared/corpus */
export const CORPUS_DIR = path.resolve(__dirname, '../../../../shared/corpus');

export interface ManifestEntry {
  file: string;
  repo: string;
  path: string;
  context: string | null;
  context_dir: string;
  dockerignore: string | null;
  features?: string[];
}

export interface CheckResult {
  name: string;
  /** Engine time only (analyze + stepReads + explains + per-target analyses), ms. */
  ms: number;
  /** Time spent building the in-memory context, ms. */
  setupMs: number;
  lines: number;
  stages: number;
  steps: number;
  contextFiles: number | null;
  problems: string[];
  /** Assertion failures (engine bugs unless noted). */
  failures: string[];
  /** The path the change-set explain touched and what happened to the first COPY. */
  change: { path: string; step: string; status: StepStatus; selected: boolean } | null;
}

const ALLOWED: ReadonlySet<StepStatus> = new Set<StepStatus>(['cached', 'rebuilt', 'maybe', 'skipped']);

export function readManifest(dir = CORPUS_DIR): Map<string, ManifestEntry> {
  const out = new Map<string, ManifestEntry>();
  for (const line of fs.readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as ManifestEntry;
    out.set(m.file, m);
  }
  return out;
}

const listings = new Map<string, [string, number | null][]>();
export function listing(dir: string, ctx: string): [string, number | null][] {
  let l = listings.get(ctx);
  if (!l) {
    l = [];
    for (const row of fs.readFileSync(path.join(dir, 'contexts', ctx, 'files.tsv'), 'utf8').split('\n')) {
      if (!row) continue;
      const tab = row.lastIndexOf('\t');
      // a size that is not a number (a few rows say `BAD`) is not known: sizes say unknown, never 0
      const size = row.slice(tab + 1);
      l.push([row.slice(0, tab), /^\d+$/.test(size) ? Number(size) : null]);
    }
    listings.set(ctx, l);
  }
  return l;
}

const repoSets = new Map<string, Set<string>>();
/** Every path of a repository listing, folders included. */
function repoPaths(dir: string, ctx: string): Set<string> {
  let s = repoSets.get(ctx);
  if (!s) {
    s = new Set();
    for (const [p] of listing(dir, ctx)) {
      const parts = p.split('/');
      for (let i = 1; i <= parts.length; i++) s.add(parts.slice(0, i).join('/'));
    }
    repoSets.set(ctx, s);
  }
  return s;
}

export function submodulesOf(dir: string, ctx: string): string[] {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'contexts', ctx, '_meta.json'), 'utf8')) as { submodules?: string[] };
    return meta.submodules ?? [];
  } catch {
    return [];
  }
}

export function storedIgnoreFile(dir: string, ctx: string, repoPath: string): string | null {
  const plain = path.join(dir, 'contexts', ctx, repoPath.replace(/\//g, '__'));
  if (fs.existsSync(plain)) return plain;
  const sanitized = path.join(dir, 'contexts', ctx, repoPath.replace(/\//g, '__').replace(/[^A-Za-z0-9._+@{}=-]/g, '_'));
  return fs.existsSync(sanitized) ? sanitized : null;
}

/**
 * The corpus's Dockerfiles folder, or null after skipping the test (failing it under CI=true, where ../shared is
 * always present).
 */
export function corpusDockerfilesOrSkip(t: { skip(msg: string): void }): string | null {
  const dir = path.join(CORPUS_DIR, 'dockerfiles');
  if (fs.existsSync(dir)) return dir;
  if (process.env['CI'] === 'true') throw new Error(`corpus missing at ${dir}`);
  t.skip('corpus not found');
  return null;
}

/** The build context of a manifest entry, simulated in memory (null when the corpus has no listing for it). */
export function corpusContext(m: ManifestEntry, dir = CORPUS_DIR): MemoryContext | null {
  if (!m.context) return null;
  const ctx = new MemoryContext(`corpus:${m.context}/${m.context_dir}`);
  const cd = normalizeRel(m.context_dir);
  const prefix = cd ? cd + '/' : '';
  for (const [p, size] of listing(dir, m.context)) {
    if (!prefix) ctx.addListed(p, size);
    else if (p.startsWith(prefix) && p.length > prefix.length) ctx.addListed(p.slice(prefix.length), size);
  }
  if (cd) {
    // the rest of the repository, for copy-source-missing's "exists in a folder above the context"
    const all = repoPaths(dir, m.context);
    const segs = cd.split('/');
    ctx.aboveProbe = (levels, p) => {
      if (levels > segs.length) return false;
      const base = segs.slice(0, segs.length - levels).join('/');
      return all.has(base ? base + '/' + p : p);
    };
  }
  // git submodules are omitted from the listing (contexts/<repo>/_meta.json names them): a clone without
  // --recursive has each as an empty folder, and .gitmodules says which folders they are
  const subs = submodulesOf(dir, m.context);
  if (subs.length) {
    for (const sp of subs) if (!prefix || sp.startsWith(prefix)) ctx.addDir(sp.slice(prefix.length));
    if (ctx.entry('.gitmodules')) ctx.addFile('.gitmodules', subs.filter((sp) => !prefix || sp.startsWith(prefix)).map((sp) => `[submodule "${sp}"]\n\tpath = ${sp.slice(prefix.length)}\n`).join(''));
  }
  if (m.dockerignore) {
    const file = storedIgnoreFile(dir, m.context, m.dockerignore);
    if (!file) throw new Error(`manifest names ${m.dockerignore} but contexts/${m.context} does not hold it`);
    const rel = prefix && m.dockerignore.startsWith(prefix) ? m.dockerignore.slice(prefix.length) : m.dockerignore;
    ctx.setIgnore(rel, fs.readFileSync(file, 'utf8'));
  }
  return ctx;
}

/** The Dockerfile's path inside its build context (posix), or undefined when it lies outside the context. */
export function corpusDockerfile(m: ManifestEntry): string | undefined {
  const cd = normalizeRel(m.context_dir);
  if (!cd) return m.path;
  return m.path.startsWith(cd + '/') ? m.path.slice(cd.length + 1) : undefined;
}

/** Runs every engine entry point the sweep covers on one Dockerfile text. Never throws: failures are collected. */
export function checkText(name: string, text: string, ctxIn: MemoryContext | null, setupMs = 0, maxTargets = Infinity): CheckResult {
  const res: CheckResult = {
    name,
    ms: 0,
    setupMs,
    lines: text.split('\n').length,
    stages: 0,
    steps: 0,
    contextFiles: null,
    problems: [],
    failures: [],
    change: null,
  };
  const ctx = ctxIn ?? new MemoryContext('empty');
  if (ctxIn) {
    let n = 0;
    for (const p of ctxIn.paths()) if (ctxIn.entry(p)?.type !== 'dir') n++;
    res.contextFiles = n;
  }
  const fail = (what: string, e: unknown): void => {
    res.failures.push(`${what} threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  };
  const t0 = performance.now();
  try {
    let model: Model;
    try {
      model = analyze(text);
    } catch (e) {
      fail('analyze(text)', e);
      return res;
    }
    res.stages = model.stages.length;
    res.steps = model.steps.length;
    res.problems = model.problems.map((p) => `${p.line + 1}: ${p.severity}: ${p.message}`);

    let reads: ReturnType<typeof stepReads> | null = null;
    try {
      reads = stepReads(model, ctx);
    } catch (e) {
      fail('stepReads(model, ctx)', e);
    }

    // 1. baseline == current: everything cached (or skipped when not needed by the target)
    try {
      const e = explain({ current: { text, context: ctx }, baseline: { text, context: ctx.clone('baseline') }, currentModel: model });
      const bad = e.steps.filter((r) => r.status !== 'cached' && r.status !== 'skipped');
      if (bad.length)
        res.failures.push(
          'baseline == current but not all cached: ' +
            bad.map((r) => `line ${r.step.line + 1} ${r.step.keyword} → ${r.status} (${r.reasons.map((x) => x.message).join('; ')})`).join(' | '),
        );
      if (e.changedPaths.size) res.failures.push(`baseline == current but changedPaths = ${[...e.changedPaths.keys()].slice(0, 5).join(', ')}`);
      for (const r of e.steps) if (r.status === 'skipped' && model.stages[r.step.stage]!.needed) res.failures.push(`line ${r.step.line + 1}: skipped although its stage is needed`);
    } catch (e) {
      fail('explain(baseline == current)', e);
    }

    // 2. change set touching one file the first COPY reads
    try {
      const first = model.steps.find((s) => s.keyword === 'COPY' && s.contextReads.length) ?? model.steps.find((s) => s.contextReads.length);
      let changedPath = 'Dockerfile';
      if (first) {
        const sample = reads?.get(first.id)?.sample[0];
        const src = first.contextReads[0]!.sources.find((s) => s !== '');
        changedPath = sample ?? src ?? 'Dockerfile';
      }
      const e = explain({ current: { text, context: ctx }, baseline: { text, context: ctx }, currentModel: model, changed: [changedPath] });
      for (const r of e.steps) if (!ALLOWED.has(r.status)) res.failures.push(`change set: line ${r.step.line + 1} has status ${String(r.status)}`);
      if (first) {
        const r = e.steps.find((x) => x.step.id === first.id)!;
        const ig = parseDockerignore(ctx.ignoreFile?.text ?? '');
        const p = normalizeRel(changedPath);
        const selected = !!p && !ig.ignores(p) && first.contextReads.some((c) => readSelects(c, p));
        res.change = { path: changedPath, step: `line ${first.line + 1} ${first.instruction.slice(0, 60)}`, status: r.status, selected };
        const needed = model.stages[first.stage]!.needed;
        // a changed file the step copies must bust it (content is in the key); a step outside the target is skipped
        const want: StepStatus = needed ? 'rebuilt' : 'skipped';
        if (selected && r.status !== want)
          res.failures.push(`change set ${JSON.stringify(changedPath)}: first COPY (line ${first.line + 1}) is ${r.status}, expected ${want}`);
        if (selected && needed && !e.changedPaths.has(p)) res.failures.push(`change set ${JSON.stringify(changedPath)}: not in changedPaths`);
      }
    } catch (e) {
      fail('explain(changed)', e);
    }

    // 3. every stage name as target (or the first, middle and last named ones when maxTargets is small)
    let named = model.stages.filter((s) => s.name);
    if (named.length > maxTargets) named = [...new Set([named[0]!, named[named.length >> 1]!, named[named.length - 1]!])];
    for (const s of named) {
      try {
        const m = analyze(text, { target: s.name! });
        const t = m.stages[m.target];
        if (!t || t.name !== s.name) res.failures.push(`analyze(target=${s.name}): target index ${m.target} is not that stage`);
        else if (!t.needed) res.failures.push(`analyze(target=${s.name}): target stage not marked needed`);
      } catch (e) {
        fail(`analyze(text, {target: ${JSON.stringify(s.name)}})`, e);
      }
    }
  } finally {
    res.ms = performance.now() - t0;
  }
  return res;
}

export function checkCorpusFile(file: string, dir = CORPUS_DIR): CheckResult {
  const manifest = (checkCorpusFile as { manifest?: Map<string, ManifestEntry> }).manifest ?? readManifest(dir);
  (checkCorpusFile as { manifest?: Map<string, ManifestEntry> }).manifest = manifest;
  const text = fs.readFileSync(path.join(dir, 'dockerfiles', file), 'utf8');
  const m = manifest.get(file);
  const t0 = performance.now();
  const ctx = m ? corpusContext(m, dir) : null;
  return checkText(file, text, ctx, performance.now() - t0);
}

// ---- hand-written robustness inputs ----

/** mulberry32: a small deterministic PRNG (seeded samples and mutations). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A synthetic Dockerfile of about `lines` lines, 20 lines per stage (so 2,000 lines = 100 stages, as in
 * ../shared/perf-anchors.md): continuations with a comment inside, heredocs, flags, mounts, ARG/ENV, COPY --from.
 */
export function generateDockerfile(lines: number): string {
  const out: string[] = ['# syntax=docker/dockerfile:1', 'ARG BASE=debian:bookworm-slim', 'ARG VERSION=1.0'];
  let stage = 0;
  while (out.length < lines) {
    const name = `s${stage}`;
    out.push(`FROM --platform=$BUILDPLATFORM \${BASE} AS ${name}`);
    out.push(`ARG VERSION`, `ENV APP_${stage}=/opt/app${stage} PATH=/opt/app${stage}/bin:$PATH`);
    out.push(`WORKDIR /src/${name}`);
    out.push(`COPY --chown=1000:1000 package.json package-lock.json ./`);
    out.push(`RUN --mount=type=cache,target=/root/.npm,id=npm-${stage} \\`, `    # a comment inside a continuation`, `    apt-get update && apt-get install -y --no-install-recommends curl && \\`, `    rm -rf /var/lib/apt/lists/*`);
    out.push(`COPY <<EOF /etc/app${stage}.conf`, `version=\${VERSION}-${stage}`, `EOF`);
    out.push(`RUN <<EOT bash`, `echo building ${name}`, `EOT`);
    out.push(`COPY src/ ./src/`);
    out.push(stage > 0 ? `COPY --from=s${stage - 1} /src/s${stage - 1}/out /deps/s${stage - 1}` : `COPY scripts/ ./scripts/`);
    out.push(`RUN --mount=type=bind,source=scripts,target=/scripts make -C src VERSION=$VERSION out`);
    out.push(`CMD ["node", "src/index.js"]`, '');
    stage++;
  }
  return out.join('\n');
}

export const ROBUST_CASES: Record<string, () => string> = {
  'empty file': () => '',
  'only comments': () => '# a comment\n#another\n   # indented comment\n\n# syntax=docker/dockerfile:1\n',
  'binary garbage (random bytes incl. NUL)': () => {
    const r = rng(42);
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = r() < 0.05 ? 0 : Math.floor(r() * 256);
    return bytes.toString('latin1');
  },
  'binary garbage decoded as UTF-8': () => {
    const r = rng(7);
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
    return 'FROM alpine\n' + bytes.toString('utf8') + '\nRUN true\n';
  },
  'generated 20,000-line Dockerfile': () => generateDockerfile(20000),
  'unterminated heredoc': () => 'FROM alpine\nRUN <<EOF\necho hello\necho never closed\n',
  'unterminated heredoc in COPY': () => 'FROM alpine\nCOPY <<EOF /a.txt\ncontent\n',
  'unterminated JSON array': () => 'FROM alpine\nCMD ["echo", "hi"\nRUN ["sh", "-c", "echo\nCOPY ["a", "b"\n',
  'line ending with escape at EOF': () => 'FROM alpine\nRUN echo a && \\',
  'escape at EOF after blank continuation': () => 'FROM alpine\nCOPY a \\\n  b \\\n\n\\',
  'CRLF endings': () => 'FROM alpine AS base\r\nWORKDIR /app\r\nCOPY package.json ./\r\nRUN npm ci \\\r\n && echo done\r\nCOPY . .\r\n',
  'escape=` with Windows paths': () =>
    '# escape=`\r\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\r\nSHELL ["powershell", "-Command"]\r\nWORKDIR C:\\app\r\nCOPY src\\app.csproj C:\\app\\\r\nRUN dotnet restore `\r\n    C:\\app\\app.csproj\r\nCOPY . C:\\app\\\r\n',
  'lowercase instructions': () => 'from alpine as build\nworkdir /app\ncopy . .\nrun make\nfrom scratch\ncopy --from=build /app/out /\n',
  'unknown instruction': () => 'FROM alpine\nFROBNICATE all the things\nRUN true\n',
  'ARG-only file': () => 'ARG A=1\nARG B\nARG C=${A}\n',
  'FROM with undefined variable': () => 'FROM ${UNDEFINED_BASE}:${UNDEFINED_TAG:-latest}\nRUN echo $NOPE\nFROM $ALSO_UNDEFINED\n',
  'COPY --from a nonexistent stage': () => 'FROM alpine\nCOPY --from=nosuchstage /x /y\nRUN --mount=type=bind,from=nope,target=/n true\n',
  'circular-looking stage references': () => 'FROM b AS a\nRUN echo a\nFROM a AS b\nCOPY --from=b / /\nFROM b AS c\nCOPY --from=c / /\nCOPY --from=2 / /\nCOPY --from=-1 / /\n',
  'self-referencing stage': () => 'FROM x AS x\nFROM x AS x\nRUN true\n',
  'very long line (1 MB)': () => 'FROM alpine\nRUN echo ' + 'a'.repeat(1024 * 1024) + '\nCOPY ' + 'b/'.repeat(1000) + 'c .\n',
  'very long line of spaces and escapes (1 MB)': () => 'FROM alpine\nRUN ' + ' \\ '.repeat(350_000) + '\n',
  'only a BOM and a directive': () => '\uFEFF# escape=`\n',
  'FROM without image': () => 'FROM\nFROM AS x\nFROM a b c d\nRUN\nCOPY\nADD\nWORKDIR\nENV\nARG\nUSER\nSHELL\nONBUILD\nONBUILD ONBUILD RUN x\n',
  'deep ONBUILD chain': () => {
    const out = ['FROM alpine AS s0', 'ONBUILD RUN echo 0', 'ONBUILD COPY a /a'];
    for (let i = 1; i < 200; i++) out.push(`FROM s${i - 1} AS s${i}`, `ONBUILD RUN echo ${i}`);
    return out.join('\n');
  },
  'weird flags and mounts': () =>
    'FROM alpine\nRUN --mount= --mount=type --mount=,,, --network --security=insecure true\nCOPY --from= --chown --exclude= --parents a b\nADD --checksum=sha256:x https://example.com/x /x\nADD git@github.com:a/b.git /b\n',
  'variables in every position': () =>
    'ARG X=${Y:-${Z:+a}}\nFROM ${X:?err} AS $X\nARG X\nENV $X=1 ${X}=2\nWORKDIR $X/${X}/${X:-/}\nCOPY ${X} $X/\nRUN echo ${X%%*} ${X##a} ${X/a/b}\n',
  'COPY globs and dot segments': () => 'FROM alpine\nCOPY ../../etc/passwd /x\nCOPY ./a/../b/./c /d\nCOPY [[a-z]*.json ? ** /e/\nCOPY "" /f\n',
};
