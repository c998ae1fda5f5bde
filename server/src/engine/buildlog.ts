// BuildKit build logs: `--progress=plain` text and `--progress=rawjson` (one SolveStatus JSON object per line), parsed
// into vertices and mapped onto the steps of a Dockerfile model. Pure: no I/O.
//
// plain: blocks of lines prefixed `#<n> `; the first line of a vertex is its name, then `#<n> CACHED`,
//   `#<n> DONE 1.2s`, `#<n> ERROR: ...`, `#<n> CANCELED`; output lines in between. Vertices interleave.
// rawjson: `{"vertexes":[{"digest","inputs","name","started","completed","cached","error"}],"statuses":[...],
//   "logs":[{"vertex","stream","data"(base64),"timestamp"}],"warnings":[...]}` per line; a vertex is reported many
//   times (started, then completed) and the records are merged by digest.
// Step names are `[<stage> <n>/<m>] INSTRUCTION` after variable expansion; `<stage> ` is absent for single-stage
// Dockerfiles and `stage-<i>` for unnamed stages; `<n>` counts FROM when the base is an image and not when it is a
// stage, and ONBUILD triggers come first. So steps are aligned by stage + position among the non-FROM steps.
import type { Model } from './model';
import { stepKeys } from './stepkeys';

export class BuildLogError extends Error {}

export interface LogVertex {
  /** `#<n>` (plain) or the digest (rawjson). */
  id: string;
  name: string;
  cached: boolean;
  /** Finished (DONE / completed). */
  done: boolean;
  canceled: boolean;
  error?: string;
  /** Duration in seconds when known. */
  seconds?: number;
  /** Position of the first record of the vertex. */
  order: number;
}

export interface ParsedBuildLog {
  format: 'plain' | 'rawjson';
  vertices: LogVertex[];
}

export type LogStepStatus = 'cached' | 'executed' | 'error' | 'canceled' | 'incomplete';

export interface LogStep {
  /** Stage label as printed (lowercase), or '' when the log has no stage prefix. */
  stage: string;
  number: number;
  total: number;
  /** Instruction as printed (post-expansion). */
  text: string;
  status: LogStepStatus;
  seconds?: number;
  vertex: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const PLAIN_LINE = /^#(\d+) (.*)$/;
const STEP_NAME = /^\[(?:(\S+) )?(\d+)\/(\d+)\] (.*)$/s;

/** Parses a plain or rawjson log (format detected from the content). Throws BuildLogError with a one-line message. */
export function parseBuildLog(text: string): ParsedBuildLog {
  const clean = text.replace(/^\ufeff/, '').replace(ANSI, '');
  const first = clean.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  if (first === '') throw new BuildLogError('the build log is empty');
  if (first.trimStart().startsWith('{')) return parseRawJson(clean);
  if (/^Step \d+\/\d+ : /m.test(clean) && !/^#\d+ /m.test(clean))
    throw new BuildLogError('this is a log of the classic builder (Step n/m : ...), not BuildKit: rebuild with DOCKER_BUILDKIT=1 and --progress=plain');
  return parsePlain(clean);
}

function parsePlain(text: string): ParsedBuildLog {
  const byId = new Map<string, LogVertex>();
  let order = 0;
  let lines = 0;
  const all = text.split(/\r?\n/);
  for (const raw of all) {
    const m = PLAIN_LINE.exec(raw);
    if (!m) continue;
    lines++;
    const id = '#' + m[1];
    const rest = m[2]!;
    let v = byId.get(id);
    if (!v) {
      byId.set(id, { id, name: rest, cached: false, done: false, canceled: false, order: order++ });
      continue;
    }
    if (rest === 'CACHED') v.cached = true;
    else if (/^DONE\b/.test(rest)) {
      v.done = true;
      const d = /^DONE (\d+(?:\.\d+)?)s\b/.exec(rest);
      if (d) v.seconds = Number(d[1]);
    } else if (rest.startsWith('ERROR')) {
      v.error = rest.replace(/^ERROR:?\s*/, '') || 'error';
      const d = /^ERROR (\d+(?:\.\d+)?)s\b/.exec(rest);
      if (d) v.seconds = Number(d[1]);
    } else if (/^CANCELED\b/.test(rest)) v.canceled = true;
  }
  if (lines === 0) {
    const sample = (all.find((l) => l.trim() !== '') ?? '').slice(0, 60);
    throw new BuildLogError(`not a BuildKit --progress=plain or --progress=rawjson log (no "#<n> " vertex lines; first line: "${sample}")`);
  }
  return { format: 'plain', vertices: [...byId.values()].sort((a, b) => a.order - b.order) };
}

interface RawVertex {
  digest?: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

function parseRawJson(text: string): ParsedBuildLog {
  const byId = new Map<string, LogVertex & { t0?: number; t1?: number }>();
  let order = 0;
  const lines = text.split(/\r?\n/);
  let last = lines.length - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  for (let i = 0; i <= last; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      if (i === last) throw new BuildLogError(`the rawjson log is truncated: its last line (${i + 1}) is incomplete JSON`);
      throw new BuildLogError(`malformed rawjson log: line ${i + 1} is not JSON (${(e as Error).message})`);
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj) || !('vertexes' in obj || 'statuses' in obj || 'logs' in obj || 'warnings' in obj))
      throw new BuildLogError(`malformed rawjson log: line ${i + 1} is not a BuildKit SolveStatus object (no vertexes/statuses/logs)`);
    const vs = (obj as { vertexes?: unknown }).vertexes;
    if (vs === undefined || vs === null) continue;
    if (!Array.isArray(vs)) throw new BuildLogError(`malformed rawjson log: line ${i + 1}: "vertexes" is not an array`);
    for (const rv of vs as RawVertex[]) {
      if (!rv || typeof rv !== 'object' || typeof rv.digest !== 'string') throw new BuildLogError(`malformed rawjson log: line ${i + 1}: a vertex has no digest`);
      let v = byId.get(rv.digest);
      if (!v) {
        v = { id: rv.digest, name: rv.name ?? '', cached: false, done: false, canceled: false, order: order++ };
        byId.set(rv.digest, v);
      }
      if (rv.name) v.name = rv.name;
      if (rv.cached) v.cached = true;
      const t0 = rv.started ? Date.parse(rv.started) : NaN;
      const t1 = rv.completed ? Date.parse(rv.completed) : NaN;
      if (rv.started && Number.isNaN(t0)) throw new BuildLogError(`malformed rawjson log: line ${i + 1}: bad "started" time ${JSON.stringify(rv.started)}`);
      if (rv.completed && Number.isNaN(t1)) throw new BuildLogError(`malformed rawjson log: line ${i + 1}: bad "completed" time ${JSON.stringify(rv.completed)}`);
      if (!Number.isNaN(t0)) v.t0 = v.t0 === undefined ? t0 : Math.min(v.t0, t0);
      if (!Number.isNaN(t1)) {
        v.t1 = v.t1 === undefined ? t1 : Math.max(v.t1, t1);
        v.done = true;
      }
      if (rv.error) {
        v.error = rv.error;
        if (/context canceled|canceled/i.test(rv.error)) v.canceled = true;
      }
    }
  }
  const out: LogVertex[] = [];
  for (const v of byId.values()) {
    const { t0, t1, ...rest } = v;
    if (t0 !== undefined && t1 !== undefined) rest.seconds = Math.round((t1 - t0) / 100) / 10;
    if (rest.canceled && rest.error && /^(context canceled|canceled)$/i.test(rest.error)) delete rest.error;
    out.push(rest);
  }
  if (out.length === 0) throw new BuildLogError('the rawjson log has no vertices');
  return { format: 'rawjson', vertices: out.sort((a, b) => a.order - b.order) };
}

function statusOf(v: LogVertex): LogStepStatus {
  // a vertex can report CACHED (or DONE) and later CANCELED when another step fails: what it did first counts
  if (v.error !== undefined) return 'error';
  if (v.cached) return 'cached';
  if (v.done) return 'executed';
  if (v.canceled) return 'canceled';
  return 'incomplete';
}

/**
 * The Dockerfile steps in a parsed log (FROM, `[internal]` and export vertices dropped). Throws BuildLogError when the
 * log has no steps at all or stops in the middle (a step that started and never finished, with no error to explain it).
 */
export function logSteps(parsed: ParsedBuildLog): LogStep[] {
  const steps: LogStep[] = [];
  let anyStep = false;
  const failed = parsed.vertices.some((v) => v.error !== undefined || v.canceled);
  for (const v of parsed.vertices) {
    const m = STEP_NAME.exec(v.name);
    if (!m) continue;
    anyStep = true;
    const text = m[4]!;
    if (/^FROM\s/i.test(text)) continue;
    const status = statusOf(v);
    if (status === 'incomplete' && !failed)
      throw new BuildLogError(`the build log is truncated: ${v.id} "${v.name.slice(0, 80)}" never finished (no DONE, CACHED or ERROR)`);
    steps.push({ stage: (m[1] ?? '').toLowerCase(), number: Number(m[2]), total: Number(m[3]), text, status, seconds: status === 'cached' ? undefined : v.seconds, vertex: v.id });
  }
  if (!anyStep) throw new BuildLogError('the build log has no Dockerfile steps ("[n/m] INSTRUCTION" vertices): was it cut off before the build started?');
  return steps;
}

export interface MappedStep {
  stepId: number;
  /** stepKeys key (stage + instruction + occurrence). */
  key: string;
  /** 1-based. */
  line: number;
  instruction: string;
  /** As printed in the log. */
  logText: string;
  status: LogStepStatus;
  seconds?: number;
}

export interface BuildLogMapping {
  format: 'plain' | 'rawjson';
  steps: MappedStep[];
  /** Log steps that match no Dockerfile step. */
  unmatched: LogStep[];
  problems: string[];
}

function keywordOf(text: string): string {
  return text.trim().replace(/^ONBUILD\s+/i, '').split(/\s+/, 1)[0]!.toUpperCase();
}

/** Maps the log's steps onto `model`'s steps by stage and position. */
export function mapBuildLog(model: Model, parsed: ParsedBuildLog): BuildLogMapping {
  const ls = logSteps(parsed);
  const keys = stepKeys(model);
  const groups = new Map<string, LogStep[]>();
  for (const s of ls) {
    let g = groups.get(s.stage);
    if (!g) groups.set(s.stage, (g = []));
    g.push(s);
  }
  for (const g of groups.values()) g.sort((a, b) => a.number - b.number);
  const labels = new Set<string>();
  for (const v of parsed.vertices) {
    const m = STEP_NAME.exec(v.name);
    if (m) labels.add((m[1] ?? '').toLowerCase());
  }
  const problems: string[] = [];
  const steps: MappedStep[] = [];
  const used = new Set<string>();
  const needed = model.stages.filter((s) => s.needed);
  for (const stage of model.stages) {
    let label: string | undefined;
    for (const l of [stage.name?.toLowerCase(), `stage-${stage.index}`]) if (l !== undefined && labels.has(l)) { label = l; break; }
    if (label === undefined && labels.has('') && (model.stages.length === 1 || (needed.length === 1 && needed[0] === stage) || stage.index === model.target))
      label = '';
    if (label === undefined || used.has(label)) continue;
    used.add(label);
    const rs = groups.get(label) ?? [];
    if (rs.length !== stage.steps.length)
      problems.push(`stage ${stage.name ?? '#' + stage.index}: the log has ${rs.length} step(s), the Dockerfile ${stage.steps.length}; aligned by position`);
    stage.steps.forEach((id, k) => {
      const r = rs[k];
      if (!r) return;
      const step = model.steps[id]!;
      if (keywordOf(r.text) !== step.keyword) problems.push(`line ${step.line + 1}: aligned with "${r.text.slice(0, 60)}" from the log, a different instruction`);
      steps.push({ stepId: id, key: keys[id]!, line: step.line + 1, instruction: step.instruction, logText: r.text, status: r.status, seconds: r.seconds });
    });
  }
  const unmatched: LogStep[] = [];
  for (const [label, rs] of groups) if (!used.has(label)) unmatched.push(...rs);
  if (unmatched.length) problems.push(`${unmatched.length} step(s) of the log match no stage of the Dockerfile (stages in the log: ${[...groups.keys()].map((l) => l || '(unnamed)').join(', ')})`);
  steps.sort((a, b) => a.stepId - b.stepId);
  return { format: parsed.format, steps, unmatched, problems };
}

/** Parses and maps in one call. */
export function importBuildLog(model: Model, text: string): BuildLogMapping {
  return mapBuildLog(model, parseBuildLog(text));
}

/**
 * The id of the image a build wrote, from its log: BuildKit's exporter says `writing image sha256:<id>` (plain: a
 * `#N writing image sha256:… done` line; rawjson: a status of that name). The last one wins; null when the build wrote
 * no image (it failed, `--output` elsewhere, an image store that names the manifest instead).
 */
export function builtImageId(text: string): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(/writing image (sha256:[0-9a-f]{64})\b/g)) last = m[1]!;
  return last;
}
