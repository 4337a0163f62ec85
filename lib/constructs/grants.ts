/**
 * Least-privilege grant helpers the feature constructs share. Each names the exact actions a Reach
 * adapter calls (functions/adapters/) on exact resources, so a feature states *what* a function may
 * touch and *why*, and never reaches for a broad `grantReadWriteData`-style bundle.
 */
import { ArnFormat, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { CONTEXT_REF, CONTEXT_STAGE } from '../../functions/adapters/dynamodb/token-vault';
import type { ReachFunction } from './node-function';
import type { ReachTable } from './table';

/** DynamoDB actions the document-client adapters use: point reads and Query; conditional writes and batch deletes. */
const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
const TABLE_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;

export interface TableGrant {
  readonly table: ReachTable;
  /** Also PutItem/UpdateItem/DeleteItem/BatchWriteItem. */
  readonly write?: boolean;
  /** Also Scan: admin tools only (DESIGN.md §2: no Scan on a hot path). */
  readonly scan?: boolean;
  /** GSIs the function queries, by name; only these index ARNs are granted (never `index/*`). */
  readonly indexes?: readonly string[];
}

const viaService = (scope: ReachFunction, service: string) => ({ 'kms:ViaService': `${service}.${Stack.of(scope).region}.amazonaws.com` });

/**
 * Grants item access to one table, Query on the named GSIs, and the use of the table's KMS key
 * through DynamoDB only (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html).
 */
export const grantTable = (fn: ReachFunction, grant: TableGrant): void => {
  const { table } = grant.table;
  const unknown = (grant.indexes ?? []).filter((name) => !grant.table.def.indexes.some((i) => i.name === name));
  if (unknown.length > 0) throw new Error(`${grant.table.def.id} has no index ${unknown.join(', ')}`);
  fn.role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [...TABLE_READ, ...(grant.scan === true ? ['dynamodb:Scan'] : []), ...(grant.write === true ? TABLE_WRITE : [])],
      resources: [table.tableArn],
    }),
  );
  if (grant.indexes !== undefined && grant.indexes.length > 0) {
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: grant.indexes.map((name) => `${table.tableArn}/index/${name}`),
      }),
    );
  }
  grantTableKey(fn, grant.table, grant.write === true);
};

/** The table's KMS key, through DynamoDB only: what reading (and writing) its items needs. */
const grantTableKey = (fn: ReachFunction, table: ReachTable, write: boolean): void => {
  const key = table.table.encryptionKey;
  if (key === undefined) throw new Error(`${table.def.id} is not encrypted with a customer-managed key`);
  fn.role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt', 'kms:DescribeKey', ...(write ? ['kms:Encrypt', 'kms:GenerateDataKey'] : [])],
      resources: [key.keyArn],
      conditions: { StringEquals: viaService(fn, 'dynamodb') },
    }),
  );
};

/** What a function does with per-connection tokens. */
export type TokenSecretUse = 'read' | 'write' | 'delete';

export interface TokenSecretsGrant {
  /** Where the stage keeps tokens: the grant points there. */
  readonly store: TokenStoreTarget;
  /** Name prefix of the token secrets (the `secrets-manager` store). */
  readonly prefix: string;
  /** The stack's key: it encrypts token secrets, or wraps the data keys of the `dynamodb-kms` store. */
  readonly key: IKey;
  readonly uses: readonly TokenSecretUse[];
  /** Why this function touches tokens; recorded with the cdk-nag acknowledgement. */
  readonly why: string;
}

/** Where the stage keeps per-connection tokens (lib/config.ts `tokenStore`), as far as grants care. */
export type TokenStoreTarget =
  | { readonly kind: 'secrets-manager' }
  | {
      readonly kind: 'dynamodb-kms';
      /** The Tokens table. */
      readonly table: ReachTable;
      /** The stage every encryption context names (`reach:stage`). */
      readonly stage: string;
    };

/** The ARN pattern of every token secret: the name prefix, then Secrets Manager's random suffix. */
export const tokenSecretsArn = (scope: ReachFunction, prefix: string): string =>
  Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

/** How cdk-nag (IAM5) renders `tokenSecretsArn` in an env-agnostic stack. */
export const tokenSecretsNagResource = (prefix: string): string =>
  `arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefix}*`;

/**
 * Grants a function what the stage's token vault adapter calls for the given uses: Secrets Manager
 * secrets under the token prefix, or items of the Tokens table and envelope data keys from the
 * stack's key.
 */
export const grantTokenSecrets = (fn: ReachFunction, grant: TokenSecretsGrant): void => applyTokenGrant(fn, grant, grant.store);

const applyTokenGrant = (fn: ReachFunction, grant: TokenSecretsGrant, store: TokenStoreTarget): void => {
  if (store.kind === 'secrets-manager') grantSecretsManagerTokens(fn, grant);
  else grantEnvelopeTokens(fn, grant, store.table, store.stage);
};

/**
 * The Secrets Manager calls of `SecretsManagerTokenVault` on secrets under the token prefix
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html), and
 * the key through Secrets Manager only. Writers need CreateSecret (with TagResource: the vault tags
 * each secret with its owner) and PutSecretValue: the vault creates first and overwrites when the
 * secret exists.
 */
const grantSecretsManagerTokens = (fn: ReachFunction, grant: TokenSecretsGrant): void => {
  const uses = new Set(grant.uses);
  const actions = [
    ...(uses.has('read') ? ['secretsmanager:GetSecretValue'] : []),
    ...(uses.has('write') ? ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource'] : []),
    ...(uses.has('delete') ? ['secretsmanager:DeleteSecret'] : []),
  ];
  fn.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [tokenSecretsArn(fn, grant.prefix)] }));
  const keyActions = [...(uses.has('read') || uses.has('write') ? ['kms:Decrypt'] : []), ...(uses.has('write') ? ['kms:GenerateDataKey'] : [])];
  if (keyActions.length > 0) {
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: keyActions, resources: [grant.key.keyArn], conditions: { StringEquals: viaService(fn, 'secretsmanager') } }),
    );
  }
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${tokenSecretsNagResource(grant.prefix)}]`,
    reason: `Token secrets are created per connection at run time, so they can only be named by their prefix (${grant.prefix}) plus the random suffix Secrets Manager appends. ${grant.why}`,
  });
};

/**
 * The calls of `DynamoKmsTokenVault`: GetItem / PutItem / DeleteItem on the Tokens table (and its
 * key through DynamoDB), Decrypt to unwrap a data key and GenerateDataKey to get one
 * (https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html).
 * Direct key use is limited to this stage's token encryption context: `reach:stage` must be the
 * stage, `reach:ref` must be present, and no other context key may appear
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context).
 */
const grantEnvelopeTokens = (fn: ReachFunction, grant: TokenSecretsGrant, table: ReachTable, stage: string): void => {
  const uses = new Set(grant.uses);
  const itemActions = [
    ...(uses.has('read') ? ['dynamodb:GetItem'] : []),
    ...(uses.has('write') ? ['dynamodb:PutItem'] : []),
    ...(uses.has('delete') ? ['dynamodb:DeleteItem'] : []),
  ];
  fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: itemActions, resources: [table.table.tableArn] }));
  grantTableKey(fn, table, uses.has('write') || uses.has('delete'));
  const keyActions = [...(uses.has('read') ? ['kms:Decrypt'] : []), ...(uses.has('write') ? ['kms:GenerateDataKey'] : [])];
  if (keyActions.length === 0) return;
  fn.role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: keyActions,
      resources: [grant.key.keyArn],
      conditions: {
        StringEquals: { [`kms:EncryptionContext:${CONTEXT_STAGE}`]: stage },
        Null: { [`kms:EncryptionContext:${CONTEXT_REF}`]: 'false' },
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [CONTEXT_REF, CONTEXT_STAGE] },
      },
    }),
  );
};

/** Grants GetSecretValue on the platforms' app-credential secrets (and their key, via Secrets Manager). */
export const grantPlatformSecretsRead = (fn: ReachFunction, secrets: readonly ISecret[]): void => {
  for (const secret of secrets) secret.grantRead(fn.role);
};

/** What a function does with media objects: sign uploads (PutObject) and/or read them (GetObject, HeadObject). */
export type MediaUse = 'upload' | 'read';

export interface MediaGrant {
  readonly bucket: IBucket;
  /** Key prefix every media object lives under (`S3MediaStore`: `media/<userId>/<mediaId>`). */
  readonly prefix: string;
  readonly uses: readonly MediaUse[];
  /** Why this function touches media; recorded with the cdk-nag acknowledgement. */
  readonly why: string;
}

/**
 * Grants the S3 calls of `S3MediaStore` on objects under the media prefix
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html). A
 * presigned URL carries the signer's permissions, so the function that signs an upload needs
 * PutObject and the one that signs a read URL needs GetObject. HeadObject is authorised by
 * GetObject; ListBucket is added because without it S3 answers a HeadObject of a missing key with
 * 403 instead of 404, and "not uploaded yet" would look like an error
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
 */
export const grantMediaObjects = (fn: ReachFunction, grant: MediaGrant): void => {
  const uses = new Set(grant.uses);
  const actions = [...(uses.has('upload') ? ['s3:PutObject'] : []), ...(uses.has('read') ? ['s3:GetObject'] : [])];
  fn.role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [grant.bucket.arnForObjects(`${grant.prefix}*`)] }));
  if (uses.has('read')) fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [grant.bucket.bucketArn] }));
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${mediaObjectsNagResource(grant.bucket, grant.prefix)}]`,
    reason: `Media objects are created per upload at run time, so they can only be named by their key prefix (${grant.prefix}). ${grant.why}`,
  });
};

/** How cdk-nag (IAM5) renders the media objects' ARN: the bucket's `Arn` attribute, then the key pattern. */
export const mediaObjectsNagResource = (bucket: IBucket, prefix: string): string =>
  `<${String(Stack.of(bucket).resolve((bucket.node.defaultChild as CfnElement).logicalId))}.Arn>/${prefix}*`;
