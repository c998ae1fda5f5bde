// Node options and environment for the language server's process, given by whoever starts it: the VS Code client (execArgv of its
// IPC module), the tests' and benches' LSP client, and the editor snippets in the README. Kept apart (no imports) so
// the client bundles only this list.
//
// `--max-semi-space-size=2`: the protocol thread's young generation (V8 cannot change it once the process runs). By
// default it grows to 16 MB semi-spaces in an edit storm (results cloned from the worker, protocol JSON) and stays
// resident; 2 MB is about the analysis worker's 8 MB young generation (workerstart.ts). Measured here (2 cores, load
// ~8): a 2,000-line Dockerfile after 60 edits, RSS settled 174-175 → 151-155 MB; a seeded storm (seed 1, 1,500
// operations, 8 documents) peak 232 → 183 MB, end 206 → 166 MB, after closing every document 152 → 122 MB.
//
// `--heap-growing-percent=30`: how far V8 lets the old generation grow past what the last full GC kept before it
// collects again (process-wide: the protocol thread and both workers). By default the limit grows in large steps in
// an edit storm, and garbage that a GC would free stays resident until the storm ends (the analysis worker fell from
// ~69 MB to ~22 MB once idle). Measured here (2 cores, load ~1), bench/stress.bench.ts (3,000 operations, 8 documents,
// seeds 1–3): peak/after-open 2.17–2.41× → 1.82–1.96×, end/fresh 1.80–2.01× → 1.55–1.78×; request p50 and p99 the
// same within noise (76–102 → 91–106 ms, 437–761 → 434–675 ms).
//
// Both are V8 options: the launcher sets them back to V8's defaults while the process starts and sets them again after
// (startflags.ts: under them Node's own modules are compiled from source, and the analysis worker started twice as
// slowly). A V8 option added here must be added to startflags.ts DEFERRED_V8_FLAGS (a test checks it).
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=30'];

// `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates (the protocol thread, the analysis worker, V8's and
// libuv's helper threads) a malloc arena of its own, up to 8 per core, and memory freed in one is not returned nor
// reused by another: in an edit storm the process keeps the sum of every arena's high-water mark. Two arenas keep it
// close to what is live. glibc reads it only at start. Measured here (2 cores, load ~10), seeded storms of 1,500
// operations on 8 documents (bench/stress.bench.ts), four runs each way: peak 152–201 → 137–146 MB, after the first
// open 100–101 → 96 MB, after closing every document 113–127 → 102–107 MB, a fresh server 117–119 → 107–109 MB;
// request latencies the same within the load's noise. Other C libraries ignore it.
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
