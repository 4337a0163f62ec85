/**
 * The OpenAPI 3.1 description of Reach's HTTP API, generated — never written by hand — from the
 * topology's routes (path, method, summary, auth) and the route contracts (the zod schemas the
 * handlers parse requests and type-check replies with). OpenAPI 3.1 schemas are JSON Schema
 * draft 2020-12, which is what zod 4 emits: https://spec.openapis.org/oas/v3.1.1#schema-object
 */
import { z } from 'zod';
import { routeKey, routes, type Auth, type RouteDef } from '../../../lib/topology';
import { routeContracts } from './contracts';
import { gatewayMessageSchema, problemSchema, type ErrorStatus, type MediaDoc, type ResponseDoc, type RouteContract, type Tag } from './contracts/contract';

export type JsonObject = { [key: string]: unknown };

/** What the document says about one enabled platform (the `{platform}` values and their docs). */
export interface PlatformDoc {
  readonly id: string;
  readonly displayName: string;
  readonly docsUrl: string;
  /** Whether the platform delivers webhooks to `/v1/webhooks/{platform}`. */
  readonly webhooks: boolean;
}

export interface OpenApiOptions {
  /** The API's public base URL (the `servers` entry); absent, paths are relative to the host serving the document. */
  readonly serverUrl?: string;
  readonly version: string;
  /** The group the admin routes require (`ADMIN_GROUP`); `admin` when not given. */
  readonly adminGroup?: string;
  /** The enabled platforms: they become the `{platform}` enums. */
  readonly platforms?: readonly PlatformDoc[];
}

export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  servers?: { url: string }[];
  tags: { name: Tag; description: string }[];
  paths: Record<string, Record<string, JsonObject>>;
  components: {
    schemas: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
    securitySchemes: Record<string, JsonObject>;
  };
};

const OPENAPI_VERSION = '3.1.1';
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const SCHEMAS = '#/components/schemas/';
const BEARER = 'bearerJwt';

const TAGS: Readonly<Record<Tag, string>> = {
  system: 'Liveness and this description',
  platforms: 'What each platform can do',
  connections: "The caller's connected accounts",
  sync: 'Reading figures from the platforms now',
  insights: 'History, engagement, growth, authenticity and claims',
  admin: 'Operator actions (admin group)',
  posts: 'Publishing to several connections at once',
  media: 'Files attached to posts',
  oauth: 'Connecting an account through the platform',
  webhooks: "The platforms' callbacks (public; each proves itself by its signature)",
};

/** Problem responses shared by the operations, by status. */
const ERROR_RESPONSES: Readonly<Record<ErrorStatus, { readonly name: string; readonly description: string; readonly gateway?: true; readonly retryAfter?: true }>> = {
  400: { name: 'BadRequest', description: 'The request does not fit: `errors` names every offending field' },
  401: { name: 'Unauthorized', description: 'No valid bearer token (API Gateway answers `{"message":"Unauthorized"}`), or no verifiable signature on a delivery', gateway: true },
  403: { name: 'Forbidden', description: 'Authenticated but not allowed (a group the route needs, a signature that does not hold)' },
  404: { name: 'NotFound', description: "Not found — another user's ids are not found either" },
  409: { name: 'Conflict', description: 'The state does not allow it (e.g. the platform no longer accepts the grant: reconnect)' },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than the route takes' },
  422: { name: 'Unprocessable', description: 'Understood but not possible (a capability the platform or deployment lacks, an Idempotency-Key reused with another body)' },
  429: { name: 'TooManyRequests', description: 'Throttled by the gateway, by Reach or by the platform: wait `Retry-After` seconds', gateway: true, retryAfter: true },
  500: { name: 'InternalError', description: 'Something went wrong on our side (the detail names the request id, nothing else)' },
  502: { name: 'PlatformError', description: 'The platform refused the call' },
  503: { name: 'PlatformUnavailable', description: 'The platform did not answer: try again after `Retry-After` seconds', retryAfter: true },
};

/** What any route of the kind can answer: the edge's error mapping applies to every route. */
const BASE_ERRORS: readonly ErrorStatus[] = [400, 404, 409, 429, 500, 502, 503];

const errorsOf = (auth: Auth, contract: RouteContract): ErrorStatus[] => {
  const all = new Set<ErrorStatus>([...BASE_ERRORS, ...(auth === 'public' ? [] : [401 as const]), ...(auth === 'admin' ? [403 as const] : []), ...(contract.errors ?? [])]);
  return [...all].sort((a, b) => a - b);
};

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Points zod's local `$defs` references at the document's components. */
const relink = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(relink);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? SCHEMAS + v.slice('#/$defs/'.length) : relink(v);
  return out;
};

/**
 * Converts zod schemas to JSON Schema, gathering the named ones (`.meta({ id })`) as components.
 * Requests are described as the input they accept (defaults make a field optional); responses as
 * the output they carry, left open (no `additionalProperties: false`) because clients must ignore
 * fields they do not know, so that adding one is not a breaking change.
 */
const schemaConverter = (components: Record<string, JsonObject>) => (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
  const generated = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    ...(io === 'output' && {
      override: ({ jsonSchema }) => {
        if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
      },
    }),
  }) as JsonObject;
  const { $schema: _dialect, $defs, ...rest } = generated;
  for (const [id, def] of Object.entries(isObject($defs) ? $defs : {})) {
    const linked = relink(def) as JsonObject;
    const existing = components[id];
    // One name, one shape: a schema used both as a request and as a response would differ here.
    if (existing && JSON.stringify(existing) !== JSON.stringify(linked)) throw new Error(`Schema ${id} is described in two different ways`);
    components[id] = linked;
  }
  return relink(rest) as JsonObject;
};

type Convert = ReturnType<typeof schemaConverter>;

/** `idempotency-key` → `Idempotency-Key` (header names are case-insensitive; this is how they are written). */
const headerName = (name: string): string => name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

const platformEnum = (name: string, contract: RouteContract, platforms: readonly PlatformDoc[] | undefined): JsonObject => {
  if (name !== 'platform' || !platforms) return {};
  const listed = contract.tag === 'webhooks' ? platforms.filter((p) => p.webhooks) : platforms;
  return {
    enum: listed.map((p) => p.id),
    description: `One of this deployment's platforms:\n${listed.map((p) => `- \`${p.id}\`: ${p.displayName} (${p.docsUrl})`).join('\n')}`,
  };
};

const parametersOf = (where: 'path' | 'query' | 'header', schema: z.ZodType | undefined, convert: Convert, contract: RouteContract, platforms: readonly PlatformDoc[] | undefined): JsonObject[] => {
  if (!schema) return [];
  const json = convert(schema, 'input');
  const required = new Set(Array.isArray(json['required']) ? json['required'].map(String) : []);
  const properties = isObject(json['properties']) ? json['properties'] : {};
  const params: JsonObject[] = Object.entries(properties).map(([name, raw]) => {
    const { description, ...propertySchema } = isObject(raw) ? raw : {};
    const platform = where === 'path' ? platformEnum(name, contract, platforms) : {};
    const text = [description, platform['description']].filter((t): t is string => typeof t === 'string').join('\n\n');
    return {
      name: where === 'header' ? headerName(name) : name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(text && { description: text }),
      schema: { ...propertySchema, ...(platform['enum'] !== undefined && { enum: platform['enum'] }) },
    };
  });
  // A free-form remainder (the platform's own parameters): one exploded object parameter.
  const rest = json['additionalProperties'];
  if (where === 'query' && isObject(rest)) {
    params.push({
      name: 'parameters',
      in: 'query',
      required: false,
      style: 'form',
      explode: true,
      description: typeof json['description'] === 'string' ? json['description'] : 'Other parameters, passed on as received',
      schema: { type: 'object', additionalProperties: rest },
    });
  }
  return params;
};

const mediaOf = (content: Readonly<Record<string, MediaDoc>>, convert: Convert, io: 'input' | 'output'): JsonObject =>
  Object.fromEntries(Object.entries(content).map(([type, m]) => [type, m.schema ? { schema: convert(m.schema, io) } : {}]));

const responseOf = (doc: ResponseDoc, convert: Convert): JsonObject => ({
  description: doc.description,
  ...(doc.headers && {
    headers: Object.fromEntries(Object.entries(doc.headers).map(([name, h]) => [name, { description: h.description, schema: convert(h.schema, 'output') }])),
  }),
  ...((doc.schema || doc.content) && {
    content: { ...(doc.schema && { 'application/json': { schema: convert(doc.schema, 'output') } }), ...(doc.content && mediaOf(doc.content, convert, 'output')) },
  }),
});

const requestBodyOf = (contract: RouteContract, convert: Convert): JsonObject | undefined => {
  if (contract.body) {
    // An absent body parses as `{}`: the body is optional exactly when `{}` is a valid one.
    return { required: !contract.body.safeParse({}).success, content: { 'application/json': { schema: convert(contract.body, 'input') } } };
  }
  if (contract.rawBody) return { required: true, description: contract.rawBody.description, content: mediaOf(contract.rawBody.content, convert, 'input') };
  return undefined;
};

const operationOf = (route: RouteDef, contract: RouteContract, convert: Convert, options: OpenApiOptions): JsonObject => {
  const group = options.adminGroup ?? 'admin';
  const admin = route.auth === 'admin' ? `Only for members of the \`${group}\` group (the token's \`cognito:groups\`); anyone else gets 403.` : undefined;
  const description = [contract.description, admin].filter(Boolean).join('\n\n');
  const responses: JsonObject = {};
  for (const [status, doc] of Object.entries(contract.responses)) responses[status] = responseOf(doc, convert);
  for (const status of errorsOf(route.auth, contract)) responses[String(status)] ??= { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` };
  const parameters = [
    ...parametersOf('path', contract.params, convert, contract, options.platforms),
    ...parametersOf('query', contract.query, convert, contract, options.platforms),
    ...parametersOf('header', contract.headers, convert, contract, options.platforms),
  ];
  const requestBody = requestBodyOf(contract, convert);
  return {
    operationId: contract.operationId,
    summary: route.summary,
    ...(description && { description }),
    tags: [contract.tag],
    security: route.auth === 'public' ? [] : [{ [BEARER]: [] }],
    ...(admin && { 'x-reach-group': group }),
    ...(parameters.length > 0 && { parameters }),
    ...(requestBody && { requestBody }),
    responses,
  };
};

const errorComponents = (): Record<string, JsonObject> => {
  const problem = { $ref: `${SCHEMAS}Problem` };
  const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 0 } } };
  return Object.fromEntries(
    Object.values(ERROR_RESPONSES).map((e) => [
      e.name,
      {
        description: e.description,
        ...(e.retryAfter && { headers: retryAfter }),
        content: { 'application/problem+json': { schema: problem }, ...(e.gateway && { 'application/json': { schema: { $ref: `${SCHEMAS}GatewayMessage` } } }) },
      },
    ]),
  );
};

const DESCRIPTION = [
  "Reach connects social accounts through each platform's official OAuth, keeps their figures and history in sync, and publishes posts.",
  "Authenticated routes take the user pool's JWT as `Authorization: Bearer <token>`; every read keys on the token's subject, so another user's ids are simply not found.",
  'Errors are problem details (RFC 9457, `application/problem+json`); a 400 names every offending field in `errors`.',
  '`POST /v1/posts` and `POST /v1/media` honour an `Idempotency-Key` header.',
].join('\n\n');

/** Builds the document for every topology route; a route without a contract is a programming error. */
export const buildOpenApi = (options: OpenApiOptions): OpenApiDocument => {
  const components: Record<string, JsonObject> = {};
  const convert = schemaConverter(components);
  convert(problemSchema, 'output');
  convert(gatewayMessageSchema, 'output');
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) {
    const key = routeKey(route);
    const contract = routeContracts[key];
    if (!contract) throw new Error(`No contract for ${key}`);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operationOf(route, contract, convert, options);
  }
  return {
    openapi: OPENAPI_VERSION,
    info: { title: 'Reach API', version: options.version, description: DESCRIPTION },
    jsonSchemaDialect: DIALECT,
    ...(options.serverUrl !== undefined && { servers: [{ url: options.serverUrl.replace(/\/+$/, '') }] }),
    tags: (Object.keys(TAGS) as Tag[]).map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      responses: errorComponents(),
      securitySchemes: {
        [BEARER]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "A token of the stage's Cognito user pool (verified by API Gateway's JWT authorizer)" },
      },
    },
  };
};
