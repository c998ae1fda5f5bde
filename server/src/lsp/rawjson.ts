// A JSON value sent as the text it already is. The forecast crosses from the analysis worker as its JSON text (the
// shape of `explain --format json`); the `layerwise/forecast` answer over a stream (`--stdio`: Neovim, other editors)
// splices that text into the response instead of parsing it on this thread and serialising it again (a 2,000-line
// Dockerfile's is ~290 KB: a few ms each way, while the next notification waits). Over node-ipc (VS Code) Node
// serialises each message itself: there `toJSON` gives the parsed value, the same JSON.
import { format } from 'node:util';

export class RawJson {
  /** `text` must be JSON.stringify's output (well-formed JSON). */
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** vscode-jsonrpc's `application/json` encoder, but a response whose result is a RawJson carries its text as is. */
export const rawJsonEncoder = {
  name: 'application/json',
  encode(msg: unknown, options: { charset: 'ascii' | 'utf-8' }): Promise<Uint8Array> {
    try {
      const m = msg as { result?: unknown } | null;
      if (m && m.result instanceof RawJson) {
        const { result, ...rest } = m;
        const head = JSON.stringify(rest);
        return Promise.resolve(Buffer.from(`${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"result":${result.text}}`, options.charset));
      }
      return Promise.resolve(Buffer.from(JSON.stringify(msg, undefined, 0), options.charset));
    } catch (e) {
      return Promise.reject(e);
    }
  },
};

/**
 * What vscode-languageserver does to `console` for its own `--stdio` connection (stdout carries the protocol: a stray
 * console.log there would break the framing): the same methods go to the client's log instead.
 */
export function consoleToClient(log: { log(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void }): void {
  const c = console as unknown as Record<string, (...a: unknown[]) => void>;
  for (const k of ['log', 'debug', 'dir', 'table', 'dirxml', 'group', 'groupCollapsed']) c[k] = (...a) => log.log(format(...a));
  c['info'] = (...a) => log.info(format(...a));
  c['warn'] = (...a) => log.warn(format(...a));
  for (const k of ['error', 'trace']) c[k] = (...a) => log.error(format(...a));
  c['assert'] = (ok, ...a) => {
    if (!ok) log.error(`Assertion failed${a.length ? ': ' + format(...a) : ''}`);
  };
  const counts = new Map<string, number>();
  c['count'] = (label = 'default') => {
    const n = (counts.get(String(label)) ?? 0) + 1;
    counts.set(String(label), n);
    log.log(`${String(label)}: ${n}`);
  };
  c['countReset'] = (label = 'default') => void counts.delete(String(label));
}
