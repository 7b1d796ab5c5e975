// Accounts say whether they can be used: the Kubernetes provider reaches this cluster, or another
// through a kubeconfig Secret; the AWS provider reaches an AWS account (moto) with the keys of a
// Secret, as itself or as an assumed role; the GCE provider reaches a project (on the fake of Compute)
// with a service-account key; a missing Secret (of a Kubernetes or an Azure Account), the wrong AWS
// account or GCE project is named.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FakeGce } from '../fakes/gce/server.ts';
import { serviceAccountKey } from '../support/gce-world.ts';
import { withOperator } from '../support/namespace.ts';
import { api, inNamespace } from '../support/runs.ts';
import { motoAccountId } from '../support/moto.ts';
import { sharedCluster, sharedMoto } from '../support/setup.ts';

const ns = `accounts-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);
const account = (name: string, spec: object) => ({ apiVersion: api, kind: 'Account', metadata: { name }, spec });

describe('Accounts, with the operator as a process', function () {
  this.timeout(60_000);
  withOperator(ns);

  it('is Ready when its credentials reach the provider, and says why not otherwise', async () => {
    await k(['create', 'secret', 'generic', 'other-cluster', `--from-literal=kubeconfig=${readFileSync(sharedCluster().kubeconfigPath, 'utf8')}`]);
    await apply(account('here', { provider: 'kubernetes' }),
      account('there', { provider: 'kubernetes', kubernetes: { kubeconfigSecretRef: { name: 'other-cluster' } } }),
      account('lost', { provider: 'kubernetes', kubernetes: { kubeconfigSecretRef: { name: 'missing' } } }),
      account('cloud', { provider: 'azure', azure: { subscriptionId: '00000000-0000-4000-8000-000000000001',
        tenantId: '00000000-0000-4000-8000-000000000002', resourceGroup: 'shop', credentialsSecretRef: { name: 'azure-missing' } } }));
    await k(['wait', '--for=condition=Ready', '--timeout=30s', 'account/here', 'account/there']);
    await k(['wait', '--for=condition=Ready=false', '--timeout=30s', 'account/lost', 'account/cloud']);
    const message = (name: string) => k(['get', 'account', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}']);
    assert.match(await message('here'), /^Account "here" reaches https:\/\/127\.0\.0\.1:\d+ \(Kubernetes v1\.\d+\.\d+\)$/);
    assert.match(await message('there'), /^Account "there" reaches https:\/\/127\.0\.0\.1:\d+/);
    assert.equal(await message('lost'), `Account "lost": Secret "missing" (spec.kubernetes.kubeconfigSecretRef) does not exist in namespace "${ns}"; `
      + 'create it with a kubeconfig under "kubeconfig", or name another Secret');
    assert.equal(await message('cloud'), `Account "cloud": Secret "azure-missing" (spec.azure.credentialsSecretRef) does not exist in namespace "${ns}"; `
      + 'create it with a service principal\'s client ID and client secret under "clientId" and "clientSecret", or name another Secret');
    assert.match(await k(['get', 'accounts']), /here\s+kubernetes\s+True\s+Reachable/);
  });

  it('reaches an AWS account with the keys of a Secret, as itself or as a role, and names the wrong account or a missing key', async () => {
    const moto = await sharedMoto();
    await k(['create', 'secret', 'generic', 'aws-keys', '--from-literal=accessKeyId=AKIAEXAMPLE', '--from-literal=secretAccessKey=secret']);
    await k(['create', 'secret', 'generic', 'aws-half', '--from-literal=accessKeyId=AKIAEXAMPLE']);
    const aws = (extra: object) => ({ provider: 'aws', aws: { accountId: motoAccountId, regions: ['us-east-1', 'eu-west-1'], endpoint: moto.endpoint,
      credentialsSecretRef: { name: 'aws-keys' }, ...extra } });
    await apply(account('aws', aws({})),
      account('aws-role', aws({ assumeRole: { roleArn: `arn:aws:iam::${motoAccountId}:role/deployer`, externalId: 'shop-ci' } })),
      account('aws-other', aws({ accountId: '210987654321' })),
      account('aws-half', aws({ credentialsSecretRef: { name: 'aws-half' } })));
    await k(['wait', '--for=condition=Ready', '--timeout=30s', 'account/aws', 'account/aws-role']);
    await k(['wait', '--for=condition=Ready=false', '--timeout=30s', 'account/aws-other', 'account/aws-half']);
    const message = (name: string) => k(['get', 'account', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}']);
    assert.match(await message('aws'), new RegExp(`^Account "aws" reaches AWS account ${motoAccountId} as arn:aws:\\S+ in us-east-1, eu-west-1$`));
    assert.match(await message('aws-role'), new RegExp(`^Account "aws-role" reaches AWS account ${motoAccountId} as arn:aws:sts::${motoAccountId}:assumed-role/deployer/staysail in us-east-1, eu-west-1$`));
    assert.match(await message('aws-other'), new RegExp(`^Account "aws-other": its credentials reach AWS account ${motoAccountId} \\(as \\S+\\) in \\S+, not 210987654321 \\(spec\\.aws\\.accountId\\); correct the account ID, or use credentials of that account$`));
    assert.equal(await message('aws-half'), 'Account "aws-half": Secret "aws-half" (spec.aws.credentialsSecretRef) has no key "secretAccessKey"; '
      + 'put an AWS access key under "accessKeyId" and "secretAccessKey"');
    assert.match(await k(['get', 'accounts']), /aws-other\s+aws\s+False\s+Invalid/);
  });

  describe('on GCE', () => {
    const fake = new FakeGce({ projects: ['shop-project'] });
    let endpoint = '';
    before(async () => { endpoint = await fake.start(); });
    after(() => fake.stop());

    it('reaches a GCE project with the service-account key of a Secret, and names a project the key does not reach', async () => {
      await k(['create', 'secret', 'generic', 'gce-key', `--from-literal=credentials.json=${serviceAccountKey()}`]);
      const gce = (project: string) => ({ provider: 'gce', gce: { project, regions: ['europe-west1'], endpoint, credentialsSecretRef: { name: 'gce-key' } } });
      await apply(account('gce', gce('shop-project')), account('gce-other', gce('other-project')));
      await k(['wait', '--for=condition=Ready', '--timeout=30s', 'account/gce']);
      await k(['wait', '--for=condition=Ready=false', '--timeout=30s', 'account/gce-other']);
      const message = (name: string) => k(['get', 'account', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}']);
      assert.match(await message('gce'), /^Account "gce" reaches GCE project shop-project \(number \d+\)$/);
      assert.match(await message('gce-other'), /^Account "gce-other": its credentials do not reach GCE project "other-project" \(spec\.gce\.project\): .*404.*; correct the project ID, or use credentials of a service account with access to it \(spec\.gce\.credentialsSecretRef\)$/);
      assert.match(await k(['get', 'accounts']), /gce-other\s+gce\s+False\s+Invalid/);
      assert.ok(fake.requests.some((r) => r.method === 'GET' && r.path.startsWith('/compute/v1/projects/shop-project')), 'the fake was never asked for the project');
    });
  });
});
