/**
 * The `dynamodb-kms` token store: each connection's token set sealed with envelope encryption in
 * one item of the Tokens table. It costs per request only (no monthly fee per connection, unlike a
 * secret each), with the same guarantees: the plaintext never reaches the table, and only a caller
 * allowed to use the stack's KMS key, with this stage's encryption context, can open an item.
 *
 * One fresh data key per write (no data-key cache): KMS GenerateDataKey gives it in plaintext and
 * wrapped under the key; the plaintext key seals the token set with AES-256-GCM and is wiped, and
 * only the wrapped key is stored. The encryption context (`reach:ref`, `reach:stage`) binds a
 * wrapped key to its connection and stage, and the GCM additional data binds the ciphertext to its
 * ref, so an item copied under another ref does not open.
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-cryptography.html#enveloping
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type DecryptCommandOutput, type KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { TokenSet } from '../../core/model/tokens';
import type { TokenVault } from '../../core/ports/token-vault';
import { tokenSetSchema } from '../token-set';

/** The item layout this code writes; a reader meeting another version refuses it rather than guess. */
export const ENVELOPE_VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Encryption-context keys, also named by the IAM condition that limits who may use the key for tokens. */
export const CONTEXT_REF = 'reach:ref';
export const CONTEXT_STAGE = 'reach:stage';


const bytes = (length?: number) => z.instanceof(Uint8Array).refine((b) => length === undefined || b.length === length);

const itemSchema = z.object({
  ref: z.string(),
  version: z.literal(ENVELOPE_VERSION),
  ciphertext: bytes(),
  iv: bytes(IV_BYTES),
  tag: bytes(TAG_BYTES),
  encryptedKey: bytes(),
  keyId: z.string(),
  updatedAt: z.string(),
  tags: z.record(z.string(), z.string()).optional(),
});

// https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html#API_GenerateDataKey_ResponseSyntax
const dataKeySchema = z.object({ Plaintext: bytes(KEY_BYTES), CiphertextBlob: bytes(), KeyId: z.string().min(1) });
// https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html#API_Decrypt_ResponseSyntax
const decryptedSchema = z.object({ Plaintext: bytes(KEY_BYTES) });

/** KMS refused to unwrap the data key: wrong key, wrong encryption context, or altered bytes. */
const KMS_INTEGRITY_ERRORS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/**
 * A stored token set did not open: its bytes were altered, it was moved under another ref or stage,
 * or it is not a token set. The message names the ref only, never anything that was stored.
 */
export class TokenVaultIntegrityError extends Error {
  constructor(ref: string, options?: { cause?: unknown }) {
    super(`the stored tokens of ${ref} failed their integrity check`, options);
    this.name = 'TokenVaultIntegrityError';
  }
}

/** KMS answered GenerateDataKey without a usable key (never expected from KMS itself). */
export class DataKeyUnavailableError extends Error {
  constructor() {
    super('KMS returned no usable 256-bit data key');
    this.name = 'DataKeyUnavailableError';
  }
}

export interface DynamoKmsTokenVaultOptions {
  /** Physical name of the Tokens table. */
  readonly table: string;
  /** The KMS key data keys come from (id, ARN or alias), also the only key Decrypt may use. */
  readonly keyId: string;
  /** The stage, part of every encryption context: one stage's items do not open in another. */
  readonly stage: string;
}

/** Tags are identifiers (user, platform, connection); one that equals a token value is not stored in the clear. */
const publicTags = (tags: Readonly<Record<string, string>>, tokens: TokenSet): Record<string, string> => {
  const secrets = new Set([tokens.accessToken, tokens.refreshToken, ...Object.values(tokens.extra ?? {})].filter((v): v is string => v !== undefined));
  return Object.fromEntries(Object.entries(tags).filter(([, value]) => !secrets.has(value)));
};

const nameOf = (err: unknown): string | undefined => (err instanceof Error ? err.name : undefined);

/** Token sets in DynamoDB, sealed under a per-item KMS data key (AES-256-GCM). */
export class DynamoKmsTokenVault implements TokenVault {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly kms: KMSClient,
    private readonly options: DynamoKmsTokenVaultOptions,
  ) {}

  private context(ref: string): Record<string, string> {
    return { [CONTEXT_REF]: ref, [CONTEXT_STAGE]: this.options.stage };
  }

  /** Seals `tokens` under a fresh data key and writes (or overwrites) the item of `ref`. */
  async put(ref: string, tokens: TokenSet, tags: Readonly<Record<string, string>>): Promise<void> {
    const out = await this.kms.send(new GenerateDataKeyCommand({ KeyId: this.options.keyId, KeySpec: 'AES_256', EncryptionContext: this.context(ref) }));
    const parsed = dataKeySchema.safeParse(out);
    if (!parsed.success) {
      out.Plaintext?.fill(0);
      throw new DataKeyUnavailableError();
    }
    const { Plaintext: dataKey, CiphertextBlob: encryptedKey, KeyId: keyId } = parsed.data;
    const plaintext = Buffer.from(JSON.stringify(tokens), 'utf8');
    const iv = randomBytes(IV_BYTES);
    let ciphertext: Buffer;
    let tag: Buffer;
    try {
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
      cipher.setAAD(Buffer.from(ref, 'utf8'));
      ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      tag = cipher.getAuthTag();
    } finally {
      dataKey.fill(0);
      plaintext.fill(0);
    }
    await this.db.send(
      new PutCommand({
        TableName: this.options.table,
        Item: {
          ref,
          version: ENVELOPE_VERSION,
          ciphertext,
          iv,
          tag,
          encryptedKey,
          keyId,
          updatedAt: new Date().toISOString(),
          tags: publicTags(tags, tokens),
        },
      }),
    );
  }

  /** Reads and opens the token set of `ref`; undefined when there is none. */
  async get(ref: string): Promise<TokenSet | undefined> {
    // Consistent: the token worker re-reads right after another worker's refresh wrote.
    const out = await this.db.send(new GetCommand({ TableName: this.options.table, Key: { ref }, ConsistentRead: true }));
    if (out.Item === undefined) return undefined;
    const item = itemSchema.safeParse(out.Item);
    if (!item.success || item.data.ref !== ref) throw new TokenVaultIntegrityError(ref);
    const plaintext = this.open(ref, await this.unwrap(ref, item.data.encryptedKey), item.data);
    try {
      // JSON.parse's own message quotes the text it choked on: it must not travel as a cause.
      let value: unknown;
      try {
        value = JSON.parse(plaintext.toString('utf8'));
      } catch {
        throw new TokenVaultIntegrityError(ref);
      }
      const tokens = tokenSetSchema.safeParse(value);
      if (!tokens.success) throw new TokenVaultIntegrityError(ref);
      return tokens.data;
    } finally {
      plaintext.fill(0);
    }
  }

  /** Deletes the item of `ref` at once; deleting what is not there is not an error. */
  async delete(ref: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.options.table, Key: { ref } }));
  }

  /** Decrypts and authenticates an item's ciphertext with its data key, then wipes the key. */
  private open(ref: string, dataKey: Uint8Array, sealed: { readonly iv: Uint8Array; readonly tag: Uint8Array; readonly ciphertext: Uint8Array }): Buffer {
    // GCM hands out plaintext before it checks the tag: this part is wiped whatever the outcome.
    let head: Buffer | undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, sealed.iv);
      decipher.setAAD(Buffer.from(ref, 'utf8'));
      decipher.setAuthTag(sealed.tag);
      head = decipher.update(sealed.ciphertext);
      return Buffer.concat([head, decipher.final()]);
    } catch {
      // GCM says only "unable to authenticate": nothing more to tell, and nothing secret in it.
      throw new TokenVaultIntegrityError(ref);
    } finally {
      head?.fill(0);
      dataKey.fill(0);
    }
  }

  /**
   * Unwraps an item's data key with the configured key and the ref's encryption context
   * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html).
   */
  private async unwrap(ref: string, encryptedKey: Uint8Array): Promise<Uint8Array> {
    let out: DecryptCommandOutput;
    try {
      out = await this.kms.send(new DecryptCommand({ CiphertextBlob: encryptedKey, KeyId: this.options.keyId, EncryptionContext: this.context(ref) }));
    } catch (err) {
      const name = nameOf(err);
      if (name !== undefined && KMS_INTEGRITY_ERRORS.has(name)) throw new TokenVaultIntegrityError(ref, { cause: err });
      throw err;
    }
    const parsed = decryptedSchema.safeParse(out);
    if (!parsed.success) {
      out.Plaintext?.fill(0);
      throw new TokenVaultIntegrityError(ref);
    }
    return parsed.data.Plaintext;
  }
}
