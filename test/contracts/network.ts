// The contracts of LoadBalancerProvider and SecurityGroupProvider, run against each implementation.
import assert from 'node:assert/strict';
import type { LoadBalancerSpec } from '../../src/api/v1alpha1/load-balancer.ts';
import type { SecurityGroupSpec } from '../../src/api/v1alpha1/security-group.ts';
import { contractSuite, type ContractCase, type SkipList } from './cases.ts';
import type { ContractWorld } from './server-groups.ts';

const lbSpec: LoadBalancerSpec = { application: 'shop', accountRef: { name: 'local' }, type: 'internal',
  ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] };
const sgSpec = (rules: number): SecurityGroupSpec => ({ application: 'shop', accountRef: { name: 'local' },
  ingress: Array.from({ length: rules }, (_, i) => ({ from: { cidr: `10.${i}.0.0/16` }, protocol: 'tcp' as const, ports: { from: 8080 } })) });

const loadBalancerCases: ContractCase<ContractWorld>[] = [
  { name: 'verifies the account it reaches', async run(w) {
    assert.match(await w.provider.verify(w.account), /\S/);
  } },

  { name: 'upserts, describes, upserts again to the same thing, and deletes (twice without error)', async run(w) {
    const owner = await w.owner('LoadBalancer', 'web');
    const created = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec, owner);
    assert.equal(created.name, 'web');
    assert.ok(created.providerId);
    const again = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec, owner);
    assert.equal(again.providerId, created.providerId);
    assert.equal((await w.provider.loadBalancers.describe(w.account, w.location, 'web'))?.name, 'web');
    await w.provider.loadBalancers.delete(w.account, w.location, 'web');
    assert.equal(await w.provider.loadBalancers.describe(w.account, w.location, 'web'), undefined);
    await w.provider.loadBalancers.delete(w.account, w.location, 'web');
  } },

  { name: 'routes to enabled server groups that join it, and not to disabled ones', async run(w) {
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec, await w.owner('LoadBalancer', 'web'));
    const owner = await w.owner('Cluster', 'shop-prod');
    const request = (seq: number, enabled: boolean) => ({ name: `shop-prod-v00${seq}`, cluster: 'shop-prod', sequence: seq, location: w.location,
      template: w.template(`v${seq}`), templateHash: `h${seq}`, capacity: { min: 1, max: 2, desired: 2 }, enabled, loadBalancers: ['web'],
      securityGroups: [], owner });
    await w.provider.serverGroups.create(w.account, request(1, true));
    await w.provider.serverGroups.create(w.account, request(2, false));
    await w.eventually(async () => {
      const lb = await w.provider.loadBalancers.describe(w.account, w.location, 'web');
      return lb?.serverGroups.join() === 'shop-prod-v001' && lb.healthyEndpoints === 2;
    }, 'v001 alone behind the load balancer');
  } },
];

const securityGroupCases: ContractCase<ContractWorld>[] = [
  { name: 'upserts, changes its rules, and deletes (twice without error)', async run(w) {
    const owner = await w.owner('SecurityGroup', 'web');
    assert.equal((await w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec(1), owner)).ingressRules, 1);
    assert.equal((await w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec(3), owner)).ingressRules, 3);
    assert.equal((await w.provider.securityGroups.describe(w.account, w.location, 'web'))?.ingressRules, 3);
    await w.provider.securityGroups.delete(w.account, w.location, 'web');
    assert.equal(await w.provider.securityGroups.describe(w.account, w.location, 'web'), undefined);
    await w.provider.securityGroups.delete(w.account, w.location, 'web');
  } },
];

/** The load-balancer contract for one implementation; skip: case name -> why it does not pass it. */
export function loadBalancerContract(implementation: string, world: () => Promise<ContractWorld>, skip: SkipList = {}): void {
  contractSuite('LoadBalancerProvider', implementation, loadBalancerCases, world, skip);
}

/** The security-group contract for one implementation; skip: case name -> why it does not pass it. */
export function securityGroupContract(implementation: string, world: () => Promise<ContractWorld>, skip: SkipList = {}): void {
  contractSuite('SecurityGroupProvider', implementation, securityGroupCases, world, skip, 60_000);
}
