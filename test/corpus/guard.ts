// Runs checks in a worker thread with a watchdog: the engine is synchronous, so a hang (an endless loop, a
// catastrophic regex) would block node:test forever; here it becomes a failure naming the input.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import type { CheckResult } from './checks';
import type { Job } from './worker';

export class Guard {
  private worker: Worker | null = null;
  private next = 1;

  private spawn(): Worker {
    if (!this.worker) {
      this.worker = new Worker(path.join(__dirname, 'worker.js'));
      this.worker.unref();
    }
    return this.worker;
  }

  /** Resolves with the check's result; rejects when it throws outside the check or exceeds `timeoutMs`. */
  run(op: Job['op'], arg: string, timeoutMs: number): Promise<CheckResult> {
    const w = this.spawn();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (m: { id: number; result?: CheckResult; error?: string }): void => {
        if (m.id !== id) return;
        cleanup();
        if (m.error !== undefined) reject(new Error(`${arg}: ${m.error}`));
        else resolve(m.result!);
      };
      const onError = (e: Error): void => {
        cleanup();
        this.worker = null;
        reject(new Error(`${arg}: worker crashed: ${e.stack ?? e.message}`));
      };
      const onExit = (code: number): void => {
        cleanup();
        this.worker = null;
        reject(new Error(`${arg}: worker exited with code ${code}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        this.worker = null;
        void w.terminate();
        reject(new Error(`${arg}: did not finish within ${timeoutMs / 1000} s (hang?) — worker terminated`));
      }, timeoutMs);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ id, op, arg } satisfies Job);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
