// What a LoadBalancer's spec asks of ELBv2, worked out before any call: the load balancer's type and
// scheme, a target group and a listener per port, the health check every target group gets, and
// what of an existing load balancer's listeners and target groups must change. Pure.
import type { Listener, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { parseDuration } from '../../api/duration.ts';
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { conflict, invalid } from '../errors.ts';
import { loadBalancerName, targetGroupName } from './lookups.ts';

export type ElbType = 'application' | 'network';
type Protocol = LoadBalancerSpec['ports'][number]['protocol'];

/** A target group's health check, in ModifyTargetGroup's fields. */
export interface HealthCheck {
  HealthCheckProtocol: 'TCP' | 'HTTP' | 'HTTPS';
  /** A port number, or traffic-port (the port the target group sends traffic to). */
  HealthCheckPort: string;
  /** HTTP and HTTPS checks only. */
  HealthCheckPath?: string;
  HealthCheckIntervalSeconds: number;
  HealthCheckTimeoutSeconds: number;
  HealthyThresholdCount: number;
  UnhealthyThresholdCount: number;
}

export interface PortPlan {
  /** The port clients connect to, and the listener's protocol. */
  port: number;
  protocol: Protocol;
  targetGroupName: string;
  /** The port on the instances. */
  targetPort: number;
}

export interface LoadBalancerPlan {
  awsName: string;
  type: ElbType;
  scheme: 'internal' | 'internet-facing';
  /** In spec order. */
  ports: PortPlan[];
  healthCheck: HealthCheck;
}

/** ELBv2's own defaults for a check the spec leaves out (or one of its fields), by load balancer type. */
const defaults = { interval: 30, healthy: 5, unhealthy: 2, path: '/' };

/** The plan of a LoadBalancer's spec; Invalid, naming the field and the fix, for what ELBv2 cannot do. */
export function planLoadBalancer(name: string, spec: LoadBalancerSpec): LoadBalancerPlan {
  const lb = `LoadBalancer "${name}"`;
  const https = spec.ports.find((p) => p.protocol === 'HTTPS');
  if (https) {
    throw invalid(`${lb}: spec.ports port ${https.port} is HTTPS, which needs a certificate, and a LoadBalancer has no field for one; `
      + 'use HTTP (an application load balancer), or TCP on a network load balancer (TLS then ends on the instances)');
  }
  const http = spec.ports.filter((p) => p.protocol === 'HTTP');
  const layer4 = spec.ports.filter((p) => p.protocol !== 'HTTP');
  if (http.length && layer4.length) {
    throw invalid(`${lb}: spec.ports mixes HTTP (port ${http.map((p) => p.port).join(', ')}) with TCP or UDP (port ${layer4.map((p) => p.port).join(', ')}); `
      + 'an ELBv2 load balancer is either application (HTTP) or network (TCP, UDP): make them all HTTP or all TCP/UDP, or split them into two LoadBalancers');
  }
  const awsName = loadBalancerName(name);
  // ELBv2 keeps the prefix for internal load balancers' DNS names (moto does not refuse it).
  if (awsName.startsWith('internal-')) {
    throw invalid(`${lb}: metadata.name begins with "internal-", which ELBv2 refuses in a load balancer's name; give the LoadBalancer a name that does not`);
  }
  const type: ElbType = http.length ? 'application' : 'network';
  return {
    awsName,
    type,
    scheme: spec.type === 'external' ? 'internet-facing' : 'internal',
    ports: spec.ports.map((p) => ({ port: p.port, protocol: p.protocol, targetGroupName: targetGroupName(name, p.port), targetPort: p.targetPort ?? p.port })),
    healthCheck: planHealthCheck(lb, type, spec.healthCheck),
  };
}

function planHealthCheck(lb: string, type: ElbType, hc: LoadBalancerSpec['healthCheck']): HealthCheck {
  const protocol = checkProtocol(type, hc);
  refuseCheck(lb, type, protocol, hc);
  const interval = seconds(lb, 'interval', hc?.interval, { fallback: defaults.interval, min: 5, max: 300 });
  const timeout = seconds(lb, 'timeout', hc?.timeout, { fallback: defaultTimeout(type, protocol), min: 2, max: 120 });
  if (timeout >= interval) {
    throw invalid(`${lb}: spec.healthCheck.timeout (${timeout}s) must be shorter than spec.healthCheck.interval (${interval}s); shorten the timeout or lengthen the interval`);
  }
  return {
    HealthCheckProtocol: protocol,
    HealthCheckPort: hc?.port ? String(hc.port) : 'traffic-port',
    ...(protocol === 'TCP' ? {} : { HealthCheckPath: hc?.path ?? defaults.path }),
    HealthCheckIntervalSeconds: interval,
    HealthCheckTimeoutSeconds: timeout,
    HealthyThresholdCount: threshold(lb, 'healthyThreshold', hc?.healthyThreshold, defaults.healthy),
    UnhealthyThresholdCount: threshold(lb, 'unhealthyThreshold', hc?.unhealthyThreshold, defaults.unhealthy),
  };
}

/** A count of spec.healthCheck within ELBv2's 2 to 10 (the schema allows 1, as other clouds take it; moto does too). */
function threshold(lb: string, field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 2 || value > 10) {
    throw invalid(`${lb}: spec.healthCheck.${field} is ${value}, and ELBv2 takes 2 to 10; set it to 2 or more`);
  }
  return value;
}

/** The check's protocol: the spec's (HTTP when it leaves it out), else HTTP on an application load balancer and TCP on a network one. */
function checkProtocol(type: ElbType, hc: LoadBalancerSpec['healthCheck']): HealthCheck['HealthCheckProtocol'] {
  if (hc) return hc.protocol ?? 'HTTP';
  return type === 'application' ? 'HTTP' : 'TCP';
}

/** ELBv2's default timeout: 5 s on an application load balancer; on a network one 10 s for TCP checks, 6 s for HTTP(S). */
function defaultTimeout(type: ElbType, protocol: HealthCheck['HealthCheckProtocol']): number {
  if (type === 'application') return 5;
  return protocol === 'TCP' ? 10 : 6;
}

/** Invalid for a check ELBv2 does not make: TCP on an application load balancer, a path on a TCP check. */
function refuseCheck(lb: string, type: ElbType, protocol: HealthCheck['HealthCheckProtocol'], hc: LoadBalancerSpec['healthCheck']): void {
  if (type === 'application' && protocol === 'TCP') {
    throw invalid(`${lb}: spec.healthCheck.protocol is TCP, but an application load balancer (HTTP ports) checks with HTTP or HTTPS; set it to HTTP`);
  }
  if (protocol === 'TCP' && hc?.path) {
    throw invalid(`${lb}: spec.healthCheck.path applies to HTTP and HTTPS checks, and spec.healthCheck.protocol is TCP; remove the path, or set the protocol to HTTP`);
  }
}

/** A duration of spec.healthCheck as whole seconds within ELBv2's bounds, or the fallback when the spec leaves it out. */
function seconds(lb: string, field: string, value: string | undefined, bounds: { fallback: number; min: number; max: number }): number {
  if (value === undefined) return bounds.fallback;
  let ms: number;
  try { ms = parseDuration(value); } catch { ms = Number.NaN; }
  const s = ms / 1000;
  if (!Number.isInteger(s) || s < bounds.min || s > bounds.max) {
    throw invalid(`${lb}: spec.healthCheck.${field} "${value}" is not a whole number of seconds from ${bounds.min}s to ${bounds.max}s, as ELBv2 takes it; `
      + `write one such as ${bounds.fallback}s`);
  }
  return s;
}

/** Whether a target group's health check differs from the one wanted (ModifyTargetGroup is then due). */
export function healthCheckDiffers(tg: TargetGroup, want: HealthCheck): boolean {
  return tg.HealthCheckProtocol !== want.HealthCheckProtocol
    || (tg.HealthCheckPort ?? 'traffic-port') !== want.HealthCheckPort
    || (want.HealthCheckPath !== undefined && tg.HealthCheckPath !== want.HealthCheckPath)
    || tg.HealthCheckIntervalSeconds !== want.HealthCheckIntervalSeconds
    || tg.HealthCheckTimeoutSeconds !== want.HealthCheckTimeoutSeconds
    || tg.HealthyThresholdCount !== want.HealthyThresholdCount
    || tg.UnhealthyThresholdCount !== want.UnhealthyThresholdCount;
}

/** Why an existing target group cannot serve a port as planned (fields ELBv2 never changes), or undefined. */
export function targetGroupMismatch(tg: TargetGroup, port: PortPlan, vpcId: string): string | undefined {
  if (tg.Protocol !== port.protocol) return `its protocol is ${tg.Protocol}, not ${port.protocol}`;
  if (tg.Port !== port.targetPort) return `it sends to port ${tg.Port}, not ${port.targetPort}`;
  if (tg.VpcId !== vpcId) return `it is in ${tg.VpcId}, not ${vpcId}`;
  if (tg.TargetType && tg.TargetType !== 'instance') return `its targets are ${tg.TargetType}s, not instances`;
  return undefined;
}

export interface ListenerPlan {
  /** Ports without a listener. */
  create: PortPlan[];
  /** Listeners on a port of the spec that do not forward as planned. */
  modify: { listenerArn: string; port: PortPlan }[];
  /** ARNs of listeners Staysail made on ports the spec no longer names. */
  remove: string[];
}

/** Forward target groups of a listener's default actions. */
export const forwardsOf = (l: Listener): string[] => (l.DefaultActions ?? []).flatMap((a) => [
  ...(a.TargetGroupArn ? [a.TargetGroupArn] : []),
  ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn!).filter(Boolean),
]).filter((arn, i, all) => all.indexOf(arn) === i);

/**
 * From a load balancer's listeners to one per planned port forwarding to its target group (arnOf:
 * the ARN of a port's). Listeners on other ports are removed when Staysail made them (isOurs),
 * and left alone otherwise. A listener on a planned port that Staysail did not make (one made by
 * hand) is never modified: Conflict (where names the object and its load balancer), naming it and the fix.
 */
export function planListeners(current: readonly Listener[], ports: readonly PortPlan[], arnOf: (port: PortPlan) => string,
  isOurs: (listenerArn: string) => boolean, where = { object: 'LoadBalancer', lb: 'its load balancer' }): ListenerPlan {
  const plan: ListenerPlan = { create: [], modify: [], remove: [] };
  for (const port of ports) {
    const listener = current.find((l) => l.Port === port.port);
    if (!listener) { plan.create.push(port); continue; }
    const forwards = forwardsOf(listener);
    if (listener.Protocol === port.protocol && forwards.length === 1 && forwards[0] === arnOf(port)) continue;
    if (!isOurs(listener.ListenerArn!)) {
      throw conflict(`${where.object}: listener ${listener.ListenerArn} on port ${port.port} of ${where.lb} (spec.ports port ${port.port}) was not made by Staysail for it, `
        + 'and Staysail leaves it untouched: delete the listener, or take the port out of spec.ports');
    }
    plan.modify.push({ listenerArn: listener.ListenerArn!, port });
  }
  const planned = new Set(ports.map((p) => p.port));
  for (const l of current) {
    if (!planned.has(l.Port!) && isOurs(l.ListenerArn!)) plan.remove.push(l.ListenerArn!);
  }
  return plan;
}
