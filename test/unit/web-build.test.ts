import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDashboard, dashboardSecurityHeaders, writeDashboard } from '../../web/build';
import { createSiteHandler, isSitePath, LOCAL_DASHBOARD_CONFIG } from '../../local/gateway/static';

const text = (b: Uint8Array | Buffer | undefined) => Buffer.from(b ?? []).toString('utf8');
const header = (headers: readonly (readonly [string, string])[], name: string) => headers.find(([k]) => k === name)?.[1];

describe('buildDashboard', () => {
  const files = buildDashboard({ minify: true });

  it('produces the page, its script, styles and icon', () => {
    expect([...files.keys()].sort()).toEqual(['app.js', 'favicon.svg', 'index.html', 'styles.css']);
    expect(files.get('app.js')!.length).toBeGreaterThan(10_000);
    expect(text(files.get('styles.css'))).toContain('.badge-green');
  });

  it('keeps the minified script under its 120 KB budget', () => {
    // The page validates with `zod/mini` because classic `zod` cannot be tree-shaken and put
    // ~450 KB into app.js (491 KB in all); with mini it is ~64 KB. The budget catches a stray
    // `import { z } from 'zod'` (or another heavy dependency) before it ships to every visitor.
    expect(files.get('app.js')!.length).toBeLessThan(120_000);
  });

  it('has no inline script or style for the CSP to refuse', () => {
    const html = text(files.get('index.html'));
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toContain('src="app.js"');
    expect(scripts[0]![2]!.trim()).toBe('');
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
  });

  it('keeps the unminified build readable, with an inline source map', () => {
    const dev = text(buildDashboard({ minify: false }).get('app.js'));
    expect(dev).toContain('sourceMappingURL=data:application/json');
    expect(dev).toContain('syncBadge');
  });

  it('writes the same files to a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reach-web-'));
    try {
      writeDashboard(dir, { minify: true });
      expect(readdirSync(dir).sort()).toEqual(['app.js', 'favicon.svg', 'index.html', 'styles.css']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dashboardSecurityHeaders', () => {
  it('allows only the page’s own origin, plus the origins it is told to call', () => {
    const h = dashboardSecurityHeaders({ connectSrc: ['https://auth.example.com'] });
    expect(h['content-security-policy']).toContain("default-src 'self'");
    expect(h['content-security-policy']).toContain("connect-src 'self' https://auth.example.com");
    expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(h['content-security-policy']).not.toContain('unsafe-inline');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['referrer-policy']).toBe('no-referrer');
  });
});

describe('the local site handler', () => {
  const site = createSiteHandler(new Map([['index.html', Buffer.from('<!doctype html>')], ['app.js', Buffer.from('1')]]));

  it('serves / as index.html with the security headers, and the dev config', () => {
    const index = site('GET', '/');
    expect(index.status).toBe(200);
    expect(header(index.headers, 'content-type')).toBe('text/html; charset=utf-8');
    expect(header(index.headers, 'content-security-policy')).toContain("default-src 'self'");
    expect(header(index.headers, 'referrer-policy')).toBe('no-referrer');
    expect(header(site('HEAD', '/app.js').headers, 'content-type')).toBe('text/javascript; charset=utf-8');
    expect(JSON.parse(text(site('GET', '/config.json').body))).toEqual(LOCAL_DASHBOARD_CONFIG);
  });

  it('answers anything else as the gateway does: 404 {"message":"Not Found"}', () => {
    for (const [method, path] of [
      ['GET', '/nothing.js'],
      ['POST', '/'],
      ['GET', '/%E0%A4%A'],
    ] as const) {
      const a = site(method, path);
      expect(a.status).toBe(404);
      expect(JSON.parse(text(a.body))).toEqual({ message: 'Not Found' });
    }
  });

  it('leaves /v1/ and /local/ to the API and the local tools', () => {
    expect(['/', '/app.js', '/config.json', '/v2/x', '/v10'].every(isSitePath)).toBe(true);
    expect(['/v1', '/v1/health', '/local', '/local/token'].some(isSitePath)).toBe(false);
  });
});
