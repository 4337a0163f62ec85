/** Refreshes the metrics of published post targets 1 h, 24 h, 7 d and 30 d after they went out. */
import { planAnalytics } from '../../core/use-cases/post-analytics';
import { deps } from '../../composition/deps';
import { scheduledHandler } from '../lib/schedule';

export const handler = scheduledHandler(() => planAnalytics(deps()));
