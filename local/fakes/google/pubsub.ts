/**
 * Cloud Pub/Sub push as the fake sends it (https://cloud.google.com/pubsub/docs/push,
 * https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions): a JSON envelope around
 * the base64 message, with `Authorization: Bearer <RS256 OIDC token>` signed by the fake's own
 * key, whose JWKS the fake serves where Google serves its keys:
 *   GET www.googleapis.com/oauth2/v3/certs
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { FakeResponse, FakeRoute } from '../framework';

/** The service account a push subscription authenticates as (the operator chooses it). */
export const PUSH_SERVICE_ACCOUNT = 'reach-push@reach-fake.iam.gserviceaccount.com';
export const PUSH_SUBSCRIPTION = 'projects/reach-fake/subscriptions/business-profile-notifications';
const TOKEN_LIFETIME_SECONDS = 3600;

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

const newKey = (kid?: string): SigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKey.export({ format: 'jwk' });
  const id = kid ?? createHash('sha256').update(String(pub.n)).digest('hex').slice(0, 40);
  return { kid: id, privateKey, jwk: { kty: 'RSA', n: pub.n, e: pub.e, kid: id, alg: 'RS256', use: 'sig' } };
};

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface PushOptions {
  readonly audience: string;
  readonly now: Date;
  /** `forged`: signed with a key Google never published; `stale`: a token that expired an hour ago. */
  readonly mode: 'valid' | 'forged' | 'stale';
}

export interface PushDelivery {
  readonly target: string;
  readonly kind: string;
  readonly status: number;
  readonly at: string;
}

const DELIVERY_TIMEOUT_MS = 5000;

/** The fake's push signer, its published keys and the pushes it sent. */
export class FakePubSub {
  private readonly key = newKey();
  private forger: SigningKey | undefined;
  readonly deliveries: PushDelivery[] = [];

  /** POSTs one push as Pub/Sub does and records the answer (0 when nothing answered). */
  async push(target: string, body: string, token: string, kind: string, now: Date): Promise<number> {
    let status: number;
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)',
        },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0;
    }
    this.deliveries.push({ target, kind, status, at: now.toISOString() });
    return status;
  }

  /** Google's JWKS answer. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [this.key.jwk] };
  }

  /** An OIDC token as Pub/Sub attaches it to a push. */
  token(options: PushOptions): string {
    // A forger may copy the key id, but not the key.
    const key = options.mode === 'forged' ? (this.forger ??= newKey(this.key.kid)) : this.key;
    const iat = Math.floor(options.now.getTime() / 1000) - (options.mode === 'stale' ? 2 * TOKEN_LIFETIME_SECONDS : 0);
    const header = { alg: 'RS256', kid: key.kid, typ: 'JWT' };
    const claims = {
      aud: options.audience,
      azp: '111222333444555666777',
      email: PUSH_SERVICE_ACCOUNT,
      email_verified: true,
      exp: iat + TOKEN_LIFETIME_SECONDS,
      iat,
      iss: 'https://accounts.google.com',
      sub: '111222333444555666777',
    };
    const input = `${b64url(header)}.${b64url(claims)}`;
    return `${input}.${sign('RSA-SHA256', Buffer.from(input), key.privateKey).toString('base64url')}`;
  }

  /** The push body for one message (both spellings of the ids, as Pub/Sub sends them). */
  envelope(data: unknown, publishTime: Date, attributes: Record<string, string> = {}): string {
    const messageId = String(10n ** 15n + BigInt(`0x${randomBytes(6).toString('hex')}`));
    const time = publishTime.toISOString();
    return JSON.stringify({
      message: {
        ...(Object.keys(attributes).length > 0 && { attributes }),
        data: Buffer.from(JSON.stringify(data)).toString('base64'),
        messageId,
        message_id: messageId,
        publishTime: time,
        publish_time: time,
      },
      subscription: PUSH_SUBSCRIPTION,
    });
  }

  /** The JWKS route. */
  routes(): FakeRoute[] {
    const certs = (): FakeResponse => ({
      status: 200,
      headers: { 'content-type': 'application/json; charset=UTF-8', 'cache-control': 'public, max-age=21600, must-revalidate, no-transform' },
      body: this.jwks(),
    });
    return [{ method: 'GET', host: 'www.googleapis.com', path: '/oauth2/v3/certs', handler: certs }];
  }
}
