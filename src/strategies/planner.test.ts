// Strategies simulated against the fake provider: every pass observes, plans, applies; the step log
// is compared with test/golden/strategies.txt. Invariants are checked on every pass.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { ManualClock } from '../core/clock.ts';
import { FakeProvider } from '../providers/fake/fake-provider.ts';
import type { ProviderAccount } from '../providers/interfaces.ts';
import { healthyNeeded, planRollout } from './planner.ts';
import { describeProgress } from './progress.ts';
import { describeAction, type RolloutInput, type RolloutRecord, type StrategySettings } from './types.ts';

const account: ProviderAccount = { name: 'test', namespace: 'default', spec: { provider: 'kubernetes' } };
const location = { namespace: 'default' };
const capacity = { min: 2, max: 6, desired: 4 };

interface Deploy { version: string; unhealthy?: boolean; rollback?: string; failValidationAt?: number;
  /** A retry request in the spec. */
  retry?: string;
  /** What the controller of each server group made from this deploy's template reports (it never becomes healthy). */
  problem?: { message: string; permanent: boolean };
  /** canary: the score each interval's analysis gives. */
  canaryScores?: number[];
  /** canary: a person's decision, made once the analysis runs. */
  decision?: 'promote' | 'abort';
  /** canary: the next deploy comes once this many intervals were judged (a change during the analysis). */
  stopAfterIntervals?: number;
  /** canary: what is wrong with the CanaryConfig. */
  configProblem?: string }

const canarySettings = { replicas: 1, intervalMs: 600_000, lifetimeMs: 1_800_000 };

/** Runs deploys one after another to the end; returns the step log. */
async function simulate(strategy: StrategySettings, deploys: Deploy[]): Promise<string[]> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const fake = new FakeProvider({ clock, readyAfterMs: 10_000 });
  const log: string[] = [];
  const start = clock.now();
  let rollout: RolloutRecord | undefined;
  /** Server groups whose controller reports a problem, and the problem. */
  const troubled = new Map<string, { message: string; permanent: boolean }>();
  for (const d of deploys) {
    if (d.unhealthy) fake.markUnhealthy(d.version);
    log.push(`-- deploy ${d.version}${d.rollback ? ` with rollback request ${d.rollback} in the spec` : ''}${d.retry ? ` with retry request ${d.retry} in the spec` : ''}`);
    const servingBefore = await servingInstances(fake);
    const validations: Record<number, 'Running' | 'Succeeded' | 'Failed'> = {};
    const scores: number[] = [];
    for (let pass = 0; pass < 300; pass++) {
      const groups = await fake.serverGroups.list(account, location, 'shop-prod');
      const pair = [...await fake.serverGroups.list(account, location, 'shop-prod-baseline'), ...await fake.serverGroups.list(account, location, 'shop-prod-canary')];
      const observed = (g: (typeof groups)[number]) => ({ name: g.name, sequence: g.sequence, createdAt: g.createdAt, enabled: g.enabled,
        capacity: g.capacity, healthy: troubled.has(g.name) ? 0 : g.instances.healthy, templateHash: g.templateHash,
        ...(troubled.has(g.name) ? { problem: troubled.get(g.name)! } : {}) });
      const decision = d.decision && rollout?.phase === 'Analyzing' && rollout.canaryDecisionId !== `${d.version}-${d.decision}`
        ? { id: `${d.version}-${d.decision}`, decision: d.decision } : undefined;
      const input: RolloutInput = {
        now: clock.now(), cluster: 'shop-prod', templateHash: d.version, templateImages: `web=shop:${d.version}`, capacity, strategy, targetHealthyPercentage: 100,
        progressDeadlineMs: 60_000, rollout, ...(d.rollback ? { rollbackRequest: { id: d.rollback } } : {}), ...(d.retry ? { retryRequest: { id: d.retry } } : {}),
        validations: { ...validations },
        serverGroups: groups.map(observed),
        canaryGroups: pair.map((g) => ({ ...observed(g), role: g.cluster.endsWith('-baseline') ? 'baseline' as const : 'canary' as const })),
        canary: { revision: rollout?.revision, ...(d.configProblem ? { configProblem: d.configProblem } : {}), scores: [...scores], ...(scores.length ? { thresholds: { pass: 75, marginal: 50 } } : {}), ...(decision ? { decision } : {}) },
      };
      const plan = planRollout(input);
      if (plan.rollout.phase !== rollout?.phase || plan.rollout.step !== rollout?.step) {
        log.push(`t+${(clock.now() - start) / 1000}s ${plan.rollout.phase} step ${plan.rollout.step ?? '-'}: ${plan.rollout.message ?? ''}`);
      }
      rollout = plan.rollout;
      // A validation run started in an earlier pass has finished by now.
      for (const [p, v] of Object.entries(validations)) {
        if (v === 'Running') validations[Number(p)] = Number(p) === d.failValidationAt ? 'Failed' : 'Succeeded';
      }
      for (const a of plan.actions) {
        log.push(`t+${(clock.now() - start) / 1000}s   ${describeAction(a)}`);
        if (a.kind === 'create') {
          const from = a.templateFrom ? groups.find((g) => g.name === a.templateFrom)!.templateHash : d.version;
          await fake.serverGroups.create(account, { name: a.name, cluster: a.role ? `shop-prod-${a.role}` : 'shop-prod', sequence: a.sequence, location,
            template: {}, templateHash: from, capacity: a.capacity, enabled: a.enabled, loadBalancers: [], securityGroups: [],
            owner: { apiVersion: 'v1', kind: 'Cluster', name: 'shop-prod', uid: 'u' } });
          if (d.problem && !a.templateFrom) troubled.set(a.name, d.problem); // a baseline runs the old template
        } else if (a.kind === 'resize') await fake.serverGroups.resize(account, location, a.name, a.capacity);
        else if (a.kind === 'validate') validations[a.percent] = 'Running';
        else if (a.kind === 'analyze') {
          scores.push(d.canaryScores![a.interval - 1]!);
          log.push(`t+${(clock.now() - start) / 1000}s     window ${(a.startMs - start) / 1000}s..${(a.endMs - start) / 1000}s scored ${scores.at(-1)}`);
        }
        else await fake.serverGroups[a.kind](account, location, a.name, []);
        // Traffic never drops to nothing once something served it.
        if (servingBefore > 0) assert.ok(await servingInstances(fake) > 0, `no healthy enabled instance after: ${describeAction(a)}`);
      }
      if (['Succeeded', 'Failed', 'RolledBack'].includes(rollout.phase)) break;
      if (d.stopAfterIntervals !== undefined && scores.length >= d.stopAfterIntervals) break;
      clock.advance(plan.actions.length ? 0 : plan.requeueAfterMs ?? 1000);
    }
    const groups = await fake.serverGroups.list(account, location, 'shop-prod');
    log.push(`   = ${groups.map((g) => `${g.name}${g.enabled ? '*' : ''} ${troubled.has(g.name) ? 0 : g.instances.healthy}/${g.capacity.desired}`).join(', ')}`);
  }
  return log;
}

async function servingInstances(fake: FakeProvider): Promise<number> {
  return (await fake.serverGroups.list(account, location, 'shop-prod')).filter((g) => g.enabled).reduce((n, g) => n + g.instances.healthy, 0);
}

describe('deploy strategies (golden simulations)', () => {
  it('match test/golden/strategies.txt', async () => {
    const scenarios: [string, StrategySettings, Deploy[]][] = [
      ['redblack: first deploy, then v2 with maxRemaining 2, delays and scale-down, then v3',
        { type: 'redblack', maxRemainingServerGroups: 2, delayBeforeCleanupMs: 30_000, scaleDown: true, delayBeforeScaleDownMs: 60_000 },
        [{ version: 'v1' }, { version: 'v2' }, { version: 'v3' }]],
      ['redblack: v2 never becomes healthy and is rolled back', { type: 'redblack', destroyLatestOnFailure: true },
        [{ version: 'v1' }, { version: 'v2', unhealthy: true }]],
      ['redblack without rollback: the failure stops the rollout', { type: 'redblack', rollbackOnFailure: false },
        [{ version: 'v1' }, { version: 'v2', unhealthy: true }]],
      ['highlander: every older server group is destroyed', { type: 'highlander' }, [{ version: 'v1' }, { version: 'v2' }, { version: 'v3' }]],
      ['none: the new server group joins the old', { type: 'none' }, [{ version: 'v1' }, { version: 'v2' }]],
      ['redblack: a rollback request returns to the previous server group and stays there', { type: 'redblack', scaleDown: true },
        [{ version: 'v1' }, { version: 'v2' }, { version: 'v2', rollback: 'r1' }, { version: 'v2', rollback: 'r1' }, { version: 'v3', rollback: 'r1' }]],
      ['rollingredblack: 25%, 50%, 100%', { type: 'rollingredblack', targetPercentages: [25, 50], scaleDown: true },
        [{ version: 'v1' }, { version: 'v2' }]],
      ['rollingredblack with a validation pipeline after each step', { type: 'rollingredblack', targetPercentages: [50], validateSteps: true },
        [{ version: 'v1' }, { version: 'v2' }]],
      ['rollingredblack: a failed validation rolls back', { type: 'rollingredblack', targetPercentages: [50], validateSteps: true },
        [{ version: 'v1' }, { version: 'v2', failValidationAt: 50 }]],
      ['rollingredblack: a step that never becomes healthy rolls back', { type: 'rollingredblack', targetPercentages: [50] },
        [{ version: 'v1' }, { version: 'v2', unhealthy: true }]],
      ['canary: a first deploy has no baseline and goes red/black; then a canary passes three intervals and is promoted',
        { type: 'canary', canary: canarySettings }, [{ version: 'v1' }, { version: 'v2', canaryScores: [80, 90, 100] }]],
      ['canary: a marginal interval fails at once and the pair is destroyed', { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', canaryScores: [100, 50, 100] }]],
      ['canary: the final score below pass rolls back', { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', canaryScores: [100, 100, 70] }]],
      ['canary: a person promotes during the analysis, then aborts the next canary', { type: 'canary', canary: { ...canarySettings, warmupMs: 300_000 } },
        [{ version: 'v1' }, { version: 'v2', decision: 'promote' }, { version: 'v3', decision: 'abort' }]],
      ['canary: a canary that never becomes healthy rolls back', { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', unhealthy: true }]],
      ['canary: the template changes during the analysis: the stale canary goes, the new one is judged from the start',
        { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', canaryScores: [100], stopAfterIntervals: 1 }, { version: 'v3', canaryScores: [90, 90, 90] }]],
      ['canary: a CanaryConfig that cannot judge stops the canary before any server group starts', { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', configProblem: 'CanaryConfig "web" (spec.strategy.canary.canaryConfigRef) does not exist' }]],
      ['canary: a rollback request during the analysis destroys the pair', { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', canaryScores: [100, 100, 100] }, { version: 'v3', canaryScores: [100], stopAfterIntervals: 1 },
          { version: 'v3', rollback: 'r1' }]],
      ['redblack: a server group its provider refuses fails the rollout at once and rolls back', { type: 'redblack' },
        [{ version: 'v1' }, { version: 'v2', problem: { message: 'ReplicaSet.apps "shop-prod-v001" is invalid: containerPort: Invalid value: 0', permanent: true } }]],
      ['redblack: a first deploy its provider refuses fails, with nothing to roll back to', { type: 'redblack' },
        [{ version: 'v1', problem: { message: 'ReplicaSet.apps "shop-prod-v000" is invalid', permanent: true } }]],
      ['redblack: a transient provider error is shown while waiting; at the deadline it rolls back; a retry rolls the template out again',
        { type: 'redblack' },
        [{ version: 'v1' }, { version: 'v2', problem: { message: 'Throttled: rate exceeded', permanent: false } }, { version: 'v2', retry: 't1' }]],
      ['redblack: a retry after a rollback request deploys the template again; a retry standing when the next rollout starts is not applied',
        { type: 'redblack', scaleDown: true },
        [{ version: 'v1' }, { version: 'v2' }, { version: 'v2', rollback: 'r1' }, { version: 'v2', rollback: 'r1', retry: 't1' },
          { version: 'v2', rollback: 'r1', retry: 't1' }, { version: 'v3', rollback: 'r1', retry: 't2' }]],
      ['canary: a canary its provider refuses fails the pair at once and rolls back', { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', problem: { message: 'ReplicaSet.apps "shop-prod-canary-v001" is invalid', permanent: true } }]],
    ];
    const out: string[] = [];
    for (const [name, strategy, deploys] of scenarios) out.push(`## ${name}`, ...(await simulate(strategy, deploys)), '');
    const text = out.join('\n');
    const golden = new URL('../../test/golden/strategies.txt', import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'), 'run UPDATE_GOLDEN=1 npm run test:unit to accept a deliberate change');
  });

  it('says where a rollout is, per strategy', () => {
    const at = (step: number, phase: RolloutRecord['phase'] = 'Progressing'): RolloutRecord => ({ phase, revision: 2, templateHash: 'h', step });
    const rolling: StrategySettings = { type: 'rollingredblack', targetPercentages: [25, 50] };
    const canary: StrategySettings = { type: 'canary', canary: { ...canarySettings, lifetimeMs: 3_600_000 } };
    const cases: [StrategySettings, RolloutRecord | undefined, number, string][] = [
      [{ type: 'redblack' }, undefined, 0, ''],
      [{ type: 'redblack' }, at(0), 0, 'step 1/8 (create)'],
      [{ type: 'redblack' }, at(2), 0, 'step 2/8 (wait for health)'],
      [{ type: 'redblack' }, at(3), 0, 'step 3/8 (enable)'],
      [{ type: 'redblack' }, at(9, 'Succeeded'), 0, 'step 8/8'],
      [{ type: 'highlander' }, at(4), 0, 'step 4/4 (destroy the others)'],
      [rolling, at(1), 0, 'step 1/3 (25%)'],
      [rolling, at(7), 0, 'step 2/3 (50%)'],
      [rolling, at(12), 0, 'step 3/3 (100%)'],
      [rolling, at(18, 'Succeeded'), 0, 'step 3/3 (100%)'],
      [canary, at(3, 'Analyzing'), 0, 'interval 1 of 6'],
      [canary, at(3, 'Analyzing'), 1, 'interval 2 of 6'],
      [canary, at(3, 'Analyzing'), 6, 'interval 6 of 6'],
      [canary, at(6), 6, 'step 6/12 (enable)'],
      [{ type: 'redblack' }, at(1001), 0, 'rollback step 2/4 (disable the new)'],
      [{ type: 'redblack' }, at(1004, 'RolledBack'), 0, 'rollback step 4/4'],
      [{ type: 'redblack' }, at(2002), 0, 'rollback step 3/4 (wait for health)'],
    ];
    for (const [strategy, rollout, judged, want] of cases) {
      assert.equal(describeProgress(strategy, rollout, judged), want, `${strategy.type} at step ${rollout?.step}`);
    }
  });

  it('needs targetHealthyPercentage of desired, rounded up, never 0 unless 0 is wanted', () => {
    assert.deepEqual([[4, 100], [4, 50], [3, 50], [1, 10], [0, 100], [5, 0]].map(([d, p]) => healthyNeeded(d!, p!)), [4, 2, 2, 1, 0, 0]);
  });
});
