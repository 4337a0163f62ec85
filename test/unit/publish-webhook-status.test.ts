import { createPost, getPost } from '../../functions/core/use-cases/posts';
import { applyPublishStatus, publishTarget } from '../../functions/core/use-cases/publish';
import { directoryOf, memoryDeps } from '../support/memory';
import { createTestProvider, seedConnection } from '../support/test-provider';

const half = () => 0.5;

const processingVideo = async () => {
  const acme = createTestProvider();
  const deps = memoryDeps(directoryOf(acme.provider));
  await seedConnection(deps, { userId: 'u1', connectionId: 'c1' });
  await deps.posts.createMedia({ userId: 'u1', mediaId: 'm1', contentType: 'video/mp4', size: 2048, createdAt: deps.now().toISOString() });
  deps.media!.upload({ userId: 'u1', mediaId: 'm1' }, { contentType: 'video/mp4', size: 2048 });
  acme.publishing.processingPolls = 5;
  const { post } = await createPost(deps, 'u1', { text: 'video', media: ['m1'], targets: [{ connectionId: 'c1' }] });
  const ref = { userId: 'u1', postId: post.id, connectionId: 'c1' };
  expect(await publishTarget(deps, ref, { random: half })).toMatchObject({ outcome: 'processing' });
  return { deps, ref, acme };
};

describe('applyPublishStatus (a platform webhook about a post Reach published)', () => {
  it('settles a target still processing as soon as the platform says it is published, once', async () => {
    const { deps, ref } = await processingVideo();
    expect(await applyPublishStatus(deps, 'acme', { publishId: 'up-1', platformPostId: 'post-77', status: 'published' })).toBe('applied');
    expect(await deps.posts.getTarget(ref)).toMatchObject({ state: 'published', platformPostId: 'post-77' });
    expect((await getPost(deps, 'u1', ref.postId)).status).toBe('published');
    const before = deps.events.published.filter((e) => e.type === 'post.published').length;
    expect(await applyPublishStatus(deps, 'acme', { publishId: 'up-1', platformPostId: 'post-77', status: 'published' })).toBe('applied');
    expect(deps.events.published.filter((e) => e.type === 'post.published')).toHaveLength(before);
    // The worker's next poll finds it settled and publishes nothing.
    deps.advance(60_000);
    expect(await publishTarget(deps, ref, { random: half })).toEqual({ outcome: 'skipped', reason: 'settled' });
  });

  it('fails a waiting target with the platform\'s reason', async () => {
    const { deps, ref } = await processingVideo();
    expect(await applyPublishStatus(deps, 'acme', { publishId: 'up-1', status: 'failed', reason: 'file_format_check_failed' })).toBe('applied');
    expect(await deps.posts.getTarget(ref)).toMatchObject({ state: 'failed', error: { kind: 'permanent', code: 'platform_reported_failure', message: 'file_format_check_failed' } });
  });

  it('says unknown_post for ids Reach never published, and for another platform\'s ids', async () => {
    const { deps } = await processingVideo();
    expect(await applyPublishStatus(deps, 'acme', { publishId: 'nope-123', status: 'published' })).toBe('unknown_post');
    expect(await applyPublishStatus(deps, 'other', { publishId: 'up-1', status: 'published' })).toBe('unknown_post');
  });
});

describe('eraseUser with posts', () => {
  it('deletes the user\'s posts, targets, their metric series, jobs and claims', async () => {
    const { eraseUser } = await import('../../functions/core/use-cases/connections');
    const { deps, ref } = await processingVideo();
    await deps.history.append(`target#${ref.postId}#c1`, { at: deps.now().toISOString(), snapshot: { likes: 3 } }, { daily: false });
    await deps.jobs.addClaim({ userId: 'u1', connectionId: 'c1', claimId: 'k', recordedAt: 'x', claimed: { followers: 1, at: 'x' }, verdict: 'no_data', tolerancePercent: 5 });
    const out = await eraseUser(deps, 'u1');
    expect(out).toEqual({ connectionsErased: 1, postTargetsErased: 1 });
    expect(await deps.posts.getTarget(ref)).toBeUndefined();
    expect(await deps.posts.getPost('u1', ref.postId)).toBeUndefined();
    expect(deps.history.series.has(`target#${ref.postId}#c1`)).toBe(false);
    expect(await deps.jobs.listClaims('u1', 'c1')).toEqual([]);
  });
});

describe('an unconfirmed attempt whose connection then needs reconnecting', () => {
  it('fails saying the post may be live, and keeps the unknown outcome for a later reconcile', async () => {
    const acme = createTestProvider();
    const deps = memoryDeps(directoryOf(acme.provider));
    await seedConnection(deps, { userId: 'u1', connectionId: 'c1' });
    const { post } = await createPost(deps, 'u1', { text: 'maybe out', targets: [{ connectionId: 'c1' }] });
    const ref = { userId: 'u1', postId: post.id, connectionId: 'c1' };
    acme.publishing.timeoutsAfterAccept = 1;
    expect(await publishTarget(deps, ref, { random: half })).toMatchObject({ outcome: 'retry' });
    const c = (await deps.connections.get('u1', 'c1'))!;
    await deps.connections.update({ ...c, status: 'reauth_required', version: c.version + 1 });
    deps.advance(3_600_000);
    expect(await publishTarget(deps, ref, { random: half })).toMatchObject({ outcome: 'failed' });
    const t = (await deps.posts.getTarget(ref))!;
    expect(t.state).toBe('failed');
    expect(t.error).toMatchObject({ kind: 'auth_expired', code: 'unconfirmed_connection_reauth_required' });
    expect(t.error?.message).toMatch(/could not confirm/);
    expect(t.unconfirmedSince).toBeDefined();
    expect(acme.publishing.accepted).toHaveLength(1);
  });
});
