/**
 * The HTTP API: one API Gateway HTTP API with a JWT authorizer (issuer + audience from Auth), every
 * route of `topology.routes` integrated with the `api`, `oauth` or `webhooks` function, stage-wide
 * throttling and JSON access logs. Creates the `api` and `oauth` functions with their grants.
 */
import { CfnOutput, Lazy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantMediaObjects, grantPlatformSecretsRead, grantTable, grantTokenSecrets } from '../constructs/grants';
import type { ReachFunction } from '../constructs/node-function';
import { routeKey, routes, type QueueId, type RouteDef } from '../topology';
import type { Auth } from './auth';
import { MEDIA_KEY_PREFIX } from './media';
import { createFunction, platformSecrets, type Shared, tokenGrantBase } from './shared';

export interface ApiProps {
  readonly shared: Shared;
  readonly auth: Auth;
  /** The webhooks receiver (created by the Webhooks feature). */
  readonly webhooks: ReachFunction;
  /** The work queues: the API sends to some and reports every one's backlog to admins. */
  readonly queues: Readonly<Record<QueueId, IQueue>>;
  /** The media bucket (presigned uploads and read URLs). */
  readonly mediaBucket: IBucket;
}

/** Why a route of each function may be called without a Reach JWT (cdk-nag APIG4). */
const PUBLIC_BECAUSE: Readonly<Record<RouteDef['fn'], string>> = {
  api: 'Liveness and the platform catalogue are public by design and return no user data.',
  oauth:
    "The platform's browser redirect (and the result page after it) carries no Reach token; the single-use, expiring OAuth state binds the callback to the user who started the flow.",
  webhooks:
    "Platforms cannot present a Reach JWT: every callback is verified by the platform's signature (or Meta's signed_request) on the raw body, and a data-deletion status is looked up by its unguessable confirmation code.",
};

/** Construct id of a route, e.g. `GET /v1/oauth/{platform}/callback` → `GET-v1-oauth-platform-callback`. */
const routeConstructId = (r: RouteDef): string => `${r.method}${r.path.replace(/[{}]/g, '').replace(/\//g, '-')}`;

/** Access log fields (HTTP API context variables: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html). */
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
} as const;

export class Api extends Construct {
  readonly api: ReachFunction;
  readonly oauth: ReachFunction;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  /** The API's base URL (`https://{id}.execute-api.{region}.amazonaws.com`), no trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { shared } = props;
    this.api = createFunction(this, 'api', shared);
    this.oauth = createFunction(this, 'oauth', shared);
    this.grantApi(shared, props);
    this.grantOauth(shared, props);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: `Reach ${shared.config.stage}`,
      // The stage is created below with throttling and access logs.
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: shared.logRetention });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: shared.config.apiThrottle.rateLimit, burstLimit: shared.config.apiThrottle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)),
      },
    });
    this.url = this.httpApi.apiEndpoint;
    new CfnOutput(this, 'Url', { value: this.url, description: 'Base URL of the Reach API' });

    const authorizer = new HttpJwtAuthorizer('Jwt', props.auth.issuer, {
      authorizerName: 'reach-jwt',
      // Lazy: the dashboard's client joins the audience when the Site is built, after the API.
      jwtAudience: Lazy.list({ produce: () => [...props.auth.audience] }),
      identitySource: ['$request.header.Authorization'],
    });
    const integrations: Readonly<Record<RouteDef['fn'], HttpLambdaIntegration>> = {
      api: new HttpLambdaIntegration('ApiIntegration', this.api.fn),
      oauth: new HttpLambdaIntegration('OauthIntegration', this.oauth.fn),
      webhooks: new HttpLambdaIntegration('WebhooksIntegration', props.webhooks.fn),
    };

    for (const r of routes) {
      const route = new HttpRoute(this, routeConstructId(r), {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(r.path, HttpMethod[r.method]),
        integration: integrations[r.fn],
        // `admin` routes use the same authorizer: API Gateway verifies the token, the function
        // checks the ADMIN_GROUP claim (JWT authorizers match scopes, not groups).
        ...(r.auth !== 'public' && { authorizer }),
      });
      if (r.auth === 'public') {
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: `${routeKey(r)} (${r.summary}): ${PUBLIC_BECAUSE[r.fn]}` });
      }
    }
  }

  /** The REST API function's grants: it serves the caller's own connections, posts, stats and erasure. */
  private grantApi(shared: Shared, props: ApiProps): void {
    const { tables } = shared.data;
    const fn = this.api;
    // Lists, reads, updates and deletes the caller's connections (keyed by the caller's user id); a
    // refused grant during an analytics refresh marks one reauth_required. Scan: the admin routes'
    // selections (all connections, a platform's) and admin stats, never a user route.
    grantTable(fn, { table: tables.Connections, write: true, scan: true });
    // Reads stats, growth and post metric series; appends on-demand analytics refreshes; erases
    // history on disconnect with erase=true, on DELETE /v1/me and through admin cleanup.
    grantTable(fn, { table: tables.History, write: true });
    // Creates, lists (byStatus), cancels and retries posts, declares media; idempotency keys live in
    // the same table.
    grantTable(fn, { table: tables.Posts, write: true, indexes: ['byStatus'] });
    // Creates manual sync jobs, reads their outcomes and the claims audit trail.
    grantTable(fn, { table: tables.Jobs, write: true });
    // Manual-sync freshness windows, rate budgets and the schedule heartbeats admin stats report.
    grantTable(fn, { table: tables.Control, write: true });
    // Disconnect revokes at the platform (reads the token) and deletes the token secret; an
    // on-demand analytics refresh reads the token to call the platform.
    grantTokenSecrets(fn, {
      ...tokenGrantBase(shared),
      uses: ['read', 'delete'],
      why: 'The API function reads a token to revoke it at the platform on disconnect (then deletes it) and to refresh a post\'s metrics on demand.',
    });
    // Revocation, content checks and analytics calls authenticate with the app's credentials.
    grantPlatformSecretsRead(fn, platformSecrets(shared));
    // POST /v1/media signs an upload URL; GET /v1/media/{id} checks the file arrived and signs a read URL.
    grantMediaObjects(fn, {
      bucket: props.mediaBucket,
      prefix: MEDIA_KEY_PREFIX,
      uses: ['upload', 'read'],
      why: 'The API function signs the upload URL of each declared file and the read URL of an uploaded one.',
    });
    // Manual and admin syncs queue work for the sync worker; a post due now goes straight to the
    // publish queue; an admin token refresh queues connections for the token worker.
    props.queues.sync.grantSendMessages(fn.role);
    props.queues.publish.grantSendMessages(fn.role);
    props.queues.refresh.grantSendMessages(fn.role);
    // Admin stats report each work queue's backlog (approximate counts only).
    for (const queue of Object.values(props.queues)) {
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: [queue.queueArn] }));
    }
    // Emits connection.disconnected, connection.reauth_required and post.* roll-ups (a cancel or retry).
    shared.bus.grantPutEventsTo(fn.role);
  }

  /** The OAuth function's grants: it starts and completes connect flows. */
  private grantOauth(shared: Shared, props: ApiProps): void {
    const { tables } = shared.data;
    const fn = this.oauth;
    // Creates or updates the connection; byPlatformAccount finds an account already connected.
    grantTable(fn, { table: tables.Connections, write: true, indexes: ['byPlatformAccount'] });
    // OAuth state and PKCE verifier: written at authorize, taken once (conditional delete) at callback.
    grantTable(fn, { table: tables.Control, write: true });
    // Stores the new connection's tokens (create, or overwrite on reconnect); never reads or deletes them.
    grantTokenSecrets(fn, {
      ...tokenGrantBase(shared),
      uses: ['write'],
      why: 'The OAuth function stores the tokens a completed connect flow obtained.',
    });
    // The authorize URL needs the client id; the code exchange needs the client secret.
    grantPlatformSecretsRead(fn, platformSecrets(shared));
    // The first sync of a new connection is queued for the sync worker.
    props.queues.sync.grantSendMessages(fn.role);
    // Emits connection.connected.
    shared.bus.grantPutEventsTo(fn.role);
  }
}
