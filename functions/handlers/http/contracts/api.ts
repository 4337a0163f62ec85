/**
 * Contracts of the api function's own routes (the posts and media routes are in `posts-routes.ts`):
 * what each handler in `../api.ts` parses and answers.
 */
import { z } from 'zod';
import { contractsOf } from './contract';
import {
  adminCleanupSchema,
  adminRefreshSchema,
  adminStatsSchema,
  adminSyncSchema,
  audienceResultSchema,
  claimListSchema,
  claimVerificationResultSchema,
  connectionListSchema,
  connectionViewSchema,
  disconnectResultSchema,
  erasureSchema,
  healthSchema,
  historySchema,
  insightsSchema,
  openApiDocumentSchema,
  platformListSchema,
  syncJobSchema,
  syncRequestSchema,
  userStatsSchema,
} from './api-views';

const flag = (description: string) =>
  z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe(description);

const connectionParams = z.object({ id: z.string().describe('The connection id') });

const isoInstant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 instant');

export const disconnectQuery = z.object({ erase: flag('Also delete the connection and its history') });

export const dryRunQuery = z.object({ dryRun: flag('Say what would be queued without queueing') });

export const syncAllBody = z
  .object({
    platform: z.string().min(1).optional().describe("Only this platform's connections"),
    dryRun: z.boolean().default(false),
  })
  .strict();

export const historyQuery = z.object({
  from: isoInstant.optional().describe('Start (ISO 8601); default 30 days before `to`'),
  to: isoInstant.optional().describe('End (ISO 8601); default now'),
  interval: z.enum(['hour', 'day']).default('day').describe('`hour`: last point of each hour (at most 31 days); `day`: daily snapshots'),
});

export const claimBody = z
  .object({
    followers: z.number().int().nonnegative().describe('The self-reported follower number'),
    at: isoInstant.optional().describe('The instant the number refers to; default now'),
    tolerancePercent: z.number().positive().max(50).optional(),
  })
  .strict();

/** The connections an operator action applies to: at least one criterion (`all` for every one). */
export const selectionBody = z
  .object({
    all: z.boolean().optional(),
    userId: z.string().min(1).optional(),
    platform: z.string().min(1).optional(),
    connectionId: z.string().min(1).optional(),
    dryRun: z.boolean().default(false),
  })
  .strict();

export const cleanupBody = z
  .object({
    days: z.number().int().positive().max(3650).describe('Delete points older than this many days (daily snapshots are kept)'),
    dryRun: z.boolean().default(false),
  })
  .strict();

export const apiContracts = contractsOf({
  'GET /v1/health': { operationId: 'getHealth', tag: 'system', responses: { 200: { description: 'The function is up', schema: healthSchema } } },

  'GET /v1/openapi.json': {
    operationId: 'getOpenApi',
    tag: 'system',
    description: "Generated from the zod schemas the handlers parse and answer with; every route of the gateway is in it.",
    responses: { 200: { description: 'The OpenAPI 3.1 document', schema: openApiDocumentSchema } },
  },

  'GET /v1/platforms': { operationId: 'listPlatforms', tag: 'platforms', responses: { 200: { description: 'The enabled platforms', schema: platformListSchema } } },

  'GET /v1/connections': { operationId: 'listConnections', tag: 'connections', responses: { 200: { description: "The caller's connections", schema: connectionListSchema } } },

  'GET /v1/connections/{id}': {
    operationId: 'getConnection',
    tag: 'connections',
    params: connectionParams,
    responses: { 200: { description: 'The connection', schema: connectionViewSchema } },
  },

  'DELETE /v1/connections/{id}': {
    operationId: 'disconnect',
    tag: 'connections',
    description: 'Removes the webhook subscription and revokes the grant at the platform where it can, deletes the tokens, and keeps the connection as `revoked` (or erases it with its history).',
    params: connectionParams,
    query: disconnectQuery,
    responses: { 200: { description: 'Disconnected', schema: disconnectResultSchema } },
  },

  'DELETE /v1/me': {
    operationId: 'eraseMe',
    tag: 'connections',
    responses: { 200: { description: 'Everything erased', schema: erasureSchema } },
  },

  'POST /v1/connections/{id}/sync': {
    operationId: 'syncConnection',
    tag: 'sync',
    params: connectionParams,
    query: dryRunQuery,
    responses: { 202: { description: 'Sync job started', schema: syncRequestSchema } },
  },

  'POST /v1/sync': {
    operationId: 'syncAll',
    tag: 'sync',
    body: syncAllBody,
    responses: { 202: { description: 'Sync job started', schema: syncRequestSchema } },
  },

  'GET /v1/sync/jobs/{jobId}': {
    operationId: 'getSyncJob',
    tag: 'sync',
    params: z.object({ jobId: z.string().describe('The job id a sync request returned') }),
    responses: { 200: { description: "The job and each connection's outcome", schema: syncJobSchema } },
  },

  'GET /v1/connections/{id}/history': {
    operationId: 'getHistory',
    tag: 'insights',
    params: connectionParams,
    query: historyQuery,
    responses: { 200: { description: 'The series, oldest first', schema: historySchema } },
  },

  'GET /v1/connections/{id}/insights': {
    operationId: 'getInsights',
    tag: 'insights',
    params: connectionParams,
    responses: { 200: { description: 'Insights', schema: insightsSchema } },
  },

  'GET /v1/connections/{id}/audience': {
    operationId: 'getAudience',
    tag: 'insights',
    params: connectionParams,
    responses: { 200: { description: 'The newest breakdown, or why there is none', schema: audienceResultSchema } },
  },

  'POST /v1/connections/{id}/claims': {
    operationId: 'verifyClaim',
    tag: 'insights',
    params: connectionParams,
    body: claimBody,
    responses: { 201: { description: 'The verdict, recorded', schema: claimVerificationResultSchema } },
  },

  'GET /v1/connections/{id}/claims': {
    operationId: 'listClaims',
    tag: 'insights',
    params: connectionParams,
    responses: { 200: { description: 'The audit trail', schema: claimListSchema } },
  },

  'GET /v1/stats': { operationId: 'getStats', tag: 'insights', responses: { 200: { description: 'Totals and growth', schema: userStatsSchema } } },

  'GET /v1/admin/stats': { operationId: 'getAdminStats', tag: 'admin', responses: { 200: { description: 'Operator statistics', schema: adminStatsSchema } } },

  'POST /v1/admin/sync': {
    operationId: 'adminSync',
    tag: 'admin',
    body: selectionBody,
    responses: { 202: { description: 'One sync job per user of the selection', schema: adminSyncSchema } },
  },

  'POST /v1/admin/tokens/refresh': {
    operationId: 'adminRefreshTokens',
    tag: 'admin',
    body: selectionBody,
    responses: { 202: { description: 'Refreshes queued for the selected active connections', schema: adminRefreshSchema } },
  },

  'POST /v1/admin/cleanup': {
    operationId: 'adminCleanup',
    tag: 'admin',
    body: cleanupBody,
    responses: { 200: { description: 'Points deleted (or counted, on a dry run)', schema: adminCleanupSchema } },
  },
});
