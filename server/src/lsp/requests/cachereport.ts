// `layerwise/cacheReport`: the markdown cache report for a Dockerfile (history hit rates, what fixing would save,
// the last imported build), rendered by report.ts from the history worker's replay.
import fs = require('node:fs');
import { ResponseError } from 'vscode-languageserver';
import { analyze, stepInsights } from '../../engine';
import type { ReportReply } from '../historyworker';
import { mappingOf } from '../insights';
import { renderCacheReport } from '../report';
import { analyzeOptions, resolveContext, workspaceRelative, type ResolvedContext } from '../resolve';
import type { ServerState } from '../state';
import { uriToPath } from '../uri';
import { firstLine } from './explain';

/** Why there is no history to report on, or undefined. */
function disabledBecause(s: ServerState, rc: ResolvedContext): string | undefined {
  return !s.trusted
    ? 'the workspace is not trusted (git and the build context are not read)'
    : !s.settings.historyEnabled
      ? 'layerwise.history.enabled is off'
      : !rc.dir
        ? 'no build context'
        : undefined;
}

async function cacheReport(s: ServerState, p: { uri: string }) {
  const file = uriToPath(p?.uri ?? '');
  const doc = s.documents.get(p?.uri ?? '');
  if (!file) throw new ResponseError(-32602, 'Layerwise: the cache report works on files on disk');
  const text = doc ? doc.getText() : fs.readFileSync(file, 'utf8');
  const rc = resolveContext(s, p.uri);
  const opts = analyzeOptions(s, rc);
  const model = (doc ? (await s.current(p.uri))?.model : null) ?? analyze(text, opts);
  const rel = (x: string) => workspaceRelative(s, x) || '.';
  const disabled = disabledBecause(s, rc);
  let reply: ReportReply | null = null;
  if (!disabled && s.historyWorker)
    reply = await s.historyWorker.report({ contextDir: rc.dir!, dockerfilePath: file, commits: s.settings.historyCommits, text, options: opts, severities: rc.severities });
  const record = s.insights.recordFor(p.uri);
  const insights = stepInsights(model, reply?.result?.state === 'ok' ? reply.result : null, mappingOf(record));
  const markdown = renderCacheReport({ dockerfile: rel(file), context: rc.dir ? rel(rc.dir) : '(none)', requestedCommits: s.settings.historyCommits, disabled }, reply, insights, record);
  return { markdown, state: reply?.result?.state ?? 'no-history', commits: reply?.result?.commits ?? 0 };
}

export function registerCacheReport(s: ServerState): void {
  s.connection.onRequest('layerwise/cacheReport', async (p: { uri: string }) => {
    try {
      return await cacheReport(s, p);
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      s.logError('layerwise/cacheReport', e);
      throw new ResponseError(-32603, `Layerwise: ${firstLine(e)}`);
    }
  });
}
