// Reading the Dockerfile the user named, with clear errors for what can go wrong.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from './args';

export const MAX_DOCKERFILE_BYTES = 16 * 1024 * 1024;

export function readDockerfile(arg: string | undefined): { path: string; display: string; text: string } {
  let p = path.resolve(arg ?? 'Dockerfile');
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new CliError(`no such Dockerfile: ${arg ?? './Dockerfile'}`);
  }
  if (st.isDirectory()) {
    const inDir = ['Dockerfile', 'Containerfile', 'dockerfile'].map((n) => path.join(p, n)).find((c) => fs.existsSync(c));
    if (!inDir) throw new CliError(`${arg}: is a directory with no Dockerfile or Containerfile in it`);
    p = inDir;
    st = fs.statSync(p);
  }
  if (!st.isFile()) throw new CliError(`${arg}: not a regular file`);
  if (st.size > MAX_DOCKERFILE_BYTES) throw new CliError(`${arg}: ${st.size} bytes is too large for a Dockerfile (limit ${MAX_DOCKERFILE_BYTES})`);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(p);
  } catch (e) {
    throw new CliError(`cannot read ${arg ?? p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf.includes(0)) throw new CliError(`${arg ?? p}: binary file, not a Dockerfile`);
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rel = path.relative(process.cwd(), p);
  return { path: p, display: rel.startsWith('..') ? p : rel, text };
}
