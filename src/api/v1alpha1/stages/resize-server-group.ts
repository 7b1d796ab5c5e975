// The resizeServerGroup stage's block.
import { int, obj, oneOf, optional } from '../../schema.ts';
import { capacitySchema } from '../common.ts';
import { targetFields, targetRules } from './server-group-target.ts';

export const resizeServerGroupBlock = obj('resizeServerGroup: set a server group\'s capacity, or scale it up or down by a count or a percentage, and wait until it has that many healthy instances. The live server group of a Cluster is resized by changing the Cluster\'s spec.capacity (so its next rollouts keep the size).', {
  ...targetFields,
  capacity: optional({ ...capacitySchema, description: 'The exact capacity (Spinnaker\'s scale_exact).' }),
  scale: optional(obj('Scale up or down from the current desired capacity (Spinnaker\'s scale_up and scale_down); min and max widen to fit.', {
    direction: oneOf('up or down.', ['up', 'down'] as const),
    count: optional(int('Instances to add or remove.', { minimum: 1, maximum: 100000 })),
    percentage: optional(int('Percentage of the desired capacity to add or remove, rounded up.', { minimum: 1, maximum: 1000 })),
  }, { rules: [{ rule: 'has(self.count) != has(self.percentage)', message: 'scale needs count or percentage, one of the two' }] })),
}, { rules: [...targetRules, { rule: 'has(self.capacity) != has(self.scale)', message: 'set capacity (exact) or scale (up or down), one of the two', fieldPath: '.capacity' }] });
