// The region an AWS operation acts in: the location's, else the Account's only one, and never one
// the Account does not allow.
import assert from 'node:assert/strict';
import { isProviderError } from '../errors.ts';
import type { ProviderAccount } from '../interfaces.ts';
import { regionOf, regionsOf } from './clients.ts';

const account = (regions?: string[]): ProviderAccount => ({ name: 'prod', namespace: 'shop',
  spec: { provider: 'aws', aws: { accountId: '123456789012', ...(regions ? { regions } : {}) } } });

describe('AWS regions', () => {
  it('takes the location\'s region, or the Account\'s only one', () => {
    assert.equal(regionOf(account(['us-east-1', 'eu-west-1']), { region: 'eu-west-1' }), 'eu-west-1');
    assert.equal(regionOf(account(['eu-west-1']), {}), 'eu-west-1');
    assert.equal(regionOf(account(), { region: 'ap-south-1' }), 'ap-south-1');
  });

  it('names the field when no region is given, or one the Account does not allow', () => {
    assert.throws(() => regionOf(account(['us-east-1', 'eu-west-1']), {}), (e: unknown) => isProviderError(e, 'Invalid')
      && e.message === 'Account "prod" has several regions (us-east-1, eu-west-1); set spec.location.region to the region to deploy to');
    assert.throws(() => regionOf(account(), {}), (e: unknown) => isProviderError(e, 'Invalid') && /names no region; set spec\.location\.region/.test(e.message));
    assert.throws(() => regionOf(account(['us-east-1']), { region: 'eu-west-1' }), (e: unknown) => isProviderError(e, 'Invalid')
      && e.message === 'region "eu-west-1" (spec.location.region) is not one of Account "prod"\'s regions (us-east-1); use one of those, or add it to the Account\'s spec.aws.regions');
  });

  it('verifies in every region the Account names, or in us-east-1', () => {
    assert.deepEqual(regionsOf(account(['eu-west-1', 'us-west-2'])), ['eu-west-1', 'us-west-2']);
    assert.deepEqual(regionsOf(account()), ['us-east-1']);
  });
});
