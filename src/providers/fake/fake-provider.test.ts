import { ManualClock } from '../../core/clock.ts';
import { loadBalancerContract, securityGroupContract } from '../../../test/contracts/network.ts';
import { serverGroupContract, type ContractWorld } from '../../../test/contracts/server-groups.ts';
import { FakeProvider } from './fake-provider.ts';

function fakeWorld(): Omit<ContractWorld, 'provider'> & { fake: FakeProvider } {
  const clock = new ManualClock(Date.now());
  const provider = new FakeProvider({ clock, readyAfterMs: 5000 });
  return {
    fake: provider,
    account: { name: 'test', namespace: 'default', spec: { provider: 'kubernetes' } },
    location: { namespace: 'default' },
    async pause(ms) { clock.advance(ms); },
    async eventually(check, what) {
      for (let i = 0; i < 100; i++) { if (await check()) return; clock.advance(1000); }
      throw new Error(`never ${what}`);
    },
    template: (version) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image: `web:${version}` }] } } } }),
  };
}

serverGroupContract('fake', async () => { const w = fakeWorld(); return { ...w, provider: w.fake.serverGroups }; });
loadBalancerContract('fake', async () => { const w = fakeWorld(); return { ...w, provider: w.fake }; });
securityGroupContract('fake', async () => { const w = fakeWorld(); return { ...w, provider: w.fake }; });
