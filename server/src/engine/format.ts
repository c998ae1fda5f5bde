// Number and text formatting without Intl. PURE. The first `toLocaleString` or `localeCompare` of a thread builds
// ICU's number formatter or collator: 60–340 ms of CPU on this machine under load (170 ms for one
// `(1234).toLocaleString('en-US')` in a fresh process), paid by each thread of the language server on its first
// message that names a count — the worker's first findings, the protocol thread's first context-size line.

/** `n` as `toLocaleString('en-US')` writes it: digits grouped by commas ("12,345"), at most 3 decimals. */
export function fmtInt(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US'); // fractions, huge or not finite: rare, Intl's
  const s = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 || Object.is(n, -0) ? '-' + out : out;
}

/** Code-unit order (`<`): for ASCII identifiers such as rule ids, the order `localeCompare` gives, without ICU. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
