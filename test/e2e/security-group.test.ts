// The SecurityGroup controller with the operator as a process: its rules become a NetworkPolicy, the
// object says what it made, and deleting it removes the policy.
import assert from 'node:assert/strict';
import { waitFor } from '../cluster/probe.ts';
import { withLocalAccountAndOperator } from '../support/namespace.ts';
import { api, inNamespace } from '../support/runs.ts';

const ns = `secg-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);

describe('SecurityGroups, with the operator as a process', function () {
  this.timeout(120_000);
  withLocalAccountAndOperator(ns);

  it('makes a NetworkPolicy of its rules, says so, and removes it when deleted', async () => {
    const rule = (from: object) => ({ from, protocol: 'tcp', ports: { from: 8080 } });
    await apply({ apiVersion: api, kind: 'SecurityGroup', metadata: { name: 'shop-web' },
      spec: { application: 'shop', accountRef: { name: 'local' }, ingress: [rule({ cidr: '10.20.0.0/16' }), rule({ securityGroupRef: { name: 'shop-api' } })] } });
    let ready: { status: string; message: string } | undefined;
    await waitFor(async () => {
      const sg = JSON.parse(await k(['get', 'securitygroup', 'shop-web', '-o', 'json'])) as { status?: { conditions?: { type: string; status: string; message: string }[] } };
      ready = sg.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True';
    }, 30_000, () => `never Ready: ${JSON.stringify(ready)}`);
    assert.equal(ready!.message, `${ns}/networkpolicies/shop-web: 2 ingress rules`);
    assert.match(await k(['get', 'networkpolicy', 'shop-web', '-o', 'jsonpath={.spec.ingress[*].ports[*].port}']), /^8080 8080$/);
    await k(['delete', 'securitygroup', 'shop-web', '--wait=true', '--timeout=30s']);
    await waitFor(async () => !(await k(['get', 'networkpolicies', '-o', 'name'])).includes('shop-web'), 30_000, () => 'the NetworkPolicy stayed');
  });
});
