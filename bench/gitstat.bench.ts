// git stat-cache checks (context/git.ts untrustedStat): the cost of `explain --since`'s baseline with the checks on
// (every tracked file checked, as for `COPY . .`; a few files, as for `COPY package.json`) against git alone.
// A temp repository of N small files is made once per run (outside the repo) and removed afterwards.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitBaseline } from '../server/src/context';
import { compare, fmtMs, ratio, table } from './util';

const N = Number(process.env.LAYERWISE_BENCH_GIT_FILES ?? 20_000);
const ROUNDS = 9;

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'user.name=b', '-c', 'user.email=b@b', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
    stdio: 'ignore',
    maxBuffer: 256 << 20,
  });
}

function main(): void {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lw-gitstat-')));
  try {
    for (let i = 0; i < N; i++) {
      const d = path.join(dir, 'src', 'd' + (i % 200));
      if (i < 200) fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, `f${i}.txt`), `file ${i}\n`);
    }
    fs.writeFileSync(path.join(dir, 'package.json'), '{}\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'bench');
    // an edit, so the diff has something to report
    fs.writeFileSync(path.join(dir, 'src/d0/f0.txt'), 'edited\n');
    const df = path.join(dir, 'Dockerfile');
    const run = (statCheck: ((p: string) => boolean) | false | undefined) => () => gitBaseline({ contextDir: dir, dockerfilePath: df, rev: 'HEAD', statCheck });
    const r = compare(
      [
        { name: 'off', run: run(false) },
        { name: 'all', run: run(undefined) },
        { name: 'one', run: run((p) => p === 'package.json') },
      ],
      ROUNDS,
      1,
    );
    const m = (k: string): number => r.get(k)!.median;
    console.log(`git stat-cache checks — node ${process.version}, ${N} tracked files, ${ROUNDS} rounds, medians`);
    console.log(
      table([
        ['gitBaseline(--since HEAD)', 'median', 'vs git alone'],
        ['git alone (checks off)', fmtMs(m('off')), '1.00×'],
        ['checks on every tracked file (COPY . .)', fmtMs(m('all')), ratio(m('all'), m('off'))],
        ['checks on one file (COPY package.json)', fmtMs(m('one')), ratio(m('one'), m('off'))],
      ]),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
