/**
 * TikTok per-post analytics: counters of published and seeded videos from `/v2/video/query/`,
 * 20 ids per call, the documented request and answer, and ids TikTok cannot answer for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHttpClient } from '../../functions/providers/http';
import { createTiktokAnalytics, metricsOf } from '../../functions/providers/tiktok/analytics';
import { classifyTiktokFailure } from '../../functions/providers/tiktok/errors';
import { envelopeSchema, videoQueryDataSchema } from '../../functions/providers/tiktok/schemas';
import type { PublishStep } from '../../functions/providers/types';
import { videosNewestFirst } from '../../local/fakes/tiktok/accounts';
import { bytesOf, content, contextFor, ROUTES, startMediaServer, startTiktok, type MediaServer, type TiktokWorld } from './tiktok-publish-support';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'tiktok');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

let media: MediaServer;
let world: TiktokWorld;
beforeAll(async () => {
  media = await startMediaServer();
  world = await startTiktok();
});
afterAll(async () => {
  await world.close();
  await media.close();
});

/** Publishes a small video to the end and returns the platform post id. */
const publishVideo = async (account: string, name: string, privacyLevel: string): Promise<string> => {
  const tokens = await world.connect(account);
  const item = media.add(`${name}.mp4`, bytesOf(name, 2000), 'video/mp4');
  const ctx = contextFor(tokens, world.fake.account(account).openId, content(name, [item], { privacyLevel }));
  let step: PublishStep = await world.provider.publisher!.publish(ctx);
  while (step.status === 'processing') step = await world.provider.publisher!.publish({ ...ctx, checkpoint: step.checkpoint });
  return step.platformPostId;
};

describe('TikTok analytics against the fake', () => {
  it('reads the counters of published posts, which grow after publishing, and leaves out a private post', async () => {
    const a = await publishVideo('stats.maker', 'stats-a', 'PUBLIC_TO_EVERYONE');
    const b = await publishVideo('stats.maker', 'stats-b', 'PUBLIC_TO_EVERYONE');
    const hidden = await publishVideo('stats.maker', 'stats-c', 'SELF_ONLY');
    expect(hidden).toMatch(/^v_pub_file~/);
    const tokens = await world.connect('stats.maker');
    const input = { tokens, credentials: { clientId: 'k', clientSecret: 's' }, platformAccountId: world.fake.account('stats.maker').openId };

    const calls = world.mark();
    const fresh = await world.provider.analytics!.fetch({ ...input, platformPostIds: [a, b, hidden] });
    expect(calls()).toEqual({ [ROUTES.videoQuery]: 1 });
    expect(Object.keys(fresh).sort()).toEqual([a, b].sort());
    expect(fresh[a]).toEqual({ likes: 0, comments: 0, shares: 0, views: 0 });

    world.fakes.advanceClock(20 * 3600);
    try {
      const later = await world.provider.analytics!.fetch({ ...input, platformPostIds: [a, b] });
      expect(later[a]!.views).toBeGreaterThan(0);
      expect(later[a]!.likes).toBeGreaterThan(0);
      // The same figures the Display API lists for the account's videos.
      const listed = await fetch(`${world.fakes.baseUrl}/open.tiktokapis.com/v2/video/list/?fields=id,like_count,comment_count,share_count,view_count`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ max_count: 20 }),
      });
      const videos = videoQueryDataSchema.parse(envelopeSchema.parse(await listed.json()).data).videos;
      for (const id of [a, b]) expect(later[id]).toEqual(metricsOf(videos.find((v) => v.id === id)!));
    } finally {
      world.fakes.advanceClock(-20 * 3600);
    }
  });

  it('asks for 20 ids per call and answers each seeded video with its counters', async () => {
    const tokens = await world.connect('many.maker');
    const account = world.fake.account('many.maker');
    const seeded = videosNewestFirst(account, world.fakes.context.now()).slice(0, 45);
    expect(seeded).toHaveLength(45);
    const calls = world.mark();
    const out = await world.provider.analytics!.fetch({ tokens, credentials: { clientId: 'k', clientSecret: 's' }, platformAccountId: account.openId, platformPostIds: seeded.map((v) => v.id) });
    expect(world.provider.analytics!.batchSize).toBe(20);
    expect(calls()).toEqual({ [ROUTES.videoQuery]: 3 });
    expect(out).toEqual(Object.fromEntries(seeded.map((v) => [v.id, { likes: v.likes, comments: v.comments, shares: v.shares, views: v.views }])));
  });

  it('makes no call for ids that are not video ids', async () => {
    const tokens = await world.connect('none.maker');
    const calls = world.mark();
    expect(await world.provider.analytics!.fetch({ tokens, credentials: { clientId: 'k', clientSecret: 's' }, platformAccountId: 'x', platformPostIds: ['v_pub_file~v2-1.7', 'p_pub_url~v2.8'] })).toEqual({});
    expect(calls()).toEqual({});
  });
});

describe('TikTok analytics against the documented samples', () => {
  it('sends the documented request body, with the counter fields and each id once', async () => {
    const sent: { url: string; body: unknown }[] = [];
    const http = createHttpClient({
      platformBaseUrl: world.fakes.baseUrl,
      defaultTimeoutMs: 5000,
      fetchImpl: async (input, init) => {
        sent.push({ url: String(input), body: JSON.parse(String(init?.body)) });
        return fetch(input, init);
      },
    });
    const analytics = createTiktokAnalytics({ platform: 'tiktok', http, classify: (f) => classifyTiktokFailure(f, new Date()) });
    const request = sample('video_query_request.json') as { filters: { video_ids: string[] } };
    const tokens = await world.connect('sample.maker');
    // The sample's ids belong to no fake account: TikTok answers no videos for them.
    const out = await analytics.fetch({ tokens, credentials: { clientId: 'k', clientSecret: 's' }, platformAccountId: 'x', platformPostIds: [...request.filters.video_ids, request.filters.video_ids[0]!] });
    expect(out).toEqual({});
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toEqual(request);
    expect(new URL(sent[0]!.url).searchParams.get('fields')).toBe('id,like_count,comment_count,share_count,view_count');
  });

  it('reads the documented answer (which carries no counters for the fields it asked)', () => {
    const envelope = envelopeSchema.parse(sample('video_query_response.json'));
    const videos = videoQueryDataSchema.parse(envelope.data).videos;
    expect(videos.map((v) => v.id)).toEqual(['1234123412345678567', '1010102020203030303']);
    expect(videos.map(metricsOf)).toEqual([{}, {}]);
  });
});
