// `layerwise history`: how often each step of the current Dockerfile would have been rebuilt over the last commits.
// Reads git through server/src/context/history.ts, replays with engine/history.ts, renders text or JSON.
import path = require('node:path');
import { Worker } from 'node:worker_threads';
import { analyze, fmtSeconds, type HistoryResult } from '../engine';
import { CliError, type ParsedArgs } from './args';
import { buildOptions, readDockerfile } from './input';
import { runHistoryJob, type HistoryEvent, type HistoryJob, type HistoryJobResult } from './historyjob';
import { Progress, interruptible, progressWanted } from './progress';

/**
 * `workerScript`: the bundle, to replay in a worker thread (progress and Ctrl-C stay live); without it (the CLI run
 * from compiled sources) the replay runs on this thread.
 */
export async function runHistory(a: ParsedArgs, color: boolean, workerScript?: string): Promise<number> {
  const df = readDockerfile(a.dockerfile);
  const contextDir = path.resolve(a.context ?? path.dirname(df.path));
  const options = buildOptions(a, 'current');
  if (a.target !== undefined && analyze(df.text, { target: a.target }).target < 0) throw new CliError(`target stage "${a.target}" not found in ${df.display}`);
  if (!['text', 'json'].includes(a.format)) throw new CliError(`--format ${a.format} is not available for history (text, json)`);
  if (a.since !== undefined || a.changed) throw new CliError(`${a.since !== undefined ? '--since' : '--changed'} does not apply to history (it replays every commit against its parent)`);
  const job: HistoryJob = { contextDir, dockerfilePath: df.path, currentText: df.text, commits: a.commits ?? 100, cache: !process.env['LAYERWISE_NO_HISTORY_CACHE'], options };
  const progress = new HistoryProgress(progressWanted(a.quiet));
  let out: HistoryJobResult | 'interrupted';
  try {
    out = workerScript ? await inWorker(workerScript, job, progress) : runHistoryJob(job, (e) => progress.event(e));
  } finally {
    progress.stop();
  }
  if (out === 'interrupted') {
    const [done, total] = progress.counts();
    process.stderr.write(`layerwise: interrupted: ${total ? `replayed ${done} of ${total} commits` : 'while reading the git history'} in ${progress.elapsed()}; nothing printed\n`);
    return 130;
  }
  const { data, result } = out;
  const meta = { dockerfile: df.display, context: display(contextDir), head: data.head ?? null, requested: a.commits ?? 100, source: data.source };
  if (a.format === 'json') process.stdout.write(renderHistoryJson(result, meta) + '\n');
  else process.stdout.write(renderHistoryText(result, meta, color));
  return 0;
}

/** "history: reading the git history · 1.2 s", then "history: 120/400 commits · 3.4 s". */
class HistoryProgress {
  private bar: Progress | null = null;
  private readonly reading: Progress;
  private timer: NodeJS.Timeout | null = null;
  private done = 0;
  private total = 0;

  constructor(private readonly enabled: boolean) {
    this.reading = new Progress('history', 'reading the git history', 0, enabled);
  }

  event(e: HistoryEvent): void {
    if (e.type === 'reading') {
      this.reading.status();
      if (this.enabled && !this.timer) this.timer = setInterval(() => this.bar ?? this.reading.status(), 100);
      return;
    }
    this.done = e.done;
    this.total = e.total;
    if (!this.bar) {
      this.reading.clear();
      this.bar = new Progress('history', 'commits', e.total, this.enabled, process.stderr, this.reading.t0);
    }
    this.bar.update(e.done);
  }

  counts(): [number, number] {
    return [this.done, this.total];
  }

  elapsed(): string {
    return this.reading.elapsed();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.reading.clear();
    this.bar?.clear();
  }
}

function inWorker(script: string, job: HistoryJob, progress: HistoryProgress): Promise<HistoryJobResult | 'interrupted'> {
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { workerData: { layerwiseCli: 'history', job } });
    const stop = interruptible(() => {
      void w.terminate();
      resolve('interrupted');
    });
    const end = () => stop.dispose();
    w.on('message', (m: { event?: HistoryEvent; done?: HistoryJobResult }) => {
      if (m.event) progress.event(m.event);
      if (m.done) {
        end();
        resolve(m.done);
        void w.terminate();
      }
    });
    w.on('error', (e) => {
      end();
      reject(e);
    });
    w.on('exit', (code) => {
      end();
      if (code !== 0) reject(new Error(`the history worker stopped (exit ${code})`));
    });
  });
}

interface Meta {
  dockerfile: string;
  context: string;
  head: string | null;
  requested: number;
  source: string;
}

export function renderHistoryJson(r: HistoryResult, meta: Meta): string {
  return JSON.stringify(
    {
      commits: r.commits,
      state: r.state,
      note: r.note ?? null,
      dockerfile: meta.dockerfile,
      context: meta.context,
      head: meta.head,
      requestedCommits: meta.requested,
      skipped: r.skipped,
      expectedRebuiltStepsPerCommit: r.expectedRebuiltSteps,
      expectedMaybeStepsPerCommit: r.expectedMaybeSteps,
      expectedRebuildSecondsPerCommit: r.expectedCostSeconds,
      steps: r.steps.map((s) => ({
        line: s.line,
        stage: s.stage,
        instruction: s.instruction,
        rebuilt: s.rebuilt,
        maybe: s.maybe,
        considered: s.considered,
        hitRate: s.hitRate,
        missRate: s.missRate,
        cost: { class: s.cost.class, seconds: s.cost.seconds, source: s.cost.source, basis: s.cost.basis },
        reasons: s.reasons,
      })),
    },
    null,
    2,
  );
}

function bar(rate: number, width = 10): string {
  const n = Math.round(rate * width);
  return '█'.repeat(n) + '░'.repeat(width - n);
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}

export function renderHistoryText(r: HistoryResult, meta: Meta, color: boolean): string {
  const out: string[] = [];
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const head = meta.head ? ` (HEAD ${meta.head.slice(0, 12)})` : '';
  out.push(bold(`${meta.dockerfile}`) + ` — context ${meta.context}${head}`);
  if (r.state === 'no-history') {
    out.push(`no history: ${r.note ?? 'nothing to replay'}`);
    return out.join('\n') + '\n';
  }
  out.push(
    `${r.commits} commit${r.commits === 1 ? '' : 's'} replayed (last ${meta.requested} that touched the context or the Dockerfile${r.skipped.root + r.skipped.noDockerfile + r.skipped.noParentDockerfile ? `; ${r.skipped.root + r.skipped.noDockerfile + r.skipped.noParentDockerfile} without a previous build skipped` : ''})`,
  );
  out.push(`expected per commit: ${r.expectedRebuiltSteps.toFixed(2)} steps rebuilt, ~${fmtSeconds(r.expectedCostSeconds)}${r.expectedMaybeSteps ? ` (+${r.expectedMaybeSteps.toFixed(2)} maybe)` : ''}`);
  out.push('');
  const rows = [...r.steps].sort((a, b) => b.missRate * b.cost.seconds - a.missRate * a.cost.seconds || a.line - b.line);
  const header = ['line', 'misses', '', 'hit', 'when rebuilt', 'instruction', 'top reasons'];
  const body = rows.map((s) => [
    String(s.line),
    s.considered ? `${s.rebuilt}/${s.considered}` : '–',
    s.considered ? bar(s.missRate) : ' '.repeat(10),
    s.hitRate === null ? 'new' : `${Math.round(s.hitRate * 100)}%`,
    `~${fmtSeconds(s.cost.seconds)} ${s.cost.class}`,
    clip(s.instruction, 48),
    s.reasons.slice(0, 3).map((x) => `${x.label} (${x.count})`).join(', ') + (s.maybe ? `${s.reasons.length ? '; ' : ''}${s.maybe} maybe` : ''),
  ]);
  const w = header.map((h, i) => Math.max(h.length, ...body.map((b) => [...b[i]!].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(Math.max(0, w[i]! - [...c].length))).join('  ').trimEnd();
  out.push(dim(fmt(header)));
  for (const b of body) out.push(fmt(b));
  return out.join('\n') + '\n';
}

function display(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}
