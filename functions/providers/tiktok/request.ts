/**
 * The two ways TikTok answers, read once: the flat OAuth answers of /v2/oauth/* and the
 * `{data, error}` envelope of the API. Either may carry an error with HTTP 200, so a 2xx is only a
 * success once its body says so.
 */
import type { z } from 'zod';
import { parseJson, sendClassified, toFailure, type CallContext, type HttpRequest } from '../http';
import { ProviderError } from '../types';
import { envelopeSchema, oauthErrorSchema, revokeAnswerSchema, tokenAnswerSchema, type TokenAnswer } from './schemas';

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const unexpected = (path: string, issues: readonly Issue[]): ProviderError =>
  new ProviderError('tiktok', {
    kind: 'permanent',
    code: 'unexpected_answer',
    message: `unexpected answer from ${path}: ${issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(body)'} ${i.message}`)
      .join('; ')}`,
  });

/** `Authorization: Bearer <user access token>`, as every Display API call takes it. */
export const bearer = (accessToken: string): Readonly<Record<string, string>> => ({ authorization: `Bearer ${accessToken}` });

/**
 * POSTs a form to an OAuth endpoint and returns the token answer. An `{error, …}` body is a
 * failure whatever the status.
 */
export const postForToken = async (ctx: CallContext, url: string, form: Readonly<Record<string, string | undefined>>): Promise<TokenAnswer> => {
  const res = await sendClassified(ctx, { method: 'POST', url, form, headers: { 'cache-control': 'no-cache' } });
  const json = parseJson(res.text);
  if (oauthErrorSchema.safeParse(json).success) throw new ProviderError('tiktok', ctx.classify(toFailure(res)));
  const parsed = tokenAnswerSchema.safeParse(json);
  if (!parsed.success) throw unexpected(new URL(url).pathname, parsed.error.issues);
  return parsed.data;
};

/** True for a body carrying an error in either of TikTok's shapes. */
const isRefusal = (json: unknown): boolean => {
  if (oauthErrorSchema.safeParse(json).success) return true;
  const envelope = envelopeSchema.safeParse(json);
  return envelope.success && envelope.data.error !== undefined && envelope.data.error.code !== 'ok';
};

/** POSTs a form to an OAuth endpoint whose success has no body worth reading (revoke). */
export const postForm = async (ctx: CallContext, url: string, form: Readonly<Record<string, string | undefined>>): Promise<void> => {
  const res = await sendClassified(ctx, { method: 'POST', url, form, headers: { 'cache-control': 'no-cache' } });
  const json = parseJson(res.text);
  if (isRefusal(json)) throw new ProviderError('tiktok', ctx.classify(toFailure(res)));
  const parsed = revokeAnswerSchema.safeParse(json);
  if (!parsed.success) throw unexpected(new URL(url).pathname, parsed.error.issues);
};

/**
 * Calls a Display or Posting API endpoint and returns its `data`, validated by `schema`. An error
 * struct whose code is not `ok` is a failure even with HTTP 200. `rewrite` may adjust the raw text
 * before it is parsed (e.g. to keep int64 ids exact).
 */
export const callApi = async <S extends z.ZodType>(
  ctx: CallContext,
  request: HttpRequest,
  schema: S,
  options: { readonly rewrite?: (text: string) => string } = {},
): Promise<z.infer<S>> => {
  const res = await sendClassified(ctx, request);
  const path = new URL(request.url).pathname;
  const envelope = envelopeSchema.safeParse(parseJson(options.rewrite ? options.rewrite(res.text) : res.text));
  if (!envelope.success) throw unexpected(path, envelope.error.issues);
  if (envelope.data.error && envelope.data.error.code !== 'ok') throw new ProviderError('tiktok', ctx.classify(toFailure(res)));
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) throw unexpected(path, data.error.issues);
  return data.data;
};
