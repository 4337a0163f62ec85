/** The one refusal every publisher makes before any platform call: content that breaks its platform's rules. */
import type { z } from 'zod';
import { ProviderError, type ContentCheck, type ProviderId } from './types';

/**
 * The content's publish options as the platform's schema reads them, or an `invalid_request`
 * (`invalid_content`) naming every rule the content breaks. `name` is how the message names the
 * platform ("X", "Business Profile").
 */
export const optionsOrRefuse = <S extends z.ZodType>(platform: ProviderId, name: string, check: Pick<ContentCheck, 'violations'>, schema: S, raw: unknown): z.infer<S> => {
  const options = schema.safeParse(raw);
  if (check.violations.length > 0 || !options.success) {
    throw new ProviderError(platform, {
      kind: 'invalid_request',
      code: 'invalid_content',
      message: `content breaks ${name}'s rules: ${check.violations.map((v) => `${v.field} ${v.code}`).join(', ')}`,
    });
  }
  return options.data;
};
