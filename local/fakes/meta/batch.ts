/**
 * Graph batch requests in the fake (https://developers.facebook.com/docs/graph-api/batch-requests):
 * `POST graph.facebook.com/[{version}/]` with `batch=[{method, relative_url}]` (at most 50) and
 * the token of the outer request. Each call is answered by the fake's own route for it, counted
 * against the usage limits like any call, and returned in order as `{code, body}` (plus `headers`
 * unless `include_headers=false`), the body a JSON-encoded string.
 */
import { buildRequest, type FakeContext, type FakeRequest, type FakeResponse, type FakeRoute } from '../framework';
import { graphRoute, type GraphCall } from './graph-call';
import { graphError } from './responses';
import type { MetaFakeState } from './state';

const MAX_BATCH = 50;
const HOST = 'graph.facebook.com';

/** Path parameters of `path` against a route pattern (`:name` segments), or undefined. */
const match = (pattern: string, path: string): Record<string, string> | undefined => {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) params[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return undefined;
  }
  return params;
};

interface BatchItem {
  readonly method: string;
  readonly relative_url: string;
}

const parseBatch = (raw: string | null): BatchItem[] | undefined => {
  if (raw === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(json)) return undefined;
  const items: BatchItem[] = [];
  for (const x of json) {
    if (typeof x !== 'object' || x === null) return undefined;
    const { method, relative_url } = x as Record<string, unknown>;
    if (typeof relative_url !== 'string') return undefined;
    items.push({ method: typeof method === 'string' ? method.toUpperCase() : 'GET', relative_url });
  }
  return items;
};

const bodyText = (body: unknown): string => (body === undefined ? '' : typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body));

/** The batch route; `routes` gives every route of the fake, to answer each call with. */
export const batchRoutes = (state: MetaFakeState, routes: () => readonly FakeRoute[]): FakeRoute[] => {
  const handler = async (req: FakeRequest, ctx: FakeContext, _call: GraphCall): Promise<FakeResponse> => {
    const form = req.form();
    const items = parseBatch(form.get('batch') ?? req.query.get('batch'));
    if (!items) return graphError(400, { message: '(#100) The parameter batch is required and must be a JSON array', code: 100 });
    if (items.length > MAX_BATCH) return graphError(400, { message: `(#1) Too many requests in batch message. Maximum batch size is ${MAX_BATCH}`, code: 1 });
    const token = req.bearer() ?? form.get('access_token') ?? undefined;
    const proof = req.query.get('appsecret_proof') ?? form.get('appsecret_proof');
    const withHeaders = (form.get('include_headers') ?? req.query.get('include_headers')) !== 'false';
    const answers = [];
    for (const item of items) {
      const url = new URL(item.relative_url.replace(/^\/?/, '/'), `https://${HOST}`);
      // The outer request's token and proof apply to every call that names none of its own.
      if (proof !== null && !url.searchParams.has('appsecret_proof') && !url.searchParams.has('access_token')) url.searchParams.set('appsecret_proof', proof);
      const headers: Record<string, string> = token !== undefined && !url.searchParams.has('access_token') ? { authorization: `Bearer ${token}` } : {};
      const route = routes().find((r) => r.host === HOST && r.method === item.method && match(r.path, url.pathname) !== undefined);
      const res: FakeResponse = route
        ? await route.handler(buildRequest(item.method, HOST, url.pathname, url.searchParams, headers, Buffer.alloc(0), match(route.path, url.pathname)), ctx)
        : graphError(400, { message: `Unknown path components: ${url.pathname}`, code: 2500 });
      answers.push({
        code: res.status,
        ...(withHeaders && { headers: Object.entries(res.headers ?? {}).map(([name, value]) => ({ name, value })) }),
        body: bodyText(res.body),
      });
    }
    return { status: 200, body: answers };
  };
  return [graphRoute(state, 'POST', HOST, '/:version', handler), graphRoute(state, 'POST', HOST, '/', handler)];
};
