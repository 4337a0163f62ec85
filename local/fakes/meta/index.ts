/**
 * The Meta fake: one fake platform for Instagram (both logins) and Facebook Pages, answering on
 * www.facebook.com, graph.facebook.com, rupload.facebook.com, www.instagram.com,
 * api.instagram.com and graph.instagram.com with the documented paths, shapes and errors:
 * OAuth, profiles and metrics, publishing, insights, batch and multi-id reads, and signed webhook
 * deliveries. Its id is `meta`: faults injected on it apply to both providers.
 *
 * `createMetaFake(facebookApp, { instagramApp })`: Instagram Login is checked against the
 * Instagram app's credentials and Facebook Login against the Facebook app's, as Meta keeps them
 * apart; without `instagramApp` one app serves both.
 */
import type { FakeAppOptions, FakePlatform, FakeRoute } from '../framework';
import { batchRoutes } from './batch';
import { metaErrors } from './errors';
import { facebookLoginRoutes } from './facebook-login';
import { fbPublishRoutes } from './fb-publish';
import { graphDataRoutes } from './graph-data';
import { igPublishRoutes } from './ig-publish';
import { instagramLoginRoutes } from './instagram-login';
import { MetaFakeState, resolveOptions, type MetaFakeOptions } from './state';
import { deliverMetaWebhook } from './webhooks';

export type { MetaFakeOptions } from './state';

/** The hosts the Meta fake answers for. */
export const META_FAKE_HOSTS = [
  'www.facebook.com',
  'graph.facebook.com',
  'rupload.facebook.com',
  'www.instagram.com',
  'api.instagram.com',
  'graph.instagram.com',
] as const;

/** Builds the Meta fake for the app credentials Reach uses. */
export const createMetaFake = (app: FakeAppOptions, options: MetaFakeOptions = {}): FakePlatform => {
  const state = new MetaFakeState(app, resolveOptions(options), options.instagramApp);
  const routes: FakeRoute[] = [];
  routes.push(
    ...instagramLoginRoutes(state),
    ...facebookLoginRoutes(state),
    // Publishing routes first: their paths are more specific than the generic node reads.
    ...igPublishRoutes(state),
    ...fbPublishRoutes(state),
    ...batchRoutes(state, () => routes),
    ...graphDataRoutes(state),
  );
  return {
    id: 'meta',
    hosts: META_FAKE_HOSTS,
    routes,
    errors: metaErrors(state),
    reset: () => state.reset(),
    deliverWebhook: (request, ctx) => deliverMetaWebhook(state, request, ctx),
    snapshot: () => ({
      accounts: state.world.list().map((p) => ({
        name: p.name,
        facebookUserId: p.fbUserId,
        instagram: { userId: p.igUserId, scopedId: p.igScopedId, username: p.igUsername, accountType: p.igAccountType },
        pages: p.pages.map((pg) => ({ id: pg.id, name: pg.name, ...(pg.igUserId !== undefined && { instagramBusinessAccount: pg.igUserId }) })),
      })),
      grants: { instagram: { ...state.ig.counts }, facebook: { ...state.fb.counts } },
      published: {
        instagram: [...state.content.igMedia.values()].map((m) => ({
          id: m.id,
          account: m.owner,
          mediaType: m.mediaType,
          productType: m.productType,
          caption: m.caption,
          children: m.children,
          createdAt: new Date(m.createdAtMs).toISOString(),
        })),
        facebook: [...state.content.pagePosts.values()].map((p) => ({
          id: p.id,
          page: p.pageId,
          kind: p.kind,
          message: p.message,
          ...(p.link !== undefined && { link: p.link }),
          published: p.published,
          photos: p.photoIds,
          ...(p.videoId !== undefined && { video: p.videoId }),
          createdAt: new Date(p.createdAtMs).toISOString(),
        })),
      },
      containers: [...state.content.containers.values()].map((c) => ({
        id: c.id,
        account: c.owner,
        kind: c.kind,
        isVideo: c.isVideo,
        children: c.children,
        polls: c.polls,
        ...(c.error !== undefined && { error: c.error }),
        ...(c.publishedMediaId !== undefined && { media: c.publishedMediaId }),
      })),
      videos: [...state.content.videos.values()].map((v) => ({
        id: v.id,
        page: v.pageId,
        kind: v.kind,
        uploaded: v.uploadedAtMs !== undefined,
        finished: v.finishedAtMs !== undefined,
        ...(v.postId !== undefined && { post: v.postId }),
      })),
      webhooks: state.deliveries.map((d) => ({ ...d })),
    }),
  };
};
