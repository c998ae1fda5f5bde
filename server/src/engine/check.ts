// Runs the rule catalogue over a Dockerfile: severities from configuration, inline suppressions, sorted findings.
import { BudgetExceeded, checkBudget } from './budget';
import type { ContextSnapshot } from './context';
import { sentPaths, stepReads, type StepReads } from './inputs';
import { analyze, type AnalyzeOptions, type Model } from './model';
import { RULES } from './rules';
import { proveFix } from './fixsafety';
import type { Finding, RuleContext, Severity } from './rules/types';
import { formattingTwins, siblingSharing, type MemberSharing, type SiblingBuild } from './shared';
import type { LayersReport } from './layers';
import { compareCodeUnits } from './format';

export interface CheckOptions extends AnalyzeOptions {
  /** Per-rule severity overrides; 'off' disables a rule. */
  severities?: Record<string, Severity | 'off'>;
  /**
   * The Dockerfile being built, relative to the build context (posix), or null when it lies outside the context.
   * Default `Dockerfile` (what `docker build` reads without `-f`).
   */
  dockerfile?: string | null;
  /** The other builds of the workspace (compose services, bake targets, sibling Dockerfiles), for the rules that
   *  compare with them (`needless-divergence`). */
  siblings?: SiblingBuild[];
  /** The layers of the image built from this text, mapped onto its model (engine/layers.ts `mapLayers`, `mapped`):
   *  `cleanup-in-separate-layer` cites the bytes a cleanup leaves in earlier layers. */
  layers?: LayersReport;
  /** unread-context-data reports unread context data from this many bytes on (default 50 MB; `.layerwise.yaml` `unreadContextLimit`). */
  unreadContextLimit?: number;
}

export interface CheckResult {
  model: Model;
  findings: Finding[];
  /** Findings removed by `# layerwise-ignore` comments (for tooling that wants to show them). */
  suppressed: Finding[];
  /**
   * The rules that read what depends on the build context or the workspace's other builds (`ctx`, `reads`, `sent`,
   * the ignore file, `shared`) in this run, their fix proofs included. The findings of every other rule depend only on
   * the text and the options: with a context they are the same (the editor publishes them before the context is read).
   */
  readContext: Set<string>;
}

/** The RuleContext fields whose value depends on the build context or the other builds (empty or absent without). */
const CONTEXT_FIELDS = ['ctx', 'reads', 'sent', 'ignoreName', 'ignoreText', 'shared', 'reshare', 'formattingTwins'] as const;

/** The rule context one rule sees: reading a context field calls `onRead` (a spread reads them all). The view never
 *  reads them itself: `shared` and `formattingTwins` are computed on first read. */
function trackedView(rc: RuleContext, onRead: () => void): RuleContext {
  const view = {} as Record<string, unknown>;
  const fields: readonly string[] = CONTEXT_FIELDS;
  for (const k of Object.keys(rc)) if (!fields.includes(k)) view[k] = rc[k as keyof RuleContext];
  for (const k of CONTEXT_FIELDS)
    Object.defineProperty(view, k, {
      enumerable: true,
      get() {
        onRead();
        return rc[k];
      },
    });
  return view as unknown as RuleContext;
}

/** `obj[key]`, computed by `compute` on first read (an enumerable property, like a plain field). */
function lazyField<T extends object, K extends keyof T>(obj: T, key: K, compute: () => T[K]): void {
  let done = false;
  let value: T[K];
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!done) (value = compute()), (done = true);
      return value;
    },
    set(v: T[K]) {
      (value = v), (done = true);
    },
  });
}

const IGNORE_RE = /^\s*#\s*layerwise-ignore(-file)?\s+([A-Za-z0-9_,\s-]+?)\s*$/;

/** What a caller may have computed already for this model and context (`sentPaths`, `stepReads`): used as given. */
export interface PreparedInputs {
  sent: string[];
  reads: Map<number, StepReads>;
}

export function buildRuleContext(text: string, model: Model, ctx: ContextSnapshot | null, prepared?: PreparedInputs, dockerfile: string | null = 'Dockerfile'): RuleContext {
  const sent = ctx ? (prepared?.sent ?? sentPaths(ctx)) : [];
  return {
    text,
    model,
    ctx,
    reads: ctx ? (prepared?.reads ?? stepReads(model, ctx, sent)) : new Map(),
    sent,
    ignoreName: ctx?.ignoreFile?.name ?? '.dockerignore',
    ignoreText: ctx?.ignoreFile?.text ?? null,
    dockerfile,
  };
}

/** Options for `analyze` (its memo keys hold the options: the siblings' texts and contexts do not belong there). */
function withoutSiblings(options: CheckOptions): CheckOptions {
  if (!options.siblings && !options.layers) return options;
  const { siblings: _s, layers: _l, ...rest } = options;
  return rest;
}

export function check(text: string, ctx: ContextSnapshot | null, options: CheckOptions = {}, model?: Model, prepared?: PreparedInputs): CheckResult {
  const m = model ?? analyze(text, withoutSiblings(options));
  const rc = buildRuleContext(text, m, ctx, prepared, options.dockerfile === undefined ? 'Dockerfile' : options.dockerfile);
  if (options.siblings?.length) {
    // computed when a rule reads them: the comparison keys every build by content, which needless-divergence needs
    // only when formattingTwins says a formatting divergence is possible
    lazyField(rc, 'shared', (): MemberSharing => siblingSharing(text, m, ctx, options));
    lazyField(rc, 'formattingTwins', () => formattingTwins(text, m, ctx, options));
    rc.reshare = (t) => siblingSharing(t, analyze(t, withoutSiblings(options)), ctx, options);
  }
  if (options.unreadContextLimit !== undefined) rc.unreadContextLimit = options.unreadContextLimit;
  if (options.layers?.mapped) rc.layers = options.layers;
  const all: Finding[] = [];
  const readContext = new Set<string>();
  for (const rule of RULES) {
    const sev = options.severities?.[rule.id];
    if (sev === 'off') continue;
    checkBudget(() => `checking rule ${rule.id}`);
    const view = trackedView(rc, () => readContext.add(rule.id));
    let found: Finding[];
    try {
      found = rule.check(view);
    } catch (e) {
      if (e instanceof BudgetExceeded) throw e;
      // a rule bug must never take the whole analysis down
      found = [];
    }
    for (const f of found) all.push(proven(view, sev ? { ...f, severity: sev } : f));
  }
  const { kept, suppressed } = applySuppressions(m, all);
  kept.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || compareCodeUnits(a.rule, b.rule));
  return { model: m, findings: kept, suppressed, readContext };
}

/**
 * A finding whose fix the fix-safety checker cannot prove is kept without the fix, saying why (never mutated: findings
 * are shared between analyses).
 */
function proven(rc: RuleContext, f: Finding): Finding {
  if (!f.fix?.effect) return f;
  let why: string | null;
  try {
    why = proveFix(rc, f);
  } catch (e) {
    why = `the fix could not be checked (${(e as Error).message})`;
  }
  if (!why) return f;
  const { fix, ...rest } = f;
  return { ...rest, message: `${f.message} No fix offered: ${why}.`, fixRefused: { title: fix.title, reason: why } };
}

/** `# layerwise-ignore id[,id]` on the line(s) just before an instruction; `# layerwise-ignore-file id`. */
export function applySuppressions(model: Model, findings: Finding[]): { kept: Finding[]; suppressed: Finding[] } {
  const lines = model.parsed.lines;
  const fileIds = new Set<string>();
  const byLine = new Map<number, Set<string>>(); // instruction start line → ids
  for (let i = 0; i < lines.length; i++) {
    const mm = IGNORE_RE.exec(lines[i]!);
    if (!mm) continue;
    const ids = mm[2]!.split(/[,\s]+/).filter(Boolean);
    if (mm[1]) ids.forEach((x) => fileIds.add(x));
    else {
      // applies to the next instruction (skipping further comment lines)
      let j = i + 1;
      while (j < lines.length && /^\s*(#.*)?$/.test(lines[j]!)) j++;
      const set = byLine.get(j) ?? new Set<string>();
      ids.forEach((x) => set.add(x));
      byLine.set(j, set);
    }
  }
  const kept: Finding[] = [];
  const suppressed: Finding[] = [];
  const all = model.parsed.instructions; // in source order
  const insStart = (line: number): number => {
    if (!byLine.size) return line;
    // the last instruction starting at or before the line
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (all[mid]!.range.start.line <= line) lo = mid + 1;
      else hi = mid;
    }
    const ins = all[lo - 1];
    return ins && line <= ins.range.end.line ? ins.range.start.line : line;
  };
  for (const f of findings) {
    const ids = byLine.get(insStart(f.range.start.line));
    if (fileIds.has(f.rule) || fileIds.has('all') || ids?.has(f.rule) || ids?.has('all')) suppressed.push(f);
    else kept.push(f);
  }
  return { kept, suppressed };
}
