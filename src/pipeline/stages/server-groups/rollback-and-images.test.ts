// Which server group rollbackCluster returns to, and what findImageFromCluster reads from a template.
import assert from 'node:assert/strict';
import { imagesOf } from './find-image-from-cluster.ts';
import { rollbackTarget } from './rollback-cluster.ts';
import type { Cluster } from './cluster-requests.ts';

const cluster = (active: string, groups: [string, string, string?][]): Cluster => ({
  metadata: { name: 'shop-prod', namespace: 'shop' },
  status: { activeServerGroup: active, serverGroups: groups.map(([name, images, role]) => ({ name, images, enabled: name === active, readyReplicas: 2, desiredReplicas: 2,
    ...(role ? { role: role as 'baseline' } : {}) })) },
});

describe('rollbackTarget', () => {
  const cases: [string, Cluster, ReturnType<typeof rollbackTarget>][] = [
    ['the newest older one with another image', cluster('shop-prod-v003', [['shop-prod-v003', 'web=shop:3'], ['shop-prod-v002', 'web=shop:3'], ['shop-prod-v001', 'web=shop:2']]),
      { name: 'shop-prod-v001' }],
    ['the one before the active when all run its image', cluster('shop-prod-v002', [['shop-prod-v002', 'web=shop:3'], ['shop-prod-v001', 'web=shop:3']]), { name: 'shop-prod-v001' }],
    ['older than the active, not a newer disabled one', cluster('shop-prod-v001', [['shop-prod-v002', 'web=shop:3'], ['shop-prod-v001', 'web=shop:2'], ['shop-prod-v000', 'web=shop:1']]),
      { name: 'shop-prod-v000' }],
    ['never a canary pair\'s', cluster('shop-prod-v001', [['shop-prod-v001', 'web=shop:2'], ['shop-prod-baseline-v000', 'web=shop:1', 'baseline']]),
      { none: 'Cluster "shop-prod" has no server group older than shop-prod-v001 to roll back to' }],
  ];
  for (const [name, c, want] of cases) it(name, () => assert.deepEqual(rollbackTarget(c), want));
});

describe('imagesOf', () => {
  const sg = (template: object) => ({ metadata: { name: 'shop-prod-v001' }, spec: { template } }) as Parameters<typeof imagesOf>[0];
  it('a pod template: the first container\'s image, and every container\'s by name', () => {
    assert.deepEqual(imagesOf(sg({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image: 'shop:2' }, { name: 'envoy', image: 'envoy:1.30' }] } } } })),
      { image: 'shop:2', images: { web: 'shop:2', envoy: 'envoy:1.30' } });
  });
  it('a cloud template: its image', () => {
    assert.deepEqual(imagesOf(sg({ aws: { imageId: 'ami-0123', instanceType: 't3.small' } })), { image: 'ami-0123' });
    assert.deepEqual(imagesOf(sg({ gce: { image: 'projects/debian-cloud/global/images/family/debian-12', machineType: 'e2-small' } })),
      { image: 'projects/debian-cloud/global/images/family/debian-12' });
  });
  it('a pod template without containers: none', () => assert.deepEqual(imagesOf(sg({ kubernetes: { podTemplate: { spec: {} } } })), { images: {} }));
});
