// The deploy stage's block.
import { freeform, int, obj, objectName, optional } from '../../schema.ts';
import { strategySchema } from '../cluster.ts';

export const deployBlock = obj('deploy: roll a new template out to a Cluster (its strategy decides how) and wait for the rollout to finish. The same engine as editing the Cluster.', {
  clusterRef: obj('The Cluster, in this namespace.', { name: objectName('Its name.') }),
  template: freeform('The server group template to deploy, as in the Cluster\'s spec.template; expressions may fill it in.'),
  capacity: optional(obj('A new capacity for the cluster (default: unchanged).', {
    min: int('Fewest instances.', { minimum: 0, maximum: 100000 }),
    max: int('Most instances.', { minimum: 0, maximum: 100000 }),
    desired: int('Instances wanted now.', { minimum: 0, maximum: 100000 }),
  })),
  strategy: optional({ ...strategySchema, description: 'Deploy with this strategy, e.g. canary with its analysis settings; it becomes the Cluster\'s spec.strategy (default: the Cluster\'s own).' }),
});
