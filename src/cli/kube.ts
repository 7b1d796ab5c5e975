// The CLI's connection to the cluster: the kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config),
// its context and namespace, and errors turned into sentences a person can act on.
import { KubeConfig } from '@kubernetes/client-node';
import { realClock } from '../core/clock.ts';
import { ApiError } from '../core/errors.ts';
import { KubeClient } from '../core/kube-client.ts';

/** A failure the user can fix; printed as is, exit code 1. */
export class CliError extends Error {}

export interface Connection { client: KubeClient; namespace: string; server: string }

export function connect(options: { kubeconfig?: string; context?: string; namespace?: string }): Connection {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new CliError(`cannot read the kubeconfig ${options.kubeconfig ?? '(KUBECONFIG or ~/.kube/config)'}: ${(err as Error).message}`);
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw new CliError(`the kubeconfig has no context "${options.context}" (it has: ${kc.getContexts().map((c) => c.name).join(', ')})`);
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new CliError('no cluster to talk to: the kubeconfig names none; pass --kubeconfig or set KUBECONFIG');
  const namespace = options.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { client: new KubeClient(kc, { clock: realClock, userAgent: 'staysail-cli', requestTimeoutMs: 15_000 }), namespace, server: cluster.server };
}

/** Runs an API call; a network failure becomes "cannot reach the cluster", a 404 the given sentence. */
export async function call<T>(conn: Connection, what: () => Promise<T>, notFound?: string): Promise<T> {
  try {
    return await what();
  } catch (err) {
    if (err instanceof ApiError) {
      if (err.status === 404 && notFound) throw new CliError(notFound);
      if (err.status === 401 || err.status === 403) throw new CliError(`the cluster refused: ${err.message}`);
      throw new CliError(err.message);
    }
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach the cluster at ${conn.server}: ${cause?.code ?? cause?.message ?? (err as Error).message} (is it running? check --kubeconfig and --context)`);
  }
}

/** The name the API server knows the caller by (a SelfSubjectReview), as a judgment records it. */
export async function whoAmI(conn: Connection): Promise<string> {
  const review = await call(conn, () => conn.client.request<{ status?: { userInfo?: { username?: string } } }>('create', 'POST',
    '/apis/authentication.k8s.io/v1/selfsubjectreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } }));
  const name = review?.status?.userInfo?.username;
  if (!name) throw new CliError('the cluster did not say who you are (SelfSubjectReview); pass --user NAME');
  return name;
}
