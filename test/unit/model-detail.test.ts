// Session 9, the model's survivors of the whole-file mutation run (test/README.md, "Mutation testing"; ids in
// test/mutation-equivalents.md): the order of a RUN's environment and `ARG toString` (two model bugs, measured on the
// shared builder, BuildKit 0.8 / Docker 20.10, `docker build --network=none`), flags that need a value, platform
// strings as containerd normalises them, git and HTTP sources of ADD.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type Model } from '../../server/src/engine';
import { isGitSource, normalizePlatform, remoteKeys } from '../../server/src/engine/model';
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
    ];
    for (const [inp, want] of cases) assert.equal(normalizePlatform(inp), want, inp);
  });
  test('text that is no platform is kept, trimmed and lowercased', () => assert.equal(normalizePlatform('  Not A Platform '), 'not a platform'));
});
