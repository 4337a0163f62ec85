/**
 * One way to read the Graph API: versioned URL, the token in the `Authorization` header (so it
 * never sits in a URL that may be logged), and `appsecret_proof` on graph.facebook.com, which
 * apps with "Require App Secret" turned on must send
 * (https://developers.facebook.com/docs/graph-api/securing-requests#appsecret_proof).
 */
import { createHmac } from 'node:crypto';
import type { z } from 'zod';
import { callJson, type CallContext, type QueryValue } from '../http';
import { FACEBOOK_GRAPH, graphUrl } from './constants';

/** `appsecret_proof`: hex HMAC-SHA256 of the access token keyed with the app secret. */
export const appSecretProof = (accessToken: string, appSecret: string): string =>
  createHmac('sha256', appSecret).update(accessToken).digest('hex');

export interface GraphRead {
  /** `FACEBOOK_GRAPH` or `INSTAGRAM_GRAPH`. */
  readonly host: string;
  /** Path below the version, e.g. `/me/accounts`. */
  readonly path: string;
  readonly accessToken: string;
  /** The app secret, for `appsecret_proof` on graph.facebook.com. */
  readonly appSecret?: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
}

/** `appsecret_proof` for a call on `host`: sent on graph.facebook.com only (graph.instagram.com has no such check). */
export const proofQuery = (host: string, accessToken: string, appSecret: string | undefined): Record<string, string> =>
  appSecret !== undefined && host === FACEBOOK_GRAPH ? { appsecret_proof: appSecretProof(accessToken, appSecret) } : {};

/** GETs a Graph node or edge and validates the answer with `schema`. */
export const graphGet = <S extends z.ZodType>(ctx: CallContext, read: GraphRead, schema: S): Promise<z.infer<S>> =>
  callJson(
    ctx,
    {
      method: 'GET',
      url: graphUrl(read.host, read.path),
      query: { ...read.query, ...proofQuery(read.host, read.accessToken, read.appSecret) },
      headers: { authorization: `Bearer ${read.accessToken}` },
    },
    schema,
  );

export interface GraphWrite extends Omit<GraphRead, 'query'> {
  /** Parameters, sent as a form body (Graph reads POST parameters from the body or the query). */
  readonly form: Readonly<Record<string, string | undefined>>;
}

/** POSTs to a Graph edge with form parameters and validates the answer with `schema`. */
export const graphPost = <S extends z.ZodType>(ctx: CallContext, write: GraphWrite, schema: S): Promise<z.infer<S>> =>
  callJson(
    ctx,
    {
      method: 'POST',
      url: graphUrl(write.host, write.path),
      query: proofQuery(write.host, write.accessToken, write.appSecret),
      headers: { authorization: `Bearer ${write.accessToken}` },
      form: write.form,
    },
    schema,
  );
