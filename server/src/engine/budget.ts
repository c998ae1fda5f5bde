// Limits of one analysis: what is too large to analyse at all, and a time budget that the engine checks between
// stages and rules (cooperatively: the language server's worker also has a hard watchdog). PURE (a clock is no I/O).
import { fmtInt as fmt } from './format';

/** Dockerfiles over any of these are not analysed (one message says which limit and the figure). */
export const MAX_ANALYSED_CHARS = 2 * 1024 * 1024;
export const MAX_ANALYSED_LINES = 100_000;
export const MAX_ANALYSED_STAGES = 2_000;


/**
 * Why a Dockerfile is too large to analyse, or null. One linear scan (no parse): lines, and FROM instructions at
 * the start of a line (a FROM inside a heredoc or a continuation counts too: this is a limit, not a model).
 */
export function tooLargeToAnalyse(text: string): string | null {
  if (text.length > MAX_ANALYSED_CHARS)
    return `too large to analyse: ${fmt(text.length)} characters (Layerwise analyses Dockerfiles of up to ${fmt(MAX_ANALYSED_CHARS)} characters; it analysed none of this one)`;
  let lines = 1;
  let froms = 0;
  let i = text.indexOf('\n');
  // a FROM at the very start
  if (/^[ \t]*from[ \t]/i.test(text.slice(0, 64))) froms++;
  while (i >= 0) {
    lines++;
    let k = i + 1;
    while (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9) k++;
    const c = text.charCodeAt(k) | 0x20;
    if (c === 0x66 && (text.charCodeAt(k + 1) | 0x20) === 0x72 && (text.charCodeAt(k + 2) | 0x20) === 0x6f && (text.charCodeAt(k + 3) | 0x20) === 0x6d) {
      const d = text.charCodeAt(k + 4);
      if (d === 32 || d === 9) froms++;
    }
    i = text.indexOf('\n', i + 1);
  }
  if (lines > MAX_ANALYSED_LINES) return `too large to analyse: ${fmt(lines)} lines (Layerwise analyses Dockerfiles of up to ${fmt(MAX_ANALYSED_LINES)} lines; it analysed none of this one)`;
  if (froms > MAX_ANALYSED_STAGES)
    return `too large to analyse: ${fmt(froms)} stages (Layerwise analyses Dockerfiles of up to ${fmt(MAX_ANALYSED_STAGES)} stages; it analysed none of this one)`;
  return null;
}

/**
 * True for text that is not a Dockerfile but binary content: NUL bytes, or bytes that were not UTF-8 (decoded as
 * U+FFFD) making up more than 1% of the first 64 KiB.
 */
export function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  // the common case, without a character loop (every analysis and forecast asks, on the protocol thread too)
  if (!text.includes('\ufffd')) return false;
  const head = Math.min(text.length, 65536);
  let bad = 0;
  for (let i = 0; i < head; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  return bad > 8 && bad > head / 100;
}

/** Thrown by checkBudget when the analysis running under withBudget has used up its time. */
export class BudgetExceeded extends Error {
  constructor(
    readonly budgetMs: number,
    /** What was done when time ran out, e.g. "312 of 1,871 stages". */
    readonly progress: string,
  ) {
    super(`too large to analyse within ${fmt(budgetMs / 1000)} s: abandoned after ${progress}`);
  }
}

let deadline = Infinity;
let budget = 0;

/** Runs `fn` with a time budget: checkBudget calls inside it throw BudgetExceeded once `ms` have passed. */
export function withBudget<T>(ms: number, fn: () => T): T {
  const saved = [deadline, budget] as const;
  deadline = Date.now() + ms;
  budget = ms;
  try {
    return fn();
  } finally {
    [deadline, budget] = saved;
  }
}

/** Throws BudgetExceeded when the budget of the running withBudget is used up (never outside one). */
export function checkBudget(progress: () => string): void {
  if (deadline !== Infinity && Date.now() > deadline) throw new BudgetExceeded(budget, progress());
}
