/** The REST API function: connections, platforms, the caller's data, and this API's description. */
import { version } from '../../../package.json';
import { toConnectionView } from '../../core/model/connection';
import { NotFoundError } from '../../core/errors';
import { disconnect, eraseUser, getConnection, listConnections } from '../../core/use-cases/connections';
import { connectionHistory } from '../../core/use-cases/history';
import { requestSync } from '../../core/use-cases/sync';
import { connectionAudience, connectionInsights, listClaims, userStats, verifyClaim } from '../../core/use-cases/insights';
import { adminStats } from '../../core/use-cases/operations';
import { adminCleanup, adminRefreshTokens, adminSync } from '../../core/use-cases/admin';
import { queues, schedules } from '../../../lib/topology';
import { deps } from '../../composition/deps';
import { callerOf, httpHandler, requireGroup } from '../lib/http';
import { platformView } from '../lib/views';
import { apiContracts } from './contracts/api';
import { implement } from './contracts/contract';
import { buildOpenApi, type OpenApiDocument } from './openapi';
import { postRoutes } from './posts-routes';

const started = new Date().toISOString();

let openApi: OpenApiDocument | undefined;

/** The document, built on first request (most cold starts never serve it) and kept for the container's life. */
const openApiDocument = (): OpenApiDocument => {
  if (openApi) return openApi;
  const d = deps();
  openApi = buildOpenApi({
    serverUrl: d.env.PUBLIC_API_URL,
    version,
    adminGroup: d.env.ADMIN_GROUP,
    platforms: d.platforms.list().map((p) => ({ id: p.manifest.id, displayName: p.manifest.displayName, docsUrl: p.manifest.docsUrl, webhooks: p.webhooks !== undefined })),
  });
  return openApi;
};

/** The api function's own routes, one per contract in `contracts/api.ts`. */
const ownRoutes = implement(apiContracts, {
  'GET /v1/health': async (_in, reply) => reply(200, { status: 'ok', service: 'reach', stage: deps().env.STAGE, startedAt: started, time: new Date().toISOString() }),

  'GET /v1/openapi.json': async (_in, reply) => reply(200, openApiDocument()),

  'GET /v1/platforms': async (_in, reply) => reply(200, { platforms: deps().platforms.list().map(platformView) }),

  'GET /v1/connections': async ({ req }, reply) => {
    const caller = callerOf(req.event);
    const all = await listConnections(deps(), caller.userId);
    return reply(200, { connections: all.map(toConnectionView) });
  },

  'GET /v1/connections/{id}': async (input, reply) => {
    const caller = callerOf(input.req.event);
    return reply(200, toConnectionView(await getConnection(deps(), caller.userId, input.params().id)));
  },

  'DELETE /v1/connections/{id}': async (input, reply) => {
    const caller = callerOf(input.req.event);
    const { erase } = input.query();
    return reply(200, await disconnect(deps(), caller.userId, input.params().id, { erase }));
  },

  'POST /v1/connections/{id}/sync': async (input, reply) => {
    const caller = callerOf(input.req.event);
    const { dryRun } = input.query();
    const connection = await getConnection(deps(), caller.userId, input.params().id);
    return reply(202, await requestSync(deps(), caller.userId, [connection], { dryRun }));
  },

  'POST /v1/sync': async (input, reply) => {
    const caller = callerOf(input.req.event);
    const body = input.body();
    const all = await listConnections(deps(), caller.userId);
    const chosen = body.platform ? all.filter((c) => c.platform === body.platform) : all;
    return reply(202, await requestSync(deps(), caller.userId, chosen, { dryRun: body.dryRun }));
  },

  'GET /v1/sync/jobs/{jobId}': async (input, reply) => {
    const caller = callerOf(input.req.event);
    const { jobId } = input.params();
    const job = await deps().jobs.getSyncJob(caller.userId, jobId);
    if (!job) throw new NotFoundError(`Sync job ${jobId}`);
    const states = Object.values(job.connections).map((c) => c.outcome);
    const done = states.every((s) => s !== 'queued');
    return reply(200, { ...job, status: done ? 'done' : 'running' });
  },

  'GET /v1/connections/{id}/history': async (input, reply) => {
    const caller = callerOf(input.req.event);
    return reply(200, await connectionHistory(deps(), caller.userId, input.params().id, input.query()));
  },

  'GET /v1/connections/{id}/insights': async (input, reply) => {
    const caller = callerOf(input.req.event);
    return reply(200, await connectionInsights(deps(), caller.userId, input.params().id));
  },

  'GET /v1/connections/{id}/audience': async (input, reply) => {
    const caller = callerOf(input.req.event);
    return reply(200, await connectionAudience(deps(), caller.userId, input.params().id));
  },

  'POST /v1/connections/{id}/claims': async (input, reply) => {
    const caller = callerOf(input.req.event);
    return reply(201, await verifyClaim(deps(), caller.userId, input.params().id, input.body()));
  },

  'GET /v1/connections/{id}/claims': async (input, reply) => {
    const caller = callerOf(input.req.event);
    return reply(200, { claims: await listClaims(deps(), caller.userId, input.params().id) });
  },

  'GET /v1/stats': async ({ req }, reply) => reply(200, await userStats(deps(), callerOf(req.event).userId)),

  'GET /v1/admin/stats': async ({ req }, reply) => {
    requireGroup(callerOf(req.event), deps().env.ADMIN_GROUP);
    return reply(200, await adminStats(deps(), deps().queueStats, schedules.map((s) => s.id), queues.map((q) => q.id)));
  },

  'POST /v1/admin/sync': async (input, reply) => {
    requireGroup(callerOf(input.req.event), deps().env.ADMIN_GROUP);
    const { dryRun, ...sel } = input.body();
    return reply(202, await adminSync(deps(), sel, dryRun));
  },

  'POST /v1/admin/tokens/refresh': async (input, reply) => {
    requireGroup(callerOf(input.req.event), deps().env.ADMIN_GROUP);
    const { dryRun, ...sel } = input.body();
    return reply(202, await adminRefreshTokens(deps(), sel, dryRun));
  },

  'POST /v1/admin/cleanup': async (input, reply) => {
    requireGroup(callerOf(input.req.event), deps().env.ADMIN_GROUP);
    const body = input.body();
    return reply(200, await adminCleanup(deps(), body.days, body.dryRun));
  },

  'DELETE /v1/me': async ({ req }, reply) => {
    const caller = callerOf(req.event);
    return reply(200, await eraseUser(deps(), caller.userId));
  },
});

/** Every route the api function serves, by route key (its own and the posts and media routes). */
export const apiRoutes = { ...postRoutes, ...ownRoutes };

export const handler = httpHandler(apiRoutes);
