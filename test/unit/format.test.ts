// engine/format.ts: the counts in messages are written as Intl's en-US formatter writes them, without loading ICU
// (its first use cost each server thread 60-340 ms), and rule ids sort as localeCompare sorts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCodeUnits, fmtInt } from '../../server/src/engine/format';
import { RULES } from '../../server/src/engine/rules';

test('fmtInt writes what toLocaleString("en-US") writes', () => {
  const xs = [0, 1, -1, 7, 12, 999, 1000, -1000, 1001, 12_345, 99_999, 100_000, 999_999, 1_000_000, 2_097_152, -7_654_321, 2 ** 31, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.5, 1234.5678, -0, 1e21, NaN, Infinity];
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    xs.push(Math.floor(seed / 10 ** (i % 9)) * (i % 2 ? 1 : -1));
  }
  for (const n of xs) assert.equal(fmtInt(n), n.toLocaleString('en-US'), String(n));
});

test('rule ids sort by code units as they do by localeCompare', () => {
  const ids = RULES.map((r) => r.id);
  assert.ok(ids.length > 10);
  assert.deepEqual([...ids].sort(compareCodeUnits), [...ids].sort((a, b) => a.localeCompare(b)));
  for (const a of ids) for (const b of ids) assert.equal(Math.sign(compareCodeUnits(a, b)), Math.sign(a.localeCompare(b)), `${a} ${b}`);
});
