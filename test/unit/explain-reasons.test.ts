// explain's reasons about other stages and about steps that moved (engine/explain.ts reasonsFor, finalState,
// counterpart, notBuiltMessage): every reason must be true for the Dockerfile in front of the user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
