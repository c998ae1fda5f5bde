// The model's details one by one (engine/model.ts): what each instruction puts into a step's key material, the
// problems and config entries it reports, stage references, mounts, paths and builder versions. Written against
// the mutants StrykerJS found alive (test/README.md, "Mutation testing"); the cache behaviour they lead to is
// measured in semantics.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, type Model } from '../../server/src/engine';
import { isRemoteSource, parseMount, PROXY_ARGS, resolvePath, versionAtLeast } from '../../server/src/engine/model';
import { expandWord, splitFields } from '../../server/src/engine/expand';

const steps = (m: Model) => m.steps.map((s) => s.instruction);
const problems = (m: Model) => m.problems.map((p) => [p.line, p.severity, p.message]);

describe('problems and config entries', () => {
  test('instructions before the first FROM: ARG is a global arg, others are errors naming why', () => {
    const m = analyze('ARG A=1\nRUN echo x\nBOGUS y\nFROM alpine\n');
    assert.deepEqual(problems(m), [
      [1, 'error', 'RUN before the first FROM: only ARG may come before FROM'],
      [2, 'error', 'unknown instruction: BOGUS (BuildKit stops with a parse error)'],
    ]);
    assert.deepEqual(m.config.map((c) => [c.keyword, c.stage, c.line, c.affects, c.instruction]), [['ARG', null, 0, 'global-arg', 'ARG A=1']]);
    assert.deepEqual([...m.globalArgs], [['A', '1']]);
  });
  test('a global ARG without a value is declared but has none; a build arg gives it one', () => {
    assert.deepEqual([...analyze('ARG A\nARG B=${A}x\nFROM alpine\n').globalArgs], [['A', undefined], ['B', 'x']]);
    assert.deepEqual([...analyze('ARG A\nARG B=${A}x\nFROM alpine\n', { buildArgs: { A: 'a' } }).globalArgs], [['A', 'a'], ['B', 'ax']]);
    assert.equal(analyze('ARG V=3.19\nFROM alpine:${V}\n').stages[0]!.base.ref, 'alpine:3.19');
  });
  test('no FROM at all', () => {
    assert.deepEqual(problems(analyze('# c\nRUN x\n')), [
      [1, 'error', 'RUN before the first FROM: only ARG may come before FROM'],
      [1, 'error', 'no FROM instruction: a Dockerfile needs at least one build stage'],
    ]);
    assert.deepEqual(analyze('').problems, []);
    assert.deepEqual(analyze('ARG A\n').problems.map((p) => p.message), ['no FROM instruction: a Dockerfile needs at least one build stage']);
  });
  test('FROM with a bad form or without an image', () => {
    assert.deepEqual(problems(analyze('FROM alpine base\n')), [[0, 'error', 'FROM takes an image and optionally `AS name`']]);
    assert.deepEqual(problems(analyze('FROM alpine AS\n')), [[0, 'error', 'FROM takes an image and optionally `AS name`']]);
    assert.deepEqual(analyze('FROM --platform=linux/arm64\n').problems.map((p) => p.message), ['FROM requires an image name']);
    assert.deepEqual(analyze('FROM alpine AS Base\n').stages[0]!.name, 'base');
    assert.deepEqual(analyze('FROM alpine as b\n').stages[0]!.name, 'b');
  });
  test('unknown instructions and SHELL in shell form are problems; config-only instructions are config', () => {
    const m = analyze('FROM alpine\nFOO bar\nSHELL /bin/bash -c\nLABEL a=1\nEXPOSE 80\nCMD x\nENTRYPOINT y\nHEALTHCHECK NONE\nSTOPSIGNAL 9\nVOLUME /v\nMAINTAINER me\nENV E=1\nARG A\nUSER u\nSHELL ["/bin/bash", "-c"]\nONBUILD RUN x\n');
    assert.deepEqual(problems(m), [
      [1, 'error', 'unknown instruction: FOO (BuildKit stops with a parse error)'],
      [2, 'error', 'SHELL requires the arguments in JSON form, e.g. SHELL ["/bin/bash", "-c"]'],
    ]);
    assert.deepEqual(
      m.config.map((c) => [c.keyword, c.stage, c.line, c.affects]),
      [
        ['SHELL', 0, 2, 'run-shell'],
        ...['LABEL', 'EXPOSE', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'STOPSIGNAL', 'VOLUME', 'MAINTAINER'].map((k, i) => [k, 0, 3 + i, 'none']),
        ['ENV', 0, 11, 'run-env'],
        ['ARG', 0, 12, 'run-env'],
        ['USER', 0, 13, 'run-user'],
        ['SHELL', 0, 14, 'run-shell'],
        ['ONBUILD', 0, 15, 'onbuild'],
      ],
    );
    assert.equal(m.config[1]!.instruction, 'LABEL a=1');
    assert.deepEqual(m.stages[0]!.shellAtEnd, ['/bin/bash', '-c']);
    assert.deepEqual(m.stages[0]!.triggers.map((t) => t.keyword), ['RUN']);
  });
  test('the instruction text shown is its first line, keyword upper-cased', () => {
    const m = analyze('from alpine\nrun echo a \\\n  b\ncopy <<EOF /x\nbody\nEOF\n');
    assert.deepEqual(steps(m), ['RUN echo a   b', 'COPY <<EOF /x']);
  });
  test('triggers are not config of the child; they are steps of it', () => {
    const m = analyze('FROM alpine AS p\nONBUILD ENV T=1\nONBUILD RUN echo $T\nFROM p\nRUN echo child\n');
    assert.deepEqual(m.config.map((c) => [c.keyword, c.stage]), [['ONBUILD', 0], ['ONBUILD', 0]]);
    const trig = m.steps.filter((s) => s.trigger);
    assert.deepEqual(trig.map((s) => [s.instruction, s.stage, s.trigger]), [['RUN echo $T', 1, { fromStage: 0, line: 3 }]]);
    assert.deepEqual(m.steps[1]!.env, [['T', '1']], 'the ENV trigger ran in the child first');
  });
});

describe('stages: bases, references, target', () => {
  test('bases: image (with platform), scratch, earlier stage by name; names are case-insensitive', () => {
    const m = analyze('FROM --platform=linux/arm64 alpine AS A\nFROM scratch\nFROM a AS c\nFROM SCRATCH AS d\nFROM img@sha256:x\n');
    assert.deepEqual(m.stages.map((s) => s.base), [
      { kind: 'image', ref: 'alpine' },
      { kind: 'scratch', ref: 'scratch' },
      { kind: 'stage', stage: 0, ref: 'a' },
      { kind: 'scratch', ref: 'scratch' },
      { kind: 'image', ref: 'img@sha256:x' },
    ]);
    // the platform is the stage's (it keys the base image and the RUNs), no longer written into the ref
    assert.deepEqual(m.stages.map((s) => s.platform), ['linux/arm64', 'linux/amd64', 'linux/arm64', 'linux/amd64', 'linux/amd64']);
    assert.equal(m.stages[0]!.name, 'a');
    assert.equal(m.stages[1]!.name, null);
    assert.equal(m.target, 4);
  });
  test('COPY --from and RUN --mount from: by name, by index, or an image', () => {
    const m = analyze('FROM alpine AS b\nRUN echo b\nFROM alpine\nCOPY --from=0 /a /a\nCOPY --from=B /b /b\nCOPY --from=7 /c /c\nCOPY --from=nginx:1 /d /d\nRUN --mount=type=bind,from=b,source=/s,target=/t true\nRUN --mount=type=cache,from=b,target=/c true\nRUN --mount=type=bind,from=busybox,target=/t true\n');
    const reads = m.steps.filter((s) => s.stage === 1).map((s) => s.stageReads);
    assert.deepEqual(reads, [
      [{ via: 'COPY', stage: 0, image: undefined, paths: ['/a'] }],
      [{ via: 'COPY', stage: 0, image: undefined, paths: ['/b'] }],
      // no stage 7: BuildKit stops (a problem), nothing is read
      [],
      [{ via: 'COPY', stage: null, image: 'nginx:1', paths: ['/d'] }],
      [{ via: 'bind', stage: 0, image: undefined, paths: ['/s'] }],
      [{ via: 'cache', stage: 0, image: undefined, paths: ['/'] }],
      [{ via: 'bind', stage: null, image: 'busybox', paths: ['/'] }],
    ]);
    assert.deepEqual(m.stages[1]!.deps, [0]);
    assert.deepEqual(problems(m), [[5, 'error', '`--from=7` is not a stage of this file: BuildKit stops with "invalid stage index 7"']]);
    assert.deepEqual(m.steps.filter((s) => s.stage === 1).map((s) => s.contextReads), [[], [], [], [], [], [], []]);
  });
  test('target: by name (case-insensitive), its dependencies needed, an unknown target needs nothing', () => {
    const text = 'FROM alpine AS a\nRUN echo a\nFROM alpine AS b\nCOPY --from=a /x /x\nFROM b AS c\nFROM alpine AS d\n';
    const need = (m: Model) => m.stages.map((s) => s.needed);
    assert.deepEqual(need(analyze(text)), [false, false, false, true]);
    const c = analyze(text, { target: 'C' });
    assert.equal(c.target, 2);
    assert.deepEqual(need(c), [true, true, true, false]);
    const x = analyze(text, { target: 'nope' });
    assert.equal(x.target, -1);
    assert.deepEqual(need(x), [false, false, false, false]);
    assert.equal(analyze('').target, -1);
  });
  test('a stage built FROM another inherits its ENV and ARG values, WORKDIR, USER and SHELL', () => {
    const m = analyze('FROM alpine AS p\nENV A=1\nARG B=2\nWORKDIR /w\nUSER u\nSHELL ["/bin/bash", "-c"]\nFROM p\nRUN echo\n');
    const run = m.steps[m.steps.length - 1]!;
    // the parent's state carries its ARG values too (BuildKit's AddEnv on the stage state)
    assert.deepEqual(run.env, [['A', '1'], ['B', '2']]);
    assert.deepEqual(run.envSources.get('B'), { kind: 'inherited', line: 0, value: '2' });
    assert.deepEqual([run.workdir, run.user, run.shell], ['/w', 'u', ['/bin/bash', '-c']]);
    assert.deepEqual(run.envSources.get('A'), { kind: 'inherited', line: 0, value: '1' });
    assert.deepEqual(m.stages[0]!.envAtEnd, new Map([['A', '1']]));
    assert.deepEqual(m.stages[0]!.keyEnvAtEnd, new Map([['A', '1'], ['B', '2']]));
    assert.deepEqual([m.stages[1]!.userAtEnd, m.stages[1]!.workdirAtEnd], ['u', '/w']);
    const fresh = analyze('FROM alpine\nRUN echo\n');
    assert.deepEqual([fresh.steps[0]!.workdir, fresh.steps[0]!.user, fresh.steps[0]!.shell], ['/', '', ['/bin/sh', '-c']]);
    assert.deepEqual([fresh.stages[0]!.userAtEnd, fresh.stages[0]!.workdirAtEnd, fresh.stages[0]!.shellAtEnd], ['', '/', ['/bin/sh', '-c']]);
  });
});

describe('ARG and ENV', () => {
  test('ARG values: build arg, default, global, automatic platform args; env sorted by name, the key in the order set', () => {
    const m = analyze('ARG G=glob\nFROM alpine\nARG Z=z A\nARG G\nARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT\nARG NOTHING\nRUN echo\n', { buildArgs: { A: 'a' } });
    assert.deepEqual(m.steps[0]!.env, [
      ['A', 'a'], ['BUILDARCH', 'amd64'], ['BUILDOS', 'linux'], ['BUILDPLATFORM', 'linux/amd64'], ['BUILDVARIANT', ''], ['G', 'glob'],
      ['TARGETARCH', 'amd64'], ['TARGETOS', 'linux'], ['TARGETPLATFORM', 'linux/amd64'], ['TARGETVARIANT', ''], ['Z', 'z'],
    ]);
    assert.deepEqual(m.steps[0]!.envSources.get('Z'), { kind: 'arg', line: 2, value: 'z' });
    // the key lists them in the order they were set (the ExecOp's env; measured: model-detail.test.ts)
    assert.equal(m.steps[0]!.parts['env'], ['Z', 'A', 'G', 'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT'].map((k) => `${k}=${new Map(m.steps[0]!.env).get(k)}`).join('\n'));
  });
  test('every proxy arg (both cases) is expanded but kept out of the env', () => {
    const names = ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((a) => [a, a.toLowerCase()]);
    assert.deepEqual([...PROXY_ARGS].sort(), [...names].sort());
    const m = analyze(`FROM alpine\nARG ${names.join(' ')}\nWORKDIR /$http_proxy\nRUN echo\n`, { buildArgs: Object.fromEntries(names.map((n) => [n, 'p'])) });
    assert.deepEqual(m.steps[1]!.env, []);
    assert.equal(m.steps[0]!.workdir, '/p');
  });
  test('ENV: legacy form, several pairs expanded against the env before the line, sources', () => {
    const m = analyze('FROM alpine\nENV A 1 2\nENV B=$A C=${B}x =skip\nRUN echo\n');
    assert.deepEqual(m.steps[0]!.env, [['A', '1 2'], ['B', '1 2'], ['C', 'x']]);
    assert.deepEqual(m.steps[0]!.envSources.get('B'), { kind: 'env', line: 2, value: '1 2' });
    assert.deepEqual(analyze('FROM alpine\nENV\nRUN echo\n').steps[0]!.env, []);
  });
});

describe('steps: key material', () => {
  test('RUN: argv with the shell, JSON form, heredoc scripts, other flags sorted', () => {
    const m = analyze('FROM alpine\nRUN --security=insecure --network=none echo a\nRUN ["ls", "-l"]\nRUN <<EOF\necho h\nEOF\nRUN cat <<EOF > /x\nbody\nEOF\n');
    const [a, b, c, d] = m.steps;
    assert.deepEqual([a!.parts['cmd'], a!.parts['flags'], a!.script, a!.argv], ['["/bin/sh","-c","echo a"]', '--network=none --security=insecure', 'echo a', undefined]);
    assert.deepEqual([b!.parts['cmd'], b!.argv, b!.script], ['["ls","-l"]', ['ls', '-l'], undefined]);
    assert.deepEqual([c!.script, c!.parts['cmd']], ['echo h', '["/bin/sh","-c","<<EOF\\necho h\\nEOF"]']);
    assert.equal(d!.script, 'cat <<EOF > /x\nbody\nEOF');
    assert.deepEqual([a!.parts['kind'], a!.parts['cwd'], a!.parts['user'], a!.parts['mounts']], ['RUN', '/', '', '']);
  });
  test('RUN --mount: bind reads the context; options normalised; cache id and sharing in the key before 0.13 only; secret target defaulted', () => {
    const text = 'FROM alpine\nRUN --mount=type=bind,src=a.txt,dst=/a --mount=type=cache,target=/c,id=x,sharing=locked --mount=type=secret,id=s --mount=target=/b,destination=/d,readonly true\n';
    const step = analyze(text).steps[0]!;
    assert.deepEqual(step.contextReads, [{ via: 'bind', sources: ['a.txt'], excludes: [] }, { via: 'bind', sources: [''], excludes: [] }]);
    assert.deepEqual(step.mounts[0], { type: 'bind', options: { type: 'bind', source: 'a.txt', target: '/a' }, target: '/a', source: 'a.txt' });
    assert.equal(step.parts['mounts'], 'source=a.txt,target=/a,type=bind;target=/c,type=cache;id=s,target=/run/secrets/s,type=secret;readonly=true,target=/d');
    assert.equal(analyze(text, { buildkitVersion: '0.12' }).steps[0]!.parts['mounts'], 'source=a.txt,target=/a,type=bind;id=x,sharing=locked,target=/c,type=cache;id=s,target=/run/secrets/s,type=secret;readonly=true,target=/d');
    assert.equal(analyze('FROM alpine\nRUN --mount=type=secret,id=s,target=/t true\n').steps[0]!.parts['mounts'], 'id=s,target=/t,type=secret');
    assert.equal(analyze('FROM alpine\nRUN --mount=type=secret true\n').steps[0]!.parts['mounts'], 'target=/run/secrets/,type=secret');
  });
  test('parseMount', () => {
    assert.deepEqual(parseMount(''), { type: 'bind', options: {} });
    assert.deepEqual(parseMount('type=cache,,ID=a, from = b ,Source=/s,dst=/t'), { type: 'cache', options: { type: 'cache', id: 'a', from: 'b', source: '/s', target: '/t' }, target: '/t', source: '/s', from: 'b', id: 'a' });
    assert.deepEqual(parseMount('rw'), { type: 'bind', options: { rw: 'true' } });
  });
  test('COPY/ADD: sources, destination against WORKDIR, flags sorted, --exclude, heredocs, URLs', () => {
    const m = analyze('FROM alpine\nWORKDIR /app\nCOPY --chown=1:1 --chmod=644 a b sub/\nCOPY --exclude=*.md ./docs/ .\nCOPY ["x y", "/abs"]\nADD https://e.com/a.tgz git@github.com:o/r.git local.txt ../up/\nCOPY <<EOF <<"TWO" /dst\none\nEOF\ntwo\nTWO\nCOPY only\n');
    const [, c1, c2, c3, add, here, only] = m.steps;
    assert.deepEqual([c1!.parts['srcs'], c1!.parts['dest'], c1!.parts['flags']], ['a\nb', '/app/sub/', 'chmod=644 chown=1:1']);
    assert.deepEqual(c1!.contextReads, [{ via: 'COPY', sources: ['a', 'b'], excludes: [] }]);
    assert.deepEqual([c2!.parts['dest'], c2!.contextReads], ['/app', [{ via: 'COPY', sources: ['docs'], excludes: ['*.md'] }]]);
    assert.deepEqual([c3!.parts['srcs'], c3!.parts['dest']], ['x y', '/abs']);
    assert.deepEqual([add!.remote, add!.contextReads, add!.parts['dest']], ['git@github.com:o/r.git', [{ via: 'ADD', sources: ['local.txt'], excludes: [] }], '/up/']);
    assert.deepEqual([here!.parts['srcs'], here!.parts['heredocs'], here!.contextReads], ['', 'EOF:one\nTWO:two', []]);
    assert.deepEqual([only!.parts['srcs'], only!.parts['dest']], ['', '/app']);
    assert.deepEqual(analyze('FROM alpine\nARG D=/d\nCOPY a $D\n').steps[0]!.varsUsed, ['D']);
    assert.equal(analyze('FROM alpine\nCOPY --link a /b\n').steps[0]!.parts['flags'], 'link=true');
  });
  test('isRemoteSource', () => {
    for (const s of ['https://a/b', 'HTTP://a', 'git://h/r', 'ssh://h/r', 'git@github.com:o/r', 'user@host.io:repo']) assert.ok(isRemoteSource(s), s);
    for (const s of ['a.txt', 'dir/', 'x@y', 'ftp://a', 'xhttps://a', 'mygit@h:r/x'.replace('mygit@h:r/x', 'a/git@h:r')]) assert.ok(!isRemoteSource(s), s);
  });
  test('WORKDIR: resolved, expanded, the user in its key from BuildKit 0.9, SOURCE_DATE_EPOCH from 0.22', () => {
    const text = 'FROM alpine\nUSER bob\nARG D=x\nWORKDIR a/./b/../c\nWORKDIR $D\n';
    const m = analyze(text, { buildArgs: { SOURCE_DATE_EPOCH: '5' } });
    assert.deepEqual(m.steps.map((s) => [s.workdir, s.varsUsed]), [['/a/c', []], ['/a/c/x', ['D']]]);
    assert.deepEqual(m.steps[0]!.parts, { kind: 'WORKDIR', path: '/a/c', user: 'bob', sde: '5' });
    assert.deepEqual(analyze(text, { buildkitVersion: '0.8', buildArgs: { SOURCE_DATE_EPOCH: '5' } }).steps[0]!.parts, { kind: 'WORKDIR', path: '/a/c' });
    assert.deepEqual(analyze(text, { buildkitVersion: '0.21', buildArgs: { SOURCE_DATE_EPOCH: '5' } }).steps[0]!.parts, { kind: 'WORKDIR', path: '/a/c', user: 'bob' });
    assert.deepEqual(analyze(text).steps[0]!.parts, { kind: 'WORKDIR', path: '/a/c', user: 'bob' });
  });
  test('steps start empty: a COPY has no env, mounts or variables; a RUN\'s op is its parts', () => {
    const [copy, runStep] = analyze('FROM alpine\nENV E=1\nCOPY a /a\nRUN echo\n').steps;
    assert.deepEqual([copy!.env, copy!.mounts, copy!.varsUsed, copy!.stageReads, copy!.envSources.size, copy!.heredoc], [[], [], [], [], 0, undefined]);
    assert.equal(runStep!.op, Object.entries(runStep!.parts).map(([k, v]) => `${k}=${v}`).join('\u0000'));
    assert.equal(runStep!.parent, copy!.id);
    assert.equal(copy!.parent, null);
  });
  test('resolvePath and versionAtLeast', () => {
    assert.equal(resolvePath('/', 'a'), '/a');
    assert.equal(resolvePath('/w/', 'a/'), '/w/a');
    assert.equal(resolvePath('/w', '../../x/./y'), '/x/y');
    assert.equal(resolvePath('/w', '/abs//p'), '/abs/p');
    assert.equal(resolvePath('/w', ''), '/w');
    for (const [v, want, r] of [[undefined, '0.9', true], ['', '0.9', true], ['latest', '0.9', true], ['0.9', '0.9', true], ['v0.10', '0.9', true], ['0.8', '0.9', false], ['0.8.9', '0.9', false], ['1', '0.13', true], ['0.13.1', '0.13', true], ['0.12.99', '0.13', false], ['x.y', '0.1', false], ['0', '0.9', false], ['2', '0.9', true]] as const)
      assert.equal(versionAtLeast(v, want), r, `${v} >= ${want}`);
  });
});

// The survivors of the model's mutation run of 2026-12-01 (test/mutation-equivalents.md) that were not equivalent.
// The parse errors were measured on BuildKit 0.8 (Docker 20.10): the model used to take these lines in silently.
describe('survivors of the mutation run', () => {
  test('every known instruction before the first FROM is named as such; only unknown ones are "unknown"', () => {
    for (const kw of ['COPY a /b', 'ADD a /b', 'WORKDIR /x', 'ENV A=1', 'USER u', 'SHELL ["/bin/sh"]', 'ONBUILD RUN x', 'RUN x', 'LABEL a=b', 'CMD x', 'EXPOSE 80']) {
      const k = kw.split(' ')[0]!;
      assert.deepEqual(problems(analyze(`${kw}\nFROM alpine\n`)), [[0, 'error', `${k} before the first FROM: only ARG may come before FROM`]], kw);
    }
  });
  test('versionAtLeast with a leading v and bare majors', () => {
    for (const [v, want, r] of [['v1', '0.9', true], ['v0.8', '0.9', false], ['V1', '0.9', false], ['0.10', '0.9', true], ['1', '1.0', true], ['0', '0.9', false]] as const)
      assert.equal(versionAtLeast(v, want), r, `${v} >= ${want}`);
  });
  test('numeric stage references: a Go integer is an index, out of range it stops BuildKit; the stage itself is circular', () => {
    // measured on BuildKit 0.8: `--from=+0` and `--from=00` copy from stage 0, `--from=7` / `--from=-1` stop with
    // "invalid stage index", a number past 64 bits is a name (an image)
    const text = 'FROM alpine\nFROM alpine AS b\nCOPY --from=1a1 /a /a\nCOPY --from=0x /a /a\nCOPY --from=0 /a /a\nCOPY --from=+0 /a /a\nCOPY --from=00 /a /a\nCOPY --from=99999999999999999999 /a /a\n';
    const m = analyze(text);
    assert.deepEqual(m.steps.map((s) => [s.stageReads[0]!.stage, s.stageReads[0]!.image]), [[null, '1a1'], [null, '0x'], [0, undefined], [0, undefined], [0, undefined], [null, '99999999999999999999']]);
    assert.deepEqual(problems(m), []);
    const invalid = analyze('FROM alpine\nFROM alpine AS b\nCOPY --from=2 /a /a\nCOPY --from=-1 /a /a\nCOPY --from=+007 /a /a\n');
    assert.deepEqual(problems(invalid), [
      [2, 'error', '`--from=2` is not a stage of this file: BuildKit stops with "invalid stage index 2"'],
      [3, 'error', '`--from=-1` is not a stage of this file: BuildKit stops with "invalid stage index -1"'],
      [4, 'error', '`--from=+007` is not a stage of this file: BuildKit stops with "invalid stage index 7"'],
    ]);
    assert.deepEqual(invalid.steps.map((s) => s.stageReads), [[], [], []]);
    // eleven stages: --from=10 in the last one is the stage itself, in a twelfth it is the eleventh
    const eleven = Array.from({ length: 11 }, (_, i) => `FROM alpine AS s${i}\n`).join('');
    assert.deepEqual(problems(analyze(eleven + 'COPY --from=10 /a /a\n')), [[11, 'error', 'a stage cannot read from itself: BuildKit stops with "circular dependency detected on stage: s10"']]);
    const twelve = analyze(eleven + 'FROM alpine\nCOPY --from=10 /a /a\n');
    assert.deepEqual([twelve.steps[0]!.stageReads[0]!.stage, twelve.problems], [10, []]);
    assert.deepEqual(problems(analyze('FROM alpine\nCOPY --from=0 /a /a\n')), [[1, 'error', 'a stage cannot read from itself: BuildKit stops with "circular dependency detected on stage: stage-0"']]);
    assert.deepEqual(problems(analyze('FROM alpine AS a\nRUN --mount=from=a,target=/t true\nRUN --mount=type=cache,from=A,target=/c true\n')).map((p) => p[0]), [1, 2]);
  });
  test('COPY --from and mount from resolve against every stage, the last of a name winning; a later stage is read before its steps', () => {
    // measured on BuildKit 0.8: a later stage is read as its base image (or empty: scratch or a stage base), its steps
    // are not built for that read; a duplicate name means its last stage, even a later one; a mount's numeric from
    // is an image; FROM sees only earlier stages
    const later = (what: string, label: string, seen: string) =>
      `${what} names ${label}, a stage defined further down: BuildKit reads it before its steps run, so this ${seen}, not what ${label} builds (measured on BuildKit 0.8). Move ${label} above this stage.`;
    const m = analyze('FROM alpine AS a\nCOPY --from=b /x /x\nCOPY --from=2 /y /y\nRUN --mount=from=b,target=/m true\nFROM debian:12 AS b\nRUN echo b > /x\nFROM scratch\nCOPY --from=a /x /x\n');
    assert.deepEqual(problems(m), [
      [1, 'warning', later('`--from=b`', 'b', 'reads its base image `debian:12`')],
      [2, 'warning', later('`--from=2`', 'stage 2', 'sees an empty filesystem')],
      [3, 'warning', later('`from=b`', 'b', 'reads its base image `debian:12`')],
    ]);
    assert.deepEqual(m.steps.slice(0, 3).map((s) => s.stageReads.map((r) => [r.stage, r.image])), [[[null, 'debian:12']], [[null, 'scratch']], [[null, 'debian:12']]]);
    // what stage b builds is not needed for those reads (the target is the last stage, built from a)
    assert.deepEqual(m.stages.map((s) => s.needed), [true, false, true]);
    const base = analyze('FROM alpine AS a\nFROM alpine AS m\nCOPY --from=b /x /x\nFROM a AS b\n');
    assert.deepEqual([base.steps[0]!.stageReads[0]!.image, problems(base)[0]![1]], ['scratch', 'warning']);
    const dup = analyze('FROM alpine AS a\nRUN echo 1 > /x\nFROM a AS m\nCOPY --from=a /x /x\nFROM alpine:3 AS a\nRUN echo 2 > /x\n');
    assert.deepEqual([dup.stages[1]!.base, dup.steps[1]!.stageReads[0]!.image], [{ kind: 'stage', stage: 0, ref: 'a' }, 'alpine:3']);
    const mount = analyze('FROM alpine\nRUN echo a > /x\nFROM alpine\nRUN --mount=from=0,target=/m cat /m/x\n');
    assert.deepEqual([mount.steps[1]!.stageReads[0]!.stage, mount.steps[1]!.stageReads[0]!.image, mount.problems], [null, '0', []]);
  });
  test('mount specs with an empty field or an option without a name stop BuildKit: problems', () => {
    // measured on BuildKit 0.8: "invalid field '' must be a key=value pair", "unexpected key '' in '=x'"
    const m = analyze('FROM alpine\nRUN --mount==x true\nRUN --mount=type=cache,target=/c,=x true\nRUN --mount=type=cache,target=/c, true\nRUN --mount=type=cache,,target=/c true\nRUN --mount=type=cache,target=/c,foo=1 true\n');
    assert.deepEqual(problems(m), [
      [1, 'error', "`--mount==x` has an option without a name (`=x`): BuildKit stops with \"unexpected key '' in '=x'\""],
      [2, 'error', "`--mount=type=cache,target=/c,=x` has an option without a name (`=x`): BuildKit stops with \"unexpected key '' in '=x'\""],
      [3, 'error', "`--mount=type=cache,target=/c,` has an empty field: BuildKit stops with \"invalid field '' must be a key=value pair\""],
      [4, 'error', "`--mount=type=cache,,target=/c` has an empty field: BuildKit stops with \"invalid field '' must be a key=value pair\""],
    ]);
  });
  test('stage names: a letter first, then letters, digits, -, _ or . (BuildKit stops on others)', () => {
    const msg = (n: string) => `\`${n}\` cannot name a stage (a letter first, then letters, digits, \`-\`, \`_\` or \`.\`): BuildKit stops with "invalid name for build stage"`;
    assert.deepEqual(problems(analyze('FROM alpine AS My.st_a-1\nFROM alpine AS 1\nFROM alpine AS _a\nFROM alpine AS a/b\n')), [[1, 'error', msg('1')], [2, 'error', msg('_a')], [3, 'error', msg('a/b')]]);
  });
  test('blank ARG names, flags that need a value, an empty ONBUILD: problems, as BuildKit stops there', () => {
    const blank = 'ARG with a blank name (`ARG =value`): BuildKit stops with "ARG names can not be blank"';
    const m = analyze('ARG =x\nFROM alpine\nARG =y B=1\nRUN echo\n');
    assert.deepEqual(problems(m), [[0, 'error', blank], [2, 'error', blank]]);
    assert.deepEqual([[...m.globalArgs], m.steps[0]!.env], [[], [['B', '1']]]);
    const run = analyze('FROM alpine\nRUN --mount true\n');
    assert.deepEqual(problems(run), [[1, 'error', '--mount needs a value (`--mount=…`): BuildKit stops with "Missing a value on flag: mount"']]);
    assert.deepEqual([run.steps[0]!.mounts, run.steps[0]!.contextReads], [[], []]);
    const from = analyze('FROM --platform alpine\n', { platform: 'linux/arm64' });
    assert.deepEqual(problems(from), [[0, 'error', '--platform needs a value (`--platform=…`): BuildKit stops with "Missing a value on flag: platform"']]);
    assert.deepEqual([from.stages[0]!.platform, from.stages[0]!.platformFlag], ['linux/arm64', undefined]);
    assert.deepEqual(problems(analyze('FROM alpine AS p\nONBUILD\nFROM p\nRUN true\n')), [[1, 'error', 'ONBUILD needs an instruction to run (`ONBUILD RUN …`): BuildKit stops with "ONBUILD requires at least one argument"']]);
    assert.equal(analyze('FROM alpine AS p\nONBUILD\nFROM p\n').steps.length, 0);
  });
  test('FROM: the platform flag normalised, another flag is not a platform', () => {
    assert.deepEqual(['FROM --platform=linux/arm64/v8 alpine\n', 'FROM --platform=arm64 alpine\n', 'FROM --nope=linux/arm64 alpine\n'].map((t) => analyze(t).stages[0]!.platform), ['linux/arm64', 'linux/arm64', 'linux/amd64']);
    assert.equal(analyze('FROM --platform=arm64 alpine\n').stages[0]!.platformFlag, 'linux/arm64');
  });
  test('FROM: three words without AS, no image at all', () => {
    assert.deepEqual(problems(analyze('FROM a b c\n')), [[0, 'error', 'FROM takes an image and optionally `AS name`']]);
    assert.deepEqual(problems(analyze('FROM a AS b c\n')), []);
    assert.deepEqual(problems(analyze('FROM\n')), [[0, 'error', 'FROM requires an image name']]);
  });
  test('a WORKDIR step is a WORKDIR', () => {
    const [w] = analyze('FROM alpine\nWORKDIR /w\n').steps;
    assert.deepEqual([w!.keyword, w!.parts['kind'], w!.ordinal, w!.line], ['WORKDIR', 'WORKDIR', 0, 1]);
  });
  test('the env is sorted whatever order ENV and ARG set it in', () => {
    const names = 'ZYXWVUTSRQPONMLKJIHGFEDCBA'.split('');
    const m = analyze(`FROM alpine\nENV ${names.map((n) => `${n}=1`).join(' ')}\nARG B2=2\nRUN echo\n`);
    assert.deepEqual(m.steps[0]!.env.map(([k]) => k), [...names, 'B2'].sort());
    assert.deepEqual(analyze('FROM alpine\nENV B=2\nENV A=1\nRUN echo\n').steps[0]!.env, [['A', '1'], ['B', '2']]);
  });
  test('quoted and several heredocs: names unquoted, bodies in the key, no heredoc taken for a source', () => {
    const m = analyze('FROM alpine\nRUN <<"EOF"\necho a\nEOF\nCOPY <<\'X\' /x\nbody\nX\nRUN <<A <<-B\na\nA\nb\nB\nCOPY <<A <<"B" /d/\n1\nA\n2\nB\nRUN cat <<EOF\nin\nEOF\n');
    const [r1, c1, r2, c2, r3] = m.steps;
    assert.deepEqual([r1!.script, r1!.heredoc], ['echo a', true]);
    assert.deepEqual([c1!.parts['srcs'], c1!.parts['heredocs'], c1!.sources, c1!.contextReads], ['', 'X:body', [], []]);
    // two markers are not one heredoc alone (dispatchRun): the shell gets the text, the bodies its here-documents
    assert.deepEqual([r2!.script, r2!.parts['cmd']], ['<<A <<-B\na\nA\nb\nB', '["/bin/sh","-c","<<A <<-B\\na\\nA\\nb\\nB"]']);
    assert.deepEqual([c2!.parts['heredocs'], c2!.sources, c2!.parts['dest']], ['A:1\nB:2', [], '/d/']);
    assert.equal(r3!.script, 'cat <<EOF\nin\nEOF');
    assert.deepEqual(m.steps.map((s) => s.instruction), ['RUN <<"EOF"', "COPY <<'X' /x", 'RUN <<A <<-B', 'COPY <<A <<"B" /d/', 'RUN cat <<EOF']);
    // a source that only looks like a heredoc is a source
    assert.deepEqual(analyze('FROM alpine\nCOPY <<A b /d/\nx\nA\n').steps[0]!.sources, ['b']);
  });
  test('a RUN runs a heredoc body as its script only when the command is that heredoc alone; a #! body of another interpreter is no shell script', () => {
    const script = (run: string) => analyze(`FROM alpine\n${run}\n`).steps[0]!.script;
    assert.equal(script('RUN <<EOF\napt-get update\nEOF'), 'apt-get update');
    assert.equal(script('RUN 3<<-"EOT"\necho b\nEOT'), 'echo b');
    // a command after the marker reads the body on its stdin: python3 gets Python, and the shell text keeps it as data
    assert.equal(script('RUN <<EOF python3\nimport os\nEOF'), '<<EOF python3\nimport os\nEOF');
    assert.equal(script('RUN <<EOF bash -e\napt-get update\nEOF'), '<<EOF bash -e\napt-get update\nEOF');
    // a shebang: BuildKit runs the body as a file; a shell's body is a shell script, another interpreter's is not
    assert.equal(script('RUN <<EOF\n#!/bin/bash\necho a\nEOF'), '#!/bin/bash\necho a');
    assert.equal(script('RUN <<EOF\n#!/usr/bin/env sh\necho a\nEOF'), '#!/usr/bin/env sh\necho a');
    assert.equal(script('RUN <<EOF\n#!/usr/bin/env python3\nimport os\nEOF'), '');
    assert.equal(script('RUN <<EOF\n#!/usr/bin/python3\nimport os\nEOF'), '');
    // the marker's forms: a quoted name, blanks after it; the shebang only on the first line, its interpreter exactly
    assert.equal(script("RUN <<'EOF'\necho q\nEOF"), 'echo q');
    assert.equal(script('RUN <<EOF  \necho x\nEOF'), 'echo x');
    assert.equal(script("RUN <<EOF\necho '#!/usr/bin/python3'\nEOF"), "echo '#!/usr/bin/python3'");
    assert.equal(script('RUN <<EOF\n#!/usr/bin/env  bash\necho a\nEOF'), '#!/usr/bin/env  bash\necho a');
    assert.equal(script('RUN <<EOF\n#!env bash\necho a\nEOF'), '#!env bash\necho a');
    assert.equal(script('RUN <<EOF\n#!/opt/envs/sh\necho a\nEOF'), '#!/opt/envs/sh\necho a');
    assert.equal(script('RUN <<EOF\n#!/usr/bin/bashdb\necho a\nEOF'), '');
    // what the rules read: the Python body's text is not a shell command
    const { runScript } = require('../../server/src/engine/shell') as typeof import('../../server/src/engine/shell');
    const words = (run: string) => runScript(analyze(`FROM debian\n${run}\n`).steps[0]!)?.commands.map((c) => c.words[0]);
    assert.deepEqual(words('RUN <<EOF python3\nimport subprocess\nsubprocess.run(["apt-get", "update"])\nEOF'), ['python3']);
    assert.deepEqual(words('RUN <<EOF\napt-get update\napt-get install -y curl\nEOF'), ['apt-get', 'apt-get']);
  });
  test('mounts: `from` only reads a stage for bind and cache mounts; a secret target as given', () => {
    const m = analyze('FROM alpine AS b\nFROM alpine\nRUN --mount=type=tmpfs,from=b,target=/t true\nRUN --mount=type=secret,id=s,from=b,target=/t true\nRUN --mount=type=cache,target=/c true\n');
    assert.deepEqual(m.steps.map((s) => [s.stageReads, s.contextReads]), [[[], []], [[], []], [[], []]]);
    assert.deepEqual(m.stages[1]!.deps, []);
    assert.equal(m.steps[1]!.parts['mounts'], 'from=b,id=s,target=/t,type=secret');
  });
  test('COPY of a URL is not a remote source (only ADD fetches)', () => {
    const [add, copy] = analyze('FROM alpine\nADD https://e.com/a.tgz /x\nCOPY https://e.com/a.tgz /x\n').steps;
    assert.deepEqual([add!.remote, add!.contextReads], ['https://e.com/a.tgz', []]);
    assert.deepEqual([copy!.remote, copy!.remoteKey, copy!.contextReads.length], [undefined, undefined, 1]);
  });
  test('a global ARG without a value gives a stage ARG none; with a default, the default', () => {
    const m = analyze('ARG A\nARG B=1\nFROM alpine\nARG A B\nRUN echo $A$B\n');
    assert.deepEqual(m.steps[0]!.env, [['B', '1']]);
    assert.deepEqual(m.steps[0]!.envSources.get('A'), undefined);
  });
});

describe('backslashes and quotes in words, as BuildKit 0.8 reads them (oracle scenarios copy/backslash-*, env/double-quoted-*)', () => {
  const reads = (line: string, escape?: string) =>
    analyze(`${escape ? `# escape=${escape}\n` : ''}FROM scratch\n${line}\n`).steps.find((s) => s.contextReads.length)?.contextReads[0]?.sources;
  const env = (line: string) => analyze(`FROM scratch\n${line}\nRUN true\n`).steps.at(-1)!.env;
  test('a shell-form COPY splits at whitespace only: `a\\ b` is the sources `a` and `b`; a trailing escape is dropped', () => {
    assert.deepEqual(reads('COPY a\\ b /t/'), ['a', 'b']);
    assert.deepEqual(reads('COPY ["a*\\\\", "/x/"]'), ['a*']);
    assert.deepEqual(reads('COPY ["*b\\\\", "/x/"]'), ['*b']);
    // the escape dropped: `a\*` is the wildcard `a*`
    assert.deepEqual(reads('COPY ["a\\\\*", "/x/"]'), ['a*']);
  });
  test('a backslash left after expansion is part of a name; with another escape character (Windows) it separates folders', () => {
    assert.deepEqual(reads('COPY x\\\\y /t/'), ['x\\y']);
    assert.deepEqual(reads('COPY src\\app C:\\app', '`'), ['src/app']);
    assert.deepEqual(reads('RUN --mount=type=bind,source=a\\\\b true'), ['a\\b']);
  });
  test('in double quotes the escape escapes `"`, `$` and itself; other backslashes stay', () => {
    assert.deepEqual(env('ENV A="p\\\\q" B=p\\\\q C=\'p\\\\q\' D="p\\q" E="a\\"b" F="\\$x"'), [['A', 'p\\q'], ['B', 'p\\q'], ['C', 'p\\\\q'], ['D', 'p\\q'], ['E', 'a"b'], ['F', '$x']]);
  });
  test('expandWord: escapes and quotes inside one word', () => {
    const v = new Map([['V', 'v']]);
    const x = (w: string, esc = '\\') => expandWord(w, v, esc).value;
    // `\\` in double quotes is one backslash, and the `$` after it still expands
    assert.equal(x('"\\\\$V"'), '\\v');
    assert.equal(x('"a$V"'), 'av');
    assert.equal(x('"a\\$V"'), 'a$V');
    // after the closing quote the word goes on unquoted: there `\b` is `b`
    assert.equal(x('"a"\\b'), 'ab');
    assert.equal(x("'a'\\b"), 'ab');
    assert.equal(x('a\\'), 'a');
    // another escape character: a backslash is a plain character, the backtick escapes
    assert.equal(x('a\\b`$V', '`'), 'a\\b$V');
    assert.equal(x('"a\\"', '`'), 'a\\');
    // quotes BuildKit refuses (not closed): read to the end of the word
    assert.equal(x("'ab"), 'ab');
    assert.equal(x('"ab'), 'ab');
  });
  test('splitFields: whitespace of any run, nothing else, splits', () => {
    assert.deepEqual(splitFields('a\\ b \t"c  d"\n\r e'), ['a\\', 'b', '"c', 'd"', 'e']);
    assert.deepEqual(splitFields(''), []);
  });
});
