/** The OAuth function: start a connect (authorize URL) and finish it (platform callback). */
import { z } from 'zod';
import { completeConnect, startConnect } from '../../core/use-cases/connect';
import { deps } from '../../composition/deps';
import { callerOf, html, httpHandler, json, parseBody, redirect } from '../lib/http';
import { logger } from '../lib/observability';

const authorizeBody = z
  .object({
    returnUrl: z.string().url().optional(),
    scopes: z.array(z.string().min(1).max(200)).max(50).optional(),
    accounts: z.array(z.string().min(1).max(300)).min(1).max(100).optional(),
    variant: z.string().min(1).max(50).optional(),
  })
  .strict();

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const handler = httpHandler({
  'POST /v1/oauth/{platform}/authorize': async (req) => {
    const caller = callerOf(req.event);
    const body = parseBody(req.event, authorizeBody);
    const started = await startConnect(deps(), { userId: caller.userId, platform: req.params['platform'] ?? '', ...body });
    return json(200, { authorizeUrl: started.authorizeUrl, expiresAt: started.expiresAt });
  },

  'GET /v1/oauth/{platform}/callback': async (req) => {
    const result = await completeConnect(deps(), { platform: req.params['platform'] ?? '', params: req.query });
    if (result.outcome === 'error') {
      logger.warn('connect failed', { platform: req.params['platform'], reason: result.reason, failure: result.failure });
    }
    return redirect(result.location);
  },

  // The default return page: shows the outcome a connect flow ended with.
  'GET /v1/oauth/result': async (req) => {
    const q = req.query;
    const ok = q['status'] === 'connected';
    const detail = ok
      ? `Connected ${esc(q['platform'] ?? '')}: connection <code>${esc(q['connection'] ?? '')}</code>${q['connections'] ? ` (all: <code>${esc(q['connections'])}</code>)` : ''}.`
      : `Could not connect ${esc(q['platform'] ?? '')}: <code>${esc(q['reason'] ?? 'unknown')}</code>.`;
    return html(ok ? 200 : 400, `<!doctype html><html><head><meta charset="utf-8"><title>Reach</title></head><body style="font-family:system-ui;max-width:40rem;margin:4rem auto"><h1>${ok ? 'Connected' : 'Not connected'}</h1><p>${detail}</p></body></html>`);
  },
});
