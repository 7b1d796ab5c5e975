// The staysail.dev API on the real API server: the CRDs install, every sample applies, kubectl explain
// teaches every kind, and what the schema can refuse is refused with a message naming the field.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kinds } from '../../src/api/v1alpha1/index.ts';
import { repoRoot } from '../cluster/binaries.ts';
import { kubectl, kubectlOk } from '../support/kubectl.ts';
import { sharedCluster } from '../support/setup.ts';
import { installCrds } from '../support/crds.ts';
import { invalidManifests } from '../support/invalid-manifests.ts';

describe('the staysail.dev API', function () {
  this.timeout(120_000);
  let kubeconfig: string;
  const ns = `api-${Date.now().toString(36)}`;
  const inNs = (args: string[]) => ['-n', ns, ...args];

  before(async () => {
    kubeconfig = sharedCluster().kubeconfigPath;
    await installCrds(kubeconfig);
    await kubectlOk(kubeconfig, ['create', 'namespace', ns]);
  });
  after(async () => { await kubectl(kubeconfig, ['delete', 'namespace', ns, '--wait=false']); });

  it('installs a CRD for every kind, in the staysail category with short names', async () => {
    const out = await kubectlOk(kubeconfig, ['api-resources', '--api-group=staysail.dev', '--no-headers', '-o', 'wide']);
    for (const k of kinds) {
      const row = out.split('\n').find((l) => l.startsWith(`${k.plural} `));
      assert.ok(row, `no API resource ${k.plural}`);
      assert.match(row, new RegExp(`\\b${k.shortNames.join(',')}\\b`));
      assert.match(row, /\bstaysail\b/);
      assert.match(row, new RegExp(`\\b${k.kind}\\b`));
    }
  });

  it('applies every sample and the worked example with kubectl apply --server-side', async () => {
    const dir = join(repoRoot, 'config/samples');
    const files = [...readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)),
      ...readdirSync(join(dir, 'example')).map((f) => join(dir, 'example', f))];
    for (const file of files) await kubectlOk(kubeconfig, inNs(['apply', '--server-side', '-f', file]));
    const listed = await kubectlOk(kubeconfig, inNs(['get', 'staysail', '-o', 'name']));
    for (const k of kinds) assert.match(listed, new RegExp(`^${k.singular}\\.staysail\\.dev/`, 'm'), `no ${k.kind} sample`);
    for (const name of ['application/demo', 'account/local', 'cluster/demo-prod', 'loadbalancer/demo-web', 'securitygroup/demo-web',
      'pipeline/demo-release', 'pipelinerun/demo-release-1']) {
      await kubectlOk(kubeconfig, inNs(['get', `${name.replace('/', '.staysail.dev/')}`]));
    }
  });

  it('shows the printer columns users look for', async () => {
    const runs = await kubectlOk(kubeconfig, inNs(['get', 'pipelineruns']));
    assert.match(runs.split('\n')[0]!, /^NAME\s+SUCCEEDED\s+REASON\s+STARTTIME\s+COMPLETIONTIME\s+PIPELINE/);
    assert.match(runs, /demo-release-1\s+demo-release/);
    assert.match((await kubectlOk(kubeconfig, inNs(['get', 'clusters']))).split('\n')[0]!, /^NAME\s+ACTIVE\s+READY\s+PHASE\s+CANARY\s+AGE/);
    assert.match((await kubectlOk(kubeconfig, inNs(['get', 'servergroups']))).split('\n')[0]!, /^NAME\s+ENABLED\s+READY\s+AGE/);
  });

  it('fills in defaults the API server owns', async () => {
    const stage = JSON.parse(await kubectlOk(kubeconfig, inNs(['get', 'pipeline.staysail.dev/demo-release', '-o', 'jsonpath={.spec.stages[0]}'])));
    assert.equal(stage.failurePolicy, 'failPipeline');
    const strategy = JSON.parse(await kubectlOk(kubeconfig, inNs(['get', 'cluster.staysail.dev/demo-prod', '-o', 'jsonpath={.spec.strategy}'])));
    assert.equal(strategy.type, 'redblack');
  });

  it('teaches every kind through kubectl explain', async () => {
    for (const k of kinds) {
      const out = await kubectlOk(kubeconfig, ['explain', `${k.plural}.spec`]);
      assert.match(out, /DESCRIPTION:/);
      assert.match(out, /FIELDS:/);
    }
    const stages = await kubectlOk(kubeconfig, ['explain', 'pipelinerun.status.stages']);
    assert.match(stages, /One record per stage/);
    assert.match(await kubectlOk(kubeconfig, ['explain', 'pipeline.spec.stages.failurePolicy']), /stopBranchThenFail/);
  });

  it('teaches each cloud\'s Account and template fields through kubectl explain', async () => {
    const explain = (path: string) => kubectlOk(kubeconfig, ['explain', path]);
    for (const [cloud, account, template] of [
      ['aws', /accountId[\s\S]*assumeRole[\s\S]*credentialsSecretRef[\s\S]*endpoint/, /imageId[\s\S]*instanceType/],
      ['gce', /credentialsSecretRef[\s\S]*endpoint[\s\S]*project/, /image[\s\S]*machineType/],
      ['azure', /authorityHost[\s\S]*credentialsSecretRef[\s\S]*endpoint[\s\S]*resourceGroup[\s\S]*subscriptionId[\s\S]*tenantId/,
        /adminUsername[\s\S]*customData[\s\S]*image[\s\S]*sshPublicKeys[\s\S]*vmSize/],
    ] as const) {
      assert.match(await explain(`account.spec.${cloud}`), account, `kubectl explain account.spec.${cloud}`);
      assert.match(await explain(`cluster.spec.template.${cloud}`), template, `kubectl explain cluster.spec.template.${cloud}`);
      assert.match(await explain(`servergroup.spec.template.${cloud}`), template, `kubectl explain servergroup.spec.template.${cloud}`);
    }
  });

  describe('refuses invalid manifests, naming the field', () => {
    for (const c of invalidManifests) {
      it(c.name, async () => {
        for (const setup of c.setup ?? []) await kubectlOk(kubeconfig, inNs(['apply', '--server-side', '-f', '-']), stringify(setup));
        const r = await kubectl(kubeconfig, inNs(['apply', '--server-side', '-f', '-']), stringify(c.manifest));
        assert.notEqual(r.code, 0, `${c.name}: accepted`);
        assert.match(r.stderr, c.error);
      });
    }
  });
});
