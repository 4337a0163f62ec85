/**
 * The publish worker with a crash switch, for the chaos harness: a record of an armed target runs
 * the real use case, but the moment the engine tries to record `published` (the platform has
 * accepted the post) the invocation "dies": that write and every later write of the invocation
 * fail, so Reach keeps the target `publishing` under a lease, exactly as after a killed Lambda.
 * Every other record goes to the real handler unchanged.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import type { PostTarget } from '../functions/core/model/post';
import type { PostRepository } from '../functions/core/ports/posts';
import type { LambdaHandler } from '../local/lambda';

/** Thrown inside a crashing invocation: nothing after it reaches DynamoDB. */
export class SimulatedCrash extends Error {
  constructor() {
    super('the worker died after the platform accepted the post');
    this.name = 'SimulatedCrash';
  }
}

/** Which targets crash, and which crashes have ended (their leases may be expired by the harness). */
export class CrashSwitch {
  private readonly armed = new Set<string>();
  /** Targets whose crashed invocation has ended: no worker holds them any more. */
  readonly dead = new Set<string>();
  crashes = 0;

  arm(key: string): void {
    this.armed.add(key);
  }

  isArmed(key: string): boolean {
    return this.armed.has(key);
  }

  /** True once per armed target: the first `published` write of it crashes. */
  fire(key: string): boolean {
    if (!this.armed.delete(key)) return false;
    this.crashes += 1;
    return true;
  }
}

const body = z.object({ userId: z.string().min(1), postId: z.string().min(1), connectionId: z.string().min(1) }).strict();

/** Wraps a posts repository so that, after `crash()` fires, every write of the invocation fails. */
const dyingPosts = (posts: PostRepository, key: string, crash: CrashSwitch, state: { dead: boolean }): PostRepository => {
  const guard = (t: Pick<PostTarget, 'postId' | 'connectionId'> & { state?: PostTarget['state'] }): void => {
    if (state.dead) throw new SimulatedCrash();
    if (`${t.postId}/${t.connectionId}` === key && t.state === 'published' && crash.fire(key)) {
      state.dead = true;
      throw new SimulatedCrash();
    }
  };
  return new Proxy(posts, {
    get(target, prop, receiver) {
      if (prop === 'updateTarget') {
        return async (t: PostTarget) => {
          guard(t);
          return target.updateTarget(t);
        };
      }
      if (prop === 'saveCheckpoint' || prop === 'updatePost') {
        const fn: unknown = Reflect.get(target, prop, receiver);
        return async (...args: unknown[]) => {
          if (state.dead) throw new SimulatedCrash();
          return typeof fn === 'function' ? (fn as (...a: unknown[]) => unknown).apply(target, args) : undefined;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
};

/**
 * The publishWorker override: armed targets run `publishTarget` with a dying repository (their
 * record fails, as a killed invocation's would); the rest go to the real handler, loaded on first
 * use so that its SDK clients see the runtime's endpoints.
 */
export const crashingPublishWorker = (crash: CrashSwitch): LambdaHandler => {
  let real: LambdaHandler | undefined;
  return async (event: unknown, context: Context): Promise<SQSBatchResponse> => {
    const records = (event as SQSEvent).Records;
    const failures: { itemIdentifier: string }[] = [];
    const passOn: SQSEvent['Records'] = [];
    for (const record of records) {
      const parsed = body.safeParse(JSON.parse(record.body));
      const key = parsed.success ? `${parsed.data.postId}/${parsed.data.connectionId}` : '';
      if (!parsed.success || !crash.isArmed(key)) {
        passOn.push(record);
        continue;
      }
      // Loaded here, after the runtime set the environment, like FunctionHost loads entries.
      const { deps } = await import('../functions/composition/deps');
      const { publishTarget } = await import('../functions/core/use-cases/publish');
      const base = deps();
      const state = { dead: false };
      try {
        await publishTarget({ ...base, posts: dyingPosts(base.posts, key, crash, state) }, parsed.data);
      } catch (err) {
        if (!(err instanceof SimulatedCrash)) throw err;
      } finally {
        if (state.dead) crash.dead.add(key);
      }
      // A dead invocation acknowledges nothing: SQS redelivers after the visibility timeout.
      if (state.dead) failures.push({ itemIdentifier: record.messageId });
    }
    if (passOn.length > 0) {
      real ??= (await import('../functions/handlers/sqs/publish-worker')).handler as LambdaHandler;
      const out = (await real({ Records: passOn }, context)) as SQSBatchResponse | undefined;
      failures.push(...(out?.batchItemFailures ?? []).map((f) => ({ itemIdentifier: f.itemIdentifier })));
    }
    return { batchItemFailures: failures };
  };
};
