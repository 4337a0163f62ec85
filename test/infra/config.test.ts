/** Stage configuration: CDK context (cdk.json values or `-c key=value` strings) → typed config. */
import { PROVIDER_IDS } from '../../functions/providers/types';
import { CONTEXT_KEYS, DEFAULTS, stageConfig } from '../../lib/config';
import { schedules } from '../../lib/topology';

describe('stageConfig', () => {
  it('fills every default from an empty context (Cognito auth, all platforms)', () => {
    const config = stageConfig({});
    expect(config).toEqual({
      stage: 'dev',
      historyRetentionDays: 400,
      snapshotRetentionDays: 1825,
      logRetentionDays: 90,
      auth: { kind: 'cognito' },
      enabledPlatforms: [...PROVIDER_IDS],
      returnUrlAllowlist: [],
      adminGroup: 'admin',
      apiThrottle: DEFAULTS.apiThrottle,
      errorRateAlarmPercent: 5,
      tokenStore: 'secrets-manager',
      schedules,
      dashboard: true,
    });
  });

  it('accepts -c strings: numbers, comma-separated lists, an OIDC issuer with its audience', () => {
    const config = stageConfig({
      stage: 'prod',
      retentionDays: '730',
      authIssuer: 'https://login.example.com/',
      authAudience: 'reach-api, reach-cli',
      enabledPlatforms: 'instagram,x,instagram',
      returnUrlAllowlist: 'https://app.example.com,https://admin.example.com/done',
      defaultReturnUrl: 'https://app.example.com/connected',
      alarmEmail: 'ops@example.com',
    });
    expect(config).toMatchObject({
      stage: 'prod',
      historyRetentionDays: 730,
      snapshotRetentionDays: 1825,
      auth: { kind: 'oidc', issuer: 'https://login.example.com/', audience: ['reach-api', 'reach-cli'] },
      enabledPlatforms: ['instagram', 'x'],
      returnUrlAllowlist: ['https://app.example.com', 'https://admin.example.com/done'],
      defaultReturnUrl: 'https://app.example.com/connected',
      alarmEmail: 'ops@example.com',
    });
  });

  it('takes the token store from context: Secrets Manager by default, or the KMS envelope in DynamoDB', () => {
    expect(stageConfig({ tokenStore: 'dynamodb-kms' }).tokenStore).toBe('dynamodb-kms');
    expect(stageConfig({ tokenStore: 'secrets-manager' }).tokenStore).toBe('secrets-manager');
  });

  it('takes schedule overrides as cdk.json objects or -c JSON text, and the dashboard flag as a boolean or text', () => {
    const fromJson = stageConfig({ schedules: { syncPlanner: { minutes: 10 }, analyticsPlanner: false }, dashboard: false });
    const fromText = stageConfig({ schedules: '{"syncPlanner":{"minutes":10},"analyticsPlanner":false}', dashboard: 'false' });
    expect(fromText).toEqual(fromJson);
    expect(fromJson.schedules.find((s) => s.id === 'syncPlanner')?.every).toEqual({ minutes: 10 });
    expect(fromJson.schedules.map((s) => s.id)).not.toContain('analyticsPlanner');
    expect(fromJson.dashboard).toBe(false);
  });

  it('keeps snapshots at least as long as points', () => {
    expect(stageConfig({ retentionDays: 2000 }).snapshotRetentionDays).toBe(2000);
  });

  it('accepts cdk.json values: arrays and numbers; empty strings mean absent', () => {
    const config = stageConfig({ enabledPlatforms: ['youtube'], retentionDays: 30, alarmEmail: '', defaultReturnUrl: '' });
    expect(config.enabledPlatforms).toEqual(['youtube']);
    expect(config.historyRetentionDays).toBe(30);
    expect(config.alarmEmail).toBeUndefined();
    expect(config.defaultReturnUrl).toBeUndefined();
  });

  it.each([
    [{ authIssuer: 'https://login.example.com/' }, 'authAudience: authAudience is required with authIssuer'],
    [{ authAudience: 'reach-api' }, 'authIssuer: authAudience was given without authIssuer'],
    [{ authIssuer: 'http://login.example.com/', authAudience: 'a' }, 'authIssuer'],
    [{ enabledPlatforms: 'instagram,myspace' }, 'enabledPlatforms'],
    [{ stage: 'Prod_1' }, 'stage'],
    [{ retentionDays: '-3' }, 'retentionDays'],
    [{ logRetentionDays: 10 }, 'logRetentionDays must be one of'],
    [{ returnUrlAllowlist: 'not a url' }, 'returnUrlAllowlist'],
    [{ alarmEmail: 'nobody' }, 'alarmEmail'],
    [{ tokenStore: 'parameter-store' }, 'tokenStore'],
    [{ schedules: '{"publishPlanner":false}' }, 'schedules.publishPlanner: publishPlanner cannot be turned off'],
    [{ schedules: 'syncPlanner=15' }, 'schedules'],
    [{ dashboard: 'maybe' }, 'dashboard'],
    [{ retentionDays: 400, snapshotRetentionDays: 100 }, 'snapshots cannot expire before the points they summarise'],
  ])('rejects %j naming the problem', (context, message) => {
    expect(() => stageConfig(context)).toThrow(message);
  });

  it('lists every key bin/app.ts reads', () => {
    expect([...CONTEXT_KEYS].sort()).toEqual(
      ['alarmEmail', 'authAudience', 'authIssuer', 'defaultReturnUrl', 'enabledPlatforms', 'logRetentionDays', 'retentionDays', 'returnUrlAllowlist', 'snapshotRetentionDays', 'stage', 'tokenStore', 'schedules', 'dashboard'].sort(),
    );
  });
});
