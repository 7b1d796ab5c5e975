// The kinds of staysail.dev/v1alpha1.
import type { ResourceType } from '../../core/kube-client.ts';
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
import { group, version } from './common.ts';

export { apiVersion, group, version } from './common.ts';

export const kinds: KindDefinition[] = [applicationKind, accountKind, clusterKind, serverGroupKind, loadBalancerKind, securityGroupKind,
  pipelineKind, pipelineRunKind, canaryConfigKind];


/** Where each kind is served. */
export const resourceOf = (def: KindDefinition): ResourceType =>
  ({ group, version, plural: def.plural, kind: def.kind, namespaced: true });

export const resources = {
  application: resourceOf(applicationKind), account: resourceOf(accountKind), cluster: resourceOf(clusterKind),
  serverGroup: resourceOf(serverGroupKind), loadBalancer: resourceOf(loadBalancerKind), securityGroup: resourceOf(securityGroupKind),
  pipeline: resourceOf(pipelineKind), pipelineRun: resourceOf(pipelineRunKind), canaryConfig: resourceOf(canaryConfigKind),
};
