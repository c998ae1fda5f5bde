// What the scheduling tests share (scheduling*.test.ts: the language server's scheduling, holding and superseding,
// lsp/scheduler.ts, state.ts, runanalysis.ts, driven in this process by test/lsp/inprocess.ts). The tests are split
// into files by theme so that the mutation run (group `lsp`, coverage per test file) runs a mutant only against the
// files that reach it, and stops at the first failing one.
import { after } from 'node:test';
import * as fs from 'node:fs';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { tempContext } from './client';
import { InProcessServer, WAIT_MS } from './inprocess';

export const servers: InProcessServer[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of servers.splice(0)) await s.stop().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

export async function start(dir: string, inProcess = false): Promise<InProcessServer> {
  const s = await InProcessServer.start({ root: dir, inProcess });
  servers.push(s);
  return s;
}

export function context(files: Record<string, string> = {}): string {
  const dir = tempContext({ 'a.txt': 'a', ...files });
  dirs.push(dir);
  return dir;
}

/**
 * Version `v`'s text: its diagnostics name `missing<v>.txt` (copy-source-missing), its hover on line 2 says "step 2
 * of <3 + v % 5>", its lenses are for 3 + v % 5 steps.
 */
export function textOf(v: number, tag = ''): string {
  return `FROM alpine\nCOPY a.txt /a\nRUN echo ${tag}v${v}\nCOPY missing${tag}${v}.txt /m\n` + 'RUN true\n'.repeat(v % 5);
}
export const stepsOf = (v: number) => 3 + (v % 5);
export const names = (ds: Diagnostic[]) => ds.map((d) => /`(missing[^`]*)`/.exec(d.message)?.[1]).filter(Boolean);

/**
 * The publication invariants, checked on every publication as it arrives: a version the client sent for the open
 * document (never one it did not send, never a newer one), never older than one published before for the same open
 * document, and after a close nothing but the close's own empty, version-less publication.
 */
export class Publications {
  readonly failures: string[] = [];
  private readonly sent = new Map<string, Set<number>>();
  private readonly highest = new Map<string, number>();
  private readonly closing = new Map<string, number>();

  constructor(private readonly s: InProcessServer) {
    s.watch((p) => this.check(p));
  }

  open(uri: string, text: string, languageId = 'dockerfile'): void {
    this.sent.set(uri, new Set([1]));
    this.highest.set(uri, 0);
    this.s.open(uri, text, languageId);
  }

  change(uri: string, text: string): number {
    const v = this.s.change(uri, text);
    this.sent.get(uri)!.add(v);
    return v;
  }

  close(uri: string): void {
    this.sent.delete(uri);
    this.closing.set(uri, (this.closing.get(uri) ?? 0) + 1);
    this.s.close(uri);
  }

  private check(p: PublishDiagnosticsParams): void {
    const closing = this.closing.get(p.uri) ?? 0;
    if (closing > 0) {
      // what comes before the close's acknowledgement was sent before the server saw the close
      if (p.version === undefined && p.diagnostics.length === 0) this.closing.set(p.uri, closing - 1);
      return;
    }
    const sent = this.sent.get(p.uri);
    if (!sent) {
      if (p.diagnostics.length) this.failures.push(`${p.uri}: diagnostics after its close`);
      return;
    }
    if (p.version === undefined || !sent.has(p.version)) this.failures.push(`${p.uri}: published v${p.version}, not a version sent (${[...sent].join(',')})`);
    else if (p.version < this.highest.get(p.uri)!) this.failures.push(`${p.uri}: published v${p.version} after v${this.highest.get(p.uri)}`);
    else this.highest.set(p.uri, p.version);
  }
}

/** Every open document's last publication is for its current version and nothing is scheduled or in flight. */
export async function settled(s: InProcessServer, uris: string[], what: string): Promise<void> {
  await s.until(() => uris.every((u) => s.last(u)?.version === s.version(u) && !s.state.scheduler.pending(u)), WAIT_MS, what);
  await s.sync();
}

export const analysed = (s: InProcessServer, uri: string) =>
  s.notifications.filter((x) => x.method === 'layerwise/analysed' && (x.params as { uri: string }).uri === uri).map((x) => x.params as Record<string, unknown>);
