// Documents by URI: which are `.dockerignore` files, and file URIs <-> paths.
import { fileURLToPath, pathToFileURL } from 'node:url';

export function isIgnoreDocument(doc: { uri: string; languageId: string }): boolean {
  return doc.languageId === 'dockerignore' || /\.dockerignore$/i.test(doc.uri);
}

export function uriToPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).href;
}
