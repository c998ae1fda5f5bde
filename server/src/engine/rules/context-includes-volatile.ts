// context-includes-volatile: a broad COPY (or whole-context bind mount) takes in paths that change on every commit or
// never belong in an image (.git, node_modules, build outputs, logs, editor files, the Dockerfile itself). Every
// change there reruns the step and everything after it (measured: table a `edit-other`, table c).
import { readSelects, sourceSelects } from '../explain';
import { wholeTreeReader } from '../fixsafety';
import type { ContextRead } from '../model';
import type { Finding, Rule, RuleContext, TextEdit } from './types';
import { headRange, plural, quoteInstr } from './util';

interface Volatile {
  /** Top-level name (dir or file glob) as found in the context. */
  match: (first: string, path: string) => boolean;
  pattern: string;
  why: string;
}

const dir = (name: string, why: string): Volatile => ({ match: (first) => first === name, pattern: name, why });
const VOLATILE: Volatile[] = [
  dir('.git', 'changes on every commit'),
  dir('node_modules', 'installed by the build, platform-specific'),
  dir('.venv', 'a local virtualenv'),
  dir('venv', 'a local virtualenv'),
  dir('__pycache__', 'bytecode caches'),
  dir('.pytest_cache', 'test caches'),
  dir('.mypy_cache', 'type-checker caches'),
  dir('.tox', 'test environments'),
  dir('coverage', 'test coverage output'),
  dir('.nyc_output', 'test coverage output'),
  dir('.next', 'build output'),
  dir('.nuxt', 'build output'),
  dir('.turbo', 'build caches'),
  dir('.gradle', 'build caches'),
  dir('.idea', 'editor settings'),
  dir('.vscode', 'editor settings'),
  dir('.DS_Store', 'OS metadata'),
  { match: (_f, p) => /(^|\/)\.DS_Store$/.test(p), pattern: '**/.DS_Store', why: 'OS metadata' },
  { match: (_f, p) => /\.log$/.test(p) && !p.includes('/'), pattern: '*.log', why: 'logs' },
  { match: (_f, p) => /\.(swp|swo)$|~$/.test(p), pattern: '**/*.sw?', why: 'editor swap files' },
];

/** How many sent paths each volatile kind matches (the first kind that matches a path counts it), per sent-paths array:
 *  the Dockerfiles of one context and their fixes' proofs share it (`sentPaths` is memoised, never mutated). */
const countsMemo = new WeakMap<readonly string[], Map<Volatile, number>>();
function volatileCounts(sent: readonly string[]): Map<Volatile, number> {
  let found = countsMemo.get(sent);
  if (found) return found;
  found = new Map<Volatile, number>();
  for (const p of sent) {
    const slash = p.indexOf('/');
    const first = slash < 0 ? p : p.slice(0, slash);
    for (const v of VOLATILE) {
      if (v.match(first, p)) {
        found.set(v, (found.get(v) ?? 0) + 1);
        break;
      }
    }
  }
  countsMemo.set(sent, found);
  return found;
}

/** The sent paths a step's reads copy, per sent-paths array and reads (an edit's analysis shares both when neither changed). */
const copiedMemo = new WeakMap<readonly string[], WeakMap<readonly ContextRead[], readonly string[]>>();
function copiedPaths(sent: readonly string[], reads: readonly ContextRead[]): readonly string[] {
  let m = copiedMemo.get(sent);
  if (!m) copiedMemo.set(sent, (m = new WeakMap()));
  let out = m.get(reads);
  if (!out) m.set(reads, (out = sent.filter((p) => reads.some((r) => readSelects(r, p)))));
  return out;
}

export const contextIncludesVolatile: Rule = {
  id: 'context-includes-volatile',
  title: 'Broad COPY takes in volatile files',
  defaultSeverity: 'warning',
  description:
    'A COPY of the whole context (or a bind mount of it) includes files that change on every commit or do not belong in an image: .git, node_modules, build output, logs, editor files, the Dockerfile and .dockerignore. Each change there reruns the step and everything after it. Exclude them in .dockerignore.',
  check(rc) {
    if (!rc.ctx || rc.ctx.partial) return [];
    const out: Finding[] = [];
    const broad = rc.model.steps.filter((s) => !s.trigger && s.contextReads.some((r) => r.sources.includes('')));
    if (!broad.length) return out;
    // what a COPY names explicitly must stay in the context
    const needed = rc.model.steps.flatMap((s) => s.contextReads.flatMap((r) => r.sources.filter((x) => x !== '')));
    const found = new Map(volatileCounts(rc.sent)); // a copy: .git may be dropped below (and stays dropped in `itemsOf`)
    // the Dockerfile built (wherever it is in the context, whatever its name), its ignore file, and other Dockerfiles
    // at the root: editing any of them reruns the step
    const built = rc.dockerfile !== null && rc.sent.includes(rc.dockerfile) ? rc.dockerfile : null;
    const ownIgnore = rc.ignoreName !== '.dockerignore' && rc.dockerfile !== null && rc.ignoreName === rc.dockerfile + '.dockerignore';
    const allDockerfileLike = [
      ...(built ? [built] : []),
      ...rc.sent.filter((p) => p !== built && (p === rc.ignoreName || (!p.includes('/') && (/^(Dockerfile|Containerfile)(\..*)?$|\.(Dockerfile|dockerfile)$/.test(p) || p === '.dockerignore')))),
    ];
    // other Dockerfiles are excluded only from an ignore file of this Dockerfile's own: a shared .dockerignore also
    // decides what the builds of those Dockerfiles send
    const excludable = (p: string) => p === built || p === rc.ignoreName || ownIgnore;
    // a step that reads the whole tree on purpose (bind mount of the context, git state): its rerun is intended, and
    // excluding tracked files would change what it sees
    const reader = wholeTreeReader(rc.model);
    // a RUN that runs git (rev-parse, describe), setuptools-scm or `go build` with VCS stamping reads .git
    const readsGit = rc.model.steps.some((s) => s.keyword === 'RUN' && /(^|[\s;&|(])git\s|\.git\b|setuptools[-_]scm|buildvcs|versioneer|GIT_DIR/.test(s.script ?? s.argv?.join(' ') ?? ''));
    if (readsGit) for (const v of [...found.keys()]) if (v.pattern === '.git') found.delete(v);
    const itemsOf = (counts: Map<Volatile, number>) =>
      [...counts].filter(([v]) => found.has(v)).sort((a, b) => VOLATILE.indexOf(a[0]) - VOLATILE.indexOf(b[0])).filter(([v]) => !needed.some((n) => sourceSelects(v.pattern.replace(/^\*\*\//, ''), n) || n.split('/')[0] === v.pattern));
    const allItems = itemsOf(found);
    for (const step of broad) {
      const total = rc.reads.get(step.id)?.files ?? 0;
      // a whole-context COPY with --exclude patterns: all is sent, but only what it copies is in its key (a change to an
      // excluded path reruns nothing), so the volatile paths and Dockerfiles named are those it copies
      const excluding = step.keyword !== 'RUN' && step.contextReads.some((r) => r.sources.includes('') && r.excludes.length);
      const copied = excluding ? copiedPaths(rc.sent, step.contextReads) : null;
      const items = copied ? itemsOf(volatileCounts(copied)) : allItems;
      const dockerfileLike = copied ? allDockerfileLike.filter((p) => copied.includes(p)) : allDockerfileLike;
      const parts = items.map(([v, n]) => `${v.pattern}${n > 1 ? ` (${plural(n, 'path')})` : ''} — ${v.why}`);
      if (dockerfileLike.length) {
        const names = dockerfileLike.length > 3 ? `${dockerfileLike.length} Dockerfiles and ignore files` : dockerfileLike.join(', ');
        parts.push(`${names} — editing ${dockerfileLike.length === 1 ? 'it' : 'any of them'}, even a comment, reruns this step`);
      }
      if (!parts.length && rc.ignoreText !== null) continue;
      const what =
        step.keyword === 'RUN'
          ? `${quoteInstr(step)} bind-mounts the whole context (${plural(total, 'file')})`
          : excluding
            ? `${quoteInstr(step)} copies ${plural(total, 'file')} of the context (its --exclude patterns leave out the rest)`
            : `${quoteInstr(step)} sends ${plural(total, 'file')} to the builder`;
      const noIgnore = rc.ignoreText === null ? ` There is no ${rc.ignoreName}, so everything in the context is sent.` : '';
      const f: Finding = {
        rule: this.id,
        severity: reader ? 'info' : this.defaultSeverity,
        range: headRange(rc, step),
        message: parts.length
          ? `${what}, including ${parts.join('; ')}. A change there reruns this step and all that follow.${noIgnore}`
          : `${what}.${noIgnore} Any file that lands in the context later (logs, build output, editor files) will rerun this step and all that follow.`,
      };
      if (reader) {
        f.message += ` The ${reader.step.keyword} at line ${reader.step.line + 1} ${reader.why}; its rerun on any change is expected, and no ignore-file fix is offered.`;
        f.fixRefused = { title: `Exclude volatile files in ${rc.ignoreName}`, reason: `the ${reader.step.keyword} at line ${reader.step.line + 1} ${reader.why}` };
        out.push(f);
        continue;
      }
      const patterns = [...items.map(([v]) => v.pattern), ...dockerfileLike.filter((p) => !needed.includes(p) && excludable(p))];
      // a new ignore file is itself part of the context (and busts COPY . . when edited) unless it ignores itself
      if (rc.ignoreText === null && !patterns.includes(rc.ignoreName)) patterns.push(rc.ignoreName);
      if (patterns.length) f.fix = { title: `Exclude ${patterns.join(', ')} in ${rc.ignoreName}`, edits: [ignoreEdit(rc, patterns)], effect: { ignore: { patterns, step: step.id } } };
      out.push(f);
    }
    return out;
  },
};

/** Appends patterns to the ignore file (creating it when missing). */
export function ignoreEdit(rc: RuleContext, patterns: string[], why = 'keep volatile files out of the build context'): TextEdit {
  const text = rc.ignoreText;
  if (text === null) return { file: 'dockerignore', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `# added by layerwise: ${why}\n` + patterns.join('\n') + '\n' };
  const lines = text.split('\n');
  const last = lines.length - 1;
  const pos = { line: last, character: lines[last]!.length };
  const lead = text.length === 0 || text.endsWith('\n') ? '' : '\n';
  return { file: 'dockerignore', range: { start: pos, end: pos }, newText: lead + patterns.join('\n') + '\n' };
}
