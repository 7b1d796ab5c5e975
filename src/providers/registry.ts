// The providers by name; controllers reach a concrete provider only through here, chosen by the
// Account's provider.
import type { ManifestProvider, ProviderAccount, Provider } from './interfaces.ts';
import { invalid } from './errors.ts';

export class ProviderRegistry {
  private readonly byName = new Map<string, Provider>();

  /** Registers a provider under its name (or another, e.g. a fake standing in for kubernetes in tests). */
  register(provider: Provider, as: string = provider.name): this {
    this.byName.set(as, provider);
    return this;
  }

  /** Every registered provider. */
  all(): Provider[] { return [...new Set(this.byName.values())]; }

  /** The provider of an account; an Invalid error names the account, the provider and those available. */
  forAccount(account: ProviderAccount): Provider {
    const p = this.byName.get(account.spec.provider);
    if (!p) {
      throw invalid(`Account "${account.name}": provider "${account.spec.provider}" is not available in this operator; available: ${[...this.byName.keys()].sort().join(', ') || 'none'}`);
    }
    return p;
  }

  /** The manifests of an account's provider (the manifest stages); an Invalid error says when the provider has none. */
  manifestsFor(account: ProviderAccount): ManifestProvider {
    const p = this.forAccount(account);
    if (!p.manifests) {
      const able = [...this.byName.entries()].filter(([, q]) => q.manifests).map(([name]) => name).sort();
      throw invalid(`Account "${account.name}": provider "${account.spec.provider}" cannot apply manifests in this operator; `
        + `use an Account of a provider that can (${able.join(', ') || 'none yet'})`);
    }
    return p.manifests;
  }
}
