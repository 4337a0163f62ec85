/**
 * The fake X on its own, spoken to with raw HTTP: the contract details a client under test relies
 * on (shapes, validation, bearer checks, rate-limit headers, pagination, consent page).
 */
import { createHash, randomBytes } from 'node:crypto';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createXFake, type XFake } from '../../local/fakes/x';
import { accountIdFor, postAt, recentPosts } from '../../local/fakes/x/accounts';

const app = { clientId: 'x-fake-client', clientSecret: 'x-fake-secret' };
const REDIRECT = 'https://reach.example.com/cb';
const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;

let fakes: RunningFakes;
let fake: XFake;
beforeAll(async () => {
  fake = createXFake(app);
  fakes = await startFakes({ platforms: [fake] });
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

const url = (hostPath: string, query: Record<string, string> = {}) => {
  const u = new URL(`${fakes.baseUrl}/${hostPath}`);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
};

const authorizeQuery = (challenge: string, extra: Record<string, string> = {}) => ({
  response_type: 'code',
  client_id: app.clientId,
  redirect_uri: REDIRECT,
  scope: 'tweet.read users.read offline.access',
  state: 'st',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  ...extra,
});

/** Consent + token exchange by hand; returns the token answer. */
const grant = async (extra: Record<string, string> = {}): Promise<Record<string, unknown>> => {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const res = await fetch(url('x.com/i/oauth2/authorize', authorizeQuery(challenge, extra)), { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const token = await fetch(url('api.x.com/2/oauth2/token'), {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code, grant_type: 'authorization_code', redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
  });
  expect(token.status).toBe(200);
  return (await token.json()) as Record<string, unknown>;
};

const api = (path: string, token: string | undefined, query: Record<string, string> = {}) =>
  fetch(url(`api.x.com${path}`, query), { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('fake X token endpoint', () => {
  it('answers the documented token shape, with a refresh token only for offline.access', async () => {
    const answer = await grant();
    expect(answer).toEqual({
      token_type: 'bearer',
      expires_in: 7200,
      access_token: expect.any(String),
      scope: 'tweet.read users.read offline.access',
      refresh_token: expect.any(String),
    });
    const online = await grant({ scope: 'tweet.read users.read' });
    expect(online['refresh_token']).toBeUndefined();
  });

  it('refuses a public-client style request (client_id in the body) from a confidential app', async () => {
    const res = await fetch(url('api.x.com/2/oauth2/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ refresh_token: 'x', grant_type: 'refresh_token', client_id: app.clientId }).toString(),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'unauthorized_client', error_description: 'Missing valid authorization header' });
  });

  it('names a missing parameter', async () => {
    const res = await fetch(url('api.x.com/2/oauth2/token'), {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: 'c', grant_type: 'authorization_code', redirect_uri: REDIRECT }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter [code_verifier].' });
  });

  it('revokes with {"revoked":true}, also for a token it does not know', async () => {
    const answer = await grant();
    for (const token of [answer['access_token'] as string, 'never-issued']) {
      const res = await fetch(url('api.x.com/2/oauth2/revoke'), {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }).toString(),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ revoked: true });
    }
    expect((await api('/2/users/me', answer['access_token'] as string)).status).toBe(401);
  });
});

describe('fake X consent page', () => {
  it('shows an error page, not a redirect, for an unknown client', async () => {
    const res = await fetch(url('x.com/i/oauth2/authorize', authorizeQuery('c', { client_id: 'someone-else' })), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('sends PKCE-less requests back with error=invalid_request', async () => {
    const q = authorizeQuery('c');
    delete (q as Partial<typeof q>).code_challenge;
    const res = await fetch(url('x.com/i/oauth2/authorize', q), { redirect: 'manual' });
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('state')).toBe('st');
  });

  it('rejects unknown scopes', async () => {
    const res = await fetch(url('x.com/i/oauth2/authorize', authorizeQuery('c', { scope: 'users.read everything.write' })), { redirect: 'manual' });
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('in page mode shows approve/deny, and deny returns access_denied', async () => {
    const paged = await startFakes({ platforms: [createXFake(app)], consent: 'page' });
    try {
      const page = await fetch(`${paged.baseUrl}/x.com/i/oauth2/authorize?${new URLSearchParams(authorizeQuery('c'))}`, { redirect: 'manual' });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('@reach_demo');
      const deny = await fetch(`${paged.baseUrl}/x.com/i/oauth2/authorize?${new URLSearchParams(authorizeQuery('c', { fake_decision: 'deny' }))}`, {
        redirect: 'manual',
      });
      const back = new URL(deny.headers.get('location')!);
      expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', state: 'st' });
    } finally {
      await paged.close();
    }
  });
});

describe('fake X user routes', () => {
  it('rejects a missing or unknown bearer token with X\'s 401 problem', async () => {
    for (const token of [undefined, 'xat_unknown']) {
      const res = await api('/2/users/me', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await res.json()).toEqual({ title: 'Unauthorized', detail: 'Unauthorized', type: 'about:blank', status: 401 });
    }
  });

  it('returns only the default fields unless user.fields asks for more', async () => {
    const token = (await grant())['access_token'] as string;
    const plain = (await (await api('/2/users/me', token)).json()) as { data: Record<string, unknown> };
    expect(Object.keys(plain.data).sort()).toEqual(['id', 'name', 'username']);
    const full = (await (await api('/2/users/me', token, { 'user.fields': 'public_metrics,verified' })).json()) as { data: Record<string, unknown> };
    expect(full.data).toMatchObject({
      id: accountIdFor('reach_demo'),
      verified: expect.any(Boolean),
      public_metrics: {
        followers_count: expect.any(Number),
        following_count: expect.any(Number),
        tweet_count: expect.any(Number),
        listed_count: expect.any(Number),
      },
    });
  });

  it('counts calls in a 15-minute window in the x-rate-limit headers', async () => {
    const token = (await grant())['access_token'] as string;
    const first = await api('/2/users/me', token);
    const second = await api('/2/users/me', token);
    expect(first.headers.get('x-rate-limit-limit')).toBe('75');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('74');
    expect(second.headers.get('x-rate-limit-remaining')).toBe('73');
    const reset = Number(first.headers.get('x-rate-limit-reset'));
    expect(reset - fakes.context.now().getTime() / 1000).toBeGreaterThan(890);
    expect(second.headers.get('x-rate-limit-reset')).toBe(String(reset));
  });

  it('validates query parameters as X does', async () => {
    const token = (await grant())['access_token'] as string;
    const id = accountIdFor('reach_demo');
    const small = await api(`/2/users/${id}/tweets`, token, { max_results: '3' });
    expect(small.status).toBe(400);
    const body = (await small.json()) as { errors: { parameters: Record<string, string[]> }[]; type: string };
    expect(body.type).toBe('https://api.x.com/2/problems/invalid-request');
    expect(body.errors[0]!.parameters).toEqual({ max_results: ['3'] });
    const badField = await api(`/2/users/${id}/tweets`, token, { 'tweet.fields': 'public_metrics,sparkle' });
    expect(badField.status).toBe(400);
  });

  it('needs users.read and tweet.read', async () => {
    const token = (await grant({ scope: 'tweet.write' }))['access_token'] as string;
    expect((await api('/2/users/me', token)).status).toBe(403);
  });

  it('pages a timeline newest first, with next_token and the author expansion', async () => {
    const token = (await grant())['access_token'] as string;
    const id = accountIdFor('reach_demo');
    const query = { max_results: '5', 'tweet.fields': 'created_at,public_metrics', expansions: 'author_id', 'user.fields': 'public_metrics' };
    type Page = { data: { id: string; created_at: string; public_metrics: Record<string, number> }[]; includes: { users: { id: string }[] }; meta: Record<string, unknown> };
    const page1 = (await (await api(`/2/users/${id}/tweets`, token, query)).json()) as Page;
    expect(page1.meta).toMatchObject({ result_count: 5, newest_id: page1.data[0]!.id, oldest_id: page1.data[4]!.id, next_token: expect.any(String) });
    expect(page1.includes.users).toEqual([expect.objectContaining({ id, public_metrics: expect.any(Object) })]);
    expect(Object.keys(page1.data[0]!.public_metrics).sort()).toEqual(
      ['bookmark_count', 'impression_count', 'like_count', 'quote_count', 'reply_count', 'retweet_count'],
    );
    const page2 = (await (await api(`/2/users/${id}/tweets`, token, { ...query, pagination_token: page1.meta['next_token'] as string })).json()) as Page;
    const times = [...page1.data, ...page2.data].map((p) => Date.parse(p.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set([...page1.data, ...page2.data].map((p) => p.id)).size).toBe(10);
  });

  it('answers an empty timeline with result_count 0 and no data', async () => {
    const token = (await grant({ fake_account: 'empty_one' }))['access_token'] as string;
    const res = await api(`/2/users/${accountIdFor('empty_one')}/tweets`, token, { expansions: 'author_id' });
    expect(await res.json()).toEqual({ meta: { result_count: 0 } });
  });
});

describe('fake X accounts and posts', () => {
  it('derives posts deterministically, never in the future, with snowflake ids that grow with time', () => {
    const account = fake.account('reach_demo');
    const now = new Date();
    const posts = recentPosts(account, now, 0, 10);
    expect(posts).toEqual(recentPosts(account, now, 0, 10));
    expect(Date.parse(posts[0]!.createdAt)).toBeLessThanOrEqual(now.getTime());
    const ids = posts.map((p) => BigInt(p.id));
    expect(ids.every((v, i) => i === 0 || v < ids[i - 1]!)).toBe(true);
    expect(postAt(account, 3)).toEqual(postAt(account, 3));
  });

  it('snapshots accounts and grant counts, and forgets them on reset', async () => {
    await grant({ fake_account: 'someone' });
    expect(fake.snapshot()).toMatchObject({
      accounts: expect.arrayContaining([expect.objectContaining({ name: 'someone', id: accountIdFor('someone') })]),
      grants: { exchanges: 1, refreshes: 0, revokes: 0 },
    });
    fakes.reset();
    expect(fake.snapshot()).toEqual({
      accounts: [expect.objectContaining({ name: 'reach_demo' })],
      grants: { exchanges: 0, refreshes: 0, revokes: 0 },
      posts: [],
      media: [],
      webhooks: [],
      deliveries: [],
    });
  });
});
