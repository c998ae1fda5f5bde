// Progress on stderr for long runs (`check` over many Dockerfiles, `history` over many commits): one line redrawn in
// place, "check: 120/342 Dockerfiles · 3.4 s", only when stderr is a terminal (CI logs stay clean) and not --quiet.
// Also Ctrl-C: the first SIGINT asks the run to stop after the current item (a second one kills as usual), so the
// command can say what it did.

/** Whether progress is drawn: stderr is a terminal, not `--quiet`, not TERM=dumb. */
export function progressWanted(quiet: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): boolean {
  return !quiet && !!stream.isTTY && process.env['TERM'] !== 'dumb';
}

export function fmtElapsed(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export class Progress {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly unit: string,
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** When the run started (a later phase's line keeps counting from there). */
    readonly t0 = Date.now(),
  ) {}

  elapsed(): string {
    return fmtElapsed(Date.now() - this.t0);
  }

  /** `done` items of the total are finished; redrawn at most every 100 ms, first after 200 ms (quick runs show none). */
  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.t0 < 200 || (now - this.lastDraw < 100 && done < this.total)) return;
    this.lastDraw = now;
    this.drawn = true;
    this.stream.write(`\r\x1b[K${this.label}: ${done}/${this.total} ${this.unit} · ${this.elapsed()}`);
  }

  /** A line without counts ("history: reading the git history · 0.8 s"), for a phase of unknown length. */
  status(): void {
    if (!this.enabled || Date.now() - this.t0 < 200) return;
    this.drawn = true;
    this.stream.write(`\r\x1b[K${this.label}: ${this.unit} · ${this.elapsed()}`);
  }

  /** Erases the line (before the result or a message is printed). */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

/**
 * Ctrl-C while a long run is going: `interrupted()` turns true at the first SIGINT (and `onInterrupt` runs);
 * `dispose()` restores the default.
 */
export function interruptible(onInterrupt?: () => void): { interrupted: () => boolean; dispose: () => void } {
  let hit = false;
  const on = () => {
    hit = true;
    onInterrupt?.();
  };
  process.once('SIGINT', on);
  return { interrupted: () => hit, dispose: () => process.removeListener('SIGINT', on) };
}

/** Yields to the event loop, so that a SIGINT or a progress write gets through between two items of work. */
export function breathe(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
