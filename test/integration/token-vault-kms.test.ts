/**
 * The envelope token store for real: DynamoKmsTokenVault against moto_server's KMS and DynamoDB,
 * the local KMS endpoint through the SDK, and the whole local runtime started with
 * REACH_TOKEN_STORE=dynamodb-kms (connect, sync, refresh, disconnect; the Tokens table never holds
 * a token in the clear and no token secret is created).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoKmsTokenVault, TokenVaultIntegrityError } from '../../functions/adapters/dynamodb/token-vault';
import type { TokenSet } from '../../functions/core/model/tokens';
import { tables, type TableDef } from '../../lib/topology';
import { kmsOperations, LOCAL_KEY_ALIAS, LocalKmsKey } from '../../local/aws/kms';
import { startAwsEndpoint, type AwsEndpoint } from '../../local/aws/server';
import { tableName } from '../../local/dynamo';
import { silentLog } from '../../local/log';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { awsTestConfig, createTableInput, describeWithMoto, startMoto, type Moto } from '../support/services';

const tokensDef = tables.find((t) => t.id === 'Tokens') as TableDef;
const tokens: TokenSet = {
  accessToken: 'at-moto-secret-1',
  refreshToken: 'rt-moto-secret-1',
  scopes: ['a', 'b'],
  obtainedAt: '2026-11-23T00:00:00.000Z',
  extra: { userToken: 'ut-moto-secret-1' },
};

/** An item's attributes as a reader of the table sees them: strings, and binaries as text and base64. */
const visible = (item: Record<string, AttributeValue>): string =>
  JSON.stringify(item, (_k, v: unknown) => (v instanceof Uint8Array ? [Buffer.from(v).toString('latin1'), Buffer.from(v).toString('base64')] : v));

describeWithMoto('DynamoKmsTokenVault against moto_server (KMS and DynamoDB)', () => {
  let moto: Moto;
  let kms: KMSClient;
  let dynamo: DynamoDBClient;
  let keyId: string;
  const vaultFor = (stage: string) => new DynamoKmsTokenVault(DynamoDBDocumentClient.from(dynamo), kms, { table: 'test-Tokens', keyId, stage });

  beforeAll(async () => {
    moto = await startMoto();
    kms = new KMSClient(awsTestConfig(moto.endpoint));
    dynamo = new DynamoDBClient(awsTestConfig(moto.endpoint));
    keyId = (await kms.send(new CreateKeyCommand({ Description: 'reach test' }))).KeyMetadata!.Arn!;
    await dynamo.send(new CreateTableCommand(createTableInput(tokensDef, 'test-Tokens')));
  }, 30_000);
  afterAll(async () => {
    kms.destroy();
    dynamo.destroy();
    await moto.stop();
  });

  it('seals a token set, reads it back, overwrites it and deletes it at once', async () => {
    const vault = vaultFor('test');
    await vault.put('conn-1', tokens, { userId: 'u1', platform: 'acme' });
    expect(await vault.get('conn-1')).toEqual(tokens);
    await vault.put('conn-1', { ...tokens, accessToken: 'at-moto-secret-2' }, { userId: 'u1', platform: 'acme' });
    expect((await vault.get('conn-1'))?.accessToken).toBe('at-moto-secret-2');
    await vault.delete('conn-1');
    expect(await vault.get('conn-1')).toBeUndefined();
    await expect(vault.delete('conn-1')).resolves.toBeUndefined();
  });

  it('writes binary attributes that hold no token text, and names the key that wrapped the data key', async () => {
    await vaultFor('test').put('conn-2', tokens, { userId: 'u1' });
    const item = (await dynamo.send(new GetItemCommand({ TableName: 'test-Tokens', Key: { ref: { S: 'conn-2' } } }))).Item!;
    expect(item['ciphertext']?.B).toBeInstanceOf(Uint8Array);
    expect(item['encryptedKey']?.B).toBeInstanceOf(Uint8Array);
    expect(item['keyId']?.S).toBe(keyId);
    expect(item['tags']?.M).toEqual({ userId: { S: 'u1' } });
    const text = visible(item);
    for (const secret of [tokens.accessToken, tokens.refreshToken!, tokens.extra!['userToken']!]) expect(text.includes(secret)).toBe(false);
  });

  it('refuses an item moved under another ref, or read with another stage\'s encryption context', async () => {
    await vaultFor('test').put('conn-3', tokens, {});
    const item = (await dynamo.send(new GetItemCommand({ TableName: 'test-Tokens', Key: { ref: { S: 'conn-3' } } }))).Item!;
    await dynamo.send(new PutItemCommand({ TableName: 'test-Tokens', Item: { ...item, ref: { S: 'conn-4' } } }));
    await expect(vaultFor('test').get('conn-4')).rejects.toThrow(TokenVaultIntegrityError);
    await expect(vaultFor('prod').get('conn-3')).rejects.toThrow(TokenVaultIntegrityError);
  });

  it('refuses an item whose ciphertext was altered', async () => {
    await vaultFor('test').put('conn-5', tokens, {});
    const item = (await dynamo.send(new GetItemCommand({ TableName: 'test-Tokens', Key: { ref: { S: 'conn-5' } } }))).Item!;
    const altered = new Uint8Array(item['ciphertext']!.B!);
    altered[0] = altered[0]! ^ 0xff;
    await dynamo.send(new PutItemCommand({ TableName: 'test-Tokens', Item: { ...item, ciphertext: { B: altered } } }));
    await expect(vaultFor('test').get('conn-5')).rejects.toThrow(TokenVaultIntegrityError);
  });
});

describe('the local KMS endpoint', () => {
  const dirs: string[] = [];
  const endpoints: AwsEndpoint[] = [];
  const clients: KMSClient[] = [];
  const start = async (dir?: string) => {
    const key = LocalKmsKey.open('us-east-1', '000000000000', dir);
    const endpoint = await startAwsEndpoint({ services: { TrentService: kmsOperations(key) }, log: silentLog });
    endpoints.push(endpoint);
    const client = new KMSClient(awsTestConfig(endpoint.url));
    clients.push(client);
    return { key, client };
  };
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'reach-kms-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const e of endpoints) await e.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('describes its key by id, ARN or alias, and knows no other', async () => {
    const { key, client } = await start();
    for (const id of [key.keyId, key.arn, LOCAL_KEY_ALIAS]) {
      const meta = (await client.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!;
      expect(meta).toMatchObject({ KeyId: key.keyId, Arn: key.arn, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' });
    }
    await expect(client.send(new DescribeKeyCommand({ KeyId: 'alias/other' }))).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('decrypts only with the encryption context it encrypted with', async () => {
    const { key, client } = await start();
    const context = { 'reach:ref': 'conn-1', 'reach:stage': 'local' };
    const sealed = await client.send(new EncryptCommand({ KeyId: LOCAL_KEY_ALIAS, Plaintext: Buffer.from('hello'), EncryptionContext: context }));
    expect(sealed.KeyId).toBe(key.arn);
    const reordered = { 'reach:stage': 'local', 'reach:ref': 'conn-1' };
    const opened = await client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: reordered }));
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('hello');
    await expect(client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { ...context, 'reach:ref': 'conn-2' } }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    });
    await expect(client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context, KeyId: 'alias/other' }))).rejects.toMatchObject({
      name: 'IncorrectKeyException',
    });
  });

  it('keeps its key in the data directory, so ciphertexts outlive a restart; another directory is another key', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const sealed = await first.client.send(new EncryptCommand({ KeyId: first.key.arn, Plaintext: Buffer.from('kept') }));
    const again = await start(dir);
    expect(again.key.arn).toBe(first.key.arn);
    expect(Buffer.from((await again.client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext!).toString()).toBe('kept');
    const other = await start(tempDir());
    await expect(other.client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });
});

describe('the local runtime with REACH_TOKEN_STORE=dynamodb-kms', () => {
  let rt: LocalRuntime;
  let db: DynamoDBClient;
  const creds = { accessKeyId: 'local', secretAccessKey: 'local' };

  beforeAll(async () => {
    rt = await startLocalRuntime({
      port: 0,
      fakesPort: 0,
      awsPort: 0,
      quiet: true,
      scheduleScale: 0,
      batchingWindowScale: 0,
      log: silentLog,
      env: { ...process.env, REACH_TOKEN_STORE: 'dynamodb-kms' },
    });
    db = new DynamoDBClient({ region: 'us-east-1', endpoint: rt.dynamoUrl, credentials: creds });
  }, 60_000);
  afterAll(async () => {
    db?.destroy();
    await rt?.stop();
  });

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${rt.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const follow = async (start: string): Promise<URL> => {
    let url = start;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return new URL(url);
      url = new URL(location, url).toString();
    }
    throw new Error(`too many redirects from ${start}`);
  };
  const tokenItems = async () => (await db.send(new ScanCommand({ TableName: tableName('Tokens') }))).Items ?? [];
  const vault = () =>
    new DynamoKmsTokenVault(DynamoDBDocumentClient.from(db), new KMSClient({ region: 'us-east-1', endpoint: rt.awsUrl, credentials: creds }), {
      table: tableName('Tokens'),
      keyId: rt.env['TOKEN_KMS_KEY_ID']!,
      stage: rt.env['STAGE']!,
    });

  it('hands the functions the envelope store, the local key and the KMS endpoint', () => {
    expect(rt.env).toMatchObject({ TOKEN_STORE: 'dynamodb-kms', AWS_ENDPOINT_URL_KMS: rt.awsUrl, TABLE_TOKENS: tableName('Tokens') });
    expect(rt.env['TOKEN_KMS_KEY_ID']).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\//);
  });

  it('connects, syncs, refreshes and disconnects with the tokens sealed in the Tokens table only', async () => {
    const started = await call('POST', '/v1/oauth/x/authorize', rt.devToken, {});
    expect(started.status).toBe(200);
    const end = await follow(String(started.body['authorizeUrl']));
    expect(end.searchParams.get('status')).toBe('connected');
    const connectionId = end.searchParams.get('connection') ?? end.searchParams.get('connections')!;
    await rt.queues.drain(30_000);

    // The first sync ran with the token read from the envelope store.
    const connection = await call('GET', `/v1/connections/${connectionId}`, rt.devToken);
    expect(connection.body).toMatchObject({ status: 'active', latest: { followers: expect.any(Number) } });
    expect(connection.body['lastSyncAt']).toBeDefined();

    const items = await tokenItems();
    expect(items.map((i) => i['ref']?.S)).toEqual([connectionId]);
    const stored = (await vault().get(connectionId))!;
    expect(stored.accessToken.length).toBeGreaterThan(0);
    const text = visible(items[0]!);
    for (const secret of [stored.accessToken, stored.refreshToken].filter((s): s is string => s !== undefined)) {
      expect({ secret: secret.slice(0, 4), stored: text.includes(secret) }).toEqual({ secret: secret.slice(0, 4), stored: false });
    }

    // No token secret was created in the local Secrets Manager.
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: rt.awsUrl, credentials: creds });
    const names = ((await sm.send(new ListSecretsCommand({}))).SecretList ?? []).map((s) => s.Name ?? '');
    sm.destroy();
    expect(names.filter((n) => n.startsWith('reach/tokens/'))).toEqual([]);

    // That sync wrote history.
    const history = await call('GET', `/v1/connections/${connectionId}/history?interval=hour`, rt.devToken);
    expect(history.status).toBe(200);
    expect(history.body['points']).toEqual([expect.objectContaining({ followers: expect.any(Number) })]);

    // A forced refresh seals the rotated token set under a fresh data key.
    const admin = await rt.mintToken('ops', ['admin']);
    expect((await call('POST', '/v1/admin/tokens/refresh', admin, { connectionId })).status).toBe(202);
    await rt.queues.drain(30_000);
    const refreshed = (await vault().get(connectionId))!;
    expect(refreshed.accessToken).not.toBe(stored.accessToken);
    const after = await tokenItems();
    expect(Buffer.from(after[0]!['encryptedKey']!.B!).equals(Buffer.from(items[0]!['encryptedKey']!.B!))).toBe(false);

    // Disconnect deletes the item at once.
    expect((await call('DELETE', `/v1/connections/${connectionId}`, rt.devToken)).status).toBe(200);
    expect(await tokenItems()).toEqual([]);
  });
});
