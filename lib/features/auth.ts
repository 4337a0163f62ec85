/**
 * Auth: who issues the JWTs the HTTP API accepts. With an OIDC issuer in the configuration that
 * issuer is used as is; without one the stack creates a Cognito user pool, an app client (the JWT
 * audience) and the admin group.
 */
import { CfnOutput, CfnResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccountRecovery, FeaturePlan, Mfa, UserPool, UserPoolClient, UserPoolGroup } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';

export const USER_POOL_LOGICAL_ID = 'UserPool';

export class Auth extends Construct {
  /** The `iss` claim API Gateway requires. */
  readonly issuer: string;
  /** Accepted `aud` (ID tokens) / `client_id` (Cognito access tokens) values. */
  readonly audience: readonly string[];
  readonly userPool?: UserPool;
  readonly client?: UserPoolClient;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    if (config.auth.kind === 'oidc') {
      this.issuer = config.auth.issuer;
      this.audience = config.auth.audience;
      return;
    }

    const pool = new UserPool(this, 'UserPool', {
      // Reach is an operator's back end: accounts are invited (AdminCreateUser), nobody signs up alone.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (pool.node.defaultChild as CfnResource).overrideLogicalId(USER_POOL_LOGICAL_ID);
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus feature plan (threat protection) is billed per active user; MFA is required and self sign-up is off, and an operator who wants Plus (or an existing IdP via authIssuer) can switch without code changes.',
    });

    const client = pool.addClient('Client', {
      // A public client (browser or CLI): a client secret could not be kept secret there.
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
    });

    new UserPoolGroup(this, 'AdminGroup', {
      userPool: pool,
      groupName: config.adminGroup,
      description: 'Reach administrators: admin routes and cross-user statistics',
    });

    this.userPool = pool;
    this.client = client;
    this.issuer = pool.userPoolProviderUrl;
    this.audience = [client.userPoolClientId];
    new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId, description: 'Cognito user pool that issues Reach JWTs' });
    new CfnOutput(this, 'ClientId', { value: client.userPoolClientId, description: 'App client id (the JWT audience)' });
  }
}
