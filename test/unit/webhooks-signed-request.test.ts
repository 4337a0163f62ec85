import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSignedRequest, signRequest, verifySignedRequest } from '../../functions/providers/meta-graph/signed-request';

interface Vector {
  readonly app_secret: string;
  readonly signed_request: string;
  readonly expected_payload: Record<string, unknown>;
  readonly expected_valid: boolean;
}

const dir = join(__dirname, '..', 'fixtures', 'conformance', 'meta');
const vector = (name: string): Vector => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Vector;
const vectors = ['signed_request_vector_p5.json', 'signed_request_vector_php_sdk.json'].map((name) => [name, vector(name)] as const);

const form = (signed: string) => Buffer.from(new URLSearchParams({ signed_request: signed }).toString(), 'latin1');

/** Every single-character change of `s` at a spread of positions, to any other base64url character or '='. */
const alterations = (s: string): string[] => {
  const alphabet = 'AaBb09_-=Zz';
  const out: string[] = [];
  const step = Math.max(1, Math.floor(s.length / 40));
  for (let i = 0; i < s.length; i += step) {
    for (const c of alphabet) if (c !== s[i]) out.push(s.slice(0, i) + c + s.slice(i + 1));
  }
  // Always the very first and last characters too.
  for (const i of [0, s.length - 1]) for (const c of alphabet) if (c !== s[i]) out.push(s.slice(0, i) + c + s.slice(i + 1));
  return out;
};

describe('parseSignedRequest', () => {
  it.each(vectors)('accepts the real vector %s and returns its payload', (_name, v) => {
    expect(v.expected_valid).toBe(true);
    const payload = parseSignedRequest(v.signed_request, v.app_secret);
    expect(payload).toBeDefined();
    const { user_id: userId, ...rest } = payload!;
    const { user_id: expectedUserId, ...expectedRest } = v.expected_payload;
    expect(rest).toEqual(expectedRest);
    // Meta's app-scoped ids are strings; the PHP SDK's vector has a number, read as its string.
    expect(userId).toEqual(expectedUserId === undefined ? undefined : String(expectedUserId));
  });

  it.each(vectors)('rejects %s with any single character altered (signature, separator, payload, padding)', (_name, v) => {
    const changed = alterations(v.signed_request);
    expect(changed.length).toBeGreaterThan(100);
    const accepted = changed.filter((s) => parseSignedRequest(s, v.app_secret) !== undefined);
    expect(accepted).toEqual([]);
  });

  it.each(vectors)('rejects %s under another app secret', (_name, v) => {
    expect(parseSignedRequest(v.signed_request, `${v.app_secret}x`)).toBeUndefined();
    expect(parseSignedRequest(v.signed_request, '')).toBeUndefined();
  });

  it('hashes the payload part as transmitted: the padded vector does not verify once its padding is stripped', () => {
    const v = vector('signed_request_vector_php_sdk.json');
    const [sig, payload] = v.signed_request.split('.') as [string, string];
    expect(payload.endsWith('==')).toBe(true);
    expect(parseSignedRequest(`${sig}.${payload.replace(/=+$/, '')}`, v.app_secret)).toBeUndefined();
    // The signature's own padding is optional.
    expect(parseSignedRequest(`${sig.replace(/=+$/, '')}.${payload}`, v.app_secret)).toBeDefined();
  });

  it('refuses an algorithm other than HMAC-SHA256 even when correctly signed', () => {
    expect(parseSignedRequest(signRequest({ algorithm: 'HMAC-SHA1', user_id: '1' }, 's'), 's')).toBeUndefined();
    expect(parseSignedRequest(signRequest({ algorithm: 'hmac-sha256', user_id: '1' }, 's'), 's')).toBeUndefined();
    expect(parseSignedRequest(signRequest({ user_id: '1' }, 's'), 's')).toBeUndefined();
    expect(parseSignedRequest(signRequest({ algorithm: 'HMAC-SHA256', user_id: '1' }, 's'), 's')?.user_id).toBe('1');
  });

  it.each([
    ['empty', ''],
    ['no separator', 'abc'],
    ['three parts', 'a.b.c'],
    ['empty signature', '.eyJhIjoxfQ'],
    ['empty payload', 'vlXgu64BQGFSQrY0ZcJBZASMvYvTHu9GQ0YM9rjPSso.'],
    ['non-base64 characters', 'vlXgu64BQGFSQrY0ZcJBZASMvYvTHu9GQ0YM9rjPSs+.eyJhIjoxfQ'],
    ['short signature', 'AAAA.eyJhIjoxfQ'],
    ['bad padding', 'vlXgu64BQGFSQrY0ZcJBZASMvYvTHu9GQ0YM9rjPSso===.eyJhIjoxfQ'],
    ['oversized', `${'A'.repeat(43)}.${'A'.repeat(9000)}`],
  ])('rejects a malformed value (%s) without throwing', (_name, value) => {
    expect(parseSignedRequest(value, 'secret')).toBeUndefined();
  });

  it('rejects a correctly signed payload that is not JSON', () => {
    const encoded = Buffer.from('not json').toString('base64url');
    const sig = createHmac('sha256', 's').update(encoded).digest('base64url');
    expect(parseSignedRequest(`${sig}.${encoded}`, 's')).toBeUndefined();
  });
});

describe('verifySignedRequest', () => {
  const v = vector('signed_request_vector_php_sdk.json');

  it('reads the form field and names the user, with the issue time', () => {
    expect(verifySignedRequest(form(v.signed_request), { clientId: 'app', clientSecret: v.app_secret })).toEqual({
      platformUserId: '123',
      issuedAt: new Date(321_000).toISOString(),
    });
  });

  it('accepts the webhook secret when the app secret is kept there', () => {
    expect(verifySignedRequest(form(v.signed_request), { clientId: 'app', clientSecret: 'other', webhookSecret: v.app_secret })?.platformUserId).toBe('123');
  });

  it('needs a user: a verified request without user_id names nobody', () => {
    const p5 = vector('signed_request_vector_p5.json');
    expect(parseSignedRequest(p5.signed_request, p5.app_secret)).toBeDefined();
    expect(verifySignedRequest(form(p5.signed_request), { clientId: 'app', clientSecret: p5.app_secret })).toBeUndefined();
  });

  it.each([
    ['an empty body', Buffer.alloc(0)],
    ['no signed_request field', Buffer.from('foo=bar')],
    ['the field twice', Buffer.from(`signed_request=${v.signed_request}&signed_request=${v.signed_request}`)],
    ['a JSON body', Buffer.from(JSON.stringify({ signed_request: v.signed_request }))],
    ['an oversized body', Buffer.alloc(20_000, 0x61)],
    ['a value with a trailing space', form(`${v.signed_request} `)],
  ])('rejects %s', (_name, body) => {
    expect(verifySignedRequest(body, { clientId: 'app', clientSecret: v.app_secret })).toBeUndefined();
  });
});
