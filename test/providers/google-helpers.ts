/**
 * What the Google provider tests share: the fake started on port 0, the HTTP client pointed at
 * it, the consent dance, and the conformance samples.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createGoogleFake, type GoogleFake, type GoogleFakeOptions } from '../../local/fakes/google';
import { createHttpClient, toFailure, type HttpClient } from '../../functions/providers/http';
import type { HttpFailure, Provider, ProviderFactory } from '../../functions/providers/types';
import type { TokenSet } from '../../functions/core/model/tokens';

export const CREDENTIALS = { clientId: '1234567890-reach.apps.googleusercontent.com', clientSecret: 'GOCSPX-reach-fake-secret' };
export const REDIRECT_URI = 'https://api.reach.test/v1/oauth/google/callback';

export interface GoogleHarness {
  readonly fakes: RunningFakes;
  /** The Google fake itself (to wait for its background work). */
  readonly google: GoogleFake;
  readonly http: HttpClient;
  provider(factory: ProviderFactory): Provider;
  /** Calls the fake counted for `METHOD host/path-pattern` since the last reset. */
  calls(route: string): number;
  close(): Promise<void>;
}

export const startGoogle = async (options: GoogleFakeOptions = {}, server: { webhookBaseUrl?: string } = {}): Promise<GoogleHarness> => {
  const google = createGoogleFake(CREDENTIALS, options);
  const fakes = await startFakes({ platforms: [google], ...(server.webhookBaseUrl && { webhookBaseUrl: server.webhookBaseUrl }) });
  const http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
  return {
    fakes,
    google,
    http,
    provider: (factory) => factory({ http, now: () => new Date() }),
    calls: (route) => fakes.stats()['google']?.[route] ?? 0,
    close: () => fakes.close(),
  };
};

/**
 * Moves the fakes' clock to today's 12:00 UTC and returns that clock, so that tests comparing
 * day-based figures never straddle midnight. The jump can be up to 12 h forward, past an access
 * token's 3599 s lifetime, so connect after calling this.
 */
export const atNoon = (h: GoogleHarness): (() => Date) => {
  const day = 86_400_000;
  const now = Date.now();
  h.fakes.advanceClock((Math.floor(now / day) * day + day / 2 - now) / 1000);
  return () => h.fakes.context.now();
};

export const pkce = (): { verifier: string; challenge: string } => {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

export interface Consent {
  readonly authorizeUrl: string;
  /** The callback's query parameters. */
  readonly params: Record<string, string>;
  readonly verifier: string;
  readonly state: string;
}

/** Opens the consent URL as a browser would (the fake approves at once) and reads the callback. */
export const consent = async (
  h: GoogleHarness,
  provider: Provider,
  options: { account?: string; scopes?: readonly string[]; extra?: Record<string, string> } = {},
): Promise<Consent> => {
  const { verifier, challenge } = pkce();
  const state = randomBytes(12).toString('base64url');
  const authorizeUrl = provider.oauth.authorizeUrl({
    state,
    redirectUri: REDIRECT_URI,
    scopes: options.scopes ?? provider.manifest.oauth.defaultScopes,
    codeChallenge: challenge,
    credentials: CREDENTIALS,
  });
  const url = new URL(h.http.publicUrl(authorizeUrl));
  if (options.account) url.searchParams.set('fake_account', options.account);
  for (const [k, v] of Object.entries(options.extra ?? {})) url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`consent answered ${res.status}: ${await res.text()}`);
  const location = new URL(res.headers.get('location') ?? '');
  return { authorizeUrl, params: Object.fromEntries(location.searchParams), verifier, state };
};

/** The whole connect step: consent, then the code exchange. */
export const connect = async (h: GoogleHarness, provider: Provider, account?: string): Promise<TokenSet> => {
  const c = await consent(h, provider, account ? { account } : {});
  return provider.oauth.exchangeCode({ code: c.params['code']!, redirectUri: REDIRECT_URI, codeVerifier: c.verifier, credentials: CREDENTIALS, params: c.params });
};

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'youtube');

/** A conformance sample's text; `.jsonc` samples lose their `//` comment lines. */
export const sampleText = (name: string): string => {
  const text = readFileSync(join(FIXTURES, name), 'utf8');
  return name.endsWith('.jsonc') ? text.replace(/^\s*\/\/.*$/gm, '') : text;
};

/** A sample error body as the failure `classify` receives, with the status its source names. */
export const sampleFailure = (name: string, status: number, headers: Record<string, string> = {}): HttpFailure =>
  toFailure({ status, headers, text: sampleText(name) });
