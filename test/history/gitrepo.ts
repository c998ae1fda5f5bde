// Scripted git repositories in temp dirs for the history tests and bench.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export class Repo {
  readonly root: string;
  private n = 0;
  constructor(root?: string, init = true) {
    this.root = root ?? mkdtempSync(join(tmpdir(), 'lw-hist-'));
    if (init) this.git('init', '-q', '-b', 'main');
  }
  git(...args: string[]): string {
    const r = spawnSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
      cwd: this.root,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir(), GIT_AUTHOR_DATE: `${1_700_000_000 + this.n} +0000`, GIT_COMMITTER_DATE: `${1_700_000_000 + this.n} +0000` },
      maxBuffer: 256 << 20,
    });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }
  write(rel: string, content: string, mode?: number): this {
    const p = join(this.root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    if (mode !== undefined) chmodSync(p, mode);
    return this;
  }
  append(rel: string, content: string): this {
    const p = join(this.root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content, { flag: 'a' });
    return this;
  }
  rm(rel: string): this {
    rmSync(join(this.root, rel), { recursive: true, force: true });
    return this;
  }
  commit(msg = `c${this.n}`): string {
    this.n++;
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '--no-verify', '-m', msg);
    return this.git('rev-parse', 'HEAD').trim();
  }
  path(rel = ''): string {
    return join(this.root, rel);
  }
  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
