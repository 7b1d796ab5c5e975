// Where a location's server groups live: one zone of the region is a zonal managed instance group,
// none or several a regional one (in those zones), a zone of another region Invalid; and how each
// names itself and what a regional one asks of Compute.
import assert from 'node:assert/strict';
import { isProviderError } from '../errors.ts';
import { groupWhere, placement, placeOf, scopeOf, type Scope } from './scope.ts';

const region = 'europe-west1';

describe('where a GCE server group lives', () => {
  const cases: { zones?: string[]; scope: Scope | 'Invalid' }[] = [
    { zones: ['europe-west1-b'], scope: { kind: 'zonal', region, zone: 'europe-west1-b' } },
    { scope: { kind: 'regional', region, zones: [] } },
    { zones: [], scope: { kind: 'regional', region, zones: [] } },
    { zones: ['europe-west1-b', 'europe-west1-c'], scope: { kind: 'regional', region, zones: ['europe-west1-b', 'europe-west1-c'] } },
    { zones: ['europe-west1-c', 'europe-west1-c'], scope: { kind: 'zonal', region, zone: 'europe-west1-c' } },
    { zones: ['us-east1-b'], scope: 'Invalid' },
    { zones: ['europe-west1-b', 'us-east1-b'], scope: 'Invalid' },
    { zones: ['europe-west12-a'], scope: 'Invalid' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.zones)} -> ${c.scope === 'Invalid' ? 'Invalid' : c.scope.kind}`, () => {
      const location = c.zones ? { region, zones: c.zones } : { region };
      if (c.scope !== 'Invalid') {
        assert.deepEqual(scopeOf(location, region), c.scope);
        return;
      }
      assert.throws(() => scopeOf(location, region), (err: unknown) => isProviderError(err, 'Invalid')
        && /zone "(us-east1-b|europe-west12-a)" \(spec\.location\.zones\) is not in region "europe-west1"/.test(err.message));
    });
  }

  it('names a zonal group by its zone and a regional one by its region, and asks Compute for the zones named', () => {
    const zonal = scopeOf({ zones: ['europe-west1-b'] }, region);
    const regional = scopeOf({ zones: ['europe-west1-b', 'europe-west1-d'] }, region);
    assert.deepEqual([placeOf(zonal), placeOf(regional)], ['europe-west1-b', 'europe-west1']);
    assert.equal(groupWhere(zonal, 'shop-v001'), 'managed instance group shop-v001 in europe-west1-b');
    assert.equal(groupWhere(regional, 'shop-v001'), 'regional managed instance group shop-v001 in europe-west1');
    assert.deepEqual(placement(zonal, 'p'), {});
    assert.deepEqual(placement(regional, 'p'), { distributionPolicy: { zones: [{ zone: 'projects/p/zones/europe-west1-b' }, { zone: 'projects/p/zones/europe-west1-d' }] } });
    assert.deepEqual(placement(scopeOf({}, region), 'p'), {}, 'no zone named: Compute chooses the region\'s');
  });
});
