// Strategies simulated against the fake provider: every pass observes, plans, applies; the step log
// is compared with test/golden/strategies.txt. Invariants are checked on every pass.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { ManualClock } from '../core/clock.ts';
import { FakeProvider } from '../providers/fake/fake-provider.ts';
import type { ProviderAccount } from '../providers/interfaces.ts';
import { hashSteps, healthyNeeded, planRollout, stepsFor } from './planner.ts';
import { rollbackSteps } from './rollback.ts';
import { describeProgress } from './progress.ts';
import { describeAction, type RolloutAction, type RolloutInput, type RolloutRecord, type StrategySettings } from './types.ts';

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
  configProblem?: string;
  /** The strategy the spec says from this deploy on. */
  strategy?: StrategySettings;
  /** The next deploy comes once the rollout reaches this step (a change in the middle of a rollout). */
  stopAtStep?: number;
  /** canary: the metric source refuses this interval's query. */
  refusedAt?: number }

const canarySettings = { replicas: 1, intervalMs: 600_000, lifetimeMs: 1_800_000 };

type Observed = RolloutInput['serverGroups'][number];
type Validations = Record<number, 'Running' | 'Succeeded' | 'Failed'>;
/** The canary analysis so far: each interval's score, or why one could not be judged. */
interface Judged { scores: number[]; error?: string }

/** One cluster on the fake provider, deployed to again and again as the spec changes; keeps the step log. */
class Simulation {
  readonly clock = new ManualClock(Date.UTC(2026, 0, 1));
  readonly fake = new FakeProvider({ clock: this.clock, readyAfterMs: 10_000 });
  readonly log: string[] = [];
  private readonly start = this.clock.now();
  private rollout: RolloutRecord | undefined;
  /** Server groups whose controller reports a problem, and the problem. */
  private readonly troubled = new Map<string, { message: string; permanent: boolean }>();
  /** The share of each server group's instances its spec takes out of traffic, as the Cluster controller writes it (the fake provider has none). */
  private readonly shares = new Map<string, number>();
  /** Each server group's weight on weighted routes, as its spec says. */
  private readonly weights = new Map<string, number>();
  /**
   * Server groups a traffic, enable, disable or weight action changed, and how they served before it: the
   * controller acts on a spec change in its own time, so for one pass after the action the Cluster
   * sees them not acted on (healthy counted 0), and traffic counts the worse of before and after.
   */
  private changedLastPass = new Map<string, { enabled: boolean; share: number }>();
  private changedThisPass = new Map<string, { enabled: boolean; share: number }>();
  private strategy: StrategySettings;

  constructor(strategy: StrategySettings) { this.strategy = strategy; }

  private at = () => `t+${(this.clock.now() - this.start) / 1000}s`;

  private observed(g: Awaited<ReturnType<FakeProvider['serverGroups']['list']>>[number]): Observed {
    const problem = this.troubled.get(g.name);
    const actedOn = !this.changedLastPass.has(g.name);
    return { name: g.name, sequence: g.sequence, createdAt: g.createdAt, enabled: g.enabled, capacity: g.capacity,
      healthy: problem || !actedOn ? 0 : g.instances.healthy, templateHash: g.templateHash, ...(problem ? { problem } : {}),
      ...(actedOn ? {} : { current: false }),
      ...(this.shares.get(g.name) ? { disabledPercentage: this.shares.get(g.name) } : {}),
      ...(this.weights.has(g.name) ? { trafficWeight: this.weights.get(g.name) } : {}) };
  }

  private async inputFor(d: Deploy, validations: Validations, judged: Judged): Promise<RolloutInput> {
    const list = (cluster: string) => this.fake.serverGroups.list(account, location, cluster);
    const pair = [...await list('shop-prod-baseline'), ...await list('shop-prod-canary')];
    const r = this.rollout;
    const decision = d.decision && r?.phase === 'Analyzing' && r.canaryDecisionId !== `${d.version}-${d.decision}`
      ? { id: `${d.version}-${d.decision}`, decision: d.decision } : undefined;
    return {
      now: this.clock.now(), cluster: 'shop-prod', templateHash: d.version, templateImages: `web=shop:${d.version}`, capacity, strategy: this.strategy,
      targetHealthyPercentage: 100, progressDeadlineMs: 60_000, rollout: r,
      ...(d.rollback ? { rollbackRequest: { id: d.rollback } } : {}), ...(d.retry ? { retryRequest: { id: d.retry } } : {}),
      validations: { ...validations },
      serverGroups: (await list('shop-prod')).map((g) => this.observed(g)),
      canaryGroups: pair.map((g) => ({ ...this.observed(g), role: g.cluster.endsWith('-baseline') ? 'baseline' as const : 'canary' as const })),
      canary: { revision: r?.revision, ...(d.configProblem ? { configProblem: d.configProblem } : {}), scores: [...judged.scores],
        ...(judged.scores.length ? { thresholds: { pass: 75, marginal: 50 } } : {}), ...(decision ? { decision } : {}), ...(judged.error ? { error: judged.error } : {}) },
    };
  }

  /** Carries an action out on the fake provider, as the Cluster controller would. */
  private async apply(a: RolloutAction, d: Deploy, validations: Validations, judged: Judged): Promise<void> {
    const sgs = this.fake.serverGroups;
    if ((a.kind === 'traffic' || a.kind === 'enable' || a.kind === 'disable' || a.kind === 'weight') && !this.changedThisPass.has(a.name)) {
      const g = (await sgs.list(account, location, 'shop-prod')).find((x) => x.name === a.name);
      if (g) this.changedThisPass.set(a.name, { enabled: g.enabled, share: this.shares.get(a.name) ?? 0 });
    }
    if (a.kind === 'create') {
      const from = a.templateFrom ? (await sgs.list(account, location, 'shop-prod')).find((g) => g.name === a.templateFrom)!.templateHash : d.version;
      await sgs.create(account, { name: a.name, cluster: a.role ? `shop-prod-${a.role}` : 'shop-prod', sequence: a.sequence, location,
        template: {}, templateHash: from, capacity: a.capacity, enabled: a.enabled, loadBalancers: [], securityGroups: [],
        owner: { apiVersion: 'v1', kind: 'Cluster', namespace: 'shop', name: 'shop-prod', uid: 'u' } });
      if (d.problem && !a.templateFrom) this.troubled.set(a.name, d.problem); // a baseline runs the old template
      if (a.trafficWeight !== undefined) this.weights.set(a.name, a.trafficWeight);
    } else if (a.kind === 'resize') await sgs.resize(account, location, a.name, a.capacity);
    else if (a.kind === 'validate') validations[a.percent] = 'Running';
    else if (a.kind === 'traffic') this.shares.set(a.name, a.disabledPercentage);
    else if (a.kind === 'weight') this.weights.set(a.name, a.trafficWeight);
    else if (a.kind === 'analyze') this.judge(a, d, judged);
    else if (a.kind !== 'supersede') await sgs[a.kind](account, location, a.name, []);
  }

  /** Judges an interval as the controller records it: a score, or why it could not be judged. */
  private judge(a: Extract<RolloutAction, { kind: 'analyze' }>, d: Deploy, judged: Judged): void {
    const window = `window ${(a.startMs - this.start) / 1000}s..${(a.endMs - this.start) / 1000}s`;
    if (d.refusedAt === a.interval) {
      judged.error = `interval ${a.interval} could not be judged: metric "errors" (sum(errors{sg="${a.canary}"})): Prometheus refused the query: bad_data; fix the query in CanaryConfig "web" (spec.metrics)`;
      this.log.push(`${this.at()}     ${window}: ${judged.error}`);
      return;
    }
    judged.scores.push(d.canaryScores![a.interval - 1]!);
    this.log.push(`${this.at()}     ${window} scored ${judged.scores.at(-1)}`);
  }

  /**
   * Healthy instances in traffic: those of enabled server groups, less the share (rounded down, as
   * providers take it) their spec takes out; one whose change its controller may not have acted on yet
   * counts the fewer of before and after.
   */
  private async serving(): Promise<number> {
    const count = (healthy: number, s: { enabled: boolean; share: number }) => (s.enabled ? healthy - Math.floor((healthy * s.share) / 100) : 0);
    return (await this.fake.serverGroups.list(account, location, 'shop-prod')).reduce((n, g) => {
      const before = [this.changedLastPass.get(g.name), this.changedThisPass.get(g.name)].filter((x) => x !== undefined);
      const states = [{ enabled: g.enabled, share: this.shares.get(g.name) ?? 0 }, ...before];
      return n + Math.min(...states.map((x) => count(g.instances.healthy, x)));
    }, 0);
  }

  /** Plans and applies until the rollout ends (or the deploy stops it midway), logging each step and action. */
  async deploy(d: Deploy): Promise<void> {
    if (d.unhealthy) this.fake.markUnhealthy(d.version);
    this.strategy = d.strategy ?? this.strategy;
    this.log.push(`-- deploy ${d.version}${[d.strategy && ` with strategy ${d.strategy.type}`, d.rollback && ` with rollback request ${d.rollback} in the spec`,
      d.retry && ` with retry request ${d.retry} in the spec`].filter(Boolean).join('')}`);
    const servingBefore = await this.serving();
    const validations: Validations = {};
    const judged: Judged = { scores: [] };
    for (let pass = 0; pass < 300; pass++) {
      const plan = planRollout(await this.inputFor(d, validations, judged));
      this.record(plan.rollout);
      finishValidations(validations, d.failValidationAt);
      for (const a of plan.actions) {
        this.log.push(`${this.at()}   ${describeAction(a)}`);
        await this.apply(a, d, validations, judged);
        // Traffic never drops to nothing once something served it, nor below the desired count once that many served.
        if (servingBefore > 0) assert.ok(await this.serving() > 0, `no healthy enabled instance after: ${describeAction(a)}`);
        if (servingBefore >= capacity.desired && !this.troubled.size) {
          assert.ok(await this.serving() >= capacity.desired, `fewer than ${capacity.desired} instances in traffic after: ${describeAction(a)}`);
        }
      }
      this.changedLastPass = this.changedThisPass;
      this.changedThisPass = new Map();
      if (this.stopsHere(d, judged.scores.length)) break;
      this.clock.advance(plan.actions.length ? 0 : plan.requeueAfterMs ?? 1000);
    }
    const groups = await this.fake.serverGroups.list(account, location, 'shop-prod');
    const share = (name: string) => (this.shares.get(name) ? ` (${this.shares.get(name)}% out)` : '') + (this.weights.has(name) ? ` w${this.weights.get(name)}` : '');
    this.log.push(`   = ${groups.map((g) => `${g.name}${g.enabled ? '*' : ''} ${this.troubled.has(g.name) ? 0 : g.instances.healthy}/${g.capacity.desired}${share(g.name)}`).join(', ')}`);
  }

  /** Keeps the rollout record, logging a change of phase or step. */
  private record(r: RolloutRecord): void {
    if (r.phase !== this.rollout?.phase || r.step !== this.rollout.step) this.log.push(`${this.at()} ${r.phase} step ${r.step ?? '-'}: ${r.message ?? ''}`);
    this.rollout = r;
  }

  private stopsHere(d: Deploy, judged: number): boolean {
    const r = this.rollout!;
    return ['Succeeded', 'Failed', 'RolledBack'].includes(r.phase) || (d.stopAfterIntervals !== undefined && judged >= d.stopAfterIntervals)
      || (d.stopAtStep !== undefined && r.step === d.stopAtStep);
  }
}

/** A validation run started in an earlier pass has finished by now. */
function finishValidations(validations: Validations, failAt: number | undefined): void {
  for (const [p, v] of Object.entries(validations)) {
    if (v === 'Running') validations[Number(p)] = Number(p) === failAt ? 'Failed' : 'Succeeded';
  }
}

/** Runs deploys one after another to the end; returns the step log. */
async function simulate(strategy: StrategySettings, deploys: Deploy[]): Promise<string[]> {
  const sim = new Simulation(strategy);
  for (const d of deploys) await sim.deploy(d);
  return sim.log;
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
      ['rollingredblack: a validation failing at 50% after 25% of v1 left traffic rolls back with all of v1 in traffic again',
        { type: 'rollingredblack', targetPercentages: [25, 50], validateSteps: true }, [{ version: 'v1' }, { version: 'v2', failValidationAt: 50 }]],
      ['rollingredblack: a rollback request after the rollout brings all of v1 back into traffic', { type: 'rollingredblack', targetPercentages: [50] },
        [{ version: 'v1' }, { version: 'v2' }, { version: 'v2', rollback: 'r1' }]],
      ['canary: a first deploy has no baseline and goes red/black; then a canary passes three intervals and is promoted',
        { type: 'canary', canary: canarySettings }, [{ version: 'v1' }, { version: 'v2', canaryScores: [80, 90, 100] }]],
      ['canary at weight 10: the pair weighs 10% each on weighted routes while judged; the promoted version 100%', { type: 'canary', canary: { ...canarySettings, weight: 10 } },
        [{ version: 'v1' }, { version: 'v2', canaryScores: [80, 90, 100] }]],
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
      ['canary: a query the metric source refuses fails the analysis at once, naming it, and rolls back', { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', canaryScores: [100], refusedAt: 2 }]],
      ['redblack: the template changes while v2 waits before cleanup: v3 is rolled out from the first step, v2 and v1 are disabled',
        { type: 'redblack', delayBeforeCleanupMs: 30_000 }, [{ version: 'v1' }, { version: 'v2', stopAtStep: 5 }, { version: 'v3' }]],
      ['redblack -> canary while v2 waits before cleanup: that rollout ends with traffic back on v1, and v2 is judged as a canary from the first step',
        { type: 'redblack', delayBeforeCleanupMs: 30_000 },
        [{ version: 'v1' }, { version: 'v2', stopAtStep: 5 }, { version: 'v2', strategy: { type: 'canary', canary: canarySettings }, canaryScores: [100, 100, 100] }]],
      ['canary -> redblack during the analysis: the pair is destroyed and v2 is rolled out by red/black from the first step', { type: 'canary', canary: canarySettings },
        [{ version: 'v1' }, { version: 'v2', canaryScores: [100], stopAfterIntervals: 1 }, { version: 'v2', strategy: { type: 'redblack' } }]],
      ['rollingredblack -> redblack while v2 grows to 50%: that rollout ends with traffic on v1 only, then red/black from the first step',
        { type: 'rollingredblack', targetPercentages: [25, 50] },
        [{ version: 'v1' }, { version: 'v2', stopAtStep: 9 }, { version: 'v2', strategy: { type: 'redblack', scaleDown: true } }]],
      ['redblack -> highlander once v1 is scaled down: v1 comes back and is healthy before v2 leaves traffic', { type: 'redblack', scaleDown: true },
        [{ version: 'v1' }, { version: 'v2', stopAtStep: 8 }, { version: 'v2', strategy: { type: 'highlander' } }]],
    ];
    const out: string[] = [];
    for (const [name, strategy, deploys] of scenarios) out.push(`## ${name}`, ...(await simulate(strategy, deploys)), '');
    const text = out.join('\n');
    const golden = new URL('../../test/golden/strategies.txt', import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'), 'run UPDATE_GOLDEN=1 npm run test:unit to accept a deliberate change');
  });

  it('ends a rollout planned with other steps than the spec\'s, and carries on one whose steps are the same', () => {
    const group = (name: string, enabled: boolean) => ({ name, sequence: Number(name.slice(-3)), createdAt: name, enabled, capacity, healthy: 4, templateHash: name });
    const redblack: StrategySettings = { type: 'redblack', delayBeforeCleanupMs: 30_000 };
    const rolling: StrategySettings = { type: 'rollingredblack', targetPercentages: [25, 50] };
    const planned = (strategy: StrategySettings, step: number, extra: Partial<RolloutRecord> = {}): RolloutRecord => ({ phase: 'Progressing', revision: 2,
      templateHash: 'v2', strategy: strategy.type, step, stepsHash: hashSteps(stepsFor(strategy)), stepStartTime: new Date(0).toISOString(),
      newServerGroup: 'shop-prod-v001', previousServerGroup: 'shop-prod-v000', ...extra });
    const plan = (strategy: StrategySettings, rollout: RolloutRecord) => planRollout({ now: 10_000, cluster: 'shop-prod', templateHash: 'v2', capacity, strategy,
      targetHealthyPercentage: 100, progressDeadlineMs: 60_000, serverGroups: [group('shop-prod-v001', true), group('shop-prod-v000', true)], rollout });
    const { strategy: _s, stepsHash: _h, ...legacy } = planned(redblack, 5);
    const cases: [string, StrategySettings, RolloutRecord, string, string[]][] = [
      ['the same strategy and steps', redblack, planned(redblack, 5), 'step 5: waiting 30s before cleanup', []],
      ['a record kept before the strategy and steps were', redblack, legacy, 'step 5: waiting 30s before cleanup', []],
      ['other settings of the same steps', { ...redblack, delayBeforeCleanupMs: 5000 }, planned(redblack, 5), 'step 6: disable shop-prod-v000', ['disable shop-prod-v000']],
      ['another strategy', { type: 'canary', canary: canarySettings }, planned(redblack, 5),
        'step 3003: ending rollout 2 (spec.strategy changed from redblack to canary): traffic goes back to shop-prod-v000, then the template is rolled out again by canary, from its first step',
        ['end rollout 2: spec.strategy changed from redblack to canary', 'disable shop-prod-v001']],
      ['other steps of the same strategy', { ...rolling, targetPercentages: [50] }, planned(rolling, 8),
        'step 3003: ending rollout 2 (the steps of rollingredblack changed): traffic goes back to shop-prod-v000, then the template is rolled out again by rollingredblack, from its first step',
        ['end rollout 2: the steps of rollingredblack changed', 'disable shop-prod-v001']],
      ['a rollback whose steps changed starts again from its first', redblack, planned(redblack, 1002, { stepsHash: 'another', message: 'rolling back: it broke' }),
        'step 1002: rolling back: it broke', ['disable shop-prod-v001']],
      ['a finished rollout: a change of strategy alone starts none', { type: 'highlander' }, planned(redblack, 9, { phase: 'Succeeded', message: 'shop-prod-v001 is live' }),
        'step 9: shop-prod-v001 is live', []],
    ];
    for (const [name, strategy, rollout, says, actions] of cases) {
      const p = plan(strategy, structuredClone(rollout));
      assert.equal(`step ${p.rollout.step}: ${p.rollout.message}`, says, name);
      assert.deepEqual(p.actions.map(describeAction), actions, name);
      if (p.rollout.phase === 'Progressing') {
        const list = p.rollout.step! >= 3000 ? undefined : p.rollout.step! >= 1000 ? rollbackSteps : stepsFor(strategy);
        if (list) assert.equal(p.rollout.stepsHash, hashSteps(list), `${name}: the hash of the list the step counts in`);
        assert.equal(p.rollout.strategy, rollout.strategy ?? strategy.type, `${name}: the strategy it was planned with`);
      }
    }
  });

  it('takes a rolling step\'s share of the old server group out of traffic, and waits for its controller to act on it', () => {
    const rolling: StrategySettings = { type: 'rollingredblack', targetPercentages: [25, 50] };
    const one = { min: 1, max: 1, desired: 1 };
    const old = (extra: Partial<Observed>): Observed => ({ name: 'shop-prod-v000', sequence: 0, createdAt: 'a', enabled: true, capacity, healthy: 4, templateHash: 'v1', ...extra });
    const plan = (v000: Observed, newWeight: number | undefined = 25, newActedOn = true) => planRollout({ now: 10_000, cluster: 'shop-prod', templateHash: 'v2', capacity, strategy: rolling, targetHealthyPercentage: 100,
      progressDeadlineMs: 60_000, rollout: { phase: 'Progressing', revision: 2, templateHash: 'v2', strategy: 'rollingredblack', stepsHash: hashSteps(stepsFor(rolling)),
        step: 7, stepStartTime: new Date(0).toISOString(), newServerGroup: 'shop-prod-v001', previousServerGroup: 'shop-prod-v000' },
      serverGroups: [{ name: 'shop-prod-v001', sequence: 1, createdAt: 'b', enabled: true, capacity: one, healthy: 1, templateHash: 'v2',
        ...(newWeight !== undefined ? { trafficWeight: newWeight } : {}), ...(newActedOn ? {} : { current: false }) }, v000] });
    const cases: [string, Observed, string, string[], number?, boolean?][] = [
      ['the new one\'s enable or weight not yet acted on: the old one keeps all of its traffic', old({}),
        'step 7: waiting for shop-prod-v001 to take traffic as its spec says', [], 25, false],
      ['the new one not yet weighed at 25% on weighted routes: weighed first', old({}), 'step 7: weigh shop-prod-v001 at 25% on weighted routes',
        ['weigh shop-prod-v001 at 25% on weighted routes'], 0],
      ['all of it in traffic', old({}), 'step 7: take 25% of shop-prod-v000 out of traffic', ['take 25% of shop-prod-v000 out of traffic']],
      ['asked, not yet acted on', old({ disabledPercentage: 25, current: false }), 'step 7: waiting for shop-prod-v000 to take 25% out of traffic', []],
      ['acted on: the next step grows the new one', old({ disabledPercentage: 25, current: true }), 'step 8: resize shop-prod-v001 to 2', ['resize shop-prod-v001 to 2']],
      ['another share (a step before): set again', old({ disabledPercentage: 50 }), 'step 7: take 25% of shop-prod-v000 out of traffic', ['take 25% of shop-prod-v000 out of traffic']],
      ['disabled already: nothing to take out, and the new one, alone in traffic, weighs 100', old({ enabled: false }),
        'step 7: weigh shop-prod-v001 at 100% on weighted routes', ['weigh shop-prod-v001 at 100% on weighted routes']],
      ['disabled already and the new one at 100: the next step grows it', old({ enabled: false }), 'step 8: resize shop-prod-v001 to 2', ['resize shop-prod-v001 to 2'], 100],
    ];
    for (const [name, v000, says, actions, newWeight, newActedOn] of cases) {
      const p = plan(v000, newWeight ?? 25, newActedOn ?? true);
      assert.equal(`step ${p.rollout.step}: ${p.rollout.message}`, says, name);
      assert.deepEqual(p.actions.map(describeAction), actions, name);
    }
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
      [rolling, at(7), 0, 'step 1/3 (25%)'],
      [rolling, at(8), 0, 'step 2/3 (50%)'],
      [rolling, at(13), 0, 'step 3/3 (100%)'],
      [rolling, at(20, 'Succeeded'), 0, 'step 3/3 (100%)'],
      [canary, at(3, 'Analyzing'), 0, 'interval 1 of 6'],
      [canary, at(3, 'Analyzing'), 1, 'interval 2 of 6'],
      [canary, at(3, 'Analyzing'), 6, 'interval 6 of 6'],
      [canary, at(6), 6, 'step 6/12 (enable)'],
      [{ type: 'redblack' }, at(1001), 0, 'rollback step 2/5 (wait for the previous)'],
      [{ type: 'redblack' }, at(1002), 0, 'rollback step 3/5 (disable the new)'],
      [{ type: 'redblack' }, at(1005, 'RolledBack'), 0, 'rollback step 5/5'],
      [{ type: 'redblack' }, at(2002), 0, 'rollback step 3/4 (wait for health)'],
      [{ type: 'canary', canary: canarySettings }, at(3002), 0, 'ending step 3/4 (wait for the previous)'],
    ];
    for (const [strategy, rollout, judged, want] of cases) {
      assert.equal(describeProgress(strategy, rollout, judged), want, `${strategy.type} at step ${rollout?.step}`);
    }
  });

  it('needs targetHealthyPercentage of desired, rounded up, never 0 unless 0 is wanted', () => {
    assert.deepEqual([[4, 100], [4, 50], [3, 50], [1, 10], [0, 100], [5, 0]].map(([d, p]) => healthyNeeded(d!, p!)), [4, 2, 2, 1, 0, 0]);
  });
});
