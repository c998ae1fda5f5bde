// unpinned-remote-source: content fetched from the network by a RUN is never looked at by the cache (semantics §5.5):
// the cached layer keeps what the URL served when it was built, however the remote changes. ADD <url> is re-checked
// but without --checksum its content is not pinned either.
import { runScript } from '../shell';
import type { Finding, Rule } from './types';
import { headRange, quoteInstr } from './util';

/** A URL that names a moving target: `latest`, `nightly`, a branch in a code host's raw/archive URL. */
function moving(url: string): boolean {
  if (/(^|[/._-])(latest|nightly|master|HEAD)([/._-]|$)/.test(url)) return true;
  return /(raw\.githubusercontent\.com\/[^/]+\/[^/]+|\/(raw|blob|archive|refs\/heads))\/(main|stable|develop|trunk)([/.]|$)/.test(url);
}

/** A URL pinned by a version, a commit id or a version variable. */
function pinned(url: string): boolean {
  return /\d+\.\d+/.test(url) || /[0-9a-f]{40}/.test(url) || /\$\{?[A-Za-z_]*(VERSION|VER|TAG|SHA|COMMIT|REV)\b/i.test(url);
}

export const unpinnedRemoteSource: Rule = {
  id: 'unpinned-remote-source',
  title: 'Remote download without a pinned version or checksum',
  defaultSeverity: 'warning',
  description:
    'RUN curl/wget/git clone fetch content the cache never checks: the cached layer keeps whatever was downloaded when it was built, while the remote moves on. ADD <url> without --checksum is not pinned either. Pin versions, verify checksums (ADD --checksum), or clone a commit.',
  check(rc) {
    const out: Finding[] = [];
    for (const step of rc.model.steps) {
      if (step.trigger) continue;
      if (step.keyword === 'ADD' && step.remote && !/(^|\s)--checksum=/.test(step.instruction)) {
        const git = /\.git(#|$)|^git@|^git:\/\//.test(step.remote);
        if (git && /#[0-9a-f]{40}$/.test(step.remote)) continue;
        out.push({
          rule: this.id,
          severity: this.defaultSeverity,
          range: headRange(rc, step),
          message: git
            ? `${quoteInstr(step)} adds a git repository at a moving ref: pin a commit (\`#<sha>\`) so the layer is reproducible.`
            : `${quoteInstr(step)} has no --checksum: whatever the server returns is copied, and a change on the server rebuilds this step and everything after it. Add --checksum=sha256:… to pin it.`,
        });
        continue;
      }
      if (step.keyword !== 'RUN') continue;
      const rs = runScript(step);
      if (!rs) continue;
      const verifies = rs.commands.some((c) => /sha(1|256|512)sum|gpg|cosign|minisign|md5sum/.test(c.words[0] ?? '') || c.words.includes('--checksum'));
      for (const c of rs.commands) {
        const tool = (c.words[0] ?? '').replace(/^.*\//, '');
        if ((tool === 'curl' || tool === 'wget') && !verifies) {
          const url = c.words.find((w) => /^https?:\/\//.test(w));
          if (!url) continue;
          if (/\.(asc|gpg|pub|key|sig)(\?|$)|\/keys?\/|gpgkey|pubkey/i.test(url)) continue; // signing keys: checked by fingerprint
          if (!moving(url) && pinned(url)) continue; // a versioned URL: content is (by convention) stable
          out.push({
            rule: this.id,
            severity: this.defaultSeverity,
            range: headRange(rc, step),
            message: `${quoteInstr(step)} downloads ${url} without a pinned version or a checksum. The cache never re-checks a RUN's downloads: the cached layer keeps the old content while the remote changes, and any rebuild silently picks up the new one.`,
          });
          break;
        }
        if (tool === 'git' && c.words[1] === 'clone') {
          // any explicit checkout/reset chooses a ref (a commit, a tag, a variable the build passes)
          const checkedOut = rs.commands.some((d) => d.words[0] === 'git' && d.words.some((w) => w === 'checkout' || w === 'reset' || w === 'switch'));
          const bi = Math.max(c.words.indexOf('--branch'), c.words.indexOf('-b'));
          const branch = bi >= 0 ? c.words[bi + 1] : undefined;
          const tagLike = branch !== undefined && (/\d+\.\d+/.test(branch) || /^\$/.test(branch));
          if (checkedOut || tagLike) continue;
          out.push({
            rule: this.id,
            severity: this.defaultSeverity,
            range: headRange(rc, step),
            message: `${quoteInstr(step)} clones a moving branch: the cached layer keeps the commit it saw first, and a rebuild on another machine gets a different one. Clone a tag (--branch v1.2.3) or check out a commit.`,
          });
          break;
        }
      }
    }
    return out;
  },
};
