// explain's reuse of clean keys against hashing every step, on the corpus (slow: not in the mutation groups, whose
// explain tests are fast; explain.test.ts checks the reuse on small cases). Split from explain.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, explain, explanationJson, MemoryContext, type ContextSnapshot } from '../../server/src/engine';
import { contentKeys, setKeyReuse } from '../../server/src/engine/explain';
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

  // The live forecast's case: the same two model objects (one, when the text is HEAD's) explained again after each
  // context event, the hint growing with every path an event named — what the forecast keeps from one explain to the
  // next (clean keys, each step's last key material per side, the reads' changed paths per changed-path map) must give
  // exactly what an explain from scratch gives (fresh models, nothing reused), event after event.
  test('a sequence of context events on kept models gives what a full recomputation gives (corpus, seeded events)', (t) => {
    const dir = corpusDockerfilesOrSkip(t);
    if (!dir) return;
    const r = rng(20261202);
    let compared = 0;
    let changedSteps = 0;
    let differed = 0;
    let reverted = 0;
    for (const [file, m] of readManifest()) {
      const text: string = fs.readFileSync(path.join(dir, file), 'utf8');
      const base = corpusContext(m);
      const cur = corpusContext(m);
      if (!base || !cur) continue;
      const all = [...cur.paths()].filter((p) => cur.entry(p)?.type === 'file');
      if (!all.length) continue;
      // half the files keep HEAD's text (one model on both sides, as in the forecast), half have a COPY source moved
      const after: string = r() < 0.5 ? text : text.replace(/^(COPY\s+(?:--\S+\s+)*)(\S+)/m, '$1./$2');
      const bm = analyze(text);
      const cm = after === text ? bm : analyze(after);
      const hint = new Set<string>();
      let previous = '';
      const touched: string[] = [];
      for (let k = 0; k < 5; k++) {
        // one event: a path modified, removed or added; or one changed before modified again (a new content) or put
        // back as the baseline has it (its steps' keys go back to the pool's: a key kept from before would miss it)
        const again = touched.length > 0 && r() < 0.5;
        const p = again ? touched[Math.floor(r() * touched.length)]! : all[Math.floor(r() * all.length)]!;
        const kind = r();
        let named = p;
        if (again && kind < 0.5) {
          const e = base.entry(p);
          if (e?.type === 'file') cur.addListed(p, e.size ?? null);
          else cur.remove(p);
        } else if (again || kind < 0.6) cur.addListed(p, 2_000_000 + Math.floor(r() * 1000));
        else if (kind < 0.8) cur.remove(p);
        else cur.addListed((named = p.replace(/[^/]*$/, 'layerwise-event-' + k)), 5);
        if (again && kind < 0.5) reverted++;
        hint.add(named);
        touched.push(named);
        const meta = { dockerfile: file, context: '.', problems: [], baseline: 'HEAD' };
        const kept = explain({ current: { text: after, context: cur }, baseline: { text, context: base }, changedHint: hint, currentModel: cm, baselineModel: bm });
        // the keys themselves (a kept key that is wrong shows in a status only when it happens to be in the pool):
        // contentKeys computes the same model's keys again after each event
        const keptKeys = contentKeys(cm, cur);
        setKeyReuse(false);
        let fresh;
        let freshKeys;
        try {
          fresh = explain({ current: { text: after, context: cur }, baseline: { text, context: base }, changedHint: hint });
          freshKeys = contentKeys(analyze(after), cur);
        } finally {
          setKeyReuse(true);
        }
        assert.deepEqual(keptKeys, freshKeys, `${file} event ${k} (content keys)`);
        const want = why(fresh);
        assert.deepEqual(why(kept), want, `${file} event ${k}`);
        const json = JSON.stringify(explanationJson(fresh, meta));
        assert.equal(JSON.stringify(explanationJson(kept, meta)), json, `${file} event ${k} (JSON)`);
        if (json !== previous) differed++;
        previous = json;
        changedSteps += want.filter((x) => !/ (cached|skipped):/.test(x)).length;
        compared++;
      }
    }
    t.diagnostic(`${compared} explanations compared (${differed} differing from the one before), ${changedSteps} steps not cached`);
    assert.ok(compared > 200 && changedSteps > 200 && differed > 100 && reverted > 50, `${reverted} events put a path back`);
  });
});

describe('content keys kept per snapshot', () => {
  // contentKeys keeps a snapshot's full-content hashes between calls (the Dockerfiles of one context and their
  // siblings): only while the snapshot's revision, stat generation, mode granularity and ignore text stay the same.
  // After each change the keys must be those of a fresh snapshot with the same content.
  const text = 'FROM alpine\nCOPY . /app\nCOPY a.txt /a\nRUN make\n';
  const fresh = (ctx: MemoryContext) => {
    const c = ctx.clone();
    if (ctx.ignoreFile) c.setIgnore(ctx.ignoreFile.name, ctx.ignoreFile.text);
    c.modeGranularity = ctx.modeGranularity;
    return contentKeys(analyze(text), c);
  };
  test('a changed file, ignore file or granularity changes the keys as on a fresh snapshot', () => {
    const m = analyze(text);
    const ctx = new MemoryContext('c', { 'a.txt': 'one', 'b/c.txt': 'x' });
    const k1 = contentKeys(m, ctx);
    assert.deepEqual(contentKeys(m, ctx), k1, 'unchanged: the same keys');
    ctx.addFile('a.txt', 'two');
    const k2 = contentKeys(m, ctx);
    assert.notEqual(k2[0], k1[0], 'a file of COPY . changed');
    assert.deepEqual(k2, fresh(ctx));
    ctx.setIgnore('.dockerignore', 'b\n');
    const k3 = contentKeys(m, ctx);
    assert.notEqual(k3[0], k2[0], 'the ignore file leaves b out');
    assert.deepEqual(k3, fresh(ctx));
    ctx.addFile('b/c.txt', 'y');
    assert.deepEqual(contentKeys(m, ctx), k3, 'an ignored file changed: the same keys');
    ctx.addFile('a.txt', 'three', 0o755);
    ctx.modeGranularity = 'git';
    assert.deepEqual(contentKeys(m, ctx), fresh(ctx));
  });
  test('a snapshot that forgets its stat data (statGeneration) is read again', () => {
    // a disk-like snapshot: paths never change (revision 0), content ids do after invalidate()
    const ids = new Map([['a.txt', 'id1'], ['b', 'dir']]);
    let gen = 0;
    const snap: ContextSnapshot = {
      label: 'disk-like',
      revision: 0,
      get statGeneration() {
        return gen;
      },
      ignoreFile: null,
      modeGranularity: 'exact' as const,
      problems: [],
      paths: () => ids.keys(),
      entry: (p: string) => (ids.has(p) ? (p === 'b' ? { type: 'dir' as const, mode: 0o755 } : { type: 'file' as const, mode: 0o644, size: 1 }) : undefined),
      contentId: (p: string) => ids.get(p),
    };
    const m = analyze(text);
    const k1 = contentKeys(m, snap);
    ids.set('a.txt', 'id2');
    assert.deepEqual(contentKeys(m, snap), k1, 'the same generation: kept (its content ids are the snapshot\'s cached ones)');
    gen++;
    const k2 = contentKeys(m, snap);
    assert.notEqual(k2[0], k1[0]);
    assert.notEqual(k2[1], k1[1]);
    const copy = new MemoryContext('d');
    copy.addFile('a.txt', '', 0o644, 'id2');
    copy.addDir('b');
    assert.deepEqual(k2, contentKeys(m, copy), 'as a fresh snapshot of the same content');
  });
});
