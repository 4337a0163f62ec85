/**
 * The fake LinkedIn: `www.linkedin.com` (consent and OAuth endpoints, media upload URLs) and
 * `api.linkedin.com` (OIDC userinfo and the versioned REST API: reads, publishing, event
 * subscriptions), written from LinkedIn's documentation; it also sends signed social action
 * webhooks.
 *
 * `fake_account=<name>` on the authorize URL picks (or creates) the consenting member, default
 * `reach-demo`; each member administers one organization. Followers evolve with the fakes' clock.
 */
import type { FakeAppOptions, FakePlatform } from '../framework';
import { FakeOAuthStore } from '../oauth-store';
import { linkedinApiRoutes } from './api';
import { LinkedinContent } from './content';
import { API_HOST, linkedinErrors, OAUTH_HOST } from './errors';
import { createGateway } from './gateway';
import { linkedinOAuthRoutes } from './oauth';
import { failVideo, linkedinPublishingRoutes } from './publishing';
import { LinkedinWorld } from './state';
import { deliverSocialAction, linkedinSubscriptionRoutes } from './webhooks';

const DAY = 86_400;

/** Every scope the fake app holds in its (imagined) developer portal. */
export const LINKEDIN_FAKE_SCOPES = [
  'openid',
  'profile',
  'email',
  'w_member_social',
  'r_member_social',
  'r_member_profileAnalytics',
  'r_member_postAnalytics',
  'r_1st_connections_size',
  'rw_organization_admin',
  'r_organization_admin',
  'w_organization_social',
  'r_organization_social',
] as const;

export interface LinkedinFakeOptions {
  /** Whether the app is approved for programmatic refresh tokens (default true). */
  readonly refreshTokens?: boolean;
  readonly accessTtlSeconds?: number;
  readonly refreshTtlSeconds?: number;
  /** Scopes the app may request (default `LINKEDIN_FAKE_SCOPES`). */
  readonly allowedScopes?: readonly string[];
  /** Oldest `LinkedIn-Version` still served (default `202501`); older ones answer 426. */
  readonly minVersion?: string;
  readonly defaultAccount?: string;
  /** Bytes per video upload part (default 4 MiB, as LinkedIn). */
  readonly videoPartBytes?: number;
  /** Seconds of the fakes' clock a finalized video stays PROCESSING (default 30). */
  readonly videoProcessingSeconds?: number;
  /** How long the same commentary counts as a duplicate (default one day). */
  readonly duplicateWindowSeconds?: number;
}

export interface LinkedinFake extends FakePlatform {
  /** Makes LinkedIn's processing of a finalized video fail; false when there is no such video. */
  failVideo(urn: string): boolean;
}

/** Builds the fake LinkedIn for the app credentials Reach uses. */
export const createLinkedinFake = (app: FakeAppOptions, options: LinkedinFakeOptions = {}): LinkedinFake => {
  const defaultAccount = options.defaultAccount ?? 'reach-demo';
  const store = new FakeOAuthStore({ prefix: { code: 'AQT', access: 'AQV', refresh: 'AQW' } });
  const world = new LinkedinWorld(defaultAccount);
  const content = new LinkedinContent();
  const apiSettings = { minVersion: options.minVersion ?? '202501' };
  const gateway = createGateway(store, world, apiSettings);
  const oauth = linkedinOAuthRoutes(app, store, world, {
    accessTtlSeconds: options.accessTtlSeconds ?? 60 * DAY,
    refreshTtlSeconds: options.refreshTokens === false ? null : (options.refreshTtlSeconds ?? 365 * DAY),
    codeTtlSeconds: 30 * 60,
    allowedScopes: new Set(options.allowedScopes ?? LINKEDIN_FAKE_SCOPES),
    defaultAccount,
  });
  return {
    id: 'linkedin',
    hosts: [OAUTH_HOST, API_HOST],
    routes: [
      ...oauth.routes,
      ...linkedinApiRoutes(store, world, content, apiSettings),
      ...linkedinPublishingRoutes(store, gateway, content, {
        videoPartBytes: options.videoPartBytes ?? 4 * 1024 * 1024,
        videoProcessingSeconds: options.videoProcessingSeconds ?? 30,
        duplicateWindowSeconds: options.duplicateWindowSeconds ?? DAY,
        maxVideoBytes: 500 * 1024 * 1024,
      }),
      ...linkedinSubscriptionRoutes(gateway, content),
    ],
    errors: linkedinErrors,
    failVideo: (urn) => failVideo(content, urn),
    deliverWebhook: (request, ctx) => deliverSocialAction(app, world, content, defaultAccount, request, ctx),
    reset() {
      store.reset();
      oauth.reset();
      world.reset();
      content.reset();
    },
    snapshot() {
      return {
        accounts: [...world.members.values()].map((m) => ({
          name: m.name,
          urn: `urn:li:person:${m.sub}`,
          organizations: m.organizationIds.map((id) => {
            const org = world.organizations.get(id);
            return { urn: `urn:li:organization:${id}`, name: org?.localizedName, vanityName: org?.vanityName };
          }),
        })),
        grants: { ...store.counts },
        posts: content.posts.map((p) => ({
          id: p.id,
          author: p.author,
          kind: p.kind,
          text: p.text,
          visibility: p.visibility,
          createdAt: new Date(p.createdAtMs).toISOString(),
        })),
        uploads: { images: content.images.size, videos: content.videos.size },
        subscriptions: [...content.subscriptions.values()].map((s) => ({ user: s.user, entity: s.entity, webhook: s.webhook })),
        deliveries: content.deliveries.map((d) => ({ ...d })),
      };
    },
  };
};
