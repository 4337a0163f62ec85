/**
 * Publish lateness: posts due over the next two minutes (instants spread across the window, over
 * the platforms whose fakes stamp each post with the moment they received it), published by the
 * local runtime while the harness fires the publish planner at every minute boundary, as
 * EventBridge does. Lateness is the fake's `createdAt` of the post (when the platform call that
 * made the post arrived) minus the target's due instant.
 */
import type { LocalRuntime } from '../local/runtime';
import type { ProviderId } from '../functions/providers/types';
import { benchDb } from './accounts';
import { postsAtFakesTimed } from './publish-fakes';
import { connectPublishAccounts, createPosts, readTargets, uploadUserMedia } from './publish-setup';
import { fixed, formatTable } from './table';

/** Platforms whose fakes keep the receive time of the publishing call (Business Profile's do not). */
export const TIMED_PLATFORMS: readonly ProviderId[] = ['instagram', 'facebook', 'youtube', 'tiktok', 'x', 'linkedin'];

export interface LatenessOptions {
  readonly posts: number;
  readonly windowSeconds: number;
  readonly runId: string;
}

export interface LatenessResult {
  readonly posts: number;
  readonly measured: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly early: number;
  readonly byPlatform: readonly { platform: ProviderId; measured: number; p50: number; p99: number; max: number }[];
  readonly unpublished: number;
  readonly plannerRuns: number;
}

const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates the posts, fires the planner on minute boundaries until the window has passed and the posts settled, and measures. */
export const measureLateness = async (rt: LocalRuntime, options: LatenessOptions): Promise<LatenessResult> => {
  // Eight accounts per platform keep each one inside its platform's posting limits over the window
  // (TikTok: 6 video inits a minute and ~15 posts a day per creator), so the figure measures Reach.
  const connections = await connectPublishAccounts(rt, options.runId, 1, 8, TIMED_PLATFORMS);
  const users = [...new Map(connections.map((c) => [c.userId, c.user])).values()];
  const media = new Map(await Promise.all(users.map(async (u) => [u.id, await uploadUserMedia(rt, u)] as const)));
  // The window starts a little ahead so that creating the posts does not eat into it.
  const start = Date.now() + 15_000;
  const items = Array.from({ length: options.posts }, (_, i) => {
    const connection = connections[i % connections.length]!;
    const dueAt = new Date(start + Math.round(((i + 0.5) / options.posts) * options.windowSeconds * 1000)).toISOString();
    return { connection, text: `Lateness ${options.runId} post ${i.toString(36)} on ${connection.platform}`, dueAt };
  });
  const created = await createPosts(rt, items, media);
  const end = start + options.windowSeconds * 1000;
  let plannerRuns = 0;
  // The planner at each minute boundary until the window has passed, then a grace period.
  while (Date.now() < end + 10_000) {
    const nextMinute = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
    const wait = Math.min(nextMinute, end + 10_000) - Date.now();
    await sleep(Math.max(0, wait));
    if (Date.now() >= nextMinute) {
      await rt.runSchedule('publishPlanner');
      plannerRuns += 1;
    }
  }
  const { doc, close } = benchDb(rt);
  let targets: Awaited<ReturnType<typeof readTargets>> | undefined;
  try {
    // Multi-step platforms settle on later polls: the measured call is the one that made the post.
    for (let i = 0; i < 30; i++) {
      targets = await readTargets(rt, doc, users.map((u) => u.id));
      if ([...targets.values()].every((t) => t.state === 'published' || t.state === 'failed')) break;
      await rt.runSchedule('publishPlanner');
      plannerRuns += 1;
      await sleep(2000);
    }
  } finally {
    close();
  }
  const atFakes = await postsAtFakesTimed(rt);
  const receivedAt = new Map(atFakes.map((p) => [`${p.platform}\n${p.text}`, p.createdAt]));
  const late: { platform: ProviderId; seconds: number }[] = [];
  for (const c of created) {
    const at = receivedAt.get(`${c.platform}\n${c.text}`);
    if (at !== undefined) late.push({ platform: c.platform, seconds: (Date.parse(at) - Date.parse(c.dueAt)) / 1000 });
  }
  const values = late.map((l) => l.seconds);
  const unpublished = created.filter((c) => targets?.get(`${c.postId}/${c.connectionId}`)?.state !== 'published').length;
  return {
    posts: created.length,
    measured: late.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
    early: values.filter((v) => v < 0).length,
    byPlatform: TIMED_PLATFORMS.map((platform) => {
      const v = late.filter((l) => l.platform === platform).map((l) => l.seconds);
      return { platform, measured: v.length, p50: percentile(v, 50), p99: percentile(v, 99), max: v.length ? Math.max(...v) : Number.NaN };
    }),
    unpublished,
    plannerRuns,
  };
};

/** The lateness figure as the bench prints it. */
export const formatLatenessReport = (r: LatenessResult): string =>
  [
    formatTable(
      ['platform', 'measured', 'p50 s', 'p99 s', 'max s'],
      [
        ...r.byPlatform.map((p) => [p.platform, String(p.measured), fixed(p.p50, 2), fixed(p.p99, 2), fixed(p.max, 2)]),
        ['all', String(r.measured), fixed(r.p50, 2), fixed(r.p99, 2), fixed(r.max, 2)],
      ],
    ),
    '',
    `${r.posts} posts due over the window; measured at the fakes (each post's receive time − its due instant): ${r.measured}; before their due instant: ${r.early}; not published: ${r.unpublished}; planner runs: ${r.plannerRuns}`,
  ].join('\n');

/** Marks the one line of a child process's output that carries a section's result. */
export const SECTION_MARK = '@@section-result ';
