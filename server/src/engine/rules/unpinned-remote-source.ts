// unpinned-remote-source: content fetched from the network by a RUN is never looked at by the cache (semantics §5.5):
// the cached layer keeps what the URL served when it was built, however the remote changes. ADD <url> is re-checked
// but without --checksum its content is not pinned either.
// Refs and URLs are judged as the shell sees them at run time: ARG defaults, build args and ENV are expanded first. A
// commit is pinned; a version-like tag is pinned by convention (a tag can be moved: said softly, as info); a branch or
// the default branch moves.
import { expandWord } from '../expand';
import type { Model, Step } from '../model';
import { runScript, type ShellCommand } from '../shell';
import type { Finding, Rule, RuleContext } from './types';
import { headRange, quoteInstr, stageSteps } from './util';

/** A URL that names a moving target: `latest`, `nightly`, a branch in a code host's raw/archive URL. */
function moving(url: string): boolean {
  if (/(^|[/._-])(latest|nightly|master|HEAD)([/._-]|$)/.test(url)) return true;
  return /(raw\.githubusercontent\.com\/[^/]+\/[^/]+|\/(raw|blob|archive|refs\/heads))\/(main|stable|develop|trunk)([/.]|$)/.test(url);
}

/** A URL pinned by a version, a commit id or a version variable. */
function pinned(url: string): boolean {
  return /\d+\.\d+/.test(url) || /[0-9a-f]{40}/.test(url) || /\$\{?[A-Za-z_]*(VERSION|VER|TAG|SHA|COMMIT|REV)\b/i.test(url);
}

/**
 * A word of a RUN as the shell sees it at run time: `$V`/`${V}` replaced from the step's env (ARG defaults, build args
 * and ENV in scope). Null when it names a variable with no value here (passed some other way: unknown).
 */
function resolve(word: string, step: Step): string | null {
  if (!word.includes('$')) return word;
  const env = new Map(step.env);
  const r = expandWord(word, env);
  return r.used.every((n) => env.has(n)) ? r.value : null;
}

type RefKind = 'commit' | 'version' | 'moving' | 'unknown';

/** How fixed a git ref is: a commit id, a version-like tag (pinned by convention, but movable), or a branch. */
function refKind(ref: string | null): RefKind {
  if (ref === null) return 'unknown';
  const r = ref.replace(/^refs\/tags\//, '').replace(/:.*$/, '');
  if (/^[0-9a-f]{7,40}$/.test(r) || /^refs\/changes\/\d+\/\d+\/\d+$/.test(r)) return 'commit'; // Gerrit patch sets never move
  if (/\d+\.\d+/.test(r) || /^v\d+$/.test(r)) return 'version';
  return 'moving';
}

const GIT_VALUE_FLAGS = new Set(['-b', '-B', '--branch', '--depth', '-o', '--origin', '-c', '--config', '-j', '--jobs']);

/** Positional words after a git subcommand (`git -C dir checkout -q <ref>` → [<ref>]), or null for another command. */
function gitArgs(c: ShellCommand, sub: string): string[] | null {
  const w = c.words;
  if ((w[0] ?? '').replace(/^.*\//, '') !== 'git') return null;
  let i = 1;
  while (i < w.length && w[i]!.startsWith('-')) i += w[i] === '-C' || w[i] === '-c' ? 2 : 1;
  if (w[i] !== sub) return null;
  const out: string[] = [];
  for (let j = i + 1; j < w.length; j++) {
    // `--` ends the flags: it and every word after it are positional (`git checkout -- file` names paths)
    if (w[j] === '--') {
      out.push(...w.slice(j));
      break;
    }
    if (w[j]!.startsWith('-')) {
      if (GIT_VALUE_FLAGS.has(w[j]!)) j++;
      continue;
    }
    out.push(w[j]!);
  }
  return out;
}

function flagValue(words: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (names.includes(w)) return words[i + 1];
    for (const n of names) if (n.startsWith('--') && w.startsWith(n + '=')) return w.slice(n.length + 1);
  }
  return undefined;
}

/**
 * Where a `git clone` ends up: a `git checkout`/`reset --hard`/`switch` after it (in its RUN or a later RUN of the
 * stage, before the next clone) wins over `--branch`; `checkout FETCH_HEAD` means the ref fetched last. Returns the ref
 * as resolved (null: a variable with no value here), or undefined for the default branch.
 */
function clonedRef(model: Model, step: Step, cmds: ShellCommand[], at: number): string | null | undefined {
  const clone = cmds[at]!;
  const branchWord = flagValue(clone.words, '--branch', '-b');
  let ref: string | null | undefined = branchWord === undefined ? undefined : resolve(branchWord, step);
  let fetched: string | null | undefined;
  const later: { step: Step; cmds: ShellCommand[] }[] = [{ step, cmds: cmds.slice(at + 1) }];
  for (const s of stageSteps(model, step.stage)) {
    if (s.line <= step.line || s.keyword !== 'RUN' || s.trigger) continue;
    const rs = runScript(s);
    if (rs) later.push({ step: s, cmds: rs.commands });
  }
  for (const { step: s, cmds: list } of later) {
    for (const c of list) {
      if (gitArgs(c, 'clone')) return ref;
      const f = gitArgs(c, 'fetch');
      if (f && f.length >= 2) fetched = resolve(f[f.length - 1]!, s);
      const co = gitArgs(c, 'checkout') ?? gitArgs(c, 'switch') ?? (c.words.includes('--hard') ? gitArgs(c, 'reset') : null);
      // `checkout .`, `checkout -- file` and `checkout <ref> -- file` restore files and leave HEAD where it is
      if (co && co[0] !== undefined && co[0] !== '.' && !co.includes('--')) {
        const r = resolve(co[0], s);
        ref = r === 'FETCH_HEAD' ? (fetched === undefined ? null : fetched) : r;
      }
    }
  }
  return ref;
}

const FULL_VERSION = /\b\d+\.\d+\.\d+\b/;

/**
 * An installer piped into an interpreter (`curl … | sh -s -- --default-toolchain 1.85.1`) whose arguments, or whose
 * `<TOOL>_VERSION` env named after the download's host (`POETRY_VERSION` for install.python-poetry.org), fix the full
 * version it installs: that version, else null.
 */
function installerPin(script: string, download: ShellCommand, step: Step, url: string): string | null {
  const pipe = /^[^;&|\n]*\|\s*(?:sudo\s+)?(?:env\s+)?(?:sh|bash|dash|zsh|python3?)\b([^;&|\n]*)/.exec(script.slice(download.start));
  if (!pipe) return null;
  const arg = FULL_VERSION.exec(pipe[1]!)?.[0];
  if (arg) return arg;
  const host = (/^https?:\/\/([^/]+)/.exec(url)?.[1] ?? '').toLowerCase();
  for (const [k, v] of step.env) {
    const m = /^([A-Z][A-Z0-9]*)_VERSION$/.exec(k);
    if (m && m[1]!.length >= 3 && host.includes(m[1]!.toLowerCase()) && FULL_VERSION.test(v)) return `${k}=${v}`;
  }
  return null;
}

/**
 * The finding for git content at `ref` (undefined: the default branch), or null when the ref is a commit or unknown:
 * a version tag is said softly (info), a branch is a warning.
 */
function gitRefFinding(rc: RuleContext, step: Step, ref: string | null | undefined, verb: string): Finding | null {
  const kind = ref === undefined ? 'moving' : refKind(ref);
  if (kind === 'commit' || kind === 'unknown') return null;
  const what = ref === undefined ? 'the default branch' : kind === 'version' ? `the tag \`${ref}\`` : `the branch \`${ref}\``;
  return {
    rule: 'unpinned-remote-source',
    severity: kind === 'version' ? 'info' : 'warning',
    range: headRange(rc, step),
    message:
      kind === 'version'
        ? `${quoteInstr(step)} ${verb} ${what}: pinned by convention, but a tag can be moved, and the cached layer would keep the old commit. Pin the commit to be exact.`
        : `${quoteInstr(step)} ${verb} ${what}: the cached layer keeps the commit it saw first, and a rebuild on another machine gets a different one. Use a tag (v1.2.3) or, better, a commit.`,
  };
}

export const unpinnedRemoteSource: Rule = {
  id: 'unpinned-remote-source',
  title: 'Remote download without a pinned version or checksum',
  defaultSeverity: 'warning',
  description:
    'RUN curl/wget/git clone fetch content the cache never checks: the cached layer keeps whatever was downloaded when it was built, while the remote moves on. ADD <url> without --checksum is not pinned either. Pin versions, verify checksums (ADD --checksum), or clone a commit. Refs pinned only by a version tag are reported as info.',
  check(rc) {
    const out: Finding[] = [];
    for (const step of rc.model.steps) {
      if (step.trigger) continue;
      if (step.keyword === 'ADD' && step.remote && !/(^|\s)--checksum=/.test(step.instruction)) {
        const git = /\.git(#|$)|^git@|^git:\/\//.test(step.remote);
        if (git) {
          const ref = /#([^:]+)/.exec(step.remote)?.[1];
          const f = gitRefFinding(rc, step, ref, `adds a git repository at`);
          if (f) out.push(f);
          continue;
        }
        // as expanded, or as written (`…/v$VERSION/…` with the version passed at build time)
        const written = step.instruction.split(/\s+/).find((w) => /^https?:\/\//.test(w)) ?? '';
        const versioned = !moving(step.remote) && (pinned(step.remote) || pinned(written));
        out.push({
          rule: this.id,
          severity: versioned ? 'info' : this.defaultSeverity,
          range: headRange(rc, step),
          message: versioned
            ? `${quoteInstr(step)} downloads a versioned URL without --checksum: pinned by its version as long as the server never replaces the file. Add --checksum=sha256:… to be sure of it.`
            : `${quoteInstr(step)} has no --checksum: whatever the server returns is copied, and a change on the server rebuilds this step and everything after it. Add --checksum=sha256:… to pin it.`,
        });
        continue;
      }
      if (step.keyword !== 'RUN') continue;
      const rs = runScript(step);
      if (!rs) continue;
      const verifies = rs.commands.some((c) => /sha(1|256|512)sum|gpg|cosign|minisign|md5sum/.test(c.words[0] ?? '') || c.words.includes('--checksum'));
      for (let ci = 0; ci < rs.commands.length; ci++) {
        const c = rs.commands[ci]!;
        const tool = (c.words[0] ?? '').replace(/^.*\//, '');
        if ((tool === 'curl' || tool === 'wget') && !verifies) {
          // the URL as the shell sees it; a URL built from a variable with no value here is judged as written
          const url = c.words.map((w) => resolve(w, step) ?? w).find((w) => /^https?:\/\//.test(w));
          if (!url) continue;
          if (/\.(asc|gpg|pub|key|sig)(\?|$)|\/keys?\/|gpgkey|pubkey/i.test(url)) continue; // signing keys: checked by fingerprint
          if (!moving(url) && pinned(url)) continue; // a versioned URL: content is (by convention) stable
          const installs = installerPin(rs.script, c, step, url);
          out.push({
            rule: this.id,
            severity: installs ? 'info' : this.defaultSeverity,
            range: headRange(rc, step),
            message: installs
              ? `${quoteInstr(step)} runs the installer ${url}, which is not pinned, but the version it installs is (\`${installs}\`): only changes to the installer itself reach a rebuild unnoticed. Pin or verify the installer to be exact.`
              : `${quoteInstr(step)} downloads ${url} without a pinned version or a checksum. The cache never re-checks a RUN's downloads: the cached layer keeps the old content while the remote changes, and any rebuild silently picks up the new one.`,
          });
          break;
        }
        if (gitArgs(c, 'clone')) {
          const f = gitRefFinding(rc, step, clonedRef(rc.model, step, rs.commands, ci), 'clones');
          if (!f) continue;
          out.push(f);
          break;
        }
      }
    }
    return out;
  },
};
