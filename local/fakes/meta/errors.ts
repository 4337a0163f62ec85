/**
 * Injected faults rendered as Meta renders them: Graph hosts answer with the Graph envelope and
 * usage headers (a throttle names the Instagram account or Page and when access returns, in
 * minutes); api.instagram.com with Instagram Login's own error shape; the www dialogs with a page.
 */
import type { FakeContext, FakeErrors, FakeRequest, FakeResponse } from '../framework';
import { graphError, instagramOAuthError, tokenError, withHeaders } from './responses';
import type { MetaFakeState } from './state';
import { usageHeaders, type BusinessObject } from './usage';

const isGraphHost = (host: string): boolean => host === 'graph.facebook.com' || host === 'graph.instagram.com';

/** The business object a request reads, judged from its token and path (for the throttle's shape). */
const objectOf = (state: MetaFakeState, req: FakeRequest, now: Date): BusinessObject | undefined => {
  const token = req.bearer();
  if (req.host === 'graph.instagram.com') {
    const check = token ? state.ig.checkAccess(token, now) : undefined;
    const person = check?.ok ? state.world.find(check.entry.accountId) : undefined;
    return person ? { id: person.igUserId, type: 'instagram' } : undefined;
  }
  const pageId = token ? state.pageTokens.get(token) : undefined;
  if (pageId) return { id: pageId, type: 'pages' };
  const id = req.params['id'];
  if (!id) return undefined;
  if (state.world.pageById(id)) return { id, type: 'pages' };
  if (state.world.personByIgUserId(id)) return { id, type: 'instagram' };
  return undefined;
};

const page = (status: number, text: string): FakeResponse => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html><body><p>${text}</p></body></html>`,
});

/** The `errors` of the Meta fake. */
export const metaErrors = (state: MetaFakeState): FakeErrors => ({
  rateLimited(req: FakeRequest, retryAfterSeconds: number, ctx: FakeContext) {
    if (req.host === 'api.instagram.com') return instagramOAuthError(429, 'Application request limit reached');
    if (!isGraphHost(req.host)) return page(429, 'You are making requests too quickly. Please wait a few minutes before trying again.');
    const object = objectOf(state, req, ctx.now());
    if (!object) {
      // App-level throttles carry no reset time in Meta's headers.
      return graphError(403, { message: '(#4) Application request limit reached', code: 4, isTransient: true }, usageHeaders(100));
    }
    const regainMinutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    const what = object.type === 'instagram' ? 'Instagram account' : 'Page';
    return graphError(
      403,
      { message: `There have been too many calls to this ${what}. Wait a bit and try again.`, code: object.type === 'instagram' ? 80002 : 80001, isTransient: true },
      usageHeaders(40, object, { percent: 100, regainMinutes, exhausted: true }),
    );
  },
  serverError(req: FakeRequest) {
    if (req.host === 'api.instagram.com') return instagramOAuthError(500, 'An unexpected error has occurred. Please retry your request later.');
    if (!isGraphHost(req.host)) return page(500, 'Sorry, something went wrong.');
    return graphError(500, { message: 'An unexpected error has occurred. Please retry your request later.', code: 2, isTransient: true }, usageHeaders(1));
  },
  expiredToken(req: FakeRequest, ctx: FakeContext) {
    if (req.host === 'api.instagram.com') return instagramOAuthError(400, 'Matching code was not found or was already used');
    if (!isGraphHost(req.host)) return page(400, 'This link has expired.');
    const now = ctx.now();
    return withHeaders(tokenError('expired', { now, expiredAt: new Date(now.getTime() - 60_000), appId: state.app.clientId }), usageHeaders(1));
  },
  revokedGrant(req: FakeRequest, ctx: FakeContext) {
    if (req.host === 'api.instagram.com') return instagramOAuthError(400, 'Matching code was not found or was already used');
    if (!isGraphHost(req.host)) return page(400, 'This app is no longer authorized.');
    return withHeaders(tokenError('revoked', { now: ctx.now(), appId: state.app.clientId }), usageHeaders(1));
  },
});
