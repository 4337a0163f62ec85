/**
 * Finding a post that went out when the answer to `POST /rest/posts` was lost: the author's recent
 * posts, matched by their commentary (little text, exactly as sent) and their content (the media
 * URNs or the article link the checkpoint knows).
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#find-posts-by-authors
 *
 * Organizations' posts are readable with `r_organization_social`; a member's own posts need the
 * restricted `r_member_social`, so for most members the list is refused and the caller falls back
 * on LinkedIn's duplicate-content check (see `publish.ts`).
 */
import { z } from 'zod';
import { callJson, type CallContext } from '../http';
import { API_BASE } from './manifest';
import { restHeaders } from './rest';

/** A page of the newest posts; a lost answer is reconciled minutes later, not days. */
const PAGE_SIZE = 50;
const MAX_PAGES = 2;
/** LinkedIn's and Reach's clocks differ a little; a post may be stamped slightly before our mark. */
export const CLOCK_SLACK_MS = 60_000;

const listedPostSchema = z.object({
  id: z.string(),
  author: z.string().optional(),
  commentary: z.string().optional(),
  createdAt: z.number().optional(),
  publishedAt: z.number().optional(),
  lifecycleState: z.string().optional(),
  content: z
    .object({
      media: z.object({ id: z.string() }).loose().optional(),
      multiImage: z.object({ images: z.array(z.object({ id: z.string() }).loose()) }).loose().optional(),
      article: z.object({ source: z.string() }).loose().optional(),
    })
    .loose()
    .optional(),
});
export type ListedPost = z.infer<typeof listedPostSchema>;

const postsPageSchema = z.object({
  elements: z.array(listedPostSchema),
  paging: z.object({ start: z.number().optional(), count: z.number().optional(), total: z.number().optional() }).optional(),
});

/** What a post carries besides its text: media URNs in order, or an article's link. */
export const contentKey = (content: ListedPost['content']): string => {
  if (content?.media) return content.media.id;
  if (content?.multiImage) return content.multiImage.images.map((i) => i.id).join(',');
  if (content?.article) return content.article.source;
  return '';
};

/**
 * GET /rest/posts?q=author, newest first, back to `since` (with slack).
 * https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api#find-posts-by-authors
 */
export const recentPostsSince = async (ctx: CallContext, token: string, author: string, since: Date): Promise<ListedPost[]> => {
  const earliest = since.getTime() - CLOCK_SLACK_MS;
  const posts: ListedPost[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await callJson(
      ctx,
      {
        method: 'GET',
        url: `${API_BASE}/rest/posts`,
        query: { q: 'author', author, count: PAGE_SIZE, start: page * PAGE_SIZE, sortBy: 'LAST_MODIFIED' },
        headers: { ...restHeaders(token), 'x-restli-method': 'FINDER' },
      },
      postsPageSchema,
    );
    posts.push(...answer.elements);
    const oldest = answer.elements.at(-1);
    const reachedSince = oldest !== undefined && (oldest.createdAt ?? oldest.publishedAt ?? 0) < earliest;
    if (answer.elements.length < PAGE_SIZE || reachedSince) break;
  }
  return posts;
};

/** The earliest listed post with this commentary and content, made after `since` (with slack). */
export const findPost = (posts: readonly ListedPost[], commentary: string, content: string, since: Date): ListedPost | undefined => {
  const earliest = since.getTime() - CLOCK_SLACK_MS;
  return posts
    .filter((p) => (p.commentary ?? '') === commentary && contentKey(p.content) === content && (p.createdAt ?? p.publishedAt ?? 0) >= earliest)
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))[0];
};
