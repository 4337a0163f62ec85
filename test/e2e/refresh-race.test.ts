/**
 * Fifty token refreshers on one connection at once, through the real refresh queue and token
 * worker of the local runtime, against X's fake (whose refresh tokens are single-use): exactly one
 * refresh call reaches the platform, and the vault keeps the newest token set — the one the
 * platform still accepts.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { silentLog } from '../../local/log';

let rt: LocalRuntime;
const creds = { accessKeyId: 'l', secretAccessKey: 'l' };

beforeAll(async () => {
  rt = await startLocalRuntime({ port: 0, fakesPort: 0, awsPort: 0, quiet: true, scheduleScale: 0, batchingWindowScale: 0, log: silentLog });
}, 60_000);
afterAll(async () => rt?.stop());

const connectX = async (): Promise<string> => {
  const started = await fetch(`${rt.apiUrl}/v1/oauth/x/authorize`, { method: 'POST', headers: { authorization: `Bearer ${rt.devToken}` }, body: '{}' });
  let url = ((await started.json()) as { authorizeUrl: string }).authorizeUrl;
  for (let hop = 0; hop < 6; hop++) {
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (!location) break;
    url = new URL(location, url).toString();
  }
  const id = new URL(url).searchParams.get('connection');
  if (!id) throw new Error(`connect did not finish: ${url}`);
  return id;
};

const xGrants = async () => {
  const state = (await (await fetch(`${rt.fakesUrl}/__fakes/x/state`)).json()) as { grants: { refreshes: number } };
  return state.grants;
};

it('50 refreshers at once: one refresh reaches X, the stored refresh token is the live one', async () => {
  const connectionId = await connectX();
  await rt.queues.drain(30_000);
  // Test setup: make the connection's tokens due now (as an hour and a half later would).
  const db = new DynamoDBClient({ region: 'us-east-1', endpoint: rt.dynamoUrl, credentials: creds });
  await db.send(
    new UpdateItemCommand({
      TableName: rt.env['TABLE_CONNECTIONS'],
      Key: { userId: { S: 'dev-user' }, connectionId: { S: connectionId } },
      UpdateExpression: 'SET refreshAt = :past',
      ExpressionAttributeValues: { ':past': { S: new Date(Date.now() - 60_000).toISOString() } },
    }),
  );
  db.destroy();
  const before = (await xGrants()).refreshes;

  const sqs = new SQSClient({ region: 'us-east-1', endpoint: rt.awsUrl, credentials: creds });
  const body = JSON.stringify({ userId: 'dev-user', connectionId });
  for (let i = 0; i < 5; i++) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: rt.env['QUEUE_REFRESH_URL'],
        Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: body })),
      }),
    );
  }
  sqs.destroy();
  await rt.queues.drain(60_000);
  expect((await xGrants()).refreshes - before).toBe(1);

  // The vault holds the rotated refresh token: refreshing once more with it works at X.
  const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: rt.awsUrl, credentials: creds });
  const stored = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: `reach/tokens/${connectionId}` }))).SecretString!) as { refreshToken: string };
  sm.destroy();
  const basic = Buffer.from(`${rt.credentials.x.clientId}:${rt.credentials.x.clientSecret}`).toString('base64');
  const again = await fetch(`${rt.fakesUrl}/api.x.com/2/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stored.refreshToken }).toString(),
  });
  expect(again.status).toBe(200);
}, 90_000);
