/**
 * DynamoKmsTokenVault against in-memory stand-ins: a Map for the Tokens table (items go through a
 * structured clone, so Buffers come back as Uint8Arrays as the document client returns them) and
 * the local KMS's own operations (a real AES key, contexts bound as additional data).
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createCipheriv, randomBytes } from 'node:crypto';
import { DynamoKmsTokenVault, ENVELOPE_VERSION, TokenVaultIntegrityError } from '../../functions/adapters/dynamodb/token-vault';
import type { TokenSet } from '../../functions/core/model/tokens';
import { AwsError } from '../../local/aws/errors';
import { kmsOperations, LocalKmsKey } from '../../local/aws/kms';

type Item = Record<string, unknown>;

class MemoryTable {
  readonly items = new Map<string, Item>();

  readonly client = {
    send: async (command: unknown): Promise<unknown> => {
      if (command instanceof PutCommand) {
        const item = command.input.Item as Item;
        this.items.set(String(item['ref']), structuredClone(item));
        return {};
      }
      if (command instanceof GetCommand) {
        const item = this.items.get(String(command.input.Key?.['ref']));
        return { Item: item && structuredClone(item) };
      }
      if (command instanceof DeleteCommand) {
        this.items.delete(String(command.input.Key?.['ref']));
        return {};
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBDocumentClient;
}

/** The local KMS operations behind the SDK client's `send`, with AWS error names and binary fields as the SDK has them. */
class MemoryKms {
  /** Every plaintext data key handed out (GenerateDataKey and Decrypt), to prove the vault wipes them. */
  readonly handedOut: Uint8Array[] = [];
  /** When set, every call fails with this AWS error name. */
  failWith: string | undefined;
  readonly key = LocalKmsKey.open('us-east-1', '000000000000');
  private readonly ops = kmsOperations(this.key);

  readonly client = {
    send: async (command: unknown): Promise<unknown> => {
      if (this.failWith !== undefined) throw Object.assign(new Error('refused'), { name: this.failWith });
      const [operation, input] =
        command instanceof GenerateDataKeyCommand
          ? ['GenerateDataKey', command.input]
          : command instanceof DecryptCommand
            ? ['Decrypt', { ...command.input, CiphertextBlob: Buffer.from(command.input.CiphertextBlob!).toString('base64') }]
            : ['unknown', {}];
      let out: Record<string, unknown>;
      try {
        out = (await this.ops[operation as string]!(input)) as Record<string, unknown>;
      } catch (err) {
        if (err instanceof AwsError) throw Object.assign(new Error(err.message), { name: err.type });
        throw err;
      }
      const plaintext = new Uint8Array(Buffer.from(String(out['Plaintext']), 'base64'));
      this.handedOut.push(plaintext);
      return { ...out, Plaintext: plaintext, ...(out['CiphertextBlob'] !== undefined && { CiphertextBlob: new Uint8Array(Buffer.from(String(out['CiphertextBlob']), 'base64')) }) };
    },
  } as unknown as KMSClient;
}

const tokens: TokenSet = {
  accessToken: 'at-7f3a-secret-access',
  refreshToken: 'rt-91bc-secret-refresh',
  tokenType: 'bearer',
  expiresAt: '2026-11-23T01:00:00.000Z',
  scopes: ['read', 'write'],
  obtainedAt: '2026-11-23T00:00:00.000Z',
  extra: { userToken: 'ut-55de-secret-user-token' },
};
const secretsOf = (t: TokenSet): string[] => [t.accessToken, t.refreshToken!, ...Object.values(t.extra ?? {})];

const setup = (stage = 'test') => {
  const table = new MemoryTable();
  const kms = new MemoryKms();
  const vault = new DynamoKmsTokenVault(table.client, kms.client, { table: 'tokens', keyId: kms.key.arn, stage });
  return { table, kms, vault };
};

/** Everything an item holds, as text a reader of the table could see (bytes read as text and as base64). */
const visible = (item: Item): string =>
  JSON.stringify(item, (_k, v: unknown) => (v instanceof Uint8Array ? [Buffer.from(v).toString('latin1'), Buffer.from(v).toString('base64')] : v));

const flip = (bytes: unknown, at = 0): Uint8Array => {
  const copy = new Uint8Array(bytes as Uint8Array);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

describe('DynamoKmsTokenVault', () => {
  it('round-trips a token set, overwrites it, and forgets it on delete', async () => {
    const { vault } = setup();
    await vault.put('conn-1', tokens, { userId: 'u1', platform: 'acme' });
    expect(await vault.get('conn-1')).toEqual(tokens);
    const rotated = { ...tokens, accessToken: 'at-rotated', refreshToken: 'rt-rotated' };
    await vault.put('conn-1', rotated, { userId: 'u1', platform: 'acme' });
    expect(await vault.get('conn-1')).toEqual(rotated);
    await vault.delete('conn-1');
    expect(await vault.get('conn-1')).toBeUndefined();
    await expect(vault.delete('conn-1')).resolves.toBeUndefined();
  });

  it('answers undefined for a ref it never stored', async () => {
    expect(await setup().vault.get('nobody')).toBeUndefined();
  });

  it('stores no token text: only the sealed set, the wrapped key and plain identifiers', async () => {
    const { vault, table, kms } = setup();
    await vault.put('conn-1', tokens, { userId: 'u1', platform: 'acme', connectionId: 'conn-1' });
    const item = table.items.get('conn-1')!;
    expect(Object.keys(item).sort()).toEqual(['ciphertext', 'encryptedKey', 'iv', 'keyId', 'ref', 'tag', 'tags', 'updatedAt', 'version']);
    expect(item).toMatchObject({ ref: 'conn-1', version: ENVELOPE_VERSION, keyId: kms.key.arn, tags: { userId: 'u1', platform: 'acme', connectionId: 'conn-1' } });
    expect((item['iv'] as Uint8Array).length).toBe(12);
    expect((item['tag'] as Uint8Array).length).toBe(16);
    const text = visible(item);
    for (const secret of secretsOf(tokens)) expect({ secret, stored: text.includes(secret) }).toEqual({ secret, stored: false });
    expect(text).not.toContain('accessToken');
  });

  it('keeps a tag out of the item when its value is one of the tokens', async () => {
    const { vault, table } = setup();
    await vault.put('conn-1', tokens, { userId: 'u1', leaked: tokens.accessToken });
    expect(table.items.get('conn-1')!['tags']).toEqual({ userId: 'u1' });
  });

  it('uses a fresh data key and IV for every write', async () => {
    const { vault, table } = setup();
    await vault.put('conn-1', tokens, {});
    const first = table.items.get('conn-1')!;
    await vault.put('conn-1', tokens, {});
    const second = table.items.get('conn-1')!;
    expect(Buffer.from(second['encryptedKey'] as Uint8Array).equals(Buffer.from(first['encryptedKey'] as Uint8Array))).toBe(false);
    expect(Buffer.from(second['iv'] as Uint8Array).equals(Buffer.from(first['iv'] as Uint8Array))).toBe(false);
  });

  it('wipes every plaintext data key once it has sealed or opened a set', async () => {
    const { vault, kms } = setup();
    await vault.put('conn-1', tokens, {});
    await vault.get('conn-1');
    expect(kms.handedOut).toHaveLength(2);
    for (const key of kms.handedOut) expect(key.every((b) => b === 0)).toBe(true);
  });

  it.each(['ciphertext', 'tag', 'iv', 'encryptedKey'])('refuses an item whose %s was altered', async (field) => {
    const { vault, table } = setup();
    await vault.put('conn-1', tokens, {});
    const item = table.items.get('conn-1')!;
    table.items.set('conn-1', { ...item, [field]: flip(item[field], field === 'encryptedKey' ? 40 : 0) });
    await expect(vault.get('conn-1')).rejects.toThrow(TokenVaultIntegrityError);
  });

  it('refuses an item moved under another ref (the encryption context names the ref)', async () => {
    const { vault, table } = setup();
    await vault.put('conn-1', tokens, {});
    table.items.set('conn-2', { ...table.items.get('conn-1')!, ref: 'conn-2' });
    const failure = await vault.get('conn-2').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TokenVaultIntegrityError);
    expect((failure as Error).cause).toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('refuses an item read with another stage\'s encryption context', async () => {
    const { table, kms, vault } = setup('dev');
    await vault.put('conn-1', tokens, {});
    const prod = new DynamoKmsTokenVault(table.client, kms.client, { table: 'tokens', keyId: kms.key.arn, stage: 'prod' });
    await expect(prod.get('conn-1')).rejects.toThrow(TokenVaultIntegrityError);
  });

  it('refuses an item of an envelope version it does not know', async () => {
    const { vault, table } = setup();
    await vault.put('conn-1', tokens, {});
    table.items.set('conn-1', { ...table.items.get('conn-1')!, version: ENVELOPE_VERSION + 1 });
    await expect(vault.get('conn-1')).rejects.toThrow(TokenVaultIntegrityError);
  });

  it('refuses a sealed value that is not a token set, without repeating any of it', async () => {
    const { vault, table, kms } = setup();
    const dataKey = (await kms.client.send(new GenerateDataKeyCommand({ KeyId: kms.key.arn, KeySpec: 'AES_256', EncryptionContext: { 'reach:ref': 'conn-1', 'reach:stage': 'test' } }))) as {
      Plaintext: Uint8Array;
      CiphertextBlob: Uint8Array;
    };
    for (const plaintext of ['{"accessToken": secret-xyz-not-json', JSON.stringify({ accessToken: 'secret-xyz-no-scopes' })]) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', dataKey.Plaintext, iv);
      cipher.setAAD(Buffer.from('conn-1'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      table.items.set('conn-1', {
        ref: 'conn-1',
        version: ENVELOPE_VERSION,
        ciphertext: new Uint8Array(ciphertext),
        iv: new Uint8Array(iv),
        tag: new Uint8Array(cipher.getAuthTag()),
        encryptedKey: dataKey.CiphertextBlob,
        keyId: kms.key.arn,
        updatedAt: '2026-11-23T00:00:00.000Z',
      });
      const failure = (await vault.get('conn-1').catch((err: unknown) => err)) as Error;
      expect(failure).toBeInstanceOf(TokenVaultIntegrityError);
      expect(failure.message).toBe('the stored tokens of conn-1 failed their integrity check');
      expect(failure.cause).toBeUndefined();
    }
  });

  it('lets other KMS failures through unchanged, for the caller to classify', async () => {
    const { vault, kms } = setup();
    await vault.put('conn-1', tokens, {});
    kms.failWith = 'ThrottlingException';
    await expect(vault.get('conn-1')).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(vault.put('conn-2', tokens, {})).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
