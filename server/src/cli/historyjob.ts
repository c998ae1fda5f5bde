// The work of `layerwise history` — read the git history (context/history.ts), replay it (engine/history.ts) —
// runnable in a worker thread of the CLI, so that the main thread stays free to draw progress and to stop cleanly on
// Ctrl-C while a long replay runs (a synchronous replay would hold SIGINT until it ends).
import { parentPort, workerData } from 'node:worker_threads';
import { replayHistory, type AnalyzeOptions, type HistoryResult } from '../engine';
import { loadHistory, type HistoryData } from '../context/history';

export interface HistoryJob {
  contextDir: string;
  dockerfilePath: string;
  currentText: string;
  commits: number;
  cache: boolean;
  options: AnalyzeOptions;
}

export type HistoryEvent = { type: 'reading' } | { type: 'replaying'; done: number; total: number };

export interface HistoryJobResult {
  data: Omit<HistoryData, 'commits'>;
  result: HistoryResult;
}

export function runHistoryJob(job: HistoryJob, onEvent: (e: HistoryEvent) => void): HistoryJobResult {
  onEvent({ type: 'reading' });
  const data = loadHistory({ contextDir: job.contextDir, dockerfilePath: job.dockerfilePath, commits: job.commits, cache: job.cache });
  const result = replayHistory({
    commits: data.commits,
    currentText: job.currentText,
    options: job.options,
    noHistory: data.state === 'no-history' ? data.reason : undefined,
    onProgress: (done, total) => onEvent({ type: 'replaying', done, total }),
  });
  const { commits: _commits, ...meta } = data;
  return { data: meta, result };
}

/** Worker-thread entry (server/src/main.ts dispatches here): events at most every 50 ms, then the result. */
export function historyWorkerMain(): void {
  let last = 0;
  const out = runHistoryJob((workerData as { job: HistoryJob }).job, (e) => {
    const now = Date.now();
    if (e.type === 'replaying' && now - last < 50) return;
    last = now;
    parentPort!.postMessage({ event: e });
  });
  parentPort!.postMessage({ done: out });
}
