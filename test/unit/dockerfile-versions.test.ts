// The operator image builds helm and kustomize at the versions the local control plane is tested
// with: the Dockerfile's ARG defaults must be hack/versions.env's pins (the image's build context
// leaves hack/ out, so it cannot read them itself).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';

const pairs = (text: string, pattern: RegExp) => Object.fromEntries([...text.matchAll(pattern)].map((m) => [m[1]!, m[2]!]));

describe('the Dockerfile', () => {
  it('builds helm and kustomize at the versions hack/versions.env pins', () => {
    const pins = pairs(readFileSync(join(repoRoot, 'hack/versions.env'), 'utf8'), /^([A-Z_]+)=(\S+)$/gm);
    const args = pairs(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'), /^ARG ([A-Z_]+)=(\S+)$/gm);
    for (const name of ['HELM_VERSION', 'KUSTOMIZE_VERSION']) {
      assert.ok(pins[name], `hack/versions.env pins ${name}`);
      assert.equal(args[name], pins[name], `Dockerfile ARG ${name}`);
    }
  });
});
