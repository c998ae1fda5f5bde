// Reading the Dockerfile the user named, with clear errors for what can go wrong.
import fs = require('node:fs');
import path = require('node:path');
import { CliError, type ParsedArgs } from './args';
import { explain, readSelects, type AnalyzeOptions, type ContextSnapshot, type Explanation, type Model } from '../engine';
import { gitBaseline } from '../context';
import { hostPlatform } from '../context/platform';

export const MAX_DOCKERFILE_BYTES = 16 * 1024 * 1024;

export function readDockerfile(arg: string | undefined): { path: string; display: string; text: string } {
  let p = path.resolve(arg ?? 'Dockerfile');
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new CliError(`no such Dockerfile: ${arg ?? './Dockerfile'}`);
  }
  if (st.isDirectory()) {
    const inDir = ['Dockerfile', 'Containerfile', 'dockerfile'].map((n) => path.join(p, n)).find((c) => fs.existsSync(c));
    if (!inDir) throw new CliError(`${arg}: is a directory with no Dockerfile or Containerfile in it`);
    p = inDir;
    st = fs.statSync(p);
  }
  if (!st.isFile()) throw new CliError(`${arg}: not a regular file`);
  if (st.size > MAX_DOCKERFILE_BYTES) throw new CliError(`${arg}: ${st.size} bytes is too large for a Dockerfile (limit ${MAX_DOCKERFILE_BYTES})`);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(p);
  } catch (e) {
    throw new CliError(`cannot read ${arg ?? p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf.includes(0)) throw new CliError(`${arg ?? p}: binary file, not a Dockerfile`);
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rel = path.relative(process.cwd(), p);
  return { path: p, display: rel.startsWith('..') ? p : rel, text };
}

/**
 * Analysis options for the current build or the baseline build. The baseline takes the current build args unless
 * `--baseline-build-arg` (replaces them all) or `--no-baseline-build-args` says otherwise, and `--baseline-target` /
 * `--baseline-platform` when given.
 */
export function buildOptions(a: ParsedArgs, which: 'current' | 'baseline'): AnalyzeOptions {
  const base = which === 'baseline';
  const buildArgs = !base ? a.buildArgs : a.noBaselineBuildArgs ? {} : (a.baselineBuildArgs ?? a.buildArgs);
  const target = base && a.baselineTarget !== undefined ? a.baselineTarget : a.target;
  const platform = base && a.baselinePlatform !== undefined ? a.baselinePlatform : a.platform;
  const o: AnalyzeOptions = { buildArgs, target, buildkitVersion: a.buildkitVersion, buildPlatform: hostPlatform() };
  if (platform !== undefined) o.platform = platform;
  return o;
}

/** `--baseline-target` names a stage the baseline Dockerfile must have. */
export function checkBaselineTarget(a: ParsedArgs, result: Explanation): void {
  if (a.baselineTarget === undefined || !result.baseline || result.baseline.target >= 0) return;
  const names = result.baseline.stages.filter((s) => s.name).map((s) => s.name);
  throw new CliError(`baseline target stage "${a.baselineTarget}" not found in the baseline Dockerfile${names.length ? ` (stages: ${names.join(', ')})` : ' (it has no named stages)'}`);
}

/** Context paths the model's built steps read (COPY/ADD sources, bind mounts): the ones whose git stat data is checked. */
export function readByModel(model: Model): (rel: string) => boolean {
  const reads = model.steps.filter((s) => model.stages[s.stage]!.needed).flatMap((s) => s.contextReads);
  return (rel) => reads.some((r) => readSelects(r, rel));
}

/**
 * The current build explained against the Dockerfile and context committed at `rev` (explain --since, graph --format
 * html): git's hint of changed paths, stat data checked for the paths the steps read, the build and baseline options
 * of the command line. The repository's own `.git` folder is left out (git cannot say what it held at `rev`).
 */
export function explainSinceGit(a: ParsedArgs, model: Model, text: string, ctx: ContextSnapshot, contextDir: string, dockerfilePath: string, rev: string): { result: Explanation; base: ReturnType<typeof gitBaseline>; gitDirRel: string } {
  const base = gitBaseline({ contextDir, dockerfilePath, rev, statCheck: readByModel(model) });
  const gitDirRel = path.relative(contextDir, path.join(base.repoRoot, '.git')).split(path.sep).join('/');
  const result = explain({
    current: { text, context: ctx, options: buildOptions(a, 'current') },
    baseline: { text: base.dockerfileText, context: base.context as ContextSnapshot, options: buildOptions(a, 'baseline') },
    changedHint: base.changedHint,
    sameStat: base.sameStat,
    currentModel: model,
    exclude: (p) => p === gitDirRel || p.startsWith(gitDirRel + '/'),
  });
  return { result, base, gitDirRel };
}
