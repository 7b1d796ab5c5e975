// Staysail's tags read back as written (in any case Azure returns them), only those of that owner
// count, and user tags may not take Staysail's prefix.
import assert from 'node:assert/strict';
import { isProviderError } from '../errors.ts';
import { isMadeFor, isMadeHere, isOwnedBy, ownerOfMark, readMark, refuseUnlessOwned, tagsOf, userTags } from './marks.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'ServerGroup', namespace: 'shop', name: 'shop-prod-v003', uid: 'u-1' };

describe('Azure marks', () => {
  it('reads back the tags it wrote, with a scale set\'s extra ones', () => {
    const tags = tagsOf(owner, 'shop-prod-v003', { 'staysail-cluster': 'shop-prod', 'staysail-sequence': '3', 'staysail-template-hash': 'h1',
      'staysail-load-balancers': 'web,api', 'staysail-enabled': 'false', 'staysail-created': '2026-01-02T03:04:05.000Z', team: 'shop' });
    assert.equal(tags['staysail-managed-by'], 'staysail');
    assert.equal(tags.team, 'shop');
    assert.deepEqual(readMark(tags), { owner: 'ServerGroup/shop/shop-prod-v003', kind: 'ServerGroup', namespace: 'shop', uid: 'u-1', name: 'shop-prod-v003',
      cluster: 'shop-prod', sequence: 3, templateHash: 'h1', loadBalancers: ['web', 'api'], enabled: false, created: '2026-01-02T03:04:05.000Z' });
    assert.deepEqual(readMark(tagsOf(owner, 'x', { 'staysail-load-balancers': '' }))?.loadBalancers, []);
  });

  it('reads tags whatever their case, and none from a resource without Staysail\'s', () => {
    const upper = Object.fromEntries(Object.entries(tagsOf(owner, 'n')).map(([k, v]) => [k.toUpperCase(), v]));
    assert.equal(readMark(upper)?.uid, 'u-1');
    for (const t of [undefined, null, {}, { team: 'x' }, { ...tagsOf(owner, 'n'), 'staysail-managed-by': 'someone' }]) assert.equal(readMark(t), undefined);
    const { 'staysail-owner-uid': _, ...noUid } = tagsOf(owner, 'n');
    assert.equal(readMark(noUid), undefined);
  });

  it('tells a scale set made in this namespace for this name from another namespace\'s of the same name', () => {
    const mark = readMark(tagsOf(owner, 'shop-prod-v003'));
    assert.ok(isMadeHere(mark, 'shop', 'shop-prod-v003'));
    assert.ok(isMadeHere(mark, 'shop', 'SHOP-PROD-V003'), 'Azure names are without case');
    assert.ok(!isMadeHere(mark, 'other', 'shop-prod-v003'));
    assert.ok(!isMadeHere(mark, 'shop', 'shop-prod-v004'));
    assert.ok(!isMadeHere(undefined, 'shop', 'shop-prod-v003'));
  });

  it('tells the owner apart from another object of the same name', () => {
    const mark = readMark(tagsOf(owner, 'n'));
    assert.ok(isOwnedBy(mark, owner));
    assert.ok(!isOwnedBy(mark, { ...owner, uid: 'u-2' }));
    assert.ok(isMadeFor(mark, 'ServerGroup', 'shop', 'shop-prod-v003'));
    assert.ok(!isMadeFor(mark, 'ServerGroup', 'other', 'shop-prod-v003'));
    assert.match(ownerOfMark(undefined), /no staysail-managed-by tag/);
    assert.throws(() => refuseUnlessOwned(undefined, owner, 'scale set n', 'rename it'),
      (err: unknown) => isProviderError(err, 'Conflict') && /scale set n already exists and belongs to something other than Staysail/.test(err.message));
    assert.doesNotThrow(() => refuseUnlessOwned(mark, owner, 'scale set n', 'rename it'));
  });

  it('keeps user tags, refusing Staysail\'s prefix in any case and what Azure does not take', () => {
    assert.deepEqual(userTags('sg', 'spec.template.azure.tags', { team: 'shop' }), { team: 'shop' });
    assert.deepEqual(userTags('sg', 'f', undefined), {});
    const bads: Record<string, string>[] = [{ 'staysail-owner-uid': 'x' }, { 'Staysail-Name': 'x' }, { 'a/b': 'x' }, { k: 'v'.repeat(257) }];
    for (const bad of bads) {
      assert.throws(() => userTags('server group x', 'spec.template.azure.tags', bad),
        (err: unknown) => isProviderError(err, 'Invalid') && /^server group x: spec\.template\.azure\.tags "/.test(err.message));
    }
  });
});
