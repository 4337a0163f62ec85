/**
 * TikTok's content rules: the pure check of a post, with every violation at its field, limits at
 * their boundaries, media kinds and mixing, the options and what each post type and mode takes.
 */
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import { tiktokContentRules, validateTiktokContent } from '../../functions/providers/tiktok/rules';
import type { ContentCheck } from '../../functions/providers/types';

const video = (extra: Partial<MediaItem> = {}): MediaItem => ({ mediaId: 'v', url: 'https://media.example/v.mp4', contentType: 'video/mp4', size: 1000, durationSeconds: 30, width: 1080, height: 1920, ...extra });
const image = (i = 0, extra: Partial<MediaItem> = {}): MediaItem => ({ mediaId: `i${i}`, url: `https://media.example/${i}.jpg`, contentType: 'image/jpeg', size: 1000, ...extra });
const images = (n: number) => Array.from({ length: n }, (_, i) => image(i));

const PUBLIC = { privacyLevel: 'PUBLIC_TO_EVERYONE' };
const post = (text: string, media: readonly MediaItem[], options: Record<string, unknown> = PUBLIC, link?: string): PostContent => ({
  text,
  media,
  options,
  ...(link !== undefined && { link }),
});
const check = (c: PostContent): ContentCheck => validateTiktokContent(c, 'creator');
const codes = (c: ContentCheck) => c.violations.map((v) => `${v.field}:${v.code}`);
const warnings = (c: ContentCheck) => c.warnings.map((v) => `${v.field}:${v.code}`);

describe('TikTok content rules (data)', () => {
  it('describes video and photo posts, UTF-16 counting and every option', () => {
    expect(tiktokContentRules.postTypes).toEqual(['video', 'photo']);
    expect(tiktokContentRules.text).toEqual({ max: 2200, counting: 'utf16', required: false });
    expect(tiktokContentRules.media).toMatchObject({ min: 1, max: 35, mixing: 'images_or_one_video', maxImageBytes: 20 * 1024 * 1024, maxVideoBytes: 4 * 1024 ** 3 });
    expect(tiktokContentRules.media.types).toEqual(['video/mp4', 'video/quicktime', 'video/webm', 'image/jpeg', 'image/webp']);
    expect(Object.keys(tiktokContentRules.options).sort()).toEqual(
      ['autoAddMusic', 'brandContentToggle', 'brandOrganicToggle', 'disableComment', 'disableDuet', 'disableStitch', 'isAigc', 'photoCoverIndex', 'postMode', 'postType', 'privacyLevel', 'title', 'videoCoverTimestampMs'].sort(),
    );
    expect(tiktokContentRules.supportsThreads).toBe(false);
    expect(tiktokContentRules.supportsLinks).toBe(false);
  });
});

describe('validateTiktokContent', () => {
  it('accepts a video post and previews its caption with length and limit', () => {
    const c = check(post('a funny #cat video on your @tiktok #fyp', [video()]));
    expect(c.violations).toEqual([]);
    expect(c.warnings).toEqual([]);
    expect(c.preview).toEqual({ text: 'a funny #cat video on your @tiktok #fyp', length: 39, limit: 2200 });
  });

  describe('text', () => {
    it('takes a caption of 2200 UTF-16 units and refuses 2201', () => {
      expect(codes(check(post('a'.repeat(2200), [video()])))).toEqual([]);
      expect(codes(check(post('a'.repeat(2201), [video()])))).toEqual(['text:too_long']);
    });

    it('counts an emoji as two units', () => {
      const at = check(post('😀'.repeat(1100), [video()]));
      expect(at.preview.length).toBe(2200);
      expect(at.violations).toEqual([]);
      expect(codes(check(post(`${'😀'.repeat(1100)}a`, [video()])))).toEqual(['text:too_long']);
    });

    it('takes a photo description of 4000 and refuses 4001', () => {
      expect(check(post('d'.repeat(4000), images(2))).preview).toEqual({ text: 'd'.repeat(4000), length: 4000, limit: 4000 });
      expect(codes(check(post('d'.repeat(4000), images(2))))).toEqual([]);
      expect(codes(check(post('d'.repeat(4001), images(2))))).toEqual(['text:too_long']);
    });

    it('warns above five hashtags', () => {
      expect(warnings(check(post('#a #b #c #d #e', [video()])))).toEqual([]);
      expect(warnings(check(post('#a #b #c #d #e #f', [video()])))).toEqual(['text:many_hashtags']);
    });

    it('refuses a link, which TikTok captions do not carry', () => {
      expect(codes(check(post('see', [video()], PUBLIC, 'https://reach.example/x')))).toEqual(['link:not_supported']);
    });
  });

  describe('media', () => {
    it('needs media: TikTok has no text-only posts', () => {
      expect(codes(check(post('hello', [])))).toEqual(['media:required']);
    });

    it('takes one video alone', () => {
      expect(codes(check(post('', [video(), video({ mediaId: 'w' })])))).toEqual(['media:too_many']);
      expect(codes(check(post('', [video(), image()])))).toEqual(['media:mixing']);
    });

    it('takes 35 images and refuses 36', () => {
      expect(codes(check(post('', images(35))))).toEqual([]);
      expect(codes(check(post('', images(36))))).toEqual(['media:too_many']);
    });

    it('refuses types TikTok does not take, at their index', () => {
      expect(codes(check(post('', [image(0), image(1, { contentType: 'image/png' })])))).toEqual(['media.1:unsupported_type']);
      expect(codes(check(post('', [video({ contentType: 'video/x-msvideo' })])))).toEqual(['media.0:unsupported_type']);
      expect(codes(check(post('', [image()], { ...PUBLIC, postType: 'video' })))).toEqual(['media.0:unsupported_type']);
      expect(codes(check(post('', [video()], { ...PUBLIC, postType: 'photo' })))).toEqual(['media.0:unsupported_type']);
    });

    it('bounds sizes: 4 GiB a video, 20 MiB an image', () => {
      expect(codes(check(post('', [video({ size: 4 * 1024 ** 3 })])))).toEqual([]);
      expect(codes(check(post('', [video({ size: 4 * 1024 ** 3 + 1 })])))).toEqual(['media.0:too_large']);
      expect(codes(check(post('', [image(0, { size: 20 * 1024 * 1024 })])))).toEqual([]);
      expect(codes(check(post('', [image(0, { size: 20 * 1024 * 1024 + 1 })])))).toEqual(['media.0:too_large']);
      expect(codes(check(post('', [video({ size: 0 })])))).toEqual(['media.0:empty']);
    });

    it('bounds video sides to 360–4096 px', () => {
      expect(codes(check(post('', [video({ width: 360, height: 4096 })])))).toEqual([]);
      expect(codes(check(post('', [video({ width: 359 })])))).toEqual(['media.0:dimensions']);
      expect(codes(check(post('', [video({ height: 4097 })])))).toEqual(['media.0:dimensions']);
    });

    it('warns past 600 s, which only some creators may post', () => {
      expect(warnings(check(post('', [video({ durationSeconds: 600 })])))).toEqual([]);
      const c = check(post('', [video({ durationSeconds: 601 })]));
      expect(c.violations).toEqual([]);
      expect(warnings(c)).toEqual(['media.0:may_exceed_creator_limit']);
    });
  });

  describe('options', () => {
    it('needs the privacy level the user chose for a Direct Post: there is no default', () => {
      expect(codes(check(post('', [video()], {})))).toEqual(['options.privacyLevel:required']);
      expect(codes(check(post('', images(2), { postMode: 'DIRECT_POST' })))).toEqual(['options.privacyLevel:required']);
    });

    it('refuses unknown options by name and bad values at their path', () => {
      expect(codes(check(post('', [video()], { ...PUBLIC, schedule: 'now', mood: 1 })))).toEqual(['options.schedule:unknown_option', 'options.mood:unknown_option']);
      expect(codes(check(post('', [video()], { privacyLevel: 'PUBLIC' })))).toEqual(['options.privacyLevel:invalid_option']);
      expect(codes(check(post('', [video()], { ...PUBLIC, disableDuet: 'yes' })))).toEqual(['options.disableDuet:invalid_option']);
      expect(codes(check(post('', [video()], { ...PUBLIC, videoCoverTimestampMs: -1 })))).toEqual(['options.videoCoverTimestampMs:invalid_option']);
    });

    it('refuses branded content kept private', () => {
      expect(codes(check(post('', [video()], { privacyLevel: 'SELF_ONLY', brandContentToggle: true })))).toEqual(['options.privacyLevel:branded_content_private']);
      expect(codes(check(post('', [video()], { privacyLevel: 'SELF_ONLY', brandOrganicToggle: true })))).toEqual([]);
    });

    it('keeps each post type to its own options', () => {
      expect(codes(check(post('', [video()], { ...PUBLIC, title: 't', photoCoverIndex: 0, autoAddMusic: true })))).toEqual([
        'options.title:not_for_video',
        'options.photoCoverIndex:not_for_video',
        'options.autoAddMusic:not_for_video',
      ]);
      expect(codes(check(post('', images(2), { ...PUBLIC, disableDuet: true, disableStitch: true, videoCoverTimestampMs: 1, isAigc: true })))).toEqual([
        'options.disableDuet:not_for_photo',
        'options.disableStitch:not_for_photo',
        'options.videoCoverTimestampMs:not_for_photo',
        'options.isAigc:not_for_photo',
      ]);
    });

    it('takes a photo title of 90 and refuses 91', () => {
      expect(codes(check(post('', images(1), { ...PUBLIC, title: 't'.repeat(90) })))).toEqual([]);
      expect(codes(check(post('', images(1), { ...PUBLIC, title: 't'.repeat(91) })))).toEqual(['options.title:too_long']);
    });

    it('keeps the cover inside the post', () => {
      expect(codes(check(post('', images(3), { ...PUBLIC, photoCoverIndex: 2 })))).toEqual([]);
      expect(codes(check(post('', images(3), { ...PUBLIC, photoCoverIndex: 3 })))).toEqual(['options.photoCoverIndex:out_of_range']);
      expect(codes(check(post('', [video({ durationSeconds: 2 })], { ...PUBLIC, videoCoverTimestampMs: 2000 })))).toEqual([]);
      expect(codes(check(post('', [video({ durationSeconds: 2 })], { ...PUBLIC, videoCoverTimestampMs: 2001 })))).toEqual(['options.videoCoverTimestampMs:out_of_range']);
    });

    it('lets a draft go without privacy, and says what a draft ignores', () => {
      const c = check(post('caption', [video()], { postMode: 'MEDIA_UPLOAD', privacyLevel: 'SELF_ONLY', disableComment: true }));
      expect(c.violations).toEqual([]);
      expect(warnings(c)).toEqual(['options.privacyLevel:ignored_in_draft', 'options.disableComment:ignored_in_draft', 'text:not_sent']);
      // A photo draft carries its title and description.
      expect(check(post('described', images(2), { postMode: 'MEDIA_UPLOAD', title: 'Trip' })).warnings).toEqual([]);
    });
  });
});
