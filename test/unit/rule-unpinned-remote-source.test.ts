// unpinned-remote-source in detail: exact messages and severities for RUN downloads, installers whose version is
// pinned, git clones (the ref a later checkout lands on), ADD of URLs and git repositories. Written for the mutation
// run of the rule (test/mutation-equivalents.md); rules.test.ts has its broader cases. Every test name starts with the
// rule's id (`LAYERWISE_MUTATION_TESTS=unpinned-remote-source` runs these and the rule's other tests only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, RULES } from '../../server/src/engine';

const R = 'unpinned-remote-source';
const find = (text: string, opts?: Parameters<typeof check>[2]) => check(text, null, opts).findings.filter((f) => f.rule === R);
const brief = (text: string) => find(text).map((f) => [f.range.start.line, f.range.end.character, f.severity, f.message]);
/** severity of the one finding of a one-RUN Dockerfile (null: none) */
const sev = (body: string, head = 'FROM debian\n') => {
  const f = find(head + body + '\n');
  assert.ok(f.length <= 1, body);
  return f[0]?.severity ?? null;
};
const download = (run: string, url: string) => `\`${run}\` downloads ${url} without a pinned version or a checksum. The cache never re-checks a RUN's downloads: the cached layer keeps the old content while the remote changes, and any rebuild silently picks up the new one.`;
const moving = ' the cached layer keeps the commit it saw first, and a rebuild on another machine gets a different one. Use a tag (v1.2.3) or, better, a commit.';
const tag = ' pinned by convention, but a tag can be moved, and the cached layer would keep the old commit. Pin the commit to be exact.';

test('unpinned-remote-source: catalogue entry', () => {
  const r = RULES.find((x) => x.id === R)!;
  assert.deepEqual([r.title, r.defaultSeverity], ['Remote download without a pinned version or checksum', 'warning']);
  assert.match(r.description, /^RUN curl\/wget\/git clone fetch content the cache never checks/);
});

test('unpinned-remote-source: RUN downloads: the message, the URL as the shell sees it, one finding a RUN', () => {
  assert.deepEqual(brief('FROM debian\nRUN curl -fsSL https://example.com/install.sh | sh\n'), [[1, 50, 'warning', download('RUN curl -fsSL https://example.com/install.sh | sh', 'https://example.com/install.sh')]]);
  assert.deepEqual(brief('FROM debian\nRUN wget -q https://e.com/a && \\\n  curl -o b https://e.com/b\n'), [[1, 30, 'warning', download('RUN wget -q https://e.com/a &&   curl -o b https:…', 'https://e.com/a')]]);
  assert.deepEqual(brief('FROM debian\nARG U=https://e.com/tool.tgz\nRUN /usr/bin/curl -O "$U"\n').map((f) => f[3]), [download('RUN /usr/bin/curl -O "$U"', 'https://e.com/tool.tgz')]);
  // a variable with no value here: judged as written
  assert.deepEqual(brief('FROM debian\nARG V\nRUN curl -fsSL https://e.com/tool-$V.tgz\n').map((f) => f[3]), [download('RUN curl -fsSL https://e.com/tool-$V.tgz', 'https://e.com/tool-$V.tgz')]);
  // no URL, an ftp URL, an ONBUILD RUN: nothing
  assert.equal(sev('RUN curl --version'), null);
  assert.equal(sev('RUN curl ftp://e.com/x'), null);
  assert.equal(sev('ONBUILD RUN curl https://e.com/x'), null);
  assert.equal(sev('RUN echo https://e.com/x'), null);
});

test('unpinned-remote-source: pinned, moving and verified URLs', () => {
  for (const url of ['https://e.com/tool-1.2.tar.gz', 'https://e.com/0123456789abcdef0123456789abcdef01234567/x', 'https://e.com/${TOOL_VERSION}/x', 'https://e.com/$VER/x', 'https://e.com/x-${GIT_TAG}', 'https://e.com/$sha/x', 'https://e.com/x?commit=$COMMIT', 'https://e.com/$REV'])
    assert.equal(sev(`RUN curl -fsSL ${url}`), null, url);
  for (const url of ['https://e.com/latest/tool-1.2.tar.gz', 'https://e.com/tool-nightly-1.2.tgz', 'https://e.com/master/1.2/x', 'https://e.com/HEAD/1.2', 'https://e.com/tool_latest.1.2', 'https://e.com/x', 'https://e.com/v$VERSIONX/x'])
    assert.equal(sev(`RUN curl -fsSL ${url}`), 'warning', url);
  // a code host's branch in a raw or archive URL moves, whatever version-like digits follow
  for (const url of ['https://raw.githubusercontent.com/a/b/main/1.2/x.sh', 'https://github.com/a/b/archive/main.tar.gz', 'https://e.com/a/raw/stable/1.2', 'https://e.com/a/blob/develop/1.2', 'https://e.com/a/refs/heads/trunk/1.2'])
    assert.equal(sev(`RUN curl -fsSL ${url}`), 'warning', url);
  assert.equal(sev('RUN curl -fsSL https://e.com/a/raw/mainline/1.2'), null, 'a branch must be the whole segment');
  // a checksum or signature check anywhere in the RUN; signing keys themselves
  for (const check of ['sha256sum -c x', 'sha1sum -c x', 'sha512sum -c x', 'md5sum -c x', 'gpg --verify x', 'cosign verify x', 'minisign -V x', 'tool --checksum x'])
    assert.equal(sev(`RUN curl -o t https://e.com/t.tgz && ${check}`), null, check);
  for (const url of ['https://e.com/key.asc', 'https://e.com/k.gpg?x=1', 'https://e.com/a.pub', 'https://e.com/release.key', 'https://e.com/t.sig', 'https://e.com/keys/x', 'https://e.com/key/x', 'https://e.com/gpgkey', 'https://e.com/PUBKEY'])
    assert.equal(sev(`RUN curl -fsSL ${url}`), null, url);
  assert.equal(sev('RUN curl -fsSL https://e.com/keyring.tgz'), 'warning');
});

test('unpinned-remote-source: an installer piped into a shell whose arguments or env pin the version', () => {
  const pinned = (run: string, url: string, v: string) => `\`${run}\` runs the installer ${url}, which is not pinned, but the version it installs is (\`${v}\`): only changes to the installer itself reach a rebuild unnoticed. Pin or verify the installer to be exact.`;
  assert.deepEqual(brief('FROM debian\nRUN curl https://sh.rustup.rs | sh -s -- -y --default-toolchain 1.85.1\n'), [[1, 70, 'info', pinned('RUN curl https://sh.rustup.rs | sh -s -- -y --def…', 'https://sh.rustup.rs', '1.85.1')]]);
  assert.deepEqual(brief('FROM debian\nENV POETRY_VERSION=1.8.3\nRUN curl -sSL https://install.python-poetry.org | python3 -\n').map((f) => [f[2], f[3]]), [['info', pinned('RUN curl -sSL https://install.python-poetry.org |…', 'https://install.python-poetry.org', 'POETRY_VERSION=1.8.3')]]);
  for (const sh of ['bash', 'dash', 'zsh', 'python', 'sudo sh', 'env bash', 'sudo env sh'])
    assert.equal(sev(`RUN curl -fsSL https://e.com/i | ${sh} -s -- 2.3.4`), 'info', sh);
  // not a full version, not piped into a shell, the pipe after another command, a version of another tool
  assert.equal(sev('RUN curl https://sh.rustup.rs | sh -s -- --default-toolchain 1.85'), 'warning');
  assert.equal(sev('RUN curl -o i https://e.com/i 2.3.4'), 'warning');
  assert.equal(sev('RUN curl -o i https://e.com/i; echo x | sh -s 2.3.4'), 'warning');
  assert.equal(sev('RUN curl https://e.com/i | node - 2.3.4'), 'warning');
  assert.equal(sev('ENV POETRY_VERSION=1.8\nRUN curl -sSL https://install.python-poetry.org | python3 -'), 'warning', 'not a full version');
  assert.equal(sev('ENV UV_VERSION=1.8.3\nRUN curl -sSL https://install.python-poetry.org | python3 -'), 'warning', 'named after another host');
  assert.equal(sev('ENV PY_VERSION=1.8.3\nRUN curl -sSL https://py.example.org | python3 -'), 'warning', 'a name of fewer than three letters');
  assert.equal(sev('ENV POETRY_VERSION_X=1.8.3\nRUN curl -sSL https://install.python-poetry.org | python3 -'), 'warning');
  assert.equal(sev('ENV poetry_VERSION=1.8.3\nRUN curl -sSL https://install.python-poetry.org | python3 -'), 'warning');
});

test('unpinned-remote-source: git clone of the default branch, a branch, a tag, a commit', () => {
  assert.deepEqual(brief('FROM debian\nRUN git clone https://github.com/a/b\n'), [[1, 36, 'warning', '`RUN git clone https://github.com/a/b` clones the default branch:' + moving]]);
  assert.deepEqual(brief('FROM debian\nRUN git clone -b main https://github.com/a/b\n').map((f) => [f[2], f[3]]), [['warning', '`RUN git clone -b main https://github.com/a/b` clones the branch `main`:' + moving]]);
  assert.deepEqual(brief('FROM debian\nRUN git clone --branch v1.2.3 https://github.com/a/b\n').map((f) => [f[2], f[3]]), [['info', '`RUN git clone --branch v1.2.3 https://github.com/…` clones the tag `v1.2.3`:' + tag]]);
  assert.equal(sev('RUN git clone --branch=v2 https://github.com/a/b'), 'info');
  assert.equal(sev('RUN git clone --branch=refs/tags/v2 https://github.com/a/b'), 'info');
  assert.equal(sev('RUN git clone --branch=release https://github.com/a/b'), 'warning');
  assert.equal(sev('RUN git clone -b v2x https://github.com/a/b'), 'warning');
  assert.equal(sev('RUN git clone -b 1.2 https://github.com/a/b'), 'info');
  assert.equal(sev('RUN git clone -b 0123abc https://github.com/a/b'), null);
  assert.equal(sev('RUN git clone -b 0123ab https://github.com/a/b'), 'warning', 'six hex digits are not a commit id');
  assert.equal(sev('RUN git clone -b 0123456789abcdef0123456789abcdef01234567f https://github.com/a/b'), 'warning', '41 hex digits');
  assert.equal(sev('ARG REF\nRUN git clone -b $REF https://github.com/a/b'), null, 'a ref with no value here is unknown');
  assert.equal(sev('ARG REF=v1.0\nRUN git clone -b $REF https://github.com/a/b'), 'info');
  // git's own flags before the subcommand, and flags with values after it
  assert.equal(sev('RUN git -C /src -c x=y --no-pager clone --depth 1 -o up https://github.com/a/b'), 'warning');
  assert.equal(sev('RUN /usr/bin/git clone -j 4 --config a=b https://github.com/a/b'), 'warning');
  assert.equal(sev('RUN git --version'), null);
  assert.equal(sev('RUN gitx clone https://github.com/a/b'), null);
});

test('unpinned-remote-source: where a clone ends up (checkout, switch, reset --hard, FETCH_HEAD, later RUNs, the next clone)', () => {
  assert.equal(sev('RUN git clone https://github.com/a/b && cd b && git checkout 0123456789abcdef'), null);
  assert.equal(sev('RUN git clone -b main https://github.com/a/b && git -C b checkout -q 0123abcd'), null);
  assert.equal(sev('RUN git clone https://github.com/a/b && git switch v1.2'), 'info');
  assert.equal(sev('RUN git clone https://github.com/a/b && git reset --hard 0123abcd'), null);
  assert.equal(sev('RUN git clone https://github.com/a/b && git reset 0123abcd'), 'warning', 'a soft reset leaves the files');
  assert.equal(sev('RUN git clone -b 0123abcd https://github.com/a/b && git checkout .'), null, '`checkout .` keeps the ref');
  // restoring files does not move HEAD (`checkout -- x` was read as a checkout of the branch `x`)
  assert.equal(sev('RUN git clone -b 0123abcd https://github.com/a/b && git checkout -- x'), null);
  assert.equal(sev('RUN git clone -b 0123abcd https://github.com/a/b && git checkout main -- x'), null);
  assert.equal(sev('RUN git clone https://github.com/a/b && git fetch origin -- v1.2 && git checkout FETCH_HEAD'), 'info');
  assert.equal(sev('RUN git clone -b 0123abcd https://github.com/a/b && git checkout'), null);
  assert.equal(sev('RUN git clone https://github.com/a/b && git -C b fetch origin refs/changes/1/2/3 && git -C b checkout FETCH_HEAD'), null, 'a Gerrit change never moves');
  assert.equal(sev('RUN git clone https://github.com/a/b && git fetch origin main && git checkout FETCH_HEAD'), 'warning');
  assert.equal(sev('RUN git clone https://github.com/a/b && git fetch origin && git checkout FETCH_HEAD'), null, 'what was fetched is unknown');
  assert.equal(sev('ARG C=0123abcd\nRUN git clone https://github.com/a/b && git checkout $C'), null);
  // a later RUN of the stage
  assert.deepEqual(brief('FROM debian\nRUN git clone https://github.com/a/b\nRUN cd b && git checkout v2\n').map((f) => [f[0], f[2], f[3]]), [[1, 'info', '`RUN git clone https://github.com/a/b` clones the tag `v2`:' + tag]]);
  assert.equal(sev('RUN git clone https://github.com/a/b\nONBUILD RUN git checkout 0123abcd'), 'warning');
  assert.equal(sev('RUN git clone https://github.com/a/b\nFROM debian\nRUN git checkout 0123abcd'), 'warning', 'another stage');
  // the next clone ends the search; a checkout before the clone does not count
  assert.equal(sev('RUN git checkout 0123abcd && git clone https://github.com/a/b'), 'warning');
  assert.deepEqual(find('FROM debian\nRUN git clone https://github.com/a/b && git clone https://github.com/c/d && git checkout 0123abcd\n').map((f) => f.severity), ['warning']);
  assert.deepEqual(find('FROM debian\nRUN git clone https://github.com/a/b\nRUN git clone https://github.com/c/d\nRUN git checkout 0123abcd\n').map((f) => f.range.start.line), [1]);
});

test('unpinned-remote-source: ADD of a URL or a git repository', () => {
  assert.deepEqual(brief('FROM debian\nADD https://example.com/x.tgz /x\n'), [[1, 32, 'warning', '`ADD https://example.com/x.tgz /x` has no --checksum: whatever the server returns is copied, and a change on the server rebuilds this step and everything after it. Add --checksum=sha256:… to pin it.']]);
  assert.deepEqual(brief('FROM debian\nADD https://example.com/x-1.2.tgz /x\n'), [[1, 36, 'info', '`ADD https://example.com/x-1.2.tgz /x` downloads a versioned URL without --checksum: pinned by its version as long as the server never replaces the file. Add --checksum=sha256:… to be sure of it.']]);
  assert.equal(sev('ADD https://example.com/latest-1.2.tgz /x'), 'warning');
  assert.equal(sev('ARG V\nADD https://e.com/v${VERSION}/x.tgz /x'), 'info', 'versioned as written, the version passed at build time');
  assert.equal(sev('ADD --checksum=sha256:abc https://example.com/x.tgz /x'), null);
  assert.equal(sev('ADD --chown=1 https://example.com/x.tgz /x'), 'warning');
  assert.equal(sev('ONBUILD ADD https://example.com/x.tgz /x'), null);
  assert.equal(sev('ADD x.tgz /x'), null);
  assert.deepEqual(brief('FROM debian\nADD https://github.com/a/b.git#main /src\n').map((f) => [f[2], f[3]]), [['warning', '`ADD https://github.com/a/b.git#main /src` adds a git repository at the branch `main`:' + moving]]);
  assert.deepEqual(brief('FROM debian\nADD https://github.com/a/b.git /src\n').map((f) => [f[2], f[3]]), [['warning', '`ADD https://github.com/a/b.git /src` adds a git repository at the default branch:' + moving]]);
  assert.deepEqual(brief('FROM debian\nADD git@github.com:a/b.git#v1.2.3 /src\n').map((f) => [f[2], f[3]]), [['info', '`ADD git@github.com:a/b.git#v1.2.3 /src` adds a git repository at the tag `v1.2.3`:' + tag]]);
  assert.equal(sev('ADD https://github.com/a/b.git#0123456789abcdef:sub /src'), null);
  assert.equal(sev('ADD git://example.com/b#v1.2:sub /src'), 'info');
  assert.equal(sev('ADD https://example.com/b.gitx /src'), 'warning', 'not a git URL: a download without --checksum');
  assert.equal(sev('ADD https://example.com/b.git-1.2 /src'), 'info');
});

test('unpinned-remote-source: the survivors of the first mutation run (flags with values, versions, anchors, one bad RUN)', () => {
  // git flags that take a value: their value is not a positional word (a fetch of one word fetched an unknown ref)
  for (const flag of ['-b', '-B', '--branch', '--depth', '-o', '--origin', '-c', '--config', '-j', '--jobs'])
    assert.equal(sev(`RUN git clone https://github.com/a/b && git fetch ${flag} v origin && git checkout FETCH_HEAD`), null, flag);
  assert.equal(sev('RUN git clone https://github.com/a/b && git checkout -B x 0123abcd'), null);
  // "latest" at the end of the URL, with a version elsewhere; a version ref at its word boundaries
  assert.equal(sev('RUN curl -fsSL https://e.com/v1.2/latest'), 'warning');
  assert.equal(sev('RUN curl -fsSL https://raw.githubusercontent.com/owner/repo/main/1.2/x.sh'), 'warning');
  assert.equal(sev('RUN curl -fsSL https://e.com/v1.2/archive/main'), 'warning');
  assert.equal(sev('RUN git clone -b rev2 https://github.com/a/b'), 'warning');
  assert.equal(sev('RUN git clone -b v12 https://github.com/a/b'), 'info');
  assert.equal(sev('RUN git clone https://github.com/a/b && git fetch origin refs/changes/12/1234/56 && git checkout FETCH_HEAD'), null);
  // two variables in a URL, one without a value: judged as written (no URL)
  assert.equal(sev('ARG A=https://e.com\nRUN curl $A/$B'), null);
  // a full version: several digits at each end; the pipe without blanks, blanks after sudo/env
  assert.equal(sev('RUN curl https://sh.rustup.rs | sh -s -- --default-toolchain 11.2.3'), 'info');
  assert.equal(sev('RUN curl https://sh.rustup.rs | sh -s -- --default-toolchain 1.2.34'), 'info');
  assert.equal(sev('RUN curl https://e.com/i |sh -s -- 1.2.3'), 'info');
  assert.equal(sev('RUN curl https://e.com/i | sudo  sh -s -- 1.2.3'), 'info');
  assert.equal(sev('RUN curl https://e.com/i | env  sh -s -- 1.2.3'), 'info');
  // the installer's version env: an http URL, a name that only ends in <TOOL>_VERSION, a three-letter tool
  assert.equal(sev('ENV POETRY_VERSION=1.8.3\nRUN curl -sSL http://install.python-poetry.org | python3 -'), 'info');
  assert.equal(sev('ENV my_POETRY_VERSION=1.8.3\nRUN curl -sSL https://install.python-poetry.org | python3 -'), 'warning');
  assert.equal(sev('ENV BUN_VERSION=1.1.0\nRUN curl -fsSL https://bun.sh/install | bash'), 'info');
  // URLs: http too, a word that only contains a URL is not one, ADD as written over http
  assert.equal(sev('RUN curl http://e.com/x'), 'warning');
  assert.equal(sev('RUN curl -d x=https://e.com/a https://e.com/v1.2/x'), null);
  assert.equal(sev('ARG VERSION\nADD http://e.com/v${VERSION}/x.tgz /x'), 'info');
  // a RUN the rule cannot read through (no ref, a bare checkout, flags to the end) does not take the others' findings with it
  for (const run of ['ARG REF\nRUN git clone -b $REF https://github.com/a/b', 'RUN git clone -b 0123abcd https://github.com/a/b && git checkout', 'RUN git --version'])
    assert.deepEqual(find(`FROM debian\n${run}\nRUN curl https://e.com/x\n`).map((f) => f.severity), ['warning'], run);
});

test('unpinned-remote-source: an installer pinned by its arguments after a command before the download', () => {
  assert.equal(sev('RUN cd /tmp && curl https://sh.rustup.rs | sh -s -- -y --default-toolchain 1.85.1'), 'info');
});
