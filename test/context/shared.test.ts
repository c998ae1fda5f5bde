// The other builds of a Dockerfile's workspace (context/shared.ts), on real temp folders: sibling Dockerfiles without a
// project file, every target of a bake file, and what cannot be read (a missing Dockerfile, a missing context) as one
// problem line each, never a throw — then compared by the engine (engine/shared.ts).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDiskContext } from '../../server/src/context';
import { ProjectFiles } from '../../server/src/context/projects';
import { asSiblings, loadMembers, workspaceBuilds, type SiblingReuse } from '../../server/src/context/shared';
import { MemoryContext, type ContextSnapshot } from '../../server/src/engine';
import { sharedLayers } from '../../server/src/engine/shared';

function tree(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lw-shared-ctx-')));
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), c);
  }
  return root;
}

const BASE = 'FROM alpine:3.20\nRUN apk add --no-cache curl\nCOPY app.txt /app.txt\n';

function compare(root: string, rel: string, buildArgs: Record<string, string> = {}) {
  const df = path.join(root, rel);
  const { builds, problems } = workspaceBuilds(df, new ProjectFiles(), root);
  const ctxDir = path.dirname(df);
  const loaded = loadMembers({ dockerfile: df, contextDir: ctxDir, text: fs.readFileSync(df, 'utf8'), context: loadDiskContext(ctxDir, { dockerfilePath: df }), options: { buildArgs } }, builds, { display: (abs) => path.relative(root, abs) });
  const me = sharedLayers(loaded.members).members[0]!;
  return { builds: builds.map((b) => b.name), problems: [...problems, ...loaded.problems], members: loaded.members.map((m) => m.name), shared: [...me.sharedWith].map(([id, refs]) => `${me.model.steps[id]!.line + 1}: ${refs.map((r) => r.dockerfile + ':' + r.line).join(' ')}`) };
}

describe('workspace builds', () => {
  test('sibling Dockerfiles of a folder without a project file: each compared with the others, not with itself', () => {
    const root = tree({ 'svc/Dockerfile': BASE + 'RUN echo prod\n', 'svc/Dockerfile.dev': BASE + 'RUN echo dev\n', 'svc/app.txt': 'a', 'svc/notes.md': 'x' });
    try {
      const r = compare(root, 'svc/Dockerfile');
      assert.deepEqual(r.builds, ['Dockerfile', 'Dockerfile.dev']);
      assert.deepEqual(r.members, ['this build', 'Dockerfile.dev']);
      assert.deepEqual(r.shared, ['2: svc/Dockerfile.dev:2', '3: svc/Dockerfile.dev:3']);
      assert.deepEqual(r.problems, []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('bake targets of one Dockerfile with other args; a target whose Dockerfile or context is missing is one problem line', () => {
    const root = tree({
      'docker-bake.hcl': 'target "a" {\n  context = "svc"\n}\ntarget "b" {\n  context = "svc"\n  args = { V = "2" }\n}\ntarget "gone" {\n  context = "svc"\n  dockerfile = "Nope.Dockerfile"\n}\ntarget "noctx" {\n  context = "missing"\n}\ntarget "gonectx" {\n  context = "gone"\n  dockerfile = "../svc/Dockerfile"\n}\n',
      'svc/Dockerfile': 'FROM alpine:3.20\nARG V=1\nRUN echo "$V"\nCOPY app.txt /app.txt\n',
      'svc/app.txt': 'a',
    });
    try {
      const r = compare(root, 'svc/Dockerfile');
      assert.deepEqual(r.builds, ['docker-bake.hcl target "a"', 'docker-bake.hcl target "b"', 'docker-bake.hcl target "gone"', 'docker-bake.hcl target "noctx"', 'docker-bake.hcl target "gonectx"']);
      assert.deepEqual(r.members, ['this build', 'docker-bake.hcl target "b"'], 'target a is this build (same Dockerfile, context, args)');
      assert.deepEqual(r.shared, [], 'V differs at the first RUN: nothing after it is shared');
      assert.equal(r.problems.length, 3, r.problems.join('\n'));
      assert.match(r.problems[0]!, /target "gone": .*Nope\.Dockerfile: ENOENT/);
      assert.match(r.problems[1]!, /target "noctx": missing\/Dockerfile: ENOENT/);
      assert.match(r.problems[2]!, /target "gonectx": its build context gone: build context not found/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('asSiblings reuse (the engine analyses a sibling once per object)', () => {
  test('the same object while text, args and context are unchanged; a new one after a context change in place, a new text or a context without revision', () => {
    const ctx = new MemoryContext('w').addFile('app.js', 'a');
    const member = (text: string, context: ContextSnapshot = ctx) => ({ name: 'api', dockerfile: 'api/Dockerfile', text, context, options: { buildArgs: { V: '1' } } });
    const reuse: SiblingReuse = new Map();
    const [a] = asSiblings([member('FROM x\nCOPY . .\n')], reuse);
    const [b] = asSiblings([member('FROM x\nCOPY . .\n')], reuse);
    assert.equal(b, a, 'unchanged: the same object');
    ctx.addFile('app.js', 'b'); // changed in place: its revision moves
    const [c] = asSiblings([member('FROM x\nCOPY . .\n')], reuse);
    assert.notEqual(c, a, 'a context changed in place is not reused');
    const [d] = asSiblings([member('FROM x\nRUN y\n')], reuse);
    assert.notEqual(d, c);
    assert.equal(reuse.size, 1, 'one entry per build: the edited text replaced it');
    const disk = loadDiskContext(tree({ 'x.txt': 'x' }));
    const [e] = asSiblings([member('FROM x\n', disk)], reuse);
    assert.equal(asSiblings([member('FROM x\n', disk)], reuse)[0], e, 'a disk context (revision 0) is reused');
    disk.invalidate('x.txt');
    assert.notEqual(asSiblings([member('FROM x\n', disk)], reuse)[0], e, 'after an invalidation (statGeneration) it is not');
    const norev = { ...ctx, revision: undefined, paths: () => ctx.paths() } as unknown as ContextSnapshot;
    const [f] = asSiblings([member('FROM x\n', norev)], reuse);
    assert.notEqual(asSiblings([member('FROM x\n', norev)], reuse)[0], f, 'a snapshot without a revision is never reused');
  });
});
