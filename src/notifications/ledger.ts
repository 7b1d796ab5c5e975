// What the operator knows of its sends that the run's stored status may not say yet: a send still
// out when its pass's budget ran out, and the result of every attempt until a stored status shows
// it. A pass applies the results to the status it starts from, so a delivery sent in a pass whose
// status write was refused (a conflict) is recorded sent by the next pass, not sent again, and one
// still out is not started a second time. Memory only: an operator that restarts forgets it, and
// sends such a delivery again under the same id (docs/notifications/README.md).
import type { DeliveryRecord } from './types.ts';

/** How long a result is kept for a run that is never looked at again (deleted, or its key lost). */
export const forgetAfterMs = 10 * 60_000;

interface Entry { after?: DeliveryRecord; at: number }

/** The sends of one controller, by delivery id (ids hold the run's uid, so they are unique across runs). */
export class DeliveryLedger {
  private readonly entries = new Map<string, Entry>();

  /** Notes the result of an attempt. */
  note(after: DeliveryRecord, now: number): void { this.entries.set(after.id, { after, at: now }); }

  /** Notes a send still out; its result is noted when it comes. */
  noteLate(id: string, after: Promise<DeliveryRecord>, now: () => number): void {
    this.entries.set(id, { at: now() });
    void after.then((a) => { if (this.entries.has(id)) this.note(a, now()); });
  }

  /** Whether a send of this delivery is still out (no pass starts it again meanwhile). */
  isOut(id: string): boolean { return this.entries.has(id) && this.entries.get(id)!.after === undefined; }

  /** Whether any delivery of the list is still out. */
  anyOut(list: readonly DeliveryRecord[] | undefined): boolean { return (list ?? []).some((d) => this.isOut(d.id)); }

  /**
   * The list a pass starts from with the results the stored status does not show yet; forgets the
   * results it already shows (the write that carried them was accepted).
   */
  apply(stored: readonly DeliveryRecord[] | undefined, list: DeliveryRecord[], now: number): DeliveryRecord[] {
    const storedById = new Map((stored ?? []).map((d) => [d.id, d]));
    for (const [id, e] of this.entries) {
      const s = storedById.get(id);
      if (e.after && (!s || s.state !== 'pending' || s.attempts >= e.after.attempts)) this.entries.delete(id);
      else if (now - e.at > forgetAfterMs) this.entries.delete(id);
    }
    return list.map((d) => {
      const after = this.entries.get(d.id)?.after;
      return after && d.state === 'pending' && d.attempts < after.attempts ? after : d;
    });
  }
}
