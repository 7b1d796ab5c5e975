// How a weighted route splits its traffic between server groups: by their traffic weights, newest
// first, the rest by pods; by pods alone when none has a weight.
import assert from 'node:assert/strict';
import { backendServiceName, routeWeights, type RouteMember } from './http-routes.ts';

const m = (serverGroup: string, createdAt: string, pods: number, weight?: number): RouteMember =>
  ({ serverGroup, createdAt, pods, ...(weight !== undefined ? { weight } : {}) });

describe('weighted routes', () => {
  it('split the traffic by traffic weights newest first, the rest by pods', () => {
    const cases: [string, RouteMember[], Record<string, number>][] = [
      ['no weights: pods, as a Service splits', [m('v000', 'a', 3), m('v001', 'b', 1)], { v000: 3, v001: 1 }],
      ['red/black: the new one at 100 leaves nothing to the old', [m('v000', 'a', 4, 100), m('v001', 'b', 4, 100)], { v000: 0, v001: 100 }],
      ['a rolling step: new 25, the old one without a weight the rest', [m('v000', 'a', 3), m('v001', 'b', 1, 25)], { v000: 75, v001: 25 }],
      ['a rolling step over an old one made by red/black', [m('v000', 'a', 2, 100), m('v001', 'b', 2, 50)], { v000: 50, v001: 50 }],
      ['a canary at weight 10: production the rest', [m('v000', 'a', 4, 100), m('baseline-v001', 'b', 1, 10), m('canary-v001', 'b', 1, 10)],
        { v000: 80, 'baseline-v001': 10, 'canary-v001': 10 }],
      ['what is left shared by pods, largest remainders first', [m('v000', 'a', 1), m('v001', 'b', 2), m('v002', 'c', 1, 40)], { v000: 20, v001: 40, v002: 40 }],
      ['thirds round to 100 in all', [m('a', 'a', 1), m('b', 'b', 1), m('c', 'c', 1), m('d', 'd', 1, 1)], { a: 33, b: 33, c: 33, d: 1 }],
      ['a new one at 0 takes nothing yet', [m('v000', 'a', 4), m('v001', 'b', 1, 0)], { v000: 100, v001: 0 }],
    ];
    for (const [name, members, want] of cases) assert.deepEqual(Object.fromEntries(routeWeights(members)), want, name);
  });

  it('name a server group\'s Service <load balancer>-<server group>, hashed down to 63 characters', () => {
    assert.equal(backendServiceName('lb-gw', 'shop-gw-v001'), 'lb-gw-shop-gw-v001');
    const long = backendServiceName('a'.repeat(40), `${'b'.repeat(40)}-v001`);
    assert.ok(long.length <= 63 && /^a+-b+-[0-9a-f]{8}$/.test(long), long);
    assert.notEqual(long, backendServiceName('a'.repeat(40), `${'b'.repeat(40)}-v002`));
  });
});
