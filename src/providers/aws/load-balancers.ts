// PLACEHOLDER: replaced by the real implementation before this lands.
import type { LoadBalancerProvider } from '../interfaces.ts';
import type { AwsClientPool } from './clients.ts';

export function awsLoadBalancers(_pool: AwsClientPool): LoadBalancerProvider {
  throw new Error('not built');
}
