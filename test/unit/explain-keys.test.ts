// explain's reuse of clean keys against hashing every step, on the corpus (slow: not in the mutation groups, whose
// explain tests are fast; explain.test.ts checks the reuse on small cases). Split from explain.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, explain } from '../../server/src/engine';
import { setKeyReuse } from '../../server/src/engine/explain';
import { corpusContext, corpusDockerfilesOrSkip, readManifest, rng } from '../corpus/checks';
import { why } from './helpers';

describe('incremental keys', () => {
  // explain reuses a model's clean keys (no changed path) for every step nothing changed reaches; the reference
  // (setKeyReuse(false)) hashes every step. Both must give the same statuses and reasons on the corpus with seeded
  // context changes (modified, removed, added paths; a moved COPY source for the full form).
  test('clean-key reuse gives the same explanation as hashing every step (corpus, seeded changes)', (t) => {
    const dir = corpusDockerfilesOrSkip(t);
    if (!dir) return;
    const r = rng(14);
    let compared = 0;
    let changedSteps = 0;
    for (const [file, m] of readManifest()) {
      const text: string = fs.readFileSync(path.join(dir, file), 'utf8');
      const base = corpusContext(m);
      const cur = corpusContext(m);
      if (!base || !cur) continue;
      const all = [...cur.paths()].filter((p) => cur.entry(p)?.type === 'file');
      if (!all.length) continue;
      for (let k = 0; k < 2; k++) {
        const changed: string[] = [];
        for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) {
          const p = all[Math.floor(r() * all.length)]!;
          const kind = r();
          if (kind < 0.6) cur.addListed(p, 1_000_000 + Math.floor(r() * 1000));
          else if (kind < 0.8) cur.remove(p);
          else cur.addListed(p.replace(/[^/]*$/, 'layerwise-new-' + i), 3);
          changed.push(p);
        }
        // sometimes a COPY source written differently (full form on both sides)
        const after: string = r() < 0.3 ? text.replace(/^(COPY\s+(?:--\S+\s+)*)(\S+)/m, '$1./$2') : text;
        const one = (reuse: boolean): string[] => {
          setKeyReuse(reuse);
          try {
            const bm = analyze(text);
            return why(explain({ current: { text: after, context: cur }, baseline: { text, context: base }, changedHint: changed, baselineModel: bm }));
          } finally {
            setKeyReuse(true);
          }
        };
        const fresh: string[] = one(false);
        assert.deepEqual(one(true), fresh, `${file} change ${k}`);
        changedSteps += fresh.filter((x) => !/ (cached|skipped):/.test(x)).length;
        compared++;
      }
    }
    t.diagnostic(`${compared} explanations compared, ${changedSteps} steps not cached`);
    assert.ok(compared > 100 && changedSteps > 100);
  });
});
