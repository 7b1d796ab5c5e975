// What stages create (Jobs, child runs): deterministic names, owned by the run, looked up before
// created, so a pass repeated after a crash finds what the first one made instead of making it again.
import { createHash } from 'node:crypto';
import { resources } from '../../api/v1alpha1/index.ts';
import { attemptLabel, stageLabel } from '../../api/v1alpha1/labels.ts';
import { isConflict, isNotFound } from '../../core/errors.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../../core/kube-client.ts';
import type { StageRun } from './stage-type.ts';

/**
 * How long a stage waiting on its child (a Job, a child run, a Cluster's rollout) waits before it
 * looks again by itself: the child's changes wake the run through a watch, so this is a fallback
 * for a missed event, not the pace of the run.
 */
export const fallbackPollMs = 30_000;

/** <run>-<refId>[-<attempt>], lower-cased, at most 63 characters (a hash keeps long names unique). */
export function childName(run: string, refId: string, attempt = 1): string {
  const base = `${run}-${refId}${attempt > 1 ? `-${attempt}` : ''}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (base.length <= 63) return base;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

export function ownerReference(run: KubeObject) {
  return { apiVersion: apiVersionOf(resources.pipelineRun), kind: 'PipelineRun', name: run.metadata.name, uid: run.metadata.uid!,
    controller: true, blockOwnerDeletion: true };
}

export class ChildError extends Error {}

/** The run that owns a child (its controller owner reference), as the key its controller works on. */
export const owningRun = (child: KubeObject): string[] => (child.metadata.ownerReferences ?? [])
  .filter((o) => o.kind === 'PipelineRun' && o.controller).map((o) => `${child.metadata.namespace}/${o.name}`);

/** The metadata a stage's child is made with: its name, namespace, labels and owner (the run). */
export interface ChildMeta { name: string; namespace: string; labels: Record<string, string>; owner: ReturnType<typeof ownerReference> }

/** What a stage makes: its kind, its labels (the stage and attempt are added), its key in the stage's state, and how it is created. */
export interface ChildKind {
  resource: ResourceType;
  labels: Record<string, string>;
  stateKey: string;
  create(meta: ChildMeta): Promise<unknown>;
}

/**
 * The stage's child named by childName for this attempt: read, or created when missing (owned by
 * the run, labelled with the run, stage and attempt). created says which. Throws ChildError when
 * the name belongs to something else, or when a child this stage made is gone (deleted before its
 * result was read): it is never made a second time.
 */
export async function ensureChild<T extends KubeObject>(s: StageRun, kind: ChildKind): Promise<{ name: string; child?: T; created: boolean }> {
  const rt = kind.resource;
  const ns = s.run.metadata.namespace!;
  const attempt = String(s.record.attempts ?? 1);
  const name = childName(s.run.metadata.name, s.stage.refId, s.record.attempts ?? 1);
  try {
    const child = await s.client.get<T>(rt, ns, name);
    const ours = child.metadata.ownerReferences?.some((o) => o.uid === s.run.metadata.uid)
      && child.metadata.labels?.[stageLabel] === s.stage.refId && child.metadata.labels?.[attemptLabel] === attempt;
    if (!ours) throw new ChildError(`${rt.kind} ${name} exists but was not made by this stage of this run; delete it, then restart the stage`);
    return { name, child, created: false };
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (s.record.state?.[kind.stateKey] === name) {
    throw new ChildError(`${rt.kind} ${name} was deleted before its result was read`);
  }
  try {
    await kind.create({ name, namespace: ns, owner: ownerReference(s.run), labels: { ...kind.labels, [stageLabel]: s.stage.refId, [attemptLabel]: attempt } });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  return { name, created: true };
}
