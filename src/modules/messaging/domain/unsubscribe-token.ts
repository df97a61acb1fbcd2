import crypto from 'node:crypto';

/**
 * The unsubscribe link's token: `<message id>.<channel>.<signature>`, the signature HMAC-SHA256 (base64url) of
 * `<message id>.<channel>` with the messaging secret. A token changed in any character fails verification.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHANNEL = /^[a-z_]{2,20}$/;

function sign(payload: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update(payload).digest('base64url');
}

export function unsubscribeToken(messageId: string, channel: string, secret: string): string {
  const payload = `${messageId.toLowerCase()}.${channel}`;
  return `${payload}.${sign(payload, secret)}`;
}

/** The message id and channel a token names, or undefined when it is malformed or its signature does not match. */
export function verifyUnsubscribeToken(token: string, secret: string): { messageId: string; channel: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [messageId, channel, signature] = parts as [string, string, string];
  if (!UUID.test(messageId) || !CHANNEL.test(channel)) return undefined;
  const expected = Buffer.from(sign(`${messageId}.${channel}`, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
  return { messageId, channel };
}
