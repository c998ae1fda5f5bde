// Finding and reading the project files that say how a Dockerfile is built: `.layerwise.yaml` (via config.ts),
// `compose.yaml` / `docker-compose.yml` `build:` entries and `docker-bake.hcl` / `docker-bake.json` targets.
// Files are cached by (mtime, size, inode) so a lookup per analysis costs a few stats; parsing is the engine's
// (server/src/engine/projects.ts). Nothing here throws: unreadable or invalid files become `problems`.
import fs = require('node:fs');
import path = require('node:path');
import { ConfigError, type DockerfileSettings, type LayerwiseConfig } from '../engine/config';
import { globMatcher } from '../engine/glob';
import { isRemoteContext, parseBakeHcl, parseBakeJson, parseComposeBuilds, type ProjectBuild, type ProjectParse } from '../engine/projects';
import { CONFIG_NAMES, findConfig, loadConfig } from './config';

/** Compose file names in the order `docker compose` picks them (the first present is used). */
export const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
/** Bake's default files (all present ones are read). */
export const BAKE_NAMES = ['docker-bake.json', 'docker-bake.hcl'];
export const PROJECT_FILE_NAMES = new Set([...CONFIG_NAMES, ...COMPOSE_NAMES, ...BAKE_NAMES]);

export function isProjectFile(p: string): boolean {
  return PROJECT_FILE_NAMES.has(path.basename(p));
}

export interface ConfigProblem {
  file: string;
  message: string;
  /** 0-based line the problem is on (best effort). */
  line: number;
}

export interface ProjectMatch {
  /** The compose or bake file. */
  file: string;
  build: ProjectBuild;
  /** Absolute context directory. */
  contextDir: string;
  /** e.g. `compose.yaml service "web"`. */
  label: string;
}

export interface ProjectResolution {
  /** The `.layerwise.yaml` in effect (null when none, or when it is invalid). */
  config: { file: string; config: LayerwiseConfig } | null;
  configError: ConfigProblem | null;
  /** This Dockerfile's entry in `.layerwise.yaml` `dockerfiles:` (key relative to the config file's folder). */
  configEntry: DockerfileSettings | null;
  /** Absolute context from the config entry. */
  configContextDir: string | null;
  /** True when `.layerwise.yaml` `ignore:` lists this Dockerfile. */
  ignored: boolean;
  /** The nearest compose service / bake target that builds this Dockerfile. */
  project: ProjectMatch | null;
  /** Compose/bake files that could not be read or parsed ("file: message"). */
  problems: string[];
  /** Directories whose project files decide this answer (for a watcher). */
  dirs: string[];
}

interface Cached<T> {
  key: string;
  value: T;
}

function statKey(file: string): string | null {
  try {
    // no exception for a missing file: most names looked for are absent, and building the error was most of the cost
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (!st?.isFile()) return null;
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return null;
  }
}

/** The same file or folder (a link and its target are the same). */
export function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    // the native realpath is one call; the JavaScript one lstat's every folder of the path
    return fs.realpathSync.native(a) === fs.realpathSync.native(b);
  } catch {
    return false;
  }
}

/** The 0-based line a ConfigError message points at: YAML's own "at line N", else the last key named. */
export function configErrorLine(text: string, message: string): number {
  const m = /at line (\d+)/.exec(message);
  if (m) return Math.max(0, Number(m[1]) - 1);
  const key = /`([^`]+)`/.exec(message)?.[1];
  if (!key) return 0;
  const lines = text.split('\n');
  let from = 0;
  let found = 0;
  // follow the dotted key down the file; a segment not found on its own is tried joined with the next (file names)
  const segs = key.split('.');
  for (let i = 0; i < segs.length; i++) {
    let hit = -1;
    for (let j = segs.length; j > i && hit < 0; j--) {
      const seg = segs.slice(i, j).join('.').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const re = new RegExp(`^\\s*(- )?["']?${seg}["']?\\s*:`);
      for (let k = from; k < lines.length; k++)
        if (re.test(lines[k]!)) {
          hit = k;
          i = j - 1;
          break;
        }
    }
    if (hit < 0) break;
    found = hit;
    from = hit + 1;
  }
  return found;
}

export interface ProjectFilesOptions {
  /** Watch the directories looked at with fs.watch (when the client sends no file events). */
  ownWatcher?: boolean;
  /** Called with the project file that changed (created, edited, deleted). */
  onChange?: (file: string) => void;
  log?: (msg: string) => void;
  /** How many folders above the Dockerfile to look in when it is outside every workspace folder. Default 4. */
  maxUp?: number;
  /**
   * The files looked at do not change while this object is used (one `check` run, which rewrites Dockerfiles and
   * ignore files, never project files or folders): each path is stat'ed once, not once per Dockerfile.
   */
  unchanging?: boolean;
}

export class ProjectFiles {
  private readonly parsed = new Map<string, Cached<ProjectParse>>();
  private readonly configs = new Map<string, Cached<{ config: LayerwiseConfig } | { error: ConfigProblem }>>();
  private readonly watchers = new Map<string, fs.FSWatcher>();

  private readonly stats = new Map<string, string | null>();
  private readonly exist = new Map<string, boolean>();

  constructor(private readonly opts: ProjectFilesOptions = {}) {}

  /** statKey, once per path when the files are unchanging. */
  private statKey(file: string): string | null {
    if (!this.opts.unchanging) return statKey(file);
    let k = this.stats.get(file);
    if (k === undefined) this.stats.set(file, (k = statKey(file)));
    return k;
  }

  /** fs.existsSync, once per path when the files are unchanging. */
  private readonly exists = (p: string): boolean => {
    if (!this.opts.unchanging) return fs.existsSync(p);
    let e = this.exist.get(p);
    if (e === undefined) this.exist.set(p, (e = fs.existsSync(p)));
    return e;
  };

  /** The folders looked in for compose/bake files: the Dockerfile's folder up to `stopAt` (a workspace folder). */
  private searchDirs(dockerfile: string, stopAt: string | undefined): string[] {
    const dirs: string[] = [];
    let dir = path.dirname(path.resolve(dockerfile));
    const inside = stopAt && (dir === stopAt || dir.startsWith(stopAt + path.sep));
    const max = inside ? 64 : (this.opts.maxUp ?? 4);
    for (let i = 0; i <= max; i++) {
      dirs.push(dir);
      if (inside && dir === stopAt) break;
      if (!inside && this.exists(path.join(dir, '.git'))) break;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    return dirs;
  }

  /**
   * The builds of a compose or bake file, parsed once per version of the file (its stat); a file that cannot be
   * stat'ed is one error.
   */
  parseProject(file: string): ProjectParse {
    const key = this.statKey(file);
    if (!key) return { builds: [], errors: ['cannot read: not a file'] };
    return this.parseFile(file, key);
  }

  private parseFile(file: string, key: string): ProjectParse {
    const c = this.parsed.get(file);
    if (c && c.key === key) return c.value;
    let value: ProjectParse;
    try {
      const st = fs.statSync(file);
      if (st.size > 4 * 1024 * 1024) value = { builds: [], errors: [`${st.size} bytes: too large to read`] };
      else {
        const text = fs.readFileSync(file, 'utf8');
        const base = path.basename(file);
        value = base.endsWith('.hcl') ? parseBakeHcl(text) : base.endsWith('.json') ? parseBakeJson(text) : parseComposeBuilds(text);
      }
    } catch (e) {
      value = { builds: [], errors: [`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`] };
    }
    this.parsed.set(file, { key, value });
    return value;
  }

  private readConfig(file: string): { config: LayerwiseConfig } | { error: ConfigProblem } {
    const key = this.statKey(file) ?? 'missing';
    const c = this.configs.get(file);
    if (c && c.key === key) return c.value;
    let value: { config: LayerwiseConfig } | { error: ConfigProblem };
    try {
      value = { config: loadConfig(file).config };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        /* unreadable: line 0 */
      }
      value = { error: { file, message: e instanceof ConfigError ? message : `${file}: ${message}`, line: configErrorLine(text, message) } };
    }
    this.configs.set(file, { key, value });
    return value;
  }

  /** Everything the project files say about building `dockerfile` (absolute path). */
  resolve(dockerfile: string, stopAt?: string): ProjectResolution {
    const df = path.resolve(dockerfile);
    const res: ProjectResolution = { config: null, configError: null, configEntry: null, configContextDir: null, ignored: false, project: null, problems: [], dirs: [] };
    const dirs = this.searchDirs(df, stopAt);
    res.dirs = dirs;
    // .layerwise.yaml: found upward from the Dockerfile (stopping at the repository root)
    let cfgFile: string | null = null;
    try {
      cfgFile = findConfig(path.dirname(df), this.exists);
    } catch {
      cfgFile = null;
    }
    if (cfgFile) {
      if (!res.dirs.includes(path.dirname(cfgFile))) res.dirs.push(path.dirname(cfgFile));
      const r = this.readConfig(cfgFile);
      if ('error' in r) res.configError = r.error;
      else {
        res.config = { file: cfgFile, config: r.config };
        const base = path.dirname(cfgFile);
        const rel = path.relative(base, df).split(path.sep).join('/');
        const entry = r.config.dockerfiles[rel] ?? r.config.dockerfiles['./' + rel];
        if (entry) {
          res.configEntry = entry;
          if (entry.context) res.configContextDir = path.resolve(base, entry.context);
        }
        res.ignored = r.config.ignore.some((g) => globMatcher(g)(rel));
      }
    }
    // compose / bake: the nearest folder with a file that builds this Dockerfile
    for (const dir of dirs) {
      const files: string[] = [];
      for (const n of COMPOSE_NAMES) {
        const f = path.join(dir, n);
        if (this.statKey(f)) {
          files.push(f);
          break;
        }
      }
      for (const n of BAKE_NAMES) files.push(path.join(dir, n));
      for (const f of files) {
        const key = this.statKey(f);
        if (!key) continue;
        const p = this.parseFile(f, key);
        for (const e of p.errors) res.problems.push(`${f}: ${e}`);
        for (const b of p.builds) {
          if (isRemoteContext(b.context)) continue;
          const ctx = path.resolve(dir, b.context);
          const target = path.resolve(ctx, b.dockerfile);
          if (!samePath(target, df)) continue;
          const kind = b.kind === 'compose' ? `service "${b.name}"` : `target "${b.name}"`;
          res.project = { file: f, build: b, contextDir: ctx, label: `${path.basename(f)} ${kind}` };
          break;
        }
        if (res.project) break;
      }
      if (res.project) break;
    }
    if (this.opts.ownWatcher) for (const d of res.dirs) this.watch(d);
    return res;
  }

  /** A file event: forget what was cached for it. True when it is a project file. */
  fileChanged(file: string): boolean {
    if (!isProjectFile(file)) return false;
    this.parsed.delete(file);
    this.configs.delete(file);
    return true;
  }

  private watch(dir: string): void {
    if (this.watchers.has(dir) || this.watchers.size >= 256) return;
    try {
      const w = fs.watch(dir, { persistent: false }, (_event, name) => {
        if (!name) return;
        const f = path.join(dir, name.toString());
        if (this.fileChanged(f)) this.opts.onChange?.(f);
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch (e) {
      this.opts.log?.(`cannot watch ${dir}: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
