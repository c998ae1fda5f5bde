// What the builder's cache holds, mapped onto Dockerfile steps, and which of it is stale. Pure: the records come
// from the Engine API (`GET /system/df`, build-cache part) through the context layer; Dockerfiles come as models.
//
// How records are mapped (learned from real dockerd 20.10 answers and BuildKit's sources; docs/build-cache.md):
// a record's description is written by the op that made it and names the instruction only for RUN —
// `mount / from exec <argv joined by spaces>` (solver/llbsolver/ops/exec.go), `cached mount <target> from exec
// <argv>` for a cache mount (type exec.cachemount) — while every file operation (COPY, ADD, WORKDIR) says only
// `fileop target` (BuildKit 0.8; dockerd 26's BuildKit writes the step name `[<stage> n/m] <instruction>`, as the
// build log prints it, and appends ` with id "<id>"` to a cache mount's), image bases say `pulled from <ref>`
// (BuildKit) or `from local <ref>` (dockerd's image store), context transfers `local source for <name>` (type
// source.local). What does identify a record is its place: each step's snapshot is a child of the previous step's (`Parent`, or `Parents` from API 1.42). So a stage is a
// path in the record tree: base image, then one record per step, and a record maps onto a step when the path from
// its root matches the stage's steps up to there (kinds, and the exact argv of every RUN) and its subtree agrees
// with exactly one such place. Anything else is unmapped, with a reason — never a guess.
import type { Model, Step } from './model';

export interface CacheRecord {
  id: string;
  parents: string[];
  type: string;
  description: string;
  bytes: number;
  inUse: boolean;
  shared: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  usageCount: number;
}

/** The build-cache part of a `GET /system/df` answer (either API shape) as records; junk entries are skipped. */
export function recordsFromDf(df: unknown): { records: CacheRecord[]; skipped: number } {
  const list = (df && typeof df === 'object' ? (df as { BuildCache?: unknown }).BuildCache : undefined);
  const records: CacheRecord[] = [];
  let skipped = 0;
  if (!Array.isArray(list)) return { records, skipped };
  for (const r of list as Record<string, unknown>[]) {
    if (!r || typeof r !== 'object' || typeof r.ID !== 'string' || !r.ID) { skipped++; continue; }
    // dockerd >= 23 (API >= 1.42) sends the array under the key " Parents" (a leading space in moby's JSON tag; see
    // test/buildcache/recorded-26.1) and omits `Parent`; the documented spelling `Parents` is read too.
    const list = Array.isArray(r.Parents) ? r.Parents : Array.isArray(r[' Parents']) ? r[' Parents'] : undefined;
    const parents = list ? (list as unknown[]).filter((p): p is string => typeof p === 'string' && !!p)
      : typeof r.Parent === 'string' && r.Parent ? [r.Parent] : [];
    records.push({
      id: r.ID,
      parents,
      type: typeof r.Type === 'string' ? r.Type : typeof r.CacheType === 'string' ? r.CacheType : '',
      description: typeof r.Description === 'string' ? r.Description : '',
      bytes: typeof r.Size === 'number' && Number.isFinite(r.Size) && r.Size > 0 ? r.Size : 0,
      inUse: r.InUse === true,
      shared: r.Shared === true,
      createdAt: typeof r.CreatedAt === 'string' ? r.CreatedAt : '',
      lastUsedAt: typeof r.LastUsedAt === 'string' && r.LastUsedAt ? r.LastUsedAt : null,
      usageCount: typeof r.UsageCount === 'number' ? r.UsageCount : 0,
    });
  }
  return { records, skipped };
}

export interface CacheDockerfile {
  /** The path shown and put in JSON. */
  dockerfile: string;
  model: Model;
  /**
   * How many build configurations (target / build-arg sets) the workspace knows for this Dockerfile (compose
   * services, bake targets). Records do not say which configuration made them: with more than one, an older
   * generation of a step may be another configuration's current one, so none of this Dockerfile's records is stale.
   */
  configurations?: number;
}

/** A place a record maps to: a step, or a stage's FROM (the base image's records). */
export interface CachePlace {
  dockerfile: string;
  /** 1-based line of the instruction. */
  line: number;
  instruction: string;
  kind: 'step' | 'from' | 'cache-mount';
  /** The step's id in the model (-1 for FROM). */
  step: number;
}

export interface MappedRecord extends CacheRecord {
  places: CachePlace[];
  /** Why it is not mapped (when `places` is empty). */
  unmapped?: string;
  stale: boolean;
}

export interface CacheStepSummary {
  line: number;
  instruction: string;
  kind: CachePlace['kind'];
  bytes: number;
  staleBytes: number;
  /** Newest last use among its records (ISO), or null. */
  lastUsed: string | null;
  usageCount: number;
  records: string[];
}

export interface CacheReport {
  totalBytes: number;
  staleBytes: number;
  mappedBytes: number;
  unmappedBytes: number;
  records: MappedRecord[];
  /** `configurations`: as given (CacheDockerfile), when more than one: then nothing of this Dockerfile is stale. */
  dockerfiles: { dockerfile: string; steps: CacheStepSummary[]; configurations?: number }[];
  /** Unmapped bytes by reason. */
  unmapped: { reason: string; bytes: number; records: number }[];
}

type Expect =
  | { kind: 'image'; ref: string; line: number; instruction: string }
  | { kind: 'fileop'; step: Step; labels: string[] }
  | { kind: 'exec'; step: Step; desc: string | null };

interface Seq { df: number; stage: number; items: Expect[] }

const EXEC_PREFIX = 'mount / from exec ';
const CACHE_MOUNT_RE = /^cached mount (\S+) from exec ([\s\S]*)$/;
/** Current BuildKit ends a cache mount's description with the mount's id as a Go-quoted string. */
const MOUNT_ID_SUFFIX = /^ with id "(?:[^"\\]|\\.)*"$/;
/**
 * A file operation's description in current BuildKit (dockerd 26): the frontend's step name, as the build log prints
 * it — `[<stage> <n>/<total>] <instruction>` (`[<n>/<total>] …` in a one-stage Dockerfile). BuildKit 0.8 (dockerd
 * 20.10) wrote `fileop target` instead.
 */
const NAMED_FILEOP_RE = /^\[(?:([^\]]*?) )?\d+\/\d+\] (\S+)/;

/** The argv BuildKit runs for a RUN, joined as its record descriptions join it; null when we cannot know it. */
export function runArgv(step: Step): string | null {
  if (step.keyword !== 'RUN' || step.heredoc) return null;
  if (step.argv) return step.argv.join(' ');
  if (step.script === undefined) return null;
  return [...step.shell, step.script].join(' ');
}

function imageLike(r: CacheRecord): boolean {
  return r.description.startsWith('pulled from ') || r.description.startsWith('from local ');
}

/** docker.io/library/alpine:3.19@sha256:… -> alpine; ghcr.io/o/x:1 -> ghcr.io/o/x. */
function repoName(ref: string): string {
  let r = ref.trim().replace(/@sha256:[0-9a-f]+$/i, '');
  const slash = r.lastIndexOf('/');
  const colon = r.lastIndexOf(':');
  if (colon > slash) r = r.slice(0, colon);
  r = r.replace(/^docker\.io\//, '').replace(/^index\.docker\.io\//, '').replace(/^library\//, '');
  return r.toLowerCase();
}

/** An image base record that names no image (dockerd 20.10's local store writes `from local ` and nothing more). */
function unnamedImage(r: CacheRecord): boolean {
  return imageLike(r) && !r.description.replace(/^pulled from |^from local /, '').trim();
}

function imageMatches(r: CacheRecord, ref: string, localImages: Set<string> | null): boolean {
  if (!imageLike(r)) return false;
  const named = r.description.replace(/^pulled from |^from local /, '').trim();
  // No name: only a base image the daemon has (its image list), and only where a RUN pins the chain (below).
  if (!named) return !!localImages?.has(repoName(ref));
  return repoName(named) === repoName(ref);
}

/**
 * A named file-operation record fits a step when its stage label is the step's stage and its keyword the step's.
 * Only these are compared: the printed instruction is the frontend's rendering (variables expanded, flags
 * reordered), not the source text, and the numbers count instructions the model does not keep (ENV, ARG, …).
 */
function namedFileopFits(desc: string, e: Extract<Expect, { kind: 'fileop' }>): boolean {
  const m = NAMED_FILEOP_RE.exec(desc);
  if (!m) return false;
  // a platform prefix (`[linux/arm64 build 2/3]`) comes before the stage name: the label is the last word
  const label = (m[1] ?? '').split(' ').pop()!.toLowerCase();
  return e.labels.includes(label) && m[2]!.toUpperCase() === e.step.keyword;
}

function matches(r: CacheRecord, e: Expect): boolean {
  if (r.type !== 'regular' && r.type !== '') return false;
  if (e.kind === 'image') return false; // roots only (below)
  if (e.kind === 'fileop') return r.description === 'fileop target' || namedFileopFits(r.description, e);
  return e.desc !== null && r.description === EXEC_PREFIX + e.desc;
}

function sequences(dfs: CacheDockerfile[]): Seq[] {
  const out: Seq[] = [];
  dfs.forEach((d, di) => {
    const m = d.model;
    // the frontend names a stage by its AS name, else stage-<index>; a one-stage Dockerfile's steps carry no name
    const labelsOf = (st: Model['stages'][number]): string[] =>
      m.stages.length === 1 ? [''] : [st.name?.toLowerCase() ?? `stage-${st.index}`];
    const memo = new Map<number, Expect[]>();
    const seqOf = (si: number, depth = 0): Expect[] => {
      const hit = memo.get(si);
      if (hit) return hit;
      const st = m.stages[si]!;
      let items: Expect[] = [];
      if (st.base.kind === 'stage' && depth < 64 && st.base.stage !== si) items = [...seqOf(st.base.stage, depth + 1)];
      else if (st.base.kind === 'image') {
        items = [{ kind: 'image', ref: st.base.ref, line: st.line, instruction: `FROM ${st.base.ref}${st.name ? ' AS ' + st.name : ''}` }];
      }
      for (const id of st.steps) {
        const s = m.steps[id]!;
        items.push(s.keyword === 'RUN' ? { kind: 'exec', step: s, desc: runArgv(s) } : { kind: 'fileop', step: s, labels: labelsOf(st) });
      }
      memo.set(si, items);
      return items;
    };
    m.stages.forEach((_s, si) => out.push({ df: di, stage: si, items: seqOf(si) }));
  });
  return out;
}

const stamps = new WeakMap<CacheRecord, number>();
/** Last use (else creation) in ms, parsed once per record. */
function ts(r: CacheRecord): number {
  let t = stamps.get(r);
  if (t === undefined) {
    t = Date.parse(r.lastUsedAt ?? r.createdAt);
    if (!Number.isFinite(t)) t = 0;
    stamps.set(r, t);
  }
  return t;
}

/** Identity of a place (one step or one FROM of one Dockerfile). */
function placeKey(df: number, e: Expect): string {
  return e.kind === 'image' ? `${df}:from:${e.line}` : `${df}:step:${e.step.id}`;
}

/** Everything that makes the op at position i of a sequence what it is (base ref + ops): equal -> same records. */
function signature(seq: Seq, i: number): string {
  return seq.items.slice(0, i + 1).map((e) => e.kind === 'image' ? 'FROM ' + repoName(e.ref) : e.step.op ?? `${e.step.keyword} ${e.step.instruction}`).join('\n');
}

export interface MapOptions {
  /**
   * The daemon's image references (`GET /images/json` RepoTags). A base record that names no image is matched only
   * with stages whose base is one of them; without the list, never.
   */
  localImages?: Iterable<string>;
}

export function mapBuildCache(records: CacheRecord[], dfs: CacheDockerfile[], opts: MapOptions = {}): CacheReport {
  const localImages = opts.localImages ? new Set([...opts.localImages].map(repoName)) : null;
  const byId = new Map(records.map((r) => [r.id, r]));
  const children = new Map<string, CacheRecord[]>();
  for (const r of records) {
    if (r.parents.length !== 1) continue;
    const p = r.parents[0]!;
    let l = children.get(p);
    if (!l) children.set(p, (l = []));
    l.push(r);
  }
  const seqs = sequences(dfs);
  // cand: record id -> positions (seq index, item index) whose path matches
  const cand = new Map<string, [number, number][]>();
  const order: CacheRecord[] = []; // top-down order of records reached
  const roots = records.filter((r) => r.parents.length === 0 || (r.parents.length === 1 && !byId.has(r.parents[0]!)));
  for (const r of roots) {
    const c: [number, number][] = [];
    seqs.forEach((s, si) => {
      const first = s.items[0];
      if (!first) return;
      if (first.kind === 'image' ? imageMatches(r, first.ref, localImages) : matches(r, first)) c.push([si, 0]);
    });
    if (c.length) { cand.set(r.id, c); order.push(r); }
  }
  for (let k = 0; k < order.length; k++) {
    const r = order[k]!;
    const c = cand.get(r.id)!;
    for (const ch of children.get(r.id) ?? []) {
      const cc: [number, number][] = [];
      for (const [si, i] of c) {
        const next = seqs[si]!.items[i + 1];
        if (next && matches(ch, next)) cc.push([si, i + 1]);
      }
      if (cc.length && !cand.has(ch.id)) { cand.set(ch.id, cc); order.push(ch); }
    }
  }
  // viable: bottom-up, a position survives when some child continues it (or no child continues anything)
  const viable = new Map<string, [number, number][]>();
  for (let k = order.length - 1; k >= 0; k--) {
    const r = order[k]!;
    const c = cand.get(r.id)!;
    const kids = (children.get(r.id) ?? []).map((ch) => viable.get(ch.id)).filter((v): v is [number, number][] => !!v && v.length > 0);
    if (!kids.length) { viable.set(r.id, c); continue; }
    const kept = c.filter(([si, i]) => kids.some((v) => v.some(([sj, j]) => sj === si && j === i + 1)));
    viable.set(r.id, kept.length ? kept : c);
  }

  // Under a base record that names no image (or no base: FROM scratch), the stage is a guess until a RUN's exact argv
  // pins the chain: a record is kept only with an exec record on its path from the root or in its subtree (among the
  // records reached).
  const isExec = (r: CacheRecord) => r.description.startsWith(EXEC_PREFIX);
  const unnamedRoot = new Map<string, boolean>(); // id -> reached from an unnamed base
  const execAbove = new Map<string, boolean>();
  for (const r of order) {
    const p = r.parents[0] !== undefined && cand.has(r.parents[0]) ? r.parents[0] : undefined;
    // a chain that starts with a step (FROM scratch) has no base to tell it apart either
    unnamedRoot.set(r.id, p === undefined ? unnamedImage(r) || !imageLike(r) : unnamedRoot.get(p)!);
    execAbove.set(r.id, isExec(r) || (p !== undefined && execAbove.get(p)!));
  }
  const execBelow = new Map<string, boolean>();
  for (let k = order.length - 1; k >= 0; k--) {
    const r = order[k]!;
    execBelow.set(r.id, (children.get(r.id) ?? []).some((ch) => cand.has(ch.id) && (isExec(ch) || execBelow.get(ch.id))));
  }
  const unpinned = (id: string) => unnamedRoot.get(id) === true && !execAbove.get(id) && !execBelow.get(id);

  const out: MappedRecord[] = [];
  const placeOf = (si: number, i: number): CachePlace => {
    const s = seqs[si]!;
    const e = s.items[i]!;
    const d = dfs[s.df]!;
    if (e.kind === 'image') return { dockerfile: d.dockerfile, line: e.line + 1, instruction: e.instruction, kind: 'from', step: -1 };
    return { dockerfile: d.dockerfile, line: e.step.line + 1, instruction: e.step.instruction, kind: 'step', step: e.step.id };
  };
  // cache mounts: by target and argv
  const mountSteps: { df: number; step: Step; target: string; argv: string }[] = [];
  dfs.forEach((d, di) => {
    for (const s of d.model.steps) {
      const argv = runArgv(s);
      if (argv === null) continue;
      for (const mt of s.mounts) if (mt.type === 'cache' && mt.target) mountSteps.push({ df: di, step: s, target: mt.target, argv });
    }
  });

  for (const r of records) {
    const m: MappedRecord = { ...r, places: [], stale: false };
    out.push(m);
    if (r.type === 'exec.cachemount') {
      const mm = CACHE_MOUNT_RE.exec(r.description);
      // argv, then (current BuildKit) ` with id "<id>"`
      const hits = mm ? mountSteps.filter((x) => x.target === mm[1] && (x.argv === mm[2] ||
        (mm[2]!.startsWith(x.argv) && MOUNT_ID_SUFFIX.test(mm[2]!.slice(x.argv.length))))) : [];
      if (hits.length) m.places = hits.map((h) => ({ dockerfile: dfs[h.df]!.dockerfile, line: h.step.line + 1, instruction: h.step.instruction, kind: 'cache-mount', step: h.step.id }));
      else m.unmapped = mm ? 'cache mount of a RUN no Dockerfile here has' : 'cache mount (description not understood)';
      continue;
    }
    const v = viable.get(r.id);
    if (!v || !v.length) { m.unmapped = unmappedReason(r, byId); continue; }
    if (unpinned(r.id)) { m.unmapped = 'under a base image the record does not name (or FROM scratch), and no RUN below or above pins the stage'; continue; }
    const keys = new Map<string, [number, number]>();
    for (const [si, i] of v) {
      const k = placeKey(seqs[si]!.df, seqs[si]!.items[i]!);
      if (!keys.has(k)) keys.set(k, [si, i]);
    }
    const sigs = new Set([...keys.values()].map(([si, i]) => signature(seqs[si]!, i)));
    if (sigs.size > 1) { m.unmapped = 'ambiguous: matches different steps (file operations name no instruction)'; continue; }
    m.places = [...keys.values()].map(([si, i]) => placeOf(si, i));
  }
  // the target chain of each Dockerfile: places whose records a build always marks used
  const chains = dfs.map((d, di) => {
    const set = new Set<string>();
    const seq = seqs.find((x) => x.df === di && x.stage === d.model.target);
    for (const e of seq?.items ?? []) set.add(e.kind === 'image' ? `from:${e.line + 1}` : `step:${e.step.id}`);
    return set;
  });
  markStale(out, dfs, children, chains);
  return summarise(out, dfs);
}

function unmappedReason(r: CacheRecord, byId: Map<string, CacheRecord>): string {
  if (r.type === 'source.local' || r.description.startsWith('local source for ')) return 'build context transfer (local source)';
  if (r.type === 'frontend' || r.type === 'internal') return `BuildKit ${r.type} record`;
  if (r.type.startsWith('source.git')) return 'git source';
  if (r.parents.length > 1) return 'merge of several parents (COPY --link)';
  if (imageLike(r)) return 'base image no Dockerfile here uses';
  if (r.description.startsWith(EXEC_PREFIX)) {
    const p = r.parents[0] ? byId.get(r.parents[0]) : undefined;
    return p ? 'RUN no Dockerfile here has at that place (an edited or another project\'s step)' : 'RUN no Dockerfile here has';
  }
  if (r.description === 'fileop target' || NAMED_FILEOP_RE.test(r.description)) return 'file operation under a record no Dockerfile here explains';
  return r.description ? 'not a Dockerfile step' : 'no description';
}

/**
 * Stale = no current build can hit it. Measured on dockerd 20.10 and 26 (docs/build-cache.md): every build, fully
 * cached or not, marks records of its target's chain used (LastUsedAt, UsageCount) — 20.10 each of them (the base,
 * every step of the target stage and of the stages it is built FROM), 26 the ones it loads (a fully CACHED build:
 * only the last), so a record counts as used when a descendant was — but a stage reached only through `COPY --from`
 * is not always marked when the build hits it. So a record is stale when each of its places is a step of its
 * Dockerfile's target chain, a newer record of that step exists, the workspace builds that Dockerfile one way only
 * (`configurations`), and every
 * descendant is stale too (BuildKit keeps a record while a child holds it). Records of other stages, cache mounts
 * and unmapped records are never stale: what Layerwise cannot prove unused it does not delete.
 */
function markStale(recs: MappedRecord[], dfs: CacheDockerfile[], children: Map<string, CacheRecord[]>, chains: Set<string>[]): void {
  const byPlace = new Map<string, MappedRecord[]>();
  const keyOf = (p: CachePlace) => `${p.dockerfile}\0${p.kind}\0${p.line}\0${p.step}`;
  const dfIndex = new Map(dfs.map((d, i) => [d.dockerfile, i]));
  for (const r of recs) for (const p of r.places) {
    const k = keyOf(p);
    let l = byPlace.get(k);
    if (!l) byPlace.set(k, (l = []));
    l.push(r);
  }
  // A record's last use is the newest of its own and its descendants': a build that hits a record uses the chain
  // under it, but current BuildKit (dockerd 26) marks only the records it loads — a fully CACHED build just the
  // last one of its target — where BuildKit 0.8 marked every record of the chain (test/buildcache/recorded-26.1).
  const eff = new Map<string, number>();
  const stack: [CacheRecord, boolean][] = recs.map((r) => [r, false]);
  while (stack.length) {
    const [r, done] = stack.pop()!;
    if (eff.has(r.id)) continue;
    const kids = children.get(r.id) ?? [];
    if (!done) { stack.push([r, true]); for (const ch of kids) if (!eff.has(ch.id)) stack.push([ch, false]); continue; }
    eff.set(r.id, kids.reduce((t, ch) => Math.max(t, eff.get(ch.id) ?? ts(ch)), ts(r)));
  }
  const used = (r: CacheRecord) => eff.get(r.id) ?? ts(r);
  const newest = new Set<string>();
  for (const l of byPlace.values()) {
    const sorted = [...l].sort((a, b) => used(b) - used(a) || (a.id < b.id ? -1 : 1));
    if (sorted[0]) newest.add(sorted[0].id);
  }
  // a Dockerfile the workspace builds several ways: an older generation may be another build's current one
  const oneWay = (p: CachePlace) => (dfs[dfIndex.get(p.dockerfile) ?? -1]?.configurations ?? 1) <= 1;
  const inChain = (p: CachePlace) => p.kind !== 'cache-mount' && oneWay(p) && (chains[dfIndex.get(p.dockerfile) ?? -1]?.has(p.kind === 'from' ? `from:${p.line}` : `step:${p.step}`) ?? false);
  const cand = new Set(recs.filter((r) => r.places.length && r.places.every(inChain) && !newest.has(r.id) && !r.inUse).map((r) => r.id));
  // bottom-up closure over the tree
  const memo = new Map<string, boolean>();
  const stale = (id: string, depth = 0): boolean => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    let s = cand.has(id);
    if (s && depth < 10_000) for (const ch of children.get(id) ?? []) if (!stale(ch.id, depth + 1)) { s = false; break; }
    memo.set(id, s);
    return s;
  };
  for (const r of recs) r.stale = stale(r.id);
}

function summarise(recs: MappedRecord[], dfs: CacheDockerfile[]): CacheReport {
  let total = 0, staleBytes = 0, mapped = 0;
  const reasons = new Map<string, { bytes: number; records: number }>();
  const steps = new Map<string, Map<string, CacheStepSummary>>();
  for (const d of dfs) steps.set(d.dockerfile, new Map());
  for (const r of recs) {
    total += r.bytes;
    if (r.stale) staleBytes += r.bytes;
    if (r.places.length) mapped += r.bytes;
    else {
      const x = reasons.get(r.unmapped ?? '') ?? { bytes: 0, records: 0 };
      x.bytes += r.bytes;
      x.records++;
      reasons.set(r.unmapped ?? '', x);
    }
    for (const p of r.places) {
      const m = steps.get(p.dockerfile)!;
      const k = `${p.line}\0${p.kind}`;
      let s = m.get(k);
      if (!s) m.set(k, (s = { line: p.line, instruction: p.instruction, kind: p.kind, bytes: 0, staleBytes: 0, lastUsed: null, usageCount: 0, records: [] }));
      s.bytes += r.bytes;
      if (r.stale) s.staleBytes += r.bytes;
      s.usageCount += r.usageCount;
      if (r.lastUsedAt && (!s.lastUsed || Date.parse(r.lastUsedAt) > Date.parse(s.lastUsed))) s.lastUsed = r.lastUsedAt;
      s.records.push(r.id);
    }
  }
  return {
    totalBytes: total,
    staleBytes,
    mappedBytes: mapped,
    unmappedBytes: total - mapped,
    records: recs,
    dockerfiles: dfs.map((d) => ({
      dockerfile: d.dockerfile,
      steps: [...steps.get(d.dockerfile)!.values()].sort((a, b) => a.line - b.line || a.kind.localeCompare(b.kind)),
      ...((d.configurations ?? 1) > 1 ? { configurations: d.configurations } : {}),
    })),
    unmapped: [...reasons].map(([reason, x]) => ({ reason, ...x })).sort((a, b) => b.bytes - a.bytes),
  };
}

export interface PrunePlan {
  /** Records to delete, children before parents (BuildKit frees a parent only once no child holds it). */
  records: MappedRecord[];
  bytes: number;
  /** The cache's size after the plan (totalBytes - bytes). */
  after: number;
}

/**
 * What `cache prune` deletes: every stale record, or with `keepStorage`, the least recently used stale chains
 * until the cache is at most that size (never a non-stale record, so it may stay above it).
 */
export function prunePlan(report: CacheReport, keepStorage?: number): PrunePlan {
  const stale = report.records.filter((r) => r.stale);
  const byId = new Map(stale.map((r) => [r.id, r]));
  // leaves first; a parent only after all its stale children
  const kids = new Map<string, MappedRecord[]>();
  for (const r of stale) for (const p of r.parents) if (byId.has(p)) { let l = kids.get(p); if (!l) kids.set(p, (l = [])); l.push(r); }
  const chosen: MappedRecord[] = [];
  const taken = new Set<string>();
  let total = report.totalBytes;
  const take = (r: MappedRecord) => { if (taken.has(r.id)) return; for (const c of kids.get(r.id) ?? []) take(c); taken.add(r.id); chosen.push(r); total -= r.bytes; };
  // oldest first (by last use), a whole subtree at a time
  const ordered = [...stale].sort((a, b) => ts(a) - ts(b) || (a.id < b.id ? -1 : 1));
  for (const r of ordered) {
    if (keepStorage !== undefined && total <= keepStorage) break;
    take(r);
  }
  return { records: chosen, bytes: report.totalBytes - total, after: total };
}

/** A keep-storage that holds the working set (everything not stale) with a 25 % margin, rounded up to 2 digits. */
export function recommendedKeepStorage(report: CacheReport): number {
  const working = report.totalBytes - report.staleBytes;
  const want = Math.ceil(working * 1.25);
  if (want <= 0) return 0;
  const p = Math.pow(10, Math.max(0, Math.floor(Math.log10(want)) - 1));
  return Math.ceil(want / p) * p;
}

/** Parses `10GB`, `512MB`, `1.5GiB`, `100000` (bytes), like docker's --keep-storage (decimal and binary units). */
export function parseSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?)(b?)\s*$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  if (!unit && (m[3] || m[4] && m[4].toLowerCase() !== 'b')) return null;
  const pow = ['', 'k', 'm', 'g', 't', 'p'].indexOf(unit);
  const base = m[3] ? 1024 : 1000;
  const v = n * Math.pow(base, pow);
  return Number.isFinite(v) ? Math.round(v) : null;
}

/** go-units' HumanSizeWithPrecision: decimal units, `precision` significant digits (`docker system df -v` prints
 *  each record's size with 3, its "Build cache usage" total with 4). */
export function humanSize(bytes: number, precision = 3): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(precision))}${units[i]}`;
}

/** A size for people: `humanSize` with a space before the unit (`102.4 kB`). */
export function formatBytes(bytes: number, precision = 4): string {
  return humanSize(bytes, precision).replace(/([0-9])([a-zA-Z])/, '$1 $2');
}

/** How long ago an ISO time was, coarsely (`12 s ago`, `3 min ago`, `2 h ago`, `5 days ago`); `never` for null. */
export function formatAgo(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '?';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
