// A LoadBalancer's ELBv2 listeners: one per port of the spec forwarding to its target group, as
// planListeners says; Staysail's on dropped ports go, anyone else's are never modified or deleted.
import {
  CreateListenerCommand, DeleteListenerCommand, ModifyListenerCommand, type Listener, type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isProviderError } from '../errors.ts';
import type { Owner } from '../interfaces.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { planListeners, type PortPlan } from './load-balancer-plan.ts';
import { isOwnedBy, ownerTags, tagKeys, tagList, type Tags } from './tags.ts';

export interface ListenerRequest {
  /** The LoadBalancer's name. */
  name: string;
  lb: LoadBalancer;
  ports: readonly PortPlan[];
  owner: Owner;
  /** Target group ARNs by port. */
  arns: ReadonlyMap<number, string>;
  /** The load balancer's listeners, and tags by ARN (theirs among them), as read this pass. */
  listeners: readonly Listener[];
  tags: ReadonlyMap<string, Tags>;
}

/** Makes the load balancer's listeners those planned. */
export async function reconcileListeners(c: AwsClients, r: ListenerRequest): Promise<void> {
  const lbName = `load balancer ${r.lb.LoadBalancerName}`;
  const arnOf = (p: PortPlan) => r.arns.get(p.port)!;
  const steps = planListeners(r.listeners, r.ports, arnOf, (arn) => isOwnedBy(r.tags.get(arn) ?? {}, r.owner),
    { object: `LoadBalancer "${r.name}"`, lb: `${lbName} (${r.lb.LoadBalancerArn})` });
  const forward = (p: PortPlan) => ({ Port: p.port, Protocol: p.protocol as 'HTTP' | 'TCP' | 'UDP', DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: arnOf(p) }] });
  for (const p of steps.create) {
    // A listener made meanwhile on the port (DuplicateListener) is set as planned on the next pass.
    await aws(`creating the listener on port ${p.port} of ${lbName}`, () => c.elb.send(new CreateListenerCommand({
      LoadBalancerArn: r.lb.LoadBalancerArn!, ...forward(p), Tags: tagList({ ...ownerTags(r.owner, r.name), [tagKeys.port]: String(p.port) }),
    }))).catch((err: unknown) => { if (!isProviderError(err, 'Conflict')) throw err; });
  }
  for (const m of steps.modify) {
    await aws(`setting the listener on port ${m.port.port} of ${lbName} to forward to its target group`,
      () => c.elb.send(new ModifyListenerCommand({ ListenerArn: m.listenerArn, ...forward(m.port) })));
  }
  for (const arn of steps.remove) {
    await awsOrAbsent(`deleting listener ${arn} of ${lbName}`, () => c.elb.send(new DeleteListenerCommand({ ListenerArn: arn })));
  }
}
