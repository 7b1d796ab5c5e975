import assert from 'node:assert/strict';
import { escapeSetValue, helmTemplateArgs, setPair } from './helm.ts';

describe('the helm template command line', () => {
  it('names the release, chart and namespace, leaves test hooks out, and puts values files before --set-string overrides in key order', () => {
    assert.deepEqual(helmTemplateArgs({ releaseName: 'web', chart: 'chart', namespace: 'shop', valuesFiles: ['values-0.yaml', 'values-inline.yaml'],
      overrides: { 'image.tag': 'v2', 'a.b': '1' }, includeCRDs: true, apiVersions: ['monitoring.coreos.com/v1'], kubeVersion: '1.35.0' }), [
      'template', 'web', 'chart', '--namespace', 'shop', '--skip-tests', '--values', 'values-0.yaml', '--values', 'values-inline.yaml',
      '--set-string', 'a.b=1', '--set-string', 'image.tag=v2', '--include-crds', '--api-versions', 'monitoring.coreos.com/v1', '--kube-version', '1.35.0']);
    assert.deepEqual(helmTemplateArgs({ releaseName: 'r', chart: 'chart.tgz', namespace: 'n', valuesFiles: [] }),
      ['template', 'r', 'chart.tgz', '--namespace', 'n', '--skip-tests']);
  });

  it('passes overrides with --set, read as YAML, only with rawOverrides', () => {
    assert.deepEqual(helmTemplateArgs({ releaseName: 'r', chart: 'c', namespace: 'n', valuesFiles: [], overrides: { replicas: '3' }, rawOverrides: true }),
      ['template', 'r', 'c', '--namespace', 'n', '--skip-tests', '--set', 'replicas=3']);
  });

  it('escapes the commas and backslashes of a --set value, so one override stays one value', () => {
    assert.equal(escapeSetValue('a,b'), 'a\\,b');
    assert.equal(escapeSetValue('C:\\x'), 'C:\\\\x');
    assert.equal(setPair('list[0]', 'x,y'), 'list[0]=x\\,y');
  });

  it('refuses an override key helm cannot read as one path, naming the key', () => {
    for (const key of ['a=b', 'a,b', 'a b', '']) assert.throws(() => setPair(key, 'v'), new RegExp(`helm.overrides key "${key}" is not a value path`));
  });
});
