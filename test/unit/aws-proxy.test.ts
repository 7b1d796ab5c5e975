// The AWS proxy's reading of requests as the SDK sends them (captured from the v3 clients: all four
// speak the query protocol, a form body with Action=), and its throttling answers, which the SDK
// itself must retry as it retries AWS's, and the provider must read as Throttled.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { typedAwsError } from '../../src/providers/aws/errors.ts';
import { isProviderError } from '../../src/providers/errors.ts';
import { awsCallOf, everyNth, firstCalls, throttlingAnswer, type AwsCall } from '../support/aws-proxy.ts';

const form = 'application/x-www-form-urlencoded';
const auth = (service: string) => `AWS4-HMAC-SHA256 Credential=testing/20261202/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;

describe('the AWS proxy', () => {
  it('reads the service and action of each call', () => {
    const cases: [string, Parameters<typeof awsCallOf>[0], Partial<AwsCall>][] = [
      ['EC2', { method: 'POST', url: '/', headers: { 'content-type': form, authorization: auth('ec2') }, body: 'Action=DescribeVpcs&Version=2016-11-15' },
        { service: 'ec2', action: 'DescribeVpcs', protocol: 'query' }],
      ['Auto Scaling, with parameters', { method: 'POST', url: '/', headers: { 'content-type': `${form}; charset=utf-8`, authorization: auth('autoscaling') },
        body: 'Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=shop-prod-v000&MinSize=1' },
      { service: 'autoscaling', action: 'CreateAutoScalingGroup', protocol: 'query' }],
      ['ELBv2', { method: 'POST', url: '/', headers: { 'content-type': form, authorization: auth('elasticloadbalancing') }, body: 'Action=DescribeLoadBalancers&Version=2015-12-01' },
        { service: 'elasticloadbalancing', action: 'DescribeLoadBalancers', protocol: 'query' }],
      ['the action in the query string', { method: 'GET', url: '/?Action=GetCallerIdentity&Version=2011-06-15', headers: { authorization: auth('sts') }, body: '' },
        { service: 'sts', action: 'GetCallerIdentity', protocol: 'query' }],
      ['a JSON service', { method: 'POST', url: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter',
        authorization: auth('ssm') }, body: '{"Name":"x"}' }, { service: 'ssm', action: 'GetParameter', protocol: 'json' }],
      ['no signature, no action', { method: 'GET', url: '/moto-api/', headers: {}, body: '' }, { service: 'unknown', action: 'unknown', protocol: 'unknown' }],
    ];
    for (const [name, req, want] of cases) {
      const got = awsCallOf(req);
      assert.deepEqual({ service: got.service, action: got.action, protocol: got.protocol }, want, name);
    }
    const create = awsCallOf(cases[1]![1]);
    assert.equal(create.params.get('AutoScalingGroupName'), 'shop-prod-v000');
  });

  it('throttles every nth matching call, for the first calls only when told', () => {
    const call = (service: string) => ({ service, action: 'X', protocol: 'query', params: new URLSearchParams(), contentType: form }) as AwsCall;
    const rule = everyNth(3, (c) => c.service === 'ec2');
    const picks = ['ec2', 'ec2', 'sts', 'ec2', 'ec2', 'ec2', 'ec2'].map((s, i) => rule(call(s), i + 1));
    assert.deepEqual(picks, [false, false, false, true, false, false, true]);
    const brief = firstCalls(7, everyNth(2));
    assert.deepEqual(Array.from({ length: 10 }, (_, i) => brief(call('ec2'), i + 1)), [false, true, false, true, false, true, false, false, false, false]);
  });

  describe('answers that the SDK reads as AWS throttling', () => {
    let server: Server;
    let endpoint = '';
    let served = 0;
    before(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => { body += c.toString(); });
        req.on('end', () => {
          served++;
          const answer = throttlingAnswer(awsCallOf({ method: req.method!, url: req.url!, headers: req.headers, body }), 'req-1');
          res.writeHead(answer.status, answer.headers).end(answer.body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('as Throttling (query services) and RequestLimitExceeded (EC2): retried, and Throttled for the provider', async () => {
      // Two attempts, no wait between them worth speaking of: a 400 is retried only when the SDK takes it for throttling.
      const config = { region: 'us-east-1', endpoint, maxAttempts: 2,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
      const cases: [string, () => Promise<unknown>, string, number][] = [
        ['EC2', () => new EC2Client(config).send(new DescribeVpcsCommand({})), 'RequestLimitExceeded', 503],
        ['Auto Scaling', () => new AutoScalingClient(config).send(new DescribeAutoScalingGroupsCommand({})), 'Throttling', 400],
        ['ELBv2', () => new ElasticLoadBalancingV2Client(config).send(new DescribeLoadBalancersCommand({})), 'Throttling', 400],
        ['STS', () => new STSClient(config).send(new GetCallerIdentityCommand({})), 'Throttling', 400],
      ];
      for (const [name, send, code, status] of cases) {
        served = 0;
        const err = await send().then(() => undefined, (e: unknown) => e) as
          { name: string; message: string; $metadata: { httpStatusCode: number; attempts?: number } } | undefined;
        assert.ok(err, `${name}: no error`);
        assert.equal(err.name, code, name);
        assert.equal(err.$metadata.httpStatusCode, status, name);
        assert.match(err.message, /^(Rate exceeded|Request limit exceeded\.)$/, name);
        assert.equal(served, 2, `${name}: the SDK did not retry it`);
        assert.ok(isProviderError(typedAwsError(name, err), 'Throttled'), `${name}: the provider does not read it as Throttled`);
      }
    });
  });
});
