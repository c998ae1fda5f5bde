// Build definitions from project files: `compose.yaml` `build:` entries, `docker-bake.hcl` / `docker-bake.json`
// targets, and the precedence that turns them (with `.layerwise.yaml` and editor settings) into one build setting per
// Dockerfile. Pure: text in, plain data out; paths stay as written (the context layer resolves them on disk).
import { parse as parseYaml } from 'yaml';

/** One build a project file defines. Paths are as written: `context` relative to the project file's folder,
 *  `dockerfile` relative to the context (both the way compose and bake resolve them). */
export interface ProjectBuild {
  kind: 'compose' | 'bake';
  /** Service (compose) or target (bake) name. */
  name: string;
  context: string;
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
  /** 0-based line of the service / target in the file, when known. */
  line?: number;
}

export interface ProjectParse {
  builds: ProjectBuild[];
  /** Problems that made (part of) the file unusable; the file is skipped, never fatal. */
  errors: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A remote context (git URL, https tarball) has no folder on disk to crawl. */
export const isRemoteContext = (c: string): boolean => /^([a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/)/i.test(c) || /\.git(#.*)?$/.test(c);

/** Compose interpolation without an environment: `${V:-d}`/`${V-d}` → d, `$$` → `$`, `${V}`/`$V` → '' (unset). */
export function composeInterpolate(s: string, env: Record<string, string> = {}): string {
  return s.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name, op, arg, bare) => {
    if (m === '$$') return '$';
    const n = (name ?? bare) as string;
    const v = env[n];
    if (!op) return v ?? '';
    const unsetOrEmpty = op.startsWith(':') ? !v : v === undefined;
    if (op.endsWith('-')) return unsetOrEmpty ? composeInterpolate(arg ?? '', env) : v!;
    if (op.endsWith('+')) return unsetOrEmpty ? '' : composeInterpolate(arg ?? '', env);
    return v ?? ''; // ?: required — we have no value, keep going with empty
  });
}

function argsMap(v: unknown, interp: (s: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      if (typeof item !== 'string') continue;
      const eq = item.indexOf('=');
      if (eq > 0) out[item.slice(0, eq)] = interp(item.slice(eq + 1)); // `- NAME` alone takes the value from the environment: unknown here
    }
  } else if (isObj(v)) {
    for (const [k, val] of Object.entries(v)) {
      if (val === null || val === undefined || typeof val === 'object') continue;
      out[k] = interp(String(val));
    }
  }
  return out;
}

/** `services.<name>.build` of a compose file: the string form (`build: ./dir`) and the long form. */
export function parseComposeBuilds(text: string): ProjectParse {
  const res: ProjectParse = { builds: [], errors: [] };
  let doc: unknown;
  try {
    doc = parseYaml(text, { merge: true, uniqueKeys: false, maxAliasCount: 1000 });
  } catch (e) {
    res.errors.push(`not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    return res;
  }
  if (!isObj(doc)) return res;
  const services = doc['services'];
  if (services === undefined || services === null) return res;
  if (!isObj(services)) {
    res.errors.push('`services` must be a map');
    return res;
  }
  const lines = text.split('\n');
  const interp = (s: string) => composeInterpolate(s);
  for (const [name, svc] of Object.entries(services)) {
    if (!isObj(svc)) continue;
    const b = svc['build'];
    if (b === undefined || b === null) continue;
    const line = lines.findIndex((l) => new RegExp(`^\\s+["']?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`).test(l));
    const at = line >= 0 ? { line } : {};
    if (typeof b === 'string') {
      res.builds.push({ kind: 'compose', name, context: interp(b), dockerfile: 'Dockerfile', args: {}, ...at });
      continue;
    }
    if (!isObj(b)) {
      res.errors.push(`\`services.${name}.build\` must be a path or a map`);
      continue;
    }
    if (typeof b['dockerfile_inline'] === 'string') continue; // no Dockerfile on disk to attach to
    const ctx = b['context'];
    const df = b['dockerfile'];
    const build: ProjectBuild = {
      kind: 'compose',
      name,
      context: typeof ctx === 'string' ? interp(ctx) : '.',
      dockerfile: typeof df === 'string' ? interp(df) : 'Dockerfile',
      args: argsMap(b['args'], interp),
      ...at,
    };
    if (typeof b['target'] === 'string') build.target = interp(b['target']);
    res.builds.push(build);
  }
  return res;
}

// ---- docker-bake.hcl: a tolerant reader of the HCL subset bake files use

type HclValue = string | number | boolean | null | HclValue[] | { [k: string]: HclValue } | Unresolved;
/** An expression we do not evaluate (function call, conditional, reference we cannot resolve). */
class Unresolved {
  constructor(readonly text: string) {}
}

interface HclBlock {
  type: string;
  labels: string[];
  attrs: Record<string, HclValue>;
  /** Raw attribute expressions (evaluated once variables are known). */
  raw: Record<string, RawExpr>;
  blocks: HclBlock[];
  line: number;
}

type RawExpr =
  | { t: 'str'; parts: (string | { expr: string })[] }
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'list'; items: RawExpr[] }
  | { t: 'obj'; entries: [string, RawExpr][] }
  | { t: 'ref'; path: string }
  | { t: 'other'; text: string };

class HclReader {
  i = 0;
  line = 0;
  constructor(readonly s: string) {}

  private peek(): string {
    return this.s[this.i] ?? '';
  }

  /** Skips spaces, comments and (when `nl`) newlines. */
  ws(nl = true): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === '\n') {
        if (!nl) return;
        this.line++;
        this.i++;
      } else if (c === ' ' || c === '\t' || c === '\r') this.i++;
      else if (c === '#' || (c === '/' && s[this.i + 1] === '/')) {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else if (c === '/' && s[this.i + 1] === '*') {
        const end = s.indexOf('*/', this.i + 2);
        const stop = end < 0 ? s.length : end + 2;
        for (let k = this.i; k < stop; k++) if (s[k] === '\n') this.line++;
        this.i = stop;
      } else return;
    }
  }

  ident(): string | null {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.s.slice(this.i, this.i + 200));
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }

  /** A quoted string with `${...}` parts. */
  str(): RawExpr {
    const s = this.s;
    this.i++; // opening quote
    const parts: (string | { expr: string })[] = [];
    let cur = '';
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === '"') {
        this.i++;
        break;
      }
      if (c === '\n') break; // unterminated: stop at the line end
      if (c === '\\') {
        const n = s[this.i + 1] ?? '';
        cur += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
        this.i += 2;
        continue;
      }
      if ((c === '$' || c === '%') && s[this.i + 1] === '{') {
        if (s[this.i + 2] === c) {
          // `$${` is a literal `${`
          cur += c + '{';
          this.i += 3;
          continue;
        }
        const start = this.i + 2;
        let depth = 1;
        let k = start;
        let inStr = false;
        while (k < s.length && depth > 0) {
          const ch = s[k]!;
          if (inStr) {
            if (ch === '\\') k++;
            else if (ch === '"') inStr = false;
          } else if (ch === '"') inStr = true;
          else if (ch === '{') depth++;
          else if (ch === '}') depth--;
          k++;
        }
        if (cur) parts.push(cur);
        cur = '';
        parts.push({ expr: (c === '%' ? '%' : '') + s.slice(start, k - 1).trim() });
        this.i = k;
        continue;
      }
      cur += c;
      this.i++;
    }
    if (cur || !parts.length) parts.push(cur);
    return { t: 'str', parts };
  }

  heredoc(): RawExpr {
    const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\r?\n/.exec(this.s.slice(this.i, this.i + 200));
    if (!m) return this.other();
    this.i += m[0].length;
    this.line++;
    const lines: string[] = [];
    while (this.i < this.s.length) {
      const nl = this.s.indexOf('\n', this.i);
      const lineText = this.s.slice(this.i, nl < 0 ? this.s.length : nl);
      this.i = nl < 0 ? this.s.length : nl + 1;
      this.line++;
      if (lineText.trim() === m[2]) break;
      lines.push(lineText);
    }
    let body = lines;
    if (m[1]) {
      const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length));
      body = lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0));
    }
    return { t: 'str', parts: [body.join('\n') + '\n'] };
  }

  /** Skips an expression we do not understand, up to the end of the line (balancing brackets). */
  other(): RawExpr {
    const s = this.s;
    const start = this.i;
    let depth = 0;
    let inStr = false;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (inStr) {
        if (c === '\\') this.i++;
        else if (c === '"') inStr = false;
        else if (c === '\n') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) break;
        depth--;
      } else if ((c === '\n' || c === ',') && depth === 0) break;
      if (c === '\n') this.line++;
      this.i++;
    }
    return { t: 'other', text: s.slice(start, this.i).trim() };
  }

  expr(): RawExpr {
    this.ws();
    const start = this.i;
    const prim = this.primary();
    // anything after a primary on the same line (operators, `? :`, indexing) makes it an expression we skip
    const save = this.i;
    const saveLine = this.line;
    this.ws(false);
    const c = this.peek();
    if (c && !',\n}])#'.includes(c) && !(c === '/' && (this.s[this.i + 1] === '/' || this.s[this.i + 1] === '*'))) {
      this.i = start;
      this.line = saveLine;
      return this.other();
    }
    this.i = save;
    this.line = saveLine;
    return prim;
  }

  primary(): RawExpr {
    const c = this.peek();
    if (c === '"') return this.str();
    if (c === '<' && this.s[this.i + 1] === '<') return this.heredoc();
    if (c === '[') {
      this.i++;
      const items: RawExpr[] = [];
      for (;;) {
        this.ws();
        if (this.peek() === ']' || !this.peek()) {
          this.i++;
          break;
        }
        const before = this.i;
        items.push(this.expr());
        this.ws();
        if (this.peek() === ',') this.i++;
        else if (this.i === before) this.i++; // never loop on garbage
      }
      return { t: 'list', items };
    }
    if (c === '{') {
      this.i++;
      const entries: [string, RawExpr][] = [];
      for (;;) {
        this.ws();
        const p = this.peek();
        if (p === '}' || !p) {
          this.i++;
          break;
        }
        const before = this.i;
        let key: string | null;
        if (p === '"') {
          const k = this.str();
          key = k.t === 'str' ? k.parts.map((x) => (typeof x === 'string' ? x : '${' + x.expr + '}')).join('') : null;
        } else key = this.ident();
        this.ws();
        if (key !== null && (this.peek() === '=' || this.peek() === ':')) {
          this.i++;
          entries.push([key, this.expr()]);
        } else this.other();
        this.ws();
        if (this.peek() === ',') this.i++;
        else if (this.i === before) this.i++;
      }
      return { t: 'obj', entries };
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 64));
    if (num) {
      this.i += num[0].length;
      return { t: 'num', v: Number(num[0]) };
    }
    const save = this.i;
    const id = this.ident();
    if (id) {
      if (id === 'true' || id === 'false') return { t: 'bool', v: id === 'true' };
      if (id === 'null') return { t: 'null' };
      let p = id;
      while (this.peek() === '.' && /[A-Za-z_]/.test(this.s[this.i + 1] ?? '')) {
        this.i++;
        p += '.' + this.ident();
      }
      if (this.peek() === '(') {
        this.i = save;
        return this.other();
      }
      return { t: 'ref', path: p };
    }
    return this.other();
  }

  /** A body: attributes and nested blocks, up to `}` or the end. */
  body(into: HclBlock): void {
    for (;;) {
      this.ws();
      const c = this.peek();
      if (!c) return;
      if (c === '}') {
        this.i++;
        return;
      }
      const line = this.line;
      const name = this.ident();
      if (!name) {
        // not something we know: skip the line
        this.other();
        if (this.peek() && '}])'.includes(this.peek()) && this.peek() !== '}') this.i++;
        if (this.i < this.s.length && this.peek() !== '}') this.i++;
        continue;
      }
      this.ws(false);
      if (this.peek() === '=' && this.s[this.i + 1] !== '=') {
        this.i++;
        into.raw[name] = this.expr();
        continue;
      }
      const labels: string[] = [];
      for (;;) {
        this.ws(false);
        if (this.peek() === '"') {
          const l = this.str();
          labels.push(l.t === 'str' ? l.parts.map((x) => (typeof x === 'string' ? x : '')).join('') : '');
        } else {
          const save = this.i;
          const l = this.ident();
          if (l) labels.push(l);
          else {
            this.i = save;
            break;
          }
        }
      }
      this.ws();
      if (this.peek() === '{') {
        this.i++;
        const b: HclBlock = { type: name, labels, attrs: {}, raw: {}, blocks: [], line };
        this.body(b);
        into.blocks.push(b);
      } else this.other();
    }
  }
}

/** Evaluates the expressions of bake's HCL we can: strings with `${VAR}`, lists, maps, literals. */
function evalRaw(e: RawExpr, vars: Record<string, HclValue>): HclValue {
  switch (e.t) {
    case 'str': {
      let out = '';
      for (const p of e.parts) {
        if (typeof p === 'string') out += p;
        else {
          const v = /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.expr) ? vars[p.expr] : undefined;
          if (v === undefined || v instanceof Unresolved || (typeof v === 'object' && v !== null)) return new Unresolved('${' + p.expr + '}');
          out += v === null ? '' : String(v);
        }
      }
      return out;
    }
    case 'num':
    case 'bool':
      return e.v;
    case 'null':
      return null;
    case 'list':
      return e.items.map((x) => evalRaw(x, vars));
    case 'obj': {
      const o: Record<string, HclValue> = {};
      for (const [k, v] of e.entries) o[k] = evalRaw(v, vars);
      return o;
    }
    case 'ref': {
      const v = vars[e.path];
      return v === undefined ? new Unresolved(e.path) : v;
    }
    default:
      return new Unresolved(e.text);
  }
}

interface BakeTargetRaw {
  name: string;
  line?: number;
  attrs: Record<string, HclValue>;
}

function bakeBuilds(targets: BakeTargetRaw[]): ProjectBuild[] {
  const byName = new Map(targets.map((t) => [t.name, t]));
  const resolved = new Map<string, Record<string, HclValue>>();
  const resolve = (name: string, seen: Set<string>): Record<string, HclValue> => {
    const done = resolved.get(name);
    if (done) return done;
    const t = byName.get(name);
    if (!t || seen.has(name)) return {};
    seen.add(name);
    let merged: Record<string, HclValue> = {};
    const inh = t.attrs['inherits'];
    for (const parent of Array.isArray(inh) ? inh : []) {
      if (typeof parent !== 'string') continue;
      const pa = resolve(parent, seen);
      merged = { ...merged, ...pa, args: { ...(isObj(merged['args']) ? merged['args'] : {}), ...(isObj(pa['args']) ? pa['args'] : {}) } };
    }
    const own = t.attrs;
    merged = { ...merged, ...own, args: { ...(isObj(merged['args']) ? merged['args'] : {}), ...(isObj(own['args']) ? own['args'] : {}) } };
    resolved.set(name, merged);
    return merged;
  };
  const out: ProjectBuild[] = [];
  // targets others inherit from are templates: list the leaves first, so that a Dockerfile is attributed to them
  const parents = new Set<string>();
  for (const t of targets) for (const p of Array.isArray(t.attrs['inherits']) ? t.attrs['inherits'] : []) if (typeof p === 'string') parents.add(p);
  const ordered = [...targets.filter((t) => !parents.has(t.name)), ...targets.filter((t) => parents.has(t.name))];
  for (const t of ordered) {
    const a = resolve(t.name, new Set());
    const str = (v: HclValue | undefined): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
    if (a['context'] !== undefined && str(a['context']) === undefined) continue; // unresolvable context: cannot place it
    if (a['dockerfile'] !== undefined && str(a['dockerfile']) === undefined) continue;
    if (typeof a['dockerfile-inline'] === 'string') continue;
    const args: Record<string, string> = {};
    if (isObj(a['args']))
      for (const [k, v] of Object.entries(a['args'] as Record<string, HclValue>)) {
        const s = str(v) ?? (typeof v === 'boolean' ? String(v) : undefined);
        if (s !== undefined) args[k] = s; // null or unresolved: not passed (bake leaves it unset)
      }
    const b: ProjectBuild = { kind: 'bake', name: t.name, context: str(a['context']) ?? '.', dockerfile: str(a['dockerfile']) ?? 'Dockerfile', args };
    if (t.line !== undefined) b.line = t.line;
    const tg = str(a['target']);
    if (tg) b.target = tg;
    out.push(b);
  }
  return out;
}

/** Targets of a `docker-bake.hcl`: variables (their defaults) are substituted; `inherits` is followed. */
export function parseBakeHcl(text: string): ProjectParse {
  const res: ProjectParse = { builds: [], errors: [] };
  const root: HclBlock = { type: '', labels: [], attrs: {}, raw: {}, blocks: [], line: 0 };
  try {
    new HclReader(text.replace(/^\uFEFF/, '')).body(root);
  } catch (e) {
    res.errors.push(`cannot read: ${(e as Error).message}`);
    return res;
  }
  // variables: defaults, evaluated in order (a default may use an earlier variable)
  const vars: Record<string, HclValue> = {};
  for (const b of root.blocks) {
    if (b.type !== 'variable' || !b.labels[0]) continue;
    vars[b.labels[0]] = b.raw['default'] ? evalRaw(b.raw['default'], vars) : '';
  }
  for (const [k, e] of Object.entries(root.raw)) vars[k] = evalRaw(e, vars); // top-level attributes are variables too
  const targets: BakeTargetRaw[] = [];
  for (const b of root.blocks) {
    if (b.type !== 'target' || !b.labels[0]) continue;
    const attrs: Record<string, HclValue> = {};
    for (const [k, e] of Object.entries(b.raw)) attrs[k] = evalRaw(e, vars);
    const prev = targets.find((t) => t.name === b.labels[0]);
    if (prev) Object.assign(prev.attrs, attrs); // a repeated block merges into the first
    else targets.push({ name: b.labels[0], line: b.line, attrs });
  }
  res.builds = bakeBuilds(targets);
  return res;
}

/** Targets of a `docker-bake.json`. */
export function parseBakeJson(text: string): ProjectParse {
  const res: ProjectParse = { builds: [], errors: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    res.errors.push(`not valid JSON: ${(e as Error).message}`);
    return res;
  }
  if (!isObj(doc)) return res;
  const vars: Record<string, HclValue> = {};
  const varDefs = doc['variable'];
  if (isObj(varDefs))
    for (const [k, v] of Object.entries(varDefs)) {
      const d = isObj(v) ? v['default'] : undefined;
      vars[k] = typeof d === 'string' ? d : typeof d === 'number' || typeof d === 'boolean' ? d : '';
    }
  const conv = (v: unknown): HclValue => {
    if (typeof v === 'string') return evalRaw(new HclReader('"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"').str(), vars);
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
    if (Array.isArray(v)) return v.map(conv);
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, conv(x)]));
    return null;
  };
  const tdefs = doc['target'];
  if (!isObj(tdefs)) return res;
  const targets: BakeTargetRaw[] = [];
  for (const [name, t] of Object.entries(tdefs)) if (isObj(t)) targets.push({ name, attrs: conv(t) as Record<string, HclValue> });
  res.builds = bakeBuilds(targets);
  return res;
}

// ---- precedence

export type SettingSource = 'settings' | 'config' | 'project' | 'folder';

/** One layer of build settings (a context directory already resolved to an absolute path by the caller). */
export interface BuildLayer {
  source: SettingSource;
  /** Human-readable origin, e.g. `compose.yaml (service web)`. */
  label: string;
  contextDir?: string;
  buildArgs?: Record<string, string>;
  target?: string;
}

export interface MergedBuild {
  contextDir: string;
  buildArgs: Record<string, string>;
  target: string | undefined;
  /** Where the context directory came from. */
  contextFrom: string;
}

/**
 * Precedence: settings > `.layerwise.yaml` > compose/bake > the Dockerfile's folder. The context and target come
 * from the first layer that sets them; build args merge key by key, the higher layer winning.
 * `layers` are given highest first; `folder` is the fallback context.
 */
export function mergeBuildLayers(layers: BuildLayer[], folder: string): MergedBuild {
  const out: MergedBuild = { contextDir: folder, buildArgs: {}, target: undefined, contextFrom: 'the Dockerfile\'s folder' };
  let ctxSet = false;
  for (const l of layers) {
    if (!ctxSet && l.contextDir !== undefined) {
      out.contextDir = l.contextDir;
      out.contextFrom = l.label;
      ctxSet = true;
    }
    if (out.target === undefined && l.target) out.target = l.target;
  }
  for (let i = layers.length - 1; i >= 0; i--) Object.assign(out.buildArgs, layers[i]!.buildArgs ?? {});
  return out;
}
