/**
 * Secrets: the stack's customer-managed KMS key and one Secrets Manager secret per enabled platform
 * for Reach's own app credentials. Per-connection tokens are written at run time by the functions,
 * protected by the same key: as secrets under the stage's token prefix (`tokenSecretPrefix`) (token store `secrets-manager`),
 * or as Tokens-table items sealed with data keys it wraps (token store `dynamodb-kms`).
 */
import { CfnResource, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ProviderId } from '../../functions/providers/types';
import { platformSecretPrefix } from '../config';

export interface SecretsProps {
  readonly stage: string;
  readonly enabledPlatforms: readonly ProviderId[];
}

/** Shape the operator fills in; the functions validate it (functions/adapters/secrets/app-credentials.ts). */
export const PLATFORM_SECRET_TEMPLATE = { clientId: '', clientSecret: '', webhookSecret: '', verifyToken: '' } as const;

export const KEY_LOGICAL_ID = 'DataKey';

/** Logical id of a platform's secret, e.g. `PlatformSecretGoogleBusiness`. */
export const platformSecretLogicalId = (platform: ProviderId): string =>
  `PlatformSecret${platform
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('')}`;

export class Secrets extends Construct {
  /** Encrypts the tables, the token secrets (or wraps the token data keys), the platform secrets and the alarm topic. */
  readonly key: Key;
  readonly platformSecrets: ReadonlyMap<ProviderId, Secret>;

  constructor(scope: Construct, id: string, props: SecretsProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `Reach ${props.stage}: tables, token secrets, platform secrets, alarm topic`,
      enableKeyRotation: true,
      alias: `alias/reach/${props.stage}`,
      // Losing the key loses every table and secret it encrypts.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.key.node.defaultChild as CfnResource).overrideLogicalId(KEY_LOGICAL_ID);

    const secrets = new Map<ProviderId, Secret>();
    for (const platform of props.enabledPlatforms) {
      const secret = new Secret(this, `Platform-${platform}`, {
        secretName: `${platformSecretPrefix(props.stage)}${platform}`,
        description: `Reach ${platform} app credentials: fill clientId and clientSecret (webhookSecret, verifyToken where the platform sends webhooks)`,
        encryptionKey: this.key,
        // An empty template, not a secret: the operator fills it after the first deploy. CloudFormation
        // only writes SecretString when this template changes, so a filled secret is never reset.
        secretStringValue: SecretValue.unsafePlainText(JSON.stringify(PLATFORM_SECRET_TEMPLATE)),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      (secret.node.defaultChild as CfnResource).overrideLogicalId(platformSecretLogicalId(platform));
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: `The ${platform} client secret is issued in the platform's developer console and can only be rotated there; a rotation Lambda has nothing to call.`,
      });
      secrets.set(platform, secret);
    }
    this.platformSecrets = secrets;
  }
}
