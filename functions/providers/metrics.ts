/**
 * The metrics client shape most platforms share: each account is read with its own token, one
 * account per call, and one account's failure becomes that account's outcome, never the batch's.
 */
import type { AppCredentials } from '../core/model/tokens';
import { ProviderError, type MetricsClient, type MetricsOutcome, type MetricsTarget, type ProviderFailure } from './types';

type Snapshot = Extract<MetricsOutcome, { ok: true }>['snapshot'];

export interface PerAccountOptions {
  /** Read accounts one after another (platform per-minute limits) instead of together. */
  readonly sequential?: boolean;
  /**
   * What a failure that is not a classified `ProviderError` becomes; by default it is rethrown
   * (a bug, not a platform answer).
   */
  readonly unexpected?: (err: unknown) => ProviderFailure;
}

export const perAccountMetrics = (
  read: (target: MetricsTarget, credentials: AppCredentials) => Promise<Snapshot>,
  options: PerAccountOptions = {},
): MetricsClient => {
  const one = async (target: MetricsTarget, credentials: AppCredentials): Promise<MetricsOutcome> => {
    try {
      return { platformAccountId: target.platformAccountId, ok: true, snapshot: await read(target, credentials) };
    } catch (err) {
      if (err instanceof ProviderError) return { platformAccountId: target.platformAccountId, ok: false, failure: err.failure };
      if (options.unexpected) return { platformAccountId: target.platformAccountId, ok: false, failure: options.unexpected(err) };
      throw err;
    }
  };
  return {
    batchSize: 1,
    async fetch(targets, credentials) {
      if (!options.sequential) return Promise.all(targets.map((t) => one(t, credentials)));
      const outcomes: MetricsOutcome[] = [];
      for (const t of targets) outcomes.push(await one(t, credentials));
      return outcomes;
    },
  };
};
