// The server-group stages on a ServerGroup with no Cluster (ADR 0003): whoever applies it owns it, so
// the stage changes its spec directly, by server-side apply under the field manager
// staysail-<stageType> (managedFields says who set what; a GitOps tool applying with force takes the
// fields back), then waits until its controller shows the change. A ServerGroup a Cluster owns is
// refused: its Cluster is its spec's one writer.
import type { Capacity } from '../../../api/v1alpha1/common.ts';
import type { RequestAction } from '../../../api/v1alpha1/cluster.ts';
import { apiVersion, resources } from '../../../api/v1alpha1/index.ts';
import type { ServerGroupSpec, ServerGroupStatus } from '../../../api/v1alpha1/server-group.ts';
import { isNotFound } from '../../../core/errors.ts';
import type { KubeObject } from '../../../core/kube-client.ts';
import { resizedCapacity } from '../../../strategies/requests.ts';
import type { StageOutcome, StageRun } from '../stage-type.ts';
import { stageName } from './cluster-requests.ts';
import { isPartial, type TargetConfig } from './server-group-stages.ts';

type ServerGroup = KubeObject<ServerGroupSpec, ServerGroupStatus>;

const pollMs = 2_000;
/** The condition a ServerGroup's controller sets False when it accepts a field its provider does not act on. */
const actedOnCondition = 'FieldsActedOn';

/** What the ServerGroup's controller has yet to show of the change, or undefined once it shows it. */
function pending(sg: ServerGroup, action: RequestAction, capacity: Capacity | undefined): string | undefined {
  if (sg.status?.observedGeneration !== sg.metadata.generation) return 'its controller to act on its spec';
  if (action === 'enable' && !sg.status?.enabled) return 'it to take traffic';
  if (action === 'disable' && sg.status?.enabled) return 'it to leave traffic';
  if (action === 'resize' && (sg.status?.desiredReplicas !== capacity!.desired || (sg.status?.readyReplicas ?? 0) !== capacity!.desired)) {
    return `${capacity!.desired} healthy instances (it has ${sg.status?.readyReplicas ?? 0})`;
  }
  return undefined;
}

/** The spec fields the stage applies: a partial disable sets the share out of traffic and leaves it enabled; enabling puts all of it back. */
function applied(action: RequestAction, capacity: Capacity | undefined, cfg: TargetConfig): Partial<ServerGroupSpec> {
  if (action === 'resize') return { capacity: capacity! };
  if (action === 'disable' && isPartial(cfg)) return { disabledPercentage: cfg.desiredPercentage! };
  return { enabled: action === 'enable', ...(action === 'enable' ? { disabledPercentage: 0 } : {}) };
}

/**
 * Waits for a share of a server group's instances to be out of traffic, as its controller observes;
 * fails, in its controller's words, when its provider cannot take part of a server group out.
 */
export async function shareOutOfTraffic(s: StageRun, ns: string, name: string, percent: number): Promise<string | { status: 'FAILED'; message: string; final: true } | undefined> {
  const sg = await s.client.get<ServerGroup>(resources.serverGroup, ns, name);
  const notActedOn = sg.status?.conditions?.find((c) => c.type === actedOnCondition && c.status === 'False' && c.message.includes('spec.disabledPercentage'));
  if (notActedOn) return { status: 'FAILED', final: true, message: `desiredPercentage ${percent} cannot be carried out on ${name}: its provider cannot take part of a server group out of traffic (${notActedOn.message})` };
  if (sg.status?.observedGeneration !== sg.metadata.generation || sg.status?.disabledPercentage !== percent) return `${percent}% of ${name}'s instances to be out of traffic`;
  return undefined;
}

export async function runStandalone(s: StageRun, name: string, action: RequestAction, cfg: TargetConfig): Promise<StageOutcome> {
  const ns = s.run.metadata.namespace!;
  let sg: ServerGroup;
  try {
    sg = await s.client.get<ServerGroup>(resources.serverGroup, ns, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    // Gone once the stage has set out to delete it: its pass that deleted it may not have lived to save that it did.
    if (action === 'destroy' && (s.record.state?.deleting || s.record.state?.applied)) return { status: 'SUCCEEDED', message: `ServerGroup "${name}" is gone`, outputs: { serverGroup: name } };
    return { status: 'FAILED', final: true, message: `${stageName(s)}: ServerGroup "${name}" (serverGroupRef) does not exist in namespace "${ns}"` };
  }
  const owner = sg.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'Cluster');
  if (owner) {
    return { status: 'FAILED', final: true, message: `${stageName(s)}: ServerGroup "${name}" belongs to Cluster "${owner.name}", its spec's one writer: `
      + `name clusterRef ${owner.name} with serverGroup ${name} instead of serverGroupRef` };
  }
  const capacity = action === 'resize' ? (s.record.state?.capacity as Capacity | undefined) ?? resizedCapacity(sg.spec!.capacity, cfg) : undefined;
  const outputs = { serverGroup: name, ...(capacity ? { capacity } : {}) };
  // The capacity is kept before it is applied: a pass repeated after a crash applies the same one rather than scaling twice.
  if (action === 'resize' && !s.record.state?.capacity) {
    return { status: 'RUNNING', message: `${stageName(s)}: resizing ServerGroup "${name}" to ${capacity!.desired}`, pollAfterMs: 100, outputs, state: { capacity } };
  }
  if (action === 'destroy') return destroyStandalone(s, sg);
  if (!s.record.state?.applied) {
    await s.client.apply(resources.serverGroup, { apiVersion, kind: 'ServerGroup', metadata: { name, namespace: ns }, spec: applied(action, capacity, cfg) } as ServerGroup,
      `staysail-${s.stage.type}`, { force: true });
    return { status: 'RUNNING', message: `${stageName(s)}: applied ServerGroup "${name}"`, pollAfterMs: 500, outputs,
      state: { applied: true, ...(capacity ? { capacity } : {}) } };
  }
  if (action === 'disable' && isPartial(cfg)) {
    const share = await shareOutOfTraffic(s, ns, name, cfg.desiredPercentage!);
    if (typeof share === 'object') return { ...share, message: `${stageName(s)}: ${share.message}`, outputs };
    if (share) return { status: 'RUNNING', message: `${stageName(s)}: waiting for ${share}`, pollAfterMs: pollMs, outputs };
    return { status: 'SUCCEEDED', message: `ServerGroup "${name}": ${cfg.desiredPercentage}% of its instances out of traffic`, outputs };
  }
  const waiting = pending(sg, action, capacity);
  if (waiting) return { status: 'RUNNING', message: `${stageName(s)}: waiting for ServerGroup "${name}": ${waiting}`, pollAfterMs: pollMs, outputs };
  return { status: 'SUCCEEDED', message: `ServerGroup "${name}": ${action === 'resize' ? `${capacity!.desired} healthy instances` : `${action}d`}`, outputs };
}

/**
 * destroyServerGroup of a standalone ServerGroup: the uid it deletes is kept first, then it is deleted
 * (with that uid as precondition) until it is gone, so a pass repeated after a crash between the
 * delete and saving its state finds it gone and succeeds rather than failing on a ServerGroup that
 * does not exist. One made again under the name since (another uid) is not the stage's to delete.
 */
async function destroyStandalone(s: StageRun, sg: ServerGroup): Promise<StageOutcome> {
  const { name, namespace: ns, uid } = sg.metadata;
  const outputs = { serverGroup: name };
  const deleting = s.record.state?.deleting as string | undefined;
  if (!deleting) return { status: 'RUNNING', message: `${stageName(s)}: deleting ServerGroup "${name}"`, pollAfterMs: 100, outputs, state: { deleting: uid! } };
  if (deleting !== uid) return { status: 'SUCCEEDED', message: `ServerGroup "${name}" is gone (one made again under its name since is left alone)`, outputs };
  if (!sg.metadata.deletionTimestamp) {
    try {
      await s.client.delete(resources.serverGroup, ns, name, { uid: uid! });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return { status: 'SUCCEEDED', message: `ServerGroup "${name}" is gone`, outputs };
    }
  }
  return { status: 'RUNNING', message: `${stageName(s)}: waiting for ServerGroup "${name}": it to be gone`, pollAfterMs: pollMs, outputs, state: { deleting } };
}
