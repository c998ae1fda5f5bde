// Parser for BuildKit's `--progress=plain` output (as printed by `docker build` with DOCKER_BUILDKIT=1).
//
// The log is a sequence of vertex blocks, each line prefixed with `#<id> `:
//   #5 [stage 2/3] RUN echo hi        <- first line of a vertex = its name (repeated when output resumes)
//   #5 sha256:...
//   #5 0.068 hi                        <- command output
//   #5 DONE 0.1s | #5 CACHED | #5 ERROR: ...
// Vertices of independent stages interleave, so log order is not Dockerfile order. Names are printed after
// variable expansion. Step names are `[<stage> <n>/<m>] <INSTRUCTION ...>`; the `<stage> ` prefix is absent
// when the Dockerfile has a single stage, and is `stage-<i>` for unnamed stages. `<n>` counts the FROM
// vertex when the stage's base is an image (dockerd 20.10), not when it is another stage, and ONBUILD
// triggers are numbered before the child's own steps (`[child 1/3] RUN <trigger>`, ... `[child 4/3] ...`).
// Hence steps are aligned by stage + ordinal among the stage's non-FROM steps, ordered by `<n>`.

export type RealStatus = 'C' | 'R' | 'E' | '?';

export interface Vertex {
  id: number;
  name: string;
  cached: boolean;
  done: boolean;
  error?: string;
  /** position of the vertex's first line in the log */
  order: number;
}

export interface RealStep {
  /** stage label as printed (lowercase name, `stage-<i>`), or '' when the log has no stage prefix */
  stage: string;
  /** the `<n>` of `[stage n/m]` */
  number: number;
  /** instruction text as printed (post-expansion) */
  text: string;
  /** C = CACHED, R = executed (DONE without CACHED), E = ERROR, ? = neither (cancelled/incomplete) */
  status: RealStatus;
  vertexId: number;
}

const LINE = /^#(\d+) (.*)$/;

export function parseVertices(log: string): Vertex[] {
  const byId = new Map<number, Vertex>();
  let order = 0;
  for (const raw of log.split(/\r?\n/)) {
    const m = LINE.exec(raw);
    if (!m) continue;
    const id = Number(m[1]);
    const rest = m[2];
    let v = byId.get(id);
    if (!v) {
      // The first line printed for a vertex is its name.
      v = { id, name: rest, cached: false, done: false, order: order++ };
      byId.set(id, v);
      continue;
    }
    if (rest === 'CACHED') v.cached = true;
    else if (/^DONE\b/.test(rest)) v.done = true;
    else if (rest.startsWith('ERROR')) v.error = rest.replace(/^ERROR:?\s*/, '') || 'error';
  }
  return [...byId.values()].sort((a, b) => a.order - b.order);
}

const STEP = /^\[(?:(\S+) )?(\d+)\/(\d+)\] (.*)$/s;

export function statusOf(v: Vertex): RealStatus {
  if (v.error !== undefined) return 'E';
  if (v.cached) return 'C';
  if (v.done) return 'R';
  return '?';
}

/** Dockerfile steps of a build (FROM vertices and `[internal]`/export vertices dropped). */
export function parseSteps(log: string): RealStep[] {
  const steps: RealStep[] = [];
  for (const v of parseVertices(log)) {
    const m = STEP.exec(v.name);
    if (!m) continue; // [internal] ..., exporting to image, ...
    const text = m[4];
    if (/^FROM\s/i.test(text)) continue;
    steps.push({ stage: (m[1] ?? '').toLowerCase(), number: Number(m[2]), text, status: statusOf(v), vertexId: v.id });
  }
  return steps;
}

/** Steps grouped by stage label, each group in Dockerfile order (by `<n>`). */
export function stepsByStage(steps: RealStep[]): Map<string, RealStep[]> {
  const out = new Map<string, RealStep[]>();
  for (const s of steps) {
    let g = out.get(s.stage);
    if (!g) out.set(s.stage, (g = []));
    g.push(s);
  }
  for (const g of out.values()) g.sort((a, b) => a.number - b.number);
  return out;
}

/** Stage labels that appear in the log at all (including stages whose only vertex is FROM). */
export function stagesInLog(log: string): Set<string> {
  const out = new Set<string>();
  for (const v of parseVertices(log)) {
    const m = STEP.exec(v.name);
    if (m) out.add((m[1] ?? '').toLowerCase());
  }
  return out;
}

/** Whether the build finished: an `exporting to image` (or `exporting`) vertex reported DONE and nothing failed. */
export function buildSucceeded(log: string): boolean {
  const vs = parseVertices(log);
  return vs.every((v) => v.error === undefined) && vs.some((v) => /^exporting\b/.test(v.name) && v.done);
}
