/**
 * The synthesized stack has what DESIGN.md §2 and `lib/topology.ts` say: every table, queue, route,
 * schedule and function with its secure defaults, the least-privilege grants, and stable logical ids.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { S3Client } from '@aws-sdk/client-s3';
import { S3MediaStore } from '../../functions/adapters/s3/media-store';
import { parseEnv } from '../../functions/config/env';
import { PROVIDER_IDS } from '../../functions/providers/types';
import { platformSecretPrefix, tokenSecretPrefix } from '../../lib/config';

// The stack these tests build is the default stage's.
const PLATFORM_SECRET_PREFIX = platformSecretPrefix('dev');
const TOKEN_SECRET_PREFIX = tokenSecretPrefix('dev');
import { queueLogicalIds } from '../../lib/constructs/queue-worker';
import { tableLogicalId } from '../../lib/constructs/table';
import { USER_POOL_LOGICAL_ID } from '../../lib/features/auth';
import { EVENT_BUS_LOGICAL_ID } from '../../lib/features/events';
import { MEDIA_BUCKET_LOGICAL_ID, MEDIA_EXPIRY_DAYS, MEDIA_KEY_PREFIX } from '../../lib/features/media';
import { KEY_LOGICAL_ID, PLATFORM_SECRET_TEMPLATE, platformSecretLogicalId } from '../../lib/features/secrets';
import { functions, queueEnv, queues, routeKey, routes, schedules, tableEnv, tables, type FunctionId } from '../../lib/topology';
import { actionsOf, buildStack, iamStatements, MAPPED_EVENT_ID, ofType, resourcesOf, scheduleTargetInput, type Statement } from './template';

const built = buildStack();
const { stack, resources, template } = built;
const fnLogicalId = (id: FunctionId): string => built.logicalId(stack.functions[id].fn.node.defaultChild as CfnElement);
const roleLogicalId = (id: FunctionId): string => built.logicalId(stack.functions[id].role.node.defaultChild as CfnElement);
const statementsOf = (id: FunctionId): Statement[] =>
  iamStatements(resources)
    .filter((s) => s.roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId(id) })))
    .map((s) => s.statement);
const mentions = (value: unknown, text: string): boolean => JSON.stringify(value).includes(text);
const tokenSecretStatements = (id: FunctionId): Statement[] => statementsOf(id).filter((s) => mentions(s.Resource, `:secret:${TOKEN_SECRET_PREFIX}*`));
const tokenActions = (id: FunctionId): string[] => tokenSecretStatements(id).flatMap(actionsOf).sort();

/**
 * CDK's own Lambda function: the BucketDeployment handler (Python with the AWS CLI layer) that
 * uploads the dashboard. CDK creates it once per stack, at stack level beside Reach, with the logical
 * id `CustomCDKBucketDeployment<uuid>`; its runtime and code are aws-cdk-lib's, not Reach's. The
 * function and least-privilege checks below are about Reach's own functions, so they leave it (and
 * the role the Site gives it) out by name, and check it on its own.
 */
const DEPLOY_HANDLER_PREFIX = 'CustomCDKBucketDeployment';
const lambdas = ofType(resources, 'AWS::Lambda::Function');
const deployHandlers = lambdas.filter(([id]) => id.startsWith(DEPLOY_HANDLER_PREFIX));
const reachLambdas = lambdas.filter(([id]) => !id.startsWith(DEPLOY_HANDLER_PREFIX));
const site = stack.reach.site;
if (site === undefined) throw new Error('the dev stage hosts the dashboard: the Site should exist');
const siteLogicalId = (childId: string): string => built.logicalId(site.node.findChild(childId).node.defaultChild as CfnElement);
const deployRoleLogicalId = siteLogicalId('DeployRole');
const isDeployRoleStatement = (s: { roles: unknown[] }): boolean => s.roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: deployRoleLogicalId }));

describe('tables', () => {
  it.each(tables.map((t) => [t.id, t] as const))('%s: on demand, PITR, CMK encryption, TTL, GSIs, retained, stable logical id', (_id, def) => {
    const table = resources[tableLogicalId(def)];
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
    const p = table?.Properties ?? {};
    expect(p['BillingMode']).toBe('PAY_PER_REQUEST');
    expect(p['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p['SSESpecification']).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [KEY_LOGICAL_ID, 'Arn'] } });
    expect(p['KeySchema']).toEqual([
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
    ]);
    if (def.ttlAttribute) expect(p['TimeToLiveSpecification']).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
    else expect(p['TimeToLiveSpecification']).toBeUndefined();
    const gsis = (p['GlobalSecondaryIndexes'] ?? []) as Array<Record<string, unknown>>;
    expect(gsis.map((g) => g['IndexName'])).toEqual(def.indexes.map((i) => i.name));
    for (const index of def.indexes) {
      expect(gsis.find((g) => g['IndexName'] === index.name)?.['KeySchema']).toEqual([
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
      ]);
    }
  });
});

describe('queues', () => {
  it.each(queues.map((q) => [q.id, q] as const))('%s: DLQ, encryption, TLS only, DLQ alarm, event source reporting batch item failures', (_id, def) => {
    const ids = queueLogicalIds(def.id);
    const queue = resources[ids.queue];
    const dlq = resources[ids.deadLetterQueue];
    expect(queue?.Type).toBe('AWS::SQS::Queue');
    expect(dlq?.Type).toBe('AWS::SQS::Queue');
    expect(queue?.Properties?.['RedrivePolicy']).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [ids.deadLetterQueue, 'Arn'] }, maxReceiveCount: def.maxReceiveCount });
    expect(queue?.Properties?.['VisibilityTimeout']).toBe(def.visibilityTimeoutSeconds);
    expect(queue?.Properties?.['SqsManagedSseEnabled']).toBe(true);
    expect(dlq?.Properties?.['SqsManagedSseEnabled']).toBe(true);

    for (const logicalId of [ids.queue, ids.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.deadLetterQueue, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: Match.anyValue(),
    });

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      FunctionName: { Ref: fnLogicalId(def.consumer) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: def.batchSize,
      ScalingConfig: { MaximumConcurrency: def.maxConcurrency },
      ...(def.maxBatchingWindowSeconds > 0 && { MaximumBatchingWindowInSeconds: def.maxBatchingWindowSeconds }),
    });
  });

  it('has one work queue and one dead-letter queue per topology queue, nothing else', () => {
    expect(ofType(resources, 'AWS::SQS::Queue')).toHaveLength(queues.length * 2);
    expect(ofType(resources, 'AWS::Lambda::EventSourceMapping')).toHaveLength(queues.length);
  });
});

describe('functions', () => {
  it.each(functions.map((f) => [f.id, f] as const))('%s: nodejs22.x on arm64, tracing, memory/timeout from topology, full runtime env', (id, def) => {
    const fn = resources[fnLogicalId(id)];
    const p = fn?.Properties ?? {};
    expect(p['Runtime']).toBe('nodejs22.x');
    expect(p['Architectures']).toEqual(['arm64']);
    expect(p['TracingConfig']).toEqual({ Mode: 'Active' });
    expect(p['MemorySize']).toBe(def.memoryMb);
    expect(p['Timeout']).toBe(def.timeoutSeconds);
    expect(p['Handler']).toBe('index.handler');
    expect(p['LoggingConfig']?.['LogGroup']).toBeDefined();

    const env = p['Environment']['Variables'] as Record<string, unknown>;
    expect(env).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'reach-dev',
      POWERTOOLS_METRICS_NAMESPACE: 'Reach',
      STAGE: 'dev',
      PLATFORM_SECRET_PREFIX: 'reach/dev/platforms/',
      TOKEN_SECRET_PREFIX: 'reach/dev/tokens/',
      TOKEN_KMS_KEY_ID: { 'Fn::GetAtt': [KEY_LOGICAL_ID, 'Arn'] },
      EVENT_BUS_NAME: { Ref: EVENT_BUS_LOGICAL_ID },
      PUBLIC_API_URL: { 'Fn::GetAtt': [built.logicalId(stack.api.httpApi.node.defaultChild as CfnElement), 'ApiEndpoint'] },
      ENABLED_PLATFORMS: PROVIDER_IDS.join(','),
      HISTORY_RETENTION_DAYS: '400',
      ADMIN_GROUP: 'admin',
      MEDIA_BUCKET: { Ref: MEDIA_BUCKET_LOGICAL_ID },
    });
    for (const t of tables) expect(env[tableEnv(t.id)]).toEqual({ Ref: tableLogicalId(t) });
    for (const q of queues) expect(env[queueEnv(q.id)]).toEqual({ Ref: queueLogicalIds(q.id).queue });

    // What the function itself will parse at cold start: tokens resolve to strings at deploy time.
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : `https://resolved.example/${k}`]));
    expect(() => parseEnv(resolved)).not.toThrow();
  });

  it('gives each function its own log group with retention, and no AWS managed policy', () => {
    for (const f of functions) {
      const logGroupRef = resources[fnLogicalId(f.id)]?.Properties?.['LoggingConfig']?.['LogGroup'] as { Ref: string };
      expect(resources[logGroupRef.Ref]?.Properties?.['RetentionInDays']).toBe(90);
    }
    for (const [, role] of ofType(resources, 'AWS::IAM::Role')) expect(role.Properties?.['ManagedPolicyArns']).toBeUndefined();
    // Reach's functions are exactly the topology's, all on Node.js; the one other function is CDK's
    // BucketDeployment handler (DEPLOY_HANDLER_PREFIX), which runs on the role and log group the Site gives it.
    expect(reachLambdas.map(([id]) => id).sort()).toEqual(functions.map((f) => fnLogicalId(f.id)).sort());
    for (const [, fn] of reachLambdas) expect(fn.Properties?.['Runtime']).toMatch(/^nodejs/);
    expect(deployHandlers).toHaveLength(1);
    expect(lambdas).toHaveLength(functions.length + 1);
    const deployHandler = deployHandlers[0]?.[1].Properties ?? {};
    expect(deployHandler['Role']).toEqual({ 'Fn::GetAtt': [deployRoleLogicalId, 'Arn'] });
    expect(deployHandler['LoggingConfig']).toEqual({ LogGroup: { Ref: siteLogicalId('DeployLogs') } });
    expect(resources[siteLogicalId('DeployLogs')]?.Properties?.['RetentionInDays']).toBe(90);
  });
});

describe('HTTP API', () => {
  const authorizers = ofType(resources, 'AWS::ApiGatewayV2::Authorizer');
  const integrationOf = (fn: FunctionId): string => {
    const found = ofType(resources, 'AWS::ApiGatewayV2::Integration').find(([, r]) => mentions(r.Properties?.['IntegrationUri'], fnLogicalId(fn)));
    if (!found) throw new Error(`no integration for ${fn}`);
    return found[0];
  };

  it('has one JWT authorizer on the Cognito issuer, accepting the API app client and the dashboard client', () => {
    expect(authorizers).toHaveLength(1);
    expect(stack.auth.client).toBeDefined();
    expect(stack.auth.dashboardClient).toBeDefined();
    expect(authorizers[0]?.[1].Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: { 'Fn::GetAtt': [USER_POOL_LOGICAL_ID, 'ProviderURL'] },
        // Exactly these two (toMatchObject compares arrays element by element, length included).
        Audience: [
          { Ref: built.logicalId(stack.auth.client?.node.defaultChild as CfnElement) },
          { Ref: built.logicalId(stack.auth.dashboardClient?.node.defaultChild as CfnElement) },
        ],
      },
    });
  });

  it.each(routes.map((r) => [routeKey(r), r] as const))('%s', (key, r) => {
    const matches = ofType(resources, 'AWS::ApiGatewayV2::Route').filter(([, res]) => res.Properties?.['RouteKey'] === key);
    expect(matches).toHaveLength(1);
    const p = matches[0]?.[1].Properties ?? {};
    if (r.auth === 'public') {
      expect(p['AuthorizationType']).toBe('NONE');
      expect(p['AuthorizerId']).toBeUndefined();
    } else {
      expect(p['AuthorizationType']).toBe('JWT');
      expect(p['AuthorizerId']).toEqual({ Ref: authorizers[0]?.[0] });
    }
    expect(p['Target']).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationOf(r.fn) }]] });
  });

  it('routes exactly the topology and throttles and logs the $default stage', () => {
    expect(ofType(resources, 'AWS::ApiGatewayV2::Route')).toHaveLength(routes.length);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
    });
  });
});

describe('schedules and events', () => {
  it.each(schedules.map((s) => [s.id, s] as const))('%s: rule at its rate, targeting its function with the input as detail', (_id, def) => {
    const expression = 'minutes' in def.every
      ? `rate(${def.every.minutes === 60 ? '1 hour' : def.every.minutes === 1 ? '1 minute' : `${def.every.minutes} minutes`})`
      : `cron(0 ${def.every.dailyAtUtcHour} * * ? *)`;
    const rule = ofType(resources, 'AWS::Events::Rule').find(([, r]) => {
      const target = r.Properties?.['Targets']?.[0];
      return target && scheduleTargetInput(target).detail.scheduleId === def.id;
    });
    expect(rule).toBeDefined();
    const p = rule?.[1].Properties ?? {};
    expect(p['ScheduleExpression']).toBe(expression);
    expect(p['EventBusName']).toBeUndefined();
    const target = p['Targets'][0];
    expect(target['Arn']).toEqual({ 'Fn::GetAtt': [fnLogicalId(def.target), 'Arn'] });
    expect(scheduleTargetInput(target)).toEqual({ id: MAPPED_EVENT_ID, 'detail-type': 'Scheduled Event', source: 'reach.schedule', detail: { scheduleId: def.id, ...def.input } });
  });

  it('creates the reach-{stage} bus with a stable logical id', () => {
    expect(resources[EVENT_BUS_LOGICAL_ID]).toMatchObject({ Type: 'AWS::Events::EventBus', Properties: { Name: 'reach-dev' } });
  });
});

describe('secrets and key', () => {
  it('has one customer-managed key with rotation, retained, with a stable logical id', () => {
    expect(ofType(resources, 'AWS::KMS::Key')).toHaveLength(1);
    expect(resources[KEY_LOGICAL_ID]).toMatchObject({ Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
  });

  it.each(PROVIDER_IDS.map((p) => [p]))('%s: one platform secret with the JSON template, encrypted with the key', (platform) => {
    expect(resources[platformSecretLogicalId(platform)]).toMatchObject({
      Type: 'AWS::SecretsManager::Secret',
      DeletionPolicy: 'Retain',
      Properties: {
        Name: `${PLATFORM_SECRET_PREFIX}${platform}`,
        SecretString: JSON.stringify(PLATFORM_SECRET_TEMPLATE),
        KmsKeyId: { 'Fn::GetAtt': [KEY_LOGICAL_ID, 'Arn'] },
      },
    });
    expect(JSON.parse(JSON.stringify(PLATFORM_SECRET_TEMPLATE))).toEqual({ clientId: '', clientSecret: '', webhookSecret: '', verifyToken: '' });
  });

  it('has no other secrets', () => {
    expect(ofType(resources, 'AWS::SecretsManager::Secret')).toHaveLength(PROVIDER_IDS.length);
  });
});

describe('stable logical ids of stateful resources', () => {
  it('keeps tables, queues, key, secrets, user pool and bus at fixed ids', () => {
    const fixed: Array<[string, string]> = [
      ...tables.map((t): [string, string] => [tableLogicalId(t), 'AWS::DynamoDB::Table']),
      ...queues.flatMap((q): Array<[string, string]> => [
        [queueLogicalIds(q.id).queue, 'AWS::SQS::Queue'],
        [queueLogicalIds(q.id).deadLetterQueue, 'AWS::SQS::Queue'],
      ]),
      [KEY_LOGICAL_ID, 'AWS::KMS::Key'],
      ...PROVIDER_IDS.map((p): [string, string] => [platformSecretLogicalId(p), 'AWS::SecretsManager::Secret']),
      [USER_POOL_LOGICAL_ID, 'AWS::Cognito::UserPool'],
      [EVENT_BUS_LOGICAL_ID, 'AWS::Events::EventBus'],
      [MEDIA_BUCKET_LOGICAL_ID, 'AWS::S3::Bucket'],
    ];
    for (const [id, type] of fixed) expect({ id, type: resources[id]?.Type }).toEqual({ id, type });
    // The literal names, so a change to the id helpers themselves is caught too.
    expect(Object.keys(resources)).toEqual(
      expect.arrayContaining(['ConnectionsTable', 'SyncQueue', 'SyncDeadLetterQueue', 'DataKey', 'PlatformSecretGoogleBusiness', 'UserPool', 'EventBus', 'MediaBucket']),
    );
  });
});

describe('media bucket', () => {
  const bucket = resources[MEDIA_BUCKET_LOGICAL_ID];
  const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [MEDIA_BUCKET_LOGICAL_ID, 'Arn'] }, `/${MEDIA_KEY_PREFIX}*`]] };
  const s3Statements = (id: FunctionId): Statement[] => statementsOf(id).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));

  it('is private, S3-encrypted, unversioned, retained, and expires uploads after 30 days', () => {
    // The media bucket and the dashboard's two (the page and its CloudFront access logs), nothing else.
    expect(ofType(resources, 'AWS::S3::Bucket').map(([id]) => id).sort()).toEqual([MEDIA_BUCKET_LOGICAL_ID, siteLogicalId('AccessLogs'), siteLogicalId('Bucket')].sort());
    expect(bucket).toMatchObject({ Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const p = bucket?.Properties ?? {};
    expect(p['PublicAccessBlockConfiguration']).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(p['OwnershipControls']).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(p['BucketEncryption']).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(p['VersioningConfiguration']).toBeUndefined();
    expect(MEDIA_EXPIRY_DAYS).toBe(30);
    expect(p['LifecycleConfiguration']['Rules']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: MEDIA_KEY_PREFIX, ExpirationInDays: 30, Status: 'Enabled' }),
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
      ]),
    );
    // No return URL configured: no browser origin may upload.
    expect(p['CorsConfiguration']).toBeUndefined();
  });

  it('has the dashboard site buckets private too', () => {
    for (const id of [siteLogicalId('Bucket'), siteLogicalId('AccessLogs')]) {
      expect({ id, block: resources[id]?.Properties?.['PublicAccessBlockConfiguration'] }).toEqual({
        id,
        block: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
    }
  });

  it('refuses requests that are not over TLS 1.2 or newer', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: MEDIA_BUCKET_LOGICAL_ID },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('lets the API sign uploads and reads and the publish worker sign reads, and no other function touch it', () => {
    const holders = functions.map((f) => f.id).filter((id) => s3Statements(id).length > 0).sort();
    expect(holders).toEqual(['api', 'publishWorker']);
    const grants = (id: FunctionId) => s3Statements(id).map((s) => ({ actions: actionsOf(s).sort(), resources: resourcesOf(s) }));
    expect(grants('api')).toEqual(
      expect.arrayContaining([
        { actions: ['s3:GetObject', 's3:PutObject'], resources: [objects] },
        { actions: ['s3:ListBucket'], resources: [{ 'Fn::GetAtt': [MEDIA_BUCKET_LOGICAL_ID, 'Arn'] }] },
      ]),
    );
    expect(grants('api')).toHaveLength(2);
    expect(grants('publishWorker')).toEqual([
      { actions: ['s3:GetObject'], resources: [objects] },
      { actions: ['s3:ListBucket'], resources: [{ 'Fn::GetAtt': [MEDIA_BUCKET_LOGICAL_ID, 'Arn'] }] },
    ]);
  });

  it('scopes the grants to the key prefix the media store really writes under', async () => {
    const s3 = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      endpoint: 'https://s3.example.test',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const url = new URL(await new S3MediaStore(s3, 'bucket').uploadUrl({ userId: 'u1', mediaId: 'm1' }, { contentType: 'image/png', size: 1 }, 60));
    expect(url.pathname.startsWith(`/bucket/${MEDIA_KEY_PREFIX}`)).toBe(true);
    s3.destroy();
  });
});

describe('IAM least privilege', () => {
  // Reach's function roles only: the BucketDeployment handler's role carries CDK's own grants (below).
  const all = iamStatements(resources).filter((s) => !isDeployRoleStatement(s));
  const deployStatements = iamStatements(resources)
    .filter(isDeployRoleStatement)
    .map((s) => s.statement);

  it('gives CDK\'s BucketDeployment role Resource "*" only for the CloudFront invalidation it runs after each upload', () => {
    expect(iamStatements(resources).filter(isDeployRoleStatement).every((s) => s.roles.length === 1)).toBe(true);
    // BucketDeployment grants these two on '*' itself (CloudFront would accept the distribution's ARN;
    // CDK does not narrow it). Every other statement of the role names its own resources.
    const wildcard = deployStatements.filter((s) => resourcesOf(s).includes('*'));
    expect(wildcard).toEqual([{ Effect: 'Allow', Action: expect.any(Array), Resource: '*' }]);
    expect(wildcard.flatMap(actionsOf).sort()).toEqual(['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation']);
    expect(deployStatements.length).toBeGreaterThan(wildcard.length);
  });

  it('uses Resource "*" only for the X-Ray actions that have no resource type', () => {
    const wildcard = all.filter((s) => resourcesOf(s.statement).includes('*'));
    expect(wildcard.length).toBeGreaterThan(0);
    for (const s of wildcard) expect(actionsOf(s.statement).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('never grants a wildcard action or a whole-table index wildcard', () => {
    for (const s of all) {
      for (const action of actionsOf(s.statement)) expect(action).not.toMatch(/\*/);
      expect(mentions(s.statement.Resource, '/index/*')).toBe(false);
    }
  });

  it('lets only the functions that handle tokens touch token secrets, writing and deleting only where needed', () => {
    const holders = functions.map((f) => f.id).filter((id) => tokenActions(id).length > 0).sort();
    expect(holders).toEqual(['analyticsPlanner', 'api', 'oauth', 'publishWorker', 'syncWorker', 'tokenWorker', 'webhookWorker', 'webhooks']);
    expect(tokenActions('oauth')).toEqual(['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource']);
    expect(tokenActions('tokenWorker')).toEqual(['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource']);
    expect(tokenActions('api')).toEqual(['secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue']);
    expect(tokenActions('webhookWorker')).toEqual(['secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue']);
    expect(tokenActions('syncWorker')).toEqual(['secretsmanager:GetSecretValue']);
    expect(tokenActions('publishWorker')).toEqual(['secretsmanager:GetSecretValue']);
    expect(tokenActions('analyticsPlanner')).toEqual(['secretsmanager:GetSecretValue']);
    // A deauthorize callback ends the grant: the tokens go at once, and nobody reads them again.
    expect(tokenActions('webhooks')).toEqual(['secretsmanager:DeleteSecret']);
  });

  it('lets only the functions that send to a queue send to it', () => {
    const senders = (queueId: (typeof queues)[number]['id']): string[] =>
      functions
        .map((f) => f.id)
        .filter((id) => statementsOf(id).some((s) => actionsOf(s).includes('sqs:SendMessage') && mentions(s.Resource, queueLogicalIds(queueId).queue)))
        .sort();
    expect(senders('sync')).toEqual(['api', 'oauth', 'syncPlanner', 'webhookWorker']);
    expect(senders('publish')).toEqual(['api', 'publishPlanner']);
    expect(senders('refresh')).toEqual(['api', 'tokenPlanner']);
    expect(senders('webhookEvents')).toEqual(['webhooks']);
    for (const f of functions) {
      for (const s of statementsOf(f.id)) if (actionsOf(s).includes('sqs:SendMessage')) expect(mentions(s.Resource, 'DeadLetterQueue')).toBe(false);
    }
  });

  it('lets the planners query their due index and nothing but the table they plan from', () => {
    const plan: Array<[FunctionId, string, string]> = [
      ['syncPlanner', 'ConnectionsTable', 'bySyncDue'],
      ['tokenPlanner', 'ConnectionsTable', 'byTokenDue'],
      ['publishPlanner', 'PostsTable', 'byDue'],
    ];
    for (const [id, table, index] of plan) {
      const dynamo = statementsOf(id).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
      expect(dynamo.some((s) => actionsOf(s).includes('dynamodb:Query') && mentions(s.Resource, `/index/${index}`))).toBe(true);
      const tablesTouched = tables.map((t) => tableLogicalId(t)).filter((t) => dynamo.some((s) => mentions(s.Resource, `"${t}"`)));
      expect(tablesTouched).toEqual([table]);
      expect(statementsOf(id).some((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')))).toBe(false);
    }
    for (const id of ['syncPlanner', 'tokenPlanner'] as const) {
      const writes = statementsOf(id).flatMap(actionsOf).filter((a) => ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'].includes(a));
      expect({ id, writes }).toEqual({ id, writes: [] });
    }
  });

  const dynamoOf = (id: FunctionId): Statement[] => statementsOf(id).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
  const tablesWith = (id: FunctionId, action: string): string[] =>
    tables.filter((t) => dynamoOf(id).some((s) => actionsOf(s).includes(action) && mentions(s.Resource, `"${tableLogicalId(t)}"`))).map((t) => t.id);
  const queries = (id: FunctionId, index: string): boolean => dynamoOf(id).some((s) => actionsOf(s).includes('dynamodb:Query') && mentions(s.Resource, `/index/${index}`));

  it('gives the analytics planner the due index, the tables it refreshes and the tokens it calls with', () => {
    expect(queries('analyticsPlanner', 'byDue')).toBe(true);
    expect(tablesWith('analyticsPlanner', 'dynamodb:GetItem')).toEqual(['Connections', 'History', 'Posts']);
    // Metrics and next stage on the target, points in History, reauth_required on a refused grant.
    expect(tablesWith('analyticsPlanner', 'dynamodb:UpdateItem')).toEqual(['Connections', 'History', 'Posts']);
    expect(statementsOf('analyticsPlanner').some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && mentions(s.Resource, platformSecretLogicalId('instagram')))).toBe(true);
    expect(statementsOf('analyticsPlanner').some((s) => actionsOf(s).some((a) => a.startsWith('sqs:Send')))).toBe(false);
  });

  it('matches the publishing engine: the worker marks connections, nobody keeps an unused Control grant', () => {
    expect(tablesWith('publishPlanner', 'dynamodb:UpdateItem')).toEqual(['Posts']);
    expect(tablesWith('publishWorker', 'dynamodb:UpdateItem')).toEqual(['Connections', 'Posts']);
    expect(tablesWith('api', 'dynamodb:UpdateItem')).toEqual(['Connections', 'History', 'Posts', 'Jobs', 'Control']);
    expect(queries('api', 'byStatus')).toBe(true);
    expect(queries('api', 'byDue')).toBe(false);
  });

  it('matches the webhook pipeline: the receiver revokes and records, the worker routes by account and queues syncs', () => {
    expect(tablesWith('webhooks', 'dynamodb:UpdateItem')).toEqual(['Connections', 'Events', 'Control']);
    expect(queries('webhooks', 'byPlatformAccount')).toBe(false);
    expect(queries('webhookWorker', 'byPlatformAccount')).toBe(true);
    expect(tablesWith('webhookWorker', 'dynamodb:UpdateItem')).toEqual(['Connections', 'History', 'Posts', 'Events', 'Control']);
  });

  it('lets only the API scan, on Connections only (admin selections and stats)', () => {
    const scanners = functions.map((f) => f.id).filter((id) => dynamoOf(id).some((s) => actionsOf(s).includes('dynamodb:Scan')));
    expect(scanners).toEqual(['api']);
    expect(tablesWith('api', 'dynamodb:Scan')).toEqual(['Connections']);
  });

  it('lets only the API read queue backlogs, of the work queues only', () => {
    // Senders and consumers get GetQueueAttributes with their grants; this is the statement of its own.
    const statsOnly = (s: Statement): boolean => JSON.stringify(actionsOf(s)) === JSON.stringify(['sqs:GetQueueAttributes']);
    const readers = functions.map((f) => f.id).filter((id) => statementsOf(id).some(statsOnly));
    expect(readers).toEqual(['api']);
    const read = statementsOf('api').filter(statsOnly);
    for (const q of queues) expect(read.some((s) => mentions(s.Resource, `"${queueLogicalIds(q.id).queue}"`))).toBe(true);
    for (const s of read) expect(mentions(s.Resource, 'DeadLetterQueue')).toBe(false);
  });

  it('lets every function that emits a Reach event put events on the bus, and only those', () => {
    const emitters = functions.map((f) => f.id).filter((id) => statementsOf(id).some((s) => actionsOf(s).includes('events:PutEvents'))).sort();
    expect(emitters).toEqual(['analyticsPlanner', 'api', 'oauth', 'publishPlanner', 'publishWorker', 'syncWorker', 'tokenWorker', 'webhookWorker', 'webhooks']);
    for (const id of emitters) {
      for (const s of statementsOf(id)) if (actionsOf(s).includes('events:PutEvents')) expect(resourcesOf(s)).toEqual([{ 'Fn::GetAtt': [EVENT_BUS_LOGICAL_ID, 'Arn'] }]);
    }
  });

  it('uses the key through DynamoDB and Secrets Manager only', () => {
    for (const { statement } of all) {
      if (!actionsOf(statement).some((a) => a.startsWith('kms:'))) continue;
      expect(mentions(statement.Condition, 'kms:ViaService')).toBe(true);
    }
  });
});

describe('monitoring', () => {
  it('has a dashboard, an error-rate alarm per function and an encrypted, TLS-only alarm topic', () => {
    expect(ofType(resources, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
    for (const f of functions) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: Match.arrayWith([Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnLogicalId(f.id) } }] }) }) })]),
        AlarmActions: Match.anyValue(),
      });
    }
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [KEY_LOGICAL_ID, 'Arn'] } });
    expect(ofType(resources, 'AWS::SNS::Subscription')).toHaveLength(0);
    const dashboard = JSON.stringify(ofType(resources, 'AWS::CloudWatch::Dashboard')[0]?.[1].Properties?.['DashboardBody']);
    for (const q of queues) expect(dashboard).toContain(queueLogicalIds(q.id).deadLetterQueue);
    expect(dashboard).toContain('ApproximateAgeOfOldestMessage');
  });
});

describe('with an OIDC issuer and options', () => {
  const oidc = buildStack({
    stage: 'prod',
    authIssuer: 'https://login.example.com/',
    authAudience: 'reach-api,reach-cli',
    enabledPlatforms: 'instagram,x',
    returnUrlAllowlist: 'https://app.example.com',
    defaultReturnUrl: 'https://app.example.com/connected',
    alarmEmail: 'ops@example.com',
  });

  it('uses the given issuer and audience and creates no user pool', () => {
    oidc.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://login.example.com/', Audience: ['reach-api', 'reach-cli'] },
    });
    oidc.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    oidc.template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
  });

  it('creates secrets for the enabled platforms only and passes the options to every function', () => {
    const secrets = ofType(oidc.resources, 'AWS::SecretsManager::Secret').map(([, r]) => r.Properties?.['Name']).sort();
    expect(secrets).toEqual(['reach/prod/platforms/instagram', 'reach/prod/platforms/x']);
    for (const [, fn] of ofType(oidc.resources, 'AWS::Lambda::Function')) {
      expect(fn.Properties?.['Environment']['Variables']).toMatchObject({
        STAGE: 'prod',
        ENABLED_PLATFORMS: 'instagram,x',
        RETURN_URL_ALLOWLIST: 'https://app.example.com',
        DEFAULT_RETURN_URL: 'https://app.example.com/connected',
      });
    }
    oidc.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'reach-prod' });
  });

  it('lets the return-URL origins PUT and GET media from a browser', () => {
    oidc.template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [{ AllowedMethods: ['PUT', 'GET'], AllowedOrigins: ['https://app.example.com'], AllowedHeaders: ['content-type'], ExposedHeaders: ['ETag'], MaxAge: 3000 }],
      },
    });
  });

  it('subscribes the alarm email to the alarm topic', () => {
    oidc.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});
