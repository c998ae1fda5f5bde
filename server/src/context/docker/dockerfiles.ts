// The Dockerfiles a build-cache report maps records onto: those under the given paths (as `check` finds them),
// each analysed with its `.layerwise.yaml` build args and target. Throws Error with a one-line message.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../../engine';
import type { CacheDockerfile } from '../../engine/buildcache';
import { globMatcher } from '../../engine/glob';
import { findConfig, loadConfig } from '../config';
import { findDockerfiles, isDockerfileName } from '../discover';

export function loadCacheDockerfiles(paths: string[], o: { buildkitVersion?: string; display?: (abs: string) => string } = {}): CacheDockerfile[] {
  const files: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    let st: fs.Stats;
    try { st = fs.statSync(p); } catch { throw new Error(`no such file or directory: ${p}`); }
    if (st.isDirectory()) files.push(...findDockerfiles(path.resolve(p)).filter((f) => isDockerfileName(path.basename(f))));
    else files.push(path.resolve(p));
  }
  const out: CacheDockerfile[] = [];
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
    out.push({ dockerfile: o.display ? o.display(file) : file, model });
  }
  return out;
}
