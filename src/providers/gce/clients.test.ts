// Where GCE clients connect and with what: an endpoint override's host, port and protocol, a
// service-account key checked for what a JWT needs, the region an operation acts in.
import assert from 'node:assert/strict';
import { isProviderError } from '../errors.ts';
import { endpointOptions, parseServiceAccountKey, regionOf } from './clients.ts';

describe('GCE clients', () => {
  it('takes host, port and protocol from an endpoint override', () => {
    assert.deepEqual(endpointOptions('http://127.0.0.1:8123'), { apiEndpoint: '127.0.0.1', port: 8123, protocol: 'http' });
    assert.deepEqual(endpointOptions('https://compute.example.com'), { apiEndpoint: 'compute.example.com', port: 443, protocol: 'https' });
    assert.deepEqual(endpointOptions(undefined), {});
  });

  it('reads a service-account key and refuses other JSON', () => {
    const key = { type: 'service_account', client_email: 'a@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----' };
    assert.equal(parseServiceAccountKey(Buffer.from(JSON.stringify(key))).client_email, key.client_email);
    assert.throws(() => parseServiceAccountKey(Buffer.from(JSON.stringify({ ...key, type: 'authorized_user' }))), /authorized_user/);
    assert.throws(() => parseServiceAccountKey(Buffer.from('{}')), /client_email/);
    assert.throws(() => parseServiceAccountKey(Buffer.from('not json')));
  });

  it('acts in the location\'s region, or the Account\'s only one, and refuses another', () => {
    const account = (regions?: string[]) => ({ name: 'gce', namespace: 'shop', spec: { provider: 'gce' as const, gce: { project: 'test-project', regions } } });
    assert.equal(regionOf(account(['europe-west1']), {}), 'europe-west1');
    assert.equal(regionOf(account(), { region: 'us-east1' }), 'us-east1');
    assert.throws(() => regionOf(account(['europe-west1']), { region: 'us-east1' }), (err: unknown) => isProviderError(err, 'Invalid') && /spec\.gce\.regions/.test(err.message));
    assert.throws(() => regionOf(account(), {}), (err: unknown) => isProviderError(err, 'Invalid') && /spec\.location\.region/.test(err.message));
  });
});
