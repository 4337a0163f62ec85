/**
 * The channel a Google login reaches (https://developers.google.com/youtube/v3/docs/channels/list).
 * `mine=true` answers the one channel chosen on the consent screen (a personal or brand channel).
 * A Google account without a channel has no accounts to connect: the list is empty, and the
 * connect flow reports `no_accounts`.
 */
import { callJson, type CallContext } from '../http';
import type { AccountsClient, ProviderAccount, TokenInput } from '../types';
import { ProviderError } from '../types';
import { bearer } from '../google/api';
import { CHANNELS_URL, channelListSchema, toAccount } from './channels';

/** Builds the YouTube accounts client. */
export const createYoutubeAccounts = (ctx: CallContext): AccountsClient => ({
  /** The authorized user's channel, or none when the Google account has no channel. */
  async list({ tokens }: TokenInput): Promise<readonly ProviderAccount[]> {
    try {
      const answer = await callJson(
        ctx,
        { method: 'GET', url: CHANNELS_URL, query: { part: 'snippet,statistics', mine: 'true' }, headers: bearer(tokens) },
        channelListSchema,
      );
      return (answer.items ?? []).map(toAccount);
    } catch (err) {
      // Some front-ends answer 401 youtubeSignupRequired instead of an empty list.
      if (err instanceof ProviderError && err.failure.code === 'youtubeSignupRequired') return [];
      throw err;
    }
  },
});
