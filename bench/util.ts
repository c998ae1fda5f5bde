// Small timing helpers for the benches: warm-up first, then interleaved rounds so that ratios are measured side by
// side in the same run (the machine is shared and noisy: quote ratios, not absolute times).
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Variant {
  name: string;
  run: () => unknown;
}

/** Runs every variant `warmup` times, then `rounds` times interleaved (rotating the order); returns medians in ms. */
export function compare(variants: Variant[], rounds: number, warmup = 1): Map<string, { median: number; all: number[] }> {
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let i = 0; i < warmup; i++) for (const v of variants) v.run();
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + r) % variants.length]!;
      const t0 = performance.now();
      v.run();
      times.get(v.name)!.push(performance.now() - t0);
    }
  }
  return new Map([...times].map(([k, all]) => [k, { median: median(all), all }]));
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) + ' ms' : ms >= 10 ? ms.toFixed(1) + ' ms' : ms.toFixed(2) + ' ms';
}

export function ratio(a: number, b: number): string {
  return (a / b).toFixed(2) + '×';
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}
