/**
 * A local KMS: one symmetric key per runtime and the `TrentService` operations the envelope token
 * store and its tests call (GenerateDataKey, Decrypt, Encrypt, DescribeKey) over the AWS JSON 1.1
 * protocol. Shapes and errors follow https://docs.aws.amazon.com/kms/latest/APIReference/API_Operations.html
 *
 * The key is a real AES-256 key; ciphertexts are AES-256-GCM with the encryption context as
 * additional data, so a wrong context, another key or altered bytes fail as AWS KMS fails them
 * (InvalidCiphertextException / IncorrectKeyException). With a data directory the key lives in
 * `kms-key.json` (0600) and ciphertexts survive restarts; without one it lives for the run only.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AwsError } from './errors';
import { epochSeconds, parseInput, type OperationTable } from './protocol';

const KEY_FILE = 'kms-key.json';
/** The alias the local key answers to, besides its id and ARN. */
export const LOCAL_KEY_ALIAS = 'alias/reach/local';

/** Ciphertext blob: format byte, the key id's 16 bytes, IV, GCM tag, then the encrypted bytes. */
const BLOB_FORMAT = 1;
const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;

const keyFileSchema = z.object({ format: z.literal(1), keyId: z.uuid(), material: z.string().regex(/^[0-9a-f]{64}$/), createdDate: z.number() });

/** The local key's file could not be read (tampered, or written by something else). */
export class LocalKmsKeyError extends Error {
  constructor(detail: string) {
    super(`the local KMS key cannot be read: ${detail}`);
    this.name = 'LocalKmsKeyError';
  }
}

/** The runtime's one KMS key: its identity and material. */
export class LocalKmsKey {
  private constructor(
    readonly keyId: string,
    readonly arn: string,
    readonly region: string,
    readonly accountId: string,
    readonly createdDate: number,
    private readonly material: Buffer,
  ) {}

  /** Opens the key kept in `dir` (created on first use), or a fresh one for this run without a directory. */
  static open(region: string, accountId: string, dir?: string): LocalKmsKey {
    const make = (keyId: string, material: Buffer, createdDate: number) =>
      new LocalKmsKey(keyId, `arn:aws:kms:${region}:${accountId}:key/${keyId}`, region, accountId, createdDate, material);
    if (!dir) return make(randomUUID(), randomBytes(32), Date.now());
    const path = join(dir, KEY_FILE);
    if (existsSync(path)) {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        throw new LocalKmsKeyError(`${KEY_FILE} is not JSON`);
      }
      const parsed = keyFileSchema.safeParse(raw);
      if (!parsed.success) throw new LocalKmsKeyError(`${KEY_FILE} has an unexpected shape`);
      return make(parsed.data.keyId, Buffer.from(parsed.data.material, 'hex'), parsed.data.createdDate);
    }
    const key = make(randomUUID(), randomBytes(32), Date.now());
    const file = { format: 1, keyId: key.keyId, material: key.material.toString('hex'), createdDate: key.createdDate };
    writeFileSync(path, `${JSON.stringify(file)}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }

  /** True when `id` names this key: its id, ARN, alias or alias ARN. */
  answersTo(id: string): boolean {
    return id === this.keyId || id === this.arn || id === LOCAL_KEY_ALIAS || id === `arn:aws:kms:${this.region}:${this.accountId}:${LOCAL_KEY_ALIAS}`;
  }

  /** Encrypts `plaintext` bound to `context`. */
  seal(plaintext: Buffer, context: Readonly<Record<string, string>>): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.material, iv);
    cipher.setAAD(canonicalContext(context));
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([BLOB_FORMAT]), uuidBytes(this.keyId), iv, cipher.getAuthTag(), data]);
  }

  /** The id of the key a ciphertext blob names, or undefined when the blob is not one of ours. */
  static keyOf(blob: Buffer): string | undefined {
    if (blob.length < HEADER_BYTES || blob[0] !== BLOB_FORMAT) return undefined;
    const hex = blob.subarray(1, 1 + KEY_ID_BYTES).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Decrypts a blob sealed by `seal` with the same context; undefined when it does not authenticate. */
  open(blob: Buffer, context: Readonly<Record<string, string>>): Buffer | undefined {
    if (LocalKmsKey.keyOf(blob) !== this.keyId) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.material, blob.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES));
      decipher.setAAD(canonicalContext(context));
      decipher.setAuthTag(blob.subarray(1 + KEY_ID_BYTES + IV_BYTES, HEADER_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');

/** The context as additional data: sorted pairs, so the order a caller lists them in does not matter (as in KMS). */
const canonicalContext = (context: Readonly<Record<string, string>>): Buffer =>
  Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), 'utf8');

const validation = (field: string, message: string) => new AwsError('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${message}`);
const invalidCiphertext = () => new AwsError('InvalidCiphertextException', 'The ciphertext does not decrypt with this key and encryption context.');
const keyId = z.string().min(1).max(2048);
const context = z.record(z.string(), z.string()).optional();
const algorithm = z.literal('SYMMETRIC_DEFAULT').optional();
const blob = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
    .transform((s) => Buffer.from(s, 'base64'))
    .refine((b) => b.length >= 1 && b.length <= max, `must be between 1 and ${max} bytes`);

const generateDataKey = z
  .object({
    KeyId: keyId,
    KeySpec: z.enum(['AES_256', 'AES_128']).optional(),
    NumberOfBytes: z.number().int().min(1).max(1024).optional(),
    EncryptionContext: context,
    GrantTokens: z.array(z.string()).optional(),
  })
  .refine((i) => (i.KeySpec === undefined) !== (i.NumberOfBytes === undefined), 'specify either KeySpec or NumberOfBytes');
const encrypt = z.object({ KeyId: keyId, Plaintext: blob(4096), EncryptionContext: context, EncryptionAlgorithm: algorithm, GrantTokens: z.array(z.string()).optional() });
const decrypt = z.object({
  CiphertextBlob: blob(6144),
  KeyId: keyId.optional(),
  EncryptionContext: context,
  EncryptionAlgorithm: algorithm,
  GrantTokens: z.array(z.string()).optional(),
});
const describeKey = z.object({ KeyId: keyId, GrantTokens: z.array(z.string()).optional() });

/** Builds the KMS operation table (target prefix `TrentService`) over the runtime's key. */
export const kmsOperations = (key: LocalKmsKey): OperationTable => {
  const resolve = (id: string): LocalKmsKey => {
    if (!key.answersTo(id)) throw new AwsError('NotFoundException', `Key '${id}' does not exist`);
    return key;
  };
  const parse = <S extends z.ZodType>(schema: S, body: unknown): z.infer<S> => parseInput(schema, body, validation);

  return {
    GenerateDataKey: async (body) => {
      const input = parse(generateDataKey, body);
      const k = resolve(input.KeyId);
      const plaintext = randomBytes(input.NumberOfBytes ?? (input.KeySpec === 'AES_128' ? 16 : 32));
      const sealed = k.seal(plaintext, input.EncryptionContext ?? {});
      const out = { CiphertextBlob: sealed.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: k.arn };
      plaintext.fill(0);
      return out;
    },
    Encrypt: async (body) => {
      const input = parse(encrypt, body);
      const k = resolve(input.KeyId);
      return { CiphertextBlob: k.seal(input.Plaintext, input.EncryptionContext ?? {}).toString('base64'), KeyId: k.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    Decrypt: async (body) => {
      const input = parse(decrypt, body);
      // A symmetric ciphertext names its key; a KeyId in the request only has to agree with it.
      if (LocalKmsKey.keyOf(input.CiphertextBlob) !== key.keyId) throw invalidCiphertext();
      if (input.KeyId !== undefined && !key.answersTo(input.KeyId)) {
        throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
      }
      const plaintext = key.open(input.CiphertextBlob, input.EncryptionContext ?? {});
      if (plaintext === undefined) throw invalidCiphertext();
      const out = { Plaintext: plaintext.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      plaintext.fill(0);
      return out;
    },
    DescribeKey: async (body) => {
      const k = resolve(parse(describeKey, body).KeyId);
      return {
        KeyMetadata: {
          AWSAccountId: k.accountId,
          KeyId: k.keyId,
          Arn: k.arn,
          CreationDate: epochSeconds(k.createdDate),
          Enabled: true,
          Description: 'Reach local runtime key',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeyState: 'Enabled',
          Origin: 'AWS_KMS',
          KeyManager: 'CUSTOMER',
          CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
          KeySpec: 'SYMMETRIC_DEFAULT',
          EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
          MultiRegion: false,
        },
      };
    },
  };
};
