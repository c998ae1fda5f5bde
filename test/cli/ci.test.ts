// The CI integrations end to end: `check --format github` / `markdown`, `explain --format markdown`, `--report`,
// the GitHub Action's entry script run the way the runner runs a composite action's step, the pre-commit hooks'
// command lines on staged files of a real repository, and the README's copy-paste snippets for both.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { isDockerfileName } from '../../server/src/context';
import { escapeData, escapeProperty } from '../../server/src/cli/github';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
let tmp: string;

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GITHUB_WORKSPACE: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), c);
  }
}

// 6 steps in two built stages, one stage not built for the default target
const DF = [
  'FROM node:20 AS build', // 1
  'WORKDIR /app', // 2
  'COPY package.json ./', // 3
  'RUN npm ci', // 4
  'COPY . .', // 5
  'RUN npm run build', // 6
  'FROM nginx:1.27 AS web', // 7
  'COPY --from=build /app/dist /usr/share/nginx/html', // 8
  'FROM alpine:3.20 AS tools', // 9
  'RUN echo tools', // 10
  'FROM web', // 11
  '',
].join('\n');

/** A repository with DF committed on main (and as origin/main), then src/app.ts edited in the working tree. */
function repo(name: string, extra: Record<string, string> = {}): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  write(dir, { Dockerfile: DF, 'package.json': '{}', 'src/app.ts': 'a', '.dockerignore': '.git\n', ...extra });
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'base');
  git(dir, 'remote', 'add', 'origin', dir);
  git(dir, 'fetch', '-q', 'origin');
  fs.writeFileSync(path.join(dir, 'src/app.ts'), 'b');
  return dir;
}

/** What the runner does with workflow commands: decodes the message, and property values (after splitting on ','). */
function parseCommands(out: string): { command: string; props: Record<string, string>; message: string }[] {
  const unData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const unProp = (s: string) => unData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));
  return out
    .split('\n')
    .filter((l) => l.startsWith('::'))
    .map((l) => {
      const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(l);
      assert.ok(m, `a well-formed workflow command: ${l}`);
      const props: Record<string, string> = {};
      for (const kv of (m[2] ?? '').split(',').filter(Boolean)) props[kv.slice(0, kv.indexOf('='))] = unProp(kv.slice(kv.indexOf('=') + 1));
      return { command: m[1]!, props, message: unData(m[3]!) };
    });
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-ci-'));
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('check --format github', () => {
  test('escapes what the runner decodes: % CR LF in messages, and : , in properties too', () => {
    assert.equal(escapeData('100% a\r\nb:c,d'), '100%25 a%0D%0Ab:c,d');
    assert.equal(escapeProperty('100% a\r\nb:c,d'), '100%25 a%0D%0Ab%3Ac%2Cd');
  });

  test('one annotation per finding with file, lines, columns and the rule as title; paths from GITHUB_WORKSPACE', () => {
    // a folder name with ':' and ',' (legal on Linux) must survive the property escaping
    const dir = repo('gh-annot');
    const sub = path.join(dir, 'svc:a,b');
    write(sub, { Dockerfile: 'FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n' });
    const r = run(['check', 'svc:a,b/Dockerfile', '--format', 'github'], dir, { GITHUB_WORKSPACE: dir });
    assert.equal(r.code, 1, r.err);
    const json = JSON.parse(run(['check', 'svc:a,b/Dockerfile', '--format', 'json'], dir).out) as { files: { findings: { rule: string; severity: string; line: number; endLine: number; column: number; endColumn: number; message: string }[] }[] };
    const expected = json.files[0]!.findings;
    const cmds = parseCommands(r.out);
    assert.equal(cmds.length, expected.length);
    assert.ok(expected.length >= 2, r.out);
    cmds.forEach((c, i) => {
      const f = expected[i]!;
      assert.equal(c.command, { error: 'error', warning: 'warning', info: 'notice' }[f.severity]);
      assert.equal(c.props['file'], 'svc:a,b/Dockerfile');
      assert.equal(c.props['title'], f.rule);
      assert.equal(Number(c.props['line']), f.line);
      assert.equal(Number(c.props['endLine']), f.endLine);
      if (f.line === f.endLine) assert.deepEqual([Number(c.props['col']), Number(c.props['endColumn'])], [f.column, f.endColumn]);
      assert.ok(c.message.startsWith(f.message), c.message);
    });
    assert.match(r.out.trim().split('\n').pop()!, new RegExp(`^layerwise: ${expected.length} findings in 1 Dockerfile$`));
    // run from a subfolder of the checkout: annotation paths stay relative to the workspace
    const fromSub = parseCommands(run(['check', 'Dockerfile', '--format', 'github'], sub, { GITHUB_WORKSPACE: dir }).out);
    assert.deepEqual(new Set(fromSub.map((c) => c.props['file'])), new Set(['svc:a,b/Dockerfile']));
  });
});

describe('markdown', () => {
  test('explain --since origin/main --format markdown: the sentence, the first miss and why, a row per stage', () => {
    const dir = repo('md-explain');
    const r = run(['explain', '--since', 'origin/main', '--format', 'markdown'], dir);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(run(['explain', '--since', 'origin/main', '--format', 'json'], dir).out) as { summary: { steps: number; rebuilt: number; maybe: number; skipped: number } };
    assert.deepEqual([j.summary.steps, j.summary.rebuilt, j.summary.maybe, j.summary.skipped], [6, 2, 1, 1]);
    assert.ok(
      r.out.includes('This change rebuilds 2 of 6 steps of `Dockerfile` (first miss: line 5 `COPY . .`, because `src/app.ts` changed); 1 more may rebuild (1 not built for this target).'),
      r.out,
    );
    assert.match(r.out, /^Rebuilding takes ~\d+ s, up to ~[\d.]+ s more if the steps that may rebuild do \(estimated from the instructions\)\.$/m);
    const rows = r.out.split('\n').filter((l) => /^\| `/.test(l));
    assert.equal(rows.length, 4, r.out);
    assert.match(rows[0]!, /^\| `build` \| `node:20` \| 5 \| 2 \| 0 \| 3 \| line 5 `COPY \. \.` \| ~\d+ s \|$/);
    assert.match(rows[1]!, /^\| `web` \| `nginx:1\.27` \| 1 \| 0 \| 1 \| 0 \| line 8 /);
    assert.match(rows[2]!, /^\| `tools` \| `alpine:3\.20` \| 1 \| – \| – \| – \| not built for this target \| – \|$/);
    assert.match(r.out, /\| 6 \| `RUN npm run build` \| rebuilds \| follows line 5/);
    // nothing changed: the sentence says so
    git(dir, 'checkout', '--', 'src/app.ts');
    assert.match(run(['explain', '--since', 'origin/main', '--format', 'markdown'], dir).out, /This change rebuilds none of the 6 steps of `Dockerfile` \(1 not built for this target\): every step is cached\./);
  });

  test('check --format markdown: a row per finding linking its rule doc; --report writes other formats from the same run', () => {
    const dir = repo('md-check');
    const sarif = path.join(dir, 'out.sarif');
    const md = path.join(dir, 'out.md');
    const r = run(['check', '--format', 'json', '--report', `sarif=${sarif}`, '--report', `markdown=${md}`], dir);
    assert.equal(r.code, 1, r.err);
    const findings = (JSON.parse(r.out) as { files: { findings: { rule: string; line: number }[] }[] }).files[0]!.findings;
    const rows = fs.readFileSync(md, 'utf8').split('\n').filter((l) => l.startsWith('| `Dockerfile:'));
    assert.deepEqual(rows.map((l) => /^\| `Dockerfile:(\d+)` \| \w+ \| \[([a-z-]+)\]\(https:\/\/[^)]+\/docs\/rules\/\2\.md\) \|/.exec(l)?.slice(1).join(' ')), findings.map((f) => `${f.line} ${f.rule}`));
    const results = (JSON.parse(fs.readFileSync(sarif, 'utf8')) as { runs: { results: { ruleId: string }[] }[] }).runs[0]!.results;
    assert.deepEqual(results.map((x) => x.ruleId), findings.map((f) => f.rule));
    // a wrong format fails before any work, including --fix writing files
    const before = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    const bad = run(['check', '--fix', '--report', 'yaml=x.yaml'], dir);
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'layerwise: --report yaml is not available for check (text, json, sarif, github, markdown)\n');
    assert.equal(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), before);
    assert.equal(run(['graph', '--report', 'json=x'], dir).err, 'layerwise: --report only applies to check and explain\n');
  });
});

// ---- the GitHub Action, run as the runner runs a composite action's `run` step ----

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT lines: `name=value` or `name<<DELIM` … `DELIM`. */
function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(l);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (l.includes('=')) out[l.slice(0, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
  }
  return out;
}

function runAction(workspace: string, inputs: Record<string, string>): ActionRun {
  const action = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: { id: string; shell: string; env: Record<string, string>; run: string }[] };
  };
  assert.equal(action.runs.using, 'composite');
  for (const k of Object.keys(inputs)) assert.ok(k in action.inputs, `input ${k} is declared in action.yml`);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.inputs)) values[k] = inputs[k] ?? v.default ?? '';
  const expr = (s: string) =>
    s.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => {
      const m = /^inputs\.([\w-]+)$/.exec(e);
      if (m) return values[m[1]!] ?? '';
      if (e === 'github.action_path') return ROOT;
      throw new Error(`unexpected expression in action.yml: ${e}`);
    });
  const files = fs.mkdtempSync(path.join(tmp, 'runner-'));
  const env: Record<string, string> = {
    PATH: process.env['PATH']!,
    HOME: process.env['HOME'] ?? files,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_OUTPUT: path.join(files, 'output'),
    GITHUB_STEP_SUMMARY: path.join(files, 'summary'),
    RUNNER_TEMP: files,
  };
  fs.writeFileSync(env['GITHUB_OUTPUT']!, '');
  fs.writeFileSync(env['GITHUB_STEP_SUMMARY']!, '');
  const stepOutputs: Record<string, Record<string, string>> = {};
  let last: { code: number | null; stdout: string; stderr: string } = { code: 0, stdout: '', stderr: '' };
  for (const step of action.runs.steps) {
    assert.equal(step.shell, 'bash');
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expr(v);
    const script = path.join(files, `${step.id}.sh`);
    fs.writeFileSync(script, expr(step.run));
    fs.writeFileSync(env['GITHUB_OUTPUT']!, '');
    // the runner's `shell: bash`: bash --noprofile --norc -eo pipefail {0}, in the workspace
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: workspace, env, encoding: 'utf8' });
    last = { code: r.status, stdout: r.stdout, stderr: r.stderr };
    stepOutputs[step.id] = parseOutputFile(fs.readFileSync(env['GITHUB_OUTPUT']!, 'utf8'));
    if (r.status !== 0) break;
  }
  const outputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.outputs)) {
    const m = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(v.value);
    assert.ok(m, `output ${k} maps a step output`);
    const val = stepOutputs[m[1]!]?.[m[2]!];
    if (val !== undefined) outputs[k] = val;
  }
  return { ...last, outputs, summary: fs.readFileSync(env['GITHUB_STEP_SUMMARY']!, 'utf8') };
}

describe('the GitHub Action', () => {
  test('every input reaches the entry script as INPUT_*', () => {
    const action = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown>; runs: { steps: { env: Record<string, string> }[] } };
    const env = action.runs.steps[0]!.env;
    for (const k of Object.keys(action.inputs)) assert.equal(env[`INPUT_${k.replace(/-/g, '_').toUpperCase()}`], `\${{ inputs.${k} }}`);
    assert.deepEqual(Object.keys(action.inputs).sort(), ['config', 'context', 'dockerfiles', 'format', 'sarif-file', 'severity-threshold', 'since']);
  });

  test('annotations in the log, SARIF file, counts and forecast as outputs, job summary; fails at the threshold', () => {
    const dir = repo('action');
    const r = runAction(dir, { since: 'origin/main', 'sarif-file': 'reports/layerwise.sarif' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const sarif = JSON.parse(fs.readFileSync(path.join(dir, 'reports/layerwise.sarif'), 'utf8')) as { runs: { results: { ruleId: string; level: string }[] }[] };
    const results = sarif.runs[0]!.results;
    assert.ok(results.length > 0);
    assert.equal(r.outputs['sarif-file'], 'reports/layerwise.sarif');
    assert.equal(r.outputs['findings'], String(results.length));
    assert.equal(r.outputs['errors'], String(results.filter((x) => x.level === 'error').length));
    assert.equal(r.outputs['warnings'], String(results.filter((x) => x.level === 'warning').length));
    assert.equal(r.outputs['notes'], String(results.filter((x) => x.level === 'note').length));
    assert.equal(r.outputs['dockerfiles'], '1');
    assert.deepEqual([r.outputs['rebuilt-steps'], r.outputs['maybe-steps']], ['2', '1']);
    const cmds = parseCommands(r.stdout);
    assert.deepEqual(cmds.filter((c) => c.props['title']).map((c) => c.props['title']), results.map((x) => x.ruleId));
    assert.ok(cmds.every((c) => !c.props['file'] || c.props['file'] === 'Dockerfile'));
    assert.ok(cmds.some((c) => c.command === 'error' && /at or above info/.test(c.message)), r.stdout);
    assert.ok(r.summary.includes('This change rebuilds 2 of 6 steps of `Dockerfile` (first miss: line 5 `COPY . .`, because `src/app.ts` changed)'), r.summary);
    assert.match(r.summary, new RegExp(`#### Layerwise: ${results.length} findings in 1 Dockerfile`));
    assert.equal(fs.readFileSync(r.outputs['summary-file']!, 'utf8').trim(), r.summary.trim());
    // below the threshold, or with "none", the step passes
    assert.equal(runAction(dir, { 'severity-threshold': 'none' }).code, 0);
    const onlyErrors = runAction(dir, { 'severity-threshold': 'error', format: 'text' });
    assert.equal(onlyErrors.code, results.some((x) => x.level === 'error') ? 1 : 0, onlyErrors.stdout);
    assert.match(onlyErrors.stdout, /findings? in 1 Dockerfile/);
    assert.equal(onlyErrors.outputs['rebuilt-steps'], undefined);
  });

  test('a bad input is one error annotation and a failed step', () => {
    const dir = repo('action-bad');
    const r = runAction(dir, { dockerfiles: 'nope/Dockerfile' });
    assert.equal(r.code, 1);
    assert.deepEqual(parseCommands(r.stdout), [{ command: 'error', props: {}, message: 'layerwise: no such file or directory: nope/Dockerfile' }]);
    const t = runAction(dir, { 'severity-threshold': 'high' });
    assert.equal(t.code, 1);
    assert.match(t.stdout, /^::error::layerwise: severity-threshold "high": expected info, warning, error or none$/m);
  });
});

// ---- pre-commit ----

interface Hook {
  id: string;
  entry: string;
  language: string;
  files: string;
  exclude?: string;
  types?: string[];
}

function hooks(): Hook[] {
  return YAML.parse(fs.readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];
}

/** pre-commit's regexes are Python's; ours use only `(?i)` beyond what JS shares. */
function pyRegex(re: string): RegExp {
  return re.startsWith('(?i)') ? new RegExp(re.slice(4), 'i') : new RegExp(re);
}

/** What pre-commit runs for a hook: entry, then args, then the staged files its `files`/`exclude` select. */
function runHook(hook: Hook, args: string[], cwd: string): { code: number | null; out: string; files: string[] } {
  const staged = git(cwd, 'diff', '--cached', '--name-only', '--diff-filter=ACMR', '-z').split('\0').filter(Boolean);
  const files = staged.filter((f) => pyRegex(hook.files).test(f) && !(hook.exclude && pyRegex(hook.exclude).test(f)));
  if (!files.length) return { code: 0, out: '', files };
  const [bin, ...entryArgs] = hook.entry.split(/\s+/);
  // `layerwise` is the package's bin, i.e. dist/cli.js
  assert.equal(bin, 'layerwise');
  assert.equal(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).bin.layerwise, 'dist/cli.js');
  const r = spawnSync(process.execPath, [CLI, ...entryArgs, ...args, ...files], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout + r.stderr, files };
}

/** The README's fenced yaml blocks that contain `needle`. */
function readmeYaml(needle: string): unknown[] {
  const md = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes(needle)).map((b) => YAML.parse(b));
}

describe('pre-commit hooks', () => {
  test('the files pattern selects exactly the names check DIR looks for', () => {
    const names = ['Dockerfile', 'a/b/Dockerfile', 'Dockerfile.dev', 'dockerfile', 'Containerfile', 'x/Containerfile.prod', 'api.Dockerfile', 'web.containerfile', 'Dockerfile-ci',
      'Dockerfile.dockerignore', 'Dockerfile.md', 'README.md', 'src/app.ts', 'Dockerfiles/readme.txt', 'notDockerfile', 'a/Dockerfile/x.ts', '.dockerignore', 'Dockerfile.bak'];
    for (const h of hooks()) {
      const picked = names.filter((n) => pyRegex(h.files).test(n) && !(h.exclude && pyRegex(h.exclude).test(n)));
      assert.deepEqual(picked, names.filter((n) => isDockerfileName(path.posix.basename(n))), h.id);
    }
  });

  test("the README's .pre-commit-config.yaml hooks, run on a repository's staged files", () => {
    const [config] = readmeYaml('repo: https://github.com/layerwise/layerwise') as { repos: { repo: string; hooks: { id: string; args?: string[] }[] }[] }[];
    assert.ok(config, 'a pre-commit snippet in the README');
    const used = config.repos.find((r) => r.repo === 'https://github.com/layerwise/layerwise')!.hooks;
    const byId = new Map(hooks().map((h) => [h.id, h]));
    assert.deepEqual(used.map((h) => h.id).sort(), [...byId.keys()].sort());
    for (const h of byId.values()) assert.equal(h.language, 'node');

    const dir = path.join(tmp, 'precommit');
    write(dir, {
      'README.md': 'x',
      'svc/Dockerfile': 'FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n',
      'ok/Dockerfile': 'FROM debian:bookworm\nRUN echo ok\n',
    });
    git(dir, 'init', '-q');
    git(dir, 'add', 'README.md', 'ok/Dockerfile');
    git(dir, 'commit', '-qm', 'base');
    const check = used.find((h) => h.id === 'layerwise')!;
    // nothing but a clean Dockerfile staged: passes; a README alone: the hook does not run
    fs.appendFileSync(path.join(dir, 'ok/Dockerfile'), '# more\n');
    git(dir, 'add', 'ok/Dockerfile');
    assert.equal(runHook(byId.get('layerwise')!, check.args ?? [], dir).code, 0);
    git(dir, 'commit', '-qm', 'ok');
    fs.appendFileSync(path.join(dir, 'README.md'), 'y');
    git(dir, 'add', 'README.md');
    assert.deepEqual(runHook(byId.get('layerwise')!, check.args ?? [], dir).files, []);
    // a staged Dockerfile with a warning fails the check hook (the README's args set the threshold to warning)
    git(dir, 'add', 'svc/Dockerfile');
    const r = runHook(byId.get('layerwise')!, check.args ?? [], dir);
    assert.deepEqual(r.files, ['svc/Dockerfile']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /svc\/Dockerfile:2:1 +warning .*apt-update-alone/);
    // the fix hook rewrites the staged Dockerfile and passes (no errors left); pre-commit then reports the change
    const fixHook = used.find((h) => h.id === 'layerwise-fix')!;
    const fx = runHook(byId.get('layerwise-fix')!, fixHook.args ?? [], dir);
    assert.equal(fx.code, 0, fx.out);
    assert.match(fx.out, /fixed \d+:/);
    // every safe fix: the update merged into the install (apt-update-alone), then the apt cache mounts
    const fixed = fs.readFileSync(path.join(dir, 'svc/Dockerfile'), 'utf8');
    assert.match(fixed, /apt-get update && \\\n\s+apt-get install -y curl\b/);
    assert.doesNotMatch(fixed, /^RUN apt-get update$/m);
    assert.match(fixed, /^RUN --mount=type=cache,target=\/var\/cache\/apt/m);
    // the working tree differs from what was staged: what pre-commit reports as "files were modified by this hook"
    assert.match(git(dir, 'status', '--porcelain'), /^.M svc\/Dockerfile$/m);
  });
});

describe("the README's workflow snippets", () => {
  test('each runs the action with its inputs and uses only outputs the action sets', () => {
    const workflows = readmeYaml('uses: layerwise/layerwise@') as { jobs: Record<string, { steps: Record<string, unknown>[] }> }[];
    assert.equal(workflows.length, 2, 'code scanning and pull-request comment');
    for (const wf of workflows) {
      const steps = Object.values(wf.jobs)[0]!.steps;
      const ours = steps.find((s) => String(s['uses']).startsWith('layerwise/layerwise@'))!;
      const id = ours['id'] as string;
      // the pull_request context the runner would give: base branch main
      const inputs = Object.fromEntries(Object.entries((ours['with'] ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v).replace('${{ github.base_ref }}', 'main')]));
      const dir = repo(`readme-${id}-${Object.keys(inputs).join('-')}`);
      const r = runAction(dir, inputs);
      const failAt = inputs['severity-threshold'] ?? 'info';
      assert.equal(r.code, failAt === 'none' ? 0 : 1, r.stdout + r.stderr);
      // every steps.<id>.outputs.<name> a later step reads is one the action set, and a file named by it exists
      const later = JSON.stringify(steps.slice(steps.indexOf(ours) + 1));
      const used = [...later.matchAll(new RegExp(`steps\\.${id}\\.outputs\\.([\\w-]+)`, 'g'))].map((m) => m[1]!);
      assert.ok(used.length > 0);
      for (const o of used) {
        assert.ok(r.outputs[o] !== undefined, `output ${o} is set`);
        if (o.endsWith('-file')) assert.ok(fs.existsSync(path.resolve(dir, r.outputs[o]!)), `${o}: ${r.outputs[o]}`);
      }
      if (inputs['since']) assert.match(fs.readFileSync(r.outputs['summary-file']!, 'utf8'), /This change rebuilds 2 of 6 steps/);
    }
  });
});
