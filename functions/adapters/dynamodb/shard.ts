import { createHash } from 'node:crypto';
import { DUE_SHARDS } from '../../../lib/topology';

/** The shard (0–15) of an id in the due-work indexes: stable, evenly spread. */
export const shardOf = (id: string): number => createHash('sha1').update(id).digest().readUInt16BE(0) % DUE_SHARDS;

export { DUE_SHARDS };
