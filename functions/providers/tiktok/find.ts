/**
 * Finding a post that went out when its publish id was lost: the account's public videos since an
 * instant, matched by text. TikTok keeps a caption as its `title` and a photo post's description as
 * its `video_description`; matching compares them NFC-normalised with whitespace collapsed.
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-list
 */
import type { CallContext } from '../http';
import { TIKTOK_RECENT_SAMPLE, TIKTOK_VIDEO_LIST_URL } from './manifest';
import { bearer, callApi } from './request';
import { videoListDataSchema, type TiktokVideo } from './schemas';

/** Pages of 20 read at most: an unknown outcome is reconciled minutes later, not days. */
const MAX_PAGES = 3;
/** TikTok's and Reach's clocks differ a little; a post may carry a `create_time` slightly before our mark. */
const CLOCK_SLACK_SECONDS = 60;

const FIELDS = ['id', 'create_time', 'title', 'video_description', 'share_url'] as const;

/** The form of a text that survives TikTok storing it. */
export const matchKey = (text: string): string => text.normalize('NFC').replace(/\s+/g, ' ').trim();

/**
 * POST /v2/video/list/ page by page (newest first) until the videos are older than `since`.
 * https://developers.tiktok.com/doc/tiktok-api-v2-video-list
 */
export const videosSince = async (ctx: CallContext, token: string, since: Date): Promise<TiktokVideo[]> => {
  const floor = Math.floor(since.getTime() / 1000) - CLOCK_SLACK_SECONDS;
  const out: TiktokVideo[] = [];
  let cursor: number | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await callApi(
      ctx,
      {
        method: 'POST',
        url: TIKTOK_VIDEO_LIST_URL,
        query: { fields: FIELDS.join(',') },
        headers: bearer(token),
        json: { max_count: TIKTOK_RECENT_SAMPLE, ...(cursor !== undefined && { cursor }) },
      },
      videoListDataSchema,
    );
    out.push(...data.videos.filter((v) => v.create_time === undefined || v.create_time >= floor));
    const oldest = data.videos[data.videos.length - 1]?.create_time;
    if (!data.has_more || data.cursor === undefined || (oldest !== undefined && oldest < floor)) break;
    cursor = data.cursor;
  }
  return out;
};

/** The earliest video whose description or title is the post's text (or whose title is its title). */
export const findPost = (videos: readonly TiktokVideo[], text: string, title: string | undefined): TiktokVideo | undefined => {
  const textKey = matchKey(text);
  const titleKey = title === undefined ? '' : matchKey(title);
  if (textKey === '' && titleKey === '') return undefined;
  const matches = videos.filter((v) => {
    const description = matchKey(v.video_description ?? '');
    const caption = matchKey(v.title ?? '');
    if (textKey !== '' && (description === textKey || caption === textKey)) return true;
    return titleKey !== '' && caption === titleKey;
  });
  return matches.sort((a, b) => (a.create_time ?? 0) - (b.create_time ?? 0))[0];
};
