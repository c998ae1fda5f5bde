// Code actions: each finding's fix (the engine's text edits, Dockerfile and ignore file in one WorkspaceEdit),
// "fix all", suppression comments, and recording a likely build context in `.layerwise.yaml`. Translation only.
import path = require('node:path');
import { pathToFileURL } from 'node:url';
import {
  CodeAction,
  CodeActionKind,
  CreateFile,
  TextDocumentEdit,
  TextEdit as LspTextEdit,
  type Diagnostic,
  type Range as LspRange,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { withDockerfileContext, type Finding, type TextEdit } from '../engine';
import { configToEdit } from '../context';
import type { DocAnalysis } from './analysis';
import type { ServerState } from './state';
import { isIgnoreDocument, uriToPath } from './uri';

export const FIX_ALL_KIND = CodeActionKind.SourceFixAll + '.layerwise';

export interface EditCapabilities {
  documentChanges: boolean;
  createFile: boolean;
}

/** Where the fix's ignore-file edits go: the ignore file that applies, else `<context>/.dockerignore`. */
export function ignoreFilePath(a: DocAnalysis): { file: string; exists: boolean } | null {
  if (!a.contextDir) return null;
  const name = a.ignoreFileName;
  if (name) return { file: path.isAbsolute(name) ? name : path.join(a.contextDir, ...name.split('/')), exists: true };
  return { file: path.join(a.contextDir, '.dockerignore'), exists: false };
}

function rangesOverlap(a: LspRange, b: LspRange): boolean {
  const before = (p: { line: number; character: number }, q: { line: number; character: number }) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

/** Builds one WorkspaceEdit from engine edits; null when an edit cannot be placed (no context for the ignore file). */
export function toWorkspaceEdit(a: DocAnalysis, edits: TextEdit[], caps: EditCapabilities): WorkspaceEdit | null {
  const dfEdits = dropOverlaps(edits.filter((e) => e.file === 'dockerfile'));
  const igEdits = dropOverlaps(edits.filter((e) => e.file === 'dockerignore'));
  let ig: { file: string; exists: boolean } | null = null;
  if (igEdits.length) {
    ig = ignoreFilePath(a);
    if (!ig) return null;
  }
  const toLsp = (list: TextEdit[]) => list.map((e) => LspTextEdit.replace(e.range, e.newText));
  if (caps.documentChanges) {
    const changes: (TextDocumentEdit | CreateFile)[] = [];
    if (dfEdits.length) changes.push(TextDocumentEdit.create({ uri: a.uri, version: a.version }, toLsp(dfEdits)));
    if (ig) {
      const uri = pathToFileURL(ig.file).href;
      if (!ig.exists) {
        if (!caps.createFile) return null;
        changes.push(CreateFile.create(uri, { ignoreIfExists: true }));
      }
      changes.push(TextDocumentEdit.create({ uri, version: null }, toLsp(igEdits)));
    }
    return { documentChanges: changes };
  }
  if (ig && !ig.exists) return null; // cannot create files without resource operations
  const changes: Record<string, LspTextEdit[]> = {};
  if (dfEdits.length) changes[a.uri] = toLsp(dfEdits);
  if (ig) changes[pathToFileURL(ig.file).href] = toLsp(igEdits);
  return { changes };
}

function cmpPos(p: { line: number; character: number }, q: { line: number; character: number }): number {
  return p.line - q.line || p.character - q.character;
}

/** Keeps edits in order and drops any that overlap an earlier one (two fixes touching the same text). */
function dropOverlaps(edits: TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((x, y) => cmpPos(x.range.start, y.range.start) || cmpPos(x.range.end, y.range.end));
  const out: TextEdit[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    const insert = cmpPos(e.range.start, e.range.end) === 0;
    if (last && cmpPos(e.range.start, last.range.end) < 0) continue;
    if (last && insert && cmpPos(last.range.start, last.range.end) === 0 && cmpPos(last.range.start, e.range.start) === 0) {
      // two insertions at the same point (e.g. two ignore patterns appended): keep both, in order, unless identical
      if (last.newText === e.newText) continue;
    }
    out.push(e);
  }
  return out;
}

export function diagnosticFor(f: Finding, diags: Diagnostic[]): Diagnostic | undefined {
  return diags.find((d) => d.code === f.rule && d.range.start.line === f.range.start.line && d.range.start.character === f.range.start.character);
}

/** The instruction that starts at or contains `line`. */
function instructionStart(a: DocAnalysis, line: number): number {
  for (const ins of a.model!.parsed.instructions) if (ins.range.start.line <= line && line <= ins.range.end.line) return ins.range.start.line;
  return line;
}

const LINE_IGNORE_RE = /^(\s*)#\s*layerwise-ignore\s+(.*?)\s*$/;
const FILE_IGNORE_RE = /^\s*#\s*layerwise-ignore-file\s+(.*?)\s*$/;

function suppressLine(a: DocAnalysis, f: Finding): LspTextEdit {
  const lines = a.model!.parsed.lines;
  const start = instructionStart(a, f.range.start.line);
  const above = start > 0 ? lines[start - 1]! : undefined;
  const m = above !== undefined ? LINE_IGNORE_RE.exec(above) : null;
  if (m) {
    const ids = m[2]!.split(/[,\s]+/).filter(Boolean);
    if (!ids.includes(f.rule)) ids.push(f.rule);
    return LspTextEdit.replace({ start: { line: start - 1, character: 0 }, end: { line: start - 1, character: above!.length } }, `${m[1]}# layerwise-ignore ${ids.join(',')}`);
  }
  const indent = /^\s*/.exec(lines[start] ?? '')![0];
  return LspTextEdit.insert({ line: start, character: 0 }, `${indent}# layerwise-ignore ${f.rule}\n`);
}

function suppressFile(a: DocAnalysis, f: Finding): LspTextEdit {
  const model = a.model!;
  const lines = model.parsed.lines;
  // after the parser directives (`# syntax=`, `# escape=`, `# check=`): a comment before them would end them
  let after = 0;
  for (const d of model.directives) after = Math.max(after, d.line + 1);
  for (let i = after; i < lines.length; i++) {
    const m = FILE_IGNORE_RE.exec(lines[i]!);
    if (m) {
      const ids = m[1]!.split(/[,\s]+/).filter(Boolean);
      if (!ids.includes(f.rule)) ids.push(f.rule);
      return LspTextEdit.replace({ start: { line: i, character: 0 }, end: { line: i, character: lines[i]!.length } }, `# layerwise-ignore-file ${ids.join(',')}`);
    }
    if (!/^\s*(#.*)?$/.test(lines[i]!)) break;
  }
  return LspTextEdit.insert({ line: after, character: 0 }, `# layerwise-ignore-file ${f.rule}\n`);
}

/** A settings edit a finding suggests: `.layerwise.yaml` rewritten (or created when `oldText` is null). */
export interface ConfigFix {
  title: string;
  file: string;
  oldText: string | null;
  newText: string;
}

function configEdit(fix: ConfigFix, caps: EditCapabilities): WorkspaceEdit | null {
  const uri = pathToFileURL(fix.file).href;
  if (fix.oldText === null) {
    if (!caps.documentChanges || !caps.createFile) return null;
    return { documentChanges: [CreateFile.create(uri, { ignoreIfExists: true }), TextDocumentEdit.create({ uri, version: null }, [LspTextEdit.insert({ line: 0, character: 0 }, fix.newText)])] };
  }
  const lines = fix.oldText.split(/\r\n|\r|\n/);
  const all = LspTextEdit.replace({ start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1]!.length } }, fix.newText);
  return caps.documentChanges ? { documentChanges: [TextDocumentEdit.create({ uri, version: null }, [all])] } : { changes: { [uri]: [all] } };
}

export function codeActions(
  a: DocAnalysis,
  range: LspRange,
  only: string[] | undefined,
  diags: Diagnostic[],
  caps: EditCapabilities,
  /** Settings edits a finding suggests (the server knows where `.layerwise.yaml` is). */
  configFix?: (f: Finding) => ConfigFix | null,
): CodeAction[] {
  if (!a.model || !a.check) return [];
  const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(o + '.'));
  const out: CodeAction[] = [];
  const here = a.check.findings.filter((f) => rangesOverlap(f.range, range));
  if (wants(CodeActionKind.QuickFix)) {
    for (const f of here) {
      const diag = diagnosticFor(f, diags);
      if (f.fix) {
        const edit = toWorkspaceEdit(a, f.fix.edits, caps);
        if (edit) {
          const ca = CodeAction.create(f.fix.title, edit, CodeActionKind.QuickFix);
          ca.isPreferred = true;
          if (diag) ca.diagnostics = [diag];
          out.push(ca);
        }
      }
    }
    for (const f of here) {
      const cf = f.contextUp ? configFix?.(f) : null;
      const edit = cf ? configEdit(cf, caps) : null;
      if (!cf || !edit) continue;
      const ca = CodeAction.create(cf.title, edit, CodeActionKind.QuickFix);
      ca.isPreferred = true;
      const diag = diagnosticFor(f, diags);
      if (diag) ca.diagnostics = [diag];
      out.push(ca);
    }
    const seen = new Set<string>();
    for (const f of here) {
      if (seen.has(f.rule)) continue;
      seen.add(f.rule);
      const diag = diagnosticFor(f, diags);
      const line = CodeAction.create(`Suppress ${f.rule} for this line`, { changes: { [a.uri]: [suppressLine(a, f)] } }, CodeActionKind.QuickFix);
      const file = CodeAction.create(`Suppress ${f.rule} for this file`, { changes: { [a.uri]: [suppressFile(a, f)] } }, CodeActionKind.QuickFix);
      if (diag) line.diagnostics = file.diagnostics = [diag];
      out.push(line, file);
    }
  }
  if (only && wants(FIX_ALL_KIND)) {
    const all = fixAll(a, caps);
    if (all) out.push(all);
  } else if (!only) {
    const all = fixAll(a, caps);
    if (all && a.check.findings.filter((f) => f.fix).length > 1) out.push(all);
  }
  return out;
}

export function fixAll(a: DocAnalysis, caps: EditCapabilities): CodeAction | null {
  const fixable = (a.check?.findings ?? []).filter((f) => f.fix);
  if (!fixable.length) return null;
  const edit = toWorkspaceEdit(a, fixable.flatMap((f) => f.fix!.edits), caps);
  if (!edit) return null;
  return CodeAction.create(`Fix all Layerwise issues (${fixable.length})`, edit, FIX_ALL_KIND);
}

/** copy-source-missing knows the likely build context: the edit that records it in `.layerwise.yaml`, if any. */
function contextConfigFix(s: ServerState, a: DocAnalysis, file: string | null, f: Finding): ConfigFix | null {
  if (!s.trusted || !file || !a.contextDir || !f.contextUp) return null;
  const target = path.resolve(a.contextDir, ...Array<string>(f.contextUp).fill('..'));
  const cfg = configToEdit(file, target);
  if (!cfg) return null;
  const base = path.dirname(cfg.file);
  const rel = (p: string) => path.relative(base, p).split(path.sep).join('/') || '.';
  let newText: string;
  try {
    newText = withDockerfileContext(cfg.text, rel(file), rel(target));
  } catch {
    return null; // not valid YAML: the config diagnostic says so
  }
  const shown = path.relative(path.dirname(file), target).split(path.sep).join('/') || '.';
  return { title: `Build ${path.basename(file)} with ${shown} as its context (${cfg.text === null ? 'create' : 'edit'} ${path.basename(cfg.file)})`, file: cfg.file, oldText: cfg.text, newText };
}

export function registerCodeActions(s: ServerState): void {
  s.connection.onCodeAction(
    s.guard('codeAction', [], async (params) => {
      const doc = s.documents.get(params.textDocument.uri);
      if (!doc || isIgnoreDocument(doc)) return [];
      // never from an older version: its edits would apply to other text
      const a = await s.currentWithin(doc.uri, () => undefined);
      if (!a || a.version !== doc.version) return [];
      const ec: EditCapabilities = {
        documentChanges: !!s.caps.workspace?.workspaceEdit?.documentChanges,
        createFile: !!s.caps.workspace?.workspaceEdit?.resourceOperations?.includes('create'),
      };
      const file = uriToPath(doc.uri);
      return codeActions(a, params.range, params.context.only, params.context.diagnostics, ec, (f) => contextConfigFix(s, a, file, f));
    }),
  );
}
