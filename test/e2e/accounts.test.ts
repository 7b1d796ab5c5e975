// Accounts say whether they can be used: the Kubernetes provider reaches this cluster, or another
// through a kubeconfig Secret; a missing Secret or a provider this operator lacks is named.
import assert from 'node:assert/strict';
import { withOperator } from '../support/namespace.ts';
import { readFileSync } from 'node:fs';
import { api, inNamespace } from '../support/runs.ts';
import { sharedCluster } from '../support/setup.ts';

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
      account('cloud', { provider: 'aws', aws: { accountId: '123456789012', regions: ['us-east-1'] } }));
    await k(['wait', '--for=condition=Ready', '--timeout=30s', 'account/here', 'account/there']);
    await k(['wait', '--for=condition=Ready=false', '--timeout=30s', 'account/lost', 'account/cloud']);
    const message = (name: string) => k(['get', 'account', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].message}']);
    assert.match(await message('here'), /^Account "here" reaches https:\/\/127\.0\.0\.1:\d+ \(Kubernetes v1\.\d+\.\d+\)$/);
    assert.match(await message('there'), /^Account "there" reaches https:\/\/127\.0\.0\.1:\d+/);
    assert.equal(await message('lost'), `Account "lost": Secret "missing" (spec.kubernetes.kubeconfigSecretRef) does not exist in namespace "${ns}"; `
      + 'create it with a kubeconfig under "kubeconfig", or name another Secret');
    assert.match(await message('cloud'), /Account "cloud": provider "aws" is not available in this operator; available: kubernetes/);
    assert.match(await k(['get', 'accounts']), /here\s+kubernetes\s+True\s+Reachable/);
  });
});
