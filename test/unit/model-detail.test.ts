// Session 9, the model's survivors of the whole-file mutation run (test/README.md, "Mutation testing"; ids in
// test/mutation-equivalents.md): the order of a RUN's environment and `ARG toString` (two model bugs, measured on the
// shared builder, BuildKit 0.8 / Docker 20.10, `docker build --network=none`), flags that need a value, platform
// strings as containerd normalises them, git and HTTP sources of ADD. Session 12 (at the end): the budget's progress
// text, heredoc names that start with a digit or a dot (a bug), a three-word FROM without AS.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type Model } from '../../server/src/engine';
import { isGitSource, normalizePlatform, remoteKeys, setIncrementalMinLines } from '../../server/src/engine/model';
import { BudgetExceeded, withBudget } from '../../server/src/engine/budget';
import { run, statuses, table } from './helpers';

const problems = (m: Model) => m.problems.map((p) => [p.line, p.severity, p.message]);
function expect(e: ReturnType<typeof run>, want: string[], msg = ''): void {
  assert.deepEqual(statuses(e), want, msg + '\n' + table(e));
}

describe('the order of a RUN\'s environment is in its key (measured, BuildKit 0.8)', () => {
  // the ExecOp's env is a list in the order the variables were last set (llb EnvList: AddOrReplace deletes and
  // appends); measured: `ENV A=1 B=2` → `ENV B=2 A=1` reruns the RUN; ENV A, ENV B, ENV A again equals ENV B, ENV A
  const df = (env: string) => `FROM localbase\n${env}RUN echo x > /x\n`;
  test('the same variables set in another order: the RUN reruns', () => {
    const e = run({ dockerfile: df('ENV A=1 B=2\n'), after: df('ENV B=2 A=1\n') });
    expect(e, ['R']);
    assert.match(e.steps[0]!.reasons.map((r) => r.message).join('\n'), /order/);
  });
  test('setting a variable again moves it last: ENV A, ENV B, ENV A reruns after ENV A, ENV B; equals ENV B, ENV A', () => {
    expect(run({ dockerfile: df('ENV A=1\nENV B=2\n'), after: df('ENV A=1\nENV B=2\nENV A=1\n') }), ['R']);
    expect(run({ dockerfile: df('ENV B=2\nENV A=1\n'), after: df('ENV A=1\nENV B=2\nENV A=1\n') }), ['C']);
  });
  test('an ARG and an ENV swapped: the RUN reruns', () =>
    expect(run({ dockerfile: df('ARG V=1\nENV E=1\n'), after: df('ENV E=1\nARG V=1\n') }), ['R']));
  test('step.env itself stays sorted by name (what hovers list)', () =>
    assert.deepEqual(analyze(df('ENV B=2 A=1\n')).steps[0]!.env, [['A', '1'], ['B', '2']]));
});

describe('ARG names that are Object.prototype members (bug: `name in AUTO_ARGS`)', () => {
  test('ARG toString / constructor without a value adds nothing to the env; adding it keeps the RUN cached', () => {
    const m = analyze('FROM localbase\nARG toString\nARG constructor\nARG __proto__\nRUN echo $toString\n');
    assert.deepEqual(m.steps[0]!.env, []);
    assert.equal(m.steps[0]!.envSources.size, 0);
    expect(run({ dockerfile: 'FROM localbase\nRUN echo x\n', after: 'FROM localbase\nARG toString\nRUN echo x\n' }), ['C']);
  });
});

describe('COPY/ADD flags that take a value, written without one (measured: "Missing a value on flag")', () => {
  test('each value flag is a problem, and the step reads nothing from the context', () => {
    for (const f of ['chown', 'chmod', 'from', 'exclude', 'checksum', 'platform']) {
      const m = analyze(`FROM localbase\nADD --${f} a.txt /b.txt\n`);
      assert.deepEqual(problems(m), [[1, 'error', `--${f} needs a value (\`--${f}=…\`): BuildKit stops with "Missing a value on flag: ${f}"`]], f);
      assert.deepEqual(m.steps[0]!.contextReads, [], f);
    }
  });
  test('a switch (--link, --parents, --keep-git-dir) is no problem, and the sources are read', () => {
    const m = analyze('FROM localbase\nCOPY --link a.txt /b.txt\n');
    assert.deepEqual(problems(m), []);
    assert.deepEqual(m.steps[0]!.contextReads, [{ via: 'COPY', sources: ['a.txt'], excludes: [] }]);
  });
});

describe('platform strings as containerd normalises them (platforms.Parse + Normalize)', () => {
  test('the variants of amd64, arm64 and arm; a lone OS; macos', () => {
    const cases: [string, string][] = [
      ['windows', 'windows/amd64'],
      ['macos/arm64', 'darwin/arm64'],
      ['linux/amd64/v1', 'linux/amd64'],
      ['linux/amd64/v2', 'linux/amd64/v2'],
      ['linux/arm64/8', 'linux/arm64'],
      ['linux/arm64/v8.0', 'linux/arm64'],
      ['linux/arm64/9', 'linux/arm64/v9'],
      ['linux/arm64/9.0', 'linux/arm64/v9'],
      ['linux/arm64/v9.0', 'linux/arm64/v9'],
      ['linux/arm64/v9', 'linux/arm64/v9'],
      ['linux/arm/7', 'linux/arm/v7'],
      ['linux/arm/5', 'linux/arm/v5'],
      ['linux/arm/8', 'linux/arm/v8'],
      ['linux/arm/15', 'linux/arm/15'],
      ['linux/arm/51', 'linux/arm/51'],
      ['linux/x86-64', 'linux/amd64'],
      [' linux/x86_64 ', 'linux/amd64'],
      // not an architecture: an OS on the default architecture (containerd refuses an unknown OS; the model keeps it)
      ['xamd64', 'xamd64/amd64'],
      ['arm64x', 'arm64x/amd64'],
    ];
    for (const [inp, want] of cases) assert.equal(normalizePlatform(inp), want, inp);
  });
  test('text that is no platform is kept, trimmed and lowercased', () => assert.equal(normalizePlatform('  Not A Platform '), 'not a platform'));
  test('four parts, or a part with a space, is no platform', () => {
    assert.equal(normalizePlatform('linux/arm/v7/x'), 'linux/arm/v7/x');
    assert.equal(normalizePlatform('linux/a b'), 'linux/a b');
    assert.equal(normalizePlatform('linux/x86_64/a b'), 'linux/x86_64/a b');
  });
  test('the builder\'s platform gives BUILD*, a wrong one falls back to linux/amd64', () => {
    const env = (bp: string) => new Map(analyze('FROM localbase\nARG BUILDARCH\nRUN true\n', { buildPlatform: bp }).steps[0]!.env).get('BUILDARCH');
    assert.deepEqual([env('linux/arm64'), env('not a platform')], ['arm64', 'amd64']);
  });
});

describe('a RUN flag without the value it takes (a gap: the model reported only --mount)', () => {
  test('a RUN flag that takes a value, written without one, is a problem naming it; an unknown switch stays a flag', () => {
    for (const f of ['network', 'security', 'device']) {
      const m = analyze(`FROM localbase\nRUN --${f} true\n`);
      assert.deepEqual(problems(m), [[1, 'error', `--${f} needs a value (\`--${f}=…\`): BuildKit stops with "Missing a value on flag: ${f}"`]], f);
    }
    // unknown flags are not reported (newer frontends add some), and stay in the key as written
    const m = analyze('FROM localbase\nRUN --foo --network=none true\n');
    assert.deepEqual([problems(m), m.steps[0]!.parts['flags']], [[], '--foo --network=none']);
  });
  test('a cache mount with `from` reads the stage as a cache, a bind as a bind', () => {
    const m = analyze('FROM localbase AS b\nFROM localbase\nRUN --mount=type=cache,from=b,target=/c --mount=from=b,target=/d true\n');
    assert.deepEqual(m.steps[0]!.stageReads.map((r) => [r.via, r.stage, r.image]), [['cache', 0, undefined], ['bind', 0, undefined]]);
  });
});

describe('RUN flags, mounts, COPY flags', () => {
  test('a RUN expands nothing itself (the shell does): no variables used', () =>
    assert.deepEqual(analyze('FROM localbase\nARG V=1\nRUN echo $V\n').steps[0]!.varsUsed, []));
  test('an ssh mount without a target keys no secret path', () =>
    assert.equal(analyze('FROM localbase\nRUN --mount=type=ssh true\n').steps[0]!.parts['mounts'], 'type=ssh'));
  test('several --exclude in the flags, space-joined; an empty one is no pattern (patternmatcher skips it)', () => {
    const [c, d] = analyze('FROM localbase\nCOPY --exclude=a --exclude=b . /x\nCOPY --exclude= . /y\n').steps;
    assert.equal(c!.parts['flags'], 'exclude=a b');
    assert.deepEqual(d!.contextReads, [{ via: 'COPY', sources: [''], excludes: [] }]);
  });
  test('a source named like a heredoc of the same COPY is a source; a COPY of a remote-looking path keys its basename', () => {
    assert.deepEqual(analyze('FROM localbase\nCOPY <<A A /d/\nx\nA\n').steps[0]!.sources, ['A']);
    assert.deepEqual(analyze('FROM localbase\nCOPY <<"A" /d/\nx\nA\n').steps[0]!.sources, []);
    // only ADD fetches: for COPY `git@h:r` is a file of the context
    assert.equal(analyze('FROM localbase\nCOPY git@h:r /x\n').steps[0]!.parts['srcs'], 'git@h:r');
  });
  test('--parents=false is no --parents: the key keeps the basename', () => {
    const [a, b] = analyze('FROM localbase\nCOPY --parents=false a/b.txt /d/\nCOPY --parents a/b.txt /d/\n').steps;
    assert.deepEqual([a!.parts['srcs'], b!.parts['srcs']], ['b.txt', '/|a/b.txt']);
  });
  test('FROM: a valueless flag other than --platform is no platform problem', () =>
    assert.deepEqual(problems(analyze('FROM --foo localbase\n')), []));
  test('a global ARG without a value keeps an automatic ARG\'s value for FROM', () =>
    assert.deepEqual(analyze('ARG TARGETARCH\nFROM img-$TARGETARCH\n', { platform: 'linux/arm64' }).stages[0]!.base, { kind: 'image', ref: 'img-arm64' }));
  test('COPY --from numbers at the edges of Go\'s int64: in range an index (out of the stages: invalid), past it a name', () => {
    const p = (n: string) => problems(analyze(`FROM localbase\nCOPY --from=${n} /a /b\n`)).map((x) => x[2]);
    const invalid = (n: string) => [`\`--from=${n}\` is not a stage of this file: BuildKit stops with "invalid stage index ${n}"`];
    assert.deepEqual(p('9223372036854775807'), invalid('9223372036854775807'));
    assert.deepEqual(p('-9223372036854775808'), invalid('-9223372036854775808'));
    assert.deepEqual(p('9223372036854775808'), []);
    assert.deepEqual(p('-9223372036854775809'), []);
  });
});

test('memoised stages: a changed global ARG default is seen by the stage that declares it', (t) => {
  setIncrementalMinLines(0);
  t.after(() => setIncrementalMinLines(200));
  const env = (v: string) => analyze(`ARG V=${v}\nFROM localbase\nARG V\nRUN echo\n`).steps[0]!.env;
  assert.deepEqual(env('1'), [['V', '1']]);
  assert.deepEqual(env('2'), [['V', '2']]);
});

describe('ADD of git and HTTP sources: what identifies them', () => {
  const h40 = 'a'.repeat(40);
  const h64 = 'b'.repeat(64);
  test('git sources by shape', () => {
    for (const g of ['git@github.com:o/r.git', 'git://h/r', 'ssh://git@h/r', 'me@host.example:repo', 'http://h/r.git', 'https://h/r.git', 'https://h/r.git#main', 'https://h/r.git/']) assert.equal(isGitSource(g), true, g);
    for (const n of ['https://e.com/get?from=git@x', 'https://user@host:8080/file.tgz', 'https://h/r.github.io/f.tgz', 'https://e.com/a.tgz']) assert.equal(isGitSource(n), false, n);
  });
  test('a git source: the URL with its shape, or the commit when pinned (40 or 64 hex digits, exactly)', () => {
    assert.deepEqual(remoteKeys('https://h/r.git', {}), { identity: 'git-url:https://h/r.git', content: 'git-tree' });
    assert.deepEqual(remoteKeys('https://h/r.git#main:sub', { 'keep-git-dir': 'true' }), { identity: 'git-url:https://h/r.git#main:sub.git:sub', content: 'git-url:https://h/r.git#main:sub.git:sub' });
    assert.deepEqual(remoteKeys('https://h/r.git', { 'keep-git-dir': 'false' }), { identity: 'git-url:https://h/r.git', content: 'git-tree' });
    assert.deepEqual(remoteKeys('https://h/r.git#main', { checksum: 'v1' }), { identity: 'git-url:https://h/r.git#main', content: 'git-tree' });
    assert.deepEqual(remoteKeys('https://h/r.git', { checksum: h64.toUpperCase() }), { identity: 'git:' + h64, content: 'git-tree' });
    assert.deepEqual(remoteKeys('https://h/r.git#' + h64, {}), { identity: 'git:' + h64, content: 'git-tree' });
    assert.deepEqual(remoteKeys('https://h/r.git#' + h40, { 'keep-git-dir': 'true' }), { identity: 'git:' + h40 + '.git', content: 'git:' + h40 + '.git' });
    for (const c of ['x' + h40, h40 + 'x', h40 + 'a']) {
      assert.equal(remoteKeys('https://h/r.git', { checksum: c }).identity, 'git-url:https://h/r.git', c);
      assert.equal(remoteKeys('https://h/r.git#' + c, {}).identity, 'git-url:https://h/r.git#' + c, c);
    }
  });
  test('an HTTP source: its checksum, else its URL', () => {
    assert.deepEqual(remoteKeys('https://e.com/a.tgz', { checksum: 'sha256:' + h64 }), { identity: 'http:sha256:' + h64, content: 'http:sha256:' + h64 });
    assert.deepEqual(remoteKeys('https://e.com/a.tgz', {}), { identity: 'url:https://e.com/a.tgz', content: 'url:https://e.com/a.tgz' });
  });
  test('the copy\'s source name: "/" of a checkout, the URL\'s basename, "__unnamed__"; keep-git-dir not in the copy\'s flags', () => {
    const m = analyze('FROM localbase\nADD https://e.com/a/b.tgz?x=1 /d/\nADD https://e.com/ /d/\nADD --keep-git-dir https://h/r.git /d/\n');
    assert.deepEqual(m.steps.map((s) => [s.parts['srcs'], s.parts['flags']]), [['b.tgz', ''], ['__unnamed__', ''], ['/', '']]);
  });
});

// Session 12: survivors of the whole-file run on the current model.ts (ids in test/mutation-equivalents.md)
describe('session 12: what the model says when it runs out of time, heredoc names, stage names', () => {
  test('an analysis over its time budget stops between stages and says how many of the file\'s stages it built', () => {
    // three FROMs among eight instructions: the progress counts stages, not instructions
    const text = 'ARG A=1\nFROM localbase AS one\nRUN echo 1\nFROM localbase AS two\nRUN echo 2\nCOPY a b\nFROM one\nRUN echo 3\n';
    const real = Date.now;
    let calls = 0;
    // the budget starts at 0 and the clock passes it before the third stage (withBudget reads it once, each stage once)
    Date.now = () => (calls++ < 3 ? 0 : 10_000);
    let thrown: unknown;
    try {
      withBudget(1000, () => analyze(text));
    } catch (e) {
      thrown = e;
    } finally {
      Date.now = real;
    }
    assert.ok(thrown instanceof BudgetExceeded, String(thrown));
    assert.equal(thrown.progress, '2 of 3 stages');
    assert.equal(thrown.message, 'too large to analyse within 1 s: abandoned after 2 of 3 stages');
  });
  test('a heredoc whose name starts with a digit or a dot is a heredoc (BuildKit takes any one word, moby/buildkit#2213)', () => {
    // bug: the model took `<<1.txt` for a context source (copy-source-missing: "does not exist in the build context")
    // and ran `RUN <<1A`'s whole text, not its body
    const copy = analyze('FROM localbase\nCOPY <<1.txt <<.env /d/\nx\n1.txt\nK=V\n.env\n').steps[0]!;
    assert.deepEqual([copy.sources, copy.contextReads], [[], []]);
    assert.equal(analyze('FROM localbase\nRUN <<1A\necho hi > /f\n1A\n').steps[0]!.script, 'echo hi > /f');
  });
  test('a FROM with three words but no AS names no stage for a COPY --from further down either', () => {
    const m = analyze('FROM localbase x y\nFROM localbase\nCOPY --from=y /a /b\n');
    assert.deepEqual(m.steps[0]!.stageReads, [{ via: 'COPY', stage: null, image: 'y', paths: ['/a'] }]);
    assert.deepEqual(problems(m), [[0, 'error', 'FROM takes an image and optionally `AS name`']]);
  });
});
