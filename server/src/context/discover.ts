// Finding Dockerfiles under folders: `Dockerfile`, `*.Dockerfile`, `Dockerfile.*`, `Containerfile*`
// (skipping node_modules, .git and other dependency folders; links are not followed).
import fs = require('node:fs');
import path = require('node:path');
import { fdir } from 'fdir';

const SKIP = new Set(['node_modules', '.git', '.hg', '.svn', 'vendor', '.venv', 'venv', '__pycache__', 'target', '.tox']);

export function isDockerfileName(name: string): boolean {
  return /^(Dockerfile|Containerfile)([.-].+)?$/i.test(name) || /\.(Dockerfile|Containerfile)$/i.test(name)
    ? !/\.(dockerignore|md|txt|orig|bak|swp)$/i.test(name)
    : false;
}

export function findDockerfiles(root: string): string[] {
  const files = new fdir()
    .withFullPaths()
    .exclude((dirName) => SKIP.has(dirName))
    .filter((p) => isDockerfileName(path.basename(p)))
    .crawl(root)
    .sync();
  return files.filter((f) => {
    try {
      return fs.lstatSync(f).isFile();
    } catch {
      return false;
    }
  }).sort();
}
