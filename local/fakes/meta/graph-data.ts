/**
 * The Graph read routes the fake serves, on graph.instagram.com (Instagram Login tokens) and
 * graph.facebook.com (Facebook user and Page tokens). Every route checks its bearer token, the
 * permissions the documented endpoint needs, and counts the call against the app and the
 * Instagram account or Page it reads.
 */
import type { FakeRequest, FakeRoute } from '../framework';
import { edgeSpec, paging } from './edges';
import { pageNodeFor, settleVideos } from './fb-publish';
import { igNodeFor } from './ig-publish';
import { requestedFields } from './fields';
import { fbSubject, graphRoute, GraphFailure, igSubject, requireScopes } from './graph-call';
import { renderEdge, renderFbUser, renderIgMediaEdge, renderIgUser, renderPage, renderPublishedPosts, type RenderContext } from './nodes';
import { graphError, unsupportedGet } from './responses';
import type { MetaFakeState, Subject } from './state';
import type { FakePerson } from './world';

/** The Instagram account an IG-Login token may read by id (its own, by either id). */
const ownIgAccount = (subject: Subject, id: string): FakePerson => {
  if (id === 'me' || id === subject.person.igUserId || id === subject.person.igScopedId) return subject.person;
  throw new GraphFailure(unsupportedGet(id));
};

/** The Instagram account a Facebook token may read by id: one linked to a Page of its person. */
const linkedIgAccount = (subject: Subject, id: string): FakePerson | undefined =>
  subject.person.pages.some((p) => p.igUserId === id) ? subject.person : undefined;

const instagramRoutes = (state: MetaFakeState): FakeRoute[] => {
  const host = 'graph.instagram.com';
  const user = (req: FakeRequest, ctx: Parameters<typeof igSubject>[2], id: string) => {
    const subject = igSubject(state, req, ctx);
    requireScopes(subject, 'instagram_business_basic');
    return { subject, person: ownIgAccount(subject, id) };
  };
  return [
    graphRoute(state, 'GET', host, '/:version/me', (req, ctx, call) => {
      const { person } = user(req, ctx, 'me');
      const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
      if (throttled) return throttled;
      return { status: 200, body: renderIgUser(state, person, 'instagram_login', requestedFields(req.query, ['id']), ctx.now()) };
    }),
    graphRoute(state, 'GET', host, '/:version/me/media', (req, ctx, call) => {
      const { person } = user(req, ctx, 'me');
      const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
      if (throttled) return throttled;
      return { status: 200, body: renderIgMediaEdge(state, person, edgeSpec('media', req), ctx.now(), paging(req)) };
    }),
    graphRoute(state, 'GET', host, '/:version/:id/media', (req, ctx, call) => {
      const { person } = user(req, ctx, req.params['id'] ?? '');
      const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
      if (throttled) return throttled;
      return { status: 200, body: renderIgMediaEdge(state, person, edgeSpec('media', req), ctx.now(), paging(req)) };
    }),
    graphRoute(state, 'GET', host, '/:version/:id', (req, ctx, call) => {
      const node = igNodeFor(state, igSubject(state, req, ctx), host, req, ctx, call, req.params['id'] ?? '');
      if (node) return node;
      const { person } = user(req, ctx, req.params['id'] ?? '');
      const throttled = call.admit({ id: person.igUserId, type: 'instagram' });
      if (throttled) return throttled;
      return { status: 200, body: renderIgUser(state, person, 'instagram_login', requestedFields(req.query, ['id']), ctx.now()) };
    }),
  ];
};

const facebookRoutes = (state: MetaFakeState): FakeRoute[] => {
  const host = 'graph.facebook.com';
  const rc = (subject: Subject, now: Date): RenderContext => ({ state, now, subject });
  /**
   * Subscribes the app to a Page's webhooks (or unsubscribes it); the Page's own token is required.
   * https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps/
   */
  const subscribedApps = (method: 'POST' | 'DELETE') =>
    graphRoute(state, method, host, '/:version/:id/subscribed_apps', (req, ctx, call) => {
      const subject = fbSubject(state, req, ctx);
      const throttled = call.admit();
      if (throttled) return throttled;
      const pageId = req.params['id'] ?? '';
      if (subject.kind !== 'page' || subject.page.id !== pageId) {
        throw new GraphFailure(graphError(403, { message: '(#210) A page access token is required to request this resource.', code: 210, type: 'OAuthException' }));
      }
      if (method === 'DELETE') state.pageSubscriptions.delete(pageId);
      else {
        const fields = (req.query.get('subscribed_fields') ?? req.form().get('subscribed_fields') ?? '').split(',').filter(Boolean);
        if (fields.length === 0) throw new GraphFailure(graphError(400, { message: '(#100) Param subscribed_fields is required', code: 100, type: 'OAuthException' }));
        state.pageSubscriptions.set(pageId, fields);
      }
      return { status: 200, body: { success: true } };
    });
  return [
    subscribedApps('POST'),
    subscribedApps('DELETE'),
    graphRoute(state, 'GET', host, '/:version/me', (req, ctx, call) => {
      const subject = fbSubject(state, req, ctx);
      const now = ctx.now();
      if (subject.kind === 'page') {
        const throttled = call.admit({ id: subject.page.id, type: 'pages' });
        if (throttled) return throttled;
        return { status: 200, body: renderPage(rc(subject, now), subject.person, subject.page, requestedFields(req.query, ['name', 'id'])) };
      }
      const throttled = call.admit();
      if (throttled) return throttled;
      return { status: 200, body: renderFbUser(subject.person, requestedFields(req.query, ['name', 'id'])) };
    }),
    graphRoute(state, 'GET', host, '/:version/me/accounts', (req, ctx, call) => {
      const subject = fbSubject(state, req, ctx);
      const throttled = call.admit();
      if (throttled) return throttled;
      if (subject.kind !== 'user') throw new GraphFailure(unsupportedGet('accounts'));
      const now = ctx.now();
      // Without pages_show_list Graph answers an empty list rather than an error.
      const pages = subject.entry.scopes.includes('pages_show_list') ? subject.person.pages : [];
      return {
        status: 200,
        body: renderEdge(edgeSpec('accounts', req), {
          items: (offset, limit) => pages.slice(offset, offset + limit + 1),
          render: (page, children) => renderPage(rc(subject, now), subject.person, page, children),
          defaultChildren: ['access_token', 'category', 'category_list', 'name', 'id', 'tasks'],
          ...paging(req),
        }),
      };
    }),
    graphRoute(state, 'GET', host, '/:version/:id/published_posts', (req, ctx, call) => {
      const subject = fbSubject(state, req, ctx);
      const id = req.params['id'] ?? '';
      const page = subject.person.pages.find((p) => p.id === id);
      if (!page) throw new GraphFailure(unsupportedGet(id));
      const throttled = call.admit({ id: page.id, type: 'pages' });
      if (throttled) return throttled;
      settleVideos(state, ctx, page);
      const spec = edgeSpec('published_posts', req);
      return { status: 200, body: renderPublishedPosts(rc(subject, ctx.now()), page, spec, paging(req)) };
    }),
    graphRoute(state, 'GET', host, '/:version/:id/media', (req, ctx, call) => {
      const subject = fbSubject(state, req, ctx);
      const id = req.params['id'] ?? '';
      const person = linkedIgAccount(subject, id);
      if (!person) throw new GraphFailure(unsupportedGet(id));
      requireScopes(subject, 'instagram_basic', 'pages_read_engagement');
      const throttled = call.admit({ id, type: 'instagram' });
      if (throttled) return throttled;
      return { status: 200, body: renderIgMediaEdge(state, person, edgeSpec('media', req), ctx.now(), paging(req)) };
    }),
    graphRoute(state, 'GET', host, '/:version/:id', (req, ctx, call) => {
      const subject = fbSubject(state, req, ctx);
      const id = req.params['id'] ?? '';
      const now = ctx.now();
      const page = subject.person.pages.find((p) => p.id === id);
      if (page) {
        const throttled = call.admit({ id: page.id, type: 'pages' });
        if (throttled) return throttled;
        settleVideos(state, ctx, page);
        return { status: 200, body: renderPage(rc(subject, now), subject.person, page, requestedFields(req.query, ['name', 'id'])) };
      }
      const node = igNodeFor(state, subject, host, req, ctx, call, id) ?? pageNodeFor(state, subject, req, ctx, call, id);
      if (node) return node;
      const igPerson = linkedIgAccount(subject, id);
      if (igPerson) {
        requireScopes(subject, 'instagram_basic', 'pages_read_engagement');
        const throttled = call.admit({ id, type: 'instagram' });
        if (throttled) return throttled;
        return { status: 200, body: renderIgUser(state, igPerson, 'facebook_login', requestedFields(req.query, ['id']), now) };
      }
      if (id === subject.person.fbUserId && subject.kind === 'user') {
        const throttled = call.admit();
        if (throttled) return throttled;
        return { status: 200, body: renderFbUser(subject.person, requestedFields(req.query, ['name', 'id'])) };
      }
      throw new GraphFailure(unsupportedGet(id));
    }),
  ];
};

/** Every Graph read route of the Meta fake. */
export const graphDataRoutes = (state: MetaFakeState): FakeRoute[] => [...instagramRoutes(state), ...facebookRoutes(state)];
