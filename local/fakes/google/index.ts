/**
 * The Google fake: one platform serving Google OAuth, YouTube (Data + Analytics, uploads, the
 * WebSub hub) and Business Profile (with local posts and Pub/Sub push), since both Reach
 * providers share Google's accounts, consent and tokens.
 */
import type { FakeAppOptions, FakePlatform, FakeRoute } from '../framework';
import { FakeGoogleDirectory } from './accounts';
import { analyticsRoutes } from './analytics';
import { businessRoutes } from './business';
import { googleFakeErrors } from './errors';
import { GoogleGrants } from './grants';
import { FakeHub, topicOf, videoFeed } from './hub';
import { FakeLocalPostStore, localPostRoutes } from './local-posts';
import { googleOAuthRoutes } from './oauth';
import { FakePubSub } from './pubsub';
import { uploadRoutes } from './uploads';
import { FakeVideoStore } from './videos';
import { deliverGoogleWebhook } from './webhooks';
import { channelVideos, youtubeRoutes } from './youtube';

export { DEFAULT_ACCOUNT } from './oauth';

export interface GoogleFakeOptions {
  /** More OAuth clients the fake accepts (YouTube and Business Profile may use different ones). */
  readonly extraClients?: readonly FakeAppOptions[];
  /** Google accounts that exist from the start besides `reach.demo` (see accounts.ts for name words). */
  readonly accounts?: readonly string[];
  /** Registered redirect URIs; any http(s) URI is accepted when absent. */
  readonly redirectUris?: readonly string[];
  /** The app is in "Testing" publishing status: refresh tokens silently expire after 7 days. */
  readonly testingMode?: boolean;
  /** Refresh tokens kept per client per Google account before the oldest is dropped (Google: 100). */
  readonly refreshTokenLimit?: number;
  /** Access-token lifetime (Google: 3599 s). */
  readonly accessTokenTtlSeconds?: number;
  /** Authorization-code lifetime. */
  readonly codeTtlSeconds?: number;
  /** Status reads by the owner after which an upload is processed (default 2). */
  readonly pollsToProcess?: number;
  /** Seconds of the fakes' clock after which an upload is processed anyway (default 60). */
  readonly processingSeconds?: number;
  /** Uploads per channel per 24 hours before `uploadLimitExceeded` (default 100). */
  readonly dailyUploadLimit?: number;
  /** Reads after which a new local post leaves review (default 2). */
  readonly pollsToLive?: number;
  /** Seconds of the fakes' clock after which a local post leaves review anyway (default 60). */
  readonly reviewSeconds?: number;
  /** Edits per minute per location (Google: 10). */
  readonly editsPerMinute?: number;
  /** Local-post summaries Google's review rejects (content policy). */
  readonly rejectSummaries?: RegExp;
  /**
   * The audience of Pub/Sub push tokens. Default: the verify token of the Business Profile app
   * (the first extra client, as local/fakes/index.ts passes it; else the main app), else the push
   * endpoint URL (Pub/Sub's own default).
   */
  readonly pushAudience?: string;
}

/** The Google fake, with a way to wait for what it does in the background. */
export interface GoogleFake extends FakePlatform {
  /** Resolves once the hub's challenges and notifications and the posts' media fetches have ended. */
  idle(): Promise<void>;
}

export const GOOGLE_HOSTS = [
  'accounts.google.com',
  'oauth2.googleapis.com',
  'www.googleapis.com',
  'youtubeanalytics.googleapis.com',
  'mybusinessaccountmanagement.googleapis.com',
  'mybusinessbusinessinformation.googleapis.com',
  'mybusiness.googleapis.com',
  'businessprofileperformance.googleapis.com',
  'pubsubhubbub.appspot.com',
] as const;

/** Builds the Google fake for the app credentials Reach uses. */
export const createGoogleFake = (app: FakeAppOptions, options: GoogleFakeOptions = {}): GoogleFake => {
  const clients = new Map([app, ...(options.extraClients ?? [])].map((c) => [c.clientId, c.clientSecret]));
  const directory = new FakeGoogleDirectory(options.accounts ?? []);
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3599;
  const grants = new GoogleGrants(
    {
      accessTokenTtlSeconds,
      codeTtlSeconds: options.codeTtlSeconds ?? 600,
      refreshTokenLimit: options.refreshTokenLimit ?? 100,
      testingMode: options.testingMode ?? false,
    },
    directory,
  );
  const videos = new FakeVideoStore({
    pollsToProcess: options.pollsToProcess ?? 2,
    processingSeconds: options.processingSeconds ?? 60,
    dailyUploadLimit: options.dailyUploadLimit ?? 100,
  });
  const localPosts = new FakeLocalPostStore({
    pollsToLive: options.pollsToLive ?? 2,
    reviewSeconds: options.reviewSeconds ?? 60,
    editsPerMinute: options.editsPerMinute ?? 10,
    ...(options.rejectSummaries && { rejectSummaries: options.rejectSummaries }),
  });
  const hub = new FakeHub();
  const pubsub = new FakePubSub();
  const businessApp = options.extraClients?.[0] ?? app;
  const pushAudience = (target: string) => options.pushAudience ?? businessApp.verifyToken ?? target;

  // Snapshots have no context of their own: they read the fakes' clock seen by the last request.
  let clock: () => Date = () => new Date();
  const routes: FakeRoute[] = [
      ...googleOAuthRoutes({ clients, ...(options.redirectUris && { redirectUris: options.redirectUris }), grants, directory, accessTokenTtlSeconds }),
      ...youtubeRoutes({ grants, directory, videos }),
      ...uploadRoutes({
        grants,
        directory,
        videos,
        // YouTube notifies subscribers when a public video goes up; scheduled and private ones stay quiet.
        onUploaded: (video, ctx) => {
          const account = directory.get(video.accountName);
          if (!account?.channel || video.final.uploadStatus !== 'processed' || video.input.privacyStatus !== 'public') return;
          const at = new Date(video.uploadedAtMs).toISOString();
          hub.notify(
            video.channelId,
            videoFeed({ videoId: video.id, channelId: video.channelId, title: video.input.title, channelTitle: account.channel.title, published: at, updated: at }),
            'video.published',
            ctx,
          );
        },
      }),
      ...hub.routes(),
      ...analyticsRoutes(grants, (account, now) => channelVideos({ videos }, account, now, true)),
      ...businessRoutes({ grants, directory }),
      ...localPostRoutes({ grants, directory, settings: localPosts.settings, background: hub }, localPosts),
      ...pubsub.routes(),
  ];

  return {
    id: 'google',
    hosts: GOOGLE_HOSTS,
    routes: routes.map((r) => ({
      ...r,
      handler: (req, ctx) => {
        clock = () => ctx.now();
        return r.handler(req, ctx);
      },
    })),
    errors: googleFakeErrors,
    deliverWebhook: deliverGoogleWebhook({ directory, videos, hub, pubsub, hubSecret: app.webhookSecret ?? app.clientSecret, pushAudience }),
    idle: () => hub.idle(),
    reset: () => {
      grants.reset();
      directory.reset();
      videos.reset();
      localPosts.reset();
      hub.reset();
      pubsub.deliveries.length = 0;
    },
    snapshot: () => {
      const nowMs = clock().getTime();
      return {
        accounts: directory.list().map((a) => ({
          name: a.name,
          email: a.email,
          sub: a.sub,
          ...(a.channel && { channel: { id: a.channel.id, handle: a.channel.handle, hiddenSubscriberCount: a.channel.hiddenSubscriberCount, topic: topicOf(a.channel.id) } }),
          ...(a.business && {
            business: { name: a.business.name, locations: a.business.locations.map((l) => ({ name: l.name, title: l.title, canOperateLocalPost: l.canOperateLocalPost })) },
          }),
        })),
        grants: { ...grants.store.counts },
        tokens: grants.snapshot(),
        youtube: { uploads: videos.snapshot(nowMs), sessions: videos.sessions.size, ...hub.snapshot() },
        business: { localPosts: localPosts.snapshot(nowMs), pushes: [...pubsub.deliveries] },
      };
    },
  };
};
