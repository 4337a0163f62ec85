/** The REST API function: connections, platforms, the caller's data. */
import { z } from 'zod';
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
import { callerOf, httpHandler, json, parseBody, parseQuery, requireGroup } from '../lib/http';
import { platformView } from '../lib/views';
import { postRoutes } from './posts-routes';

const started = new Date().toISOString();

const disconnectQuery = z.object({
  erase: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

const dryRunQuery = z.object({
  dryRun: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

const syncAllBody = z.object({ platform: z.string().min(1).optional(), dryRun: z.boolean().default(false) }).strict();

const isoInstant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 instant');
const historyQuery = z.object({
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  interval: z.enum(['hour', 'day']).default('day'),
});

const claimBody = z
  .object({
    followers: z.number().int().nonnegative(),
    at: isoInstant.optional(),
    tolerancePercent: z.number().positive().max(50).optional(),
  })
  .strict();

const selection = z
  .object({
    all: z.boolean().optional(),
    userId: z.string().min(1).optional(),
    platform: z.string().min(1).optional(),
    connectionId: z.string().min(1).optional(),
    dryRun: z.boolean().default(false),
  })
  .strict();

const cleanupBody = z.object({ days: z.number().int().positive().max(3650), dryRun: z.boolean().default(false) }).strict();

export const handler = httpHandler({
  ...postRoutes,

  'GET /v1/health': async () => json(200, { status: 'ok', service: 'reach', stage: deps().env.STAGE, startedAt: started, time: new Date().toISOString() }),

  'GET /v1/platforms': async () => json(200, { platforms: deps().platforms.list().map(platformView) }),

  'GET /v1/connections': async (req) => {
    const caller = callerOf(req.event);
    const all = await listConnections(deps(), caller.userId);
    return json(200, { connections: all.map(toConnectionView) });
  },

  'GET /v1/connections/{id}': async (req) => {
    const caller = callerOf(req.event);
    return json(200, toConnectionView(await getConnection(deps(), caller.userId, req.params['id'] ?? '')));
  },

  'DELETE /v1/connections/{id}': async (req) => {
    const caller = callerOf(req.event);
    const { erase } = parseQuery(req, disconnectQuery);
    return json(200, await disconnect(deps(), caller.userId, req.params['id'] ?? '', { erase }));
  },

  'POST /v1/connections/{id}/sync': async (req) => {
    const caller = callerOf(req.event);
    const { dryRun } = parseQuery(req, dryRunQuery);
    const connection = await getConnection(deps(), caller.userId, req.params['id'] ?? '');
    return json(202, await requestSync(deps(), caller.userId, [connection], { dryRun }));
  },

  'POST /v1/sync': async (req) => {
    const caller = callerOf(req.event);
    const body = parseBody(req.event, syncAllBody);
    const all = await listConnections(deps(), caller.userId);
    const chosen = body.platform ? all.filter((c) => c.platform === body.platform) : all;
    return json(202, await requestSync(deps(), caller.userId, chosen, { dryRun: body.dryRun }));
  },

  'GET /v1/sync/jobs/{jobId}': async (req) => {
    const caller = callerOf(req.event);
    const job = await deps().jobs.getSyncJob(caller.userId, req.params['jobId'] ?? '');
    if (!job) throw new NotFoundError(`Sync job ${req.params['jobId'] ?? ''}`);
    const states = Object.values(job.connections).map((c) => c.outcome);
    const done = states.every((s) => s !== 'queued');
    return json(200, { ...job, status: done ? 'done' : 'running' });
  },

  'GET /v1/connections/{id}/history': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await connectionHistory(deps(), caller.userId, req.params['id'] ?? '', parseQuery(req, historyQuery)));
  },

  'GET /v1/connections/{id}/insights': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await connectionInsights(deps(), caller.userId, req.params['id'] ?? ''));
  },

  'GET /v1/connections/{id}/audience': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await connectionAudience(deps(), caller.userId, req.params['id'] ?? ''));
  },

  'POST /v1/connections/{id}/claims': async (req) => {
    const caller = callerOf(req.event);
    return json(201, await verifyClaim(deps(), caller.userId, req.params['id'] ?? '', parseBody(req.event, claimBody)));
  },

  'GET /v1/connections/{id}/claims': async (req) => {
    const caller = callerOf(req.event);
    return json(200, { claims: await listClaims(deps(), caller.userId, req.params['id'] ?? '') });
  },

  'GET /v1/stats': async (req) => json(200, await userStats(deps(), callerOf(req.event).userId)),

  'GET /v1/admin/stats': async (req) => {
    requireGroup(callerOf(req.event), deps().env.ADMIN_GROUP);
    return json(200, await adminStats(deps(), deps().queueStats, schedules.map((s) => s.id), queues.map((q) => q.id)));
  },

  'POST /v1/admin/sync': async (req) => {
    requireGroup(callerOf(req.event), deps().env.ADMIN_GROUP);
    const { dryRun, ...sel } = parseBody(req.event, selection);
    return json(202, await adminSync(deps(), sel, dryRun));
  },

  'POST /v1/admin/tokens/refresh': async (req) => {
    requireGroup(callerOf(req.event), deps().env.ADMIN_GROUP);
    const { dryRun, ...sel } = parseBody(req.event, selection);
    return json(202, await adminRefreshTokens(deps(), sel, dryRun));
  },

  'POST /v1/admin/cleanup': async (req) => {
    requireGroup(callerOf(req.event), deps().env.ADMIN_GROUP);
    const body = parseBody(req.event, cleanupBody);
    return json(200, await adminCleanup(deps(), body.days, body.dryRun));
  },

  'DELETE /v1/me': async (req) => {
    const caller = callerOf(req.event);
    return json(200, await eraseUser(deps(), caller.userId));
  },
});
