// Diagnostics: engine findings, parse and context problems, `.dockerignore` checks, build evidence and
// `.layerwise.yaml` problems as LSP diagnostics. Pure translation, except ConfigDiagnostics, which publishes the
// diagnostics on the config files themselves (documents' diagnostics go out through ServerState.publish).
import path = require('node:path');
import { DiagnosticSeverity, type Connection, type Diagnostic, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { docsUrl, mismatchMessage, stepKeys, type Finding } from '../engine';
import type { BuildRecord } from '../context/evidence';
import type { ConfigProblem } from '../context/projects';
import type { DiagInput, DocAnalysis } from './analysis';
import { labelOf, type IgnoreAnalysis } from './ignoredoc';
import { pathToUri } from './uri';
import { fmtInt } from '../engine/format';

/** A whole line of the document, without its line break. */
export function lineRange(doc: TextDocument, line: number): Range {
  const text = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
  return { start: { line, character: 0 }, end: { line, character: text.length } };
}

/** The empty range at the start of a line. */
export function lineStart(line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: 0 } };
}

function severityOf(s: 'error' | 'warning' | 'info'): DiagnosticSeverity {
  return s === 'error' ? DiagnosticSeverity.Error : s === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
}

function findingDiagnostic(a: { uri: string; version: number }, f: Finding): Diagnostic {
  const d: Diagnostic = {
    range: f.range,
    severity: severityOf(f.severity),
    source: 'layerwise',
    code: f.rule,
    codeDescription: { href: docsUrl(f.rule) },
    message: f.message,
    data: { rule: f.rule, version: a.version },
  };
  if (f.related?.length) d.relatedInformation = f.related.map((r) => ({ location: { uri: a.uri, range: r.range }, message: r.message }));
  return d;
}

/**
 * At most this many diagnostics are published per document; the rest are summed up in one. A storm's COPY line of
 * 100 KB named 13,183 missing sources: each publication was an 8 MB message, encoded and written on the protocol
 * thread (seconds under load) for a list no one reads.
 */
export const MAX_DIAGNOSTICS = 500;

/** `out` (of `total`) cut to MAX_DIAGNOSTICS, the last one saying how many more there are. */
function capped(out: Diagnostic[], what: string, total = out.length): Diagnostic[] {
  if (total <= MAX_DIAGNOSTICS) return out;
  const kept = out.slice(0, MAX_DIAGNOSTICS - 1);
  const more = total - kept.length;
  kept.push({
    range: out[kept.length]!.range,
    severity: DiagnosticSeverity.Information,
    source: 'layerwise',
    code: 'truncated',
    message: `Layerwise: ${fmtInt(more)} more ${what} from here on are not shown (at most ${MAX_DIAGNOSTICS} diagnostics per document)`,
  });
  return kept;
}

/** A Dockerfile's diagnostics: parse problems, findings, and what went wrong reading its build context. */
export function dockerfileDiagnostics(a: DiagInput): Diagnostic[] {
  const contextError = a.contextError;
  const top = lineStart(0);
  if (a.refused) return [{ range: top, severity: DiagnosticSeverity.Warning, source: 'layerwise', message: `Layerwise: ${a.refused}` }];
  const all: Diagnostic[] = [];
  for (const p of a.problems)
    all.push({ range: p.range, severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, source: 'layerwise', message: p.message });
  for (let i = 0; i < a.findings.length && all.length <= MAX_DIAGNOSTICS; i++) all.push(findingDiagnostic(a, a.findings[i]!));
  const out = capped(all, 'findings', a.problems.length + a.findings.length);
  const firstFrom = a.firstFrom ?? top;
  const at = { start: firstFrom.start, end: { line: firstFrom.start.line, character: Math.max(firstFrom.start.character, 4) } };
  if (contextError) out.push({ range: at, severity: DiagnosticSeverity.Warning, source: 'layerwise', code: 'context', message: `Layerwise: ${contextError}` });
  const probs = a.contextProblems.filter((p) => p.kind !== 'missing');
  if (probs.length)
    out.push({
      range: at,
      severity: DiagnosticSeverity.Information,
      source: 'layerwise',
      code: 'context',
      message: `Build context: ${probs.length} path${probs.length === 1 ? '' : 's'} could not be read or hashed (first: ${probs[0]!.message}). Predictions for steps that read them may be off.`,
    });
  return out;
}

/** A `.layerwise.yaml` problem, as a diagnostic on the Dockerfile it affects. */
export function configDiagnostic(p: ConfigProblem): Diagnostic {
  return {
    range: lineStart(0),
    severity: DiagnosticSeverity.Warning,
    source: 'layerwise',
    code: 'config',
    message: `Layerwise configuration ignored: ${p.message}`,
    relatedInformation: [{ location: { uri: pathToUri(p.file), range: lineStart(p.line) }, message: 'the invalid setting' }],
  };
}

/** Diagnostics where the last imported build contradicts the prediction, on the current lines of those steps. */
export function evidenceDiagnostics(a: DocAnalysis, r: BuildRecord | null, doc: TextDocument | undefined): Diagnostic[] {
  if (!r || !a.model || !r.baseline) return [];
  const keys = stepKeys(a.model);
  const byKey = new Map<string, number>();
  keys.forEach((k, i) => byKey.set(k, i));
  const out: Diagnostic[] = [];
  for (const c of r.comparisons) {
    if (c.agrees !== false) continue;
    const id = byKey.get(c.key);
    if (id === undefined) continue;
    const step = a.model.steps[id]!;
    if (step.trigger) continue;
    out.push({
      range: doc ? lineRange(doc, step.line) : lineStart(step.line),
      severity: DiagnosticSeverity.Information,
      source: 'layerwise',
      code: 'prediction-mismatch',
      message: mismatchMessage(c, r.baseline),
      data: { real: c.real, predicted: c.predicted },
    });
  }
  return out;
}

/** A `.dockerignore` document's diagnostics: syntax errors, patterns that match nothing, exclusions a COPY needs. */
export function ignoreDiagnostics(doc: TextDocument, a: IgnoreAnalysis): Diagnostic[] {
  const diags: Diagnostic[] = [];
  if (a.refused) return [{ range: lineRange(doc, 0), severity: DiagnosticSeverity.Warning, source: 'layerwise', message: `Layerwise: ${a.refused}` }];
  const flagged = new Set<number>();
  for (const e of a.ignore.errors) {
    const line = Math.max(0, e.line - 1);
    flagged.add(e.line);
    diags.push({ range: lineRange(doc, line), severity: DiagnosticSeverity.Error, source: 'layerwise', code: 'dockerignore-syntax', message: e.message });
  }
  // patterns over Layerwise's own limits (length, count): not applied here, so what it says may be off
  for (const l of a.ignore.limits) {
    flagged.add(l.line);
    diags.push({ range: lineRange(doc, Math.max(0, l.line - 1)), severity: DiagnosticSeverity.Warning, source: 'layerwise', code: 'dockerignore-limit', message: l.message });
  }
  if (a.hasContext) {
    for (const s of a.stats) {
      if (s.decided > 0) continue;
      const p = a.ignore.patterns[s.index]!;
      if (flagged.has(p.line)) continue;
      diags.push({
        range: lineRange(doc, p.line - 1),
        severity: DiagnosticSeverity.Warning,
        source: 'layerwise',
        code: 'dockerignore-unmatched',
        message: p.negated
          ? `\`${shown(p.text)}\` re-includes nothing: no path in the build context is decided by it`
          : `\`${shown(p.text)}\` matches nothing in the build context (${path.basename(a.contextDir ?? '') || a.contextDir}): it has no effect`,
      });
    }
  }
  diags.push(...neededDiagnostics(doc, a));
  diags.sort((x, y) => x.range.start.line - y.range.start.line);
  return capped(diags, 'diagnostics');
}

/** A pattern as a message quotes it: a very long one is cut (the range shows the line). */
function shown(text: string): string {
  return text.length > 120 ? text.slice(0, 100) + `… (${fmtInt(text.length)} characters)` : text;
}

/** Patterns that exclude what a COPY/ADD of a Dockerfile using this ignore file needs. */
function neededDiagnostics(doc: TextDocument, a: IgnoreAnalysis): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const byPattern = new Map<number, typeof a.needed>();
  // appended in place: copying the list for each source was quadratic (a storm's ignore document held the protocol
  // thread for 0.9 s here)
  for (const n of a.needed) {
    const list = byPattern.get(n.pattern);
    if (list) list.push(n);
    else byPattern.set(n.pattern, [n]);
  }
  for (const [idx, needs] of byPattern) {
    const p = a.ignore.patterns[idx]!;
    const first = needs[0]!;
    const what = first.source === first.example ? `\`${first.source}\`` : `everything \`${first.source}\` selects (e.g. \`${first.example}\`)`;
    const more = needs.length > 1 ? ` (and ${needs.length - 1} more source${needs.length > 2 ? 's' : ''})` : '';
    diags.push({
      range: lineRange(doc, p.line - 1),
      severity: DiagnosticSeverity.Warning,
      source: 'layerwise',
      code: 'dockerignore-excludes-needed',
      message: `\`${shown(p.text)}\` excludes ${what}, which \`${first.keyword} ${first.source}\` in ${labelOf(first.dockerfile)} line ${first.line + 1} needs${more}: that step fails with "not found". Remove the pattern or add \`!${first.example}\` after it.`,
      relatedInformation: needs.slice(0, 10).map((n) => ({
        location: { uri: n.dockerfile, range: lineStart(n.line) },
        message: `${n.keyword} ${n.source}`,
      })),
    });
  }
  return diags;
}

/** The diagnostics on `.layerwise.yaml` files themselves: published once per problem, cleared when it is fixed. */
export class ConfigDiagnostics {
  /** Config files we published diagnostics for (so that fixing them clears the diagnostic). */
  private readonly shown = new Map<string, string>();

  constructor(private readonly connection: Connection) {}

  /** Publishes the problem on its file (once), or with `p` null clears `file`'s diagnostic. */
  publish(p: ConfigProblem | null, file?: string): void {
    if (p) {
      if (this.shown.get(p.file) === p.message) return;
      this.shown.set(p.file, p.message);
      void this.connection.sendDiagnostics({
        uri: pathToUri(p.file),
        diagnostics: [{ range: { start: { line: p.line, character: 0 }, end: { line: p.line, character: 1000 } }, severity: DiagnosticSeverity.Error, source: 'layerwise', code: 'config', message: p.message }],
      });
    } else if (file) this.clear(file);
  }

  /** The file changed: its diagnostic (if any) goes until the next analysis finds the problem again. */
  clear(file: string): void {
    if (!this.shown.has(file)) return;
    this.shown.delete(file);
    void this.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
  }
}
