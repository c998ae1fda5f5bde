// File events: a change in a build context or a project file (compose, bake, `.layerwise.yaml`) re-analyses the
// documents it affects. Events come from the client (workspace/didChangeWatchedFiles) or the stores' own watchers.
import path = require('node:path');
import { FileChangeType } from 'vscode-languageserver';
import type { FileChange } from './contexts';
import { forgetProjectResolutions, resolveContext } from './resolve';
import { forgetWorkspaceBuilds } from './shared';
import type { ServerState } from './state';
import { isIgnoreDocument, uriToPath } from './uri';

/** How long after a change the client is asked for new lenses (the re-analyses are done by then, mostly). */
const LENS_REFRESH_MS = 400;

/** Something in the context directory `dir` changed: re-analyse the documents built from it. */
export function contextChanged(s: ServerState, dir: string): void {
  forgetWorkspaceBuilds();
  let any = false;
  for (const doc of s.documents.all()) {
    const ignoreDoc = isIgnoreDocument(doc);
    const a = ignoreDoc ? s.ignoreAnalyses.get(doc.uri) : s.analyses.get(doc.uri);
    const d = a?.contextDir ?? (ignoreDoc ? null : resolveContext(s, doc.uri).dir);
    if (d === dir) {
      s.scheduler.scheduleSoon(doc.uri);
      any = true;
    }
  }
  if (any) s.refreshLenses(LENS_REFRESH_MS);
}

/**
 * Files changed (absolute paths): re-analyse the open documents whose last analysis read a context holding one, and
 * those with no complete analysis yet whose context holds one (their first analysis may be in flight, or computed
 * and its result still on its way: it may have read the old context).
 */
function contextsTouched(s: ServerState, files: string[]): void {
  for (const doc of s.documents.all()) {
    const ignoreDoc = isIgnoreDocument(doc);
    const a = ignoreDoc ? s.ignoreAnalyses.get(doc.uri) : s.analyses.get(doc.uri);
    const dir = a ? a.contextDir : s.trusted ? resolveContext(s, doc.uri, ignoreDoc).dir : null;
    if (!dir) continue;
    const df = uriToPath(doc.uri);
    if (files.some((f) => f.startsWith(dir + path.sep) || (df !== null && f === df + '.dockerignore'))) s.scheduler.scheduleSoon(doc.uri);
  }
}

/** A compose/bake/.layerwise.yaml file changed: contexts, args and severities may differ for any document. */
export function projectFileChanged(s: ServerState, file: string): void {
  forgetProjectResolutions();
  forgetWorkspaceBuilds();
  s.configDiagnostics.clear(file);
  for (const doc of s.documents.all()) s.scheduler.scheduleSoon(doc.uri);
  s.refreshLenses(LENS_REFRESH_MS);
}

export function registerFileEvents(s: ServerState): void {
  s.connection.onDidChangeWatchedFiles(
    s.guard('didChangeWatchedFiles', undefined, (params) => {
      forgetWorkspaceBuilds(); // a Dockerfile beside an open one may have come or gone
      const touched: string[] = [];
      for (const ch of params.changes) {
        const p = uriToPath(ch.uri);
        if (!p) continue;
        const kind: FileChange = ch.type === FileChangeType.Created ? 'created' : ch.type === FileChangeType.Deleted ? 'deleted' : 'changed';
        s.store?.fileChanged(p, kind);
        s.analysisStore?.fileChanged(p, kind);
        s.worker?.fileChanged(p, kind);
        if (s.projects.fileChanged(p)) projectFileChanged(s, p);
        touched.push(p);
      }
      // the worker's store reports the change back (contextChanged) a moment later; a request that comes before that
      // must already wait for the re-analysis, not answer from the old context: schedule the affected documents now
      if (touched.length) contextsTouched(s, touched);
      // and the forecasts are out of date at once: a hover right behind the event must not answer from the one
      // before it (the worker's baselines hint the paths: it gets the event before the next forecast request)
      for (const p of touched) s.forecasts.pathChanged(p);
    }),
  );
}
