// Staysail's mark in a description reads back as written, and only a mark of that owner counts;
// GCE names fit RFC 1035 and 63 characters, and names changed to fit stay apart.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isProviderError } from '../errors.ts';
import { describeMark, gceName, isMadeFor, isOwnedBy, labelValue, markOf, readMark, refuseUnlessOwned, standingOf, type Mark, type Standing } from './marks.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'Cluster', namespace: 'shop', name: 'web', uid: 'u-1' };

describe('GCE marks', () => {
  it('reads back the mark a description holds, and none from a description without one', () => {
    const mark = markOf(owner, 'shop-prod-v001', { cluster: 'shop-prod', sequence: 1, templateHash: 'h' });
    const text = describeMark(mark, 'Server group shop-prod-v001');
    assert.match(text, /^Server group shop-prod-v001\. Made by Staysail for Cluster\/shop\/web\./);
    assert.deepEqual(readMark(text), mark);
    for (const d of [undefined, null, '', 'made by hand', 'x\nstaysail:{not json', 'x\nstaysail:{"owner":1}']) assert.equal(readMark(d), undefined);
  });

  it('tells the owner apart from another object of the same name', () => {
    const mark = markOf(owner, 'web');
    assert.ok(isOwnedBy(mark, owner));
    assert.ok(!isOwnedBy(mark, { ...owner, uid: 'u-2' }));
    assert.ok(isMadeFor(mark, 'Cluster', 'shop', 'web'));
    assert.ok(!isMadeFor(mark, 'Cluster', 'other', 'web'));
    assert.throws(() => refuseUnlessOwned(undefined, owner, 'firewall web', 'rename it'),
      (err: unknown) => isProviderError(err, 'Conflict') && /firewall web already exists and belongs to something other than Staysail/.test(err.message));
    assert.doesNotThrow(() => refuseUnlessOwned(mark, owner, 'firewall web', 'rename it'));
  });

  it('says whose a server group\'s group is from a namespace: its own, another namespace\'s or another object\'s, or not Staysail\'s', () => {
    const made = (o: string, name = 'shop-prod-v001'): Mark => ({ owner: o, uid: 'u1', name });
    const cases: [what: string, mark: Mark | undefined, want: Standing][] = [
      ['made for the ServerGroup of that name in the namespace', made('ServerGroup/shop/shop-prod-v001'), 'here'],
      ['made for a Cluster of the namespace under that name', made('Cluster/shop/shop-prod'), 'here'],
      ['made for the ServerGroup of that name in another namespace', made('ServerGroup/other/shop-prod-v001'), 'elsewhere'],
      ['made for a Cluster of another namespace', made('Cluster/other/shop-prod'), 'elsewhere'],
      ['made for another ServerGroup of the namespace', made('ServerGroup/shop/shop-prod-v002', 'shop-prod-v001'), 'elsewhere'],
      ['made under another name', made('Cluster/shop/shop-prod', 'shop-prod-v002'), 'elsewhere'],
      ['with an owner that does not read', made('shop-prod-v001'), 'elsewhere'],
      ['without a mark', undefined, 'foreign'],
    ];
    for (const [what, mark, want] of cases) assert.equal(standingOf(mark, 'shop', 'shop-prod-v001'), want, what);
  });

  it('keeps names that fit, and makes others fit RFC 1035 in 63 characters, distinct names distinct', () => {
    assert.equal(gceName('shop-prod-v001'), 'shop-prod-v001');
    assert.match(gceName('Shop.Prod'), /^shop-prod-[0-9a-f]{8}$/);
    assert.match(gceName('1abc'), /^s-1abc-[0-9a-f]{8}$/);
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 120 }), fc.string({ minLength: 1, maxLength: 120 }), (a, b) => {
      const x = gceName(a);
      assert.match(x, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
      if (a !== b) assert.notEqual(x, gceName(b));
    }));
  });

  it('makes label values of any text', () => {
    assert.equal(labelValue('Cluster'), 'cluster');
    assert.equal(labelValue('a.b/c'), 'a_b_c');
    assert.equal(labelValue('x'.repeat(80)).length, 63);
  });
});
