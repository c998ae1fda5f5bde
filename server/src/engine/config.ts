// `.layerwise.yaml`: per-rule severities, ignored Dockerfiles, and per-Dockerfile build settings. Parsing and
// validation only (pure); finding the file on disk is the context layer's job. Errors name the file and the key.
import { parse as parseYaml, parseDocument } from 'yaml';
import { RULES } from './rules';
import { globProblem } from './glob';
import type { Severity } from './rules/types';

export interface DockerfileSettings {
  context?: string;
  target?: string;
  buildArgs?: Record<string, string>;
}

export interface LayerwiseConfig {
  rules: Record<string, Severity | 'off'>;
  ignore: string[];
  buildArgs: Record<string, string>;
  target?: string;
  dockerfiles: Record<string, DockerfileSettings>;
  /** Bytes from which unread-context-data reports unread context data (`unreadContextLimit: 100MB`). */
  unreadContextLimit?: number;
}

export class ConfigError extends Error {}

const SEVERITIES = ['off', 'info', 'warning', 'error'];

export function emptyConfig(): LayerwiseConfig {
  return { rules: {}, ignore: [], buildArgs: {}, dockerfiles: {} };
}

function stringMap(v: unknown, file: string, key: string): Record<string, string> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${file}: \`${key}\` must be a map of NAME: value`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val === 'object' && val !== null) throw new ConfigError(`${file}: \`${key}.${k}\` must be a string, number or boolean`);
    out[k] = val === null || val === undefined ? '' : String(val);
  }
  return out;
}

/**
 * `.layerwise.yaml` text with `dockerfiles.<dockerfile>.context` set (both paths relative to the config file's
 * folder, `/`-separated); comments and other settings are kept. `text` null: a new file.
 */
export function withDockerfileContext(text: string | null, dockerfile: string, context: string): string {
  if (text === null || !text.trim()) {
    return `# Layerwise settings (https://github.com/layerwise/layerwise#configuration)\ndockerfiles:\n  ${JSON.stringify(dockerfile)}:\n    context: ${JSON.stringify(context)}\n`;
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ConfigError(`not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  if (doc.contents === null) return withDockerfileContext(null, dockerfile, context);
  doc.setIn(['dockerfiles', dockerfile, 'context'], context);
  return String(doc);
}

export function parseConfig(text: string, file: string): LayerwiseConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new ConfigError(`${file}: not valid YAML: ${msg}`);
  }
  const cfg = emptyConfig();
  if (raw === null || raw === undefined) return cfg;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: the top level must be a map (rules:, ignore:, buildArgs:, target:, dockerfiles:)`);
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    switch (key) {
      case 'rules': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${file}: \`rules\` must be a map of rule id: off|info|warning|error`);
        for (const [id, sev] of Object.entries(v as Record<string, unknown>)) {
          if (!RULES.some((r) => r.id === id)) throw new ConfigError(`${file}: \`rules.${id}\`: unknown rule (known: ${RULES.map((r) => r.id).join(', ')})`);
          const s = sev === false ? 'off' : String(sev);
          if (!SEVERITIES.includes(s)) throw new ConfigError(`${file}: \`rules.${id}\`: "${String(sev)}" is not one of off, info, warning, error`);
          cfg.rules[id] = s as Severity | 'off';
        }
        break;
      }
      case 'ignore':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(`${file}: \`ignore\` must be a list of glob strings`);
        for (const g of v as string[]) {
          const bad = globProblem(g);
          if (bad) throw new ConfigError(`${file}: \`ignore\`: ${bad}`);
        }
        cfg.ignore = v as string[];
        break;
      case 'buildArgs':
      case 'build-args':
        cfg.buildArgs = stringMap(v, file, key);
        break;
      case 'target':
        if (typeof v !== 'string') throw new ConfigError(`${file}: \`target\` must be a stage name`);
        cfg.target = v;
        break;
      case 'dockerfiles': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${file}: \`dockerfiles\` must be a map of Dockerfile path: settings`);
        for (const [p, s] of Object.entries(v as Record<string, unknown>)) {
          if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new ConfigError(`${file}: \`dockerfiles.${p}\` must be a map (context, target, buildArgs)`);
          const ds: DockerfileSettings = {};
          for (const [k, val] of Object.entries(s as Record<string, unknown>)) {
            if (k === 'context' || k === 'target') {
              if (typeof val !== 'string') throw new ConfigError(`${file}: \`dockerfiles.${p}.${k}\` must be a string`);
              ds[k] = val;
            } else if (k === 'buildArgs' || k === 'build-args') ds.buildArgs = stringMap(val, file, `dockerfiles.${p}.${k}`);
            else throw new ConfigError(`${file}: \`dockerfiles.${p}.${k}\`: unknown key (context, target, buildArgs)`);
          }
          cfg.dockerfiles[p] = ds;
        }
        break;
      }
      case 'unreadContextLimit': {
        const n = parseSize(v);
        if (n === null) throw new ConfigError(`${file}: \`unreadContextLimit\` must be a size such as 50MB, 1.5GB or a number of bytes (got ${JSON.stringify(v)})`);
        cfg.unreadContextLimit = n;
        break;
      }
      default:
        throw new ConfigError(`${file}: unknown key \`${key}\` (rules, ignore, buildArgs, target, dockerfiles, unreadContextLimit)`);
    }
  }
  return cfg;
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** `50MB`, `1.5 GB`, `512MiB`, `1000` (bytes) → bytes; null when it is not a size. */
export function parseSize(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(v);
  if (!m) return null;
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
}
