import assert from 'node:assert/strict';
import { clusterName, nextSequence, parseServerGroupName, serverGroupName } from './moniker.ts';

describe('monikers', () => {
  it('spells cluster names as Spinnaker does', () => {
    assert.deepEqual([
      clusterName({ app: 'shop' }), clusterName({ app: 'shop', stack: 'prod' }), clusterName({ app: 'shop', stack: 'prod', detail: 'web-eu' }),
      clusterName({ app: 'shop', detail: 'canary' }),
    ], ['shop', 'shop-prod', 'shop-prod-web-eu', 'shop--canary']);
  });

  it('formats and parses versions', () => {
    assert.equal(serverGroupName('shop-prod', 7), 'shop-prod-v007');
    assert.deepEqual(parseServerGroupName('shop-prod-v007'), { cluster: 'shop-prod', sequence: 7 });
    assert.deepEqual(parseServerGroupName('shop-prod-v1'), { cluster: 'shop-prod-v1' }, 'v1 is not a version token');
    assert.throws(() => serverGroupName('x', 1000), /outside 0\.\.999/);
  });

  const t = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`;
  const cases: [string, { name: string; createdAt: string }[], number][] = [
    ['the first version is v000', [], 0],
    ['next after the newest', [{ name: 'c-v000', createdAt: t(1) }, { name: 'c-v001', createdAt: t(2) }], 2],
    ['newest by creation time, not by number', [{ name: 'c-v005', createdAt: t(1) }, { name: 'c-v002', createdAt: t(2) }], 3],
    ['wraps after v999', [{ name: 'c-v999', createdAt: t(1) }], 0],
    ['skips numbers in use after wrapping', [{ name: 'c-v000', createdAt: t(1) }, { name: 'c-v001', createdAt: t(2) }, { name: 'c-v999', createdAt: t(3) }], 2],
    ['other clusters do not count', [{ name: 'c-prod-v004', createdAt: t(1) }, { name: 'c-v001', createdAt: t(0) }], 2],
  ];
  for (const [name, existing, want] of cases) it(name, () => assert.equal(nextSequence('c', existing), want));

  it('refuses when all 1000 are taken', () => {
    const all = Array.from({ length: 1000 }, (_, i) => ({ name: serverGroupName('c', i), createdAt: t(0) }));
    assert.throws(() => nextSequence('c', all), /all server group names for cluster c are taken/);
  });
});
