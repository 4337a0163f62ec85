/**
 * Instagram's content rules, checked without calling Instagram: caption, hashtag and mention
 * limits at their boundaries, media types, sizes, durations and shapes per post type, carousel
 * sizes, options, and the preview.
 */
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import { instagramContentRules, validateInstagramContent } from '../../functions/providers/instagram/rules';
import { createInstagramProvider } from '../../functions/providers/instagram';
import { createHttpClient } from '../../functions/providers/http';

const MIB = 1024 * 1024;
const image = (extra: Partial<MediaItem> = {}): MediaItem => ({ mediaId: 'i', url: 'https://media.example/i.jpg', contentType: 'image/jpeg', size: 100_000, width: 1080, height: 1080, ...extra });
const video = (extra: Partial<MediaItem> = {}): MediaItem => ({ mediaId: 'v', url: 'https://media.example/v.mp4', contentType: 'video/mp4', size: 5_000_000, width: 1080, height: 1920, durationSeconds: 20, ...extra });
const content = (over: Partial<PostContent> = {}): PostContent => ({ text: 'hello', media: [image()], options: {}, ...over });
const check = (c: PostContent) => validateInstagramContent(c, 'business');
const codes = (c: PostContent) => check(c).violations.map((v) => `${v.field}:${v.code}`);
const warnings = (c: PostContent) => check(c).warnings.map((v) => `${v.field}:${v.code}`);

describe('Instagram content rules', () => {
  it('are served as data by the provider', () => {
    const provider = createInstagramProvider({ http: createHttpClient({ defaultTimeoutMs: 1000 }), now: () => new Date() });
    expect(provider.publisher!.rules).toBe(instagramContentRules);
    expect(instagramContentRules.postTypes).toEqual(['feed', 'reel', 'carousel', 'story']);
    expect(instagramContentRules.text).toEqual({ max: 2200, counting: 'characters', required: false });
    expect(instagramContentRules.media).toMatchObject({ min: 1, max: 10, types: ['image/jpeg', 'video/mp4', 'video/quicktime'], maxImageBytes: 8 * MIB });
    expect(Object.keys(instagramContentRules.options)).toEqual(['postType', 'altText', 'shareToFeed', 'coverUrl', 'thumbOffsetMs', 'collaborators', 'locationId']);
  });

  it('accepts a plain feed image and previews the caption', () => {
    expect(check(content({ text: 'Morning light 🌅' }))).toEqual({ violations: [], warnings: [], preview: { text: 'Morning light 🌅', length: 15, limit: 2200 } });
  });

  it('counts the caption in characters: 2,200 pass, 2,201 do not (an emoji is one character)', () => {
    expect(codes(content({ text: '😀'.repeat(2200) }))).toEqual([]);
    expect(codes(content({ text: '😀'.repeat(2201) }))).toEqual(['text:too_long']);
    expect(check(content({ text: 'a'.repeat(2201) })).preview).toEqual({ text: 'a'.repeat(2200), length: 2201, limit: 2200 });
  });

  it('takes 30 hashtags, refuses 31, and warns above five', () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `#tag${i}`).join(' ');
    expect(warnings(content({ text: tags(5) }))).toEqual([]);
    expect(warnings(content({ text: tags(6) }))).toEqual(['text:many_hashtags']);
    expect(codes(content({ text: tags(30) }))).toEqual([]);
    expect(codes(content({ text: tags(31) }))).toEqual(['text:too_many_hashtags']);
    // Not hashtags: a number sign alone, digits only, or inside a word.
    expect(warnings(content({ text: 'issue #1 C# a#b #x #y #z #w #v' }))).toEqual([]);
  });

  it('takes 20 @-mentions and refuses 21', () => {
    const mentions = (n: number) => Array.from({ length: n }, (_, i) => `@user${i}`).join(' ');
    expect(codes(content({ text: mentions(20) }))).toEqual([]);
    expect(codes(content({ text: mentions(21) }))).toEqual(['text:too_many_mentions']);
    expect(codes(content({ text: 'mail me at me@example.com' }))).toEqual([]);
  });

  it('takes JPEG images only, up to 8 MiB', () => {
    expect(codes(content({ media: [image({ size: 8 * MIB })] }))).toEqual([]);
    expect(codes(content({ media: [image({ size: 8 * MIB + 1 })] }))).toEqual(['media.0:too_large']);
    expect(codes(content({ media: [image({ contentType: 'image/png' })] }))).toEqual(['media.0:unsupported_type']);
    expect(codes(content({ media: [image({ size: 0 })] }))).toEqual(['media.0:empty']);
  });

  it('takes feed images between 4:5 and 1.91:1, at the boundary and not one pixel past it', () => {
    expect(codes(content({ media: [image({ width: 1080, height: 1350 })] }))).toEqual([]);
    expect(codes(content({ media: [image({ width: 1080, height: 1351 })] }))).toEqual(['media.0:aspect_ratio']);
    expect(codes(content({ media: [image({ width: 1910, height: 1000 })] }))).toEqual([]);
    expect(codes(content({ media: [image({ width: 1911, height: 1000 })] }))).toEqual(['media.0:aspect_ratio']);
    // Stories are full-screen: no such bound.
    expect(codes(content({ media: [image({ width: 1080, height: 1920 })], options: { postType: 'story' } }))).toEqual([]);
  });

  it('needs media, one image for a feed post and one video for a reel', () => {
    expect(codes(content({ media: [] }))).toEqual(['media:required']);
    expect(codes(content({ media: [video()], options: { postType: 'feed' } }))).toEqual(['media.0:wrong_type']);
    expect(codes(content({ media: [image()], options: { postType: 'reel' } }))).toEqual(['media.0:wrong_type']);
    expect(codes(content({ media: [image(), image()], options: { postType: 'feed' } }))).toEqual(['media:too_many']);
    expect(codes(content({ media: [video(), video()], options: { postType: 'story' } }))).toEqual(['media:too_many']);
  });

  it('makes a carousel of several items, a reel of one video, a feed post of one image', () => {
    expect(codes(content({ media: [image(), video({ durationSeconds: 30 })] }))).toEqual([]);
    expect(codes(content({ media: [video()] }))).toEqual([]);
    expect(codes(content({ media: [video({ durationSeconds: 100 })] }))).toEqual([]);
  });

  it('takes 2 to 10 carousel items', () => {
    expect(codes(content({ media: [image()], options: { postType: 'carousel' } }))).toEqual(['media:too_few']);
    expect(codes(content({ media: Array.from({ length: 10 }, () => image()) }))).toEqual([]);
    expect(codes(content({ media: Array.from({ length: 11 }, () => image()) }))).toEqual(['media:too_many']);
  });

  it('bounds video durations per type: reels 3 s to 15 min, stories and carousel videos 3 to 60 s', () => {
    expect(codes(content({ media: [video({ durationSeconds: 3 })] }))).toEqual([]);
    expect(codes(content({ media: [video({ durationSeconds: 2.9 })] }))).toEqual(['media.0:too_short']);
    expect(codes(content({ media: [video({ durationSeconds: 900 })] }))).toEqual([]);
    expect(codes(content({ media: [video({ durationSeconds: 901 })] }))).toEqual(['media.0:too_long']);
    expect(codes(content({ media: [video({ durationSeconds: 60 })], options: { postType: 'story' } }))).toEqual([]);
    expect(codes(content({ media: [video({ durationSeconds: 61 })], options: { postType: 'story' } }))).toEqual(['media.0:too_long']);
    expect(codes(content({ media: [image(), video({ durationSeconds: 61 })] }))).toEqual(['media.1:too_long']);
    expect(codes(content({ media: [video({ size: 300_000_001 })] }))).toEqual(['media.0:too_large']);
  });

  it('warns about a reel that is not 9:16 and about alt text on a video', () => {
    expect(warnings(content({ media: [video({ width: 1920, height: 1080, altText: 'x' })] }))).toEqual(['media.0:aspect_ratio', 'media.0.altText:ignored']);
  });

  it('refuses unknown options by name, and options of another post type', () => {
    expect(codes(content({ options: { privacyLevel: 'PUBLIC' } }))).toEqual(['options.privacyLevel:unknown_option']);
    expect(codes(content({ options: { shareToFeed: false } }))).toEqual(['options.shareToFeed:not_applicable']);
    expect(codes(content({ media: [video()], options: { altText: 'a dog' } }))).toEqual(['options.altText:not_applicable']);
    expect(codes(content({ options: { postType: 'story', collaborators: ['a'] } }))).toEqual(['options.collaborators:not_applicable']);
    expect(codes(content({ options: { collaborators: ['a', 'b', 'c', 'd'] } }))).toEqual(['options.collaborators:invalid_option']);
    expect(codes(content({ options: { postType: 'album' } }))).toEqual(['options.postType:invalid_option']);
    expect(codes(content({ media: [video({ durationSeconds: 10 })], options: { thumbOffsetMs: 10_000 } }))).toEqual(['options.thumbOffsetMs:out_of_range']);
    expect(codes(content({ media: [video({ durationSeconds: 10 })], options: { thumbOffsetMs: 9_999, shareToFeed: true, coverUrl: 'https://media.example/c.jpg' } }))).toEqual([]);
  });

  it('warns that links are not clickable and that stories show no caption', () => {
    expect(warnings(content({ link: 'https://example.com' }))).toEqual(['link:not_clickable']);
    const story = check(content({ text: 'hi', options: { postType: 'story' } }));
    expect(story.warnings.map((w) => w.code)).toEqual(['not_shown']);
    expect(story.preview.text).toBe('');
  });
});
