/**
 * The Secrets Manager operations of the AWS JSON protocol (`secretsmanager.<Operation>`,
 * `application/x-amz-json-1.1`) over the encrypted local store. Shapes and error texts follow
 * the API reference: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Operations.html
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsError } from './errors';
import { epochSeconds, parseInput, type OperationTable } from './protocol';
import type { SecretRecord, SecretStore, SecretValue, Tag } from './secret-store';

const notFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
const invalidRequest = (message: string) => new AwsError('InvalidRequestException', message);
const markedForDeletion = () => invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");

const secretName = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9/_+=.@-]+$/, 'The secret name can contain ASCII letters, numbers, and the following characters: /_+=.@-');
const secretId = z.string().min(1).max(2048);
const requestToken = z.string().min(32).max(64).optional();
const tags = z.array(z.object({ Key: z.string().min(1).max(128), Value: z.string().max(256) })).max(50);
const valueFields = { SecretString: z.string().max(65_536).optional(), SecretBinary: z.string().optional() };

const createSecret = z.object({
  Name: secretName,
  ClientRequestToken: requestToken,
  Description: z.string().max(2048).optional(),
  KmsKeyId: z.string().optional(),
  Tags: tags.optional(),
  ...valueFields,
});
const getSecretValue = z.object({ SecretId: secretId, VersionId: z.string().optional(), VersionStage: z.string().optional() });
const putSecretValue = z.object({ SecretId: secretId, ClientRequestToken: requestToken, VersionStages: z.array(z.string()).min(1).optional(), ...valueFields });
const updateSecret = z.object({
  SecretId: secretId,
  ClientRequestToken: requestToken,
  Description: z.string().max(2048).optional(),
  KmsKeyId: z.string().optional(),
  ...valueFields,
});
const deleteSecret = z.object({
  SecretId: secretId,
  RecoveryWindowInDays: z.number().int().min(7).max(30).optional(),
  ForceDeleteWithoutRecovery: z.boolean().optional(),
});
const byId = z.object({ SecretId: secretId });
const tagResource = z.object({ SecretId: secretId, Tags: tags });
const untagResource = z.object({ SecretId: secretId, TagKeys: z.array(z.string()) });
const listSecrets = z.object({
  MaxResults: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().optional(),
  IncludePlannedDeletion: z.boolean().optional(),
  SortOrder: z.enum(['asc', 'desc']).optional(),
  Filters: z
    .array(z.object({ Key: z.enum(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']), Values: z.array(z.string()).min(1) }))
    .optional(),
});

const parse = <S extends z.ZodType>(schema: S, body: unknown): z.infer<S> =>
  parseInput(schema, body, (field, message) => invalidParameter(`${field}: ${message}`));

/** The one value a request carries, or none; both at once is refused as AWS does. */
const valueOf = (input: { SecretString?: string | undefined; SecretBinary?: string | undefined }): SecretValue | undefined => {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw invalidParameter('You can\'t specify both a binary secret value and a string secret value in the same secret.');
  }
  if (input.SecretString !== undefined) return { kind: 'string', value: input.SecretString };
  if (input.SecretBinary !== undefined) return { kind: 'binary', value: Buffer.from(input.SecretBinary, 'base64') };
  return undefined;
};

const sameValue = (a: SecretValue, b: SecretValue): boolean =>
  a.kind === b.kind && (a.kind === 'string' ? a.value === b.value : Buffer.compare(a.value, b.value as Buffer) === 0);

const stagesMap = (r: SecretRecord): Record<string, string[]> => Object.fromEntries(r.versions.map((v) => [v.versionId, v.stages]));

/** Builds the Secrets Manager operation table over `store`. */
export const secretsOperations = (store: SecretStore, region: string, accountId: string, now: () => number = Date.now): OperationTable => {
  const live = (id: string, allowDeleted = false): SecretRecord => {
    store.purgeExpired(now());
    const r = store.find(id);
    if (!r) throw notFound();
    if (r.deletedDate !== undefined && !allowDeleted) throw markedForDeletion();
    return r;
  };

  /** Adds a version that takes `stages` (AWSCURRENT by default), relabelling the older ones. */
  const addVersion = (r: SecretRecord, value: SecretValue, versionId: string, stages: readonly string[] = ['AWSCURRENT']): SecretRecord => {
    const existing = r.versions.find((v) => v.versionId === versionId);
    if (existing) {
      // A retried request with the same token is idempotent; the same token with another value is not.
      if (!sameValue(store.unseal(existing.value, r.arn, versionId), value)) {
        throw new AwsError('ResourceExistsException', `You can't modify an existing version, you can only create a new version.`);
      }
      return r;
    }
    const takesCurrent = stages.includes('AWSCURRENT');
    const versions = r.versions
      .map((v) => {
        let s = v.stages.filter((x) => !stages.includes(x));
        if (takesCurrent) {
          s = s.filter((x) => x !== 'AWSPREVIOUS');
          if (v.stages.includes('AWSCURRENT')) s.push('AWSPREVIOUS');
        }
        return { ...v, stages: s };
      })
      // Versions left without a label are deprecated; Secrets Manager removes them eventually.
      .filter((v) => v.stages.length > 0);
    versions.push({ versionId, stages: [...stages], createdDate: now(), value: store.seal(value, r.arn, versionId) });
    return { ...r, versions, lastChangedDate: now() };
  };

  return {
    CreateSecret: async (body) => {
      const input = parse(createSecret, body);
      store.purgeExpired(now());
      const existing = store.find(input.Name);
      if (existing?.deletedDate !== undefined) {
        throw invalidRequest("You can't create this secret because a secret with this name is already scheduled for deletion.");
      }
      if (existing) throw new AwsError('ResourceExistsException', `The operation failed because the secret ${input.Name} already exists.`);
      const value = valueOf(input);
      const t = now();
      let record: SecretRecord = {
        arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${input.Name}-${randomBytes(4).toString('base64url').slice(0, 6)}`,
        name: input.Name,
        ...(input.Description !== undefined && { description: input.Description }),
        ...(input.KmsKeyId !== undefined && { kmsKeyId: input.KmsKeyId }),
        tags: input.Tags ?? [],
        createdDate: t,
        lastChangedDate: t,
        versions: [],
      };
      const versionId = input.ClientRequestToken ?? randomUUID();
      if (value) record = addVersion(record, value, versionId);
      store.save(record);
      return { ARN: record.arn, Name: record.name, ...(value && { VersionId: versionId }) };
    },

    GetSecretValue: async (body) => {
      const input = parse(getSecretValue, body);
      const r = live(input.SecretId);
      const stage = input.VersionStage ?? (input.VersionId ? undefined : 'AWSCURRENT');
      const version = r.versions.find((v) => (input.VersionId === undefined || v.versionId === input.VersionId) && (stage === undefined || v.stages.includes(stage)));
      if (!version) {
        throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${input.VersionId ? `VersionId: ${input.VersionId}` : `staging label: ${stage ?? 'AWSCURRENT'}`}`);
      }
      const value = store.unseal(version.value, r.arn, version.versionId);
      // Secrets Manager records the access date to the day; write only when the day changes.
      const day = Date.parse(new Date(now()).toISOString().slice(0, 10));
      if (r.lastAccessedDate !== day) store.save({ ...r, lastAccessedDate: day });
      return {
        ARN: r.arn,
        Name: r.name,
        VersionId: version.versionId,
        ...(value.kind === 'string' ? { SecretString: value.value } : { SecretBinary: value.value.toString('base64') }),
        VersionStages: version.stages,
        CreatedDate: epochSeconds(version.createdDate),
      };
    },

    PutSecretValue: async (body) => {
      const input = parse(putSecretValue, body);
      const r = live(input.SecretId);
      const value = valueOf(input);
      if (!value) throw invalidParameter('You must provide either SecretString or SecretBinary.');
      const versionId = input.ClientRequestToken ?? randomUUID();
      const next = addVersion(r, value, versionId, input.VersionStages);
      store.save(next);
      const v = next.versions.find((x) => x.versionId === versionId);
      return { ARN: r.arn, Name: r.name, VersionId: versionId, VersionStages: v?.stages ?? [] };
    },

    UpdateSecret: async (body) => {
      const input = parse(updateSecret, body);
      let r = live(input.SecretId);
      r = {
        ...r,
        ...(input.Description !== undefined && { description: input.Description }),
        ...(input.KmsKeyId !== undefined && { kmsKeyId: input.KmsKeyId }),
        lastChangedDate: now(),
      };
      const value = valueOf(input);
      const versionId = input.ClientRequestToken ?? randomUUID();
      if (value) r = addVersion(r, value, versionId);
      store.save(r);
      return { ARN: r.arn, Name: r.name, ...(value && { VersionId: versionId }) };
    },

    DeleteSecret: async (body) => {
      const input = parse(deleteSecret, body);
      if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
        throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      }
      const r = live(input.SecretId, true);
      const t = now();
      if (input.ForceDeleteWithoutRecovery) {
        store.remove(r.name);
        return { ARN: r.arn, Name: r.name, DeletionDate: epochSeconds(t) };
      }
      if (r.deletedDate !== undefined) throw markedForDeletion();
      const deletionDate = t + (input.RecoveryWindowInDays ?? 30) * 86_400_000;
      store.save({ ...r, deletedDate: t, deletionDate });
      return { ARN: r.arn, Name: r.name, DeletionDate: epochSeconds(deletionDate) };
    },

    RestoreSecret: async (body) => {
      const r = live(parse(byId, body).SecretId, true);
      const { deletedDate: _deleted, deletionDate: _deletion, ...rest } = r;
      store.save(rest);
      return { ARN: r.arn, Name: r.name };
    },

    DescribeSecret: async (body) => {
      const r = live(parse(byId, body).SecretId, true);
      return {
        ARN: r.arn,
        Name: r.name,
        ...(r.description !== undefined && { Description: r.description }),
        ...(r.kmsKeyId !== undefined && { KmsKeyId: r.kmsKeyId }),
        RotationEnabled: false,
        LastChangedDate: epochSeconds(r.lastChangedDate),
        ...(r.lastAccessedDate !== undefined && { LastAccessedDate: epochSeconds(r.lastAccessedDate) }),
        ...(r.deletedDate !== undefined && { DeletedDate: epochSeconds(r.deletedDate) }),
        Tags: r.tags,
        VersionIdsToStages: stagesMap(r),
        CreatedDate: epochSeconds(r.createdDate),
      };
    },

    TagResource: async (body) => {
      const input = parse(tagResource, body);
      const r = live(input.SecretId, true);
      const merged: Tag[] = [...r.tags.filter((t) => !input.Tags.some((n) => n.Key === t.Key)), ...input.Tags];
      if (merged.length > 50) throw invalidParameter('A secret can have at most 50 tags.');
      store.save({ ...r, tags: merged });
      return {};
    },

    UntagResource: async (body) => {
      const input = parse(untagResource, body);
      const r = live(input.SecretId, true);
      store.save({ ...r, tags: r.tags.filter((t) => !input.TagKeys.includes(t.Key)) });
      return {};
    },

    ListSecrets: async (body) => {
      const input = parse(listSecrets, body);
      store.purgeExpired(now());
      const matches = (r: SecretRecord, key: string, value: string): boolean => {
        const negate = value.startsWith('!');
        const v = negate ? value.slice(1) : value;
        const starts = (s: string | undefined) => s !== undefined && s.toLowerCase().startsWith(v.toLowerCase());
        let hit: boolean;
        switch (key) {
          case 'name':
            hit = starts(r.name);
            break;
          case 'description':
            hit = starts(r.description);
            break;
          case 'tag-key':
            hit = r.tags.some((t) => starts(t.Key));
            break;
          case 'tag-value':
            hit = r.tags.some((t) => starts(t.Value));
            break;
          case 'primary-region':
            hit = starts(region);
            break;
          case 'owning-service':
            hit = false;
            break;
          default:
            hit = starts(r.name) || starts(r.description) || r.tags.some((t) => starts(t.Key) || starts(t.Value));
        }
        return negate ? !hit : hit;
      };
      let list = store
        .list()
        .filter((r) => input.IncludePlannedDeletion || r.deletedDate === undefined)
        .filter((r) => (input.Filters ?? []).every((f) => f.Values.some((v) => matches(r, f.Key, v))));
      list = list.sort((a, b) => (input.SortOrder === 'desc' ? b.createdDate - a.createdDate : a.createdDate - b.createdDate));
      const start = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64url').toString('utf8')) : 0;
      if (!Number.isInteger(start) || start < 0) throw invalidParameter('NextToken is not valid.');
      const size = input.MaxResults ?? 100;
      const page = list.slice(start, start + size);
      return {
        SecretList: page.map((r) => ({
          ARN: r.arn,
          Name: r.name,
          ...(r.description !== undefined && { Description: r.description }),
          ...(r.kmsKeyId !== undefined && { KmsKeyId: r.kmsKeyId }),
          LastChangedDate: epochSeconds(r.lastChangedDate),
          ...(r.deletedDate !== undefined && { DeletedDate: epochSeconds(r.deletedDate) }),
          Tags: r.tags,
          SecretVersionsToStages: stagesMap(r),
          CreatedDate: epochSeconds(r.createdDate),
        })),
        ...(start + size < list.length && { NextToken: Buffer.from(String(start + size), 'utf8').toString('base64url') }),
      };
    },
  };
};
