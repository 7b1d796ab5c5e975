// What an Auto Scaling refusal means for a server group (pure). Auto Scaling answers a call on a
// group that went, or is being deleted, with ValidationError, as it answers a bad request: read
// again, such a group is NotFound or InProgress, not a mistake a person must fix. A new instance
// profile may not have reached Auto Scaling yet (IAM propagates in seconds): InProgress too.
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { inProgress, isProviderError, notFound } from '../errors.ts';

/** The error a verb's failure becomes once the group is read again (undefined: gone), or err itself. */
export function afterRefusal(err: unknown, name: string, region: string, verb: string, again: AutoScalingGroup | undefined): unknown {
  if (!isProviderError(err, 'Invalid')) return err;
  if (!again) return notFound(`server group ${name}: Auto Scaling group ${name} in ${region} went while Staysail tried to ${verb} it`);
  if (again.Status === 'Delete in progress') {
    return inProgress(`server group ${name}: Auto Scaling group ${name} in ${region} is being deleted, so Staysail cannot ${verb} it`, 10_000);
  }
  return err;
}

/** CreateAutoScalingGroup's failure: an instance profile Auto Scaling does not know yet is InProgress, naming the field. */
export function createRefusal(err: unknown, name: string, profile: string | undefined): unknown {
  if (!isProviderError(err, 'Invalid') || !/Invalid IAM Instance Profile|IamInstanceProfile/i.test(err.message)) return err;
  return inProgress(`server group ${name}: Auto Scaling does not know instance profile ${profile ?? '(none named)'} `
    + '(spec.template.aws.iamInstanceProfile) yet; a new one takes seconds to reach it and is tried again, '
    + `otherwise name an instance profile that exists: ${err.message}`, 10_000);
}
