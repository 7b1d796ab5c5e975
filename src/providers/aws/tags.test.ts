// Ownership tags and AWS names: what is Staysail's and whose, and names that fit ELBv2's 32 characters
// without two Staysail names meeting.
import assert from 'node:assert/strict';
import { awsName, clientToken, isOurs, isOwnedBy, ownerOf, ownerTags, tagList, tagMap } from './tags.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'Cluster', namespace: 'shop', name: 'shop-prod', uid: 'u-1' };

describe('AWS tags and names', () => {
  it('tags what it makes with the owner\'s kind, namespace, name and UID, and knows it again', () => {
    const tags = ownerTags(owner, 'shop-prod-v001');
    assert.deepEqual(tags, { 'staysail.dev/managed-by': 'staysail', 'staysail.dev/owner': 'Cluster/shop/shop-prod',
      'staysail.dev/owner-uid': 'u-1', 'staysail.dev/name': 'shop-prod-v001' });
    const round = tagMap(tagList(tags));
    assert.deepEqual(round, tags);
    assert.ok(isOurs(round) && isOwnedBy(round, owner));
    assert.ok(!isOwnedBy(round, { ...owner, uid: 'u-2' }), 'a new object of the same name is another owner');
    assert.equal(ownerOf(round), 'Cluster/shop/shop-prod (uid u-1)');
    assert.equal(ownerOf({ Name: 'theirs' }), 'something other than Staysail (it has no staysail.dev/managed-by tag)');
  });

  it('keeps names that fit, and shortens others to the same, distinct name every time', () => {
    assert.equal(awsName('shop-web', 32), 'shop-web');
    const long = 'shop-production-frontend-external-web';
    const short = awsName(long, 32);
    assert.equal(short.length, 32);
    assert.equal(short, awsName(long, 32));
    assert.notEqual(short, awsName(`${long}2`, 32));
    assert.match(short, /^shop-production-fronten-[0-9a-f]{8}$/);
    assert.ok(!awsName(`${'a'.repeat(22)}${'-'.repeat(12)}x`, 32).includes('--'), 'no doubled hyphen before the hash');
  });

  it('gives a create the same client token for the same owner and name only', () => {
    assert.equal(clientToken(owner, 'a'), clientToken(owner, 'a'));
    assert.notEqual(clientToken(owner, 'a'), clientToken({ ...owner, uid: 'u-2' }, 'a'));
    assert.ok(clientToken(owner, 'a').length <= 64);
  });
});
