// AWS errors become the providers' typed errors once, here: the table names each code's kind, and
// the message keeps what was asked and AWS's own words.
import assert from 'node:assert/strict';
import { isProviderError, type ProviderErrorKind } from '../errors.ts';
import { aws, awsOrAbsent, typedAwsError } from './errors.ts';

/** An error shaped as the SDK throws them: name = AWS code, with $metadata and $fault. */
function sdkError(code: string, message = 'AWS said no', status = 400, fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error(message), { name: code, $fault: fault, $metadata: { httpStatusCode: status } });
}

describe('AWS errors', () => {
  const table: [string, ProviderErrorKind][] = [
    ['Throttling', 'Throttled'], ['RequestLimitExceeded', 'Throttled'], ['ThrottlingException', 'Throttled'],
    ['LimitExceeded', 'Quota'], ['TooManyLoadBalancers', 'Quota'], ['RulesPerSecurityGroupLimitExceeded', 'Quota'], ['VcpuLimitExceeded', 'Quota'],
    ['ValidationError', 'Invalid'], ['InvalidParameterValue', 'Invalid'], ['InvalidParameterCombination', 'Invalid'], ['MissingParameter', 'Invalid'],
    ['InvalidGroup.NotFound', 'NotFound'], ['InvalidLaunchTemplateName.NotFoundException', 'NotFound'], ['LoadBalancerNotFound', 'NotFound'],
    ['TargetGroupNotFound', 'NotFound'], ['InvalidAMIID.NotFound', 'NotFound'],
    ['AlreadyExists', 'Conflict'], ['InvalidGroup.Duplicate', 'Conflict'], ['DuplicateLoadBalancerName', 'Conflict'],
    ['InvalidLaunchTemplateName.AlreadyExistsException', 'Conflict'],
    ['ResourceInUse', 'InProgress'], ['ResourceInUseException', 'InProgress'], ['ResourceInUseFault', 'InProgress'],
    ['DependencyViolation', 'InProgress'], ['ScalingActivityInProgressFault', 'InProgress'], ['OperationNotPermittedException', 'Invalid'],
    ['LoadBalancerNotFoundException', 'NotFound'], ['DuplicateTargetGroupNameException', 'Conflict'], ['AlreadyExistsFault', 'Conflict'],
    ['TooManyTargetGroupsException', 'Quota'], ['LimitExceededFault', 'Quota'], ['InvalidConfigurationRequestException', 'Invalid'],
    ['UnrecognizedClientException', 'Invalid'], ['ThrottlingException', 'Throttled'],
    ['AuthFailure', 'Invalid'], ['InvalidClientTokenId', 'Invalid'], ['AccessDenied', 'Invalid'], ['UnauthorizedOperation', 'Invalid'],
  ];
  for (const [code, kind] of table) {
    it(`${code} is ${kind}`, () => {
      const err = typedAwsError('creating launch template shop-prod-v001', sdkError(code));
      assert.ok(isProviderError(err, kind), `${code} became ${String(err)}`);
      assert.equal((err as Error).message.split(';')[0], `creating launch template shop-prod-v001: AWS ${code}: AWS said no`);
    });
  }

  it('says what to check when the credentials are refused, and what to grant when a permission is missing', () => {
    assert.match((typedAwsError('x', sdkError('AuthFailure')) as Error).message, /; check the Account's credentials \(spec\.aws\.credentialsSecretRef/);
    assert.match((typedAwsError('x', sdkError('AccessDenied')) as Error).message, /; grant the Account's AWS identity this permission$/);
  });

  it('leaves a server fault an error to retry with back-off, and anything not from AWS as it is', () => {
    const fault = typedAwsError('x', sdkError('InternalFailure', 'oops', 500, 'server'));
    assert.ok(!isProviderError(fault));
    assert.equal((fault as Error).message, 'x: AWS failed: InternalFailure: oops');
    // As the SDK rethrows them: with $metadata, but no HTTP status, for there was no answer.
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } });
    assert.equal(typedAwsError('x', refused), refused);
    const timedOut = Object.assign(new Error('a request has exceeded the configured 30000 ms requestTimeout'), { name: 'TimeoutError', code: 'ETIMEDOUT',
      $metadata: { attempts: 6 } });
    assert.equal(typedAwsError('x', timedOut), timedOut);
  });

  it('throws typed errors from a call, and reads NotFound as absent', async () => {
    await assert.rejects(aws('describing', () => Promise.reject(sdkError('Throttling'))), (e: unknown) => isProviderError(e, 'Throttled'));
    assert.equal(await awsOrAbsent('describing', () => Promise.reject(sdkError('LoadBalancerNotFound'))), undefined);
    await assert.rejects(awsOrAbsent('describing', () => Promise.reject(sdkError('ValidationError'))), (e: unknown) => isProviderError(e, 'Invalid'));
    assert.equal(await awsOrAbsent('describing', () => Promise.resolve(7)), 7);
  });
});
