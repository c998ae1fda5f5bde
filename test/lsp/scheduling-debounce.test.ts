// The language server's scheduling (scheduling-common.ts), the scheduler alone: the adaptive debounce after an edit
// (Scheduler.editDelay, as its comments state it: fixed when the client sets one; without a measured analysis the
// longest; while the document is being analysed the analysis time, between MIN_DEBOUNCE_MS and the longest; with
// nothing in flight at once, unless the last analysis took EXPENSIVE_MS or more and the worker has not rested as long),
// and the timers (an immediate is never postponed, a later request replaces a timer, a context change waits at most
// 100 ms, close and shutdown cancel). Date.now and setTimeout are observed, never waited for.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EXPENSIVE_MS, MIN_DEBOUNCE_MS, Scheduler } from '../../server/src/lsp/scheduler';
import type { ServerState } from '../../server/src/lsp/state';

const LONGEST = 150;
const U = 'file:///w/Dockerfile';

/** A scheduler over a state that holds no document (an analysis it starts ends at once: nothing to analyse). */
function scheduler(fixed = false, debounceMs = LONGEST): Scheduler {
  const s = { debounceMs, fixedDebounce: fixed, documents: { get: () => undefined }, worker: null, logError: () => undefined };
  return new Scheduler(s as unknown as ServerState);
}
const delayOf = (sch: Scheduler) => (sch as unknown as { editDelay(uri: string): number }).editDelay(U);
/** An analysis of the document in flight: its diagnostics not out yet (busy), or out (computed). */
function inFlight(sch: Scheduler, computed: boolean): void {
  (sch as unknown as { inflight: Map<string, unknown> }).inflight.set(U, { version: 1, computed, outdated: false });
}

/** Runs `f` with Date.now() returning `at()`. */
function atTime<T>(at: () => number, f: () => T): T {
  const now = Date.now;
  Date.now = at;
  try {
    return f();
  } finally {
    Date.now = now;
  }
}

/** The delay after an edit when the last analysis took `last` ms and ended `idle` ms ago. */
function delayAfter(last: number, idle: number, opts: { fixed?: boolean; busy?: boolean; computed?: boolean } = {}): number {
  const sch = scheduler(opts.fixed);
  const t0 = 1_000_000;
  atTime(() => t0, () => sch.computed(U, 1, last));
  if (opts.busy) inFlight(sch, false);
  if (opts.computed) inFlight(sch, true);
  return atTime(() => t0 + idle, () => delayOf(sch));
}

test('the debounce after an edit: fixed when the client sets one, the longest before any analysis is measured', () => {
  assert.ok(MIN_DEBOUNCE_MS < 20 && EXPENSIVE_MS > 40 && EXPENSIVE_MS < LONGEST, 'the cases below assume these');
  assert.equal(delayAfter(10, 0, { fixed: true }), LONGEST, 'fixed: whatever the last analysis took');
  assert.equal(delayAfter(10, 0, { fixed: true, busy: true }), LONGEST);
  assert.equal(delayOf(scheduler()), LONGEST, 'no analysis measured yet');
  assert.equal(delayOf(scheduler(true, 60_000)), 60_000);
});

test('while the document is being analysed an edit waits about as long as its last analysis took, within bounds', () => {
  assert.equal(delayAfter(30, 0, { busy: true }), 30);
  assert.equal(delayAfter(30, 1_000, { busy: true }), 30, 'however long ago the last one ended');
  assert.equal(delayAfter(30.4, 0, { busy: true }), 30, 'whole milliseconds');
  assert.equal(delayAfter(1, 0, { busy: true }), MIN_DEBOUNCE_MS, 'at least the shortest debounce');
  assert.equal(delayAfter(1_000, 0, { busy: true }), LONGEST, 'at most the longest');
  assert.equal(delayAfter(EXPENSIVE_MS + 10, 0, { busy: true }), EXPENSIVE_MS + 10);
});

test('with nothing in flight an edit is analysed at once, unless the last analysis was expensive and the worker has not rested as long', () => {
  assert.equal(delayAfter(30, 0), 0, 'a cheap analysis: at once');
  assert.equal(delayAfter(30, 0, { computed: true }), 0, 'the last one\'s diagnostics are out (only its full result on its way): not busy');
  assert.equal(delayAfter(EXPENSIVE_MS - 1, 0), 0);
  assert.equal(delayAfter(EXPENSIVE_MS, 0), EXPENSIVE_MS, 'EXPENSIVE_MS is expensive: it rests that long first');
  assert.equal(delayAfter(100, 40), 60, 'rests the rest of the time the last analysis took');
  assert.equal(delayAfter(100, 99.6), 0, 'whole milliseconds');
  assert.equal(delayAfter(100, 100), 0, 'rested as long: at once');
  assert.equal(delayAfter(100, 150), 0, 'rested longer: at once, never a negative delay');
  assert.equal(delayAfter(400, 100), LONGEST, 'never longer than the longest debounce');
  assert.equal(delayAfter(400, 300), 100);
});

/** setTimeout's delays while `f` runs (the timers still start). */
function timeouts(f: () => void): number[] {
  const seen: number[] = [];
  const orig = globalThis.setTimeout;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    seen.push(ms ?? 0);
    return orig(fn, ms);
  }) as typeof setTimeout;
  try {
    f();
  } finally {
    globalThis.setTimeout = orig;
  }
  return seen;
}
const turn = () => new Promise<void>((r) => setImmediate(r));

test('an analysis about to start (an immediate) is never postponed by a later request; a timer is replaced', async () => {
  const sch = scheduler(true, 60_000);
  sch.schedule(U, 0);
  assert.ok(sch.pending(U));
  assert.deepEqual(timeouts(() => sch.schedule(U)), [], 'the immediate stays: no debounce timer');
  await turn();
  assert.equal(sch.pending(U), false, 'the immediate ran (and found no document)');
  assert.deepEqual(timeouts(() => sch.schedule(U)), [60_000], 'an edit: the debounce');
  assert.deepEqual(timeouts(() => sch.schedule(U)), [60_000], 'another edit: the timer replaced');
  assert.deepEqual(timeouts(() => sch.schedule(U, 0)), [], 'a request with no delay replaces the timer by an immediate');
  await turn();
  assert.equal(sch.pending(U), false, 'the immediate ran, no timer left');
  sch.dispose();
});

test('a context change waits at most 100 ms; close and shutdown cancel what is scheduled', async () => {
  const sch = scheduler(true, 60_000);
  assert.deepEqual(timeouts(() => sch.scheduleSoon(U)), [100], 'nothing in flight: at most 100 ms');
  sch.forget(U);
  assert.equal(sch.pending(U), false, 'closed: nothing scheduled');
  sch.forget('file:///w/other'); // nothing scheduled for it
  const short = scheduler(true, 40);
  assert.deepEqual(timeouts(() => short.scheduleSoon(U)), [40], 'a shorter debounce: that');
  short.dispose();
  assert.equal(short.pending(U), false, 'shut down: nothing scheduled');
  sch.schedule(U);
  sch.schedule('file:///w/b');
  sch.dispose();
  assert.equal(sch.pending(U) || sch.pending('file:///w/b'), false, 'shut down: nothing scheduled');
  await turn();
});

test('a replaced timer and a closed document\'s timer never run', async () => {
  const looked: string[] = [];
  const s = { debounceMs: LONGEST, fixedDebounce: true, documents: { get: (u: string) => void looked.push(u) }, worker: null, logError: () => undefined };
  const sch = new Scheduler(s as unknown as ServerState);
  const other = 'file:///w/other';
  sch.schedule(U, 1);
  sch.schedule(U, 1); // replaces the first
  sch.schedule(other, 1);
  sch.forget(other); // closed
  const last = 'file:///w/last';
  sch.schedule(last, 1); // timers of one delay run in the order they were set: this one last
  while (sch.pending(last)) await new Promise((r) => setTimeout(r, 1));
  // each run looks the document up (and finds none): as many times for U as for the last one, once each
  assert.deepEqual([...new Set(looked)], [U, last], 'none for the closed document');
  assert.equal(looked.filter((u) => u === U).length, looked.filter((u) => u === last).length, 'one run for U: the replacing timer\'s');
});

test('a request takes over a scheduled immediate: it never runs, and a timer set after the request stays scheduled', async () => {
  const doc = { uri: U, languageId: 'dockerfile', version: 1 };
  let runs = 0;
  // each analysis of this stub state fails at once (no settings, no scheduler) and is logged
  const s = { debounceMs: 60_000, fixedDebounce: true, documents: { get: () => doc }, worker: null, logError: () => void runs++ };
  const sch = new Scheduler(s as unknown as ServerState);
  sch.schedule(U, 0);
  assert.equal(await sch.current(U, new Map()), undefined, 'the request ran the analysis (nothing stored)');
  const once = runs;
  assert.ok(once > 0, 'the request\'s analysis ran');
  assert.deepEqual(timeouts(() => sch.schedule(U)), [60_000], 'an edit after it: the debounce');
  await turn();
  await turn();
  assert.equal(runs, once, 'the immediate the request took over did not run');
  assert.ok(sch.pending(U), 'the edit\'s timer is still scheduled');
  sch.dispose();
});
