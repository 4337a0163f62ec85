import { authorizeUrl, base64url, codeChallenge, displayNameOf, jwtClaims, logoutUrl, randomToken, tokenRequestBody } from '../../web/src/oidc';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    await expect(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).resolves.toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes verifiers within PKCE’s 43–128 unreserved characters, different every time', () => {
    const a = randomToken(48);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(randomToken(32)).toHaveLength(43);
    expect(randomToken(48)).not.toBe(a);
  });

  it('encodes base64url without padding', () => {
    expect(base64url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe('-__-');
    expect(base64url(new Uint8Array([1]))).toBe('AQ');
  });
});

describe('authorization request and code exchange', () => {
  it('builds the hosted UI authorize URL with code + S256 PKCE', () => {
    const url = new URL(
      authorizeUrl({ authorizeUrl: 'https://auth.example.com/oauth2/authorize', clientId: 'app', redirectUri: 'https://d111.cloudfront.net/', scopes: ['openid', 'email', 'profile'], state: 's1', challenge: 'c1' }),
    );
    expect(url.origin + url.pathname).toBe('https://auth.example.com/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'app',
      redirect_uri: 'https://d111.cloudfront.net/',
      scope: 'openid email profile',
      state: 's1',
      code_challenge: 'c1',
      code_challenge_method: 'S256',
    });
  });

  it('sends the verifier and no client secret in the token request', () => {
    expect(Object.fromEntries(tokenRequestBody({ clientId: 'app', code: 'abc', redirectUri: 'https://x/', verifier: 'v' }))).toEqual({
      grant_type: 'authorization_code',
      client_id: 'app',
      code: 'abc',
      redirect_uri: 'https://x/',
      code_verifier: 'v',
    });
  });

  it('adds client_id and logout_uri to the logout endpoint', () => {
    expect(logoutUrl('https://auth.example.com/logout', 'app', 'https://x/')).toBe('https://auth.example.com/logout?client_id=app&logout_uri=https%3A%2F%2Fx%2F');
  });
});

describe('jwtClaims', () => {
  const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

  it('reads the payload (base64url, UTF-8) without verifying it', () => {
    expect(jwtClaims(jwt({ sub: 'u1', email: 'zoë@example.com', exp: 1 }))).toEqual({ sub: 'u1', email: 'zoë@example.com', exp: 1 });
  });

  it('gives no claims for what is not a JWT', () => {
    expect(jwtClaims('not-a-jwt')).toEqual({});
    expect(jwtClaims('a.%%%.b')).toEqual({});
    expect(jwtClaims(`a.${Buffer.from('[1]').toString('base64url')}.b`)).toEqual({});
  });

  it('names the user by email, then username, then subject', () => {
    expect(displayNameOf({ sub: 's', email: 'e@x' })).toBe('e@x');
    expect(displayNameOf({ sub: 's', 'cognito:username': 'cu' })).toBe('cu');
    expect(displayNameOf({ sub: 's' })).toBe('s');
    expect(displayNameOf({})).toBe('signed in');
  });
});
