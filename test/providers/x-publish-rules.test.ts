/**
 * X's content rules, checked without calling X: weighted text length at the boundary (the official
 * twitter-text conformance cases included), media types, sizes, counts and mixing, options and
 * threads. Every expectation names the exact field and code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MediaItem, PostContent } from '../../functions/core/model/post';
import { validateXContent, xContentRules } from '../../functions/providers/x/rules';
import type { Violation } from '../../functions/providers/types';

const MB = 1024 * 1024;
const post = (text: string, extra: Partial<PostContent> = {}): PostContent => ({ text, media: [], options: {}, ...extra });
const media = (contentType: string, size = 1000, extra: Partial<MediaItem> = {}): MediaItem => ({
  mediaId: `m-${contentType}-${size}`,
  url: 'https://media.reach.example/m',
  contentType,
  size,
  ...extra,
});
const codes = (vs: readonly Violation[]) => vs.map((v) => `${v.field}:${v.code}`);
const check = (content: PostContent) => validateXContent(content, 'personal');

describe('x content rules as data', () => {
  it('states the limits validate applies', () => {
    expect(xContentRules).toMatchObject({
      postTypes: ['post'],
      text: { max: 280, counting: 'x_weighted' },
      media: { max: 4, maxImageBytes: 5 * MB, maxVideoBytes: 8 * 1024 * MB, minVideoSeconds: 0.5, maxVideoSeconds: 1200, mixing: 'images_or_one_video' },
      hashtags: { warnAbove: 2 },
      supportsThreads: true,
      supportsLinks: true,
    });
    expect(Object.keys(xContentRules.options).sort()).toEqual(['madeWithAi', 'paidPartnership', 'poll', 'postType', 'quoteTweetId', 'replySettings', 'replyToTweetId', 'thread']);
  });
});

describe('x text length (twitter-text weighted count)', () => {
  it('accepts 280 Latin characters and refuses 281', () => {
    expect(check(post('a'.repeat(280)))).toEqual({ violations: [], warnings: [], preview: { text: 'a'.repeat(280), length: 280, limit: 280 } });
    const over = check(post('a'.repeat(281)));
    expect(codes(over.violations)).toEqual(['text:too_long']);
    expect(over.preview).toEqual({ text: 'a'.repeat(281), length: 281, limit: 280 });
  });

  it('counts CJK characters and emoji as 2', () => {
    expect(check(post('あ'.repeat(140))).violations).toEqual([]);
    expect(codes(check(post('あ'.repeat(141))).violations)).toEqual(['text:too_long']);
    expect(check(post('😀'.repeat(140))).preview.length).toBe(280);
    expect(codes(check(post('😀'.repeat(141))).violations)).toEqual(['text:too_long']);
  });

  it('counts every URL as 23, whatever its length', () => {
    const url = `https://example.com/${'p'.repeat(120)}`;
    expect(check(post(`${'a'.repeat(256)} ${url}`)).preview.length).toBe(280);
    expect(codes(check(post(`${'a'.repeat(257)} ${url}`)).violations)).toEqual(['text:too_long']);
  });

  it('appends the link to the first post and counts it', () => {
    const c = check(post('a'.repeat(256), { link: 'https://example.com/launch' }));
    expect(c.preview).toEqual({ text: `${'a'.repeat(256)}\nhttps://example.com/launch`, length: 280, limit: 280 });
    expect(codes(check(post('a'.repeat(257), { link: 'https://example.com/launch' })).violations)).toEqual(['text:too_long']);
    expect(check(post('see https://example.com/launch', { link: 'https://example.com/launch' })).preview.text).toBe('see https://example.com/launch');
    expect(codes(check(post('hi', { link: 'not a url' })).violations)).toEqual(['link:invalid_url']);
  });

  it('counts a link on a host twitter-text does not know (no known TLD) character by character, as X does', () => {
    expect(check(post('', { link: 'https://reach.example/launch' })).preview.length).toBe('https://reach.example/launch'.length);
  });

  it('needs text without media, not with it', () => {
    expect(codes(check(post('   ')).violations)).toEqual(['text:required']);
    expect(check(post('', { media: [media('image/png')] })).violations).toEqual([]);
  });

  it('refuses characters X does not take', () => {
    expect(codes(check(post('hello \uFFFE')).violations)).toEqual(['text:invalid_characters']);
  });

  it('warns above two hashtags', () => {
    expect(check(post('#one #two')).warnings).toEqual([]);
    expect(codes(check(post('#one #two #three')).warnings)).toEqual(['text:many_hashtags']);
  });

  // The official cross-language suite (v3 config: emoji discounted, URLs 23).
  it('agrees with every case of the twitter-text conformance suite (WeightedTweetsWithDiscountedEmojiCounterTest)', () => {
    const yml = readFileSync(join(__dirname, '../fixtures/conformance/x/twitter_text_conformance_validate.yml'), 'utf8');
    const section = yml.split('WeightedTweetsWithDiscountedEmojiCounterTest:')[1]!.split(/\n  [A-Za-z]\w*:\n/)[0]!;
    const cases = [...section.matchAll(/text: ("(?:[^"\\]|\\.)*")\s+expected:\s+weightedLength: (\d+)\s+valid: (true|false)/g)].map((m) => ({
      text: JSON.parse(m[1]!.replace(/\\U([0-9A-Fa-f]{8})/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)).split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''))) as string,
      weightedLength: Number(m[2]),
      valid: m[3] === 'true',
    }));
    expect(cases.length).toBeGreaterThan(10);
    for (const c of cases) {
      const got = check(post(c.text));
      expect({ text: c.text, length: got.preview.length }).toEqual({ text: c.text, length: c.weightedLength });
      expect({ text: c.text, tooLong: got.violations.some((v) => v.code === 'too_long') }).toEqual({ text: c.text, tooLong: c.weightedLength > 280 });
      if (c.valid) expect({ text: c.text, violations: got.violations }).toEqual({ text: c.text, violations: [] });
    }
  });
});

describe('x media rules', () => {
  it('takes up to four images, not five', () => {
    const four = Array.from({ length: 4 }, (_, i) => media('image/jpeg', 1000 + i));
    expect(check(post('pics', { media: four })).violations).toEqual([]);
    expect(codes(check(post('pics', { media: [...four, media('image/png')] })).violations)).toEqual(['media:too_many']);
  });

  it('takes one GIF or one video alone', () => {
    expect(codes(check(post('mix', { media: [media('image/png'), media('video/mp4')] })).violations)).toEqual(['media:mixing']);
    expect(codes(check(post('mix', { media: [media('image/gif'), media('image/png')] })).violations)).toEqual(['media:mixing']);
    expect(codes(check(post('mix', { media: [media('video/mp4', 10), media('video/mp4', 20)] })).violations)).toEqual(['media:mixing']);
    expect(check(post('one', { media: [media('video/mp4')] })).violations).toEqual([]);
  });

  it('refuses types X does not take', () => {
    expect(codes(check(post('x', { media: [media('image/heic')] })).violations)).toEqual(['media.0:unsupported_type']);
    expect(codes(check(post('x', { media: [media('image/png'), media('application/pdf')] })).violations)).toEqual(['media.1:unsupported_type']);
  });

  it('holds images to 5 MB, GIFs to 15 MB and videos to 8 GB', () => {
    expect(check(post('x', { media: [media('image/jpeg', 5 * MB)] })).violations).toEqual([]);
    expect(codes(check(post('x', { media: [media('image/jpeg', 5 * MB + 1)] })).violations)).toEqual(['media.0:too_large']);
    expect(check(post('x', { media: [media('image/gif', 15 * MB)] })).violations).toEqual([]);
    expect(codes(check(post('x', { media: [media('image/gif', 15 * MB + 1)] })).violations)).toEqual(['media.0:too_large']);
    expect(check(post('x', { media: [media('video/mp4', 8 * 1024 * MB)] })).violations).toEqual([]);
    expect(codes(check(post('x', { media: [media('video/mp4', 8 * 1024 * MB + 1)] })).violations)).toEqual(['media.0:too_large']);
  });

  it('holds videos to 0.5–1200 seconds and aspect ratios between 1:3 and 3:1', () => {
    const video = (extra: Partial<MediaItem>) => post('v', { media: [media('video/mp4', 1000, extra)] });
    expect(check(video({ durationSeconds: 0.5 })).violations).toEqual([]);
    expect(codes(check(video({ durationSeconds: 0.4 })).violations)).toEqual(['media.0:too_short']);
    expect(check(video({ durationSeconds: 1200 })).violations).toEqual([]);
    expect(codes(check(video({ durationSeconds: 1200.5 })).violations)).toEqual(['media.0:too_long']);
    expect(check(video({ width: 1200, height: 400 })).violations).toEqual([]);
    expect(codes(check(video({ width: 1201, height: 400 })).violations)).toEqual(['media.0:aspect_ratio']);
  });

  it('holds alt text to 1000 characters', () => {
    expect(check(post('x', { media: [media('image/png', 10, { altText: 'a'.repeat(1000) })] })).violations).toEqual([]);
    expect(codes(check(post('x', { media: [media('image/png', 10, { altText: 'a'.repeat(1001) })] })).violations)).toEqual(['media.0.altText:too_long']);
  });
});

describe('x options', () => {
  it('refuses unknown options by name', () => {
    expect(codes(check(post('x', { options: { privacyLevel: 'PUBLIC', title: 't' } })).violations)).toEqual(['options.privacyLevel:unknown_option', 'options.title:unknown_option']);
  });

  it('checks the values of known options', () => {
    expect(codes(check(post('x', { options: { replySettings: 'nobody' } })).violations)).toEqual(['options.replySettings:invalid_option']);
    expect(codes(check(post('x', { options: { quoteTweetId: 'abc' } })).violations)).toEqual(['options.quoteTweetId:invalid_option']);
    expect(codes(check(post('x', { options: { madeWithAi: 'yes' } })).violations)).toEqual(['options.madeWithAi:invalid_option']);
    expect(codes(check(post('x', { options: { postType: 'reel' } })).violations)).toEqual(['options.postType:invalid_option']);
    expect(check(post('x', { options: { postType: 'post', replySettings: 'following', madeWithAi: true, paidPartnership: false } })).violations).toEqual([]);
  });

  it('checks polls at their bounds', () => {
    const poll = (options: string[], durationMinutes: number) => post('Which one?', { options: { poll: { options, durationMinutes } } });
    expect(check(poll(['a', 'b'], 5)).violations).toEqual([]);
    expect(check(poll(['a', 'b', 'c', 'd'], 10080)).violations).toEqual([]);
    expect(codes(check(poll(['a'], 5)).violations)).toEqual(['options.poll.options:invalid_option']);
    expect(codes(check(poll(['a', 'b', 'c', 'd', 'e'], 5)).violations)).toEqual(['options.poll.options:invalid_option']);
    expect(codes(check(poll(['a', 'b'], 4)).violations)).toEqual(['options.poll.durationMinutes:invalid_option']);
    expect(codes(check(poll(['a', 'b'], 10081)).violations)).toEqual(['options.poll.durationMinutes:invalid_option']);
    expect(check(poll(['x'.repeat(25), 'b'], 60)).violations).toEqual([]);
    expect(codes(check(poll(['x'.repeat(26), 'b'], 60)).violations)).toEqual(['options.poll.options.0:too_long']);
  });

  it('takes one of media, a poll or a quote', () => {
    const poll = { options: ['a', 'b'], durationMinutes: 60 };
    expect(codes(check(post('q', { media: [media('image/png')], options: { poll } })).violations)).toEqual(['options.poll:conflict']);
    expect(codes(check(post('q', { media: [media('image/png')], options: { quoteTweetId: '20' } })).violations)).toEqual(['options.quoteTweetId:conflict']);
    expect(codes(check(post('q', { options: { poll, quoteTweetId: '20' } })).violations)).toEqual(['options.poll:conflict']);
    expect(codes(check(post('', { options: { poll } })).violations)).toEqual(['text:required']);
  });
});

describe('x threads', () => {
  it('checks each part like a post and previews every part', () => {
    const c = check(
      post('part one', {
        options: {
          thread: [
            { text: 'b'.repeat(281) },
            { text: 'three', media: Array.from({ length: 5 }, (_, i) => media('image/png', 10 + i)) },
            { text: '' },
          ],
        },
      }),
    );
    expect(codes(c.violations)).toEqual(['options.thread.0.text:too_long', 'options.thread.1.media:too_many', 'options.thread.2.text:required']);
    expect(c.preview.parts).toEqual(['part one', 'b'.repeat(281), 'three', '']);
    expect(c.preview.length).toBe(8);
  });

  it('refuses unknown members of a part and repeated parts', () => {
    expect(codes(check(post('one', { options: { thread: [{ text: 'two', privacy: 'x' }] } })).violations)).toEqual(['options.thread.0.privacy:unknown_option']);
    expect(codes(check(post('one', { options: { thread: [{ text: 'two' }, { text: 'two' }] } })).violations)).toEqual(['options.thread.1.text:duplicate_part']);
    expect(codes(check(post('one', { options: { thread: [] } })).violations)).toEqual(['options.thread:invalid_option']);
  });

  it('accepts up to 24 further parts, not 25', () => {
    const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `part ${i + 2}` }));
    expect(check(post('part 1', { options: { thread: parts(24) } })).violations).toEqual([]);
    expect(codes(check(post('part 1', { options: { thread: parts(25) } })).violations)).toEqual(['options.thread:invalid_option']);
  });
});
