// The trigger types Staysail acts on. Each source lives in a file of its own in this folder and is
// listed here; a Pipeline whose trigger has a type not listed says so (FieldsActedOn=False).
import type { triggerTypes } from '../api/v1alpha1/pipeline.ts';

export type TriggerType = (typeof triggerTypes)[number];

/** Trigger types with a source in this folder. */
export const actedOnTriggerTypes: ReadonlySet<TriggerType> = new Set<TriggerType>([
  'cron', 'pipeline',
  'webhook', 'git',
  'docker', 'jenkins',
]);
