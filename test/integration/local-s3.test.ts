/**
 * The local endpoint's S3 surface answers the real S3 client: buckets, presigned PUTs (as a
 * browser or curl sends them), GET and HEAD with S3's errors, objects in memory or on disk, and
 * the whole media flow through the local runtime's API.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3MediaStore } from '../../functions/adapters/s3/media-store';
import { ObjectStore } from '../../local/aws/object-store';
import { decodeAwsChunked, parseRange } from '../../local/aws/s3';
import { startAwsEndpoint, type AwsEndpoint } from '../../local/aws/server';
import { silentLog } from '../../local/log';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const BUCKET = 'reach-media';
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('local jpeg bytes '.repeat(64))]);

const clientFor = (endpoint: string): S3Client =>
  new S3Client({ region, credentials, endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });

/** The SDK error a failed command threw, with its name and HTTP status. */
const failure = async (p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { name: err.name, status: err.$metadata.httpStatusCode };
    throw err;
  }
  throw new Error('the command succeeded');
};

const md5 = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;

describe('local S3 endpoint', () => {
  let aws: AwsEndpoint;
  let s3: S3Client;

  beforeAll(async () => {
    aws = await startAwsEndpoint({ log: silentLog, services: {}, s3: ObjectStore.open() });
    s3 = clientFor(aws.url);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    s3.destroy();
    await aws.close();
  });

  it('creates buckets idempotently and refuses names S3 refuses', async () => {
    await expect(s3.send(new CreateBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })))).toMatchObject({ status: 404 });
    const bad = await fetch(`${aws.url}/Not_A_Bucket`, { method: 'PUT' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<Code>InvalidBucketName</Code>');
  });

  it('takes a presigned PUT with only the signed headers, then serves it through GetObject, HeadObject and a presigned GET', async () => {
    const key = 'media/u1/m1';
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentType: 'image/jpeg', ContentLength: JPEG.length }), {
      expiresIn: 900,
      signableHeaders: new Set(['content-type', 'content-length']),
    });
    expect(url.startsWith(`${aws.url}/${BUCKET}/media/u1/m1?`)).toBe(true);
    const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: JPEG });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(md5(JPEG));

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(JPEG);
    expect({ type: got.ContentType, length: got.ContentLength, etag: got.ETag }).toEqual({ type: 'image/jpeg', length: JPEG.length, etag: md5(JPEG) });

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect({ type: head.ContentType, length: head.ContentLength }).toEqual({ type: 'image/jpeg', length: JPEG.length });

    const read = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 3600 }));
    expect(read.status).toBe(200);
    expect(Buffer.from(await read.arrayBuffer())).toEqual(JPEG);

    const part = await fetch(`${aws.url}/${BUCKET}/${key}`, { headers: { range: 'bytes=0-3' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-3/${JPEG.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(JPEG.subarray(0, 4));
    expect(aws.calls()).toMatchObject({ 'S3.PutObject': 1, 'S3.HeadObject': 1 });
  });

  it('accepts a PUT signed in headers by the SDK, string and streamed (aws-chunked) bodies alike', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'notes/a.txt', Body: 'hello', ContentType: 'text/plain' }));
    const text = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'notes/a.txt' }));
    expect(await text.Body!.transformToString()).toBe('hello');

    // The default client computes CRC32 checksums and streams with aws-chunked trailers.
    const eager = new S3Client({ region, credentials, endpoint: aws.url, forcePathStyle: true });
    const { Readable } = await import('node:stream');
    const bytes = Buffer.alloc(70_000, 9);
    await eager.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'notes/stream.bin', Body: Readable.from([bytes.subarray(0, 30_000), bytes.subarray(30_000)]), ContentLength: bytes.length }));
    const back = await eager.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'notes/stream.bin' }));
    expect(Buffer.from(await back.Body!.transformToByteArray())).toEqual(bytes);
    eager.destroy();

    // No Content-Type at all: S3's own default.
    expect((await fetch(`${aws.url}/${BUCKET}/notes/plain`, { method: 'PUT', body: new Uint8Array([1, 2]) })).status).toBe(200);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'notes/plain' }))).ContentType).toBe('binary/octet-stream');
  });

  it('answers a missing key or bucket with 404 as S3 does: NoSuchKey XML on GET, a bare 404 on HEAD', async () => {
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'media/u1/none' })))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'media/u1/none' })))).toEqual({ name: 'NotFound', status: 404 });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })))).toEqual({ name: 'NoSuchBucket', status: 404 });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' })))).toEqual({ name: 'NoSuchBucket', status: 404 });

    const raw = await fetch(`${aws.url}/${BUCKET}/media/u1/none`);
    expect(raw.status).toBe(404);
    expect(raw.headers.get('content-type')).toBe('application/xml');
    const xml = await raw.text();
    expect(xml).toContain('<Code>NoSuchKey</Code>');
    expect(xml).toContain('<Key>media/u1/none</Key>');
  });

  it('refuses an expired presigned URL, a PUT without a length, and operations it does not implement', async () => {
    const stale = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'media/u1/late', ContentType: 'image/jpeg' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3600_000),
    });
    const late = await fetch(stale, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: JPEG });
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('<Message>Request has expired</Message>');
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'media/u1/late' })))).toMatchObject({ status: 404 });

    const chunked = await fetch(`${aws.url}/${BUCKET}/media/u1/chunked`, {
      method: 'PUT',
      body: new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([1, 2, 3])), c.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(411);
    expect(await chunked.text()).toContain('<Code>MissingContentLength</Code>');

    const del = await fetch(`${aws.url}/${BUCKET}/media/u1/m1`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(await del.text()).toContain('<Code>MethodNotAllowed</Code>');
    const multipart = await fetch(`${aws.url}/${BUCKET}/media/u1/big?uploads`, { method: 'POST' });
    expect(multipart.status).toBe(405);
  });

  it('keeps answering the JSON protocols on the same port', async () => {
    const res = await fetch(aws.url, { method: 'POST', headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('answers browsers: a CORS preflight and the origin on every answer', async () => {
    const pre = await fetch(`${aws.url}/${BUCKET}/media/u1/m1`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(pre.headers.get('access-control-allow-methods')).toContain('PUT');
    const get = await fetch(`${aws.url}/${BUCKET}/media/u1/m1`, { headers: { origin: 'http://localhost:5173' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('works under the media store the functions use: declared upload, 404 as "not yet", read URL', async () => {
    const store = new S3MediaStore(s3, BUCKET);
    const key = { userId: 'u2', mediaId: 'm9' };
    expect(await store.head(key)).toBeUndefined();
    const upload = await store.uploadUrl(key, { contentType: 'image/jpeg', size: JPEG.length }, 900);
    expect((await fetch(upload, { method: 'PUT', headers: { 'content-type': 'image/jpeg', 'content-length': String(JPEG.length) }, body: JPEG })).status).toBe(200);
    expect(await store.head(key)).toEqual({ contentType: 'image/jpeg', size: JPEG.length });
    expect(Buffer.from(await (await fetch(await store.readUrl(key, 600))).arrayBuffer())).toEqual(JPEG);
  });

  it('takes `curl -T file -H content-type` on a presigned upload URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reach-s3-curl-'));
    try {
      const file = join(dir, 'photo.jpg');
      writeFileSync(file, JPEG);
      const url = await new S3MediaStore(s3, BUCKET).uploadUrl({ userId: 'u3', mediaId: 'c1' }, { contentType: 'image/jpeg', size: JPEG.length }, 900);
      const { stdout } = await promisify(execFile)('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-T', file, '-H', 'content-type: image/jpeg', url]);
      expect(stdout).toBe('200');
      expect(await new S3MediaStore(s3, BUCKET).head({ userId: 'u3', mediaId: 'c1' })).toEqual({ contentType: 'image/jpeg', size: JPEG.length });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('S3 wire details', () => {
  it('decodes aws-chunked bodies, signed or with trailers', () => {
    const signed = Buffer.from('5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=0\r\n\r\n');
    expect(decodeAwsChunked(signed).toString()).toBe('hello world');
    const trailer = Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n');
    expect(decodeAwsChunked(trailer).toString()).toBe('abc');
    expect(() => decodeAwsChunked(Buffer.from('a\r\nshort'))).toThrow(/ends inside a chunk/);
  });

  it('reads byte ranges as S3 does', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('bytes=2-4', 10)).toEqual({ start: 2, end: 4 });
    expect(parseRange('bytes=7-', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=0-1,4-5', 10)).toBeUndefined();
    expect(() => parseRange('bytes=10-12', 10)).toThrow(/not satisfiable/);
  });
});

describe('objects on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reach-s3-data-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('survive a restart of the endpoint, stored under hashed names whatever the key', async () => {
    const first = await startAwsEndpoint({ log: silentLog, services: {}, s3: ObjectStore.open(dir) });
    const c1 = clientFor(first.url);
    try {
      await c1.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await c1.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'photos/ü ?#.jpg', Body: JPEG, ContentType: 'image/jpeg' }));
    } finally {
      c1.destroy();
      await first.close();
    }
    // (The SDK resolves `..` segments in a URL path, so the nastiest key goes straight to the store.)
    ObjectStore.open(dir).put(BUCKET, '../../escape/x', Buffer.from('x'), 'text/plain');

    expect(readdirSync(dir)).toEqual([BUCKET]);
    const files = readdirSync(join(dir, BUCKET)).sort();
    expect(files).toHaveLength(4);
    for (const f of files) expect(f).toMatch(/^[0-9a-f]{64}\.(bin|json)$/);
    expect(existsSync(join(dir, '..', 'escape'))).toBe(false);
    const keys = files.filter((f) => f.endsWith('.json')).map((f) => (JSON.parse(readFileSync(join(dir, BUCKET, f), 'utf8')) as { key: string }).key);
    expect(keys.sort()).toEqual(['../../escape/x', 'photos/ü ?#.jpg']);

    const second = await startAwsEndpoint({ log: silentLog, services: {}, s3: ObjectStore.open(dir) });
    const c2 = clientFor(second.url);
    try {
      const got = await c2.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'photos/ü ?#.jpg' }));
      expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(JPEG);
    } finally {
      c2.destroy();
      await second.close();
    }
  });

  it('never treats a path-like bucket name as a bucket', () => {
    const store = ObjectStore.open(dir);
    expect(store.hasBucket('..')).toBe(false);
    expect(() => store.createBucket('../x')).toThrow(/invalid bucket name/);
    expect(() => store.put('..', 'k', Buffer.from('x'), 'text/plain')).toThrow(/no bucket/);
  });
});

describe('media through the local runtime', () => {
  let rt: LocalRuntime;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'reach-s3-rt-'));
    rt = await startLocalRuntime({ port: 0, fakesPort: 0, awsPort: 0, quiet: true, scheduleScale: 0, batchingWindowScale: 0, log: silentLog, dataDir });
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('points the handlers at its S3 endpoint, path-style, with the media bucket created', () => {
    expect(rt.env).toMatchObject({ MEDIA_BUCKET: BUCKET, AWS_ENDPOINT_URL_S3: rt.awsUrl, S3_FORCE_PATH_STYLE: 'true' });
    expect(rt.objects.hasBucket(BUCKET)).toBe(true);
    expect(rt.objects.location).toBe(join(dataDir, 'media'));
  });

  it('declares a file, takes its bytes at the returned URL, and shows it uploaded with a working read URL', async () => {
    const auth = { authorization: `Bearer ${rt.devToken}`, 'content-type': 'application/json' };
    const declared = await fetch(`${rt.apiUrl}/v1/media`, { method: 'POST', headers: auth, body: JSON.stringify({ contentType: 'image/jpeg', size: JPEG.length, fileName: 'photo.jpg' }) });
    expect(declared.status).toBe(201);
    const { mediaId, uploadUrl, uploadHeaders } = (await declared.json()) as { mediaId: string; uploadUrl: string; uploadHeaders: Record<string, string> };
    expect(uploadUrl.startsWith(`${rt.awsUrl}/${BUCKET}/media/dev-user/${mediaId}?`)).toBe(true);

    const pending = (await (await fetch(`${rt.apiUrl}/v1/media/${mediaId}`, { headers: auth })).json()) as Record<string, unknown>;
    expect(pending['status']).toBe('pending');

    expect((await fetch(uploadUrl, { method: 'PUT', headers: uploadHeaders, body: JPEG })).status).toBe(200);
    const shown = await fetch(`${rt.apiUrl}/v1/media/${mediaId}`, { headers: auth });
    expect(shown.status).toBe(200);
    const body = (await shown.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ mediaId, status: 'uploaded', contentType: 'image/jpeg', size: JPEG.length, fileName: 'photo.jpg' });
    expect(Buffer.from(await (await fetch(String(body['url']))).arrayBuffer())).toEqual(JPEG);
    expect(readdirSync(join(dataDir, 'media', BUCKET))).toHaveLength(2);
  });
});
