/**
 * The `Reach` construct in a team's own CDK app: it validates its props like the CDK context (and
 * names the prop at fault), passes cdk-nag in a foreign stack, applies schedule overrides,
 * platforms, token store and retention, exposes what a team wires to, keeps the logical ids the
 * stack had before the construct existed, and two stages in one app share no physical name.
 */
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';
import { PLANNER_AHEAD_MINUTES } from '../../functions/core/use-cases/publish';
import { TIER_MINUTES } from '../../functions/core/use-cases/sync';
import { PROVIDER_IDS } from '../../functions/providers/types';
import { configFromProps, SCHEDULE_RULES, stageConfig, type ReachProps } from '../../lib/config';
import { Reach, ReachStack } from '../../lib/index';
import { schedules as topologySchedules, tables } from '../../lib/topology';
import { ofType, scheduleTargetInput, type CfnResourceJson } from './template';

/** Fast synth: no CloudFormation schema validation and no asset bundling (the nag test does both). */
const quickApp = (): App => new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });

/** A team's stack: its own resources next to Reach, and a rule on Reach's bus feeding its own queue. */
class TeamStack extends Stack {
  readonly reach: Reach;
  readonly published: Queue;

  constructor(scope: Construct, id: string, props: ReachProps) {
    super(scope, id, { description: 'A team app that embeds Reach' });
    this.reach = new Reach(this, 'Reach', props);
    const dlq = new Queue(this, 'PublishedDlq', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
    this.published = new Queue(this, 'Published', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
    });
    new Rule(this, 'OnPostPublished', {
      eventBus: this.reach.eventBus,
      eventPattern: { detailType: ['post.published'] },
      targets: [new SqsQueue(this.published)],
    });
  }
}

const resourcesOf = (stack: Stack): Record<string, CfnResourceJson> => Template.fromStack(stack).toJSON()['Resources'] as Record<string, CfnResourceJson>;

const teamProps: ReachProps = {
  stage: 'team',
  platforms: ['instagram', 'youtube'],
  tokenStore: 'dynamodb-kms',
  schedules: { syncPlanner: { minutes: 15 }, analyticsPlanner: false, dailySnapshot: { dailyAtUtcHour: 3 } },
  retention: { historyDays: 30, snapshotDays: 365, logDays: 30 },
  returnUrls: ['https://app.team.example/connected'],
  alarmEmail: 'ops@team.example',
};
const teamApp = quickApp();
const team = new TeamStack(teamApp, 'TeamApp', teamProps);
const teamResources = resourcesOf(team);

/** The schedule rules of a template, by the schedule id their input carries. */
const scheduleRules = (resources: Record<string, CfnResourceJson>): Map<string, string> =>
  new Map(
    ofType(resources, 'AWS::Events::Rule')
      .filter(([, r]) => r.Properties?.['ScheduleExpression'] !== undefined)
      .map(([, r]) => [scheduleTargetInput(r.Properties?.['Targets'][0]).detail.scheduleId as string, r.Properties?.['ScheduleExpression'] as string]),
  );

/**
 * CDK's own Lambda function: the BucketDeployment handler (Python, AWS CLI layer) that uploads the
 * hosted dashboard. CDK creates it once per stack, at stack level (`Custom::CDKBucketDeployment<uuid>`,
 * logical id `CustomCDKBucketDeployment<uuid>`), outside the Reach construct; it is not one of
 * Reach's functions and carries none of their environment, so it is left out here by name.
 */
const DEPLOY_HANDLER_ID_PREFIX = 'Custom::CDKBucketDeployment';
const DEPLOY_HANDLER_LOGICAL_ID_PREFIX = 'CustomCDKBucketDeployment';

/** The environments of Reach's own functions (all Node.js): every function but CDK's deployment handler. */
const functionEnvironments = (resources: Record<string, CfnResourceJson>): Array<Record<string, unknown>> => {
  const all = ofType(resources, 'AWS::Lambda::Function');
  const own = all.filter(([id]) => !id.startsWith(DEPLOY_HANDLER_LOGICAL_ID_PREFIX));
  // Exactly one is left out, and what remains is all Node.js (a second foreign function would fail here).
  expect(all.length - own.length).toBe(1);
  for (const [, fn] of own) expect(fn.Properties?.['Runtime']).toMatch(/^nodejs/);
  return own.map(([, fn]) => fn.Properties?.['Environment']['Variables'] as Record<string, unknown>);
};

/** The stack-level singleton handler of the BucketDeployment, found by its construct id. */
const deployHandlerOf = (stack: Stack): IConstruct => {
  const handlers = stack.node.children.filter((c) => c.node.id.startsWith(DEPLOY_HANDLER_ID_PREFIX));
  expect(handlers).toHaveLength(1);
  const handler = handlers[0];
  if (handler === undefined) throw new Error(`${stack.node.path} has no BucketDeployment handler`);
  return handler;
};

/** The rule ids acknowledged directly on a construct (`Validations.acknowledge` records them as metadata). */
const acknowledgedRuleIds = (scope: IConstruct): string[] =>
  scope.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data as Record<string, string>))
    // Recorded as `Annotation::<rule id>`.
    .map((id) => id.slice(id.indexOf('::') + 2));

describe('Reach in a team stack', () => {
  it('passes cdk-nag AwsSolutions with no unacknowledged finding, its acknowledgements attached to its own resources', () => {
    const result = new AwsSolutionsChecks(teamApp).validateScope(teamApp);
    const findings = result.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
    expect(result.success).toBe(true);

    // Without the acknowledgements there are findings, and every one sits inside the construct:
    // the acknowledgements travel with Reach, none is on the team's stack. The one exception is
    // CDK's BucketDeployment handler (DEPLOY_HANDLER_ID_PREFIX), which CDK itself puts at stack
    // level: its findings are exactly the rules the Site acknowledges on that handler.
    const raw = new AwsSolutionsChecks(teamApp);
    Object.defineProperty(raw, 'isAcknowledged', { value: () => false });
    const rawFindings = raw.validateScope(teamApp).violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
    expect(rawFindings.length).toBeGreaterThan(0);
    const handlerPath = `${deployHandlerOf(team).node.path}/Resource`;
    const outside = rawFindings.filter((f) => !f.path.startsWith(`${team.reach.node.path}/`));
    expect(outside.map((f) => f.path)).toEqual(outside.map(() => handlerPath));
    const handlerRules = [...new Set(outside.map((f) => f.rule))].sort();
    expect(handlerRules).toEqual(['AwsSolutions-L1']);
    expect(handlerRules).toEqual([...new Set(acknowledgedRuleIds(deployHandlerOf(team)))].sort());
  });

  it('runs the schedules with the overridden cadences and without the turned-off one', () => {
    const rules = scheduleRules(teamResources);
    expect(Object.fromEntries(rules)).toEqual({
      publishPlanner: 'rate(1 minute)',
      syncPlanner: 'rate(15 minutes)',
      dailySnapshot: 'cron(0 3 * * ? *)',
      tokenPlanner: 'rate(1 hour)',
    });
    expect(team.reach.config.schedules.map((s) => s.id)).toEqual(['publishPlanner', 'syncPlanner', 'dailySnapshot', 'tokenPlanner']);
  });

  it('creates secrets for the chosen platforms only and tells every function which they are', () => {
    const names = ofType(teamResources, 'AWS::SecretsManager::Secret').map(([, r]) => r.Properties?.['Name']).sort();
    expect(names).toEqual(['reach/team/platforms/instagram', 'reach/team/platforms/youtube']);
    for (const env of functionEnvironments(teamResources)) expect(env['ENABLED_PLATFORMS']).toBe('instagram,youtube');
  });

  it('passes the token store and the retention to every function, and the log retention to every log group', () => {
    expect(team.reach.config).toMatchObject({ tokenStore: 'dynamodb-kms', historyRetentionDays: 30, snapshotRetentionDays: 365, logRetentionDays: 30 });
    const environments = functionEnvironments(teamResources);
    expect(environments).toHaveLength(Object.keys(team.reach.functions).length);
    for (const env of environments) {
      expect(env).toMatchObject({ TOKEN_STORE: 'dynamodb-kms', HISTORY_RETENTION_DAYS: '30', SNAPSHOT_RETENTION_DAYS: '365', STAGE: 'team' });
    }
    const logGroups = ofType(teamResources, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(Object.keys(team.reach.functions).length);
    for (const [, group] of logGroups) expect(group.Properties?.['RetentionInDays']).toBe(30);
  });

  it('exposes what a team wires to: API URL, user pool, bus, tables, queues, functions, alarm topic, dashboard', () => {
    const { reach } = team;
    // The logical id in the template (an override included), not the one CDK would allocate.
    const id = (el: unknown): string => team.resolve((el as CfnElement).logicalId) as string;
    expect(team.resolve(reach.apiUrl)).toEqual({ 'Fn::GetAtt': [id(reach.api.node.defaultChild), 'ApiEndpoint'] });
    expect(reach.userPool).toBeDefined();
    expect(reach.userPoolClient).toBeDefined();
    expect(Object.keys(reach.tables).sort()).toEqual(tables.map((t) => t.id).sort());
    for (const table of Object.values(reach.tables)) expect(teamResources[id(table.node.defaultChild)]?.Type).toBe('AWS::DynamoDB::Table');
    expect(Object.keys(reach.queues).sort()).toEqual(['publish', 'refresh', 'sync', 'webhookEvents']);
    expect(Object.keys(reach.functions)).toHaveLength(11);
    expect(teamResources[id(reach.alarmTopic.node.defaultChild)]?.Properties?.['DisplayName']).toBe('Reach team alarms');
    expect(teamResources[id(reach.operationsDashboard.node.defaultChild)]?.Type).toBe('AWS::CloudWatch::Dashboard');
    // The team's own rule listens on Reach's bus.
    const rule = ofType(teamResources, 'AWS::Events::Rule').find(([, r]) => String(JSON.stringify(r.Properties?.['EventPattern'])).includes('post.published'));
    expect(rule?.[1].Properties?.['EventBusName']).toEqual({ Ref: 'EventBus' });
    expect(teamResources['EventBus']?.Properties?.['Name']).toBe('reach-team');
  });

  it('uses an OIDC issuer instead of a user pool when given one', () => {
    const stack = new Stack(quickApp(), 'Oidc');
    const reach = new Reach(stack, 'Reach', { auth: { issuer: 'https://login.team.example/', audience: ['team-api'] } });
    expect(reach.userPool).toBeUndefined();
    expect(reach.userPoolClient).toBeUndefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { JwtConfiguration: { Issuer: 'https://login.team.example/', Audience: ['team-api'] } });
  });

  it('refuses a second Reach in the same stack, whose fixed logical ids would collide', () => {
    expect(() => new Reach(team, 'Again', {})).toThrow('One Reach per stack: TeamApp/Again would share logical ids with TeamApp/Reach');
  });
});

describe('invalid props', () => {
  const build = (props: ReachProps): Reach => new Reach(new Stack(quickApp(), 'Invalid'), 'Reach', props);

  it.each<[string, ReachProps, string]>([
    ['stage', { stage: 'Prod_1' }, 'stage: stage: lower-case letters'],
    ['log retention', { retention: { logDays: 10 } }, 'retention.logDays: retention.logDays must be one of 1, 3, 5'],
    ['history retention', { retention: { historyDays: -1 } }, 'retention.historyDays: '],
    ['snapshot retention', { retention: { historyDays: 400, snapshotDays: 100 } }, 'retention.snapshotDays: snapshots cannot expire before the points they summarise'],
    ['audience', { auth: { issuer: 'https://login.example.com/', audience: [] } }, 'auth.audience: auth.audience is required with auth.issuer'],
    ['issuer', { auth: { issuer: 'http://login.example.com/', audience: ['a'] } }, 'auth.issuer: '],
    ['platforms', { platforms: ['instagram', 'myspace'] as unknown as ReachProps['platforms'] }, 'platforms.1: '],
    ['return URLs', { returnUrls: ['not a url'] }, 'returnUrls.0: '],
    ['default return URL', { defaultReturnUrl: 'ftp://files.example.com' }, 'defaultReturnUrl: '],
    ['alarm email', { alarmEmail: 'nobody' }, 'alarmEmail: '],
    ['token store', { tokenStore: 'parameter-store' as unknown as ReachProps['tokenStore'] }, 'tokenStore: '],
    ['dashboard', { dashboard: 'yes' as unknown as boolean }, 'dashboard: '],
    ['a slow publish planner', { schedules: { publishPlanner: { minutes: 5 } } }, `schedules.publishPlanner.minutes: publishPlanner runs at least every ${PLANNER_AHEAD_MINUTES} minutes`],
    ['no publish planner', { schedules: { publishPlanner: false } }, 'schedules.publishPlanner: publishPlanner cannot be turned off: scheduled posts would never go out'],
    ['no token planner', { schedules: { tokenPlanner: false } }, 'schedules.tokenPlanner: tokenPlanner cannot be turned off'],
    ['a slow sync planner', { schedules: { syncPlanner: { minutes: 60 } } }, `schedules.syncPlanner.minutes: syncPlanner runs at least every ${TIER_MINUTES.high} minutes`],
    ['zero minutes', { schedules: { syncPlanner: { minutes: 0 } } }, 'schedules.syncPlanner.minutes: a whole number of minutes, at least 1 (got 0)'],
    ['fractional minutes', { schedules: { analyticsPlanner: { minutes: 2.5 } } }, 'schedules.analyticsPlanner.minutes: a whole number of minutes'],
    ['a rate for the daily snapshot', { schedules: { dailySnapshot: { minutes: 60 } } }, 'schedules.dailySnapshot: dailySnapshot runs once a day: give { dailyAtUtcHour: 0..23 } or false'],
    ['a daily sync planner', { schedules: { syncPlanner: { dailyAtUtcHour: 3 } } }, 'schedules.syncPlanner: syncPlanner runs on a rate, not once a day'],
    ['hour 24', { schedules: { dailySnapshot: { dailyAtUtcHour: 24 } } }, 'schedules.dailySnapshot.dailyAtUtcHour: an hour of the day, 0 to 23 (got 24)'],
    ['an unknown schedule', { schedules: { nightly: false } as unknown as ReachProps['schedules'] }, 'schedules: '],
    ['a malformed cadence', { schedules: { syncPlanner: { hours: 1 } } as unknown as ReachProps['schedules'] }, 'schedules.syncPlanner: give { minutes }, { dailyAtUtcHour } or false'],
    ['a misspelt prop', { platform: ['x'] } as unknown as ReachProps, 'unknown prop platform'],
  ])('%s: throws naming the prop', (_what, props, message) => {
    expect(() => build(props)).toThrow(message);
    expect(() => build(props)).toThrow(/^Invalid Reach props: /);
  });

  it('lists every problem at once', () => {
    expect(() => build({ stage: 'X', alarmEmail: 'nobody', schedules: { tokenPlanner: false } })).toThrow(/stage: .*; alarmEmail: .*; schedules\.tokenPlanner: /);
  });

  it('accepts each schedule at its bounds, and turns off the ones that may be', () => {
    const slowest = Object.fromEntries(
      topologySchedules.map((s) => {
        const rule = SCHEDULE_RULES[s.id];
        return [s.id, rule.maxMinutes !== undefined ? { minutes: rule.maxMinutes.value } : { dailyAtUtcHour: 23 }];
      }),
    );
    expect(configFromProps({ schedules: slowest }).schedules.map((s) => s.every)).toEqual(topologySchedules.map((s) => slowest[s.id]));
    const off = Object.fromEntries(topologySchedules.filter((s) => SCHEDULE_RULES[s.id].required === undefined).map((s) => [s.id, false as const]));
    expect(configFromProps({ schedules: off }).schedules.map((s) => s.id)).toEqual(['publishPlanner', 'tokenPlanner']);
  });

  it('validates exactly as the CDK context does: the same input gives the same configuration', () => {
    const fromProps = configFromProps({
      stage: 'prod',
      auth: { issuer: 'https://login.example.com/', audience: ['reach-api'] },
      platforms: ['x', 'x', 'linkedin'],
      retention: { historyDays: 730, logDays: 365 },
      schedules: { syncPlanner: { minutes: 10 } },
      tokenStore: 'dynamodb-kms',
      returnUrls: ['https://app.example.com'],
      dashboard: false,
    });
    const fromContext = stageConfig({
      stage: 'prod',
      authIssuer: 'https://login.example.com/',
      authAudience: 'reach-api',
      enabledPlatforms: 'x,x,linkedin',
      retentionDays: '730',
      logRetentionDays: '365',
      schedules: '{"syncPlanner":{"minutes":10}}',
      tokenStore: 'dynamodb-kms',
      returnUrlAllowlist: 'https://app.example.com',
      dashboard: 'false',
    });
    expect(fromProps).toEqual(fromContext);
    expect(fromProps).toMatchObject({ enabledPlatforms: ['x', 'linkedin'], snapshotRetentionDays: 1825, dashboard: false });
  });
});

describe('ReachStack built on the construct', () => {
  const app = quickApp();
  const stack = new ReachStack(app, 'Reach-dev', { config: stageConfig({}) });
  const resources = resourcesOf(stack);

  it('keeps the stateful resources at their fixed logical ids, in its own stack and in a team stack', () => {
    const stateful: Array<[string, string]> = [
      ...['Connections', 'History', 'Posts', 'Jobs', 'Events', 'Control'].map((t): [string, string] => [`${t}Table`, 'AWS::DynamoDB::Table']),
      ...['Sync', 'Publish', 'Refresh', 'WebhookEvents'].flatMap((q): Array<[string, string]> => [
        [`${q}Queue`, 'AWS::SQS::Queue'],
        [`${q}DeadLetterQueue`, 'AWS::SQS::Queue'],
      ]),
      ['UserPool', 'AWS::Cognito::UserPool'],
      ['MediaBucket', 'AWS::S3::Bucket'],
      ['DataKey', 'AWS::KMS::Key'],
      ['EventBus', 'AWS::Events::EventBus'],
      ...['Instagram', 'Facebook', 'Youtube', 'Tiktok', 'X', 'Linkedin', 'GoogleBusiness'].map((p): [string, string] => [`PlatformSecret${p}`, 'AWS::SecretsManager::Secret']),
    ];
    expect(PROVIDER_IDS).toHaveLength(7);
    for (const [id, type] of stateful) expect({ id, type: resources[id]?.Type }).toEqual({ id, type });
    for (const [id, type] of stateful.filter(([sid]) => !/^PlatformSecret(Facebook|Tiktok|X|Linkedin|GoogleBusiness)$/.test(sid))) {
      expect({ id, type: teamResources[id]?.Type }).toEqual({ id, type });
    }
  });

  it('gives every other resource the logical id it had when the features sat directly on the stack', () => {
    // Ids CDK derived from the construct paths before `Reach` existed (taken from that template):
    // stateless, but replacing them on an upgrade would still cut traffic or lose log history.
    const before: Array<[string, string]> = [
      ['ApiFunction4B3D74B1', 'AWS::Lambda::Function'],
      ['ApiOauthFunction0881CDCF', 'AWS::Lambda::Function'],
      ['WebhooksFunction955C5DDC', 'AWS::Lambda::Function'],
      ['SyncSyncPlannerFunction0768C783', 'AWS::Lambda::Function'],
      ['SyncSyncWorkerFunction0653FDCD', 'AWS::Lambda::Function'],
      ['PublishingPublishPlannerFunctionDA2B9133', 'AWS::Lambda::Function'],
      ['PublishingPublishWorkerFunction7A24F4AA', 'AWS::Lambda::Function'],
      ['PublishingAnalyticsPlannerFunction79934005', 'AWS::Lambda::Function'],
      ['TokensTokenPlannerFunctionBF4C76FF', 'AWS::Lambda::Function'],
      ['TokensTokenWorkerFunction57EC39A6', 'AWS::Lambda::Function'],
      ['WebhooksWebhookWorkerFunctionA64F688E', 'AWS::Lambda::Function'],
      ['ApiHttpApi4C294DC0', 'AWS::ApiGatewayV2::Api'],
      ['ApiDefaultStage189A7074', 'AWS::ApiGatewayV2::Stage'],
      ['ApiAccessLogs50B185DB', 'AWS::Logs::LogGroup'],
      ['AuthUserPoolClientC635291F', 'AWS::Cognito::UserPoolClient'],
      ['SecretsKeyAlias7844D2A4', 'AWS::KMS::Alias'],
      ['MonitoringAlarmTopicAF62D4F1', 'AWS::SNS::Topic'],
      ['MonitoringDashboard0C3675C6', 'AWS::CloudWatch::Dashboard'],
      ['EventsSchedulepublishPlanner4EA5F230', 'AWS::Events::Rule'],
      ['EventsSchedulesyncPlanner56708717', 'AWS::Events::Rule'],
      ['EventsScheduledailySnapshotE2C62968', 'AWS::Events::Rule'],
      ['EventsScheduletokenPlanner5195F390', 'AWS::Events::Rule'],
      ['EventsScheduleanalyticsPlanner5FB9D090', 'AWS::Events::Rule'],
    ];
    for (const [id, type] of before) expect({ id, type: resources[id]?.Type }).toEqual({ id, type });
    const outputs = Object.keys(Template.fromStack(stack).toJSON()['Outputs'] as Record<string, unknown>);
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrlDDEE0114', 'AuthUserPoolIdC0605E59', 'AuthClientId06B2B464', 'EventsBusName4CBB84C7', 'MediaBucketNameA4F57582', 'MonitoringAlarmTopicArn78A8E021']));
  });

  it('runs the topology schedules at their own cadences by default', () => {
    const rules = scheduleRules(resources);
    expect([...rules.keys()].sort()).toEqual(topologySchedules.map((s) => s.id).sort());
    expect(rules.get('syncPlanner')).toBe('rate(5 minutes)');
    expect(stack.reach.config.schedules).toEqual(topologySchedules);
  });
});

describe('two stages in one app', () => {
  /** Properties that hold a name AWS requires to be unique in an account and region. */
  const NAME_PROPERTIES: Readonly<Record<string, string>> = {
    'AWS::Events::EventBus': 'Name',
    'AWS::KMS::Alias': 'AliasName',
    'AWS::SecretsManager::Secret': 'Name',
    'AWS::DynamoDB::Table': 'TableName',
    'AWS::S3::Bucket': 'BucketName',
    'AWS::SQS::Queue': 'QueueName',
    'AWS::SNS::Topic': 'TopicName',
    'AWS::Lambda::Function': 'FunctionName',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
    'AWS::CloudWatch::Dashboard': 'DashboardName',
    'AWS::Cognito::UserPoolDomain': 'Domain',
  };
  const physicalNames = (resources: Record<string, CfnResourceJson>): string[] =>
    Object.values(resources).flatMap((r) => {
      const property = NAME_PROPERTIES[r.Type];
      const value = property === undefined ? undefined : r.Properties?.[property];
      return value === undefined ? [] : [JSON.stringify(value)];
    });

  const app = quickApp();
  const staging = new TeamStack(app, 'Staging', { stage: 'staging' });
  const prod = new TeamStack(app, 'Prod', { stage: 'prod' });

  it('names the bus and the key alias after the stage', () => {
    const names = (stack: Stack) => physicalNames(resourcesOf(stack)).sort();
    expect(names(staging)).toEqual(expect.arrayContaining(['"reach-staging"', '"alias/reach/staging"']));
    expect(names(prod)).toEqual(expect.arrayContaining(['"reach-prod"', '"alias/reach/prod"']));
  });

  it('shares no other physical name between the stages', () => {
    const a = new Set(physicalNames(resourcesOf(staging)));
    const shared = physicalNames(resourcesOf(prod)).filter((n) => a.has(n));
    expect(shared).toEqual([]);
  });

  it('names the platform secrets per stage', () => {
    const secretNames = (stack: Stack) => ofType(resourcesOf(stack), 'AWS::SecretsManager::Secret').map(([, r]) => String(r.Properties?.['Name']));
    expect(secretNames(staging).length).toBeGreaterThan(0);
    expect(secretNames(staging).every((n) => n.startsWith('reach/staging/platforms/'))).toBe(true);
    expect(secretNames(prod).every((n) => n.startsWith('reach/prod/platforms/'))).toBe(true);
  });
});
