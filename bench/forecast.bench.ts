// The live rebuild forecast after one context file event, on a 2,000-line multi-stage Dockerfile in a real git
// repository, over stdio (the built server). Each round edits one context file on disk, sends
// didChangeWatchedFiles and asks `layerwise/forecast` at once (the request computes the forecast for the new state,
// like a hover right after an event), then asks again with nothing changed (the stored answer: no worker round
// trip). Two kinds of rounds: back to back (the next event comes as soon as both answers are in, so it may find the
// analysis worker busy re-analysing the document for the previous event: the forecast runs in the same worker and
// waits for it), and settled (the next event only after that re-analysis is done: one event on a quiet server, the
// issue's case). Printed against the goal (≤ 20 ms), not pass/fail. Wall times on a shared machine swing
// with its load (print `uptime` with them), so it also prints the CPU time the server's protocol thread spent per
// round, from /proc (Linux; 10 ms ticks, so a mean over the rounds); the forecast itself is computed in the worker.
// Session 7 (load 25-34 on 2 cores, shared with five other jobs; medians, same run, before → after): nothing changed
// 835 → 97-116 ms, protocol-thread CPU 25 → 6-9 ms a round (the analysis after each event and the worker's echo of
// the event had made the stored forecast out of date: every unchanged request was computed again in the worker,
// behind the event's re-analysis). Final runs, base c22f639 vs this, interleaved, load 30-36: nothing changed
// 1,864 → 145 and 649 → 100 ms; back to back 1,365 → 1,167 and 527 → 451 ms; settled 1,224 → 1,079 and 316 → 285 ms;
// protocol-thread CPU per event 45-50 → 31-34 ms. The settled event costs the server ~100-200 ms of CPU at that load
// (all threads; the worker's explain is most of it: in this chained Dockerfile one event changes the keys of every
// later stage on both sides), so the goal is not met: see docs/ARCHITECTURE.md § Live rebuild forecast.
// Session 9 (load 10-18): it also times the notification (what the VS Code client shows) with and without the
// request, and the compute part in-process (ForecastWork.compute, CPU); no request: 968 -> 39-135 ms (the forecast
// of a file event starts at once, ahead of the re-analysis); settled answer 238 -> 101-128 ms, its notification
// 176 -> 85-106 ms; compute CPU median 27-35 -> 25-26 ms (fastest 13-17 -> ~11-13 ms).
// Session 13 (the forecast's steps cross from the worker as columns: clone 0.76 + 1.45 -> 0.15 + 0.24 ms; 3
// interleaved runs base/new at load 3-4): settled answer 55.6/41.3/40.2 -> 50.8/52.1/35.3 ms, notification
// 40.6/35.5/30.1 -> 40.3/33.7/26.7 ms: within the load's noise, the goal not shown met at that load.
// Session 14 (the answer over stdio carries the worker's JSON text as is, lsp/rawjson.ts: no parse and re-encode of
// ~290 KB on the protocol thread, which had also held the notification's write; 6 interleaved runs base/new, load
// 1.0-1.8, medians of the runs' medians): settled answer 26.4 -> 22.3 ms (best run 19.7), its notification 22.4 ->
// 18.8 ms, nothing changed 5.3 -> 3.6 ms. Where the settled answer goes (server-side timestamps, load ~0.5): the
// worker's explain 8-9 ms (5.7-7 ms in-process: after-side keys ~3, baseline-side keys ~1.7, statuses and reasons
// ~1.5), the JSON text 1.4 ms, the worker -> protocol thread hop ~1.3 ms, the notification ~1 ms, then the answer's
// write and the client's parse of ~290 KB. The ≤ 20 ms goal: the notification meets it at low load, the answer not
// reliably (19.7-25.5 ms).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, tempContext, FULL_CAPS, SERVER } from '../test/lsp/client';
import * as os from 'node:os';
import { ForecastWork, type ForecastRequest } from '../server/src/lsp/forecastwork';
import { ContextStore } from '../server/src/lsp/contexts';
import { fmtMs, median, table } from './util';

function dockerfile(n: number): string {
  const lines = ['ARG NODE_VERSION=20'];
  for (let s = 0; lines.length < n; s++) {
    lines.push(`FROM node:\${NODE_VERSION}-slim AS s${s}`, 'WORKDIR /app', `ENV STAGE=${s}`, 'COPY package.json package-lock.json ./', 'RUN npm ci');
    lines.push(`COPY src/m${s % 10} ./src/m${s % 10}`, 'RUN npm run build', 'EXPOSE 8080');
    if (s > 0) lines.push(`COPY --from=s${s - 1} /app/dist ./prev`);
    lines.push('CMD ["node", "dist/server.js"]', '');
  }
  return lines.slice(0, n).join('\n') + '\n';
}

/** CPU time (user + system) of a process's main thread (`all`: of all its threads), from /proc; 0 where there is no /proc. */
function mainThreadCpuMs(pid: number | undefined, all = false): number {
  try {
    const stat = fs.readFileSync(all ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const files: Record<string, string> = { Dockerfile: dockerfile(2000), 'package.json': '{}', 'package-lock.json': '{}', '.dockerignore': '.git\n' };
  for (let m = 0; m < 10; m++) for (let i = 0; i < 30; i++) files[`src/m${m}/f${i}.ts`] = `export const x = ${i};\n`;
  const dir = tempContext(files);
  const git = (...a: string[]) => spawnSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...a], { cwd: dir });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  // LAYERWISE_BENCH_PROFILE=<dir>: the server writes a CPU profile there (node --cpu-prof);
  // LAYERWISE_BENCH_SERVER=<server.js>: another build of the server (before/after comparisons in the same run)
  const prof = process.env['LAYERWISE_BENCH_PROFILE'];
  const server = process.env['LAYERWISE_BENCH_SERVER'] ?? SERVER;
  const command = prof || server !== SERVER ? [process.execPath, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), server, '--stdio'] : undefined;
  const c = await LspClient.start({ root: dir, initializationOptions: { fileEvents: true }, capabilities: FULL_CAPS, command });
  const uri = c.open(path.join(dir, 'Dockerfile'));
  await c.waitDiagnostics(uri);
  await c.request('layerwise/forecast', { uri }); // the baseline is read from git once
  const event: number[] = [];
  const idle: number[] = [];
  const settled: number[] = [];
  /** Settled rounds: event → the `layerwise/forecast` notification for the new state (what the VS Code client shows). */
  const settledNote: number[] = [];
  /** Settled rounds with no request: the notification the trailing timer brings (its delay included). */
  const timerNote: number[] = [];
  let rebuilt = 0;
  let cpuEvent = 0;
  let cpuIdle = 0;
  let cpuSettled = 0;
  const ROUNDS = 30;
  const SETTLED = 16;
  const TIMER = 8;
  const analysed = () => c.notifications.filter((n) => n.method === 'layerwise/analysed' && (n.params as { uri: string }).uri === uri).length;
  const notes = () => c.notifications.filter((n) => n.method === 'layerwise/forecast' && (n.params as { uri: string }).uri === uri).length;
  for (let i = 0; i < ROUNDS + SETTLED + TIMER; i++) {
    const back = i < ROUNDS;
    // settled rounds with and without the request alternate (the machine's load drifts: side by side, not one after the other)
    const asks = back || (i - ROUNDS) % 3 !== 2;
    const a0 = analysed();
    const n0 = notes();
    const c0 = mainThreadCpuMs(c.proc.pid);
    const p0 = mainThreadCpuMs(c.proc.pid, true);
    const f = path.join(dir, `src/m${i % 10}/f${i % 30}.ts`);
    fs.writeFileSync(f, `export const x = ${i + 1000};\n`);
    const t0 = performance.now();
    c.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(f).href, type: 2 }] });
    // the notification for the new state: the first one after the event (the stored one is sent only with a new forecast)
    const noted = c.until(() => notes() > n0 || undefined, 60000, 'the forecast notification after the event').then(() => performance.now() - t0);
    if (!asks) {
      timerNote.push(await noted);
      await c.until(() => analysed() > a0 || undefined, 60000, 'the re-analysis after the event');
      continue;
    }
    const r = await c.request<{ summary: { rebuilt: number } }>('layerwise/forecast', { uri });
    (back ? event : settled).push(performance.now() - t0);
    const c1 = mainThreadCpuMs(c.proc.pid);
    rebuilt = r.summary.rebuilt;
    if (!back) {
      settledNote.push(await noted);
      cpuSettled += mainThreadCpuMs(c.proc.pid, true) - p0;
      await c.until(() => analysed() > a0 || undefined, 60000, 'the re-analysis after the event'); // the server settles
      continue;
    }
    const t1 = performance.now();
    await c.request('layerwise/forecast', { uri });
    idle.push(performance.now() - t1);
    cpuEvent += c1 - c0;
    cpuIdle += mainThreadCpuMs(c.proc.pid) - c1;
  }
  await c.stop();
  const m = median(event);
  console.log(`forecast of a 2,000-line Dockerfile after one context file event (${rebuilt} steps rebuild at the end)`);
  console.log(
    table([
      ['', 'median', 'max', 'goal'],
      ['event → forecast, back to back', fmtMs(m), fmtMs(Math.max(...event)), '≤ 20 ms'],
      ['forecast, nothing changed', fmtMs(median(idle)), fmtMs(Math.max(...idle)), ''],
      ['event → forecast, settled', fmtMs(median(settled)), fmtMs(Math.max(...settled)), '≤ 20 ms'],
      ['  its notification (before the answer)', fmtMs(median(settledNote)), fmtMs(Math.max(...settledNote)), '≤ 20 ms'],
      ['event → notification, no request', fmtMs(median(timerNote)), fmtMs(Math.max(...timerNote)), ''],
    ]),
  );
  if (cpuEvent || cpuIdle)
    console.log(`server protocol thread CPU per round (mean of ${ROUNDS}): event → forecast ${fmtMs(cpuEvent / ROUNDS)}, nothing changed ${fmtMs(cpuIdle / ROUNDS)}`);
  if (cpuSettled) console.log(`server CPU, all threads (the worker's forecast included), per settled event → forecast (mean of ${SETTLED}): ${fmtMs(cpuSettled / SETTLED)}`);
  const ms = median(settled);
  const inproc = await computeInProcess(dir, files['Dockerfile']!);
  console.log(
    `the compute part in-process (ForecastWork.compute after one event: the worker's share, no transport; median of ${inproc.cpu.length}): CPU ${fmtMs(median(inproc.cpu))} (fastest ${fmtMs(Math.min(...inproc.cpu))}), wall ${fmtMs(median(inproc.wall))}; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
  console.log(`ratio event / unchanged: ${(m / median(idle)).toFixed(1)}×; back to back ${m <= 20 ? 'meets' : 'misses'} the goal (≤ 20 ms), settled ${ms <= 20 ? 'meets' : 'misses'} it (answer ${fmtMs(ms)}, notification ${fmtMs(median(settledNote))}: ${median(settledNote) <= 20 ? 'met' : 'missed'}); load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

/**
 * The worker's part of one event's forecast, measured in this process on the same repository (the server is stopped):
 * the store applies the event, ForecastWork computes (baseline kept, context read, explain, the JSON as text). CPU
 * time is this process's (one thread computes), less sensitive to the machine's load than wall time.
 */
async function computeInProcess(dir: string, text: string): Promise<{ cpu: number[]; wall: number[] }> {
  let work: ForecastWork | null = null;
  const store = new ContextStore({ ownWatcher: false, log: () => undefined, onChange: (_d, p) => p && work?.pathChanged(p) });
  work = new ForecastWork(store);
  const file = path.join(dir, 'Dockerfile');
  const req: ForecastRequest = { uri: pathToFileURL(file).href, version: 1, text, opts: {}, contextDir: dir, file, build: null, keep: true, display: { dockerfile: 'Dockerfile', context: '.' } };
  await work.compute(req);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 30; i++) {
    const f = path.join(dir, `src/m${(i + 3) % 10}/f${(i * 7) % 30}.ts`);
    fs.writeFileSync(f, `export const x = ${i + 5000};\n`);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    store.fileChanged(f, 'changed');
    await work.compute(req);
    const c1 = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  store.dispose();
  return { cpu, wall };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
