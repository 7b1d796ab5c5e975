// Installs Staysail's CRDs and its admission policy on a test cluster and waits until they are served.
import { join } from 'node:path';
import { repoRoot } from '../cluster/binaries.ts';
import { kubectlOk } from './kubectl.ts';

export async function installCrds(kubeconfig: string): Promise<void> {
  await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', join(repoRoot, 'crds')]);
  await kubectlOk(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=staysail']);
  await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', join(repoRoot, 'config/policy')]);
}

/**
 * Installs the Gateway API's standard CRDs (v1.3.0, test/fixtures/gateway-api/) for the suites that
 * route through HTTPRoutes, and waits until they are served. No Gateway controller runs: nothing routes,
 * the suites read the routes' weights.
 */
export async function installGatewayApiCrds(kubeconfig: string): Promise<void> {
  await kubectlOk(kubeconfig, ['apply', '--server-side', '-f', join(repoRoot, 'test/fixtures/gateway-api/standard-install.yaml')]);
  await kubectlOk(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', 'httproutes.gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io']);
}
