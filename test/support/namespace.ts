// The world most end-to-end suites start from: a namespace of the shared cluster with Staysail's
// CRDs installed and its default ServiceAccount made (pods need it), and the operator watching it.
import assert from 'node:assert/strict';
import { waitFor } from '../cluster/probe.ts';
import { installCrds } from './crds.ts';
import { kubectl, kubectlOk } from './kubectl.ts';
import { OperatorProcess } from './operator-process.ts';
import { sharedCluster } from './setup.ts';

/** Installs the CRDs and creates ns, ready for pods. */
export async function createNamespace(ns: string): Promise<void> {
  const kubeconfig = sharedCluster().kubeconfigPath;
  await installCrds(kubeconfig);
  await kubectlOk(kubeconfig, ['create', 'namespace', ns]);
  await waitFor(async () => (await kubectl(kubeconfig, ['-n', ns, 'get', 'serviceaccount', 'default'])).code === 0,
    30_000, () => `no default ServiceAccount in ${ns}`);
}

/** The operator as a process, watching ns, once its controllers run. */
export async function operatorIn(ns: string): Promise<OperatorProcess> {
  const operator = new OperatorProcess(['--namespaces', ns]);
  await operator.running();
  return operator;
}

/** Stops the operator (it must exit 0) and deletes ns without waiting for it. */
export async function removeNamespace(ns: string, operator?: OperatorProcess): Promise<void> {
  if (operator) assert.equal(await operator.stop(), 0);
  await kubectl(sharedCluster().kubeconfigPath, ['delete', 'namespace', ns, '--wait=false']);
}

/**
 * The suite's before and after hooks for ns: the namespace (and whatever prepare makes in it), then
 * the operator watching it; stopped and deleted after. Returns the operator, once started.
 */
export function withOperator(ns: string, prepare?: () => Promise<unknown>): () => OperatorProcess {
  let operator: OperatorProcess | undefined;
  before(async () => {
    await createNamespace(ns);
    await prepare?.();
    operator = await operatorIn(ns);
  });
  after(async () => {
    await removeNamespace(ns, operator);
  });
  return () => { if (!operator) throw new Error('the operator starts in the suite\'s before hook'); return operator; };
}

/** withOperator, with a Kubernetes Account "local" acting in ns made before the operator starts. */
export function withLocalAccountAndOperator(ns: string): () => OperatorProcess {
  return withOperator(ns, () => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'apply', '--server-side', '-f', '-'],
    JSON.stringify({ apiVersion: 'staysail.dev/v1alpha1', kind: 'Account', metadata: { name: 'local' }, spec: { provider: 'kubernetes' } })));
}
