import assert from 'node:assert/strict';
import { clusterChanges, clusterProgress, clusterView, finalLine, isRolloutFinished, type ClusterView } from './cluster-view.ts';

const podTemplate = (image: string) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image }] } } } });
type Status = NonNullable<ClusterView['status']>;
type Rollout = NonNullable<Status['rollout']>;
type Group = NonNullable<Status['serverGroups']>[number];

const group = (name: string, image: string, enabled: boolean, ready: number, desired = 2, extra: Partial<Group> = {}): Group =>
  ({ name, images: `web=${image}`, enabled, readyReplicas: ready, desiredReplicas: desired, ...extra });

function cluster(rollout: Partial<Rollout>, groups: Group[], extra: { strategy?: object; status?: Partial<Status>; generation?: number } = {}): ClusterView {
  const active = groups.find((g) => g.enabled && !g.role);
  return {
    metadata: { name: 'shop-prod', namespace: 'shop', generation: extra.generation ?? 3 },
    spec: { template: podTemplate('shop:2'), ...(extra.strategy ? { strategy: extra.strategy as never } : {}) },
    status: {
      observedGeneration: 3, serverGroups: groups, ...(active ? { activeServerGroup: active.name, ready: `${active.readyReplicas}/${active.desiredReplicas}`, images: active.images } : {}),
      rollout: { phase: 'Progressing', revision: 2, templateHash: 'h', newServerGroup: 'shop-prod-v001', previousServerGroup: 'shop-prod-v000', ...rollout },
      ...extra.status,
    },
  };
}

describe('the cluster view', () => {
  it('draws the header, every server group newest first, and the rollout message', () => {
    const c = cluster({ step: 3, message: 'enable shop-prod-v001' }, [group('shop-prod-v001', 'shop:2', false, 2), group('shop-prod-v000', 'shop:1', true, 2)]);
    assert.deepEqual(clusterView(c, { colour: false }), [
      'Cluster shop-prod  (redblack)  ● Progressing  step 3/8 (enable)  rollout 2',
      'Active:     shop-prod-v000  2/2 ready  web=shop:1',
      '',
      '    SERVER GROUP    IMAGES      TRAFFIC   READY  ROLE',
      '  ○ shop-prod-v001  web=shop:2  disabled  2/2    new',
      '  ✔ shop-prod-v000  web=shop:1  enabled   2/2    active, previous',
      '',
      'Message:    enable shop-prod-v001',
    ]);
  });

  it('says where each strategy is: rolling red/black by percentage, canary by interval with its scores', () => {
    const rolling = cluster({ step: 8 }, [], { strategy: { type: 'rollingredblack', rollingRedBlack: { targetPercentages: [25, 50] } } });
    assert.equal(clusterProgress(rolling), 'step 2/3 (50%)');
    const canary = cluster({ phase: 'Analyzing', step: 3, message: 'interval 2 scored 90; judging interval 3 of 6 at 2026-01-01T00:30:00.000Z' }, [
      group('shop-prod-canary-v001', 'shop:2', true, 1, 1, { role: 'canary' }), group('shop-prod-baseline-v001', 'shop:1', true, 1, 1, { role: 'baseline' }),
      group('shop-prod-v000', 'shop:1', true, 4, 4)], {
      strategy: { type: 'canary', canary: { canaryConfigRef: { name: 'web' }, replicas: 1, interval: '10m', lifetime: '1h' } },
      status: { canary: { revision: 2, baseline: 'shop-prod-baseline-v001', canary: 'shop-prod-canary-v001', thresholds: { pass: 75, marginal: 50 },
        intervals: [1, 2].map((i) => ({ interval: i, start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:10:00Z', score: 70 + 10 * i,
          classification: 'Pass' as const, reason: 'ok' })) } },
    });
    const lines = clusterView(canary, { colour: false });
    assert.match(lines[0]!, /◌ Analyzing {2}interval 3 of 6 {2}rollout 2$/);
    assert.ok(lines.includes('  ✔ shop-prod-canary-v001    web=shop:2  enabled  1/1    canary'), lines.join('\n'));
    assert.ok(lines.includes('  ✔ shop-prod-baseline-v001  web=shop:1  enabled  1/1    baseline'), lines.join('\n'));
    assert.ok(lines.includes('Intervals:  1: 80 Pass, 2: 90 Pass  (pass 75, marginal 50)'), lines.join('\n'));
    // Scores of an earlier rollout are not this one's.
    const later = { ...canary, status: { ...canary.status!, rollout: { ...canary.status!.rollout!, revision: 3 } } };
    assert.ok(!clusterView(later, { colour: false }).some((l) => l.startsWith('Intervals')));
    assert.equal(clusterProgress(later), 'interval 1 of 6');
  });

  it('marks an unready enabled server group, a rollback target, and shows the template when nothing serves', () => {
    const manual = cluster({ phase: 'RolledBack', step: 2004, newServerGroup: 'shop-prod-v000', previousServerGroup: 'shop-prod-v001', message: 'rolled back' },
      [group('shop-prod-v001', 'shop:2', false, 0, 0), group('shop-prod-v000', 'shop:1', true, 1)]);
    const lines = clusterView(manual, { colour: false });
    assert.ok(lines.includes('  ● shop-prod-v000  web=shop:1  enabled   1/2    active, rollback target'), lines.join('\n'));
    assert.ok(lines.includes('  ○ shop-prod-v001  web=shop:2  disabled  0/0    previous'), lines.join('\n'));
    const first = cluster({ step: 2, newServerGroup: 'shop-prod-v000', previousServerGroup: undefined }, []);
    assert.equal(clusterView(first, { colour: false })[1], 'Active:     none  web=shop:2');
    const fresh: ClusterView = { metadata: { name: 'shop-new', generation: 1 }, spec: { template: podTemplate('shop:1') } };
    assert.deepEqual(clusterView(fresh, { colour: false }), ['Cluster shop-new  (redblack)  ○ Pending', 'Active:     none  web=shop:1', '', '  (no server groups yet)']);
  });

  it('colours only when asked, and cuts the message to the width', () => {
    const c = cluster({ phase: 'Failed', step: 2, message: 'x'.repeat(200) }, [group('shop-prod-v000', 'shop:1', true, 2)]);
    assert.ok(clusterView(c, { colour: true }).join('\n').includes('\x1b[31m✘ Failed\x1b[0m'));
    assert.ok(!clusterView(c, { colour: false }).join('\n').includes('\x1b['));
    assert.equal(clusterView(c, { colour: false }, 80).at(-1)!.length, 80);
  });

  it('is finished only once the controller has seen the latest spec', () => {
    const done = cluster({ phase: 'Succeeded', step: 9 }, []);
    assert.equal(isRolloutFinished(done), true);
    assert.equal(isRolloutFinished({ ...done, metadata: { ...done.metadata, generation: 4 } }), false, 'a template just changed');
    assert.equal(isRolloutFinished(cluster({ phase: 'Analyzing' }, [])), false);
    assert.equal(isRolloutFinished(cluster({ phase: 'RolledBack' }, [])), true);
  });

  it('says what changed, one line each, the rollout with its reason', () => {
    const v0 = group('shop-prod-v000', 'shop:1', true, 2);
    const steps: ClusterView[] = [
      cluster({ step: 1, message: 'create shop-prod-v001 (disabled, 2 instances)' }, [v0]),
      cluster({ step: 2, message: 'waiting for shop-prod-v001: 0 of 2 healthy instances' }, [group('shop-prod-v001', 'shop:2', false, 0), v0]),
      cluster({ step: 2, message: 'waiting for shop-prod-v001: 0 of 2 healthy instances' }, [group('shop-prod-v001', 'shop:2', false, 2), v0]),
      cluster({ step: 3, message: 'enable shop-prod-v001' }, [group('shop-prod-v001', 'shop:2', true, 2), v0]),
      cluster({ step: 6, message: 'disable shop-prod-v000' }, [group('shop-prod-v001', 'shop:2', true, 2), group('shop-prod-v000', 'shop:1', false, 2)]),
      cluster({ phase: 'Succeeded', step: 9, message: 'shop-prod-v001 is live' }, [group('shop-prod-v001', 'shop:2', true, 2)]),
      cluster({ phase: 'Succeeded', step: 9, message: 'shop-prod-v001 is live' }, [group('shop-prod-v001', 'shop:2', false, 0, 0)]),
    ];
    const lines = steps.flatMap((c, i) => clusterChanges(steps[i - 1], c));
    assert.deepEqual(lines, [
      'Cluster shop-prod (redblack) rollout 2 Progressing step 1/8 (create): create shop-prod-v001 (disabled, 2 instances)',
      'shop-prod-v000 (web=shop:1): enabled, 2/2 ready',
      'rollout 2 Progressing step 2/8 (wait for health): waiting for shop-prod-v001: 0 of 2 healthy instances',
      'shop-prod-v001 (web=shop:2) created: disabled, 0/2 ready',
      'shop-prod-v001 2/2 ready',
      'rollout 2 Progressing step 3/8 (enable): enable shop-prod-v001',
      'shop-prod-v001 enabled',
      'rollout 2 Progressing step 6/8 (disable the others): disable shop-prod-v000',
      'shop-prod-v000 disabled',
      'rollout 2 Succeeded step 8/8: shop-prod-v001 is live',
      'shop-prod-v000 destroyed',
      'shop-prod-v001 disabled, 0/0 ready',
    ]);
    assert.equal(finalLine(steps.at(-1)!), 'Cluster shop-prod Succeeded: shop-prod-v001 is live');
  });
});
