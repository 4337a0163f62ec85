/** How many shards the due-work indexes have (the one definition lives with the tables). */
export { DUE_SHARDS as DUE_SHARD_COUNT } from '../../../lib/topology';
