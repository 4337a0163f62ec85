/**
 * Graph batch requests: up to 50 calls in one HTTP request, answered in order, each with its own
 * status and a JSON-encoded body (https://developers.facebook.com/docs/graph-api/batch-requests).
 * Each call still counts against the rate limits; the batch saves round trips, not quota.
 * Documented on graph.facebook.com only.
 */
import { z } from 'zod';
import { callJson, parseJson, type CallContext } from '../http';
import { ProviderError } from '../types';
import { FACEBOOK_GRAPH, GRAPH_VERSION, graphUrl } from './constants';
import { proofQuery } from './request';

export const MAX_BATCH = 50;

const answerSchema = z.array(
  z.union([
    z.null(),
    z.object({
      code: z.number(),
      body: z.string().optional(),
      headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    }),
  ]),
);

/** One answer of a batch: its status and parsed body, or `null` when Meta timed the call out. */
export type BatchAnswer = { readonly status: number; readonly body: unknown; readonly headers: Readonly<Record<string, string>> } | null;

/**
 * Sends GETs of `relativeUrls` (below the pinned version, e.g. `123/insights?metric=reach`) as
 * one batch with `accessToken`, and returns one answer per URL, in order.
 */
export const graphBatchGet = async (
  ctx: CallContext,
  input: { readonly accessToken: string; readonly appSecret?: string; readonly relativeUrls: readonly string[] },
): Promise<BatchAnswer[]> => {
  if (input.relativeUrls.length > MAX_BATCH) throw new RangeError(`a Graph batch takes at most ${MAX_BATCH} calls`);
  const batch = input.relativeUrls.map((url) => ({ method: 'GET', relative_url: `${GRAPH_VERSION}/${url.replace(/^\//, '')}` }));
  const answers = await callJson(
    ctx,
    {
      method: 'POST',
      url: graphUrl(FACEBOOK_GRAPH, '/'),
      query: proofQuery(FACEBOOK_GRAPH, input.accessToken, input.appSecret),
      headers: { authorization: `Bearer ${input.accessToken}` },
      form: { batch: JSON.stringify(batch), include_headers: 'false' },
    },
    answerSchema,
  );
  if (answers.length !== input.relativeUrls.length) {
    throw new ProviderError(ctx.platform, { kind: 'permanent', message: `a batch of ${input.relativeUrls.length} calls was answered with ${answers.length}` });
  }
  return answers.map((a) => {
    if (a === null) return null;
    const headers: Record<string, string> = {};
    for (const h of a.headers ?? []) headers[h.name.toLowerCase()] = h.value;
    return { status: a.code, body: parseJson(a.body ?? ''), headers };
  });
};
