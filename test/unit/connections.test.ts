import { NotFoundError } from '../../functions/core/errors';
import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { disconnect, eraseUser, getConnection, listConnections } from '../../functions/core/use-cases/connections';
import { directoryOf, memoryDeps, type MemoryDeps } from '../support/memory';
import { createTestProvider } from '../support/test-provider';

const connect = async (deps: MemoryDeps, userId: string) => {
  const { state } = await startConnect(deps, { userId, platform: 'acme' });
  return (await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } })).connectionIds[0]!;
};

describe('a user reaches only their own connections', () => {
  it('answers 404 (not 403) for another user\'s connection on read and delete', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const mine = await connect(deps, 'alice');
    await expect(getConnection(deps, 'bob', mine)).rejects.toBeInstanceOf(NotFoundError);
    await expect(disconnect(deps, 'bob', mine, { erase: true })).rejects.toBeInstanceOf(NotFoundError);
    expect(await listConnections(deps, 'bob')).toEqual([]);
    expect((await getConnection(deps, 'alice', mine)).status).toBe('active');
    expect(acme.calls.revoke).toBe(0);
  });
});

describe('disconnect', () => {
  it('revokes at the platform, deletes the tokens and keeps the connection as revoked with its history', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const id = await connect(deps, 'u1');
    const c = (await deps.connections.get('u1', id))!;
    await deps.history.append(id, { at: deps.now().toISOString(), snapshot: { followers: 1 } }, { daily: true });
    const out = await disconnect(deps, 'u1', id, { erase: false });
    expect(out).toEqual({ connectionId: id, revokedAtPlatform: true, historyErased: false });
    expect(deps.vault.items.has(c.tokenRef)).toBe(false);
    expect(await deps.connections.get('u1', id)).toMatchObject({ status: 'revoked', statusReason: 'disconnected' });
    expect(deps.history.series.get(id)).toHaveLength(2);
    expect(deps.events.published.at(-1)?.type).toBe('connection.disconnected');
  });

  it('with erase, deletes the connection and its history', async () => {
    const deps = memoryDeps(directoryOf(createTestProvider().provider));
    const id = await connect(deps, 'u1');
    await deps.history.append(id, { at: deps.now().toISOString(), snapshot: { followers: 1 } }, { daily: false });
    await disconnect(deps, 'u1', id, { erase: true });
    expect(await deps.connections.get('u1', id)).toBeUndefined();
    expect(deps.history.series.has(id)).toBe(false);
  });

  it('still deletes the tokens when the platform is down, and says the revocation is unconfirmed', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    const id = await connect(deps, 'u1');
    acme.failNext = { kind: 'transient', message: '503' };
    const out = await disconnect(deps, 'u1', id, { erase: false });
    expect(out.revokedAtPlatform).toBe(false);
    expect(out.revokeNote).toMatch(/did not confirm/);
    expect(deps.vault.items.size).toBe(0);
  });
});

describe('eraseUser', () => {
  it('erases every connection of the user and nobody else\'s', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    await connect(deps, 'u1');
    acme.accounts = [{ platformAccountId: 'other', displayName: 'Other', accountType: 'creator' }];
    await connect(deps, 'u1');
    const keep = await connect(deps, 'u2');
    expect(await eraseUser(deps, 'u1')).toEqual({ connectionsErased: 2, postTargetsErased: 0 });
    expect(await listConnections(deps, 'u1')).toEqual([]);
    expect((await getConnection(deps, 'u2', keep)).status).toBe('active');
  });
});
