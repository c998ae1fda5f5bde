// Running a check as an unprivileged user. Root reads a chmod 000 folder anyway, so tests of unreadable paths run
// the code under test in a child process as `nobody` (uid/gid 65534, no supplementary groups) when they run as root
// (CI does); as any other user they run it directly. Never a silent skip: without setpriv as root, they fail.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export const NOBODY = 65534;

/** argv prefix that runs a command as an unprivileged user: [] when we are not root. */
export function unprivileged(): string[] {
  if (process.getuid?.() !== 0) return [];
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
  if (!setpriv) throw new Error('running as root without setpriv (util-linux): cannot check unreadable paths as an unprivileged user');
  return [setpriv, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'];
}

/** Lets the unprivileged user reach (read and list) a temp directory that root created. */
export function openToOthers(dir: string): void {
  if (process.getuid?.() === 0) fs.chmodSync(dir, 0o755);
}

/** Runs node with `args` as the unprivileged user; returns stdout (throws with stderr on a non-zero exit). */
export function nodeUnprivileged(args: string[]): string {
  const [cmd, ...rest] = [...unprivileged(), process.execPath, ...args];
  const r = spawnSync(cmd!, rest, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${[cmd, ...rest].join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
