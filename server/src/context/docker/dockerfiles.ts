// The Dockerfiles a build-cache report maps records onto: those under the given paths (as `check` finds them),
// each analysed with its `.layerwise.yaml` build args and target. Throws Error with a one-line message.
import fs = require('node:fs');
import path = require('node:path');
import { analyze } from '../../engine';
import type { CacheDockerfile } from '../../engine/buildcache';
import { globMatcher } from '../../engine/glob';
import { findConfig, loadConfig } from '../config';
import { findDockerfiles, isDockerfileName } from '../discover';
import { ProjectFiles, samePath } from '../projects';
import { workspaceBuilds } from '../shared';

/**
 * How many ways the workspace builds `file`: the distinct target / build-arg sets of the compose services and bake
 * targets that build it (1 when none does). A project file that cannot be read counts as unknown: 2, so that nothing
 * is called stale on a guess.
 */
function configurationsOf(file: string, projects: ProjectFiles): number {
  const pr = projects.resolve(file);
  if (pr.problems.length) return 2;
  if (!pr.project) return 1;
  const { builds, problems } = workspaceBuilds(file, projects);
  if (problems.length) return 2;
  const ways = new Set(
    builds
      .filter((b) => samePath(b.dockerfile, file))
      .map((b) => JSON.stringify([b.target ?? null, Object.entries(b.buildArgs).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))])),
  );
  return Math.max(1, ways.size);
}

export function loadCacheDockerfiles(paths: string[], o: { buildkitVersion?: string; display?: (abs: string) => string } = {}): CacheDockerfile[] {
  const files: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    let st: fs.Stats;
    try { st = fs.statSync(p); } catch { throw new Error(`no such file or directory: ${p}`); }
    if (st.isDirectory()) files.push(...findDockerfiles(path.resolve(p)).filter((f) => isDockerfileName(path.basename(f))));
    else files.push(path.resolve(p));
  }
  const out: CacheDockerfile[] = [];
  const projects = new ProjectFiles();
  for (const file of [...new Set(files)]) {
    const loaded = loadConfig(findConfig(path.dirname(file)));
    const cfgBase = loaded.file ? path.dirname(loaded.file) : process.cwd();
    const relToCfg = path.relative(cfgBase, file).split(path.sep).join('/');
    if (loaded.config.ignore.some((g) => globMatcher(g)(relToCfg))) continue;
    const per = loaded.config.dockerfiles[relToCfg] ?? {};
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    const model = analyze(text, {
      buildArgs: { ...loaded.config.buildArgs, ...(per.buildArgs ?? {}) },
      target: per.target ?? loaded.config.target,
      buildkitVersion: o.buildkitVersion ?? '0.8',
    });
    out.push({ dockerfile: o.display ? o.display(file) : file, model, configurations: configurationsOf(file, projects) });
  }
  return out;
}
