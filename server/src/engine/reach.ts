// Which RUN steps an ARG or ENV line reaches: the RUNs of its stage whose environment (part of their cache key,
// semantics table d) gets a variable from this line — now, and if every name on the line had a value (an ARG without
// a default: when passed with --build-arg). One answer for the rules (arg-declared-early) and the hovers.
// It follows the model's own precedence (model.ts, ARG/ENV dispatch): an ENV of the same name set before the ARG
// (in the stage or inherited) wins over it; a later ENV, or a later ARG of the same name that has a value, takes over.
import { splitWords } from './expand';
import { AUTO_ARGS, PROXY_ARGS, parseEnvPairs, type ConfigInstruction, type Model, type Step } from './model';

export interface VarReach {
  names: string[];
  /** The names that have a value in this build (ENV: all; ARG: a default, --build-arg, a global ARG, automatic). */
  valued: string[];
  /** RUN steps of the stage whose environment this line sets, in this build (in file order). */
  runs: Step[];
  /** The same if every name had a value (for an ARG without one: when it is passed with --build-arg). */
  runsWithValue: Step[];
}

interface StageIndex {
  /** RUN steps of the stage in file order (no ONBUILD triggers). */
  runs: Step[];
  /** Per name, the lines (ascending) of the stage's ENV lines setting it, and of its ARG lines that give it a value. */
  envLines: Map<string, number[]>;
  argLines: Map<string, number[]>;
  /** Per name, every ARG line declaring it (with a value or not). */
  argDecls: Map<string, number[]>;
  /** Names per config line. */
  names: Map<number, { names: string[]; valued: string[] }>;
}

const indexes = new WeakMap<Model, Map<number, StageIndex>>();

function argValued(model: Model, word: string): boolean {
  const eq = word.indexOf('=');
  const name = eq < 0 ? word : word.slice(0, eq);
  if (eq >= 0 || Object.prototype.hasOwnProperty.call(model.options.buildArgs, name)) return true;
  return model.globalArgs.get(name) !== undefined || name in AUTO_ARGS;
}

/** Every stage's index, built in one pass over the model (memoised per model: models are never mutated). */
function stageIndex(model: Model, stage: number): StageIndex {
  let all = indexes.get(model);
  if (!all) {
    all = new Map();
    indexes.set(model, all);
    const get = (i: number): StageIndex => all!.get(i) ?? all!.set(i, { runs: [], envLines: new Map(), argLines: new Map(), argDecls: new Map(), names: new Map() }).get(i)!;
    for (const s of model.steps) if (s.keyword === 'RUN' && !s.trigger) get(s.stage).runs.push(s);
    for (const ix of all.values()) ix.runs.sort((a, b) => a.line - b.line);
    const byLine = new Map(model.parsed.instructions.map((x) => [x.range.start.line, x]));
    const push = (m: Map<string, number[]>, k: string, line: number) => (m.get(k) ?? m.set(k, []).get(k)!).push(line);
    for (const c of model.config) {
      if (c.stage === null || (c.keyword !== 'ARG' && c.keyword !== 'ENV')) continue;
      const ins = byLine.get(c.line);
      if (!ins) continue;
      const ix = get(c.stage);
      if (c.keyword === 'ENV') {
        const names = parseEnvPairs(ins.args, model.escape).map(([k]) => k);
        ix.names.set(c.line, { names, valued: names });
        for (const n of names) push(ix.envLines, n, c.line);
      } else {
        const words = splitWords(ins.args, model.escape);
        const names = words.map((w) => w.split('=')[0]!);
        const valued = words.filter((w) => argValued(model, w)).map((w) => w.split('=')[0]!);
        ix.names.set(c.line, { names, valued });
        for (const n of valued) push(ix.argLines, n, c.line);
        for (const n of names) push(ix.argDecls, n, c.line);
      }
    }
  }
  return all.get(stage) ?? { runs: [], envLines: new Map(), argLines: new Map(), argDecls: new Map(), names: new Map() };
}

/** The first line in `lines` (ascending) greater than `after`, or Infinity. */
function nextAfter(lines: number[] | undefined, after: number): number {
  if (!lines) return Infinity;
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lines[mid]! > after) hi = mid;
    else lo = mid + 1;
  }
  return lo < lines.length ? lines[lo]! : Infinity;
}

function runsBetween(runs: Step[], from: number, until: number): Step[] {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid]!.line > from) hi = mid;
    else lo = mid + 1;
  }
  const out: Step[] = [];
  for (let i = lo; i < runs.length && runs[i]!.line < until; i++) out.push(runs[i]!);
  return out;
}

/**
 * The RUN steps an ARG or ENV line of a stage reaches (see VarReach). Every range starts right after the line, so the
 * union over its names is the RUNs up to the last point where one of its names is still this line's.
 */
export function varReach(model: Model, cfg: ConfigInstruction): VarReach {
  const empty: VarReach = { names: [], valued: [], runs: [], runsWithValue: [] };
  if (cfg.stage === null || (cfg.keyword !== 'ARG' && cfg.keyword !== 'ENV')) return empty;
  const ix = stageIndex(model, cfg.stage);
  const nv = ix.names.get(cfg.line);
  if (!nv) return empty;
  const st = model.stages[cfg.stage]!;
  const parent = st.base.kind === 'stage' ? model.stages[st.base.stage] : undefined;
  const until = (name: string, hypothetical: boolean): number => {
    if (cfg.keyword === 'ENV') return nextAfter(ix.envLines.get(name), cfg.line);
    // an ENV of the name set before the ARG (here or in the parent stage) takes precedence: the ARG reaches nothing
    if (PROXY_ARGS.has(name)) return -Infinity;
    if (parent?.envAtEnd.has(name)) return -Infinity;
    if ((ix.envLines.get(name) ?? []).some((l) => l < cfg.line)) return -Infinity;
    // passed with --build-arg, a later bare `ARG NAME` gets the value too and takes over
    const laterArg = hypothetical && !Object.prototype.hasOwnProperty.call(model.options.buildArgs, name) ? nextAfter(ix.argDecls.get(name), cfg.line) : nextAfter(ix.argLines.get(name), cfg.line);
    return Math.min(nextAfter(ix.envLines.get(name), cfg.line), laterArg);
  };
  const reach = (names: string[], hypothetical: boolean): Step[] => {
    let end = -Infinity;
    for (const n of names) end = Math.max(end, until(n, hypothetical));
    return end === -Infinity ? [] : runsBetween(ix.runs, cfg.line, end);
  };
  const runs = reach(nv.valued, false);
  const runsWithValue = nv.valued.length === nv.names.length ? runs : reach(nv.names, true);
  return { names: nv.names, valued: nv.valued, runs, runsWithValue };
}
