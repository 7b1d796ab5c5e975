// PLACEHOLDER: replaced by the real implementation before this lands.
import type { ServerGroupProvider } from '../interfaces.ts';
import type { AwsClientPool } from './clients.ts';

export function awsServerGroups(_pool: AwsClientPool): ServerGroupProvider {
  throw new Error('not built');
}
