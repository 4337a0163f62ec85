/** The OAuth function: start a connect (authorize URL) and finish it (platform callback). */
import { completeConnect, startConnect } from '../../core/use-cases/connect';
import { deps } from '../../composition/deps';
import { callerOf, html, httpHandler, redirect } from '../lib/http';
import { logger } from '../lib/observability';
import { implement } from './contracts/contract';
import { oauthContracts } from './contracts/oauth';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The OAuth function's routes, one per contract in `contracts/oauth.ts`. */
export const oauthRoutes = implement(oauthContracts, {
  'POST /v1/oauth/{platform}/authorize': async (input, reply) => {
    const caller = callerOf(input.req.event);
    const body = input.body();
    const started = await startConnect(deps(), { userId: caller.userId, platform: input.params().platform, ...body });
    return reply(200, { authorizeUrl: started.authorizeUrl, expiresAt: started.expiresAt });
  },

  'GET /v1/oauth/{platform}/callback': async (input) => {
    const { platform } = input.params();
    const result = await completeConnect(deps(), { platform, params: input.query() });
    if (result.outcome === 'error') {
      logger.warn('connect failed', { platform, reason: result.reason, failure: result.failure });
    }
    return redirect(result.location);
  },

  // The default return page: shows the outcome a connect flow ended with.
  'GET /v1/oauth/result': async (input) => {
    const q = input.query();
    const ok = q.status === 'connected';
    const detail = ok
      ? `Connected ${esc(q.platform ?? '')}: connection <code>${esc(q.connection ?? '')}</code>${q.connections ? ` (all: <code>${esc(q.connections)}</code>)` : ''}.`
      : `Could not connect ${esc(q.platform ?? '')}: <code>${esc(q.reason ?? 'unknown')}</code>.`;
    return html(ok ? 200 : 400, `<!doctype html><html><head><meta charset="utf-8"><title>Reach</title></head><body style="font-family:system-ui;max-width:40rem;margin:4rem auto"><h1>${ok ? 'Connected' : 'Not connected'}</h1><p>${detail}</p></body></html>`);
  },
});

export const handler = httpHandler(oauthRoutes);
