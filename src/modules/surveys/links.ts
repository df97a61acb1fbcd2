import crypto from 'node:crypto';

/**
 * The response link: `<publicUrl>/s/<token>`, token = base64url(the invitation id's 16 bytes) + '.' +
 * base64url(HMAC-SHA256(key, those 16 bytes)). The key is derived from the messaging secret for the purpose 'survey'
 * (HKDF-SHA256), so a survey token never verifies as any other signed thing (unsubscribe links) and vice versa.
 * A token changed in any character, or signed with another secret, does not verify (constant-time comparison).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const B64URL = /^[A-Za-z0-9_-]+$/;

export function surveyKey(secret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('kemai', 'utf8'), Buffer.from('survey', 'utf8'), 32));
}

function idBytes(id: string): Buffer {
  if (!UUID.test(id)) throw new TypeError(`not an invitation id: ${id}`);
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function idFromBytes(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function mac(key: Buffer, bytes: Buffer): Buffer {
  return crypto.createHmac('sha256', key).update(bytes).digest();
}

export function signInvitation(invitationId: string, key: Buffer): string {
  const bytes = idBytes(invitationId);
  return `${bytes.toString('base64url')}.${mac(key, bytes).toString('base64url')}`;
}

/** The invitation id a token names, or undefined when it is malformed or its signature does not match. */
export function verifyInvitationToken(token: string, key: Buffer): string | undefined {
  if (typeof token !== 'string' || token.length > 200) return undefined;
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [idPart, sigPart] = parts as [string, string];
  if (!B64URL.test(idPart) || !B64URL.test(sigPart)) return undefined;
  const bytes = Buffer.from(idPart, 'base64url');
  // Only the canonical encoding: another spelling of the same bytes is not the token we issued.
  if (bytes.length !== 16 || bytes.toString('base64url') !== idPart) return undefined;
  const given = Buffer.from(sigPart, 'base64url');
  const expected = mac(key, bytes);
  if (given.length !== expected.length || given.toString('base64url') !== sigPart) return undefined;
  if (!crypto.timingSafeEqual(given, expected)) return undefined;
  return idFromBytes(bytes);
}

/** Signs and verifies the links of one installation (its public URL and messaging secret). */
export class SurveyLinks {
  private readonly key: Buffer;

  constructor(private readonly opts: { publicUrl: string; secret: string }) {
    this.key = surveyKey(opts.secret);
  }

  token(invitationId: string): string {
    return signInvitation(invitationId, this.key);
  }

  url(invitationId: string): string {
    return `${this.opts.publicUrl.replace(/\/+$/, '')}/s/${this.token(invitationId)}`;
  }

  verify(token: string): string | undefined {
    return verifyInvitationToken(token, this.key);
  }
}
