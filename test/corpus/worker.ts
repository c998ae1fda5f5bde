// Worker side of guard.ts: runs one check per message so the main thread can time it out and terminate us.
import { parentPort } from 'node:worker_threads';
import { checkCorpusFile, checkText, ROBUST_CASES } from './checks';

export interface Job {
  id: number;
  op: 'corpus' | 'robust';
  arg: string;
}

parentPort?.on('message', (job: Job) => {
  try {
    let result;
    if (job.op === 'corpus') result = checkCorpusFile(job.arg);
    else {
      const make = ROBUST_CASES[job.arg];
      if (!make) throw new Error(`no robustness case ${job.arg}`);
      const text = make();
      result = checkText(job.arg, text, null, 0, 3); // a 770-stage input × every target would take minutes
    }
    parentPort!.postMessage({ id: job.id, result });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
