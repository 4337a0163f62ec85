/**
 * Instagram's failures: Meta's Graph envelope on graph.instagram.com and graph.facebook.com, and
 * Instagram Login's own `{error_type, code, error_message}` on api.instagram.com. The rules live
 * once in `meta-graph/errors.ts`.
 */
import { classifyMetaFailure } from '../meta-graph/errors';
import type { HttpFailure, ProviderFailure } from '../types';

/** Builds the provider's `classify` over the clock (for `Retry-After` dates). */
export const instagramClassifier =
  (now: () => Date) =>
  (failure: HttpFailure): ProviderFailure =>
    classifyMetaFailure(failure, now());
