/**
 * Reach as one construct: the HTTP API, the functions, tables, queues, schedules, event bus,
 * secrets, media bucket and monitoring of one stage. A team adds it to a stack of its own CDK app;
 * this repository's `ReachStack` is a thin wrapper that builds it from CDK context.
 *
 * Environment-agnostic (no account or region, no lookups) and clean under cdk-nag's AwsSolutions
 * checks in any stack: every acknowledgement is attached to one of Reach's own resources, never
 * to the stack. Stateful resources keep fixed logical ids, so one stack holds at most one Reach.
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { configFromProps, type ReachProps, type StageConfig } from './config';
import type { ReachFunction } from './constructs/node-function';
import type { QueueWorker } from './constructs/queue-worker';
import { Api } from './features/api';
import { Auth } from './features/auth';
import { Data } from './features/data';
import { runtimeEnvironment } from './features/environment';
import { Events } from './features/events';
import { Media } from './features/media';
import { Monitoring } from './features/monitoring';
import { Publishing } from './features/publishing';
import { Secrets } from './features/secrets';
import type { Shared } from './features/shared';
import { Site } from './features/site';
import { Sync } from './features/sync';
import { Tokens } from './features/tokens';
import { Webhooks } from './features/webhooks';
import type { FunctionId, QueueId, TableId } from './topology';

export type { ReachProps } from './config';

/** A configuration already validated elsewhere (what `bin/app.ts` builds from CDK context). */
export interface ReachConfigProps {
  readonly config: StageConfig;
}

/** The feature constructs, for wiring beyond the members `Reach` exposes directly. */
export interface ReachFeatures {
  readonly secrets: Secrets;
  readonly data: Data;
  readonly events: Events;
  readonly media: Media;
  readonly sync: Sync;
  readonly publishing: Publishing;
  readonly tokens: Tokens;
  readonly webhooks: Webhooks;
  readonly auth: Auth;
  readonly api: Api;
  readonly monitoring: Monitoring;
}

/** The same keys, each value mapped (the keys of a `Record` survive `Object.entries`, its type does not). */
const mapValues = <K extends string, A, B>(record: Readonly<Record<K, A>>, f: (value: A) => B): Record<K, B> =>
  Object.fromEntries(Object.entries<A>(record).map(([k, v]) => [k, f(v)])) as Record<K, B>;

export class Reach extends Construct {
  /** The validated configuration the construct was built from, defaults filled in. */
  readonly config: StageConfig;
  /** The API's base URL (`https://{id}.execute-api.{region}.amazonaws.com`), no trailing slash. */
  readonly apiUrl: string;
  readonly api: HttpApi;
  /** The Cognito user pool that issues the JWTs; absent when `auth` names an OIDC issuer. */
  readonly userPool?: UserPool;
  /** The pool's app client (the JWT audience); absent with an OIDC issuer. */
  readonly userPoolClient?: UserPoolClient;
  /** Reach's own bus (`reach-{stage}`): subscribe rules to `post.published`, `metrics.synced`, `connection.*`… */
  readonly eventBus: EventBus;
  readonly tables: Readonly<Record<TableId, Table>>;
  /** Each work queue with its dead-letter queue and the alarm on it. */
  readonly queues: Readonly<Record<QueueId, QueueWorker>>;
  /** Each function with its role and log group. */
  readonly functions: Readonly<Record<FunctionId, ReachFunction>>;
  /** Every Reach alarm notifies this topic; subscribe more endpoints to it. */
  readonly alarmTopic: Topic;
  /** The CloudWatch dashboard of functions and queues (not the web dashboard the `dashboard` prop hosts). */
  readonly operationsDashboard: Dashboard;
  /** The hosted web dashboard (S3 + CloudFront), when the `dashboard` prop is on and Cognito signs users in. */
  readonly site: Site | undefined;
  /** `https://<distribution>/`: the web dashboard's URL, when it is hosted. */
  readonly dashboardUrl: string | undefined;
  /** The customer-managed key of the tables, secrets and alarm topic. */
  readonly key: Key;
  /** Files users attach to posts. */
  readonly mediaBucket: Bucket;
  readonly features: ReachFeatures;

  /** Validates the props (throwing with every problem named by its prop) and builds Reach under `scope`. */
  constructor(scope: Construct, id: string, props: ReachProps | ReachConfigProps = {}) {
    super(scope, id);
    // Tables, queues, the key, secrets, bus, pool and bucket keep fixed logical ids (a refactor must
    // not replace them), so a second Reach in the same stack would collide with the first.
    const others = Stack.of(this)
      .node.findAll()
      .filter((c) => c instanceof Reach && c !== this);
    if (others.length > 0) {
      throw new Error(`One Reach per stack: ${this.node.path} would share logical ids with ${others[0]?.node.path}. Put each stage in its own stack.`);
    }
    const config = 'config' in props ? props.config : configFromProps(props);
    this.config = config;

    const secrets = new Secrets(this, 'Secrets', { stage: config.stage, enabledPlatforms: config.enabledPlatforms });
    const data = new Data(this, 'Data', { key: secrets.key });
    const events = new Events(this, 'Events', { stage: config.stage });
    // Only the retention values CloudWatch accepts pass config validation, and RetentionDays' values are those days.
    const shared: Shared = { config, data, secrets, bus: events.bus, logRetention: config.logRetentionDays as RetentionDays };

    // Browsers upload media from the pages a connect flow may return to: the app's own origins.
    const media = new Media(this, 'Media', {
      browserUrls: [...config.returnUrlAllowlist, ...(config.defaultReturnUrl !== undefined ? [config.defaultReturnUrl] : [])],
    });

    const sync = new Sync(this, 'Sync', shared);
    const publishing = new Publishing(this, 'Publishing', { shared, mediaBucket: media.bucket });
    const tokens = new Tokens(this, 'Tokens', shared);
    const webhooks = new Webhooks(this, 'Webhooks', { shared, syncQueue: sync.queue.queue });
    const queues = {
      sync: sync.queue.queue,
      publish: publishing.queue.queue,
      refresh: tokens.queue.queue,
      webhookEvents: webhooks.queue.queue,
    } satisfies Record<QueueId, IQueue>;
    const auth = new Auth(this, 'Auth', config);
    const api = new Api(this, 'Api', { shared, auth, webhooks: webhooks.receiver, queues, mediaBucket: media.bucket });

    // `satisfies` makes the compiler prove every topology function and queue exists exactly here.
    this.functions = {
      api: api.api,
      oauth: api.oauth,
      webhooks: webhooks.receiver,
      syncPlanner: sync.planner,
      syncWorker: sync.worker,
      publishPlanner: publishing.planner,
      publishWorker: publishing.worker,
      tokenPlanner: tokens.planner,
      tokenWorker: tokens.worker,
      webhookWorker: webhooks.worker,
      analyticsPlanner: publishing.analyticsPlanner,
    } satisfies Record<FunctionId, ReachFunction>;
    this.queues = { sync: sync.queue, publish: publishing.queue, refresh: tokens.queue, webhookEvents: webhooks.queue } satisfies Record<QueueId, QueueWorker>;

    // The stage's schedules: a turned-off one has no rule, an overridden one its own cadence.
    events.addSchedules(this.functions, config.schedules);

    // The hosted web dashboard: after the API, which it fronts for `/v1/*`, and before the runtime
    // environment, whose return-URL allowlist its URL joins (the connect buttons return to it).
    // With an operator's own OIDC issuer, sign-in needs that issuer's client for the page, which
    // only Cognito stages create here: those stages get no hosted page, and synth says so.
    let site: Site | undefined;
    if (config.dashboard && config.auth.kind === 'cognito') {
      site = new Site(this, 'Site', { stage: config.stage, api: api.httpApi, auth, config });
    } else if (config.dashboard) {
      Annotations.of(this).addWarningV2('reach:dashboard-oidc', 'The hosted dashboard signs in with the Cognito hosted UI; with authIssuer set it is not deployed. Set dashboard: false to silence this.');
    }
    this.site = site;
    this.dashboardUrl = site?.url;

    const environment = runtimeEnvironment({
      config: site ? { ...config, returnUrlAllowlist: [...config.returnUrlAllowlist, site.url] } : config,
      data,
      queues,
      bus: events.bus,
      key: secrets.key,
      apiUrl: api.url,
      mediaBucket: media.bucket,
    });
    for (const fn of Object.values(this.functions)) fn.addEnvironment(environment);

    const monitoring = new Monitoring(this, 'Monitoring', {
      stage: config.stage,
      functions: Object.values(this.functions),
      queues: Object.values(this.queues),
      key: secrets.key,
      errorRateAlarmPercent: config.errorRateAlarmPercent,
      ...(config.alarmEmail !== undefined && { alarmEmail: config.alarmEmail }),
    });

    this.apiUrl = api.url;
    this.api = api.httpApi;
    if (auth.userPool !== undefined) this.userPool = auth.userPool;
    if (auth.client !== undefined) this.userPoolClient = auth.client;
    this.eventBus = events.bus;
    this.tables = mapValues(data.tables, (t) => t.table);
    this.alarmTopic = monitoring.topic;
    this.operationsDashboard = monitoring.dashboard;
    this.key = secrets.key;
    this.mediaBucket = media.bucket;
    this.features = { secrets, data, events, media, sync, publishing, tokens, webhooks, auth, api, monitoring };
  }
}
