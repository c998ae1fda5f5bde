// `layerwise/explain`: which steps rebuild since a git revision (default HEAD), as the CLI's `explain --format json`
// says it (the engine's explanationJson). Trusted workspaces, files on disk only.
import fs = require('node:fs');
import path = require('node:path');
import { ResponseError } from 'vscode-languageserver';
import { contextSizes, explain, explanationJson, type ContextSnapshot, type ExplainInput, type Explanation } from '../../engine';
import { gitBaseline } from '../../context';
import { analyzeOptions, loadContext, resolveContext, workspaceRelative, type ResolvedContext } from '../resolve';
import type { ServerState } from '../state';
import { uriToPath } from '../uri';

type GitBaseline = ReturnType<typeof gitBaseline>;

/** Explains `text` (with its crawled context `ctx`, so `rc.dir` is set) against the Dockerfile and context at `rev`. */
export function explainSince(
  s: ServerState,
  rc: ResolvedContext,
  file: string,
  text: string,
  ctx: ContextSnapshot,
  rev: string,
  extra: (base: GitBaseline) => Pick<ExplainInput, 'exclude' | 'currentModel'> = () => ({}),
): { e: Explanation; base: GitBaseline } {
  const base = gitBaseline({ contextDir: rc.dir!, dockerfilePath: file, rev });
  const opts = analyzeOptions(s, rc);
  const e = explain({
    current: { text, context: ctx, options: opts },
    baseline: { text: base.dockerfileText, context: base.context as ContextSnapshot, options: opts },
    changedHint: base.changedHint,
    ...extra(base),
  });
  return { e, base };
}

export function registerExplain(s: ServerState): void {
  s.connection.onRequest('layerwise/explain', async (p: { uri: string; since?: string }) => {
    if (!s.trusted) throw new ResponseError(-32001, 'Layerwise: explain needs git and the build context, which are not read in an untrusted workspace');
    const file = uriToPath(p?.uri ?? '');
    if (!file) throw new ResponseError(-32602, 'Layerwise: explain works on files on disk');
    try {
      const doc = s.documents.get(p.uri);
      const text = doc ? doc.getText() : fs.readFileSync(file, 'utf8');
      const rc = resolveContext(s, p.uri);
      const { ctx, error } = await loadContext(s, rc);
      if (!ctx) throw new Error(error ?? 'the build context could not be read');
      const rev = p.since || 'HEAD';
      const { e, base } = explainSince(s, rc, file, text, ctx, rev);
      const rel = (x: string) => workspaceRelative(s, x) || x;
      return explanationJson(e, { dockerfile: rel(file), context: workspaceRelative(s, rc.dir!) || '.', baseline: `${rev} (${base.commit.slice(0, 12)})`, problems: ctx.problems, sizes: contextSizes(e.model, ctx) });
    } catch (e) {
      s.logError('layerwise/explain', e);
      throw new ResponseError(-32603, `Layerwise: ${firstLine(e)}`);
    }
  });
}

/** An error's first line, for a one-line message to the user. */
export function firstLine(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}
