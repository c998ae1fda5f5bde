// Loading the 1.2 MB bundle (dist/server.js) with a V8 code cache. Compiling the bundle is most of a thread's start:
// measured here (2 cores, Node 20), `require` of the bundle took 52 ms, 51 of them V8 compiling it; with the code
// cache the compile is 2–6 ms and running its top level 1.4 ms instead of 14. The language server's process compiles
// it twice at start, in the protocol thread and in the analysis worker (at the same time on 2 cores), and a Dockerfile
// opened right after `initialize` waited for the worker to be ready.
//
// The cache is one file per thread role and runtime (Node version, architecture, execArgv) under
// $LAYERWISE_CODE_CACHE_DIR, else $XDG_CACHE_HOME/layerwise/code-cache (~/.cache/layerwise/code-cache). Its first line
// is the SHA-1 of the bundle's text: V8 itself checks only the source's length and its own flags, so a cache made for
// other bytes of the same length would be taken; a different hash means a new build, and the file is overwritten (one
// file per role and runtime, never a growing set). It is written once, 3 s after a thread loaded the bundle without a
// usable cache (by then the thread's start and, in the worker, its warm-up analysis are compiled: the cache holds
// those functions too), to a temporary name renamed into place. Any failure (no home folder, a read-only disk, a
// truncated or foreign file, V8 rejecting it) falls back to compiling the source, as `require` does.
// `LAYERWISE_CODE_CACHE=0` turns it off.
//
// V8 also checks its flags: the launcher sets the server's V8 options back to their defaults while the process starts
// (startflags.ts), and `flags` makes the compile and the cache under the defaults later too (`underDefaults`).
//
// `loadBundle` is self-contained (it requires what it uses and reads no module scope), so workerstart.ts starts the
// analysis worker with its source as the worker's eval code (`workerLoader`).

import type { StartFlags } from './startflags';

/**
 * Loads a CommonJS bundle through the code cache of `role` (in `cacheDir`, else the default folder); returns its
 * exports. `flags`: the process's deferred start flags (startflags.ts), if any.
 */
export function loadBundle(file: string, role: string, cacheDir?: string, flags?: StartFlags): unknown {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  if (process.env['LAYERWISE_CODE_CACHE'] === '0') return require(file);
  /** Runs `f` under V8's default flags (the ones a thread's first load has): V8 takes only a cache made under the same. */
  const underDefaults = <T>(f: () => T): T => {
    if (!flags) return f();
    const v8 = require('node:v8') as typeof import('node:v8');
    Atomics.add(flags.state, 1, 1);
    if (Atomics.load(flags.state, 0)) v8.setFlagsFromString(flags.defaults);
    try {
      return f();
    } finally {
      // the last thread out sets the given flags again, once they are back (see deferStartFlags)
      if (Atomics.sub(flags.state, 1, 1) === 1 && Atomics.load(flags.state, 0)) v8.setFlagsFromString(flags.given);
    }
  };
  let src: string;
  let dir: string;
  let cacheFile: string;
  let hash: string;
  const crypto = require('node:crypto') as typeof import('node:crypto');
  try {
    src = fs.readFileSync(file, 'utf8');
    const os = require('node:os') as typeof import('node:os');
    dir = cacheDir || process.env['LAYERWISE_CODE_CACHE_DIR'] || path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'layerwise', 'code-cache');
    const runtime = crypto.createHash('sha1').update(`${process.version} ${process.arch} ${process.execArgv.join(' ')}`).digest('hex').slice(0, 12);
    cacheFile = path.join(dir, `${path.basename(file)}.${role}.${runtime}.v8cache`);
    hash = crypto.createHash('sha1').update(src).digest('hex');
  } catch {
    return require(file);
  }
  let cached: Buffer | undefined;
  try {
    const buf = fs.readFileSync(cacheFile);
    if (buf.length > 41 && buf.toString('latin1', 0, 41) === hash + '\n') cached = buf.subarray(41);
  } catch {
    /* no cache yet */
  }
  const vm = require('node:vm') as typeof import('node:vm');
  const Module = require('node:module') as typeof import('node:module') & { wrap(s: string): string };
  // a shebang is a syntax error inside the wrapper: `//` keeps every line and column where it was
  const wrapped = Module.wrap(src.startsWith('#!') ? '//' + src.slice(2) : src);
  let script: import('node:vm').Script;
  try {
    script = underDefaults(() => new vm.Script(wrapped, { filename: file, ...(cached ? { cachedData: cached } : {}) }));
  } catch {
    return require(file); // let require report the error the usual way
  }
  const m = new (Module as unknown as new (id: string) => { exports: unknown; filename: string; loaded: boolean })(file);
  m.filename = file;
  const run = script.runInThisContext() as (exports: unknown, req: NodeRequire, mod: unknown, filename: string, dirname: string) => void;
  run.call(m.exports, m.exports, Module.createRequire(file), m, file, path.dirname(file));
  if (!cached || script.cachedDataRejected) {
    // made once the thread has done its first work, so the cache holds the functions that work compiled too (V8
    // compiles a function when it first runs): for the worker its warm-up analysis, for the protocol thread
    // `initialize`. V8 rejects a cache made while its flags differ from a new process's: worker.ts sets
    // --expose-gc only for as long as it takes to get `gc`.
    const save = () => {
      try {
        const data = underDefaults(() => script.createCachedData());
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
        fs.writeFileSync(tmp, Buffer.concat([Buffer.from(hash + '\n', 'latin1'), data]), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
      } catch {
        /* only a cache */
      }
    };
    setTimeout(save, 2000).unref();
  }
  m.loaded = true;
  return m.exports;
}

/** The eval source of a worker thread that loads `file` through the code cache of `role` (its workerData's start flags). */
export function workerLoader(file: string, role: string): string {
  return `(${loadBundle.toString()})(${JSON.stringify(file)}, ${JSON.stringify(role)}, undefined, require('node:worker_threads').workerData?.startFlags);`;
}
