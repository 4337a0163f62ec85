/**
 * Reading a top-level Graph edge (`GET /{id}/media?fields=…&limit=…&after=…`) the way the fake
 * renders field expansions: the request's `fields` as the edge's children, and cursor paging with
 * the `next` link Graph gives.
 */
import type { FakeRequest } from '../framework';
import { parseFields, type FieldSpec } from './fields';

/** A top-level edge read as if it were the field `name` with the request's `fields` as children. */
export const edgeSpec = (name: string, req: FakeRequest): FieldSpec => {
  const fields = req.query.get('fields');
  return { name, modifiers: {}, ...(fields !== null && { children: parseFields(fields) }) };
};

/** Top-level edge paging from the query (`limit`, `after`) and the `next` link Graph gives. */
export const paging = (req: FakeRequest) => {
  const limit = req.query.get('limit');
  return {
    ...(limit !== null && { limit: Number(limit) }),
    after: req.query.get('after'),
    nextUrl: (after: string, n: number) => {
      const next = new URLSearchParams(req.query);
      next.delete('access_token');
      next.delete('appsecret_proof');
      next.set('limit', String(n));
      next.set('after', after);
      return `https://${req.host}${req.path}?${next.toString()}`;
    },
  };
};

