/**
 * How the fake renders Graph nodes and edges for a `fields` request, with the documented field
 * names and JSON types (ids strings, counts numbers; Meta timestamps `…+0000`):
 * IG User and IG Media (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user,
 * …/reference/instagram-media), Facebook User, Page and Page Post
 * (https://developers.facebook.com/docs/graph-api/reference/page, …/reference/post).
 * A field the node does not have is Graph's `(#100) Tried accessing nonexisting field`.
 */
import { derivedFigures, publishedFigures, type IgMedia, type PagePostRecord } from './content';
import type { FieldSpec } from './fields';
import { GraphFailure, requireScopes } from './graph-call';
import { graphError, nonexistingField } from './responses';
import type { MetaFakeState, Subject } from './state';
import { igAudience, metaTime, numericId, pageAudience, recentPosts, type FakePage, type FakePerson, type FakePost } from './world';

export interface RenderContext {
  readonly state: MetaFakeState;
  readonly now: Date;
  readonly subject: Subject;
}

type Resolver = (spec: FieldSpec) => unknown;

const DEFAULT_EDGE_LIMIT = 25;
const MAX_EDGE_LIMIT = 100;

const field = (name: string): FieldSpec => ({ name, modifiers: {} });

/** Renders the requested fields of one node; Graph always adds the node's `id`. */
export const renderNode = (nodeType: string, id: string, specs: readonly FieldSpec[], resolvers: Readonly<Record<string, Resolver>>) => {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const resolve = resolvers[spec.name];
    if (!resolve) throw new GraphFailure(nonexistingField(spec.name, nodeType));
    const value = resolve(spec);
    if (value !== undefined) out[spec.name] = value;
  }
  if (!('id' in out)) out['id'] = id;
  return out;
};

const cursor = (index: number): string => Buffer.from(`idx:${index}`).toString('base64url');

/** The offset an `after` cursor points past; 0 for none or a cursor the fake did not make. */
export const offsetAfter = (after: string | null | undefined): number => {
  if (!after) return 0;
  const m = /^idx:(\d+)$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
  return m ? Number(m[1]) + 1 : 0;
};

export interface EdgeInput<T> {
  /** Items from `offset`, at least `limit + 1` of them when more exist. */
  readonly items: (offset: number, limit: number) => readonly T[];
  readonly render: (item: T, children: readonly FieldSpec[]) => unknown;
  readonly defaultChildren: readonly string[];
  readonly summary?: () => Record<string, unknown>;
  readonly limit?: number;
  readonly after?: string | null;
  /** Where `paging.next` points, for top-level edges. */
  readonly nextUrl?: (after: string, limit: number) => string;
}

/** Renders an edge: `{data, paging?, summary?}` with cursor paging. */
export const renderEdge = <T>(spec: FieldSpec, input: EdgeInput<T>) => {
  const requested = spec.modifiers['limit'] !== undefined ? Number(spec.modifiers['limit']) : (input.limit ?? DEFAULT_EDGE_LIMIT);
  const limit = Math.max(0, Math.min(MAX_EDGE_LIMIT, Number.isFinite(requested) ? requested : DEFAULT_EDGE_LIMIT));
  const offset = offsetAfter(input.after);
  const window = limit === 0 ? [] : input.items(offset, limit);
  const page = window.slice(0, limit);
  const children = spec.children ?? input.defaultChildren.map(field);
  const out: Record<string, unknown> = { data: page.map((item) => input.render(item, children)) };
  if (page.length > 0) {
    const last = cursor(offset + page.length - 1);
    out['paging'] = {
      cursors: { before: cursor(offset), after: last },
      ...(window.length > limit && input.nextUrl && { next: input.nextUrl(last, limit) }),
    };
  }
  if (spec.modifiers['summary'] !== undefined && input.summary) out['summary'] = input.summary();
  return out;
};

const picture = (url: string) => (spec: FieldSpec) => {
  const data = { height: 50, is_silhouette: false, url, width: 50 };
  if (!spec.children) return { data };
  return { data: Object.fromEntries(spec.children.filter((c) => c.name in data).map((c) => [c.name, data[c.name as keyof typeof data]])) };
};

// ─── Instagram ───────────────────────────────────────────────────────────────────────────────

/** Instagram Login sees the `graph.instagram.com` flavour of the IG user; Facebook Login the `graph.facebook.com` one. */
export type IgFlavor = 'instagram_login' | 'facebook_login';

/** Media published through the fake, as a post of the account's history with its figures at `now`. */
export const igMediaAsPost = (person: FakePerson, m: IgMedia, now: Date): FakePost => ({
  id: m.id,
  createdAt: new Date(m.createdAtMs),
  caption: m.caption,
  ...publishedFigures(m.id, m.createdAtMs, igAudience(person, now), now),
  mediaType: m.mediaType,
  shortcode: m.shortcode,
  productType: m.productType,
});

/** The account's posts at `now`, newest first: what was published through the fake among its generated history. */
export const igFeed = (state: MetaFakeState, person: FakePerson, now: Date, offset: number, limit: number): FakePost[] => {
  const published = state.content.mediaOf(person.igUserId, 'posts').map((m) => igMediaAsPost(person, m, now));
  const generated = recentPosts(`${person.name}#ig`, '1790', now, offset + limit + 1);
  return [...published, ...generated].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(offset, offset + limit + 1);
};

/** The account's live stories (published through the fake within the last day), newest first. */
export const igStories = (state: MetaFakeState, person: FakePerson, now: Date): FakePost[] =>
  state.content
    .mediaOf(person.igUserId, 'stories')
    .filter((m) => now.getTime() - m.createdAtMs < 86_400_000)
    .map((m) => igMediaAsPost(person, m, now));

/** One of the account's posts by id, published or generated (the newest 100 of its history). */
export const igPostById = (state: MetaFakeState, person: FakePerson, id: string, now: Date): FakePost | undefined => {
  const published = state.content.igMedia.get(id);
  if (published) return published.owner === person.igUserId ? igMediaAsPost(person, published, now) : undefined;
  return recentPosts(`${person.name}#ig`, '1790', now, 100).find((p) => p.id === id);
};

const productTypeOf = (post: FakePost): string => post.productType ?? (post.mediaType === 'VIDEO' ? 'REELS' : 'FEED');

/** One IG Media node. */
export const renderIgMedia = (person: FakePerson, post: FakePost, specs: readonly FieldSpec[]) =>
  renderNode('IGMedia', post.id, specs, {
    id: () => post.id,
    caption: () => (post.productType === 'STORY' ? undefined : post.caption),
    media_type: () => post.mediaType,
    media_product_type: () => productTypeOf(post),
    media_url: () => `https://scontent.cdninstagram.com/fake/${post.id}.${post.mediaType === 'VIDEO' ? 'mp4' : 'jpg'}`,
    thumbnail_url: () => (post.mediaType === 'VIDEO' ? `https://scontent.cdninstagram.com/fake/${post.id}.jpg` : undefined),
    permalink: () =>
      post.productType === 'STORY'
        ? `https://www.instagram.com/stories/${person.igUsername}/${post.id}/`
        : `https://www.instagram.com/${post.mediaType === 'VIDEO' ? 'reel' : 'p'}/${post.shortcode}/`,
    shortcode: () => post.shortcode,
    timestamp: () => metaTime(post.createdAt),
    // Hidden like counts are left out of the answer, as Instagram does.
    like_count: () => (person.hideLikes ? undefined : post.likes),
    comments_count: () => post.comments,
    username: () => person.igUsername,
    is_comment_enabled: () => true,
  });

/** The IG user's `media` edge (newest first). */
export const renderIgMediaEdge = (
  state: MetaFakeState,
  person: FakePerson,
  spec: FieldSpec,
  now: Date,
  paging: { limit?: number; after?: string | null; nextUrl?: (after: string, limit: number) => string } = {},
) =>
  renderEdge(spec, {
    items: (offset, limit) => igFeed(state, person, now, offset, limit),
    render: (post, children) => renderIgMedia(person, post, children),
    defaultChildren: ['id'],
    ...paging,
  });

/** One IG User node in the flavour of the login that reads it. */
export const renderIgUser = (state: MetaFakeState, person: FakePerson, flavor: IgFlavor, specs: readonly FieldSpec[], now: Date) => {
  const audience = igAudience(person, now);
  const publishedCount = state.content.mediaOf(person.igUserId, 'posts').length;
  const common: Record<string, Resolver> = {
    username: () => person.igUsername,
    name: () => person.igName,
    biography: () => `${person.igName} on the Reach fake`,
    website: () => 'https://example.com/',
    profile_picture_url: () => `https://scontent.cdninstagram.com/fake/${person.igUserId}-profile.jpg`,
    followers_count: () => audience.followers,
    follows_count: () => audience.following,
    media_count: () => audience.posts + publishedCount,
    media: (spec) => renderIgMediaEdge(state, person, spec, now),
  };
  if (flavor === 'instagram_login') {
    return renderNode('User', person.igScopedId, specs, {
      ...common,
      id: () => person.igScopedId,
      user_id: () => person.igUserId,
      account_type: () => person.igAccountType,
    });
  }
  return renderNode('IGUser', person.igUserId, specs, {
    ...common,
    id: () => person.igUserId,
    ig_id: () => Number(numericId('', `${person.name}:igid`, 10)),
  });
};

// ─── Facebook ────────────────────────────────────────────────────────────────────────────────

/** One Facebook User node. */
export const renderFbUser = (person: FakePerson, specs: readonly FieldSpec[]) =>
  renderNode('User', person.fbUserId, specs, {
    id: () => person.fbUserId,
    name: () => person.fbName,
    picture: picture(`https://scontent.xx.fbcdn.net/fake/${person.fbUserId}.jpg`),
  });

const reactionsEdge = (post: FakePost) => (spec: FieldSpec) =>
  renderEdge(spec, {
    items: (offset, limit) =>
      Array.from({ length: Math.max(0, Math.min(limit + 1, post.likes - offset)) }, (_, i) => ({
        id: numericId('10', `${post.id}:reactor:${offset + i}`, 14),
        name: `Fan ${offset + i + 1}`,
        type: 'LIKE',
      })),
    render: (r, children) => Object.fromEntries(children.filter((c) => c.name in r).map((c) => [c.name, r[c.name as keyof typeof r]])),
    defaultChildren: ['id', 'name', 'type'],
    summary: () => ({ total_count: post.likes, viewer_reaction: 'NONE' }),
  });

const commentsEdge = (post: FakePost, pageId: string) => (spec: FieldSpec) =>
  renderEdge(spec, {
    items: (offset, limit) =>
      Array.from({ length: Math.max(0, Math.min(limit + 1, post.comments - offset)) }, (_, i) => ({
        id: `${post.id}_${offset + i + 1}`,
        created_time: metaTime(new Date(post.createdAt.getTime() + (offset + i + 1) * 60_000)),
        message: 'Nice post!',
        from: { id: numericId('10', `${pageId}:commenter:${offset + i}`, 14), name: `Fan ${offset + i + 1}` },
      })),
    render: (c, children) => Object.fromEntries(children.filter((s) => s.name in c).map((s) => [s.name, c[s.name as keyof typeof c]])),
    defaultChildren: ['created_time', 'message', 'id'],
    summary: () => ({ order: 'ranked', total_count: post.comments, can_comment: true }),
  });

/** Page post insights: the current metrics; the retired `*impressions*` ones are refused. */
const PAGE_POST_INSIGHTS: Readonly<Record<string, { readonly title: string; readonly value: (post: FakePost) => unknown }>> = {
  post_total_media_view_unique: { title: 'Lifetime Post Total Unique Media Views', value: (p) => derivedFigures(p).reach },
  post_total_media_view: { title: 'Lifetime Post Total Media Views', value: (p) => p.views },
  post_clicks: { title: 'Lifetime Post Clicks', value: (p) => derivedFigures(p).clicks },
  post_reactions_by_type_total: { title: 'Lifetime Total post Reactions by Type.', value: (p) => ({ like: p.likes }) },
};

const postInsights = (id: string, post: FakePost, subject: Subject | undefined) => (spec: FieldSpec) => {
  if (subject) requireScopes(subject, 'read_insights');
  const names = (spec.modifiers['metric'] ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  const unknown = names.find((n) => !PAGE_POST_INSIGHTS[n]);
  if (names.length === 0 || unknown !== undefined) {
    throw new GraphFailure(graphError(400, { message: `(#100) The value must be a valid insights metric${unknown ? `: ${unknown}` : ''}`, code: 100 }));
  }
  return {
    data: names.map((name) => ({
      name,
      period: 'lifetime',
      values: [{ value: PAGE_POST_INSIGHTS[name]!.value(post) }],
      title: PAGE_POST_INSIGHTS[name]!.title,
      description: `Lifetime: ${PAGE_POST_INSIGHTS[name]!.title}`,
      id: `${id}/insights/${name}/lifetime`,
    })),
  };
};

/** One Page Post node; its id is `{page-id}_{post-id}`. `subject` is checked for the insights permission. */
export const renderPagePost = (page: FakePage, post: FakePost, specs: readonly FieldSpec[], subject?: Subject) => {
  const id = `${page.id}_${post.id}`;
  return renderNode('PagePost', id, specs, {
    id: () => id,
    message: () => post.caption,
    created_time: () => metaTime(post.createdAt),
    permalink_url: () => `https://www.facebook.com/${page.id}/posts/${post.id}`,
    status_type: () => (post.mediaType === 'IMAGE' ? 'added_photos' : post.mediaType === 'VIDEO' ? 'added_video' : 'mobile_status_update'),
    full_picture: () => `https://scontent.xx.fbcdn.net/fake/${post.id}.jpg`,
    // Graph leaves `shares` out for a post nobody shared.
    shares: () => (post.shares > 0 ? { count: post.shares } : undefined),
    reactions: reactionsEdge(post),
    comments: commentsEdge(post, page.id),
    insights: postInsights(id, post, subject),
  });
};

/** A post published through the fake, as a post of the Page's history with its figures at `now`. */
export const pageRecordAsPost = (page: FakePage, rec: PagePostRecord, now: Date): FakePost => ({
  id: rec.number,
  createdAt: new Date(rec.createdAtMs),
  caption: rec.message,
  ...publishedFigures(rec.id, rec.createdAtMs, pageAudience(page, now), now),
  // What `status_type` is rendered from: photos, videos, or a status update.
  mediaType: rec.kind === 'photo' ? 'IMAGE' : rec.kind === 'video' || rec.kind === 'reel' ? 'VIDEO' : 'CAROUSEL_ALBUM',
  shortcode: rec.number,
});

/** The Page's published posts at `now`, newest first: the fake's own among its generated history. */
export const pagePosts = (state: MetaFakeState, page: FakePage, now: Date, offset: number, limit: number): FakePost[] => {
  const published = state.content.postsOf(page.id).map((r) => pageRecordAsPost(page, r, now));
  const generated = recentPosts(page.audienceKey, '1', now, offset + limit + 1);
  return [...published, ...generated].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(offset, offset + limit + 1);
};

/** One of the Page's posts by its full id, published (hidden ones too) or generated (the newest 100). */
export const pagePostById = (state: MetaFakeState, page: FakePage, id: string, now: Date): FakePost | undefined => {
  const rec = state.content.pagePosts.get(id);
  if (rec) return rec.pageId === page.id ? pageRecordAsPost(page, rec, now) : undefined;
  if (!id.startsWith(`${page.id}_`)) return undefined;
  const number = id.slice(page.id.length + 1);
  return recentPosts(page.audienceKey, '1', now, 100).find((p) => p.id === number);
};

/** The Page's `published_posts` edge: needs a Page token with `pages_read_engagement`. */
export const renderPublishedPosts = (rc: RenderContext, page: FakePage, spec: FieldSpec, paging: { limit?: number; after?: string | null; nextUrl?: (after: string, limit: number) => string } = {}) => {
  if (rc.subject.kind !== 'page' || rc.subject.page.id !== page.id) {
    throw new GraphFailure(graphError(400, { message: '(#210) A page access token is required to request this resource.', code: 210 }));
  }
  requireScopes(rc.subject, 'pages_read_engagement');
  return renderEdge(spec, {
    items: (offset, limit) => pagePosts(rc.state, page, rc.now, offset, limit),
    render: (post, children) => renderPagePost(page, post, children, rc.subject),
    defaultChildren: ['created_time', 'message', 'id'],
    ...paging,
  });
};

/** The tasks an admin has on a Page (`tasks` on `/me/accounts`). */
export const PAGE_TASKS = ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE'] as const;

/** One Page node. `access_token` and `tasks` exist when a user token of one of its admins reads it. */
export const renderPage = (rc: RenderContext, person: FakePerson, page: FakePage, specs: readonly FieldSpec[]) => {
  const audience = pageAudience(page, rc.now);
  const asAdmin = rc.subject.kind === 'user' && rc.subject.person.name === person.name;
  return renderNode('Page', page.id, specs, {
    id: () => page.id,
    name: () => page.name,
    username: () => page.username,
    category: () => page.category,
    category_list: () => [{ id: numericId('', `${page.category}:cat`, 15), name: page.category }],
    link: () => `https://www.facebook.com/${page.username}`,
    about: () => `${page.name} on the Reach fake`,
    followers_count: () => audience.followers,
    fan_count: () => Math.round(audience.followers * 0.9),
    verification_status: () => 'not_verified',
    picture: picture(`https://scontent.xx.fbcdn.net/fake/${page.id}.jpg`),
    access_token: () => (asAdmin && rc.subject.kind === 'user' ? rc.state.pageToken(rc.subject.entry, page, rc.now) : undefined),
    tasks: () => (asAdmin ? [...PAGE_TASKS] : undefined),
    instagram_business_account: (spec) => {
      if (!page.igUserId) return undefined;
      return renderIgUser(rc.state, person, 'facebook_login', spec.children ?? [field('id')], rc.now);
    },
    published_posts: (spec) => renderPublishedPosts(rc, page, spec),
  });
};
