// Auto Scaling's ValidationError for a group that went or is being deleted, read again, is NotFound
// or InProgress; an instance profile Auto Scaling does not know yet is InProgress naming the field.
import assert from 'node:assert/strict';
import { conflict, invalid, isProviderError } from '../errors.ts';
import { afterRefusal, createRefusal } from './asg-errors.ts';

const refused = invalid('server group shop-prod-v001: resizing: AWS ValidationError: AutoScalingGroup name not found');

describe('AWS server group refusals', () => {
  it('makes a refusal of a group that went NotFound, and of one being deleted InProgress', () => {
    assert.ok(isProviderError(afterRefusal(refused, 'shop-prod-v001', 'us-east-1', 'resize', undefined), 'NotFound'));
    const deleting = afterRefusal(refused, 'shop-prod-v001', 'us-east-1', 'resize', { AutoScalingGroupName: 'shop-prod-v001', Status: 'Delete in progress' } as never);
    assert.ok(isProviderError(deleting, 'InProgress'));
    assert.match((deleting as Error).message, /shop-prod-v001 in us-east-1 is being deleted/);
  });

  it('leaves a refusal of a group still there, and any other error, as it is', () => {
    assert.equal(afterRefusal(refused, 'shop-prod-v001', 'us-east-1', 'resize', { AutoScalingGroupName: 'shop-prod-v001' } as never), refused);
    const other = conflict('x');
    assert.equal(afterRefusal(other, 'shop-prod-v001', 'us-east-1', 'resize', undefined), other);
  });

  it('makes an instance profile Auto Scaling does not know yet InProgress, naming spec.template.aws.iamInstanceProfile', () => {
    const err = createRefusal(invalid('creating Auto Scaling group: AWS ValidationError: Invalid IAM Instance Profile name'), 'shop-prod-v001', 'web-role');
    assert.ok(isProviderError(err, 'InProgress'));
    assert.match((err as Error).message, /instance profile web-role \(spec\.template\.aws\.iamInstanceProfile\)/);
    const bad = invalid('AWS ValidationError: Max bounds must be ...');
    assert.equal(createRefusal(bad, 'shop-prod-v001', 'web-role'), bad);
  });
});
