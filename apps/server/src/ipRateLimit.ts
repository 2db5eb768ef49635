import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { Config } from './config';
import { HttpError } from './errors';

/**
 * The per-IP limit of an unauthenticated route group (/webhooks, /dev, /dev-media): register
 * `@fastify/rate-limit` with these options inside the group's own scope, so each group counts alone.
 */
export function ipRateLimit(config: Config): RateLimitPluginOptions {
  return {
    max: config.ipRateLimitMax,
    timeWindow: config.rateLimitWindowMs,
    errorResponseBuilder: (_req, ctx) =>
      new HttpError(429, 'rate_limited', `Too many requests from this address: retry in ${ctx.after}`),
  };
}
