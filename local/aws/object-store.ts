/**
 * The local S3 endpoint's objects: buckets of bytes with their content type, size and ETag, in
 * memory for the run or under a directory (`DATA_DIR/media/` with `npm start -- --data`).
 *
 * On disk each bucket is a folder and each object two files named by the SHA-256 of its key (the
 * bytes, and a JSON record with the key and metadata): S3 keys may hold `/`, `..` or 1,024 bytes,
 * none of which may become a path. Writes go to a temporary file renamed into place, so a reader
 * never sees half an object.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** What S3 keeps about an object besides its bytes. */
export interface ObjectMeta {
  readonly key: string;
  readonly contentType: string;
  readonly size: number;
  /** Quoted hex MD5 of the bytes, as S3 gives it for a single-part upload. */
  readonly etag: string;
  /** Epoch milliseconds of the upload. */
  readonly lastModified: number;
}

export interface StoredObject extends ObjectMeta {
  readonly body: Buffer;
}

const metaSchema = z.object({
  key: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  etag: z.string(),
  lastModified: z.number(),
});

/** S3's bucket naming rules (general purpose buckets): 3–63 of a-z 0-9 . -, starting and ending alphanumeric. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** True for a name S3 accepts for a bucket (and so a safe folder name). */
export const isValidBucketName = (name: string): boolean => BUCKET_NAME.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);

const fileId = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export class ObjectStore {
  private readonly memory = new Map<string, Map<string, StoredObject>>();

  private constructor(private readonly dir: string | undefined) {}

  /** Objects under `dir` (created with owner-only access), or in memory without one. */
  static open(dir?: string): ObjectStore {
    if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new ObjectStore(dir);
  }

  /** Where objects are kept, for the banner (undefined: in memory). */
  get location(): string | undefined {
    return this.dir;
  }

  /** True when the bucket exists (a name S3 would refuse never does: it could not be a safe folder). */
  hasBucket(bucket: string): boolean {
    if (!isValidBucketName(bucket)) return false;
    return this.dir ? existsSync(join(this.dir, bucket)) : this.memory.has(bucket);
  }

  /** Creates the bucket; false when it already existed. Throws for a name S3 would refuse. */
  createBucket(bucket: string): boolean {
    if (!isValidBucketName(bucket)) throw new Error(`invalid bucket name ${bucket}`);
    if (this.hasBucket(bucket)) return false;
    if (this.dir) mkdirSync(join(this.dir, bucket), { mode: 0o700 });
    else this.memory.set(bucket, new Map());
    return true;
  }

  /** Stores an object in an existing bucket (replacing one under the same key) and returns its metadata. */
  put(bucket: string, key: string, body: Buffer, contentType: string, now = Date.now()): ObjectMeta {
    if (!this.hasBucket(bucket)) throw new Error(`no bucket ${bucket}`);
    const meta: ObjectMeta = { key, contentType, size: body.length, etag: `"${createHash('md5').update(body).digest('hex')}"`, lastModified: now };
    if (!this.dir) {
      this.memory.get(bucket)?.set(key, { ...meta, body });
      return meta;
    }
    const base = join(this.dir, bucket, fileId(key));
    const tmp = `${base}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(`${tmp}.bin`, body, { mode: 0o600 });
    writeFileSync(`${tmp}.json`, JSON.stringify(meta), { mode: 0o600 });
    // Bytes first, record last: a record on disk always describes bytes that are complete.
    renameSync(`${tmp}.bin`, `${base}.bin`);
    renameSync(`${tmp}.json`, `${base}.json`);
    return meta;
  }

  /** The object's metadata, or undefined when the bucket or the key does not exist. */
  head(bucket: string, key: string): ObjectMeta | undefined {
    if (!this.dir) {
      const hit = this.memory.get(bucket)?.get(key);
      if (!hit) return undefined;
      const { body: _body, ...meta } = hit;
      return meta;
    }
    if (!this.hasBucket(bucket)) return undefined;
    const path = `${join(this.dir, bucket, fileId(key))}.json`;
    if (!existsSync(path)) return undefined;
    const parsed = metaSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    // A record for another key would be a hash collision or a hand-edited file: not this object.
    return parsed.success && parsed.data.key === key ? parsed.data : undefined;
  }

  /** The object with its bytes, or undefined. */
  get(bucket: string, key: string): StoredObject | undefined {
    if (!this.dir) return this.memory.get(bucket)?.get(key);
    const meta = this.head(bucket, key);
    if (!meta) return undefined;
    return { ...meta, body: readFileSync(`${join(this.dir, bucket, fileId(key))}.bin`) };
  }
}
