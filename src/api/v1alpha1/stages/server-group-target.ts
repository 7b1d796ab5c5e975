// What the server-group and cluster stages' blocks share: the Cluster (or standalone ServerGroup)
// they act on, the server group of a Cluster they name, and what to do about a rollout in progress.
import { bool, int, obj, objectName, oneOf, optional, str, type Rule } from '../../schema.ts';
import { requestTargets } from '../cluster.ts';

export const clusterRefField = obj('The Cluster, in this namespace. Its server groups are changed through it (a request in its spec), never directly.', {
  name: objectName('Its name.'),
});

/** Every stage that acts on a Cluster: wait for its rollout, or fail at once. */
export const failIfRollingOut = optional(bool('Fail at once when the Cluster has a rollout in progress (phase Progressing or Analyzing), instead of waiting, up to the stage\'s timeout, for it to end.'));

export const targetFields = {
  clusterRef: optional(clusterRefField),
  target: optional(oneOf('With clusterRef: the Cluster\'s server group, counted newest first: newest, previous (the one before it) or oldest (Spinnaker\'s current, ancestor and oldest server group).', requestTargets)),
  serverGroup: optional(str('With clusterRef: the Cluster\'s server group by name (may be an expression, e.g. ${stages.deploy.outputs.serverGroup}).', { minLength: 1, maxLength: 256 })),
  serverGroupRef: optional(obj('A ServerGroup with no Cluster, in this namespace: changed directly, by server-side apply under the field manager staysail-<stage type>.', {
    name: objectName('Its name.'),
  })),
  failIfRollingOut,
};

export const targetRules: Rule[] = [
  { rule: 'has(self.clusterRef) != has(self.serverGroupRef)', message: 'name clusterRef (a Cluster\'s server group) or serverGroupRef (a ServerGroup with no Cluster), one of the two', fieldPath: '.clusterRef' },
  { rule: '!has(self.clusterRef) || has(self.target) != has(self.serverGroup)', message: 'with clusterRef, name target (newest, previous or oldest) or serverGroup, one of the two', fieldPath: '.target' },
  { rule: '!has(self.serverGroupRef) || !has(self.target) && !has(self.serverGroup)', message: 'serverGroupRef names the server group itself: target and serverGroup are for clusterRef', fieldPath: '.serverGroupRef' },
];

/** How many server groups a cluster stage leaves as they are. */
export const remainingField = (description: string) => int(description, { minimum: 0, maximum: 100, default: 1 });
