// `layerwise import-build LOG [DOCKERFILE]`: reads a BuildKit log (--progress=plain or rawjson), maps each vertex to
// its Dockerfile step, and flags where the engine's prediction (explain --since REV, default HEAD, or --changed)
// disagrees with what the builder really did.
import fs = require('node:fs');
import path = require('node:path');
import { analyze, BuildLogError, explain, importBuildLog, fmtSeconds, agreesWith, type ContextSnapshot, type Explanation } from '../engine';
import { gitBaseline, loadDiskContext } from '../context';
import { CliError, type ParsedArgs } from './args';
import { buildOptions, checkBaselineTarget, readByModel, readDockerfile } from './input';

const MAX_LOG_BYTES = 512 * 1024 * 1024;

function readLog(p: string | undefined): { name: string; text: string } {
  if (!p) throw new CliError('import-build needs a LOG file (a docker build --progress=plain or --progress=rawjson log; - for stdin)');
  let buf: Buffer;
  try {
    if (p === '-') buf = fs.readFileSync(0);
    else {
      const st = fs.statSync(p);
      if (!st.isFile()) throw new CliError(`${p}: not a regular file`);
      if (st.size > MAX_LOG_BYTES) throw new CliError(`${p}: ${st.size} bytes is too large for a build log`);
      buf = fs.readFileSync(p);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read build log ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { name: p === '-' ? '(stdin)' : p, text: buf.toString('utf8') };
}

export function runImportBuild(a: ParsedArgs): number {
  const log = readLog(a.log);
  const df = readDockerfile(a.dockerfile);
  if (!['text', 'json'].includes(a.format)) throw new CliError(`--format ${a.format} is not available for import-build (text, json)`);
  const options = buildOptions(a, 'current');
  const baseOptions = buildOptions(a, 'baseline');
  const model = analyze(df.text, options);
  if (a.target !== undefined && model.target < 0) throw new CliError(`target stage "${a.target}" not found in ${df.display}`);
  let mapping;
  try {
    mapping = importBuildLog(model, log.text);
  } catch (e) {
    if (e instanceof BuildLogError) throw new CliError(`${log.name}: ${e.message}`);
    throw e;
  }
  // the prediction
  const contextDir = path.resolve(a.context ?? path.dirname(df.path));
  let prediction: Explanation | null = null;
  let predictionLabel = '';
  const notes: string[] = [...mapping.problems];
  const current = loadDiskContext(contextDir, { dockerfilePath: df.path });
  if (a.changed) {
    prediction = explain({
      current: { text: df.text, context: current, options },
      baseline: { text: df.text, context: current, options: baseOptions },
      changed: a.changed.map((p) => p.split(path.sep).join('/')),
      currentModel: model,
    });
    predictionLabel = `--changed ${a.changed.join(' ')}`;
  } else {
    const rev = a.since ?? 'HEAD';
    try {
      const base = gitBaseline({ contextDir, dockerfilePath: df.path, rev, statCheck: readByModel(model) });
      const gitDirRel = path.relative(contextDir, path.join(base.repoRoot, '.git')).split(path.sep).join('/');
      prediction = explain({
        current: { text: df.text, context: current, options },
        baseline: { text: base.dockerfileText, context: base.context as ContextSnapshot, options: baseOptions },
        changedHint: base.changedHint,
        sameStat: base.sameStat,
        exclude: (p) => p === gitDirRel || p.startsWith(gitDirRel + '/'),
        currentModel: model,
      });
      predictionLabel = `--since ${rev} (${base.commit.slice(0, 12)})`;
    } catch (e) {
      if (a.since !== undefined) throw e;
      notes.push(`no prediction to compare with: ${(e as Error).message.split('\n')[0]} (use --changed PATH ... or --since REV)`);
    }
  }
  if (prediction) checkBaselineTarget(a, prediction);
  const byStep = new Map(mapping.steps.map((s) => [s.stepId, s]));
  const rows = model.steps.map((step) => {
    const real = byStep.get(step.id);
    const pred = prediction?.steps[step.id];
    const ok = real ? agreesWith(real.status, pred?.status) : pred ? (pred.status === 'skipped' ? true : null) : null;
    return {
      line: step.line + 1,
      stage: model.stages[step.stage]!.name ?? `#${step.stage}`,
      instruction: step.instruction,
      real: real?.status ?? 'not-in-log',
      logText: real?.logText ?? null,
      seconds: real?.seconds ?? null,
      predicted: pred?.status ?? null,
      agrees: ok,
      reasons: pred && ok === false ? pred.reasons.map((r) => r.message) : [],
    };
  });
  const disagreements = rows.filter((r) => r.agrees === false).length;
  const executed = mapping.steps.filter((s) => s.status === 'executed');
  const total = executed.reduce((t, s) => t + (s.seconds ?? 0), 0);
  if (a.format === 'json') {
    process.stdout.write(
      JSON.stringify(
        {
          log: log.name,
          format: mapping.format,
          dockerfile: df.display,
          prediction: prediction ? predictionLabel : null,
          steps: rows,
          executed: executed.length,
          cached: mapping.steps.filter((s) => s.status === 'cached').length,
          executedSeconds: Math.round(total * 10) / 10,
          disagreements,
          unmatched: mapping.unmatched.map((u) => ({ stage: u.stage, text: u.text, status: u.status })),
          notes,
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const out: string[] = [];
  out.push(`${log.name} (${mapping.format}) → ${df.display}: ${executed.length} executed (${fmtSeconds(total)}), ${mapping.steps.length - executed.length} cached or not run`);
  if (prediction) out.push(`prediction: explain ${predictionLabel} — ${disagreements ? `${disagreements} disagreement${disagreements === 1 ? '' : 's'}` : 'agrees with the build'}`);
  out.push('');
  const head = ['', 'line', 'real', 'time', 'predicted', 'instruction'];
  const body = rows.map((r) => [
    r.agrees === false ? '✗' : ' ',
    String(r.line),
    r.real,
    r.seconds !== null && r.real === 'executed' ? fmtSeconds(r.seconds) : '',
    r.predicted ?? '',
    r.instruction.replace(/\s+/g, ' ').slice(0, 60),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (c: string[]) => c.map((x, i) => x.padEnd(w[i]!)).join('  ').trimEnd();
  out.push(fmt(head));
  rows.forEach((r, i) => {
    out.push(fmt(body[i]!));
    if (r.agrees === false) for (const m of r.reasons.length ? r.reasons : ['the engine saw no change for this step']) out.push(`      engine: ${m}`);
  });
  for (const n of notes) out.push(`note: ${n}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
