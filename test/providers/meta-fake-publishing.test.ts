/**
 * The Meta fake's publishing-side endpoints seen directly, through the one HTTP client: Graph
 * batch requests, container status answers, the publishing limit's shape, and how it judges
 * media files by their bytes.
 */
import { GRAPH_VERSION } from '../../functions/providers/meta-graph/constants';
import { jpegSize, sniff } from '../../local/fakes/meta/media';
import { metaJson } from '../../local/fakes/meta/webhooks';
import { jpeg, mp4, png, startMediaServer, type MediaServer } from './meta-media';
import { connectInstagram, metaCalls, startMeta, type MetaHarness } from './meta-support';

let h: MetaHarness;
let media: MediaServer;
beforeAll(async () => {
  [h, media] = await Promise.all([startMeta(), startMediaServer()]);
});
afterAll(() => Promise.all([h.close(), media.close()]));
beforeEach(() => h.fakes.reset());

const graph = (method: 'GET' | 'POST', path: string, token: string, form?: Record<string, string>, query?: Record<string, string>) =>
  h.http.send({ method, url: `https://graph.facebook.com/${GRAPH_VERSION}${path}`, headers: { authorization: `Bearer ${token}` }, ...(form && { form }), ...(query && { query }) });

describe('Graph batch requests', () => {
  it('answers each call in order with its status and a JSON-encoded body, counted as one request', async () => {
    const { tokens, accountId } = await connectInstagram(h, 'facebook_login');
    const batch = JSON.stringify([
      { method: 'GET', relative_url: `${GRAPH_VERSION}/${accountId}?fields=id,username` },
      { method: 'GET', relative_url: `${GRAPH_VERSION}/nope/nothing/here` },
    ]);
    const res = await graph('POST', '/', tokens.accessToken, { batch, include_headers: 'false' });
    const answers = JSON.parse(res.text) as Array<{ code: number; body: string; headers?: unknown }>;
    expect(answers.map((a) => a.code)).toEqual([200, 400]);
    expect(JSON.parse(answers[0]!.body)).toEqual({ id: accountId, username: 'reach.demo' });
    expect(JSON.parse(answers[1]!.body).error.code).toBe(2500);
    expect(answers[0]!.headers).toBeUndefined();
    expect(metaCalls(h)['POST graph.facebook.com/:version']).toBe(1);
  });

  it('refuses more than 50 calls', async () => {
    const { tokens } = await connectInstagram(h, 'facebook_login');
    const batch = JSON.stringify(Array.from({ length: 51 }, () => ({ method: 'GET', relative_url: 'me' })));
    const res = await graph('POST', '/', tokens.accessToken, { batch });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.message).toContain('Maximum batch size is 50');
  });
});

describe('containers and the publishing limit', () => {
  it('answers a container’s status_code and status, and the limit with quota_usage and config', async () => {
    const { tokens, accountId } = await connectInstagram(h, 'facebook_login');
    const url = media.put('c.jpg', jpeg(1000, 1000), 'image/jpeg');
    const created = JSON.parse((await graph('POST', `/${accountId}/media`, tokens.accessToken, { image_url: url, caption: 'c' })).text) as { id: string };
    const status = JSON.parse((await graph('GET', `/${created.id}`, tokens.accessToken, undefined, { fields: 'status_code,status' })).text);
    expect(status).toEqual({ id: created.id, status_code: 'FINISHED', status: 'Finished: Media has been uploaded and it is ready to be published.' });
    const limit = JSON.parse((await graph('GET', `/${accountId}/content_publishing_limit`, tokens.accessToken, undefined, { fields: 'quota_usage,config' })).text);
    expect(limit).toEqual({ data: [{ quota_usage: 0, config: { quota_total: 50, quota_duration: 86400 } }] });
  });

  it('refuses a feed VIDEO container (videos are reels) and a carousel of one', async () => {
    const { tokens, accountId } = await connectInstagram(h, 'facebook_login');
    const v = await graph('POST', `/${accountId}/media`, tokens.accessToken, { media_type: 'VIDEO', video_url: media.put('v.mp4', mp4(), 'video/mp4') });
    expect(JSON.parse(v.text).error).toMatchObject({ code: 100, error_subcode: 2207067 });
    const c = await graph('POST', `/${accountId}/media`, tokens.accessToken, { media_type: 'CAROUSEL', children: '1' });
    expect(JSON.parse(c.text).error).toMatchObject({ code: 100, error_subcode: 2207056 });
  });
});

describe('media judged by their bytes', () => {
  it('recognises JPEG, PNG and MP4 and reads a JPEG’s size from its frame header', () => {
    expect([sniff(jpeg(10, 20)), sniff(png()), sniff(mp4()), sniff(Buffer.from('hello'))]).toEqual(['jpeg', 'png', 'mp4', 'unknown']);
    expect(jpegSize(jpeg(1080, 1351))).toEqual({ width: 1080, height: 1351 });
    expect(jpegSize(png())).toBeUndefined();
  });

  it('serialises webhook bodies as Meta does: non-ASCII escaped, slashes escaped', () => {
    expect(metaJson({ text: 'café 😀 a/b' })).toBe('{"text":"caf\\u00e9 \\ud83d\\ude00 a\\/b"}');
    expect(JSON.parse(metaJson({ text: 'café 😀 a/b' }))).toEqual({ text: 'café 😀 a/b' });
  });
});
