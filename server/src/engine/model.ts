// The build model: stages, steps and each step's cache-key inputs, the way BuildKit's Dockerfile frontend lowers a
// Dockerfile (see ../../../docs/ARCHITECTURE.md and ../shared/buildkit-semantics.md §5). Pure: no I/O.
import { BoundedCache } from './memo';
import { expandWord, splitFields, splitWords, type Env } from './expand';
import { checkBudget } from './budget';
import { clearParseCache, lineStarts, parseDockerfile, type ParsedDockerfile, type ParsedInstruction, type Range, type Directive } from './parse';
import { normalizeRel } from './context';
import { fmtInt } from './format';

export type StepKeyword = 'RUN' | 'COPY' | 'ADD' | 'WORKDIR';


/** COPY/ADD flags that take a value (`--chown=…`); the others (`--link`, `--parents`, `--keep-git-dir`) are switches. */
const VALUE_FLAGS = new Set(['chown', 'chmod', 'from', 'exclude', 'checksum', 'platform']);
/** RUN's flags (`--mount`, `--network`, `--security`, `--device`): each takes a value. */
const RUN_VALUE_FLAGS = new Set(['mount', 'network', 'security', 'device']);
// BuildKit's parse errors for what the model would otherwise take in (measured on BuildKit 0.8)
const missingValue = (flag: string): string => `--${flag} needs a value (\`--${flag}=…\`): BuildKit stops with "Missing a value on flag: ${flag}"`;
const BLANK_ARG = 'ARG with a blank name (`ARG =value`): BuildKit stops with "ARG names can not be blank"';
const circular = (s: { index: number; name: string | null }): string =>
  `a stage cannot read from itself: BuildKit stops with "circular dependency detected on stage: ${s.name ?? 'stage-' + s.index}"`;
export interface AnalyzeOptions {
  /** `--build-arg` values. */
  buildArgs?: Record<string, string>;
  /** `--target`; default: the last stage. */
  target?: string;
  /** BuildKit version the predictions are for (semver-ish, e.g. "0.8" for Docker 20.10). Default: current. */
  buildkitVersion?: string;
  /** `docker build --platform`: the platform built for (TARGETPLATFORM). Default: the builder's platform. */
  platform?: string;
  /** The builder's own platform (BUILDPLATFORM). Default: linux/amd64 (the CLI passes the host's). */
  buildPlatform?: string;
}

export interface Mount {
  type: 'bind' | 'cache' | 'secret' | 'ssh' | 'tmpfs' | string;
  target?: string;
  source?: string;
  from?: string;
  id?: string;
  options: Record<string, string>;
}

/** Files a step reads from the build context. */
export interface ContextRead {
  via: 'COPY' | 'ADD' | 'bind';
  /** Source patterns relative to the context root ('' = the whole context). */
  sources: string[];
  excludes: string[];
}

/** Content a step takes from another stage or an image (content-addressed: "may rebuild"). */
export interface StageRead {
  via: 'COPY' | 'ADD' | 'bind' | 'cache';
  stage: number | null;
  image?: string;
  paths: string[];
}

export interface EnvSource {
  kind: 'arg' | 'env' | 'inherited';
  line: number;
  value: string;
}

export interface Step {
  id: number;
  stage: number;
  /** 0-based position among the stage's steps. */
  ordinal: number;
  keyword: StepKeyword;
  /** 0-based line where the instruction starts (for ONBUILD triggers: the child's FROM line). */
  line: number;
  endLine: number;
  range: Range;
  /** One-line display text (keyword + arguments, continuations joined). */
  instruction: string;
  /** The operation's own cache-key material (no parent, no content): the instruction as the frontend lowers it. */
  op: string;
  /** Components of `op`, for explaining what changed. */
  parts: Record<string, string>;
  /** Env of a RUN (ARGs with a value + ENV), sorted; empty for file operations. */
  env: [string, string][];
  envSources: Map<string, EnvSource>;
  user: string;
  workdir: string;
  shell: string[];
  contextReads: ContextRead[];
  stageReads: StageRead[];
  mounts: Mount[];
  /** ADD of a URL or git repository: remote content the cache does not look at. */
  remote?: string;
  /** COPY/ADD: the sources as written (expanded); `parts.srcs` keeps only what the key holds (their basenames). */
  sources?: string[];
  /** ADD of a remote: what identifies its content in the key (a pinned commit or checksum, else the URL), and what
   *  two sources with equal bytes share (so another identity is "maybe", not "rebuilt"). See remoteKeys. */
  remoteKey?: { identity: string; content: string };
  /** RUN, shell form: the script handed to the shell (heredoc bodies included). */
  script?: string;
  /** RUN, exec (JSON) form: the argv. */
  argv?: string[];
  /** The instruction carries heredocs (`RUN <<EOF`, `COPY <<EOF`): line-based edits must not splice into it. */
  heredoc?: boolean;
  /** Variables expanded into the instruction's own arguments. */
  varsUsed: string[];
  /** Set when the step is an ONBUILD trigger inherited from the base stage. */
  trigger?: { fromStage: number; line: number };
  /** Previous step in the same stage, or null (the stage's base). */
  parent: number | null;
}

export type StageBase =
  | { kind: 'image'; ref: string }
  | { kind: 'stage'; stage: number; ref: string }
  | { kind: 'scratch'; ref: 'scratch' };

export interface Stage {
  index: number;
  name: string | null;
  /** 0-based line of FROM. */
  line: number;
  range: Range;
  base: StageBase;
  /** The platform the stage's ops run for, normalised (`FROM --platform`, else the target platform, or the base
   *  stage's); part of every RUN's key and of an image base's key, not of file operations' (docs/buildkit-syntax-keys.md). */
  platform: string;
  /** The `FROM --platform` value as written, expanded (absent: no flag). */
  platformFlag?: string;
  steps: number[];
  /** Stages this one needs (base and content sources). */
  deps: number[];
  /** Part of the build for the chosen target. */
  needed: boolean;
  /** ENV in effect at the end of the stage (inherited by stages built FROM it). */
  envAtEnd: Map<string, string>;
  keyEnvAtEnd: Map<string, string>;
  userAtEnd: string;
  workdirAtEnd: string;
  shellAtEnd: string[];
  triggers: ParsedInstruction[];
}

/** Instructions that change only the image config: they never bust anything (semantics §5.8). */
export interface ConfigInstruction {
  keyword: string;
  stage: number | null;
  line: number;
  range: Range;
  instruction: string;
  /** What it affects: 'none' (LABEL/EXPOSE/CMD…), 'run-env' (ENV/ARG), 'run-user' (USER), 'run-shell' (SHELL). */
  affects: 'none' | 'run-env' | 'run-user' | 'run-shell' | 'run-cwd' | 'global-arg' | 'onbuild';
}

export interface Problem {
  line: number;
  range: Range;
  severity: 'error' | 'warning';
  message: string;
}

export interface Model {
  escape: string;
  directives: Directive[];
  stages: Stage[];
  steps: Step[];
  config: ConfigInstruction[];
  globalArgs: Map<string, string | undefined>;
  /** Index of the target stage, or -1 when there is none. */
  target: number;
  problems: Problem[];
  options: Required<Pick<AnalyzeOptions, 'buildArgs'>> & AnalyzeOptions;
  parsed: ParsedDockerfile;
}

export const PROXY_ARGS = new Set(
  ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((a) => [a, a.toLowerCase()]),
);

export const DEFAULT_PLATFORM = 'linux/amd64';

export interface Platform {
  os: string;
  arch: string;
  variant: string;
}

/**
 * A platform string normalised the way containerd's `platforms.Parse` + `Normalize` do (BuildKit parses
 * `FROM --platform` and `--platform` with them): `x86_64` → amd64, `aarch64`/`arm64/v8` → arm64, `arm` → arm/v7,
 * `armhf` → arm/v7, `armel` → arm/v6, `i386` → 386, a bare architecture gets the default OS (linux). Null when it
 * is not a platform.
 */
export function parsePlatform(spec: string, defaultOs = 'linux', defaultArch = 'amd64'): Platform | null {
  const parts = spec.trim().toLowerCase().split('/');
  if (parts.length === 0 || parts.length > 3 || parts.some((x) => !/^[a-z0-9._-]+$/.test(x))) return null;
  let os: string;
  let arch: string;
  let variant = '';
  const ARCHES = /^(amd64|x86_64|x86-64|386|i386|arm|armhf|armel|arm64|aarch64|ppc64le|ppc64|s390x|riscv64|mips64le|mips64|mipsle|mips|loong64|wasm)$/;
  if (parts.length === 1) {
    if (ARCHES.test(parts[0]!)) [os, arch] = [defaultOs, parts[0]!];
    else [os, arch] = [parts[0]!, defaultArch];
  } else [os, arch, variant = ''] = parts as [string, string, string?];
  if (os === 'macos') os = 'darwin';
  switch (arch) {
    case 'i386':
      arch = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      arch = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      arch = 'arm64';
      if (variant === '8' || variant === 'v8' || variant === 'v8.0') variant = '';
      else if (variant === '9' || variant === '9.0' || variant === 'v9.0') variant = 'v9';
      break;
    case 'armhf':
      arch = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      arch = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (/^[568]$/.test(variant)) variant = 'v' + variant;
      break;
  }
  return { os, arch, variant };
}

export function formatPlatform(p: Platform): string {
  return p.os + '/' + p.arch + (p.variant ? '/' + p.variant : '');
}

/** `--platform` text in its normalised form, or the text itself (lowercased) when it does not parse. */
export function normalizePlatform(spec: string): string {
  const p = parsePlatform(spec);
  return p ? formatPlatform(p) : spec.trim().toLowerCase();
}

/**
 * BuildKit's automatic platform ARGs (dockerfile2llb `getPlatformArgs`): BUILD* from the builder's platform, TARGET*
 * from the target platform (`--platform`, default the builder's). Visible to FROM lines; inside a stage only once
 * declared with a bare `ARG NAME`, which then puts them in later RUNs' env.
 */
function platformArgs(buildPlatform: string, targetPlatform: string): Record<string, string> {
  const bp = parsePlatform(buildPlatform) ?? parsePlatform(DEFAULT_PLATFORM)!;
  const tp = parsePlatform(targetPlatform) ?? bp;
  return {
    TARGETPLATFORM: formatPlatform(tp),
    TARGETOS: tp.os,
    TARGETARCH: tp.arch,
    TARGETVARIANT: tp.variant,
    BUILDPLATFORM: formatPlatform(bp),
    BUILDOS: bp.os,
    BUILDARCH: bp.arch,
    BUILDVARIANT: bp.variant,
  };
}

/** The names of BuildKit's automatic platform ARGs (their values on the default platform; only the names are read). */
export const AUTO_ARGS: Record<string, string> = platformArgs(DEFAULT_PLATFORM, DEFAULT_PLATFORM);

const CONFIG_ONLY = new Set(['LABEL', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'VOLUME', 'MAINTAINER']);
const KNOWN = new Set([...CONFIG_ONLY, 'FROM', 'RUN', 'COPY', 'ADD', 'WORKDIR', 'ENV', 'ARG', 'USER', 'SHELL', 'ONBUILD']);

export function versionAtLeast(v: string | undefined, want: string): boolean {
  if (!v || v === 'latest') return true;
  const a = v.replace(/^v/, '').split('.').map((x) => parseInt(x, 10) || 0);
  const b = want.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

export function isRemoteSource(src: string): boolean {
  return /^(https?|git|ssh):\/\//i.test(src) || /^git@/.test(src) || /^[\w.-]+@[\w.-]+:/.test(src);
}

interface StageState {
  scope: Map<string, string>; // variables visible to expansion (ARG with value + ENV)
  keyEnv: Map<string, string>; // env of RUN ops, in the order the variables were last set (the ExecOp's list)
  envSources: Map<string, EnvSource>;
  envNames: Set<string>; // names set by ENV (take precedence over ARG)
  user: string;
  workdir: string;
  shell: string[];
}

export function analyze(text: string, options: AnalyzeOptions = {}): Model {
  const parsed = parseDockerfile(text, { chunkMinLines: incrementalMinLines });
  // short files are analysed from scratch: memoising their stages costs more than it saves
  const memo = parsed.lines.length >= incrementalMinLines;
  const buildArgs = options.buildArgs ?? {};
  const model: Model = {
    escape: parsed.escape,
    directives: parsed.directives,
    stages: [],
    steps: [],
    config: [],
    globalArgs: new Map(),
    target: -1,
    problems: [],
    options: { ...options, buildArgs },
    parsed,
  };
  const esc = parsed.escape;
  const buildPlatform = normalizePlatform(options.buildPlatform ?? DEFAULT_PLATFORM);
  const targetPlatform = normalizePlatform(options.platform ?? buildPlatform);
  const AUTO_ARGS = platformArgs(buildPlatform, targetPlatform);
  const globalScope = new Map<string, string>(Object.entries(AUTO_ARGS));
  const modernSde = versionAtLeast(options.buildkitVersion, '0.22');
  const cacheIdInKey = !versionAtLeast(options.buildkitVersion, '0.13');
  const userInWorkdir = versionAtLeast(options.buildkitVersion, '0.9');
  const cleanWorkdir = versionAtLeast(options.buildkitVersion, '0.12');

  let st: StageState | null = null;
  let stage: Stage | null = null;

  const problem = (ins: ParsedInstruction, message: string, severity: 'error' | 'warning' = 'error'): void => {
    model.problems.push({ line: ins.range.start.line, range: ins.range, severity, message });
  };

  const exp = (word: string, scope: Env): { value: string; used: string[] } => expandWord(word, scope, esc);

  // the stages so far, by name (the last one of a name wins) and as one id for the whole list of names (stageKey)
  const byName = new Map<string, number>();
  let namesId = 0;
  const addStage = (s: Stage): void => {
    model.stages.push(s);
    if (s.name !== null) byName.set(s.name, s.index);
    namesId = internNames(namesId, s.name);
  };

  // Every stage of the file, for COPY --from and a mount's `from`: BuildKit resolves those against all stages, the
  // last one of a name winning, later stages included (FROM sees only earlier ones). Measured on BuildKit 0.8. Filled
  // before the first stage is built (fileStagesOf); what a stage resolved is kept with its memo and checked on a hit.
  let fileStages: FileStage[] = [];
  let fileNames = new Map<string, number>();
  let lookupLog: [FromKind, string, string][] | null = null;
  const resolveIn = (kind: FromKind, ref: string, self: number): FromRef => {
    // COPY --from: a number (Go's Atoi: a sign, digits, 64 bits) is a stage index, never a name; a mount's `from`
    // is only ever a name (a number there is an image)
    const n = kind === 'copy' ? goAtoi(ref) : null;
    let idx: number | undefined;
    if (n !== null) {
      if (n < 0n || n >= BigInt(fileStages.length)) return { stage: null, invalid: String(n) };
      idx = Number(n);
    } else idx = fileNames.get(ref.toLowerCase());
    if (idx === undefined) return { stage: null, image: ref };
    // a later stage is read as it is before its steps run: its base image, or nothing when it starts from scratch
    // or from another stage (measured on BuildKit 0.8)
    // (its name, as the warning gives it, is part of the result: a memoised stage checks it too)
    if (idx > self) return { stage: null, image: fileStages[idx]!.early, later: idx, label: fileStages[idx]!.name ?? 'stage ' + idx };
    return { stage: idx };
  };
  const resolveFrom = (kind: FromKind, ref: string, self: number): FromRef => {
    const r = resolveIn(kind, ref, self);
    lookupLog?.push([kind, ref, JSON.stringify(r)]);
    return r;
  };
  const laterStage = (what: string, r: FromRef): string => {
    const label = r.label!;
    return `${what} names ${label}, a stage defined further down: BuildKit reads it before its steps run, so this ${r.image === 'scratch' ? 'sees an empty filesystem' : 'reads its base image `' + r.image + '`'}, not what ${label} builds (measured on BuildKit 0.8). Move ${label} above this stage.`;
  };

  const addStep = (
    ins: ParsedInstruction,
    keyword: StepKeyword,
    fill: (s: Step) => void,
    trigger?: { fromStage: number; line: number },
  ): Step => {
    const s = stage!;
    const ss = st!;
    const line = trigger ? s.line : ins.range.start.line;
    const step: Step = {
      id: model.steps.length,
      stage: s.index,
      ordinal: s.steps.length,
      keyword,
      line,
      endLine: trigger ? s.range.end.line : ins.range.end.line,
      range: trigger ? s.range : ins.range,
      instruction: displayText(ins),
      op: '',
      parts: {},
      env: [],
      envSources: new Map(),
      user: ss.user,
      workdir: ss.workdir,
      shell: ss.shell,
      contextReads: [],
      stageReads: [],
      mounts: [],
      varsUsed: [],
      trigger,
      parent: s.steps.length ? s.steps[s.steps.length - 1]! : null,
    };
    if (ins.heredocs.length) step.heredoc = true;
    fill(step);
    step.op = Object.entries(step.parts)
      .map(([k, v]) => k + '=' + v)
      .join('\u0000');
    model.steps.push(step);
    s.steps.push(step.id);
    return step;
  };

  const dispatch = (ins: ParsedInstruction, trigger?: { fromStage: number; line: number }): void => {
    const kw = ins.keyword;
    const s = stage!;
    const ss = st!;
    const cfg = (affects: ConfigInstruction['affects']): void => {
      if (!trigger) model.config.push({ keyword: kw, stage: s.index, line: ins.range.start.line, range: ins.range, instruction: displayText(ins), affects });
    };
    switch (kw) {
      case 'ARG': {
        cfg('run-env');
        for (const word of splitWords(ins.args, esc)) {
          const eq = word.indexOf('=');
          const name = eq < 0 ? word : word.slice(0, eq);
          if (!name) {
            problem(ins, BLANK_ARG);
            continue;
          }
          let value: string | undefined;
          if (Object.prototype.hasOwnProperty.call(buildArgs, name)) value = buildArgs[name];
          else if (eq >= 0) value = exp(word.slice(eq + 1), ss.scope).value;
          else if (model.globalArgs.has(name)) value = globalScope.get(name);
          // own names only: `ARG toString` is no automatic ARG (`in` also sees Object.prototype's members)
          else if (Object.prototype.hasOwnProperty.call(AUTO_ARGS, name)) value = AUTO_ARGS[name];
          if (value === undefined) continue;
          if (ss.envNames.has(name)) continue; // ENV takes precedence over ARG
          ss.scope.set(name, value);
          if (!PROXY_ARGS.has(name)) {
            setLast(ss.keyEnv, name, value);
            ss.envSources.set(name, { kind: 'arg', line: ins.range.start.line, value });
          }
        }
        return;
      }
      case 'ENV': {
        cfg('run-env');
        const pairs = parseEnvPairs(ins.args, esc);
        const before = new Map(ss.scope);
        for (const [name, raw] of pairs) {
          const value = exp(raw, before).value;
          ss.scope.set(name, value);
          setLast(ss.keyEnv, name, value);
          ss.envNames.add(name);
          ss.envSources.set(name, { kind: 'env', line: ins.range.start.line, value });
        }
        return;
      }
      case 'USER':
        cfg('run-user');
        ss.user = exp(ins.args, ss.scope).value;
        return;
      case 'SHELL':
        cfg('run-shell');
        if (ins.json) ss.shell = ins.json;
        else problem(ins, 'SHELL requires the arguments in JSON form, e.g. SHELL ["/bin/bash", "-c"]');
        return;
      case 'ONBUILD':
        cfg('onbuild');
        if (ins.trigger?.keyword) s.triggers.push(ins.trigger);
        else problem(ins, 'ONBUILD needs an instruction to run (`ONBUILD RUN …`): BuildKit stops with "ONBUILD requires at least one argument"');
        return;
      case 'WORKDIR': {
        const e = exp(ins.args, ss.scope);
        const wd = resolvePath(ss.workdir, e.value);
        ss.workdir = wd;
        // `WORKDIR /` only sets the working directory: dispatchWorkdir adds the mkdir only when the path is not "/", so
        // the builder runs no op and prints no vertex. Before 0.12 an absolute path is compared as written (`/app/..`
        // still runs a mkdir; a relative one is joined, hence cleaned); from 0.12 (NormalizeWorkdir) it is cleaned
        // first (oracle: workdir/root-*)
        if (e.value.startsWith('/') && !cleanWorkdir ? e.value === '/' : wd === '/') {
          cfg('run-cwd');
          return;
        }
        addStep(
          ins,
          'WORKDIR',
          (step) => {
            step.workdir = wd;
            step.varsUsed = e.used;
            // the mkdir is owned by USER on newer frontends; Docker 20.10 (BuildKit 0.8) ignores USER here (oracle:
            // config/user-before-workdir)
            step.parts = { kind: 'WORKDIR', path: wd };
            if (userInWorkdir) step.parts.user = ss.user;
            if (modernSde && buildArgs['SOURCE_DATE_EPOCH'] !== undefined) step.parts.sde = buildArgs['SOURCE_DATE_EPOCH']!;
          },
          trigger,
        );
        return;
      }
      case 'RUN': {
        addStep(
          ins,
          'RUN',
          (step) => {
            const mounts: Mount[] = [];
            const otherFlags: string[] = [];
            for (const f of ins.flags) {
              // RUN's flags all take a value: written without one, BuildKit stops ("Missing a value on flag"; Docker
              // 20.10 does not know --network/--security and says "Unknown flag")
              if (f.value === null && RUN_VALUE_FLAGS.has(f.name)) problem(ins, missingValue(f.name));
              else if (f.name === 'mount') {
                const spec = exp(f.value ?? '', ss.scope).value;
                const bad = mountSpecProblem(spec);
                if (bad) problem(ins, bad);
                mounts.push(parseMount(spec));
              }
              else otherFlags.push('--' + f.name + (f.value === null ? '' : '=' + exp(f.value, ss.scope).value));
            }
            step.mounts = mounts;
            step.env = [...ss.keyEnv.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
            step.envSources = new Map(ss.envSources);
            let cmd: string;
            if (ins.json) {
              cmd = JSON.stringify(ins.json);
              step.argv = ins.json;
            } else {
              const text = commandText(ins);
              cmd = JSON.stringify([...ss.shell, text]);
              step.script = heredocScript(ins.args, ins.heredocs, text);
            }
            const mountKey = mounts.map((m) => mountKeyText(m, cacheIdInKey)).join(';');
            for (const m of mounts) {
              if (m.type === 'bind' || (m.type === 'cache' && m.from)) {
                if (m.from) {
                  const r = resolveFrom('mount', m.from, s.index);
                  const src = r.stage;
                  if (src === s.index) problem(ins, circular(s));
                  if (r.later !== undefined) problem(ins, laterStage(`\`from=${m.from}\``, r), 'warning');
                  step.stageReads.push({
                    via: m.type === 'bind' ? 'bind' : 'cache',
                    stage: src,
                    image: src === null ? r.image : undefined,
                    paths: [m.source ?? '/'],
                  });
                } else if (m.type === 'bind') {
                  const src = normalizeRel(sourcePath(m.source ?? '', esc));
                  step.contextReads.push({ via: 'bind', sources: [src], excludes: [] });
                }
              }
            }
            step.parts = {
              kind: 'RUN',
              cmd,
              // in the order the variables were last set, as the ExecOp lists them (step.env is sorted for display):
              // the same variables in another order rerun the RUN (measured on BuildKit 0.8)
              env: [...ss.keyEnv].map(([k, v]) => k + '=' + v).join('\n'),
              cwd: ss.workdir,
              user: ss.user,
              mounts: mountKey,
              flags: otherFlags.sort().join(' '),
              // ExecOp.CacheMap marshals the op's platform (OS, Arch, Variant) with it
              platform: s.platform,
            };
          },
          trigger,
        );
        return;
      }
      case 'COPY':
      case 'ADD': {
        // a flag that takes a value written without one (`--chmod 777`) stops BuildKit's parser ("Missing a value on
        // flag: chmod", measured on BuildKit 0.8): the next word is not a source
        const valueless = ins.flags.filter((f) => f.value === null && VALUE_FLAGS.has(f.name)).map((f) => f.name);
        for (const name of valueless) problem(ins, missingValue(name));
        addStep(
          ins,
          kw,
          (step) => {
            const flags: Record<string, string> = {};
            const excludeList: string[] = [];
            for (const f of ins.flags) {
              const v = f.value === null ? 'true' : exp(f.value, ss.scope).value;
              // --exclude may be given several times: every pattern counts (the last one alone used to)
              if (f.name === 'exclude') excludeList.push(v);
              else flags[f.name] = v;
            }
            if (excludeList.length) flags['exclude'] = excludeList.join(' ');
            const used: string[] = [];
            let words: string[];
            if (ins.json) words = ins.json.map((w) => exp(w, ss.scope)).map((r) => (used.push(...r.used), r.value));
            else
              words = splitFields(ins.args).map((w) => {
                const r = exp(w, ss.scope);
                used.push(...r.used);
                return r.value;
              });
            step.varsUsed = used;
            const heredocNames = new Set(ins.heredocs.map((h) => h.name));
            const dest = words.length > 1 ? words[words.length - 1]! : '';
            // a source `<<name` naming one of the instruction's heredocs is that heredoc, whatever the name starts with
            // (`COPY <<1.txt /`: BuildKit's MustParseHeredoc takes any one word since moby/buildkit#2213); quotes are
            // gone after expansion
            const srcs = words.slice(0, -1).filter((w) => !(w.startsWith('<<') && heredocNames.has(w.replace(/^<<-?/, ''))));
            const heredocBodies = ins.heredocs.map((h) => h.name + ':' + h.body).join('\n');
            const resolvedDest = dest.startsWith('/') ? dest : resolvePath(ss.workdir, dest) + (dest.endsWith('/') ? '/' : '');
            const excludes = excludeList.filter((x) => x !== '');
            const parents = flags['parents'] !== undefined && flags['parents'] !== 'false';
            if (flags['from'] !== undefined) {
              const r = resolveFrom('copy', flags['from'], s.index);
              const src = r.stage;
              if (src === s.index) problem(ins, circular(s));
              if (r.invalid !== undefined) problem(ins, `\`--from=${flags['from']}\` is not a stage of this file: BuildKit stops with "invalid stage index ${r.invalid}"`);
              else {
                if (r.later !== undefined) problem(ins, laterStage(`\`--from=${flags['from']}\``, r), 'warning');
                step.stageReads.push({ via: kw, stage: src, image: src === null ? r.image : undefined, paths: srcs });
              }
            } else if (!valueless.length) {
              const local: string[] = [];
              for (const src of srcs) {
                if (kw === 'ADD' && isRemoteSource(src)) {
                  step.remote = src;
                  step.remoteKey = remoteKeys(src, flags);
                  // the checksum and keep-git-dir go to the source op, not to the copy: they reach the key through
                  // the source's identity (remoteKeys)
                  delete flags['checksum'];
                  delete flags['keep-git-dir'];
                } else local.push(normalizeRel(sourcePath(src, esc)));
              }
              if (local.length) step.contextReads.push({ via: kw, sources: local, excludes });
            }
            step.sources = srcs;
            step.parts = {
              kind: kw,
              // fileOp.CacheMap keeps only the basename of each copied source in the action (the content hash of the
              // selected path covers the rest): a moved source with the same name and bytes hits (oracle: move/*)
              srcs: srcs.map((x) => (kw === 'ADD' && isRemoteSource(x) ? remoteCopyName(x) : parents ? parentsKey(x) : sourceBasename(x))).join('\n'),
              dest: resolvedDest,
              flags: Object.entries(flags)
                .sort()
                .map(([k, v]) => k + '=' + v)
                .join(' '),
              heredocs: heredocBodies,
            };
          },
          trigger,
        );
        return;
      }
      default:
        if (CONFIG_ONLY.has(kw)) {
          cfg('none');
          return;
        }
        problem(ins, `unknown instruction: ${kw} (BuildKit stops with a parse error)`);
    }
  };

  const fromHeader = (ins: ParsedInstruction) => {
    const words = splitWords(ins.args, esc);
    let platform: string | undefined;
    const problems: Problem[] = [];
    for (const f of ins.flags) {
      if (f.name === 'platform' && f.value === null) problems.push({ line: ins.range.start.line, range: ins.range, severity: 'error', message: missingValue('platform') });
      else if (f.name === 'platform' && f.value !== null) platform = expandWord(f.value, globalScope, esc).value;
    }
    if (platform !== undefined) platform = normalizePlatform(platform);
    const imageWord = words[0] ?? '';
    let name: string | null = null;
    if (words.length >= 3 && words[1]!.toLowerCase() === 'as') {
      name = words[2]!.toLowerCase();
      if (!STAGE_NAME.test(name)) problems.push({ line: ins.range.start.line, range: ins.range, severity: 'error', message: `\`${words[2]}\` cannot name a stage (a letter first, then letters, digits, \`-\`, \`_\` or \`.\`): BuildKit stops with "invalid name for build stage"` });
    } else if (words.length > 1) problems.push({ line: ins.range.start.line, range: ins.range, severity: 'error', message: 'FROM takes an image and optionally `AS name`' });
    if (!imageWord) problems.push({ line: ins.range.start.line, range: ins.range, severity: 'error', message: 'FROM requires an image name' });
    const ref = expandWord(imageWord, globalScope, esc).value;
    const baseIdx = ref ? (byName.get(ref.toLowerCase()) ?? null) : null;
    return { platform, name, problems, ref, baseIdx };
  };

  /** Builds one stage: its FROM and the instructions up to the next FROM. */
  const buildStage = (from: ParsedInstruction, rest: ParsedInstruction[], h: ReturnType<typeof fromHeader>): void => {
    model.problems.push(...h.problems);
    const { platform, name, ref, baseIdx } = h;
    const base: StageBase =
      baseIdx !== null
        ? { kind: 'stage', stage: baseIdx, ref }
        : ref.toLowerCase() === 'scratch'
          ? { kind: 'scratch', ref: 'scratch' }
          : { kind: 'image', ref };
    const parent = base.kind === 'stage' ? model.stages[base.stage]! : null;
    stage = {
      index: model.stages.length,
      name,
      line: from.range.start.line,
      range: from.range,
      base,
      platform: platform ?? (parent ? parent.platform : targetPlatform),
      platformFlag: platform,
      steps: [],
      deps: parent ? [parent.index] : [],
      needed: false,
      envAtEnd: new Map(),
      keyEnvAtEnd: new Map(),
      userAtEnd: '',
      workdirAtEnd: '/',
      shellAtEnd: ['/bin/sh', '-c'],
      triggers: [],
    };
    addStage(stage);
    st = {
      scope: new Map(parent ? parent.envAtEnd : []),
      keyEnv: new Map(parent ? parent.keyEnvAtEnd : []),
      envSources: new Map(
        parent ? [...parent.keyEnvAtEnd].map(([k, v]) => [k, { kind: 'inherited' as const, line: parent.line, value: v }]) : [],
      ),
      envNames: new Set(parent ? parent.envAtEnd.keys() : []),
      user: parent ? parent.userAtEnd : '',
      workdir: parent ? parent.workdirAtEnd : '/',
      shell: parent ? parent.shellAtEnd : ['/bin/sh', '-c'],
    };
    if (parent) for (const t of parent.triggers) dispatch(t, { fromStage: parent.index, line: from.range.start.line });
    for (const ins of rest) dispatch(ins);
    syncStage(stage, st);
    stage = null;
    st = null;
  };

  const all = parsed.instructions;
  let i = 0;
  for (; i < all.length && all[i]!.keyword !== 'FROM'; i++) {
    const ins = all[i]!;
    const kw = ins.keyword;
    if (kw === 'ARG') {
      model.config.push({ keyword: kw, stage: null, line: ins.range.start.line, range: ins.range, instruction: displayText(ins), affects: 'global-arg' });
      for (const word of splitWords(ins.args, esc)) {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word : word.slice(0, eq);
        if (!name) {
          model.problems.push({ line: ins.range.start.line, range: ins.range, severity: 'error', message: BLANK_ARG });
          continue;
        }
        const dflt = eq < 0 ? undefined : expandWord(word.slice(eq + 1), globalScope, esc).value;
        const value = Object.prototype.hasOwnProperty.call(buildArgs, name) ? buildArgs[name] : dflt;
        model.globalArgs.set(name, value);
        if (value !== undefined) globalScope.set(name, value);
      }
    } else if (KNOWN.has(kw)) {
      model.problems.push({ line: ins.range.start.line, range: ins.range, severity: 'error', message: `${kw} before the first FROM: only ARG may come before FROM` });
    } else {
      model.problems.push({ line: ins.range.start.line, range: ins.range, severity: 'error', message: `unknown instruction: ${kw} (BuildKit stops with a parse error)` });
    }
  }
  // Stages are memoised (see STAGE_MEMO): a stage whose text, earlier stage names, base stage state and global inputs
  // are unchanged is the same stage (moved, when lines or steps were added above it), so an edit rebuilds only the
  // stages it touches.
  const starts = memo && i < all.length ? lineStarts(text) : [];
  const globalKey = memo && i < all.length ? JSON.stringify([esc, [...globalScope], [...model.globalArgs], { ...options, target: undefined }]) : '';
  const fromCount = all.filter((x) => x.keyword === 'FROM').length;
  fileStages = fileStagesOf(all.slice(i), globalScope, esc);
  fileNames = new Map(fileStages.flatMap((f, k) => (f.name === null ? [] : [[f.name, k] as [string, number]])));
  while (i < all.length) {
    checkBudget(() => `${fmtInt(model.stages.length)} of ${fmtInt(fromCount)} stages`);
    const from = all[i]!;
    let j = i + 1;
    while (j < all.length && all[j]!.keyword !== 'FROM') j++;
    const rest = all.slice(i + 1, j);
    i = j;
    const h = fromHeader(from);
    if (!memo) {
      buildStage(from, rest, h);
      continue;
    }
    // the stage's text: from its FROM line to the next FROM line (a FROM always starts fresh: no continuation or
    // heredoc reaches it), so the same text at the same line parses to the same instructions
    const a = from.range.start.line;
    const b = j < all.length ? all[j]!.range.start.line : starts.length;
    const key = stageKey(globalKey, model, namesId, a, text.slice(starts[a] ?? text.length, b < starts.length ? starts[b] : text.length), h.baseIdx);
    let hit = STAGE_MEMO.get(key);
    // what the stage read from other stages must resolve the same way in this file (a later stage may have changed)
    if (hit && !hit.lookups.every(([k, ref, res]) => JSON.stringify(resolveIn(k, ref, model.stages.length)) === res)) hit = undefined;
    const parentLine = h.baseIdx !== null ? model.stages[h.baseIdx]!.line : -1;
    if (hit) {
      // the same stage moved (lines inserted or removed above it, steps added before it): move the memoised one
      if (hit.line !== a || hit.firstStep !== model.steps.length || hit.parentLine !== parentLine) hit = movedStage(hit, a, model.steps.length, parentLine);
      STAGE_MEMO.set(key, hit);
      addStage({ ...hit.stage, steps: [...hit.stage.steps], deps: [...hit.stage.deps], needed: false });
      for (const x of hit.steps) model.steps.push(x);
      for (const x of hit.config) model.config.push(x);
      for (const x of hit.problems) model.problems.push(x);
      continue;
    }
    const s0 = model.steps.length;
    const c0 = model.config.length;
    const p0 = model.problems.length;
    lookupLog = [];
    buildStage(from, rest, h);
    const lookups = lookupLog;
    lookupLog = null;
    const built = model.stages[model.stages.length - 1]!;
    STAGE_MEMO.set(key, {
      lookups,
      stage: { ...built, steps: [...built.steps], deps: [...built.deps] },
      steps: model.steps.slice(s0),
      config: model.config.slice(c0),
      problems: model.problems.slice(p0),
      line: a,
      firstStep: s0,
      parentLine,
    });
  }
  if (model.stages.length === 0 && parsed.instructions.length > 0) {
    const first = parsed.instructions[0]!;
    model.problems.push({ line: first.range.start.line, range: first.range, severity: 'error', message: 'no FROM instruction: a Dockerfile needs at least one build stage' });
  }

  // content dependencies between stages
  for (const step of model.steps) {
    for (const r of step.stageReads) {
      const s = model.stages[step.stage]!;
      if (r.stage !== null && !s.deps.includes(r.stage)) s.deps.push(r.stage);
    }
  }
  // target and the stages it needs
  if (model.stages.length) {
    if (options.target !== undefined) {
      const t = options.target.toLowerCase();
      model.target = model.stages.findIndex((s) => s.name === t);
    } else model.target = model.stages.length - 1;
    if (model.target >= 0) {
      const todo = [model.target];
      while (todo.length) {
        const i = todo.pop()!;
        const s = model.stages[i]!;
        if (s.needed) continue;
        s.needed = true;
        todo.push(...s.deps);
      }
    }
  }
  return model;
}

/**
 * Built stages by everything that goes into building one, positions aside: the global inputs (escape, global ARGs,
 * options), the stage's index, the names of the stages before it (COPY --from, FROM lookups), the state of its base
 * stage, and its text. A hit at another line or first step id is moved there (movedStage). Steps, config entries and problems are shared between
 * models (nothing mutates them after analyze); the stage object is copied (its deps and `needed` are filled later).
 */
const STAGE_MEMO_MAX = 2048;
interface MemoStage {
  stage: Stage;
  steps: Step[];
  config: ConfigInstruction[];
  problems: Problem[];
  /** How its COPY --from and mount `from` references resolved (kind, reference, result): checked again on a hit. */
  lookups: [FromKind, string, string][];
  /** Where it was built: its FROM line, its first step id, its base stage's FROM line (-1: not a stage). */
  line: number;
  firstStep: number;
  parentLine: number;
}
// weight: the key (stage text, env) and the stage's steps with their env and ops, and what hangs off each step in the
// per-step memos (its script, findings, fixes): measured with the engine's caches cleared one by one, 2,000-line
// Dockerfile after 60 edits, 171 stages of ~5 steps held 6.9-7.6 MB (1,024 bytes a step estimated 2.1 MB)
const STAGE_MEMO = new BoundedCache<string, MemoStage>('memoised stages', STAGE_MEMO_MAX, (k, m) => k.length * 6 + m.steps.length * 3072);

function movedRange(r: Range, by: number): Range {
  return { start: { line: r.start.line + by, character: r.start.character }, end: { line: r.end.line + by, character: r.end.character } };
}

/** The step a moved copy was made from (movedStage), transitively; a step that was not moved is its own origin. */
const origins = new WeakMap<Step, Step>();

/**
 * The step object whose content this step has: equal for a step and its moved copies, which differ only in positions
 * and ids (line, range, id, parent, the lines in envSources). Memos of what depends on the content alone (the script,
 * env values, user, mounts, op) key by it, so that an edit that moves every later line (a line inserted near the top)
 * does not compute them again.
 */
export function stepOrigin(step: Step): Step {
  return origins.get(step) ?? step;
}

/**
 * A memoised stage moved to another FROM line and first step id: positions and ids shift, env inherited from the base
 * stage points at the base's FROM line. Only used for stages whose key holds no position (see stageKey).
 */
function movedStage(m: MemoStage, line: number, firstStep: number, parentLine: number): MemoStage {
  const dl = line - m.line;
  const di = firstStep - m.firstStep;
  const steps = m.steps.map((s): Step => {
    let envSources = s.envSources;
    if (envSources.size && (dl !== 0 || parentLine !== m.parentLine)) {
      envSources = new Map();
      for (const [k, v] of s.envSources) envSources.set(k, { ...v, line: v.kind === 'inherited' ? parentLine : v.line + dl });
    }
    const moved: Step = { ...s, id: s.id + di, parent: s.parent === null ? null : s.parent + di, line: s.line + dl, endLine: s.endLine + dl, range: movedRange(s.range, dl), envSources };
    if (s.trigger) moved.trigger = { ...s.trigger, line: s.trigger.line + dl };
    origins.set(moved, stepOrigin(s));
    return moved;
  });
  const stage: Stage = {
    ...m.stage,
    line: m.stage.line + dl,
    range: movedRange(m.stage.range, dl),
    steps: m.stage.steps.map((i) => i + di),
    triggers: m.stage.triggers.map((t) => ({ ...t, range: movedRange(t.range, dl), keywordRange: movedRange(t.keywordRange, dl) })),
  };
  return {
    stage,
    steps,
    config: m.config.map((c) => ({ ...c, line: c.line + dl, range: movedRange(c.range, dl) })),
    problems: m.problems.map((p) => ({ ...p, line: p.line + dl, range: movedRange(p.range, dl) })),
    lookups: m.lookups,
    line,
    firstStep,
    parentLine,
  };
}

/** Files this long or longer are parsed by chunks and have their stages memoised (see parseDockerfile, STAGE_MEMO). */
let incrementalMinLines = 200;

/** Tests lower the threshold to run the incremental paths on short files. */
export function setIncrementalMinLines(n: number): void {
  incrementalMinLines = n;
}

/** Forgets memoised stages and parsed chunks (tests compare memoised analyses with fresh ones). */
export function clearAnalysisCaches(): void {
  STAGE_MEMO.clear();
  clearParseCache();
}

/**
 * Lists of stage names as numbers: `internNames(id of [a, b], c)` is the id of [a, b, c], the same number every time
 * (0 is the empty list). Ids are never reused, so forgetting the table (when it grows large) only costs memo hits.
 */
const NAME_LISTS = new Map<string, number>();
let nextNamesId = 1;
function internNames(prefix: number, name: string | null): number {
  const k = prefix + '\u0000' + (name ?? '\u0001');
  let id = NAME_LISTS.get(k);
  if (id === undefined) {
    if (NAME_LISTS.size >= 100_000) NAME_LISTS.clear();
    id = nextNamesId++;
    NAME_LISTS.set(k, id);
  }
  return id;
}

function stageKey(globalKey: string, model: Model, namesId: number, line: number, stageText: string, baseIdx: number | null): string {
  // the names of the stages before this one (COPY --from, FROM lookups) as the id of their list
  const parts: string[] = [globalKey, String(model.stages.length), String(namesId)];
  if (baseIdx !== null) {
    const p = model.stages[baseIdx]!;
    // inherited ONBUILD triggers carry the base stage's positions (their problems point there): keep such stages in
    // place; any other stage may move (movedStage)
    const positional = p.triggers.length > 0;
    parts.push(
      JSON.stringify([
        p.index,
        positional ? [p.line, line, model.steps.length] : null,
        [...p.envAtEnd],
        [...p.keyEnvAtEnd],
        p.userAtEnd,
        p.workdirAtEnd,
        p.shellAtEnd,
        p.platform,
        p.triggers.map((t) => [t.range, t.source]),
      ]),
    );
  } else parts.push('');
  parts.push(stageText);
  return parts.join('\u0001');
}

/** Sets a key as BuildKit's llb EnvList.AddOrReplace does: a variable set again moves to the end of the list. */
function setLast(env: Map<string, string>, name: string, value: string): void {
  env.delete(name);
  env.set(name, value);
}

function syncStage(stage: Stage, st: StageState): void {
  stage.envAtEnd = new Map([...st.scope].filter(([k]) => st.envNames.has(k)));
  stage.keyEnvAtEnd = new Map(st.keyEnv);
  stage.userAtEnd = st.user;
  stage.workdirAtEnd = st.workdir;
  stage.shellAtEnd = st.shell;
}

/** `ENV a=1 b="2 3"` or the legacy `ENV a 1 2`. Values are returned raw (quotes kept) for expansion. */
export function parseEnvPairs(args: string, esc: string): [string, string][] {
  const words = splitWords(args, esc);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) {
    const name = words[0]!;
    const rest = args.trim().slice(name.length).trim();
    return [[name, rest]];
  }
  const out: [string, string][] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) continue;
    out.push([w.slice(0, eq), w.slice(eq + 1)]);
  }
  return out;
}

/** A stage name BuildKit accepts (after lowercasing): parseBuildStageName's pattern, measured on BuildKit 0.8. */
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

type FromKind = 'copy' | 'mount';
/** A COPY --from / mount `from` resolved: a stage, or an image (also a later stage, read early), or an invalid index. */
interface FromRef {
  stage: number | null;
  image?: string;
  /** The later stage read before its steps run, and its name (else `stage N`). */
  later?: number;
  label?: string;
  /** An index out of range, as BuildKit prints it. */
  invalid?: string;
}
interface FileStage {
  name: string | null;
  /** What a read of the stage before its steps run sees: its base image, or `scratch` (empty). */
  early: string;
}

/** Go's strconv.Atoi (optional sign, decimal digits, 64-bit range), which BuildKit uses on COPY --from. */
function goAtoi(s: string): bigint | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : null;
}

/** The stages of a file from its FROM lines (`rest` starts at the first FROM): name and what an early read sees. */
function fileStagesOf(rest: ParsedInstruction[], globalScope: Env, esc: string): FileStage[] {
  const out: FileStage[] = [];
  const earlier = new Set<string>();
  for (const ins of rest) {
    if (ins.keyword !== 'FROM') continue;
    const words = splitWords(ins.args, esc);
    const name = words.length >= 3 && words[1]!.toLowerCase() === 'as' ? words[2]!.toLowerCase() : null;
    const ref = expandWord(words[0] ?? '', globalScope, esc).value;
    const lower = ref.toLowerCase();
    out.push({ name, early: lower === 'scratch' || earlier.has(lower) || !ref ? 'scratch' : ref });
    if (name !== null) earlier.add(name);
  }
  return out;
}

/**
 * What stops BuildKit in a mount spec whatever its version (measured on 0.8): an empty field (`type=cache,,target=/c`,
 * a trailing comma) or an option without a name (`=x`). Unknown option names are left alone: newer versions add some.
 */
function mountSpecProblem(spec: string): string | null {
  for (const field of spec.split(',')) {
    if (field === '') return `\`--mount=${spec}\` has an empty field: BuildKit stops with "invalid field '' must be a key=value pair"`;
    if (field.startsWith('=')) return `\`--mount=${spec}\` has an option without a name (\`${field}\`): BuildKit stops with "unexpected key '' in '${field}'"`;
  }
  return null;
}

export function parseMount(spec: string): Mount {
  const options: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? 'true' : part.slice(eq + 1).trim();
    options[k === 'src' ? 'source' : k === 'dst' || k === 'destination' ? 'target' : k] = v;
  }
  const m: Mount = { type: options['type'] ?? 'bind', options };
  if (options['target'] !== undefined) m.target = options['target'];
  if (options['source'] !== undefined) m.source = options['source'];
  if (options['from'] !== undefined) m.from = options['from'];
  if (options['id'] !== undefined) m.id = options['id'];
  return m;
}

function mountKeyText(m: Mount, cacheIdInKey: boolean): string {
  const o = { ...m.options };
  if (m.type === 'cache' && !cacheIdInKey) {
    delete o['id'];
    delete o['sharing'];
  }
  if (m.type === 'secret' && o['target'] === undefined) o['target'] = '/run/secrets/' + (o['id'] ?? '');
  return Object.keys(o)
    .sort()
    .map((k) => k + '=' + o[k])
    .join(',');
}

/**
 * The script a shell-form RUN hands to its shell, as BuildKit's dispatchRun reads heredocs: only a command that is one
 * heredoc marker alone (`RUN <<EOF`; the parser takes `<<word` with exactly one word, any word since
 * moby/buildkit#2213: `RUN <<1A` too) runs the body as the script, and a body starting with `#!` is then a file run
 * by that interpreter: a shell script only for a POSIX shell (another, `#!/usr/bin/env python3`, gives no script: its
 * text is not shell). Any other command (`RUN <<EOF python3`, `RUN python3 <<EOF`, `RUN <<EOF bash`) is shell text
 * whose bodies are here-documents: data on the command's stdin, which the shell parse reads as data.
 */
function heredocScript(args: string, heredocs: readonly { body: string }[], text: string): string {
  if (!heredocs.length || !/^\d*<<-?(?:"[^"]*"|'[^']*'|[^\s"'<])+\s*$/.test(args)) return text;
  const body = heredocs[0]!.body;
  const she = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(body);
  if (!she) return body;
  const interp = /(^|\/)env$/.test(she[1]!) ? (she[2] ?? '') : she[1]!;
  return /(^|\/)(sh|bash|dash|ash|ksh|mksh|zsh)$/.test(interp) ? body : '';
}

/** The command text of a shell-form RUN as it ends up in argv (flags removed, heredoc bodies included). */
function commandText(ins: ParsedInstruction): string {
  if (!ins.heredocs.length) return ins.args;
  return ins.args + '\n' + ins.heredocs.map((h) => h.body + '\n' + h.name).join('\n');
}

function displayText(ins: ParsedInstruction): string {
  const first = ins.logical.split('\n')[0] ?? '';
  return first.replace(/^\S+/, (k) => k.toUpperCase());
}

/**
 * `COPY --parents src`: the frontend copies from the pivot (the part before `/./`, else `/`) with the rest as an
 * include pattern, and the include pattern is part of the copy action — so with --parents the path below the pivot
 * is in the key (dockerfile2llb dispatchCopy; fileOp.CacheMap keeps IncludePatterns, basenames Src).
 */
export function parentsKey(src: string): string {
  const cut = src.indexOf('/./');
  const pivot = cut < 0 ? '/' : src.slice(0, cut);
  const pattern = cut < 0 ? src : src.slice(cut + 3);
  return sourceBasename(pivot) + '|' + resolvePath('/', pattern).slice(1);
}

/** A git source (BuildKit gitutil.ParseGitRef, the common forms): git@, git://, ssh://, or an http(s) URL ending in .git. */
export function isGitSource(src: string): boolean {
  return /^(git@|git:\/\/|ssh:\/\/)/i.test(src) || /^[\w.-]+@[\w.-]+:/.test(src) || /^https?:\/\/[^#]*\.git(#|\/?$)/i.test(src);
}

/**
 * What of an ADD remote enters the key. A git source's key is the commit it resolves to (+ ".git" with
 * keep-git-dir, + the subdirectory) — source/git CacheKey — and the copy from it is content-hashed; the commit is
 * known only when pinned (`--checksum=<commit>` or a full commit id as the ref). An HTTP source with `--checksum`
 * is keyed by that digest. Otherwise the URL as written stands in (a moved branch is not seen). Two git sources of
 * the same shape (keep-git-dir, subdir) may produce the same bytes: that is the content part, so another identity
 * is "maybe"; with keep-git-dir the .git directory differs between commits, so two known commits that differ rebuild.
 */
export function remoteKeys(src: string, flags: Record<string, string>): { identity: string; content: string } {
  const checksum = flags['checksum'];
  if (isGitSource(src)) {
    const hashAt = src.indexOf('#');
    const frag = hashAt < 0 ? '' : src.slice(hashAt + 1);
    const [ref = '', subdir = ''] = frag.split(':');
    const keep = flags['keep-git-dir'] !== undefined && flags['keep-git-dir'] !== 'false';
    const commit = checksum && /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(checksum) ? checksum.toLowerCase() : /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(ref) ? ref.toLowerCase() : null;
    const shape = (keep ? '.git' : '') + (subdir ? ':' + subdir : '');
    if (commit) return { identity: 'git:' + commit + shape, content: keep ? 'git:' + commit + shape : 'git-tree' + shape };
    return { identity: 'git-url:' + src + shape, content: keep ? 'git-url:' + src + shape : 'git-tree' + shape };
  }
  if (checksum) return { identity: 'http:' + checksum, content: 'http:' + checksum };
  return { identity: 'url:' + src, content: 'url:' + src };
}

/** The copy's source name for an ADD remote: "/" of a git checkout; an HTTP file's URL basename ("__unnamed__"). */
function remoteCopyName(src: string): string {
  if (isGitSource(src)) return '/';
  const m = /^[a-z]+:\/\/[^/?#]*([^?#]*)/i.exec(src);
  const base = m ? sourceBasename(m[1] ?? '') : '/';
  return base === '/' ? '__unnamed__' : base;
}

/** What BuildKit keeps of a COPY/ADD source in the file action: `path.Base` of the cleaned absolute path. */
export function sourceBasename(src: string): string {
  const r = resolvePath('/', src);
  return r === '/' ? '/' : r.slice(r.lastIndexOf('/') + 1);
}

/**
 * A context source as a `/`-separated path. A backslash left after expansion is part of a file name on Linux (a file
 * `d\\e` is one name there; BuildKit copies it by `d*`), except in a Dockerfile whose escape character is not the
 * backslash: that is the Windows convention (`# escape=\``, `COPY src\\app C:\\app`), where it separates folders.
 */
export function sourcePath(src: string, escape: string): string {
  return escape === '\\' ? src : src.replace(/\\/g, '/');
}

export function resolvePath(cwd: string, p: string): string {
  const abs = p.startsWith('/') ? p : (cwd.endsWith('/') ? cwd : cwd + '/') + p;
  const out: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}
