import crypto from 'node:crypto';

/**
 * The public web form's helpers: the signed `t` parameter of a link sent to a customer (who and which order the
 * ticket is about) and a per-IP rate limit.
 */

export interface LinkClaims {
  customerId?: string;
  orderId?: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/** A key of its own, derived from the messaging secret (a leaked form link says nothing about unsubscribe tokens). */
export function linkKey(secret: string): Buffer {
  return crypto.createHmac('sha256', secret).update('kemai.service.ticket-link.v1').digest();
}

export function signLink(claims: LinkClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify({ c: claims.customerId, o: claims.orderId, e: claims.exp })).toString('base64url');
  const sig = crypto.createHmac('sha256', key).update(payload).digest('base64url');
  return `${payload}.${sig}`;
}

/** The claims of a well-signed, unexpired `t`; a reason otherwise. */
export function verifyLink(t: string, key: Buffer, now: Date): { ok: true; claims: LinkClaims } | { ok: false; reason: string } {
  const dot = t.indexOf('.');
  if (dot < 1) return { ok: false, reason: 'not a signed link parameter' };
  const payload = t.slice(0, dot);
  const given = Buffer.from(t.slice(dot + 1));
  const want = Buffer.from(crypto.createHmac('sha256', key).update(payload).digest('base64url'));
  if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) return { ok: false, reason: 'the signature does not match' };
  let raw: { c?: unknown; o?: unknown; e?: unknown };
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof raw;
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  if (typeof raw.e !== 'number' || raw.e * 1000 <= now.getTime()) return { ok: false, reason: 'the link has expired' };
  return {
    ok: true,
    claims: { exp: raw.e, ...(typeof raw.c === 'string' ? { customerId: raw.c } : {}), ...(typeof raw.o === 'string' ? { orderId: raw.o } : {}) },
  };
}

/** The in-memory fixed-window limiter moved to the platform (every route is rate-limited now); re-exported for the form. */
export { RateLimiter } from '../../../platform/http/rate-limit.js';
