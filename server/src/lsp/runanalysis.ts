// One analysis of one document version, as the scheduler runs it (nothing else calls it): a Dockerfile goes to the
// analysis worker (or in-process), a `.dockerignore` is checked here against its context and the Dockerfiles that
// use it. Stores the result and publishes its diagnostics only while that version is still the document's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, type ContextSnapshot, type Model } from '../engine';
import { isDockerfileName } from '../context/discover';
import { hostPlatform } from '../context/platform';
import { looksBinary, tooLargeToAnalyse } from '../engine/budget';
import { BoundedCache } from '../engine/memo';
import { BINARY_REFUSAL, countFiles, diagInputOf, failedAnalysis, type DiagInput, type DocAnalysis } from './analysis';
import { configDiagnostic, dockerfileDiagnostics, ignoreDiagnostics } from './diagnostics';
import { analyseIgnore, type IgnoreUser } from './ignoredoc';
import type { AnalysedNotification } from './protocol';
import { analyzeOptions, loadContext, noContextNote, resolveContext, type ResolvedContext } from './resolve';
import type { ServerState } from './state';
import { analyseWithStore, type AnalyseRequest } from './worker';
import { isIgnoreDocument, pathToUri, uriToPath } from './uri';
import { contextSizeStatus } from './sizes';

export function runAnalysis(s: ServerState, doc: TextDocument, version: number): Promise<void> {
  return isIgnoreDocument(doc) ? analyseIgnoreDoc(s, doc, version) : analyseDockerfile(s, doc, version);
}

async function analyseDockerfile(s: ServerState, doc: TextDocument, version: number): Promise<void> {
  const uri = doc.uri;
  const rc = resolveContext(s, uri);
  const req: AnalyseRequest = {
    uri,
    version,
    text: doc.getText(),
    trusted: s.trusted,
    contextDir: rc.dir,
    dockerfilePath: rc.dockerfilePath,
    noContextNote: noContextNote(s, rc),
    buildArgs: rc.buildArgs,
    target: rc.target,
    buildkitVersion: s.settings.buildkitVersion,
    platform: s.settings.platform,
    buildPlatform: hostPlatform(),
    severities: rc.severities,
    unreadContextLimit: rc.unreadContextLimit,
  };
  s.configDiagnostics.publish(rc.configError);
  // still the open document (not closed, not reopened) at this version?
  const isCurrent = () => {
    const d = s.documents.get(uri);
    return d === doc && d.version === version;
  };
  let sent = false;
  const publish = (d: DiagInput) => {
    s.scheduler.computed(uri, version, d.elapsedMs);
    if (sent || !isCurrent()) return; // stale: a newer version arrived meanwhile, or the document was closed
    sent = true;
    const diags = rc.ignored ? [] : dockerfileDiagnostics(d);
    if (rc.configError) diags.push(configDiagnostic(rc.configError));
    s.publish(uri, version, diags);
  };
  // the worker sends what diagnostics need first: they go out before the full analysis has crossed threads; a text
  // the engine refuses anyway (binary, too large) is answered here, without copying megabytes to the worker
  let a: DocAnalysis | null;
  try {
    const refused = looksBinary(req.text) ? BINARY_REFUSAL : tooLargeToAnalyse(req.text);
    if (refused) a = failedAnalysis(req, refused);
    else a = s.worker ? await s.worker.analyse(req, publish) : await analyseWithStore(s.analysisStore!, req);
  } catch (e) {
    // never silence: the version gets a diagnostic that says it could not be analysed (and the error is logged)
    s.logError(`analysing ${uri}`, e);
    a = failedAnalysis(req, `could not be analysed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  if (a?.internalError) s.logError(`analysing ${uri} v${version}`, a.internalError);
  if (!a || !isCurrent()) return; // a newer version arrived meanwhile: drop this result
  s.analyses.set(uri, a);
  if (a.elapsedMs > 500) s.log(`analysed ${uri} v${version} in ${a.elapsedMs} ms`);
  publish(diagInputOf(a));
  s.forecasts.schedule(uri); // after the diagnostics: the forecast may read git
  const n: AnalysedNotification = {
    uri,
    version,
    kind: 'dockerfile',
    steps: a.model?.steps.length ?? 0,
    stages: a.model?.stages.length ?? 0,
    findings: a.check?.findings.length ?? 0,
    contextFiles: a.contextFiles,
    contextSize: contextSizeStatus(a),
    contextDir: a.contextDir,
    contextFrom: rc.contextFrom,
    elapsedMs: a.elapsedMs,
  };
  void s.connection.sendNotification('layerwise/analysed', n);
  s.insights.loadRecord(uriToPath(uri));
  if (s.insights.recordFor(uri)) s.insights.publishEvidence(uri);
  if (a.model) s.insights.scheduleHistory(uri); // a refused text (too large, binary) is not replayed either
  // `.dockerignore` documents of this context check this Dockerfile's COPY sources: refresh them
  for (const d of s.documents.all()) if (isIgnoreDocument(d) && s.ignoreAnalyses.get(d.uri)?.contextDir === rc.dir && rc.dir) s.scheduler.scheduleSoon(d.uri);
}

async function analyseIgnoreDoc(s: ServerState, doc: TextDocument, version: number): Promise<void> {
  const uri = doc.uri;
  const rc = resolveContext(s, uri, true);
  const { ctx, note } = await loadContext(s, rc);
  if (s.documents.get(uri) !== doc || doc.version !== version) return;
  const users = s.trusted ? ignoreUsers(s, uriToPath(uri)!, rc) : [];
  const a = analyseIgnore(uri, version, s.documents.get(uri)!.getText(), ctx as (ContextSnapshot & { pruned?: readonly string[] }) | null, rc.dir, note, users);
  s.ignoreAnalyses.set(uri, a);
  const diags = ignoreDiagnostics(doc, a, ctx, rc.dir);
  s.publish(uri, version, diags);
  const n: AnalysedNotification = {
    uri,
    version,
    kind: 'dockerignore',
    steps: 0,
    stages: 0,
    findings: diags.length,
    contextFiles: ctx ? countFiles(ctx) : null,
    contextDir: rc.dir,
    elapsedMs: 0,
  };
  void s.connection.sendNotification('layerwise/analysed', n);
}

/**
 * The Dockerfiles whose build uses this ignore file: for `<Dockerfile>.dockerignore` that Dockerfile; for
 * `.dockerignore`, the open Dockerfiles and the Dockerfiles in its folder whose context is that folder (and that
 * have no Dockerfile-specific ignore file). Open documents use their cached model; others are parsed here.
 */
function ignoreUsers(s: ServerState, file: string, rc: ResolvedContext): IgnoreUser[] {
  const users: IgnoreUser[] = [];
  const specific = path.basename(file) !== '.dockerignore';
  const open = new Map<string, TextDocument>();
  for (const d of s.documents.all()) {
    const p = uriToPath(d.uri);
    if (p && !isIgnoreDocument(d)) open.set(p, d);
  }
  const candidates: string[] = [];
  if (specific) candidates.push(rc.dockerfilePath!);
  else if (rc.dir) {
    candidates.push(...open.keys());
    try {
      for (const e of fs.readdirSync(rc.dir, { withFileTypes: true })) if (e.isFile() && isDockerfileName(e.name)) candidates.push(path.join(rc.dir, e.name));
    } catch {
      /* unreadable folder: open documents only */
    }
  }
  const seen = new Set<string>();
  for (const df of candidates) {
    if (seen.has(df) || users.length >= 50) continue;
    seen.add(df);
    const doc = open.get(df);
    const dfUri = doc?.uri ?? pathToUri(df);
    const r = resolveContext(s, dfUri);
    if (!specific && (r.dir !== rc.dir || fs.existsSync(df + '.dockerignore'))) continue;
    const model = s.analyses.get(dfUri)?.model ?? modelOf(s, df, doc, r);
    if (model) users.push({ label: path.basename(df), uri: dfUri, model });
  }
  return users;
}

/**
 * Models of Dockerfiles on disk that are not open, by path, size, mtime and options: a `.dockerignore` document is
 * re-checked after every edit (its own and its Dockerfiles'), and analysing every Dockerfile of the folder each time
 * blocked the protocol thread for seconds.
 */
const diskModels = new BoundedCache<string, Model>('closed Dockerfiles', 200, (k) => k.length * 20);

/** A Dockerfile's model from its open document or from disk (at most 1 MiB of text, no NUL bytes), else null. */
function modelOf(s: ServerState, file: string, doc: TextDocument | undefined, rc: ResolvedContext): Model | null {
  let text: string | null = doc ? doc.getText() : null;
  const opts = analyzeOptions(s, rc);
  let key: string | null = null;
  if (text === null)
    try {
      const st = fs.statSync(file);
      key = JSON.stringify([file, st.size, st.mtimeMs, opts]);
      const hit = diskModels.get(key);
      if (hit) return hit;
      if (st.size <= 1024 * 1024) text = fs.readFileSync(file, 'utf8');
    } catch {
      text = null;
    }
  if (text === null || text.length > 1024 * 1024 || looksBinary(text) || tooLargeToAnalyse(text)) return null;
  let model: Model;
  try {
    model = analyze(text, opts);
  } catch {
    return null; // the document itself reports it when opened; here it only checks fewer COPY sources
  }
  if (key) diskModels.set(key, model);
  return model;
}
