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
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { performance } from 'node:perf_hooks';
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
  /** A waiting target untouched this long is woken by the harness. */
  readonly settleMs?: number;
  /** A prefix for users and texts, unique per run. */
  readonly runId: string;
}

export interface ChaosResult {
  readonly targets: number;
  readonly byPlatform: readonly { platform: ProviderId; targets: number; published: number; failed: number; duplicates: number; lost: number }[];
  readonly published: number;
  readonly failed: Readonly<Record<string, number>>;
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
  let targets = new Map<string, StoredTarget>();
  try {
    let round = 0;
    while (performance.now() - started < options.deadlineMs) {
      await sleep(1000);
      targets = await readTargets(rt, doc, userIds);
      const open = created.filter((c) => !SETTLED.has(targets.get(`${c.postId}/${c.connectionId}`)?.state ?? ''));
      if (open.length === 0) break;
      const now = new Date();
      const toWake = open
        .map((c) => targets.get(`${c.postId}/${c.connectionId}`))
        .filter((t): t is StoredTarget => t !== undefined && now.getTime() - Date.parse(t.updatedAt) >= settleMs)
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
      plannerMs += performance.now() - p0;
      plannerRuns += 1;
      // A second wave of redeliveries while targets are mid-flight.
      if (round === 3) duplicateDeliveries += await sendDuplicates(rt, open.filter((_, i) => i % step === 0));
      round += 1;
    }
    // Let in-flight invocations finish before counting (a slow fake may still be answering).
    await sleep(500);
    targets = await readTargets(rt, doc, userIds);
  } finally {
    close();
  }
  const settleElapsed = performance.now() - started;
  return countOutcome(rt, created, targets, { faults, crash, duplicateDeliveries, wakes, plannerRuns: plannerRuns, plannerMs, setupMs, settleMs: settleElapsed });
};

const countOutcome = async (
  rt: LocalRuntime,
  created: readonly CreatedTarget[],
  targets: ReadonlyMap<string, StoredTarget>,
  run: { faults: readonly { fake: string; fault: Fault }[]; crash: CrashSwitch; duplicateDeliveries: number; wakes: number; plannerRuns: number; plannerMs: number; setupMs: number; settleMs: number },
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
    if ((state === 'failed' || state === 'missed') && n === 0) {
      const reason = `${t?.error?.kind ?? state}${t?.error?.code ? `/${t.error.code}` : ''}`;
      failed[reason] = (failed[reason] ?? 0) + 1;
      row.failed += 1;
      continue;
    }
    if (!SETTLED.has(state)) unsettled += 1;
    lost += 1;
    row.lost += 1;
    if (lostDetail.length < 10) lostDetail.push(`${c.platform} ${c.postId}/${c.connectionId}: state ${state}${t?.error ? ` (${t.error.kind}/${t.error.code ?? ''})` : ''}, ${n} at the platform`);
  }
  const faultsHit = run.faults.reduce((a, f) => a + (f.fault.times ?? 0), 0);
  return {
    targets: created.length,
    byPlatform: PROVIDER_IDS.filter((p) => per.has(p)).map((platform) => ({ platform, ...per.get(platform)! })),
    published,
    failed,
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
    `worker crashes after the platform accepted: ${r.crashes}; duplicate SQS deliveries sent: ${r.duplicateDeliveries}; harness wake-ups: ${r.wakes}; planner runs: ${r.plannerRuns} (${(r.plannerMs / 1000).toFixed(1)} s in all)`,
    `failed targets by reason (each absent from its platform): ${failed}`,
    `setup ${(r.setupMs / 1000).toFixed(1)} s; publish until settled ${(r.settleMs / 1000).toFixed(1)} s; unsettled at the deadline: ${r.unsettled}`,
    ...(r.lostDetail.length > 0 ? ['lost (first ones):', ...r.lostDetail.map((l) => `  ${l}`)] : []),
  ].join('\n');
};
