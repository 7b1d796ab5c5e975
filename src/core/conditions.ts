// Condition helpers, in the standard metav1.Condition shape. A condition's lastTransitionTime moves
// only when its status changes; its observedGeneration says which spec it describes. Reconciling and
// Stalled are kstatus' abnormal-true conditions (read by Flux, Helm's --wait, kpt and Argo CD health
// scripts): present only while true, and never both.
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface ConditionUpdate { type: string; status: ConditionStatus; reason: string; message: string }

/** The list with update applied (a new array; the input is not changed). */
export function setCondition(conditions: readonly Condition[] | undefined, update: ConditionUpdate, generation: number | undefined,
  now: number): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === update.type);
  const old = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: update.type, status: update.status, reason: update.reason, message: update.message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: old && old.status === update.status ? old.lastTransitionTime : new Date(now).toISOString(),
  };
  if (i >= 0) list[i] = next; else list.push(next);
  return list;
}

export const findCondition = (conditions: readonly Condition[] | undefined, type: string): Condition | undefined =>
  conditions?.find((c) => c.type === type);

export const isConditionTrue = (conditions: readonly Condition[] | undefined, type: string): boolean =>
  findCondition(conditions, type)?.status === 'True';

/** Work on an object's spec not done: still going on (Reconciling), or unable to go on without a change (Stalled). */
export interface Progress { type: 'Reconciling' | 'Stalled'; reason: string; message: string }

/** The list with progress as its one abnormal-true condition, or with neither when the work is done (a new array). */
export function setProgress(conditions: readonly Condition[] | undefined, progress: Progress | undefined, generation: number | undefined,
  now: number): Condition[] {
  const rest = (conditions ?? []).filter((c) => (c.type !== 'Reconciling' && c.type !== 'Stalled') || c.type === progress?.type);
  return progress ? setCondition(rest, { ...progress, status: 'True' }, generation, now) : rest;
}
