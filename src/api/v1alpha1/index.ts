// The kinds of staysail.dev/v1alpha1.
import type { KindDefinition } from '../kind.ts';
import { accountKind } from './account.ts';
import { applicationKind } from './application.ts';
import { canaryConfigKind } from './canary-config.ts';
import { clusterKind } from './cluster.ts';
import { loadBalancerKind } from './load-balancer.ts';
import { pipelineRunKind } from './pipeline-run.ts';
import { pipelineKind } from './pipeline.ts';
import { securityGroupKind } from './security-group.ts';
import { serverGroupKind } from './server-group.ts';

export { apiVersion, group, version } from './common.ts';

export const kinds: KindDefinition[] = [applicationKind, accountKind, clusterKind, serverGroupKind, loadBalancerKind, securityGroupKind,
  pipelineKind, pipelineRunKind, canaryConfigKind];
