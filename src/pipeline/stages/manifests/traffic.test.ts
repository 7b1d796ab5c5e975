import assert from 'node:assert/strict';
import type { KubeObject } from '../../../core/kube-client.ts';
import { checkAttachable, checkDistinctKeys, labelChanges, planCleanup, selects, selectorString, servicesOf, withTraffic } from './traffic.ts';

const rs = (labels: Record<string, string> = {}, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name: 'web', labels, ...(annotations ? { annotations } : {}) },
  spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] },
    template: { metadata: { labels: { app: 'web', tier: 'front', version: 'v1' } } } } } as KubeObject);
const web = { name: 'web', selector: { frontedBy: 'web' } };

describe('traffic management', () => {
  it('refuses a Service with an empty selector, or one on a key the ReplicaSet sets itself', () => {
    assert.throws(() => checkAttachable('here', rs(), { name: 'all', selector: {} }, true), /^InvalidError: here: Service "all" has an empty spec.selector/);
    const cases: [Record<string, string>, Record<string, string>, boolean][] = [
      [{ app: 'web' }, {}, false], [{ tier: 'front' }, {}, false], [{ owner: 'me' }, { owner: 'me' }, false], [{ version: 'v1' }, {}, true]];
    for (const [selector, labels, withTemplate] of cases) {
      const key = Object.keys(selector)[0]!;
      assert.throws(() => checkAttachable('here', rs(labels), { name: 'svc', selector }, withTemplate),
        new RegExp(`Service "svc" selects on "${key}", which the ReplicaSet already has among its own labels or selector; give Service "svc" a selector key`));
    }
    // A live ReplicaSet's template carries the keys it was enabled with: they are not its own.
    assert.doesNotThrow(() => checkAttachable('here', rs(), { name: 'svc', selector: { version: 'v1' } }, false));
    assert.doesNotThrow(() => checkAttachable('here', rs(), web, true));
  });

  it('adds the annotation always and the selectors only when traffic is on', () => {
    const on = withTraffic(rs(), [web], true) as KubeObject<{ template: { metadata: { labels: Record<string, string> } } }>;
    assert.equal(on.metadata.annotations?.['traffic.staysail.dev/load-balancers'], '["service web"]');
    assert.equal(on.spec!.template.metadata.labels.frontedBy, 'web');
    const dark = withTraffic(rs(), [web], false) as KubeObject<{ template: { metadata: { labels: Record<string, string> } } }>;
    assert.equal(dark.metadata.annotations?.['traffic.staysail.dev/load-balancers'], '["service web"]');
    assert.equal(dark.spec!.template.metadata.labels.frontedBy, undefined);
  });

  it('reads the annotation, refusing what is not a list of "service <name>"', () => {
    assert.deepEqual(servicesOf(rs({}, { 'traffic.staysail.dev/load-balancers': '["service web", "service api"]' }), 'rs'), ['web', 'api']);
    assert.deepEqual(servicesOf(rs(), 'rs'), []);
    for (const bad of ['nope', '{"a":1}', '["ingress web"]', '[3]']) {
      assert.throws(() => servicesOf(rs({}, { 'traffic.staysail.dev/load-balancers': bad }), 'rs'), /^InvalidError: rs: annotation traffic.staysail.dev\/load-balancers .*set it to a JSON list/);
    }
  });

  it('changes only the labels that differ, and removes only those with the Service\'s value', () => {
    const cases: [Record<string, string> | undefined, boolean, Record<string, string | null>][] = [
      [undefined, true, { frontedBy: 'web' }], [{ frontedBy: 'web' }, true, {}], [{ frontedBy: 'api' }, true, { frontedBy: 'web' }],
      [{ frontedBy: 'web', app: 'web' }, false, { frontedBy: null }], [{ frontedBy: 'api' }, false, {}], [{}, false, {}]];
    for (const [labels, on, want] of cases) assert.deepEqual(labelChanges(labels, [web], on), want, JSON.stringify({ labels, on }));
  });

  it('writes a selector as kubectl -l takes it', () => {
    assert.equal(selectorString({ matchLabels: { app: 'web', b: 'c' }, matchExpressions: [{ key: 't', operator: 'In', values: ['x', 'y'] },
      { key: 'u', operator: 'NotIn', values: ['z'] }, { key: 'e', operator: 'Exists' }, { key: 'd', operator: 'DoesNotExist' }] }), 'app=web,b=c,t in (x,y),u notin (z),e,!d');
    assert.equal(selectorString(undefined), '');
  });

  it('plans what each strategy does to the other versions', () => {
    // v000 serves; v001 has pods up but is out of the Services (Failed or not Current: kept); v002 is in
    // the Services with none available (kept, disabled); only v003, with nothing up and out of traffic, goes.
    const others = [{ name: 'web-v000', available: 2, inServices: true }, { name: 'web-v001', available: 1, inServices: false },
      { name: 'web-v002', available: 0, inServices: true }, { name: 'web-v003', available: 0, inServices: false }];
    const all = others.map((o) => o.name);
    assert.deepEqual(planCleanup('none', others), { disable: [], delete: [] });
    assert.deepEqual(planCleanup('redblack', others), { disable: ['web-v000', 'web-v001', 'web-v002'], delete: ['web-v003'] });
    assert.deepEqual(planCleanup('bluegreen', others), planCleanup('redblack', others));
    assert.deepEqual(planCleanup('highlander', others), { disable: all, delete: all });
  });

  it('refuses Services that select on one key with different values, naming both and the key', () => {
    assert.throws(() => checkDistinctKeys('here', [{ name: 'web', selector: { frontedBy: 'web' } }, { name: 'api', selector: { frontedBy: 'api' } }]),
      /^InvalidError: here: Services "web" and "api" both select on "frontedBy", with "web" and "api", and a pod can carry only one of them; give each Service a key of its own, e.g. staysail.dev\/fronted-by-web: "true"/);
    assert.doesNotThrow(() => checkDistinctKeys('here', [{ name: 'web', selector: { 'staysail.dev/fronted-by-web': 'true', tier: 'front' } },
      { name: 'api', selector: { 'staysail.dev/fronted-by-api': 'true', tier: 'front' } }]));
  });

  it('says whether a Service selects labels: every key with its value, and never on an empty selector', () => {
    assert.equal(selects({ a: '1', b: '2' }, { a: '1', b: '2', c: '3' }), true);
    assert.equal(selects({ a: '1', b: '2' }, { a: '1' }), false);
    assert.equal(selects({ a: '1' }, { a: '2' }), false);
    assert.equal(selects({}, { a: '1' }), false);
  });
});
