/**
 * Publishing to X: media first (every part's, so that a thread goes out in one run), then
 * `POST /2/tweets` for the first post and each thread part as a reply to the one before.
 * https://docs.x.com/x-api/posts/create-post · https://docs.x.com/x-api/posts/manage-tweets/quickstart
 *
 * Checkpoint (all strings, saved before the next call):
 *   `media.<part>.<item>` = `<media id>:<processing|processed|ready>:<expires epoch s>`
 *   `sending.<part>`      = ISO instant a `POST /2/tweets` for the part was started
 *   `post.<part>`         = the post id X gave the part
 * X takes no idempotency key, so a part whose `sending` mark has no `post` is looked up among the
 * account's recent posts before it is sent again: a resumed thread never posts a part twice.
 */
import { optionsOrRefuse } from '../content-check';
import { callJson, type CallContext } from '../http';
import { checkpointWriter } from '../checkpoint';
import type { Checkpoint, PublishContext, PublishStep, Publisher } from '../types';
import { ProviderError } from '../types';
import { findPart, ownPostsSince } from './find';
import { X_API_BASE } from './manifest';
import { createMediaUploader, DEFAULT_SEGMENT_BYTES, type UploadedMedia } from './media';
import { partsOf, validateXContent, xContentRules, xOptionsSchema, type XOptions, type XPart } from './rules';
import { createPostAnswerSchema, type OwnPost } from './schemas';

/** What the checkpoint keeps per media item. */
interface StoredMedia {
  readonly id: string;
  /** `processed`: X is done, alt text still to set; `ready`: attach it. */
  readonly state: 'processing' | 'processed' | 'ready';
  readonly expiresAt: number;
}

const mediaKey = (part: number, item: number) => `media.${part}.${item}`;
const postKey = (part: number) => `post.${part}`;
const sendingKey = (part: number) => `sending.${part}`;

const encodeMedia = (m: StoredMedia): string => `${m.id}:${m.state}:${m.expiresAt}`;
const decodeMedia = (value: string | undefined): StoredMedia | undefined => {
  const m = value ? /^([0-9]+):(processing|processed|ready):([0-9]+)$/.exec(value) : null;
  return m ? { id: m[1]!, state: m[2] as StoredMedia['state'], expiresAt: Number(m[3]) } : undefined;
};

/** A media id this close to expiry is uploaded again rather than attached. */
const EXPIRY_MARGIN_SECONDS = 300;

/** The post's address without knowing the username (X redirects it to the canonical one). */
export const postUrl = (id: string): string => `https://x.com/i/web/status/${id}`;

/** The content as X will take it, or an `invalid_request` naming every violation. */
const checkedParts = (ctx: Pick<PublishContext, 'content' | 'accountType'>): { options: XOptions; parts: XPart[] } => {
  const options = optionsOrRefuse('x', "X", validateXContent(ctx.content, ctx.accountType), xOptionsSchema, ctx.content.options);
  return { options: options, parts: partsOf(ctx.content, options) };
};

/** The `POST /2/tweets` body of one part. https://docs.x.com/x-api/posts/create-post */
const postBody = (part: XPart, k: number, options: XOptions, mediaIds: readonly string[], replyTo: string | undefined): Record<string, unknown> => ({
  ...(part.text.trim() !== '' && { text: part.text }),
  ...(mediaIds.length > 0 && { media: { media_ids: mediaIds } }),
  ...(replyTo !== undefined && { reply: { in_reply_to_tweet_id: replyTo } }),
  ...(k === 0 && options.quoteTweetId !== undefined && { quote_tweet_id: options.quoteTweetId }),
  ...(k === 0 && options.poll !== undefined && { poll: { options: options.poll.options, duration_minutes: options.poll.durationMinutes } }),
  // `everyone` is X's default and not a value the field takes.
  ...(options.replySettings !== undefined && options.replySettings !== 'everyone' && { reply_settings: options.replySettings }),
  ...(options.madeWithAi !== undefined && { made_with_ai: options.madeWithAi }),
  ...(options.paidPartnership !== undefined && { paid_partnership: options.paidPartnership }),
});

export interface XPublisherOptions {
  /** Bytes per APPEND segment (X allows up to 5 MB). */
  readonly segmentBytes?: number;
}

export const createXPublisher = (ctx: CallContext, now: () => Date, options: XPublisherOptions = {}): Publisher => {
  const media = createMediaUploader(ctx, now, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES);

  /** POST /2/tweets → 201 `{"data":{"id","text"}}`. https://docs.x.com/x-api/posts/create-post */
  const createPost = async (token: string, body: Record<string, unknown>): Promise<string> => {
    const answer = await callJson(
      ctx,
      { method: 'POST', url: `${X_API_BASE}/tweets`, headers: { authorization: `Bearer ${token}` }, json: body },
      createPostAnswerSchema,
      { okStatuses: [200, 201] },
    );
    return answer.data.id;
  };

  /**
   * Brings one media item one step further: upload, then (on a later run) STATUS until X is done,
   * then the alt text. Returns the stored state and, while X processes, how long to wait.
   */
  const advanceMedia = async (
    token: string,
    item: XPart['media'][number],
    stored: StoredMedia | undefined,
    save: (m: StoredMedia) => Promise<void>,
  ): Promise<{ readonly media: StoredMedia; readonly waitSeconds?: number }> => {
    const settled = (m: UploadedMedia): StoredMedia => ({ id: m.id, expiresAt: m.expiresAt, state: m.state === 'processing' ? 'processing' : item.altText ? 'processed' : 'ready' });
    let current = stored;
    if (!current) {
      const uploaded = await media.upload(token, item);
      current = settled(uploaded);
      await save(current);
      // Just finalized: X says when to look again, so no STATUS poll in this run.
      if (uploaded.state === 'processing') return { media: current, waitSeconds: uploaded.checkAfterSeconds ?? 5 };
    } else if (current.state === 'processing') {
      const polled = await media.status(token, current.id, { id: current.id, state: 'processing', expiresAt: current.expiresAt });
      if (polled.state === 'processing') return { media: current, waitSeconds: polled.checkAfterSeconds ?? 5 };
      current = settled(polled);
      await save(current);
    }
    if (current.state === 'processed') {
      await media.describe(token, current.id, item.altText ?? '');
      current = { ...current, state: 'ready' };
      await save(current);
    }
    return { media: current };
  };

  return {
    rules: xContentRules,
    validate: validateXContent,

    async publish(pctx): Promise<PublishStep> {
      const { options: opts, parts } = checkedParts(pctx);
      const token = pctx.tokens.accessToken;
      const { cp, save } = checkpointWriter(pctx);

      // 1. Media of every part not yet posted.
      let wait: number | undefined;
      const nowSeconds = Math.floor(now().getTime() / 1000);
      for (const [k, part] of parts.entries()) {
        if (cp[postKey(k)]) continue;
        for (const [i, item] of part.media.entries()) {
          let stored = decodeMedia(cp[mediaKey(k, i)]);
          if (stored && stored.expiresAt <= nowSeconds + EXPIRY_MARGIN_SECONDS) stored = undefined;
          const step = await advanceMedia(token, item, stored, (m) => save({ [mediaKey(k, i)]: encodeMedia(m) }));
          if (step.waitSeconds !== undefined) wait = Math.min(wait ?? Number.POSITIVE_INFINITY, step.waitSeconds);
        }
      }
      if (wait !== undefined) return { status: 'processing', checkpoint: { ...cp }, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };

      // 2. The posts, in order; each reply points at the part before it.
      let recent: OwnPost[] | undefined;
      for (const [k, part] of parts.entries()) {
        if (cp[postKey(k)]) continue;
        const replyTo = k === 0 ? opts.replyToTweetId : cp[postKey(k - 1)];
        const mark = cp[sendingKey(k)];
        if (mark) {
          // An earlier run sent this part and lost the answer: it may be out already.
          recent ??= await ownPostsSince(ctx, token, pctx.platformAccountId, new Date(mark), now());
          const found = findPart(recent, part.text, replyTo, new Date(mark));
          if (found) {
            await save({ [postKey(k)]: found.id, [sendingKey(k)]: undefined });
            continue;
          }
        }
        await save({ [sendingKey(k)]: now().toISOString() });
        const mediaIds = part.media.map((_, i) => decodeMedia(cp[mediaKey(k, i)])!.id);
        let id: string;
        try {
          id = await createPost(token, postBody(part, k, opts, mediaIds, replyTo));
        } catch (err) {
          // A definite refusal means nothing went out; only a lost answer keeps the mark.
          if (err instanceof ProviderError && err.failure.kind !== 'transient') await save({ [sendingKey(k)]: undefined });
          throw err;
        }
        await save({ [postKey(k)]: id, [sendingKey(k)]: undefined });
      }
      const first = cp[postKey(0)]!;
      return { status: 'published', platformPostId: first, url: postUrl(first) };
    },

    /**
     * Finds the post (all of the thread) from the checkpoint, or among the account's posts since
     * `since` by text; undefined while any part is not out.
     */
    async reconcile(rctx) {
      const parsed = xOptionsSchema.safeParse(rctx.content.options);
      if (!parsed.success) return undefined;
      const parts = partsOf(rctx.content, parsed.data);
      const cp: Checkpoint = rctx.checkpoint ?? {};
      const since = new Date(rctx.since);
      const ids: string[] = [];
      let recent: OwnPost[] | undefined;
      for (const [k, part] of parts.entries()) {
        let id = cp[postKey(k)];
        if (!id) {
          recent ??= await ownPostsSince(ctx, rctx.tokens.accessToken, rctx.platformAccountId, since, now());
          id = findPart(recent, part.text, k === 0 ? parsed.data.replyToTweetId : ids[k - 1], since)?.id;
          if (!id) return undefined;
        }
        ids.push(id);
      }
      return { platformPostId: ids[0]!, url: postUrl(ids[0]!) };
    },
  };
};
