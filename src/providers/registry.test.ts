// The registry: a provider is found by the Account's provider name, and so are its manifests; what is
// missing is named with what there is.
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.ts';
import { isProviderError } from './errors.ts';
import { FakeProvider } from './fake/fake-provider.ts';
import type { ManifestProvider, ProviderAccount } from './interfaces.ts';
import { ProviderRegistry } from './registry.ts';

const account = (provider: 'kubernetes' | 'aws'): ProviderAccount => ({ name: 'prod', namespace: 'shop', spec: { provider } as ProviderAccount['spec'] });
const fake = () => new FakeProvider({ clock: new ManualClock(0) });

describe('the provider registry', () => {
  it('finds the provider an Account names, and names those available when it has none', () => {
    const p = fake();
    const registry = new ProviderRegistry().register(p, 'kubernetes');
    assert.equal(registry.forAccount(account('kubernetes')), p);
    assert.throws(() => registry.forAccount(account('aws')), (e: unknown) => isProviderError(e, 'Invalid')
      && e.message === 'Account "prod": provider "aws" is not available in this operator; available: kubernetes');
  });

  it('finds the manifests of an Account\'s provider, and says when it has none', () => {
    const manifests = {} as ManifestProvider;
    const registry = new ProviderRegistry().register(Object.assign(fake(), { manifests }), 'kubernetes').register(fake(), 'aws');
    assert.equal(registry.manifestsFor(account('kubernetes')), manifests);
    assert.throws(() => registry.manifestsFor(account('aws')), (e: unknown) => isProviderError(e, 'Invalid')
      && e.message === 'Account "prod": provider "aws" cannot apply manifests in this operator; use an Account of a provider that can (kubernetes)');
  });
});
