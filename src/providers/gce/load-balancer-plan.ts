// What a LoadBalancer is on GCE (pure): one global health check, and per port a global backend
// service (TCP or HTTP(S), proxy-based: INTERNAL_MANAGED for internal, EXTERNAL_MANAGED for external)
// whose backends are the instance groups of the server groups that join it. An external
// LoadBalancer also gets, per port, a target TCP proxy to that backend service and a global
// forwarding rule on the port (TCP proxies need no URL map, so one chain serves TCP and HTTP alike).
// An internal one gets no forwarding rule: a proxy-based internal forwarding rule needs a proxy-only
// subnet Staysail does not make, so its address is for the user to give it.
import type { google } from '@google-cloud/compute/build/protos/protos.js';
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { parseDuration } from '../../api/duration.ts';
import { invalid } from '../errors.ts';
import type { Owner } from '../interfaces.ts';
import { describeMark, gceName, markOf, ownerLabels } from './marks.ts';

export type HealthCheck = google.cloud.compute.v1.IHealthCheck;
export type BackendServiceBody = google.cloud.compute.v1.IBackendService;

export interface PortPlan {
  port: number;
  targetPort: number;
  /** The backend service's, the proxy's and the forwarding rule's name. */
  gceName: string;
  /** The named port of instance groups the backend service sends to. */
  portName: string;
  protocol: 'TCP' | 'HTTP' | 'HTTPS';
}

export interface LoadBalancerPlan {
  healthCheck: HealthCheck;
  ports: PortPlan[];
  scheme: 'INTERNAL_MANAGED' | 'EXTERNAL_MANAGED';
  external: boolean;
}

/** The name of a LoadBalancer's health check. */
export const healthCheckName = (name: string): string => gceName(name);
/** The name of a port's backend service, proxy and forwarding rule. */
export const portResourceName = (name: string, port: number): string => gceName(`${name}-${port}`);

const seconds = (d: string | undefined, field: string, name: string): number | undefined => {
  if (d === undefined) return undefined;
  let ms: number;
  try { ms = parseDuration(d); } catch { ms = Number.NaN; }
  if (!(ms >= 1000)) throw invalid(`LoadBalancer "${name}": ${field} "${d}" is not a duration of a second or more; write one such as 5s`);
  return Math.round(ms / 1000);
};

/** The health check of a LoadBalancer: spec.healthCheck, or a TCP check of the first target port. */
function healthCheckOf(name: string, spec: LoadBalancerSpec, owner: Owner, firstTargetPort: number): HealthCheck {
  const hc = spec.healthCheck;
  const port = hc?.port ?? firstTargetPort;
  const protocol = hc ? hc.protocol : 'TCP';
  const interval = seconds(hc?.interval, 'spec.healthCheck.interval', name);
  const timeout = seconds(hc?.timeout, 'spec.healthCheck.timeout', name);
  const requestPath = hc?.path ?? '/';
  const check = protocol === 'TCP' ? { tcpHealthCheck: { port } }
    : protocol === 'HTTP' ? { httpHealthCheck: { port, requestPath } } : { httpsHealthCheck: { port, requestPath } };
  return {
    name: healthCheckName(name), type: protocol, ...check,
    description: describeMark(markOf(owner, name), `Health check of LoadBalancer ${owner.namespace}/${name}`),
    ...defined({ checkIntervalSec: interval, timeoutSec: timeout, healthyThreshold: hc?.healthyThreshold, unhealthyThreshold: hc?.unhealthyThreshold }),
  };
}

/** The fields of o that are set. */
const defined = (o: Record<string, number | undefined>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).filter((e): e is [string, number] => e[1] !== undefined));

/** The plan of a LoadBalancer; Invalid naming the field for what GCE cannot carry. */
export function planLoadBalancer(name: string, spec: LoadBalancerSpec, owner: Owner): LoadBalancerPlan {
  const ports = spec.ports.map((p, i): PortPlan => {
    if (p.protocol === 'UDP') {
      throw invalid(`LoadBalancer "${name}": spec.ports[${i}] is UDP, and GCE's proxy load balancers (backend services behind a TCP proxy) carry TCP only; `
        + 'use TCP, HTTP or HTTPS');
    }
    const targetPort = p.targetPort ?? p.port;
    return { port: p.port, targetPort, gceName: portResourceName(name, p.port), portName: `port-${targetPort}`, protocol: p.protocol };
  });
  const healthCheck = healthCheckOf(name, spec, owner, ports[0]!.targetPort);
  const external = spec.type === 'external';
  return { healthCheck, ports, scheme: external ? 'EXTERNAL_MANAGED' : 'INTERNAL_MANAGED', external };
}

/** The fields of a port's backend service Staysail sets (its backends are the server groups'). */
export function backendServiceOf(name: string, port: PortPlan, plan: LoadBalancerPlan, owner: Owner, healthCheckUrl: string): BackendServiceBody {
  return {
    // TCP whatever the port's protocol: a target TCP proxy fronts it, and Compute takes only a TCP backend
    // service behind one (HTTP is then carried as bytes; the health check may still ask HTTP).
    name: port.gceName, protocol: 'TCP', portName: port.portName, loadBalancingScheme: plan.scheme,
    healthChecks: [healthCheckUrl],
    description: describeMark(markOf(owner, name, { port: port.port }), `Backend service of LoadBalancer ${owner.namespace}/${name}, port ${port.port}`),
  };
}

/** Whether b differs from what the plan wants in a field Staysail sets and Compute changes in place. */
export const backendServiceDiffers = (b: BackendServiceBody, want: BackendServiceBody, samePath: (a?: string | null, b?: string | null) => boolean): boolean =>
  b.protocol !== want.protocol || b.portName !== want.portName || (b.healthChecks ?? []).length !== 1 || !samePath(b.healthChecks?.[0], want.healthChecks?.[0]);

/** Whether a health check differs from the planned one in what Staysail sets. */
export function healthCheckDiffers(h: HealthCheck, want: HealthCheck): boolean {
  const pick = (x: HealthCheck) => JSON.stringify([x.type, x.tcpHealthCheck?.port, x.httpHealthCheck?.port, x.httpHealthCheck?.requestPath,
    x.httpsHealthCheck?.port, x.httpsHealthCheck?.requestPath, want.checkIntervalSec && x.checkIntervalSec, want.timeoutSec && x.timeoutSec,
    want.healthyThreshold && x.healthyThreshold, want.unhealthyThreshold && x.unhealthyThreshold]);
  return pick(h) !== pick(want);
}

/** The labels of an external port's forwarding rule (forwarding rules take labels). */
export const forwardingRuleLabels = (owner: Owner): Record<string, string> => ownerLabels(owner);
