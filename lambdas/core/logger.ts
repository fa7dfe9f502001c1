import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger for every handler. Never pass request bodies, codes, tokens, secrets or
 * cookies to it: log identifiers (traceId, tenantId, clientId) and outcomes only.
 */
export const logger = new Logger({
  serviceName: 'keyway',
  logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
});
