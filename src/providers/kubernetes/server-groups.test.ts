// Which pods a share out of traffic takes: those already out stay out, unready ones go before ready
// ones, and only then the first by name, so a replaced pod never moves the share onto pods that serve.
import assert from 'node:assert/strict';
import { podTrafficChanges } from './server-groups.ts';

const label = 'lb.staysail.dev/shop-web';
const pod = (name: string, inTraffic: boolean, ready = true, deleting = false) => ({
  metadata: { name, labels: { 'staysail.dev/server-group': 'shop-prod-v000', ...(inTraffic ? { [label]: 'enabled' } : {}) },
    ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

/** The pods left out of traffic once the changes are made, and the pods whose labels change. */
function outcome(pods: ReturnType<typeof pod>[], percent: number, serving = ['shop-web']) {
  const changes = podTrafficChanges(pods, serving, percent);
  const labelled = new Map(pods.map((p) => [p.metadata.name, p.metadata.labels[label as keyof typeof p.metadata.labels] === 'enabled']));
  const after = changes.map(([name, c]) => [name, label in c ? c[label] === 'enabled' : labelled.get(name)!] as const);
  return { out: after.filter(([, on]) => !on).map(([n]) => n), changed: changes.filter(([, c]) => Object.keys(c).length).map(([n]) => n) };
}

describe('podTrafficChanges', () => {
  it('takes the first pods by name out when all serve and all are ready', () => {
    assert.deepEqual(outcome([pod('d', true), pod('a', true), pod('c', true), pod('b', true)], 50), { out: ['a', 'b'], changed: ['a', 'b'] });
  });

  it('keeps the pods already out, out, when one of them is replaced by a pod from the template', () => {
    // a and b were out; a was deleted and "e" (last by name) came from the template, in traffic and not ready yet.
    const pods = [pod('a', false, true, true), pod('b', false), pod('c', true), pod('d', true), pod('e', true, false)];
    assert.deepEqual(outcome(pods, 50), { out: ['b', 'e'], changed: ['e'] });
  });

  it('takes an unready pod out before a ready one that serves', () => {
    assert.deepEqual(outcome([pod('a', true), pod('b', true), pod('c', true, false), pod('d', true)], 25), { out: ['c'], changed: ['c'] });
  });

  it('keeps out those already out when the share shrinks, and puts the rest back', () => {
    assert.deepEqual(outcome([pod('a', true), pod('b', true), pod('c', false), pod('d', false)], 25), { out: ['c'], changed: ['d'] });
  });

  it('puts every pod back at 0, and takes every label off a disabled server group whatever its share', () => {
    assert.deepEqual(outcome([pod('a', false), pod('b', true)], 0), { out: [], changed: ['a'] });
    assert.deepEqual(outcome([pod('a', false), pod('b', true)], 50, []), { out: ['a', 'b'], changed: ['b'] });
  });
});
