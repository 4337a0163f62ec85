/**
 * What every Graph route of the fake shares: the version check, bearer-token resolution,
 * `appsecret_proof`, usage accounting with its headers on every answer, natural throttling, and
 * turning thrown `GraphFailure`s and field syntax errors into Graph error bodies.
 */
import { createHmac } from 'node:crypto';
import type { FakeContext, FakeHandler, FakeRequest, FakeResponse, FakeRoute } from '../framework';
import { FieldSyntaxError } from './fields';
import { graphError, tokenError, withHeaders } from './responses';
import type { MetaFakeState, Subject } from './state';
import { usageHeaders, type BusinessObject } from './usage';

/** Thrown by renderers to answer with a Graph error from deep inside a field expansion. */
export class GraphFailure extends Error {
  constructor(readonly response: FakeResponse) {
    super('graph failure');
    this.name = 'GraphFailure';
  }
}

/** Graph versions the fake serves; older ones get Meta's deprecation error. */
const OLDEST_VERSION = 21;
const NEWEST_VERSION = 27;

const versionProblem = (version: string | undefined): FakeResponse | undefined => {
  if (version === undefined) return undefined;
  const m = /^v(\d+)\.0$/.exec(version);
  if (!m) return graphError(400, { message: `Unknown path components: /${version}`, code: 2500 });
  const n = Number(m[1]);
  if (n < OLDEST_VERSION) {
    return graphError(400, {
      message: `(#2635) You are calling a deprecated version of the Graph API. Please update to the latest version: v${NEWEST_VERSION}.0.`,
      code: 2635,
    });
  }
  if (n > NEWEST_VERSION) return graphError(400, { message: `Unknown path components: /${version}`, code: 2500 });
  return undefined;
};

/** One Graph call in progress: what it was counted against, for the usage headers. */
export class GraphCall {
  private object: BusinessObject | undefined;
  private admitted = false;

  constructor(
    private readonly state: MetaFakeState,
    private readonly ctx: FakeContext,
  ) {}

  /**
   * Counts the call against the app and `object` (an Instagram account or a Page). Answers the
   * throttling error instead when either limit is spent.
   */
  admit(object?: BusinessObject): FakeResponse | undefined {
    if (this.admitted) return undefined;
    this.admitted = true;
    this.object = object;
    const now = this.ctx.now();
    const level = this.state.meter.check(object, now);
    if (level.app.exhausted) {
      return graphError(403, { message: '(#4) Application request limit reached', code: 4, isTransient: true });
    }
    if (object && level.business?.exhausted) {
      const what = object.type === 'instagram' ? 'Instagram account' : 'Page';
      return graphError(403, {
        message: `There have been too many calls to this ${what}. Wait a bit and try again.`,
        code: object.type === 'instagram' ? 80002 : 80001,
        isTransient: true,
      });
    }
    this.state.meter.record(object, now);
    return undefined;
  }

  /** The usage headers as they stand after this call. */
  headers(): Record<string, string> {
    const level = this.state.meter.check(this.object, this.ctx.now());
    return usageHeaders(level.app.percent, this.object, level.business);
  }
}

export type GraphHandler = (req: FakeRequest, ctx: FakeContext, call: GraphCall) => FakeResponse | Promise<FakeResponse>;

/** Wraps a Graph route: version check, failures as Graph bodies, usage headers on every answer. */
export const graphRoute = (state: MetaFakeState, method: string, host: string, path: string, handler: GraphHandler): FakeRoute => {
  const wrapped: FakeHandler = async (req, ctx) => {
    const call = new GraphCall(state, ctx);
    let res: FakeResponse;
    try {
      res = versionProblem(req.params['version']) ?? (await handler(req, ctx, call));
    } catch (err) {
      if (err instanceof GraphFailure) res = err.response;
      else if (err instanceof FieldSyntaxError) res = graphError(400, { message: err.message, code: 100 });
      else throw err;
    }
    call.admit();
    return withHeaders(res, call.headers());
  };
  return { method, host, path, handler: wrapped };
};

/** The subject of an Instagram Login token (graph.instagram.com), or the 401 to answer. */
export const igSubject = (state: MetaFakeState, req: FakeRequest, ctx: FakeContext): Subject => {
  const token = req.bearer();
  const now = ctx.now();
  if (!token) throw new GraphFailure(tokenError('missing', { now, appId: state.igApp.clientId }));
  const check = state.ig.checkAccess(token, now);
  if (!check.ok) throw new GraphFailure(tokenError(check.reason, { now, expiredAt: state.expiries.get(token), appId: state.igApp.clientId }));
  const person = state.world.find(check.entry.accountId);
  if (!person) throw new GraphFailure(tokenError('unknown', { now, appId: state.igApp.clientId }));
  return { kind: 'ig', person, entry: check.entry };
};

/**
 * The subject of a Facebook token (user or Page), or the error to answer; checks
 * `appsecret_proof` when sent (and when the app requires it).
 */
export const fbSubject = (state: MetaFakeState, req: FakeRequest, ctx: FakeContext): Subject => {
  const token = req.bearer();
  const now = ctx.now();
  if (!token) throw new GraphFailure(tokenError('missing', { now, appId: state.app.clientId }));
  const check = state.fb.checkAccess(token, now);
  if (!check.ok) throw new GraphFailure(tokenError(check.reason, { now, expiredAt: state.expiries.get(token), appId: state.app.clientId }));
  const proof = req.query.get('appsecret_proof');
  if (proof === null && state.options.requireAppSecretProof) {
    throw new GraphFailure(graphError(400, { message: 'API calls from the server require an appsecret_proof argument', code: 100, type: 'GraphMethodException' }));
  }
  if (proof !== null && proof !== createHmac('sha256', state.app.clientSecret).update(token).digest('hex')) {
    throw new GraphFailure(graphError(400, { message: 'Invalid appsecret_proof provided in the API argument', code: 100, type: 'GraphMethodException' }));
  }
  const person = state.world.find(check.entry.accountId);
  if (!person) throw new GraphFailure(tokenError('unknown', { now, appId: state.app.clientId }));
  const pageId = state.pageTokens.get(token);
  const page = pageId === undefined ? undefined : person.pages.find((p) => p.id === pageId);
  return page ? { kind: 'page', person, page, entry: check.entry } : { kind: 'user', person, entry: check.entry };
};

/** Answers `(#10)` unless the grant holds every one of `scopes`. */
export const requireScopes = (subject: Subject, ...scopes: string[]): void => {
  const missing = scopes.find((s) => !subject.entry.scopes.includes(s));
  if (missing) throw new GraphFailure(graphError(403, { message: `(#10) This endpoint requires the '${missing}' permission.`, code: 10 }));
};
