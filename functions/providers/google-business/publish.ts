/**
 * Publishing a Business Profile post: `localPosts.create`, which answers before Google's review
 * is done (`state: PROCESSING`), then `localPosts.get` until the post is `LIVE` (published, with
 * its `searchUrl`) or `REJECTED` (refused for good).
 * https://developers.google.com/my-business/reference/rest/v4/accounts.locations.localPosts/create
 *
 * Checkpoint: `localPost` = the post's resource name, saved before anything else is asked.
 * `localPosts.create` takes no idempotency key: an attempt whose outcome is unknown is resolved by
 * the checkpoint or, without one, by the location's posts with the same summary and topic.
 * Every create counts against the 10 edits per minute per location; Google answers 429
 * RESOURCE_EXHAUSTED beyond it, which classifies as `rate_limited`.
 */
import { optionsOrRefuse } from '../content-check';
import type { CallContext } from '../http';
import type { PublishContext, PublishStep, Publisher } from '../types';
import { ProviderError } from '../types';
import { createLocalPost, getLocalPost, listLocalPosts, localPostBody, LOCATION_NAME, type LocalPost } from './local-posts';
import { businessContentRules, businessOptionsSchema, topicOf, validateBusinessContent, type BusinessOptions } from './rules';

/** Google gives no polling guidance for its review; posts usually go live within minutes. */
export const POLL_SECONDS = 30;
const CLOCK_SLACK_MS = 60_000;

const checkedOptions = (ctx: Pick<PublishContext, 'content' | 'accountType' | 'platformAccountId'>): BusinessOptions => {
  const options = optionsOrRefuse('google_business', "Business Profile", validateBusinessContent(ctx.content, ctx.accountType), businessOptionsSchema, ctx.content.options);
  if (!LOCATION_NAME.test(ctx.platformAccountId)) {
    throw new ProviderError('google_business', { kind: 'invalid_request', code: 'bad_location_name', message: 'expected an account id of the form accounts/{a}/locations/{l}' });
  }
  return options;
};

/** What a post's state means for the target. */
const stepOf = (post: LocalPost, checkpoint: Readonly<Record<string, string>>): PublishStep => {
  if (post.state === 'LIVE') return { status: 'published', platformPostId: post.name, ...(post.searchUrl && { url: post.searchUrl }) };
  if (post.state === 'REJECTED') {
    throw new ProviderError('google_business', { kind: 'permanent', code: 'rejected', message: 'Google rejected the post (it breaks the Business Profile content policy)' });
  }
  return { status: 'processing', checkpoint: { ...checkpoint }, retryAfterSeconds: POLL_SECONDS };
};

/** Builds the Business Profile publisher. */
export const createBusinessPublisher = (ctx: CallContext): Publisher => ({
  rules: businessContentRules,
  validate: validateBusinessContent,

  /** Creates the post (or reads the one the checkpoint names) and reports Google's review. */
  async publish(pctx): Promise<PublishStep> {
    const options = checkedOptions(pctx);
    const existing = pctx.checkpoint?.['localPost'];
    if (existing) {
      try {
        return stepOf(await getLocalPost(ctx, pctx.tokens, existing), pctx.checkpoint ?? {});
      } catch (err) {
        if (err instanceof ProviderError && err.failure.code === 'NOT_FOUND') {
          // Someone deleted the post on Google: publishing it again would go against their choice.
          throw new ProviderError('google_business', { kind: 'permanent', code: 'post_deleted', message: 'the post was deleted on Google before it went live' }, { cause: err });
        }
        throw err;
      }
    }
    const post = await createLocalPost(ctx, pctx.tokens, pctx.platformAccountId, localPostBody(pctx.content, options));
    const checkpoint = { ...(pctx.checkpoint ?? {}), localPost: post.name };
    await pctx.save(checkpoint);
    return stepOf(post, checkpoint);
  },

  /**
   * The post, if the unknown attempt made one: by the checkpoint (only once it is live; one still
   * in review or rejected is left to `publish`, which resumes from the checkpoint and reports it),
   * else among the location's posts with the same summary and topic created since the attempt
   * began (in review or live: without a checkpoint there is nothing to resume from).
   */
  async reconcile(rctx) {
    const name = rctx.checkpoint?.['localPost'];
    if (name) {
      try {
        const post = await getLocalPost(ctx, rctx.tokens, name);
        return post.state === 'LIVE' ? { platformPostId: post.name, ...(post.searchUrl && { url: post.searchUrl }) } : undefined;
      } catch (err) {
        if (err instanceof ProviderError && err.failure.code === 'NOT_FOUND') return undefined;
        throw err;
      }
    }
    const options = businessOptionsSchema.safeParse(rctx.content.options);
    if (!options.success || !LOCATION_NAME.test(rctx.platformAccountId)) return undefined;
    const summary = rctx.content.text.normalize('NFC');
    const topic = topicOf(options.data);
    const since = Date.parse(rctx.since) - CLOCK_SLACK_MS;
    const match = (await listLocalPosts(ctx, rctx.tokens, rctx.platformAccountId)).find(
      (p) =>
        (p.summary ?? '') === summary &&
        (p.topicType ?? 'STANDARD') === topic &&
        p.state !== 'REJECTED' &&
        (p.createTime === undefined || Date.parse(p.createTime) >= since),
    );
    return match ? { platformPostId: match.name, ...(match.searchUrl && { url: match.searchUrl }) } : undefined;
  },
});
