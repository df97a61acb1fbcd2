import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../clock.js';
import { errorBody } from './app.js';

/**
 * Request rate limits, held in memory: fixed windows counted **per process**. Several Kemai processes behind a load
 * balancer each allow the full limit, so the effective limit is the per-process one times the process count; put a
 * shared limiter in front (the proxy) when that matters.
 */

/** A fixed-window counter per key held in memory: at most `limit` per `windowMs`. */
export class RateLimiter {
  private readonly hits = new Map<string, { start: number; n: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** True when the key may go on (and counts it); false when it has used its window up. */
  take(key: string, now = Date.now()): boolean {
    if (this.hits.size > 50_000) for (const [k, v] of this.hits) if (now - v.start >= this.windowMs) this.hits.delete(k);
    const h = this.hits.get(key);
    if (!h || now - h.start >= this.windowMs) {
      this.hits.set(key, { start: now, n: 1 });
      return true;
    }
    if (h.n >= this.limit) return false;
    h.n += 1;
    return true;
  }

  /** How many more the key may make in its current window. */
  remaining(key: string, now = Date.now()): number {
    const h = this.hits.get(key);
    return !h || now - h.start >= this.windowMs ? this.limit : Math.max(0, this.limit - h.n);
  }

  /** Seconds until the key's window ends. */
  retryAfter(key: string, now = Date.now()): number {
    const h = this.hits.get(key);
    return h ? Math.max(1, Math.ceil((h.start + this.windowMs - now) / 1000)) : 0;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `'sign_in'`: also limited per IP as sign-in attempts; `false`: not limited at all (health checks). */
    rateLimit?: 'sign_in' | false;
  }
}

export interface RateLimitOptions {
  /** Requests per window per API key or staff session. */
  perKey: number;
  /** Requests per window per IP address without credentials (public routes, failed or missing credentials are refused before). */
  perIp: number;
  /** Sign-in attempts per window per IP address. */
  signInPerIp: number;
  /** Default one minute. */
  windowMs?: number;
  clock?: Clock;
}

function refuse(req: FastifyRequest, reply: FastifyReply, limiter: RateLimiter, key: string, now: number, what: string) {
  const windowSeconds = limiter.windowMs / 1000;
  return reply
    .status(429)
    .header('retry-after', String(limiter.retryAfter(key, now)))
    .header('x-ratelimit-limit', String(limiter.limit))
    .header('x-ratelimit-remaining', '0')
    .send(
      errorBody('rate_limited', `Too many requests: at most ${limiter.limit} ${what} per ${windowSeconds} seconds; try again later`, req.id, {
        limit: limiter.limit,
        windowSeconds,
      }),
    );
}

/**
 * Install after `installAuth` (its preHandler resolves `req.principal` first): a caller with credentials is counted
 * per principal (`key:<id>` / `staff:<id>`), anyone else per IP; sign-in routes are also counted per IP on their own.
 * Over a limit: 429 with error code `rate_limited` with `retry-after` (seconds); every limited response carries `x-ratelimit-limit`
 * and `x-ratelimit-remaining`.
 */
export function installRateLimit(app: FastifyInstance, opts: RateLimitOptions) {
  const windowMs = opts.windowMs ?? 60_000;
  const clock = opts.clock ?? systemClock;
  const perKey = new RateLimiter(opts.perKey, windowMs);
  const perIp = new RateLimiter(opts.perIp, windowMs);
  const signIn = new RateLimiter(opts.signInPerIp, windowMs);
  app.addHook('preHandler', async (req, reply) => {
    const config = req.routeOptions.config;
    if (config.rateLimit === false) return;
    const now = clock.now().getTime();
    if (config.rateLimit === 'sign_in' && !signIn.take(`ip:${req.ip}`, now)) return refuse(req, reply, signIn, `ip:${req.ip}`, now, 'sign-in attempts per IP address');
    const p = req.principal;
    const [limiter, key, what] = p ? [perKey, `${p.kind}:${p.id}`, 'requests per API key or session'] : [perIp, `ip:${req.ip}`, 'requests per IP address without credentials'];
    if (!limiter.take(key, now)) return refuse(req, reply, limiter, key, now, what);
    reply.header('x-ratelimit-limit', String(limiter.limit));
    reply.header('x-ratelimit-remaining', String(limiter.remaining(key, now)));
  });
}
