/**
 * YouTube's readings of Google errors (https://developers.google.com/youtube/v3/docs/errors):
 * the daily quota waits for midnight Pacific Time, and a Google account without a channel is a
 * request that cannot succeed rather than an expired login, although both arrive as 401s; the
 * channel's daily upload cap (`uploadLimitExceeded`, a 400) waits a day.
 */
import { classifyGoogle, codeOf, hasReason, type GoogleErrorRule } from '../google/errors';
import type { HttpFailure, ProviderFailure } from '../types';
import { secondsUntilPacificMidnight } from './quota';

const UPLOAD_LIMIT_WAIT_SECONDS = 24 * 3600;

/** YouTube's own readings, tried before the shared Google rules. */
export const youtubeErrorRule: GoogleErrorRule = (error, _failure, now) => {
  if (hasReason(error, 'quotaExceeded', 'dailyLimitExceeded')) {
    return {
      kind: 'rate_limited',
      code: codeOf(error),
      retryAfterSeconds: secondsUntilPacificMidnight(now),
      message: `daily YouTube quota exhausted (resets at midnight Pacific Time): ${error.message}`,
    };
  }
  if (hasReason(error, 'uploadLimitExceeded')) {
    // The channel's own rolling 24-hour upload cap (web, apps and API together): YouTube says to
    // try again in 24 hours.
    return { kind: 'rate_limited', code: 'uploadLimitExceeded', retryAfterSeconds: UPLOAD_LIMIT_WAIT_SECONDS, message: `the channel reached its daily upload limit: ${error.message}` };
  }
  if (hasReason(error, 'youtubeSignupRequired')) {
    return {
      kind: 'invalid_request',
      code: 'youtubeSignupRequired',
      message: 'the Google account has no YouTube channel; create one at https://www.youtube.com/create_channel and connect again',
    };
  }
  return undefined;
};

/** Classifies a failed YouTube or Google OAuth answer. */
export const classifyYoutube = (failure: HttpFailure, now: Date): ProviderFailure => classifyGoogle(failure, now, youtubeErrorRule);
