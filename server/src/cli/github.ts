// `check --format github`: GitHub Actions workflow commands, one annotation per finding
// (`::warning file=…,line=…,endLine=…,col=…,endColumn=…,title=<rule>::<message>`), then a plain summary line.
// The runner decodes `%25`, `%0D`, `%0A` in the message and also `%3A`, `%2C` in property values, so those
// characters are escaped exactly that way (a ':' or ',' in a file name would otherwise end the property).
import path = require('node:path');
import type { Finding, Problem, Severity } from '../engine';

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

export function annotation(command: string, props: Record<string, string | number>, message: string): string {
  const p = Object.entries(props)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${command}${p ? ' ' + p : ''}::${escapeData(message)}`;
}

/**
 * Annotation paths are relative to the repository checkout (GITHUB_WORKSPACE) whatever the current directory is;
 * outside a workflow, relative to the current directory.
 */
export function annotationPath(abs: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env['GITHUB_WORKSPACE'] ? path.resolve(env['GITHUB_WORKSPACE']) : process.cwd();
  const rel = path.relative(base, abs);
  return (rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel).split(path.sep).join('/');
}

export interface GithubFile {
  abs: string;
  findings: Finding[];
  problems: readonly Problem[];
}

export function renderGithub(files: GithubFile[]): string {
  const out: string[] = [];
  let total = 0;
  for (const f of files) {
    const file = annotationPath(f.abs);
    for (const p of f.problems)
      out.push(annotation(p.severity, { file, line: p.line + 1, title: 'layerwise: Dockerfile problem' }, p.message));
    for (const x of f.findings) {
      total++;
      const props: Record<string, string | number> = { file, line: x.range.start.line + 1, endLine: x.range.end.line + 1 };
      // columns only for a range within one line: GitHub's annotations take columns only when start and end share a line
      if (x.range.start.line === x.range.end.line) Object.assign(props, { col: x.range.start.character + 1, endColumn: x.range.end.character + 1 });
      props['title'] = x.rule;
      out.push(annotation(COMMAND[x.severity], props, x.message + (x.fix ? ` (fixable: layerwise check --fix)` : '')));
    }
  }
  out.push(`layerwise: ${total} finding${total === 1 ? '' : 's'} in ${files.length} Dockerfile${files.length === 1 ? '' : 's'}`);
  return out.join('\n') + '\n';
}
