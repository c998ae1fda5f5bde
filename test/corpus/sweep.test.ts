// Robustness sweep over the real-world corpus in ../shared/corpus (read in place, never copied): for every Dockerfile,
// with its build context simulated in memory from the repo listing, analyze + stepReads + explain (baseline == current
// must be all cached; a change to a file the first COPY reads must rebuild it) + analyze for every stage as target.
// Each file runs in a worker with a watchdog, so a hang fails the file instead of hanging the suite.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS_DIR, type CheckResult } from './checks';
import { Guard } from './guard';

// a watchdog for hangs, not a speed limit (the per-file times are printed below; speed belongs in bench/)
const HANG_MS = 60_000;
const present = fs.existsSync(path.join(CORPUS_DIR, 'manifest.jsonl')) && fs.existsSync(path.join(CORPUS_DIR, 'dockerfiles'));

if (!present) {
  const msg = `corpus not found at ${CORPUS_DIR} (expected ../shared/corpus beside the repo)`;
  if (process.env.CI === 'true') test('corpus sweep', () => assert.fail(msg + ' — CI always has ../shared'));
  else test('corpus sweep', { skip: msg + ': skipped' }, () => {});
} else {
  const files = fs.readdirSync(path.join(CORPUS_DIR, 'dockerfiles')).sort();
  const results: CheckResult[] = [];
  const guard = new Guard();

  describe(`corpus sweep (${files.length} Dockerfiles from ${CORPUS_DIR})`, () => {
    after(async () => {
      await guard.close();
      const withProblems = results.filter((r) => r.problems.length);
      const failed = results.filter((r) => r.failures.length);
      const slow = [...results].sort((a, b) => b.ms - a.ms).slice(0, 5);
      const total = results.reduce((s, r) => s + r.ms, 0);
      const changes = results.filter((r) => r.change);
      const lines = [
        '',
        `corpus sweep: ${results.length}/${files.length} files analysed in ${total.toFixed(0)} ms engine time ` +
          `(${results.filter((r) => r.contextFiles !== null).length} with a simulated context), ${failed.length} with failures`,
        `  parse problems (model.problems) in ${withProblems.length} files:`,
        ...withProblems.map((r) => `    ${r.name}: ${r.problems.length} — ${r.problems.slice(0, 2).join(' | ')}${r.problems.length > 2 ? ' | …' : ''}`),
        `  change-set explain: ${changes.length} files have a COPY/ADD/bind reading the context; ` +
          `${changes.filter((r) => r.change!.selected).length} touched a sent file the step selects → ` +
          Object.entries(
            changes.filter((r) => r.change!.selected).reduce<Record<string, number>>((m, r) => ((m[r.change!.status] = (m[r.change!.status] ?? 0) + 1), m), {}),
          )
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        '  slowest 5 files (engine ms / context setup ms / lines / context files):',
        ...slow.map((r) => `    ${r.ms.toFixed(1).padStart(8)} ms  ${r.setupMs.toFixed(1).padStart(6)} ms  ${String(r.lines).padStart(5)}  ${String(r.contextFiles ?? '-').padStart(6)}  ${r.name}`),
      ];
      console.log(lines.join('\n'));
    });

    for (const file of files) {
      test(file, async () => {
        const r = await guard.run('corpus', file, HANG_MS);
        results.push(r);
        assert.deepEqual(r.failures, [], `${file}: engine failures`);
      });
    }
  });
}
