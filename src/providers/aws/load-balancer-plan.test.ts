// What a LoadBalancer's spec asks of ELBv2: type and scheme, a target group and listener per port,
// the health check, and the listener changes an existing load balancer needs.
import assert from 'node:assert/strict';
import type { Listener, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { isProviderError } from '../errors.ts';
import { healthCheckDiffers, planListeners, planLoadBalancer, targetGroupMismatch, type PortPlan } from './load-balancer-plan.ts';

type Port = LoadBalancerSpec['ports'][number];
const spec = (ports: Port[], more: Partial<LoadBalancerSpec> = {}): LoadBalancerSpec =>
  ({ application: 'shop', accountRef: { name: 'aws' }, type: 'internal', ports, ...more });
const invalidWith = (text: string) => (e: unknown) => isProviderError(e, 'Invalid') && e.message.includes(text)
  || assert.fail(`not Invalid with "${text}": ${(e as Error).message}`);

describe('AWS load balancer plans', () => {
  describe('type, scheme and ports', () => {
    it('makes TCP and UDP ports a network load balancer, internal by default, a target group per port', () => {
      const plan = planLoadBalancer('web', spec([{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]));
      assert.equal(plan.type, 'network');
      assert.equal(plan.scheme, 'internal');
      assert.equal(plan.awsName, 'web');
      assert.deepEqual(plan.ports, [{ port: 80, protocol: 'TCP', targetGroupName: 'web-80', targetPort: 8080 },
        { port: 53, protocol: 'UDP', targetGroupName: 'web-53', targetPort: 53 }]);
    });

    it('makes HTTP ports an application load balancer; external is internet-facing', () => {
      const plan = planLoadBalancer('web', spec([{ port: 80, protocol: 'HTTP' }, { port: 8080, protocol: 'HTTP' }], { type: 'external' }));
      assert.equal(plan.type, 'application');
      assert.equal(plan.scheme, 'internet-facing');
    });

    it('refuses HTTPS, which needs a certificate the spec has no field for', () => {
      assert.throws(() => planLoadBalancer('web', spec([{ port: 443, protocol: 'HTTPS' }])),
        invalidWith('LoadBalancer "web": spec.ports port 443 is HTTPS, which needs a certificate, and a LoadBalancer has no field for one; use HTTP'));
    });

    it('refuses HTTP mixed with TCP, naming spec.ports and both sides', () => {
      assert.throws(() => planLoadBalancer('web', spec([{ port: 80, protocol: 'HTTP' }, { port: 5432, protocol: 'TCP' }])),
        invalidWith('LoadBalancer "web": spec.ports mixes HTTP (port 80) with TCP or UDP (port 5432)'));
    });
  });

  describe('health checks', () => {
    it('takes ELBv2\'s defaults when the spec has none', () => {
      assert.deepEqual(planLoadBalancer('web', spec([{ port: 80, protocol: 'HTTP' }])).healthCheck, { HealthCheckProtocol: 'HTTP', HealthCheckPort: 'traffic-port',
        HealthCheckPath: '/', HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 5, UnhealthyThresholdCount: 2 });
      assert.deepEqual(planLoadBalancer('web', spec([{ port: 80, protocol: 'TCP' }])).healthCheck, { HealthCheckProtocol: 'TCP', HealthCheckPort: 'traffic-port',
        HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 10, HealthyThresholdCount: 5, UnhealthyThresholdCount: 2 });
    });

    it('follows the spec, durations as seconds', () => {
      const hc = planLoadBalancer('web', spec([{ port: 80, protocol: 'TCP' }], { healthCheck: { protocol: 'HTTP', port: 9000, path: '/healthz',
        interval: '15s', timeout: '4s', healthyThreshold: 3, unhealthyThreshold: 4 } })).healthCheck;
      assert.deepEqual(hc, { HealthCheckProtocol: 'HTTP', HealthCheckPort: '9000', HealthCheckPath: '/healthz', HealthCheckIntervalSeconds: 15,
        HealthCheckTimeoutSeconds: 4, HealthyThresholdCount: 3, UnhealthyThresholdCount: 4 });
      assert.equal(planLoadBalancer('web', spec([{ port: 80, protocol: 'HTTP' }], { healthCheck: { protocol: 'HTTP', interval: '1m' } })).healthCheck.HealthCheckIntervalSeconds, 60);
    });

    const refused: { name: string; hc: LoadBalancerSpec['healthCheck']; protocol?: Port['protocol']; says: string }[] = [
      { name: 'a TCP check on an application load balancer', hc: { protocol: 'TCP' }, protocol: 'HTTP', says: 'spec.healthCheck.protocol is TCP, but an application load balancer' },
      { name: 'a path on a TCP check', hc: { protocol: 'TCP', path: '/x' }, says: 'spec.healthCheck.path applies to HTTP and HTTPS checks' },
      { name: 'an interval in part-seconds', hc: { protocol: 'HTTP', interval: '1500ms' }, says: 'spec.healthCheck.interval "1500ms" is not a whole number of seconds from 5s to 300s' },
      { name: 'an interval too long', hc: { protocol: 'HTTP', interval: '10m' }, says: 'spec.healthCheck.interval "10m"' },
      { name: 'a timeout too short', hc: { protocol: 'HTTP', timeout: '1s' }, says: 'spec.healthCheck.timeout "1s" is not a whole number of seconds from 2s to 120s' },
      { name: 'a timeout as long as the interval', hc: { protocol: 'HTTP', interval: '10s', timeout: '10s' }, says: 'spec.healthCheck.timeout (10s) must be shorter than spec.healthCheck.interval (10s)' },
    ];
    for (const r of refused) {
      it(`refuses ${r.name}`, () => assert.throws(() => planLoadBalancer('web', spec([{ port: 80, protocol: r.protocol ?? 'TCP' }], { healthCheck: r.hc })), invalidWith(r.says)));
    }

    const want = planLoadBalancer('web', spec([{ port: 80, protocol: 'HTTP' }])).healthCheck;
    const tg: TargetGroup = { ...want, HealthCheckEnabled: true, Matcher: { HttpCode: '200' } };
    const changes: [string, TargetGroup, boolean][] = [
      ['the same check', tg, false],
      ['another path', { ...tg, HealthCheckPath: '/other' }, true],
      ['another interval', { ...tg, HealthCheckIntervalSeconds: 10 }, true],
      ['another port', { ...tg, HealthCheckPort: '9000' }, true],
      ['another threshold', { ...tg, UnhealthyThresholdCount: 3 }, true],
      ['another protocol', { ...tg, HealthCheckProtocol: 'HTTPS' }, true],
    ];
    for (const [name, group, differs] of changes) it(`sees ${name} as ${differs ? 'a change' : 'none'}`, () => assert.equal(healthCheckDiffers(group, want), differs));
  });

  it('says why an existing target group cannot serve a port (fields ELBv2 never changes)', () => {
    const port: PortPlan = { port: 80, protocol: 'TCP', targetGroupName: 'web-80', targetPort: 8080 };
    const tg: TargetGroup = { Protocol: 'TCP', Port: 8080, VpcId: 'vpc-1', TargetType: 'instance' };
    assert.equal(targetGroupMismatch(tg, port, 'vpc-1'), undefined);
    assert.equal(targetGroupMismatch({ ...tg, Port: 9090 }, port, 'vpc-1'), 'it sends to port 9090, not 8080');
    assert.equal(targetGroupMismatch({ ...tg, Protocol: 'UDP' }, port, 'vpc-1'), 'its protocol is UDP, not TCP');
    assert.equal(targetGroupMismatch(tg, port, 'vpc-2'), 'it is in vpc-1, not vpc-2');
    assert.equal(targetGroupMismatch({ ...tg, TargetType: 'ip' }, port, 'vpc-1'), 'its targets are ips, not instances');
  });

  describe('listeners', () => {
    const ports: PortPlan[] = [{ port: 80, protocol: 'HTTP', targetGroupName: 'web-80', targetPort: 8080 },
      { port: 81, protocol: 'HTTP', targetGroupName: 'web-81', targetPort: 8081 }];
    const arnOf = (p: PortPlan) => `tg/${p.targetGroupName}`;
    const listener = (arn: string, port: number, tg: string, protocol: Listener['Protocol'] = 'HTTP'): Listener =>
      ({ ListenerArn: arn, Port: port, Protocol: protocol, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] });
    const cases: { name: string; current: Listener[]; ours?: string[]; want: { create: number[]; modify: string[]; remove: string[] } }[] = [
      { name: 'a new load balancer gets one per port', current: [], want: { create: [80, 81], modify: [], remove: [] } },
      { name: 'nothing changes when each forwards as planned', current: [listener('l80', 80, 'tg/web-80'), listener('l81', 81, 'tg/web-81')],
        want: { create: [], modify: [], remove: [] } },
      { name: 'one forwarding elsewhere, or on another protocol, is modified', current: [listener('l80', 80, 'tg/other'), listener('l81', 81, 'tg/web-81', 'HTTPS')],
        want: { create: [], modify: ['l80', 'l81'], remove: [] } },
      { name: 'ours on a dropped port is removed; someone else\'s is left', current: [listener('l80', 80, 'tg/web-80'), listener('l81', 81, 'tg/web-81'),
        listener('l90', 90, 'tg/web-90'), listener('l99', 99, 'tg/hand')], ours: ['l80', 'l81', 'l90'], want: { create: [], modify: [], remove: ['l90'] } },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const ours = new Set(c.ours ?? c.current.map((l) => l.ListenerArn!));
        const plan = planListeners(c.current, ports, arnOf, (arn) => ours.has(arn));
        assert.deepEqual({ create: plan.create.map((p) => p.port), modify: plan.modify.map((m) => m.listenerArn), remove: plan.remove }, c.want);
      });
    }

    it('never modifies a listener Staysail did not make on a port of the spec: Conflict naming it', () => {
      const current = [listener('l80', 80, 'tg/web-80'), listener('hand81', 81, 'tg/theirs')];
      assert.throws(() => planListeners(current, ports, arnOf, (arn) => arn === 'l80', { object: 'LoadBalancer "web"', lb: 'load balancer web' }),
        (e: unknown) => isProviderError(e, 'Conflict') && /^LoadBalancer "web": listener hand81 on port 81 of load balancer web \(spec\.ports port 81\) was not made by Staysail.*delete the listener, or take the port out of spec\.ports$/.test(e.message)
          || assert.fail((e as Error).message));
      // One of someone else's that already forwards as planned is left as it is.
      assert.deepEqual(planListeners([listener('l80', 80, 'tg/web-80'), listener('hand81', 81, 'tg/web-81')], ports, arnOf, (arn) => arn === 'l80'),
        { create: [], modify: [], remove: [] });
    });
  });

  describe('names and thresholds ELBv2 refuses (moto takes them)', () => {
    it('refuses a name beginning with internal-, naming metadata.name', () => {
      assert.throws(() => planLoadBalancer('internal-web', spec([{ port: 80, protocol: 'HTTP' }])),
        invalidWith('LoadBalancer "internal-web": metadata.name begins with "internal-", which ELBv2 refuses'));
      assert.equal(planLoadBalancer('web-internal', spec([{ port: 80, protocol: 'HTTP' }])).awsName, 'web-internal');
    });

    for (const field of ['healthyThreshold', 'unhealthyThreshold'] as const) {
      it(`refuses spec.healthCheck.${field} of 1, and takes 2 and 10`, () => {
        assert.throws(() => planLoadBalancer('web', spec([{ port: 80, protocol: 'HTTP' }], { healthCheck: { protocol: 'HTTP', [field]: 1 } })),
          invalidWith(`LoadBalancer "web": spec.healthCheck.${field} is 1, and ELBv2 takes 2 to 10; set it to 2 or more`));
        for (const n of [2, 10]) planLoadBalancer('web', spec([{ port: 80, protocol: 'HTTP' }], { healthCheck: { protocol: 'HTTP', [field]: n } }));
      });
    }
  });
});
