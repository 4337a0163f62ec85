/**
 * The publishing chaos harness: N post targets over all seven platforms, published through the
 * local runtime while faults rain on them (429 storms, 5xx, timeouts whose post still lands,
 * timeouts whose post does not, expired tokens, duplicate SQS deliveries, workers that die after
 * the platform accepted a post), then counted at the fakes: every target must be published exactly
 * once, or failed with its reason and absent from the platform.
 *
 * Time: a target waiting out a backoff or a dead worker's lease would take minutes of wall clock.
 * The harness brings such a target's `wakeAt` (and, only for a worker it knows is dead, its lease)
 * forward to now in DynamoDB and fires the planner, as if the clock had moved on. It only does so
 * for targets untouched for `settleMs`, so that a platform call still in flight (a slow fake that
 * records the post after the client gave up) has landed before the engine reconciles.
 *
 * Rounds are paced by wall clock, not by `queues.drain()`: a waiting target keeps its message
 * hidden for its backoff (up to the queue's 30-minute visibility), so the queues never drain
 * while anything waits. Each round is measured (its read, its planner run, the event loop's
 * delay, the running invocations) so a starving loop shows in the figures instead of as lost targets.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { LocalRuntime } from '../local/runtime';
import type { Fault } from '../local/fakes/framework';
import { PROVIDER_IDS, type ProviderId } from '../functions/providers/types';
import { benchDb } from './accounts';
import { postsAtFakesTimed as postsAtFakes } from './publish-fakes';
import type { CrashSwitch } from './chaos-worker';
import { connectPublishAccounts, createPosts, readTargets, uploadUserMedia, wakeNow, type CreatedTarget, type StoredTarget } from './publish-setup';
import { formatTable, mapLimit } from './table';

export interface ChaosOptions {
  readonly targets: number;
  readonly connectionsPerPlatform: number;
  readonly users: number;
  /** Give up waiting for targets to settle after this long. */
  readonly deadlineMs: number;
  /** Share of targets whose publish message is sent a second time. */
  readonly duplicateShare: number;
  /** Every how many targets one is armed to crash its worker after the platform accepted. */
  readonly crashEvery: number;
  /** The handlers' platform timeout (PLATFORM_TIMEOUT_MS): slow faults are set just past it. */
  readonly platformTimeoutMs: number;
  /**
   * A target whose last attempt's outcome is unknown (`unconfirmed`, or a dead worker's lease) is
   * woken once untouched this long, so that a slow platform call has landed before Reach asks
   * the platform; a target waiting out a known failure or a platform's processing has no call in
   * flight and is woken after `quickSettleMs`.
   */
  readonly settleMs?: number;
  readonly quickSettleMs?: number;
  /** A prefix for users and texts, unique per run. */
  readonly runId: string;
  /** Called after each settle round with its measurements (tracing a slow run). */
  readonly onRound?: (round: ChaosRound) => void;
}

/** One settle round, as measured. */
export interface ChaosRound {
  readonly round: number;
  /** Since the posts were created. */
  readonly atMs: number;
  readonly readMs: number;
  readonly plannerMs: number;
  /** Publish-worker invocations running when the round read the targets. */
  readonly activeInvocations: number;
  readonly woken: number;
  /** Targets per state at the round's read. */
  readonly states: Readonly<Record<string, number>>;
}

export interface ChaosResult {
  readonly targets: number;
  readonly byPlatform: readonly { platform: ProviderId; targets: number; published: number; failed: number; duplicates: number; lost: number }[];
  readonly published: number;
  readonly failed: Readonly<Record<string, number>>;
  /**
   * Failed targets whose record keeps `unconfirmedSince`: Reach failed them (an expired grant, say)
   * while an earlier attempt's outcome was still unknown, so their post may be at the platform
   * (at most once; a retry reconciles before posting). Counted among `failed`.
   */
  readonly failedUnconfirmed: number;
  /** Of those, how many have their post at the platform. */
  readonly failedUnconfirmedPosted: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly lostDetail: readonly string[];
  readonly unsettled: number;
  readonly faults: readonly string[];
  readonly faultsHit: number;
  readonly crashes: number;
  readonly duplicateDeliveries: number;
  readonly wakes: number;
  readonly plannerRuns: number;
  readonly plannerMs: number;
  /** The slowest planner run. */
  readonly plannerMaxMs: number;
  /** The longest settle round (pause, read, wakes, planner). */
  readonly roundMaxMs: number;
  /** Most publish-worker invocations seen running at once at a round's read. */
  readonly activeMax: number;
  /** The event loop's worst delay over the settle phase (a starving loop shows here). */
  readonly loopDelayMaxMs: number;
  readonly setupMs: number;
  readonly settleMs: number;
}

/** The faults of a run: storms on every fake, scoped to publishing paths where the fake has them. */
export const chaosFaults = (platformTimeoutMs: number): readonly { fake: string; fault: Fault }[] => {
  const late = platformTimeoutMs + 1000;
  return [
    // 429 storms with a short reset, so retries respect it without burning the run's time.
    { fake: 'x', fault: { kind: 'rate_limited', times: 40, retryAfterSeconds: 1, path: '/2/tweets' } },
    { fake: 'meta', fault: { kind: 'rate_limited', times: 30, retryAfterSeconds: 1 } },
    { fake: 'google', fault: { kind: 'rate_limited', times: 20, retryAfterSeconds: 1, path: '/v4/' } },
    // 5xx.
    { fake: 'linkedin', fault: { kind: 'server_error', times: 15, path: '/rest/posts' } },
    { fake: 'tiktok', fault: { kind: 'server_error', times: 10, path: '/v2/post/publish/' } },
    { fake: 'google', fault: { kind: 'server_error', times: 5, path: '/upload/youtube/' } },
    // Answers slower than the client waits, after which the fake still records the post.
    { fake: 'x', fault: { kind: 'slow', times: 3, delayMs: late, path: '/2/tweets' } },
    { fake: 'linkedin', fault: { kind: 'slow', times: 2, delayMs: late, path: '/rest/posts' } },
    { fake: 'meta', fault: { kind: 'slow', times: 3, delayMs: late } },
    // Timeouts whose request never reaches the platform's logic: nothing is recorded.
    { fake: 'linkedin', fault: { kind: 'timeout', times: 3, delayMs: late, path: '/rest/posts' } },
    { fake: 'x', fault: { kind: 'timeout', times: 2, delayMs: late, path: '/2/tweets' } },
    // An access token that expired mid-run: the targets it hits fail `auth_expired`.
    { fake: 'linkedin', fault: { kind: 'expired_token', times: 1, path: '/rest/posts' } },
  ];
};

/** Marks the line on which `bench/chaos-run.ts` hands its output to the bench (handlers also print on stdout). */
export const CHAOS_MARK = '@@chaos-result ';

const SETTLED = new Set(['published', 'failed', 'missed', 'cancelled']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends each target's publish message a second time, through the real SQS client, as a redelivery would. */
const sendDuplicates = async (rt: LocalRuntime, targets: readonly CreatedTarget[]): Promise<number> => {
  const url = rt.env['QUEUE_PUBLISH_URL'];
  if (!url) throw new Error('the runtime has no QUEUE_PUBLISH_URL');
  const sqs = new SQSClient({ region: rt.env['AWS_REGION'] ?? 'us-east-1', endpoint: rt.awsUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    let sent = 0;
    for (let i = 0; i < targets.length; i += 10) {
      const batch = targets.slice(i, i + 10);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((t, k) => ({ Id: String(k), MessageBody: JSON.stringify({ userId: t.userId, postId: t.postId, connectionId: t.connectionId }) })),
        }),
      );
      sent += out.Successful?.length ?? 0;
    }
    return sent;
  } finally {
    sqs.destroy();
  }
};

/**
 * Runs the chaos: connects, creates `targets` posts due now (one target each), injects the faults
 * and duplicate deliveries, arms crashes, then wakes waiting targets and fires the planner until
 * every target settles or the deadline passes, and counts at the fakes.
 */
export const runPublishChaos = async (rt: LocalRuntime, crash: CrashSwitch, options: ChaosOptions): Promise<ChaosResult> => {
  const setupStarted = performance.now();
  const settleMs = options.settleMs ?? 3000;
  const quickSettleMs = options.quickSettleMs ?? 800;
  const connections = await connectPublishAccounts(rt, options.runId, options.users, options.connectionsPerPlatform);
  const users = [...new Map(connections.map((c) => [c.userId, c.user])).values()];
  const media = new Map(await Promise.all(users.map(async (u) => [u.id, await uploadUserMedia(rt, u)] as const)));
  const items = Array.from({ length: options.targets }, (_, i) => {
    const connection = connections[i % connections.length]!;
    return { connection, text: `Chaos ${options.runId} post ${i.toString(36)} for ${connection.platform.replace(/_/g, ' ')}` };
  });
  const setupMs = performance.now() - setupStarted;

  const faults = chaosFaults(options.platformTimeoutMs);
  for (const f of faults) rt.fakes.inject(f.fake, f.fault);
  const started = performance.now();
  const created = await createPosts(rt, items, media);
  created.forEach((t, i) => {
    if (i % options.crashEvery === options.crashEvery - 1) crash.arm(`${t.postId}/${t.connectionId}`);
  });
  const step = Math.max(1, Math.round(1 / Math.max(options.duplicateShare, 1e-6)));
  let duplicateDeliveries = await sendDuplicates(
    rt,
    created.filter((_, i) => i % step === 0),
  );

  const { doc, close } = benchDb(rt);
  const userIds = users.map((u) => u.id);
  let wakes = 0;
  let plannerRuns = 0;
  let plannerMs = 0;
  let plannerMaxMs = 0;
  let roundMaxMs = 0;
  let activeMax = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  let targets = new Map<string, StoredTarget>();
  const publishQueue = rt.env['QUEUE_PUBLISH_URL'] ?? '';
  try {
    let round = 0;
    while (performance.now() - started < options.deadlineMs) {
      const roundStarted = performance.now();
      await sleep(1000);
      const r0 = performance.now();
      const activeInvocations = rt.queues.queue(publishQueue).active;
      activeMax = Math.max(activeMax, activeInvocations);
      targets = await readTargets(rt, doc, userIds);
      const readMs = performance.now() - r0;
      const open = created.filter((c) => !SETTLED.has(targets.get(`${c.postId}/${c.connectionId}`)?.state ?? ''));
      if (open.length === 0) break;
      const now = new Date();
      const toWake = open
        .map((c) => targets.get(`${c.postId}/${c.connectionId}`))
        .filter((t): t is StoredTarget => {
          if (t === undefined) return false;
          const unknownOutcome = t.state === 'unconfirmed' || t.state === 'claimed' || t.state === 'publishing';
          return now.getTime() - Date.parse(t.updatedAt) >= (unknownOutcome ? settleMs : quickSettleMs);
        })
        .filter((t) => {
          const key = `${t.postId}/${t.connectionId}`;
          if (t.state === 'claimed' || t.state === 'publishing') return crash.dead.has(key);
          return t.wakeAt !== undefined && Date.parse(t.wakeAt) > now.getTime();
        });
      const woken = await mapLimit(toWake, 16, (t) => wakeNow(rt, doc, t, now, t.state === 'claimed' || t.state === 'publishing'));
      wakes += woken.filter(Boolean).length;
      for (const t of toWake) crash.dead.delete(`${t.postId}/${t.connectionId}`);
      const p0 = performance.now();
      await rt.runSchedule('publishPlanner');
      const plannerRunMs = performance.now() - p0;
      plannerMs += plannerRunMs;
      plannerMaxMs = Math.max(plannerMaxMs, plannerRunMs);
      plannerRuns += 1;
      roundMaxMs = Math.max(roundMaxMs, performance.now() - roundStarted);
      if (options.onRound) {
        const states: Record<string, number> = {};
        for (const c of created) {
          const state = targets.get(`${c.postId}/${c.connectionId}`)?.state ?? 'absent';
          states[state] = (states[state] ?? 0) + 1;
        }
        options.onRound({ round, atMs: roundStarted - started, readMs, plannerMs: plannerRunMs, activeInvocations, woken: woken.filter(Boolean).length, states });
      }
      // A second wave of redeliveries while targets are mid-flight.
      if (round === 3) duplicateDeliveries += await sendDuplicates(rt, open.filter((_, i) => i % step === 0));
      round += 1;
    }
    // Let in-flight invocations finish before counting (a slow fake may still be answering).
    await sleep(500);
    targets = await readTargets(rt, doc, userIds);
  } finally {
    loopDelay.disable();
    close();
  }
  const settleElapsed = performance.now() - started;
  const loopDelayMaxMs = loopDelay.max / 1e6;
  return countOutcome(rt, created, targets, { faults, crash, duplicateDeliveries, wakes, plannerRuns, plannerMs, plannerMaxMs, roundMaxMs, activeMax, loopDelayMaxMs, setupMs, settleMs: settleElapsed });
};

const countOutcome = async (
  rt: LocalRuntime,
  created: readonly CreatedTarget[],
  targets: ReadonlyMap<string, StoredTarget>,
  run: {
    faults: readonly { fake: string; fault: Fault }[];
    crash: CrashSwitch;
    duplicateDeliveries: number;
    wakes: number;
    plannerRuns: number;
    plannerMs: number;
    plannerMaxMs: number;
    roundMaxMs: number;
    activeMax: number;
    loopDelayMaxMs: number;
    setupMs: number;
    settleMs: number;
  },
): Promise<ChaosResult> => {
  const atFakes = await postsAtFakes(rt);
  const byText = new Map<string, number>();
  for (const p of atFakes) byText.set(`${p.platform}\n${p.text}`, (byText.get(`${p.platform}\n${p.text}`) ?? 0) + 1);
  const failed: Record<string, number> = {};
  const lostDetail: string[] = [];
  let duplicates = 0;
  let lost = 0;
  let published = 0;
  let unsettled = 0;
  let failedUnconfirmed = 0;
  let failedUnconfirmedPosted = 0;
  const per = new Map<ProviderId, { targets: number; published: number; failed: number; duplicates: number; lost: number }>();
  for (const c of created) {
    const row = per.get(c.platform) ?? { targets: 0, published: 0, failed: 0, duplicates: 0, lost: 0 };
    per.set(c.platform, row);
    row.targets += 1;
    const t = targets.get(`${c.postId}/${c.connectionId}`);
    const n = byText.get(`${c.platform}\n${c.text}`) ?? 0;
    if (n > 1) {
      duplicates += 1;
      row.duplicates += 1;
    }
    const state = t?.state ?? 'absent';
    if (state === 'published' && t?.platformPostId !== undefined && n >= 1) {
      published += 1;
      row.published += 1;
      continue;
    }
    if (state === 'failed' && t?.unconfirmedSince !== undefined && n <= 1) {
      const reason = `unconfirmed, then ${t.error?.kind ?? state}${t.error?.code ? `/${t.error.code}` : ''}`;
      failed[reason] = (failed[reason] ?? 0) + 1;
      row.failed += 1;
      failedUnconfirmed += 1;
      failedUnconfirmedPosted += n;
      continue;
    }
    if ((state === 'failed' || state === 'missed') && n === 0) {
      const reason = `${t?.error?.kind ?? state}${t?.error?.code ? `/${t.error.code}` : ''}`;
      failed[reason] = (failed[reason] ?? 0) + 1;
      row.failed += 1;
      continue;
    }
    if (!SETTLED.has(state)) unsettled += 1;
    lost += 1;
    row.lost += 1;
    if (lostDetail.length < 10) {
      const unconfirmed = t?.unconfirmedSince ? `, unconfirmed since ${t.unconfirmedSince}` : '';
      lostDetail.push(`${c.platform} ${c.postId}/${c.connectionId}: state ${state}${t?.error ? ` (${t.error.kind}/${t.error.code ?? ''})` : ''}${unconfirmed}, ${n} at the platform`);
    }
  }
  const faultsHit = run.faults.reduce((a, f) => a + (f.fault.times ?? 0), 0);
  return {
    targets: created.length,
    byPlatform: PROVIDER_IDS.filter((p) => per.has(p)).map((platform) => ({ platform, ...per.get(platform)! })),
    published,
    failed,
    failedUnconfirmed,
    failedUnconfirmedPosted,
    duplicates,
    lost,
    lostDetail,
    unsettled,
    faults: run.faults.map((f) => `${f.fault.kind}×${f.fault.times ?? '∞'} on ${f.fake}${f.fault.path ? ` ${f.fault.path}` : ''}`),
    faultsHit,
    crashes: run.crash.crashes,
    duplicateDeliveries: run.duplicateDeliveries,
    wakes: run.wakes,
    plannerRuns: run.plannerRuns,
    plannerMs: run.plannerMs,
    plannerMaxMs: run.plannerMaxMs,
    roundMaxMs: run.roundMaxMs,
    activeMax: run.activeMax,
    loopDelayMaxMs: run.loopDelayMaxMs,
    setupMs: run.setupMs,
    settleMs: run.settleMs,
  };
};

/** The chaos figure as the bench prints it. */
export const formatChaosReport = (r: ChaosResult): string => {
  const table = formatTable(
    ['platform', 'targets', 'published', 'failed', 'duplicates', 'lost'],
    r.byPlatform.map((p) => [p.platform, String(p.targets), String(p.published), String(p.failed), String(p.duplicates), String(p.lost)]),
  );
  const failed = Object.entries(r.failed).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    table,
    '',
    `faults: ${r.faults.join('; ')}`,
    `worker crashes after the platform accepted: ${r.crashes}; duplicate SQS deliveries sent: ${r.duplicateDeliveries}; harness wake-ups: ${r.wakes}; planner runs: ${r.plannerRuns} (${(r.plannerMs / 1000).toFixed(1)} s in all, slowest ${(r.plannerMaxMs / 1000).toFixed(1)} s)`,
    `settle rounds: slowest ${(r.roundMaxMs / 1000).toFixed(1)} s; publish workers running at once (at a round's read): up to ${r.activeMax}; worst event-loop delay ${r.loopDelayMaxMs.toFixed(0)} ms`,
    `failed targets by reason: ${failed}; absent from their platform, except ${r.failedUnconfirmedPosted} of the ${r.failedUnconfirmed} failed while an earlier attempt was unconfirmed`,
    `setup ${(r.setupMs / 1000).toFixed(1)} s; publish until settled ${(r.settleMs / 1000).toFixed(1)} s; unsettled at the deadline: ${r.unsettled}`,
    ...(r.lostDetail.length > 0 ? ['lost (first ones):', ...r.lostDetail.map((l) => `  ${l}`)] : []),
  ].join('\n');
};
