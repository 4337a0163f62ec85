/**
 * The YouTube provider against the Google fake and the real samples: channels as accounts,
 * channel statistics by the 50 (calls counted at the fake), per-target failures, and faults.
 */
import { accountFor, channelStatistics } from '../../local/fakes/google/accounts';
import type { HttpClient } from '../../functions/providers/http';
import type { MetricsOutcome, MetricsTarget, Provider, ProviderFailure } from '../../functions/providers/types';
import { createYoutubeProvider } from '../../functions/providers/youtube';
import { channelListSchema, toAccount, toSnapshot } from '../../functions/providers/youtube/channels';
import { secondsUntilPacificMidnight } from '../../functions/providers/youtube/quota';
import type { TokenSet } from '../../functions/core/model/tokens';
import { CREDENTIALS, atNoon, connect, sampleText, startGoogle, type GoogleHarness } from './google-helpers';

const CHANNELS = 'GET www.googleapis.com/youtube/v3/channels';
const MANY = Array.from({ length: 60 }, (_, i) => `creator${String(i + 1).padStart(2, '0')}`);

const failures = (outcomes: readonly MetricsOutcome[]): ProviderFailure[] => outcomes.flatMap((o) => (o.ok ? [] : [o.failure]));

/** An HttpClient that answers every request with one canned response (for the real samples). */
const canned = (status: number, text: string): HttpClient & { urls: string[] } => {
  const urls: string[] = [];
  return {
    urls,
    publicUrl: (u) => u,
    send: async (req) => {
      urls.push(req.url);
      return { status, headers: { 'content-type': 'application/json' }, text };
    },
  };
};

describe('YouTube provider', () => {
  let h: GoogleHarness;
  let youtube: Provider;

  beforeAll(async () => {
    h = await startGoogle({ accounts: [...MANY, 'quiet.hidden'] });
    youtube = h.provider(createYoutubeProvider);
  });
  afterAll(() => h.close());
  beforeEach(() => h.fakes.reset());

  describe('manifest', () => {
    it('states Google OAuth, the channel account and what metrics exist', () => {
      const m = youtube.manifest;
      expect(m.id).toBe('youtube');
      expect(m.accountTypes).toEqual(['channel']);
      expect(m.oauth).toMatchObject({ scopeSeparator: ' ', pkce: 'supported', clientAuth: 'body', accessTokenLifetimeSeconds: 3599, refreshMarginSeconds: 300, rotatesRefreshToken: false });
      expect(m.metrics).toEqual({ followers: true, following: false, posts: true, views: true, verified: false, demographics: true });
      expect(m.limitations.join(' ')).toMatch(/100 refresh tokens/);
      expect(m.limitations.join(' ')).toMatch(/7 days/);
      expect(youtube.metrics?.batchSize).toBe(50);
    });
  });

  describe('accounts.list', () => {
    it('returns the channel with its handle, title and largest thumbnail', async () => {
      const tokens = await connect(h, youtube, 'acme.studio');
      const channel = accountFor('acme.studio').channel!;
      expect(await youtube.accounts.list({ tokens, credentials: CREDENTIALS })).toEqual([
        {
          platformAccountId: channel.id,
          username: '@acme.studio',
          displayName: 'acme.studio (YouTube)',
          avatarUrl: `https://yt3.ggpht.com/fake-${channel.id}=s800-c-k-c0x00ffffff-no-rj`,
          accountType: 'channel',
        },
      ]);
      expect(h.calls(CHANNELS)).toBe(1);
    });

    it('returns no accounts for a Google account without a channel', async () => {
      const tokens = await connect(h, youtube, 'someone.nochannel');
      expect(await youtube.accounts.list({ tokens, credentials: CREDENTIALS })).toEqual([]);
    });

    it('returns no accounts when YouTube answers youtubeSignupRequired (real sample)', async () => {
      const provider = createYoutubeProvider({ http: canned(401, sampleText('youtube_error_401_youtubeSignupRequired.json')), now: () => new Date() });
      const tokens: TokenSet = { accessToken: 'ya29.x', scopes: [], obtainedAt: new Date().toISOString() };
      expect(await provider.accounts.list({ tokens, credentials: CREDENTIALS })).toEqual([]);
    });

    it('refuses a token without a YouTube scope as invalid_request', async () => {
      const { createGoogleBusinessProvider } = await import('../../functions/providers/google-business');
      const tokens = await connect(h, h.provider(createGoogleBusinessProvider), 'scopeless');
      await expect(youtube.accounts.list({ tokens, credentials: CREDENTIALS })).rejects.toMatchObject({
        failure: { kind: 'invalid_request', code: 'insufficientPermissions' },
      });
    });
  });

  describe('metrics.fetch', () => {
    const targetsFor = (names: readonly string[], tokens: TokenSet): MetricsTarget[] =>
      names.map((n) => ({ platformAccountId: accountFor(n).channel!.id, tokens }));

    it('reads 60 channels in 2 calls, one token serving each batch', async () => {
      const clock = atNoon(h);
      const tokens = await connect(h, youtube);
      const outcomes = await youtube.metrics!.fetch(targetsFor(MANY, tokens), CREDENTIALS);
      expect(h.calls(CHANNELS)).toBe(2);
      expect(outcomes).toHaveLength(60);
      expect(failures(outcomes)).toEqual([]);
      // Follower figures change by the day: the fakes' clock sits at noon, far from a day change.
      const now = clock();
      outcomes.forEach((o, i) => {
        const stats = channelStatistics(accountFor(MANY[i]!), now);
        expect(o).toEqual({
          platformAccountId: accountFor(MANY[i]!).channel!.id,
          ok: true,
          snapshot: { followers: Number(stats.subscriberCount), posts: Number(stats.videoCount), views: Number(stats.viewCount) },
        });
      });
    });

    it('leaves out the follower figure of a channel that hides it', async () => {
      const tokens = await connect(h, youtube);
      const [outcome] = await youtube.metrics!.fetch(targetsFor(['quiet.hidden'], tokens), CREDENTIALS);
      expect(outcome).toMatchObject({ ok: true });
      if (!outcome?.ok) throw new Error('expected success');
      expect(outcome.snapshot.followers).toBeUndefined();
      expect(outcome.snapshot.posts).toBeGreaterThan(0);
    });

    it('fails only the channel YouTube does not return', async () => {
      const tokens = await connect(h, youtube);
      const targets = [...targetsFor(['creator01'], tokens), { platformAccountId: 'UCdoesnotexist0000000000', tokens }];
      const outcomes = await youtube.metrics!.fetch(targets, CREDENTIALS);
      expect(outcomes[0]).toMatchObject({ ok: true });
      expect(outcomes[1]).toMatchObject({ ok: false, failure: { kind: 'invalid_request', code: 'channelNotFound' } });
    });

    it('fails only the target whose token was revoked, and reads the rest with the next token', async () => {
      const dead = await connect(h, youtube, 'gone.user');
      const live = await connect(h, youtube, 'creator01');
      await youtube.oauth.revoke!({ tokens: dead, credentials: CREDENTIALS });
      const targets = [{ platformAccountId: accountFor('gone.user').channel!.id, tokens: dead }, ...targetsFor(['creator01', 'creator02'], live)];
      const outcomes = await youtube.metrics!.fetch(targets, CREDENTIALS);
      expect(outcomes.map((o) => o.ok)).toEqual([false, true, true]);
      expect(outcomes[0]).toMatchObject({ failure: { kind: 'auth_expired', code: 'authError' } });
      expect(h.calls(CHANNELS)).toBe(2);
    });

    it('reads the real captured channels.list answer', async () => {
      const http = canned(200, sampleText('channels_list_response_captured.json'));
      const provider = createYoutubeProvider({ http, now: () => new Date() });
      const tokens: TokenSet = { accessToken: 'ya29.x', scopes: [], obtainedAt: new Date().toISOString() };
      const [outcome] = await provider.metrics!.fetch([{ platformAccountId: 'UCBVjMGOIkavEAhyqpxJ73Dw', tokens }], CREDENTIALS);
      expect(outcome).toEqual({ platformAccountId: 'UCBVjMGOIkavEAhyqpxJ73Dw', ok: true, snapshot: { followers: 36_200_000, posts: 163, views: 21_105_203_801 } });
      const url = new URL(http.urls[0]!);
      expect(`${url.origin}${url.pathname}`).toBe('https://www.googleapis.com/youtube/v3/channels');
    });
  });

  describe('injected faults', () => {
    it('reads a quota fault as rate_limited until midnight Pacific Time, for every target', async () => {
      const tokens = await connect(h, youtube);
      h.fakes.inject('google', { kind: 'rate_limited', path: '/youtube/v3/channels', times: 1 });
      const before = secondsUntilPacificMidnight(new Date());
      const outcomes = await youtube.metrics!.fetch(
        ['creator01', 'creator02'].map((n) => ({ platformAccountId: accountFor(n).channel!.id, tokens })),
        CREDENTIALS,
      );
      const after = secondsUntilPacificMidnight(new Date());
      const found = failures(outcomes);
      expect(found).toHaveLength(2);
      for (const f of found) {
        expect(f).toMatchObject({ kind: 'rate_limited', code: 'quotaExceeded' });
        // Measured between two readings of the clock (which may straddle midnight itself).
        expect(f.retryAfterSeconds).toBeGreaterThanOrEqual(Math.min(before, after) - 1);
        expect(f.retryAfterSeconds).toBeLessThanOrEqual(Math.max(before, after));
      }
      expect(h.calls(CHANNELS)).toBe(1);
    });

    it('reads an outage as transient for every target', async () => {
      const tokens = await connect(h, youtube);
      h.fakes.inject('google', { kind: 'server_error', path: '/youtube/v3/channels', times: 1 });
      const outcomes = await youtube.metrics!.fetch([{ platformAccountId: accountFor('creator01').channel!.id, tokens }], CREDENTIALS);
      expect(failures(outcomes)).toEqual([expect.objectContaining({ kind: 'transient', code: 'backendError' })]);
    });

    it('reads an expired token as auth_expired for its own target only', async () => {
      const a = await connect(h, youtube, 'creator01');
      const b = await connect(h, youtube, 'creator02');
      h.fakes.inject('google', { kind: 'expired_token', path: '/youtube/v3/channels', times: 1 });
      const outcomes = await youtube.metrics!.fetch(
        [
          { platformAccountId: accountFor('creator01').channel!.id, tokens: a },
          { platformAccountId: accountFor('creator02').channel!.id, tokens: b },
        ],
        CREDENTIALS,
      );
      expect(outcomes[0]).toMatchObject({ ok: false, failure: { kind: 'auth_expired', code: 'authError' } });
      expect(outcomes[1]).toMatchObject({ ok: true });
    });
  });

  describe('the fake speaks like the real samples', () => {
    it('answers a request without a token exactly as the captured 401 Login Required', async () => {
      const res = await fetch(`${h.fakes.baseUrl}/www.googleapis.com/youtube/v3/channels?part=snippet&mine=true`);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual(JSON.parse(sampleText('google_api_error_401_login_required.json')));
    });

    it('renders an injected quota fault exactly as the captured quotaExceeded body', async () => {
      h.fakes.inject('google', { kind: 'rate_limited', path: '/youtube/v3/channels', times: 1 });
      const res = await fetch(`${h.fakes.baseUrl}/www.googleapis.com/youtube/v3/channels?part=snippet&mine=true`);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual(JSON.parse(sampleText('error_403_quotaExceeded_captured.json')));
    });

    it('answers channels.list in the captured response’s shape', async () => {
      const tokens = await connect(h, youtube);
      const res = await fetch(`${h.fakes.baseUrl}/www.googleapis.com/youtube/v3/channels?part=snippet,contentDetails,statistics&mine=true`, {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      const body = (await res.json()) as { items: Array<Record<string, Record<string, unknown>>> };
      const sample = JSON.parse(sampleText('channels_list_response_captured.json')) as { items: Array<Record<string, Record<string, unknown>>> };
      expect(channelListSchema.safeParse(body).success).toBe(true);
      const keys = (o: Record<string, unknown> | undefined) => Object.keys(o ?? {}).sort();
      for (const part of ['contentDetails', 'statistics']) expect(keys(body.items[0]![part])).toEqual(keys(sample.items[0]![part]));
      expect(keys(body.items[0]!['snippet'])).toEqual(expect.arrayContaining(keys(sample.items[0]!['snippet'])));
      expect(typeof body.items[0]!['statistics']!['subscriberCount']).toBe('string');
    });
  });

  describe('channel mapping (pure)', () => {
    const sample = channelListSchema.parse(JSON.parse(sampleText('channels_list_response_captured.json')));

    it('parses the real sample, whose counts are strings', () => {
      expect(sample.items?.[0]?.statistics).toEqual({ viewCount: 21_105_203_801, subscriberCount: 36_200_000, hiddenSubscriberCount: false, videoCount: 163 });
    });

    it('maps a channel without a handle to an account without a username', () => {
      expect(toAccount(sample.items![0]!)).toEqual({
        platformAccountId: 'UCBVjMGOIkavEAhyqpxJ73Dw',
        displayName: 'Maroon 5',
        avatarUrl: 'https://yt3.ggpht.com/CL8tVHSaAetXksR5I_RCn1tgfvrfRfyeoVasD4c3Vav4-ikrZA0LzDZdIgg4tcDf90-yPQpndA=s800-c-k-c0x00ffffff-no-nd-rj',
        accountType: 'channel',
      });
    });

    it('drops a hidden subscriber count even when a figure is present', () => {
      expect(toSnapshot({ id: 'UC1', statistics: { subscriberCount: 0, hiddenSubscriberCount: true, videoCount: 3, viewCount: 10 } })).toEqual({ posts: 3, views: 10 });
    });

    it('refuses counts that are not decimal strings', () => {
      expect(channelListSchema.safeParse({ items: [{ id: 'UC1', statistics: { subscriberCount: 12 } }] }).success).toBe(false);
    });
  });
});
