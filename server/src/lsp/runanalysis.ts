// One analysis of one document version, as the scheduler runs it (nothing else calls it): a Dockerfile goes to the
// analysis worker (or in-process), and so does a `.dockerignore` (checked against its context and the Dockerfiles
// that use it). Stores the result and publishes its diagnostics only while that version is still the document's.
import fs = require('node:fs');
import path = require('node:path');
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isDockerfileName } from '../context/discover';
import { hostPlatform } from '../context/platform';
import { looksBinary, tooLargeToAnalyse } from '../engine/budget';
import { BINARY_REFUSAL, countFiles, diagInputOf, failedAnalysis, type DiagInput, type DocAnalysis } from './analysis';
import { configDiagnostic, dockerfileDiagnostics, ignoreDiagnostics } from './diagnostics';
import { refusedIgnore, type IgnoreAnalysis } from './ignoredoc';
import type { AnalysedNotification } from './protocol';
import { analyzeOptions, noContextNote, resolveContext, type ResolvedContext } from './resolve';
import type { ServerState } from './state';
import { analyseIgnoreWithStore, analyseWithStore, type AnalyseRequest, type IgnoreRequest, type IgnoreUserRef } from './worker';
import { isIgnoreDocument, pathToUri, uriToPath } from './uri';
import { contextSizeStatus } from './sizes';
import { siblingsRef } from './shared';

/** The unsaved text of an open document by its file (the open documents are listed on the first question). */
function openTexts(s: ServerState): (file: string) => string | undefined {
  let byFile: Map<string | null, string> | undefined;
  return (file) => (byFile ??= new Map(s.documents.all().map((d) => [uriToPath(d.uri), d.getText()]))).get(file);
}

export function runAnalysis(s: ServerState, doc: TextDocument, version: number): Promise<void> {
  return isIgnoreDocument(doc) ? analyseIgnoreDoc(s, doc, version) : analyseDockerfile(s, doc, version);
}

/** What every analysis request names: the document version, its text, trust and context. */
function requestOf(s: ServerState, doc: TextDocument, version: number, rc: ResolvedContext) {
  return { uri: doc.uri, version, text: doc.getText(), trusted: s.trusted, contextDir: rc.dir, dockerfilePath: rc.dockerfilePath, noContextNote: noContextNote(s, rc) };
}

/**
 * Never silence: preparing a request (the context's resolution, the build record, the other builds) can throw too.
 * The version then gets one diagnostic that says it could not be analysed, as when the worker fails, and the error is
 * logged.
 */
function failedBeforeAnalysis(s: ServerState, doc: TextDocument, version: number, e: unknown): void {
  const uri = doc.uri;
  s.logError(`analysing ${uri}`, e);
  s.scheduler.computed(uri, version, 0);
  if (s.documents.get(uri) !== doc || doc.version !== version) return;
  const a = failedAnalysis({ uri, version, text: doc.getText(), contextDir: null }, `could not be analysed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  s.analyses.set(uri, a);
  s.publish(uri, version, dockerfileDiagnostics(diagInputOf(a)));
}

async function analyseDockerfile(s: ServerState, doc: TextDocument, version: number): Promise<void> {
  let rc: ResolvedContext;
  let req: AnalyseRequest;
  try {
    ({ rc, req } = dockerfileRequest(s, doc, version));
  } catch (e) {
    return failedBeforeAnalysis(s, doc, version, e);
  }
  return analyseDockerfileRequest(s, doc, version, rc, req);
}

function dockerfileRequest(s: ServerState, doc: TextDocument, version: number): { rc: ResolvedContext; req: AnalyseRequest } {
  const uri = doc.uri;
  const rc = resolveContext(s, uri);
  s.insights.loadRecord(uriToPath(uri)); // its image's layers go with the request
  const req: AnalyseRequest = {
    ...requestOf(s, doc, version, rc),
    buildArgs: rc.buildArgs,
    target: rc.target,
    buildkitVersion: s.settings.buildkitVersion,
    platform: s.settings.platform,
    buildPlatform: hostPlatform(),
    severities: rc.severities,
    unreadContextLimit: rc.unreadContextLimit,
    image: s.imageLayers.forAnalysis(uri, doc.getText()),
    siblings: siblingsRef(s, uri, rc, openTexts(s)),
    first: !s.published.has(uri),
  };
  return { rc, req };
}

async function analyseDockerfileRequest(s: ServerState, doc: TextDocument, version: number, rc: ResolvedContext, req: AnalyseRequest): Promise<void> {
  const uri = doc.uri;
  s.configDiagnostics.publish(rc.configError);
  // still the open document (not closed, not reopened) at this version?
  const isCurrent = () => {
    const d = s.documents.get(uri);
    return d === doc && d.version === version;
  };
  let sent = false;
  const diagnosticsOf = (d: DiagInput) => {
    const diags = rc.ignored ? [] : dockerfileDiagnostics(d);
    if (rc.configError) diags.push(configDiagnostic(rc.configError));
    return diags;
  };
  const publish = (d: DiagInput) => {
    s.scheduler.computed(uri, version, d.elapsedMs);
    if (sent || !isCurrent()) return; // stale: a newer version arrived meanwhile, or the document was closed
    sent = true;
    const diags = diagnosticsOf(d);
    s.publish(uri, version, diags);
  };
  // the worker sends what diagnostics need first: they go out before the full analysis has crossed threads; a text
  // the engine refuses anyway (binary, too large) is answered here, without copying megabytes to the worker
  let a: DocAnalysis | null;
  try {
    const refused = looksBinary(req.text) ? BINARY_REFUSAL : tooLargeToAnalyse(req.text);
    if (refused) a = failedAnalysis(req, refused);
    else {
      // while the worker reads the context, what the text alone gives goes out first (the full diagnostics hold all of
      // it, see earlyDiagnostics); the version's analysis is not over yet (the scheduler is not told)
      const early = (d: DiagInput) => {
        if (!sent && isCurrent()) s.publish(uri, version, diagnosticsOf(d));
      };
      a = s.worker ? await s.worker.analyse(req, publish, early) : await analyseWithStore(s.analysisStore!, req);
    }
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
  s.forecasts.schedule(uri, 'analysed'); // after the diagnostics: the forecast may read git
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
  if (s.insights.recordFor(uri)) s.insights.publishEvidence(uri);
  if (a.model) s.insights.scheduleHistory(uri); // a refused text (too large, binary) is not replayed either
  // `.dockerignore` documents of this context check this Dockerfile's COPY sources: refresh them (one whose first
  // analysis is still running may have started before this document was open: its context is resolved here)
  for (const d of s.documents.all()) {
    if (!rc.dir || !isIgnoreDocument(d)) continue;
    const dir = s.ignoreAnalyses.has(d.uri) ? s.ignoreAnalyses.get(d.uri)!.contextDir : resolveContext(s, d.uri, true).dir;
    if (dir === rc.dir) s.scheduler.scheduleSoon(d.uri);
  }
}

async function analyseIgnoreDoc(s: ServerState, doc: TextDocument, version: number): Promise<void> {
  const uri = doc.uri;
  const rc = resolveContext(s, uri, true);
  const file = uriToPath(uri);
  const req: IgnoreRequest = {
    ...requestOf(s, doc, version, rc),
    // not a file on disk (untitled): no context, no Dockerfile of its folder uses it
    users: s.trusted && file ? ignoreUsers(s, file, rc) : [],
  };
  // crawled, parsed and matched where Dockerfiles are analysed (the worker): a pathological ignore file or a large
  // context never blocks the protocol thread
  let a: IgnoreAnalysis | null;
  try {
    a = s.worker ? await s.worker.analyseIgnore(req) : await analyseIgnoreWithStore(s.analysisStore!, req);
  } catch (e) {
    s.logError(`analysing ${uri}`, e);
    a = refusedIgnore(uri, version, rc.dir, `could not be analysed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  if (!a || s.documents.get(uri) !== doc || doc.version !== version) return;
  s.ignoreAnalyses.set(uri, a);
  const diags = ignoreDiagnostics(doc, a);
  s.publish(uri, version, diags);
  const n: AnalysedNotification = {
    uri,
    version,
    kind: 'dockerignore',
    steps: 0,
    stages: 0,
    findings: diags.length,
    contextFiles: a.contextFiles,
    contextDir: rc.dir,
    elapsedMs: 0,
  };
  void s.connection.sendNotification('layerwise/analysed', n);
}

/**
 * The Dockerfiles whose build uses this ignore file: for `<Dockerfile>.dockerignore` that Dockerfile; for
 * `.dockerignore`, the open Dockerfiles and the Dockerfiles in its folder whose context is that folder (and that
 * have no Dockerfile-specific ignore file). Open documents go with their text, the others are read by the worker.
 */
function ignoreUsers(s: ServerState, file: string, rc: ResolvedContext): IgnoreUserRef[] {
  const users: IgnoreUserRef[] = [];
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
    users.push({ label: path.basename(df), uri: dfUri, path: df, text: doc ? doc.getText() : null, opts: analyzeOptions(s, r) });
  }
  return users;
}
