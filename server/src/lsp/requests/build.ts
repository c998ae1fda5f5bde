// Builds: `layerwise/importBuild` maps a BuildKit log onto the Dockerfile, compares it with `explain --since HEAD`,
// stores it (trusted workspaces) and publishes the evidence; `layerwise/buildInfo` tells the client how to build.
import fs = require('node:fs');
import path = require('node:path');
import { ResponseError } from 'vscode-languageserver';
import { analyze, BuildLogError, builtImageId, compareWithBuild, importBuildLog, lastBuildLabel, mismatchMessage, type BuildComparison, type BuildLogMapping, type Explanation, type Model } from '../../engine';
import { IMAGE_ID, recordBuildInput, saveBuildRecord, textSha256, type BuildRecord } from '../../context/evidence';
import type { ImportBuildResult } from '../protocol';
import { analyzeOptions, loadContext, resolveContext, type ResolvedContext } from '../resolve';
import type { ServerState } from '../state';
import { uriToPath } from '../uri';
import { explainSince } from './explain';

/** The prediction `explain --since HEAD` for the text (null without trust, a file on disk, a context or git). */
async function predictSinceHead(s: ServerState, uri: string, text: string, model: Model, rc: ResolvedContext): Promise<{ e: Explanation; label: string } | null> {
  const file = uriToPath(uri);
  if (!s.trusted || !file || !rc.dir) return null;
  const { ctx } = await loadContext(s, rc);
  if (!ctx) return null;
  try {
    const { e, base } = explainSince(s, rc, file, text, ctx, 'HEAD', (b) => {
      const gitDirRel = path.relative(rc.dir!, path.join(b.repoRoot, '.git')).split(path.sep).join('/');
      return { exclude: (x) => x === gitDirRel || x.startsWith(gitDirRel + '/'), currentModel: model };
    });
    return { e, label: `HEAD (${base.commit.slice(0, 12)})` };
  } catch (e) {
    s.log(`no prediction to compare the build with: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** The import's answer to the client. */
function importResult(s: ServerState, mapping: BuildLogMapping, record: BuildRecord, comparisons: BuildComparison[], stored: string | null): ImportBuildResult {
  const executed = mapping.steps.filter((x) => x.status === 'executed');
  const mismatches = comparisons.filter((c) => c.agrees === false);
  return {
    format: mapping.format,
    steps: mapping.steps.length,
    executed: executed.length,
    cached: mapping.steps.filter((x) => x.status === 'cached').length,
    executedSeconds: Math.round(executed.reduce((t, x) => t + (x.seconds ?? 0), 0) * 10) / 10,
    baseline: record.baseline,
    mismatches: mismatches.map((m) => ({ line: m.line, real: m.real, predicted: m.predicted, message: mismatchMessage(m, record.baseline ?? 'HEAD') })),
    mapped: mapping.steps.map((x) => ({ line: x.line, status: x.status, label: lastBuildLabel(x.status, x.seconds) })),
    problems: mapping.problems,
    stored,
    image: record.image?.id ?? null,
    note: s.trusted ? null : 'untrusted workspace: the build is not stored and not compared with a prediction',
  };
}

/** `layerwise/importBuild`'s parameters: `imageId` is the build's `--iidfile` content (else the log names it). */
interface ImportBuildParams {
  uri: string;
  logText: string;
  source?: string;
  imageId?: string;
}

async function importBuild(s: ServerState, p: ImportBuildParams): Promise<ImportBuildResult> {
  if (!p || typeof p.uri !== 'string' || typeof p.logText !== 'string') throw new ResponseError(-32602, 'Layerwise: importBuild needs {uri, logText}');
  const file = uriToPath(p.uri);
  const doc = s.documents.get(p.uri);
  if (!doc && !file) throw new ResponseError(-32602, 'Layerwise: open the Dockerfile the build used first');
  let text: string;
  try {
    text = doc ? doc.getText() : fs.readFileSync(file!, 'utf8');
  } catch (e) {
    throw new ResponseError(-32602, `Layerwise: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const rc = resolveContext(s, p.uri);
  const model = analyze(text, analyzeOptions(s, rc));
  let mapping: BuildLogMapping;
  try {
    mapping = importBuildLog(model, p.logText);
  } catch (e) {
    if (e instanceof BuildLogError) throw new ResponseError(-32602, `Layerwise: ${e.message}`);
    throw new ResponseError(-32603, `Layerwise: ${(e as Error).message}`);
  }
  const pred = await predictSinceHead(s, p.uri, text, model, rc).catch((e) => (s.logError('prediction for importBuild', e), null));
  const comparisons = compareWithBuild(mapping, pred?.e ?? null);
  const record: BuildRecord = {
    version: 1,
    dockerfile: file ? path.resolve(file) : p.uri,
    importedAt: new Date().toISOString(),
    source: typeof p.source === 'string' && p.source ? p.source : 'build log',
    format: mapping.format,
    steps: mapping.steps,
    baseline: pred?.label ?? null,
    comparisons,
    problems: mapping.problems,
  };
  const imageId = typeof p.imageId === 'string' && IMAGE_ID.test(p.imageId.trim()) ? p.imageId.trim() : builtImageId(p.logText);
  if (imageId) record.image = { id: imageId, textSha256: textSha256(text) };
  // what it was built from: the live forecast's `lastBuild` baseline
  if (file && s.trusted && rc.dir) {
    const { ctx } = await loadContext(s, rc);
    const input = ctx ? recordBuildInput(ctx, model, text, analyzeOptions(s, rc)) : null;
    if (input) record.input = input;
  }
  let stored: string | null = null;
  if (file && s.trusted) {
    s.insights.setRecord(file, record);
    s.imageLayers.imported(record);
    s.scheduler.scheduleSoon(p.uri); // analysed again with the image (or the note that its text changed)
    stored = saveBuildRecord(record);
    s.forecasts.schedule(p.uri);
  }
  if (s.trusted) {
    const a = await s.current(p.uri);
    if (a) s.insights.publishEvidence(p.uri);
  }
  return importResult(s, mapping, record, comparisons, stored);
}

export function registerBuildRequests(s: ServerState): void {
  s.connection.onRequest('layerwise/importBuild', (p: ImportBuildParams) => importBuild(s, p));

  s.connection.onRequest('layerwise/buildInfo', (p: { uri: string }) => {
    const file = uriToPath(p?.uri ?? '');
    if (!file) throw new ResponseError(-32602, 'Layerwise: building works on files on disk');
    const rc = resolveContext(s, p.uri);
    return { dockerfile: file, contextDir: rc.dir, contextFrom: rc.contextFrom, buildArgs: rc.buildArgs, target: rc.target ?? null, trusted: s.trusted };
  });
}
