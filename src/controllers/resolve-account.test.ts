// Resolving an accountRef, as the controllers and the stages do: the Account in the object's
// namespace and its provider; a missing Account names where it was asked for.
import assert from 'node:assert/strict';
import { resources } from '../api/v1alpha1/index.ts';
import { ManualClock } from '../core/clock.ts';
import { TerminalError, WaitingError } from '../core/errors.ts';
import type { ObjectCache } from '../core/informer.ts';
import { FakeProvider } from '../providers/fake/fake-provider.ts';
import { ProviderRegistry } from '../providers/registry.ts';
import { resolveAccount, type Account } from './accounts.ts';

const accounts = (...items: Account[]): ObjectCache<Account> => ({
  resource: resources.account, on: () => undefined, list: () => items,
  get: (key) => items.find((a) => `${a.metadata.namespace}/${a.metadata.name}` === key),
});
const account = (name: string, ns: string, provider: 'kubernetes' | 'aws'): Account =>
  ({ metadata: { name, namespace: ns }, spec: { provider } as Account['spec'] });
const run = { kind: 'PipelineRun', metadata: { name: 'release-7', namespace: 'shop' } };

describe('resolving an accountRef', () => {
  const provider = new FakeProvider({ clock: new ManualClock(0) });
  const registry = new ProviderRegistry().register(provider, 'kubernetes');
  const cache = accounts(account('prod', 'shop', 'kubernetes'), account('prod', 'other', 'kubernetes'), account('cloud', 'shop', 'aws'));

  it('finds the Account in the object\'s namespace and its provider', () => {
    const resolved = resolveAccount(cache, registry, run, { name: 'prod' });
    assert.equal(resolved.provider, provider);
    assert.deepEqual(resolved.account, { name: 'prod', namespace: 'shop', spec: { provider: 'kubernetes' } });
  });

  it('waits for a missing Account, naming the object, the field that names it and the namespace', () => {
    assert.throws(() => resolveAccount(cache, registry, run, { name: 'staging' }, 'stage "deploy" deployManifest.accountRef'),
      (e: unknown) => e instanceof WaitingError && e.reason === 'AccountNotFound'
        && e.message === 'PipelineRun "release-7": Account "staging" (stage "deploy" deployManifest.accountRef) does not exist in namespace "shop"; create it');
    assert.throws(() => resolveAccount(cache, registry, { ...run, kind: 'ServerGroup' }, { name: 'staging' }),
      (e: unknown) => e instanceof WaitingError && /\(spec\.accountRef\)/.test(e.message));
  });

  it('stops on an Account whose provider this operator lacks', () => {
    assert.throws(() => resolveAccount(cache, registry, run, { name: 'cloud' }),
      (e: unknown) => e instanceof TerminalError && e.reason === 'ProviderUnavailable' && /provider "aws" is not available/.test(e.message));
  });
});
