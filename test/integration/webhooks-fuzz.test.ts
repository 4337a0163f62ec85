/**
 * Robustness of the webhooks function: 10,000 malformed requests (bodies, headers, signatures,
 * queries) across every platform with a webhook adapter, the Meta callbacks and the status route,
 * sent to the real `handler` export running on the local runtime (dynalite, local SQS, Secrets
 * Manager with the platforms' app credentials). None may be answered with a 5xx, and none may
 * store or queue anything. A second run drives the same handler over in-memory ports with the
 * test platform and a callback family, where every port call is visible.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { HttpEvent, HttpResult } from '../../functions/handlers/lib/http';
import { silentLog } from '../../local/log';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { createPlatformDirectory } from '../../functions/providers/registry';
import { createHttpClient } from '../../functions/providers/http';
import { createWebhooksHandler } from '../../functions/handlers/http/webhooks';
import type { PlatformDirectory } from '../../functions/core/ports/platforms';
import { memoryDeps, staticCredentials } from '../support/memory';
import { createTestProvider } from '../support/test-provider';
import { fuzzCases } from '../support/webhook-fuzz';
import { lambdaContext } from '../support/webhook-http';

const COUNT = 10_000;
/** The in-memory run complements the export's: fewer requests, every port call visible. */
const MEMORY_COUNT = 3_000;
const fixtures = join(__dirname, '..', 'fixtures', 'conformance');

/** Every documented delivery body we hold (JSON, XML), to mutate into near-misses. */
const samples = (): string[] => {
  const out: string[] = [];
  for (const dir of readdirSync(fixtures, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(fixtures, dir.name))) {
      if (/\.source\.txt$/.test(f) || !/(webhook|delivery|event|notification|websub)/i.test(f)) continue;
      const text = readFileSync(join(fixtures, dir.name, f), 'utf8');
      // `.http` samples carry their request line and headers: keep the body.
      const split = text.indexOf('\n\n');
      out.push(f.endsWith('.http') && split > 0 ? text.slice(split + 2) : text);
    }
  }
  return out;
};

interface Figures {
  readonly count: number;
  readonly statuses: Record<number, number>;
  readonly ms: number;
  readonly serverErrors: Array<{ index: number; label: string; status: number; body: string }>;
}

const run = async (handler: (e: HttpEvent, c: Context) => Promise<HttpResult>, platforms: readonly string[], seed: number, total: number): Promise<Figures> => {
  const ctx = lambdaContext();
  const statuses: Record<number, number> = {};
  const serverErrors: Figures['serverErrors'] = [];
  const started = performance.now();
  let count = 0;
  for (const c of fuzzCases({ seed, platforms, families: ['meta'], samples: samples() }, total)) {
    const res = await handler(c.event, ctx);
    const status = res.statusCode ?? 200;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 500) serverErrors.push({ index: c.index, label: c.label, status, body: (res.body ?? '').slice(0, 200) });
    count += 1;
  }
  return { count, statuses, ms: Math.round(performance.now() - started), serverErrors };
};

// Every refusal is counted once (WebhookRejected); the EMF lines themselves are not printed here.
let rejections = 0;
beforeEach(() => {
  rejections = 0;
  jest.spyOn(Metrics.prototype, 'addMetric').mockImplementation(function (this: Metrics, name: string) {
    if (name === 'WebhookRejected') rejections += 1;
    return this;
  });
});
afterEach(() => jest.restoreAllMocks());

/** 401 and 403 are refusals of deliveries and callbacks; a 400 can only be a refused subscription check. */
const refused = (f: Figures) => (f.statuses[401] ?? 0) + (f.statuses[403] ?? 0) + (f.statuses[400] ?? 0);

const report = (name: string, f: Figures): void => {
  // eslint-disable-next-line no-console
  console.log(`webhook fuzz (${name}): ${f.count} requests in ${f.ms} ms (${Math.round((f.count / f.ms) * 1000)}/s); statuses ${JSON.stringify(f.statuses)}`);
};

describe('the webhooks handler export under 10,000 malformed requests (local runtime)', () => {
  let rt: LocalRuntime;
  let db: DynamoDBDocumentClient;

  beforeAll(async () => {
    rt = await startLocalRuntime({ port: 0, quiet: true, scheduleScale: 0, batchingWindowScale: 0, log: silentLog });
    db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'us-east-1', endpoint: rt.dynamoUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
  }, 30_000);
  afterAll(async () => {
    db?.destroy();
    await rt?.stop();
  });

  it('answers none with a 5xx and stores or queues nothing', async () => {
    // Loaded after the runtime set the environment, as Lambda loads it.
    const { handler } = await import('../../functions/handlers/http/webhooks');
    const { deps } = await import('../../functions/composition/deps');
    const platforms = deps()
      .platforms.list()
      .filter((p) => p.webhooks)
      .map((p) => p.manifest.id);
    expect(platforms.length).toBeGreaterThan(0);
    const families = deps()
      .platforms.list()
      .filter((p) => p.platformCallbacks)
      .map((p) => p.platformCallbacks!.family);

    const figures = await run(handler, platforms, 20261123, COUNT);
    report(`export; platforms ${platforms.join(',')}; callback families ${[...new Set(families)].join(',') || 'none'}`, figures);
    expect(figures.count).toBe(COUNT);
    expect(figures.serverErrors).toEqual([]);
    // Refusals of every kind happened: unknown platforms, unverified deliveries, oversized bodies.
    expect(figures.statuses[404]).toBeGreaterThan(0);
    expect((figures.statuses[401] ?? 0) + (figures.statuses[403] ?? 0)).toBeGreaterThan(COUNT / 4);
    expect(figures.statuses[413]).toBeGreaterThan(0);
    expect(rejections).toBe(refused(figures));

    const scan = async (table: string) => (await db.send(new ScanCommand({ TableName: rt.env[table]! }))).Items ?? [];
    expect(await scan('TABLE_EVENTS')).toEqual([]);
    expect((await scan('TABLE_CONTROL')).filter((i) => String(i['pk']).startsWith('deletion#'))).toEqual([]);
    const queue = rt.queues.stats()['reach-webhook-events']!;
    expect(queue.sent).toBe(0);
  }, 120_000);
});

describe('the webhooks handler under 3,000 malformed requests (in-memory ports, test platform and callback family)', () => {
  it('answers none with a 5xx and makes no store, queue or connection call', async () => {
    const acme = createTestProvider({ withWebhooks: true });
    const photos = createTestProvider({ id: 'photos', callbacksFamily: 'meta' });
    const pages = createTestProvider({ id: 'pages', callbacksFamily: 'meta' });
    const real = createPlatformDirectory({ http: createHttpClient({ defaultTimeoutMs: 1000 }), now: () => new Date() }, []);
    const all = [acme.provider, photos.provider, pages.provider, ...real.list().filter((p) => p.webhooks)];
    const directory: PlatformDirectory = { get: (id) => all.find((p) => p.manifest.id === id), list: () => all };
    const deps = {
      ...memoryDeps(directory),
      credentials: staticCredentials({ clientId: 'cid', clientSecret: 'csecret', webhookSecret: 'whsec', verifyToken: 'vtoken' }),
    };
    const find = jest.spyOn(deps.connections, 'findByPlatformAccount');
    const handler = createWebhooksHandler(() => deps);
    const figures = await run(handler, all.filter((p) => p.webhooks).map((p) => p.manifest.id), 424242, MEMORY_COUNT);
    expect(figures.count).toBe(MEMORY_COUNT);
    report('in-memory', figures);
    expect(figures.serverErrors).toEqual([]);
    expect(rejections).toBe(refused(figures));
    expect(deps.webhookEvents.puts).toBe(0);
    expect(deps.queue.sent).toEqual([]);
    expect([...deps.control.items.keys()].filter((k) => k.startsWith('deletion#'))).toEqual([]);
    expect(find).not.toHaveBeenCalled();
  }, 120_000);
});
