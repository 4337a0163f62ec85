/**
 * Channel counts for many channels in one call: `channels.list?part=statistics,snippet&id=UC1,…,UC50`
 * costs 1 quota unit for up to 50 channels (https://developers.google.com/youtube/v3/docs/channels/list).
 * Statistics are public, so any one valid token of the batch serves all of its channels.
 *
 * Recent-video engagement is not read here: it needs `playlistItems.list` and `videos.list` per
 * channel (2 more units each), which would turn 1 unit per 50 channels into 101; the manifest says so.
 */
import { callJson, type CallContext } from '../http';
import type { MetricsClient, MetricsOutcome, MetricsTarget, ProviderFailure } from '../types';
import { ProviderError } from '../types';
import { bearer } from '../google/api';
import { CHANNELS_URL, MAX_IDS_PER_CALL, channelListSchema, toSnapshot, type Channel } from './channels';

const chunksOf = <T>(list: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
};

/**
 * Reads one batch (≤ 50 targets). A token the platform refuses fails only its own target and the
 * next target's token is tried; any other failure (quota, outage) is the batch's and fails all.
 */
const fetchBatch = async (ctx: CallContext, batch: readonly MetricsTarget[]): Promise<MetricsOutcome[]> => {
  const failures = new Map<number, ProviderFailure>();
  const ids = [...new Set(batch.map((t) => t.platformAccountId))];
  let channels: readonly Channel[] | undefined;
  for (let i = 0; i < batch.length && channels === undefined; i++) {
    try {
      const answer = await callJson(
        ctx,
        { method: 'GET', url: CHANNELS_URL, query: { part: 'statistics,snippet', id: ids.join(',') }, headers: bearer(batch[i]!.tokens) },
        channelListSchema,
      );
      channels = answer.items ?? [];
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      if (err.failure.kind !== 'auth_expired') {
        return batch.map((t, j) => ({ platformAccountId: t.platformAccountId, ok: false, failure: failures.get(j) ?? err.failure }));
      }
      failures.set(i, err.failure);
    }
  }
  const byId = new Map((channels ?? []).map((c) => [c.id, c]));
  return batch.map((t, j): MetricsOutcome => {
    const failure = failures.get(j);
    if (failure) return { platformAccountId: t.platformAccountId, ok: false, failure };
    const channel = byId.get(t.platformAccountId);
    if (!channel) {
      return {
        platformAccountId: t.platformAccountId,
        ok: false,
        failure: { kind: 'invalid_request', code: 'channelNotFound', message: 'channels.list did not return this channel (deleted, terminated or unknown id)' },
      };
    }
    return { platformAccountId: t.platformAccountId, ok: true, snapshot: toSnapshot(channel) };
  });
};

/** Builds the YouTube metrics client: one call per 50 channels. */
export const createYoutubeMetrics = (ctx: CallContext): MetricsClient => ({
  batchSize: MAX_IDS_PER_CALL,
  /** One outcome per target, in the targets' order. */
  async fetch(targets) {
    const outcomes: MetricsOutcome[] = [];
    for (const batch of chunksOf(targets, MAX_IDS_PER_CALL)) outcomes.push(...(await fetchBatch(ctx, batch)));
    return outcomes;
  },
});
