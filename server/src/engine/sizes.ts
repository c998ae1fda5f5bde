// Sizes from the build context: the bytes each COPY/ADD takes from the context, the bytes BuildKit transfers for a
// build, and the bytes it transfers that no step reads. Pure: sizes come from the snapshot's entries (the crawl's
// lstat data), nothing is read here.
//
// What BuildKit transfers (measured on dockerd 20.10 / BuildKit 0.8 by `transferring context:`, and in
// frontend/dockerfile/dockerfile2llb/convert.go + convert_runmount.go through current BuildKit): the context's local
// source gets `.dockerignore` as its exclude patterns and, as include paths (`FollowPaths`), the sources of every
// COPY/ADD without --from and every RUN mount without from= of the stages the target needs: a bind mount's source, and
// a tmpfs mount's too (none: the whole context). A source of `.` (or `/`) sends the whole context. `COPY --exclude`
// does not reach the transfer: excluded files are sent and not copied. Stages the target does not need send nothing.
import { entryType, type ContextSnapshot } from './context';
import { followSourceLinks } from './explain';
import { selectedIndices, sentPaths } from './inputs';
import type { ContextRead, Model, Step } from './model';
import { fmtInt } from './format';

export interface FileSize {
  path: string;
  bytes: number;
}

export interface StepSize {
  /** Bytes of the context files the step copies; null when not known (see `unknown`). */
  addsBytes: number | null;
  /** Files (and links) the step copies from the context. */
  addsFiles: number;
  /** The largest files it copies, largest first (at most 3). */
  largest: FileSize[];
  /** Why `addsBytes` is null. */
  unknown?: string;
}

export interface ContextSizes {
  /** Bytes BuildKit transfers for this build (files under the paths the needed steps name); null when not known. */
  contextBytes: number | null;
  contextFiles: number;
  /** The transfer is the whole context (after `.dockerignore`), and the step that makes it so. */
  whole: { line: number; why: string } | null;
  /** Bytes transferred that no needed step reads; null when not known (`unreadUnknown` says why). */
  unreadBytes: number | null;
  unreadFiles: number;
  unreadUnknown?: string;
  /** The largest unread files, largest first (at most 5). */
  unreadLargest: FileSize[];
  /** Why `contextBytes` is null. */
  unknown?: string;
  /** Per COPY/ADD step id with context sources (every stage, needed or not). */
  steps: Map<number, StepSize>;
}

/** ADD unpacks a local tar archive (compressed or not) into the layer: its size there is not the file's. */
const ARCHIVE = /\.(tar|tgz|tbz2?|txz|tzst|tlz|taz)$|\.tar\.[a-z0-9]+$|\.(gz|bz2|xz|zst|lz4|lzma|z)$/i;

/**
 * Context paths (sorted files and links) and their sizes, each read from the snapshot's entry when first asked for
 * (a crawl's entry is a stat: the unread figure needs only the files no step reads).
 */
interface Table {
  files: string[];
  bytes(i: number): number | null;
}

/** Per snapshot: the table of its sent paths, for the snapshot's stat generation (a changed file's size is read again). */
const tables = new WeakMap<ContextSnapshot, { gen: number; bySent: Map<string[], Table> }>();

function table(ctx: ContextSnapshot, sent: string[]): Table {
  const gen = ctx.statGeneration ?? 0;
  let byCtx = tables.get(ctx);
  if (!byCtx || byCtx.gen !== gen) tables.set(ctx, (byCtx = { gen, bySent: new Map() }));
  let t = byCtx.bySent.get(sent);
  if (!t) {
    const files: string[] = [];
    for (const p of sent) {
      const type = entryType(ctx, p);
      if (type !== undefined && type !== 'dir') files.push(p);
    }
    files.sort();
    const known: (number | null | undefined)[] = new Array(files.length);
    // a link is copied as a link: no data of its own in the layer or the transfer; a file gone since the listing
    // (or one that cannot be stat'ed) has no known size
    const bytes = (i: number): number | null => {
      let b = known[i];
      if (b === undefined) {
        const e = ctx.entry(files[i]!);
        known[i] = b = !e ? null : e.type === 'symlink' ? 0 : (e.size ?? null);
      }
      return b;
    };
    t = { files, bytes };
    byCtx.bySent.clear();
    byCtx.bySent.set(sent, t);
  }
  return t;
}

function sum(t: Table, idx: Iterable<number>): number | null {
  let n = 0;
  for (const i of idx) {
    const b = t.bytes(i);
    if (b === null || b === undefined) return null;
    n += b;
  }
  return n;
}

function largest(t: Table, idx: Iterable<number>, k: number): FileSize[] {
  const top: FileSize[] = [];
  for (const i of idx) {
    const b = t.bytes(i) ?? 0;
    if (top.length === k && b <= top[k - 1]!.bytes) continue;
    top.push({ path: t.files[i]!, bytes: b });
    top.sort((x, y) => y.bytes - x.bytes || (x.path < y.path ? -1 : 1));
    if (top.length > k) top.pop();
  }
  return top;
}

/** A read with source links followed: BuildKit copies what a source link points to, not the link. */
function followed(r: ContextRead, ctx: ContextSnapshot): ContextRead {
  const f = followSourceLinks(r, [ctx]);
  if (f === r) return r;
  return { ...f, sources: f.sources.filter((s) => ctx.entry(s)?.type !== 'symlink') };
}

/** A step's context reads with source links followed. */
function linkedReads(step: Step, ctx: ContextSnapshot): ContextRead[] {
  return step.contextReads.map((r) => followed(r, ctx));
}

/** The paths a step makes BuildKit transfer: its context sources without their --exclude, and a tmpfs mount's. */
function transferReads(step: Step, ctx: ContextSnapshot): ContextRead[] {
  const out = linkedReads(step, ctx).map((r) => (r.excludes.length ? { ...r, excludes: [] } : r));
  for (const m of step.mounts) if (m.type === 'tmpfs' && !m.from) out.push({ via: 'bind', sources: [normalizeSource(m.source ?? '')], excludes: [] });
  return out;
}

function normalizeSource(s: string): string {
  return s
    .split('/')
    .filter((x) => x !== '' && x !== '.')
    .join('/');
}

function wholeWhy(step: Step): string | null {
  for (const r of step.contextReads) {
    if (!r.sources.includes('')) continue;
    if (r.via === 'bind') return 'bind-mounts the whole context';
    return r.excludes.length ? `copies the whole context (its --exclude patterns are applied after the transfer)` : 'copies the whole context';
  }
  for (const m of step.mounts) if (m.type === 'tmpfs' && !m.from && !normalizeSource(m.source ?? '')) return 'has a tmpfs mount, which makes BuildKit transfer the whole context';
  return null;
}

/** What a build transfers and what of it no needed step reads, as indices into the table: no size read yet. */
interface Plan {
  t: Table;
  whole: { line: number; why: string } | null;
  sentIdx: number[];
  unread: number[];
  /** Why no figure is known whatever the sizes (partial context, unreadable folder, ONBUILD base). */
  unknown?: string;
  /** Why the unread figure is not known whatever the sizes (sources from variables). */
  variable?: string;
}

const planCache = new WeakMap<Model, WeakMap<ContextSnapshot, { gen: number; sent: string[]; plan: Plan }>>();

function plan(model: Model, ctx: ContextSnapshot, sent: string[]): Plan {
  let byCtx = planCache.get(model);
  if (!byCtx) planCache.set(model, (byCtx = new WeakMap()));
  const gen = ctx.statGeneration ?? 0;
  const hit = byCtx.get(ctx);
  if (hit && hit.gen === gen && hit.sent === sent) return hit.plan;
  const t = table(ctx, sent);
  const needed = model.steps.filter((s) => model.stages[s.stage]?.needed);
  let whole: Plan['whole'] = null;
  for (const s of needed) {
    const why = wholeWhy(s);
    if (why) {
      whole = { line: s.line, why };
      break;
    }
  }
  const sentIdx = selectedIndices(
    needed.flatMap((s) => transferReads(s, ctx)),
    t.files,
  );
  const p: Plan = { t, whole, sentIdx, unread: [] };
  const unreadable = ctx.problems.find((x) => x.kind === 'unreadable' || x.kind === 'loop');
  if (ctx.partial) p.unknown = 'only part of the context is known';
  else if (unreadable) p.unknown = `part of the context could not be read (${unreadable.path || '.'})`;
  else {
    const onbuild = model.stages.find((st) => st.needed && st.base.kind === 'image' && /onbuild/i.test(st.base.ref));
    if (onbuild) p.unknown = `the base image ${onbuild.base.ref} may copy from the context in its ONBUILD triggers`;
  }
  const readSet = new Set(selectedIndices(needed.flatMap((s) => linkedReads(s, ctx)), t.files));
  p.unread = sentIdx.filter((i) => !readSet.has(i));
  const variable = needed.find((s) => s.contextReads.length && s.keyword !== 'RUN' && s.varsUsed.length);
  if (variable) p.variable = `the sources of line ${variable.line + 1} depend on \${${variable.varsUsed[0]}}: other build args read other files`;
  byCtx.set(ctx, { gen, sent, plan: p });
  return p;
}

/**
 * The bytes this build transfers that no needed step reads, stat'ing only those files; null when unknown. Where it is
 * a number, `contextSizes(…).unreadBytes` is the same number or null (null: some transferred file has no known
 * size), so a caller that needs the figure only from some size on asks this first.
 */
export function unreadBytes(model: Model, ctx: ContextSnapshot, sent?: string[]): number | null {
  const p = plan(model, ctx, sent ?? sentPaths(ctx));
  return p.unknown || p.variable ? null : sum(p.t, p.unread);
}

/** What a COPY/ADD with these reads adds, from the table's files. */
function stepSize(t: Table, ctx: ContextSnapshot, keyword: string, reads: ContextRead[]): StepSize {
  const idx = selectedIndices(reads.map((r) => followed(r, ctx)), t.files);
  const s: StepSize = { addsBytes: sum(t, idx), addsFiles: idx.length, largest: largest(t, idx, 3) };
  const archive = keyword === 'ADD' ? idx.map((i) => t.files[i]!).find((x) => ARCHIVE.test(x) && ctx.entry(x)?.type === 'file') : undefined;
  if (archive) {
    s.addsBytes = null;
    s.unknown = `ADD unpacks local tar archives (${archive}): the layer holds what they contain`;
  } else if (s.addsBytes === null) s.unknown = 'the context snapshot has no sizes for some of its files';
  return s;
}

/** Per table (a snapshot's sent paths at one stat generation): a step's size by its keyword and context reads. */
const stepSizes = new WeakMap<Table, Map<string, StepSize>>();

const sizeCache = new WeakMap<Model, WeakMap<ContextSnapshot, { gen: number; sizes: ContextSizes }>>();

/**
 * The sizes of a build from its context snapshot (`sent`: the snapshot's paths after `.dockerignore`, when the caller
 * has them). Exact for the build as configured (build args, target); unknown where the snapshot lacks sizes, a folder
 * could not be read, an image base may add ONBUILD copies, or (for the unread figure) sources depend on variables.
 */
export function contextSizes(model: Model, ctx: ContextSnapshot, sent?: string[]): ContextSizes {
  let byCtx = sizeCache.get(model);
  if (!byCtx) sizeCache.set(model, (byCtx = new WeakMap()));
  const gen = ctx.statGeneration ?? 0;
  const hit = byCtx.get(ctx);
  if (hit && hit.gen === gen) return hit.sizes;
  const p = plan(model, ctx, sent ?? sentPaths(ctx));
  const t = p.t;
  let perReads = stepSizes.get(t);
  if (!perReads) stepSizes.set(t, (perReads = new Map()));
  const steps = new Map<number, StepSize>();
  for (const step of model.steps) {
    const reads = step.contextReads.filter((r) => r.via !== 'bind');
    if (!reads.length) continue;
    // an edit's new model mostly has the last one's COPY sources: their sizes are the same on the same table
    const key = step.keyword + '\x03' + reads.map((r) => r.sources.join('\0') + '\x01' + r.excludes.join('\0')).join('\x02');
    let s = perReads.get(key);
    if (!s) {
      s = stepSize(t, ctx, step.keyword, reads);
      if (perReads.size >= 4096) perReads.clear();
      perReads.set(key, s);
    }
    steps.set(step.id, s);
  }

  const out: ContextSizes = { contextBytes: null, contextFiles: 0, whole: p.whole, unreadBytes: null, unreadFiles: 0, unreadLargest: [], steps };
  out.contextFiles = p.sentIdx.length;
  out.contextBytes = sum(t, p.sentIdx);
  if (out.contextBytes === null) out.unknown = 'the context snapshot has no sizes for some of its files';
  if (p.unknown) out.unknown = p.unknown;
  if (out.unknown) out.contextBytes = null;

  out.unreadFiles = p.unread.length;
  if (out.unknown) out.unreadUnknown = out.unknown;
  else if (p.variable) out.unreadUnknown = p.variable;
  else {
    out.unreadBytes = sum(t, p.unread);
    out.unreadLargest = largest(t, p.unread, 5);
  }
  byCtx.set(ctx, { gen, sizes: out });
  return out;
}

/**
 * Unread data as ignore-file patterns: the largest folders (or files) no step of any stage reads (other targets
 * included) anything in, with the bytes this build transfers there. Only names an ignore pattern
 * can say literally (no wildcard characters, `!`, `#`, spaces at the ends). Empty when no step list is exact.
 */
export function unreadGroups(model: Model, ctx: ContextSnapshot, sent: string[], sizes: ContextSizes): FileSize[] {
  if (sizes.unreadBytes === null || !sizes.unreadFiles) return [];
  const t = table(ctx, sent);
  // read by any step of any stage, with source links followed: never excluded
  const readAny = new Set(selectedIndices(model.steps.flatMap((s) => linkedReads(s, ctx)), t.files));
  const needed = model.steps.filter((s) => model.stages[s.stage]?.needed);
  const sentIdx = new Set(selectedIndices(needed.flatMap((s) => transferReads(s, ctx)), t.files));
  // per folder (and file): bytes unread, and whether everything sent below it is unread
  const bytes = new Map<string, number>();
  const mixed = new Set<string>();
  for (let i = 0; i < t.files.length; i++) {
    const p = t.files[i]!;
    // read by no step: excluding it changes no build of this Dockerfile; its bytes count when this build sends it
    const safe = !readAny.has(i);
    const b = safe && sentIdx.has(i) ? (t.bytes(i) ?? 0) : 0;
    const parts = p.split('/');
    for (let k = 1; k <= parts.length; k++) {
      const key = parts.slice(0, k).join('/');
      if (safe) bytes.set(key, (bytes.get(key) ?? 0) + b);
      else mixed.add(key);
    }
  }
  const literal = (seg: string) => !/[*?[\]\\]/.test(seg) && !/^[!#]/.test(seg) && seg.trim() === seg;
  const out: FileSize[] = [];
  for (const [key, b] of bytes) {
    if (mixed.has(key) || b === 0) continue;
    const parent = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : null;
    if (parent !== null && !mixed.has(parent)) continue; // a wholly unread parent covers it
    if (!key.split('/').every(literal)) continue;
    out.push({ path: key, bytes: b });
  }
  return out.sort((x, y) => y.bytes - x.bytes || (x.path < y.path ? -1 : 1));
}

/** `48.2 MB`, `512 B`, `1.4 GB` (decimal units, as `docker` prints sizes). */
export function fmtBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 999.95 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** The JSON fields of sizes: top level (`contextBytes`, `unreadBytes`, …) and per step (`addsBytes`, `addsFiles`). */
export function sizesTopJson(sizes: ContextSizes | undefined): object {
  if (!sizes) return { contextBytes: null, unreadBytes: null };
  return {
    contextBytes: sizes.contextBytes,
    contextFiles: sizes.contextFiles,
    unreadBytes: sizes.unreadBytes,
    unreadFiles: sizes.unreadBytes === null ? null : sizes.unreadFiles,
    ...(sizes.unknown || sizes.unreadUnknown ? { sizesUnknown: sizes.unknown ?? sizes.unreadUnknown } : {}),
  };
}

export function sizesStepJson(sizes: ContextSizes | undefined, stepId: number): object {
  const s = sizes?.steps.get(stepId);
  return { addsBytes: s ? s.addsBytes : null, addsFiles: s ? s.addsFiles : null };
}

/** One line for people: "context: transfers 35.0 MB (1,204 files); 30.0 MB of it read by no step". */
export function sizesSummary(sizes: ContextSizes): string {
  if (sizes.contextBytes === null) return `context: size not known (${sizes.unknown})`;
  const files = `${fmtInt(sizes.contextFiles)} file${sizes.contextFiles === 1 ? '' : 's'}`;
  const whole = sizes.whole ? `, the whole context: line ${sizes.whole.line + 1} ${sizes.whole.why}` : '';
  const unread =
    sizes.unreadBytes === null ? `; unread: not known (${sizes.unreadUnknown})` : sizes.unreadFiles > 0 ? `; ${fmtBytes(sizes.unreadBytes)} of it (${fmtInt(sizes.unreadFiles)} file${sizes.unreadFiles === 1 ? '' : 's'}) read by no step` : '; every file sent is read';
  return `context: transfers ${fmtBytes(sizes.contextBytes)} (${files}${whole})${unread}`;
}

/** "adds 48.2 MB (1,284 files; largest assets/video.mp4 31.0 MB)" for a context copy; null otherwise. */
export function stepSizeText(sizes: ContextSizes | undefined, stepId: number): string | null {
  const s = sizes?.steps.get(stepId);
  if (!s) return null;
  const files = `${fmtInt(s.addsFiles)} file${s.addsFiles === 1 ? '' : 's'}`;
  if (s.addsBytes === null) return `adds ${files} from the context, bytes unknown: ${s.unknown}`;
  const big = s.largest[0] && s.addsFiles > 1 ? `; largest ${s.largest[0].path} ${fmtBytes(s.largest[0].bytes)}` : '';
  return `adds ${fmtBytes(s.addsBytes)} from the context (${files}${big})`;
}
