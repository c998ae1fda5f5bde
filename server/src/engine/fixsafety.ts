// Fix safety: before a fix is offered (check --fix, the editor's quick fixes, fix-all all read `check`'s findings),
// this proves from the model that the fixed Dockerfile builds the same image. A fix declares what it does
// (`Fix.effect`: cache mounts it adds, commands it removes or adds, ignore patterns it appends); the checker verifies
// that the edits do exactly that (the edited instruction is parsed again), then that
//   - no mount hides what an earlier step put in the image that this or a later step reads (a COPY into the folder, a
//     package store filled by an earlier RUN),
//   - every later step, later stage and `COPY --from` that reads the folder still gets it (it mounts the same cache,
//     and can fill it again when the cache mount is empty: BuildKit prunes cache mounts apart from layers),
//   - the final image does not need it (its CMD/ENTRYPOINT does not run the tool that reads the store),
//   - the RUN does not empty its own mount (`apt-get clean`, `rm -rf …/lists/*`),
//   - an ignore-file edit goes to the ignore file that applies to the Dockerfile built, removes from the context only
//     what the finding is about (every other step reads the same files), really takes the Dockerfile built out of the
//     step (the finding goes *because* the step no longer reads it), and no step reads the whole tree on purpose
//     (a bind mount of the context, git, setuptools-scm: excluding tracked files changes what they see).
// A fix that cannot be proven is not offered: the finding stays, without the fix, with the reason in `fixRefused`.
// Pure.
import type { ContextSnapshot } from './context';
import { parseDockerignore } from './dockerignore';
import { stepReads } from './inputs';
import { BoundedCache } from './memo';
import { analyze, resolvePath, stepOrigin, type ConfigInstruction, type Model, type Step } from './model';
import { runScript, type ShellCommand } from './shell';
import { cacheSpecs, cacheUse, cleanedBy, imageDefaults, resolveCacheDir, runtimeReads, under, withInline, type CacheKind } from './rules/managers';
import type { Finding, RuleContext } from './rules/types';
import { applyEdits } from './rules/util';

export interface MountEffect {
  step: number;
  /** Absolute target of the cache mount the fix adds. */
  target: string;
  manager: string;
  kind: CacheKind;
}

export interface FixEffect {
  mounts?: MountEffect[];
  /** Commands (words) the fix removes from a RUN. */
  removed?: { step: number; words: string[] }[];
  /** Commands (words) the fix adds to a RUN. */
  added?: { step: number; words: string[] }[];
  /** Patterns the fix appends to the ignore file, and the step whose finding it answers. */
  ignore?: { patterns: string[]; step: number };
}

// ------------------------------------------------------------------------------------------------------------------
// The model walks a proof needs (also used by missing-cache-mount to plan its fix)

// Walks are memoised per model (models are never mutated after analyze): a proof asks the same questions for every
// step of a group, and a rule asks them for every RUN.
interface ModelMemo {
  chains: Map<number, number[]>;
  desc: Map<number, number[]>;
  users: Map<string, DirUser[]>;
  byStage: Map<string, Map<number, DirUser[]>>;
  empty: Map<string, Map<number, Step[]>>;
  /** Steps that take content from a stage (COPY --from, RUN --mount=from), by the stage they read. */
  copiersOf: Map<number, Step[]> | null;
  copies: Map<number, { step: Step; dest: string }[]> | null;
  configOf: Map<number, ConfigInstruction[]> | null;
  /** proofKey's id per stage: the stage and every stage built on it, interned. */
  down: number[] | null;
}
const memos = new WeakMap<Model, ModelMemo>();
function memo(model: Model): ModelMemo {
  let m = memos.get(model);
  if (!m) memos.set(model, (m = { chains: new Map(), desc: new Map(), users: new Map(), byStage: new Map(), empty: new Map(), copiersOf: null, copies: null, configOf: null, down: null }));
  return m;
}

/** The stage and the stages it is built FROM, nearest first. */
export function stageChain(model: Model, stage: number): number[] {
  const mm = memo(model);
  const hit = mm.chains.get(stage);
  if (hit) return hit;
  const out = chainOf(model, stage);
  mm.chains.set(stage, out);
  return out;
}

function chainOf(model: Model, stage: number): number[] {
  const out: number[] = [];
  let s: number | undefined = stage;
  while (s !== undefined && !out.includes(s)) {
    out.push(s);
    const b: Model['stages'][number]['base'] = model.stages[s]!.base;
    s = b.kind === 'stage' ? b.stage : undefined;
  }
  return out;
}

/** The image at the root of a stage's chain (null for scratch). */
export function rootImage(model: Model, stage: number): string | null {
  const chain = stageChain(model, stage);
  const b = model.stages[chain[chain.length - 1]!]!.base;
  return b.kind === 'image' ? b.ref : null;
}

/** Env a RUN sees: the base image's known defaults, then the Dockerfile's ENV/ARG in scope. */
export function runEnv(model: Model, step: Step): Map<string, string> {
  const ref = rootImage(model, step.stage);
  const env = new Map<string, string>(Object.entries(ref ? imageDefaults(ref).env : {}));
  for (const [k, v] of step.env) env.set(k, v);
  return env;
}

/** The home directory of the RUN's user: `HOME` when set, root's for root (or an image that runs as root), else null. */
export function runHome(model: Model, step: Step, env: Map<string, string>): string | null {
  const h = env.get('HOME');
  if (h !== undefined) return h.startsWith('/') && !/[$`~]/.test(h) ? h : null;
  const u = step.user.split(':')[0] ?? '';
  if (u === 'root' || u === '0') return '/root';
  if (u !== '') return null;
  const ref = rootImage(model, step.stage);
  // an image from an ARG with no value ('') is not known: neither is its user
  return ref === null || (ref !== '' && imageDefaults(ref).rootByDefault) ? '/root' : null;
}

/** Steps whose output this step sees (earlier in its stage, and the stages it is built on). */
export function stepsBefore(model: Model, step: Step): Step[] {
  const out: Step[] = [];
  for (const s of stageChain(model, step.stage)) for (const id of model.stages[s]!.steps) if (s !== step.stage || model.steps[id]!.ordinal < step.ordinal) out.push(model.steps[id]!);
  return out;
}

/** Stages built (directly or not) FROM this one. */
function descendants(model: Model, stage: number): number[] {
  const mm = memo(model);
  let d = mm.desc.get(stage);
  if (!d) mm.desc.set(stage, (d = model.stages.filter((s) => s.index !== stage && stageChain(model, s.index).includes(stage)).map((s) => s.index)));
  return d;
}

/** Does step `b` run before `s` in `s`'s filesystem lineage (earlier in its stage, or in a stage it is built on)? */
export function runsBefore(model: Model, b: Step, s: Step): boolean {
  return b.stage === s.stage ? b.ordinal < s.ordinal : stageChain(model, s.stage).includes(b.stage);
}

/** Does step `a` see `s`'s output (later in its stage, or in a stage built on it)? */
export function seesOutput(model: Model, a: Step, s: Step): boolean {
  return a.stage === s.stage ? a.ordinal > s.ordinal : stageChain(model, a.stage).includes(s.stage);
}

export interface DirUser {
  step: Step;
  use: DirUse;
}

/** The RUN steps that use a folder (fill it or read it), in order, with how. */
export function dirUsers(model: Model, dir: string): DirUser[] {
  const mm = memo(model);
  let u = mm.users.get(dir);
  if (!u) {
    u = [];
    for (const s of model.steps) {
      if (s.keyword !== 'RUN' || s.trigger) continue;
      const use = dirUse(model, s, dir);
      if (use) u.push({ step: s, use });
    }
    mm.users.set(dir, u);
  }
  return u;
}

/** Users of a folder in the stages a step's filesystem comes from (`before`) or goes to (`after`), in order. */
export function usersAround(model: Model, dir: string, step: Step, side: 'before' | 'after'): DirUser[] {
  const mm = memo(model);
  let by = mm.byStage.get(dir);
  if (!by) {
    by = new Map();
    for (const u of dirUsers(model, dir)) {
      let l = by.get(u.step.stage);
      if (!l) by.set(u.step.stage, (l = []));
      l.push(u);
    }
    mm.byStage.set(dir, by);
  }
  const stages = side === 'before' ? stageChain(model, step.stage) : [step.stage, ...descendants(model, step.stage)];
  const out: DirUser[] = [];
  for (const st of stages) for (const u of by.get(st) ?? []) if (u.step !== step && (side === 'before' ? runsBefore(model, u.step, step) : seesOutput(model, u.step, step))) out.push(u);
  return out;
}

/** COPY/ADD steps of the stages a step's filesystem comes from, with their resolved destinations. */
function copiesBefore(model: Model, step: Step): { step: Step; dest: string }[] {
  const mm = memo(model);
  if (!mm.copies) {
    mm.copies = new Map();
    for (const b of model.steps) {
      if ((b.keyword !== 'COPY' && b.keyword !== 'ADD') || !b.parts['dest']) continue;
      let l = mm.copies.get(b.stage);
      if (!l) mm.copies.set(b.stage, (l = []));
      l.push({ step: b, dest: resolvePath('/', b.parts['dest']!) });
    }
  }
  const out: { step: Step; dest: string }[] = [];
  for (const st of stageChain(model, step.stage)) for (const c of mm.copies.get(st) ?? []) if (runsBefore(model, c.step, step)) out.push(c);
  return out;
}

/** Steps that take content from a stage (COPY --from, RUN --mount=from), by the stage they read. */
function copiersOf(model: Model): Map<number, Step[]> {
  const mm = memo(model);
  if (!mm.copiersOf) {
    mm.copiersOf = new Map();
    for (const s of model.steps) {
      for (const st of new Set(s.stageReads.map((r) => r.stage))) {
        if (st === null) continue;
        let l = mm.copiersOf.get(st);
        if (!l) mm.copiersOf.set(st, (l = []));
        l.push(s);
      }
    }
  }
  return mm.copiersOf;
}

/** The config instructions (CMD, ENTRYPOINT, ENV …) of each stage. */
function configOf(model: Model): Map<number, ConfigInstruction[]> {
  const mm = memo(model);
  if (!mm.configOf) {
    mm.configOf = new Map();
    for (const c of model.config) {
      if (c.stage === null) continue;
      let l = mm.configOf.get(c.stage);
      if (!l) mm.configOf.set(c.stage, (l = []));
      l.push(c);
    }
  }
  return mm.configOf;
}

/** Steps that see this step's output: later in its stage, and every step of the stages built on it. */
export function stepsAfter(model: Model, step: Step): Step[] {
  const out: Step[] = [];
  for (const id of model.stages[step.stage]!.steps) if (model.steps[id]!.ordinal > step.ordinal) out.push(model.steps[id]!);
  for (const d of descendants(model, step.stage)) for (const id of model.stages[d]!.steps) out.push(model.steps[id]!);
  return out;
}

/** Absolute targets of the cache (and tmpfs) mounts a RUN already has. */
export function mountedTargets(step: Step): string[] {
  return step.mounts.filter((m) => m.type === 'cache' || m.type === 'tmpfs').map((m) => resolvePath(step.workdir || '/', m.target ?? ''));
}

export interface DirUse {
  writes: boolean;
  reads: boolean;
  /** Reads it without filling it first in the same RUN, and cannot fill it itself (offline). */
  offline: boolean;
  /** What reads it, for messages. */
  how: string;
  /** Some command names the folder outside any manager the engine knows (cp -r ~/.m2 …): it reads whatever is there. */
  literal: boolean;
}

/** How a RUN uses one folder: through the managers that keep their cache there, or by naming it in its script. */
export function dirUse(model: Model, step: Step, dir: string): DirUse | null {
  // what it reads is the step itself (script, env, user) and the image at the root of its stage's chain (its env
  // defaults and user): memoised per step content (stepOrigin: shared between analyses while its stage is unchanged,
  // moved or not) and root image
  let m = usesOf.get(stepOrigin(step));
  if (!m) usesOf.set(stepOrigin(step), (m = new Map()));
  const key = dir + '\0' + rootImage(model, step.stage);
  let r = m.get(key);
  if (r === undefined) m.set(key, (r = computeDirUse(model, step, dir)));
  return r;
}
const usesOf = new WeakMap<Step, Map<string, DirUse | null>>();

function computeDirUse(model: Model, step: Step, dir: string): DirUse | null {
  const rs = runScript(step);
  if (!rs) return null;
  const env = runEnv(model, step);
  const home = runHome(model, step, env);
  const res: DirUse = { writes: false, reads: false, offline: false, how: '', literal: false };
  const done: ShellCommand[] = [];
  for (const c of rs.commands) {
    const text = rs.script.slice(c.start, c.end);
    const cenv = withInline(env, text);
    for (const u of cacheUse(c, done, env, text)) {
      const hit = cacheSpecs(u.manager).some((spec) => {
        const r = resolveCacheDir(spec, cenv, home);
        return 'dir' in r && (under(r.dir, dir) || under(dir, r.dir));
      });
      if (!hit) continue;
      if (u.reads && !res.writes && u.offline) res.offline = true;
      if (u.reads) res.reads = true;
      if (u.writes) res.writes = true;
      res.how ||= c.words.slice(0, 3).join(' ');
    }
    // a command that names the folder (cp -r ~/.m2 …, ls /go/pkg/mod) reads it, unless it only deletes it
    if (!cleanedBy(c).paths.length && c.words.some((w) => { const p = expandHome(w, home); return p !== null && p.startsWith('/') && (under(p, dir) || (p.length > 1 && under(dir, p) && p.split('/').length > 2)); })) {
      res.reads = true;
      res.literal = true;
      if (!res.writes) res.offline = true;
      res.how ||= c.words.slice(0, 3).join(' ');
    }
    done.push(c);
  }
  return res.reads || res.writes ? res : null;
}

function expandHome(w: string, home: string | null): string | null {
  let p = w;
  if (w.startsWith('~/') || w === '~') p = home ? home + w.slice(1) : '';
  else if (w.startsWith('$HOME') || w.startsWith('${HOME}')) p = home ? w.replace(/^\$\{?HOME\}?/, home) : '';
  return (p && wildcardFolder(p)) || null;
}

/**
 * The folder a path operand reaches, a wildcard's included: a segment with `*`, `?` or `[` may match any name in
 * its folder (`/var/cache/ap*` deletes /var/cache/apt itself), so the path is cut before that segment. Trailing
 * slashes dropped; `/*` is the root.
 */
export function wildcardFolder(p: string): string {
  const g = p.search(/[*?[]/);
  const cut = g < 0 ? p : p.slice(0, p.lastIndexOf('/', g) + 1);
  return cut.replace(/\/+$/, '') || (cut.startsWith('/') ? '/' : cut);
}

/** The RUNs that empty a folder, by stage (memoised per model). */
function emptiers(model: Model, dir: string, manager: string): Map<number, Step[]> {
  const mm = memo(model);
  const key = dir + '\0' + manager;
  let e = mm.empty.get(key);
  if (!e) {
    mm.empty.set(key, (e = new Map()));
    for (const a of model.steps) {
      if (a.keyword !== 'RUN' || emptiesWhole(model, a, dir, manager) === null) continue;
      let l = e.get(a.stage);
      if (!l) e.set(a.stage, (l = []));
      l.push(a);
    }
  }
  return e;
}

/**
 * emptiesDir over the RUN's whole script, memoised per step content and root image like dirUse (it reads the step's
 * script, env and user and the root image's defaults): an edit's new model mostly has the last one's steps.
 */
function emptiesWhole(model: Model, step: Step, dir: string, manager: string): string | null {
  let m = emptiedBy.get(stepOrigin(step));
  if (!m) emptiedBy.set(stepOrigin(step), (m = new Map()));
  const key = dir + '\0' + manager + '\0' + rootImage(model, step.stage);
  let r = m.get(key);
  if (r === undefined) m.set(key, (r = emptiesDir(model, step, runScript(step)?.commands ?? [], dir, manager)));
  return r;
}
const emptiedBy = new WeakMap<Step, Map<string, string | null>>();

/** Does this RUN delete (part of) the folder, or empty the manager's cache by name? */
export function emptiesDir(model: Model, step: Step, commands: ShellCommand[], dir: string, manager: string): string | null {
  const env = runEnv(model, step);
  const home = runHome(model, step, env);
  for (const c of commands) {
    const cl = cleanedBy(c);
    // by name: one of the manager's folders the clean empties (a fixed folder, as apt's two, must be this one:
    // `apt-get clean` empties the archives, not the index)
    if (cl.specs.some((sp) => sp.manager === manager && (sp.env.length || typeof sp.dflt !== 'string' || !sp.dflt.startsWith('/') || under(dir, sp.dflt) || under(sp.dflt, dir)))) return c.words.join(' ');
    for (const p of cl.paths) {
      const abs = expandHome(p, home);
      if (abs && abs.startsWith('/') && (under(abs, dir) || under(dir, abs))) return c.words.join(' ');
    }
  }
  return null;
}

// ------------------------------------------------------------------------------------------------------------------
// What a proof about one step reads, as one key (missing-cache-mount memoises its finding, proof included, by it)

// Steps and config entries are shared between analyses while their stage is unchanged (STAGE_MEMO) and never mutated:
// the same object is the same instruction, at the same line, with the same env, user and mounts. Each gets a number.
const tokens = new WeakMap<object, number>();
let nextToken = 1;
function token(o: object): number {
  let t = tokens.get(o);
  if (t === undefined) tokens.set(o, (t = nextToken++));
  return t;
}

// a list as one number: the same list is always the same number; numbers are never reused, so forgetting the table
// (when it grows large) only costs memo hits
const LISTS = new Map<string, number>();
let nextList = 1;
function intern(k: string): number {
  let id = LISTS.get(k);
  if (id === undefined) {
    if (LISTS.size >= 200_000) LISTS.clear();
    LISTS.set(k, (id = nextList++));
  }
  return id;
}

/** A stage's own part: its base, its steps and config entries, and the steps (of any stage) that take content from it. */
function ownPart(model: Model, s: number): string {
  const st = model.stages[s]!;
  const b = st.base;
  const ids = (xs: object[]) => xs.map(token).join(',');
  return [b.kind === 'stage' ? 'stage ' + b.stage : JSON.stringify(b.ref), ids(st.steps.map((id) => model.steps[id]!)), ids(configOf(model).get(s) ?? []), ids(copiersOf(model).get(s) ?? [])].join(';');
}

/**
 * Everything a fix proof about this step can read, as one key: the step, and every stage built (directly or not) on
 * the root stage of its chain, with the steps of any stage that copy from them. A proof walks the RUNs the folder is
 * shared with before the step (in the stages it is built on) and, for each of them, the steps after it: later stages,
 * siblings built on the same base, COPY --from, their mounts, env and users, the RUNs that empty the folder, the final
 * image's CMD / ENTRYPOINT (when the target is built on them). Plus the root image (env defaults, user), the target
 * and the escape character. Equal keys mean an equal proof. A stage's base is an earlier stage: one pass builds them.
 */
export function proofKey(model: Model, step: Step): string {
  const mm = memo(model);
  if (!mm.down) {
    const n = model.stages.length;
    const children: number[][] = model.stages.map(() => []);
    for (let s = 0; s < n; s++) {
      const b = model.stages[s]!.base;
      if (b.kind === 'stage' && b.stage < s) children[b.stage]!.push(s);
    }
    const down: number[] = new Array<number>(n);
    for (let s = n - 1; s >= 0; s--) down[s] = intern(ownPart(model, s) + '|' + children[s]!.map((c) => down[c]).join(','));
    mm.down = down;
  }
  const chain = stageChain(model, step.stage);
  return [token(step), mm.down[chain[chain.length - 1]!], model.target, model.escape].join(' ');
}

/**
 * Proofs per fix object and rule context (a rule proves its fix, then check() sees the same fix). The context is
 * held by a number, not the object: a memoised finding (missing-cache-mount's, per step of a memoised stage) keeps
 * its fix alive, and a fix holding its RuleContext held that analysis's whole model and text with it (measured: a
 * 2,000-line Dockerfile, 60 edits of its last line, 40 MB of old models kept by the stages memoised for the edited
 * stage's earlier texts; 120 MB when each edit also moved every stage).
 */
const proofs = new WeakMap<object, { rc: number; why: string | null }>();
/** The rule context's number (`token`: one per object, never reused). */
const rcId = (rc: RuleContext): number => token(rc);

/** A fix proven under an equal proofKey (a memoised finding) holds in this context too. */
export function noteProven(rc: RuleContext, fix: object): void {
  proofs.set(fix, { rc: rcId(rc), why: null });
}

// ------------------------------------------------------------------------------------------------------------------
// The proof

/** Null when the fix is proven safe, else why not (for the finding's message). */
export function proveFix(rc: RuleContext, finding: Finding): string | null {
  const fix = finding.fix;
  const effect = fix?.effect;
  if (!fix || !effect) return null;
  const known = proofs.get(fix);
  if (known && known.rc === rcId(rc)) return known.why;
  const why = proveEffect(rc, finding, effect);
  proofs.set(fix, { rc: rcId(rc), why });
  return why;
}

function proveEffect(rc: RuleContext, finding: Finding, effect: FixEffect): string | null {
  const model = rc.model;
  const fixedScripts = new Map<number, ShellCommand[]>();
  if (effect.mounts?.length || effect.removed?.length || effect.added?.length) {
    const why = verifyEdits(rc, finding, effect, fixedScripts);
    if (why) return why;
  }
  for (const m of effect.mounts ?? []) {
    const why = proveMount(model, m, effect, fixedScripts);
    if (why) return why;
  }
  if (effect.ignore) {
    const why = proveIgnore(rc, finding, effect.ignore);
    if (why) return why;
  }
  return null;
}

/** The Dockerfile edits must change exactly the declared steps, exactly as declared (parsed again). */
function verifyEdits(rc: RuleContext, finding: Finding, effect: FixEffect, fixedScripts: Map<number, ShellCommand[]>): string | null {
  const model = rc.model;
  const edits = finding.fix!.edits.filter((e) => e.file === 'dockerfile');
  const touched = new Set([...(effect.mounts ?? []), ...(effect.removed ?? []), ...(effect.added ?? [])].map((x) => x.step));
  const byLine = new Map<number, Step>();
  for (const id of touched) byLine.set(model.steps[id]!.range.start.line, model.steps[id]!);
  for (const e of edits) {
    const cand = byLine.get(e.range.start.line);
    const step = cand && cand.range.end.line === e.range.end.line ? cand : undefined;
    if (!step) return `the fix edits line ${e.range.start.line + 1}, which is not a step it declares`;
    // the new instruction on its own: its mounts and the commands its script runs
    const ns = reparsed(model.escape, e.newText);
    if (!ns) return `the fixed instruction at line ${step.line + 1} does not parse as one RUN`;
    const want = [...mountedTargets(step), ...(effect.mounts ?? []).filter((m) => m.step === step.id).map((m) => m.target)].sort();
    const got = ns.mounts.filter((m) => m.type === 'cache' || m.type === 'tmpfs').map((m) => resolvePath(step.workdir || '/', m.target ?? '')).sort();
    if (want.join('\n') !== got.join('\n')) return `the fixed RUN at line ${step.line + 1} does not mount what the fix says`;
    if (ns.mounts.length - got.length !== step.mounts.length - mountedTargets(step).length) return `the fixed RUN at line ${step.line + 1} changes its other mounts`;
    const before = runScript(step);
    const after = runScript(ns);
    if (!before || !after || !after.parsed) return `the fixed RUN at line ${step.line + 1} does not parse`;
    const expect = before.commands.map((c) => c.words.join(' '));
    for (const r of (effect.removed ?? []).filter((x) => x.step === step.id)) {
      const k = expect.indexOf(r.words.join(' '));
      if (k < 0) return `the fix removes a command the RUN at line ${step.line + 1} does not run`;
      expect.splice(k, 1);
    }
    const gotCmds = after.commands.map((c) => c.words.join(' '));
    const rest = [...gotCmds];
    for (const c of expect) {
      const k = rest.indexOf(c);
      if (k < 0) return `the fixed RUN at line ${step.line + 1} no longer runs \`${c}\``;
      rest.splice(k, 1);
    }
    const added = (effect.added ?? []).filter((x) => x.step === step.id).map((x) => x.words.join(' '));
    for (const c of rest) {
      const k = added.indexOf(c);
      if (k < 0) return `the fixed RUN at line ${step.line + 1} runs \`${c}\` that the fix does not declare`;
      added.splice(k, 1);
    }
    if (added.length) return `the fixed RUN at line ${step.line + 1} does not run \`${added[0]}\``;
    fixedScripts.set(step.id, after.commands);
  }
  for (const id of touched) if (!fixedScripts.has(id)) return `the fix declares a change to line ${model.steps[id]!.line + 1} but does not edit it`;
  return null;
}

/**
 * An edited instruction parsed on its own, with a sentinel after it (the edit must end where the instruction ended,
 * not run on into the next one); null when it is not one RUN. Memoised by text: a rule and check() prove the same edit.
 */
const reparses = new BoundedCache<string, { step: Step | null }>('reparsed fixes', 20_000, (k) => k.length * 40 + 2048);
function reparsed(escape: string, text: string): Step | null {
  const key = escape + '\0' + text;
  const hit = reparses.get(key);
  if (hit) return hit.step;
  const mini = analyze((escape !== '\\' ? `# escape=${escape}\n` : '') + 'FROM scratch\n' + text + '\nRUN layerwise-sentinel\n');
  const ns = mini.steps[0];
  const r = ns && ns.keyword === 'RUN' && mini.steps.length === 2 && mini.steps[1]!.script === 'layerwise-sentinel' ? ns : null;
  reparses.set(key, { step: r });
  return r;
}

function mountedAfterFix(step: Step, dir: string, effect: FixEffect): boolean {
  return mountedTargets(step).some((t) => t === dir) || (effect.mounts ?? []).some((m) => m.step === step.id && m.target === dir);
}

function proveMount(model: Model, m: MountEffect, effect: FixEffect, fixedScripts: Map<number, ShellCommand[]>): string | null {
  const step = model.steps[m.step]!;
  const D = m.target;
  const at = (s: Step) => `line ${s.line + 1}`;
  // 1. what earlier steps put there stays hidden under the mount
  for (const { step: b, dest } of copiesBefore(model, step)) {
    if (under(dest, D)) return `the ${b.keyword} at ${at(b)} puts files in ${D}; a cache mount there would hide them`;
  }
  if (m.kind === 'store') {
    for (const { step: b, use: u } of usersAround(model, D, step, 'before')) {
      if (u.writes && !mountedAfterFix(b, D, effect)) return `the RUN at ${at(b)} (\`${u.how}\`) fills ${D} in the image; a cache mount on ${at(step)} would hide it`;
    }
  }
  // 2. no step of any stage copies (or bind-mounts) the folder out of this stage or one built on it
  const lineage = [step.stage, ...descendants(model, step.stage)];
  for (const a of lineage.flatMap((st) => copiersOf(model).get(st) ?? [])) {
    for (const r of a.stageReads) {
      if (r.stage === null || !lineage.includes(r.stage)) continue;
      for (const p of r.paths) {
        const abs = resolvePath('/', p);
        if (under(abs, D) || under(D, abs)) return `the ${a.keyword} at ${at(a)} copies ${abs} from this stage, which would no longer hold ${D}`;
      }
    }
  }
  // every later step that reads the folder mounts it too, and can fill it again
  for (const { step: a, use: u } of usersAround(model, D, step, 'after')) {
    // a download cache is only ever read by its own manager, which downloads again what is missing
    if (!u?.reads || (m.kind === 'download' && !u.literal)) continue;
    if (!mountedAfterFix(a, D, effect)) return `the RUN at ${at(a)} (\`${u.how}\`) reads ${D} from the image`;
    if (u.offline) return `the RUN at ${at(a)} (\`${u.how}\`) reads ${D} without filling it: once the cache mount is emptied while the earlier layer stays cached, it fails`;
  }
  // stages that copy from this stage's own later state are covered above; the same RUN must not read it offline first
  const own = dirUse(model, step, D);
  if (m.kind === 'store' && own?.offline) return `the RUN at ${at(step)} (\`${own.how}\`) reads ${D} without filling it`;
  // 3. the RUN must not empty its own mount
  const cmds = fixedScripts.get(step.id) ?? runScript(step)?.commands ?? [];
  const emptied = emptiesDir(model, step, cmds, D, m.manager);
  if (emptied) return `\`${emptied}\` in the same RUN empties the cache mount on ${D}`;
  // 4. the final image must not need it
  if (m.kind === 'store' && model.stages[model.target] && stageChain(model, model.target).includes(step.stage)) {
    const origCmds = runScript(step)?.commands ?? [];
    const chain = stageChain(model, model.target);
    const byStage = emptiers(model, D, m.manager);
    const deletedAnyway = emptiesDir(model, step, origCmds, D, m.manager) !== null || chain.some((st) => (byStage.get(st) ?? []).some((a) => seesOutput(model, a, step)));
    if (!deletedAnyway) {
      const runtime = chain.flatMap((st) => (configOf(model).get(st) ?? []).filter((c) => c.keyword === 'CMD' || c.keyword === 'ENTRYPOINT')).sort((a, b) => a.line - b.line);
      // (apt's index is only ever read by apt itself: an image is not used through its stale package lists)
      if (!runtime.length && m.manager !== 'apt') return `the final image is built on this stage and sets no CMD or ENTRYPOINT: what runs in it may read ${D}`;
      const r = runtime.find((c) => runtimeReads(m.manager, c.instruction));
      if (r) return `the final image's ${r.keyword} (line ${r.line + 1}) runs ${m.manager}, which reads ${D}`;
    }
  }
  return null;
}

/** Steps that take the whole tree on purpose: a bind mount of the context, or git / VCS versioning after a broad COPY. */
export function wholeTreeReader(model: Model): { step: Step; why: string } | null {
  for (const s of model.steps) {
    if (s.trigger) continue;
    if (s.contextReads.some((r) => r.via === 'bind' && r.sources.includes(''))) return { step: s, why: 'bind-mounts the whole context: what it runs may read every file (scripts, generators, validators, git)' };
  }
  const broad = model.steps.filter((s) => !s.trigger && s.contextReads.some((r) => r.sources.includes('')));
  for (const b of broad) {
    for (const a of stepsAfter(model, b)) {
      if (a.keyword !== 'RUN') continue;
      const text = a.script ?? a.argv?.join(' ') ?? '';
      // git commands that look at the local repository (not clone/fetch of another one), .git itself, VCS versioning
      if (/(^|[\s;&|(`$])git\s+(-C\s+\S+\s+)?(describe|rev-parse|status|diff|log|show|ls-files|rev-list|symbolic-ref|name-rev|stash|update-index|add|commit|archive)\b|(^|[\s"'=/])\.git\b|GIT_DIR|setuptools[-_]scm|hatch[-_]vcs|versioneer|buildvcs|dunamai|poetry-dynamic-versioning/.test(text)) return { step: a, why: 'reads the git state (an excluded tracked file makes the tree dirty and changes what it stamps)' };
    }
  }
  return null;
}

/**
 * What of `sent` an ignore file of `text` still sends. Kept per `sent` array (`sentPaths` hands out one per snapshot
 * revision and ignore text) for its last few texts: the Dockerfiles of one context are often offered the same
 * ignore-file fix, and each proof would test every path against it again.
 */
const newSentMemo = new WeakMap<readonly string[], Map<string, string[]>>();
const NEW_SENT_TEXTS = 8;
function sentUnder(sent: readonly string[], text: string): string[] {
  let m = newSentMemo.get(sent);
  if (!m) newSentMemo.set(sent, (m = new Map()));
  let out = m.get(text);
  if (!out) {
    const ig = parseDockerignore(text);
    out = sent.filter((p) => !ig.ignores(p));
    if (m.size >= NEW_SENT_TEXTS) m.delete(m.keys().next().value!);
    m.set(text, out);
  }
  return out;
}

function proveIgnore(rc: RuleContext, finding: Finding, ig: { patterns: string[]; step: number }): string | null {
  const ctx = rc.ctx;
  if (!ctx) return 'there is no build context to check the ignore file against';
  const model = rc.model;
  // the ignore file the fix edits must be the one BuildKit uses for this Dockerfile
  const df = rc.dockerfile;
  if (df && rc.ignoreName !== df + '.dockerignore' && ctx.entry(df + '.dockerignore')) return `${df}.dockerignore applies to this Dockerfile, not ${rc.ignoreName}`;
  const reader = wholeTreeReader(model);
  if (reader) return `the ${reader.step.keyword} at line ${reader.step.line + 1} ${reader.why}`;
  const iEdits = finding.fix!.edits.filter((e) => e.file === 'dockerignore');
  const newText = applyEdits(rc.ignoreText ?? '', iEdits);
  const newSent = sentUnder(rc.sent, newText);
  const newReads = stepReads(model, ctx as ContextSnapshot, newSent);
  // every step that names its sources reads exactly what it read before
  for (const s of model.steps) {
    if (!s.contextReads.length || s.contextReads.some((r) => r.sources.includes(''))) continue;
    const a = rc.reads.get(s.id)?.files ?? 0;
    const b = newReads.get(s.id)?.files ?? 0;
    if (a !== b) return `the ${s.keyword} at line ${s.line + 1} would copy ${b} files instead of ${a}`;
  }
  // the Dockerfile built leaves the step because of the fix
  if (df && ig.patterns.includes(df) && newSent.includes(df)) return `the fix leaves ${df}, the Dockerfile built, in the context`;
  const nr = newReads.get(ig.step);
  if (df && ig.patterns.includes(df) && nr && nr.sample.includes(df)) return `the step still reads ${df}`;
  return null;
}
