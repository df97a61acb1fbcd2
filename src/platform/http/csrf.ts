import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { SESSION_COOKIE } from './auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A public route a browser must only call from this site (sign-in): a request naming a foreign
     * Origin is refused even though it carries no session.
     */
    sameOrigin?: boolean;
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `scheme://host[:port]` of a URL, default port dropped; undefined when it is not one. */
function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** The session cookie is what authenticates this request: no Bearer token takes its place. */
function usesSessionCookie(req: FastifyRequest): boolean {
  if (req.headers.authorization?.startsWith('Bearer ')) return false;
  const cookie = req.headers.cookie;
  return !!cookie && cookie.split(';').some((part) => part.trim().split('=')[0] === SESSION_COOKIE);
}

/**
 * The origins this request may come from: its own (Host header with the scheme it arrived on, and
 * the https twin for TLS ended by a proxy in front) and the configured public URL.
 */
function ownOrigins(req: FastifyRequest, publicOrigin: string | undefined): Set<string> {
  const out = new Set<string>();
  if (publicOrigin) out.add(publicOrigin);
  const host = header(req, 'host');
  if (host) {
    for (const scheme of [req.protocol, 'https']) {
      const o = originOf(`${scheme}://${host}`);
      if (o) out.add(o);
    }
  }
  return out;
}

export type OriginVerdict = { ok: true } | { ok: false; seen: string };

/**
 * Where a browser request comes from, by the best evidence it carries: `Origin`; without it
 * `Sec-Fetch-Site` (only `same-origin` passes); without both, the origin of `Referer`. None of the
 * three: refused, as a browser always sends one of them on a state-changing request.
 */
export function checkOrigin(req: FastifyRequest, publicOrigin: string | undefined, opts: { requireEvidence: boolean }): OriginVerdict {
  const allowed = ownOrigins(req, publicOrigin);
  const origin = header(req, 'origin');
  if (origin !== undefined) return allowed.has(originOf(origin) ?? '') ? { ok: true } : { ok: false, seen: origin };
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' ? { ok: true } : { ok: false, seen: `Sec-Fetch-Site: ${site}` };
  const referer = header(req, 'referer');
  if (referer !== undefined) {
    const o = originOf(referer);
    return o && allowed.has(o) ? { ok: true } : { ok: false, seen: o ?? 'an unreadable Referer' };
  }
  return opts.requireEvidence ? { ok: false, seen: 'none (no Origin, Sec-Fetch-Site or Referer header)' } : { ok: true };
}

/**
 * Cross-site request forgery guard for the console. A state-changing request (POST, PUT, PATCH,
 * DELETE) authenticated by the session cookie must come from this site: its Origin (or
 * Sec-Fetch-Site, or Referer) must be the request's own origin or the public URL, else 403
 * `csrf_rejected` before anything runs. Bearer tokens are not sent by browsers on their own, so API
 * calls are not forgeable and pass; public routes ignore the cookie and pass, except those marked
 * `config.sameOrigin` (sign-in), which refuse a foreign Origin when one is sent.
 */
export function installCsrf(app: FastifyInstance, opts: { publicUrl?: string }) {
  const publicOrigin = opts.publicUrl ? originOf(opts.publicUrl) : undefined;
  app.addHook('onRequest', async (req) => {
    if (!STATE_CHANGING.has(req.method)) return;
    const config = req.routeOptions.config ?? {};
    let verdict: OriginVerdict;
    if (config.auth === 'public') {
      if (!config.sameOrigin) return;
      verdict = checkOrigin(req, publicOrigin, { requireEvidence: false });
    } else {
      if (!usesSessionCookie(req)) return;
      verdict = checkOrigin(req, publicOrigin, { requireEvidence: true });
    }
    if (!verdict.ok) {
      throw new AppError(
        'forbidden',
        'csrf_rejected',
        `Cross-site request refused: it comes from ${verdict.seen}, not from this site. Call the API with an API key (Authorization: Bearer) or from the console itself`,
        { origin: verdict.seen },
      );
    }
  });
}
