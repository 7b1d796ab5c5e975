// PLACEHOLDER: replaced by the real implementation before this lands.
import type { SecurityGroupProvider } from '../interfaces.ts';
import type { AwsClientPool } from './clients.ts';

export function awsSecurityGroups(_pool: AwsClientPool): SecurityGroupProvider {
  throw new Error('not built');
}
