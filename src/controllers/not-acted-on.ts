// Fields the API accepts that no part of Staysail acts on yet (triggers, notifications and
// permissions, until those features land): an object that sets one says so plainly, as a False
// condition (which the skeleton also records as a Warning Event when it appears), so nobody waits
// for a cron schedule or trusts a permission that nothing enforces.
import type { AccountReason } from '../api/v1alpha1/account.ts';
import type { ApplicationReason } from '../api/v1alpha1/application.ts';
import type { PipelineReason } from '../api/v1alpha1/pipeline.ts';
import type { ReconcileContext, StatusBase } from '../core/controller.ts';
import type { KubeObject } from '../core/kube-client.ts';

export const actedOnCondition = 'FieldsActedOn';

/** A field that is accepted but not acted on, and what to do meanwhile. */
export interface UnactedField { field: string; set: boolean; meanwhile: string }

/** Sets FieldsActedOn=False naming every set field in fields, or removes the condition when none is set. */
export function reportFieldsNotActedOn<T extends KubeObject, S extends StatusBase>(ctx: ReconcileContext<T, S>, kind: string, fields: UnactedField[]): void {
  const set = fields.filter((f) => f.set);
  if (set.length === 0) {
    if (ctx.status.conditions?.some((c) => c.type === actedOnCondition)) {
      ctx.status.conditions = ctx.status.conditions.filter((c) => c.type !== actedOnCondition);
    }
    return;
  }
  ctx.setCondition({ type: actedOnCondition, status: 'False', reason: 'NotActedOn' satisfies AccountReason & ApplicationReason & PipelineReason,
    message: `${kind} "${ctx.obj.metadata.name}" sets ${set.map((f) => f.field).join(' and ')}, which this version of Staysail accepts but does not act on yet: ${set.map((f) => f.meanwhile).join('; ')}` });
}
