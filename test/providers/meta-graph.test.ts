/**
 * The shared Meta Graph module: error classification over the real samples and every documented
 * code, usage headers, the Facebook Login helpers and the engagement averages.
 */
import { ProviderError, type HttpFailure } from '../../functions/providers/types';
import type { HttpClient, HttpRequest } from '../../functions/providers/http';
import { FACEBOOK_DIALOG_URL, GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import { averageEngagement } from '../../functions/providers/meta-graph/engagement';
import { DEFAULT_RATE_WAIT_SECONDS, classifyMetaFailure, graphCode, redact } from '../../functions/providers/meta-graph/errors';
import { expiresAtFrom, facebookDialogUrl, splitScopes, tokenAnswerSchema, userTokenSet } from '../../functions/providers/meta-graph/oauth';
import { listManagedPages } from '../../functions/providers/meta-graph/pages';
import { appSecretProof } from '../../functions/providers/meta-graph/request';
import { regainAccessSeconds } from '../../functions/providers/meta-graph/usage';
import { z } from 'zod';
import { sample, sampleText } from './meta-support';
import { stripJsonComments } from '../support/jsonc';

const NOW = new Date('2026-05-01T12:00:00.000Z');

const failure = (status: number, json: unknown, headers: Record<string, string> = {}): HttpFailure => ({
  status,
  headers,
  body: typeof json === 'string' ? json : JSON.stringify(json),
  json: typeof json === 'string' ? undefined : json,
});

const graph = (code: number, extra: Record<string, unknown> = {}) => ({ error: { message: 'm', type: 'OAuthException', code, fbtrace_id: 'T', ...extra } });

describe('stripJsonComments (test helper)', () => {
  it('drops // comments but keeps // inside strings', () => {
    const text = '{ "url": "https://x.test/a", // note\n "n": 1 }';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ url: 'https://x.test/a', n: 1 });
  });
});

describe('classifyMetaFailure on the conformance samples', () => {
  it('classifies the documented 190/460 sample as auth_expired', () => {
    const f = classifyMetaFailure(failure(400, sample('meta/graph_error_sample_190_460.json')), NOW);
    expect(f).toMatchObject({ kind: 'auth_expired', code: '190/460' });
  });

  it('classifies the real expired-session body (190/463) as auth_expired', () => {
    const inner = sample('meta/graph_error_expired_token_190_463.inner.json');
    const f = classifyMetaFailure(failure(400, { error: inner }), NOW);
    expect(f).toMatchObject({ kind: 'auth_expired', code: '190/463' });
    expect(f.message).toContain('Session has expired');
  });

  it('classifies the Messenger invalid-token sample (190 with an unlisted subcode) as auth_expired', () => {
    expect(classifyMetaFailure(failure(400, sample('meta/messenger_error_sample_190.json')), NOW)).toMatchObject({
      kind: 'auth_expired',
      code: '190/1234567',
    });
  });

  it('classifies the Instagram image-too-large sample as invalid_request with code and subcode', () => {
    const f = classifyMetaFailure(failure(400, sample('instagram/ig_error_sample_image_too_large.json')), NOW);
    expect(f).toMatchObject({ kind: 'invalid_request', code: '36000/2207004' });
    expect(f.message).toContain('The image size is too large.');
  });

  it("classifies Instagram Login's exchange error shape (not the Graph envelope)", () => {
    const f = classifyMetaFailure(failure(400, sample('instagram/ig_login_code_exchange_error.json')), NOW);
    expect(f).toMatchObject({ kind: 'invalid_request', code: 'OAuthException/400' });
    expect(f.message).toContain('Matching code was not found or was already used');
  });
});

describe('classifyMetaFailure over the documented codes', () => {
  it.each([
    [190, 'auth_expired'],
    [4, 'rate_limited'],
    [17, 'rate_limited'],
    [32, 'rate_limited'],
    [341, 'rate_limited'],
    [613, 'rate_limited'],
    [80001, 'rate_limited'],
    [80002, 'rate_limited'],
    [80009, 'rate_limited'],
    [1, 'transient'],
    [2, 'transient'],
    [10, 'invalid_request'],
    [100, 'invalid_request'],
    [200, 'invalid_request'],
    [299, 'invalid_request'],
    [368, 'permanent'],
    [506, 'permanent'],
  ])('code %i is %s', (code, kind) => {
    const f = classifyMetaFailure(failure(400, graph(code)), NOW);
    expect(f.kind).toBe(kind);
    expect(f.code).toBe(String(code));
  });

  it.each([458, 460, 463, 467, 492])('190/%i is auth_expired with the subcode in its code', (subcode) => {
    expect(classifyMetaFailure(failure(400, graph(190, { error_subcode: subcode })), NOW)).toMatchObject({
      kind: 'auth_expired',
      code: `190/${subcode}`,
    });
  });

  it('treats any error marked is_transient as transient', () => {
    expect(classifyMetaFailure(failure(400, graph(9007, { is_transient: true })), NOW).kind).toBe('transient');
  });

  it('waits as long as the Business Use Case header says (minutes → seconds)', () => {
    const headers = {
      'x-business-use-case-usage': JSON.stringify({
        '17841400000000000': [{ type: 'instagram', call_count: 100, total_cputime: 20, total_time: 20, estimated_time_to_regain_access: 7 }],
      }),
    };
    expect(classifyMetaFailure(failure(403, graph(80002), headers), NOW)).toMatchObject({ kind: 'rate_limited', code: '80002', retryAfterSeconds: 420 });
  });

  it('waits an hour when Meta gives no reset time (app-level throttle)', () => {
    const headers = { 'x-app-usage': JSON.stringify({ call_count: 100, total_cputime: 30, total_time: 30 }) };
    expect(classifyMetaFailure(failure(403, graph(4), headers), NOW).retryAfterSeconds).toBe(DEFAULT_RATE_WAIT_SECONDS);
  });

  it('falls back to the HTTP status for bodies that are not Meta errors', () => {
    expect(classifyMetaFailure(failure(502, '<html>Bad gateway</html>'), NOW)).toMatchObject({ kind: 'transient', code: 'http_502' });
    expect(classifyMetaFailure(failure(401, ''), NOW).kind).toBe('auth_expired');
    expect(classifyMetaFailure(failure(429, '', { 'retry-after': '30' }), NOW)).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 30 });
    expect(classifyMetaFailure(failure(429, ''), NOW).retryAfterSeconds).toBe(DEFAULT_RATE_WAIT_SECONDS);
  });

  it('treats an unlisted code on a 5xx as transient', () => {
    expect(classifyMetaFailure(failure(500, graph(12345)), NOW).kind).toBe('transient');
  });

  it('never repeats a token Graph echoed in its message', () => {
    const token = 'EAAGm0PX4ZCpsBAKZCeXaMpLe1234567890abcdefABCDEF';
    const f = classifyMetaFailure(failure(400, { error: { message: `Malformed access token ${token}`, type: 'OAuthException', code: 190 } }), NOW);
    expect(f.kind).toBe('auth_expired');
    expect(f.message).not.toContain(token);
    expect(f.message).toContain('[redacted]');
  });
});

describe('helpers', () => {
  it('graphCode joins code and subcode', () => {
    expect(graphCode({ code: 190, error_subcode: 463 })).toBe('190/463');
    expect(graphCode({ code: 4 })).toBe('4');
  });

  it('redact removes long opaque runs and Meta token prefixes', () => {
    expect(redact('token IGQVJYabcdefghijklmnop here')).toBe('token [redacted] here');
    expect(redact('plain words stay')).toBe('plain words stay');
  });

  it('regainAccessSeconds takes the longest wait across objects and the Page header', () => {
    const headers = {
      'x-business-use-case-usage': JSON.stringify({
        '1': [{ type: 'pages', call_count: 100, estimated_time_to_regain_access: 3 }],
        '2': [{ type: 'instagram', call_count: 10, estimated_time_to_regain_access: 0 }],
      }),
      'x-page-usage': JSON.stringify({ call_count: 100, estimated_time_to_regain_access: 5 }),
    };
    expect(regainAccessSeconds(headers)).toBe(300);
    expect(regainAccessSeconds({ 'x-business-use-case-usage': '{"1":[{"estimated_time_to_regain_access":0}]}' })).toBeUndefined();
    expect(regainAccessSeconds({ 'x-business-use-case-usage': 'not json' })).toBeUndefined();
  });

  it('appSecretProof is the hex HMAC-SHA256 of the token keyed with the secret', () => {
    // RFC-style known vector for HMAC-SHA256.
    expect(appSecretProof('The quick brown fox jumps over the lazy dog', 'key')).toBe('f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });

  it('splitScopes and expiresAtFrom', () => {
    expect(splitScopes('a, b,,c')).toEqual(['a', 'b', 'c']);
    expect(splitScopes(undefined)).toEqual([]);
    expect(expiresAtFrom(NOW, 60)).toBe('2026-05-01T12:01:00.000Z');
    expect(expiresAtFrom(NOW, undefined)).toBeUndefined();
    expect(expiresAtFrom(NOW, 0)).toBeUndefined();
  });

  it('facebookDialogUrl carries exactly the documented parameters', () => {
    const url = new URL(facebookDialogUrl({ clientId: '42', redirectUri: 'https://r.example/cb', state: 'st', scopes: ['pages_show_list', 'read_insights'] }));
    expect(`${url.origin}${url.pathname}`).toBe(FACEBOOK_DIALOG_URL);
    expect(url.pathname).toBe(`/${GRAPH_VERSION}/dialog/oauth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: '42',
      redirect_uri: 'https://r.example/cb',
      state: 'st',
      response_type: 'code granted_scopes',
      scope: 'pages_show_list,read_insights',
    });
  });
});

describe('token answers from the docs', () => {
  it.each(['facebook/long_lived_user_token_response.jsonc', 'instagram/ig_long_lived_token_response.jsonc'])('parses %s into a 60-day token set', (path) => {
    const answer = tokenAnswerSchema.parse(sample(path));
    const set = userTokenSet(answer, NOW, ['x']);
    expect(set).toEqual({
      accessToken: answer.access_token,
      tokenType: 'bearer',
      expiresAt: new Date(NOW.getTime() + 5_183_944_000).toISOString(),
      scopes: ['x'],
      obtainedAt: NOW.toISOString(),
    });
  });
});

describe('averageEngagement', () => {
  it('is undefined for an account with no posts', () => {
    expect(averageEngagement([])).toBeUndefined();
  });

  it('averages each figure over the posts that report it', () => {
    expect(averageEngagement([{ likes: 10, comments: 1 }, { comments: 3 }, { likes: 21, comments: 2, shares: 4 }])).toEqual({
      sampleSize: 3,
      likes: 15.5,
      comments: 2,
      shares: 4,
    });
  });

  it('leaves views out when no post reports them, and averages them when some do', () => {
    expect(averageEngagement([{ likes: 1 }])).not.toHaveProperty('views');
    expect(averageEngagement([{ likes: 1, views: 10 }, { likes: 3 }])).toMatchObject({ views: 10 });
  });
});

describe('listManagedPages', () => {
  it('follows the after cursor while Graph gives a next link, then stops', async () => {
    const requests: HttpRequest[] = [];
    const answers = [
      { data: [{ id: 'p1' }], paging: { cursors: { before: 'b', after: 'c1' }, next: 'https://graph.facebook.com/next' } },
      { data: [{ id: 'p2' }], paging: { cursors: { before: 'c1', after: 'c2' } } },
    ];
    const http: HttpClient = {
      publicUrl: (u) => u,
      send: async (request) => {
        requests.push(request);
        return { status: 200, headers: {}, text: JSON.stringify(answers[requests.length - 1]) };
      },
    };
    const ctx = { platform: 'facebook' as const, http, classify: (f: HttpFailure) => classifyMetaFailure(f, NOW) };
    const pages = await listManagedPages(ctx, { userToken: 'EAAuser', appSecret: 's', fields: 'id' }, z.object({ id: z.string() }));
    expect(pages.map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.query?.['after']).toBeUndefined();
    expect(requests[1]!.query?.['after']).toBe('c1');
    expect(requests[0]!.headers?.['authorization']).toBe('Bearer EAAuser');
    expect(requests[0]!.query?.['appsecret_proof']).toBe(appSecretProof('EAAuser', 's'));
    expect(requests[0]!.url).toBe(`https://graph.facebook.com/${GRAPH_VERSION}/me/accounts`);
  });

  it('throws the classified failure when Graph refuses', async () => {
    const http: HttpClient = {
      publicUrl: (u) => u,
      send: async () => ({ status: 400, headers: {}, text: sampleText('meta/graph_error_sample_190_460.json') }),
    };
    const ctx = { platform: 'facebook' as const, http, classify: (f: HttpFailure) => classifyMetaFailure(f, NOW) };
    const err = await listManagedPages(ctx, { userToken: 't', appSecret: 's', fields: 'id' }, z.object({ id: z.string() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).failure).toMatchObject({ kind: 'auth_expired', code: '190/460' });
  });
});
