/**
 * TikTok publishing against the documented samples (request and answers of video/init, a FAILED
 * status), int64 post ids, and the fake Content Posting API's own checks spoken to over raw HTTP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyFailReason } from '../../functions/providers/tiktok/errors';
import { videoPostInfo } from '../../functions/providers/tiktok/posting';
import { planOf, tiktokOptionsSchema } from '../../functions/providers/tiktok/rules';
import { envelopeSchema, publishInitSchema, publishStatusSchema, quoteLargeIds } from '../../functions/providers/tiktok/schemas';
import { planChunks } from '../../functions/providers/tiktok/upload';
import { bytesOf, MIB, startTiktok, type TiktokWorld } from './tiktok-publish-support';

const FIXTURES = join(__dirname, '..', 'fixtures', 'conformance', 'tiktok');
const raw = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
/** The `.txt` answers start with TikTok's status line, then the body. */
const answer = (name: string) => {
  const [statusLine, ...rest] = raw(name).split('\n');
  return { statusLine: statusLine!.trim(), body: rest.join('\n') };
};

interface InitRequest {
  readonly post_info: Record<string, unknown> & { readonly title: string; readonly privacy_level: string };
  readonly source_info: { readonly source: string; readonly video_size: number; readonly chunk_size: number; readonly total_chunk_count: number };
}

describe('TikTok publishing against the documented samples', () => {
  const sample = JSON.parse(raw('direct_post_video_init_request.json')) as InitRequest;

  it('cuts the sample\'s 50 000 123 bytes into the same five 10 000 000-byte chunks', () => {
    expect(planChunks(sample.source_info.video_size, sample.source_info.chunk_size)).toEqual({
      videoSize: sample.source_info.video_size,
      chunkSize: sample.source_info.chunk_size,
      chunkCount: sample.source_info.total_chunk_count,
    });
  });

  it('builds the sample\'s post_info from the same choices (with the brand toggles TikTok requires)', () => {
    const options = tiktokOptionsSchema.parse({ privacyLevel: sample.post_info.privacy_level, disableComment: true, videoCoverTimestampMs: 1000 });
    const body = { text: sample.post_info.title, media: [], options };
    const info = videoPostInfo(body, planOf(body, options), { privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'] });
    expect(info).toEqual({ ...sample.post_info, brand_content_toggle: false, brand_organic_toggle: false });
  });

  it('reads the documented init answer', () => {
    const { statusLine, body } = answer('direct_post_video_init_response.txt');
    expect(statusLine).toBe('200 OK');
    const envelope = envelopeSchema.parse(JSON.parse(body));
    expect(envelope.error).toEqual({ code: 'ok', message: '', log_id: '202210112248442CB9319E1FB30C1073F3' });
    expect(publishInitSchema.parse(envelope.data)).toEqual({
      publish_id: 'v_pub_file~v2-1.123456789',
      upload_url: 'https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=Xza123',
    });
  });

  it('reads the documented FAILED status (the stored copy is cut short after data) and classifies its reason', () => {
    const { statusLine, body } = answer('publish_status_fetch_failed_response.txt');
    expect(statusLine).toBe('200 OK');
    const data = /"data":\s*(\{[^}]*\})/.exec(body)![1]!;
    const status = publishStatusSchema.parse(JSON.parse(data));
    expect(status).toEqual({ status: 'FAILED', fail_reason: 'picture_size_check_failed', publicaly_available_post_id: [], uploaded_bytes: 10000 });
    expect(classifyFailReason(status.fail_reason)).toEqual({
      kind: 'permanent',
      code: 'picture_size_check_failed',
      message: 'TikTok could not publish the post: picture_size_check_failed',
    });
  });

  it('keeps int64 post ids exact, however TikTok writes them', () => {
    const text = '{"data":{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":[7311111111111111111, "7322222222222222222",7333333333333333333]}}';
    const parsed = JSON.parse(quoteLargeIds(text)) as { data: unknown };
    expect(publishStatusSchema.parse(parsed.data).publicaly_available_post_id).toEqual(['7311111111111111111', '7322222222222222222', '7333333333333333333']);
    expect(quoteLargeIds('{"publicaly_available_post_id":[]}')).toBe('{"publicaly_available_post_id":[]}');
  });
});

describe('the fake Content Posting API over raw HTTP', () => {
  let world: TiktokWorld;
  let token: string;
  beforeAll(async () => {
    world = await startTiktok({ rateLimits: { videoInit: 100 } });
    token = (await world.connect('raw.maker')).accessToken;
  });
  afterAll(async () => {
    await world.close();
  });

  const call = async (method: string, url: string, body?: Buffer | string, headers: Record<string, string> = {}) => {
    const u = new URL(url);
    const res = await fetch(`${world.fakes.baseUrl}/${u.host}${u.pathname}${u.search}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=UTF-8', ...headers },
      ...(body !== undefined && { body }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as { data: Record<string, string>; error: { code: string; message: string } }) : undefined };
  };
  const init = (body: unknown) => call('POST', 'https://open.tiktokapis.com/v2/post/publish/video/init/', JSON.stringify(body));

  it('accepts the documented request verbatim and answers in the documented shape', async () => {
    const res = await init(JSON.parse(raw('direct_post_video_init_request.json')));
    expect(res.status).toBe(200);
    expect(res.json!.error.code).toBe('ok');
    expect(Object.keys(res.json!.data).sort()).toEqual(['publish_id', 'upload_url']);
    expect(res.json!.data['publish_id']).toMatch(/^v_pub_file~v2-1\.[0-9]+$/);
    expect(new URL(res.json!.data['upload_url']!).host).toBe('open-upload.tiktokapis.com');
  });

  it('enforces the chunk rules at init', async () => {
    const post_info = { privacy_level: 'SELF_ONLY' };
    const bad = async (source_info: Record<string, unknown>) => (await init({ post_info, source_info })).json!.error;
    expect(await bad({ source: 'FILE_UPLOAD', video_size: 50_000_123, chunk_size: 10_000_000, total_chunk_count: 6 })).toMatchObject({ code: 'invalid_param', message: expect.stringContaining('total chunk count') });
    expect(await bad({ source: 'FILE_UPLOAD', video_size: 4_000_000, chunk_size: 2_000_000, total_chunk_count: 2 })).toMatchObject({ code: 'invalid_param', message: expect.stringContaining('uploaded whole') });
    expect(await bad({ source: 'FILE_UPLOAD', video_size: 300 * MIB, chunk_size: 100 * MIB, total_chunk_count: 3 })).toMatchObject({ code: 'invalid_param', message: expect.stringContaining('between 5 MB and 64 MB') });
    expect((await init({ post_info: { privacy_level: 'PUBLIC' }, source_info: { source: 'FILE_UPLOAD', video_size: 10, chunk_size: 10, total_chunk_count: 1 } })).json!.error.code).toBe('privacy_level_option_mismatch');
  });

  it('takes chunks in order and of the declared sizes: 206 until whole, then 201', async () => {
    const size = 11 * MIB;
    const bytes = bytesOf('raw', size);
    const res = await init({ post_info: { privacy_level: 'SELF_ONLY' }, source_info: { source: 'FILE_UPLOAD', video_size: size, chunk_size: 5 * MIB, total_chunk_count: 2 } });
    const uploadUrl = res.json!.data['upload_url']!;
    const put = (first: number, last: number, type = 'video/mp4') =>
      call('PUT', uploadUrl, bytes.subarray(first, last + 1), { 'content-type': type, 'content-range': `bytes ${first}-${last}/${size}` });

    expect((await put(5 * MIB, size - 1)).json!.error.message).toContain('sequentially');
    expect((await put(0, 5 * MIB - 1, 'video/avi')).json!.error.code).toBe('invalid_file_upload');
    expect((await put(0, 4 * MIB)).json!.error.message).toContain(`must hold ${5 * MIB} bytes`);
    expect((await put(0, 5 * MIB - 1)).status).toBe(206);
    expect((await put(5 * MIB, size - 1)).status).toBe(201);
    expect((await put(5 * MIB, size - 1)).json!.error.message).toContain('already complete');
  });

  it('answers invalid_publish_id for a publish it does not know', async () => {
    const res = await call('POST', 'https://open.tiktokapis.com/v2/post/publish/status/fetch/', JSON.stringify({ publish_id: 'v_pub_file~v2-1.42' }));
    expect(res.status).toBe(400);
    expect(res.json!.error.code).toBe('invalid_publish_id');
  });
});
