/**
 * A post's content per target: the draft's text and media with the target's overrides, media ids
 * resolved to URLs platforms can fetch, and each platform's own validation through its publisher.
 */
import type { Connection } from '../model/connection';
import type { MediaItem, Post, PostContent, PostTarget, TargetOverrides } from '../model/post';
import type { ContentCheck, Violation } from '../ports/provider';
import type { UseCaseDeps } from './context';

/** What a client sends to preview or create a post (already shape-checked at the edge). */
export interface PostDraft {
  readonly text: string;
  readonly media?: readonly string[];
  readonly link?: string;
  readonly targets: readonly { readonly connectionId: string; readonly overrides?: TargetOverrides }[];
  readonly scheduledAt?: string;
  readonly timeZone?: string;
}

/** Platforms fetch media while they publish (some much later): read URLs live at least this long. */
export const MEDIA_URL_SECONDS = 6 * 3600;

/** The content one target publishes: the post's, with the target's overrides applied. */
export const contentFor = (
  base: { readonly text: string; readonly media: readonly string[]; readonly link?: string },
  overrides: TargetOverrides | undefined,
  media: ReadonlyMap<string, MediaItem>,
): PostContent => {
  const ids = overrides?.media ?? base.media;
  const link = overrides?.link ?? base.link;
  return {
    text: overrides?.text ?? base.text,
    media: ids.map((id) => media.get(id)).filter((m): m is MediaItem => m !== undefined),
    ...(link !== undefined && { link }),
    options: overrides?.options ?? {},
  };
};

/** The stored post's content for one of its targets. */
export const targetContent = (post: Post, target: PostTarget, media: ReadonlyMap<string, MediaItem>): PostContent =>
  contentFor({ text: post.text, media: post.mediaIds, ...(post.link !== undefined && { link: post.link }) }, target.overrides, media);

/**
 * Resolves media ids to items with read URLs. An id that is unknown, of another user, or not
 * uploaded yet is left out of the map (the caller names the field).
 */
export const resolveMedia = async (deps: UseCaseDeps, userId: string, ids: readonly string[]): Promise<Map<string, MediaItem>> => {
  const out = new Map<string, MediaItem>();
  const store = deps.media;
  if (!store || ids.length === 0) return out;
  await Promise.all(
    [...new Set(ids)].map(async (mediaId) => {
      const record = await deps.posts.getMedia(userId, mediaId);
      if (!record) return;
      const stored = await store.head({ userId, mediaId });
      if (!stored) return;
      const url = await store.readUrl({ userId, mediaId }, MEDIA_URL_SECONDS);
      out.set(mediaId, { mediaId, url, contentType: stored.contentType, size: stored.size });
    }),
  );
  return out;
};

/** One target's verdict in a preview (and the reason a create is refused). */
export interface TargetCheck {
  readonly connectionId: string;
  readonly platform?: string;
  readonly valid: boolean;
  readonly violations: readonly Violation[];
  readonly warnings: readonly Violation[];
  readonly preview?: ContentCheck['preview'];
}

export interface DraftCheck {
  readonly valid: boolean;
  readonly targets: readonly TargetCheck[];
  /** The draft's connections, by id (only those found). */
  readonly connections: ReadonlyMap<string, Connection>;
}

const violation = (field: string, code: string, message: string): Violation => ({ field, code, message });

/**
 * Checks a draft target by target: the connection exists and is the caller's, its media arrived,
 * its platform can publish, and the platform's publisher accepts the content. Never calls a
 * platform and never writes.
 */
export const checkDraft = async (deps: UseCaseDeps, userId: string, draft: PostDraft): Promise<DraftCheck> => {
  const allMedia = [...(draft.media ?? []), ...draft.targets.flatMap((t) => t.overrides?.media ?? [])];
  const [media, loaded] = await Promise.all([
    resolveMedia(deps, userId, allMedia),
    Promise.all(draft.targets.map((t) => deps.connections.get(userId, t.connectionId))),
  ]);
  const connections = new Map<string, Connection>();
  const seen = new Set<string>();
  const targets = draft.targets.map((t, i): TargetCheck => {
    const violations: Violation[] = [];
    const warnings: Violation[] = [];
    const connection = loaded[i];
    if (seen.has(t.connectionId)) violations.push(violation('connectionId', 'duplicate_target', 'this connection is already a target of the post'));
    seen.add(t.connectionId);
    if (!connection) {
      violations.push(violation('connectionId', 'not_found', 'no such connection'));
      return { connectionId: t.connectionId, valid: false, violations, warnings };
    }
    connections.set(connection.connectionId, connection);
    if (connection.status !== 'active') {
      warnings.push(violation('connectionId', 'connection_inactive', `the connection is ${connection.status}; reconnect it before the post is due`));
    }
    const mediaIds = t.overrides?.media ?? draft.media ?? [];
    const mediaField = t.overrides?.media ? 'overrides.media' : 'media';
    mediaIds.forEach((id, j) => {
      if (!media.has(id)) violations.push(violation(`${mediaField}.${j}`, 'media_not_found', `media ${id} does not exist or has not been uploaded yet`));
    });
    const publisher = deps.platforms.get(connection.platform)?.publisher;
    if (!publisher) {
      violations.push(violation('connectionId', 'capability_unsupported', `${connection.platform} does not support publishing`));
      return { connectionId: t.connectionId, platform: connection.platform, valid: false, violations, warnings };
    }
    const content = contentFor({ text: draft.text, media: draft.media ?? [], ...(draft.link !== undefined && { link: draft.link }) }, t.overrides, media);
    const check = publisher.validate(content, connection.accountType);
    violations.push(...check.violations);
    warnings.push(...check.warnings);
    return { connectionId: t.connectionId, platform: connection.platform, valid: violations.length === 0, violations, warnings, preview: check.preview };
  });
  return { valid: targets.every((t) => t.valid), targets, connections };
};
