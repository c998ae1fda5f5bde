// SARIF 2.1.0 output for GitHub code scanning: one run, the rule catalogue as the driver's rules (with help URIs),
// a result per finding with its location and, when fixable, its fix as artifact changes.
import path = require('node:path');
import { RULES, docsUrl, type Finding, type Range } from '../engine';

/** The folder `up` levels above a context shown as `context` (the build context a finding suggests). */
export function likelyContext(context: string, up: number): string {
  return path.posix.normalize(path.posix.join(context.split('\\').join('/'), ...Array<string>(up).fill('..'))).replace(/\/$/, '') || '.';
}

export interface SarifFile {
  dockerfile: string;
  findings: Finding[];
  text: string;
  context: string;
}

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

function region(r: Range) {
  return { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
}

export function sarifLog(files: SarifFile[]) {
  const rules = RULES.map((r) => ({
    id: r.id,
    name: r.id
      .split('-')
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(''),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    helpUri: docsUrl(r.id),
    help: { text: `${r.description} See ${docsUrl(r.id)}`, markdown: `${r.description}\n\n[Rule documentation](${docsUrl(r.id)})` },
    defaultConfiguration: { level: LEVEL[r.defaultSeverity] },
    properties: { tags: ['docker', 'build-cache'] },
  }));
  const results = files.flatMap((f) =>
    f.findings.map((x) => {
      const uri = f.dockerfile.split('\\').join('/');
      const ignoreUri = (f.context === '.' ? '' : f.context.replace(/\/?$/, '/')) + '.dockerignore';
      return {
        ruleId: x.rule,
        ruleIndex: RULES.findIndex((r) => r.id === x.rule),
        level: LEVEL[x.severity],
        message: { text: x.message },
        locations: [{ physicalLocation: { artifactLocation: { uri }, region: region(x.range) } }],
        ...(x.contextUp ? { properties: { likelyContext: likelyContext(f.context, x.contextUp) } } : {}),
        ...(x.related?.length
          ? { relatedLocations: x.related.map((r, i) => ({ id: i + 1, message: { text: r.message }, physicalLocation: { artifactLocation: { uri }, region: region(r.range) } })) }
          : {}),
        ...(x.fix
          ? {
              fixes: [
                {
                  description: { text: x.fix.title },
                  artifactChanges: groupBy(x.fix.edits, (e) => e.file).map(([file, edits]) => ({
                    artifactLocation: { uri: file === 'dockerfile' ? uri : ignoreUri },
                    replacements: edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })),
                  })),
                },
              ],
            }
          : {}),
      };
    }),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'layerwise', informationUri: 'https://github.com/layerwise/layerwise', version: '0.1.0', semanticVersion: '0.1.0', rules } },
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}

function groupBy<T, K>(xs: T[], key: (x: T) => K): [K, T[]][] {
  const m = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    m.set(k, [...(m.get(k) ?? []), x]);
  }
  return [...m];
}
