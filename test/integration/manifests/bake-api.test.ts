// The API server refuses what bakeManifest and deployManifest's manifestsFrom cannot act on, naming
// the field and the fix (a server-side dry run of each Pipeline).
import assert from 'node:assert/strict';
import { installCrds } from '../../support/crds.ts';
import { kubectl } from '../../support/kubectl.ts';
import { sharedCluster } from '../../support/setup.ts';

const pipeline = (stages: unknown[]) => ({ apiVersion: 'staysail.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'p' }, spec: { application: 'demo', stages } });
const bake = (block: Record<string, unknown>) => ({ refId: 'bake', type: 'bakeManifest', bakeManifest: block });
const helm = (extra: Record<string, unknown> = {}) => ({ releaseName: 'web', chartFrom: { configMapRef: { name: 'web-chart' } }, ...extra });
const deploy = (manifestsFrom: Record<string, unknown>) => ({ refId: 'deploy', type: 'deployManifest', requisiteStageRefIds: ['bake'],
  deployManifest: { accountRef: { name: 'local' }, manifestsFrom } });

const cases: { name: string; stages: unknown[]; error: RegExp }[] = [
  { name: 'templateRenderer helm without its block', stages: [bake({ templateRenderer: 'helm' })],
    error: /bakeManifest\.helm: Invalid value: .*templateRenderer helm needs the helm block/ },
  { name: 'a kustomize block for templateRenderer helm', stages: [bake({ templateRenderer: 'helm', helm: helm(), kustomize: { filesFrom: [{ configMapRef: { name: 'x' } }] } })],
    error: /bakeManifest\.kustomize: Invalid value: .*the kustomize block is only for templateRenderer kustomize/ },
  { name: 'a chart from both a ConfigMap and a repository',
    stages: [bake({ templateRenderer: 'helm', helm: helm({ chartFrom: { configMapRef: { name: 'c' }, repository: { url: 'https://c.example.com', chart: 'web', version: '1.0.0' } } }) })],
    error: /helm\.chartFrom\.configMapRef: Invalid value: .*set chartFrom.configMapRef or chartFrom.repository, one of the two/ },
  { name: 'a kustomize folder stepping out with ..',
    stages: [bake({ templateRenderer: 'kustomize', kustomize: { filesFrom: [{ configMapRef: { name: 'x' }, path: '../etc' }] } })],
    error: /kustomize\.filesFrom\[0\]\.path: Invalid value/ },
  { name: 'manifestsFrom naming both a ConfigMap and a stage', stages: [bake({ templateRenderer: 'helm', helm: helm() }),
    deploy({ configMapRef: { name: 'm' }, key: 'manifests.yaml', stage: 'bake' })],
    error: /manifestsFrom\.configMapRef: Invalid value: .*set manifestsFrom.configMapRef \(with key\) or manifestsFrom.stage \(a bakeManifest stage\), one of the two/ },
  { name: 'manifestsFrom.stage with a key', stages: [bake({ templateRenderer: 'helm', helm: helm() }), deploy({ stage: 'bake', key: 'manifests.yaml' })],
    error: /manifestsFrom\.key: Invalid value: .*manifestsFrom.key is the key of manifestsFrom.configMapRef/ },
];

describe('the API server on bakeManifest and manifestsFrom.stage', function () {
  this.timeout(60_000);
  before(() => installCrds(sharedCluster().kubeconfigPath));
  const dryRun = (stages: unknown[]) => kubectl(sharedCluster().kubeconfigPath, ['apply', '--server-side', '--dry-run=server', '-f', '-'], JSON.stringify(pipeline(stages)));

  it('accepts a bake of each renderer and a deploy of it', async () => {
    const r = await dryRun([bake({ templateRenderer: 'helm', helm: helm({ overrides: { 'image.tag': '${trigger.tag}' }, rawOverrides: true }) }), deploy({ stage: 'bake' }),
      { refId: 'kbake', type: 'bakeManifest', bakeManifest: { templateRenderer: 'kustomize',
        kustomize: { filesFrom: [{ configMapRef: { name: 'b' }, path: 'base' }, { configMapRef: { name: 'o' }, path: 'overlays/prod' }], path: 'overlays/prod' } } }]);
    assert.equal(r.code, 0, r.stderr);
  });

  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const r = await dryRun(c.stages);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, c.error);
    });
  }
});
