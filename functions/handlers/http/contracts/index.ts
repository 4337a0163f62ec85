/** Every route contract of the three HTTP functions, by route key: what the OpenAPI document describes. */
import type { RouteContract } from './contract';
import { apiContracts } from './api';
import { oauthContracts } from './oauth';
import { postContracts } from './posts-routes';
import { webhookContracts } from './webhooks';

export const routeContracts: Readonly<Record<string, RouteContract>> = { ...apiContracts, ...postContracts, ...oauthContracts, ...webhookContracts };
