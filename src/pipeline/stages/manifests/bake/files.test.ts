import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { BakeError } from './errors.ts';
import { filesOf, keyOfPath, pathOfKey, writeFiles } from './files.ts';

describe('files kept in a ConfigMap', () => {
  it('reads "__" in a key as a folder separator, under the folder given', () => {
    for (const [key, folder, path] of [
      ['Chart.yaml', '.', 'Chart.yaml'],
      ['templates__deployment.yaml', '.', 'templates/deployment.yaml'],
      ['templates___helpers.tpl', 'chart', 'chart/templates/_helpers.tpl'],
      ['kustomization.yaml', 'overlays/prod', 'overlays/prod/kustomization.yaml'],
      ['charts__sub__Chart.yaml', 'chart', 'chart/charts/sub/Chart.yaml'],
    ] as const) assert.equal(pathOfKey(key, folder), path, key);
  });

  it('refuses a key that would step out of its folder or has an empty part', () => {
    for (const key of ['..__secret', 'a____b', '__x', 'x__', 'a__.__b']) {
      assert.throws(() => pathOfKey(key), (err: Error) => err instanceof BakeError && err.message.includes(`key "${key}"`), key);
    }
  });

  it('keyOfPath is the inverse of pathOfKey for names without "__"', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9.-][A-Za-z0-9._-]{0,12}$/).filter((n) => !n.includes('__') && !n.startsWith('_') && !n.endsWith('_')
      && n !== '.' && n !== '..');
    fc.assert(fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (parts) => {
      const path = parts.join('/');
      assert.equal(pathOfKey(keyOfPath(path)), path);
    }));
  });

  it('takes text from data and bytes from binaryData, and writes them under the root', async () => {
    const root = await mkdtemp(join(tmpdir(), 'files-test-'));
    try {
      const files = filesOf({ data: { 'templates__a.yaml': 'kind: A\n' }, binaryData: { 'blob.bin': Buffer.from([0, 1, 255]).toString('base64') } }, 'chart');
      await writeFiles(root, files);
      assert.equal(await readFile(join(root, 'chart/templates/a.yaml'), 'utf8'), 'kind: A\n');
      assert.deepEqual([...await readFile(join(root, 'chart/blob.bin'))], [0, 1, 255]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses two files at one path and a path that is both a file and a folder, naming the path', async () => {
    const root = await mkdtemp(join(tmpdir(), 'files-test-'));
    try {
      await assert.rejects(writeFiles(root, [...filesOf({ data: { 'a.yaml': '1' } }, 'x'), ...filesOf({ data: { 'x__a.yaml': '2' } })]),
        /two files have the path x\/a.yaml/);
      await assert.rejects(writeFiles(root, [...filesOf({ data: { base: 'file' } }, 'y'), ...filesOf({ data: { 'base__k.yaml': 'k' } }, 'y')]),
        /file y\/base\/k.yaml cannot be written: (ENOTDIR|EEXIST); a path is either a file or a folder/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
