import assert from 'node:assert/strict';
import type { ProviderAccount } from '../interfaces.ts';
import { checkKindAllowed } from './manifests.ts';

const account = (manifests?: { kinds?: string[]; omitKinds?: string[] }): ProviderAccount =>
  ({ name: 'local', namespace: 'shop', spec: { provider: 'kubernetes', kubernetes: manifests ? { manifests } : {} } });

describe('the kinds an Account allows', () => {
  it('allows every kind by default, only those listed in kinds, and never one in omitKinds', () => {
    const cases: [Parameters<typeof account>[0], string, RegExp | undefined][] = [
      [undefined, 'Secret', undefined], [{ kinds: [] }, 'Secret', undefined], [{ kinds: ['ConfigMap'] }, 'ConfigMap', undefined],
      [{ kinds: ['ConfigMap', 'Deployment'] }, 'Secret', /^InvalidError: Account "local": Secret "shop\/s": kind Secret is not in the Account's spec\.kubernetes\.manifests\.kinds \(ConfigMap, Deployment\); add it there, or use another Account$/],
      [{ omitKinds: ['Secret'] }, 'Secret', /^InvalidError: Account "local": Secret "shop\/s": kind Secret is in the Account's spec\.kubernetes\.manifests\.omitKinds, so no manifest stage may act on it/],
      [{ omitKinds: ['Secret'] }, 'ConfigMap', undefined],
    ];
    for (const [m, kind, refused] of cases) {
      const check = () => checkKindAllowed(account(m), kind, `${kind} "shop/s"`);
      if (refused) assert.throws(check, refused, JSON.stringify({ m, kind }));
      else assert.doesNotThrow(check, JSON.stringify({ m, kind }));
    }
  });
});
