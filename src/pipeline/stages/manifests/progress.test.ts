import assert from 'node:assert/strict';
import type { ManifestRef, ManifestStatus } from '../../../providers/interfaces.ts';
import { manifestPollMs, planProgress, timeoutMarginMs } from './progress.ts';

const web: ManifestRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' };
const config: ManifestRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'web-config-v001', namespace: 'shop' };
const api: ManifestRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', namespace: 'shop' };
const cur: ManifestStatus = { status: 'Current', message: 'ok' };
const prog = (message: string): ManifestStatus => ({ status: 'InProgress', message });
const fail = (message: string): ManifestStatus => ({ status: 'Failed', message });

describe('planProgress', () => {
  const cases: [string, ManifestStatus[], number, number | undefined, ReturnType<typeof planProgress>][] = [
    ['all Current: done', [cur, cur, cur], 5_000, 60_000, { done: true }],
    ['waiting, naming each object not yet Current with its status', [prog('Available: 0/2'), cur, prog('Updated: 1/2')], 5_000, 60_000,
      { done: false, failed: false, message: 'waiting for Deployment "shop/web" (Available: 0/2), Deployment "shop/api" (Updated: 1/2)', pollAfterMs: manifestPollMs }],
    ['the first Failed object fails the stage with its own message, even while others wait', [prog('x'), cur, fail('Progress deadline exceeded: timed out')], 5_000, 60_000,
      { done: false, failed: true, message: 'Deployment "shop/api" failed: Progress deadline exceeded: timed out' }],
    ['just before the timeout: failed, naming the objects not yet Current', [prog('Available: 0/2'), cur, cur], 60_000 - timeoutMarginMs, 60_000,
      { done: false, failed: true, message: 'not stable after 1m: Deployment "shop/web" (Available: 0/2)' }],
    ['near the timeout: looks again just before it', [prog('Available: 0/2'), cur, cur], 60_000 - timeoutMarginMs - 500, 60_000,
      { done: false, failed: false, message: 'waiting for Deployment "shop/web" (Available: 0/2)', pollAfterMs: 500 }],
    ['no timeout: waits on', [prog('p'), cur, cur], 10 * 3_600_000, undefined,
      { done: false, failed: false, message: 'waiting for Deployment "shop/web" (p)', pollAfterMs: manifestPollMs }],
  ];
  for (const [name, statuses, elapsed, timeout, want] of cases) {
    it(name, () => assert.deepEqual(planProgress([web, config, api], statuses, elapsed, timeout), want));
  }
});
