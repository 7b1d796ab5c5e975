// Whose a server group's Auto Scaling group is, from a namespace: its own, another namespace's or
// another object's, or not Staysail's at all.
import assert from 'node:assert/strict';
import { ownerParts, standingOf, type Standing } from './asg-ownership.ts';

const made = (owner: string, name = 'shop-prod-v001') => ({ 'staysail.dev/managed-by': 'staysail', 'staysail.dev/owner': owner,
  'staysail.dev/owner-uid': 'u1', 'staysail.dev/name': name });

describe('AWS server group ownership', () => {
  const cases: { what: string; tags: Record<string, string>; want: Standing }[] = [
    { what: 'made for the ServerGroup of that name in the namespace', tags: made('ServerGroup/shop/shop-prod-v001'), want: 'here' },
    { what: 'made for a Cluster of the namespace under that name', tags: made('Cluster/shop/shop-prod'), want: 'here' },
    { what: 'made for the ServerGroup of that name in another namespace', tags: made('ServerGroup/other/shop-prod-v001'), want: 'elsewhere' },
    { what: 'made for a Cluster of another namespace', tags: made('Cluster/other/shop-prod'), want: 'elsewhere' },
    { what: 'made for another ServerGroup of the namespace', tags: made('ServerGroup/shop/shop-prod-v002'), want: 'elsewhere' },
    { what: 'made under another name', tags: made('Cluster/shop/shop-prod', 'shop-prod-v002'), want: 'elsewhere' },
    { what: 'Staysail\'s with an owner tag that does not read', tags: made('shop-prod-v001'), want: 'elsewhere' },
    { what: 'without Staysail\'s tags', tags: { 'staysail.dev/owner': 'ServerGroup/shop/shop-prod-v001' }, want: 'foreign' },
  ];
  for (const c of cases) it(`${c.what}: ${c.want}`, () => assert.equal(standingOf(c.tags, 'shop', 'shop-prod-v001'), c.want));

  it('reads the owner tag as kind, namespace and name', () => {
    assert.deepEqual(ownerParts(made('ServerGroup/shop/a')), { kind: 'ServerGroup', namespace: 'shop', name: 'a' });
    assert.equal(ownerParts({}), undefined);
    assert.equal(ownerParts(made('a/b/c/d')), undefined);
  });
});
