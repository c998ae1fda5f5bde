#!/usr/bin/env node
// The entry of the composite GitHub Action (action.yml): reads the INPUT_* variables the action's step sets, runs
// the repository's own bundled CLI (dist/cli.js, built here first when the checkout of the action has no dist/),
// prints the chosen format to the log (annotations by default), writes the SARIF log, the job summary
// (GITHUB_STEP_SUMMARY) and the step outputs (GITHUB_OUTPUT: file paths and counts), and with `since` forecasts
// what the change rebuilds. Exit code: 1 when a finding reaches severity-threshold or the CLI fails, else 0.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ACTION_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;

function input(name, fallback = '') {
  const v = env[`INPUT_${name.replace(/ /g, '_').replace(/-/g, '_').toUpperCase()}`];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
}

/** A workflow command for the log (the message escaped as the runner decodes it). */
function command(kind, message) {
  process.stdout.write(`::${kind}::${String(message).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}\n`);
}

function fail(message) {
  command('error', `layerwise: ${message}`);
  process.exit(1);
}

function setOutput(name, value) {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  const v = String(value);
  if (!/[\r\n]/.test(v)) fs.appendFileSync(file, `${name}=${v}\n`);
  else {
    const delim = `layerwise_${randomBytes(8).toString('hex')}`;
    fs.appendFileSync(file, `${name}<<${delim}\n${v}\n${delim}\n`);
  }
}

function ensureCli() {
  const cli = path.join(ACTION_ROOT, 'dist', 'cli.js');
  if (fs.existsSync(cli)) return cli;
  // a checkout of the action's source (no committed dist/): build the bundles once, from the lock file
  process.stdout.write('::group::layerwise: building the CLI (npm ci, scripts/build.mjs)\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  for (const [cmd, args] of [[npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund']], [process.execPath, ['scripts/build.mjs']]]) {
    const r = spawnSync(cmd, args, { cwd: ACTION_ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    if (r.status !== 0) fail(`building the CLI failed (${cmd} ${args.join(' ')} exited ${r.status ?? r.signal})`);
  }
  process.stdout.write('::endgroup::\n');
  if (!fs.existsSync(cli)) fail(`${cli} is missing after the build`);
  return cli;
}

/** Runs the CLI; stdout goes to the log or is returned, a failure's message (stderr) is returned. */
function runCli(cli, args, { capture = false } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', capture ? 'pipe' : 'inherit', 'pipe'], maxBuffer: 256 * 1024 * 1024, env: { ...env, NO_COLOR: '1' } });
  if (r.stderr) process.stderr.write(r.stderr);
  return { code: r.status, stdout: r.stdout ?? '', error: (r.stderr ?? '').trim().split('\n').pop()?.replace(/^layerwise: /, '') || `exit ${r.status ?? r.signal}` };
}

function main() {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 20) fail(`Node ${process.versions.node} is too old: Layerwise needs Node 20 or later (add actions/setup-node before this step)`);
  const raw = input('dockerfiles', '.');
  // newline-separated when there are newlines (paths may hold spaces), else space-separated
  const paths = (/\n/.test(raw) ? raw.split(/\r?\n/) : raw.split(/\s+/)).map((p) => p.trim()).filter(Boolean);
  const context = input('context');
  const config = input('config');
  const threshold = input('severity-threshold', 'info');
  if (!['info', 'warning', 'error', 'none'].includes(threshold)) fail(`severity-threshold "${threshold}": expected info, warning, error or none`);
  const format = input('format', 'github');
  if (!['github', 'text', 'markdown', 'json', 'sarif'].includes(format)) fail(`format "${format}": expected github, text, markdown, json or sarif`);
  const since = input('since');
  const sarifFile = path.resolve(input('sarif-file', 'layerwise.sarif'));
  const tmp = fs.mkdtempSync(path.join(env.RUNNER_TEMP || os.tmpdir(), 'layerwise-'));
  const cli = ensureCli();

  const common = [...(context ? ['--context', context] : [])];
  // the SARIF log is written to its place last: inside the build context it would count as a change in the forecast
  const sarifTmp = path.join(tmp, 'check.sarif');
  const checkJson = path.join(tmp, 'check.json');
  const checkMd = path.join(tmp, 'check.md');
  const check = runCli(cli, [
    'check', ...paths, ...common, ...(config ? ['--config', config] : []),
    '--severity-threshold', threshold === 'none' ? 'error' : threshold,
    '--format', format, '--report', `sarif=${sarifTmp}`, '--report', `json=${checkJson}`, '--report', `markdown=${checkMd}`,
  ]);
  if (check.code !== 0 && check.code !== 1) fail(check.error);
  const report = JSON.parse(fs.readFileSync(checkJson, 'utf8'));
  const findings = report.files.flatMap((f) => f.findings);
  const count = (sev) => findings.filter((f) => f.severity === sev).length;

  // the forecast: what the change since `since` rebuilds, per Dockerfile, with the context check used
  const forecasts = [];
  let rebuilt = 0;
  let maybe = 0;
  if (since) {
    report.files.forEach((f, i) => {
      const md = path.join(tmp, `forecast-${i}.md`);
      const r = runCli(cli, ['explain', f.dockerfile, '--context', f.context, '--since', since, '--format', 'json', '--report', `markdown=${md}`], { capture: true });
      if (r.code !== 0) {
        command('warning', `layerwise: no forecast for ${f.dockerfile}: ${r.error}`);
        return;
      }
      const j = JSON.parse(r.stdout);
      rebuilt += j.summary.rebuilt;
      maybe += j.summary.maybe;
      forecasts.push(fs.readFileSync(md, 'utf8'));
    });
  }

  fs.mkdirSync(path.dirname(sarifFile), { recursive: true });
  fs.copyFileSync(sarifTmp, sarifFile);
  const summaryFile = path.join(tmp, 'summary.md');
  const summary = [...forecasts, fs.readFileSync(checkMd, 'utf8')].join('\n');
  fs.writeFileSync(summaryFile, summary);
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, summary + '\n');

  setOutput('sarif-file', path.relative(process.cwd(), sarifFile) || sarifFile);
  setOutput('summary-file', summaryFile);
  setOutput('dockerfiles', report.files.length);
  setOutput('findings', findings.length);
  setOutput('errors', count('error'));
  setOutput('warnings', count('warning'));
  setOutput('notes', count('info'));
  setOutput('fixable', findings.filter((f) => f.fixable).length);
  if (since) {
    setOutput('rebuilt-steps', rebuilt);
    setOutput('maybe-steps', maybe);
  }
  if (check.code === 1 && threshold !== 'none') {
    command('error', `layerwise: findings at or above ${threshold} (severity-threshold); see the annotations or ${path.relative(process.cwd(), sarifFile)}`);
    process.exit(1);
  }
}

main();
