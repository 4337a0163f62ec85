/**
 * The dashboard's hosting: a private bucket behind CloudFront (OAC), `/v1/*` forwarded uncached to
 * the HTTP API, the page's config.json pointing at the Cognito hosted UI (or an OIDC issuer), the
 * dashboard's public app client accepted by the JWT authorizer, and cdk-nag clean on all of it.
 * The stack here holds Auth, an HTTP API whose authorizer reads `auth.audience` lazily as
 * lib/features/api.ts does, and the Site.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Lazy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from '../../lib/config';
import { Auth, DASHBOARD_SCOPES } from '../../lib/features/auth';
import { API_PATH_PATTERN, pageContentSecurityPolicy, Site, type OidcDashboardClient, type SiteDomain } from '../../lib/features/site';
import { dashboardSecurityHeaders } from '../../web/build';
import { ofType, type CfnResourceJson } from './template';

/** CloudFront's managed policy ids (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

interface SiteStackOptions {
  readonly context?: Record<string, unknown>;
  readonly oidc?: OidcDashboardClient;
  readonly domain?: (stack: Stack) => SiteDomain;
  /** Run asset bundling (builds the page with web/build.ts) as `cdk synth` does. */
  readonly bundle?: boolean;
}

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly auth: Auth;
  readonly site: Site;
  readonly template: Template;
  readonly resources: Record<string, CfnResourceJson>;
  readonly assemblyDir: string;
  readonly logicalId: (element: CfnElement) => string;
}

const buildSiteStack = (options: SiteStackOptions = {}): Built => {
  const app = new App({ builtinCloudFormationValidation: false, ...(options.bundle !== true && { context: { 'aws:cdk:bundling-stacks': [] } }) });
  const stack = new Stack(app, 'SiteTest');
  const config = stageConfig(options.context ?? {});
  const auth = new Auth(stack, 'Auth', config);
  const api = new HttpApi(stack, 'HttpApi', { createDefaultStage: true });
  const authorizer = new HttpJwtAuthorizer('Jwt', auth.issuer, { jwtAudience: Lazy.list({ produce: () => [...auth.audience] }) });
  new HttpRoute(stack, 'Me', {
    httpApi: api,
    routeKey: HttpRouteKey.with('/v1/me', HttpMethod.GET),
    integration: new HttpUrlIntegration('Upstream', 'https://upstream.invalid/v1/me'),
    authorizer,
  });
  const site = new Site(stack, 'Site', {
    stage: config.stage,
    api,
    auth,
    config,
    ...(options.oidc !== undefined && { oidc: options.oidc }),
    ...(options.domain !== undefined && { domain: options.domain(stack) }),
  });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const resources = template.toJSON()['Resources'] as Record<string, CfnResourceJson>;
  return { app, stack, auth, site, template, resources, assemblyDir: assembly.directory, logicalId: (el) => stack.getLogicalId(el) };
};

const only = (resources: Record<string, CfnResourceJson>, type: string): [string, CfnResourceJson] => {
  const found = ofType(resources, type);
  expect(found).toHaveLength(1);
  return found[0] as [string, CfnResourceJson];
};

/** The deployment's sources: each object key's staged directory in the assembly, with its deploy-time markers. */
const deploymentSources = (built: Built): Array<{ dir: string; markers: Record<string, unknown> }> => {
  const [, deployment] = only(built.resources, 'Custom::CDKBucketDeployment');
  const keys = deployment.Properties?.['SourceObjectKeys'] as string[];
  const markers = (deployment.Properties?.['SourceMarkers'] ?? []) as Array<Record<string, unknown>>;
  return keys.map((key, i) => ({ dir: path.join(built.assemblyDir, `asset.${key.replace(/\.zip$/, '')}`), markers: markers[i] ?? {} }));
};

/** config.json as deployed: markers replaced by the CloudFormation values they stand for (as JSON text). */
const deployedConfig = (built: Built): { raw: Record<string, any>; resolve: (value: string) => string } => {
  const source = deploymentSources(built).find((s) => existsSync(path.join(s.dir, 'config.json')));
  if (source === undefined) throw new Error('no config.json among the deployment sources');
  const raw = JSON.parse(readFileSync(path.join(source.dir, 'config.json'), 'utf8')) as Record<string, any>;
  const resolve = (value: string): string => value.replace(/<<marker:0xbaba:\d+>>/g, (m) => `{${JSON.stringify(source.markers[m])}}`);
  return { raw, resolve };
};

describe('Site (Cognito hosted UI)', () => {
  const built = buildSiteStack();
  const { resources } = built;
  const [distributionId, distribution] = only(resources, 'AWS::CloudFront::Distribution');
  const dist = distribution.Properties?.['DistributionConfig'] as Record<string, any>;
  const siteBucketId = built.logicalId(built.site.bucket.node.defaultChild as CfnElement);
  const domainId = built.logicalId(built.auth.domain?.node.defaultChild as CfnElement);
  const dashboardClientId = built.logicalId(built.auth.dashboardClient?.node.defaultChild as CfnElement);
  const apiClientId = built.logicalId(built.auth.client?.node.defaultChild as CfnElement);
  const siteUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] };

  it('keeps the page bucket private: all public access blocked, no ACLs, TLS only', () => {
    const bucket = resources[siteBucketId];
    expect(bucket?.Properties?.['PublicAccessBlockConfiguration']).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket?.Properties?.['OwnershipControls']).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    const policy = ofType(resources, 'AWS::S3::BucketPolicy').find(([, r]) => JSON.stringify(r.Properties?.['Bucket']) === JSON.stringify({ Ref: siteBucketId }));
    const statements = (policy?.[1].Properties?.['PolicyDocument']?.['Statement'] ?? []) as Array<Record<string, any>>;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    // The only grant: CloudFront, for this distribution, reading objects.
    const allows = statements.filter((s) => s['Effect'] === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } });
    expect(JSON.stringify(allows[0]?.['Condition'])).toContain(distributionId);
  });

  it('serves the bucket through Origin Access Control with index.html at the root', () => {
    const [oacId, oac] = only(resources, 'AWS::CloudFront::OriginAccessControl');
    expect(oac.Properties?.['OriginAccessControlConfig']).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    const s3Origin = (dist['Origins'] as Array<Record<string, any>>).find((o) => o['S3OriginConfig'] !== undefined);
    expect(s3Origin).toMatchObject({ DomainName: { 'Fn::GetAtt': [siteBucketId, 'RegionalDomainName'] }, OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] }, S3OriginConfig: { OriginAccessIdentity: '' } });
    expect(dist['DefaultRootObject']).toBe('index.html');
    expect(dist['DefaultCacheBehavior']).toMatchObject({ TargetOriginId: s3Origin?.['Id'], ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] });
  });

  it('forwards /v1/* to the HTTP API uncached, with every method and the viewer headers', () => {
    const behaviors = dist['CacheBehaviors'] as Array<Record<string, any>>;
    expect(behaviors).toHaveLength(1);
    const api = behaviors[0] ?? {};
    expect(api).toMatchObject({
      PathPattern: API_PATH_PATTERN,
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      ViewerProtocolPolicy: 'https-only',
    });
    expect([...(api['AllowedMethods'] as string[])].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    const origin = (dist['Origins'] as Array<Record<string, any>>).find((o) => o['Id'] === api['TargetOriginId']);
    const httpApiId = built.logicalId(built.stack.node.findChild('HttpApi').node.defaultChild as CfnElement);
    expect(origin).toMatchObject({
      DomainName: { 'Fn::Join': ['', [{ Ref: httpApiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
    });
  });

  it('sends a strict CSP (own origin plus the hosted UI), HSTS and frame denial with the page', () => {
    const [policyId, policy] = only(resources, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(dist['DefaultCacheBehavior']['ResponseHeadersPolicyId']).toEqual({ Ref: policyId });
    const headers = policy.Properties?.['ResponseHeadersPolicyConfig']?.['SecurityHeadersConfig'] as Record<string, any>;
    expect(headers['ContentSecurityPolicy']['Override']).toBe(true);
    const csp = JSON.stringify(headers['ContentSecurityPolicy']['ContentSecurityPolicy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`connect-src 'self' https://\",{\"Ref\":\"${domainId}\"},\".auth.\",{\"Ref\":\"AWS::Region\"},\".amazoncognito.com`);
    expect(csp).not.toContain('unsafe-inline');
    expect(headers['StrictTransportSecurity']).toMatchObject({ AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true });
    expect(headers['FrameOptions']).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers['ContentTypeOptions']).toEqual({ Override: true });
    expect(headers['ReferrerPolicy']).toEqual({ ReferrerPolicy: 'no-referrer', Override: true });
    // The same CSP and extra headers the local runtime serves the page with (web/build.ts).
    expect(headers['ContentSecurityPolicy']['ContentSecurityPolicy']).toEqual(built.stack.resolve(pageContentSecurityPolicy(built.site.signIn.origin)));
    const local = dashboardSecurityHeaders();
    const custom = (policy.Properties?.['ResponseHeadersPolicyConfig']?.['CustomHeadersConfig']?.['Items'] ?? []) as Array<{ Header: string; Value: string }>;
    for (const { Header, Value } of custom) expect(local[Header]).toBe(Value);
    expect(custom.map((h) => h.Header)).toEqual(Object.keys(local).filter((h) => !['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options'].includes(h)));
  });

  it('logs viewer requests to a log bucket that accepts CloudFront\'s ACL-based delivery', () => {
    const logBucketRef = dist['Logging']['Bucket'] as { 'Fn::GetAtt': [string, string] };
    const logBucket = resources[logBucketRef['Fn::GetAtt'][0]];
    expect(logBucket?.Properties?.['OwnershipControls']).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] });
    expect(logBucket?.Properties?.['PublicAccessBlockConfiguration']).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    expect(logBucket?.Properties?.['LifecycleConfiguration']?.['Rules']).toEqual([expect.objectContaining({ ExpirationInDays: 90, Status: 'Enabled' })]);
  });

  it('creates the hosted sign-in domain (managed login) with a stage prefix and the stack id', () => {
    const domain = resources[domainId];
    expect(domain?.Type).toBe('AWS::Cognito::UserPoolDomain');
    expect(domain?.Properties?.['ManagedLoginVersion']).toBe(2);
    expect(domain?.Properties?.['Domain']).toEqual({
      'Fn::Join': ['', ['reach-dev-', { 'Fn::Select': [0, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] }]],
    });
    // Managed login needs a branding style per client, or its pages show an error.
    const [, branding] = only(resources, 'AWS::Cognito::ManagedLoginBranding');
    expect(branding.Properties).toMatchObject({ ClientId: { Ref: dashboardClientId }, UseCognitoProvidedValues: true });
  });

  it('gives the dashboard a public client: code grant (PKCE by the page), OIDC scopes, the site URL as callback', () => {
    const client = resources[dashboardClientId]?.Properties ?? {};
    expect(client).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: [...DASHBOARD_SCOPES],
      CallbackURLs: [siteUrl],
      LogoutURLs: [siteUrl],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      SupportedIdentityProviders: ['COGNITO'],
    });
    // The API's client signs in by SRP only: no OAuth grant that the hosted domain could serve.
    expect(resources[apiClientId]?.Properties).toMatchObject({ AllowedOAuthFlowsUserPoolClient: false });
    expect(resources[apiClientId]?.Properties?.['CallbackURLs']).toBeUndefined();
  });

  it('has the JWT authorizer accept the API client and the dashboard client', () => {
    const [, authorizer] = only(resources, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties?.['JwtConfiguration']?.['Audience']).toEqual([{ Ref: apiClientId }, { Ref: dashboardClientId }]);
  });

  it('deploys config.json with the hosted UI endpoints and the dashboard client id', () => {
    const { raw, resolve } = deployedConfig(built);
    expect(raw['apiBase']).toBe('');
    expect(raw['auth']['kind']).toBe('oidc');
    expect(raw['auth']['scopes']).toEqual(['openid', 'email', 'profile']);
    const host = `https://{{"Ref":"${domainId}"}}.auth.{{"Ref":"AWS::Region"}}.amazoncognito.com`;
    expect(resolve(raw['auth']['authorizeUrl'])).toBe(`${host}/oauth2/authorize`);
    expect(resolve(raw['auth']['tokenUrl'])).toBe(`${host}/oauth2/token`);
    expect(resolve(raw['auth']['logoutUrl'])).toBe(`${host}/logout`);
    expect(resolve(raw['auth']['clientId'])).toBe(`{{"Ref":"${dashboardClientId}"}}`);
  });

  it('uploads the page and config.json, prunes old files and invalidates every path on deploy', () => {
    const [, deployment] = only(resources, 'Custom::CDKBucketDeployment');
    expect(deployment.Properties).toMatchObject({
      DestinationBucketName: { Ref: siteBucketId },
      DistributionId: { Ref: distributionId },
      DistributionPaths: ['/*'],
      Prune: true,
      RetainOnDelete: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    expect(deployment.Properties?.['SourceObjectKeys']).toHaveLength(2);
  });

  it('outputs the dashboard URL', () => {
    expect(built.template.toJSON()['Outputs']['DashboardUrl']).toMatchObject({ Value: siteUrl });
    expect(built.stack.resolve(built.site.url)).toEqual(siteUrl);
  });
});

describe('Site cdk-nag AwsSolutions', () => {
  const built = buildSiteStack();
  const scopes = [built.site.node.path, built.auth.node.path];
  const ours = (constructPath: string | undefined): boolean =>
    constructPath !== undefined && (scopes.some((s) => constructPath === s || constructPath.startsWith(`${s}/`)) || constructPath.includes('Custom::CDKBucketDeployment'));

  it('reports no unacknowledged finding on the Site, Auth or the deployment handler', () => {
    const result = new AwsSolutionsChecks(built.app).validateScope(built.app);
    const findings = result.violations.flatMap((v) => v.violatingResources.filter((r) => ours(r.constructPath)).map((r) => `${v.ruleName} at ${r.constructPath}`));
    expect(findings).toEqual([]);
  });

  it('acknowledges only findings that occur (CFR4 for the default certificate, the deployment\'s IAM5 and L1)', () => {
    const raw = new AwsSolutionsChecks(built.app);
    Object.defineProperty(raw, 'isAcknowledged', { value: () => false });
    const found = raw
      .validateScope(built.app)
      .violations.flatMap((v) => v.violatingResources.filter((r) => ours(r.constructPath)).map(() => v.ruleName.replace(/\[.*$/, '')));
    expect(new Set(found)).toEqual(
      new Set(['AwsSolutions-S1', 'AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-COG8']),
    );
    // Every acknowledgement under the Site and Auth silences a finding that occurs there.
    const findings = raw.validateScope(built.app).violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
    const acks = [built.site, built.auth, ...built.stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))].flatMap((root) =>
      root.node.findAll().flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.keys(m.data as Record<string, unknown>).map((id) => ({ path: c.node.path, id: id.replace(/^annotation::/i, '') }))),
      ),
    );
    expect(acks.length).toBeGreaterThan(10);
    for (const ack of acks) {
      const used = findings.some((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect({ ack: `${ack.id} at ${ack.path}`, used }).toEqual({ ack: `${ack.id} at ${ack.path}`, used: true });
    }
  });
});

describe('Site with a custom domain', () => {
  const built = buildSiteStack({
    domain: (stack) => ({
      names: ['dashboard.example.com'],
      certificate: Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:123456789012:certificate/0f5a9c4e-1111-2222-3333-444455556666'),
    }),
  });

  it('answers on the domain with TLS 1.2 (2021) at minimum and uses it as the dashboard URL', () => {
    const [, distribution] = only(built.resources, 'AWS::CloudFront::Distribution');
    expect(distribution.Properties?.['DistributionConfig']).toMatchObject({
      Aliases: ['dashboard.example.com'],
      ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
    });
    expect(built.site.url).toBe('https://dashboard.example.com/');
    const client = built.resources[built.logicalId(built.auth.dashboardClient?.node.defaultChild as CfnElement)];
    expect(client?.Properties?.['CallbackURLs']).toEqual(['https://dashboard.example.com/']);
  });

  it('needs no CFR4 acknowledgement', () => {
    const result = new AwsSolutionsChecks(built.app).validateScope(built.app);
    expect(result.violations.filter((v) => v.ruleName === 'AwsSolutions-CFR4')).toEqual([]);
    const acks = built.site.distribution.node.metadata.map((m) => JSON.stringify(m.data));
    expect(acks.some((a) => a.includes('AwsSolutions-CFR4'))).toBe(false);
  });
});

describe('Site with an OIDC issuer', () => {
  const context = { authIssuer: 'https://login.example.com/', authAudience: 'reach-api,reach-dashboard' };
  const oidc: OidcDashboardClient = {
    authorizeUrl: 'https://login.example.com/oauth2/authorize',
    tokenUrl: 'https://tokens.example.com/oauth2/token',
    clientId: 'reach-dashboard',
    logoutUrl: 'https://login.example.com/logout',
  };

  it('signs in with the issuer: no Cognito resources, its endpoints in config.json and the CSP', () => {
    const built = buildSiteStack({ context, oidc });
    built.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    built.template.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    built.template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    const { raw } = deployedConfig(built);
    expect(raw).toEqual({ apiBase: '', auth: { kind: 'oidc', ...oidc, scopes: ['openid', 'email', 'profile'] } });
    const [, policy] = only(built.resources, 'AWS::CloudFront::ResponseHeadersPolicy');
    const csp = policy.Properties?.['ResponseHeadersPolicyConfig']?.['SecurityHeadersConfig']?.['ContentSecurityPolicy']?.['ContentSecurityPolicy'];
    expect(csp).toContain("connect-src 'self' https://tokens.example.com;");
    const [, authorizer] = only(built.resources, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties?.['JwtConfiguration']).toEqual({ Issuer: 'https://login.example.com/', Audience: ['reach-api', 'reach-dashboard'] });
  });

  it('refuses to build without the issuer\'s dashboard client', () => {
    expect(() => buildSiteStack({ context })).toThrow(/authorize and token URLs and a public client id/);
  });

  it('refuses a plain-HTTP endpoint', () => {
    expect(() => buildSiteStack({ context, oidc: { ...oidc, tokenUrl: 'http://tokens.example.com/token' } })).toThrow(/invalid OIDC dashboard client: tokenUrl/);
  });

  it('refuses an OIDC client on a Cognito stage', () => {
    expect(() => buildSiteStack({ oidc })).toThrow(/signs in with the stack's Cognito user pool/);
  });
});

describe('Auth.addDashboard', () => {
  it('refuses a stage name Cognito would reject in the domain prefix', () => {
    expect(() => buildSiteStack({ context: { stage: 'amazon-test' } })).toThrow(/contains "amazon"/);
  });
});

describe('Site page asset', () => {
  it('builds the page locally (no Docker) into the deployment with index.html', () => {
    const built = buildSiteStack({ bundle: true });
    const page = deploymentSources(built).find((s) => !existsSync(path.join(s.dir, 'config.json')));
    expect(page).toBeDefined();
    const files = readdirSync(page?.dir ?? '');
    expect(files).toContain('index.html');
    expect(readFileSync(path.join(page?.dir ?? '', 'index.html'), 'utf8')).toMatch(/<html/i);
  });
});
