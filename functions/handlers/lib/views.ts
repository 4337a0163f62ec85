/** Response shapes shared by the HTTP handlers. */
import { capabilitiesOf, type Provider } from '../../core/ports/provider';

/** What `GET /v1/platforms` says about one platform: data from its manifest, nothing secret. */
export const platformView = (p: Provider) => ({
  id: p.manifest.id,
  displayName: p.manifest.displayName,
  docsUrl: p.manifest.docsUrl,
  capabilities: capabilitiesOf(p),
  accountTypes: p.manifest.accountTypes,
  oauth: {
    defaultScopes: p.manifest.oauth.defaultScopes,
    pkce: p.manifest.oauth.pkce,
    ...(p.manifest.oauth.variants !== undefined && { variants: p.manifest.oauth.variants }),
    ...(p.manifest.oauth.accessTokenLifetimeSeconds !== undefined && { accessTokenLifetimeSeconds: p.manifest.oauth.accessTokenLifetimeSeconds }),
    ...(p.manifest.oauth.refreshTokenLifetimeSeconds !== undefined && { refreshTokenLifetimeSeconds: p.manifest.oauth.refreshTokenLifetimeSeconds }),
    rotatesRefreshToken: p.manifest.oauth.rotatesRefreshToken,
  },
  metrics: p.manifest.metrics,
  quotas: p.manifest.quotas,
  limitations: p.manifest.limitations,
});
