// explain's reasons about other stages and about steps that moved (engine/explain.ts reasonsFor, finalState,
// counterpart, notBuiltMessage): every reason must be true for the Dockerfile in front of the user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, MemoryContext } from '../../server/src/engine';
import { run, why } from './helpers';

test('a COPY --from names the source stage only when that stage rebuilds (a stage without steps: its FROM)', () => {
  // the source stage is unchanged: the edited COPY says so, and nothing about the stage (it said "rebuilds")
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS a\nFROM alpine\nCOPY --from=a /x /y\n', after: 'FROM alpine AS a\nFROM alpine\nCOPY --from=a /x /z\n' })), [
    '3 rebuilt: instruction: instruction changed (was `COPY --from=a /x /y`)',
  ]);
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS a\nFROM alpine\nRUN echo\nCOPY --from=a /x /y\n', after: 'FROM alpine AS a\nFROM alpine\nRUN echo 2\nCOPY --from=a /x /y\n' })), [
    '3 rebuilt: instruction: instruction changed (was `RUN echo`)',
    '4 rebuilt: parent@3: follows line 3 `RUN echo 2`, which rebuilds',
  ]);
  // its image changed: named, at its FROM line
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine:1 AS a\nFROM alpine\nCOPY --from=a /x /y\n', after: 'FROM alpine:2 AS a\nFROM alpine\nCOPY --from=a /x /y\n' })), [
    "3 maybe: stage@1: copies /x from stage 'a', which rebuilds: it reruns only if those bytes differ",
  ]);
  // a stage without steps built FROM a stage whose image changed: the chain is followed
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS a\nFROM a AS b\nFROM alpine\nCOPY --from=b /x /y\n', after: 'FROM alpine:2 AS a\nFROM a AS b\nFROM alpine\nCOPY --from=b /x /y\n' })), [
    "4 maybe: stage@1: copies /x from stage 'b', which rebuilds: it reruns only if those bytes differ",
  ]);
  // its platform changed (another manifest of the same image)
  assert.deepEqual(why(run({ dockerfile: 'FROM --platform=linux/amd64 alpine AS a\nFROM alpine\nCOPY --from=a /x /y\n', after: 'FROM --platform=linux/arm64 alpine AS a\nFROM alpine\nCOPY --from=a /x /y\n' })), [
    "3 maybe: stage@1: copies /x from stage 'a', which rebuilds: it reruns only if those bytes differ",
  ]);
  // a stage with steps: the line of its last step
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS a\nRUN echo a\nRUN echo b\nFROM alpine\nCOPY --from=a /x /y\n', after: 'FROM alpine AS a\nRUN echo A\nRUN echo b\nFROM alpine\nCOPY --from=a /x /y\n' })).at(-1), "5 maybe: stage@3: copies /x from stage 'a', which rebuilds: it reruns only if those bytes differ");
  // an image's content (COPY --from=image) is not a stage: no stage reason
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY --from=busybox /bin/sh /sh\n', after: 'FROM alpine\nCOPY --from=busybox:2 /bin/sh /sh\n' })), ['2 rebuilt: instruction: instruction changed (was `COPY --from=busybox /bin/sh /sh`)']);
});

test('built FROM a stage: named when that stage rebuilds or may, following stages without steps', () => {
  const t = 'FROM alpine AS a\nRUN echo a\nFROM alpine AS b\nCOPY --from=a /a /a\nFROM b\nRUN echo c\n';
  assert.deepEqual(why(run({ dockerfile: t, after: t.replace('echo a', 'echo A') })), [
    '2 rebuilt: instruction: instruction changed (was `RUN echo a`)',
    "4 maybe: stage@2: copies /a from stage 'a', which rebuilds: it reruns only if those bytes differ",
    "6 maybe: base@4: built FROM stage 'b', which may rebuild",
  ]);
  const chain = 'FROM alpine:1 AS a\nFROM a AS b\nFROM b\nRUN echo c\n';
  assert.deepEqual(why(run({ dockerfile: chain, after: chain.replace('alpine:1', 'alpine:2') })), ["4 rebuilt: base@1: built FROM stage 'b', which rebuilds"]);
  // the stage it is built FROM did not change: the step's own reason only
  const same = 'FROM alpine AS a\nRUN echo a\nFROM a\nRUN echo c\n';
  assert.deepEqual(why(run({ dockerfile: same, after: same.replace('echo c', 'echo C') })), ['2 cached: ', '4 rebuilt: instruction: instruction changed (was `RUN echo c`)']);
});

test('stages the target does not need, and steps that only moved', () => {
  // an unnamed target stage is named by its index
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS a\nRUN echo a\nFROM alpine\nRUN echo m\n' })), ["2 skipped: not-built: not built: stage 'a' is not needed by the target stage #1", '4 cached: ']);
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nRUN echo a\nFROM alpine\nRUN echo m\n' })), ['2 skipped: not-built: not built: stage #0 is not needed by the target stage #1', '4 cached: ']);
  // an unchanged step after a moved one: its key changed though its text did not
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY x /x\nRUN echo a\n', after: 'FROM alpine\nRUN echo a\nCOPY x /x\n', files: { x: '1' } })), [
    '2 rebuilt: instruction: cache key changed',
    '3 rebuilt: parent@2: follows line 2 `RUN echo a`, which rebuilds',
  ]);
  // a stage renamed: its steps have no counterpart (stages are matched by name)
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS x\nRUN echo a\n', after: 'FROM alpine AS y\nRUN echo b\n' })), ['2 rebuilt: new-step: instruction added or edited']);
  // an unnamed stage is matched by index only when the baseline's stage there is unnamed too
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS n\nRUN echo a\n', after: 'FROM alpine\nRUN echo b\n' })), ['2 rebuilt: new-step: instruction added or edited']);
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nRUN echo a\n', after: 'FROM alpine\nRUN echo b\n' })), ['2 rebuilt: instruction: instruction changed (was `RUN echo a`)']);
  // the counterpart: the same instruction at the same place, else the same keyword there, else the same instruction
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nRUN echo a\nRUN echo b\n', after: 'FROM alpine\nRUN echo b\nRUN echo a\n' })), [
    '2 rebuilt: instruction: instruction changed (was `RUN echo a`)',
    '3 rebuilt: instruction: instruction changed (was `RUN echo b`) | parent@2: follows line 2 `RUN echo b`, which rebuilds',
  ]);
});

test('the target stage by name, stages the baseline lacks, a base image or its platform changed, quotes cut at 60', () => {
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS a\nRUN echo a\nFROM alpine AS b\nRUN echo b\n', base: { target: 'a' }, cur: { target: 'a' } })), ['2 cached: ', "4 skipped: not-built: not built: stage 'b' is not needed by the target stage a"]);
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nRUN echo a\n', after: 'FROM alpine\nRUN echo a\nFROM alpine\nRUN echo b\n' })), ['2 skipped: not-built: not built: stage #0 is not needed by the target stage #1', '4 rebuilt: new-step: instruction added or edited']);
  // an unnamed stage's base is compared with the baseline's stage of the same index
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine:1\nRUN echo a\nFROM debian:1\nRUN echo b\n', after: 'FROM alpine:1\nRUN echo a\nFROM debian:2\nRUN echo b\n' })), ['2 skipped: not-built: not built: stage #0 is not needed by the target stage #1', '4 rebuilt: base: base image changed: debian:1 → debian:2']);
  assert.deepEqual(why(run({ dockerfile: 'FROM --platform=linux/amd64 alpine\nCOPY x /x\n', after: 'FROM --platform=linux/arm64 alpine\nCOPY x /x\n', files: { x: '1' } })), ['2 rebuilt: platform: base image platform changed: linux/amd64 → linux/arm64 (another manifest of alpine)']);
  // scratch has no manifests: its platform is no reason (file ops carry no platform)
  assert.deepEqual(why(run({ dockerfile: 'FROM --platform=linux/amd64 scratch\nCOPY x /x\n', after: 'FROM --platform=linux/arm64 scratch\nCOPY x /y\n', files: { x: '1' } })), ['2 rebuilt: instruction: instruction changed (was `COPY x /x`)']);
  const sixty = 'RUN echo ' + 'x'.repeat(51);
  assert.deepEqual(why(run({ dockerfile: `FROM alpine\n${sixty}\n`, after: `FROM alpine\n${sixty}y\n` })), [`2 rebuilt: instruction: instruction changed (was \`${sixty}\`)`]);
});

test('a source stage is compared with the baseline stage of its name; scratch has no platform; every copied path is named', () => {
  const named = 'FROM alpine AS u\nFROM alpine:1 AS a\nFROM alpine\nCOPY --from=a /x /y\n';
  assert.deepEqual(why(run({ dockerfile: named, after: named.replace('/x /y', '/x /z') })), ['4 rebuilt: instruction: instruction changed (was `COPY --from=a /x /y`)']);
  const sc = 'FROM --platform=linux/amd64 scratch AS s\nFROM s\nCOPY x /x\n';
  assert.deepEqual(why(run({ dockerfile: sc, after: sc.replace('amd64', 'arm64').replace('COPY x /x', 'COPY x /y'), files: { x: '1' } })), ['3 rebuilt: instruction: instruction changed (was `COPY x /x`)']);
  const two = 'FROM alpine:1 AS a\nFROM alpine\nCOPY --from=a /x /y /d/\n';
  assert.deepEqual(why(run({ dockerfile: two, after: two.replace('alpine:1', 'alpine:2') })), ["3 maybe: stage@1: copies /x, /y from stage 'a', which rebuilds: it reruns only if those bytes differ"]);
});

// --- the reasons of a step whose own instruction changed (reasonsFor), one part of the key at a time -------------

test('which part of an edited instruction changed: sources, destination, heredoc, keyword, variables, SHELL, platform', () => {
  // only the source's name differs (COPY keeps the basename in its key): an instruction change, not a moved source
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY a.txt /x/\n', after: 'FROM alpine\nCOPY b.txt /x/\n', files: { 'a.txt': '1', 'b.txt': '1' } })), [
    '2 rebuilt: instruction: instruction changed (was `COPY a.txt /x/`)',
  ]);
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY a.txt /x\n', after: 'FROM alpine\nCOPY a.txt /y\n', files: { 'a.txt': '1' } })), [
    '2 rebuilt: instruction: instruction changed (was `COPY a.txt /x`)',
  ]);
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY <<EOF /x\none\nEOF\n', after: 'FROM alpine\nCOPY <<EOF /x\ntwo\nEOF\n' })), [
    '2 rebuilt: instruction: instruction changed (was `COPY <<EOF /x`)',
  ]);
  // another keyword is another step (the counterpart is looked up by keyword)
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY a.txt /x\n', after: 'FROM alpine\nADD a.txt /x\n', files: { 'a.txt': '1' } })), ['2 rebuilt: new-step: instruction added or edited']);
  // the same text, other values: the variables are named, joined by commas
  const vars = 'FROM alpine\nARG A\nARG B\nCOPY f /$A/$B/\n';
  assert.deepEqual(why(run({ dockerfile: vars, files: { f: '1' }, base: { buildArgs: { A: '1', B: '1' } }, cur: { buildArgs: { A: '2', B: '2' } } })), [
    '4 rebuilt: instruction: instruction changed ($A, $B changed) (was `COPY f /$A/$B/`)',
  ]);
  // another text that uses a variable: no variable is blamed
  assert.deepEqual(why(run({ dockerfile: vars, after: vars.replace('/$A/$B/', '/$A/$B/c/'), files: { f: '1' }, base: { buildArgs: { A: '1', B: '1' } } })), [
    '4 rebuilt: instruction: instruction changed (was `COPY f /$A/$B/`)',
  ]);
  // SHELL: the RUN's text is the same, its shell is not; a COPY after it keeps its key
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nSHELL ["/bin/sh", "-c"]\nCOPY f /f\nRUN echo\n', after: 'FROM alpine\nSHELL ["/bin/bash", "-c"]\nCOPY f /f\nRUN echo\n', files: { f: '1' } })), [
    '3 cached: ',
    '4 rebuilt: shell: SHELL changed',
  ]);
  // (an exec-form RUN uses no shell: cached; a shell-form RUN edited too: an instruction change)
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nSHELL ["/bin/sh", "-c"]\nRUN ["echo"]\n', after: 'FROM alpine\nSHELL ["/bin/bash", "-c"]\nRUN ["echo"]\n' })), ['3 cached: ']);
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nSHELL ["/bin/sh", "-c"]\nRUN echo\n', after: 'FROM alpine\nSHELL ["/bin/bash", "-c"]\nRUN echo 2\n' })), [
    '3 rebuilt: instruction: instruction changed (was `RUN echo`)',
  ]);
  // a RUN's key holds its platform; the stage's first step also names the other manifest
  assert.deepEqual(why(run({ dockerfile: 'FROM --platform=linux/amd64 alpine\nRUN echo\n', after: 'FROM --platform=linux/arm64 alpine\nRUN echo\n' })), [
    "2 rebuilt: platform: platform changed: linux/amd64 → linux/arm64 (every RUN's key holds its platform) | platform: base image platform changed: linux/amd64 → linux/arm64 (another manifest of alpine)",
  ]);
});

test('environment reasons: each changed variable once, in name order, new ones as (unset) (ENV is no step)', () => {
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nENV B=1\nRUN echo\n', after: 'FROM alpine\nENV A=1 B=2\nRUN echo\n' })).at(-1),
    '3 rebuilt: env@2: ENV A changed (unset) → "1" | env@2: ENV B changed "1" → "2"');
});

test('no baseline Dockerfile: every step is new, and says why', () => {
  const e = explain({ current: { text: 'FROM alpine\nRUN echo\n', context: new MemoryContext('c') }, baseline: { text: null, context: null } });
  assert.deepEqual(why(e), ['2 rebuilt: new-step: the baseline has no Dockerfile: nothing is cached']);
});

test('a remote source: another URL, another checksum, the same checksum', () => {
  const add = (u: string, sum = '') => `FROM alpine\nADD ${sum ? `--checksum=${sum} ` : ''}${u} /f\n`;
  // the URL stands in for the bytes: another URL rebuilds
  assert.deepEqual(why(run({ dockerfile: add('https://example.com/a/f.tgz'), after: add('https://example.com/b/f.tgz') })), [
    '2 rebuilt: remote: remote source changed (https://example.com/a/f.tgz → https://example.com/b/f.tgz)',
  ]);
  // the same pinned digest from elsewhere: the same key (BuildKit keys an HTTP source with --checksum by the digest)
  const s = 'sha256:' + 'a'.repeat(64);
  assert.deepEqual(why(run({ dockerfile: add('https://example.com/a/f.tgz', s), after: add('https://example.com/b/f.tgz', s) })), ['2 cached: ']);
  // git: two checkouts of the same shape may give the same tree
  const c1 = '1'.repeat(40);
  const c2 = '2'.repeat(40);
  assert.deepEqual(why(run({ dockerfile: add(`https://g.co/r.git#${c1}`), after: add(`https://g.co/r.git#${c2}`) })), [
    `2 maybe: remote: remote source changed (https://g.co/r.git#${c1} → https://g.co/r.git#${c2}): it reruns only if the fetched bytes differ`,
  ]);
});

test('moved sources: every source named, and the COPY --from wording', () => {
  const files = { 'a/x': '1', 'a/y': '1', 'b/x': '2', 'b/y': '2' };
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nCOPY a/x a/y /d/\n', after: 'FROM alpine\nCOPY b/x b/y /d/\n', files })), [
    '2 rebuilt: files: source moved: a/x a/y → b/x b/y; BuildKit keys a source by its name and content, and the content there differs',
  ]);
  // from a stage: the bytes at the new path decide
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine AS s\nFROM alpine\nCOPY --from=s /a/x /d/\n', after: 'FROM alpine AS s\nFROM alpine\nCOPY --from=s /b/x /d/\n' })), [
    '3 maybe: files: source moved: /a/x → /b/x; it reruns only if the bytes at the new path differ',
  ]);
});

test('changed files: at most 20 listed, 5 named, the ellipsis from the sixth', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 25; i++) files[`d/f${String(i).padStart(2, '0')}`] = '1';
  const edit = (n: number) => (c: MemoryContext) => { for (let i = 0; i < n; i++) c.addFile(`d/f${String(i).padStart(2, '0')}`, '2'); };
  const r = run({ dockerfile: 'FROM alpine\nCOPY d /d\n', files, change: edit(21) }).steps[0]!.reasons[0]!;
  assert.equal(r.count, 21);
  assert.equal(r.paths!.length, 20);
  assert.equal(r.message, '21 context paths it copies changed: d/f00 (modified), d/f01 (modified), d/f02 (modified), d/f03 (modified), d/f04 (modified), …');
  const five = run({ dockerfile: 'FROM alpine\nCOPY d /d\n', files, change: edit(5) }).steps[0]!.reasons[0]!;
  assert.equal(five.message, '5 context paths it copies changed: d/f00 (modified), d/f01 (modified), d/f02 (modified), d/f03 (modified), d/f04 (modified)');
  // an explicit change list says modified (nothing is known of the two states)
  const ctx = new MemoryContext('c', { x: '1' });
  const e = explain({ current: { text: 'FROM alpine\nCOPY x /x\n', context: ctx }, baseline: { text: 'FROM alpine\nCOPY x /x\n', context: null }, changed: ['x'] });
  assert.deepEqual(e.steps[0]!.reasons[0]!.paths, [{ path: 'x', change: 'modified' }]);
});

test('same size and mtime: maybe, and only those paths are named (at most 5)', () => {
  const files: Record<string, string> = { a: '1', b: '1', c: '1', d: '1', e: '1', f: '1', g: '1' };
  const base = new MemoryContext('b', files);
  const cur = base.clone('c');
  for (const p of Object.keys(files)) cur.addFile(p, '2');
  const text = 'FROM alpine\nCOPY . /app\nRUN echo\n';
  const ex = (same: string[]) => explain({ current: { text, context: cur }, baseline: { text, context: base }, sameStat: same });
  // every changed path kept its size and mtime: a warm builder hits
  const all = ex(Object.keys(files));
  assert.deepEqual(all.steps.map((r) => r.status), ['maybe', 'maybe']);
  assert.equal(all.steps[0]!.reasons[1]!.kind, 'files');
  assert.equal(all.steps[0]!.reasons[1]!.message, 'a, b, c, d, e changed with the same size and mtime: a builder that already holds this context keeps the old bytes (its transfer compares size and mtime) and hits; a fresh builder rebuilds');
  // one of them did not: rebuilt, and only the others are named
  const some = ex(['b', 'd']);
  assert.deepEqual(some.steps.map((r) => r.status), ['rebuilt', 'rebuilt']);
  assert.equal(some.steps[0]!.reasons[1]!.message.split(' changed')[0], 'b, d');
});

test('ONBUILD triggers: a changed one names the old trigger, a new one is new (not an edit of the stage\'s first RUN)', () => {
  const t = (on: string) => `FROM alpine AS base\n${on}FROM base\nRUN echo x\n`;
  assert.deepEqual(why(run({ dockerfile: t('ONBUILD RUN echo a\n'), after: t('ONBUILD RUN echo b\n') })), [
    '3 rebuilt: trigger: ONBUILD trigger changed (was `RUN echo a`)',
    '4 rebuilt: parent@3: follows line 3 `RUN echo b`, which rebuilds',
  ]);
  assert.deepEqual(why(run({ dockerfile: t(''), after: t('ONBUILD RUN echo b\n') })), [
    '3 rebuilt: new-step: ONBUILD trigger added or changed',
    '4 rebuilt: parent@3: follows line 3 `RUN echo b`, which rebuilds',
  ]);
});

test('remote and SOURCE_DATE_EPOCH reasons only for what changed; a SHELL edit and an exec-form RUN is an edit', () => {
  // a new ADD of a URL: new, nothing about the remote
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\n', after: 'FROM alpine\nADD https://e.com/f /f\n' })), ['2 rebuilt: new-step: instruction added or edited']);
  // the same URL to another place: the instruction, not the remote
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nADD https://e.com/f /a\n', after: 'FROM alpine\nADD https://e.com/f /b\n' })), ['2 rebuilt: instruction: instruction changed (was `ADD https://e.com/f /a`)']);
  // BuildKit >= 0.22 with the same SOURCE_DATE_EPOCH: a WORKDIR edit is only that
  const sde = { buildkitVersion: '0.22', buildArgs: { SOURCE_DATE_EPOCH: '1' } };
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nWORKDIR /w\n', after: 'FROM alpine\nWORKDIR /v\n', base: sde })), ['2 rebuilt: instruction: instruction changed (was `WORKDIR /w`)']);
  // a shell-form RUN made exec-form under another SHELL: the instruction changed (the script is the same text)
  assert.deepEqual(why(run({ dockerfile: 'FROM alpine\nSHELL ["/bin/sh", "-c"]\nRUN echo\n', after: 'FROM alpine\nSHELL ["/bin/bash", "-c"]\nRUN ["echo"]\n' })), [
    '3 rebuilt: instruction: instruction changed (was `RUN echo`)',
  ]);
});

test('several stages of one name (BuildKit accepts them): each is compared with the baseline stage of the same rank', () => {
  // the counterpart was the first stage of the name: an edit of the second quoted the first one's RUN, and a base
  // image change of the second named the first one's image (moby/buildkit#2158: duplicate names build, "undefined
  // behavior"; FROM a reads the last one before it)
  const d = 'FROM alpine:1 AS a\nRUN x\nFROM alpine:2 AS a\nRUN y\nFROM a\nRUN z\n';
  assert.deepEqual(why(run({ dockerfile: d, after: d.replace('RUN y', 'RUN y2') })).slice(1), ['4 rebuilt: instruction: instruction changed (was `RUN y`)', "6 rebuilt: base@4: built FROM stage 'a', which rebuilds"]);
  assert.deepEqual(why(run({ dockerfile: d, after: d.replace('alpine:2', 'alpine:3') }))[1], '4 rebuilt: base: base image changed: alpine:2 → alpine:3');
  // the first of them, built because a COPY --from names it by its index: compared with the baseline's first
  const both = 'FROM alpine AS a\nRUN x\nFROM alpine AS a\nRUN y\nFROM alpine\nCOPY --from=0 /x /x\nCOPY --from=a /y /y\n';
  assert.deepEqual(why(run({ dockerfile: both, after: both.replace('RUN x', 'RUN x2') }))[0], '2 rebuilt: instruction: instruction changed (was `RUN x`)');
  // a third stage of the name in the current file only: compared with the baseline's last one of it
  const more = d.replace('FROM a\n', 'FROM alpine:2 AS a\nRUN w\nFROM a\n');
  assert.deepEqual(why(run({ dockerfile: d, after: more }))[2], '6 rebuilt: instruction: instruction changed (was `RUN y`)');
});
