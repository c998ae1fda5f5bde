// `layerwise/whatIf {uri, dockerfiles}`: "What rebuilds if this changes?" (the Explorer's context menu) — for every
// Dockerfile (those the client found in the workspace, and the open ones) whose build context holds the file or
// folder, the next build as if that path changed and nothing else (explain with an explicit change list; a folder
// counts as all its sent files). Answers the statuses per Dockerfile and a markdown summary. Trusted workspaces.
import fs = require('node:fs');
import path = require('node:path');
import { ResponseError } from 'vscode-languageserver';
import { analyze, explain, type StepStatus } from '../engine';
import { analyzeOptions, loadContext, resolveContext, workspaceRelative } from './resolve';
import type { ServerState } from './state';
import { pathToUri, uriToPath } from './uri';

/** At most this many Dockerfiles are looked at for one path. */
const MAX_DOCKERFILES = 50;

export interface WhatIfResult {
  path: string;
  results: { dockerfile: string; uri: string; context: string; changed: string; steps: { line: number; instruction: string; status: StepStatus }[]; rebuilt: number; maybe: number }[];
  /** Dockerfiles whose context does not hold the path are left out; these could not be read. */
  problems: string[];
  markdown: string;
}

const LABEL: Record<StepStatus, string> = { rebuilt: '✗ rebuilds', maybe: '? may rebuild', cached: '✓ cached', skipped: '– not built' };

export function registerWhatIf(s: ServerState): void {
  s.connection.onRequest('layerwise/whatIf', async (p: { uri: string; dockerfiles?: string[] }): Promise<WhatIfResult> => {
    if (!s.trusted) throw new ResponseError(-32001, 'Layerwise: "What rebuilds if this changes?" reads the build context, which is not read in an untrusted workspace');
    const target = uriToPath(p?.uri ?? '');
    if (!target) throw new ResponseError(-32602, 'Layerwise: pick a file or folder on disk');
    const abs = path.resolve(target);
    const uris = new Set<string>();
    for (const d of s.documents.all()) if (uriToPath(d.uri) && d.languageId !== 'dockerignore' && !/\.dockerignore$/i.test(d.uri)) uris.add(d.uri);
    for (const u of Array.isArray(p.dockerfiles) ? p.dockerfiles : []) if (typeof u === 'string') uris.add(u);
    const out: WhatIfResult = { path: workspaceRelative(s, abs) || abs, results: [], problems: [], markdown: '' };
    for (const uri of [...uris].slice(0, MAX_DOCKERFILES)) {
      const file = uriToPath(uri);
      if (!file) continue;
      const rc = resolveContext(s, uri);
      if (!rc.dir) continue;
      const rel = path.relative(rc.dir, abs);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      try {
        const doc = s.documents.get(uri) ?? s.documents.get(pathToUri(file));
        const text = doc ? doc.getText() : fs.readFileSync(file, 'utf8');
        const { ctx, error } = await loadContext(s, rc);
        if (!ctx) {
          out.problems.push(`${workspaceRelative(s, file) || file}: ${error ?? 'the build context could not be read'}`);
          continue;
        }
        const opts = analyzeOptions(s, rc);
        const model = analyze(text, opts);
        const changed = rel.split(path.sep).join('/');
        // the context folder itself: everything in it
        const list = changed ? [changed] : [...ctx.paths()].filter((x) => !x.includes('/'));
        const e = explain({ current: { text, context: ctx, options: opts }, baseline: { text, context: ctx, options: opts }, changed: list, currentModel: model });
        const steps = e.steps.filter((r) => !r.step.trigger).map((r) => ({ line: r.step.line + 1, instruction: r.step.instruction, status: r.status }));
        out.results.push({ dockerfile: workspaceRelative(s, file) || file, uri, context: workspaceRelative(s, rc.dir) || '.', changed: changed || '.', steps, rebuilt: e.summary.rebuilt, maybe: e.summary.maybe });
      } catch (err) {
        out.problems.push(`${workspaceRelative(s, file) || file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }
    out.markdown = render(out);
    return out;
  });
}

function render(r: WhatIfResult): string {
  const md: string[] = [`# What rebuilds if \`${r.path}\` changes`, ''];
  if (!r.results.length) md.push('No Dockerfile found whose build context holds it.', '');
  for (const x of r.results) {
    md.push(`## ${x.dockerfile}`, '', `Context \`${x.context}\` (as \`${x.changed}\`): ${x.rebuilt} of ${x.steps.filter((s) => s.status !== 'skipped').length} steps rebuild${x.maybe ? `, ${x.maybe} may` : ''}.`, '');
    md.push('| line | step | next build |', '|---:|---|---|');
    for (const st of x.steps) md.push(`| ${st.line} | \`${st.instruction.replace(/\|/g, '\\|').replace(/`/g, "'").slice(0, 100)}\` | ${LABEL[st.status]} |`);
    md.push('');
  }
  for (const p of r.problems) md.push(`- ${p}`);
  return md.join('\n') + '\n';
}
