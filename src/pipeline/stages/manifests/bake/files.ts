// A folder of files kept in a ConfigMap. A ConfigMap's keys may hold only letters, digits, '-', '_'
// and '.', so a key's "__" stands for '/': templates__deployment.yaml is templates/deployment.yaml.
// data holds text files, binaryData (base64) anything else; both are read.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { BakeError } from './errors.ts';

/** The separator a ConfigMap key holds in place of '/'. */
export const folderSeparator = '__';

/** A ConfigMap's files as the API serves them. */
export interface ConfigMapFiles { data?: Record<string, string>; binaryData?: Record<string, string> }

/** A file to write: its path relative to the work folder and its bytes. */
export interface BakeFile { path: string; content: Buffer }

/** The relative path a key stands for under folder ('.' for the top); refuses a key that would leave it. */
export function pathOfKey(key: string, folder = '.'): string {
  const parts = key.split(folderSeparator);
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new BakeError(`key "${key}" does not name a file: each part between "${folderSeparator}" must be a file or folder name (not empty, "." or "..")`);
  }
  return posix.normalize(posix.join(folder, ...parts));
}

/** The key a relative path is kept under (the inverse of pathOfKey), for people making such ConfigMaps. */
export const keyOfPath = (path: string): string => path.split('/').join(folderSeparator);

/** Every file of a ConfigMap, put under folder. */
export function filesOf(cm: ConfigMapFiles, folder = '.'): BakeFile[] {
  const text = Object.entries(cm.data ?? {}).map(([k, v]) => ({ path: pathOfKey(k, folder), content: Buffer.from(v, 'utf8') }));
  const binary = Object.entries(cm.binaryData ?? {}).map(([k, v]) => ({ path: pathOfKey(k, folder), content: Buffer.from(v, 'base64') }));
  return [...text, ...binary];
}

/** Writes the files under root; two sources writing one path is a mistake to name, not to settle quietly. */
export async function writeFiles(root: string, files: BakeFile[]): Promise<void> {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new BakeError(`two files have the path ${f.path}: give each ConfigMap its own path, or drop one`);
    seen.add(f.path);
    const target = join(root, f.path);
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, f.content, { flag: 'wx' });
    } catch (err) {
      // A file where another key wants a folder (base and base__kustomization.yaml), or the reverse.
      throw new BakeError(`file ${f.path} cannot be written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; a path is either a file or a folder`);
    }
  }
}
