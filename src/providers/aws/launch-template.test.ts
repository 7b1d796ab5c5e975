// A create request as AWS is asked for it: the launch template's data and the Auto Scaling group's
// input, bookkeeping tags on the group alone and the template's own tags on the instances.
import assert from 'node:assert/strict';
import { isProviderError } from '../errors.ts';
import type { CreateServerGroup } from '../interfaces.ts';
import { createGroupInput, groupTags } from './asg-request.ts';
import { awsTemplateOf, bookkeepingTags, gracePeriodSeconds, launchTemplateData, loadBalancersOfTag, loadBalancersTagValue } from './launch-template.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'ServerGroup', namespace: 'shop', name: 'shop-prod-v007', uid: 'u-1' };

const request = (aws: NonNullable<CreateServerGroup['template']['aws']>, overrides: Partial<CreateServerGroup> = {}): CreateServerGroup => ({
  name: 'shop-prod-v007', cluster: 'shop-prod', sequence: 7, location: { region: 'us-east-1' }, template: { aws }, templateHash: 'h1',
  capacity: { min: 1, max: 4, desired: 2 }, enabled: true, loadBalancers: ['web', 'api', 'web'], securityGroups: [], owner, ...overrides,
});

describe('AWS launch template and Auto Scaling group requests', () => {
  it('maps every template field into the launch template\'s data', () => {
    const data = launchTemplateData({
      imageId: 'ami-12345678', instanceType: 't3.micro', keyPair: 'ops', iamInstanceProfile: 'web-role', userData: '#!/bin/sh\necho hi',
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 }, tags: { team: 'shop' },
    }, 'shop-prod-v007', ['sg-1', 'sg-2', 'sg-1']);
    assert.deepEqual(data, {
      ImageId: 'ami-12345678', InstanceType: 't3.micro', KeyName: 'ops', IamInstanceProfile: { Name: 'web-role' },
      UserData: Buffer.from('#!/bin/sh\necho hi').toString('base64'), SecurityGroupIds: ['sg-1', 'sg-2'],
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'shop-prod-v007' }, { Key: 'team', Value: 'shop' }] }],
    });
  });

  it('leaves out what the template does not say, and takes an instance profile ARN as an ARN', () => {
    const data = launchTemplateData({ imageId: 'ami-12345678', instanceType: 't3.micro',
      iamInstanceProfile: 'arn:aws:iam::123456789012:instance-profile/web' }, 'g-v001', []);
    assert.deepEqual(data, {
      ImageId: 'ami-12345678', InstanceType: 't3.micro', IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/web' },
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'g-v001' }] }],
    });
  });

  it('turns the grace period into seconds, 300 by default, and names the field of one that is not a duration', () => {
    const t = (gracePeriod?: string) => ({ imageId: 'ami-12345678', instanceType: 't3.micro', healthCheck: { type: 'ELB' as const, ...(gracePeriod ? { gracePeriod } : {}) } });
    assert.equal(gracePeriodSeconds(t()), 300);
    assert.equal(gracePeriodSeconds(t('5m')), 300);
    assert.equal(gracePeriodSeconds(t('1m30s')), 90);
    assert.throws(() => gracePeriodSeconds(t('soon')), (err: unknown) => isProviderError(err, 'Invalid') && /healthCheck\.gracePeriod/.test(err.message));
  });

  it('keeps bookkeeping tags on the group alone, and propagates the template\'s tags and Name to its instances', () => {
    const tags = groupTags(request({ imageId: 'ami-12345678', instanceType: 't3.micro',
      tags: { team: 'shop', 'staysail.dev/cluster': 'forged' } }));
    const byKey = Object.fromEntries(tags.map((t) => [t.Key, [t.Value, t.PropagateAtLaunch]]));
    assert.deepEqual(byKey, {
      Name: ['shop-prod-v007', true], team: ['shop', true],
      'staysail.dev/cluster': ['shop-prod', false], 'staysail.dev/load-balancers': ['api,web', false],
      'staysail.dev/managed-by': ['staysail', false], 'staysail.dev/name': ['shop-prod-v007', false],
      'staysail.dev/owner': ['ServerGroup/shop/shop-prod-v007', false], 'staysail.dev/owner-uid': ['u-1', false],
      'staysail.dev/sequence': ['7', false], 'staysail.dev/template-hash': ['h1', false],
    });
    assert.ok(tags.every((t) => t.ResourceId === 'shop-prod-v007' && t.ResourceType === 'auto-scaling-group'));
    assert.deepEqual(Object.keys(bookkeepingTags(request({ imageId: 'ami-12345678', instanceType: 't3.micro' }))).sort(), [
      'staysail.dev/cluster', 'staysail.dev/managed-by', 'staysail.dev/name', 'staysail.dev/owner', 'staysail.dev/owner-uid',
      'staysail.dev/sequence', 'staysail.dev/template-hash']);
  });

  it('makes the group from version 1 of its launch template, across its subnets, in its target groups only when enabled', () => {
    const t = { imageId: 'ami-12345678', instanceType: 't3.micro', healthCheck: { type: 'ELB' as const, gracePeriod: '2m' } };
    const where = { subnetIds: ['subnet-a', 'subnet-b'], targetGroupArns: ['arn:tg-1'] };
    const input = createGroupInput(request(t), where);
    assert.deepEqual({ ...input, Tags: undefined }, {
      AutoScalingGroupName: 'shop-prod-v007', LaunchTemplate: { LaunchTemplateName: 'shop-prod-v007', Version: '1' },
      MinSize: 1, MaxSize: 4, DesiredCapacity: 2, VPCZoneIdentifier: 'subnet-a,subnet-b', HealthCheckType: 'ELB', HealthCheckGracePeriod: 120,
      TargetGroupARNs: ['arn:tg-1'], Tags: undefined,
    });
    const disabled = createGroupInput(request({ imageId: 'ami-12345678', instanceType: 't3.micro' }, { enabled: false }), where);
    assert.equal(disabled.TargetGroupARNs, undefined);
    assert.equal(disabled.HealthCheckType, 'EC2');
    assert.equal(disabled.HealthCheckGracePeriod, 300);
  });

  it('records load balancers distinct and sorted, and reads them back', () => {
    assert.equal(loadBalancersTagValue(['web', 'api', 'web']), 'api,web');
    assert.deepEqual(loadBalancersOfTag('api,web'), ['api', 'web']);
    assert.deepEqual(loadBalancersOfTag(''), []);
    assert.deepEqual(loadBalancersOfTag(undefined), []);
  });

  it('refuses a template without an aws block, naming the field', () => {
    assert.throws(() => awsTemplateOf({ name: 'shop-prod-v001', template: { kubernetes: { podTemplate: {} } } }),
      (err: unknown) => isProviderError(err, 'Invalid') && /spec\.template\.aws/.test(err.message) && /kubernetes/.test(err.message));
  });
});
