import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { TokenSet } from '../../core/model/tokens';
import type { TokenVault } from '../../core/ports/token-vault';
import { tokenSetSchema } from '../token-set';


const isNamed = (err: unknown, name: string): boolean => err instanceof Error && err.name === name;

/**
 * One Secrets Manager secret per connection, named `${prefix}${ref}`, encrypted with the stack's
 * customer-managed key and tagged with the owning user and platform.
 */
export class SecretsManagerTokenVault implements TokenVault {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly kmsKeyId: string | undefined,
  ) {}

  async put(ref: string, tokens: TokenSet, tags: Readonly<Record<string, string>>): Promise<void> {
    const name = this.prefix + ref;
    const value = JSON.stringify(tokens);
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          ...(this.kmsKeyId !== undefined && { KmsKeyId: this.kmsKeyId }),
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    } catch (err) {
      if (!isNamed(err, 'ResourceExistsException')) throw err;
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    }
  }

  async get(ref: string): Promise<TokenSet | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.prefix + ref }));
      if (out.SecretString === undefined) return undefined;
      return tokenSetSchema.parse(JSON.parse(out.SecretString));
    } catch (err) {
      if (isNamed(err, 'ResourceNotFoundException')) return undefined;
      throw err;
    }
  }

  async delete(ref: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: this.prefix + ref, ForceDeleteWithoutRecovery: true }));
    } catch (err) {
      if (!isNamed(err, 'ResourceNotFoundException')) throw err;
    }
  }
}
