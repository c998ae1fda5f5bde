// Instrument source files with Stryker's own instrumenter (the same mutants, ids and switches a `stryker run` with
// default mutator options places) into a copy of the compiled out/, for scripts/mutation-inprocess.cjs.
// Usage (after `npm run -s compile-tests`): node scripts/mutation-instrument.mjs <name> <file.ts>[:<from>-<to>] ...
// Writes .stryker-tmp/inproc-<name>/out (out/ with the instrumented files transpiled over their compiled versions)
// and .stryker-tmp/inproc-<name>/mutants.json (id, file, line, column, mutator, replacement, original text).
// .stryker-tmp/shared links to ../shared when it exists, so tests that read `<repo>/../shared/corpus` through
// `__dirname/../../../../shared` find it from the copy too; <dir>/docs links to docs/ (rule-docs.test reads the rule
// pages). test/README.md § Mutation testing.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInstrumenter } from '@stryker-mutator/instrumenter';
import ts from 'typescript';

const [name, ...specs] = process.argv.slice(2);
if (!name || !specs.length) {
  console.error('usage: node scripts/mutation-instrument.mjs <name> <file.ts>[:<from>-<to>] ...');
  process.exit(2);
}
if (!existsSync('out/server/src/engine')) {
  console.error('out/ missing: run npm run -s compile-tests first');
  process.exit(2);
}
const dir = resolve('.stryker-tmp', `inproc-${name}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
cpSync('out', join(dir, 'out'), { recursive: true });
if (existsSync('../shared') && !existsSync('.stryker-tmp/shared')) symlinkSync(resolve('../shared'), '.stryker-tmp/shared', 'dir');
// rule-docs.test reads `__dirname/../../../docs` (the rule pages): from the copy that is <dir>/docs
if (existsSync('docs')) symlinkSync(resolve('docs'), join(dir, 'docs'), 'dir');

const logger = { isDebugEnabled: () => false, debug() {}, info: (...a) => console.error(...a), warn: (...a) => console.error(...a), error: (...a) => console.error(...a), isTraceEnabled: () => false, trace() {} };
// createInstrumenter wants Stryker's injector: a stand-in that provides its values and the logger
const provided = { logger };
const injector = { provideValue(k, v) { provided[k] = v; return injector; }, injectClass: (C) => new C(...C.inject.map((t) => provided[t])) };
const instrumenter = createInstrumenter(injector);
const files = specs.map((s) => {
  const m = /^(.*?)(?::(\d+)-(\d+))?$/.exec(s);
  const file = m[1];
  // Stryker's mutate ranges, as its `file.ts:from-to` option turns them: 0-based lines, whole lines
  const mutate = m[2] ? [{ start: { line: Number(m[2]) - 1, column: 0 }, end: { line: Number(m[3]) - 1, column: Number.MAX_SAFE_INTEGER } }] : true;
  return { name: resolve(file), mutate, content: readFileSync(file, 'utf8') };
});
const result = await instrumenter.instrument(files, { plugins: null, excludedMutations: [], ignorers: [] });
const tsconfig = JSON.parse(readFileSync('tsconfig.json', 'utf8')).compilerOptions;
for (const f of result.files) {
  const rel = f.name.slice(process.cwd().length + 1);
  // the runner turns coverage counting off once it has it (ns.skipCoverage): only speed differs
  const content = f.content.replace('function cover() {', 'function cover() {\n    if (ns.skipCoverage) return;');
  if (content === f.content) throw new Error('no coverage function in the instrumented ' + rel);
  const js = ts.transpileModule(content, {
    fileName: rel,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: tsconfig.esModuleInterop, sourceMap: false },
  }).outputText;
  const out = join(dir, 'out', rel.replace(/\.ts$/, '.js'));
  if (!existsSync(out)) throw new Error(`no compiled ${out}`);
  writeFileSync(out, js);
  writeFileSync(join(dir, rel.replace(/[/]/g, '_') + '.instrumented.ts'), f.content);
}
const src = Object.fromEntries(files.map((f) => [f.name, f.content.split('\n')]));
const mutants = result.mutants.map((m) => {
  const lines = src[m.fileName];
  const { start, end } = m.location;
  // the API's lines are 0-based
  const original = start.line === end.line ? lines[start.line].slice(start.column, end.column) : lines[start.line].slice(start.column) + ' …';
  return { id: m.id, file: m.fileName.slice(process.cwd().length + 1), line: start.line + 1, column: start.column + 1, endLine: end.line + 1, mutator: m.mutatorName, replacement: m.replacement, original };
});
writeFileSync(join(dir, 'mutants.json'), JSON.stringify(mutants, null, 1));
console.log(`${dir}: ${mutants.length} mutants in ${files.length} file(s)`);
