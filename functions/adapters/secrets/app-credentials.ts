import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { AppCredentials } from '../../core/model/tokens';
import type { AppCredentialsSource } from '../../core/ports/token-vault';

const schema = z.object({
  clientId: z.string().min(1, 'clientId is empty: fill the platform secret'),
  clientSecret: z.string().min(1, 'clientSecret is empty: fill the platform secret'),
  webhookSecret: z.string().optional(),
  verifyToken: z.string().optional(),
  consumerKey: z.string().optional(),
  applicationId: z.string().regex(/^\d*$/, 'applicationId must be the numeric developer application id').optional(),
  alternates: z
    .record(
      z.string(),
      z.object({
        clientId: z.string().min(1, 'an alternate clientId is empty'),
        clientSecret: z.string().min(1, 'an alternate clientSecret is empty'),
      }),
    )
    .optional(),
});

/** Thrown when an operator has not filled a platform's secret yet. */
export class PlatformNotConfiguredError extends Error {
  constructor(platform: string, detail: string) {
    super(`${platform} is not configured: ${detail}`);
    this.name = 'PlatformNotConfiguredError';
  }
}

/**
 * Reads `${prefix}${platform}` and keeps it for five minutes, so a warm function does not call
 * Secrets Manager on every request and a rotated secret is picked up soon.
 */
export class SecretsManagerAppCredentials implements AppCredentialsSource {
  private cache = new Map<string, { value: AppCredentials; until: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly now: () => Date,
    private readonly ttlMs = 300_000,
  ) {}

  async get(platform: string): Promise<AppCredentials> {
    const hit = this.cache.get(platform);
    if (hit && hit.until > this.now().getTime()) return hit.value;
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.prefix + platform }));
    let raw: unknown;
    try {
      raw = JSON.parse(out.SecretString ?? '');
    } catch {
      throw new PlatformNotConfiguredError(platform, 'the secret is not JSON');
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new PlatformNotConfiguredError(platform, parsed.error.issues.map((i) => i.message).join('; '));
    const value: AppCredentials = {
      clientId: parsed.data.clientId,
      clientSecret: parsed.data.clientSecret,
      ...(parsed.data.webhookSecret ? { webhookSecret: parsed.data.webhookSecret } : {}),
      ...(parsed.data.verifyToken ? { verifyToken: parsed.data.verifyToken } : {}),
      ...(parsed.data.consumerKey ? { consumerKey: parsed.data.consumerKey } : {}),
      ...(parsed.data.applicationId ? { applicationId: parsed.data.applicationId } : {}),
      ...(parsed.data.alternates && Object.keys(parsed.data.alternates).length > 0 ? { alternates: parsed.data.alternates } : {}),
    };
    this.cache.set(platform, { value, until: this.now().getTime() + this.ttlMs });
    return value;
  }
}
