/**
 * The fake's `www.linkedin.com/oauth/v2/*`: consent, token (code and refresh grants), token
 * introspection and revocation, with LinkedIn's request and answer shapes
 * (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow,
 * https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens,
 * https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection).
 */
import { z } from 'zod';
import { consent, type FakeAppOptions, type FakeContext, type FakeRequest, type FakeResponse, type FakeRoute } from '../framework';
import type { FakeOAuthStore } from '../oauth-store';
import { codeMismatch, codeNotFound, deadRefreshToken, invalidClient, missingParameter, OAUTH_HOST, oauthError } from './errors';
import type { LinkedinWorld } from './state';

export interface LinkedinOAuthSettings {
  readonly accessTtlSeconds: number;
  /** Null when the app is not approved for programmatic refresh tokens. */
  readonly refreshTtlSeconds: number | null;
  readonly codeTtlSeconds: number;
  /** Scopes the fake app was granted in the developer portal; others fail consent. */
  readonly allowedScopes: ReadonlySet<string>;
  readonly defaultAccount: string;
}

interface TokenMeta {
  readonly createdAtMs: number;
  readonly authorizedAtMs: number;
  readonly expiresAtMs: number;
  readonly scopes: readonly string[];
}

interface RefreshMeta {
  readonly authorizedAtMs: number;
  readonly expiresAtMs: number;
}

const authorizeQuery = z.object({
  response_type: z.string().optional(),
  client_id: z.string().optional(),
  redirect_uri: z.string().optional(),
  state: z.string().optional(),
  scope: z.string().optional(),
  code_challenge: z.string().optional(),
  code_challenge_method: z.string().optional(),
  fake_account: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/).optional(),
});

const tokenForm = z.object({
  grant_type: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  refresh_token: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  code_verifier: z.string().optional(),
  token: z.string().optional(),
});
type TokenForm = z.infer<typeof tokenForm>;

const page = (status: number, text: string): FakeResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text });

const redirectTo = (redirectUri: string, params: Record<string, string | undefined>): string => {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
};

const isRedirectUri = (value: string): boolean => {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !value.includes('#');
  } catch {
    return false;
  }
};

const parseForm = (req: FakeRequest): TokenForm => {
  const parsed = tokenForm.safeParse(Object.fromEntries(req.form()));
  return parsed.success ? parsed.data : {};
};

/** Builds the OAuth routes over the shared grant store. */
export const linkedinOAuthRoutes = (app: FakeAppOptions, store: FakeOAuthStore, world: LinkedinWorld, settings: LinkedinOAuthSettings) => {
  const accessMeta = new Map<string, TokenMeta>();
  const refreshMeta = new Map<string, RefreshMeta>();
  /** The scope set each member last granted, to invalidate older tokens when it changes. */
  const grantedScopes = new Map<string, string>();

  /** The client check every POST endpoint makes, in LinkedIn's order: presence, then match. */
  const checkClient = (form: TokenForm): FakeResponse | undefined => {
    if (!form.client_id) return missingParameter('client_id');
    if (!form.client_secret) return missingParameter('client_secret');
    if (form.client_id !== app.clientId || form.client_secret !== app.clientSecret) return invalidClient();
    return undefined;
  };

  const tokenAnswer = (input: {
    accessToken: string;
    accessTtl: number;
    scopes: readonly string[];
    refreshToken?: string;
    refreshRemaining?: number;
  }) => ({
    access_token: input.accessToken,
    expires_in: input.accessTtl,
    ...(input.refreshToken !== undefined && { refresh_token: input.refreshToken, refresh_token_expires_in: input.refreshRemaining }),
    // Documented as space-delimited, answered comma-separated (as in the introspection sample).
    scope: input.scopes.join(','),
    token_type: 'Bearer',
  });

  const authorize = (req: FakeRequest, ctx: FakeContext): FakeResponse => {
    const parsed = authorizeQuery.safeParse(Object.fromEntries(req.query));
    if (!parsed.success) return page(400, 'invalid authorization request');
    const q = parsed.data;
    if (q.client_id !== app.clientId) return page(401, "Client_id doesn't match: the client ID does not belong to a developer application.");
    if (!q.redirect_uri || !isRedirectUri(q.redirect_uri)) return page(401, "Redirect_uri doesn't match: an absolute redirect URL without # is required.");
    if (q.response_type !== 'code') return page(400, 'response_type must be code');
    const scopes = [...new Set((q.scope ?? '').split(/[\s,]+/).filter(Boolean))];
    if (scopes.length === 0) return page(400, 'scope is required');
    const unknown = scopes.find((s) => !settings.allowedScopes.has(s));
    if (unknown) {
      return {
        status: 302,
        headers: {
          location: redirectTo(q.redirect_uri, {
            error: 'unauthorized_scope_error',
            error_description: `Scope "${unknown}" is not authorized for your application`,
            state: q.state,
          }),
        },
      };
    }
    if (q.code_challenge !== undefined && q.code_challenge_method !== 'S256') return page(400, 'code_challenge_method must be S256');
    const member = world.member(q.fake_account ?? settings.defaultAccount);
    const code = store.issueCode({
      accountId: member.name,
      clientId: app.clientId,
      scopes,
      redirectUri: q.redirect_uri,
      ...(q.code_challenge !== undefined && { codeChallenge: q.code_challenge, codeChallengeMethod: 'S256' }),
      ttlSeconds: settings.codeTtlSeconds,
      now: ctx.now(),
    });
    return consent(req, ctx, {
      platform: 'LinkedIn',
      account: member.name,
      scopes,
      approveUrl: redirectTo(q.redirect_uri, { code, state: q.state }),
      denyUrl: redirectTo(q.redirect_uri, {
        error: 'user_cancelled_authorize',
        error_description: 'The user cancelled the authorization',
        state: q.state,
      }),
    });
  };

  const exchangeCode = (form: TokenForm, now: Date): FakeResponse => {
    if (!form.code) return missingParameter('code');
    if (!form.redirect_uri) return missingParameter('redirect_uri');
    const check = store.redeemCode(form.code, {
      clientId: form.client_id ?? '',
      redirectUri: form.redirect_uri,
      ...(form.code_verifier !== undefined && { codeVerifier: form.code_verifier }),
      now,
    });
    if (!check.ok) return check.reason === 'unknown_code' ? codeNotFound() : codeMismatch();
    // "If you request a different scope than the previously granted scope, all the previous access
    // tokens are invalidated" (authorization-code-flow, Access Token Scopes and Lifetime).
    const scopeKey = [...check.grant.scopes].sort().join(' ');
    const previous = grantedScopes.get(check.grant.accountId);
    if (previous !== undefined && previous !== scopeKey) store.revokeAccount(check.grant.accountId);
    grantedScopes.set(check.grant.accountId, scopeKey);
    const issued = store.issueTokens(check.grant, {
      accessTtlSeconds: settings.accessTtlSeconds,
      ...(settings.refreshTtlSeconds !== null && { refreshTtlSeconds: settings.refreshTtlSeconds }),
      now,
    });
    const nowMs = now.getTime();
    accessMeta.set(issued.accessToken, {
      createdAtMs: nowMs,
      authorizedAtMs: nowMs,
      expiresAtMs: nowMs + settings.accessTtlSeconds * 1000,
      scopes: check.grant.scopes,
    });
    if (issued.refreshToken !== undefined && settings.refreshTtlSeconds !== null) {
      refreshMeta.set(issued.refreshToken, { authorizedAtMs: nowMs, expiresAtMs: nowMs + settings.refreshTtlSeconds * 1000 });
    }
    return {
      status: 200,
      body: tokenAnswer({
        accessToken: issued.accessToken,
        accessTtl: settings.accessTtlSeconds,
        scopes: check.grant.scopes,
        ...(issued.refreshToken !== undefined && { refreshToken: issued.refreshToken, refreshRemaining: settings.refreshTtlSeconds ?? 0 }),
      }),
    };
  };

  /** Same refresh token back, its remaining lifetime counting down; the access token never outlives it. */
  const refresh = (form: TokenForm, now: Date): FakeResponse => {
    if (!form.refresh_token) return missingParameter('refresh_token');
    const meta = refreshMeta.get(form.refresh_token);
    const nowMs = now.getTime();
    const remaining = meta ? Math.floor((meta.expiresAtMs - nowMs) / 1000) : 0;
    if (!meta || remaining <= 0) return deadRefreshToken();
    const accessTtl = Math.min(settings.accessTtlSeconds, remaining);
    const used = store.useRefreshToken(form.refresh_token, { clientId: form.client_id ?? '', rotate: false, accessTtlSeconds: accessTtl, now });
    if (!used.ok) return used.reason === 'client_mismatch' ? invalidClient() : deadRefreshToken();
    accessMeta.set(used.accessToken, { createdAtMs: nowMs, authorizedAtMs: meta.authorizedAtMs, expiresAtMs: nowMs + accessTtl * 1000, scopes: used.grant.scopes });
    return {
      status: 200,
      body: tokenAnswer({ accessToken: used.accessToken, accessTtl, scopes: used.grant.scopes, refreshToken: form.refresh_token, refreshRemaining: remaining }),
    };
  };

  const token = (req: FakeRequest, ctx: FakeContext): FakeResponse => {
    const form = parseForm(req);
    if (!form.grant_type) return missingParameter('grant_type');
    const clientProblem = checkClient(form);
    if (clientProblem) return clientProblem;
    if (form.grant_type === 'authorization_code') return exchangeCode(form, ctx.now());
    if (form.grant_type === 'refresh_token') {
      if (settings.refreshTtlSeconds === null) return oauthError(400, 'unauthorized_client', 'The application is not authorized to use refresh tokens');
      return refresh(form, ctx.now());
    }
    return oauthError(400, 'unsupported_grant_type', `Grant type "${form.grant_type}" is not supported`);
  };

  const introspect = (req: FakeRequest, ctx: FakeContext): FakeResponse => {
    const form = parseForm(req);
    const clientProblem = checkClient(form);
    if (clientProblem) return clientProblem;
    if (!form.token) return missingParameter('token');
    const meta = accessMeta.get(form.token);
    if (!meta) return { status: 200, body: { active: false } };
    const check = store.checkAccess(form.token, ctx.now());
    const status = check.ok ? 'active' : check.reason === 'revoked' ? 'revoked' : 'expired';
    return {
      status: 200,
      body: {
        active: check.ok,
        client_id: app.clientId,
        authorized_at: Math.floor(meta.authorizedAtMs / 1000),
        created_at: Math.floor(meta.createdAtMs / 1000),
        status,
        expires_at: Math.floor(meta.expiresAtMs / 1000),
        scope: meta.scopes.join(','),
        auth_type: '3L',
      },
    };
  };

  const revoke = (req: FakeRequest): FakeResponse => {
    const form = parseForm(req);
    const clientProblem = checkClient(form);
    if (clientProblem) return clientProblem;
    if (!form.token) return missingParameter('token');
    store.revoke(form.token);
    return { status: 200 };
  };

  const routes: FakeRoute[] = [
    { method: 'GET', host: OAUTH_HOST, path: '/oauth/v2/authorization', handler: authorize },
    { method: 'POST', host: OAUTH_HOST, path: '/oauth/v2/accessToken', handler: token },
    { method: 'POST', host: OAUTH_HOST, path: '/oauth/v2/introspectToken', handler: introspect },
    { method: 'POST', host: OAUTH_HOST, path: '/oauth/v2/revoke', handler: revoke },
  ];
  return {
    routes,
    reset: () => {
      accessMeta.clear();
      refreshMeta.clear();
      grantedScopes.clear();
    },
  };
};
