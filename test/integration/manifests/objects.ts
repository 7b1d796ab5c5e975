// Manifests the manifest suites apply.
import type { KubeObject } from '../../../src/core/kube-client.ts';

/** A Deployment of two pods (kwok makes them ready) that gives up progressing after a minute; extra goes into its pod spec. */
export const deployment = (name: string, image: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas: 2, progressDeadlineSeconds: 60, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }], ...extra } } },
} as KubeObject);
