// One set of clients per account and region, reused while the settings and credentials stay, and
// replaced (the old one closed later, not under a call in flight) when they change.
import assert from 'node:assert/strict';
import { ClientPool } from './client-pool.ts';

class Clients { destroyed = 0; destroy(): void { this.destroyed++; } }

describe('the client pool', () => {
  const account = { namespace: 'shop', name: 'prod' };

  it('reuses a set while the settings and the credentials are the same, and makes one per region and account', () => {
    const pool = new ClientPool<Clients>();
    const key = {};
    const a = pool.get(account, 'us-east-1', { endpoint: 'x' }, key, () => new Clients());
    assert.equal(pool.get(account, 'us-east-1', { endpoint: 'x' }, key, () => new Clients()), a);
    assert.notEqual(pool.get(account, 'eu-west-1', { endpoint: 'x' }, key, () => new Clients()), a);
    assert.notEqual(pool.get({ ...account, name: 'staging' }, 'us-east-1', { endpoint: 'x' }, key, () => new Clients()), a);
    assert.equal(pool.get(account, 'us-east-1', { endpoint: 'x' }, key, () => new Clients()), a, 'others do not replace it');
    pool.close();
  });

  it('replaces a set when its credentials or settings change, closing the old one only later', () => {
    const pool = new ClientPool<Clients>();
    const first = pool.get(account, 'us-east-1', {}, {}, () => new Clients());
    const rotated = pool.get(account, 'us-east-1', {}, {}, () => new Clients());
    assert.notEqual(rotated, first, 'a rotated Secret gives new clients');
    assert.equal(first.destroyed, 0, 'calls under way on the old clients may finish');
    const moved = pool.get(account, 'us-east-1', { endpoint: 'y' }, undefined, () => new Clients());
    assert.notEqual(moved, rotated);
    assert.equal(pool.get(account, 'us-east-1', { endpoint: 'y' }, undefined, () => new Clients()), moved, 'the default chain is one source');
    pool.close();
    assert.equal(moved.destroyed, 1, 'close closes the sets in use');
  });
});
