// One test per measured rule of ../shared/buildkit-semantics.md (§4 tables a–n, §5 rules, §6 surprises).
// Expected statuses are the measured C/R columns of those tables; `maybe` is allowed only where noted.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explain, MemoryContext } from '../../server/src/engine';
import { loadDiskContext } from '../../server/src/context/disk';
import { run, statuses, table } from './helpers';

function expect(e: ReturnType<typeof run>, want: string[], msg = ''): void {
  assert.deepEqual(statuses(e), want, msg + '\n' + table(e));
}

describe('a. COPY . . then RUN', () => {
  const dockerfile = 'FROM localbase\nWORKDIR /app\nRUN echo prep > /prep\nCOPY . .\nRUN cat main.txt > /out\n';
  const files = { 'main.txt': 'm', 'other.txt': 'o' };
  test('rule: unchanged context hits every step', () => expect(run({ dockerfile, files }), ['C', 'C', 'C', 'C']));
  test('rule: editing the file a later RUN reads busts COPY . . and what follows', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('main.txt', 'm2') }), ['C', 'C', 'R', 'R']));
  test('rule: editing any other context file also busts COPY . .', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('other.txt', 'o2') }), ['C', 'C', 'R', 'R']));
  test('rule: reverting an edit hits again (the cache is a pool)', () => {
    // on disk: edit, then write the old bytes back; git's hint names the file as possibly changed both times
    const d = diskCase(files, (root) => fs.writeFileSync(path.join(root, 'main.txt'), 'm2'));
    expect(d.explain(['main.txt']), ['C', 'C', 'R', 'R'], 'the edit itself misses');
    fs.writeFileSync(path.join(d.root, 'main.txt'), 'm');
    expect(d.explain(['main.txt']), ['C', 'C', 'C', 'C']);
  });
});

describe('b. manifest first, install, then COPY . .', () => {
  const dockerfile = 'FROM localbase\nWORKDIR /app\nCOPY package.json ./\nRUN cat package.json > /installed && echo installing\nCOPY . .\nRUN cat src.js > /built\n';
  const files = { 'package.json': '{}', 'src.js': 's' };
  test('rule: a source edit keeps the install cached', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('src.js', 's2') }), ['C', 'C', 'C', 'R', 'R']));
  test('rule: a manifest edit reruns the install', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('package.json', '{"a":1}') }), ['C', 'R', 'R', 'R', 'R']));
});

describe('c. .dockerignore and metadata-only changes', () => {
  const dockerfile = 'FROM localbase\nWORKDIR /app\nCOPY . .\nRUN ls -ln /app > /listing\n';
  const files = { 'kept.txt': 'k', 'ignored.log': 'i', 'a.tmp': 't', '.dockerignore': 'ignored.log\n*.tmp\n' };
  test('rule: editing an ignored file never busts', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('ignored.log', 'i2').addFile('a.tmp', 't2') }), ['C', 'C', 'C']));
  // the next four read real files (a memory context has no mtime, inode or history to get wrong)
  test('rule: mtime-only change hits (mtime is not in the checksum)', () => {
    const d = diskCase(files, (root) => fs.utimesSync(path.join(root, 'kept.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1)), dockerfile);
    expect(d.explain(['kept.txt']), ['C', 'C', 'C']);
  });
  test('rule: chmod +x misses', () => expect(run({ dockerfile, files, change: (c) => c.addFile('kept.txt', 'k', 0o755) }), ['C', 'R', 'R']));
  test('rule: chmod back hits again', () => {
    const d = diskCase(files, (root) => fs.chmodSync(path.join(root, 'kept.txt'), 0o755), dockerfile);
    expect(d.explain(['kept.txt']), ['C', 'R', 'R'], 'chmod +x misses');
    fs.chmodSync(path.join(d.root, 'kept.txt'), 0o644);
    expect(d.explain(['kept.txt']), ['C', 'C', 'C']);
  });
  test('rule: rewriting a file with identical bytes hits', () => {
    // a new inode and mtime with the same bytes (an editor's atomic save)
    const d = diskCase(files, (root) => {
      fs.writeFileSync(path.join(root, 'kept.txt.new'), 'k');
      fs.renameSync(path.join(root, 'kept.txt.new'), path.join(root, 'kept.txt'));
    }, dockerfile);
    expect(d.explain(['kept.txt']), ['C', 'C', 'C']);
  });
  test('rule: editing .dockerignore busts COPY . . (it is part of the context)', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('.dockerignore', 'ignored.log\n*.tmp\n# note\n') }), ['C', 'R', 'R']));
  test('rule: editing .dockerignore that ignores itself does not bust', () =>
    expect(
      run({
        dockerfile,
        files: { ...files, '.dockerignore': '.dockerignore\nignored.log\n*.tmp\n' },
        change: (c) => c.addFile('.dockerignore', '.dockerignore\nignored.log\n*.tmp\n# note\n'),
      }),
      ['C', 'C', 'C'],
    ));
  test('rule: un-ignoring a file through .dockerignore adds it to the context', () =>
    expect(
      run({ dockerfile, files: { ...files, '.dockerignore': '.dockerignore\nignored.log\n*.tmp\n' }, change: (c) => c.addFile('.dockerignore', '.dockerignore\n*.tmp\n') }),
      ['C', 'R', 'R'],
    ));
  test('rule: adding an empty directory under a copied tree misses', () => expect(run({ dockerfile, files, change: (c) => c.addDir('emptydir') }), ['C', 'R', 'R']));
  test('rule: removing a file misses', () => expect(run({ dockerfile, files, change: (c) => c.remove('kept.txt') }), ['C', 'R', 'R']));
});

describe('d. ARG / ENV in RUN env', () => {
  const dockerfile =
    'ARG G=g0\nFROM localbase\nRUN echo before-arg > /early\nARG V\nRUN echo not-using-arg > /a\nRUN echo "v=$V" > /b\nARG W=dflt\nRUN echo "w=$W" > /c\nENV E=1\nRUN echo after-env > /e\n';
  const v = (x: Record<string, string>) => ({ buildArgs: x });
  test('rule: same build args hit', () => expect(run({ dockerfile, base: v({ V: '1' }), cur: v({ V: '1' }) }), ['C', 'C', 'C', 'C', 'C']));
  test('rule: an ARG with a value busts every later RUN of its stage, used or not (but not RUNs before it)', () =>
    expect(run({ dockerfile, base: v({ V: '1' }), cur: v({ V: '2' }) }), ['C', 'R', 'R', 'R', 'R']));
  test('rule: passing the default value explicitly hits', () =>
    expect(run({ dockerfile, base: v({ V: '2' }), cur: v({ V: '2', W: 'dflt' }) }), ['C', 'C', 'C', 'C', 'C']));
  test('rule: changing an ARG default value busts from its first RUN', () =>
    expect(run({ dockerfile, base: v({ V: '2' }), cur: v({ V: '2', W: 'x' }) }), ['C', 'C', 'C', 'R', 'R']));
  test('rule: an undeclared build arg has no effect', () => expect(run({ dockerfile, base: v({ V: '2' }), cur: v({ V: '2', Z: '1' }) }), ['C', 'C', 'C', 'C', 'C']));
  test('rule: a global ARG not re-declared in the stage has no effect', () =>
    expect(run({ dockerfile, base: v({ V: '2' }), cur: v({ V: '2', G: 'changed' }) }), ['C', 'C', 'C', 'C', 'C']));
  test('rule: proxy build args never bust', () =>
    expect(run({ dockerfile, base: v({ V: '2' }), cur: v({ V: '2', HTTP_PROXY: 'http://p:3128' }) }), ['C', 'C', 'C', 'C', 'C']));
  test('rule: an ENV edit busts the RUNs after it', () =>
    expect(run({ dockerfile, base: v({ V: '2' }), cur: v({ V: '2' }), after: dockerfile.replace('ENV E=1', 'ENV E=2') }), ['C', 'C', 'C', 'C', 'R']));
  test('rule: an ARG without value and without --build-arg is not in the env (dropping it misses)', () =>
    expect(run({ dockerfile, base: v({ V: '2' }), cur: v({}) }), ['C', 'R', 'R', 'R', 'R']));
});

describe('e. multi-stage, COPY --from, unused stage, --target', () => {
  const dockerfile =
    'FROM localbase AS builder\nCOPY lib.txt /lib.txt\nRUN wc -l < /lib.txt > /artifact\nCOPY notes.txt /notes.txt\nFROM localbase AS unused\nRUN echo unused > /u\nFROM localbase AS final\nRUN echo final-prep > /p\nCOPY --from=builder /artifact /artifact\nRUN cat /artifact > /final\nCOPY app.txt /app.txt\n';
  const files = { 'lib.txt': 'a\n', 'notes.txt': 'n', 'app.txt': 'x' };
  test('rule: unneeded stages are not built', () => {
    const e = run({ dockerfile, files });
    expect(e, ['C', 'C', 'C', '-', 'C', 'C', 'C', 'C']);
  });
  test('rule: COPY --from of a rebuilt stage is content-addressed: "maybe", not "rebuilt"', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('lib.txt', 'b\n') }), ['R', 'R', 'R', '-', 'C', 'M', 'M', 'M']));
  test('rule: a change after the copied artifact is produced still leaves COPY --from a maybe (content unknown)', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('notes.txt', 'n2') }), ['C', 'C', 'R', '-', 'C', 'M', 'M', 'M']));
  test('rule: a file only the final stage copies busts only that step', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('app.txt', 'y') }), ['C', 'C', 'C', '-', 'C', 'C', 'C', 'R']));
  test('rule: --target builds only the target and what it needs', () =>
    expect(run({ dockerfile, files, base: { target: 'builder' }, cur: { target: 'builder' } }), ['C', 'C', 'C', '-', '-', '-', '-', '-']));
  test('rule: --target of an otherwise unused stage builds it (and nothing else)', () =>
    expect(run({ dockerfile, files, base: { target: 'final' }, cur: { target: 'unused' } }), ['-', '-', '-', 'R', '-', '-', '-', '-']));
});

describe('f. RUN --mount', () => {
  const dockerfile =
    'FROM localbase\nRUN --mount=type=bind,source=x.txt,target=/x.txt cat /x.txt > /fromx\nRUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log > /c\nRUN --mount=type=secret,id=s wc -c < /run/secrets/s > /s\nRUN --mount=type=bind,target=/ctx ls /ctx > /ctxlist\nRUN echo tail > /t\n';
  const files = { 'x.txt': 'x', 'y.txt': 'y' };
  test('rule: a bind mount with source busts on that file only', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('x.txt', 'x2') }), ['R', 'R', 'R', 'R', 'R']));
  test('rule: editing another file busts only the whole-context bind and later', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('y.txt', 'y2') }), ['C', 'C', 'C', 'R', 'R']));
  test('rule: secret and cache-mount contents never bust (nothing in the context changed)', () => expect(run({ dockerfile, files }), ['C', 'C', 'C', 'C', 'C']));
});

describe('g. COPY --link (BuildKit ≥ 0.10; measured on v0.11.6 and v0.24.0)', () => {
  const dockerfile = 'FROM localbase\nRUN echo one > /one\nCOPY --link linked.txt /linked.txt\nCOPY plain.txt /plain.txt\nRUN cat /linked.txt /plain.txt > /both\n';
  const files = { 'linked.txt': 'l', 'plain.txt': 'p' };
  test('rule: COPY --link does not stop downstream rebuilds after an earlier change', () =>
    expect(run({ dockerfile, files, after: dockerfile.replace('echo one', 'echo uno') }), ['R', 'R', 'R', 'R']));
  test('rule: editing the linked file reruns it and everything after', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('linked.txt', 'l2') }), ['C', 'R', 'R', 'R']));
});

describe('h. config-only instructions', () => {
  const dockerfile =
    'FROM localbase\nLABEL a=1\nRUN echo after-label > /l\nEXPOSE 8080\nCMD ["sh"]\nRUN echo after-expose-cmd > /x\nENV E=1\nRUN echo after-env > /e\nWORKDIR /w1\nRUN echo after-workdir > /w\nUSER root\nRUN echo after-user > /u\n';
  const edit = (a: string, b: string) => run({ dockerfile, after: dockerfile.replace(a, b) });
  test('rule: LABEL edits never bust', () => expect(edit('LABEL a=1', 'LABEL a=2'), ['C', 'C', 'C', 'C', 'C', 'C']));
  test('rule: EXPOSE and CMD edits never bust', () => expect(run({ dockerfile, after: dockerfile.replace('EXPOSE 8080', 'EXPOSE 9090').replace('CMD ["sh"]', 'CMD ["ls"]') }), ['C', 'C', 'C', 'C', 'C', 'C']));
  test('rule: an ENV edit busts later RUNs and the chain after them', () => expect(edit('ENV E=1', 'ENV E=2'), ['C', 'C', 'R', 'R', 'R', 'R']));
  test('rule: a WORKDIR edit busts WORKDIR and what follows', () => expect(edit('WORKDIR /w1', 'WORKDIR /w2'), ['C', 'C', 'C', 'R', 'R', 'R']));
  test('rule: USER root → 0 busts later RUNs (the user string is compared, not the uid)', () => expect(edit('USER root', 'USER 0'), ['C', 'C', 'C', 'C', 'C', 'R']));
});

describe('i. chain, revert, whitespace, comments, continuation', () => {
  const dockerfile = 'FROM localbase\nRUN echo A > /a\nRUN echo B > /b\nCOPY f.txt /f.txt\nRUN echo C > /c\n';
  const files = { 'f.txt': 'f' };
  const after = (a: string) => run({ dockerfile, files, after: a });
  test('rule: a miss propagates down the chain', () => expect(after(dockerfile.replace('echo A', 'echo AA')), ['R', 'R', 'R', 'R']));
  test('rule: inner whitespace in a RUN is part of the key', () => expect(after(dockerfile.replace('echo B > /b', 'echo B  > /b')), ['C', 'R', 'R', 'R']));
  test('rule: leading and trailing whitespace is ignored', () => expect(after(dockerfile.replace('RUN echo B > /b', '   RUN echo B > /b   ')), ['C', 'C', 'C', 'C']));
  test('rule: comment lines are ignored', () => expect(after(dockerfile.replace('RUN echo B', '# a comment\nRUN echo B')), ['C', 'C', 'C', 'C']));
  test('rule: re-laying a RUN over continuation lines changes its key', () => expect(after(dockerfile.replace('RUN echo B > /b', 'RUN echo B \\\n  > /b')), ['C', 'R', 'R', 'R']));
  test('rule: a comment line inside a continuation is dropped', () =>
    expect(run({ dockerfile: dockerfile.replace('RUN echo B > /b', 'RUN echo B \\\n> /b'), files, after: dockerfile.replace('RUN echo B > /b', 'RUN echo B \\\n# note\n> /b') }), ['C', 'C', 'C', 'C']));
  test('rule: COPY argument spacing is not part of the key (arguments are parsed into fields)', () =>
    expect(after(dockerfile.replace('COPY f.txt /f.txt', 'COPY  f.txt   /f.txt')), ['C', 'C', 'C', 'C']));
});

describe('j. heredocs (dockerfile ≥ 1.4)', () => {
  const dockerfile = 'FROM localbase\nRUN <<EOF\necho one > /h\nEOF\nCOPY <<EOF /cfg.txt\ncfg-v1\nEOF\nRUN cat /h /cfg.txt > /all\n';
  test('rule: unchanged heredocs hit', () => expect(run({ dockerfile }), ['C', 'C', 'C']));
  test('rule: a RUN heredoc body edit misses', () => expect(run({ dockerfile, after: dockerfile.replace('echo one', 'echo two') }), ['R', 'R', 'R']));
  test('rule: a COPY heredoc body edit misses from the COPY on', () => expect(run({ dockerfile, after: dockerfile.replace('cfg-v1', 'cfg-v2') }), ['C', 'R', 'R']));
  test('rule: a heredoc with a file-descriptor prefix (5<<EOF) is part of its RUN, not instructions', () => {
    const df = 'FROM localbase\nRUN cat /proc/self/fd/5 5<<EOF\nhello world\nEOF\nRUN true\n';
    const e = run({ dockerfile: df, after: df.replace('hello world', 'hello there') });
    assert.deepEqual(e.model.problems, []);
    expect(e, ['R', 'R']);
    expect(run({ dockerfile: df }), ['C', 'C']);
  });
});

describe('k. ADD local archive and file', () => {
  const dockerfile = 'FROM localbase\nADD files.tar /x/\nRUN ls -lnR /x > /lsx\nADD plain.txt /p.txt\nRUN cat /p.txt > /pp\n';
  const files = { 'files.tar': 'tar-bytes-1', 'plain.txt': 'p' };
  test('rule: a byte-identical archive hits', () => expect(run({ dockerfile, files, change: (c) => c.addFile('files.tar', 'tar-bytes-1') }), ['C', 'C', 'C', 'C']));
  test('rule: ADD of an archive is keyed on the archive bytes (new member mtimes miss)', () =>
    expect(run({ dockerfile, files, change: (c) => c.addFile('files.tar', 'tar-bytes-2') }), ['R', 'R', 'R', 'R']));
  test('rule: ADD of a plain file busts from that step', () => expect(run({ dockerfile, files, change: (c) => c.addFile('plain.txt', 'q') }), ['C', 'C', 'R', 'R']));
});

describe('l. ONBUILD and SOURCE_DATE_EPOCH', () => {
  const dockerfile = 'FROM localbase AS parent\nONBUILD RUN echo trigger-v1 > /trig\nRUN echo parent > /parent\nFROM parent AS child\nWORKDIR /w\nRUN echo child > /child\n';
  test('rule: ONBUILD triggers run in the child, right after FROM', () => {
    const e = run({ dockerfile });
    assert.deepEqual(
      e.steps.map((r) => [r.step.line + 1, r.step.instruction, !!r.step.trigger]),
      [
        [3, 'RUN echo parent > /parent', false],
        [4, 'RUN echo trigger-v1 > /trig', true],
        [5, 'WORKDIR /w', false],
        [6, 'RUN echo child > /child', false],
      ],
    );
  });
  test('rule: editing a trigger busts the child from the trigger on, not the parent', () =>
    expect(run({ dockerfile, after: dockerfile.replace('trigger-v1', 'trigger-v2') }), ['C', 'R', 'R', 'R']));
  test('rule: SOURCE_DATE_EPOCH busts WORKDIR and later on BuildKit ≥ 0.22', () =>
    expect(run({ dockerfile, base: { buildArgs: { SOURCE_DATE_EPOCH: '1' } }, cur: { buildArgs: { SOURCE_DATE_EPOCH: '2' } } }), ['C', 'C', 'R', 'R']));
  test('rule: SOURCE_DATE_EPOCH has no effect on older builders', () =>
    expect(
      run({ dockerfile, base: { buildArgs: { SOURCE_DATE_EPOCH: '1' }, buildkitVersion: '0.11' }, cur: { buildArgs: { SOURCE_DATE_EPOCH: '2' }, buildkitVersion: '0.11' } }),
      ['C', 'C', 'C', 'C'],
    ));
});

describe('m. ARG/ENV do not reach COPY/WORKDIR', () => {
  const dockerfile = 'FROM localbase\nARG V\nENV E=1\nCOPY f.txt /f.txt\nWORKDIR /w\nCOPY --chown=0:0 f.txt /w/f2.txt\nRUN echo after > /r\n';
  const files = { 'f.txt': 'f' };
  test('rule: a build arg change leaves COPY and WORKDIR cached, busts the RUN', () =>
    expect(run({ dockerfile, files, base: { buildArgs: { V: '1' } }, cur: { buildArgs: { V: '2' } } }), ['C', 'C', 'C', 'R']));
  test('rule: an ENV change leaves COPY and WORKDIR cached, busts the RUN', () =>
    expect(run({ dockerfile, files, base: { buildArgs: { V: '2' } }, cur: { buildArgs: { V: '2' } }, after: dockerfile.replace('E=1', 'E=2') }), ['C', 'C', 'C', 'R']));
  test('rule: an ARG expanded in a COPY destination busts the COPY', () => {
    const df = 'FROM localbase\nARG DEST=/a\nCOPY f.txt $DEST\nRUN echo x\n';
    expect(run({ dockerfile: df, files, base: { buildArgs: { DEST: '/a' } }, cur: { buildArgs: { DEST: '/b' } } }), ['R', 'R']);
  });
});

describe('n. mount options', () => {
  const dockerfile = 'FROM localbase\nRUN --mount=type=cache,target=/cache,id=c1 echo x > /c\nRUN --mount=type=secret,id=s,target=/run/secrets/s echo secret-step > /s\nRUN echo tail > /t\n';
  test('rule: a cache mount id change misses on BuildKit < 0.13', () =>
    expect(run({ dockerfile, after: dockerfile.replace('id=c1', 'id=c2'), base: { buildkitVersion: '0.11' } }), ['R', 'R', 'R']));
  test('rule: a cache mount id change hits on BuildKit ≥ 0.13', () => expect(run({ dockerfile, after: dockerfile.replace('id=c1', 'id=c2') }), ['C', 'C', 'C']));
  test('rule: a secret target change misses', () =>
    expect(run({ dockerfile, after: dockerfile.replace('target=/run/secrets/s', 'target=/run/secrets/t') }), ['C', 'R', 'R']));
});

describe('other cache-key rules', () => {
  test('rule: the Dockerfile is part of the context: editing it busts COPY . . (unless ignored)', () => {
    const dockerfile = 'FROM localbase\nRUN echo a\nCOPY . .\nRUN echo b\nLABEL x=1\n';
    expect(run({ dockerfile, dockerfileInContext: true, after: dockerfile.replace('x=1', 'x=2') }), ['C', 'R', 'R']);
  });
  test('rule: a base image change rebuilds every step of the stage', () => {
    const dockerfile = 'FROM alpine:3.19\nRUN echo a\nRUN echo b\n';
    expect(run({ dockerfile, after: dockerfile.replace('3.19', '3.20') }), ['R', 'R']);
  });
  test('rule: a global ARG used in FROM changes the base', () => {
    const dockerfile = 'ARG V=3.19\nFROM alpine:${V}\nRUN echo a\n';
    expect(run({ dockerfile, base: { buildArgs: {} }, cur: { buildArgs: { V: '3.20' } } }), ['R']);
  });
  test('rule: a stage built FROM a rebuilt stage rebuilds (no content addressing through FROM)', () => {
    const dockerfile = 'FROM localbase AS a\nCOPY x.txt /x\nFROM a AS b\nRUN echo b\n';
    expect(run({ dockerfile, files: { 'x.txt': '1' }, change: (c) => c.addFile('x.txt', '2') }), ['R', 'R']);
  });
  test('rule: SHELL changes later RUN argv', () => {
    const dockerfile = 'FROM localbase\nSHELL ["/bin/sh", "-c"]\nRUN echo a\n';
    expect(run({ dockerfile, after: dockerfile.replace('"/bin/sh", "-c"', '"/bin/sh", "-ec"') }), ['R']);
  });
  test('rule: a file added inside a copied directory busts that COPY', () => {
    const dockerfile = 'FROM localbase\nCOPY src/ ./src/\nRUN echo b\n';
    expect(run({ dockerfile, files: { 'src/a.js': 'a', 'other/b': 'b' }, change: (c) => c.addFile('src/new.js', 'n') }), ['R', 'R']);
    expect(run({ dockerfile, files: { 'src/a.js': 'a', 'other/b': 'b' }, change: (c) => c.addFile('other/c', 'n') }), ['C', 'C']);
  });
  test('rule: a glob source selects by pattern', () => {
    const dockerfile = 'FROM localbase\nCOPY *.json ./\nRUN echo b\n';
    expect(run({ dockerfile, files: { 'a.json': '1', 'b.txt': '2' }, change: (c) => c.addFile('c.json', '3') }), ['R', 'R']);
    expect(run({ dockerfile, files: { 'a.json': '1', 'b.txt': '2' }, change: (c) => c.addFile('b.txt', '3') }), ['C', 'C']);
  });
  test('rule: ADD of a URL is not affected by context changes', () => {
    const dockerfile = 'FROM localbase\nADD https://example.com/a.tgz /a.tgz\nCOPY . .\n';
    expect(run({ dockerfile, files: { x: '1' }, change: (c) => c.addFile('x', '2') }), ['C', 'R']);
  });
  test('rule: a step inserted in the middle: steps before it hit, it and every later one miss', () => {
    const dockerfile = 'FROM localbase\nRUN echo a\nRUN echo b\n';
    expect(run({ dockerfile, after: 'FROM localbase\nRUN echo a\nRUN echo new\nRUN echo b\n' }), ['C', 'R', 'R']);
  });
  test('rule: no baseline Dockerfile means nothing is cached', () => {
    const text = 'FROM localbase\nCOPY a.txt /a\nRUN echo a\n';
    const ctx = new MemoryContext('ctx', { 'a.txt': 'a' });
    // the same context on both sides: only the missing Dockerfile can make anything miss
    const e = explain({ current: { text, context: ctx }, baseline: { text: null, context: ctx } });
    expect(e, ['R', 'R']);
    assert.equal(e.baseline, null);
    assert.deepEqual(e.steps.map((r) => r.reasons[0]?.kind), ['new-step', 'new-step']);
    assert.equal(e.summary.rebuilt, 2);
  });
});

const tempDirs: string[] = [];
after(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * A build context on disk: `files` written to a temp dir and snapshotted as the baseline (every content id read at
 * once, as a finished build would have), then `edit` applied. `explain(hint)` snapshots the directory again and
 * explains against the baseline, with `hint` as the paths git would report as possibly changed.
 */
function diskCase(files: Record<string, string>, edit: (root: string) => void, dockerfile = 'FROM localbase\nWORKDIR /app\nRUN echo prep > /prep\nCOPY . .\nRUN cat main.txt > /out\n') {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-sem-'));
  tempDirs.push(root);
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), c);
    fs.chmodSync(path.join(root, p), 0o644);
  }
  const snap = () => {
    const c = loadDiskContext(root);
    for (const p of c.paths()) c.contentId(p);
    return c;
  };
  const base = snap();
  edit(root);
  return {
    root,
    explain: (hint?: string[]) => explain({ current: { text: dockerfile, context: snap() }, baseline: { text: dockerfile, context: base }, changedHint: hint }),
  };
}
