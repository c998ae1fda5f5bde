// apt-update-alone in detail (engine/rules/apt-update-alone.ts): messages, related information, when the merge fix is
// offered and its exact text. Written against the mutants StrykerJS found alive in the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, fixAll, RULES } from '../../server/src/engine';

const RULE = 'apt-update-alone';
const find = (text: string) => check(text, null).findings.filter((f) => f.rule === RULE);
const fixed = (text: string) => fixAll(text, null, {}, (f) => f.rule === RULE).text;

test('catalogue entry', () => {
  const r = RULES.find((x) => x.id === RULE)!;
  assert.equal(r.title, 'Package index update in its own RUN');
  assert.equal(r.defaultSeverity, 'warning');
  assert.match(r.description, /^A RUN refreshes the package index .* and a later RUN installs from that index without refreshing it/);
});

test('with a later install: message names it and its line, related points at it, fix merges', () => {
  const text = 'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n';
  const [f, ...rest] = find(text);
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'warning');
  assert.deepEqual(f!.range.start, { line: 1, character: 0 });
  assert.equal(f!.message, '`RUN apt-get update` installs nothing: its layer keeps the package index of the day it was cached, and `RUN apt-get install -y curl` on line 3 installs from that stale index (editing the install alone never refreshes it). Update and install in one RUN.');
  assert.deepEqual(f!.related?.map((r) => [r.range.start.line, r.message]), [[2, 'installs from the index that step cached']]);
  assert.equal(f!.fix?.title, 'Merge `RUN apt-get update` into the install on line 3');
  assert.equal(fixed(text), 'FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl\n');
});

test('without any later install: reported, no related, no fix', () => {
  const [f] = find('FROM debian:12\nRUN apt-get update\nRUN echo done\n');
  assert.equal(f!.message, '`RUN apt-get update` installs nothing: its cached layer keeps an old package index and only makes the image bigger. Update in the same RUN that installs.');
  assert.equal(f!.related, undefined);
  assert.equal(f!.fix, undefined);
});

test('near misses: update and install together, another manager, COPY/ONBUILD lines, an install of another manager later', () => {
  assert.equal(find('FROM debian:12\nRUN apt-get update && apt-get install -y curl\n').length, 0);
  assert.equal(find('FROM debian:12\nCOPY a /a\nRUN echo apt-get update\n').length, 0);
  assert.equal(find('FROM debian:12\nONBUILD RUN apt-get update\n').length, 0);
  assert.equal(find('FROM alpine\nRUN apk update && apk add curl\nRUN apt-get install -y x\n').length, 0);
  // an apk update alone, followed by an apt-get install (another manager) and then an apk add: the apk add is its install
  const [f] = find('FROM alpine\nRUN apk update\nRUN apt-get install -y x\nCOPY a /a\nRUN apk add curl\n');
  assert.match(f!.message, /`RUN apk add curl` on line 5/);
  assert.equal(f!.fix, undefined, 'not adjacent: no fix');
});

test('the fix only when safe: not adjacent, ENV between, update mixed with other commands, mounts, heredocs, continuation', () => {
  const none = (text: string) => {
    const [f] = find(text);
    assert.ok(f, text);
    assert.equal(f.fix, undefined, text);
  };
  none('FROM debian:12\nRUN apt-get update\nRUN echo x\nRUN apt-get install -y curl\n');
  none('FROM debian:12\nRUN apt-get update\nENV A=1\nRUN apt-get install -y curl\n');
  none('FROM debian:12\nRUN apt-get update && echo done\nRUN apt-get install -y curl\n');
  none('FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt apt-get update\nRUN apt-get install -y curl\n');
  none('FROM debian:12\nRUN <<EOF\napt-get update\nEOF\nRUN apt-get install -y curl\n');
  none('FROM debian:12\nRUN apt-get update\nRUN <<EOF\napt-get install -y curl\nEOF\n');
  none('FROM debian:12\nRUN apt-get \\\n  update\nRUN apt-get install -y curl\n');
  none('FROM debian:12\nRUN ["apt-get", "update"]\nRUN apt-get install -y curl\n');
  none('FROM debian:12\nRUN apt-get update\nRUN ["apt-get", "install", "-y", "curl"]\n');
  // LABEL between does not matter
  assert.equal(fixed('FROM debian:12\nRUN apt-get update\nLABEL a=1\nRUN apt-get install -y curl\n'), 'FROM debian:12\nLABEL a=1\nRUN apt-get update && \\\n    apt-get install -y curl\n');
});

test('the merged text keeps indentation, flags and continuation lines of the install, and trims the update', () => {
  assert.equal(fixed('FROM debian:12\nRUN   apt-get update  \n  RUN  --network=default   apt-get install -y \\\n    curl\n'), 'FROM debian:12\n  RUN  --network=default   apt-get update && \\\n    apt-get install -y \\\n    curl\n');
  assert.equal(fixed('FROM debian:12\nRUN apt-get update\nRUN apt-get install -y a; apt-get install -y b\n'), 'FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y a; apt-get install -y b\n');
});

// survivors of the mutation run of 2026-12-01 (test/mutation-equivalents.md)
test('ONBUILD updates run in the child as triggers: neither reported nor read as the index of a later install', () => {
  assert.deepEqual(find('FROM debian:12 AS p\nONBUILD RUN apt-get update\nFROM p\nRUN apt-get install -y curl\n'), []);
  // an update in the parent stage is read by the child's install
  const [f, ...rest] = find('FROM debian:12 AS p\nRUN apt-get update\nFROM p\nRUN apt-get install -y curl\n');
  assert.deepEqual([rest.length, f!.severity, f!.related?.map((r) => r.range.start.line), f!.fix], [0, 'warning', [3], undefined]);
});

test('other package commands: a remove alone is nothing; an update before a remove only is info', () => {
  assert.deepEqual(find('FROM debian:12\nRUN apt-get remove -y x\n'), []);
  assert.deepEqual(find('FROM debian:12\nRUN apt-get remove -y x\nRUN apt-get install -y y\n'), []);
  const [f, ...rest] = find('FROM debian:12\nRUN apt-get update\nRUN apt-get remove -y x\n');
  assert.deepEqual([rest.length, f!.severity, f!.fix, f!.related], [0, 'info', undefined, undefined]);
});

test('an update with an install of another manager in its RUN installs nothing from its index: merged by hand only', () => {
  const [f, ...rest] = find('FROM debian:12\nRUN apt-get update && apk add x\nRUN apt-get install -y curl\n');
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'warning');
  assert.match(f!.message, /installs nothing: its layer keeps the package index .* `RUN apt-get install -y curl` on line 3/);
  assert.equal(f!.fix, undefined);
});

test('two update-only RUNs: the install reads the second, the first only adds an index', () => {
  const text = 'FROM debian:12\nRUN apt-get update\nRUN apt-get update\nRUN apt-get install -y curl\n';
  const fs = find(text);
  assert.deepEqual(fs.map((f) => [f.range.start.line, f.severity, !!f.fix]), [[1, 'info', false], [2, 'warning', true]]);
  assert.match(fs[0]!.message, /^`RUN apt-get update` installs nothing, and `RUN apt-get install -y curl` on line 4 fetches its own index/);
  assert.equal(fixed(text), 'FROM debian:12\nRUN apt-get update\nRUN apt-get update && \\\n    apt-get install -y curl\n');
});

test('related information names at most five installs', () => {
  const installs = 'abcdef'.split('').map((p) => `RUN apt-get install -y ${p}`).join('\n');
  const [f] = find(`FROM debian:12\nRUN apt-get update\n${installs}\n`);
  assert.deepEqual(f!.related?.map((r) => r.range.start.line), [2, 3, 4, 5, 6]);
});

test('an index removed between update and install, or removed by the update itself, is not read', () => {
  const [f, ...rest] = find('FROM debian:12\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\nRUN apt-get install -y curl\n');
  assert.deepEqual([rest.length, f!.severity], [0, 'info']);
  assert.deepEqual(find('FROM debian:12\nRUN apt-get update && apt-get install -y a && rm -rf /var/lib/apt/lists/*\nRUN apt-get install -y b\n'), []);
});

test('an update that installs and leaves its index: the later install reads it, named with its line', () => {
  const [f] = find('FROM debian:12\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y curl\n');
  assert.equal(f!.message, '`RUN apt-get update && apt-get install -y a` leaves its package index in the layer, and `RUN apt-get install -y curl` on line 3 installs from that index as it was when this layer was cached, without refreshing it (editing the install alone never does). Update in the RUN that installs.');
  assert.equal(f!.fix, undefined);
});

test('an update-only RUN after the installs: the plain info, not "a later install fetches its own index"', () => {
  const fs = find('FROM debian:12\nRUN apt-get update && apt-get install -y a\nRUN apt-get update\n');
  assert.deepEqual(fs.map((f) => [f.range.start.line, f.severity]), [[2, 'info']]);
  assert.match(fs[0]!.message, /^`RUN apt-get update` installs nothing: its cached layer keeps an old package index/);
});

test('with apk the messages also name `apk add --no-cache`, which needs no update; other managers do not', () => {
  const [f] = find('FROM alpine:3.20\nRUN apk update\nRUN apk add curl\n');
  assert.equal(f!.message, '`RUN apk update` installs nothing: its layer keeps the package index of the day it was cached, and `RUN apk add curl` on line 3 installs from that stale index (editing the install alone never refreshes it). Update and install in one RUN, or install with `apk add --no-cache`, which fetches its own index.');
  const [g] = find('FROM alpine:3.20\nRUN apk add -U git\nRUN apk add curl\n');
  assert.match(g!.message, /Update in the RUN that installs, or install with `apk add --no-cache`, which fetches its own index\.$/);
  const [h] = find('FROM debian:12\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y curl\n');
  assert.doesNotMatch(h!.message, /apk/);
});

test('apt-update-alone: an update whose index the same RUN removes adds nothing to the image: not reported', () => {
  assert.deepEqual(find('FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n'), []);
  assert.equal(find('FROM debian\nRUN apt-get update\n').length, 1);
});
