/**
 * Business Profile's reading of Google errors. Its APIs answer per-minute quota exhaustion with
 * 429 RESOURCE_EXHAUSTED (https://developers.google.com/my-business/content/limits); a Cloud
 * project whose API access was never approved has a quota of 0 and gets the same 429, which no
 * amount of waiting fixes (https://developers.google.com/my-business/content/prereqs).
 */
import { classifyGoogle, codeOf, type GoogleErrorRule } from '../google/errors';
import type { HttpFailure, ProviderFailure } from '../types';

/** Business Profile's own reading of a zero quota, tried before the shared Google rules. */
export const businessErrorRule: GoogleErrorRule = (error) => {
  const limit = error.errorInfo?.metadata['quota_limit_value'];
  if ((error.httpStatus === 429 || error.status === 'RESOURCE_EXHAUSTED') && limit === '0') {
    return {
      kind: 'permanent',
      code: codeOf(error),
      message: 'the Cloud project has no Business Profile API quota (0 requests per minute): request API access for the project',
    };
  }
  return undefined;
};

/** Classifies a failed Business Profile or Google OAuth answer. */
export const classifyBusiness = (failure: HttpFailure, now: Date): ProviderFailure => classifyGoogle(failure, now, businessErrorRule);
