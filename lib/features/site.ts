/**
 * Site: the dashboard page in AWS. A private S3 bucket holds the built page; one CloudFront
 * distribution serves it (Origin Access Control, security headers) and forwards `/v1/*` to the
 * HTTP API uncached, so the page calls the API on its own origin with no CORS. Sign-in is the
 * Cognito hosted UI (managed login) of the stack's user pool, or the operator's OIDC issuer.
 * Every deploy uploads the page with its `/config.json` and invalidates the distribution.
 */
import * as path from 'node:path';
import { AssetHashType, Aws, CfnOutput, DefaultStackSynthesizer, DockerImage, Duration, Lazy, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source, type ISource } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { z } from 'zod';
import { dashboardSecurityHeaders, writeDashboard, type DashboardConfig } from '../../web/build';
import type { StageConfig } from '../config';
import { REPO_ROOT } from '../constructs/bundling';
import { mediaObjectsNagResource } from '../constructs/grants';
import { DASHBOARD_SCOPES, type Auth, type DashboardSignIn } from './auth';

/** Where the page's sources live; `web/build.ts` turns them into the files the bucket serves. */
export const WEB_DIR = path.join(REPO_ROOT, 'web');

/** The path prefix CloudFront forwards to the HTTP API (every route of `lib/topology.ts` is under it). */
export const API_PATH_PATTERN = '/v1/*';

const httpsUrl = z.url({ protocol: /^https$/ });

/** The public client an operator registered at their OIDC issuer for the dashboard. */
export const oidcDashboardClient = z.object({
  authorizeUrl: httpsUrl,
  tokenUrl: httpsUrl,
  clientId: z.string().trim().min(1),
  logoutUrl: httpsUrl.optional(),
});
export type OidcDashboardClient = z.infer<typeof oidcDashboardClient>;

/** The page's configuration for a sign-in client: the `/config.json` it reads at start. */
export const dashboardConfig = (signIn: DashboardSignIn): DashboardConfig => ({
  // Empty: the API is on the page's own origin (the `/v1/*` behaviour).
  apiBase: '',
  auth: {
    kind: 'oidc',
    authorizeUrl: signIn.authorizeUrl,
    tokenUrl: signIn.tokenUrl,
    clientId: signIn.clientId,
    scopes: [...DASHBOARD_SCOPES],
    ...(signIn.logoutUrl !== undefined && { logoutUrl: signIn.logoutUrl }),
  },
});

/** Headers CloudFront only sets through its security-headers settings, never as custom headers. */
const CLOUDFRONT_SECURITY_HEADERS = new Set(['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options', 'strict-transport-security', 'x-xss-protection']);

export interface SiteDomain {
  /** Host names the distribution answers to; the first is the dashboard URL. */
  readonly names: readonly string[];
  /** An ACM certificate for them in us-east-1 (CloudFront's requirement). */
  readonly certificate: ICertificate;
}

export interface SiteProps {
  readonly stage: string;
  /** The HTTP API that `/v1/*` is forwarded to (its `$default` stage). */
  readonly api: HttpApi;
  /** Cognito kind: the Site adds the hosted sign-in domain and the dashboard client to it. */
  readonly auth: Auth;
  readonly config: StageConfig;
  /**
   * Required with an OIDC issuer (`auth.kind === 'oidc'`): the issuer's endpoints and the public
   * client (code grant with PKCE) registered for the dashboard, with the dashboard URL as its
   * redirect URI. Its tokens must carry an audience the API accepts (`authAudience`).
   */
  readonly oidc?: OidcDashboardClient;
  /** A custom domain; without one the page is served on the distribution's `*.cloudfront.net` name. */
  readonly domain?: SiteDomain;
}

export class Site extends Construct {
  /** The dashboard's URL, `https://host/`: the sign-in callback and a connect flow's return page. */
  readonly url: string;
  readonly distribution: Distribution;
  readonly bucket: Bucket;
  /** The sign-in endpoints and client the page uses. */
  readonly signIn: DashboardSignIn;

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const oidc = this.oidcClient(props);
    if (props.domain !== undefined && props.domain.names.length === 0) throw new Error('Site: a custom domain needs at least one host name');
    const logRetention = config.logRetentionDays as RetentionDays;

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The page is public by nature (anyone may load it); a KMS key would only add a KMS call
      // to every CloudFront miss and a key policy for the CloudFront service to maintain.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Each deploy uploads the whole build from the repository: older versions have no use.
      versioned: false,
      // Rebuilt from source on every deploy; the deployment empties it on delete (retainOnDelete: false).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only CloudFront reads this bucket (Origin Access Control) and only the deployment writes it; every viewer request is in the CloudFront access logs, so S3 server access logs would record the same reads again.',
    });

    const logBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logging delivers with an ACL grant to its log-delivery account
      // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html),
      // so ACLs must stay enabled; the bucket owner still owns what it receives.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(config.logRetentionDays) }],
      // Access records outlive a stack that is torn down by mistake; they expire on their own.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the CloudFront access logs; logging its own writes would log the log delivery itself, endlessly.',
    });

    // The page's headers come from web/build.ts, as the local runtime's do. The CSP names the
    // sign-in origin, which (for Cognito) exists only once the dashboard client is created, and
    // that needs the distribution's URL: the CSP resolves at synth.
    let signIn: DashboardSignIn | undefined;
    const extraHeaders = Object.entries(dashboardSecurityHeaders()).filter(([name]) => !CLOUDFRONT_SECURITY_HEADERS.has(name));
    const pageHeaders = new ResponseHeadersPolicy(this, 'PageHeaders', {
      // Policy names are unique per account (CloudFront is global): the region keeps two
      // deployments of one stack in different regions apart.
      responseHeadersPolicyName: `${Names.uniqueResourceName(this, { maxLength: 100 })}-${Aws.REGION}`,
      comment: `Reach ${props.stage} dashboard: CSP, HSTS, no framing`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: Lazy.string({
            produce: () => {
              if (signIn === undefined) throw new Error('Site: the sign-in client was never configured');
              return pageContentSecurityPolicy(signIn.origin);
            },
          }),
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      ...(extraHeaders.length > 0 && {
        customHeadersBehavior: { customHeaders: extraHeaders.map(([header, value]) => ({ header, value, override: true })) },
      }),
    });

    const apiOrigin = new HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Reach ${props.stage} dashboard`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: pageHeaders,
        compress: true,
      },
      additionalBehaviors: {
        [API_PATH_PATTERN]: {
          origin: apiOrigin,
          // A redirect would turn a POST into a GET: plain HTTP is refused instead.
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          // Per-user answers: never cached. With caching off, this policy also forwards the
          // Authorization header, query strings and cookies (not Host: API Gateway routes by its own).
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          // HSTS and nosniff without a CSP: the API sets its own on the HTML pages it serves.
          responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
        },
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      // North America and Europe edges: the cheapest class; an operator with users elsewhere widens it.
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cloudfront/',
      ...(props.domain !== undefined && {
        domainNames: [...props.domain.names],
        certificate: props.domain.certificate,
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
    });
    this.acknowledgeDistribution(props.domain !== undefined);

    const host = props.domain?.names[0] ?? this.distribution.distributionDomainName;
    this.url = `https://${host}/`;
    signIn = oidc !== undefined ? { ...oidc, origin: new URL(oidc.tokenUrl).origin } : props.auth.addDashboard(this.url);
    this.signIn = signIn;

    this.deploy(dashboardConfig(signIn), logRetention);

    const output = new CfnOutput(this, 'DashboardUrl', { value: this.url, description: 'The Reach dashboard' });
    output.overrideLogicalId('DashboardUrl');
  }

  /** The validated OIDC client for an OIDC-issuer stage; none (Cognito hosted UI) otherwise. */
  private oidcClient(props: SiteProps): OidcDashboardClient | undefined {
    if (props.config.auth.kind === 'cognito') {
      if (props.oidc !== undefined) throw new Error('Site: an OIDC dashboard client was given, but this stage signs in with the stack\'s Cognito user pool (no authIssuer)');
      return undefined;
    }
    if (props.oidc === undefined) {
      throw new Error('Site: with an OIDC issuer (authIssuer) the dashboard needs that issuer\'s authorize and token URLs and a public client id for the page');
    }
    const parsed = oidcDashboardClient.safeParse(props.oidc);
    if (!parsed.success) {
      throw new Error(`Site: invalid OIDC dashboard client: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return parsed.data;
  }

  /** Uploads the built page and its config.json, then invalidates every cached path. */
  private deploy(pageConfig: DashboardConfig, logRetention: RetentionDays): void {
    // Its own role and log group (as every Reach function has) instead of the CDK default role
    // with AWSLambdaBasicExecutionRole, which may write to every log group in the account.
    const role = new Role(this, 'DeployRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reach dashboard deployment: copies the built page into the site bucket and invalidates CloudFront',
    });
    const logGroup = new LogGroup(this, 'DeployLogs', { retention: logRetention });
    logGroup.grantWrite(role);

    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [pageSource(), Source.jsonData('config.json', pageConfig)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      // File names carry no content hash: browsers revalidate (ETag) instead of trusting a stale
      // copy; the invalidation above clears CloudFront's copies on each deploy.
      cacheControl: [CacheControl.noCache()],
      prune: true,
      retainOnDelete: false,
      role,
      logGroup,
    });
    // The grants BucketDeployment adds to the role itself, each acknowledged as cdk-nag names it.
    const because: ReadonlyArray<readonly [string, string]> = [
      ['Action::s3:GetObject*', 'BucketDeployment reads the page and config.json archives from the CDK asset bucket and lists and reads the site bucket to sync it (s3:GetObject* is its grant for both).'],
      ['Action::s3:GetBucket*', 'BucketDeployment (aws s3 sync) reads bucket settings of the CDK asset bucket and the site bucket; the grant is CDK\'s own read grant.'],
      ['Action::s3:List*', 'aws s3 sync lists the site bucket (and the asset prefix) to find files to copy and to prune; the grant is CDK\'s own read grant.'],
      ['Action::s3:DeleteObject*', 'Deploys prune files the new build no longer has, and deleting the stack empties the site bucket (retainOnDelete: false).'],
      ['Action::s3:Abort*', 'aws s3 sync uploads larger files in parts and must be able to abort a failed multipart upload in the site bucket.'],
      [`Resource::${assetObjectsNagResource(Stack.of(this))}`, 'The deployment archives are staged as content-hashed objects in the CDK bootstrap asset bucket; their keys change with every build.'],
      [`Resource::${mediaObjectsNagResource(this.bucket, '')}`, 'The site bucket holds only the built page; the deployment owns every key in it and replaces them on each deploy.'],
      ['Resource::*', "cloudfront:CreateInvalidation and cloudfront:GetInvalidation, which BucketDeployment grants on '*' itself, to invalidate this distribution after each upload."],
    ];
    for (const [finding, reason] of because) Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    const handler = singletonHandlerOf(deployment);
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "BucketDeployment's handler is CDK's own Python function with the AWS CLI layer; its runtime is chosen by aws-cdk-lib and moves with CDK upgrades, not by this code.",
    });
  }

  /** The findings on the distribution that an operator settles, not this code. */
  private acknowledgeDistribution(customDomain: boolean): void {
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'The dashboard is for the operator\'s own users wherever they are; an operator who must restrict countries adds a geo restriction to the distribution.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'A WAF web ACL for CloudFront must live in us-east-1 and is billed per rule; the page is static and every API call still needs a valid JWT and meets API Gateway throttling. An operator attaches a web ACL (webAclId) where required.',
    });
    if (!customDomain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose security policy is fixed at TLSv1; with the domain prop (a certificate) the distribution requires TLSv1.2_2021.',
      });
    }
  }
}

/** The page's Content-Security-Policy, allowing the token exchange at the sign-in origin. */
export const pageContentSecurityPolicy = (signInOrigin: string): string => {
  const csp = dashboardSecurityHeaders({ connectSrc: [signInOrigin] })['content-security-policy'];
  if (csp === undefined) throw new Error('web/build.ts gave the page no content-security-policy');
  return csp;
};

/**
 * The built page as a deployment source. `web/build.ts` runs in-process (esbuild, no Docker); the
 * image only satisfies the bundling contract and is never pulled, as local bundling always
 * succeeds or throws. The asset hash is the output's, since the page may import beyond `web/`.
 */
const pageSource = (): ISource =>
  Source.asset(WEB_DIR, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      local: {
        tryBundle(outputDir: string): boolean {
          writeDashboard(outputDir, { minify: true });
          return true;
        },
      },
    },
  });

/**
 * How cdk-nag (IAM5) renders the objects of the CDK bootstrap asset bucket, which BucketDeployment
 * grants read on: `cdk-<qualifier>-assets-<account>-<region>` with the stack's bootstrap qualifier.
 */
const assetObjectsNagResource = (stack: Stack): string => {
  const qualifier = stack.synthesizer instanceof DefaultStackSynthesizer ? (stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER) : DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`;
};

/** The stack-wide singleton Lambda function a BucketDeployment runs on (created beside the stack's other children). */
const singletonHandlerOf = (deployment: BucketDeployment): IConstruct => {
  const stack = Stack.of(deployment);
  const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (handler === undefined) throw new Error('Site: BucketDeployment created no handler function');
  return handler;
};
