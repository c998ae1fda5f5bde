// Hand-written hostile inputs: each must give a model (problems allowed) without throwing, and explain with
// baseline == current must say every step is cached (or skipped). Each runs in a worker with a watchdog.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { ROBUST_CASES } from './checks';
import { Guard } from './guard';

const guard = new Guard();

describe('robustness on hostile inputs', () => {
  after(() => guard.close());
  for (const name of Object.keys(ROBUST_CASES)) {
    test(name, async () => {
      // generous watchdog: only a hang should trip it (speed is not asserted here)
      const r = await guard.run('robust', name, 120_000);
      if (/20,000|1 MB/.test(name))
        console.log(`  ${name}: ${r.ms.toFixed(0)} ms (${r.lines} lines, ${r.stages} stages, ${r.steps} steps, ${r.problems.length} problems)`);
      assert.deepEqual(r.failures, [], `${name}: engine failures`);
    });
  }
});
