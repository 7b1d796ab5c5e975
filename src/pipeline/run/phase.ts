// A run's phase, read in one place: status.phase as the controller writes it, or, for a run written
// before the phase existed, derived once from its Succeeded condition. Pure.
import type { RunPhase } from '../../api/v1alpha1/pipeline-run.ts';

export type { RunPhase };

/** The part of a run's status the phase is read from. */
export interface PhaseSource {
  phase?: RunPhase;
  conditions?: readonly { type: string; status: string; reason: string }[];
}

/** Phases a run ends in. */
export const endedPhases: ReadonlySet<RunPhase> = new Set(['Succeeded', 'Failed', 'Canceled']);

/** The run's phase: status.phase, or its Succeeded condition's reading for a run written before phase existed. */
export function phaseOf(status: PhaseSource | undefined): RunPhase {
  if (status?.phase) return status.phase;
  const c = status?.conditions?.find((x) => x.type === 'Succeeded');
  if (!c) return 'Pending';
  if (c.status === 'Unknown') return c.reason === 'Queued' ? 'Queued' : 'Running';
  if (c.status === 'True') return 'Succeeded';
  return c.reason === 'Canceled' ? 'Canceled' : 'Failed';
}

/** Whether the phase is one a run ends in. */
export const isEndedPhase = (phase: RunPhase): boolean => endedPhases.has(phase);
