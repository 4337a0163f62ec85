/**
 * The token store choice (`tokenStore` context key / StageConfig): with `secrets-manager` (default)
 * the functions that handle tokens get today's Secrets Manager grants and nothing on the Tokens
 * table; with `dynamodb-kms` they get exactly the Tokens-table items and envelope key uses their
 * vault calls need, limited to this stage's encryption context, and no token-secret rights. Both
 * synthesize clean under cdk-nag.
 */
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CONTEXT_REF, CONTEXT_STAGE } from '../../functions/adapters/dynamodb/token-vault';
import { envSchema } from '../../functions/config/env';
import { tokenSecretPrefix, TOKEN_STORES } from '../../lib/config';

const TOKEN_SECRET_PREFIX = tokenSecretPrefix('dev');
import { grantTokenSecrets } from '../../lib/constructs/grants';
import { ReachFunction } from '../../lib/constructs/node-function';
import { tableLogicalId } from '../../lib/constructs/table';
import { KEY_LOGICAL_ID } from '../../lib/features/secrets';
import { functions, tableEnv, tables, type FunctionId, type TableDef } from '../../lib/topology';
import { actionsOf, buildStack, iamStatements, type Built, type Statement } from './template';

const tokensDef = tables.find((t) => t.id === 'Tokens') as TableDef;
const TOKENS_TABLE = tableLogicalId(tokensDef);
const KEY_ARN = { 'Fn::GetAtt': [KEY_LOGICAL_ID, 'Arn'] };
const mentions = (value: unknown, text: string): boolean => (JSON.stringify(value) ?? '').includes(text);

/** The functions whose use cases call the token vault, and what each does with it. */
const VAULT_USERS: Readonly<Partial<Record<FunctionId, { items: string[]; keyUses: string[] }>>> = {
  oauth: { items: ['dynamodb:PutItem'], keyUses: ['kms:GenerateDataKey'] },
  tokenWorker: { items: ['dynamodb:GetItem', 'dynamodb:PutItem'], keyUses: ['kms:Decrypt', 'kms:GenerateDataKey'] },
  api: { items: ['dynamodb:DeleteItem', 'dynamodb:GetItem'], keyUses: ['kms:Decrypt'] },
  webhookWorker: { items: ['dynamodb:DeleteItem', 'dynamodb:GetItem'], keyUses: ['kms:Decrypt'] },
  syncWorker: { items: ['dynamodb:GetItem'], keyUses: ['kms:Decrypt'] },
  publishWorker: { items: ['dynamodb:GetItem'], keyUses: ['kms:Decrypt'] },
  analyticsPlanner: { items: ['dynamodb:GetItem'], keyUses: ['kms:Decrypt'] },
  // A deauthorize callback only deletes: it never opens a token set.
  webhooks: { items: ['dynamodb:DeleteItem'], keyUses: [] },
};
const vaultUsers = Object.keys(VAULT_USERS).sort();

const inspect = (built: Built) => {
  const roleId = (id: FunctionId) => built.logicalId(built.stack.functions[id].role.node.defaultChild as CfnElement);
  const statementsOf = (id: FunctionId): Statement[] =>
    iamStatements(built.resources)
      .filter((s) => s.roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId(id) })))
      .map((s) => s.statement);
  const tokenTableStatements = (id: FunctionId) => statementsOf(id).filter((s) => mentions(s.Resource, `"${TOKENS_TABLE}"`));
  const secretStatements = (id: FunctionId) => statementsOf(id).filter((s) => mentions(s.Resource, `:secret:${TOKEN_SECRET_PREFIX}*`));
  const envelopeStatements = (id: FunctionId) => statementsOf(id).filter((s) => mentions(s.Condition, 'kms:EncryptionContext'));
  const envOf = (id: FunctionId) => built.resources[built.logicalId(built.stack.functions[id].fn.node.defaultChild as CfnElement)]?.Properties?.['Environment']['Variables'] as Record<string, unknown>;
  return { statementsOf, tokenTableStatements, secretStatements, envelopeStatements, envOf };
};

const nagFindings = (built: Built): string[] =>
  new AwsSolutionsChecks(built.app).validateScope(built.app).violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

const acknowledgements = (root: IConstruct) =>
  root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as Record<string, unknown>).map((id) => ({ path: c.node.path, id: id.replace(/^annotation::/i, '') }))),
  );

/** Acknowledgements that silence no finding where they are attached (the checks run with acknowledgements ignored). */
const staleAcknowledgements = (built: Built): string[] => {
  const raw = new AwsSolutionsChecks(built.app);
  Object.defineProperty(raw, 'isAcknowledged', { value: () => false });
  const findings = raw.validateScope(built.app).violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
  return acknowledgements(built.app)
    .filter((ack) => !findings.some((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`))))
    .map((ack) => `${ack.id} at ${ack.path}`);
};

describe('token store: secrets-manager (default)', () => {
  const built = buildStack();
  const t = inspect(built);

  it('keeps the Secrets Manager grants and gives nobody the Tokens table or envelope key uses', () => {
    const secretHolders = functions.map((f) => f.id).filter((id) => t.secretStatements(id).length > 0).sort();
    expect(secretHolders).toEqual(vaultUsers);
    for (const f of functions) {
      expect({ fn: f.id, tokensTable: t.tokenTableStatements(f.id) }).toEqual({ fn: f.id, tokensTable: [] });
      expect({ fn: f.id, envelope: t.envelopeStatements(f.id) }).toEqual({ fn: f.id, envelope: [] });
    }
  });

  it('tells every function which store it uses', () => {
    for (const f of functions) expect(t.envOf(f.id)).toMatchObject({ TOKEN_STORE: 'secrets-manager', [tableEnv('Tokens')]: { Ref: TOKENS_TABLE } });
  });

  it('still creates the (empty) Tokens table: switching stores later adds no stateful resource', () => {
    const table = built.resources[TOKENS_TABLE];
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.Properties?.['KeySchema']).toEqual([{ AttributeName: 'ref', KeyType: 'HASH' }]);
    expect(table?.Properties?.['TimeToLiveSpecification']).toBeUndefined();
    expect(table?.Properties?.['GlobalSecondaryIndexes']).toBeUndefined();
  });
});

describe('token store: dynamodb-kms', () => {
  const built = buildStack({ tokenStore: 'dynamodb-kms' });
  const t = inspect(built);

  it('gives token-secret rights to nobody', () => {
    for (const f of functions) {
      expect({ fn: f.id, secrets: t.secretStatements(f.id) }).toEqual({ fn: f.id, secrets: [] });
      const secretsManagerKeyUse = t.statementsOf(f.id).filter((s) => mentions(s.Condition, 'secretsmanager.'));
      expect({ fn: f.id, secretsManagerKeyUse }).toEqual({ fn: f.id, secretsManagerKeyUse: [] });
    }
  });

  it('gives each vault user exactly the Tokens-table item calls its use cases make, on that table only', () => {
    const holders = functions.map((f) => f.id).filter((id) => t.tokenTableStatements(id).some((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')))).sort();
    expect(holders).toEqual(vaultUsers);
    for (const [id, expected] of Object.entries(VAULT_USERS) as Array<[FunctionId, { items: string[] }]>) {
      const items = t.tokenTableStatements(id).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
      expect({ id, items: items.map((s) => actionsOf(s).sort()) }).toEqual({ id, items: [expected.items] });
      expect(items[0]?.Resource).toEqual({ 'Fn::GetAtt': [TOKENS_TABLE, 'Arn'] });
    }
  });

  it('lets them use the key directly only for data keys of this stage\'s tokens', () => {
    for (const f of functions) {
      const expected = VAULT_USERS[f.id]?.keyUses ?? [];
      const envelope = t.envelopeStatements(f.id);
      expect({ fn: f.id, actions: envelope.flatMap(actionsOf).sort() }).toEqual({ fn: f.id, actions: expected });
      for (const s of envelope) {
        expect(s.Resource).toEqual(KEY_ARN);
        expect(s.Condition).toEqual({
          StringEquals: { [`kms:EncryptionContext:${CONTEXT_STAGE}`]: 'dev' },
          Null: { [`kms:EncryptionContext:${CONTEXT_REF}`]: 'false' },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [CONTEXT_REF, CONTEXT_STAGE] },
        });
      }
    }
  });

  it('uses the key through DynamoDB or with the token encryption context, never unconditioned', () => {
    for (const { statement } of iamStatements(built.resources)) {
      if (!actionsOf(statement).some((a) => a.startsWith('kms:'))) continue;
      const via = mentions(statement.Condition, 'kms:ViaService');
      const envelope = mentions(statement.Condition, `kms:EncryptionContext:${CONTEXT_STAGE}`);
      expect({ actions: actionsOf(statement), conditioned: via || envelope }).toEqual({ actions: actionsOf(statement), conditioned: true });
    }
  });

  it('lets the vault users read the Tokens table through its key (via DynamoDB)', () => {
    for (const id of vaultUsers as FunctionId[]) {
      const tableKey = t.statementsOf(id).filter((s) => mentions(s.Condition, 'dynamodb.') && actionsOf(s).includes('kms:Decrypt'));
      expect({ id, tableKey: tableKey.length > 0 }).toEqual({ id, tableKey: true });
    }
  });

  it('tells every function to use the envelope store, with the key and the Tokens table', () => {
    for (const f of functions) {
      expect(t.envOf(f.id)).toMatchObject({ TOKEN_STORE: 'dynamodb-kms', TOKEN_KMS_KEY_ID: KEY_ARN, [tableEnv('Tokens')]: { Ref: TOKENS_TABLE } });
    }
  });

  it('passes cdk-nag AwsSolutions with no finding and no stale acknowledgement', () => {
    expect(nagFindings(built)).toEqual([]);
    expect(staleAcknowledgements(built)).toEqual([]);
  });
});

describe('a token grant', () => {
  it('points at the store it names: Secrets Manager secrets under the prefix, through the key', () => {
    const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Grants');
    const key = new Key(stack, 'Key');
    const fn = new ReachFunction(stack, 'Fn', { def: functions.find((f) => f.id === 'syncWorker')!, logRetention: RetentionDays.ONE_WEEK, serviceName: 'reach-test' });
    grantTokenSecrets(fn, { store: { kind: 'secrets-manager' }, prefix: TOKEN_SECRET_PREFIX, key, uses: ['read'], why: 'The test function reads a token set.' });
    const statements = iamStatements(Template.fromStack(stack).toJSON()['Resources']).map((s) => s.statement);
    expect(statements.some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))).toBe(true);
    expect(statements.some((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')))).toBe(false);
  });
});

describe('token store choices', () => {
  it('are the same in the CDK config and the functions\' environment schema', () => {
    expect(envSchema.shape.TOKEN_STORE.unwrap().options).toEqual([...TOKEN_STORES]);
  });

  it('reject an unknown store at synth', () => {
    expect(() => buildStack({ tokenStore: 'parameter-store' })).toThrow(/tokenStore/);
  });
});
