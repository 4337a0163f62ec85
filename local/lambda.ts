/**
 * Runs the functions of `lib/topology.ts` in this process, as Lambda would: the entry module is
 * loaded on first use (a cold start, after the runtime has set the environment), each invocation
 * gets a Lambda-like context, and an invocation that outlives the function's timeout counts as
 * failed (its promise keeps running, as nothing can stop it in-process).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { FunctionDef, FunctionId } from '../lib/topology';

/** A Lambda handler as the entries export it (async; a callback is offered to older styles). */
export type LambdaHandler = (event: unknown, context: Context, callback?: (err?: unknown, result?: unknown) => void) => unknown;

export type InvokeOutcome =
  | { readonly ok: true; readonly value: unknown; readonly durationMs: number }
  | { readonly ok: false; readonly error: unknown; readonly timedOut: boolean; readonly durationMs: number };

export interface FunctionHostOptions {
  /** Repository root: entries are relative to it. */
  readonly root: string;
  readonly region: string;
  readonly accountId: string;
  readonly functions: readonly FunctionDef[];
  /** Handlers to use instead of the entries' (tests, benchmarks). */
  readonly overrides?: Partial<Record<FunctionId, LambdaHandler>>;
  /** Multiplies each function's timeout (tests shorten it). */
  readonly timeoutScale?: number;
}

/** The physical name a function has locally (and in logs). */
export const functionName = (id: FunctionId): string => `reach-local-${id}`;

/** Thrown when an entry module does not export a `handler` function. */
export class HandlerLoadError extends Error {
  constructor(id: string, entry: string, reason: string) {
    super(`cannot load the ${id} function from ${entry}: ${reason}`);
    this.name = 'HandlerLoadError';
  }
}

/** Thrown into a failed outcome when the handler outlived its timeout. */
export class FunctionTimeoutError extends Error {
  constructor(id: string, seconds: number) {
    super(`${functionName(id as FunctionId)} timed out after ${seconds} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

export class FunctionHost {
  private readonly loaded = new Map<FunctionId, LambdaHandler>();
  private readonly defs: ReadonlyMap<FunctionId, FunctionDef>;

  constructor(private readonly options: FunctionHostOptions) {
    this.defs = new Map(options.functions.map((f) => [f.id, f]));
  }

  /** Functions whose entry file is not on disk yet (and that no override replaces). */
  missing(): FunctionDef[] {
    return this.options.functions.filter((f) => !this.options.overrides?.[f.id] && !existsSync(join(this.options.root, f.entry)));
  }

  /** The function's definition (throws for an unknown id: a programming error). */
  def(id: FunctionId): FunctionDef {
    const def = this.defs.get(id);
    if (!def) throw new Error(`unknown function ${id}`);
    return def;
  }

  private load(id: FunctionId): LambdaHandler {
    const hit = this.loaded.get(id);
    if (hit) return hit;
    const override = this.options.overrides?.[id];
    if (override) {
      this.loaded.set(id, override);
      return override;
    }
    const def = this.def(id);
    const path = join(this.options.root, def.entry);
    if (!existsSync(path)) throw new HandlerLoadError(id, def.entry, 'the file does not exist');
    // A plain require: tsx (npm start) and jest (tests) both hook it to load TypeScript.
    const mod: unknown = require(path);
    const handler = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)['handler'] : undefined;
    if (typeof handler !== 'function') throw new HandlerLoadError(id, def.entry, 'it exports no handler function');
    const fn = handler as LambdaHandler;
    this.loaded.set(id, fn);
    return fn;
  }

  /** Builds the context object Lambda passes as the second argument. */
  context(id: FunctionId, deadline: number): Context {
    const def = this.def(id);
    const name = functionName(id);
    const requestId = randomUUID();
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${name}`,
      memoryLimitInMB: String(def.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${day}/[$LATEST]${requestId.replace(/-/g, '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /** Invokes the function with `event`; never throws, the outcome says what happened. */
  async invoke(id: FunctionId, event: unknown): Promise<InvokeOutcome> {
    const started = Date.now();
    const def = this.def(id);
    const timeoutMs = def.timeoutSeconds * 1000 * (this.options.timeoutScale ?? 1);
    const deadline = started + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      const handler = this.load(id);
      const context = this.context(id, deadline);
      const run = new Promise<unknown>((resolve, reject) => {
        const callback = (err?: unknown, result?: unknown) => (err ? reject(err) : resolve(result));
        try {
          const out = handler(event, context, callback);
          // Async handlers settle through their promise; callback-style ones through `callback`.
          if (out !== undefined || handler.length < 3) Promise.resolve(out).then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new FunctionTimeoutError(id, timeoutMs / 1000)), timeoutMs);
        timer.unref();
      });
      const value = await Promise.race([run, timeout]);
      return { ok: true, value, durationMs: Date.now() - started };
    } catch (error) {
      return { ok: false, error, timedOut: error instanceof FunctionTimeoutError, durationMs: Date.now() - started };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
