// Waiting on Resource Manager's long-running operations. A PUT, PATCH, DELETE or action answers at
// once and runs on (Azure-AsyncOperation or Location); the SDK's poller follows it. A scale set takes
// minutes on Azure, so one call waits a bounded time: an operation still running then is InProgress
// naming it, and the controller comes back (every step asks first whether the world is already so,
// so nothing is done twice). One that ends Failed is the typed error of its code, naming the resource.
import { inProgress } from '../errors.ts';
import { typedAzureError } from './errors.ts';

/** What the SDK's long-running calls return (core-lro's PollerLike), as far as this module uses it. */
export interface Poller<T> { pollUntilDone(options?: { abortSignal?: AbortSignal }): Promise<T> }

/** How long one call waits for an operation in all, and how long the controller is asked to wait after that. */
export const operationBudget = { waitMs: 45_000, comeBackMs: 5_000 };

/** Starts a long-running call and waits for its end (or the budget: InProgress); a failure is its typed error, naming what. */
export async function settle<T>(what: string, start: () => Poller<T>, budgetMs = operationBudget.waitMs): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budgetMs);
  timer.unref();
  try {
    return await start().pollUntilDone({ abortSignal: abort.signal });
  } catch (err) {
    if (abort.signal.aborted) {
      throw inProgress(`Azure: ${what}: the operation is still running after ${Math.round(budgetMs / 1000)}s; Staysail looks again shortly`, operationBudget.comeBackMs);
    }
    throw typedAzureError(what, err);
  } finally {
    clearTimeout(timer);
  }
}
