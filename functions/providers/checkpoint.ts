/**
 * The checkpoint a multi-step publish keeps, as every publisher uses it: a working copy of the
 * saved checkpoint, and `save(patch)` that applies a patch (an `undefined` value removes a key)
 * and persists the whole checkpoint through `ctx.save` before the next platform call.
 */
import type { PublishContext } from './types';

export type CheckpointPatch = Readonly<Record<string, string | undefined>>;

export interface CheckpointWriter {
  /** The current checkpoint (read it; change it only through `save`). */
  readonly cp: Record<string, string>;
  save(patch: CheckpointPatch): Promise<void>;
}

export const checkpointWriter = (ctx: Pick<PublishContext, 'checkpoint' | 'save'>): CheckpointWriter => {
  const cp: Record<string, string> = { ...(ctx.checkpoint ?? {}) };
  return {
    cp,
    save: async (patch) => {
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) delete cp[k];
        else cp[k] = v;
      }
      await ctx.save({ ...cp });
    },
  };
};
