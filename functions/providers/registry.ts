/**
 * The provider registry: one line per platform. Adding a platform is one folder and one line here.
 */
import type { PlatformDirectory } from '../core/ports/platforms';
import type { Provider } from '../core/ports/provider';
import { createFacebookProvider } from './facebook';
import { createGoogleBusinessProvider } from './google-business';
import { createInstagramProvider } from './instagram';
import { createLinkedinProvider } from './linkedin';
import { createTiktokProvider } from './tiktok';
import type { ProviderDeps, ProviderFactory, ProviderId } from './types';
import { PROVIDER_IDS, isProviderId } from './types';
import { createXProvider } from './x';
import { createYoutubeProvider } from './youtube';

export const providerFactories = {
  instagram: createInstagramProvider,
  facebook: createFacebookProvider,
  youtube: createYoutubeProvider,
  tiktok: createTiktokProvider,
  x: createXProvider,
  linkedin: createLinkedinProvider,
  google_business: createGoogleBusinessProvider,
} satisfies Record<ProviderId, ProviderFactory>;

/** Builds the enabled providers once (all of them when `enabled` is empty). */
export const createPlatformDirectory = (deps: ProviderDeps, enabled: readonly string[]): PlatformDirectory => {
  const ids = enabled.length === 0 ? [...PROVIDER_IDS] : enabled.filter(isProviderId);
  const built = new Map<string, Provider>(ids.map((id) => [id, providerFactories[id](deps)]));
  return {
    get: (platform) => built.get(platform),
    list: () => [...built.values()],
  };
};
