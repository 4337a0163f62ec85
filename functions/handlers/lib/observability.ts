/**
 * The Powertools logger and metrics every handler shares. Created once per cold start; service
 * name and namespace come from POWERTOOLS_* variables the stack sets (read by Powertools itself).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: 'reach' });
export const metrics = new Metrics({ namespace: 'Reach', serviceName: 'reach' });
