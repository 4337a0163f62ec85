/** Every minute: sends post targets due now and in the next two minutes to the publish queue, to their second. */
import { planPublish } from '../../core/use-cases/publish';
import { deps } from '../../composition/deps';
import { scheduledHandler } from '../lib/schedule';

export const handler = scheduledHandler(() => planPublish(deps()));
