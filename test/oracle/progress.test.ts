// Unit test of the plain-progress parser on logs captured from real dockerd 20.10.24 builds (test/oracle/logs/,
// written with LAYERWISE_ORACLE_SAVE_LOGS; our own outputs). Needs no builder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSucceeded, parseSteps, parseVertices, stagesInLog, stepsByStage } from './progress';
import { agrees, compare, makeTar, type CliStep } from './harness';

const LOGS = resolve(__dirname, '..', '..', '..', 'test', 'oracle', 'logs');
const log = (name: string) => readFileSync(join(LOGS, name), 'utf8');

/** `stage:status` per step, stages in first-seen order, steps by number. */
function summary(text: string): string[] {
  const out: string[] = [];
  for (const [stage, steps] of stepsByStage(parseSteps(text))) for (const s of steps) out.push(`${stage || '-'}:${s.number}:${s.status}`);
  return out;
}

test('single-stage log: no stage prefix, FROM and [internal] dropped, CACHED vs DONE', () => {
  const text = log('single-stage.log'); // manifest-first/edit-src, second build
  assert.deepEqual(stepsByStage(parseSteps(text)).get('')!.map((s) => s.text), [
    'WORKDIR /app',
    'COPY package.json ./',
    'RUN cat package.json > /installed && echo installing',
    'COPY . .',
    'RUN cat src.js > /built',
  ]);
  assert.deepEqual(summary(text), ['-:2:C', '-:3:C', '-:4:C', '-:5:R', '-:6:R']);
  assert.ok(buildSucceeded(text));
});

test('multi-stage log: stage names, numbering per stage, COPY --from cached after the source stage re-ran', () => {
  const text = log('multi-stage-copy-from.log'); // multi/copy-from-identical-bytes, second build
  assert.deepEqual(summary(text), [
    'builder:2:R', 'builder:3:R', 'builder:4:R',
    'final:2:C', 'final:3:C', 'final:4:C', 'final:5:C',
  ]);
  assert.ok(!stagesInLog(text).has('unused'), 'the unused stage is not built');
  assert.equal(stepsByStage(parseSteps(text)).get('final')![1].text, 'COPY --from=builder /artifact /artifact');
});

test('ONBUILD trigger: numbered first in the child, no FROM vertex for a stage base', () => {
  const text = log('onbuild-trigger.log'); // onbuild/trigger-text-changed, second build
  const child = stepsByStage(parseSteps(text)).get('child')!;
  assert.deepEqual(child.map((s) => [s.number, s.text, s.status]), [
    [1, 'RUN echo trigger-v2 > /trig', 'R'],
    [2, 'WORKDIR /w', 'R'],
    [3, 'RUN echo child > /child', 'R'],
  ]);
  assert.deepEqual(summary(text).filter((s) => s.startsWith('parent')), ['parent:2:C']);
});

test('single-stage Dockerfile with RUN --mount: dockerd prints a stage-0 prefix', () => {
  const text = log('mounts-single-stage.log'); // mount/other-file-edited, second build
  assert.deepEqual([...stepsByStage(parseSteps(text)).keys()], ['stage-0']);
  assert.deepEqual(summary(text), ['stage-0:2:C', 'stage-0:3:C', 'stage-0:4:C', 'stage-0:5:R', 'stage-0:6:R']);
});

test('failed build: ERROR vertex, repeated headers of one vertex, not a success', () => {
  const text = log('failed-build.log');
  assert.ok(!buildSucceeded(text));
  const vs = parseVertices(text);
  assert.equal(vs.filter((v) => v.id === 5).length, 1, 'a vertex printed three times is one vertex');
  assert.deepEqual(summary(text), ['-:2:C', '-:3:E']);
});

test('interleaved output and output lines that look like statuses', () => {
  const text = [
    '#5 [b 2/3] RUN echo DONE', '#5 sha256:aa', '#5 0.05 DONE', '',
    '#6 [a 2/2] RUN echo a', '#6 sha256:bb', '',
    '#5 [b 2/3] RUN echo DONE', '#5 0.06 CACHED', '#5 DONE 0.1s', '',
    '#6 [a 2/2] RUN echo a', '#6 CACHED', '',
    '#7 [b 3/3] COPY x /x', '#7 DONE 0.0s', '',
    '#8 exporting to image', '#8 DONE 0.0s',
  ].join('\n');
  assert.deepEqual(summary(text), ['b:2:R', 'b:3:R', 'a:2:C']);
  assert.ok(buildSucceeded(text));
});

test('agreement rules: rebuilt<->R, cached<->C, maybe either, skipped<->not built', () => {
  assert.ok(agrees('R', 'rebuilt') && agrees('C', 'cached') && agrees('R', 'maybe') && agrees('C', 'maybe') && agrees('-', 'skipped'));
  assert.ok(!agrees('C', 'rebuilt') && !agrees('R', 'cached') && !agrees('-', 'maybe') && !agrees('R', 'skipped') && !agrees('-', 'cached'));
});

test('compare aligns by stage + ordinal and reports unbuilt stages as "-"', () => {
  const text = log('multi-stage-copy-from.log');
  const mk = (stage: string, stageIndex: number, line: number, instruction: string, status: string): CliStep =>
    ({ stage, stageIndex, line, instruction, status, reasons: [] });
  const cli: CliStep[] = [
    mk('builder', 0, 2, 'COPY lib.txt /lib.txt', 'rebuilt'),
    mk('builder', 0, 3, 'RUN wc -l < /lib.txt > /artifact', 'rebuilt'),
    mk('builder', 0, 4, 'COPY notes.txt /notes.txt', 'rebuilt'),
    mk('unused', 1, 6, 'RUN echo unused > /u', 'skipped'),
    mk('final', 2, 8, 'RUN echo final-prep > /p', 'cached'),
    mk('final', 2, 9, 'COPY --from=builder /artifact /artifact', 'maybe'),
    mk('final', 2, 10, 'RUN cat /artifact > /final', 'maybe'),
    mk('final', 2, 11, 'COPY app.txt /app.txt', 'rebuilt'), // wrong on purpose
  ];
  const { rows, problems } = compare(text, cli);
  assert.deepEqual(problems, []);
  assert.deepEqual(rows.map((r) => `${r.line}:${r.real}:${r.ok ? 'ok' : 'bad'}`),
    ['2:R:ok', '3:R:ok', '4:R:ok', '6:-:ok', '8:C:ok', '9:C:ok', '10:C:ok', '11:C:bad']);
  const short = compare(text, cli.filter((s) => s.line !== 3));
  assert.ok(short.problems.some((p) => p.includes('the real build has 3 step(s)')), 'a step-count mismatch is reported');
  assert.ok(short.problems.some((p) => p.includes('different instruction')), 'a misaligned instruction is reported');
});

test('makeTar is deterministic and mtime-sensitive', () => {
  const m = [{ name: 'a.txt', content: 'x\n' }];
  assert.deepEqual(makeTar(m), makeTar(m));
  assert.notDeepEqual(makeTar(m), makeTar([{ ...m[0], mtime: 5 }]));
  assert.equal(makeTar(m).length % 512, 0);
});
