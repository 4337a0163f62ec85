import { completeConnect, isAllowedReturnUrl, startConnect } from '../../functions/core/use-cases/connect';
import { ValidationError, NotFoundError } from '../../functions/core/errors';
import { directoryOf, memoryDeps } from '../support/memory';
import { createTestProvider } from '../support/test-provider';

const setup = () => {
  const acme = createTestProvider();
  const deps = memoryDeps(directoryOf(acme.provider));
  return { acme, deps };
};

const stateOf = (url: string) => new URL(url).searchParams.get('state')!;

describe('startConnect', () => {
  it('returns the consent URL with a fresh state, the fixed redirect URI and a PKCE challenge', async () => {
    const { deps } = setup();
    const out = await startConnect(deps, { userId: 'u1', platform: 'acme' });
    const url = new URL(out.authorizeUrl);
    expect(url.searchParams.get('redirect_uri')).toBe('https://api.example.com/v1/oauth/acme/callback');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(out.state).toBe(url.searchParams.get('state'));
    expect(Date.parse(out.expiresAt) - deps.now().getTime()).toBe(600_000);
    expect(await deps.control.get(`oauth#${out.state}`)).toMatchObject({ userId: 'u1', platform: 'acme' });
  });

  it('refuses a return URL outside the allowlist, naming the field', async () => {
    const { deps } = setup();
    await expect(startConnect(deps, { userId: 'u1', platform: 'acme', returnUrl: 'https://evil.example/x' })).rejects.toMatchObject({
      issues: [{ field: 'returnUrl' }],
    });
  });

  it('refuses an unknown variant and an unknown platform', async () => {
    const { deps } = setup();
    await expect(startConnect(deps, { userId: 'u1', platform: 'acme', variant: 'nope' })).rejects.toBeInstanceOf(ValidationError);
    await expect(startConnect(deps, { userId: 'u1', platform: 'myspace' })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('isAllowedReturnUrl', () => {
  it.each([
    ['https://app.example.com/done', ['https://app.example.com'], true],
    ['https://app.example.com.evil.io/done', ['https://app.example.com'], false],
    ['https://app.example.com/settings/x', ['https://app.example.com/settings'], true],
    ['https://app.example.com/settingsx', ['https://app.example.com/settings'], false],
    ['javascript:alert(1)', ['https://app.example.com'], false],
    ['http://app.example.com/done', ['https://app.example.com'], false],
  ])('%s against %j → %s', (url, list, expected) => {
    expect(isAllowedReturnUrl(url, list)).toBe(expected);
  });
});

describe('completeConnect', () => {
  it('exchanges the code, stores tokens in the vault only, creates the connection and queues a first sync', async () => {
    const { deps, acme } = setup();
    const { state } = await startConnect(deps, { userId: 'u1', platform: 'acme', returnUrl: 'https://app.example.com/done' });
    const out = await completeConnect(deps, { platform: 'acme', params: { state, code: 'c1' } });
    expect(out.outcome).toBe('connected');
    const loc = new URL(out.location);
    expect(loc.origin + loc.pathname).toBe('https://app.example.com/done');
    expect(loc.searchParams.get('status')).toBe('connected');
    const id = loc.searchParams.get('connection')!;
    const conn = await deps.connections.get('u1', id);
    expect(conn).toMatchObject({ status: 'active', platform: 'acme', platformAccountId: 'acct-1', version: 1 });
    expect(JSON.stringify(conn)).not.toContain('at-1');
    expect(deps.vault.items.get(conn!.tokenRef)?.accessToken).toBe('at-1');
    expect(deps.queue.sent).toEqual([{ queue: 'sync', body: { kind: 'connection', userId: 'u1', connectionId: id, reason: 'connected' } }]);
    expect(deps.events.published.map((e) => e.type)).toEqual(['connection.connected']);
    expect(acme.calls.exchange).toBe(1);
  });

  it('uses a state once: a replayed callback is refused without calling the platform', async () => {
    const { deps, acme } = setup();
    const { state } = await startConnect(deps, { userId: 'u1', platform: 'acme' });
    await completeConnect(deps, { platform: 'acme', params: { state, code: 'c1' } });
    const again = await completeConnect(deps, { platform: 'acme', params: { state, code: 'c1' } });
    expect(again).toMatchObject({ outcome: 'error', reason: 'invalid_state' });
    expect(acme.calls.exchange).toBe(1);
  });

  it('refuses an expired state', async () => {
    const { deps } = setup();
    const { state } = await startConnect(deps, { userId: 'u1', platform: 'acme' });
    deps.advance(601_000);
    expect(await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } })).toMatchObject({ reason: 'invalid_state' });
  });

  it('reports a denied consent to the return URL', async () => {
    const { deps } = setup();
    const { state } = await startConnect(deps, { userId: 'u1', platform: 'acme' });
    const out = await completeConnect(deps, { platform: 'acme', params: { state, error: 'access_denied' } });
    expect(new URL(out.location).searchParams.get('reason')).toBe('access_denied');
  });

  it('makes one connection per reached account, or only the ones the authorize call named', async () => {
    const { deps, acme } = setup();
    acme.accounts = [
      { platformAccountId: 'p1', displayName: 'Page 1', accountType: 'page', tokens: { accessToken: 'page-1', scopes: [], obtainedAt: 'x' } },
      { platformAccountId: 'p2', displayName: 'Page 2', accountType: 'page', tokens: { accessToken: 'page-2', scopes: [], obtainedAt: 'x' } },
    ];
    const all = await startConnect(deps, { userId: 'u1', platform: 'acme' });
    const out = await completeConnect(deps, { platform: 'acme', params: { state: all.state, code: 'c' } });
    const loc = new URL(out.location);
    expect(loc.searchParams.get('connections')?.split(',')).toHaveLength(2);
    const first = await deps.connections.get('u1', loc.searchParams.get('connection')!);
    expect(deps.vault.items.get(first!.tokenRef)?.accessToken).toBe('page-1');

    const some = await startConnect(deps, { userId: 'u2', platform: 'acme', accounts: ['p2'] });
    const out2 = await completeConnect(deps, { platform: 'acme', params: { state: some.state, code: 'c' } });
    expect(out2.connectionIds).toHaveLength(1);
    expect((await deps.connections.listByUser('u2')).map((c) => c.platformAccountId)).toEqual(['p2']);
  });

  it('re-links the same account for the same user instead of duplicating it', async () => {
    const { deps } = setup();
    const a = await startConnect(deps, { userId: 'u1', platform: 'acme' });
    const first = await completeConnect(deps, { platform: 'acme', params: { state: a.state, code: 'c' } });
    const b = await startConnect(deps, { userId: 'u1', platform: 'acme' });
    const second = await completeConnect(deps, { platform: 'acme', params: { state: b.state, code: 'c' } });
    expect(second.connectionIds).toEqual(first.connectionIds);
    const list = await deps.connections.listByUser('u1');
    expect(list).toHaveLength(1);
    expect(list[0]!.version).toBe(2);
    expect(deps.vault.items.get(list[0]!.tokenRef)?.accessToken).toBe('at-2');
  });

  it('turns a platform refusal into an error redirect, not an exception', async () => {
    const { deps, acme } = setup();
    const { state } = await startConnect(deps, { userId: 'u1', platform: 'acme' });
    acme.failNext = { kind: 'auth_expired', code: 'invalid_grant', message: 'code used' };
    const out = await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } });
    expect(out).toMatchObject({ outcome: 'error', reason: 'grant_rejected' });
    expect(await deps.connections.listByUser('u1')).toEqual([]);
  });
});
