// Finding and reading `.layerwise.yaml` (upward from a Dockerfile, stopping at the repository root or /).
import fs = require('node:fs');
import path = require('node:path');
import { ConfigError, emptyConfig, parseConfig, type LayerwiseConfig } from '../engine/config';

export const CONFIG_NAMES = ['.layerwise.yaml', '.layerwise.yml'];

export function findConfig(startDir: string, exists: (p: string) => boolean = fs.existsSync): string | null {
  let dir = path.resolve(startDir);
  for (;;) {
    for (const n of CONFIG_NAMES) {
      const p = path.join(dir, n);
      if (exists(p)) return p;
    }
    if (exists(path.join(dir, '.git'))) return null;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * The `.layerwise.yaml` that settings for this Dockerfile belong in: the one that applies to it, else a new one in
 * `fallbackDir`. With its current text (null: the file does not exist).
 */
export function configToEdit(dockerfilePath: string, fallbackDir: string): { file: string; text: string | null } | null {
  const found = findConfig(path.dirname(dockerfilePath));
  if (!found) return { file: path.join(fallbackDir, CONFIG_NAMES[0]!), text: null };
  try {
    return { file: found, text: fs.readFileSync(found, 'utf8') };
  } catch {
    return null; // there is one, but it cannot be read: never overwrite it
  }
}

export function loadConfig(file: string | null): { config: LayerwiseConfig; file: string | null } {
  if (!file) return { config: emptyConfig(), file: null };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { config: parseConfig(text, file), file };
}
