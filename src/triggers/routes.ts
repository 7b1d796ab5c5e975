// The HTTP routes of the triggers that are called rather than polled, on the router every replica serves.
import type { Router } from '../core/router.ts';
import type { TriggerDeps } from './fire.ts';
import { registerGitRoute } from './git.ts';
import { registerWebhookRoute } from './webhook.ts';

/** POST /webhooks/<namespace>/<source> and POST /webhooks/git/<host>. */
export function registerTriggerRoutes(router: Router, deps: TriggerDeps): void {
  registerWebhookRoute(router, deps);
  registerGitRoute(router, deps);
}
