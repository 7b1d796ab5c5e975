// A LoadBalancer as GCE resources: a backend service per port named for it, proxy-based schemes by
// type, a health check from the spec or a TCP check of the first target port, UDP refused.
import assert from 'node:assert/strict';
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { isProviderError } from '../errors.ts';
import { backendServiceOf, healthCheckDiffers, planLoadBalancer } from './load-balancer-plan.ts';
import { readMark } from './marks.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'LoadBalancer', namespace: 'shop', name: 'web', uid: 'u-1' };
const spec = (over: Partial<LoadBalancerSpec> = {}): LoadBalancerSpec => ({ application: 'shop', accountRef: { name: 'gce' }, type: 'internal',
  ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 443, protocol: 'HTTPS' }], ...over });

describe('GCE load balancer plan', () => {
  it('plans a backend service per port, internal or external', () => {
    const plan = planLoadBalancer('web', spec(), owner);
    assert.deepEqual(plan.ports.map((p) => [p.gceName, p.portName, p.protocol]), [['web-80', 'port-8080', 'TCP'], ['web-443', 'port-443', 'HTTPS']]);
    assert.equal(plan.scheme, 'INTERNAL_MANAGED');
    assert.equal(planLoadBalancer('web', spec({ type: 'external' }), owner).scheme, 'EXTERNAL_MANAGED');
    const bs = backendServiceOf('web', plan.ports[0]!, plan, owner, 'projects/p/global/healthChecks/web');
    assert.deepEqual({ ...bs, description: readMark(bs.description)?.port }, { name: 'web-80', protocol: 'TCP', portName: 'port-8080',
      loadBalancingScheme: 'INTERNAL_MANAGED', healthChecks: ['projects/p/global/healthChecks/web'], description: 80 });
    assert.equal(backendServiceOf('web', plan.ports[1]!, plan, owner, 'projects/p/global/healthChecks/web').protocol, 'TCP',
      'an HTTPS port\'s backend service is TCP too: a target TCP proxy fronts it');
  });

  it('checks the first target port over TCP unless the spec says how', () => {
    assert.deepEqual(planLoadBalancer('web', spec(), owner).healthCheck.tcpHealthCheck, { port: 8080 });
    const hc = planLoadBalancer('web', spec({ healthCheck: { protocol: 'HTTP', path: '/healthz', port: 9000, interval: '10s', healthyThreshold: 3 } }), owner).healthCheck;
    assert.deepEqual([hc.type, hc.httpHealthCheck, hc.checkIntervalSec, hc.healthyThreshold, hc.timeoutSec], ['HTTP', { port: 9000, requestPath: '/healthz' }, 10, 3, undefined]);
    assert.ok(!healthCheckDiffers({ ...hc, checkIntervalSec: 10, timeoutSec: 5 }, hc), 'a default the spec leaves out is no difference');
    assert.ok(healthCheckDiffers({ ...hc, httpHealthCheck: { port: 9000, requestPath: '/' } }, hc));
  });

  it('refuses UDP and durations under a second, naming the field', () => {
    assert.throws(() => planLoadBalancer('web', spec({ ports: [{ port: 53, protocol: 'UDP' }] }), owner),
      (err: unknown) => isProviderError(err, 'Invalid') && /spec\.ports\[0\] is UDP/.test(err.message));
    assert.throws(() => planLoadBalancer('web', spec({ healthCheck: { protocol: 'TCP', interval: '500ms' } }), owner),
      (err: unknown) => isProviderError(err, 'Invalid') && /spec\.healthCheck\.interval/.test(err.message));
  });
});
