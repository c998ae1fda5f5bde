// Behaviours that deliberate bugs once slipped past every suite (issue 10): each test here failed with its bug put
// in by hand. Kept apart from the per-area files so they stay easy to find.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, check, fixAll, MemoryContext } from '../../server/src/engine';
import { run, statuses, table } from './helpers';

describe('cache keys', () => {
  test('a declared ARG HTTP_PROXY (or any proxy arg) never enters the RUN key', () => {
    const dockerfile = 'FROM localbase\nARG HTTP_PROXY\nARG https_proxy\nARG NO_PROXY\nRUN echo a\n';
    const e = run({
      dockerfile,
      base: { buildArgs: { HTTP_PROXY: 'http://a:3128', https_proxy: 'http://a:3129', NO_PROXY: 'a' } },
      cur: { buildArgs: { HTTP_PROXY: 'http://b:3128', https_proxy: 'http://b:3129', NO_PROXY: 'b' } },
    });
    assert.deepEqual(statuses(e), ['C'], table(e));
    const run0 = analyze(dockerfile, { buildArgs: { HTTP_PROXY: 'http://a:3128' } }).steps[0]!;
    assert.deepEqual(run0.env.filter(([k]) => /proxy/i.test(k)), []);
  });

  test('an ENV overrides a later ARG of the same name (the build arg changes nothing)', () => {
    const dockerfile = 'FROM localbase\nENV V=1\nARG V\nARG W=dflt\nENV W=env\nARG W\nRUN echo "$V $W"\n';
    const e = run({ dockerfile, base: { buildArgs: { V: '2', W: 'x' } }, cur: { buildArgs: { V: '3', W: 'y' } } });
    assert.deepEqual(statuses(e), ['C'], table(e));
    const step = analyze(dockerfile, { buildArgs: { V: '2', W: 'x' } }).steps[0]!;
    assert.deepEqual(step.env.filter(([k]) => k === 'V' || k === 'W'), [['V', '1'], ['W', 'env']]);
  });
});

describe('fixes', () => {
  test('broad-copy-before-install: no fix when another step sits between the broad COPY and the install', () => {
    const ctx = new MemoryContext('ctx', { 'package.json': '{}', 'package-lock.json': '{}', 'a.js': 'a', 'b.js': 'b', 'c.js': 'c' });
    const text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN node a.js > /prep\nRUN npm ci\n';
    const f = check(text, ctx).findings.filter((x) => x.rule === 'broad-copy-before-install');
    assert.equal(f.length, 1, 'still reported');
    assert.equal(f[0]!.fix, undefined);
    assert.equal(fixAll(text, ctx, {}, (x) => x.rule === 'broad-copy-before-install').text, text);
  });

  test('apt-update-alone: the merge keeps the install\'s --mount flags', () => {
    const text = 'FROM debian:12\nRUN apt-get update\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --network=default apt-get install -y curl\n';
    const out = fixAll(text, null, {}, (x) => x.rule === 'apt-update-alone').text;
    assert.equal(out, 'FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked --network=default apt-get update && \\\n    apt-get install -y curl\n');
  });
});
