/**
 * The Meta fake itself: field expansion, bearer checks on every route, versions, usage headers,
 * natural throttling, paging, and its snapshot. Requests go through the one HTTP client, the way
 * providers send them.
 */
import { createHash } from 'node:crypto';
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import { classifyMetaFailure } from '../../functions/providers/meta-graph/errors';
import { toFailure, type HttpResponse } from '../../functions/providers/http';
import { FieldSyntaxError, parseFields } from '../../local/fakes/meta/fields';
import { CREDENTIALS, REDIRECT_URI, callbackParams, followConsent, startMeta, type MetaHarness } from './meta-support';

let h: MetaHarness;
beforeAll(async () => {
  h = await startMeta();
});
afterAll(() => h.close());
beforeEach(() => h.fakes.reset());

const igToken = async (harness: MetaHarness = h) => {
  const url = harness.instagram.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: ['instagram_business_basic'], codeChallenge: 'c', credentials: CREDENTIALS });
  const params = callbackParams(await followConsent(harness, url));
  return harness.instagram.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params });
};

const fbUser = async (harness: MetaHarness = h) => {
  const url = harness.facebook.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: harness.facebook.manifest.oauth.defaultScopes, codeChallenge: 'c', credentials: CREDENTIALS });
  const params = callbackParams(await followConsent(harness, url));
  return harness.facebook.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params });
};

const get = (host: string, path: string, token: string | undefined, query: Record<string, string> = {}, harness: MetaHarness = h): Promise<HttpResponse> =>
  harness.http.send({ method: 'GET', url: `https://${host}${path}`, query, ...(token !== undefined && { headers: { authorization: `Bearer ${token}` } }) });

const json = (res: HttpResponse) => JSON.parse(res.text) as Record<string, unknown>;
const errorOf = (res: HttpResponse) => (json(res) as { error: { code: number; error_subcode?: number; message: string; type: string; fbtrace_id: string } }).error;

describe('parseFields', () => {
  it('reads names, modifiers and nested fields', () => {
    expect(parseFields('id,media.limit(12){like_count,comments_count},reactions.summary(total_count).limit(0)')).toEqual([
      { name: 'id', modifiers: {} },
      { name: 'media', modifiers: { limit: '12' }, children: [{ name: 'like_count', modifiers: {} }, { name: 'comments_count', modifiers: {} }] },
      { name: 'reactions', modifiers: { summary: 'total_count', limit: '0' } },
    ]);
  });

  it('keeps commas inside modifier arguments and nests deeply', () => {
    expect(parseFields('business_discovery.username(bluebottle){media{insights.metric(views,reach)}}')).toEqual([
      {
        name: 'business_discovery',
        modifiers: { username: 'bluebottle' },
        children: [{ name: 'media', modifiers: {}, children: [{ name: 'insights', modifiers: { metric: 'views,reach' } }] }],
      },
    ]);
  });

  it.each(['id,', 'media{id', 'media.limit(3', 'a}b', 'media.limit'])('rejects %s', (input) => {
    expect(() => parseFields(input)).toThrow(FieldSyntaxError);
  });
});

describe('bearer tokens on every API route', () => {
  it.each([
    ['graph.instagram.com', `/${GRAPH_VERSION}/me`],
    ['graph.facebook.com', `/${GRAPH_VERSION}/me`],
    ['graph.facebook.com', `/${GRAPH_VERSION}/me/accounts`],
    ['graph.facebook.com', `/${GRAPH_VERSION}/153742173482297`],
    ['graph.facebook.com', `/${GRAPH_VERSION}/153742173482297/published_posts`],
  ])('%s%s answers 401 with code 2500 without a token and 190 for an unknown one', async (host, path) => {
    const missing = await get(host, path, undefined);
    expect(missing.status).toBe(401);
    expect(errorOf(missing)).toMatchObject({ code: 2500, type: 'OAuthException' });
    const unknown = await get(host, path, 'EAAGnot-issued-by-the-fake');
    expect(unknown.status).toBe(401);
    expect(errorOf(unknown)).toMatchObject({ code: 190 });
    expect(unknown.headers['www-authenticate']).toContain('invalid_token');
    expect(unknown.headers['x-app-usage']).toBeDefined();
  });

  it('answers 190/463 for an expired token, with Graph’s wording', async () => {
    const tokens = await igToken();
    h.fakes.advanceClock(61 * 86_400);
    const res = await get('graph.instagram.com', `/${GRAPH_VERSION}/me`, tokens.accessToken);
    expect(res.status).toBe(401);
    expect(errorOf(res)).toMatchObject({ code: 190, error_subcode: 463 });
    expect(errorOf(res).message).toMatch(/^Error validating access token: Session has expired on \w+day, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d UTC\. The current time is/);
  });

  it('does not take an Instagram Login token on graph.facebook.com', async () => {
    const tokens = await igToken();
    const res = await get('graph.facebook.com', `/${GRAPH_VERSION}/me`, tokens.accessToken);
    expect(errorOf(res).code).toBe(190);
  });

  it('answers 190/458 after the grant was revoked', async () => {
    const user = await fbUser();
    await h.facebook.oauth.revoke!({ tokens: user, credentials: CREDENTIALS });
    const res = await get('graph.facebook.com', `/${GRAPH_VERSION}/me`, user.accessToken);
    expect(errorOf(res)).toMatchObject({ code: 190, error_subcode: 458 });
    expect(classifyMetaFailure(toFailure(res), new Date())).toMatchObject({ kind: 'auth_expired', code: '190/458' });
  });
});

describe('Graph conventions', () => {
  it('rejects deprecated and unknown versions', async () => {
    const tokens = await igToken();
    const old = await get('graph.instagram.com', '/v12.0/me', tokens.accessToken);
    expect(errorOf(old).code).toBe(2635);
    const bogus = await get('graph.instagram.com', '/latest/me', tokens.accessToken);
    expect(errorOf(bogus).code).toBe(2500);
  });

  it('answers (#100) for a field the node does not have — there is no verified field on IG users', async () => {
    const tokens = await igToken();
    const res = await get('graph.instagram.com', `/${GRAPH_VERSION}/me`, tokens.accessToken, { fields: 'id,is_verified' });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 100, message: '(#100) Tried accessing nonexisting field (is_verified) on node type (User)' });
  });

  it('answers a syntax error in fields with code 100', async () => {
    const tokens = await igToken();
    const res = await get('graph.instagram.com', `/${GRAPH_VERSION}/me`, tokens.accessToken, { fields: 'media{id' });
    expect(errorOf(res).code).toBe(100);
  });

  it('always includes the node id and uses the default fields when none are asked for', async () => {
    const user = await fbUser();
    const me = json(await get('graph.facebook.com', `/${GRAPH_VERSION}/me`, user.accessToken));
    expect(Object.keys(me).sort()).toEqual(['id', 'name']);
    const onlyName = json(await get('graph.facebook.com', `/${GRAPH_VERSION}/me`, user.accessToken, { fields: 'name' }));
    expect(onlyName).toHaveProperty('id');
  });

  it('emits X-App-Usage on every Graph answer and the BUC header on Page calls', async () => {
    const user = await fbUser();
    const accounts = await get('graph.facebook.com', `/${GRAPH_VERSION}/me/accounts`, user.accessToken, { fields: 'id,access_token' });
    expect(accounts.headers['x-app-usage']).toBeDefined();
    expect(accounts.headers['x-business-use-case-usage']).toBeUndefined();
    const first = (json(accounts)['data'] as Array<{ id: string; access_token: string }>)[0]!;
    const page = await get('graph.facebook.com', `/${GRAPH_VERSION}/${first.id}`, first.access_token, { fields: 'followers_count' });
    const buc = JSON.parse(page.headers['x-business-use-case-usage']!) as Record<string, Array<Record<string, unknown>>>;
    expect(buc[first.id]![0]).toMatchObject({ type: 'pages', estimated_time_to_regain_access: 0 });
    expect(typeof buc[first.id]![0]!['call_count']).toBe('number');
  });

  it('pages /me/accounts with cursors and a next link', async () => {
    const user = await fbUser();
    const first = json(await get('graph.facebook.com', `/${GRAPH_VERSION}/me/accounts`, user.accessToken, { fields: 'id', limit: '1' }));
    const paging = first['paging'] as { cursors: { after: string }; next?: string };
    expect(first['data']).toHaveLength(1);
    expect(paging.next).toContain('after=');
    expect(paging.next).not.toContain('access_token');
    const second = json(await get('graph.facebook.com', `/${GRAPH_VERSION}/me/accounts`, user.accessToken, { fields: 'id', limit: '1', after: paging.cursors.after }));
    expect(second['data']).toHaveLength(1);
    expect((second['paging'] as { next?: string }).next).toBeUndefined();
    expect((second['data'] as Array<{ id: string }>)[0]!.id).not.toBe((first['data'] as Array<{ id: string }>)[0]!.id);
  });

  it('renders post edges with summaries and reaction lists', async () => {
    const user = await fbUser();
    const pages = await h.facebook.accounts.list({ tokens: user, credentials: CREDENTIALS });
    const res = await get('graph.facebook.com', `/${GRAPH_VERSION}/${pages[0]!.platformAccountId}/published_posts`, pages[0]!.tokens!.accessToken, {
      fields: 'id,created_time,shares,reactions.summary(total_count).limit(2){type},comments.summary(total_count).limit(0)',
      limit: '3',
    });
    const body = json(res) as { data: Array<{ id: string; reactions: { data: unknown[]; summary: { total_count: number } }; comments: { data: unknown[]; summary: { total_count: number } } }> };
    expect(body.data).toHaveLength(3);
    for (const post of body.data) {
      expect(post.id).toMatch(new RegExp(`^${pages[0]!.platformAccountId}_\\d+$`));
      expect(post.reactions.data).toEqual([{ type: 'LIKE' }, { type: 'LIKE' }]);
      expect(typeof post.reactions.summary.total_count).toBe('number');
      expect(post.comments.data).toEqual([]);
    }
  });
});

describe('natural throttling', () => {
  it('answers 80002 with the wait in the BUC header once an Instagram account spends its budget', async () => {
    const tight = await startMeta({ businessCallsPerHour: 2 });
    try {
      const tokens = await igToken(tight);
      const path = `/${GRAPH_VERSION}/me`;
      expect((await get('graph.instagram.com', path, tokens.accessToken, {}, tight)).status).toBe(200);
      expect((await get('graph.instagram.com', path, tokens.accessToken, {}, tight)).status).toBe(200);
      const throttled = await get('graph.instagram.com', path, tokens.accessToken, {}, tight);
      expect(throttled.status).toBe(403);
      expect(errorOf(throttled)).toMatchObject({ code: 80002 });
      expect(classifyMetaFailure(toFailure(throttled), new Date())).toMatchObject({ kind: 'rate_limited', code: '80002', retryAfterSeconds: 3600 });
      tight.fakes.advanceClock(3601);
      expect((await get('graph.instagram.com', path, tokens.accessToken, {}, tight)).status).toBe(200);
    } finally {
      await tight.close();
    }
  });

  it('answers code 4 once the app spends its hourly budget', async () => {
    const tight = await startMeta({ appCallsPerHour: 4 });
    try {
      const user = await fbUser(tight); // two calls: code exchange, fb_exchange_token
      await get('graph.facebook.com', `/${GRAPH_VERSION}/me`, user.accessToken, {}, tight);
      const last = await get('graph.facebook.com', `/${GRAPH_VERSION}/me`, user.accessToken, {}, tight);
      expect(JSON.parse(last.headers['x-app-usage']!)).toMatchObject({ call_count: 100 });
      const throttled = await get('graph.facebook.com', `/${GRAPH_VERSION}/me`, user.accessToken, {}, tight);
      expect(errorOf(throttled)).toMatchObject({ code: 4 });
      expect(classifyMetaFailure(toFailure(throttled), new Date())).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 3600 });
    } finally {
      await tight.close();
    }
  });
});

describe('token endpoints', () => {
  it('rejects an unknown grant_type on the Instagram exchange', async () => {
    const tokens = await igToken();
    const res = await get('graph.instagram.com', '/access_token', undefined, { grant_type: 'client_credentials', client_secret: CREDENTIALS.clientSecret, access_token: tokens.accessToken });
    expect(errorOf(res).code).toBe(100);
  });

  it('will not exchange a Page token for a long-lived user token', async () => {
    const user = await fbUser();
    const [page] = await h.facebook.accounts.list({ tokens: user, credentials: CREDENTIALS });
    const res = await get('graph.facebook.com', `/${GRAPH_VERSION}/oauth/access_token`, undefined, {
      grant_type: 'fb_exchange_token',
      client_id: CREDENTIALS.clientId,
      client_secret: CREDENTIALS.clientSecret,
      fb_exchange_token: page!.tokens!.accessToken,
    });
    expect(errorOf(res).code).toBe(100);
  });

  it('honours a PKCE challenge on the Facebook dialog', async () => {
    const verifier = 'a-verifier-that-is-long-enough-for-pkce-0123456789';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = h.facebook.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: ['pages_show_list'], codeChallenge: challenge, credentials: CREDENTIALS });
    const exchange = async (v: string) => {
      const code = callbackParams(await followConsent(h, url, { code_challenge: challenge, code_challenge_method: 'S256' }))['code']!;
      return get('graph.facebook.com', `/${GRAPH_VERSION}/oauth/access_token`, undefined, {
        client_id: CREDENTIALS.clientId,
        client_secret: CREDENTIALS.clientSecret,
        redirect_uri: REDIRECT_URI,
        code,
        code_verifier: v,
      });
    };
    expect((await exchange('wrong-verifier')).status).toBe(400);
    expect((await exchange(verifier)).status).toBe(200);
  });
});

describe('injected faults on the OAuth hosts', () => {
  const exchange = () =>
    h.http.send({ method: 'POST', url: 'https://api.instagram.com/oauth/access_token', form: { client_id: CREDENTIALS.clientId, code: 'x' } });

  it.each([
    ['rate_limited', 429, 'rate_limited'],
    ['server_error', 500, 'transient'],
    ['expired_token', 400, 'invalid_request'],
    ['revoked_grant', 400, 'invalid_request'],
  ] as const)('api.instagram.com renders %s in Instagram Login’s own shape', async (kind, status, failureKind) => {
    h.fakes.inject('meta', { kind, times: 1 });
    const res = await exchange();
    expect(res.status).toBe(status);
    expect(json(res)).toMatchObject({ error_type: 'OAuthException', code: status, error_message: expect.any(String) });
    expect(classifyMetaFailure(toFailure(res), new Date()).kind).toBe(failureKind);
  });

  it('the dialogs answer a page a browser can show', async () => {
    h.fakes.inject('meta', { kind: 'server_error', times: 1 });
    const res = await fetch(`${h.fakes.baseUrl}/www.instagram.com/oauth/authorize`, { redirect: 'manual' });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});

describe('snapshot', () => {
  it('lists the accounts that consented and the grant counts', async () => {
    await igToken();
    const user = await fbUser();
    await h.facebook.oauth.refresh!({ tokens: user, credentials: CREDENTIALS });
    const snap = h.fake.snapshot() as {
      accounts: Array<{ name: string; instagram: { userId: string }; pages: Array<{ id: string; instagramBusinessAccount?: string }> }>;
      grants: Record<string, { exchanges: number; refreshes: number; revokes: number }>;
    };
    expect(snap.accounts.map((a) => a.name)).toEqual(['reach.demo']);
    expect(snap.accounts[0]!.pages[0]!.instagramBusinessAccount).toBe(snap.accounts[0]!.instagram.userId);
    expect(snap.grants).toEqual({ instagram: { exchanges: 1, refreshes: 0, revokes: 0 }, facebook: { exchanges: 1, refreshes: 1, revokes: 0 } });
  });
});
