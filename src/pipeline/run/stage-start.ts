// Starting a stage whose requisites finished well: skip it when its `if` is false, hold it for its
// execution window (plus jitter), or run it. Pure.
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import { parseDuration } from '../../api/duration.ts';
import { evaluateCondition, interpolate } from '../expressions.ts';
import { failureStatus, type ExecutionStatus } from '../graph/scheduler.ts';
import { jitterFor, nextOpening } from '../window.ts';
import { iso, scopeOf, skipsWindow, type RunFacts } from './facts.ts';

/** What becomes of a stage that may start: its next status and message, and for a held one, until when. */
export interface StartDecision {
  status: ExecutionStatus;
  message?: string;
  /** For SUSPENDED: when its window opens (plus jitter). */
  until?: number;
}

/** Decides how a stage whose requisites finished well starts. */
export function planStageStart(def: Stage, facts: RunFacts): StartDecision {
  const fail = (message: string): StartDecision => ({ status: failureStatus(def.failurePolicy), message });
  if (def.if) {
    try {
      if (!evaluateCondition(def.if, scopeOf(facts))) return { status: 'SKIPPED', message: `skipped: ${def.if} is false` };
    } catch (err) {
      return fail((err as Error).message);
    }
  }
  const w = def.executionWindow;
  if (!w || skipsWindow(facts, def.refId)) return { status: 'RUNNING' };
  const opening = nextOpening(w, facts.now);
  if (opening === undefined) return fail('its execution window does not open in the next 8 days');
  let jitter: number;
  try {
    jitter = windowJitter(def, facts);
  } catch (err) {
    return fail((err as Error).message);
  }
  const until = opening + jitter;
  if (until <= facts.now) return { status: 'RUNNING' };
  return { status: 'SUSPENDED', message: `waiting for its execution window until ${iso(until)}`, until };
}

/** The stage's jitter after its window opens: fixed per run and stage, between its min and max. */
function windowJitter(def: Stage, facts: RunFacts): number {
  const j = def.executionWindow?.jitter;
  if (!j) return 0;
  const scope = scopeOf(facts);
  const ms = (d: string, field: string) => {
    try { return parseDuration(String(interpolate(d, scope))); } catch (err) { throw new Error(`executionWindow.jitter.${field}: ${(err as Error).message}`, { cause: err }); }
  };
  return jitterFor(`${facts.run.metadata.uid}/${def.refId}`, ms(j.min, 'min'), ms(j.max, 'max'));
}

/** Whether a SUSPENDED stage may run now (its window opened or was skipped), else how long to wait. */
export function planSuspended(def: Stage, until: string | undefined, facts: RunFacts): { run: false; waitMs: number } | { run: true; message: string } {
  const skip = skipsWindow(facts, def.refId);
  const at = until ? Date.parse(until) : facts.now;
  if (skip || facts.now >= at) return { run: true, message: skip ? 'execution window skipped by request' : 'execution window open' };
  return { run: false, waitMs: at - facts.now };
}
