/**
 * The Graph calls that create and find Page posts, always with the Page token
 * (https://developers.facebook.com/docs/pages-api/posts):
 * `POST /{page-id}/feed` (text, link, or several photos attached), `POST /{page-id}/photos`
 * (one photo, or an unpublished one to attach), and `GET /{page-id}/published_posts` to find a
 * post whose creation answer was lost.
 */
import { z } from 'zod';
import type { CallContext } from '../http';
import { FACEBOOK_GRAPH } from '../meta-graph/constants';
import { MATCH_SKEW_MS, metaTimeMs, sameText } from '../meta-graph/content';
import { graphGet, graphPost } from '../meta-graph/request';

const idSchema = z.union([z.string().min(1), z.number()]).transform(String);

/** A Page token and the app secret its `appsecret_proof` is made with. */
export interface PageSession {
  readonly pageId: string;
  readonly accessToken: string;
  readonly appSecret: string;
}

const write = (s: PageSession, edge: string, form: Readonly<Record<string, string | undefined>>) => ({
  host: FACEBOOK_GRAPH,
  path: `/${encodeURIComponent(s.pageId)}/${edge}`,
  accessToken: s.accessToken,
  appSecret: s.appSecret,
  form,
});

const flag = (b: boolean | undefined): string | undefined => (b === undefined ? undefined : String(b));

/** `POST /{page-id}/feed` → `{id: "<page-id>_<post-id>"}` (https://developers.facebook.com/docs/graph-api/reference/page/feed#publish). */
export const createFeedPost = async (
  ctx: CallContext,
  s: PageSession,
  input: { readonly message?: string; readonly link?: string; readonly published?: boolean; readonly attachedMedia?: readonly string[] },
): Promise<string> => {
  const attached: Record<string, string> = {};
  input.attachedMedia?.forEach((fbid, i) => (attached[`attached_media[${i}]`] = JSON.stringify({ media_fbid: fbid })));
  const form = { ...(input.message ? { message: input.message } : {}), link: input.link, published: flag(input.published), ...attached };
  return (await graphPost(ctx, write(s, 'feed', form), z.object({ id: idSchema }))).id;
};

const photoAnswerSchema = z.object({ id: idSchema, post_id: idSchema.optional() });

/**
 * `POST /{page-id}/photos` with `url` → `{id, post_id}`; with `published=false` → `{id}`, a photo
 * to attach to a `/feed` post (https://developers.facebook.com/docs/graph-api/reference/page/photos#Creating).
 */
export const createPhoto = (
  ctx: CallContext,
  s: PageSession,
  input: { readonly url: string; readonly caption?: string; readonly published?: boolean },
): Promise<z.infer<typeof photoAnswerSchema>> =>
  graphPost(ctx, write(s, 'photos', { url: input.url, ...(input.caption ? { caption: input.caption } : {}), published: flag(input.published) }), photoAnswerSchema);

const postSchema = z.object({ id: idSchema, message: z.string().optional(), created_time: z.string().optional() });
export type PagePost = z.infer<typeof postSchema>;

/**
 * The Page's post with `message`, created since `since` (less the clock skew allowed), among its newest published posts
 * (https://developers.facebook.com/docs/graph-api/reference/page/published_posts).
 */
export const findPagePost = async (ctx: CallContext, s: PageSession, message: string, since: Date): Promise<PagePost | undefined> => {
  const from = since.getTime() - MATCH_SKEW_MS;
  const answer = await graphGet(
    ctx,
    {
      host: FACEBOOK_GRAPH,
      path: `/${encodeURIComponent(s.pageId)}/published_posts`,
      accessToken: s.accessToken,
      appSecret: s.appSecret,
      query: { fields: 'id,message,created_time', limit: 25, since: Math.floor(from / 1000) },
    },
    z.object({ data: z.array(postSchema) }),
  );
  return answer.data.find((p) => sameText(p.message, message) && !(metaTimeMs(p.created_time) < from));
};
