// Build settings per document: which context directory, build args, target and rule severities a Dockerfile (or a
// `.dockerignore`) is built with, from settings > `.layerwise.yaml` > compose/bake > the Dockerfile's folder; and
// the crawled context for it. Reads state; changes nothing but the log.
import path = require('node:path');
import { globMatcher } from '../engine/glob';
import { mergeBuildLayers, type AnalyzeOptions, type BuildLayer, type ContextSnapshot } from '../engine';
import type { ConfigProblem } from '../context/projects';
import { hostPlatform } from '../context/platform';
import type { SeveritySetting } from './settings';
import type { ServerState } from './state';
import { uriToPath } from './uri';

export interface ResolvedContext {
  dir: string | null;
  dockerfilePath: string | null;
  buildArgs: Record<string, string>;
  target: string | undefined;
  /** Rule severities: `.layerwise.yaml` `rules:` under the `layerwise.rules` setting. */
  severities: Record<string, SeveritySetting>;
  /** `.layerwise.yaml` `unreadContextLimit` (bytes), when set. */
  unreadContextLimit?: number;
  /** Where the context directory came from (settings, `.layerwise.yaml`, `compose.yaml service "web"`, folder). */
  contextFrom: string;
  /** An invalid `.layerwise.yaml` (reported, then ignored). */
  configError: ConfigProblem | null;
  /** `.layerwise.yaml` `ignore:` lists this Dockerfile: no findings. */
  ignored: boolean;
}

export function resolveContext(s: ServerState, uri: string, ignoreDoc = false): ResolvedContext {
  const { settings } = s;
  const file = uriToPath(uri);
  const res: ResolvedContext = {
    dir: null,
    dockerfilePath: file,
    buildArgs: settings.buildArgs,
    target: settings.target,
    severities: settings.rules,
    contextFrom: 'the Dockerfile\'s folder',
    configError: null,
    ignored: false,
  };
  if (!file) return res;
  let dockerfile = file;
  if (ignoreDoc) {
    // `<Dockerfile>.dockerignore` belongs to that Dockerfile; `.dockerignore` to the folder it is in
    dockerfile = path.basename(file) === '.dockerignore' ? path.join(path.dirname(file), 'Dockerfile') : file.replace(/\.dockerignore$/i, '');
    res.dockerfilePath = dockerfile;
  }
  const folder = s.folders.filter((f) => dockerfile === f || dockerfile.startsWith(f + path.sep)).sort((a, b) => b.length - a.length)[0];
  const base = folder ?? path.dirname(dockerfile);
  // precedence: settings > .layerwise.yaml > compose/bake > the Dockerfile's folder
  const layers: BuildLayer[] = [];
  for (const m of settings.contexts) {
    const rel = path.relative(base, dockerfile).split(path.sep).join('/');
    const hit = path.resolve(base, m.dockerfile) === dockerfile || (!rel.startsWith('..') && globMatcher(m.dockerfile)(rel));
    if (hit) {
      layers.push({ source: 'settings', label: `the layerwise.contexts setting "${m.dockerfile}"`, contextDir: path.resolve(base, m.context), buildArgs: m.buildArgs, target: m.target });
      break;
    }
  }
  layers.push({ source: 'settings', label: 'settings', buildArgs: settings.buildArgs, target: settings.target });
  if (s.trusted) projectLayers(s, res, layers, dockerfile, folder, ignoreDoc);
  const folderOnly = ignoreDoc && path.basename(file) === '.dockerignore';
  const merged = mergeBuildLayers(folderOnly ? [] : layers, path.dirname(folderOnly ? file : dockerfile));
  res.dir = merged.contextDir;
  res.buildArgs = merged.buildArgs;
  res.target = merged.target;
  res.contextFrom = merged.contextFrom;
  return res;
}

/**
 * How long a project-file resolution is reused. Every analysis, forecast, `.dockerignore` user and context event
 * resolves its Dockerfiles, and each resolution stats a dozen candidate files (under a storm: 2.5 s of the protocol
 * thread's 19 s). A project-file event forgets them all at once (forgetProjectResolutions); the time bounds what a
 * change nobody reported can miss.
 */
const RESOLUTION_TTL_MS = 1000;
const resolutions = new Map<string, { at: number; projects: object; value: ReturnType<ServerState['projects']['resolve']> }>();

/** A compose/bake/.layerwise.yaml file changed (or settings did): resolve again. */
export function forgetProjectResolutions(): void {
  resolutions.clear();
}

function resolveProjects(s: ServerState, dockerfile: string, folder: string | undefined): ReturnType<ServerState['projects']['resolve']> {
  const key = `${dockerfile}\u0000${folder ?? ''}`;
  const now = Date.now();
  const hit = resolutions.get(key);
  if (hit && hit.projects === s.projects && now - hit.at < RESOLUTION_TTL_MS) return hit.value;
  const value = s.projects.resolve(dockerfile, folder);
  resolutions.set(key, { at: now, projects: s.projects, value });
  if (resolutions.size > 256) resolutions.delete(resolutions.keys().next().value!);
  return value;
}

/** The `.layerwise.yaml` and compose/bake layers for a Dockerfile (trusted workspaces only). */
function projectLayers(s: ServerState, res: ResolvedContext, layers: BuildLayer[], dockerfile: string, folder: string | undefined, ignoreDoc: boolean): void {
  const pr = resolveProjects(s, dockerfile, folder);
  res.configError = pr.configError;
  for (const p of pr.problems) if (!s.loggedProblems.has(p)) (s.loggedProblems.add(p), s.log(`project file skipped: ${p}`));
  if (pr.config) {
    const cfgName = path.basename(pr.config.file);
    if (pr.configEntry)
      layers.push({ source: 'config', label: cfgName, contextDir: pr.configContextDir ?? undefined, buildArgs: pr.configEntry.buildArgs, target: pr.configEntry.target });
    layers.push({ source: 'config', label: cfgName, buildArgs: pr.config.config.buildArgs, target: pr.config.config.target });
    res.severities = { ...pr.config.config.rules, ...s.settings.rules };
    res.unreadContextLimit = pr.config.config.unreadContextLimit;
    res.ignored = pr.ignored && !ignoreDoc;
  }
  if (pr.project)
    layers.push({ source: 'project', label: pr.project.label, contextDir: pr.project.contextDir, buildArgs: pr.project.build.args, target: pr.project.build.target });
}

/** The engine's options for a document with these build settings. */
export function analyzeOptions(s: ServerState, rc: ResolvedContext): AnalyzeOptions {
  return { buildArgs: rc.buildArgs, target: rc.target, buildkitVersion: s.settings.buildkitVersion, platform: s.settings.platform, buildPlatform: hostPlatform() };
}

/** Why there is no build context to read (untrusted, not on disk), or null. */
export function noContextNote(s: ServerState, rc: ResolvedContext): string | null {
  return !s.trusted ? 'untrusted workspace: the build context is not read' : !rc.dir ? 'not a file on disk: no build context' : null;
}

/** The crawled build context (protocol thread's store), or why there is none. */
export async function loadContext(s: ServerState, rc: ResolvedContext): Promise<{ ctx: ContextSnapshot | null; note: string | null; error: string | null }> {
  const note = noContextNote(s, rc);
  if (note || !s.store) return { ctx: null, note: note ?? 'not a file on disk: no build context', error: null };
  const r = await s.store.get(rc.dir!, rc.dockerfilePath ?? undefined);
  if (!r.ctx) return { ctx: null, note: r.error ?? 'the build context could not be read', error: r.error };
  return { ctx: r.ctx, note: null, error: null };
}

/** `x` relative to the first workspace folder: '' for the folder itself, `x` itself outside it. */
export function workspaceRelative(s: ServerState, x: string): string {
  const r = s.folders.length ? path.relative(s.folders[0]!, x) : x;
  return r.startsWith('..') ? x : r;
}
