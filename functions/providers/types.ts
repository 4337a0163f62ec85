/**
 * The provider seam, seen from the providers' side: the ids Reach knows and what a provider
 * factory receives. The interface itself is a core port (`functions/core/ports/provider.ts`),
 * re-exported here so that provider folders import everything from one place.
 */
import type { HttpClient } from './http';
import type { Provider } from '../core/ports/provider';

export * from '../core/ports/provider';

export const PROVIDER_IDS = ['instagram', 'facebook', 'youtube', 'tiktok', 'x', 'linkedin', 'google_business'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export const isProviderId = (value: string): value is ProviderId =>
  (PROVIDER_IDS as readonly string[]).includes(value);

/** What a provider factory receives: the one HTTP client and the clock. */
export interface ProviderDeps {
  readonly http: HttpClient;
  readonly now: () => Date;
}

export type ProviderFactory = (deps: ProviderDeps) => Provider;
