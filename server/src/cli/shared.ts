// Shared layers for `layerwise graph`: the other builds of the Dockerfile's workspace (context/shared.ts) compared
// with this one (engine/shared.ts). Thin: reading is the context layer's, analysis the engine's.
import path = require('node:path');
import type { AnalyzeOptions, ContextSnapshot, Model } from '../engine';
import { divergencesJson, sharedLayers, type MemberSharing, type SiblingBuild } from '../engine/shared';
import { asSiblings, loadMembers, workspaceBuilds, type SiblingReuse } from '../context/shared';
import { ProjectFiles } from '../context/projects';

export interface GraphSharing {
  /** What this build is compared as: "this build" (the command line's options) or the compose service / bake target. */
  build: string;
  sharing: MemberSharing;
  /** The other builds compared. */
  others: { build: string; dockerfile: string }[];
  problems: string[];
}

/**
 * This build's sharing with the other builds of its workspace, and what could not be read. Without `--build-arg` and
 * `--target` (`explicit` false), a Dockerfile a compose service or bake target builds from this context is compared as
 * that build (its args and target), so it is not compared with itself.
 */
function display(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
}

/** What one `check` run keeps between the Dockerfiles it checks (they are often each other's siblings). */
export interface SiblingRun {
  /** Builds met so far: one met again with the same text, context object, args and target is given as the same
   *  SiblingBuild object, so the engine analyses it once for all the Dockerfiles it is a sibling of. */
  builds: SiblingReuse;
  /** Dockerfile texts read so far (the run updates a file it rewrites). */
  readText?: (abs: string) => string | undefined;
  /** The compose, bake and config files read so far (each parsed once per version of the file, by its stat). */
  projects?: ProjectFiles;
}

/** The other builds of a Dockerfile's workspace for `check` (CheckOptions.siblings), and what could not be read. */
export function checkSiblings(
  dockerfile: string,
  text: string,
  contextDir: string,
  ctx: ContextSnapshot,
  options: AnalyzeOptions,
  contextFor?: (dir: string, dockerfile: string) => ContextSnapshot | null,
  run?: SiblingRun,
): { siblings: SiblingBuild[]; problems: string[] } {
  const { builds, problems } = workspaceBuilds(dockerfile, run?.projects ?? new ProjectFiles());
  const loaded = loadMembers({ dockerfile, contextDir, text, context: ctx, options }, builds, { display, ...(contextFor ? { contextFor } : {}), ...(run?.readText ? { readText: run.readText } : {}) });
  const siblings = asSiblings(loaded.members.slice(1), run?.builds);
  return { siblings, problems: [...problems, ...loaded.problems] };
}

export function graphSharing(dockerfile: string, text: string, contextDir: string, ctx: ContextSnapshot, model: Model, options: AnalyzeOptions, explicit: boolean): GraphSharing {
  const { builds, project, problems } = workspaceBuilds(dockerfile, new ProjectFiles());
  const common: AnalyzeOptions = { buildkitVersion: options.buildkitVersion, buildPlatform: options.buildPlatform, ...(options.platform ? { platform: options.platform } : {}) };
  const asProject = !explicit && project && path.resolve(project.contextDir) === path.resolve(contextDir);
  const current = asProject
    ? { name: project.label, dockerfile, contextDir, text, context: ctx, options: { ...options, buildArgs: project.build.args, ...(project.build.target ? { target: project.build.target } : {}) } }
    : { dockerfile, contextDir, text, context: ctx, options };
  const loaded = loadMembers(current, builds, { display, options: common });
  const members = loaded.members;
  if (!asProject) members[0]!.model = model;
  return { build: members[0]!.name, sharing: sharedLayers(members).members[0]!, others: members.slice(1).map((m) => ({ build: m.name, dockerfile: m.dockerfile })), problems: [...problems, ...loaded.problems] };
}

/** Text lines under a step in `graph` text: who shares it, where it diverges. */
export function sharingTextLines(ms: MemberSharing, stepId: number): string[] {
  const out: string[] = [];
  const refs = ms.sharedWith.get(stepId);
  if (refs?.length) out.push(`shared with ${refs.map((r) => `${r.name} (${r.dockerfile}:${r.line})`).join(', ')}`);
  for (const d of ms.divergences) if (d.step === stepId) out.push(`diverges from ${d.other.name} (${d.other.dockerfile}:${d.other.line}): ${d.reasons.map((r) => r.message).join('; ')}`);
  return out;
}

/** The top-level `"sharing"` of `graph --format json`. */
export function sharingJson(g: GraphSharing): object {
  return { build: g.build, builds: g.others, divergences: divergencesJson(g.sharing), problems: g.problems };
}
