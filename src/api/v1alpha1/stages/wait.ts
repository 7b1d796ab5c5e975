// The wait stage's block.
import { obj } from '../../schema.ts';
import { stageDuration } from './common.ts';

export const waitBlock = obj('wait: pause for a time.', {
  duration: stageDuration('How long to wait.'),
});
