/**
 * LinkedIn's content rules: validation with exact violations at the boundaries, the little-text
 * commentary (checked against the fake's rendering of it), and the duplicate-content refusal's
 * classification.
 */
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import { createLinkedinProvider } from '../../functions/providers/linkedin';
import { hashtagsOf, toLittleText } from '../../functions/providers/linkedin/commentary';
import { createClassifier, duplicateOf } from '../../functions/providers/linkedin/errors';
import { LINKEDIN_MAX_IMAGE_BYTES, LINKEDIN_MIN_VIDEO_BYTES, shapeOf, validateLinkedinContent } from '../../functions/providers/linkedin/rules';
import { createHttpClient } from '../../functions/providers/http';
import { renderLittleText } from '../../local/fakes/linkedin/content';

const image = (i: number, extra: Partial<MediaItem> = {}): MediaItem => ({
  mediaId: `img${i}`,
  url: `https://media.example/img${i}`,
  contentType: 'image/jpeg',
  size: 200_000,
  ...extra,
});
const video = (extra: Partial<MediaItem> = {}): MediaItem => ({
  mediaId: 'vid',
  url: 'https://media.example/vid',
  contentType: 'video/mp4',
  size: 2_000_000,
  durationSeconds: 20,
  width: 1920,
  height: 1080,
  ...extra,
});
const post = (text: string, extra: Partial<PostContent> = {}): PostContent => ({ text, media: [], options: {}, ...extra });
const codes = (c: PostContent, accountType = 'member') => validateLinkedinContent(c, accountType).violations.map((v) => `${v.field}:${v.code}`);

describe('validateLinkedinContent', () => {
  describe('text', () => {
    it('takes 3000 characters and refuses 3001', () => {
      expect(codes(post('a'.repeat(3000)))).toEqual([]);
      expect(codes(post('a'.repeat(3001)))).toEqual(['text:too_long']);
    });

    it('counts an emoji as one character, as LinkedIn’s composer does', () => {
      const check = validateLinkedinContent(post('🚀'.repeat(3000)), 'member');
      expect(check.violations).toEqual([]);
      expect(check.preview).toEqual({ text: '🚀'.repeat(3000), length: 3000, limit: 3000 });
      expect(codes(post('🚀'.repeat(3001)))).toEqual(['text:too_long']);
    });

    it('needs text, media or a link', () => {
      expect(codes(post('   '))).toEqual(['text:required']);
      expect(codes(post('', { media: [image(0)] }))).toEqual([]);
      expect(codes(post('', { link: 'https://reach.example/a' }))).toEqual([]);
    });

    it('warns above three hashtags and shows the link a media post carries in its text', () => {
      expect(validateLinkedinContent(post('#a #b #c'), 'member').warnings).toEqual([]);
      expect(validateLinkedinContent(post('#a #b #c #d'), 'member').warnings).toEqual([
        { field: 'text', code: 'many_hashtags', message: '4 hashtags: LinkedIn recommends about 3' },
      ]);
      const withLink = validateLinkedinContent(post('Look', { media: [image(0)], link: 'https://reach.example/a' }), 'member');
      expect(withLink.preview.text).toBe('Look\nhttps://reach.example/a');
      expect(withLink.preview.length).toBe(28);
    });

    it('counts the appended link against the limit', () => {
      const link = 'https://reach.example/a';
      expect(codes(post('a'.repeat(3000 - link.length - 1), { media: [image(0)], link }))).toEqual([]);
      expect(codes(post('a'.repeat(3000 - link.length), { media: [image(0)], link }))).toEqual(['text:too_long']);
    });

    it('refuses a link that is not http(s)', () => {
      expect(codes(post('x', { link: 'ftp://reach.example/a' }))).toEqual(['link:invalid_url']);
    });
  });

  describe('media', () => {
    it('refuses types LinkedIn does not take, by index', () => {
      expect(codes(post('x', { media: [image(0), image(1, { contentType: 'image/webp' })] }))).toEqual(['media.1:unsupported_type']);
      expect(codes(post('x', { media: [video({ contentType: 'video/quicktime' })] }))).toEqual(['media.0:unsupported_type']);
    });

    it('takes 20 images and refuses 21', () => {
      expect(codes(post('x', { media: Array.from({ length: 20 }, (_, i) => image(i)) }))).toEqual([]);
      expect(codes(post('x', { media: Array.from({ length: 21 }, (_, i) => image(i)) }))).toEqual(['media:too_many']);
    });

    it('refuses a video with anything else', () => {
      expect(codes(post('x', { media: [image(0), video()] }))).toEqual(['media:mixing']);
      expect(codes(post('x', { media: [video(), video({ mediaId: 'v2' })] }))).toEqual(['media:mixing']);
    });

    it('bounds image bytes and pixels', () => {
      expect(codes(post('x', { media: [image(0, { size: LINKEDIN_MAX_IMAGE_BYTES })] }))).toEqual([]);
      expect(codes(post('x', { media: [image(0, { size: LINKEDIN_MAX_IMAGE_BYTES + 1 })] }))).toEqual(['media.0:too_large']);
      // 36,152,320 pixels is the bound, itself excluded.
      expect(codes(post('x', { media: [image(0, { width: 6016, height: 6009 })] }))).toEqual([]);
      expect(codes(post('x', { media: [image(0, { width: 6016, height: 6010 })] }))).toEqual(['media.0:too_many_pixels']);
    });

    it('bounds video bytes, length and aspect ratio', () => {
      expect(codes(post('x', { media: [video({ size: LINKEDIN_MIN_VIDEO_BYTES })] }))).toEqual([]);
      expect(codes(post('x', { media: [video({ size: LINKEDIN_MIN_VIDEO_BYTES - 1 })] }))).toEqual(['media.0:too_small']);
      expect(codes(post('x', { media: [video({ size: 500 * 1024 * 1024 + 1 })] }))).toEqual(['media.0:too_large']);
      expect(codes(post('x', { media: [video({ durationSeconds: 3 })] }))).toEqual([]);
      expect(codes(post('x', { media: [video({ durationSeconds: 2.9 })] }))).toEqual(['media.0:too_short']);
      expect(codes(post('x', { media: [video({ durationSeconds: 1800 })] }))).toEqual([]);
      expect(codes(post('x', { media: [video({ durationSeconds: 1801 })] }))).toEqual(['media.0:too_long']);
      expect(codes(post('x', { media: [video({ width: 1000, height: 2400 })] }))).toEqual([]);
      expect(codes(post('x', { media: [video({ width: 1000, height: 2500 })] }))).toEqual(['media.0:aspect_ratio']);
    });

    it('bounds alt text at 4086 characters', () => {
      expect(codes(post('x', { media: [image(0, { altText: 'a'.repeat(4086) })] }))).toEqual([]);
      expect(codes(post('x', { media: [image(0, { altText: 'a'.repeat(4087) })] }))).toEqual(['media.0.altText:too_long']);
    });
  });

  describe('options', () => {
    it('refuses unknown options by name', () => {
      expect(codes(post('x', { options: { privacyLevel: 'PUBLIC_TO_EVERYONE', thread: [] } }))).toEqual([
        'options.privacyLevel:unknown_option',
        'options.thread:unknown_option',
      ]);
    });

    it('checks values', () => {
      expect(codes(post('x', { options: { visibility: 'FRIENDS' } }))).toEqual(['options.visibility:invalid_option']);
      expect(codes(post('x', { options: { disableReshare: 'yes' } }))).toEqual(['options.disableReshare:invalid_option']);
      expect(codes(post('x', { options: { visibility: 'LOGGED_IN', disableReshare: true, postType: 'post' } }))).toEqual([]);
    });

    it('keeps CONNECTIONS for members', () => {
      expect(codes(post('x', { options: { visibility: 'CONNECTIONS' } }), 'member')).toEqual([]);
      expect(codes(post('x', { options: { visibility: 'CONNECTIONS' } }), 'organization')).toEqual(['options.visibility:not_allowed']);
    });

    it('refuses options that do not apply to the post’s shape', () => {
      expect(codes(post('x', { media: [image(0)], link: 'https://reach.example/a', options: { articleTitle: 'T' } }))).toEqual(['options.articleTitle:not_applicable']);
      expect(codes(post('x', { options: { articleDescription: 'D' } }))).toEqual(['options.articleDescription:not_applicable']);
      expect(codes(post('x', { media: [image(0)], options: { videoTitle: 'V' } }))).toEqual(['options.videoTitle:not_applicable']);
      expect(codes(post('x', { media: [video()], options: { videoTitle: 'V' } }))).toEqual([]);
    });

    it('warns when a link card gets its title from the host', () => {
      const check = validateLinkedinContent(post('Read this', { link: 'https://reach.example/blog/1' }), 'organization');
      expect(check.violations).toEqual([]);
      expect(check.warnings.map((w) => `${w.field}:${w.code}`)).toEqual(['options.articleTitle:defaulted']);
      expect(shapeOf(post('Read this', { link: 'https://reach.example/blog/1' }), {})).toEqual({ kind: 'article', source: 'https://reach.example/blog/1', title: 'reach.example' });
    });
  });

  it('is what the provider’s publisher validates with', () => {
    const provider = createLinkedinProvider({ http: createHttpClient({ defaultTimeoutMs: 1000 }), now: () => new Date() });
    expect(provider.publisher!.validate(post('a'.repeat(3001)), 'member').violations).toEqual([
      { field: 'text', code: 'too_long', message: 'LinkedIn takes 3000 characters; this has 3001' },
    ]);
    expect(provider.publisher!.rules.text).toEqual({ max: 3000, counting: 'characters', required: false });
    expect(provider.publisher!.rules.media.mixing).toBe('images_or_one_video');
  });
});

describe('little text', () => {
  it('escapes every reserved character and keeps hashtags as templates', () => {
    expect(toLittleText('Hi (all) @team [x] <y> *z* _u_ ~v~ a|b {c} \\ #Reach')).toBe(
      'Hi \\(all\\) \\@team \\[x\\] \\<y\\> \\*z\\* \\_u\\_ \\~v\\~ a\\|b \\{c\\} \\\\ {hashtag|\\#|Reach}',
    );
    expect(toLittleText('a#b #1 # alone #ünïcode')).toBe('a\\#b {hashtag|\\#|1} \\# alone {hashtag|\\#|ünïcode}');
    expect(hashtagsOf('#one two #three a#four')).toEqual(['one', 'three']);
  });

  it.each([
    'Plain text, nothing to escape.',
    'Launch (v2) — 50% off! #Reach #launch_day @team [beta] <3 ~ * _ \\ | {}',
    'Emoji 🚀 and CJK 你好 #你好 stay as they are',
    '\\#not-a-tag and {hashtag|\\#|fake}',
    'https://reach.example/a_(b)?c=~d#frag',
  ])('reads back unchanged and uncut once LinkedIn renders it: %s', (text) => {
    expect(renderLittleText(toLittleText(text))).toEqual({ text, truncated: false });
  });

  it('would have been cut at the first bare reserved character', () => {
    expect(renderLittleText('Launch (v2) today')).toEqual({ text: 'Launch ', truncated: true });
  });
});

describe('classifying the duplicate-content refusal', () => {
  // The real answer quoted in https://github.com/Arisamiga/Linkedin-RSS/issues/5.
  const body =
    '{"errorDetailType":"com.linkedin.common.error.BadRequest","message":"com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of urn:li:share:7141138937766391808","errorDetails":{"inputErrors":[{"description":"Duplicate post is detected","input":{},"code":"DUPLICATE_POST"}]},"status":422}';
  const classify = createClassifier(() => new Date('2026-11-02T10:00:00Z'));

  it('is permanent, names DUPLICATE_POST, and gives the existing post', () => {
    const failure = classify({ status: 422, headers: {}, body, json: JSON.parse(body) });
    expect(failure.kind).toBe('permanent');
    expect(failure.code).toBe('DUPLICATE_POST');
    expect(duplicateOf(failure)).toBe('urn:li:share:7141138937766391808');
  });

  it('leaves other validation failures invalid, with their input code', () => {
    const other = { errorDetailType: 'com.linkedin.common.error.BadRequest', message: 'Text too long', errorDetails: { inputErrors: [{ code: 'MAX_LENGTH_EXCEEDED' }] }, status: 422 };
    const failure = classify({ status: 422, headers: {}, body: JSON.stringify(other), json: other });
    expect(failure).toEqual({ kind: 'invalid_request', code: 'MAX_LENGTH_EXCEEDED', message: 'Text too long' });
    expect(duplicateOf(failure)).toBeUndefined();
  });
});
