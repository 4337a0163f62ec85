/**
 * The consent step both Meta dialogs share: pick or create the consenting account
 * (`fake_account=<name>`, default `reach.demo`), then approve at once (auto mode or
 * `fake_decision=approve`), deny (`fake_decision=deny`), or show the framework's consent page.
 * A code is issued only on approval.
 */
import { consent, type FakeContext, type FakeRequest, type FakeResponse } from '../framework';

export const DEFAULT_ACCOUNT = 'reach.demo';

/** The redirect URI with `params` added to its query, and an optional fragment. */
export const redirectWith = (redirectUri: string, params: Readonly<Record<string, string>>, fragment?: string): string => {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return `${url.toString()}${fragment ?? ''}`;
};

export interface ConsentInput {
  readonly platform: string;
  readonly scopes: readonly string[];
  /** Issues the code for `account` and returns the redirect carrying it. */
  readonly approve: (account: string) => string;
  readonly denyUrl: string;
}

/** Runs the consent step for an authorize request that passed validation. */
export const runConsent = (req: FakeRequest, ctx: FakeContext, input: ConsentInput): FakeResponse => {
  const account = req.query.get('fake_account')?.trim() || DEFAULT_ACCOUNT;
  const decision = req.query.get('fake_decision');
  if (decision === 'deny') return { status: 302, headers: { location: input.denyUrl } };
  const immediate = ctx.consentMode() === 'auto' || decision === 'approve';
  const approveUrl = immediate
    ? input.approve(account)
    : (() => {
        const again = new URLSearchParams(req.query);
        again.set('fake_decision', 'approve');
        return `${ctx.baseUrl()}/${req.host}${req.path}?${again.toString()}`;
      })();
  return consent(req, ctx, { platform: input.platform, account, scopes: input.scopes, approveUrl, denyUrl: input.denyUrl });
};
