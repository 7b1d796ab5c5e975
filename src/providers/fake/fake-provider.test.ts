// The provider contracts against the in-memory fake, with a clock moved by hand.
import { ManualClock } from '../../core/clock.ts';
import { loadBalancerContract, securityGroupContract } from '../../../test/contracts/network.ts';
import { serverGroupContract, type ContractWorld } from '../../../test/contracts/server-groups.ts';
import { FakeProvider } from './fake-provider.ts';

async function fakeWorld(): Promise<ContractWorld> {
  const clock = new ManualClock(Date.now());
  return {
    provider: new FakeProvider({ clock, readyAfterMs: 5000 }),
    account: { name: 'test', namespace: 'default', spec: { provider: 'kubernetes' } },
    location: { namespace: 'default' },
    async pause(ms) { clock.advance(ms); },
    async eventually(check, what) {
      for (let i = 0; i < 100; i++) { if (await check()) return; clock.advance(1000); }
      throw new Error(`never ${what}`);
    },
    template: (version) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image: `web:${version}` }] } } } }),
    owner: async (kind, name) => ({ apiVersion: 'staysail.dev/v1alpha1', kind, namespace: 'shop', name, uid: `uid-${kind}-${name}` }),
  };
}

serverGroupContract('fake', fakeWorld);
loadBalancerContract('fake', fakeWorld);
securityGroupContract('fake', fakeWorld);
