// The other builds of a Dockerfile's workspace, for shared layers (engine/shared.ts): every build of the compose or
// bake file that builds the Dockerfile (the nearest, as ProjectFiles resolves it), else the sibling Dockerfiles in its
// folder (each with its folder as context). Reads project files, Dockerfiles and contexts; never throws: what cannot be
// read becomes a problem line.
import fs = require('node:fs');
import path = require('node:path');
import { isRemoteContext } from '../engine/projects';
import type { ContextSnapshot } from '../engine/context';
import type { AnalyzeOptions } from '../engine/model';
import type { SharedMember, SiblingBuild } from '../engine/shared';
import { isDockerfileName } from './discover';
import { loadDiskContext } from './disk';
import { samePath, type ProjectFiles, type ProjectMatch } from './projects';

export interface WorkspaceBuild {
  /** `compose.yaml service "web"`, `docker-bake.hcl target "api"`, or the Dockerfile's name. */
  name: string;
  dockerfile: string;
  contextDir: string;
  buildArgs: Record<string, string>;
  target?: string;
}

/** Builds beyond this many are left out (said in the problems). */
export const MAX_BUILDS = 32;
/** A Dockerfile larger than this is not compared (said in the problems). */
export const MAX_DOCKERFILE_BYTES = 2 * 1024 * 1024;

/** Every local build of the project file that builds `dockerfile`, else its sibling Dockerfiles (this one included). */
export function workspaceBuilds(dockerfile: string, projects: ProjectFiles, stopAt?: string): { builds: WorkspaceBuild[]; project: ProjectMatch | null; problems: string[] } {
  const df = path.resolve(dockerfile);
  const problems: string[] = [];
  const builds: WorkspaceBuild[] = [];
  const pr = projects.resolve(df, stopAt);
  if (pr.project) {
    const file = pr.project.file;
    const dir = path.dirname(file);
    const p = projects.parseProject(file);
    for (const e of p.errors) problems.push(`${file}: ${e}`);
    for (const b of p.builds) {
      if (isRemoteContext(b.context)) continue;
      const ctx = path.resolve(dir, b.context);
      const kind = b.kind === 'compose' ? `service "${b.name}"` : `target "${b.name}"`;
      builds.push({ name: `${path.basename(file)} ${kind}`, dockerfile: path.resolve(ctx, b.dockerfile), contextDir: ctx, buildArgs: b.args, ...(b.target ? { target: b.target } : {}) });
    }
    return { builds, project: pr.project, problems };
  }
  const dir = path.dirname(df);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter(isDockerfileName).sort();
  } catch (e) {
    problems.push(`${dir}: cannot list: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  for (const n of names) {
    const f = path.join(dir, n);
    try {
      if (!fs.lstatSync(f).isFile()) continue;
    } catch {
      continue;
    }
    builds.push({ name: n, dockerfile: f, contextDir: dir, buildArgs: {} });
  }
  return { builds, project: null, problems };
}

const sameArgs = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a).sort();
  return JSON.stringify(ka) === JSON.stringify(Object.keys(b).sort()) && ka.every((k) => a[k] === b[k]);
};

export interface MemberSources {
  /** Path as shown (relative to the workspace or the current directory). */
  display: (abs: string) => string;
  /** Text of a Dockerfile open in an editor (unsaved edits), else it is read from disk. */
  readText?: (abs: string) => string | undefined;
  /** A crawled context (an editor's store), else it is crawled here. */
  contextFor?: (dir: string, dockerfile: string) => ContextSnapshot | null;
  /** Options every build shares (builder version, platforms). */
  options?: AnalyzeOptions;
}

/**
 * The members for `sharedLayers`: `current` first (named "this build" unless named), then every other build — a build with the
 * current one's Dockerfile, context, args and target is the current one and left out.
 */
export function loadMembers(
  current: { name?: string; dockerfile: string; contextDir: string; text: string; context: ContextSnapshot; options: AnalyzeOptions },
  builds: WorkspaceBuild[],
  src: MemberSources,
): { members: SharedMember[]; problems: string[] } {
  const problems: string[] = [];
  const members: SharedMember[] = [{ name: current.name ?? 'this build', dockerfile: src.display(current.dockerfile), text: current.text, context: current.context, options: current.options }];
  const contexts = new Map<string, ContextSnapshot | null>();
  let n = 0;
  for (const b of builds) {
    const same = samePath(b.dockerfile, current.dockerfile) && samePath(b.contextDir, current.contextDir) && sameArgs(b.buildArgs, current.options.buildArgs ?? {}) && (b.target ?? undefined) === (current.options.target ?? undefined);
    if (same) continue;
    if (++n > MAX_BUILDS) {
      problems.push(`more than ${MAX_BUILDS} builds: the rest are not compared`);
      break;
    }
    let text = src.readText?.(b.dockerfile);
    if (text === undefined) {
      try {
        const st = fs.statSync(b.dockerfile);
        if (st.size > MAX_DOCKERFILE_BYTES) {
          problems.push(`${src.display(b.dockerfile)}: ${st.size} bytes, too large to compare`);
          continue;
        }
        text = fs.readFileSync(b.dockerfile, 'utf8');
      } catch (e) {
        problems.push(`${b.name}: ${src.display(b.dockerfile)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        continue;
      }
    }
    const key = b.contextDir + '\u0000' + b.dockerfile;
    let ctx = contexts.get(key);
    let why = 'could not be read';
    if (ctx === undefined) {
      try {
        ctx = src.contextFor ? src.contextFor(b.contextDir, b.dockerfile) : loadDiskContext(b.contextDir, { dockerfilePath: b.dockerfile });
      } catch (e) {
        ctx = null;
        why = (e as Error).message.split('\n')[0] ?? why;
      }
      contexts.set(key, ctx);
    }
    if (!ctx) {
      problems.push(`${b.name}: its build context ${src.display(b.contextDir)}: ${why}`);
      continue;
    }
    members.push({ name: b.name, dockerfile: src.display(b.dockerfile), text, context: ctx, options: { ...(src.options ?? {}), buildArgs: b.buildArgs, ...(b.target ? { target: b.target } : {}) } });
  }
  return { members, problems };
}

/**
 * SiblingBuild objects handed out before, by what they hold: the engine analyses a sibling once per object
 * (engine/shared.ts), so a caller that meets the same build again (the CLI checking the Dockerfiles of one folder, the
 * editor's worker analysing a document edit after edit) gets the same object back while its text, args, target and
 * context are unchanged. The context counts as unchanged only while it is the same object and reports the same
 * `revision` and `statGeneration` (a snapshot changed in place says so there; one that reports no revision is never
 * reused).
 */
export type SiblingReuse = Map<string, { build: SiblingBuild; context: ContextSnapshot; stamp: string }>;

/** loadMembers' other builds as `check`'s CheckOptions.siblings (needless-divergence), reusing `reuse`'s objects. */
export function asSiblings(members: SharedMember[], reuse?: SiblingReuse): SiblingBuild[] {
  return members.map((m) => {
    const b: SiblingBuild = { name: m.name, dockerfile: m.dockerfile, text: m.text, context: m.context, buildArgs: m.options?.buildArgs ?? {}, ...(m.options?.target ? { target: m.options.target } : {}) };
    if (!reuse || m.context.revision === undefined) return b;
    // one entry per build (the latest text): an edited sibling replaces its entry, and what the engine built for the
    // old object goes with it
    const key = JSON.stringify([b.name, b.dockerfile, b.buildArgs, b.target ?? null]);
    const stamp = `${m.context.revision}/${m.context.statGeneration ?? 0}`;
    const seen = reuse.get(key);
    if (seen && seen.build.text === b.text && seen.context === m.context && seen.stamp === stamp) return seen.build;
    reuse.delete(key);
    if (reuse.size >= MAX_REUSED_SIBLINGS) reuse.delete(reuse.keys().next().value!);
    reuse.set(key, { build: b, context: m.context, stamp });
    return b;
  });
}

/** At most this many builds are kept for reuse (the oldest goes first). */
const MAX_REUSED_SIBLINGS = 64;
