/**
 * The Meta fake with two apps, as Meta keeps them: Instagram Login checks the Instagram app's
 * credentials, Facebook Login (for Pages, and for Instagram through Facebook Login) the Facebook
 * app's. Each login refuses the other app.
 */
import { createFacebookProvider } from '../../functions/providers/facebook';
import { createHttpClient, type HttpClient } from '../../functions/providers/http';
import { createInstagramProvider } from '../../functions/providers/instagram';
import type { AppCredentials } from '../../functions/core/model/tokens';
import type { Provider } from '../../functions/providers/types';
import { startFakes, type RunningFakes } from '../../local/fakes/framework';
import { createMetaFake } from '../../local/fakes/meta';
import { REDIRECT_URI, callbackParams } from './meta-support';

const FB_APP = { clientId: '1111', clientSecret: 'facebook-app-secret' };
const IG_APP = { clientId: '2222', clientSecret: 'instagram-app-secret' };

let fakes: RunningFakes;
let http: HttpClient;
let instagram: Provider;
let facebook: Provider;
beforeAll(async () => {
  fakes = await startFakes({ platforms: [createMetaFake(FB_APP, { instagramApp: IG_APP })] });
  http = createHttpClient({ platformBaseUrl: fakes.baseUrl, defaultTimeoutMs: 5000 });
  instagram = createInstagramProvider({ http, now: () => new Date() });
  facebook = createFacebookProvider({ http, now: () => new Date() });
});
afterAll(() => fakes.close());

/** Opens the consent URL as a browser would; the callback's parameters, or the error page's status. */
const consent = async (provider: Provider, credentials: AppCredentials, variant?: string) => {
  const url = provider.oauth.authorizeUrl({
    state: 's',
    redirectUri: REDIRECT_URI,
    scopes: provider.manifest.oauth.defaultScopes,
    codeChallenge: 'c',
    credentials,
    ...(variant !== undefined && { variant }),
  });
  const res = await fetch(http.publicUrl(url), { redirect: 'manual' });
  return res.status === 302 ? { params: callbackParams(new URL(res.headers.get('location')!)) } : { status: res.status, text: await res.text() };
};

const connect = async (provider: Provider, credentials: AppCredentials, variant?: string) => {
  const { params } = await consent(provider, credentials, variant);
  const tokens = await provider.oauth.exchangeCode({ code: params!['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials, params: params!, ...(variant !== undefined && { variant }) });
  return provider.accounts.list({ tokens, credentials });
};

describe('two Meta apps', () => {
  it('connects Instagram Login with the Instagram app', async () => {
    expect(await connect(instagram, IG_APP, 'instagram_login')).toHaveLength(1);
  });

  it('refuses Instagram Login with the Facebook app', async () => {
    expect(await consent(instagram, FB_APP, 'instagram_login')).toMatchObject({ status: 400, text: expect.stringContaining('Invalid platform app') });
  });

  it('connects Pages with the Facebook app, and refuses the Instagram app there', async () => {
    expect(await connect(facebook, FB_APP)).toHaveLength(2);
    expect(await consent(facebook, IG_APP)).toMatchObject({ status: 400, text: expect.stringContaining('Invalid App ID') });
  });

  it('connects Instagram through Facebook Login with the Facebook app only', async () => {
    expect(await connect(instagram, FB_APP, 'facebook_login')).toHaveLength(1);
    expect(await consent(instagram, IG_APP, 'facebook_login')).toMatchObject({ status: 400 });
  });

  it('checks the Instagram app secret when Instagram Login exchanges the code', async () => {
    const { params } = await consent(instagram, IG_APP, 'instagram_login');
    const wrongSecret = { ...IG_APP, clientSecret: FB_APP.clientSecret };
    await expect(instagram.oauth.exchangeCode({ code: params!['code']!, redirectUri: REDIRECT_URI, codeVerifier: 'v', credentials: wrongSecret, params: params! })).rejects.toMatchObject({
      failure: { kind: 'invalid_request' },
    });
  });
});
