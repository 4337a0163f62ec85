/**
 * Which app a connection's calls authenticate as. Instagram Login uses the Instagram app (this
 * provider's own credentials); Facebook Login signs in through the Facebook app, so its code
 * exchange, refresh, revoke and `appsecret_proof` need that app's id and secret, kept in the
 * Instagram secret as `alternates.facebook_login`
 * (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/overview).
 * Without an alternate the provider's own credentials serve both variants (one app for both).
 */
import type { AppCredentials, TokenSet } from '../../core/model/tokens';
import type { MetricsOutcome, Provider, WebhookAdapter } from '../types';
import { metaWebhookSecret, verifyMetaSignature } from '../meta-graph/webhooks';
import { requestedVariant, variantOf } from './variants';
import type { InstagramVariant } from './manifest';

/** The credentials a variant authenticates with. */
export const credentialsForVariant = (credentials: AppCredentials, variant: InstagramVariant): AppCredentials => {
  const alternate = credentials.alternates?.[variant];
  return alternate ? { ...credentials, clientId: alternate.clientId, clientSecret: alternate.clientSecret } : credentials;
};

/** The credentials of the variant a token set was obtained with. */
export const credentialsForTokens = (credentials: AppCredentials, tokens: TokenSet): AppCredentials =>
  credentialsForVariant(credentials, variantOf(tokens));

/**
 * Instagram deliveries come signed by whichever app the account's login went through: the
 * Instagram app's secret is tried first, then the Facebook app's.
 */
const verifyEitherApp = (inner: WebhookAdapter): WebhookAdapter['verify'] => (req, credentials, now) => {
  const own = inner.verify(req, credentials, now);
  const alternate = credentials.alternates?.['facebook_login'];
  if (!alternate || req.method !== 'POST') return own;
  return Promise.resolve(own).then((first) =>
    first.ok || first.reason !== 'bad_signature' ? first : verifyMetaSignature(req, metaWebhookSecret({ clientId: alternate.clientId, clientSecret: alternate.clientSecret })),
  );
};

/** Wraps the provider so that every call authenticates as the app its variant belongs to. */
export const withVariantApps = (provider: Provider): Provider => {
  const { oauth, accounts, metrics, analytics, publisher, webhooks } = provider;
  return {
    ...provider,
    oauth: {
      authorizeUrl: (input) => oauth.authorizeUrl({ ...input, credentials: credentialsForVariant(input.credentials, requestedVariant(input.variant)) }),
      exchangeCode: (input) => oauth.exchangeCode({ ...input, credentials: credentialsForVariant(input.credentials, requestedVariant(input.variant)) }),
      ...(oauth.refresh && { refresh: (input) => oauth.refresh!({ ...input, credentials: credentialsForTokens(input.credentials, input.tokens) }) }),
      ...(oauth.revoke && { revoke: (input) => oauth.revoke!({ ...input, credentials: credentialsForTokens(input.credentials, input.tokens) }) }),
    },
    accounts: { list: (input) => accounts.list({ ...input, credentials: credentialsForTokens(input.credentials, input.tokens) }) },
    ...(metrics && {
      metrics: {
        batchSize: metrics.batchSize,
        // Targets of one batch may belong to either app: each is read with its own.
        fetch: async (targets, credentials) => {
          const parts = await Promise.all(targets.map((t) => metrics.fetch([t], credentialsForTokens(credentials, t.tokens))));
          return parts.flat() as MetricsOutcome[];
        },
      },
    }),
    ...(analytics && {
      analytics: { batchSize: analytics.batchSize, fetch: (input) => analytics.fetch({ ...input, credentials: credentialsForTokens(input.credentials, input.tokens) }) },
    }),
    ...(publisher && {
      publisher: {
        rules: publisher.rules,
        validate: (content, accountType) => publisher.validate(content, accountType),
        publish: (input) => publisher.publish({ ...input, credentials: credentialsForTokens(input.credentials, input.tokens) }),
        reconcile: (input) => publisher.reconcile({ ...input, credentials: credentialsForTokens(input.credentials, input.tokens) }),
      },
    }),
    ...(webhooks && { webhooks: { ...webhooks, verify: verifyEitherApp(webhooks) } }),
  };
};
