// The messages the language server sends its clients beyond LSP (`layerwise/*` notifications and request results).
// Types only: the VS Code client imports this file with `import type`, so it never pulls in analysis code.

export interface AnalysedNotification {
  uri: string;
  version: number;
  kind: 'dockerfile' | 'dockerignore';
  steps: number;
  stages: number;
  findings: number;
  contextFiles: number | null;
  /** What this build transfers from the context (lsp/sizes.ts): `31.0 MB` for the status bar, and its summary line. */
  contextSize?: { short: string; summary: string } | null;
  contextDir: string | null;
  /** Where the context directory came from: settings, `.layerwise.yaml`, a compose service or bake target, or the folder. */
  contextFrom?: string;
  elapsedMs: number;
}

/** `layerwise/lastBuild` notification: what the last imported build did per step line (client decorations). */
export interface LastBuildNotification {
  uri: string;
  version: number;
  items: { line: number; text: string; mismatch: boolean }[];
}

/** Result of the `layerwise/importBuild` request. */
export interface ImportBuildResult {
  format: string;
  steps: number;
  executed: number;
  cached: number;
  executedSeconds: number;
  baseline: string | null;
  mismatches: { line: number; real: string; predicted: string | null; message: string }[];
  mapped: { line: number; status: string; label: string }[];
  problems: string[];
  stored: string | null;
  /** The image the build wrote (`--iidfile`, else its log), or null. */
  image: string | null;
  note: string | null;
}

/** One step of the live forecast as the client draws it (0-based lines). */
export interface ForecastItem {
  line: number;
  endLine: number;
  status: 'rebuilt' | 'maybe' | 'cached' | 'skipped';
  /** `src/server.js changed`, `the previous step rebuilds`, … (empty when cached). */
  reason: string;
}

/** `layerwise/forecast` notification: the next build's status per step, against `baseline`. */
export interface ForecastNotification {
  uri: string;
  version: number;
  /** `HEAD (abc123def456)`, or null when there is no baseline (then `note` says why). */
  baseline: string | null;
  note: string | null;
  items: ForecastItem[];
  summary: { steps: number; rebuilt: number; maybe: number; seconds: number | null };
}

/** Result of `layerwise/cacheMap` (lsp/cachemap.ts): the layer cache map's body for the editor's webview. */
export interface CacheMapResult {
  uri: string;
  version: number;
  html: string;
  /** The map's style (engine/cachemap.ts), for the webview's page. */
  css: string;
  /** One per step box: 1-based line and status (tests and the client check them). */
  steps: { line: number; status: string }[];
  firstMiss: number | null;
  /** Named stages (a target must be one); the target shown (null: the last stage, unnamed). */
  targets: string[];
  target: string | null;
  baseline: string | null;
  note: string | null;
}
