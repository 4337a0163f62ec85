/**
 * The dashboard on the local API port: the built page from memory, and `/config.json` telling it
 * to sign in with the local issuer's dev tokens. CloudFront plays this part in AWS (helper stack
 * in `lib/`), with the same security headers.
 */
import { extname } from 'node:path';
import { dashboardSecurityHeaders } from '../../web/build';
import type { DashboardConfig } from '../../web/build';
import { gatewayAnswer, type HttpAnswer } from './event';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** The local page's configuration: same-origin API, dev tokens from `POST /local/token`. */
export const LOCAL_DASHBOARD_CONFIG: DashboardConfig = { apiBase: '', auth: { kind: 'dev', tokenUrl: '/local/token' } };

/** Whether `path` belongs to the site rather than to the API or the local tools. */
export const isSitePath = (path: string): boolean =>
  !(path === '/v1' || path.startsWith('/v1/') || path === '/local' || path.startsWith('/local/'));

/**
 * Answers GET/HEAD for the built files (`/` is `index.html`) and `/config.json`; anything else is
 * the gateway's own `404 {"message":"Not Found"}`, as before the site existed (the page routes
 * with `#/…`, so no path needs a fallback to index).
 */
export const createSiteHandler = (files: ReadonlyMap<string, Uint8Array>, config: DashboardConfig = LOCAL_DASHBOARD_CONFIG) => {
  const security = Object.entries(dashboardSecurityHeaders());
  const served = new Map<string, Uint8Array>(files);
  served.set('config.json', Buffer.from(JSON.stringify(config)));
  return (method: string, path: string): HttpAnswer => {
    let name = 'index.html';
    try {
      if (path !== '/') name = decodeURIComponent(path.slice(1));
    } catch {
      name = '';
    }
    const body = served.get(name);
    if (!body || (method !== 'GET' && method !== 'HEAD')) return gatewayAnswer(404, 'Not Found');
    const headers: (readonly [string, string])[] = [...security, ['cache-control', 'no-cache']];
    const type = CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';
    // For HEAD, Node's server sends the headers (with this body's length) and drops the body.
    return { status: 200, headers: [...headers, ['content-type', type]], body: Buffer.from(body) };
  };
};
