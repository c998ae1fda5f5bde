// `layerwise` — the engine for terminals and CI. Reads files and git through server/src/context, asks the engine,
// prints text, JSON or DOT. Errors are one clear line and exit code 2, never a stack trace.
import fs = require('node:fs');
import path = require('node:path');
import { analyze, contextSizes, explain, parseDockerignore, type BuildLogMapping, type Model, type AnalyzeOptions, type Explanation } from '../engine';
import { loadDiskContext } from '../context';
import { renderExplainText, renderExplainJson, renderGraph, type GraphFormat } from './render';
import { renderExplainMarkdown } from './markdown';
import { loadBuildRecord } from '../context/evidence';
import { CliError, parseArgs, requireFormats, type ParsedArgs } from './args';
import { buildOptions, checkBaselineTarget, explainSinceGit, readDockerfile } from './input';
import { runCheck, writeReport } from './check';
import { renderGraphHtml } from './html';
import { runHistory } from './history';
import { runImportBuild } from './import-build';
import { graphSharing } from './shared';
import { runCache } from './cache';
import { runLayers } from './layers';

const VERSION = '0.1.0';

const HELP = `layerwise ${VERSION} — predict which Dockerfile steps BuildKit's cache will rebuild

Usage:
  layerwise explain [DOCKERFILE] [--context DIR] [--since REV | --changed PATH ...]
                    [--build-arg K=V ...] [--target STAGE] [--platform P] [--buildkit-version V]
                    [--baseline-build-arg K=V ... | --no-baseline-build-args] [--baseline-target STAGE]
                    [--baseline-platform P] [--format text|json|markdown]
  layerwise check   [PATH ...] [--context DIR] [--build-arg K=V ...] [--target STAGE] [--config FILE]
                    [--format text|json|sarif|github|markdown] [--fix] [--severity-threshold info|warning|error]
  layerwise graph   [DOCKERFILE] [--context DIR] [--build-arg K=V ...] [--target STAGE]
                    [--buildkit-version V] [--format text|json|dot|html] [--since REV]
  layerwise history [DOCKERFILE] [--context DIR] [--commits N] [--build-arg K=V ...] [--target STAGE]
                    [--buildkit-version V] [--format text|json]
  layerwise import-build LOG [DOCKERFILE] [--context DIR] [--since REV | --changed PATH ...]
                    [--build-arg K=V ...] [--target STAGE] [--platform P] [--buildkit-version V]
                    [--baseline-build-arg K=V ... | --no-baseline-build-args] [--baseline-target STAGE]
                    [--baseline-platform P] [--format text|json]
  layerwise cache   [PATH ...] [--format text|json]
  layerwise layers  IMAGE [DOCKERFILE] [--build-arg K=V ...] [--target STAGE] [--format text|json]
  layerwise cache prune [PATH ...] [--dry-run (default) | --yes] [--keep-storage SIZE] [--format text|json]

  DOCKERFILE defaults to ./Dockerfile (a directory means DIR/Dockerfile); --context defaults to the Dockerfile's
  directory. Relative paths resolve against the current directory, like docker build.

  explain --since REV   baseline = the Dockerfile and context as committed at REV (default: HEAD);
                        current = the working tree on disk. Untracked files count as added.
  explain --changed P   only the listed paths count as changed (no git needed).
  --buildkit-version V  predict for an older builder, e.g. 0.8 for Docker 20.10 (default: current BuildKit).
  --platform P          the platform built for (docker build --platform; default: this machine's, e.g. linux/amd64).
  baseline options      how the baseline was built, when not like the current build: --baseline-build-arg K=V
                        (given at all, it replaces every current build arg), --no-baseline-build-args (it had
                        none), --baseline-target STAGE, --baseline-platform P.

  check PATH            Dockerfiles or folders (Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile*);
                        settings from .layerwise.yaml found upward from each Dockerfile.
  check --fix           apply every safe fix in place (and .dockerignore edits) and report what changed.
  --quiet, -q           no progress line on stderr (shown for check and history when stderr is a terminal).
  --format github       GitHub Actions annotations (workflow commands); --format markdown: a table for a PR
                        comment or a job summary (explain --format markdown: what the change rebuilds, per stage).
  --report FORMAT=FILE  check, explain: also write the result in FORMAT to FILE (repeatable), from the same run.

  history               replay the last N commits (default 100) that touched the context or the Dockerfile
                        and count how often each current step would have been rebuilt (first-parent history).
  import-build LOG      map a docker build --progress=plain or --progress=rawjson log (- for stdin) onto the
                        Dockerfile: cached/executed and duration per step, and where explain --since HEAD
                        (or --changed) disagrees with the real build.
  cache                 the Docker daemon's build cache (the daemon the docker CLI would use: DOCKER_HOST, else the
                        current docker context): each step's cached records, size, last use, use count; cache
                        mounts; stale records (older generations of a step); what maps onto no step.
  cache prune           lists the stale records it would delete; --yes deletes them (POST /build/prune, one record
                        at a time); --keep-storage SIZE deletes the least recently used stale ones down to SIZE.
  layers IMAGE          each layer of a built image (read from the daemon's export of it), the Dockerfile step
                        that made it (given DOCKERFILE), its size and its wasted bytes: files a later layer
                        deletes or overwrites, which every copy of the image still carries.

Exit codes: 0 success (check: nothing at or above the threshold), 1 check found issues, 2 usage or input error.`;

/** The current model (analysed once per run), after checking that the --target stage exists. */
function currentModel(a: ParsedArgs, text: string, where: string): Model {
  const m = analyze(text, buildOptions(a, 'current'));
  if (a.target !== undefined && m.target < 0) {
    const names = m.stages.filter((s) => s.name).map((s) => s.name);
    throw new CliError(`target stage "${a.target}" not found in ${where}${names.length ? ` (stages: ${names.join(', ')})` : ' (it has no named stages)'}`);
  }
  return m;
}

const EXPLAIN_FORMATS = ['text', 'json', 'markdown'];

function runExplain(a: ParsedArgs): number {
  requireFormats(a, 'explain', EXPLAIN_FORMATS);
  const df = readDockerfile(a.dockerfile);
  const contextDir = path.resolve(a.context ?? path.dirname(df.path));
  const model = currentModel(a, df.text, df.display);
  const current = loadDiskContext(contextDir, { dockerfilePath: df.path });
  let result: Explanation;
  let baselineLabel: string;
  const notes: string[] = [];
  if (a.changed) {
    const changed = a.changed.map((p) => toContextPath(p, contextDir));
    result = explain({
      current: { text: df.text, context: current, options: buildOptions(a, 'current') },
      baseline: { text: df.text, context: current, options: buildOptions(a, 'baseline') },
      changed,
      currentModel: model,
    });
    baselineLabel = `--changed ${a.changed.join(' ')}`;
  } else {
    const rev = a.since ?? 'HEAD';
    let since: ReturnType<typeof explainSinceGit>;
    try {
      since = explainSinceGit(a, model, df.text, current, contextDir, df.path, rev);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0] ?? '';
      // without --since the user may not know explain compares with a commit: say how to do without git
      if (a.since === undefined && /not a git repository|unknown revision/.test(msg))
        throw new CliError(`${msg} — explain compares with a commit (--since REV, default HEAD); without git, name the changed files: --changed PATH ...`);
      throw e;
    }
    const { base, gitDirRel } = since;
    result = since.result;
    // the repository's own .git folder is left out of the comparison: say so when the build would send it
    const ig = parseDockerignore(current.ignoreFile?.text ?? '');
    if (current.entry(gitDirRel) && !ig.ignores(gitDirRel))
      notes.push(`${gitDirRel}/ is in the build context (not in ${current.ignoreFile?.name ?? '.dockerignore'}): a real build would also rerun every step that copies it whenever it changes, i.e. on every commit. It is not compared here.`);
    baselineLabel = `${rev} (${base.commit.slice(0, 12)})`;
  }
  checkBaselineTarget(a, result);
  const meta = { dockerfile: df.display, context: displayPath(contextDir), baseline: baselineLabel, problems: current.problems, notes, sizes: contextSizes(result.model, current) };
  const render = (fmt: string, color: boolean): string =>
    fmt === 'json' ? renderExplainJson(result, meta) + '\n' : fmt === 'markdown' ? renderExplainMarkdown(result, { ...meta, buildLog: lastBuildLog(df.path) }) : renderExplainText(result, meta, color);
  for (const r of a.reports ?? []) writeReport(r.file, render(r.format, false));
  process.stdout.write(render(a.format, useColor()));
  return 0;
}

/** The last build log imported for this Dockerfile (by the editor), for measured step durations. */
function lastBuildLog(dockerfile: string): BuildLogMapping | null {
  const rec = loadBuildRecord(dockerfile);
  return rec ? { format: rec.format, steps: rec.steps, unmatched: [], problems: [] } : null;
}

function runGraph(a: ParsedArgs): number {
  const df = readDockerfile(a.dockerfile);
  const contextDir = path.resolve(a.context ?? path.dirname(df.path));
  const model = currentModel(a, df.text, df.display);
  const ctx = loadDiskContext(contextDir, { dockerfilePath: df.path });
  if (a.format === 'html') {
    process.stdout.write(renderGraphHtml(model, df.text, ctx, { dockerfile: df.display, context: displayPath(contextDir), contextDir, dockerfilePath: df.path }, a));
    return 0;
  }
  const fmt = a.format as GraphFormat;
  if (!['text', 'json', 'dot'].includes(fmt)) throw new CliError(`--format ${a.format} is not available for graph (text, json, dot, html)`);
  const shared = fmt === 'dot' ? undefined : graphSharing(df.path, df.text, contextDir, ctx, model, buildOptions(a, 'current'), Object.keys(a.buildArgs).length > 0 || a.target !== undefined);
  process.stdout.write(renderGraph(model, ctx, { dockerfile: df.display, context: displayPath(contextDir) }, fmt, useColor(), shared));
  return 0;
}

function toContextPath(p: string, contextDir: string): string {
  const abs = path.resolve(p);
  const rel = path.relative(contextDir, abs);
  const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  if (path.isAbsolute(p) || fs.existsSync(abs)) {
    if (!inside) throw new CliError(`--changed ${p}: not inside the build context ${displayPath(contextDir)}`);
    return rel.split(path.sep).join('/');
  }
  if (inside && fs.existsSync(path.dirname(abs))) return rel.split(path.sep).join('/');
  // not on disk relative to the current directory: take it as a context-relative path (e.g. a deleted file)
  return p.split(path.sep).join('/');
}

function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

function useColor(): boolean {
  return !!process.stdout.isTTY && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb';
}

export async function main(argv: string[], opts: { workerScript?: string } = {}): Promise<number> {
  let a: ParsedArgs;
  try {
    if (argv[0] === 'cache') return await runCache(argv.slice(1));
    if (argv[0] === 'layers') return await runLayers(argv.slice(1));
    a = parseArgs(argv);
    if (a.command === 'help') {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    if (a.command === 'version') {
      process.stdout.write(VERSION + '\n');
      return 0;
    }
    if (a.command === 'explain') return runExplain(a);
    if (a.command === 'graph') return runGraph(a);
    if (a.command === 'check') return await runCheck(a);
    if (a.command === 'history') return await runHistory(a, useColor(), opts.workerScript);
    if (a.command === 'import-build') return runImportBuild(a);
    throw new CliError(`unknown command "${a.command}" (try: layerwise explain, layerwise check, layerwise graph, layerwise history, layerwise import-build, layerwise --help)`);
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`layerwise: ${e.message}\n`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`layerwise: ${msg.split('\n')[0]}\n`);
    if (process.env['LAYERWISE_DEBUG']) process.stderr.write(String((e as Error)?.stack) + '\n');
    return 2;
  }
}

/** `main` for launchers (dist/cli.js through server/src/main.ts): resolves with the exit code. */
export const runMain = main;

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
