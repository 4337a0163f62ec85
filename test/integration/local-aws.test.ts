/**
 * The local AWS endpoint answers the real AWS SDK v3 clients: SQS, Secrets Manager (values
 * encrypted at rest) and EventBridge. The runtime points clients built with no endpoint at it
 * through AWS_ENDPOINT_URL_*.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { EventRecorder, eventBridgeOperations } from '../../local/aws/eventbridge';
import { SecretStore, VaultUnreadableError } from '../../local/aws/secret-store';
import { secretsOperations } from '../../local/aws/secrets';
import { tables } from '../../lib/topology';
import { startAwsEndpoint, type AwsEndpoint } from '../../local/aws/server';
import { sqsOperations } from '../../local/aws/sqs';
import { silentLog } from '../../local/log';
import { QueueEngine } from '../../local/queues/engine';
import { startLocalRuntime } from '../../local/runtime';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const PLAINTEXT = 'refresh-token-Zq81-never-on-disk';

interface Endpoint {
  readonly aws: AwsEndpoint;
  readonly engine: QueueEngine;
  readonly recorder: EventRecorder;
}

const start = async (dataDir?: string): Promise<Endpoint> => {
  const engine = new QueueEngine({ region, accountId: '000000000000' });
  engine.create({ name: 'reach-sync-dlq', visibilityTimeoutSeconds: 30 });
  engine.create({ name: 'reach-sync', visibilityTimeoutSeconds: 30, redrive: { deadLetterQueue: 'reach-sync-dlq', maxReceiveCount: 5 } });
  const recorder = new EventRecorder(3);
  const aws = await startAwsEndpoint({
    log: silentLog,
    services: {
      AmazonSQS: sqsOperations(engine),
      secretsmanager: secretsOperations(SecretStore.open(dataDir), region, '000000000000'),
      AWSEvents: eventBridgeOperations(recorder, ['reach-local'], region, '000000000000'),
    },
  });
  engine.setBaseUrl(aws.url);
  return { aws, engine, recorder };
};

describe('local AWS endpoint', () => {
  let ep: Endpoint;
  let sqs: SQSClient;
  let sm: SecretsManagerClient;
  let eb: EventBridgeClient;

  beforeAll(async () => {
    ep = await start();
    sqs = new SQSClient({ region, credentials, endpoint: ep.aws.url });
    sm = new SecretsManagerClient({ region, credentials, endpoint: ep.aws.url });
    eb = new EventBridgeClient({ region, credentials, endpoint: ep.aws.url });
  });

  afterAll(async () => {
    for (const c of [sqs, sm, eb]) c?.destroy();
    await ep?.engine.close();
    await ep?.aws.close();
  });

  describe('SQS', () => {
    it('resolves queue URLs and refuses unknown queues as SQS does', async () => {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'reach-sync' }));
      expect(QueueUrl).toBe(`${ep.aws.url}/000000000000/reach-sync`);
      await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    });

    it('sends, counts, receives, changes visibility and deletes', async () => {
      const QueueUrl = ep.engine.url('reach-sync');
      const one = await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: '{"connectionId":"c1"}',
          MessageAttributes: { ordinal: { DataType: 'Number', StringValue: '1' }, category: { DataType: 'String', StringValue: 'test' } },
        }),
      );
      // The client verified MD5OfMessageBody itself; the attributes digest is SQS's documented one.
      expect(one.MD5OfMessageAttributes).toBe('d21ae90c49061e927f57df5f5d72be1f');
      const batch = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'a', MessageBody: 'later', DelaySeconds: 600 },
            { Id: 'b', MessageBody: 'too late', DelaySeconds: 901 },
          ],
        }),
      );
      expect(batch.Successful?.map((s) => s.Id)).toEqual(['a']);
      expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'b', Code: 'InvalidParameterValue', SenderFault: true })]);

      const counts = async () =>
        (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] })))
          .Attributes;
      expect(await counts()).toEqual({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '1' });

      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      expect(got.Messages).toHaveLength(1);
      const m = got.Messages![0]!;
      expect(m.Body).toBe('{"connectionId":"c1"}');
      expect(m.Attributes).toEqual({ ApproximateReceiveCount: '1' });
      expect(m.MessageAttributes?.['category']).toEqual({ DataType: 'String', StringValue: 'test' });
      expect(await counts()).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });

      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
      expect(await counts()).toMatchObject({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' });
      await expect(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: 'bogus', VisibilityTimeout: 5 }))).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });

      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'] }));
      expect(again.Messages![0]!.Attributes?.['ApproximateReceiveCount']).toBe('2');
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages![0]!.ReceiptHandle! }));
      expect(await counts()).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0', ApproximateNumberOfMessagesDelayed: '1' });

      await sqs.send(new PurgeQueueCommand({ QueueUrl }));
      expect(await counts()).toMatchObject({ ApproximateNumberOfMessagesDelayed: '0' });
    });

    it('reports the redrive policy and visibility timeout', async () => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: ep.engine.url('reach-sync'), AttributeNames: ['All'] }));
      expect(Attributes?.['QueueArn']).toBe('arn:aws:sqs:us-east-1:000000000000:reach-sync');
      expect(Attributes?.['VisibilityTimeout']).toBe('30');
      expect(JSON.parse(Attributes?.['RedrivePolicy'] ?? '{}')).toEqual({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:reach-sync-dlq', maxReceiveCount: 5 });
    });

    it('refuses batches that are empty, too large or with repeated ids', async () => {
      const QueueUrl = ep.engine.url('reach-sync');
      await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] }))).rejects.toMatchObject({ name: 'EmptyBatchRequest' });
      const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }));
      await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: eleven }))).rejects.toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
      await expect(
        sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'x', MessageBody: '1' }, { Id: 'x', MessageBody: '2' }] })),
      ).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
    });
  });

  describe('Secrets Manager', () => {
    it('creates, reads, versions and describes a secret', async () => {
      const created = await sm.send(new CreateSecretCommand({ Name: 'reach/tokens/c1', SecretString: '{"v":1}', Tags: [{ Key: 'userId', Value: 'u1' }] }));
      expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:reach\/tokens\/c1-[A-Za-z0-9_-]{6}$/);
      const first = await sm.send(new GetSecretValueCommand({ SecretId: 'reach/tokens/c1' }));
      expect(first).toMatchObject({ Name: 'reach/tokens/c1', SecretString: '{"v":1}', VersionStages: ['AWSCURRENT'], VersionId: created.VersionId });
      expect(first.CreatedDate).toBeInstanceOf(Date);

      await expect(sm.send(new CreateSecretCommand({ Name: 'reach/tokens/c1', SecretString: 'x' }))).rejects.toMatchObject({ name: 'ResourceExistsException' });

      const put = await sm.send(new PutSecretValueCommand({ SecretId: created.ARN!, SecretString: '{"v":2}' }));
      expect(put.VersionStages).toEqual(['AWSCURRENT']);
      expect((await sm.send(new GetSecretValueCommand({ SecretId: 'reach/tokens/c1' }))).SecretString).toBe('{"v":2}');
      const previous = await sm.send(new GetSecretValueCommand({ SecretId: 'reach/tokens/c1', VersionStage: 'AWSPREVIOUS' }));
      expect(previous.SecretString).toBe('{"v":1}');

      await sm.send(new UpdateSecretCommand({ SecretId: 'reach/tokens/c1', Description: 'tokens of c1', SecretString: '{"v":3}' }));
      await sm.send(new TagResourceCommand({ SecretId: 'reach/tokens/c1', Tags: [{ Key: 'platform', Value: 'x' }] }));
      const described = await sm.send(new DescribeSecretCommand({ SecretId: 'reach/tokens/c1' }));
      expect(described.Description).toBe('tokens of c1');
      expect(described.Tags).toEqual([
        { Key: 'userId', Value: 'u1' },
        { Key: 'platform', Value: 'x' },
      ]);
      expect(Object.values(described.VersionIdsToStages ?? {}).sort()).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
    });

    it('lists by name prefix and answers the documented errors after deletion', async () => {
      await sm.send(new CreateSecretCommand({ Name: 'reach/platforms/x', SecretString: '{}' }));
      await sm.send(new CreateSecretCommand({ Name: 'reach/tokens/c2', SecretString: '{}' }));
      const listed = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['reach/tokens/'] }] }));
      expect(listed.SecretList?.map((s) => s.Name).sort()).toEqual(['reach/tokens/c1', 'reach/tokens/c2']);

      await sm.send(new DeleteSecretCommand({ SecretId: 'reach/tokens/c2', RecoveryWindowInDays: 7 }));
      await expect(sm.send(new GetSecretValueCommand({ SecretId: 'reach/tokens/c2' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
      expect((await sm.send(new DescribeSecretCommand({ SecretId: 'reach/tokens/c2' }))).DeletedDate).toBeInstanceOf(Date);

      await sm.send(new DeleteSecretCommand({ SecretId: 'reach/tokens/c2', ForceDeleteWithoutRecovery: true }));
      const gone = sm.send(new GetSecretValueCommand({ SecretId: 'reach/tokens/c2' }));
      await expect(gone).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      await expect(sm.send(new DeleteSecretCommand({ SecretId: 'nope', ForceDeleteWithoutRecovery: true }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        $metadata: expect.objectContaining({ httpStatusCode: 400 }),
      });
    });
  });

  describe('EventBridge', () => {
    it('records put events as rules deliver them, in a capped ring buffer', async () => {
      const out = await eb.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: 'reach-local', Source: 'reach', DetailType: 'connection.connected', Detail: JSON.stringify({ userId: 'u1', platform: 'x' }) },
            { EventBusName: 'reach-local', Source: 'reach', DetailType: 'broken', Detail: 'not json' },
          ],
        }),
      );
      expect(out.FailedEntryCount).toBe(1);
      expect(out.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
      const [e] = ep.recorder.list();
      expect(e).toMatchObject({
        version: '0',
        id: out.Entries![0]!.EventId,
        'detail-type': 'connection.connected',
        source: 'reach',
        account: '000000000000',
        region: 'us-east-1',
        resources: [],
        detail: { userId: 'u1', platform: 'x' },
      });
      for (let i = 0; i < 4; i++) {
        await eb.send(new PutEventsCommand({ Entries: [{ EventBusName: 'reach-local', Source: 'reach', DetailType: `n${i}`, Detail: '{}' }] }));
      }
      expect(ep.recorder.list().map((x) => x['detail-type'])).toEqual(['n1', 'n2', 'n3']);
      await expect(eb.send(new PutEventsCommand({ Entries: [{ EventBusName: 'other', Source: 's', DetailType: 'd', Detail: '{}' }] }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    });
  });
});

describe('local secrets vault at rest', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reach-vault-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('never stores the plaintext: in memory or on disk, and persists across restarts', async () => {
    const memory = SecretStore.open();
    const ops = secretsOperations(memory, region, '000000000000');
    await ops['CreateSecret']!({ Name: 'reach/tokens/m', SecretString: PLAINTEXT });
    expect(JSON.stringify(memory.list())).not.toContain(PLAINTEXT);

    const first = await start(dir);
    const sm = new SecretsManagerClient({ region, credentials, endpoint: first.aws.url });
    await sm.send(new CreateSecretCommand({ Name: 'reach/tokens/c1', SecretString: PLAINTEXT }));
    await sm.send(new CreateSecretCommand({ Name: 'reach/tokens/bin', SecretBinary: Buffer.from(PLAINTEXT) }));
    sm.destroy();
    await first.aws.close();

    const bytes = readFileSync(join(dir, 'secrets.json'));
    expect(bytes.includes(PLAINTEXT)).toBe(false);
    expect(bytes.includes(Buffer.from(PLAINTEXT).toString('base64'))).toBe(false);
    expect(bytes.toString()).toContain('reach/tokens/c1');
    expect(statSync(join(dir, 'vault.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);

    const second = await start(dir);
    const sm2 = new SecretsManagerClient({ region, credentials, endpoint: second.aws.url });
    expect((await sm2.send(new GetSecretValueCommand({ SecretId: 'reach/tokens/c1' }))).SecretString).toBe(PLAINTEXT);
    expect(Buffer.from((await sm2.send(new GetSecretValueCommand({ SecretId: 'reach/tokens/bin' }))).SecretBinary!).toString()).toBe(PLAINTEXT);
    sm2.destroy();
    await second.aws.close();
  });

  it('refuses to open the store with another key, and detects altered ciphertext', async () => {
    const store = SecretStore.open(dir);
    await secretsOperations(store, region, '000000000000')['CreateSecret']!({ Name: 'reach/tokens/c1', SecretString: PLAINTEXT });
    const file = join(dir, 'secrets.json');
    const original = readFileSync(file, 'utf8');

    const tampered = JSON.parse(original) as { secrets: { versions: { value: { data: string } }[] }[] };
    const data = Buffer.from(tampered.secrets[0]!.versions[0]!.value.data, 'base64');
    data[0] = data[0]! ^ 0xff;
    tampered.secrets[0]!.versions[0]!.value.data = data.toString('base64');
    writeFileSync(file, JSON.stringify(tampered));
    expect(() => SecretStore.open(dir)).toThrow(VaultUnreadableError);

    writeFileSync(file, original);
    writeFileSync(join(dir, 'vault.key'), `${'ab'.repeat(32)}\n`);
    expect(() => SecretStore.open(dir)).toThrow(/does not authenticate/);
  });
});

describe('runtime wiring of the AWS endpoints', () => {
  it('points default-constructed SDK clients at the local endpoints and fills the platform secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reach-data-'));
    const rt = await startLocalRuntime({
      quiet: true,
      log: silentLog,
      scheduleScale: 0,
      dataDir: dir,
      env: { REACH_X_CLIENT_ID: 'my-x-client', REACH_X_CLIENT_SECRET: 'my-x-secret' },
    });
    try {
      expect(process.env['AWS_ENDPOINT_URL_SQS']).toBe(rt.awsUrl);
      expect(rt.env['QUEUE_SYNC_URL']).toBe(`${rt.awsUrl}/000000000000/reach-sync`);
      expect(rt.env['QUEUE_WEBHOOK_EVENTS_URL']).toBe(`${rt.awsUrl}/000000000000/reach-webhook-events`);
      // No endpoint in the client config: AWS_ENDPOINT_URL_* must carry it.
      const sm = new SecretsManagerClient({});
      const x = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'reach/platforms/x' }))).SecretString!);
      // X's consumer key and secret follow the client's when not set apart (the fake's one pair).
      expect(x).toEqual({ clientId: 'my-x-client', clientSecret: 'my-x-secret', webhookSecret: 'my-x-secret', verifyToken: 'dev-x-verify-token', consumerKey: 'my-x-client' });
      const ig = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'reach/platforms/instagram' }))).SecretString!);
      expect(ig.alternates).toEqual({ facebook_login: { clientId: 'dev-facebook-client-id', clientSecret: 'dev-facebook-client-secret' } });
      const li = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'reach/platforms/linkedin' }))).SecretString!);
      expect(li.applicationId).toMatch(/^\d+$/);
      const gb = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'reach/platforms/google_business' }))).SecretString!);
      expect(gb.clientId).toBe('dev-google-business-client-id');
      sm.destroy();

      const sqs = new SQSClient({});
      await sqs.send(new SendMessageCommand({ QueueUrl: rt.env['QUEUE_SYNC_URL'], MessageBody: '{}', DelaySeconds: 900 }));
      expect(rt.queues.stats()['reach-sync']).toMatchObject({ delayed: 1 });
      sqs.destroy();

      const eb = new EventBridgeClient({});
      await eb.send(new PutEventsCommand({ Entries: [{ EventBusName: rt.env['EVENT_BUS_NAME'], Source: 'reach', DetailType: 'metrics.synced', Detail: '{"userId":"u"}' }] }));
      eb.destroy();
      expect(rt.events().map((e) => e['detail-type'])).toEqual(['metrics.synced']);
      const viaHttp = (await (await fetch(`${rt.apiUrl}/local/events`)).json()) as { events: { detail: unknown }[] };
      expect(viaHttp.events[0]!.detail).toEqual({ userId: 'u' });

      const ddb = new DynamoDBClient({});
      const table = await ddb.send(new DescribeTableCommand({ TableName: rt.env['TABLE_CONNECTIONS'] }));
      expect(table.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['byPlatformAccount', 'bySyncDue', 'byTokenDue']);
      ddb.destroy();
      expect(rt.createdTables).toHaveLength(tables.length);

      // The real API function, loaded in-process from its entry after the environment was set.
      const platforms = await fetch(`${rt.apiUrl}/v1/platforms`);
      expect(platforms.status).toBe(200);
    } finally {
      await rt.stop();
    }
    expect(process.env['AWS_ENDPOINT_URL_SQS']).toBeUndefined();
    expect(existsSync(join(dir, 'dynamodb'))).toBe(true);
    expect(readFileSync(join(dir, 'secrets.json')).includes('my-x-secret')).toBe(false);

    // A second start on the same directory finds its tables and secrets.
    const again = await startLocalRuntime({ quiet: true, log: silentLog, scheduleScale: 0, dataDir: dir, env: {} });
    try {
      expect(again.createdTables).toEqual([]);
      const sm = new SecretsManagerClient({});
      const x = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: 'reach/platforms/x' }))).SecretString!);
      expect(x.clientId).toBe('dev-x-client-id');
      sm.destroy();
    } finally {
      await again.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
