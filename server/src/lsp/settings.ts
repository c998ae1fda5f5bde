// The `layerwise.*` settings as the server uses them: validated, with defaults, and a list of what was wrong
// (shown to the user once as a warning; the defaults are used instead).
import { globProblem } from '../engine/glob';
import { parsePlatform } from '../engine/model';

export type SeveritySetting = 'error' | 'warning' | 'info' | 'off';

export interface ContextMapping {
  /** Glob or path (relative to the workspace folder) of the Dockerfile(s) this entry applies to. */
  dockerfile: string;
  /** Build context directory (relative to the workspace folder, or absolute). */
  context: string;
  buildArgs?: Record<string, string>;
  target?: string;
}

export interface Settings {
  buildArgs: Record<string, string>;
  target: string | undefined;
  buildkitVersion: string | undefined;
  /** `docker build --platform` (TARGETPLATFORM); undefined: the builder's own, this machine's. */
  platform: string | undefined;
  contexts: ContextMapping[];
  codeLensEnabled: boolean;
  /** Inlay hints after steps that read the context (`reads 1,284 files`). Off by default. */
  inlayHintsEnabled: boolean;
  rules: Record<string, SeveritySetting>;
  /** Hit rates from the git history in hovers, lenses and the cache report (trusted workspaces only). */
  historyEnabled: boolean;
  /** How many commits that touched the context or the Dockerfile the history replays. */
  historyCommits: number;
  /** What the live rebuild forecast compares with (`layerwise.forecast.baseline`). */
  forecastBaseline: 'auto' | 'head' | 'lastBuild' | 'off';
}

export const DEFAULT_SETTINGS: Settings = {
  buildArgs: {},
  target: undefined,
  buildkitVersion: undefined,
  platform: undefined,
  contexts: [],
  codeLensEnabled: true,
  inlayHintsEnabled: false,
  rules: {},
  historyEnabled: true,
  historyCommits: 100,
  forecastBaseline: 'auto',
};

const SEVERITIES = new Set(['error', 'warning', 'info', 'off']);

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, name: string, errors: string[]): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    errors.push(`${name} must be an object of NAME: "value" pairs`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
    else errors.push(`${name}.${k} must be a string`);
  }
  return out;
}

/** Validates raw settings (the `layerwise` section). Unknown keys are ignored. */
export function parseSettings(raw: unknown): { settings: Settings; errors: string[] } {
  const errors: string[] = [];
  const s: Settings = { ...DEFAULT_SETTINGS, buildArgs: {}, contexts: [], rules: {} };
  if (raw === undefined || raw === null) return { settings: s, errors };
  if (!isObj(raw)) return { settings: s, errors: ['the layerwise settings must be an object'] };

  s.buildArgs = stringMap(raw['buildArgs'], 'layerwise.buildArgs', errors) ?? {};

  const target = raw['target'];
  if (typeof target === 'string') s.target = target.trim() || undefined;
  else if (target !== undefined && target !== null) errors.push('layerwise.target must be a stage name (string)');

  const bk = raw['buildkitVersion'];
  if (typeof bk === 'string') s.buildkitVersion = bk.trim() || undefined;
  else if (bk !== undefined && bk !== null) errors.push('layerwise.buildkitVersion must be a version string such as "0.8"');

  const pf = raw['platform'];
  if (typeof pf === 'string' && pf.trim() && parsePlatform(pf)) s.platform = pf.trim();
  else if (typeof pf === 'string' && !pf.trim()) s.platform = undefined;
  else if (pf !== undefined && pf !== null) errors.push('layerwise.platform must be a platform such as "linux/amd64" or "linux/arm64"');

  const cl = raw['codeLens'];
  if (isObj(cl) && cl['enabled'] !== undefined) {
    if (typeof cl['enabled'] === 'boolean') s.codeLensEnabled = cl['enabled'];
    else errors.push('layerwise.codeLens.enabled must be true or false');
  } else if (raw['codeLens.enabled'] !== undefined) {
    if (typeof raw['codeLens.enabled'] === 'boolean') s.codeLensEnabled = raw['codeLens.enabled'] as boolean;
    else errors.push('layerwise.codeLens.enabled must be true or false');
  }

  const ih = raw['inlayHints'];
  if (isObj(ih) && ih['enabled'] !== undefined) {
    if (typeof ih['enabled'] === 'boolean') s.inlayHintsEnabled = ih['enabled'];
    else errors.push('layerwise.inlayHints.enabled must be true or false');
  } else if (raw['inlayHints.enabled'] !== undefined) {
    if (typeof raw['inlayHints.enabled'] === 'boolean') s.inlayHintsEnabled = raw['inlayHints.enabled'] as boolean;
    else errors.push('layerwise.inlayHints.enabled must be true or false');
  }

  const hist = raw['history'];
  const histEnabled = isObj(hist) ? hist['enabled'] : raw['history.enabled'];
  if (histEnabled !== undefined && histEnabled !== null) {
    if (typeof histEnabled === 'boolean') s.historyEnabled = histEnabled;
    else errors.push('layerwise.history.enabled must be true or false');
  }
  const histCommits = isObj(hist) ? hist['commits'] : raw['history.commits'];
  if (histCommits !== undefined && histCommits !== null) {
    if (typeof histCommits === 'number' && Number.isInteger(histCommits) && histCommits >= 1 && histCommits <= 100_000) s.historyCommits = histCommits;
    else errors.push('layerwise.history.commits must be a whole number from 1 to 100000');
  }

  const fc = raw['forecast'];
  const fb = isObj(fc) ? fc['baseline'] : raw['forecast.baseline'];
  if (fb !== undefined && fb !== null) {
    if (fb === 'auto' || fb === 'head' || fb === 'lastBuild' || fb === 'off') s.forecastBaseline = fb;
    else errors.push('layerwise.forecast.baseline must be "auto", "head", "lastBuild" or "off"');
  }

  const rules = raw['rules'];
  if (rules !== undefined && rules !== null) {
    if (!isObj(rules)) errors.push('layerwise.rules must be an object of rule-id: "error" | "warning" | "info" | "off"');
    else
      for (const [id, sev] of Object.entries(rules)) {
        if (typeof sev === 'string' && SEVERITIES.has(sev)) s.rules[id] = sev as SeveritySetting;
        else errors.push(`layerwise.rules.${id} must be "error", "warning", "info" or "off" (got ${JSON.stringify(sev)})`);
      }
  }

  const contexts = raw['contexts'];
  if (contexts !== undefined && contexts !== null) {
    if (!isObj(contexts))
      errors.push('layerwise.contexts must map a Dockerfile path or glob to a context directory (or to {context, buildArgs, target})');
    else
      for (const [df, v] of Object.entries(contexts)) {
        const bad = globProblem(df);
        if (bad) {
          errors.push(`layerwise.contexts: ${bad}`);
          continue;
        }
        if (typeof v === 'string') s.contexts.push({ dockerfile: df, context: v });
        else if (isObj(v) && typeof v['context'] === 'string') {
          const m: ContextMapping = { dockerfile: df, context: v['context'] };
          const ba = stringMap(v['buildArgs'], `layerwise.contexts["${df}"].buildArgs`, errors);
          if (ba) m.buildArgs = ba;
          if (typeof v['target'] === 'string') m.target = v['target'];
          else if (v['target'] !== undefined) errors.push(`layerwise.contexts["${df}"].target must be a string`);
          s.contexts.push(m);
        } else errors.push(`layerwise.contexts["${df}"] must be a directory (string) or {context, buildArgs?, target?}`);
      }
  }
  return { settings: s, errors };
}
