import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3MediaStore } from '../../functions/adapters/s3/media-store';
import { resolveMedia } from '../../functions/core/use-cases/post-content';
import { createMediaUpload, createPost, getMedia } from '../../functions/core/use-cases/posts';
import { awsTestConfig, describeWithMoto, startMoto, type Moto } from '../support/services';
import { directoryOf, memoryDeps } from '../support/memory';
import { createTestProvider, seedConnection } from '../support/test-provider';

describeWithMoto('S3MediaStore against moto_server', () => {
  let moto: Moto;
  let s3: S3Client;
  const bucket = 'reach-media-test';

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client({ ...awsTestConfig(moto.endpoint), forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }, 30_000);
  afterAll(async () => {
    s3.destroy();
    await moto.stop();
  });

  it('signs uploads for the declared type and length, and serves what arrived through a read URL', async () => {
    const store = new S3MediaStore(s3, bucket);
    const key = { userId: 'u1', mediaId: 'm1' };
    const bytes = Buffer.from('\x89PNG fake image bytes');
    const upload = new URL(await store.uploadUrl(key, { contentType: 'image/png', size: bytes.length }, 900));
    expect(upload.pathname).toBe(`/${bucket}/media/u1/m1`);
    expect(upload.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(upload.searchParams.get('X-Amz-Expires')).toBe('900');
    expect([...upload.searchParams.keys()].some((k) => k.toLowerCase().startsWith('x-amz-checksum'))).toBe(false);

    expect(await store.head(key)).toBeUndefined();
    const put = await fetch(upload, { method: 'PUT', headers: { 'content-type': 'image/png', 'content-length': String(bytes.length) }, body: bytes });
    expect(put.status).toBe(200);
    expect(await store.head(key)).toEqual({ contentType: 'image/png', size: bytes.length });

    const read = new URL(await store.readUrl(key, 6 * 3600));
    expect(read.searchParams.get('X-Amz-Expires')).toBe('21600');
    const got = await fetch(read);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(bytes);
    expect(await store.head({ userId: 'u2', mediaId: 'm1' })).toBeUndefined();
  });

  it('refuses to presign uploads with a client that would sign a checksum of an empty body', async () => {
    const careless = new S3Client({ ...awsTestConfig(moto.endpoint), forcePathStyle: true });
    await expect(new S3MediaStore(careless, bucket).uploadUrl({ userId: 'u1', mediaId: 'm2' }, { contentType: 'image/png', size: 3 }, 900)).rejects.toThrow(/WHEN_REQUIRED/);
    careless.destroy();
  });

  it('takes a declared upload through to a post whose publisher gets a fetchable URL', async () => {
    const acme = createTestProvider();
    const deps = { ...memoryDeps(directoryOf(acme.provider)), media: new S3MediaStore(s3, bucket) };
    await seedConnection(deps, { userId: 'u9', connectionId: 'c1' });
    const bytes = Buffer.alloc(4096, 7);

    const declared = await createMediaUpload(deps, 'u9', { contentType: 'video/mp4', size: bytes.length, fileName: 'clip.mp4' });
    expect(await getMedia(deps, 'u9', declared.mediaId)).toMatchObject({ status: 'pending' });
    await expect(createPost(deps, 'u9', { text: 'Clip', media: [declared.mediaId], targets: [{ connectionId: 'c1' }] })).rejects.toThrow(/targets\.0\.media\.0/);

    const put = await fetch(declared.uploadUrl, { method: 'PUT', headers: declared.uploadHeaders, body: bytes });
    expect(put.status).toBe(200);
    expect(await getMedia(deps, 'u9', declared.mediaId)).toMatchObject({ status: 'uploaded', contentType: 'video/mp4', size: 4096, fileName: 'clip.mp4' });

    const { post } = await createPost(deps, 'u9', { text: 'Clip', media: [declared.mediaId], targets: [{ connectionId: 'c1' }] });
    expect(post.media).toEqual([declared.mediaId]);
    const media = await resolveMedia(deps, 'u9', [declared.mediaId]);
    const item = media.get(declared.mediaId)!;
    expect(item).toMatchObject({ contentType: 'video/mp4', size: 4096 });
    expect(Buffer.from(await (await fetch(item.url)).arrayBuffer())).toEqual(bytes);
  });
});
