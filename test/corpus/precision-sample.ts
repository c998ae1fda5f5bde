// Precision review helper (not a test): runs the engine's `check()` over every corpus Dockerfile with its simulated
// build context (as `layerwise check` would with the real context), counts findings per rule, and draws a seeded
// random sample of findings for judging by hand (docs/precision-review.md).
//   npx tsc -p test/tsconfig.json && node out/test/corpus/precision-sample.js [--seed=N] [--n=120] [--cap=15] [--json]
// The sample: rules are visited round-robin (in a seeded order), each taking its next finding from a seeded shuffle
// of its own findings, until N are drawn or every rule is exhausted or at the cap. So every rule with findings is in
// the sample, small rules entirely, and no rule has more than `cap`.
// Each sampled finding is printed with its instruction and the lines around it, the manifest's build context, the
// ignore file, and (for rules about context sources) whether each source exists in the context or the repository.
// The corpus (../shared/corpus) is read in place, never copied.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, analyze, normalizeRel, type Finding } from '../../server/src/engine';
import { CORPUS_DIR, readManifest, corpusContext, corpusDockerfile, rng, type ManifestEntry } from './checks';

function arg(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
}
const SEED = arg('seed', 20261201);
const N = arg('n', 120);
const CAP = arg('cap', 15);

interface Item { file: string; finding: Finding; manifest: ManifestEntry | undefined; hasContext: boolean }

function repoListing(ctx: string): string[] {
  return fs
    .readFileSync(path.join(CORPUS_DIR, 'contexts', ctx, 'files.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((r) => r.slice(0, r.lastIndexOf('\t')));
}

function main(): void {
  const manifest = readManifest();
  const files = fs.readdirSync(path.join(CORPUS_DIR, 'dockerfiles')).sort();
  const all: Item[] = [];
  const counts = new Map<string, { findings: number; fixable: number; files: Set<string>; bySeverity: Record<string, number> }>();
  for (const f of files) {
    const text = fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', f), 'utf8');
    const m = manifest.get(f);
    const ctx = m ? corpusContext(m) : null;
    // the Dockerfile built, as the CLI and the editor pass it (context-includes-volatile's ignore fixes need it)
    for (const finding of check(text, ctx, m && ctx ? { dockerfile: corpusDockerfile(m) } : {}).findings) {
      all.push({ file: f, finding, manifest: m, hasContext: !!ctx });
      const c = counts.get(finding.rule) ?? { findings: 0, fixable: 0, files: new Set<string>(), bySeverity: {} };
      c.findings++;
      if (finding.fix) c.fixable++;
      c.files.add(f);
      c.bySeverity[finding.severity] = (c.bySeverity[finding.severity] ?? 0) + 1;
      counts.set(finding.rule, c);
    }
  }
  const rand = rng(SEED);
  const shuffle = <T>(a: T[]): T[] => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const rules = shuffle([...counts.keys()].sort());
  const pools = new Map(rules.map((r) => [r, shuffle(all.filter((i) => i.finding.rule === r))]));
  const taken = new Map(rules.map((r) => [r, 0]));
  const sample: Item[] = [];
  for (let progress = true; sample.length < N && progress; ) {
    progress = false;
    for (const r of rules) {
      if (sample.length >= N) break;
      const k = taken.get(r)!;
      if (k >= CAP || k >= pools.get(r)!.length) continue;
      sample.push(pools.get(r)![k]!);
      taken.set(r, k + 1);
      progress = true;
    }
  }
  sample.sort((a, b) => a.finding.rule.localeCompare(b.finding.rule) || a.file.localeCompare(b.file) || a.finding.range.start.line - b.finding.range.start.line);
  const recheckArg = process.argv.find((x) => x.startsWith('--recheck='));
  if (recheckArg) return recheck(all, recheckArg.slice(10));
  const verdictsArg = process.argv.find((x) => x.startsWith('--verdicts='));
  if (verdictsArg) return printVerdicts(sample, fs.readFileSync(verdictsArg.slice(11), 'utf8'));
  if (process.argv.includes('--json')) {
    process.stdout.write(
      JSON.stringify(
        {
          seed: SEED,
          files: files.length,
          counts: Object.fromEntries([...counts.keys()].sort().map((r) => [r, { findings: counts.get(r)!.findings, fixable: counts.get(r)!.fixable, files: counts.get(r)!.files.size, bySeverity: counts.get(r)!.bySeverity }])),
          sample: sample.map((s) => ({ file: s.file, rule: s.finding.rule, severity: s.finding.severity, line: s.finding.range.start.line + 1, fix: s.finding.fix?.title ?? null, hasContext: s.hasContext, message: s.finding.message })),
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  console.log(`seed ${SEED}: ${files.length} files, ${all.length} findings, sample ${sample.length}`);
  for (const r of [...counts.keys()].sort()) {
    const c = counts.get(r)!;
    console.log(`${r}\t${c.findings}\t${JSON.stringify(c.bySeverity)}\tfix ${c.fixable}\tfiles ${c.files.size}\tsample ${taken.get(r)}`);
  }
  let k = 0;
  for (const s of sample) {
    const text = fs.readFileSync(path.join(CORPUS_DIR, 'dockerfiles', s.file), 'utf8');
    const lines = text.split('\n');
    const { start, end } = s.finding.range;
    const m = s.manifest;
    console.log(`\n==== #${++k} ${s.finding.rule} [${s.finding.severity}] ${s.file}:${start.line + 1}${s.finding.fix ? `  FIX: ${s.finding.fix.title}` : ''}`);
    console.log(`  ${s.finding.message}`);
    if (s.finding.fixRefused) console.log(`  fix refused (${s.finding.fixRefused.title}): ${s.finding.fixRefused.reason}`);
    for (const r of s.finding.related ?? []) console.log(`  related line ${r.range.start.line + 1}: ${r.message}`);
    if (m) console.log(`  context: ${m.context ?? '(none)'} dir=${m.context_dir} source=${(m as { context_source?: string }).context_source} ignore=${m.dockerignore ?? '-'}`);
    const from = Math.max(0, start.line - 10);
    const model = analyze(text);
    const step = model.steps.find((x) => x.range.start.line === start.line);
    const last = Math.min(lines.length, Math.max(end.line, step?.range.end.line ?? 0) + 5);
    for (let i = from; i < last; i++) console.log(`${i === start.line ? '>' : ' '}${String(i + 1).padStart(4)}| ${lines[i]}`);
    if (m?.context && s.hasContext) {
      const cd = normalizeRel(m.context_dir);
      const prefix = cd ? cd + '/' : '';
      const listing = repoListing(m.context);
      const inCtx = listing.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
      const top = [...new Set(inCtx.map((p) => p.split('/')[0]! + (p.includes('/') ? '/' : '')))];
      console.log(`  context top level (${inCtx.length} files): ${top.slice(0, 60).join(' ')}${top.length > 60 ? ' …' : ''}`);
      if (m.dockerignore) {
        const ign = path.join(CORPUS_DIR, 'contexts', m.context, m.dockerignore.replace(/\//g, '__'));
        if (fs.existsSync(ign)) console.log(`  ignore file: ${fs.readFileSync(ign, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).slice(0, 25).join(' | ')}`);
      }
      if (step && /copy|ignored|broad|volatile/.test(s.finding.rule)) {
        for (const r of step.contextReads)
          for (const src of r.sources) {
            const inside = src === '' ? inCtx.length : inCtx.filter((p) => p === src || p.startsWith(src.replace(/\/$/, '') + '/')).length;
            const repo = src === '' ? 0 : listing.filter((p) => p === src || p.endsWith('/' + src) || p.includes('/' + src.replace(/\/$/, '') + '/')).slice(0, 3);
            console.log(`  source '${src}': ${inside} path(s) in context; elsewhere in repo: ${JSON.stringify(repo)}`);
          }
      }
    }
  }
}

/**
 * `--recheck=<sample.json>,<verdicts.tsv>`: what the current engine says at each finding of an earlier sample (same
 * rule, same line): gone, the same severity, or another one — counted per earlier verdict.
 */
function recheck(all: Item[], arg: string): void {
  const [sampleFile, tsv] = arg.split(',');
  const old = JSON.parse(fs.readFileSync(sampleFile!, 'utf8')) as { file: string; rule: string; severity: string; line: number }[];
  const verdicts = fs.readFileSync(tsv!, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[1]!);
  const rows = new Map<string, Map<string, number>>();
  old.forEach((o, i) => {
    const now = all.find((x) => x.file === o.file && x.finding.rule === o.rule && x.finding.range.start.line + 1 === o.line);
    const what = !now ? 'gone' : now.finding.severity === o.severity ? 'same' : `${o.severity} → ${now.finding.severity}`;
    const key = `${o.rule}\t${verdicts[i]}`;
    const m = rows.get(key) ?? new Map<string, number>();
    m.set(what, (m.get(what) ?? 0) + 1);
    rows.set(key, m);
    console.log(`${i + 1}\t${o.rule}\t${verdicts[i]}\t${what}`);
  });
  console.log('\n| rule | earlier verdict | now |\n|---|---|---|');
  for (const [k, m] of [...rows].sort()) console.log(`| ${k.replace('\t', ' | ')} | ${[...m].map(([w, n]) => `${w} ${n}`).join(', ')} |`);
}

/**
 * `--verdicts=<tsv>` (lines `#<TAB>TP|FP|debatable<TAB>why`, numbered as the printed sample): the markdown table and
 * the TP rates per rule, for warnings+errors and for infos (debatable counts as not TP).
 */
function printVerdicts(sample: Item[], tsv: string): void {
  const v = new Map<number, { verdict: string; why: string }>();
  for (const line of tsv.split('\n')) {
    const [n, verdict, why] = line.split('\t');
    if (n && verdict) v.set(Number(n), { verdict, why: why ?? '' });
  }
  if (v.size !== sample.length) throw new Error(`${v.size} verdicts for ${sample.length} sampled findings`);
  console.log('| # | rule | severity | file:line | verdict | why |\n|---|---|---|---|---|---|');
  const per = new Map<string, { tp: number; fp: number; deb: number }>();
  const bySev = { strong: { tp: 0, n: 0 }, info: { tp: 0, n: 0 } };
  sample.forEach((s, i) => {
    const x = v.get(i + 1)!;
    console.log(`| ${i + 1} | ${s.finding.rule} | ${s.finding.severity} | ${s.file}:${s.finding.range.start.line + 1} | ${x.verdict} | ${x.why.replace(/\|/g, '\\|')} |`);
    const p = per.get(s.finding.rule) ?? { tp: 0, fp: 0, deb: 0 };
    if (x.verdict === 'TP') p.tp++;
    else if (x.verdict === 'FP') p.fp++;
    else p.deb++;
    per.set(s.finding.rule, p);
    const b = s.finding.severity === 'info' ? bySev.info : bySev.strong;
    b.n++;
    if (x.verdict === 'TP') b.tp++;
  });
  const pct = (a: number, b: number) => (b ? `${Math.round((100 * a) / b)} %` : '–');
  console.log('\n| rule | sampled | TP | FP | debatable | TP rate |\n|---|---:|---:|---:|---:|---:|');
  for (const [r, p] of [...per].sort()) console.log(`| ${r} | ${p.tp + p.fp + p.deb} | ${p.tp} | ${p.fp} | ${p.deb} | ${pct(p.tp, p.tp + p.fp + p.deb)} |`);
  console.log(`\nwarnings+errors: ${bySev.strong.tp}/${bySev.strong.n} TP = ${pct(bySev.strong.tp, bySev.strong.n)}; infos: ${bySev.info.tp}/${bySev.info.n} TP = ${pct(bySev.info.tp, bySev.info.n)}`);
}

main();
