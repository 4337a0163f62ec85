/**
 * Facebook Page content rules, checked without calling Facebook: message length at the boundary,
 * post types and what each needs, media types, counts and mixing, reel shape and length, options,
 * and the preview (with the link added where Facebook shows no preview).
 */
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import { facebookContentRules, validateFacebookContent } from '../../functions/providers/facebook/rules';

const image = (extra: Partial<MediaItem> = {}): MediaItem => ({ mediaId: 'i', url: 'https://media.example/i.png', contentType: 'image/png', size: 100_000, ...extra });
const video = (extra: Partial<MediaItem> = {}): MediaItem => ({ mediaId: 'v', url: 'https://media.example/v.mp4', contentType: 'video/mp4', size: 5_000_000, width: 1080, height: 1920, durationSeconds: 30, ...extra });
const content = (over: Partial<PostContent> = {}): PostContent => ({ text: 'hello', media: [], options: {}, ...over });
const check = (c: PostContent) => validateFacebookContent(c, 'page');
const codes = (c: PostContent) => check(c).violations.map((v) => `${v.field}:${v.code}`);

describe('Facebook content rules', () => {
  it('are data: five post types, 63,206 characters, up to ten photos or one video', () => {
    expect(facebookContentRules.postTypes).toEqual(['text', 'link', 'photo', 'video', 'reel']);
    expect(facebookContentRules.text).toEqual({ max: 63_206, counting: 'characters', required: false });
    expect(facebookContentRules.media).toMatchObject({ min: 0, max: 10, mixing: 'images_or_one_video', maxImageBytes: 10_000_000 });
    expect(Object.keys(facebookContentRules.options)).toEqual(['postType', 'link', 'published']);
  });

  it('takes 63,206 characters and refuses 63,207', () => {
    expect(codes(content({ text: 'é'.repeat(63_206) }))).toEqual([]);
    expect(codes(content({ text: 'é'.repeat(63_207) }))).toEqual(['text:too_long']);
  });

  it('chooses the type from the content and checks what each needs', () => {
    expect(codes(content({ text: '' }))).toEqual(['text:required']);
    expect(codes(content({ text: '', link: 'https://example.com/a' }))).toEqual([]);
    expect(codes(content({ options: { postType: 'link' } }))).toEqual(['link:required']);
    expect(codes(content({ options: { postType: 'photo' } }))).toEqual(['media:required']);
    expect(codes(content({ media: [image()], options: { postType: 'text' } }))).toEqual(['media:not_applicable']);
    expect(codes(content({ media: [image()], options: { postType: 'video' } }))).toEqual(['media.0:wrong_type']);
  });

  it('takes ten photos, not eleven, and never photos with a video', () => {
    expect(codes(content({ media: Array.from({ length: 10 }, () => image()) }))).toEqual([]);
    expect(codes(content({ media: Array.from({ length: 11 }, () => image()) }))).toEqual(['media:too_many']);
    expect(codes(content({ media: [image(), video()] }))).toEqual(['media:mixing']);
    expect(codes(content({ media: [image(), video()], options: { postType: 'photo' } }))).toEqual(['media.1:mixing']);
  });

  it('checks media types and sizes', () => {
    expect(codes(content({ media: [image({ contentType: 'image/svg+xml' })] }))).toEqual(['media.0:unsupported_type']);
    expect(codes(content({ media: [image({ size: 10_000_000 })] }))).toEqual([]);
    expect(codes(content({ media: [image({ size: 10_000_001 })] }))).toEqual(['media.0:too_large']);
    expect(codes(content({ media: [video({ durationSeconds: 240 * 60 + 1 })] }))).toEqual(['media.0:too_long']);
  });

  it('takes reels of 3 to 90 s, 9:16, at least 540×960', () => {
    const reel = (extra: Partial<MediaItem>) => content({ media: [video(extra)], options: { postType: 'reel' } });
    expect(codes(reel({ durationSeconds: 3 }))).toEqual([]);
    expect(codes(reel({ durationSeconds: 2.5 }))).toEqual(['media.0:too_short']);
    expect(codes(reel({ durationSeconds: 90 }))).toEqual([]);
    expect(codes(reel({ durationSeconds: 91 }))).toEqual(['media.0:too_long']);
    expect(codes(reel({ width: 540, height: 960 }))).toEqual([]);
    expect(codes(reel({ width: 522, height: 928 }))).toEqual(['media.0:too_small']);
    expect(codes(reel({ width: 1080, height: 1080 }))).toEqual(['media.0:aspect_ratio']);
    expect(codes(content({ media: [video()], options: { postType: 'reel', published: false } }))).toEqual(['options.published:not_applicable']);
  });

  it('refuses unknown options and bad links', () => {
    expect(codes(content({ options: { title: 'x' } }))).toEqual(['options.title:unknown_option']);
    expect(codes(content({ options: { link: 'ftp://example.com' } }))).toEqual(['options.link:invalid_option']);
    expect(codes(content({ link: 'not a url' }))).toEqual(['link:invalid_url']);
  });

  it('previews the message; a photo post gets its link in the text, with a warning', () => {
    expect(check(content({ text: 'Big news', link: 'https://example.com/n' })).preview).toEqual({ text: 'Big news', length: 8, limit: 63_206 });
    const photo = check(content({ text: 'Big news', link: 'https://example.com/n', media: [image()] }));
    expect(photo.preview.text).toBe('Big news\nhttps://example.com/n');
    expect(photo.warnings.map((w) => `${w.field}:${w.code}`)).toEqual(['link:added_to_text']);
  });
});
