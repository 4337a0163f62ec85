import { Metrics } from '@aws-lambda-powertools/metrics';
import type { AppCredentials } from '../../functions/core/model/tokens';
import type { AppCredentialsSource } from '../../functions/core/ports/token-vault';
import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { runDataDeletion } from '../../functions/core/use-cases/platform-callbacks';
import { createWebhooksHandler } from '../../functions/handlers/http/webhooks';
import { createWebhookWorker } from '../../functions/handlers/sqs/webhook-worker';
import { signRequest } from '../../functions/providers/meta-graph/signed-request';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider, type TestProviderControls } from '../support/test-provider';
import { bodyOf, lambdaContext, sqsEvent, webhookEvent } from '../support/webhook-http';

// Two platforms of one family whose apps have different secrets (as Instagram Login and Facebook
// Login apps can), and one platform outside the family.
const SECRETS: Record<string, AppCredentials> = {
  photos: { clientId: 'photos-app', clientSecret: 'photos-secret' },
  pages: { clientId: 'pages-app', clientSecret: 'pages-secret' },
  other: { clientId: 'other-app', clientSecret: 'photos-secret' },
};
const credentials: AppCredentialsSource = { get: async (platform) => SECRETS[platform]! };
const ctx = lambdaContext();

const setup = () => {
  const photos = createTestProvider({ id: 'photos', callbacksFamily: 'meta' });
  const pages = createTestProvider({ id: 'pages', callbacksFamily: 'meta' });
  const other = createTestProvider({ id: 'other' });
  const deps: MemoryDeps = { ...memoryDeps(directoryOf(photos.provider, pages.provider, other.provider)), credentials };
  const handler = createWebhooksHandler(() => deps);
  return { deps, handler, photos, pages, other };
};

/** Connects `userId` to the accounts the provider's login reaches, through the real connect flow. */
const connect = async (deps: MemoryDeps, ctl: TestProviderControls, userId: string, accounts: TestProviderControls['accounts']): Promise<string[]> => {
  ctl.accounts = accounts;
  const { state } = await startConnect(deps, { userId, platform: ctl.provider.manifest.id });
  const out = await completeConnect(deps, { platform: ctl.provider.manifest.id, params: { state, code: 'code' } });
  expect(out.outcome).toBe('connected');
  return [...out.connectionIds];
};

const callback = (handler: ReturnType<typeof setup>['handler'], path: 'deauthorize' | 'data-deletion', body: string) =>
  handler(
    webhookEvent({ method: 'POST', route: `/v1/webhooks/meta/${path}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
    ctx,
  );

const signedForm = (userId: string | number, secret: string, extra: Record<string, unknown> = {}) =>
  new URLSearchParams({ signed_request: signRequest({ algorithm: 'HMAC-SHA256', issued_at: 1_790_000_000, user_id: userId, ...extra }, secret) }).toString();

let metricSpy: jest.SpyInstance;
beforeEach(() => {
  metricSpy = jest.spyOn(Metrics.prototype, 'addMetric').mockImplementation(function (this: Metrics) {
    return this;
  });
});
afterEach(() => metricSpy.mockRestore());

describe('connecting records who granted what', () => {
  it('copies grantedBy onto the connection and registers the grant', async () => {
    const { deps, photos } = setup();
    const [id] = await connect(deps, photos, 'u1', [{ platformAccountId: 'ig-1', displayName: 'IG', accountType: 'business', grantedBy: 'meta-user-1' }]);
    expect((await deps.connections.get('u1', id!))?.grantedBy).toBe('meta-user-1');
    expect(await deps.grants.list('photos', 'meta-user-1')).toEqual([{ userId: 'u1', connectionId: id }]);
    // Re-linking the same account keeps one entry.
    await connect(deps, photos, 'u1', [{ platformAccountId: 'ig-1', displayName: 'IG', accountType: 'business', grantedBy: 'meta-user-1' }]);
    expect(await deps.grants.list('photos', 'meta-user-1')).toHaveLength(1);
  });

  it('registers nothing for platforms that name no granting user', async () => {
    const { deps, other } = setup();
    const [id] = await connect(deps, other, 'u1', [{ platformAccountId: 'o-1', displayName: 'O', accountType: 'creator' }]);
    expect((await deps.connections.get('u1', id!))?.grantedBy).toBeUndefined();
    expect(deps.grants.items.size).toBe(0);
  });
});

describe('POST /v1/webhooks/meta/deauthorize', () => {
  it("revokes every connection the user's consent created in the family, and nothing else", async () => {
    const { deps, handler, photos, pages, other } = setup();
    const [ig] = await connect(deps, photos, 'u1', [{ platformAccountId: 'ig-1', displayName: 'IG', accountType: 'business', grantedBy: 'meta-user-1' }]);
    const pageIds = await connect(deps, pages, 'u1', [
      { platformAccountId: 'page-1', displayName: 'P1', accountType: 'page', grantedBy: 'meta-user-1' },
      { platformAccountId: 'page-2', displayName: 'P2', accountType: 'page', grantedBy: 'meta-user-1' },
    ]);
    // Another Reach user connected the same Page through another Meta user: theirs stays.
    const [foreign] = await connect(deps, pages, 'u2', [{ platformAccountId: 'page-1', displayName: 'P1', accountType: 'page', grantedBy: 'meta-user-2' }]);
    const [unrelated] = await connect(deps, other, 'u1', [{ platformAccountId: 'o-1', displayName: 'O', accountType: 'creator' }]);
    deps.events.published.length = 0;

    // Signed by the pages app: only the pages platform's grants of that user are in scope.
    const res = await callback(handler, 'deauthorize', signedForm('meta-user-1', 'pages-secret'));
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ revoked: 2 });
    for (const id of pageIds) expect(await deps.connections.get('u1', id)).toMatchObject({ status: 'revoked', statusReason: 'user_deauthorized' });
    expect((await deps.connections.get('u1', ig!))?.status).toBe('active');
    expect((await deps.connections.get('u2', foreign!))?.status).toBe('active');
    expect((await deps.connections.get('u1', unrelated!))?.status).toBe('active');
    expect(deps.events.published.map((e) => [e.type, e.detail['reason'], e.detail['initiatedBy']])).toEqual([
      ['connection.disconnected', 'user_deauthorized', 'platform'],
      ['connection.disconnected', 'user_deauthorized', 'platform'],
    ]);

    // Signed by the photos app: its connection goes too; a second call changes nothing.
    expect(bodyOf(await callback(handler, 'deauthorize', signedForm('meta-user-1', 'photos-secret')))).toEqual({ revoked: 1 });
    expect((await deps.connections.get('u1', ig!))?.status).toBe('revoked');
    expect(bodyOf(await callback(handler, 'deauthorize', signedForm('meta-user-1', 'photos-secret')))).toEqual({ revoked: 0 });
  });

  it('leaves a connection since re-linked through another platform user', async () => {
    const { deps, handler, pages } = setup();
    const [id] = await connect(deps, pages, 'u1', [{ platformAccountId: 'page-1', displayName: 'P1', accountType: 'page', grantedBy: 'meta-user-1' }]);
    await connect(deps, pages, 'u1', [{ platformAccountId: 'page-1', displayName: 'P1', accountType: 'page', grantedBy: 'meta-user-9' }]);
    expect(bodyOf(await callback(handler, 'deauthorize', signedForm('meta-user-1', 'pages-secret')))).toEqual({ revoked: 0 });
    expect((await deps.connections.get('u1', id!))?.status).toBe('active');
  });

  it.each([
    ['a forged signature', () => signedForm('meta-user-1', 'wrong-secret')],
    ['no signed_request', () => 'foo=bar'],
    ['an empty body', () => ''],
    ['another algorithm', () => signedForm('meta-user-1', 'pages-secret', { algorithm: 'HMAC-SHA1' })],
  ])('refuses %s with 403 and changes nothing', async (_name, body) => {
    const { deps, handler, pages } = setup();
    const [id] = await connect(deps, pages, 'u1', [{ platformAccountId: 'page-1', displayName: 'P1', accountType: 'page', grantedBy: 'meta-user-1' }]);
    const res = await callback(handler, 'deauthorize', body());
    expect(res.statusCode).toBe(403);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect((await deps.connections.get('u1', id!))?.status).toBe('active');
    expect(metricSpy).toHaveBeenCalledWith('WebhookRejected', 'Count', 1);
  });

  it('answers 404 when no enabled platform serves the family', async () => {
    const other = createTestProvider({ id: 'other' });
    const deps: MemoryDeps = { ...memoryDeps(directoryOf(other.provider)), credentials };
    const res = await createWebhooksHandler(() => deps)(
      webhookEvent({ method: 'POST', route: '/v1/webhooks/meta/deauthorize', body: signedForm('x', 'photos-secret') }),
      ctx,
    );
    expect(res.statusCode).toBe(404);
  });
});

describe('POST /v1/webhooks/meta/data-deletion and GET /v1/data-deletion/{code}', () => {
  it('records the request, answers with the status URL and code, and the worker erases the connections', async () => {
    const { deps, handler, photos, pages } = setup();
    const [ig] = await connect(deps, photos, 'u1', [{ platformAccountId: 'ig-1', displayName: 'IG', accountType: 'business', grantedBy: 'meta-user-1' }]);
    const [page] = await connect(deps, pages, 'u3', [{ platformAccountId: 'page-1', displayName: 'P1', accountType: 'page', grantedBy: 'meta-user-7' }]);
    await deps.history.append(ig!, { at: deps.now().toISOString(), snapshot: { followers: 10 } }, { daily: true });
    deps.queue.sent.length = 0;

    const res = await callback(handler, 'data-deletion', signedForm('meta-user-1', 'photos-secret'));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    const answer = bodyOf(res) as { url: string; confirmation_code: string };
    expect(Object.keys(answer).sort()).toEqual(['confirmation_code', 'url']);
    expect(answer.url).toBe(`https://api.example.com/v1/data-deletion/${answer.confirmation_code}`);
    expect(deps.queue.sent).toEqual([{ queue: 'webhookEvents', body: { type: 'data_deletion', code: answer.confirmation_code } }]);

    const status = (code: string) => handler(webhookEvent({ method: 'GET', route: '/v1/data-deletion/{code}', params: { code } }), ctx);
    const pending = await status(answer.confirmation_code);
    expect(pending.statusCode).toBe(200);
    expect(bodyOf(pending)).toEqual({ confirmationCode: answer.confirmation_code, status: 'pending', requestedAt: deps.now().toISOString(), connectionsFound: 1 });

    // The worker carries it out.
    const worker = createWebhookWorker({ getDeps: () => deps, delay: async () => undefined });
    expect(await worker(sqsEvent([{ body: deps.queue.sent[0]!.body }]), lambdaContext('webhookWorker'))).toEqual({ batchItemFailures: [] });
    expect(await deps.connections.get('u1', ig!)).toBeUndefined();
    expect(deps.history.series.get(ig!)).toBeUndefined();
    expect(await deps.vault.get(ig!)).toBeUndefined();
    expect(await deps.grants.list('photos', 'meta-user-1')).toEqual([]);
    expect(await deps.connections.get('u3', page!)).toBeDefined();
    expect(deps.events.published.filter((e) => e.type === 'connection.disconnected')).toEqual([
      { type: 'connection.disconnected', userId: 'u1', detail: { connectionId: ig, platform: 'photos', erased: true } },
    ]);

    const done = await status(answer.confirmation_code);
    expect(bodyOf(done)).toEqual({
      confirmationCode: answer.confirmation_code,
      status: 'completed',
      requestedAt: deps.now().toISOString(),
      completedAt: deps.now().toISOString(),
      connectionsFound: 1,
      connectionsErased: 1,
    });
    // Nothing identifying the user is left in the record.
    const stored = JSON.stringify(await deps.control.get(`deletion#${answer.confirmation_code}`));
    expect(stored).not.toContain('meta-user-1');
    expect(stored).not.toContain('u1');
    // Kept 90 days from the request.
    expect(deps.control.items.get(`deletion#${answer.confirmation_code}`)!.expiresAt).toBe(deps.now().getTime() + 90 * 86_400_000);
    // Running it again changes nothing.
    expect(await runDataDeletion(deps, answer.confirmation_code)).toEqual({ outcome: 'skipped', reason: 'already_completed' });
  });

  it('answers a request for a user Reach knows nothing of, with nothing to erase', async () => {
    const { deps, handler } = setup();
    const res = await callback(handler, 'data-deletion', signedForm('stranger', 'pages-secret'));
    const { confirmation_code: code } = bodyOf(res) as { confirmation_code: string };
    expect(await runDataDeletion(deps, code)).toEqual({ outcome: 'completed', erased: 0 });
  });

  it('refuses an unverified request without recording anything', async () => {
    const { deps, handler } = setup();
    const res = await callback(handler, 'data-deletion', signedForm('meta-user-1', 'nope'));
    expect(res.statusCode).toBe(403);
    expect([...deps.control.items.keys()].filter((k) => k.startsWith('deletion#'))).toEqual([]);
    expect(deps.queue.sent).toEqual([]);
  });

  it('answers 404 for an unknown or malformed code', async () => {
    const { handler } = setup();
    for (const code of ['01UNKNOWN', '../../etc', 'x'.repeat(100)]) {
      const res = await handler(webhookEvent({ method: 'GET', route: '/v1/data-deletion/{code}', params: { code } }), ctx);
      expect(res.statusCode).toBe(404);
      expect(res.headers?.['content-type']).toBe('application/problem+json');
    }
  });
});
