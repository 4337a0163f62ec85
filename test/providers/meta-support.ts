/**
 * What the Meta provider tests share: the conformance samples (with `//` comments stripped from
 * `.jsonc`), a running Meta fake with both providers wired to it, and the browser step of the
 * consent dance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createFacebookProvider } from '../../functions/providers/facebook';
import { createInstagramProvider } from '../../functions/providers/instagram';
import type { Provider } from '../../functions/providers/types';
import { startFakes, type FakePlatform, type RunningFakes } from '../../local/fakes/framework';
import { createMetaFake, type MetaFakeOptions } from '../../local/fakes/meta';

import { stripJsonComments } from '../support/jsonc';

const CONFORMANCE = join(__dirname, '..', 'fixtures', 'conformance');


/** A sample's text, e.g. `sample('meta/graph_error_sample_190_460.json')`. */
export const sampleText = (path: string): string => readFileSync(join(CONFORMANCE, path), 'utf8');

/** A JSON or JSONC sample, parsed. */
export const sample = (path: string): unknown => JSON.parse(path.endsWith('.jsonc') ? stripJsonComments(sampleText(path)) : sampleText(path));

export const CREDENTIALS = { clientId: '1234567890', clientSecret: 'app-secret-for-tests' } as const;
export const REDIRECT_URI = 'https://reach.example/v1/oauth/callback';

export interface MetaHarness {
  readonly fakes: RunningFakes;
  readonly fake: FakePlatform;
  readonly http: HttpClient;
  /** Providers on the wall clock. */
  readonly instagram: Provider;
  readonly facebook: Provider;
  /** Providers on the fakes' clock, for what depends on elapsed time (refresh windows). */
  readonly onFakeClock: { readonly instagram: Provider; readonly facebook: Provider };
  close(): Promise<void>;
}

export const startMeta = async (options: MetaFakeOptions = {}, consent: 'auto' | 'page' = 'auto'): Promise<MetaHarness> => {
  const fake = createMetaFake(CREDENTIALS, options);
  const fakes = await startFakes({ platforms: [fake], consent });
  const http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
  const wall = { http, now: () => new Date() };
  const fakeClock = { http, now: () => fakes.context.now() };
  return {
    fakes,
    fake,
    http,
    instagram: createInstagramProvider(wall),
    facebook: createFacebookProvider(wall),
    onFakeClock: { instagram: createInstagramProvider(fakeClock), facebook: createFacebookProvider(fakeClock) },
    close: () => fakes.close(),
  };
};

/** Opens a consent URL as a browser would (no redirects followed) and returns the 302's target. */
export const followConsent = async (h: MetaHarness, url: string, extra: Record<string, string> = {}): Promise<URL> => {
  const u = new URL(h.http.publicUrl(url));
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  const res = await fetch(u, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
};

/** The callback's query parameters as the OAuth handler receives them. */
export const callbackParams = (location: URL): Record<string, string> => Object.fromEntries(location.searchParams);

/** Calls made to the Meta fake so far, by route. */
export const metaCalls = (h: MetaHarness): Record<string, number> => h.fakes.stats()['meta'] ?? {};

/** Sum of all calls to the Meta fake so far. */
export const totalCalls = (h: MetaHarness): number => Object.values(metaCalls(h)).reduce((a, b) => a + b, 0);

/** Runs `fn` and returns the `ProviderError` failure it throws. */
export const failureOf = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
  } catch (err) {
    const failure = (err as { failure?: unknown }).failure;
    if (failure) return failure as { kind: string; code?: string; retryAfterSeconds?: number; message: string };
    throw err;
  }
  throw new Error('expected a ProviderError');
};

/** Connects an Instagram account through `variant`: its token set and professional account id. */
export const connectInstagram = async (h: MetaHarness, variant: 'instagram_login' | 'facebook_login' = 'instagram_login', account = 'reach.demo', scopes?: readonly string[]) => {
  const url = h.instagram.oauth.authorizeUrl({
    state: 's',
    redirectUri: REDIRECT_URI,
    scopes: scopes ?? h.instagram.manifest.oauth.defaultScopes,
    codeChallenge: 'c',
    credentials: CREDENTIALS,
    variant,
  });
  const params = callbackParams(await followConsent(h, url, { fake_account: account }));
  const tokens = await h.instagram.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params, variant });
  const [first] = await h.instagram.accounts.list({ tokens, credentials: CREDENTIALS });
  return { tokens, accountId: first!.platformAccountId, accountType: first!.accountType };
};

/** Connects a person's Facebook Pages: each Page's id and Page token set. */
export const connectPages = async (h: MetaHarness, account = 'reach.demo', scopes?: readonly string[]) => {
  const url = h.facebook.oauth.authorizeUrl({ state: 's', redirectUri: REDIRECT_URI, scopes: scopes ?? h.facebook.manifest.oauth.defaultScopes, codeChallenge: 'c', credentials: CREDENTIALS });
  const params = callbackParams(await followConsent(h, url, { fake_account: account }));
  const user = await h.facebook.oauth.exchangeCode({ code: params['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: CREDENTIALS, params });
  const pages = await h.facebook.accounts.list({ tokens: user, credentials: CREDENTIALS });
  return pages.map((p) => ({ pageId: p.platformAccountId, tokens: p.tokens! }));
};
