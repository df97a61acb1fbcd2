import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { ChannelAdapter, OutgoingMessage, SendOutcome } from '../messaging.contract.js';
import { errorText } from './signature.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The text as a minimal HTML part: escaped, paragraphs and line breaks kept. */
export function textToHtml(text: string): string {
  const paragraphs = text.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`);
  return `<!doctype html><html><body>${paragraphs.join('')}</body></html>`;
}

/**
 * Email through an SMTP server (nodemailer, a small connection pool per configuration). Message-ID is
 * `<messageId@kemai>`, so a server or a mailbox that deduplicates Message-ID drops a resend after a crash; one that
 * does not may deliver such a message twice (see the README). 5xx answers fail the message; 4xx answers and
 * connection errors retry it.
 */
export class SmtpAdapter implements ChannelAdapter {
  readonly name = 'smtp';
  private readonly transports = new Map<string, Transporter>();

  private transport(config: Record<string, unknown>): Transporter {
    const key = crypto.createHash('sha256').update(JSON.stringify(config)).digest('hex');
    let t = this.transports.get(key);
    if (!t) {
      const timeout = Number(config.timeoutMs ?? 10_000);
      t = nodemailer.createTransport({
        host: String(config.host),
        port: Number(config.port ?? 587),
        secure: config.secure === true,
        ignoreTLS: config.ignoreTLS === true,
        ...(config.user ? { auth: { user: String(config.user), pass: String(config.pass ?? '') } } : {}),
        pool: true,
        maxConnections: 3,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        logger: false,
      });
      this.transports.set(key, t);
    }
    return t;
  }

  async send(messages: readonly OutgoingMessage[], config: Record<string, unknown>): Promise<SendOutcome[]> {
    const transport = this.transport(config);
    return Promise.all(
      messages.map(async (m): Promise<SendOutcome> => {
        try {
          const info = await transport.sendMail({
            from: String(config.from),
            to: m.to,
            subject: m.subject ?? '',
            text: m.body,
            html: textToHtml(m.body),
            messageId: `<${m.id}@kemai>`,
            headers: { 'X-Kemai-Message-Id': m.id },
          });
          return { id: m.id, status: 'sent', providerMessageId: String(info.messageId ?? `<${m.id}@kemai>`) };
        } catch (err) {
          const code = Number((err as { responseCode?: number }).responseCode);
          if (code >= 500 && code < 600) return { id: m.id, status: 'failed', error: `smtp ${code}` };
          return { id: m.id, status: 'retry', error: Number.isFinite(code) && code > 0 ? `smtp ${code}` : `smtp: ${errorText(err)}` };
        }
      }),
    );
  }

  close(): void {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
  }
}
