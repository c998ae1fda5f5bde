// Shared layers across the builds of a workspace (compose services, bake targets, sibling Dockerfiles): which steps
// have the same cache key in several builds (BuildKit builds them once and every other build hits), and where two
// builds that share a prefix stop sharing — the first step written the same in both whose key differs, and why (an
// ARG value, SOURCE_DATE_EPOCH, a `# syntax` frontend, files that differ between the contexts). Keys are the
// baseline-free `contentKeys` of explain.ts, so "shared" means what "cached" means there. Pure: no I/O.
import { MemoryContext, type ContextSnapshot } from './context';
import { diffContexts, contentKeys, readSelects } from './explain';
import { analyze, type AnalyzeOptions, type Model, type Step } from './model';
import { memoized } from './memo';
import { isPosixShell } from './shell';

/** One build of the workspace. */
export interface SharedMember {
  /** For people: `compose.yaml service "web"`, or the Dockerfile's path. */
  name: string;
  /** The Dockerfile as shown (workspace-relative path). */
  dockerfile: string;
  text: string;
  context: ContextSnapshot;
  options?: AnalyzeOptions;
  /** An analysis of `text` with `options`, when the caller has one. */
  model?: Model;
}

/** A step of another build. `line` is 1-based. */
export interface SharedRef {
  member: number;
  name: string;
  dockerfile: string;
  line: number;
}

export type DivergenceKind = 'formatting' | 'arg' | 'env' | 'source-date-epoch' | 'syntax' | 'context' | 'stage' | 'platform' | 'user' | 'workdir' | 'shell' | 'mount' | 'remote' | 'instruction' | 'base';

export interface DivergenceReason {
  kind: DivergenceKind;
  message: string;
  /** The build arg, for 'arg' (and 'base' when a build arg chose the image). */
  name?: string;
  /** Its value in this build and in the other (undefined: unset). */
  here?: string;
  there?: string;
  /** Context paths that differ, for 'context' (at most 20), and their count. */
  paths?: string[];
  count?: number;
}

/** A step (of `member`) written as a step of `other` that follows the same shared parent, but keyed differently. */
export interface Divergence {
  member: number;
  /** Step id in the member's model. */
  step: number;
  /** 0-based line of the step. */
  line: number;
  other: SharedRef;
  reasons: DivergenceReason[];
  /** The divergent step and the steps after it in its stage that the other build writes the same way (not shared). */
  lost: number;
  /** 'formatting': the other build's instruction as its Dockerfile writes it (the text that would make the keys equal). */
  otherText?: string;
}

export interface MemberSharing {
  name: string;
  dockerfile: string;
  model: Model;
  /** Per step id: the steps of other builds with the same cache key (built once, cached for all). */
  sharedWith: Map<number, SharedRef[]>;
  divergences: Divergence[];
}

export interface SharingReport {
  members: MemberSharing[];
}

function syntaxOf(model: Model): string | null {
  return model.directives.find((d) => d.name.toLowerCase() === 'syntax')?.value.trim() ?? null;
}

interface Built {
  m: SharedMember;
  model: Model;
  keys: string[];
  /** The key a step's parent contributes: the previous step's key, else the stage base's. */
  parentKey: string[];
  syntax: string | null;
  /** Needed steps by key. */
  byKey: Map<string, Step>;
  /** Needed steps by parent key. */
  byParent: Map<string, Step[]>;
}

function build(m: SharedMember): Built {
  const model = m.model ?? analyze(m.text, m.options ?? {});
  const keys = contentKeys(model, m.context);
  const baseKey = (stageIdx: number): string => {
    const st = model.stages[stageIdx]!;
    if (st.base.kind === 'stage') {
      const b = model.stages[st.base.stage]!;
      return b.steps.length ? keys[b.steps[b.steps.length - 1]!]! : baseKey(b.index);
    }
    return 'base:' + st.base.ref + (st.base.kind === 'image' ? '@' + st.platform : '');
  };
  const parentKey = model.steps.map((s) => (s.parent === null ? baseKey(s.stage) : keys[s.parent]!));
  const byKey = new Map<string, Step>();
  const byParent = new Map<string, Step[]>();
  for (const s of model.steps) {
    if (!model.stages[s.stage]!.needed) continue;
    if (!byKey.has(keys[s.id]!)) byKey.set(keys[s.id]!, s);
    const l = byParent.get(parentKey[s.id]!) ?? [];
    l.push(s);
    byParent.set(parentKey[s.id]!, l);
  }
  return { m, model, keys, parentKey, syntax: syntaxOf(model), byKey, byParent };
}

/**
 * A shell-form RUN script with the whitespace between words collapsed to one space, or null when that could change
 * what it does: text inside quotes, after a backslash or inside `${…}` is kept as written; a script with a newline
 * (a heredoc, a comment) is not compared. POSIX shells split words on any run of blanks, so two scripts with the same
 * canonical form run the same commands with the same arguments.
 */
export function canonicalScript(script: string): string | null {
  if (/[\n\r]/.test(script)) return null;
  let out = '';
  let quote: '' | "'" | '"' = '';
  let brace = 0;
  let blank = false;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote === "'") {
      out += ch;
      if (ch === "'") quote = '';
      continue;
    }
    if (ch === '\\') {
      if (blank) (out += ' '), (blank = false);
      out += ch + (script[i + 1] ?? '');
      i++;
      continue;
    }
    if (quote === '"') {
      out += ch;
      if (ch === '"') quote = '';
      continue;
    }
    if (brace) {
      out += ch;
      if (ch === '{') brace++;
      else if (ch === '}') brace--;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      blank = true;
      continue;
    }
    if (blank) (out += ' '), (blank = false);
    out += ch;
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '{' && script[i - 1] === '$') brace = 1;
  }
  return quote || brace ? null : out.trim();
}

/**
 * A RUN that a formatting divergence can start from: shell form on a POSIX shell, no heredoc, no context or stage
 * reads, a script whose blanks can be collapsed (`canonicalScript`). Its canonical script, else null.
 */
function formattable(s: Step): string | null {
  if (s.keyword !== 'RUN' || s.argv || s.heredoc || !isPosixShell(s.shell)) return null;
  if (s.contextReads.length || s.stageReads.length) return null;
  return canonicalScript(s.script ?? '');
}

/** Two shell-form RUNs that differ only in the blanks between words (same shell, flags, env, mounts, everything else). */
function sameButFormatting(a: Model, s: Step, b: Model, c: Step): boolean {
  if (s.instruction === c.instruction || a.parsed.escape !== b.parsed.escape || s.shell.join('\u0000') !== c.shell.join('\u0000')) return false;
  for (const k of new Set([...Object.keys(s.parts), ...Object.keys(c.parts)])) if (k !== 'cmd' && s.parts[k] !== c.parts[k]) return false;
  const x = formattable(s);
  return x !== null && x === formattable(c);
}

/** A model's needed RUNs that a formatting divergence can start from, by canonical script (memoised per model). */
const formattableRuns = new WeakMap<Model, Map<string, Step[]>>();
function formattableOf(model: Model): Map<string, Step[]> {
  return memoized(formattableRuns, model, () => {
    const out = new Map<string, Step[]>();
    for (const s of model.steps) {
      if (!model.stages[s.stage]!.needed) continue;
      const c = formattable(s);
      if (c === null) continue;
      const l = out.get(c);
      if (l) l.push(s);
      else out.set(c, [s]);
    }
    return out;
  });
}

/** The source text of a step (its instruction's lines, as written). */
function sourceText(x: Built, st: Step): string {
  const r = st.range;
  const lines = x.model.parsed.lines.slice(r.start.line, r.end.line + 1);
  if (!lines.length) return '';
  lines[lines.length - 1] = lines[lines.length - 1]!.slice(0, r.end.character);
  lines[0] = lines[0]!.slice(r.start.character);
  return lines.join('\n');
}

const q = (v: string | undefined): string => (v === undefined ? '(unset)' : JSON.stringify(v));

/** Why `s` (of a) and `c` (of b), written the same and following the same parent, have different keys. */
function whyDiffer(a: Built, s: Step, b: Built, c: Step): DivergenceReason[] {
  const out: DivergenceReason[] = [];
  const there = b.m.name;
  const ea = new Map(s.env);
  const eb = new Map(c.env);
  for (const n of [...new Set([...ea.keys(), ...eb.keys()])].sort()) {
    if (ea.get(n) === eb.get(n)) continue;
    const src = s.envSources.get(n) ?? c.envSources.get(n);
    if (src?.kind === 'arg') {
      const from = (x: Built, st: Step): string => (Object.prototype.hasOwnProperty.call(x.model.options.buildArgs, n) ? 'passed' : st.envSources.has(n) ? `default, line ${st.envSources.get(n)!.line + 1}` : 'unset');
      out.push({
        kind: n === 'SOURCE_DATE_EPOCH' ? 'source-date-epoch' : 'arg',
        name: n,
        here: ea.get(n),
        there: eb.get(n),
        message: `build arg ${n} is ${q(ea.get(n))} here (${from(a, s)}) and ${q(eb.get(n))} in ${there} (${from(b, c)}); a RUN after an ARG has it in its environment, used or not`,
      });
    } else out.push({ kind: 'env', name: n, here: ea.get(n), there: eb.get(n), message: `ENV ${n} is ${q(ea.get(n))} here and ${q(eb.get(n))} in ${there}` });
  }
  const pa = s.parts;
  const pb = c.parts;
  if (pa['sde'] !== pb['sde']) out.push({ kind: 'source-date-epoch', here: pa['sde'], there: pb['sde'], message: `SOURCE_DATE_EPOCH is ${q(pa['sde'])} here and ${q(pb['sde'])} in ${there} (BuildKit ≥ 0.22 stamps WORKDIR with it)` });
  if (pa['platform'] !== pb['platform']) out.push({ kind: 'platform', message: `built for ${pa['platform'] ?? '?'} here and ${pb['platform'] ?? '?'} in ${there} (every RUN's key holds its platform)` });
  if (pa['user'] !== pb['user']) out.push({ kind: 'user', message: `USER is ${q(pa['user'] ?? '')} here and ${q(pb['user'] ?? '')} in ${there}` });
  if (pa['cwd'] !== pb['cwd']) out.push({ kind: 'workdir', message: `the working directory is ${pa['cwd']} here and ${pb['cwd']} in ${there}` });
  if (s.keyword === 'RUN' && s.shell.join(' ') !== c.shell.join(' ')) out.push({ kind: 'shell', message: `SHELL differs from ${there}` });
  if (pa['mounts'] !== pb['mounts']) out.push({ kind: 'mount', message: `RUN --mount options differ from ${there}` });
  const other = ['cmd', 'srcs', 'dest', 'flags', 'heredocs', 'path', 'kind'].filter((k) => pa[k] !== pb[k]);
  if (other.length) {
    const vars = [...new Set(s.varsUsed)];
    out.push({ kind: 'instruction', message: `the same text expands differently${vars.length ? ` (${vars.map((v) => '$' + v).join(', ')})` : ''} here and in ${there}` });
  }
  if ((s.remoteKey?.identity ?? s.remote) !== (c.remoteKey?.identity ?? c.remote)) out.push({ kind: 'remote', message: `the remote source differs from ${there}'s` });
  if (s.contextReads.length) {
    const diff = diffContexts(b.m.context, a.m.context);
    const paths: string[] = [];
    for (const p of [...diff.keys()].sort()) if (s.contextReads.some((r) => readSelects(r, p))) paths.push(p);
    if (paths.length)
      out.push({ kind: 'context', paths: paths.slice(0, 20), count: paths.length, message: `${paths.length} file${paths.length === 1 ? '' : 's'} it copies differ${paths.length === 1 ? 's' : ''} between this context and ${there}'s: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}` });
  }
  for (let i = 0; i < s.stageReads.length; i++) {
    const r = s.stageReads[i]!;
    if (r.stage === null) continue;
    const st = a.model.stages[r.stage]!;
    const last = st.steps.length ? st.steps[st.steps.length - 1]! : -1;
    if (last >= 0 && !b.byKey.has(a.keys[last]!))
      out.push({ kind: 'stage', message: `copies ${r.paths.join(', ')} from stage ${st.name ?? '#' + st.index}, which is keyed differently in ${there}: it is shared only if those bytes are the same` });
  }
  if (!out.length) out.push({ kind: 'instruction', message: `its cache key differs from ${there}'s` });
  return out;
}

/** Steps of `a`'s stage from `s` on (skipping `skip` of them) that `b` writes the same way, in order, from `c` on. */
function lostSteps(a: Built, s: Step, b: Built, c: Step, skip = 0): number {
  const sa = a.model.stages[s.stage]!.steps;
  const sb = b.model.stages[c.stage]!.steps;
  let n = 0;
  for (let i = s.ordinal + skip, j = c.ordinal + skip; i < sa.length && j < sb.length; i++, j++) {
    if (a.model.steps[sa[i]!]!.instruction !== b.model.steps[sb[j]!]!.instruction) break;
    n++;
  }
  return n;
}

/**
 * For every build: the steps whose cache key another build has too, and the divergences — a step whose parent is
 * shared with another build, written as a step of that build on the same parent, with a different key. Two builds with
 * different `# syntax` frontends share nothing certain (a frontend decides how instructions are lowered): they are
 * reported as diverging at their first step that would otherwise be shared.
 */
export function sharedLayers(members: SharedMember[]): SharingReport {
  const built = members.map(build);
  return { members: built.map((_, i) => memberSharing(built, i)) };
}

/** What member `i` shares with the others and where it diverges from them. */
function memberSharing(built: Built[], i: number): MemberSharing {
  const ref = (k: number, s: Step): SharedRef => ({ member: k, name: built[k]!.m.name, dockerfile: built[k]!.m.dockerfile, line: s.line + 1 });
  const a = built[i]!;
  const res: MemberSharing = { name: a.m.name, dockerfile: a.m.dockerfile, model: a.model, sharedWith: new Map(), divergences: [] };
  for (const s of a.model.steps) {
    if (!a.model.stages[s.stage]!.needed) continue;
    const key = a.keys[s.id]!;
    const pkey = a.parentKey[s.id]!;
    const refs: SharedRef[] = [];
    for (let j = 0; j < built.length; j++) {
      if (j === i) continue;
      const b = built[j]!;
      const sameFrontend = a.syntax === b.syntax;
      const hit = b.byKey.get(key);
      if (hit && sameFrontend) {
        refs.push(ref(j, hit));
        continue;
      }
      // a divergence: the parent is shared (or the same base), and b has this step written the same on it
      const parentShared = pkey.startsWith('base:') || b.byKey.has(pkey);
      if (!parentShared) continue;
      const onParent = b.byParent.get(pkey) ?? [];
      const c = onParent.find((x) => x.keyword === s.keyword && x.instruction === s.instruction);
      if (!c) {
        const f = sameFrontend ? onParent.find((x) => sameButFormatting(a.model, s, b.model, x)) : undefined;
        if (f)
          res.divergences.push({
            member: i,
            step: s.id,
            line: s.line,
            other: ref(j, f),
            reasons: [{ kind: 'formatting', message: `it runs the same commands as line ${f.line + 1} of ${b.m.name}, written with other spacing or line breaks: BuildKit keys a RUN by its exact text` }],
            lost: 1 + lostSteps(a, s, b, f, 1),
            otherText: sourceText(b, f),
          });
        continue;
      }
      if (!sameFrontend) {
        // said once per pair, at the first step of a chain that would otherwise be shared
        if (!hit || !pkey.startsWith('base:')) continue;
        if (res.divergences.some((d) => d.other.member === j && d.reasons[0]?.kind === 'syntax')) continue;
        res.divergences.push({
          member: i,
          step: s.id,
          line: s.line,
          other: ref(j, c),
          reasons: [{ kind: 'syntax', here: a.syntax ?? undefined, there: b.syntax ?? undefined, message: `the \`# syntax\` frontend is ${a.syntax ?? 'the builder’s own'} here and ${b.syntax ?? 'the builder’s own'} in ${b.m.name}: another frontend may lower the same instructions differently, so no step is certainly shared` }],
          lost: lostSteps(a, s, b, c),
        });
        continue;
      }
      res.divergences.push({ member: i, step: s.id, line: s.line, other: ref(j, c), reasons: whyDiffer(a, s, b, c), lost: lostSteps(a, s, b, c) });
    }
    if (refs.length) res.sharedWith.set(s.id, refs);
  }
  // one FROM line written the same whose image a build arg chose differently
  for (const st of a.model.stages) {
    if (!st.needed || st.base.kind !== 'image' || !st.steps.length) continue;
    const first = a.model.steps[st.steps[0]!]!;
    if (res.sharedWith.has(first.id)) continue;
    const fromText = a.model.parsed.lines[st.line];
    for (let j = 0; j < built.length; j++) {
      if (j === i) continue;
      const b = built[j]!;
      const bst = b.model.stages.find((x) => x.needed && x.base.kind === 'image' && x.base.ref !== st.base.ref && b.model.parsed.lines[x.line] === fromText && x.steps.length && b.model.steps[x.steps[0]!]!.instruction === first.instruction);
      if (!bst) continue;
      const c = b.model.steps[bst.steps[0]!]!;
      res.divergences.push({ member: i, step: first.id, line: st.line, other: { ...ref(j, c), line: bst.line + 1 }, reasons: [{ kind: 'base', message: `\`${(fromText ?? '').trim()}\` is ${st.base.ref} here and ${bst.base.ref} in ${b.m.name}` }], lost: lostSteps(a, first, b, c) });
    }
  }
  res.divergences.sort((x, y) => x.line - y.line || x.other.member - y.other.member);
  return res;
}

/** "lines 1–6" style runs of the 1-based lines of a member's shared steps (for summaries). */
export function lineRuns(lines: number[]): string {
  const xs = [...new Set(lines)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1]! <= xs[j]! + 1) j++;
    runs.push(i === j ? `${xs[i]}` : `${xs[i]}–${xs[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** The JSON of one step's sharing (`graph --format json` "sharedWith"). */
export function sharedWithJson(refs: readonly SharedRef[] | undefined): { dockerfile: string; line: number; build: string }[] {
  return (refs ?? []).map((r) => ({ dockerfile: r.dockerfile, line: r.line, build: r.name }));
}

/** The JSON of a build's divergences (`graph --format json` "divergences"; lines 1-based). */
export function divergencesJson(ms: MemberSharing): object[] {
  return ms.divergences.map((d) => ({
    line: d.line + 1,
    with: { dockerfile: d.other.dockerfile, line: d.other.line, build: d.other.name },
    reasons: d.reasons.map((r) => ({ kind: r.kind, message: r.message, ...(r.name ? { name: r.name } : {}), ...(r.paths ? { paths: r.paths, count: r.count } : {}) })),
    lostSteps: d.lost,
  }));
}

/** Another build of the workspace, for `check` (CheckOptions.siblings); without a context it shares this build's. */
export interface SiblingBuild {
  name: string;
  dockerfile: string;
  text: string;
  buildArgs?: Record<string, string>;
  target?: string;
  context?: ContextSnapshot;
}

/**
 * A sibling's analysis, and its keys once computed, per SiblingBuild object: a caller that passes the same object
 * again (the CLI checking many Dockerfiles of one folder, each the others' sibling) has it analysed and keyed once.
 * Valid while the object and its context are unchanged (checked: the same context object and analysis options),
 * which is the caller's promise for reuse.
 */
const builtSiblings = new WeakMap<SiblingBuild, { context: ContextSnapshot; options: string; member: SharedMember; built?: Built }>();

/** This build as a member, and its siblings' (their models analysed, keyed only when `keyed` asks). */
function siblingMembers(text: string, model: Model, ctx: ContextSnapshot | null, options: AnalyzeOptions & { dockerfile?: string | null; siblings?: SiblingBuild[] }) {
  const context = ctx ?? new MemoryContext('none');
  const { buildArgs: _a, target: _t, ...common } = options;
  const analyzeOnly = { buildkitVersion: common.buildkitVersion, platform: common.platform, buildPlatform: common.buildPlatform };
  const here: SharedMember = { name: 'this build', dockerfile: options.dockerfile ?? 'Dockerfile', text, context, options: { ...analyzeOnly, buildArgs: options.buildArgs ?? {}, ...(options.target ? { target: options.target } : {}) }, model };
  const others = (options.siblings ?? []).map((b) => {
    const m: SharedMember = { name: b.name, dockerfile: b.dockerfile, text: b.text, context: b.context ?? context, options: { ...analyzeOnly, buildArgs: b.buildArgs ?? {}, ...(b.target ? { target: b.target } : {}) } };
    const key = JSON.stringify(m.options);
    let hit = builtSiblings.get(b);
    if (!hit || hit.context !== m.context || hit.options !== key) {
      hit = { context: m.context, options: key, member: { ...m, model: analyze(m.text, m.options ?? {}) } };
      builtSiblings.set(b, hit);
    }
    return hit;
  });
  return { here, others };
}

/** This build (its text, model, context and options) compared with its siblings. */
export function siblingSharing(text: string, model: Model, ctx: ContextSnapshot | null, options: AnalyzeOptions & { dockerfile?: string | null; siblings?: SiblingBuild[] }): MemberSharing {
  const { here, others } = siblingMembers(text, model, ctx, options);
  const built = [build(here), ...others.map((o) => (o.built ??= build(o.member)))];
  // only this build's sharing is wanted: the others' (each against every build) would make the work quadratic
  return memberSharing(built, 0);
}

/**
 * Whether a needed RUN of this build and a needed RUN of a sibling run the same commands written with other blanks
 * (`sameButFormatting`, whatever their parents): what every 'formatting' divergence of `siblingSharing` needs. It
 * reads the models only, never the contexts' content, so a build with no such pair (most) is spared the keys.
 */
export function formattingTwins(text: string, model: Model, ctx: ContextSnapshot | null, options: AnalyzeOptions & { dockerfile?: string | null; siblings?: SiblingBuild[] }): boolean {
  const mine = formattableOf(model);
  if (!mine.size) return false;
  const { others } = siblingMembers(text, model, ctx, options);
  for (const o of others) {
    const theirs = formattableOf(o.member.model!);
    for (const [canon, steps] of mine) for (const c of theirs.get(canon) ?? []) if (steps.some((s) => sameButFormatting(model, s, o.member.model!, c))) return true;
  }
  return false;
}
