// Shared layers in the hover: which other builds of the workspace (compose services, bake targets, sibling Dockerfiles)
// share this step's cache key, and where this build stops sharing with one that could. Translation only: the builds
// come from context/shared.ts, the comparison from engine/shared.ts. Trusted workspaces only (it reads other files).
import path = require('node:path');
import type { ContextSnapshot, Step } from '../engine';
import { lineRuns, sharedLayers, type MemberSharing } from '../engine/shared';
import { loadMembers, workspaceBuilds } from '../context/shared';
import type { DocAnalysis } from './analysis';
import { analyzeOptions, loadContext, resolveContext, workspaceRelative, type ResolvedContext } from './resolve';
import type { SiblingsRef } from './worker';
import type { ServerState } from './state';
import { uriToPath } from './uri';

/** The workspace folder holding a file (the innermost), where the search for its other builds stops. */
function folderOf(s: ServerState, file: string): string | undefined {
  return s.folders.filter((f) => file.startsWith(f + path.sep)).sort((x, y) => y.length - x.length)[0];
}

/**
 * How long a document's list of builds (its project file's, else the Dockerfiles beside it) is reused: every analysis
 * asks (siblingsRef), and listing the folder and stating each Dockerfile in it was 1.8 s of a storm's 28 s of
 * protocol-thread work. Every file event forgets them (forgetWorkspaceBuilds, from files.ts: a Dockerfile created
 * beside it); the time bounds what a change nobody reported can miss, as for project resolutions (resolve.ts).
 */
const BUILDS_TTL_MS = 1000;
const buildLists = new Map<string, { at: number; projects: object; value: ReturnType<typeof workspaceBuilds> }>();

/** A file changed on disk (or a project file did): list the builds again. */
export function forgetWorkspaceBuilds(): void {
  buildLists.clear();
}

function buildsOf(s: ServerState, file: string): ReturnType<typeof workspaceBuilds> {
  const folder = folderOf(s, file);
  const key = `${file}\u0000${folder ?? ''}`;
  const now = Date.now();
  const hit = buildLists.get(key);
  if (hit && hit.projects === s.projects && now - hit.at < BUILDS_TTL_MS) return hit.value;
  const value = workspaceBuilds(file, s.projects, folder);
  buildLists.set(key, { at: now, projects: s.projects, value });
  if (buildLists.size > 256) buildLists.delete(buildLists.keys().next().value!);
  return value;
}

/**
 * The other builds of the document's workspace for its analysis (needless-divergence runs in the worker as `check`
 * runs in the CLI): found here (project files are cached by ProjectFiles), loaded in the worker. Null when untrusted,
 * not a file, without a context, with the rule off, or with no other build.
 */
export function siblingsRef(s: ServerState, uri: string, rc: ResolvedContext, text: (file: string) => string | undefined): SiblingsRef | null {
  if (!s.trusted || !rc.dir || rc.severities['needless-divergence'] === 'off') return null;
  const file = uriToPath(uri);
  if (!file) return null;
  const { builds } = buildsOf(s, file);
  if (!builds.some((b) => b.dockerfile !== file || b.contextDir !== rc.dir)) return null;
  const display: Record<string, string> = {};
  const open: Record<string, string> = {};
  for (const abs of [file, rc.dir, ...builds.flatMap((b) => [b.dockerfile, b.contextDir])]) display[abs] = workspaceRelative(s, abs) || path.basename(abs);
  for (const b of builds) {
    const t = b.dockerfile === file ? undefined : text(b.dockerfile);
    if (t !== undefined) open[b.dockerfile] = t;
  }
  return { builds, display, open, dockerfile: file };
}

/** This document's sharing with the other builds of its workspace, or null (untrusted, no context, no other build). */
export async function documentSharing(s: ServerState, a: DocAnalysis): Promise<MemberSharing | null> {
  if (!s.trusted || !s.store) return null;
  const file = uriToPath(a.uri);
  if (!file) return null;
  const rc = resolveContext(s, a.uri);
  if (!rc.dir) return null;
  const { builds } = buildsOf(s, file);
  if (!builds.some((b) => b.dockerfile !== file || b.contextDir !== rc.dir)) return null;
  const { ctx } = await loadContext(s, rc);
  if (!ctx) return null;
  const contexts = new Map<string, ContextSnapshot | null>();
  for (const b of builds) contexts.set(b.contextDir + '\u0000' + b.dockerfile, (await s.store.get(b.contextDir, b.dockerfile)).ctx);
  const open = new Map(s.documents.all().map((d) => [uriToPath(d.uri), d.getText()]));
  const options = analyzeOptions(s, rc);
  const { buildArgs: _a, target: _t, ...common } = options;
  const { members } = loadMembers({ dockerfile: file, contextDir: rc.dir, text: a.text, context: ctx, options }, builds, {
    display: (abs) => workspaceRelative(s, abs) || path.basename(abs),
    readText: (abs) => open.get(abs),
    contextFor: (dir, df) => contexts.get(dir + '\u0000' + df) ?? null,
    options: common,
  });
  if (members.length < 2) return null;
  // the same texts, options and context snapshots as the last hover of this document: the same answer
  const key = JSON.stringify(members.map((m) => [m.name, m.dockerfile, m.text, m.options]));
  const last = memo.get(a.uri);
  if (last && last.key === key && last.contexts.length === members.length && last.contexts.every((c, i) => c === members[i]!.context)) return last.value;
  const value = sharedLayers(members).members[0]!;
  memo.set(a.uri, { key, contexts: members.map((m) => m.context), value });
  if (memo.size > 64) memo.delete(memo.keys().next().value!);
  return value;
}

/** The last comparison per document (its inputs: texts and options as a key, context snapshots by identity). */
const memo = new Map<string, { key: string; contexts: ContextSnapshot[]; value: MemberSharing }>();

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Hover lines for a step: who shares it (and the run of lines shared with the same builds), where it diverges. */
export function sharingHover(ms: MemberSharing, step: Step): string[] {
  const out: string[] = [];
  const refs = ms.sharedWith.get(step.id);
  if (refs?.length) {
    const builds = [...new Set(refs.map((r) => r.name))];
    // the run of this stage's steps shared with the same builds
    const same = ms.model.stages[step.stage]!.steps.filter((id) => {
      const r = ms.sharedWith.get(id);
      return r && builds.every((b) => r.some((x) => x.name === b));
    });
    const lines = lineRuns(same.map((id) => ms.model.steps[id]!.line + 1));
    out.push(`**Shared layer** — line${same.length === 1 ? '' : 's'} ${lines} ${same.length === 1 ? 'is' : 'are'} shared with ${plural(builds.length, 'other build')}: built once, cached for all`);
    for (const r of refs) out.push(`- ${r.name}: \`${r.dockerfile}\` line ${r.line}`);
  }
  const divs = ms.divergences.filter((d) => d.step === step.id);
  if (divs.length && out.length) out.push('');
  if (divs.length) out.push(`**Diverges** — written as in ${plural(new Set(divs.map((d) => d.other.name)).size, 'other build')}, on a shared parent, but keyed differently:`);
  for (const d of divs) {
    out.push(`- from ${d.other.name} (\`${d.other.dockerfile}\` line ${d.other.line}): ${d.reasons.map((r) => r.message).join('; ')}${d.lost > 1 ? ` — ${d.lost} steps written the same are not shared` : ''}`);
  }
  return out;
}

/** How long a hover waits for the other builds (their contexts may need a crawl); later hovers find them cached. */
export const SHARING_WAIT_MS = 1500;

/** The hover's shared-layer lines for a step, or none when the comparison is not ready within SHARING_WAIT_MS (or `ms`, what is left of the hover's budget). */
export async function sharingHoverFor(s: ServerState, a: DocAnalysis, step: Step, ms = SHARING_WAIT_MS): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), Math.min(ms, SHARING_WAIT_MS))));
  try {
    const ms = await Promise.race([documentSharing(s, a), late]);
    return ms ? sharingHover(ms, step) : [];
  } catch (e) {
    s.logError('shared layers', e);
    return [];
  } finally {
    clearTimeout(timer);
  }
}
