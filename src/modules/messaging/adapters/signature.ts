import crypto from 'node:crypto';

/** The signature gateways and Kemai share: hex HMAC-SHA256 of `${timestamp}.${rawBody}` with the channel's secret. */
export function sign(secret: string, timestamp: string, rawBody: string): string {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
}

/**
 * Checks a signed request: the signature matches (compared in constant time) and the timestamp (seconds since the
 * epoch) is within `toleranceSeconds` of now, so a captured request cannot be replayed later.
 */
export function verify(secret: string, timestamp: string | undefined, signature: string | undefined, rawBody: string, now: Date, toleranceSeconds = 300): boolean {
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, timestamp, rawBody), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** Template variables fit to leave Kemai: our own control keys (leading underscore) stay home. */
export function publicVariables(variables: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(variables).filter(([k]) => !k.startsWith('_')));
}

/** An error text for the log: the error's message, never a request body or an address. */
export function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  return String(e?.code ?? e?.message ?? err).slice(0, 300);
}
