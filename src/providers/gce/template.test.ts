// A server group's instance template: image, machine type, network, its SecurityGroups' tags, the
// template's tags as labels beside Staysail's, refused when they are not GCE labels.
import assert from 'node:assert/strict';
import { isProviderError } from '../errors.ts';
import type { CreateServerGroup } from '../interfaces.ts';
import { readMark } from './marks.ts';
import { instanceTemplateOf, templateName } from './template.ts';

const request = (tags: Record<string, string> = { version: 'v1' }): CreateServerGroup => ({
  name: 'shop-prod-v001', cluster: 'shop-prod', sequence: 1, location: { region: 'europe-west1', zones: ['europe-west1-b'] },
  template: { gce: { image: 'projects/debian-cloud/global/images/family/debian-12', machineType: 'e2-small', subnetwork: 'apps', tags } },
  templateHash: 'h1', capacity: { min: 1, max: 1, desired: 1 }, enabled: false, loadBalancers: [], securityGroups: ['web', 'admin'],
  owner: { apiVersion: 'staysail.dev/v1alpha1', kind: 'Cluster', namespace: 'shop', name: 'shop-prod', uid: 'u-1' },
});

describe('GCE instance templates', () => {
  it('runs the image on the machine type in the network, tagged for its SecurityGroups and labelled', () => {
    const t = instanceTemplateOf(request(), 'p', 'europe-west1', 'europe-west1-b');
    assert.equal(t.name, templateName('shop-prod-v001', 'europe-west1-b'));
    assert.equal(t.name, 'shop-prod-v001-europe-west1-b');
    assert.equal(t.properties?.machineType, 'e2-small');
    assert.equal(t.properties?.disks?.[0]?.initializeParams?.sourceImage, 'projects/debian-cloud/global/images/family/debian-12');
    assert.deepEqual(t.properties?.networkInterfaces, [{ network: 'projects/p/global/networks/default', subnetwork: 'projects/p/regions/europe-west1/subnetworks/apps' }]);
    assert.deepEqual(t.properties?.tags?.items, ['shop-admin', 'shop-web']);
    assert.equal(t.properties?.labels?.version, 'v1');
    assert.equal(t.properties?.labels?.['staysail-owner-uid'], 'u-1');
    assert.equal(readMark(t.description)?.templateHash, 'h1');
  });

  it('refuses tags that are not GCE labels, naming the field', () => {
    for (const tags of [{ Version: 'v1' }, { version: 'V1' }, { 'staysail-x': 'y' }] as Record<string, string>[]) {
      assert.throws(() => instanceTemplateOf(request(tags), 'p', 'europe-west1', 'europe-west1-b'),
        (err: unknown) => isProviderError(err, 'Invalid') && /spec\.template\.gce\.tags/.test(err.message));
    }
  });
});
