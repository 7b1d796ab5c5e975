import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleWorkDirs, staleWorkMs } from './bake-manifest.ts';

describe('bakeManifest\'s work folders', () => {
  it('removes those an operator left behind, older than a bake lasts, and nothing else', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bake-stale-test-'));
    try {
      const now = Date.now();
      for (const name of ['staysail-bake-old', 'staysail-bake-new', 'other-old']) await mkdir(join(root, name, 'chart'), { recursive: true });
      const old = new Date(now - staleWorkMs - 60_000);
      for (const name of ['staysail-bake-old', 'other-old']) await utimes(join(root, name), old, old);
      assert.deepEqual(await removeStaleWorkDirs(root, now), [join(root, 'staysail-bake-old')]);
      assert.deepEqual((await readdir(root)).sort(), ['other-old', 'staysail-bake-new']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
