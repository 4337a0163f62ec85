/**
 * Facebook's failures: Meta's Graph envelope, classified once in `meta-graph/errors.ts`.
 */
import { classifyMetaFailure } from '../meta-graph/errors';
import type { HttpFailure, ProviderFailure } from '../types';

/** Builds the provider's `classify` over the clock (for `Retry-After` dates). */
export const facebookClassifier =
  (now: () => Date) =>
  (failure: HttpFailure): ProviderFailure =>
    classifyMetaFailure(failure, now());
