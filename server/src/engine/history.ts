// History replay: how often each step of the current Dockerfile would have been rebuilt over the last commits.
// Each commit is evaluated against its (first) parent with the engine's change-set logic (explain): the baseline is
// the parent's Dockerfile + the parent's state of the paths the commit changed, the current side the commit's.
// The commits come in as plain data (server/src/context/history.ts reads them from git in one pass). Pure: no I/O.
import type { ContextEntry, ContextProblem, ContextSnapshot } from './context';
import { explain, type Reason, type StepStatus } from './explain';
import { analyze, type AnalyzeOptions, type Model, type Step } from './model';
import { stepCost, type StepCost } from './cost';
import type { BuildLogMapping } from './buildlog';
import { stepKeys } from './stepkeys';

/** State of one path on one side of a commit: git mode (`100644`, `100755`, `120000`, `160000`) and object id. */
export interface PathState {
  mode: string;
  id: string;
}

/** A path (relative to the build context) that a commit changed; a rename is a delete + an add. */
export interface HistoryChange {
  path: string;
  before: PathState | null;
  after: PathState | null;
}

export interface HistoryCommit {
  id: string;
  /** Parent ids; the first is the one the commit is compared with. Empty for a root commit (not evaluated). */
  parents: string[];
  /** Commit time, seconds since the epoch. */
  time?: number;
  subject?: string;
  /** Context-relative paths changed against the first parent (before .dockerignore). */
  changes: HistoryChange[];
  /** The Dockerfile's text in the first parent and in the commit (null: it did not exist). */
  dockerfile: { before: string | null; after: string | null };
  /** The text of the ignore file that applies on each side (`<Dockerfile>.dockerignore`, else `.dockerignore`). */
  ignore: { before: string | null; after: string | null };
  /**
   * Every other context path at the commit with its state, needed only when the ignore text differs between the
   * sides (files that were not changed can still start or stop being sent). Omitted otherwise.
   */
  tree?: { path: string; mode: string; id: string }[];
}

export interface HistoryInput {
  /** Newest first (as git log prints them). */
  commits: HistoryCommit[];
  /** The current Dockerfile (the one whose steps are counted). */
  currentText: string;
  options?: AnalyzeOptions;
  /** Set when the repository has no usable history (shallow clone, no commits, not a repository). */
  noHistory?: string;
}

export type HistoryReasonKind = 'path' | 'directory' | 'dockerfile' | 'base-image' | 'other';

export interface HistoryReason {
  kind: HistoryReasonKind;
  /** A context path (kind 'path'), a top-level directory with a trailing slash (kind 'directory': any of 2+ files
   *  under it, counted once per commit) or a description. */
  label: string;
  path?: string;
  /** Commits in which this reason caused the step to rebuild. */
  count: number;
}

export interface StepHistory {
  stepId: number;
  /** Identity across Dockerfile versions: stage + instruction text + occurrence (see stepKey). */
  key: string;
  /** 1-based. */
  line: number;
  stage: string;
  instruction: string;
  rebuilt: number;
  /** 'maybe' outcomes (content copied from another stage might be unchanged); not counted as rebuilt. */
  maybe: number;
  /** Commits in which the step existed (in a stage the target needs). */
  considered: number;
  /** 1 - rebuilt/considered; null when never considered. */
  hitRate: number | null;
  missRate: number;
  cost: StepCost;
  reasons: HistoryReason[];
}

export interface HistoryResult {
  state: 'ok' | 'no-history';
  note?: string;
  /** Commits evaluated. */
  commits: number;
  /** Commits left out, by why. */
  skipped: { root: number; noDockerfile: number; noParentDockerfile: number };
  steps: StepHistory[];
  /** Σ miss rate over the current steps. */
  expectedRebuiltSteps: number;
  expectedMaybeSteps: number;
  /** Σ miss rate × cost (seconds). */
  expectedCostSeconds: number;
  /** Per evaluated commit (newest first): which current steps (ids) rebuilt. */
  perCommit: { id: string; subject?: string; rebuilt: number[]; maybe: number[] }[];
}

// ---- a context that holds only the paths a commit touched ----

class SparseContext implements ContextSnapshot {
  readonly modeGranularity = 'git' as const;
  readonly problems: ContextProblem[] = [];
  private readonly map = new Map<string, ContextEntry & { id: string }>();
  constructor(
    readonly label: string,
    readonly ignoreFile: { name: string; text: string } | null,
  ) {}
  set(path: string, st: PathState): void {
    const m = st.mode;
    if (m === '120000') this.map.set(path, { type: 'symlink', mode: 0o777, id: st.id });
    else if (m === '160000' || m === '040000') this.map.set(path, { type: 'dir', mode: 0o755, id: st.id });
    else this.map.set(path, { type: 'file', mode: m === '100755' ? 0o755 : 0o644, id: st.id });
  }
  paths(): Iterable<string> {
    return this.map.keys();
  }
  entry(p: string): ContextEntry | undefined {
    return this.map.get(p);
  }
  contentId(p: string): string | undefined {
    return this.map.get(p)?.id;
  }
}

function stageLabel(model: Model, idx: number): string {
  const s = model.stages[idx]!;
  return s.name ?? `#${idx}`;
}

// ---- causes of a miss ----

const PROPAGATION = new Set<Reason['kind']>(['parent', 'stage', 'not-built']);

function directCauses(reasons: Reason[]): string[] {
  const out: string[] = [];
  for (const r of reasons) {
    if (PROPAGATION.has(r.kind)) continue;
    if (r.kind === 'base' && r.line !== undefined) continue; // "built FROM stage X, which rebuilds"
    if (r.kind === 'files') {
      for (const p of r.paths ?? []) out.push('p\u0000' + p.path);
      if ((r.count ?? 0) > (r.paths?.length ?? 0)) out.push('o\u0000more changed paths');
    } else if (r.kind === 'base') out.push('b\u0000base image changed');
    else out.push('d\u0000Dockerfile edit');
  }
  return out;
}

// ---- replay ----

interface Counter {
  rebuilt: number;
  maybe: number;
  considered: number;
  reasons: Map<string, number>;
  dirs: Map<string, { count: number; paths: Set<string> }>;
}

/** Replays the history; see the file comment. */
export function replayHistory(input: HistoryInput, overrides?: { dockerfileText?: string; ignoreText?: string | null }): HistoryResult {
  const opts = input.options ?? {};
  const current = analyze(input.currentText, opts);
  const curKeys = stepKeys(current);
  const keyToId = new Map<string, number>();
  curKeys.forEach((k, i) => keyToId.set(k, i));
  const counters: Counter[] = current.steps.map(() => ({ rebuilt: 0, maybe: 0, considered: 0, reasons: new Map(), dirs: new Map() }));
  const modelMemo = new Map<string, { model: Model; keys: string[] }>();
  const modelOf = (text: string): { model: Model; keys: string[] } => {
    let m = modelMemo.get(text);
    if (!m) {
      const model = text === input.currentText ? current : analyze(text, opts);
      m = { model, keys: model === current ? curKeys : stepKeys(model) };
      modelMemo.set(text, m);
    }
    return m;
  };
  const skipped = { root: 0, noDockerfile: 0, noParentDockerfile: 0 };
  const perCommit: HistoryResult['perCommit'] = [];
  let evaluated = 0;

  if (!input.noHistory) {
    for (const c of input.commits) {
      if (c.parents.length === 0) {
        skipped.root++;
        continue;
      }
      const after = overrides?.dockerfileText ?? c.dockerfile.after;
      const before = overrides?.dockerfileText ?? c.dockerfile.before;
      if (after === null) {
        skipped.noDockerfile++;
        continue;
      }
      if (before === null) {
        skipped.noParentDockerfile++;
        continue;
      }
      const igB = overrides && 'ignoreText' in overrides ? overrides.ignoreText ?? null : c.ignore.before;
      const igA = overrides && 'ignoreText' in overrides ? overrides.ignoreText ?? null : c.ignore.after;
      const ctxB = new SparseContext(`git:${c.id}^`, igB === null ? null : { name: '.dockerignore', text: igB });
      const ctxA = new SparseContext(`git:${c.id}`, igA === null ? null : { name: '.dockerignore', text: igA });
      if (igB !== igA && c.tree) {
        for (const t of c.tree) {
          ctxB.set(t.path, t);
          ctxA.set(t.path, t);
        }
      }
      for (const ch of c.changes) {
        if (ch.before) ctxB.set(ch.path, ch.before);
        if (ch.after) ctxA.set(ch.path, ch.after);
      }
      const { model, keys } = modelOf(after);
      const ex = explain({
        current: { text: after, context: ctxA, options: opts },
        baseline: { text: before, context: ctxB, options: opts },
        currentModel: model,
      });
      evaluated++;
      // root causes per step of this commit's model
      const status: StepStatus[] = ex.steps.map((r) => r.status);
      const causes: (string[] | null)[] = new Array(model.steps.length).fill(null);
      const causeOf = (id: number, depth = 0): string[] => {
        const known = causes[id];
        if (known) return known;
        const r = ex.steps[id]!;
        let out = directCauses(r.reasons);
        if (out.length === 0 && depth < 200) {
          const set = new Set<string>();
          const step = r.step;
          if (step.parent !== null && status[step.parent] === 'rebuilt') for (const x of causeOf(step.parent, depth + 1)) set.add(x);
          else if (step.parent === null) {
            const st = model.stages[step.stage]!;
            if (st.base.kind === 'stage') {
              const bs = model.stages[st.base.stage]!;
              const last = bs.steps[bs.steps.length - 1];
              if (last !== undefined && status[last] === 'rebuilt') for (const x of causeOf(last, depth + 1)) set.add(x);
            }
          }
          out = set.size ? [...set] : ['o\u0000cache key changed'];
        }
        causes[id] = [...new Set(out)];
        return causes[id]!;
      };
      const rebuiltIds: number[] = [];
      const maybeIds: number[] = [];
      for (const r of ex.steps) {
        if (r.status === 'skipped') continue;
        const cid = keyToId.get(keys[r.step.id]!);
        if (cid === undefined || !current.stages[current.steps[cid]!.stage]!.needed) continue;
        const k = counters[cid]!;
        k.considered++;
        if (r.status === 'rebuilt') {
          k.rebuilt++;
          rebuiltIds.push(cid);
          const seenDirs = new Set<string>();
          for (const cause of causeOf(r.step.id)) {
            k.reasons.set(cause, (k.reasons.get(cause) ?? 0) + 1);
            if (!cause.startsWith('p\u0000')) continue;
            const p = cause.slice(2);
            const slash = p.indexOf('/');
            if (slash < 0) continue;
            const dir = p.slice(0, slash + 1);
            let d = k.dirs.get(dir);
            if (!d) k.dirs.set(dir, (d = { count: 0, paths: new Set() }));
            d.paths.add(p);
            if (!seenDirs.has(dir)) {
              seenDirs.add(dir);
              d.count++;
            }
          }
        } else if (r.status === 'maybe') {
          k.maybe++;
          maybeIds.push(cid);
        }
      }
      perCommit.push({ id: c.id, subject: c.subject, rebuilt: rebuiltIds.sort((a, b) => a - b), maybe: maybeIds.sort((a, b) => a - b) });
    }
  }

  const steps: StepHistory[] = [];
  let expectedRebuiltSteps = 0;
  let expectedMaybeSteps = 0;
  let expectedCostSeconds = 0;
  for (const step of current.steps) {
    if (!current.stages[step.stage]!.needed) continue;
    const k = counters[step.id]!;
    const cost = stepCost(step);
    const missRate = k.considered ? k.rebuilt / k.considered : 0;
    expectedRebuiltSteps += missRate;
    expectedMaybeSteps += k.considered ? k.maybe / k.considered : 0;
    expectedCostSeconds += missRate * cost.seconds;
    steps.push({
      stepId: step.id,
      key: curKeys[step.id]!,
      line: step.line + 1,
      stage: stageLabel(current, step.stage),
      instruction: step.instruction,
      rebuilt: k.rebuilt,
      maybe: k.maybe,
      considered: k.considered,
      hitRate: k.considered ? round(1 - missRate) : null,
      missRate: round(missRate),
      cost,
      reasons: topReasons(k.reasons, k.dirs),
    });
  }
  const noHistory = input.noHistory ?? (evaluated === 0 ? noHistoryNote(input.commits.length, skipped) : undefined);
  return {
    state: input.noHistory || evaluated === 0 ? 'no-history' : 'ok',
    note: noHistory,
    commits: evaluated,
    skipped,
    steps,
    expectedRebuiltSteps: round(expectedRebuiltSteps),
    expectedMaybeSteps: round(expectedMaybeSteps),
    expectedCostSeconds: round(expectedCostSeconds, 1),
    perCommit,
  };
}

function noHistoryNote(n: number, skipped: HistoryResult['skipped']): string {
  if (n === 0) return 'no commits touched the build context or the Dockerfile';
  const parts: string[] = [];
  if (skipped.root) parts.push('the only commit has no parent');
  if (skipped.noDockerfile) parts.push(`${skipped.noDockerfile} without the Dockerfile`);
  if (skipped.noParentDockerfile) parts.push(`${skipped.noParentDockerfile} that added it`);
  return `no commit could be compared with a previous build (${parts.join(', ')})`;
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function topReasons(m: Map<string, number>, dirs: Counter['dirs'], n = 8): HistoryReason[] {
  const all: HistoryReason[] = [...m].map(([k, count]) => {
    const [tag, label] = k.split('\u0000') as [string, string];
    const kind: HistoryReasonKind = tag === 'p' ? 'path' : tag === 'd' ? 'dockerfile' : tag === 'b' ? 'base-image' : 'other';
    return kind === 'path' ? { kind, label, path: label, count } : { kind, label, count };
  });
  for (const [dir, d] of dirs) if (d.paths.size >= 2) all.push({ kind: 'directory', label: dir, path: dir.slice(0, -1), count: d.count });
  all.sort((a, b) => b.count - a.count || (a.kind === 'directory' ? -1 : 0) - (b.kind === 'directory' ? -1 : 0) || a.label.localeCompare(b.label));
  return all.slice(0, n);
}

// ---- what a fix would save ----

export interface WhatIf {
  /** Replay of the current Dockerfile held fixed over the history (only context changes vary). */
  before: HistoryResult;
  /** Replay of the fixed Dockerfile (and ignore text, when given) held fixed over the same history. */
  after: HistoryResult;
  savedStepsPerCommit: number;
  savedSecondsPerCommit: number;
}

/**
 * Re-runs the replay on a fixed Dockerfile: both the current and the fixed text are held constant over the history
 * (so Dockerfile edits in the past do not blur the comparison) and only the commits' context changes vary.
 * `ignoreText` replaces the ignore file on both sides of every commit in the fixed run (a fix that edits
 * .dockerignore).
 */
export function whatIfFixed(input: HistoryInput, fixedText: string, opts: { ignoreText?: string | null } = {}): WhatIf {
  const before = replayHistory(input, { dockerfileText: input.currentText });
  const after = replayHistory({ ...input, currentText: fixedText }, 'ignoreText' in opts ? { dockerfileText: fixedText, ignoreText: opts.ignoreText ?? null } : { dockerfileText: fixedText });
  return {
    before,
    after,
    savedStepsPerCommit: round(before.expectedRebuiltSteps - after.expectedRebuiltSteps),
    savedSecondsPerCommit: round(before.expectedCostSeconds - after.expectedCostSeconds, 1),
  };
}

// ---- per-step insight for hovers and lenses ----

export interface StepInsight {
  stepId: number;
  key: string;
  /** 1-based. */
  line: number;
  instruction: string;
  /** Estimate, or the real duration of the last imported build when the step executed there. */
  cost: StepCost;
  history?: StepHistory;
  lastBuild?: { status: 'cached' | 'executed' | 'error' | 'canceled' | 'incomplete'; seconds?: number };
  /** e.g. "hit rate 13% · ~94 s when rebuilt" or "last build: rebuilt, 94 s". */
  summary: string;
}

/**
 * Merges history (hit rates), cost estimates and an imported build log per step of `model`. History and log
 * results may come from another version of the Dockerfile: steps are matched by `stepKeys` (stage + instruction
 * text + occurrence), so edited steps simply have no history.
 */
export function stepInsights(model: Model, history?: HistoryResult | null, buildLog?: BuildLogMapping | null): StepInsight[] {
  const keys = stepKeys(model);
  const hist = new Map<string, StepHistory>();
  for (const s of history?.steps ?? []) hist.set(s.key, s);
  const logs = new Map<string, BuildLogMapping['steps'][number]>();
  for (const s of buildLog?.steps ?? []) logs.set(s.key, s);
  const out: StepInsight[] = [];
  for (const step of model.steps) {
    const key = keys[step.id]!;
    let cost = stepCost(step);
    const h = hist.get(key);
    const l = logs.get(key);
    if (l && l.status === 'executed' && l.seconds !== undefined) cost = { ...cost, seconds: l.seconds, source: 'build-log' };
    const parts: string[] = [];
    if (h && h.hitRate !== null) parts.push(`hit rate ${Math.round(h.hitRate * 100)}% (${h.rebuilt}/${h.considered} commits rebuilt)`);
    parts.push(`${cost.source === 'build-log' ? '' : '~'}${fmtSeconds(cost.seconds)} when rebuilt`);
    if (l) parts.push(`last build: ${l.status === 'executed' ? 'rebuilt' : l.status}${l.seconds !== undefined && l.status === 'executed' ? `, ${fmtSeconds(l.seconds)}` : ''}`);
    out.push({
      stepId: step.id,
      key,
      line: step.line + 1,
      instruction: step.instruction,
      cost,
      history: h,
      lastBuild: l ? { status: l.status, seconds: l.seconds } : undefined,
      summary: parts.join(' · '),
    });
  }
  return out;
}

export function fmtSeconds(s: number): string {
  if (s < 10) return `${Math.round(s * 10) / 10} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return `${Math.round(s / 6) / 10} min`;
}

export type { Step };
