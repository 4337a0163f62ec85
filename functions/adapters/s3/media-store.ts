import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { MediaKey, MediaStore, StoredObject } from '../../core/ports/media';

/**
 * Media in S3, one object per media id under `media/<userId>/<mediaId>`. Uploads and reads go
 * straight between the client (or the platform) and S3 through presigned URLs; nothing passes
 * through a Lambda.
 *
 * The S3 client must be built with `requestChecksumCalculation: 'WHEN_REQUIRED'`: otherwise the
 * SDK signs a checksum of the (empty) body into every presigned PUT, and real uploads are refused.
 */
export class S3MediaStore implements MediaStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  private key(k: MediaKey): string {
    return `media/${k.userId}/${k.mediaId}`;
  }

  async uploadUrl(key: MediaKey, declared: StoredObject, expiresInSeconds: number): Promise<string> {
    if ((await this.s3.config.requestChecksumCalculation()) !== 'WHEN_REQUIRED') {
      throw new Error("S3MediaStore needs an S3 client with requestChecksumCalculation: 'WHEN_REQUIRED' (presigned uploads fail otherwise)");
    }
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), ContentType: declared.contentType, ContentLength: declared.size });
    // Type and length are signed headers: S3 refuses a PUT whose headers differ from the declaration.
    return getSignedUrl(this.s3, command, { expiresIn: expiresInSeconds, signableHeaders: new Set(['content-type', 'content-length']) });
  }

  async head(key: MediaKey): Promise<StoredObject | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return { contentType: out.ContentType ?? 'application/octet-stream', size: out.ContentLength ?? 0 };
    } catch (err) {
      if (err instanceof Error && (err.name === 'NotFound' || err.name === 'NoSuchKey')) return undefined;
      throw err;
    }
  }

  async readUrl(key: MediaKey, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }), { expiresIn: expiresInSeconds });
  }
}
