import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, parseJson, type HttpClient } from '../../functions/providers/http';
import { createXProvider } from '../../functions/providers/x';
import { classifyXFailure, failureFromPartialErrors, problemTypeName, rateLimitWait, redact } from '../../functions/providers/x/errors';
import { timelineAnswerSchema } from '../../functions/providers/x/schemas';
import type { TokenSet } from '../../functions/core/model/tokens';
import { ProviderError, type HttpFailure, type Provider } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createXFake } from '../../local/fakes/x';

const SAMPLES = join(__dirname, '../fixtures/conformance/x');

/** Reads a sample; `.jsonc` samples lose their `//` comments first. */
const sample = (name: string): unknown => {
  const raw = readFileSync(join(SAMPLES, name), 'utf8');
  return JSON.parse(name.endsWith('.jsonc') ? raw.replace(/^\s*\/\/.*$/gm, '') : raw);
};

/** `name: value` lines of the documented rate-limit headers. */
const sampleHeaders = (): Record<string, string> =>
  Object.fromEntries(
    readFileSync(join(SAMPLES, 'rate_limit_headers.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );

const failure = (status: number, json: unknown, headers: Record<string, string> = {}): HttpFailure => ({
  status,
  headers,
  body: typeof json === 'string' ? json : JSON.stringify(json),
  json: typeof json === 'string' ? parseJson(json) : json,
});

describe('classifyXFailure on the documented samples', () => {
  const headers = sampleHeaders();
  const reset = Number(headers['x-rate-limit-reset']);

  it('reads the documented rate-limit headers', () => {
    expect(headers).toEqual({ 'x-rate-limit-limit': '900', 'x-rate-limit-remaining': '847', 'x-rate-limit-reset': '1705420800' });
  });

  it('classifies the legacy 429 body as rate_limited, waiting until x-rate-limit-reset', () => {
    const now = new Date((reset - 120) * 1000);
    const got = classifyXFailure(failure(429, sample('error_429_rate_limit_v1style.json'), { ...headers, 'x-rate-limit-remaining': '0' }), now);
    expect(got).toEqual({ kind: 'rate_limited', code: '88', message: 'Rate limit exceeded', retryAfterSeconds: 120 });
  });

  it('classifies the documented invalid-request problem as invalid_request', () => {
    const got = classifyXFailure(failure(400, sample('error_problem_invalid_request.json')), new Date());
    expect(got).toEqual({ kind: 'invalid_request', code: 'invalid-request', message: "Invalid Request: The 'query' parameter is required." });
  });

  it('classifies the partial-error entry of an HTTP 200 answer', () => {
    const body = timelineAnswerSchema.parse(sample('partial_error_200.json'));
    expect(body.data).toHaveLength(1);
    const got = failureFromPartialErrors(body.errors ?? [], {}, new Date());
    expect(got).toEqual({ kind: 'permanent', code: 'resource-not-found', message: 'Not Found Error: Could not find tweet with id: [456].' });
  });
});

describe('classifyXFailure rules', () => {
  const now = new Date('2026-11-20T10:00:00.000Z');
  const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

  it.each([
    ['401 about:blank', 401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }, 'auth_expired', 'unauthorized'],
    ['503 about:blank', 503, { title: 'Service Unavailable', detail: 'Service Unavailable', type: 'about:blank', status: 503 }, 'transient', 'service_unavailable'],
    ['legacy 89', 401, { errors: [{ code: 89, message: 'Invalid or expired token.' }] }, 'auth_expired', '89'],
    ['legacy 326', 403, { errors: [{ code: 326, message: 'This account is temporarily locked.' }] }, 'permanent', '326'],
    ['resource-not-found', 404, { title: 'Not Found Error', type: 'https://api.x.com/2/problems/resource-not-found', detail: 'gone' }, 'permanent', 'resource-not-found'],
    ['client-forbidden', 403, { title: 'Client Forbidden', type: 'https://api.twitter.com/2/problems/client-forbidden', detail: 'attach a project' }, 'permanent', 'client-forbidden'],
    ['unsupported-authentication', 403, { title: 'Unsupported Authentication', type: 'https://api.x.com/2/problems/unsupported-authentication' }, 'invalid_request', 'unsupported-authentication'],
    ['duplicate post', 403, { title: 'Forbidden', type: 'about:blank', status: 403, detail: 'You are not allowed to create a Tweet with duplicate content.' }, 'permanent', 'duplicate_content'],
    ['refresh token invalid', 400, { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' }, 'auth_expired', 'invalid_grant'],
    ['code invalid', 400, { error: 'invalid_request', error_description: 'Value passed for the authorization code was invalid.' }, 'auth_expired', 'invalid_grant'],
    ['PKCE mismatch', 400, { error: 'invalid_request', error_description: 'Value passed for the code verifier did not match the code challenge.' }, 'invalid_request', 'invalid_request'],
    ['wrong client credentials', 401, { error: 'unauthorized_client', error_description: 'Missing valid authorization header' }, 'invalid_request', 'unauthorized_client'],
    ['HTML gateway error', 502, '<html>Bad Gateway</html>', 'transient', 'http_502'],
  ])('%s', (_name, status, body, kind, code) => {
    expect(classifyXFailure(failure(status, body), now)).toMatchObject({ kind, code });
  });

  it('waits for the 24-hour limit when that one is exhausted', () => {
    const headers = {
      'x-rate-limit-limit': '100',
      'x-rate-limit-remaining': '57',
      'x-rate-limit-reset': String(epoch(now) + 600),
      'x-user-limit-24hour-limit': '17',
      'x-user-limit-24hour-remaining': '0',
      'x-user-limit-24hour-reset': String(epoch(now) + 36_000),
    };
    const got = classifyXFailure(failure(429, { title: 'Too Many Requests', type: 'about:blank', status: 429, detail: 'Too Many Requests' }, headers), now);
    expect(got).toMatchObject({ kind: 'rate_limited', code: 'too_many_requests', retryAfterSeconds: 36_000 });
  });

  it('falls back to a whole window without reset headers, and a day for usage caps', () => {
    expect(classifyXFailure(failure(429, { errors: [{ code: 88, message: 'Rate limit exceeded' }] }), now).retryAfterSeconds).toBe(900);
    const capped = { title: 'UsageCapExceeded', detail: 'Usage cap exceeded: Monthly product cap', type: 'https://api.x.com/2/problems/usage-capped' };
    expect(classifyXFailure(failure(429, capped), now)).toMatchObject({ kind: 'rate_limited', code: 'usage-capped', retryAfterSeconds: 86_400 });
  });

  it('uses Retry-After when X sends no reset header', () => {
    expect(rateLimitWait({ 'retry-after': '30' }, now)).toBe(30);
    expect(rateLimitWait({}, now)).toBeUndefined();
  });

  it('names problem types from either host', () => {
    expect(problemTypeName('https://api.x.com/2/problems/usage-capped')).toBe('usage-capped');
    expect(problemTypeName('https://api.twitter.com/2/problems/not-authorized-for-resource')).toBe('not-authorized-for-resource');
    expect(problemTypeName('about:blank')).toBeUndefined();
  });

  it('never lets anything token-like into a message', () => {
    const secret = 'xat_' + 'A1b2C3d4'.repeat(6);
    expect(redact(`bad token ${secret} here`)).toBe('bad token [redacted] here');
    const got = classifyXFailure(failure(400, { error: 'invalid_request', error_description: `Value ${secret} was malformed` }), now);
    expect(got.message).not.toContain(secret);
  });
});

describe('x injected faults, classified end to end', () => {
  const credentials = { clientId: 'x-faults-client', clientSecret: 'x-faults-secret' };
  let fakes: RunningFakes;
  let http: HttpClient;
  let provider: Provider;

  beforeAll(async () => {
    fakes = await startFakes({ platforms: [createXFake(credentials)] });
    http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
    provider = createXProvider({ http, now: () => new Date() });
  });
  afterAll(() => fakes.close());
  beforeEach(() => fakes.reset());

  const connect = async (): Promise<TokenSet> => {
    const verifier = randomBytes(32).toString('base64url');
    const url = provider.oauth.authorizeUrl({
      state: 'fault-state',
      redirectUri: 'https://reach.example.com/cb',
      scopes: provider.manifest.oauth.defaultScopes,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      credentials,
    });
    const res = await fetch(http.publicUrl(url), { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    return provider.oauth.exchangeCode({ code, codeVerifier: verifier, redirectUri: 'https://reach.example.com/cb', credentials, params: {} });
  };

  const failureOf = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    return (err as ProviderError).failure;
  };

  it('rate_limited: X\'s 429 with its reset header gives the wait', async () => {
    const tokens = await connect();
    fakes.inject('x', { kind: 'rate_limited', retryAfterSeconds: 42, times: 1, path: '/2/users/me' });
    const got = await failureOf(provider.accounts.list({ tokens, credentials }));
    expect(got).toMatchObject({ kind: 'rate_limited', code: '88' });
    expect(got.retryAfterSeconds).toBeGreaterThanOrEqual(41);
    expect(got.retryAfterSeconds).toBeLessThanOrEqual(43);
  });

  it('server_error: transient', async () => {
    const tokens = await connect();
    fakes.inject('x', { kind: 'server_error', times: 1, path: '/2/users/me' });
    expect(await failureOf(provider.accounts.list({ tokens, credentials }))).toMatchObject({ kind: 'transient', code: 'service_unavailable' });
  });

  it('expired_token: auth_expired on the API', async () => {
    const tokens = await connect();
    fakes.inject('x', { kind: 'expired_token', times: 1, path: '/2/users/me' });
    expect(await failureOf(provider.accounts.list({ tokens, credentials }))).toMatchObject({ kind: 'auth_expired', code: 'unauthorized' });
  });

  it('an access token past its 2 hours: auth_expired', async () => {
    const tokens = await connect();
    fakes.advanceClock(7201);
    expect(await failureOf(provider.accounts.list({ tokens, credentials }))).toMatchObject({ kind: 'auth_expired', code: 'unauthorized' });
  });

  it('revoked_grant: auth_expired / invalid_grant on refresh', async () => {
    const tokens = await connect();
    fakes.inject('x', { kind: 'revoked_grant', times: 1, path: '/2/oauth2/token' });
    expect(await failureOf(provider.oauth.refresh!({ tokens, credentials }))).toMatchObject({ kind: 'auth_expired', code: 'invalid_grant' });
  });

  it('timeout: transient, outcome unknown', async () => {
    const tokens = await connect();
    const impatient = createXProvider({ http: createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 150 }), now: () => new Date() });
    fakes.inject('x', { kind: 'timeout', times: 1, delayMs: 600, path: '/2/users/me' });
    const got = await failureOf(impatient.accounts.list({ tokens, credentials }));
    expect(got.kind).toBe('transient');
    // http.ts tells a timeout by `err instanceof Error`; under jest the DOMException comes from
    // another realm, so the code reads `network` here and `timeout` in Lambda.
    expect(['timeout', 'network']).toContain(got.code);
  });

  it('a spent 15-minute window: X\'s own problem+json 429', async () => {
    const limited = await startFakes({ platforms: [createXFake(credentials, { rateLimits: { usersMe: 2 } })] });
    try {
      const lhttp = createHttpClient({ platformBaseUrl: limited.baseUrl, defaultTimeoutMs: 5000 });
      const lprov = createXProvider({ http: lhttp, now: () => new Date() });
      const verifier = randomBytes(32).toString('base64url');
      const url = lprov.oauth.authorizeUrl({
        state: 's',
        redirectUri: 'https://reach.example.com/cb',
        scopes: ['tweet.read', 'users.read'],
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
        credentials,
      });
      const code = new URL((await fetch(lhttp.publicUrl(url), { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
      const tokens = await lprov.oauth.exchangeCode({ code, codeVerifier: verifier, redirectUri: 'https://reach.example.com/cb', credentials, params: {} });
      await lprov.accounts.list({ tokens, credentials });
      await lprov.accounts.list({ tokens, credentials });
      const got = await failureOf(lprov.accounts.list({ tokens, credentials }));
      expect(got).toMatchObject({ kind: 'rate_limited', code: 'too_many_requests' });
      expect(got.retryAfterSeconds).toBeGreaterThan(890);
      expect(got.retryAfterSeconds).toBeLessThanOrEqual(901);
    } finally {
      await limited.close();
    }
  });
});
