/**
 * The local API Gateway: matches requests against `topology.routes`, runs the JWT authorizer for
 * protected routes, invokes the route's function with a payload 2.0 event and writes its answer.
 * Under `/local/` it also serves what only the local runtime has: the issuer's JWKS, tokens for
 * any user, recorded events, queue stats and "run this schedule now".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { RouteDef } from '../../lib/topology';
import { BodyTooLargeError, readBody } from '../http-listen';
import type { InvokeOutcome } from '../lambda';
import { describeError, type LocalLog } from '../log';
import { buildEvent, gatewayAnswer, newRequestId, toAnswer, type AuthorizerContext, type HttpAnswer, type HttpApiEvent } from './event';
import { renderClaims, type LocalIssuer } from './jwt';
import { matchRoute } from './routes';
import { isSitePath } from './static';

/** What `/local/schedules/{id}/run` reports. */
export type ScheduleRunResult = { readonly found: false } | { readonly found: true; readonly target: string; readonly outcome: InvokeOutcome };

export interface GatewayDeps {
  readonly routes: readonly RouteDef[];
  readonly invoke: (fn: RouteDef['fn'], event: HttpApiEvent) => Promise<InvokeOutcome>;
  readonly issuer: LocalIssuer;
  readonly accountId: string;
  readonly log: LocalLog;
  readonly local: {
    events(): unknown[];
    queues(): unknown;
    peekQueue(name: string): unknown[] | undefined;
    runSchedule(id: string): Promise<ScheduleRunResult>;
  };
  /** The dashboard: answers every path outside `/v1/` and `/local/`. */
  readonly site?: (method: string, path: string) => HttpAnswer;
}

/** HTTP APIs accept payloads up to 10 MB. */
const MAX_BODY = 10 * 1024 * 1024;

const tokenRequest = z.object({
  sub: z.string().min(1, 'sub must be a non-empty string').max(256),
  groups: z.array(z.string().min(1).max(128)).max(50).optional(),
});

const json = (status: number, body: unknown): HttpAnswer => ({
  status,
  headers: [['content-type', 'application/json']],
  body: Buffer.from(JSON.stringify(body)),
});

const bearer = (header: string | undefined): string | undefined => {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  // The authorizer's identity source is the whole header; a bare token is accepted as well.
  return m ? m[1] : /^\S+$/.test(header.trim()) ? header.trim() : undefined;
};

/** Builds the request listener (the runtime binds it to its ports). */
export const createGateway = (deps: GatewayDeps) => {
  const localRoute = async (method: string, path: string, body: Buffer): Promise<HttpAnswer> => {
    const parts = path.split('/').filter(Boolean).slice(1);
    if (method === 'GET' && path === '/local/.well-known/jwks.json') return json(200, deps.issuer.jwks());
    if (method === 'GET' && path === '/local/.well-known/openid-configuration') {
      return json(200, {
        issuer: deps.issuer.issuer,
        jwks_uri: `${deps.issuer.issuer}/.well-known/jwks.json`,
        id_token_signing_alg_values_supported: ['ES256'],
        token_endpoint: `${deps.issuer.issuer}/token`,
      });
    }
    if (method === 'POST' && path === '/local/token') {
      let raw: unknown;
      try {
        raw = JSON.parse(body.toString('utf8') || '{}');
      } catch {
        return json(400, { message: 'Invalid request body', errors: [{ field: 'body', message: 'must be valid JSON' }] });
      }
      const parsed = tokenRequest.safeParse(raw);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message }));
        return json(400, { message: `Invalid request body: ${errors.map((e) => e.field).join(', ')}`, errors });
      }
      return json(200, { token: await deps.issuer.mint(parsed.data.sub, parsed.data.groups ?? []) });
    }
    if (method === 'GET' && path === '/local/events') return json(200, { events: deps.local.events() });
    if (method === 'GET' && path === '/local/queues') return json(200, { queues: deps.local.queues() });
    if (method === 'GET' && parts[0] === 'queues' && parts[2] === 'messages' && parts.length === 3) {
      const messages = deps.local.peekQueue(decodeURIComponent(parts[1]!));
      return messages ? json(200, { messages }) : gatewayAnswer(404, 'Not Found');
    }
    if (method === 'POST' && parts[0] === 'schedules' && parts[2] === 'run' && parts.length === 3) {
      const id = decodeURIComponent(parts[1]!);
      const run = await deps.local.runSchedule(id);
      if (!run.found) return json(404, { message: `Unknown schedule ${id}` });
      const o = run.outcome;
      return o.ok
        ? json(200, { scheduleId: id, target: run.target, ok: true, durationMs: o.durationMs, result: o.value ?? null })
        : json(500, { scheduleId: id, target: run.target, ok: false, durationMs: o.durationMs, timedOut: o.timedOut, error: describeError(o.error) });
    }
    return gatewayAnswer(404, 'Not Found');
  };

  const apiRoute = async (req: IncomingMessage, path: string, body: Buffer, requestId: string): Promise<HttpAnswer> => {
    const method = req.method ?? 'GET';
    const match = matchRoute(deps.routes, method, path);
    if (!match) return gatewayAnswer(404, 'Not Found');
    let authorizer: AuthorizerContext | undefined;
    if (match.route.auth !== 'public') {
      // Group checks for `admin` routes belong to the handler, as behind the deployed authorizer.
      const token = bearer(req.headers['authorization']);
      const claims = token ? await deps.issuer.verify(token) : undefined;
      if (!claims) return gatewayAnswer(401, 'Unauthorized');
      const scope = typeof claims['scope'] === 'string' ? claims['scope'].split(' ').filter(Boolean) : null;
      authorizer = { claims: renderClaims(claims), scopes: scope };
    }
    const event = buildEvent(
      {
        method,
        url: req.url ?? '/',
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        httpVersion: req.httpVersion,
        localPort: req.socket.localPort ?? 0,
      },
      { routeKey: match.routeKey, pathParameters: match.pathParameters },
      { accountId: deps.accountId, apiId: 'local', requestId },
      authorizer,
    );
    const outcome = await deps.invoke(match.route.fn, event);
    if (!outcome.ok) {
      deps.log.error(`${match.routeKey} failed in ${match.route.fn}: ${describeError(outcome.error)}`);
      // What API Gateway answers for a function error or an integration timeout.
      return outcome.timedOut ? gatewayAnswer(503, 'Service Unavailable') : gatewayAnswer(500, 'Internal Server Error');
    }
    return toAnswer(outcome.value);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const requestId = newRequestId();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let answer: HttpAnswer;
    try {
      const body = await readBody(req, MAX_BODY);
      if (deps.site && isSitePath(path)) answer = deps.site(method, path);
      else answer = path === '/local' || path.startsWith('/local/') ? await localRoute(method, path, body) : await apiRoute(req, path, body, requestId);
    } catch (err) {
      if (err instanceof BodyTooLargeError) answer = gatewayAnswer(413, 'Request Entity Too Large');
      else {
        deps.log.error(`${method} ${path}: ${describeError(err)}`);
        answer = gatewayAnswer(500, 'Internal Server Error');
      }
    }
    const headers: [string, string][] = [
      // The length is ours to state: the body may have been decoded from base64.
      ...answer.headers.filter(([k]) => k !== 'content-length' && k !== 'transfer-encoding').map(([k, v]) => [k, v] as [string, string]),
      ['content-length', String(answer.body.length)],
      ['apigw-requestid', requestId],
    ];
    res.writeHead(answer.status, headers.flat());
    res.end(answer.body);
    deps.log.info(`${method} ${path} ${answer.status} ${Date.now() - started}ms`);
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      deps.log.error(`gateway failure: ${describeError(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
};
