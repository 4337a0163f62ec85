/**
 * Auth: who issues the JWTs the HTTP API accepts. With an OIDC issuer in the configuration that
 * issuer is used as is; without one the stack creates a Cognito user pool, an app client (the JWT
 * audience) and the admin group, and — once the dashboard asks for it (`addDashboard`) — the
 * hosted sign-in pages (managed login) with a public app client for the page.
 */
import { Aws, CfnOutput, CfnResource, Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  type CfnUserPoolClient,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClient,
  UserPoolDomain,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';

export const USER_POOL_LOGICAL_ID = 'UserPool';

/** The OIDC scopes the dashboard asks for: enough for an ID token with the user's email and name. */
export const DASHBOARD_SCOPES = ['openid', 'email', 'profile'] as const;

/** Words Cognito refuses in a domain prefix (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html). */
const RESERVED_IN_DOMAIN_PREFIX = ['aws', 'amazon', 'cognito'] as const;

/** Where the dashboard sends a person to sign in and out, and the client it signs in as. */
export interface DashboardSignIn {
  /** OAuth 2.0 authorization endpoint (code grant with PKCE). */
  readonly authorizeUrl: string;
  /** OAuth 2.0 token endpoint the page exchanges the code at (a cross-origin `fetch`). */
  readonly tokenUrl: string;
  /** The IdP's sign-out endpoint; the page adds its client id and return URL. */
  readonly logoutUrl?: string;
  readonly clientId: string;
  /** `https://host` of the sign-in endpoints: the page's CSP must allow connecting to it. */
  readonly origin: string;
}

export class Auth extends Construct {
  /** The `iss` claim API Gateway requires. */
  readonly issuer: string;
  readonly userPool?: UserPool;
  readonly client?: UserPoolClient;
  private readonly stage: string;
  private dashboard?: { readonly domain: UserPoolDomain; readonly client: UserPoolClient };
  private readonly acceptedAudience: string[];

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    this.stage = config.stage;
    if (config.auth.kind === 'oidc') {
      this.issuer = config.auth.issuer;
      this.acceptedAudience = [...config.auth.audience];
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
      // SRP only: CDK's default would enable the implicit and code grants with an example.com
      // callback, which becomes a live redirect target as soon as the pool has a hosted domain.
      disableOAuth: true,
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
    this.acceptedAudience = [client.userPoolClientId];
    new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId, description: 'Cognito user pool that issues Reach JWTs' });
    new CfnOutput(this, 'ClientId', { value: client.userPoolClientId, description: 'App client id (the JWT audience)' });
  }

  /**
   * Accepted `aud` (ID tokens) / `client_id` (Cognito access tokens) values. It grows when
   * `addDashboard` runs, which happens after the API is built: consumers read it lazily
   * (`Lazy.list`) so the dashboard's client is accepted too.
   */
  get audience(): readonly string[] {
    return [...this.acceptedAudience];
  }

  /** The hosted sign-in domain, once `addDashboard` created it. */
  get domain(): UserPoolDomain | undefined {
    return this.dashboard?.domain;
  }

  /** The dashboard's app client, once `addDashboard` created it. */
  get dashboardClient(): UserPoolClient | undefined {
    return this.dashboard?.client;
  }

  /**
   * Cognito only: creates the hosted sign-in domain (managed login) and a public app client for the
   * dashboard served at `siteUrl` (`https://host/`), adds that client to the accepted audience and
   * returns the endpoints the page signs in with. Called once, by the Site.
   */
  addDashboard(siteUrl: string): DashboardSignIn {
    const pool = this.userPool;
    if (pool === undefined) throw new Error('Auth.addDashboard needs the stack\'s Cognito user pool; with an OIDC issuer the dashboard signs in with that issuer');
    if (this.dashboard !== undefined) throw new Error('Auth.addDashboard was already called: one dashboard per stage');
    const reserved = RESERVED_IN_DOMAIN_PREFIX.find((word) => this.stage.includes(word));
    if (reserved !== undefined) throw new Error(`Stage "${this.stage}" contains "${reserved}", which Cognito refuses in a sign-in domain prefix; choose another stage name`);

    // A prefix is unique across all of AWS in a region, so a name-only prefix collides between
    // accounts that deploy the same stage. The stack id's UUID is unique and fixed for the
    // stack's life: its first group (8 hex digits) keeps the prefix short and stable.
    const stackUuidHead = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    const domain = pool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: Fn.join('', [`reach-${this.stage}-`, stackUuidHead]) },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    const client = pool.addClient('DashboardClient', {
      // The page runs in a browser: no secret, and PKCE (sent by the page) protects the code.
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [siteUrl],
        logoutUrls: [siteUrl],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // A browser session is short-lived; a stolen refresh token should not outlive a working day.
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });
    // Sign-in happens on the hosted pages only: the page may refresh its tokens but never sends a
    // password to the Cognito API itself (CDK's authFlows has no refresh-only choice).
    (client.node.defaultChild as CfnUserPoolClient).explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];

    // Managed login (v2) shows an error page for a client without a branding style; Cognito's
    // default style is enough.
    new CfnManagedLoginBranding(this, 'DashboardBranding', {
      userPoolId: pool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    this.dashboard = { domain, client };
    this.acceptedAudience.push(client.userPoolClientId);
    new CfnOutput(this, 'DashboardClientId', { value: client.userPoolClientId, description: 'App client id of the dashboard (hosted sign-in)' });

    const base = domain.baseUrl();
    return {
      // Cognito's OAuth endpoints (https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html).
      authorizeUrl: `${base}/oauth2/authorize`,
      tokenUrl: `${base}/oauth2/token`,
      // The page adds `client_id` and `logout_uri` (the site URL, an allowed sign-out URL):
      // https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
      logoutUrl: `${base}/logout`,
      clientId: client.userPoolClientId,
      origin: base,
    };
  }
}
