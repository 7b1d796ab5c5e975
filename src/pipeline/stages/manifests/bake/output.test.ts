import assert from 'node:assert/strict';
import { bakeConfigMapName, maxBakeBytes, summarize } from './output.ts';

describe('what a bake keeps', () => {
  it('lists the objects rendered and hashes the text', () => {
    const text = '---\n# Source: x\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: a, namespace: shop }\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\n';
    const s = summarize(text);
    assert.deepEqual(s.objects, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'shop' }, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }]);
    assert.match(s.sha256, /^[0-9a-f]{64}$/);
    assert.equal(summarize(text).sha256, s.sha256);
    assert.notEqual(summarize(`${text}\n# more\n`).sha256, s.sha256);
  });

  it('refuses more than the limit, naming it, and a document that is not an object', () => {
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { x: "${'y'.repeat(maxBakeBytes)}" }\n`;
    assert.throws(() => summarize(big), /the rendered manifests are 901 KiB, above the 900 KiB a bake keeps/);
    assert.throws(() => summarize('kind: A\n'), /^Error: the rendered output: document 1 is not a Kubernetes object: it needs apiVersion, kind and metadata.name$/);
    assert.throws(() => summarize('---\n# Source: web/templates/ok.yaml\napiVersion: v1\nkind: A\nmetadata: { name: a }\n---\n# Source: web/templates/bad.yaml\nkind: B\n'),
      /the rendered output: document 2 \(web\/templates\/bad.yaml\) is not a Kubernetes object/, 'names the template helm rendered it from');
    assert.throws(() => summarize('a: [\n'), /the rendered output is not YAML/);
  });

  it('names the ConfigMap from the run and the stage, within a name\'s length', () => {
    assert.equal(bakeConfigMapName('release-1', 'bake'), 'release-1-bake-manifests');
    assert.ok(bakeConfigMapName('r'.repeat(60), 'bake-the-chart').length <= 63 + '-manifests'.length);
  });

  it('gives refIds a name cannot hold as they are names of their own, so bake_web, Bake-Web and bake-web never share a ConfigMap', () => {
    const names = ['bake-web', 'bake_web', 'Bake-Web', 'bake.web'].map((r) => bakeConfigMapName('release-1', r));
    assert.equal(names[0], 'release-1-bake-web-manifests');
    assert.equal(new Set(names).size, names.length, names.join(', '));
    for (const n of names) assert.match(n, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.equal(bakeConfigMapName('release-1', 'bake_web'), bakeConfigMapName('release-1', 'bake_web'), 'the same each pass');
  });
});
