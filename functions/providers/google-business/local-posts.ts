/**
 * LocalPosts as the v4 API takes and returns them
 * (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts),
 * and the calls publishing makes: create, get and list.
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import type { PostContent } from '../../core/model/post';
import type { TokenSet } from '../../core/model/tokens';
import { bearer } from '../google/api';
import { topicOf, PHOTO_TYPES, type BusinessOptions } from './rules';

export const LOCAL_POSTS_BASE = 'https://mybusiness.googleapis.com/v4';

/** `accounts/{a}/locations/{l}`: the connection's platform account id. */
export const LOCATION_NAME = /^accounts\/[^/]+\/locations\/[^/]+$/;

export const localPostSchema = z.object({
  name: z.string().regex(/^accounts\/[^/]+\/locations\/[^/]+\/localPosts\/[^/]+$/),
  summary: z.string().optional(),
  topicType: z.string().optional(),
  // LIVE | PROCESSING | REJECTED (and SCHEDULED, observed)
  state: z.string().optional(),
  searchUrl: z.string().optional(),
  createTime: z.string().optional(),
  updateTime: z.string().optional(),
});
export type LocalPost = z.infer<typeof localPostSchema>;

const localPostListSchema = z.object({ localPosts: z.array(localPostSchema).optional(), nextPageToken: z.string().optional() });

interface GoogleDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}
interface TimeOfDay {
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly nanos: number;
}

/** `YYYY-MM-DD[THH:MM[:SS]]` → a Google `Date` and, when a time is given, a `TimeOfDay`. */
const dateTimeOf = (value: string): { date: GoogleDate; time?: TimeOfDay } => {
  const [d, t] = value.split('T');
  const [year, month, day] = d!.split('-').map(Number);
  const date = { year: year!, month: month!, day: day! };
  if (!t) return { date };
  const [hours, minutes, seconds] = t.split(':').map(Number);
  return { date, time: { hours: hours!, minutes: minutes!, seconds: seconds ?? 0, nanos: 0 } };
};

/** The LocalPost body for the content (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts#LocalPost). */
export const localPostBody = (content: PostContent, options: BusinessOptions): Record<string, unknown> => {
  const topic = topicOf(options);
  const link = content.link?.trim();
  // OFFER posts ignore calls to action; the link stands in for LEARN_MORE elsewhere.
  const callToAction = topic === 'OFFER' ? undefined : (options.callToAction ?? (link ? { actionType: 'LEARN_MORE', url: link } : undefined));
  const start = options.event ? dateTimeOf(options.event.start) : undefined;
  const end = options.event ? dateTimeOf(options.event.end) : undefined;
  const summary = content.text.normalize('NFC');
  return {
    ...(options.languageCode && { languageCode: options.languageCode }),
    ...(summary.trim() !== '' && { summary }),
    topicType: topic,
    ...(callToAction && { callToAction }),
    ...(options.event &&
      start &&
      end && {
        event: {
          title: options.event.title,
          schedule: {
            startDate: start.date,
            ...(start.time && { startTime: start.time }),
            endDate: end.date,
            ...(end.time && { endTime: end.time }),
          },
        },
      }),
    ...(topic === 'OFFER' && options.offer && { offer: options.offer }),
    ...(topic === 'ALERT' && { alertType: options.alertType ?? 'COVID_19' }),
    ...(content.media.length > 0 && {
      media: content.media.map((m) => ({
        mediaFormat: (PHOTO_TYPES as readonly string[]).includes(m.contentType.toLowerCase().split(';')[0]!.trim()) ? 'PHOTO' : 'VIDEO',
        sourceUrl: m.url,
      })),
    }),
  };
};

/** `POST …/{location}/localPosts` (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts/create). */
export const createLocalPost = (ctx: CallContext, tokens: TokenSet, location: string, body: Record<string, unknown>): Promise<LocalPost> =>
  callJson(ctx, { method: 'POST', url: `${LOCAL_POSTS_BASE}/${location}/localPosts`, headers: bearer(tokens), json: body }, localPostSchema);

/** `GET …/localPosts/{id}` (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts/get). */
export const getLocalPost = (ctx: CallContext, tokens: TokenSet, name: string): Promise<LocalPost> =>
  callJson(ctx, { method: 'GET', url: `${LOCAL_POSTS_BASE}/${name}`, headers: bearer(tokens) }, localPostSchema);

/** The newest posts of a location, one page (https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts/list). */
export const listLocalPosts = async (ctx: CallContext, tokens: TokenSet, location: string): Promise<LocalPost[]> => {
  const page = await callJson(ctx, { method: 'GET', url: `${LOCAL_POSTS_BASE}/${location}/localPosts`, query: { pageSize: 100 }, headers: bearer(tokens) }, localPostListSchema);
  return page.localPosts ?? [];
};
