// The bundled CLI (dist/cli.js) end to end: real temp directories, real git repositories, real processes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
let tmp: string;

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

function write(dir: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), c);
  }
}

function repo(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  write(dir, files);
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  return dir;
}

function statuses(out: string): string[] {
  const j = JSON.parse(out) as { steps: { line: number; status: string }[] };
  return j.steps.map((s) => `${s.line}:${s.status}`);
}

const DF = 'FROM localbase\nWORKDIR /app\nCOPY package.json ./\nRUN echo install\nCOPY . .\nRUN echo build\n';

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-cli-'));
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('explain --since (git baseline)', () => {
  test('a source edit rebuilds from COPY . . ; the JSON has the documented shape', () => {
    const dir = repo('since-src', { Dockerfile: DF, 'package.json': '{}', 'src/a.js': '1' });
    fs.writeFileSync(path.join(dir, 'src/a.js'), '2');
    const r = run(['explain', '--since', 'HEAD', '--format', 'json'], dir);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.dockerfile, 'Dockerfile');
    assert.equal(j.context, '.');
    assert.equal(j.target, '0');
    assert.deepEqual(statuses(r.out), ['2:cached', '3:cached', '4:cached', '5:rebuilt', '6:rebuilt']);
    const copy = j.steps[3];
    assert.equal(copy.instruction, 'COPY . .');
    assert.equal(copy.stage, '0');
    assert.ok(copy.reasons.some((x: { kind: string; paths?: { path: string }[] }) => x.kind === 'files' && x.paths?.some((p) => p.path === 'src/a.js')));
  });
  test('a manifest edit rebuilds the install; an untracked file counts as added', () => {
    const dir = repo('since-pkg', { Dockerfile: DF, 'package.json': '{}', 'src/a.js': '1' });
    fs.writeFileSync(path.join(dir, 'package.json'), '{"x":1}');
    assert.deepEqual(statuses(run(['explain', '--format', 'json'], dir).out), ['2:cached', '3:rebuilt', '4:rebuilt', '5:rebuilt', '6:rebuilt']);
    git(dir, 'checkout', '--', 'package.json');
    fs.writeFileSync(path.join(dir, 'new.txt'), 'n');
    const r = run(['explain', '--format', 'json'], dir);
    assert.deepEqual(statuses(r.out), ['2:cached', '3:cached', '4:cached', '5:rebuilt', '6:rebuilt']);
    assert.ok(JSON.parse(r.out).changedPaths.some((c: { path: string; change: string }) => c.path === 'new.txt' && c.change === 'added'));
  });
  test('chmod +x is a change (git knows the executable bit); a touch is not', () => {
    const dir = repo('since-mode', { Dockerfile: DF, 'package.json': '{}', 'run.sh': 'echo' });
    fs.utimesSync(path.join(dir, 'run.sh'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    assert.deepEqual(statuses(run(['explain', '--format', 'json'], dir).out), ['2:cached', '3:cached', '4:cached', '5:cached', '6:cached']);
    fs.chmodSync(path.join(dir, 'run.sh'), 0o755);
    const r = run(['explain', '--format', 'json'], dir);
    assert.deepEqual(statuses(r.out), ['2:cached', '3:cached', '4:cached', '5:rebuilt', '6:rebuilt']);
    assert.ok(JSON.parse(r.out).changedPaths.some((c: { path: string; change: string }) => c.path === 'run.sh' && c.change === 'mode'));
  });
  test('Dockerfile edits: steps before the edit hit; --since an older commit; build args vs baseline args', () => {
    const df = 'FROM localbase\nARG V=1\nRUN echo a\nCOPY package.json ./\nRUN echo b\n';
    const dir = repo('since-df', { Dockerfile: df, 'package.json': '{}', '.dockerignore': 'Dockerfile\n' });
    fs.writeFileSync(path.join(dir, 'Dockerfile'), df.replace('echo b', 'echo bb'));
    assert.deepEqual(statuses(run(['explain', '--format', 'json'], dir).out), ['3:cached', '4:cached', '5:rebuilt']);
    git(dir, 'commit', '-qam', 'edit');
    assert.deepEqual(statuses(run(['explain', '--since', 'HEAD~1', '--format', 'json'], dir).out), ['3:cached', '4:cached', '5:rebuilt']);
    // the baseline is built with the same args unless --baseline-build-arg says otherwise
    assert.deepEqual(statuses(run(['explain', '--format', 'json', '--build-arg', 'V=2'], dir).out), ['3:cached', '4:cached', '5:cached']);
    assert.deepEqual(statuses(run(['explain', '--format', 'json', '--build-arg', 'V=2', '--baseline-build-arg', 'V=1'], dir).out), ['3:rebuilt', '4:rebuilt', '5:rebuilt']);
    // --no-baseline-build-args: the baseline had none
    assert.deepEqual(statuses(run(['explain', '--format', 'json', '--build-arg', 'V=2', '--no-baseline-build-args'], dir).out), ['3:rebuilt', '4:rebuilt', '5:rebuilt']);
    const both = run(['explain', '--no-baseline-build-args', '--baseline-build-arg', 'V=1'], dir);
    assert.equal(both.code, 2);
    assert.match(both.err, /cannot be combined/);
    assert.match(run(['graph', '--baseline-target', 'x'], dir).err, /only applies to explain and import-build/);
    assert.match(run(['explain', '--platform', 'linux arm'], dir).err, /expected a platform/);
  });
  test('--baseline-target: the baseline was built for another stage; --platform / --baseline-platform', () => {
    const df = 'FROM localbase AS build\nRUN echo b > /b\nFROM localbase AS final\nRUN echo b > /b\nRUN echo f\n';
    const dir = repo('since-btarget', { Dockerfile: df });
    // built for `build` before: the final stage's identical first RUN hits that cache, the rest does not
    assert.deepEqual(statuses(run(['explain', '--format', 'json', '--baseline-target', 'build'], dir).out), ['2:skipped', '4:cached', '5:rebuilt']);
    assert.deepEqual(statuses(run(['explain', '--format', 'json'], dir).out), ['2:skipped', '4:cached', '5:cached']);
    const bad = run(['explain', '--baseline-target', 'nope'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /baseline target stage "nope" not found/);
    // another target platform: every RUN's key changes; the same one spelled differently does not
    assert.deepEqual(statuses(run(['explain', '--format', 'json', '--platform', 'linux/s390x', '--baseline-platform', 'linux/amd64'], dir).out), ['2:skipped', '4:rebuilt', '5:rebuilt']);
    assert.deepEqual(statuses(run(['explain', '--format', 'json', '--platform', 'linux/x86_64', '--baseline-platform', 'linux/amd64'], dir).out), ['2:skipped', '4:cached', '5:cached']);
  });
  test('multi-stage: unused stage is skipped; COPY --from of a rebuilt stage is maybe; --target', () => {
    const df = 'FROM localbase AS build\nCOPY src/ /src/\nRUN cat /src/* > /out\nFROM localbase AS unused\nRUN echo u\nFROM localbase\nCOPY --from=build /out /out\nRUN echo done\n';
    const dir = repo('since-ms', { Dockerfile: df, 'src/a': '1' });
    fs.writeFileSync(path.join(dir, 'src/a'), '2');
    assert.deepEqual(statuses(run(['explain', '--format', 'json'], dir).out), ['2:rebuilt', '3:rebuilt', '5:skipped', '7:maybe', '8:maybe']);
    assert.deepEqual(statuses(run(['explain', '--format', 'json', '--target', 'unused'], dir).out), ['2:skipped', '3:skipped', '5:cached', '7:skipped', '8:skipped']);
  });
  test('Dockerfile outside the context (-f style) and a <name>.dockerignore beside it', () => {
    const dir = repo('since-outside', { 'docker/app.Dockerfile': 'FROM localbase\nCOPY . /app\n', 'docker/app.Dockerfile.dockerignore': 'logs\n', 'app/main.txt': 'm', 'app/logs/x.log': 'l' });
    fs.writeFileSync(path.join(dir, 'app/logs/x.log'), 'l2');
    assert.deepEqual(statuses(run(['explain', 'docker/app.Dockerfile', '--context', 'app', '--format', 'json'], dir).out), ['2:cached']);
    fs.writeFileSync(path.join(dir, 'app/main.txt'), 'm2');
    assert.deepEqual(statuses(run(['explain', 'docker/app.Dockerfile', '--context', 'app', '--format', 'json'], dir).out), ['2:rebuilt']);
  });
  test('text output names the first miss and its cause', () => {
    const dir = repo('since-text', { Dockerfile: DF, 'package.json': '{}', 'src/a.js': '1' });
    fs.writeFileSync(path.join(dir, 'src/a.js'), '2');
    const r = run(['explain'], dir);
    assert.equal(r.code, 0);
    assert.match(r.out, /✗ rebuilt\s+5\s+COPY \. \./);
    assert.match(r.out, /✓ cached\s+4\s+RUN echo install/);
    assert.match(r.out, /2 of 5 steps rebuild; first miss: line 5 `COPY \. \.` \(.*src\/a\.js \(modified\)/);
  });
});

describe('explain --changed (no git)', () => {
  test('listed paths count as changed, nothing else', () => {
    const dir = path.join(tmp, 'changed');
    write(dir, { Dockerfile: DF, 'package.json': '{}', 'src/a.js': '1' });
    assert.deepEqual(statuses(run(['explain', '--changed', 'src/a.js', '--format', 'json'], dir).out), ['2:cached', '3:cached', '4:cached', '5:rebuilt', '6:rebuilt']);
    assert.deepEqual(statuses(run(['explain', '--changed', 'package.json', '--format', 'json'], dir).out), ['2:cached', '3:rebuilt', '4:rebuilt', '5:rebuilt', '6:rebuilt']);
    // paths resolve against the current directory, like docker build
    assert.deepEqual(statuses(run(['explain', path.join(dir, 'Dockerfile'), '--changed', path.join(dir, 'src/a.js'), '--format', 'json'], tmp).out), ['2:cached', '3:cached', '4:cached', '5:rebuilt', '6:rebuilt']);
  });
});

describe('errors are one line and exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['missing Dockerfile', ['explain', 'nope/Dockerfile', '--changed', 'x'], /no such Dockerfile/],
    ['context not a directory', ['explain', '--context', 'Dockerfile', '--changed', 'x'], /not a directory|context/i],
    ['bad --build-arg', ['explain', '--build-arg', '=x', '--changed', 'x'], /NAME=VALUE/],
    ['unknown option', ['explain', '--frobnicate'], /unknown option --frobnicate/],
    ['unknown target', ['explain', '--target', 'nope', '--changed', 'x'], /target stage "nope" not found/],
    ['not a git repo', ['explain', '--since', 'HEAD'], /not a git repository/i],
    ['unknown command', ['frob'], /unknown command/],
    ['bad format', ['explain', '--changed', 'x', '--format', 'xml'], /--format xml/],
  ];
  for (const [name, args, re] of cases) {
    test(name, () => {
      const dir = path.join(tmp, 'errors');
      write(dir, { Dockerfile: DF, 'package.json': '{}' });
      const r = run(args, dir);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, re);
      assert.equal(r.err.trim().split('\n').length, 1, 'one line: ' + r.err);
      assert.doesNotMatch(r.err, /\n\s+at /);
    });
  }
  test('unknown revision', () => {
    const dir = repo('badrev', { Dockerfile: DF, 'package.json': '{}' });
    const r = run(['explain', '--since', 'no-such-rev'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown revision|no-such-rev/);
  });
  test('binary file is not a Dockerfile', () => {
    const dir = path.join(tmp, 'binary');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Dockerfile'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
    const r = run(['explain', '--changed', 'x'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /binary/);
  });
});

describe('graph', () => {
  test('json lists stages, steps, inputs and what a miss reruns; dot is a digraph', () => {
    const dir = path.join(tmp, 'graph');
    write(dir, { Dockerfile: 'FROM localbase AS a\nCOPY x /x\nRUN echo\nFROM localbase\nCOPY --from=a /x /y\nRUN echo b\n', x: '1' });
    const j = JSON.parse(run(['graph', '--format', 'json'], dir).out);
    assert.deepEqual(j.stages.map((s: { name: string | null; needed: boolean }) => [s.name, s.needed]), [['a', true], [null, true]]);
    assert.equal(j.steps[0].inputs.contextFiles, 1);
    assert.deepEqual(j.steps[0].missReruns, { steps: [3], maybe: [5, 6] });
    const dot = run(['graph', '--format', 'dot'], dir).out;
    assert.match(dot, /^digraph layerwise \{/);
    assert.match(dot, /style=dashed/);
  });
});

describe('check', () => {
  const bad = 'FROM node:20\nWORKDIR /app\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . .\nRUN npm ci\n';
  test('JSON shape, exit code 1 with findings, threshold', () => {
    const dir = path.join(tmp, 'check-json');
    write(dir, { Dockerfile: bad, 'package.json': '{}', 'a.js': '1', '.dockerignore': '.dockerignore\nDockerfile\n' });
    const r = run(['check', '--format', 'json'], dir);
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.files.length, 1);
    const rules = j.files[0].findings.map((f: { rule: string }) => f.rule);
    assert.ok(rules.includes('apt-update-alone'));
    assert.ok(rules.includes('broad-copy-before-install'));
    const f = j.files[0].findings.find((x: { rule: string }) => x.rule === 'apt-update-alone');
    assert.deepEqual(Object.keys(f).slice(0, 7), ['rule', 'severity', 'line', 'endLine', 'column', 'endColumn', 'message']);
    assert.equal(f.line, 3);
    assert.equal(f.fixable, true);
    assert.equal(run(['check', '--severity-threshold', 'error'], dir).code, 0);
  });
  test('SARIF 2.1.0 with rules, help URIs, locations and fixes', () => {
    const dir = path.join(tmp, 'check-sarif');
    write(dir, { Dockerfile: bad, 'package.json': '{}', 'a.js': '1' });
    const s = JSON.parse(run(['check', '--format', 'sarif'], dir).out);
    assert.equal(s.version, '2.1.0');
    const runObj = s.runs[0];
    assert.equal(runObj.tool.driver.name, 'layerwise');
    assert.ok(runObj.tool.driver.rules.every((r: { id: string; helpUri: string }) => r.helpUri.endsWith(`/docs/rules/${r.id}.md`)));
    const res = runObj.results.find((x: { ruleId: string }) => x.ruleId === 'apt-update-alone');
    assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, 'Dockerfile');
    assert.equal(res.locations[0].physicalLocation.region.startLine, 3);
    assert.equal(runObj.tool.driver.rules[res.ruleIndex].id, 'apt-update-alone');
    assert.ok(res.fixes[0].artifactChanges[0].replacements.length >= 1);
    const volatile = runObj.results.find((x: { ruleId: string }) => x.ruleId === 'context-includes-volatile');
    assert.equal(volatile.fixes[0].artifactChanges[0].artifactLocation.uri, '.dockerignore');
  });
  test('--fix rewrites the Dockerfile and .dockerignore, and a second run finds nothing fixable', () => {
    const dir = path.join(tmp, 'check-fix');
    write(dir, { Dockerfile: bad, 'package.json': '{}', 'package-lock.json': '{}', 'a.js': '1' });
    const r = run(['check', '--fix'], dir);
    assert.match(r.out, /fixed \d+/);
    const text = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    assert.match(text, /apt-get update && \\\n\s+.*apt-get install -y curl/s);
    assert.match(text, /COPY package\.json package-lock\.json \.\/\n(RUN[^\n]*\n(\s+[^\n]*\n)*)COPY \. \./);
    assert.match(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8'), /Dockerfile/);
    const again = JSON.parse(run(['check', '--format', 'json'], dir).out);
    assert.deepEqual(again.files[0].findings.filter((f: { fixable: boolean }) => f.fixable), []);
  });
  test('a Dockerfile in a subfolder whose sources exist at the repository root: one warning naming the likely context', () => {
    const dir = repo('check-above', {
      'package.json': '{}',
      'src/index.js': '1',
      'docker/api/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY package.json ./\nCOPY src ./src\n',
    });
    const r = run(['check', '--format', 'json', 'docker/api/Dockerfile'], dir);
    const missing = JSON.parse(r.out).files[0].findings.filter((f: { rule: string }) => f.rule === 'copy-source-missing');
    assert.equal(missing.length, 1, r.out);
    assert.equal(missing[0].severity, 'warning');
    assert.match(missing[0].message, /2 COPY sources .* exist 2 folders above it \(`\.\.\/\.\.`\)/);
    assert.equal(missing[0].likelyContext, '.', 'JSON names the folder to build from, relative to where check ran');
    const sarif = JSON.parse(run(['check', '--format', 'sarif', 'docker/api/Dockerfile'], dir).out);
    const res = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'copy-source-missing');
    assert.deepEqual(res.properties, { likelyContext: '.' });
    const fromDocker = JSON.parse(run(['check', '--format', 'json', 'api/Dockerfile'], path.join(dir, 'docker')).out);
    assert.equal(fromDocker.files[0].findings.find((f: { rule: string }) => f.rule === 'copy-source-missing').likelyContext, '..');
    // given the right context, nothing is missing
    const ok = run(['check', '--format', 'json', '--context', '.', 'docker/api/Dockerfile'], dir);
    assert.equal(JSON.parse(ok.out).files[0].findings.filter((f: { rule: string }) => f.rule === 'copy-source-missing').length, 0, ok.err);
  });
  test('sibling Dockerfiles of one folder: checked together as each alone; --fix in one run leaves no divergence', () => {
    // four builds in one folder, each the others' sibling (the run shares their texts and analyses): two RUNs written
    // with other spacing than the first build's (and nothing else to fix: the fixes applied are these)
    const base = 'FROM debian:12-slim\nRUN mkdir -p /srv/data && touch /srv/data/ready\nWORKDIR /app\n';
    const files = {
      'a.Dockerfile': base + 'RUN echo a > /role\n',
      'b.Dockerfile': base.replace('/data && touch', '/data  &&  touch') + 'RUN echo b > /role\n',
      'c.Dockerfile': base.replace('mkdir -p', 'mkdir   -p') + 'RUN echo c > /role\n',
      'd.Dockerfile': base + 'RUN echo d > /role\n',
    };
    const dir = path.join(tmp, 'siblings');
    write(dir, files);
    const findings = (out: string) =>
      (JSON.parse(out) as { files: { dockerfile: string; findings: { rule: string; line: number; message: string; fixable: boolean }[] }[] }).files.map((f) => ({
        dockerfile: f.dockerfile,
        divergences: f.findings.filter((x) => x.rule === 'needless-divergence'),
      }));
    const together = run(['check', '.', '--format', 'json'], dir);
    const all = findings(together.out);
    assert.deepEqual(all.map((f) => f.dockerfile), Object.keys(files));
    assert.equal(all[0]!.divergences.length, 0, 'the first by path is never told to change');
    assert.ok(all[1]!.divergences.length === 1 && all[2]!.divergences.length === 1, JSON.stringify(all));
    for (const f of Object.keys(files)) assert.deepEqual(findings(run(['check', f, '--format', 'json'], dir).out), all.filter((x) => x.dockerfile === f), f);
    const fixed = run(['check', '.', '--fix', '--format', 'json'], dir);
    assert.ok(fixed.code === 0 || fixed.code === 1, fixed.err);
    const texts = Object.keys(files).map((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n')[1]);
    assert.deepEqual(new Set(texts).size, 1, `every build now runs the same text: ${JSON.stringify(texts)}`);
    assert.deepEqual(findings(run(['check', '.', '--format', 'json'], dir).out).flatMap((f) => f.divergences), [], 'a second run finds no divergence');
  });

  test('folders are searched for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile*', () => {
    const dir = path.join(tmp, 'check-folders');
    write(dir, {
      'a/Dockerfile': 'FROM alpine:3\n',
      'b/web.Dockerfile': 'FROM alpine:3\n',
      'c/Dockerfile.dev': 'FROM alpine:3\n',
      'd/Containerfile': 'FROM alpine:3\n',
      'node_modules/x/Dockerfile': 'FROM alpine\n',
      'e/Dockerfile.md': '# not one',
    });
    const j = JSON.parse(run(['check', '.', '--format', 'json'], dir).out);
    assert.deepEqual(j.files.map((f: { dockerfile: string }) => f.dockerfile).sort(), ['a/Dockerfile', 'b/web.Dockerfile', 'c/Dockerfile.dev', 'd/Containerfile']);
  });
  test('.layerwise.yaml: severities, ignore globs, per-Dockerfile args; a bad key is a clear error', () => {
    const dir = path.join(tmp, 'check-config');
    write(dir, {
      '.layerwise.yaml': 'rules:\n  mutable-base-image: error\n  apt-update-alone: off\nignore:\n  - "skip/**"\n',
      'Dockerfile': 'FROM ubuntu\nRUN apt-get update\n',
      'skip/Dockerfile': 'FROM ubuntu\n',
    });
    const j = JSON.parse(run(['check', '.', '--format', 'json'], dir).out);
    assert.deepEqual(j.files.map((f: { dockerfile: string }) => f.dockerfile), ['Dockerfile']);
    assert.deepEqual(j.files[0].findings.map((f: { rule: string; severity: string }) => [f.rule, f.severity]), [['mutable-base-image', 'error']]);
    fs.writeFileSync(path.join(dir, '.layerwise.yaml'), 'rules:\n  no-such-rule: warning\n');
    const r = run(['check', '.'], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /\.layerwise\.yaml: `rules\.no-such-rule`: unknown rule/);
    fs.writeFileSync(path.join(dir, '.layerwise.yaml'), 'rules: [1\n');
    assert.match(run(['check', '.'], dir).err, /not valid YAML/);
  });
});
