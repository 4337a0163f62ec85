/**
 * Where media files live (S3 in AWS). Clients upload straight to the store through a presigned URL;
 * platforms fetch from it through presigned read URLs. Objects are addressed per user, so a media id
 * of another user is simply not found.
 */

export interface MediaKey {
  readonly userId: string;
  readonly mediaId: string;
}

/** What actually arrived in the store. */
export interface StoredObject {
  readonly contentType: string;
  readonly size: number;
}

export interface MediaStore {
  /**
   * A URL that accepts one PUT of exactly `size` bytes of `contentType` (both are signed: a client
   * sending another type or length is refused by the store), valid `expiresInSeconds`.
   */
  uploadUrl(key: MediaKey, declared: StoredObject, expiresInSeconds: number): Promise<string>;
  /** What is stored under the key, or undefined while nothing was uploaded. */
  head(key: MediaKey): Promise<StoredObject | undefined>;
  /** A URL anyone holding it may GET the object with, valid `expiresInSeconds`. */
  readUrl(key: MediaKey, expiresInSeconds: number): Promise<string>;
}
