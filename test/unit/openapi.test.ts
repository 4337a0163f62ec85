/**
 * The OpenAPI document describes exactly the routes that exist — in the topology, in the handlers'
 * route tables and in the synthesized API Gateway — and is a structurally valid OpenAPI 3.1
 * document: required fields, resolvable references, declared path parameters, unique operation ids.
 */
import { apiRoutes } from '../../functions/handlers/http/api';
import { routeContracts } from '../../functions/handlers/http/contracts';
import { buildOpenApi, type JsonObject, type OpenApiDocument } from '../../functions/handlers/http/openapi';
import { oauthRoutes } from '../../functions/handlers/http/oauth';
import { createWebhookRoutes } from '../../functions/handlers/http/webhooks';
import { routeKey, routes, type RouteDef } from '../../lib/topology';
import { buildStack, ofType } from '../infra/template';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const sorted = (keys: Iterable<string>): string[] => [...keys].sort();
const topologyKeys = (fn?: RouteDef['fn']): string[] => sorted(routes.filter((r) => !fn || r.fn === fn).map(routeKey));

/** The (method, path) pairs of a document, as route keys. */
const documentKeys = (doc: OpenApiDocument): string[] =>
  sorted(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));

const operations = (doc: OpenApiDocument): Array<{ key: string; path: string; op: JsonObject }> =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, op })));

/** Every `$ref` anywhere in a value, with where it was found. */
const refsIn = (value: unknown, at = '#'): Array<{ ref: string; at: string }> => {
  if (Array.isArray(value)) return value.flatMap((v, i) => refsIn(v, `${at}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ ref: v, at }] : refsIn(v, `${at}/${k}`)));
};

/** Resolves a local JSON pointer (RFC 6901) in the document, or undefined. */
const resolve = (doc: unknown, ref: string): unknown => {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
};

const paramsOf = (op: JsonObject): JsonObject[] => (Array.isArray(op['parameters']) ? (op['parameters'] as JsonObject[]) : []);

describe('buildOpenApi', () => {
  const doc = buildOpenApi({ version: '1.2.3', serverUrl: 'https://api.example.com/' });

  describe('covers every route, and nothing else', () => {
    it('has exactly the topology routes', () => {
      expect(documentKeys(doc)).toEqual(topologyKeys());
      expect(routes.map(routeKey)).toContain('GET /v1/openapi.json');
    });

    it('has exactly the routes each function registers in its handler table', () => {
      expect(sorted(Object.keys(apiRoutes))).toEqual(topologyKeys('api'));
      expect(sorted(Object.keys(oauthRoutes))).toEqual(topologyKeys('oauth'));
      const webhookRoutes = createWebhookRoutes(() => {
        throw new Error('no dependencies are needed to list the routes');
      });
      expect(sorted(Object.keys(webhookRoutes))).toEqual(topologyKeys('webhooks'));
    });

    it('has one contract per route (no contract for a route that does not exist)', () => {
      expect(sorted(Object.keys(routeContracts))).toEqual(topologyKeys());
    });

    it('has exactly the routes of the synthesized API Gateway', () => {
      const { resources } = buildStack({});
      const deployed = ofType(resources, 'AWS::ApiGatewayV2::Route').map(([, r]) => String(r.Properties?.['RouteKey']));
      expect(deployed).toHaveLength(routes.length);
      expect(sorted(deployed)).toEqual(documentKeys(doc));
    });
  });

  describe('is a structurally valid OpenAPI 3.1 document', () => {
    it('has the required top-level fields', () => {
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info).toEqual(expect.objectContaining({ title: 'Reach API', version: '1.2.3' }));
      expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(doc.servers).toEqual([{ url: 'https://api.example.com' }]);
      for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\/v1\//);
    });

    it('resolves every $ref inside the document', () => {
      const refs = refsIn(doc);
      expect(refs.length).toBeGreaterThan(50);
      const dangling = refs.filter(({ ref }) => resolve(doc, ref) === undefined);
      expect(dangling).toEqual([]);
    });

    it('keeps no JSON Schema dialect or $defs of its own inside the schemas', () => {
      expect(JSON.stringify(doc)).not.toContain('"$defs"');
      expect(JSON.stringify(doc)).not.toContain('"$schema"');
    });

    it('gives every operation a unique operationId, a summary, a declared tag and responses', () => {
      const ops = operations(doc);
      const ids = ops.map(({ op }) => op['operationId']);
      expect(new Set(ids).size).toBe(ids.length);
      const tags = new Set<string>(doc.tags.map((t) => t.name));
      for (const { key, op } of ops) {
        const method = key.split(' ')[0]!.toLowerCase();
        expect({ key, method: METHODS.includes(method) }).toEqual({ key, method: true });
        expect({ key, operationId: typeof op['operationId'], summary: typeof op['summary'] }).toEqual({ key, operationId: 'string', summary: 'string' });
        for (const tag of op['tags'] as string[]) expect({ key, tag, declared: tags.has(tag) }).toEqual({ key, tag, declared: true });
        const statuses = Object.keys(op['responses'] as JsonObject);
        expect(statuses.length).toBeGreaterThan(0);
        for (const s of statuses) expect(s).toMatch(/^[1-5]\d\d$/);
        expect(statuses.some((s) => s.startsWith('2') || s.startsWith('3'))).toBe(true);
      }
    });

    it('declares every path template parameter as a required path parameter, and no other', () => {
      for (const { key, path, op } of operations(doc)) {
        const inPath = sorted([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!));
        const declared = paramsOf(op).filter((p) => p['in'] === 'path');
        expect({ key, params: sorted(declared.map((p) => String(p['name']))) }).toEqual({ key, params: inPath });
        for (const p of declared) expect({ key, name: p['name'], required: p['required'] }).toEqual({ key, name: p['name'], required: true });
      }
    });

    it('gives every parameter a place, a name and a schema, once', () => {
      for (const { key, op } of operations(doc)) {
        const params = paramsOf(op);
        const ids = params.map((p) => `${String(p['in'])}:${String(p['name']).toLowerCase()}`);
        expect({ key, unique: new Set(ids).size === ids.length }).toEqual({ key, unique: true });
        for (const p of params) {
          expect(['path', 'query', 'header', 'cookie']).toContain(p['in']);
          expect(typeof p['schema']).toBe('object');
        }
      }
    });

    it('uses only the declared security scheme, and none on public routes', () => {
      const schemes = Object.keys(doc.components.securitySchemes);
      expect(doc.components.securitySchemes['bearerJwt']).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }));
      for (const r of routes) {
        const op = doc.paths[r.path]![r.method.toLowerCase()]!;
        const security = op['security'] as Array<Record<string, string[]>>;
        if (r.auth === 'public') expect({ route: routeKey(r), security }).toEqual({ route: routeKey(r), security: [] });
        else for (const requirement of security) for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
      }
    });
  });

  describe('describes the routes as the handlers serve them', () => {
    const op = (method: string, path: string): JsonObject => doc.paths[path]![method]!;
    const responses = (o: JsonObject) => o['responses'] as Record<string, JsonObject>;

    it('answers errors with the shared problem details, and 401 only where a token is needed', () => {
      const problem = doc.components.schemas['Problem']!;
      expect(problem['required']).toEqual(['type', 'title', 'status', 'detail']);
      expect(Object.keys(problem['properties'] as JsonObject)).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'errors']));
      expect(resolve(doc, '#/components/responses/BadRequest')).toEqual(
        expect.objectContaining({ content: expect.objectContaining({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }) }),
      );
      for (const r of routes) {
        const codes = Object.keys(responses(op(r.method.toLowerCase(), r.path)));
        expect({ route: routeKey(r), codes }).toEqual({ route: routeKey(r), codes: expect.arrayContaining(['400', '404', '409', '429', '500', '502', '503']) });
        if (r.auth !== 'public') expect(codes).toContain('401');
        if (r.auth === 'admin') expect(codes).toContain('403');
      }
      expect(Object.keys(responses(op('get', '/v1/health')))).not.toContain('401');
      expect(responses(op('get', '/v1/admin/stats'))['403']).toEqual({ $ref: '#/components/responses/Forbidden' });
    });

    it('describes request bodies from the handlers\' schemas: required fields, strictness, optional bodies', () => {
      const claim = op('post', '/v1/connections/{id}/claims')['requestBody'] as JsonObject;
      expect(claim['required']).toBe(true);
      const schema = (claim['content'] as Record<string, { schema: JsonObject }>)['application/json']!.schema;
      expect(schema).toEqual(expect.objectContaining({ type: 'object', required: ['followers'], additionalProperties: false }));
      // Every field of `POST /v1/sync` has a default or is optional: the body may be left out.
      expect((op('post', '/v1/sync')['requestBody'] as JsonObject)['required']).toBe(false);
    });

    it('describes query parameters as the handler accepts them (defaults make them optional)', () => {
      const params = paramsOf(op('get', '/v1/posts'));
      expect(params.map((p) => [p['name'], p['required']])).toEqual([
        ['status', false],
        ['cursor', false],
        ['limit', false],
      ]);
      expect(params.find((p) => p['name'] === 'limit')!['schema']).toEqual(expect.objectContaining({ type: 'integer', minimum: 1, maximum: 100, default: 20 }));
    });

    it('documents the Idempotency-Key header where the route honours it, and only there', () => {
      const withKey = operations(doc)
        .filter(({ op: o }) => paramsOf(o).some((p) => p['in'] === 'header' && p['name'] === 'Idempotency-Key'))
        .map(({ key }) => key);
      expect(sorted(withKey)).toEqual(['POST /v1/media', 'POST /v1/posts']);
      const created = responses(op('post', '/v1/posts'))['201']!;
      expect(created['headers']).toEqual({ Location: expect.objectContaining({ schema: { type: 'string' } }) });
      expect(created['content']).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Post' } } });
    });

    it('describes responses as open objects, so adding a field is not a breaking change', () => {
      const connection = doc.components.schemas['Connection']!;
      expect(connection['additionalProperties']).toBeUndefined();
      expect(connection['required']).toEqual(expect.arrayContaining(['id', 'platform', 'status', 'scopes', 'tier', 'createdAt', 'updatedAt']));
      expect((connection['properties'] as Record<string, JsonObject>)['latest']).toEqual({ $ref: '#/components/schemas/MetricSnapshot' });
    });

    it('documents webhook deliveries as the platforms\' raw, signed payloads', () => {
      const delivery = op('post', '/v1/webhooks/{platform}');
      const body = delivery['requestBody'] as JsonObject;
      expect(body['required']).toBe(true);
      expect(Object.keys(body['content'] as JsonObject)).toEqual(expect.arrayContaining(['application/json']));
      expect(String(delivery['description'])).toMatch(/signature/);
      expect(Object.keys(responses(delivery))).toEqual(expect.arrayContaining(['200', '401', '403', '413']));
      const deauthorize = op('post', '/v1/webhooks/meta/deauthorize')['requestBody'] as JsonObject;
      expect(Object.keys(deauthorize['content'] as JsonObject)).toEqual(['application/x-www-form-urlencoded']);
    });

    it('notes the admin group on admin routes', () => {
      const custom = buildOpenApi({ version: '1', adminGroup: 'operators' });
      const stats = custom.paths['/v1/admin/stats']!['get']!;
      expect(stats['x-reach-group']).toBe('operators');
      expect(String(stats['description'])).toContain('`operators` group');
      expect(custom.servers).toBeUndefined();
    });

    it("lists the deployment's platforms as the {platform} values, webhook routes only those with webhooks", () => {
      const custom = buildOpenApi({
        version: '1',
        platforms: [
          { id: 'alpha', displayName: 'Alpha', docsUrl: 'https://alpha.example/docs', webhooks: true },
          { id: 'beta', displayName: 'Beta', docsUrl: 'https://beta.example/docs', webhooks: false },
        ],
      });
      const platformParam = (method: string, path: string) => paramsOf(custom.paths[path]![method]!).find((p) => p['name'] === 'platform')!;
      expect((platformParam('post', '/v1/oauth/{platform}/authorize')['schema'] as JsonObject)['enum']).toEqual(['alpha', 'beta']);
      const delivery = platformParam('post', '/v1/webhooks/{platform}');
      expect((delivery['schema'] as JsonObject)['enum']).toEqual(['alpha']);
      expect(String(delivery['description'])).toContain('Alpha (https://alpha.example/docs)');
    });
  });
});
