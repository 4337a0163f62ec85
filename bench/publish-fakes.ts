/** Reading what the fake platforms hold: every post they received, matched to Reach's targets by text. */
import { z } from 'zod';
import type { LocalRuntime } from '../local/runtime';
import type { ProviderId } from '../functions/providers/types';

/** A post at a fake platform. */
export interface FakePost {
  readonly platform: ProviderId;
  readonly text: string;
  readonly id: string;
  /** When the fake received the call that made the post (absent where the fake keeps no time). */
  readonly createdAt?: string;
}

const TEXT_FIELDS = ['text', 'message', 'caption', 'description', 'summary'] as const;
const looseObject = z.record(z.string(), z.unknown());
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map((x) => looseObject.parse(x)) : []);

/** Posts at the fakes, with their text and, where the fake keeps it, the moment it received the post (a failed TikTok publish is not a post). */
export const postsAtFakesTimed = async (rt: LocalRuntime): Promise<FakePost[]> => {
  const state = async (fake: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${rt.fakesUrl}/__fakes/${fake}/state`);
    return looseObject.parse(await res.json());
  };
  const [meta, google, tiktok, x, linkedin] = await Promise.all(['meta', 'google', 'tiktok', 'x', 'linkedin'].map(state));
  const field = (o: Record<string, unknown> | undefined, k: string) => looseObject.parse(o?.[k] ?? {});
  const groups: [ProviderId, Record<string, unknown>[]][] = [
    ['instagram', list(field(meta, 'published')['instagram'])],
    ['facebook', list(field(meta, 'published')['facebook'])],
    ['youtube', list(field(google, 'youtube')['uploads'])],
    ['google_business', list(field(google, 'business')['localPosts'])],
    ['tiktok', list(tiktok?.['posts']).filter((p) => p['status'] !== 'FAILED')],
    ['x', list(x?.['posts'])],
    ['linkedin', list(linkedin?.['posts'])],
  ];
  return groups.flatMap(([platform, items]) =>
    items.map((item) => {
      const text = TEXT_FIELDS.map((k) => item[k]).find((v): v is string => typeof v === 'string' && v.length > 0) ?? '';
      const at = item['createdAt'] ?? item['uploadedAt'];
      return { platform, text, id: String(item['id'] ?? item['publishId'] ?? item['name'] ?? ''), ...(typeof at === 'string' && { createdAt: at }) };
    }),
  );
};
