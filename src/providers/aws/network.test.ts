// Which subnets a load balancer gets: one per availability zone, the same every time, public-looking
// ones first for internet-facing and private-looking ones first for internal.
import assert from 'node:assert/strict';
import type { Subnet, Vpc } from '@aws-sdk/client-ec2';
import fc from 'fast-check';
import { cidrsOf, onePerZone } from './network.ts';

const subnet = (id: string, zone: string, isPublic = false): Subnet => ({ SubnetId: id, AvailabilityZone: zone, MapPublicIpOnLaunch: isPublic });
const ids = (subnets: Subnet[]) => subnets.map((s) => s.SubnetId).sort();

describe('AWS networks', () => {
  describe('one subnet per zone for a load balancer', () => {
    it('takes the lowest subnet ID of each zone when none looks public', () => {
      const all = [subnet('subnet-3', 'a'), subnet('subnet-1', 'a'), subnet('subnet-2', 'b'), subnet('subnet-9', 'b'), subnet('subnet-5', 'c')];
      assert.deepEqual(ids(onePerZone(all, 'internal')), ['subnet-1', 'subnet-2', 'subnet-5']);
      assert.deepEqual(ids(onePerZone(all, 'internet-facing')), ['subnet-1', 'subnet-2', 'subnet-5']);
    });

    it('prefers subnets that map public IPs for internet-facing, and those that do not for internal', () => {
      const all = [subnet('subnet-1', 'a'), subnet('subnet-2', 'a', true), subnet('subnet-3', 'b', true), subnet('subnet-4', 'b')];
      assert.deepEqual(ids(onePerZone(all, 'internet-facing')), ['subnet-2', 'subnet-3']);
      assert.deepEqual(ids(onePerZone(all, 'internal')), ['subnet-1', 'subnet-4']);
    });

    it('gives one subnet in every zone, whatever the order the subnets come in', () => {
      const arb = fc.array(fc.record({ n: fc.integer({ min: 0, max: 40 }), zone: fc.constantFrom('a', 'b', 'c'), pub: fc.boolean() }), { minLength: 1 })
        .map((xs) => xs.filter((x, i) => xs.findIndex((y) => y.n === x.n) === i).map((x) => subnet(`subnet-${String(x.n).padStart(2, '0')}`, x.zone, x.pub)));
      fc.assert(fc.property(arb, fc.constantFrom('internal' as const, 'internet-facing' as const), (all, scheme) => {
        const chosen = onePerZone(all, scheme);
        assert.deepEqual(chosen.map((s) => s.AvailabilityZone).sort(), [...new Set(all.map((s) => s.AvailabilityZone))].sort());
        assert.deepEqual(ids(onePerZone([...all].reverse(), scheme)), ids(chosen));
      }));
    });
  });

  it('reads a VPC\'s associated IPv4 and IPv6 CIDRs', () => {
    const vpc: Vpc = { VpcId: 'vpc-1', CidrBlock: '10.0.0.0/16',
      CidrBlockAssociationSet: [{ CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } }, { CidrBlock: '10.9.0.0/16', CidrBlockState: { State: 'disassociated' } },
        { CidrBlock: '10.1.0.0/16', CidrBlockState: { State: 'associated' } }],
      Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f18::/56', Ipv6CidrBlockState: { State: 'associated' } }] };
    assert.deepEqual(cidrsOf(vpc), ['10.0.0.0/16', '10.1.0.0/16', '2600:1f18::/56']);
    assert.deepEqual(cidrsOf({ VpcId: 'vpc-2', CidrBlock: '172.31.0.0/16' }), ['172.31.0.0/16']);
  });
});
