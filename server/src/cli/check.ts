// `layerwise check`: run the rule catalogue over Dockerfiles (files or folders), print text / JSON / SARIF, and with
// --fix apply every safe fix in place (Dockerfile and ignore file).
import fs = require('node:fs');
import path = require('node:path');
import { check, fixAll, RULES, docsUrl, ConfigError, type CheckOptions, type Finding, type LayerwiseConfig, type Severity, type ContextSnapshot, type Model } from '../engine';
import { checkSiblings, type SiblingRun } from './shared';
import { ProjectFiles } from '../context/projects';
import { MAX_DOCKERFILE_BYTES } from '../context/shared';
import { findConfig, findDockerfiles, loadConfig, loadDiskContext, isDockerfileName, ignoreFileCandidates } from '../context';
import { globMatcher } from '../engine/glob';
import { CliError, requireFormats, type ParsedArgs } from './args';
import { readDockerfile } from './input';
import { likelyContext, sarifLog, type SarifFile } from './sarif';
import { renderGithub } from './github';
import { renderCheckMarkdown } from './markdown';
import { Progress, breathe, interruptible, progressWanted } from './progress';

const SEV_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export interface FileResult {
  dockerfile: string;
  abs: string;
  context: string;
  text: string;
  model: Model;
  findings: Finding[];
  fixed?: { applied: { rule: string; title: string; line: number }[]; ignoreFile?: string };
  problems: string[];
}

function collect(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new CliError(`no such file or directory: ${p}`);
    }
    if (st.isDirectory()) {
      const found = findDockerfiles(path.resolve(p));
      out.push(...found);
    } else out.push(path.resolve(p));
  }
  return [...new Set(out)];
}

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') || path.isAbsolute(r) ? p : r.split(path.sep).join('/');
}

export async function runCheck(a: ParsedArgs): Promise<number> {
  const files = collect(a.paths ?? []);
  if (!files.length) throw new CliError(`no Dockerfiles found in ${(a.paths ?? ['.']).join(', ')} (looked for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile*)`);
  requireFormats(a, 'check', CHECK_FORMATS);
  const threshold = (a.severityThreshold ?? 'info') as Severity;
  const results: FileResult[] = [];
  const ctxCache = new Map<string, ContextSnapshot>();
  // what the Dockerfiles of this run share: their texts, the ignore file each context uses, sibling analyses
  const texts = new Map<string, string | undefined>();
  const ignoreKeys = new Map<string, string>();
  const siblingRun: SiblingRun = {
    builds: new Map(),
    projects: new ProjectFiles({ unchanging: true }), // a run never rewrites project files
    readText: (abs) => {
      if (!texts.has(abs)) texts.set(abs, readSmallText(abs));
      return texts.get(abs);
    },
  };
  const configDirs = new Map<string, string | null>();
  // what findConfig looks for (config files, .git) is never written by the run: each path is looked at once
  const existing = new Map<string, boolean>();
  const exists = (p: string): boolean => {
    let e = existing.get(p);
    if (e === undefined) existing.set(p, (e = fs.existsSync(p)));
    return e;
  };
  const configs = new Map<string, ReturnType<typeof loadConfig>>();
  let configFile: string | null | undefined = a.config ? path.resolve(a.config) : undefined;
  if (a.config && !fs.existsSync(configFile!)) throw new CliError(`--config ${a.config}: no such file`);
  const progress = new Progress('check', 'Dockerfiles', files.length, progressWanted(a.quiet));
  const stop = interruptible();
  let done = 0;
  try {
    for (const file of files) {
      if (stop.interrupted()) break;
      progress.update(done);
      checkOne(file);
      done++;
      await breathe();
    }
  } finally {
    stop.dispose();
    progress.clear();
  }
  if (done < files.length) {
    const fixed = results.filter((r) => r.fixed?.applied.length).length;
    process.stderr.write(`layerwise: interrupted: checked ${done} of ${files.length} Dockerfiles in ${progress.elapsed()}${a.fix ? `, fixed ${fixed}` : ''}; no report written\n`);
    return 130;
  }
  const reports = (a.reports ?? []).map((r) => ({ ...r, text: renderCheck(r.format, results, false) }));
  for (const r of reports) writeReport(r.file, r.text);
  process.stdout.write(renderCheck(a.format, results, !!process.stdout.isTTY && !process.env['NO_COLOR']));
  const failing = results.some((r) => r.findings.some((f) => SEV_RANK[f.severity] >= SEV_RANK[threshold]) || r.model.problems.some((p) => p.severity === 'error'));
  return failing ? 1 : 0;

  function checkOne(file: string): void {
    // configuration: --config, else found upward from the Dockerfile
    let config: LayerwiseConfig;
    let cfgPath: string | null;
    try {
      // read once per folder and file for the run (a run rewrites Dockerfiles and ignore files, never a config)
      const dir = path.dirname(file);
      let found: string | null;
      if (configFile !== undefined) found = configFile;
      else if (configDirs.has(dir)) found = configDirs.get(dir)!;
      else configDirs.set(dir, (found = findConfig(dir, exists)));
      let loaded = configs.get(found ?? '');
      if (!loaded) configs.set(found ?? '', (loaded = loadConfig(found)));
      config = loaded.config;
      cfgPath = loaded.file;
    } catch (e) {
      if (e instanceof ConfigError) throw new CliError(e.message);
      throw e;
    }
    const cfgBase = cfgPath ? path.dirname(cfgPath) : process.cwd();
    const relToCfg = path.relative(cfgBase, file).split(path.sep).join('/');
    if (config.ignore.some((g) => globMatcher(g)(relToCfg))) return;
    if (!isDockerfileName(path.basename(file)) && (a.paths ?? []).length === 0) return;
    const per = config.dockerfiles[relToCfg] ?? {};
    const df = readDockerfile(file);
    const contextDir = path.resolve(a.context ?? (per.context ? path.resolve(cfgBase, per.context) : path.dirname(file)));
    // one crawl per context and ignore file: Dockerfiles sharing a context (and the workspace's other builds) share it
    const contextFor = (dir: string, dockerfile: string): ContextSnapshot => {
      const which = dir + '\0' + dockerfile;
      let key = ignoreKeys.get(which);
      if (key === undefined) {
        key = dir + '\0' + (ignoreFileCandidates(dir, dockerfile).find((c) => fs.existsSync(c.file))?.file ?? '');
        ignoreKeys.set(which, key);
      }
      let c = ctxCache.get(key);
      if (!c) {
        c = loadDiskContext(dir, { dockerfilePath: dockerfile });
        ctxCache.set(key, c);
      }
      return c;
    };
    let ctx = contextFor(contextDir, file);
    const options: CheckOptions = {
      buildArgs: { ...config.buildArgs, ...(per.buildArgs ?? {}), ...a.buildArgs },
      target: a.target ?? per.target ?? config.target,
      buildkitVersion: a.buildkitVersion,
      severities: config.rules,
      unreadContextLimit: config.unreadContextLimit,
      dockerfile: dockerfileInContext(contextDir, file),
    };
    // the other builds of the workspace, for needless-divergence
    if (config.rules['needless-divergence'] !== 'off') options.siblings = checkSiblings(file, df.text, contextDir, ctx, options, contextFor, siblingRun).siblings;
    const r: FileResult = { dockerfile: rel(file), abs: file, context: rel(contextDir), text: df.text, model: null as unknown as Model, findings: [], problems: ctx.problems.map((p) => p.message) };
    if (a.fix) {
      const fixed = fixAll(df.text, ctx, options);
      if (fixed.text !== df.text) {
        fs.writeFileSync(file, fixed.text);
        texts.set(file, fixed.text);
      }
      let ignoreFile: string | undefined;
      if (fixed.ignoreText !== null) {
        // the ignore file beside the Dockerfile (<name>.dockerignore) when that is the one in use, else the context's
        const beside = path.join(path.dirname(file), fixed.ignoreName);
        ignoreFile = fixed.ignoreName.endsWith('.dockerignore') && fixed.ignoreName !== '.dockerignore' && fs.existsSync(beside) ? beside : path.join(contextDir, fixed.ignoreName);
        fs.writeFileSync(ignoreFile, fixed.ignoreText);
        ignoreKeys.clear(); // a new ignore file may now be the one a context uses
      }
      r.fixed = { applied: fixed.applied, ignoreFile: ignoreFile && rel(ignoreFile) };
      if (fixed.applied.length) {
        ctx = loadDiskContext(contextDir, { dockerfilePath: file });
        r.text = fixed.text;
      }
    }
    const res = check(r.text, ctx, options);
    r.model = res.model;
    r.findings = res.findings;
    results.push(r);
  }
}

/** A Dockerfile's text, or undefined when it is not a readable file small enough to compare (the reader says why). */
function readSmallText(abs: string): string | undefined {
  try {
    return fs.statSync(abs).size <= MAX_DOCKERFILE_BYTES ? fs.readFileSync(abs, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

const CHECK_FORMATS = ['text', 'json', 'sarif', 'github', 'markdown'];

function renderCheck(fmt: string, results: FileResult[], color: boolean): string {
  if (fmt === 'json') return JSON.stringify(jsonReport(results), null, 2) + '\n';
  if (fmt === 'sarif') return JSON.stringify(sarifLog(results as SarifFile[]), null, 2) + '\n';
  if (fmt === 'github') return renderGithub(results.map((r) => ({ abs: r.abs, findings: r.findings, problems: r.model.problems })));
  if (fmt === 'markdown') return renderCheckMarkdown(results.map((r) => ({ dockerfile: r.dockerfile, findings: r.findings, problems: r.model.problems })));
  if (fmt === 'text') return textReport(results, color);
  throw new CliError(`--format ${fmt} is not available for check (${CHECK_FORMATS.join(', ')})`);
}

/** `--report FORMAT=FILE`: the folder must exist (a typo should not create one). */
export function writeReport(file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`--report: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function jsonReport(results: FileResult[]) {
  return {
    files: results.map((r) => ({
      dockerfile: r.dockerfile,
      context: r.context,
      findings: r.findings.map((f) => ({
        rule: f.rule,
        severity: f.severity,
        line: f.range.start.line + 1,
        endLine: f.range.end.line + 1,
        column: f.range.start.character + 1,
        endColumn: f.range.end.character + 1,
        message: f.message,
        fixable: !!f.fix,
        ...(f.fix ? { fix: f.fix.title } : {}),
        ...(f.contextUp ? { likelyContext: likelyContext(r.context, f.contextUp) } : {}),
        docs: docsUrl(f.rule),
      })),
      problems: r.model.problems.map((p) => ({ line: p.line + 1, severity: p.severity, message: p.message })),
      ...(r.fixed ? { fixed: r.fixed.applied.map((x) => ({ rule: x.rule, title: x.title, line: x.line + 1 })) } : {}),
    })),
  };
}

function textReport(results: FileResult[], color: boolean): string {
  const c = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  let total = 0;
  let fixable = 0;
  for (const r of results) {
    if (r.fixed?.applied.length) {
      out.push(c(1, r.dockerfile) + c(32, `  fixed ${r.fixed.applied.length}:`));
      for (const x of r.fixed.applied) out.push(`  ${c(32, '✔')} ${x.rule}: ${x.title}`);
      if (r.fixed.ignoreFile) out.push(c(2, `  (updated ${r.fixed.ignoreFile})`));
    }
    if (!r.findings.length && !r.model.problems.length) continue;
    out.push(c(1, r.dockerfile));
    for (const p of r.model.problems) out.push(`  ${r.dockerfile}:${p.line + 1}  ${c(31, p.severity)}  ${p.message}`);
    for (const f of r.findings) {
      total++;
      if (f.fix) fixable++;
      const sev = f.severity === 'error' ? c(31, 'error  ') : f.severity === 'warning' ? c(33, 'warning') : c(36, 'info   ');
      out.push(`  ${r.dockerfile}:${f.range.start.line + 1}:${f.range.start.character + 1}  ${sev}  ${f.message}  ${c(2, f.rule + (f.fix ? ' (fixable)' : ''))}`);
    }
    out.push('');
  }
  const nf = results.length;
  out.push(
    total
      ? `${total} finding${total === 1 ? '' : 's'} in ${nf} Dockerfile${nf === 1 ? '' : 's'}${fixable ? `; ${fixable} fixable with --fix` : ''}.`
      : `No findings in ${nf} Dockerfile${nf === 1 ? '' : 's'}.`,
  );
  void RULES;
  return out.join('\n') + '\n';
}

/** The Dockerfile's path inside the build context (posix), or null when it lies outside it. */
function dockerfileInContext(contextDir: string, file: string): string | null {
  const rel = path.relative(contextDir, path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : null;
}
