/** Reading what a mail gateway forwards: the sender, the ticket a reply belongs to. */

export interface Sender {
  email: string | null;
  name: string | null;
}

/** `"Wang Fang" <wang.fang@example.com>`, `Wang Fang <w@x.cn>` or `w@x.cn` → the address (lower case) and the name. */
export function parseFrom(from: string): Sender {
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$/.exec(from);
  if (m) {
    const name = (m[1] ?? '').trim();
    return { email: m[2]!.toLowerCase(), name: name || null };
  }
  const bare = from.trim();
  return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(bare) ? { email: bare.toLowerCase(), name: null } : { email: null, name: bare || null };
}

/** The ticket number a subject names as [T-123] (the reply's subject keeps it), or null. */
export function ticketNumberInSubject(subject: string): number | null {
  const m = /\[T-(\d{1,15})\]/i.exec(subject);
  return m ? Number(m[1]) : null;
}

/** A Message-ID without its angle brackets. */
export function bareMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim();
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The uuid in an In-Reply-To (our outgoing mail's Message-ID carries the message's id), or null. */
export function uuidIn(messageId: string): string | null {
  return UUID.exec(messageId)?.[0]?.toLowerCase() ?? null;
}
