import assert from 'node:assert/strict';
import { templateImages } from './template-images.ts';

describe('templateImages', () => {
  it('shows container=image for a pod template and the image of a cloud template', () => {
    const pod = (containers: unknown) => ({ kubernetes: { podTemplate: { spec: { containers } } } });
    const cases: [Parameters<typeof templateImages>[0], string][] = [
      [pod([{ name: 'web', image: 'demo/web:1.1.0' }]), 'web=demo/web:1.1.0'],
      [pod([{ name: 'web', image: 'demo/web:1.1.0' }, { name: 'envoy', image: 'envoy:1.30' }]), 'web=demo/web:1.1.0, envoy=envoy:1.30'],
      [pod([{ name: 'web', image: 123 }]), 'web=123'],
      [pod([{ name: 'web' }]), 'web=?'],
      [pod('not a list'), ''],
      [{ kubernetes: { podTemplate: {} } }, ''],
      [{ aws: { imageId: 'ami-0abcdef1234567890', instanceType: 't3.micro' } }, 'ami-0abcdef1234567890'],
      [{ gce: { image: 'projects/debian-cloud/global/images/family/debian-12', machineType: 'e2-small' } }, 'projects/debian-cloud/global/images/family/debian-12'],
      [{ azure: { image: 'Canonical:ubuntu:22_04-lts:latest', vmSize: 'Standard_B1s' } }, 'Canonical:ubuntu:22_04-lts:latest'],
      [undefined, ''],
    ];
    for (const [template, want] of cases) assert.equal(templateImages(template), want, JSON.stringify(template));
  });
});
