// kstatus' reading of an object (sigs.k8s.io/cli-utils/pkg/kstatus/status, what Flux, Helm's --wait
// and kpt use): generic rules first (deletion, observedGeneration, the Reconciling and Stalled
// conditions), then the rules of the built-in kinds, then a Ready condition, else Current. Pure: the
// one rule that needs the time (an unschedulable pod gets a grace window) takes it as an argument.
import type { KubeObject } from '../../core/kube-client.ts';
import type { ManifestStatus } from '../interfaces.ts';

interface Condition { type?: string; status?: string; reason?: string; message?: string }
type Obj = KubeObject<Record<string, unknown>, Record<string, unknown>>;
type Rule = (o: Obj, now: number) => ManifestStatus;

/** How long a pod may be unschedulable before it counts as Failed (kstatus' ScheduleWindow). */
export const scheduleWindowMs = 15_000;

const current = (message: string): ManifestStatus => ({ status: 'Current', message });
const inProgress = (message: string): ManifestStatus => ({ status: 'InProgress', message });
const failed = (message: string): ManifestStatus => ({ status: 'Failed', message });

/** A field at a dotted path, or undefined. */
function field(o: unknown, path: string): unknown {
  let at: unknown = o;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
/** An integer field, or fallback when absent or not an integer (as kstatus' GetIntField). */
const int = (o: unknown, path: string, fallback: number): number => {
  const v = field(o, path);
  return typeof v === 'number' && Number.isInteger(v) ? v : fallback;
};
const text = (o: unknown, path: string, fallback: string): string => {
  const v = field(o, path);
  return typeof v === 'string' ? v : fallback;
};
const conditionsOf = (o: Obj): Condition[] => {
  const c = field(o, 'status.conditions');
  return Array.isArray(c) ? c.filter((x): x is Condition => x !== null && typeof x === 'object') : [];
};

/** What every kind shares; undefined when the kind's own rules decide. */
function generic(o: Obj): ManifestStatus | undefined {
  if (o.metadata.deletionTimestamp) return inProgress('Resource scheduled for deletion');
  const generation = int(o, 'metadata.generation', NaN);
  const observed = int(o, 'status.observedGeneration', NaN);
  if (!Number.isNaN(generation) && !Number.isNaN(observed) && generation !== observed) {
    return inProgress(`${o.kind} generation is ${generation}, but latest observed generation is ${observed}`);
  }
  for (const c of conditionsOf(o)) {
    if (c.type === 'Reconciling' && c.status === 'True') return inProgress(c.message || c.reason || 'Reconciling');
    if (c.type === 'Stalled' && c.status === 'True') return failed(c.message || c.reason || 'Stalled');
  }
  return undefined;
}

const alwaysReady: Rule = () => current('Resource is always ready');

/** What a Deployment's conditions say: past its deadline (the condition), its new ReplicaSet available, and it available. */
function deploymentConditions(o: Obj): { deadline?: Condition; progressing: boolean; available: boolean } {
  // Without progressDeadlineSeconds the controller sets no Progressing condition to wait for.
  let progressing = int(o, 'spec.progressDeadlineSeconds', 2 ** 31 - 1) === 2 ** 31 - 1;
  let available = false;
  for (const c of conditionsOf(o)) {
    if (c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded') return { deadline: c, progressing, available };
    if (c.type === 'Progressing' && c.status === 'True' && c.reason === 'NewReplicaSetAvailable') progressing = true;
    if (c.type === 'Available' && c.status === 'True') available = true;
  }
  return { progressing, available };
}

const deployment: Rule = (o) => {
  const { deadline, progressing, available } = deploymentConditions(o);
  if (deadline) return failed(deadline.message ? `Progress deadline exceeded: ${deadline.message}` : 'Progress deadline exceeded');
  const spec = int(o, 'spec.replicas', 1);
  const replicas = int(o, 'status.replicas', 0);
  const updated = int(o, 'status.updatedReplicas', 0);
  const ready = int(o, 'status.readyReplicas', 0);
  const avail = int(o, 'status.availableReplicas', 0);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > updated) return inProgress(`Updated: ${updated}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (updated > avail) return inProgress(`Available: ${avail}/${updated}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (!progressing) return inProgress('ReplicaSet not Available');
  if (!available) return inProgress('Deployment not Available');
  return current(`Deployment is available. Replicas: ${replicas}`);
};

const statefulSet: Rule = (o) => {
  if (text(o, 'spec.updateStrategy.type', '') === 'OnDelete') return current('StatefulSet is using the ondelete update strategy');
  const spec = int(o, 'spec.replicas', 1);
  const ready = int(o, 'status.readyReplicas', 0);
  const cur = int(o, 'status.currentReplicas', 0);
  const updated = int(o, 'status.updatedReplicas', 0);
  const replicas = int(o, 'status.replicas', 0);
  const partition = int(o, 'spec.updateStrategy.rollingUpdate.partition', -1);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (partition !== -1) {
    if (updated < spec - partition) return inProgress(`updated: ${updated}/${spec - partition}`);
    return current(`Partition rollout complete. updated: ${updated}`);
  }
  if (spec > cur) return inProgress(`current: ${cur}/${spec}`);
  if (text(o, 'status.currentRevision', '') !== text(o, 'status.updateRevision', '')) return inProgress('Waiting for updated revision to match current');
  return current(`All replicas scheduled as expected. Replicas: ${replicas}`);
};

const daemonSet: Rule = (o) => {
  // The controller always sets these once it has seen the object; their absence means it has not.
  if (field(o, 'metadata.generation') === undefined) return inProgress(`${o.kind} metadata.generation not found`);
  if (field(o, 'status.observedGeneration') === undefined) return inProgress(`${o.kind} status.observedGeneration not found`);
  const desired = int(o, 'status.desiredNumberScheduled', -1);
  if (desired === -1) return inProgress('Missing .status.desiredNumberScheduled');
  const checks: [string, string][] = [['currentNumberScheduled', 'Current'], ['updatedNumberScheduled', 'Updated'],
    ['numberAvailable', 'Available'], ['numberReady', 'Ready']];
  for (const [key, word] of checks) {
    const n = int(o, `status.${key}`, 0);
    if (desired > n) return inProgress(`${word}: ${n}/${desired}`);
  }
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
};

const replicaSet: Rule = (o) => {
  if (conditionsOf(o).some((c) => c.type === 'ReplicaFailure' && c.status === 'True')) return inProgress('Replica Failure condition. Check Pods');
  const spec = int(o, 'spec.replicas', 1);
  const checks: [string, string][] = [['fullyLabeledReplicas', 'Labelled'], ['availableReplicas', 'Available'], ['readyReplicas', 'Ready']];
  for (const [key, word] of checks) {
    const n = int(o, `status.${key}`, 0);
    if (spec > n) return inProgress(`${word}: ${n}/${spec}`);
  }
  const replicas = int(o, 'status.replicas', 0);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  return current(`ReplicaSet is available. Replicas: ${replicas}`);
};

const pvc: Rule = (o) => {
  const phase = text(o, 'status.phase', 'unknown');
  return phase === 'Bound' ? current('PVC is Bound') : inProgress(`PVC is not Bound. phase: ${phase}`);
};

const pod: Rule = (o, now) => {
  const conditions = conditionsOf(o);
  switch (text(o, 'status.phase', '')) {
    case 'Succeeded': return current('Pod has completed successfully');
    case 'Failed': return current('Pod has completed, but not successfully');
    case 'Running': {
      if (conditions.some((c) => c.type === 'Ready' && c.status === 'True')) return current('Pod is Ready');
      const statuses = field(o, 'status.containerStatuses');
      const looping = (Array.isArray(statuses) ? statuses as { name?: string; state?: { waiting?: { reason?: string } } }[] : [])
        .filter((cs) => cs.name && cs.state?.waiting?.reason === 'CrashLoopBackOff').map((cs) => cs.name);
      if (looping.length > 0) return failed(`Containers in CrashLoop state: ${looping.join(',')}`);
      return inProgress('Pod is running but is not Ready');
    }
    case 'Pending': {
      const unschedulable = conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      if (unschedulable?.reason === 'Unschedulable') {
        const created = Date.parse(o.metadata.creationTimestamp ?? '');
        if (!Number.isNaN(created) && now - scheduleWindowMs < created) return inProgress('Pod has not been scheduled');
        return failed(`Pod could not be scheduled${unschedulable.message ? `: ${unschedulable.message}` : ''}`);
      }
      return inProgress('Pod is in the Pending phase');
    }
    case '': return inProgress('Pod phase not available');
    default: return inProgress(`Pod phase ${text(o, 'status.phase', '')} is unknown`);
  }
};

const job: Rule = (o) => {
  const parallelism = int(o, 'spec.parallelism', 1);
  const completions = int(o, 'spec.completions', parallelism);
  const succeeded = int(o, 'status.succeeded', 0);
  const failedPods = int(o, 'status.failed', 0);
  for (const c of conditionsOf(o)) {
    if (c.type === 'Complete' && c.status === 'True') return current(`Job Completed. succeeded: ${succeeded}/${completions}`);
    if (c.type === 'Failed' && c.status === 'True') {
      return failed(`Job Failed. failed: ${failedPods}/${completions}${c.message ? `: ${c.message}` : ''}`);
    }
  }
  if (!text(o, 'status.startTime', '')) return inProgress('Job not started');
  return current(`Job in progress. success:${succeeded}, active: ${int(o, 'status.active', 0)}, failed: ${failedPods}`);
};

const service: Rule = (o) => {
  if (text(o, 'spec.type', 'ClusterIP') === 'LoadBalancer' && !text(o, 'spec.clusterIP', '')) {
    return inProgress('ClusterIP not set. Service type: LoadBalancer');
  }
  return current('Service is ready');
};

const crd: Rule = (o) => {
  for (const c of conditionsOf(o)) {
    if (c.type === 'NamesAccepted' && c.status === 'False') return failed(c.message || c.reason || 'names not accepted');
    if (c.type === 'Established') {
      if (c.status === 'False' && c.reason !== 'Installing') return failed(c.message || c.reason || 'not established');
      if (c.status === 'True') return current('CRD is established');
    }
  }
  return inProgress('Install in progress');
};

/** The built-in kinds' rules, by group/kind (core kinds by kind alone), as kstatus' legacy types. */
const rules: Record<string, Rule> = {
  Service: service, Pod: pod, Secret: alwaysReady, ConfigMap: alwaysReady, PersistentVolumeClaim: pvc,
  'apps/StatefulSet': statefulSet, 'apps/DaemonSet': daemonSet, 'extensions/DaemonSet': daemonSet,
  'apps/Deployment': deployment, 'extensions/Deployment': deployment, 'apps/ReplicaSet': replicaSet, 'extensions/ReplicaSet': replicaSet,
  'policy/PodDisruptionBudget': () => current('AllowedDisruptions has been computed.'), 'batch/CronJob': alwaysReady, 'batch/Job': job,
  'apiextensions.k8s.io/CustomResourceDefinition': crd,
};

/** A custom resource's Ready condition, the convention many controllers follow (not kstatus' own). */
function ready(o: Obj): ManifestStatus | undefined {
  const c = conditionsOf(o).find((x) => x.type === 'Ready' && (x.status === 'True' || x.status === 'False' || x.status === 'Unknown'));
  if (!c) return undefined;
  return c.status === 'True' ? current('Resource is Ready') : inProgress(c.message || c.reason || `Ready is ${c.status}`);
}

/** kstatus' status of obj as it was read at now (ms since the epoch). */
export function computeStatus(obj: KubeObject, now: number): ManifestStatus {
  const o = obj as Obj;
  const found = generic(o);
  if (found) return found;
  const group = (o.apiVersion ?? '').includes('/') ? o.apiVersion!.split('/')[0] : '';
  const rule = rules[group ? `${group}/${o.kind}` : o.kind ?? ''];
  if (rule) return rule(o, now);
  return ready(o) ?? current('Resource is current');
}
