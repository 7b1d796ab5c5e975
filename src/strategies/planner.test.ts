// Strategies simulated against the fake provider: every pass observes, plans, applies; the step log
// is compared with test/golden/strategies.txt. Invariants are checked on every pass.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { ManualClock } from '../core/clock.ts';
import { FakeProvider } from '../providers/fake/fake-provider.ts';
import type { ProviderAccount } from '../providers/interfaces.ts';
import { healthyNeeded, planRollout } from './planner.ts';
import { describeAction, type RolloutInput, type RolloutRecord, type StrategySettings } from './types.ts';

const account: ProviderAccount = { name: 'test', namespace: 'default', spec: { provider: 'kubernetes' } };
const location = { namespace: 'default' };
const capacity = { min: 2, max: 6, desired: 4 };

interface Deploy { version: string; unhealthy?: boolean; rollback?: string; failValidationAt?: number;
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
  for (const d of deploys) {
    if (d.unhealthy) fake.markUnhealthy(d.version);
    log.push(`-- deploy ${d.version}${d.rollback ? ` with rollback request ${d.rollback} in the spec` : ''}`);
    const servingBefore = await servingInstances(fake);
    const validations: Record<number, 'Running' | 'Succeeded' | 'Failed'> = {};
    const scores: number[] = [];
    for (let pass = 0; pass < 300; pass++) {
      const groups = await fake.serverGroups.list(account, location, 'shop-prod');
      const pair = [...await fake.serverGroups.list(account, location, 'shop-prod-baseline'), ...await fake.serverGroups.list(account, location, 'shop-prod-canary')];
      const observed = (g: (typeof groups)[number]) => ({ name: g.name, sequence: g.sequence, createdAt: g.createdAt, enabled: g.enabled,
        capacity: g.capacity, healthy: g.instances.healthy, templateHash: g.templateHash });
      const decision = d.decision && rollout?.phase === 'Analyzing' && rollout.canaryDecisionId !== `${d.version}-${d.decision}`
        ? { id: `${d.version}-${d.decision}`, decision: d.decision } : undefined;
      const input: RolloutInput = {
        now: clock.now(), cluster: 'shop-prod', templateHash: d.version, capacity, strategy, targetHealthyPercentage: 100,
        progressDeadlineMs: 60_000, rollout, ...(d.rollback ? { rollbackRequest: { id: d.rollback } } : {}), validations: { ...validations },
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
    log.push(`   = ${groups.map((g) => `${g.name}${g.enabled ? '*' : ''} ${g.instances.healthy}/${g.capacity.desired}`).join(', ')}`);
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
    ];
    const out: string[] = [];
    for (const [name, strategy, deploys] of scenarios) out.push(`## ${name}`, ...(await simulate(strategy, deploys)), '');
    const text = out.join('\n');
    const golden = new URL('../../test/golden/strategies.txt', import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'), 'run UPDATE_GOLDEN=1 npm run test:unit to accept a deliberate change');
  });

  it('needs targetHealthyPercentage of desired, rounded up, never 0 unless 0 is wanted', () => {
    assert.deepEqual([[4, 100], [4, 50], [3, 50], [1, 10], [0, 100], [5, 0]].map(([d, p]) => healthyNeeded(d!, p!)), [4, 2, 2, 1, 0, 0]);
  });
});
