import { CreateEventBusCommand, PutRuleCommand, EventBridgeClient, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge/publisher';
import { PlatformNotConfiguredError, SecretsManagerAppCredentials } from '../../functions/adapters/secrets/app-credentials';
import { SecretsManagerTokenVault } from '../../functions/adapters/secrets/token-vault';
import { SqsVisibility } from '../../functions/adapters/sqs/visibility';
import { SqsWorkQueue } from '../../functions/adapters/sqs/work-queue';
import { awsTestConfig, describeWithMoto, startMoto, type Moto } from '../support/services';

describeWithMoto('AWS adapters against moto_server', () => {
  let moto: Moto;
  let secrets: SecretsManagerClient;
  let sqs: SQSClient;
  let events: EventBridgeClient;

  beforeAll(async () => {
    moto = await startMoto();
    secrets = new SecretsManagerClient(awsTestConfig(moto.endpoint));
    sqs = new SQSClient(awsTestConfig(moto.endpoint));
    events = new EventBridgeClient(awsTestConfig(moto.endpoint));
  }, 30_000);
  afterAll(async () => {
    secrets.destroy();
    sqs.destroy();
    events.destroy();
    await moto.stop();
  });

  describe('SecretsManagerTokenVault', () => {
    it('creates one tagged secret per connection, overwrites it, reads it back and deletes it at once', async () => {
      const vault = new SecretsManagerTokenVault(secrets, 'reach/tokens/', undefined);
      const tokens = { accessToken: 'at-secret-1', refreshToken: 'rt-1', scopes: ['a'], obtainedAt: '2026-11-23T00:00:00.000Z' };
      await vault.put('conn-1', tokens, { userId: 'u1', platform: 'acme' });
      const described = await secrets.send(new DescribeSecretCommand({ SecretId: 'reach/tokens/conn-1' }));
      expect(described.Tags).toEqual(expect.arrayContaining([{ Key: 'userId', Value: 'u1' }, { Key: 'platform', Value: 'acme' }]));
      await vault.put('conn-1', { ...tokens, accessToken: 'at-secret-2' }, { userId: 'u1', platform: 'acme' });
      expect((await vault.get('conn-1'))?.accessToken).toBe('at-secret-2');
      await vault.delete('conn-1');
      expect(await vault.get('conn-1')).toBeUndefined();
      await expect(vault.delete('conn-1')).resolves.toBeUndefined();
    });
  });

  describe('SecretsManagerAppCredentials', () => {
    it('reads and caches a platform secret, and names what is missing in an unfilled one', async () => {
      await secrets.send(new CreateSecretCommand({ Name: 'reach/platforms/acme', SecretString: JSON.stringify({ clientId: 'id', clientSecret: 'sec', verifyToken: 'vt' }) }));
      await secrets.send(new CreateSecretCommand({ Name: 'reach/platforms/empty', SecretString: JSON.stringify({ clientId: '', clientSecret: '' }) }));
      const source = new SecretsManagerAppCredentials(secrets, 'reach/platforms/', () => new Date());
      expect(await source.get('acme')).toEqual({ clientId: 'id', clientSecret: 'sec', verifyToken: 'vt' });
      await expect(source.get('empty')).rejects.toThrow(PlatformNotConfiguredError);
      await expect(source.get('empty')).rejects.toThrow(/clientId is empty/);
    });
  });

  describe('SqsWorkQueue and SqsVisibility', () => {
    it('sends batches larger than ten, with delays, and hides a received message on request', async () => {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'reach-sync' }));
      const queue = new SqsWorkQueue(sqs, { sync: QueueUrl!, publish: QueueUrl!, refresh: QueueUrl!, webhookEvents: QueueUrl! });
      await queue.send('sync', Array.from({ length: 23 }, (_, i) => ({ body: { n: i } })));
      const seen = new Set<number>();
      for (let i = 0; i < 10 && seen.size < 23; i++) {
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
        for (const m of got.Messages ?? []) seen.add((JSON.parse(m.Body!) as { n: number }).n);
      }
      expect(seen.size).toBe(23);

      await queue.send('sync', [{ body: { late: true }, delaySeconds: 2 }]);
      const early = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      expect(early.Messages ?? []).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 2200));
      const later = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
      expect(later.Messages?.map((m) => JSON.parse(m.Body!))).toEqual([{ late: true }]);
      await new SqsVisibility(sqs).delay(QueueUrl!, later.Messages![0]!.ReceiptHandle!, 0);
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      expect(again.Messages?.map((m) => JSON.parse(m.Body!))).toEqual([{ late: true }]);
    });
  });

  describe('EventBridgePublisher', () => {
    it('puts Reach events on its bus with source reach and the type as detail-type', async () => {
      await events.send(new CreateEventBusCommand({ Name: 'reach-test' }));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'reach-events-sink' }));
      await events.send(new PutRuleCommand({ Name: 'all', EventBusName: 'reach-test', EventPattern: JSON.stringify({ source: ['reach'] }) }));
      await events.send(
        new PutTargetsCommand({ Rule: 'all', EventBusName: 'reach-test', Targets: [{ Id: 'sink', Arn: 'arn:aws:sqs:us-east-1:123456789012:reach-events-sink' }] }),
      );
      const publisher = new EventBridgePublisher(events, 'reach-test');
      await publisher.publish(Array.from({ length: 12 }, (_, i) => ({ type: 'metrics.synced' as const, userId: 'u1', detail: { n: i } })));
      const got: Array<{ 'detail-type': string; source: string; detail: { userId: string; n: number } }> = [];
      for (let i = 0; i < 5 && got.length < 12; i++) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
        for (const m of r.Messages ?? []) got.push(JSON.parse(m.Body!));
      }
      expect(got).toHaveLength(12);
      expect(got[0]).toMatchObject({ 'detail-type': 'metrics.synced', source: 'reach', detail: { userId: 'u1' } });
    });
  });
});
