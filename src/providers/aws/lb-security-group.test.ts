// The rules of an application load balancer's own security group: its listener ports, from
// anywhere when internet-facing, from its VPC's CIDRs when internal; and its name.
import assert from 'node:assert/strict';
import { loadBalancerGroupName, loadBalancerRules } from './lb-security-group.ts';
import type { PortPlan } from './load-balancer-plan.ts';
import { ruleKey } from './rules.ts';

const ports: PortPlan[] = [80, 8080].map((port) => ({ port, protocol: 'HTTP', targetGroupName: `web-${port}`, targetPort: port }));
const keys = (scheme: 'internal' | 'internet-facing', cidrs: string[]) => loadBalancerRules({ scheme, ports }, cidrs).map(ruleKey).sort();

describe('AWS load balancer security groups', () => {
  it('admits the listener ports from every IPv4 and IPv6 address when internet-facing, whatever the VPC', () => {
    assert.deepEqual(keys('internet-facing', ['10.0.0.0/16']), ['tcp 80-80 cidrIpv4=0.0.0.0/0', 'tcp 80-80 cidrIpv6=::/0',
      'tcp 8080-8080 cidrIpv4=0.0.0.0/0', 'tcp 8080-8080 cidrIpv6=::/0']);
  });

  it('admits them from the VPC\'s CIDRs only when internal, in canonical form', () => {
    assert.deepEqual(keys('internal', ['10.0.0.0/16', '2600:1F18::/56']), ['tcp 80-80 cidrIpv4=10.0.0.0/16', 'tcp 80-80 cidrIpv6=2600:1f18::/56',
      'tcp 8080-8080 cidrIpv4=10.0.0.0/16', 'tcp 8080-8080 cidrIpv6=2600:1f18::/56']);
  });

  it('is named apart from every SecurityGroup\'s group, and never as EC2 refuses', () => {
    assert.equal(loadBalancerGroupName('web'), 'lb:web');
    assert.ok(!loadBalancerGroupName('sg-web').startsWith('sg-'));
  });
});
