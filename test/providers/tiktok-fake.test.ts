/**
 * The fake TikTok on its own, spoken to over raw HTTP: the Display API's fields, scopes,
 * pagination and rate windows, the token endpoint's other grants and refusals, and its snapshot.
 */
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createTiktokFake, type TiktokFake } from '../../local/fakes/tiktok';

const app = { clientId: 'tt-key', clientSecret: 'tt-secret' };
const REDIRECT = 'https://reach.example/v1/oauth/tiktok/callback';
const LOG_ID = /^\d{14}[0-9A-F]{20}$/;

interface Envelope {
  readonly data: Record<string, unknown>;
  readonly error: { readonly code: string; readonly message: string; readonly log_id: string };
}

describe('the fake TikTok', () => {
  let fakes: RunningFakes;
  let fake: TiktokFake;

  beforeAll(async () => {
    fake = createTiktokFake(app, { rateLimits: { videoQuery: 3 } });
    fakes = await startFakes({ platforms: [fake] });
  });
  afterAll(async () => {
    await fakes.close();
  });

  const url = (host: string, path: string) => `${fakes.baseUrl}/${host}${path}`;

  const tokenFor = async (account: string, scopes: string, grant?: string): Promise<string> => {
    const query = new URLSearchParams({ client_key: app.clientId, scope: scopes, response_type: 'code', redirect_uri: REDIRECT, state: 's', fake_account: account });
    if (grant) query.set('fake_grant', grant);
    const consent = await fetch(url('www.tiktok.com', `/v2/auth/authorize/?${query}`), { redirect: 'manual' });
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const res = await fetch(url('open.tiktokapis.com', '/v2/oauth/token/'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_key: app.clientId, client_secret: app.clientSecret, code, grant_type: 'authorization_code', redirect_uri: REDIRECT }),
    });
    const body = (await res.json()) as { access_token: string; open_id: string };
    expect(body.open_id).toBe(fake.account(account).openId);
    return body.access_token;
  };

  const api = async (method: 'GET' | 'POST', path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: Envelope; headers: Headers }> => {
    const res = await fetch(url('open.tiktokapis.com', path), {
      method,
      headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Envelope, headers: res.headers };
  };

  describe('GET /v2/user/info/', () => {
    it('answers the requested fields only, in the envelope with code ok and a log id', async () => {
      const token = await tokenFor('maker.verified', 'user.info.basic,user.info.profile,user.info.stats');
      const res = await api('GET', '/v2/user/info/?fields=open_id,username,is_verified,follower_count', token);
      expect(res.status).toBe(200);
      expect(res.body.error).toEqual({ code: 'ok', message: '', log_id: expect.stringMatching(LOG_ID) });
      expect(res.body.data).toEqual({
        user: { open_id: fake.account('maker.verified').openId, username: 'maker.verified', is_verified: true, follower_count: expect.any(Number) },
      });
    });

    it('fails the whole call for a field whose scope was not granted', async () => {
      const token = await tokenFor('maker.basic', 'user.info.basic');
      const res = await api('GET', '/v2/user/info/?fields=open_id,follower_count', token);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ data: {}, error: { code: 'scope_not_authorized', log_id: expect.stringMatching(LOG_ID) } });
    });

    it('wants fields, and known ones', async () => {
      const token = await tokenFor('maker.basic', 'user.info.basic');
      expect((await api('GET', '/v2/user/info/', token)).body.error.code).toBe('invalid_params');
      expect((await api('GET', '/v2/user/info/?fields=open_id,shoe_size', token)).status).toBe(400);
    });

    it('wants a live bearer token in the Authorization header', async () => {
      const missing = await api('GET', '/v2/user/info/?fields=open_id', undefined);
      expect(missing.status).toBe(401);
      expect(missing.body.error.code).toBe('access_token_invalid');
      const token = await tokenFor('maker.basic', 'user.info.basic');
      const inQuery = await fetch(url('open.tiktokapis.com', `/v2/user/info/?fields=open_id&access_token=${token}`));
      expect(inQuery.status).toBe(401);
      fakes.advanceClock(86_401);
      expect((await api('GET', '/v2/user/info/?fields=open_id', token)).body.error.code).toBe('access_token_invalid');
    });
  });

  describe('POST /v2/video/list/', () => {
    it('pages through every public video newest first with the epoch-ms cursor', async () => {
      const token = await tokenFor('pager', 'user.info.basic,user.info.stats,video.list');
      const info = await api('GET', '/v2/user/info/?fields=video_count', token);
      const total = (info.body.data['user'] as { video_count: number }).video_count;
      const seen: { id: string; create_time: number }[] = [];
      let cursor: number | undefined;
      for (let page = 0; page < 100; page++) {
        const res = await api('POST', '/v2/video/list/?fields=id,create_time,like_count', token, { max_count: 20, ...(cursor !== undefined && { cursor }) });
        expect(res.status).toBe(200);
        const data = res.body.data as { videos: { id: string; create_time: number; like_count: number }[]; cursor: number; has_more: boolean };
        expect(data.videos.length).toBeLessThanOrEqual(20);
        seen.push(...data.videos);
        if (data.videos.length > 0) expect(data.cursor).toBe(data.videos[data.videos.length - 1]!.create_time * 1000);
        if (!data.has_more) break;
        cursor = data.cursor;
      }
      expect(seen).toHaveLength(total);
      expect(new Set(seen.map((v) => v.id)).size).toBe(total);
      const times = seen.map((v) => v.create_time);
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(times[0]! * 1000).toBeLessThanOrEqual(fakes.context.now().getTime());
      // Ids carry their creation second in the upper 32 bits, as TikTok's do.
      expect(Number(BigInt(seen[0]!.id) >> 32n)).toBe(times[0]);
    });

    it('refuses max_count above 20, and calls without the video.list scope', async () => {
      const token = await tokenFor('pager', 'user.info.basic,video.list');
      expect((await api('POST', '/v2/video/list/?fields=id', token, { max_count: 21 })).body.error.code).toBe('invalid_params');
      const noScope = await tokenFor('pager', 'user.info.basic');
      const res = await api('POST', '/v2/video/list/?fields=id', noScope, { max_count: 5 });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('scope_not_authorized');
    });
  });

  describe('POST /v2/video/query/', () => {
    it('finds the user\'s own videos by id and keeps a per-token one-minute window without headers', async () => {
      const token = await tokenFor('querier', 'user.info.basic,video.list');
      const list = await api('POST', '/v2/video/list/?fields=id', token, { max_count: 2 });
      const ids = (list.body.data['videos'] as { id: string }[]).map((v) => v.id);
      const found = await api('POST', '/v2/video/query/?fields=id,view_count', token, { filters: { video_ids: [...ids, '1'] } });
      expect((found.body.data['videos'] as { id: string }[]).map((v) => v.id)).toEqual(ids);
      expect((await api('POST', '/v2/video/query/?fields=id', token, { filters: { video_ids: [] } })).body.error.code).toBe('invalid_params');
      // The limit is 3 a minute here: refused requests count too.
      expect((await api('POST', '/v2/video/query/?fields=id', token, { filters: { video_ids: ids } })).status).toBe(200);
      const limited = await api('POST', '/v2/video/query/?fields=id', token, { filters: { video_ids: ids } });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limit_exceeded');
      expect(limited.headers.get('retry-after')).toBeNull();
      fakes.advanceClock(61);
      expect((await api('POST', '/v2/video/query/?fields=id', token, { filters: { video_ids: ids } })).status).toBe(200);
    });
  });

  describe('POST /v2/oauth/token/', () => {
    const post = (body: Record<string, string>, contentType = 'application/x-www-form-urlencoded') =>
      fetch(url('open.tiktokapis.com', '/v2/oauth/token/'), {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: contentType.includes('json') ? JSON.stringify(body) : new URLSearchParams(body),
      });

    it('issues client access tokens that reach no user endpoint', async () => {
      const res = await post({ client_key: app.clientId, client_secret: app.clientSecret, grant_type: 'client_credentials' });
      const body = (await res.json()) as { access_token: string; expires_in: number; token_type: string };
      expect(body).toEqual({ access_token: expect.stringMatching(/^clt\./), expires_in: 7200, token_type: 'Bearer' });
      expect((await api('GET', '/v2/user/info/?fields=open_id', body.access_token)).status).toBe(401);
    });

    it('answers refusals in the flat OAuth shape', async () => {
      const json = await post({ client_key: app.clientId, client_secret: app.clientSecret, grant_type: 'client_credentials' }, 'application/json');
      expect(json.status).toBe(400);
      expect(await json.json()).toEqual({ error: 'invalid_request', error_description: 'The request parameters are malformed.', log_id: expect.stringMatching(LOG_ID) });
      const grant = await post({ client_key: app.clientId, client_secret: app.clientSecret, grant_type: 'password' });
      expect(((await grant.json()) as { error: string }).error).toBe('unsupported_grant_type');
      const wrong = await post({ client_key: app.clientId, client_secret: 'nope', grant_type: 'client_credentials' });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
    });
  });

  it('shows its accounts and grant counts in its snapshot, and forgets them on reset', async () => {
    await tokenFor('snap.shot', 'user.info.basic');
    const snapshot = fake.snapshot() as { accounts: { name: string; openId: string }[]; grants: { exchanges: number } };
    expect(snapshot.accounts.map((a) => a.name)).toEqual(expect.arrayContaining(['reach.demo', 'snap.shot']));
    expect(snapshot.grants.exchanges).toBeGreaterThan(0);
    fakes.reset();
    expect(fake.snapshot()).toEqual({
      accounts: [{ name: 'reach.demo', openId: fake.account('reach.demo').openId, username: 'reach.demo', verified: false, hasVideos: true }],
      grants: { exchanges: 0, refreshes: 0, revokes: 0 },
      posts: [],
      webhooks: [],
    });
  });
});
