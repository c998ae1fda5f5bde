// Issue 13, the model's last gaps: platforms, moved sources, steps the builder does not run, and frontend syntax the
// Docker 20.10 builder here cannot run (COPY --parents, several --exclude, ADD --checksum / keep-git-dir of git
// sources). Expected statuses come from the oracle scenarios' real outcomes (platform/*, move/*, workdir/*, measured
// on dockerd 20.10.24) or, for the newer syntax, from the BuildKit sources cited in docs/buildkit-syntax-keys.md.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../server/src/engine';
import { parsePlatform, formatPlatform, parentsKey, isGitSource, remoteKeys } from '../../server/src/engine/model';
import { run, statuses, table } from './helpers';

function expect(e: ReturnType<typeof run>, want: string[], msg = ''): void {
  assert.deepEqual(statuses(e), want, msg + '\n' + table(e));
}

describe('platforms', () => {
  test('platform strings normalise like containerd (table in docs/buildkit-syntax-keys.md)', () => {
    const cases: [string, string][] = [
      ['linux/amd64', 'linux/amd64'],
      ['linux/x86_64', 'linux/amd64'],
      ['amd64', 'linux/amd64'],
      ['linux/aarch64', 'linux/arm64'],
      ['linux/arm64/v8', 'linux/arm64'],
      ['linux/arm', 'linux/arm/v7'],
      ['linux/armhf', 'linux/arm/v7'],
      ['linux/armel', 'linux/arm/v6'],
      ['linux/arm/6', 'linux/arm/v6'],
      ['linux/i386', 'linux/386'],
      ['Linux/AMD64', 'linux/amd64'],
    ];
    for (const [inp, want] of cases) assert.equal(formatPlatform(parsePlatform(inp)!), want, inp);
    assert.equal(parsePlatform('not a platform'), null);
  });

  test('automatic platform ARGs: TARGET* from --platform, BUILD* from the builder; only declared ones reach RUN env', () => {
    const m = analyze('FROM localbase\nARG TARGETARCH\nARG TARGETVARIANT\nARG BUILDARCH\nRUN true\nRUN echo $TARGETOS\n', {
      platform: 'linux/arm/v7',
      buildPlatform: 'linux/amd64',
    });
    const env = new Map(m.steps[0]!.env);
    assert.equal(env.get('TARGETARCH'), 'arm');
    assert.equal(env.get('TARGETVARIANT'), 'v7');
    assert.equal(env.get('BUILDARCH'), 'amd64');
    assert.equal(env.has('TARGETOS'), false, 'TARGETOS is not declared in the stage');
  });

  const flagged = (flag: string) => `FROM ${flag}localbase\nWORKDIR /app\nCOPY a.txt ./\nRUN cat a.txt > /copy\n`;
  const files = { 'a.txt': 'a' };
  test('oracle platform/add-buildplatform-flag: FROM --platform=$BUILDPLATFORM keeps every step cached', () =>
    expect(run({ dockerfile: flagged(''), after: flagged('--platform=$BUILDPLATFORM '), files }), ['C', 'C', 'C']));
  test('oracle platform/remove-targetplatform-flag', () =>
    expect(run({ dockerfile: flagged('--platform=$TARGETPLATFORM '), after: flagged(''), files }), ['C', 'C', 'C']));
  test('oracle platform/explicit-default-platform (also when spelled x86_64)', () => {
    expect(run({ dockerfile: flagged(''), after: flagged('--platform=linux/amd64 '), files }), ['C', 'C', 'C']);
    expect(run({ dockerfile: flagged(''), after: flagged('--platform=linux/x86_64 '), files }), ['C', 'C', 'C']);
  });
  test('another platform for an image base rebuilds the stage, with a platform reason', () => {
    const e = run({ dockerfile: flagged(''), after: flagged('--platform=linux/arm64 '), files });
    expect(e, ['R', 'R', 'R']);
    assert.ok(e.steps[0]!.reasons.some((r) => r.kind === 'platform'), table(e));
  });
  test('oracle platform/scratch-other-platform: file ops carry no platform in their key', () =>
    expect(
      run({ dockerfile: 'FROM scratch\nCOPY a.txt /a\n', after: 'FROM --platform=linux/arm64 scratch\nCOPY a.txt /a\n', files }),
      ['C'],
    ));
  test('oracle platform/cross-target-build: --platform linux/arm64 for a BUILDPLATFORM stage', () => {
    const df = 'FROM --platform=$BUILDPLATFORM localbase AS build\nRUN echo build > /b\nARG TARGETARCH\nRUN echo "arch=$TARGETARCH" > /arch\nFROM scratch\nCOPY a.txt /a\nCOPY --from=build /arch /arch\n';
    expect(run({ dockerfile: df, files, base: {}, cur: { platform: 'linux/arm64' } }), ['C', 'R', 'C', 'M']);
  });
  test('only the target platform changes: a COPY onto scratch hits, a RUN misses (ExecOp keys its platform)', () =>
    expect(run({ dockerfile: 'FROM scratch AS s\nCOPY a.txt /a\nFROM s\nRUN true\n', files, base: {}, cur: { platform: 'linux/arm64' } }), ['C', 'R']));
});

describe('moved COPY sources (measured: oracle move/*)', () => {
  const df = (src: string, dest: string) => `FROM localbase\nRUN echo first > /first\nCOPY ${src} ${dest}\nRUN ls -lR /d > /tree\n`;
  test('a file moved, same basename and bytes: cached', () =>
    expect(run({ dockerfile: df('a/x.txt', '/d/'), after: df('b/x.txt', '/d/'), files: { 'a/x.txt': 'x' }, change: (c) => c.remove('a/x.txt').addFile('b/x.txt', 'x') }), ['C', 'C', 'C']));
  test('a file renamed (other basename), same dest and bytes: rebuilt', () =>
    expect(run({ dockerfile: df('a/x.txt', '/d/x.txt'), after: df('a/y.txt', '/d/x.txt'), files: { 'a/x.txt': 'x' }, change: (c) => c.remove('a/x.txt').addFile('a/y.txt', 'x') }), ['C', 'R', 'R']));
  test('both paths present and unchanged, identical: cached; different: rebuilt with a moved-source reason', () => {
    expect(run({ dockerfile: df('a/x.txt', '/d/'), after: df('b/x.txt', '/d/'), files: { 'a/x.txt': 'x', 'b/x.txt': 'x' } }), ['C', 'C', 'C']);
    const e = run({ dockerfile: df('a/x.txt', '/d/'), after: df('b/x.txt', '/d/'), files: { 'a/x.txt': 'x', 'b/x.txt': 'y' } });
    expect(e, ['C', 'R', 'R']);
    assert.match(e.steps[1]!.reasons.map((r) => r.message).join('\n'), /source moved: a\/x\.txt → b\/x\.txt/);
  });
  test('a directory moved, same basename: cached; renamed: rebuilt', () => {
    const files = { 'a/lib/one.txt': '1', 'a/lib/sub/two.txt': '2' };
    expect(run({ dockerfile: df('a/lib', '/d/lib'), after: df('b/lib', '/d/lib'), files, change: (c) => c.remove('a/lib/one.txt').remove('a/lib/sub/two.txt').addFile('b/lib/one.txt', '1').addFile('b/lib/sub/two.txt', '2') }), ['C', 'C', 'C']);
    expect(run({ dockerfile: df('a/lib', '/d/lib'), after: df('a/lib2', '/d/lib'), files: { 'a/lib/one.txt': '1' }, change: (c) => c.remove('a/lib/one.txt').addFile('a/lib2/one.txt', '1') }), ['C', 'R', 'R']);
  });
  test('a directory moved onto one with another file inside: rebuilt', () =>
    expect(run({ dockerfile: df('a/lib', '/d/lib'), after: df('b/lib', '/d/lib'), files: { 'a/lib/one.txt': '1', 'b/lib/one.txt': '1', 'b/lib/extra.txt': 'e' } }), ['C', 'R', 'R']));
  test('a glob match renamed (same bytes, Dockerfile unchanged): rebuilt — matches are hashed with their basenames', () => {
    expect(run({ dockerfile: df('src/*.txt', '/d/'), files: { 'src/a.txt': 's', 'src/keep.txt': 'k' }, change: (c) => c.remove('src/a.txt').addFile('src/b.txt', 's') }), ['C', 'R', 'R']);
    expect(run({ dockerfile: df('src/*.txt', '/d/'), files: { 'src/a.txt': 's' }, change: (c) => c.remove('src/a.txt').addFile('src/b.txt', 's') }), ['C', 'R', 'R']);
  });
  test('a glob whose matches moved to another directory, same basenames: cached', () =>
    expect(run({ dockerfile: df('a/*.txt', '/d/'), after: df('b/*.txt', '/d/'), files: { 'a/one.txt': '1', 'a/two.txt': '2' }, change: (c) => c.remove('a/one.txt').remove('a/two.txt').addFile('b/one.txt', '1').addFile('b/two.txt', '2') }), ['C', 'C', 'C']));
  test('COPY --from another path of the same name: maybe (the stage\'s bytes decide); another name: rebuilt', () => {
    const from = (p: string) => `FROM localbase AS gen\nRUN mkdir -p /out/a /out/b\nFROM localbase\nRUN echo first > /first\nCOPY --from=gen ${p} /d/\nRUN ls -lR /d > /tree\n`;
    expect(run({ dockerfile: from('/out/a/x.txt'), after: from('/out/b/x.txt') }), ['C', 'C', 'M', 'M']);
    expect(run({ dockerfile: from('/out/a/x.txt'), after: from('/out/a/y.txt') }), ['C', 'C', 'R', 'R']);
  });
});

describe('steps the builder does not run', () => {
  test('WORKDIR / is no step: no op, no vertex (all versions); the RUN after it is keyed on cwd /', () => {
    for (const v of ['0.8', '0.12', undefined]) {
      const m = analyze('FROM localbase\nWORKDIR /app\nRUN a\nWORKDIR /\nRUN pwd\n', { buildkitVersion: v });
      assert.deepEqual(m.steps.map((s) => s.keyword), ['WORKDIR', 'RUN', 'RUN'], String(v));
      assert.equal(m.steps[2]!.workdir, '/');
      assert.ok(m.config.some((c) => c.keyword === 'WORKDIR' && c.affects === 'run-cwd'));
    }
  });
  test('WORKDIR /app/.. runs a mkdir before BuildKit 0.12 (compared as written), none from 0.12 (cleaned)', () => {
    const df = 'FROM localbase\nWORKDIR /app\nWORKDIR /app/..\nRUN pwd\n';
    assert.equal(analyze(df, { buildkitVersion: '0.8' }).steps.length, 3);
    assert.equal(analyze(df, { buildkitVersion: '0.12' }).steps.length, 2);
    // a relative path is joined (hence cleaned) on every version
    assert.equal(analyze('FROM localbase\nWORKDIR /app\nWORKDIR ..\nRUN pwd\n', { buildkitVersion: '0.8' }).steps.length, 2);
  });
  test('oracle workdir/root-added: adding WORKDIR / reruns only what follows, through its cwd', () => {
    const e = run({ dockerfile: 'FROM localbase\nWORKDIR /app\nRUN echo a > /a\nRUN pwd > /p\n', after: 'FROM localbase\nWORKDIR /app\nRUN echo a > /a\nWORKDIR /\nRUN pwd > /p\n', base: { buildkitVersion: '0.8' } });
    expect(e, ['C', 'C', 'R']);
    assert.ok(e.steps[2]!.reasons.some((r) => r.kind === 'workdir'), table(e));
  });
});

describe('newer frontend syntax, keyed from BuildKit sources (docs/buildkit-syntax-keys.md)', () => {
  test('COPY --parents keeps the path below the pivot in the key: a moved file rebuilds', () => {
    assert.equal(parentsKey('a/x.txt'), '/|a/x.txt');
    assert.equal(parentsKey('src/./pkg/x.go'), 'src|pkg/x.go');
    const df = (src: string) => `FROM localbase\nCOPY --parents ${src} /d/\nRUN ls -R /d\n`;
    expect(run({ dockerfile: df('a/x.txt'), after: df('b/x.txt'), files: { 'a/x.txt': 'x' }, change: (c) => c.remove('a/x.txt').addFile('b/x.txt', 'x') }), ['R', 'R']);
    // the pivot's own location is not in the key (its basename is): moving what is above it keeps the key
    expect(run({ dockerfile: df('x/src/./pkg/a.go'), after: df('y/src/./pkg/a.go'), files: { 'x/src/pkg/a.go': 'a' }, change: (c) => c.remove('x/src/pkg/a.go').addFile('y/src/pkg/a.go', 'a') }), ['C', 'C']);
    // without --parents the same move hits (basename + content)
    const plain = (src: string) => `FROM localbase\nCOPY ${src} /d/\nRUN ls -R /d\n`;
    expect(run({ dockerfile: plain('a/x.txt'), after: plain('b/x.txt'), files: { 'a/x.txt': 'x' }, change: (c) => c.remove('a/x.txt').addFile('b/x.txt', 'x') }), ['C', 'C']);
  });
  test('COPY --exclude given several times: every pattern excludes (edits to any excluded file hit)', () => {
    const df = 'FROM localbase\nCOPY --exclude=*.md --exclude=tests/ . /app\nRUN ls /app\n';
    const files = { 'a.go': 'a', 'README.md': 'r', 'tests/t.go': 't' };
    expect(run({ dockerfile: df, files, change: (c) => c.addFile('README.md', 'r2') }), ['C', 'C']);
    expect(run({ dockerfile: df, files, change: (c) => c.addFile('tests/t.go', 't2') }), ['C', 'C']);
    expect(run({ dockerfile: df, files, change: (c) => c.addFile('a.go', 'a2') }), ['R', 'R']);
    // the patterns are part of the copy action: adding one changes the key
    expect(run({ dockerfile: 'FROM localbase\nCOPY --exclude=*.md . /app\nRUN ls /app\n', after: df, files }), ['R', 'R']);
  });
  test('git sources: what identifies them', () => {
    assert.ok(isGitSource('https://github.com/moby/buildkit.git#v0.12.0'));
    assert.ok(isGitSource('git@github.com:moby/buildkit.git'));
    assert.ok(!isGitSource('https://example.com/file.tar.gz'));
    const sha = '0123456789abcdef0123456789abcdef01234567';
    assert.deepEqual(remoteKeys('https://github.com/a/b.git#main', { checksum: sha }), { identity: 'git:' + sha, content: 'git-tree' });
    assert.deepEqual(remoteKeys(`https://github.com/a/b.git#${sha}:sub`, { 'keep-git-dir': 'true' }).identity, `git:${sha}.git:sub`);
  });
  test('ADD --checksum=<commit> of a git URL: the commit is the key, not the URL or the ref name', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const other = 'fedcba9876543210fedcba9876543210fedcba98';
    const df = (url: string, c: string, keep = false) => `FROM localbase\nADD ${keep ? '--keep-git-dir=true ' : ''}--checksum=${c} ${url} /src\nRUN ls /src\n`;
    // another ref name or mirror, the same pinned commit: cached
    expect(run({ dockerfile: df('https://github.com/a/b.git#main', sha), after: df('https://mirror.example/a/b.git#v1', sha) }), ['C', 'C']);
    // another commit: the tree may be byte-identical (the copy is content-hashed): maybe
    expect(run({ dockerfile: df('https://github.com/a/b.git#main', sha), after: df('https://github.com/a/b.git#main', other) }), ['M', 'M']);
    // with keep-git-dir the .git directory differs between commits: rebuilt
    expect(run({ dockerfile: df('https://github.com/a/b.git#main', sha, true), after: df('https://github.com/a/b.git#main', other, true) }), ['R', 'R']);
    // turning keep-git-dir on adds .git to what is copied: rebuilt
    expect(run({ dockerfile: df('https://github.com/a/b.git#main', sha), after: df('https://github.com/a/b.git#main', sha, true) }), ['R', 'R']);
  });
  test('ADD --checksum of an HTTP source: the digest is the key', () => {
    const df = (url: string, d: string) => `FROM localbase\nADD --checksum=${d} ${url} /f.tgz\nRUN ls /\n`;
    const d1 = 'sha256:' + 'a'.repeat(64);
    expect(run({ dockerfile: df('https://a.example/f.tgz', d1), after: df('https://mirror.example/f.tgz', d1) }), ['C', 'C']);
    expect(run({ dockerfile: df('https://a.example/f.tgz', d1), after: df('https://a.example/f.tgz', 'sha256:' + 'b'.repeat(64)) }), ['R', 'R']);
  });
});

test('a stage built FROM another inherits its platform, also when the analysis is memoised', async () => {
  const { setIncrementalMinLines, clearAnalysisCaches } = await import('../../server/src/engine/model');
  setIncrementalMinLines(0);
  try {
    clearAnalysisCaches();
    const df = (p: string) => `FROM --platform=${p} localbase AS a\nRUN true\nFROM a\nRUN echo child\n`;
    analyze(df('linux/amd64'));
    const m = analyze(df('linux/arm64'));
    assert.equal(m.stages[1]!.platform, 'linux/arm64');
    assert.equal(m.steps[1]!.parts['platform'], 'linux/arm64');
  } finally {
    setIncrementalMinLines(200);
    clearAnalysisCaches();
  }
});

test('a change with the same size and mtime (ExplainInput.sameStat) is "maybe": a warm builder keeps the old bytes', async () => {
  const { explain, MemoryContext } = await import('../../server/src/engine');
  const base = new MemoryContext('base', { 'a.txt': 'aaaa', 'b.txt': 'bbbb' });
  const cur = base.clone('cur').addFile('a.txt', 'AAAA');
  const df = 'FROM localbase\nCOPY a.txt /a\nRUN cat /a\nCOPY b.txt /b\n';
  const e = explain({ current: { text: df, context: cur }, baseline: { text: df, context: base }, sameStat: ['a.txt', 'b.txt'] });
  assert.deepEqual(statuses(e), ['M', 'M', 'M'], table(e));
  assert.match(e.steps[0]!.reasons.map((r) => r.message).join('\n'), /same size and mtime/);
  // without it, the same change rebuilds
  assert.deepEqual(statuses(explain({ current: { text: df, context: cur }, baseline: { text: df, context: base } })), ['R', 'R', 'R']);
});
