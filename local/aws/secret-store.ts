/**
 * The local token vault: Secrets Manager's records with every secret value sealed by AES-256-GCM.
 *
 * Values are sealed the moment they arrive and opened only to answer GetSecretValue, so neither
 * memory dumps of the store nor the file on disk hold plaintext. The key lives in `vault.key`
 * (0600) next to `secrets.json` when a data directory is given, or only in memory for the run.
 * The additional authenticated data binds each ciphertext to its secret and version, so values
 * cannot be swapped between records in the file.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const sealedSchema = z.object({ iv: z.string(), tag: z.string(), data: z.string(), binary: z.boolean() });
export type Sealed = z.infer<typeof sealedSchema>;

const versionSchema = z.object({ versionId: z.string(), stages: z.array(z.string()), createdDate: z.number(), value: sealedSchema });
export type SecretVersion = z.infer<typeof versionSchema>;

const tagSchema = z.object({ Key: z.string(), Value: z.string() });
export type Tag = z.infer<typeof tagSchema>;

const recordSchema = z.object({
  arn: z.string(),
  name: z.string(),
  description: z.string().optional(),
  kmsKeyId: z.string().optional(),
  tags: z.array(tagSchema),
  createdDate: z.number(),
  lastChangedDate: z.number(),
  lastAccessedDate: z.number().optional(),
  /** When DeleteSecret was called (epoch ms). */
  deletedDate: z.number().optional(),
  /** When the recovery window ends and the secret is gone for good (epoch ms). */
  deletionDate: z.number().optional(),
  versions: z.array(versionSchema),
});
export type SecretRecord = z.infer<typeof recordSchema>;

const fileSchema = z.object({ format: z.literal(1), secrets: z.array(recordSchema) });

/** A plaintext value on its way in or out: a string or bytes, as Secrets Manager keeps them. */
export type SecretValue = { readonly kind: 'string'; readonly value: string } | { readonly kind: 'binary'; readonly value: Buffer };

/** The vault's files could not be read with its key (wrong key, tampered or corrupt file). */
export class VaultUnreadableError extends Error {
  constructor(detail: string) {
    super(`the local secrets vault cannot be read: ${detail}`);
    this.name = 'VaultUnreadableError';
  }
}

const KEY_FILE = 'vault.key';
const STORE_FILE = 'secrets.json';

const loadOrCreateKey = (dir: string): Buffer => {
  const path = join(dir, KEY_FILE);
  if (existsSync(path)) {
    const hex = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new VaultUnreadableError(`${KEY_FILE} must hold 64 hex characters`);
    return Buffer.from(hex, 'hex');
  }
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
};

export class SecretStore {
  private readonly records = new Map<string, SecretRecord>();

  private constructor(
    private readonly key: Buffer,
    private readonly file: string | undefined,
  ) {}

  /** Opens the vault in `dir` (key and file created on first use), or in memory without one. */
  static open(dir?: string): SecretStore {
    if (!dir) return new SecretStore(randomBytes(32), undefined);
    const store = new SecretStore(loadOrCreateKey(dir), join(dir, STORE_FILE));
    store.load();
    return store;
  }

  private load(): void {
    if (!this.file || !existsSync(this.file)) return;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      throw new VaultUnreadableError(`${STORE_FILE} is not JSON`);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) throw new VaultUnreadableError(`${STORE_FILE} has an unexpected shape`);
    for (const r of parsed.data.secrets) {
      // Prove the key opens what is there now, rather than failing on the first read later.
      for (const v of r.versions) this.unseal(v.value, r.arn, v.versionId);
      this.records.set(r.name, r);
    }
  }

  private persist(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    const body = JSON.stringify({ format: 1, secrets: [...this.records.values()] }, null, 1);
    writeFileSync(tmp, body, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  /** Encrypts a value for the record `arn`, version `versionId`. */
  seal(value: SecretValue, arn: string, versionId: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${arn}\n${versionId}`, 'utf8'));
    const plain = value.kind === 'string' ? Buffer.from(value.value, 'utf8') : value.value;
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64'), binary: value.kind === 'binary' };
  }

  /** Decrypts a sealed value; a wrong key or altered bytes fail authentication. */
  unseal(sealed: Sealed, arn: string, versionId: string): SecretValue {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(`${arn}\n${versionId}`, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
      return sealed.binary ? { kind: 'binary', value: plain } : { kind: 'string', value: plain.toString('utf8') };
    } catch {
      throw new VaultUnreadableError(`a value of ${arn.split(':').pop() ?? 'a secret'} does not authenticate with ${KEY_FILE}`);
    }
  }

  /** The record for a name or ARN (full, or without the random suffix). */
  find(idOrArn: string): SecretRecord | undefined {
    const direct = this.records.get(idOrArn);
    if (direct) return direct;
    if (!idOrArn.startsWith('arn:')) return undefined;
    for (const r of this.records.values()) if (r.arn === idOrArn || r.arn.slice(0, r.arn.lastIndexOf('-')) === idOrArn) return r;
    return undefined;
  }

  /** Every record, values still sealed. */
  list(): SecretRecord[] {
    return [...this.records.values()];
  }

  /** Stores a record (new or changed) and writes the file. */
  save(record: SecretRecord): void {
    this.records.set(record.name, record);
    this.persist();
  }

  /** Forgets a record for good (ForceDeleteWithoutRecovery) and writes the file. */
  remove(name: string): void {
    this.records.delete(name);
    this.persist();
  }

  /** Drops secrets whose recovery window has passed, as Secrets Manager does. */
  purgeExpired(now: number): void {
    let changed = false;
    for (const r of this.records.values()) {
      if (r.deletionDate !== undefined && r.deletionDate <= now) {
        this.records.delete(r.name);
        changed = true;
      }
    }
    if (changed) this.persist();
  }
}
