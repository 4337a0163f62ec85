/** The stored form of a token set, checked by every token store when it reads one back. */
import { z } from 'zod';
import type { TokenSet } from '../core/model/tokens';

export const tokenSetSchema: z.ZodType<TokenSet> = z.object({
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  tokenType: z.string().optional(),
  expiresAt: z.string().optional(),
  refreshTokenExpiresAt: z.string().optional(),
  scopes: z.array(z.string()),
  obtainedAt: z.string(),
  extra: z.record(z.string(), z.string()).optional(),
});
