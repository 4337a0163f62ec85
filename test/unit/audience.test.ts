import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { connectionAudience } from '../../functions/core/use-cases/insights';
import { syncConnections } from '../../functions/core/use-cases/sync';
import { ProviderError, type Provider } from '../../functions/core/ports/provider';
import { NotFoundError } from '../../functions/core/errors';
import { directoryOf, memoryDeps } from '../support/memory';
import { createTestProvider } from '../support/test-provider';

const DAY = 86_400_000;

const setup = async (audience: 'ok' | 'fails' | 'none') => {
  const acme = createTestProvider();
  let calls = 0;
  const provider: Provider =
    audience === 'none'
      ? acme.provider
      : {
          ...acme.provider,
          audience: {
            fetch: async () => {
              calls += 1;
              if (audience === 'fails') throw new ProviderError('acme', { kind: 'invalid_request', code: 'too_few_followers', message: 'under 100 followers' });
              return { unit: 'followers', byCountry: { US: 600, GB: 400 }, byAgeGender: { 'F.25-34': 550, 'M.25-34': 450 } };
            },
          },
        };
  const deps = memoryDeps(directoryOf(provider));
  const { state } = await startConnect(deps, { userId: 'u1', platform: 'acme' });
  const id = (await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } })).connectionIds[0]!;
  return { deps, id, calls: () => calls };
};

describe('audience breakdown', () => {
  it('is read once a day, with the day\'s first sync, kept with the daily snapshot and not on the connection', async () => {
    const { deps, id, calls } = await setup('ok');
    await syncConnections(deps, [{ userId: 'u1', connectionId: id }]);
    deps.advance(2 * 3600_000);
    await syncConnections(deps, [{ userId: 'u1', connectionId: id }]);
    expect(calls()).toBe(1);
    expect((await deps.connections.get('u1', id))?.latest?.audience).toBeUndefined();
    const out = await connectionAudience(deps, 'u1', id);
    expect(out).toMatchObject({ available: true, unit: 'followers', byCountry: { US: 600, GB: 400 } });
    deps.advance(DAY);
    await syncConnections(deps, [{ userId: 'u1', connectionId: id }]);
    expect(calls()).toBe(2);
  });

  it('leaves a failed read out of the day without failing the sync', async () => {
    const { deps, id, calls } = await setup('fails');
    const outcomes = await syncConnections(deps, [{ userId: 'u1', connectionId: id }]);
    expect(outcomes[0]?.outcome).toBe('synced');
    expect(calls()).toBe(1);
    expect(await connectionAudience(deps, 'u1', id)).toMatchObject({ available: false, reason: 'not_read_yet' });
  });

  it('says when the platform has no breakdown, and is 404 for another user', async () => {
    const { deps, id } = await setup('none');
    await syncConnections(deps, [{ userId: 'u1', connectionId: id }]);
    expect(await connectionAudience(deps, 'u1', id)).toMatchObject({ available: false, reason: 'platform_has_no_audience_breakdown' });
    await expect(connectionAudience(deps, 'u2', id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
