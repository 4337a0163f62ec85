/**
 * The local runtime: everything `npm start` runs, in one process, built from `lib/topology.ts`.
 *
 * dynalite with the tables, a local AWS endpoint (SQS, Secrets Manager with an encrypted vault, KMS,
 * EventBridge, S3 with the media bucket), queues that feed the SQS consumers as Lambda's event source mapping does, the
 * schedules, the fake platform servers, and a gateway that turns HTTP requests into API Gateway
 * v2 events for the HTTP functions. The handlers run unchanged: their AWS SDK clients find the
 * local endpoints through `AWS_ENDPOINT_URL_*`, set before any handler module is loaded.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import { createAllFakes } from './fakes';
import { startFakes, type RunningFakes } from './fakes/framework';
import { functions, queues as queueDefs, routes, schedules, tables, type FunctionId } from '../lib/topology';
import { startAwsEndpoint } from './aws/server';
import { EventRecorder, eventBridgeOperations, type RecordedEvent } from './aws/eventbridge';
import { AwsError } from './aws/errors';
import { kmsOperations, LocalKmsKey } from './aws/kms';
import { ObjectStore } from './aws/object-store';
import { SecretStore } from './aws/secret-store';
import { secretsOperations } from './aws/secrets';
import { sqsOperations } from './aws/sqs';
import { appCredentials, deadLetterQueueName, EVENT_BUS, handlerEnvironment, MEDIA_BUCKET, queueName, tokenStoreSetting, type AppCredentials } from './config';
import { startDynamo } from './dynamo';
import { createGateway } from './gateway/server';
import { createSiteHandler } from './gateway/static';
import { buildDashboard } from '../web/build';
import { createLocalIssuer } from './gateway/jwt';
import { FunctionHost, functionName, type InvokeOutcome, type LambdaHandler } from './lambda';
import { listenLoopback } from './http-listen';
import { createLog, describeError, type LocalLog } from './log';
import { QueueEngine } from './queues/engine';
import { Scheduler, type ScheduleStatus } from './scheduler';
import type { ProviderId } from '../functions/providers/types';

export interface LocalRuntimeOptions {
  /** API port (0 picks a free one; `npm start` uses PORT or 3000). */
  readonly port?: number;
  /** Fake platforms' port (0: free). */
  readonly fakesPort?: number;
  /** Local AWS endpoint's port (0: free). */
  readonly awsPort?: number;
  /** Keep DynamoDB, the secrets vault, the media objects and the token issuer's key here across restarts. */
  readonly dataDir?: string;
  /** Fake consent pages: `auto` approves at once, `page` shows approve/deny. */
  readonly consent?: 'auto' | 'page';
  /** Only warnings and errors from the runtime; handler logs at WARN unless LOG_LEVEL says otherwise. */
  readonly quiet?: boolean;
  /** Multiplies schedule periods: 1 deployed rates, 0 no timers (runs only through `runSchedule`). */
  readonly scheduleScale?: number;
  /** Multiplies SQS batching windows (0: partial batches go at once). */
  readonly batchingWindowScale?: number;
  /** Multiplies function timeouts. */
  readonly timeoutScale?: number;
  /** Handlers used instead of the topology's entries (tests, benchmarks). */
  readonly handlers?: Partial<Record<FunctionId, LambdaHandler>>;
  /** Where credentials, REACH_FAKE_CONSENT and LOG_LEVEL are read (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly region?: string;
  /** Where the runtime's own lines go (tests pass a silent one). */
  readonly log?: LocalLog;
}

export interface LocalRuntime {
  /** `http://localhost:<port>`: the API, as the deployed API Gateway URL. */
  readonly apiUrl: string;
  /** The dashboard page, served by the gateway on the API's port. */
  readonly dashboardUrl: string;
  readonly fakesUrl: string;
  /** The local SQS / Secrets Manager / EventBridge / S3 endpoint. */
  readonly awsUrl: string;
  /** The S3 endpoint's objects (the media bucket `reach-media`). */
  readonly objects: ObjectStore;
  readonly dynamoUrl: string;
  /** A token for `dev-user`, valid for 24 hours. */
  readonly devToken: string;
  /** The environment the handlers run with. */
  readonly env: Readonly<Record<string, string>>;
  readonly credentials: Readonly<Record<ProviderId, AppCredentials>>;
  readonly queues: QueueEngine;
  readonly fakes: RunningFakes;
  readonly functions: FunctionHost;
  /** Tables created by this start (none when a data directory already had them). */
  readonly createdTables: readonly string[];
  /** A token for any user (with `cognito:groups` when given), valid `ttlSeconds` (default a day). */
  mintToken(sub: string, groups?: readonly string[], ttlSeconds?: number): Promise<string>;
  /** Fires a schedule now and resolves with its outcome; rejects for an unknown id. */
  runSchedule(id: string): Promise<InvokeOutcome>;
  schedules(): ScheduleStatus[];
  /** Reach's events put on the bus, oldest first (the newest 1,000). */
  events(): RecordedEvent[];
  /** Stops everything; the process environment is restored. */
  stop(): Promise<void>;
}

const ACCOUNT_ID = '000000000000';
const AUDIENCE = 'reach-local';
const ROOT = join(__dirname, '..');
/** A DLQ is only inspected locally; its visibility timeout matters to nobody. */
const DLQ_VISIBILITY_SECONDS = 30;

const writePlatformSecrets = async (ops: ReturnType<typeof secretsOperations>, creds: Record<ProviderId, AppCredentials>): Promise<void> => {
  for (const [platform, value] of Object.entries(creds)) {
    const name = `reach/platforms/${platform}`;
    const secret = JSON.stringify(value);
    try {
      await ops['CreateSecret']!({ Name: name, SecretString: secret, Tags: [{ Key: 'reach:platform', Value: platform }] });
    } catch (err) {
      if (!(err instanceof AwsError) || err.type !== 'ResourceExistsException') throw err;
      const current = (await ops['GetSecretValue']!({ SecretId: name })) as { SecretString?: string };
      if (current.SecretString !== secret) await ops['PutSecretValue']!({ SecretId: name, SecretString: secret });
    }
  }
};

/** Starts the whole local runtime; see `LocalRuntimeOptions` for the knobs. */
export const startLocalRuntime = async (options: LocalRuntimeOptions = {}): Promise<LocalRuntime> => {
  const source = options.env ?? process.env;
  const quiet = options.quiet ?? false;
  const log = options.log ?? createLog(quiet);
  const region = options.region ?? source['AWS_REGION'] ?? 'us-east-1';
  // Stop order: no new work (schedules, API), then let running invocations end while the
  // endpoints they call are still up, then the endpoints, then the environment.
  const STOP_ORDER = ['scheduler', 'api', 'queues', 'fakes', 'aws', 'dynamo', 'env'] as const;
  const cleanups = new Map<(typeof STOP_ORDER)[number], () => Promise<unknown> | unknown>();
  const cleanup = async () => {
    for (const key of STOP_ORDER) {
      const c = cleanups.get(key);
      cleanups.delete(key);
      try {
        await c?.();
      } catch (err) {
        log.warn(`while stopping ${key}: ${describeError(err)}`);
      }
    }
  };

  // The SDK's Node 20 notice would otherwise greet every start; it says nothing about Reach.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  try {
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      chmodSync(options.dataDir, 0o700);
    }
    const dynamo = await startDynamo(tables, region, options.dataDir && join(options.dataDir, 'dynamodb'));
    cleanups.set('dynamo', () => dynamo.close());

    const store = SecretStore.open(options.dataDir);
    // One KMS key per runtime (kept in the data directory when there is one): the envelope token store's data keys come from it.
    const kmsKey = LocalKmsKey.open(region, ACCOUNT_ID, options.dataDir);
    const tokenStore = tokenStoreSetting(source);
    const host = new FunctionHost({
      root: ROOT,
      region,
      accountId: ACCOUNT_ID,
      functions,
      ...(options.handlers && { overrides: options.handlers }),
      ...(options.timeoutScale !== undefined && { timeoutScale: options.timeoutScale }),
    });

    const engine = new QueueEngine({ region, accountId: ACCOUNT_ID, log, ...(options.batchingWindowScale !== undefined && { batchingWindowScale: options.batchingWindowScale }) });
    cleanups.set('queues', () => engine.close());
    for (const q of queueDefs) {
      engine.create({ name: deadLetterQueueName(q.id), visibilityTimeoutSeconds: DLQ_VISIBILITY_SECONDS });
      engine.create({
        name: queueName(q.id),
        visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
        redrive: { deadLetterQueue: deadLetterQueueName(q.id), maxReceiveCount: q.maxReceiveCount },
        consumer: {
          functionName: functionName(q.consumer),
          batchSize: q.batchSize,
          maxBatchingWindowSeconds: q.maxBatchingWindowSeconds,
          maxConcurrency: q.maxConcurrency,
          invoke: (event) => host.invoke(q.consumer, event),
        },
      });
    }

    const recorder = new EventRecorder(1000);
    const secrets = secretsOperations(store, region, ACCOUNT_ID);
    const objects = ObjectStore.open(options.dataDir && join(options.dataDir, 'media'));
    objects.createBucket(MEDIA_BUCKET);
    const aws = await startAwsEndpoint({
      port: options.awsPort ?? 0,
      log,
      s3: objects,
      services: {
        AmazonSQS: sqsOperations(engine),
        secretsmanager: secrets,
        AWSEvents: eventBridgeOperations(recorder, [EVENT_BUS], region, ACCOUNT_ID),
        TrentService: kmsOperations(kmsKey),
      },
    });
    cleanups.set('aws', () => aws.close());
    engine.setBaseUrl(aws.url);

    const credentials = appCredentials(source);
    await writePlatformSecrets(secrets, credentials);

    const consentSetting = options.consent ?? source['REACH_FAKE_CONSENT'] ?? 'auto';
    if (consentSetting !== 'auto' && consentSetting !== 'page') throw new Error(`REACH_FAKE_CONSENT must be auto or page, not ${consentSetting}`);
    // The gateway's handler needs the issuer, whose URL needs the port: bind first, wire after.
    let listener: RequestListener | undefined;
    const api = await listenLoopback((req, res) => (listener ? listener(req, res) : res.writeHead(503).end()), options.port ?? 0, true);
    cleanups.set('api', () => api.close());
    const apiUrl = `http://localhost:${api.port}`;

    // The fakes deliver their webhooks to this API, as the platforms deliver to the deployed one.
    const fakes = await startFakes({ platforms: createAllFakes(credentials), port: options.fakesPort ?? 0, consent: consentSetting, webhookBaseUrl: apiUrl });
    cleanups.set('fakes', () => fakes.close());
    const issuer = await createLocalIssuer({ issuer: `${apiUrl}/local`, audience: AUDIENCE, ...(options.dataDir && { dir: options.dataDir }) });

    const env = handlerEnvironment({
      apiUrl,
      fakesUrl: fakes.baseUrl,
      awsUrl: aws.url,
      dynamoUrl: dynamo.url,
      region,
      queueUrl: (name) => engine.url(name),
      logLevel: (source['LOG_LEVEL'] ?? (quiet ? 'WARN' : 'INFO')).toUpperCase(),
      ...(source['POWERTOOLS_LOG_LEVEL'] && { powertoolsLogLevel: source['POWERTOOLS_LOG_LEVEL'] }),
      ...(source['POWERTOOLS_METRICS_DISABLED'] && { metricsDisabled: source['POWERTOOLS_METRICS_DISABLED'] }),
      tokenStore,
      kmsKeyArn: kmsKey.arn,
    });
    const previous = new Map<string, string | undefined>();
    for (const [k, v] of Object.entries(env)) {
      previous.set(k, process.env[k]);
      process.env[k] = v;
    }
    // A developer's own AWS session must not ride along to the local endpoints.
    for (const k of ['AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      previous.set(k, process.env[k]);
      delete process.env[k];
    }
    cleanups.set('env', () => {
      for (const [k, v] of previous) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    const scheduler = new Scheduler({
      schedules,
      invoke: (target, event) => host.invoke(target, event),
      scale: options.scheduleScale ?? 1,
      region,
      accountId: ACCOUNT_ID,
      log,
    });
    scheduler.start();
    cleanups.set('scheduler', () => scheduler.stop());

    const runSchedule = async (id: string): Promise<InvokeOutcome> => {
      const run = scheduler.run(id);
      if (!run) throw new Error(`unknown schedule ${id}; known: ${schedules.map((s) => s.id).join(', ')}`);
      return run;
    };

    // Built once per start, in memory: the page always matches the checked-out sources.
    const site = createSiteHandler(buildDashboard({ minify: false }));
    listener = createGateway({
      site,
      routes,
      invoke: (fn, event) => host.invoke(fn, event),
      issuer,
      accountId: ACCOUNT_ID,
      log,
      local: {
        events: () => recorder.list(),
        queues: () => engine.stats(),
        peekQueue: (name) => (engine.names().includes(name) ? engine.peek(name) : undefined),
        runSchedule: async (id) => {
          const target = scheduler.target(id);
          return target ? { found: true, target, outcome: await runSchedule(id) } : { found: false };
        },
      },
    });

    const devToken = await issuer.mint('dev-user');
    let stopping: Promise<void> | undefined;

    return {
      apiUrl,
      dashboardUrl: `${apiUrl}/`,
      fakesUrl: fakes.baseUrl,
      awsUrl: aws.url,
      objects,
      dynamoUrl: dynamo.url,
      devToken,
      env,
      credentials,
      queues: engine,
      fakes,
      functions: host,
      createdTables: dynamo.created,
      mintToken: (sub, groups, ttlSeconds) => issuer.mint(sub, groups ?? [], ttlSeconds),
      runSchedule,
      schedules: () => scheduler.status(),
      events: () => recorder.list(),
      stop: () => (stopping ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
};
