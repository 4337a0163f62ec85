/**
 * Route contracts: for each route key, the zod schemas its handler parses the request with and the
 * responses it answers with. A function's route table is built by `implement` from a contract table,
 * so the handler can only parse with the contract's schemas and reply with the contract's bodies
 * (checked by the compiler); the OpenAPI document (`../openapi.ts`) is generated from the very same
 * objects, so the description and the behaviour cannot drift apart.
 */
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../../../core/errors';
import { json, parseBody, parseQuery, type HttpResult, type Request, type Route } from '../../lib/http';

/** The groups operations are listed under in the document. */
export type Tag = 'system' | 'platforms' | 'connections' | 'sync' | 'insights' | 'admin' | 'posts' | 'media' | 'oauth' | 'webhooks';

/** Error statuses the edge's error mapping (`toProblem`) and the gateway can answer with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 502 | 503;

export interface HeaderDoc {
  readonly description: string;
  readonly schema: z.ZodType;
}

/** A body of another media type than JSON (HTML pages, platform-defined payloads). */
export interface MediaDoc {
  /** Absent where the platform, not Reach, defines the bytes. */
  readonly schema?: z.ZodType;
}

/** One response a route answers with: a JSON body (`schema`, what `reply` checks) or other media. */
export interface ResponseDoc {
  readonly description: string;
  readonly schema?: z.ZodType;
  readonly content?: Readonly<Record<string, MediaDoc>>;
  readonly headers?: Readonly<Record<string, HeaderDoc>>;
}

/** A body the handler takes as raw bytes because a platform signs them (webhook deliveries). */
export interface RawBodyDoc {
  readonly description: string;
  readonly content: Readonly<Record<string, MediaDoc>>;
}

export interface RouteContract {
  /** Unique, stable name of the operation (what generated clients call their method). */
  readonly operationId: string;
  readonly tag: Tag;
  /** More than the topology's one-line summary, where the route needs it. */
  readonly description?: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodType;
  /** Request headers the route reads (lower-case names, as the handler sees them). */
  readonly headers?: z.ZodObject;
  /** The JSON body, parsed with `parseBody` (an absent body parses as `{}`). */
  readonly body?: z.ZodType;
  readonly rawBody?: RawBodyDoc;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Statuses beyond the ones every route of its kind can answer (see `../openapi.ts`). */
  readonly errors?: readonly ErrorStatus[];
}

/** What the compiler compares a reply with: the schema's output, accepting read-only values. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

type Part<C, K extends string, M extends string> = C extends { readonly [P in K]: infer S extends z.ZodType } ? { readonly [P in M]: () => z.output<S> } : unknown;

/**
 * The request, with a parser for each part the contract declares (bound to the contract's schema;
 * each throws a 400 naming the offending field). A part the contract does not declare has no parser.
 */
export type RouteInput<C extends RouteContract> = { readonly req: Request } & Part<C, 'params', 'params'> &
  Part<C, 'query', 'query'> &
  Part<C, 'headers', 'headers'> &
  Part<C, 'body', 'body'>;

interface AnyInput {
  readonly req: Request;
  readonly params?: () => unknown;
  readonly query?: () => unknown;
  readonly headers?: () => unknown;
  readonly body?: () => unknown;
}

type JsonStatus<C extends RouteContract> = {
  [S in keyof C['responses']]: C['responses'][S] extends { readonly schema: z.ZodType } ? S : never;
}[keyof C['responses']];

type ReplyBody<D> = D extends { readonly schema: infer Z extends z.ZodType } ? DeepReadonly<z.output<Z>> : never;

/** Answers JSON with a status the contract documents and a body its schema describes. */
export type Reply<C extends RouteContract> = <S extends JsonStatus<C> & number>(
  status: S,
  body: ReplyBody<C['responses'][S]>,
  headers?: Readonly<Record<string, string>>,
) => HttpResult;

export type RouteHandler<C extends RouteContract> = (input: RouteInput<C>, reply: Reply<C>) => Promise<HttpResult>;

const issuesOf = (error: z.ZodError, prefix: string): FieldIssue[] =>
  error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].join('.'), message: i.message }));

const parseIn = <S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(issuesOf(parsed.error, prefix));
  return parsed.data;
};

/** Parsers for exactly the parts the contract declares (what `RouteInput` says, erased). */
const inputOf = (contract: RouteContract, req: Request): AnyInput => {
  const { params, query, headers, body } = contract;
  return {
    req,
    ...(params && { params: () => parseIn(params, req.params, 'path') }),
    ...(query && { query: () => parseQuery(req, query) }),
    ...(headers && { headers: () => parseIn(headers, req.headers, 'headers') }),
    ...(body && { body: () => parseBody(req.event, body) }),
  };
};

const replyJson = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): HttpResult => json(status, body, { ...headers });

/**
 * Builds a route table from a contract table and one handler per contract. The handler table must
 * name exactly the contracts' keys (a missing or extra route is a compile error).
 */
export const implement = <T extends Readonly<Record<string, RouteContract>>>(
  contracts: T,
  handlers: { readonly [K in keyof T]: RouteHandler<T[K]> },
): Readonly<Record<keyof T & string, Route>> => {
  const table: Record<string, Route> = {};
  for (const [key, contract] of Object.entries(contracts)) {
    // The mapped type above ties each handler to its own contract; erased here to call it.
    const run = handlers[key] as unknown as (input: AnyInput, reply: typeof replyJson) => Promise<HttpResult>;
    table[key] = (req) => run(inputOf(contract, req), replyJson);
  }
  return table as Record<keyof T & string, Route>;
};

/** Names a route table's contracts, checking each one's shape while keeping its literal type. */
export const contractsOf = <const T extends Readonly<Record<string, RouteContract>>>(table: T): T => table;

// ─── pieces shared by the contracts ──────────────────────────────────────────────────────────

/** An instant as Reach writes them (`Date.prototype.toISOString`). */
export const instant = z.string().meta({ format: 'date-time' });

/** The error body of every 4xx/5xx Reach itself answers (RFC 9457 problem details). */
export const problemSchema = z
  .object({
    type: z.string().describe('A URI naming the kind of problem, e.g. `https://reach.dev/problems/not_found`'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(z.object({ field: z.string().describe('Dotted path of the offending field, e.g. `targets.0.connectionId` or `query.limit`'), message: z.string() }))
      .optional()
      .describe('Present on 400: every field that does not fit'),
    platform: z.string().optional().describe('The platform that refused or failed, on platform errors'),
    code: z.string().optional().describe("The platform's own error code, where it gave one"),
  })
  .meta({ id: 'Problem', description: 'Problem details (RFC 9457), served as `application/problem+json`.' });

/** What API Gateway itself answers before the function runs (bad token, throttling, unknown route). */
export const gatewayMessageSchema = z.object({ message: z.string() }).meta({ id: 'GatewayMessage', description: "API Gateway's own answer, e.g. `{\"message\":\"Unauthorized\"}`." });

/** The `Location` of a resource a POST created. */
export const locationHeader: HeaderDoc = { description: 'Where the created resource is read', schema: z.string() };
