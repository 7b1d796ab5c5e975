// The request planner, case by case: which server group a target names, what each action does, what
// is refused and why, and that requests wait for a rollout and are handled once.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClusterRequest } from '../api/v1alpha1/cluster.ts';
import { describeAction, type ObservedServerGroup, type RolloutRecord } from './types.ts';
import { keepRecords, liveServerGroup, planRequests, resizedCapacity, resolveTarget, type RequestInput } from './requests.ts';

const now = Date.parse('2026-12-02T10:00:00Z');
const group = (sequence: number, enabled: boolean, desired = 2): ObservedServerGroup => ({
  name: `shop-v00${sequence}`, sequence, createdAt: `2026-12-0${1 + sequence}T00:00:00Z`, enabled,
  capacity: { min: Math.min(1, desired), max: 6, desired }, healthy: desired, templateHash: `h${sequence}`,
});
const live: RolloutRecord = { phase: 'Succeeded', revision: 3, templateHash: 'h2', newServerGroup: 'shop-v002' };

/** v002 (newest, enabled, 2), v001 (disabled, 4), v000 (disabled, 1): newest first, as observed. */
const three = [group(2, true), group(1, false, 4), group(0, false, 1)];

const plan = (requests: Partial<ClusterRequest>[], over: Partial<RequestInput> = {}) => planRequests({
  now, serverGroups: three, rollout: live, live: 'shop-v002', handled: new Set(),
  requests: requests.map((r, i) => ({ id: `r${i}`, action: 'enable', ...r }) as ClusterRequest), ...over,
});
const said = (p: ReturnType<typeof plan>) => ({ actions: p.actions.map(describeAction), results: p.results.map((r) => `${r.result}: ${r.message}`) });

describe('resolveTarget', () => {
  const names = ['shop-v002', 'shop-v001', 'shop-v000'];
  const cases: [Parameters<typeof resolveTarget>[1], string | undefined][] = [
    [{ target: 'newest' }, 'shop-v002'], [{ target: 'previous' }, 'shop-v001'], [{ target: 'oldest' }, 'shop-v000'],
    [{ serverGroup: 'shop-v001' }, 'shop-v001'], [{ serverGroup: 'shop-v009' }, undefined],
  ];
  for (const [t, want] of cases) it(`${JSON.stringify(t)} -> ${want}`, () => assert.equal(resolveTarget(names, t), want));
  it('a cluster of one has no previous, and its newest is its oldest', () => {
    assert.equal(resolveTarget(['shop-v000'], { target: 'previous' }), undefined);
    assert.equal(resolveTarget(['shop-v000'], { target: 'oldest' }), 'shop-v000');
    assert.equal(resolveTarget([], { target: 'newest' }), undefined);
  });
});

describe('resizedCapacity', () => {
  const current = { min: 2, max: 6, desired: 4 };
  const cases: [Parameters<typeof resizedCapacity>[1], { min: number; max: number; desired: number }][] = [
    [{ capacity: { min: 1, max: 3, desired: 3 } }, { min: 1, max: 3, desired: 3 }],
    [{ scale: { direction: 'up', count: 2 } }, { min: 2, max: 6, desired: 6 }],
    [{ scale: { direction: 'up', count: 5 } }, { min: 2, max: 9, desired: 9 }],
    [{ scale: { direction: 'down', count: 3 } }, { min: 1, max: 6, desired: 1 }],
    [{ scale: { direction: 'down', count: 9 } }, { min: 0, max: 6, desired: 0 }],
    [{ scale: { direction: 'up', percentage: 50 } }, { min: 2, max: 6, desired: 6 }],
    [{ scale: { direction: 'down', percentage: 10 } }, { min: 2, max: 6, desired: 3 }],
  ];
  for (const [r, want] of cases) it(`${JSON.stringify(r)} -> ${JSON.stringify(want)}`, () => assert.deepEqual(resizedCapacity(current, r), want));
  it('always gives min <= desired <= max', () => fc.assert(fc.property(
    fc.nat(50), fc.nat(50), fc.nat(50), fc.constantFrom('up' as const, 'down' as const), fc.integer({ min: 1, max: 300 }), fc.boolean(),
    (a, b, c, direction, n, byCount) => {
      const [min, desired, max] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
      const out = resizedCapacity({ min, max, desired }, { scale: { direction, ...(byCount ? { count: n } : { percentage: n }) } });
      return out.min <= out.desired && out.desired <= out.max && out.desired >= 0;
    })));
});

describe('liveServerGroup', () => {
  it('is the rollout\'s new server group once live, or a requested rollback\'s target; none while rolling out or after an automatic rollback', () => {
    assert.equal(liveServerGroup(live), 'shop-v002');
    assert.equal(liveServerGroup({ ...live, phase: 'RolledBack', rollbackId: 'back-1', newServerGroup: 'shop-v001' }), 'shop-v001');
    assert.equal(liveServerGroup({ ...live, phase: 'RolledBack' }), undefined);
    assert.equal(liveServerGroup({ ...live, phase: 'Progressing' }), undefined);
    assert.equal(liveServerGroup(undefined), undefined);
  });
});

describe('planRequests', () => {
  const cases: { name: string; requests: Partial<ClusterRequest>[]; over?: Partial<RequestInput>; actions: string[]; results: string[] }[] = [
    { name: 'enable the previous', requests: [{ action: 'enable', target: 'previous' }],
      actions: ['enable shop-v001'], results: ['Done: enabled shop-v001'] },
    { name: 'enable one enabled already does nothing and is done', requests: [{ action: 'enable', target: 'newest' }],
      actions: [], results: ['Done: shop-v002 is enabled already'] },
    { name: 'a partial disable takes a share of the only enabled one out of traffic, which is not refused', requests: [{ action: 'disable', target: 'newest', desiredPercentage: 30 }],
      actions: ['take 30% of shop-v002 out of traffic'], results: ['Done: took 30% of shop-v002\'s instances out of traffic'] },
    { name: 'a partial disable of 100 disables it whole', requests: [{ action: 'enable', target: 'previous' }, { action: 'disable', target: 'previous', desiredPercentage: 100 }],
      actions: ['enable shop-v001', 'disable shop-v001'], results: ['Done: enabled shop-v001', 'Done: disabled shop-v001'] },
    { name: 'enable puts a share taken out back in traffic', requests: [{ action: 'enable', target: 'newest' }], over: { serverGroups: [{ ...group(2, true), disabledPercentage: 30 }] },
      actions: ['put all of shop-v002 back in traffic'], results: ['Done: enabled shop-v002'] },
    { name: 'disable the only enabled one is refused', requests: [{ action: 'disable', target: 'newest' }],
      actions: [], results: ['Refused: disabling shop-v002 would leave the cluster with no enabled server group; enable another one first'] },
    { name: 'enable, then disable the newest: the second request sees the first\'s change', requests: [{ action: 'enable', target: 'oldest' }, { action: 'disable', target: 'newest' }],
      actions: ['enable shop-v000', 'disable shop-v002'], results: ['Done: enabled shop-v000', 'Done: disabled shop-v002'] },
    { name: 'a server group by name that does not exist', requests: [{ action: 'enable', serverGroup: 'shop-v007' }],
      actions: [], results: ['Refused: no server group named shop-v007; the cluster has shop-v002, shop-v001, shop-v000'] },
    { name: 'a previous in a cluster of one', requests: [{ action: 'destroy', target: 'previous' }], over: { serverGroups: [group(2, true)] },
      actions: [], results: ['Refused: no previous server group; the cluster has shop-v002'] },
    { name: 'resize a non-live server group by percentage', requests: [{ action: 'resize', target: 'previous', scale: { direction: 'down', percentage: 50 } }],
      actions: ['resize shop-v001 to 2'], results: ['Done: resized shop-v001 to 2'] },
    { name: 'resize of the live one is spec.capacity\'s, refused as a request', requests: [{ action: 'resize', target: 'newest', capacity: { min: 1, max: 6, desired: 5 } }],
      actions: [], results: ['Refused: shop-v002 is the live server group: it is resized by changing the Cluster\'s spec.capacity (resizeServerGroup does so), not by a request'] },
    { name: 'destroy the oldest', requests: [{ action: 'destroy', target: 'oldest' }],
      actions: ['destroy shop-v000'], results: ['Done: destroyed shop-v000'] },
    { name: 'destroy the live one is refused, allowActive or not: the Cluster would have nothing running its template', requests: [{ action: 'destroy', target: 'newest', allowActive: true }],
      actions: [], results: ['Refused: shop-v002 is the live server group, running the Cluster\'s template: roll back first (rollbackCluster), or deploy a new template, then destroy it'] },
    { name: 'destroy the only enabled one, not live, is refused without allowActive', requests: [{ action: 'destroy', target: 'newest' }], over: { live: undefined },
      actions: [], results: ['Refused: destroying shop-v002 would leave the cluster with no enabled server group; enable another one first, or allow deleting the active one'] },
    { name: 'destroy the only enabled one, not live, with allowActive', requests: [{ action: 'destroy', target: 'newest', allowActive: true }], over: { live: undefined },
      actions: ['destroy shop-v002'], results: ['Done: destroyed shop-v002'] },
    { name: 'a destroy by name planned again once its server group is gone is done, not refused', requests: [{ action: 'destroy', serverGroup: 'shop-v001' }],
      over: { serverGroups: [group(2, true), group(0, false, 1)] }, actions: [], results: ['Done: shop-v001 is gone already'] },
    { name: 'an enabled server group scaled to 0 does not count as serving', requests: [{ action: 'disable', target: 'newest' }],
      over: { serverGroups: [group(2, true), group(1, true, 0)] }, actions: [], results: ['Refused: disabling shop-v002 would leave the cluster with no enabled server group; enable another one first'] },
    { name: 'scaleDown keeps the newest, the enabled one counting among them', requests: [{ action: 'scaleDown', remaining: 1 }],
      actions: ['resize shop-v001 to 0', 'resize shop-v000 to 0'], results: ['Done: scaled shop-v001, shop-v000 to 0, keeping 1 newest (enabled ones among them)'] },
    { name: 'scaleDown of 2 keeps the enabled one and the newest disabled one', requests: [{ action: 'scaleDown', remaining: 2 }],
      actions: ['resize shop-v000 to 0'], results: ['Done: scaled shop-v000 to 0, keeping 2 newest (enabled ones among them)'] },
    { name: 'scaleDown preferring larger, 2 kept: the enabled one and the largest disabled (v001, 4)', requests: [{ action: 'scaleDown', remaining: 2, preferLarger: true }],
      over: { serverGroups: [group(2, true), group(1, false, 1), group(0, false, 4)] },
      actions: ['resize shop-v001 to 0'], results: ['Done: scaled shop-v001 to 0, keeping 2 largest (enabled ones among them)'] },
    { name: 'scaleDown with allowActive never scales the live one', requests: [{ action: 'scaleDown', remaining: 0, allowActive: true }],
      actions: ['resize shop-v001 to 0', 'resize shop-v000 to 0'], results: ['Done: scaled shop-v001, shop-v000 to 0, keeping 0 newest; left shop-v002, the live server group'] },
    { name: 'after a rollback (v002 bad, disabled; v001 live): scaleDown with allowActive keeps v001 and scales the bad v002',
      requests: [{ action: 'scaleDown', remaining: 1, allowActive: true }], over: { serverGroups: [group(2, false), group(1, true, 4), group(0, false, 1)], live: 'shop-v001' },
      actions: ['resize shop-v002 to 0', 'resize shop-v000 to 0'], results: ['Done: scaled shop-v002, shop-v000 to 0, keeping 1 newest'] },
    { name: 'after a rollback: shrink to 1 destroys the bad v002 and v000, the enabled v001 kept', requests: [{ action: 'shrink', remaining: 1 }],
      over: { serverGroups: [group(2, false), group(1, true, 4), group(0, false, 1)], live: 'shop-v001' },
      actions: ['destroy shop-v002', 'destroy shop-v000'], results: ['Done: destroyed shop-v002, shop-v000, keeping 1 newest (enabled ones among them)'] },
    { name: 'after a rollback: disableCluster keeping 1 has nothing to disable', requests: [{ action: 'disableCluster', remaining: 1 }],
      over: { serverGroups: [group(2, false), group(1, true, 4), group(0, false, 1)], live: 'shop-v001' },
      actions: [], results: ['Done: nothing to disable, keeping 1 newest enabled'] },
    { name: 'shrink to 2', requests: [{ action: 'shrink', remaining: 2 }],
      actions: ['destroy shop-v000'], results: ['Done: destroyed shop-v000, keeping 2 newest (enabled ones among them)'] },
    { name: 'shrink to 1, retaining larger, keeps the enabled one without allowActive', requests: [{ action: 'shrink', remaining: 1, preferLarger: true }],
      actions: ['destroy shop-v001', 'destroy shop-v000'], results: ['Done: destroyed shop-v001, shop-v000, keeping 1 largest (enabled ones among them)'] },
    { name: 'disableCluster keeps the newest enabled', requests: [{ action: 'disableCluster', remaining: 1 }], over: { serverGroups: [group(2, true), group(1, true), group(0, true)] },
      actions: ['disable shop-v001', 'disable shop-v000'], results: ['Done: disabled shop-v001, shop-v000, keeping 1 newest enabled'] },
    { name: 'disableCluster keeping 2 of [on, off, on] keeps both enabled ones', requests: [{ action: 'disableCluster', remaining: 2 }], over: { serverGroups: [group(2, true), group(1, false), group(0, true)] },
      actions: [], results: ['Done: nothing to disable, keeping 2 newest enabled'] },
    { name: 'disableCluster keeping 0 is refused: nothing would serve', requests: [{ action: 'disableCluster', remaining: 0 }],
      actions: [], results: ['Refused: disabling shop-v002 would leave the cluster with no enabled server group with instances; keep more, or enable one first'] },
    { name: 'nothing while a rollout is in progress', requests: [{ action: 'enable', target: 'previous' }], over: { rollout: { ...live, phase: 'Progressing' } },
      actions: [], results: [] },
    { name: 'nothing while a canary is analysed', requests: [{ action: 'enable', target: 'previous' }], over: { rollout: { ...live, phase: 'Analyzing' } },
      actions: [], results: [] },
    { name: 'a handled request is not handled again', requests: [{ action: 'enable', target: 'previous' }, { action: 'enable', target: 'oldest' }], over: { handled: new Set(['r0']) },
      actions: ['enable shop-v000'], results: ['Done: enabled shop-v000'] },
    { name: 'after a failed rollout requests go on', requests: [{ action: 'enable', target: 'previous' }], over: { rollout: { ...live, phase: 'Failed' } },
      actions: ['enable shop-v001'], results: ['Done: enabled shop-v001'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(said(plan(c.requests, c.over)), { actions: c.actions, results: c.results }));
  }

  it('scaleDown sizes each server group it chose to min 0, max 0, desired 0, as Orca does', () => {
    assert.deepEqual(plan([{ action: 'scaleDown', remaining: 1 }]).actions, [
      { kind: 'resize', name: 'shop-v001', capacity: { min: 0, max: 0, desired: 0 } }, { kind: 'resize', name: 'shop-v000', capacity: { min: 0, max: 0, desired: 0 } }]);
  });

  it('records what it acted on, the capacity a resize gave, and when', () => {
    const [r] = plan([{ action: 'resize', serverGroup: 'shop-v000', capacity: { min: 0, max: 4, desired: 3 } }]).results;
    assert.deepEqual(r, { id: 'r0', action: 'resize', result: 'Done', message: 'resized shop-v000 to 3', serverGroups: ['shop-v000'],
      capacity: { min: 0, max: 4, desired: 3 }, time: '2026-12-02T10:00:00.000Z' });
  });

  it('never leaves a cluster that had a serving server group without one (enabled, with instances), allowActive or not', () => fc.assert(fc.property(
    fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
    fc.array(fc.record({
      action: fc.constantFrom('enable' as const, 'disable' as const, 'destroy' as const, 'scaleDown' as const, 'shrink' as const, 'disableCluster' as const),
      target: fc.constantFrom('newest' as const, 'previous' as const, 'oldest' as const), remaining: fc.nat(3), preferLarger: fc.boolean(), allowActive: fc.boolean(),
    }), { maxLength: 6 }),
    (enabled, reqs) => {
      if (!enabled.some(Boolean)) return true;
      const groups = enabled.map((e, i) => group(enabled.length - 1 - i, e, i + 1));
      // allowActive only where it does not mean "destroy what serves, I know" (a single destroy).
      const requests = reqs.map((r, i) => (['enable', 'disable', 'destroy'].includes(r.action) ? { id: `q${i}`, action: r.action, target: r.target }
        : { id: `q${i}`, action: r.action, remaining: r.remaining, preferLarger: r.preferLarger, allowActive: r.allowActive }) as ClusterRequest);
      const p = planRequests({ now, serverGroups: groups, rollout: live, requests, handled: new Set() });
      let left = groups;
      for (const a of p.actions) {
        if (a.kind === 'destroy') left = left.filter((g) => g.name !== a.name);
        if (a.kind === 'disable' || a.kind === 'enable') left = left.map((g) => (g.name === a.name ? { ...g, enabled: a.kind === 'enable' } : g));
        if (a.kind === 'resize') left = left.map((g) => (g.name === a.name ? { ...g, capacity: a.capacity } : g));
      }
      return left.some((g) => g.enabled && g.capacity.desired > 0) && p.results.length === requests.length;
    })));
});

describe('keepRecords', () => {
  const rec = (id: string, t = 0) => ({ id, time: new Date(now + t).toISOString() });
  it('replaces a record of the same id and keeps the order handled', () => {
    assert.deepEqual(keepRecords([rec('a'), rec('b')], [rec('a', 5)], new Set(), 10).map((x) => x.id), ['b', 'a']);
  });
  it('keeps every standing request\'s record, then the newest others, up to max', () => {
    const old = Array.from({ length: 6 }, (_, i) => rec(`o${i}`, i));
    assert.deepEqual(keepRecords(old, [rec('n', 9)], new Set(['o0']), 4).map((x) => x.id), ['o0', 'o4', 'o5', 'n']);
  });
});
