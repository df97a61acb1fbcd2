import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../src/platform/db/database.js';
import { newId } from '../../src/platform/ids.js';
import type { Channel, QueuedMessage, SendDecision, SendPreparer } from '../../src/modules/messaging/messaging.contract.js';

/**
 * Send-time checks reduced to what the dispatcher's tests need: every message goes on its channel (auto → the first
 * enabled one) to the address in variables._to, with the template's text for the channel and locale, {{name}}
 * replaced. The real checks (consent, caps, quiet hours) are the templates side's and have their own tests.
 */
export class AddressPreparer implements SendPreparer {
  async prepare(db: Db, batch: readonly QueuedMessage[], _now: Date, enabled: ReadonlySet<Channel>): Promise<SendDecision[]> {
    const ids = [...new Set(batch.map((m) => m.templateId).filter((t): t is string => !!t))];
    const templates = await query<{ id: string; contents: Record<string, Record<string, { subject?: string; body: string }>>; provider_ids: Record<string, string> }>(
      db,
      sql`select id, contents, provider_ids from messaging.templates where id = any(${sql.param(ids)}::uuid[])`,
    );
    const byId = new Map(templates.map((t) => [t.id, t]));
    const out: SendDecision[] = [];
    for (const m of batch) {
      const channel = (m.channel === 'auto' ? [...enabled][0] : m.channel) as Channel;
      if (!channel || !enabled.has(channel)) continue;
      const t = byId.get(m.templateId ?? '');
      const text = t?.contents[channel]?.[m.locale] ?? { body: '' };
      const render = (s: string) => s.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(m.variables[k] ?? ''));
      const to = String(m.variables._to ?? '');
      out.push({
        id: m.id,
        action: 'send',
        channel,
        toMasked: `${to.slice(0, 1)}***`,
        message: {
          id: m.id,
          channel,
          customerId: m.customerId,
          to,
          subject: text.subject ? render(text.subject) : null,
          body: render(text.body),
          locale: m.locale,
          providerTemplateId: t?.provider_ids?.[channel] ?? null,
          variables: m.variables,
        },
      });
    }
    return out;
  }
}

export async function seedTemplate(db: Db, code: string, contents: unknown, providerIds: unknown = {}): Promise<string> {
  const id = newId();
  await query(db, sql`insert into messaging.templates (id, code, name, purpose, contents, provider_ids, created_by)
    values (${id}, ${code}, ${code}, 'service', ${JSON.stringify(contents)}::jsonb, ${JSON.stringify(providerIds)}::jsonb, 'test')`);
  return id;
}

export async function seedCustomers(db: Db, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newId());
  await query(db, sql`insert into customers.customers (id) select unnest(${sql.param(ids)}::uuid[])`);
  return ids;
}

export interface Sink {
  url: string;
  secret: string;
  /** Every request's messages' ids, in arrival order (duplicates included). */
  received: string[];
  /** Distinct idempotency keys accepted. */
  accepted: Set<string>;
  /** Messages per request, with the time (ms) each request arrived. */
  requests: Array<{ size: number; at: number }>;
  /** Requests whose signature did not verify. */
  badSignatures: number;
  close(): Promise<void>;
}

/**
 * A gateway on 127.0.0.1: checks the signature (HMAC-SHA256 of `${timestamp}.${body}`), deduplicates by idempotency key
 * as a real gateway does, and answers each message with `answer(id, attempt)` (default sent) after `delayMs`.
 */
export async function startSink(opts: { secret?: string; delayMs?: number; status?: (call: number) => number; answer?: (id: string) => 'sent' | 'failed' | 'retry' } = {}): Promise<Sink> {
  const secret = opts.secret ?? 'sink-secret-0123456789';
  const sink: Sink = { secret, received: [], accepted: new Set(), requests: [], badSignatures: 0, url: '', close: async () => undefined };
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      const ts = String(req.headers['x-kemai-timestamp']);
      const expected = crypto.createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
      if (req.headers['x-kemai-signature'] !== expected) {
        sink.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const status = opts.status?.(calls) ?? 200;
      const { messages } = JSON.parse(body) as { messages: Array<{ id: string; idempotencyKey: string }> };
      sink.requests.push({ size: messages.length, at: Date.now() });
      const reply = () => {
        if (status !== 200) {
          res.writeHead(status).end();
          return;
        }
        const results = messages.map((m) => {
          sink.received.push(m.idempotencyKey);
          const verdict = opts.answer?.(m.id) ?? 'sent';
          if (verdict !== 'sent') return { id: m.id, status: verdict, error: `sink said ${verdict}` };
          const duplicate = sink.accepted.has(m.idempotencyKey);
          sink.accepted.add(m.idempotencyKey);
          return { id: m.id, status: duplicate ? 'duplicate' : 'sent', providerMessageId: `gw-${m.idempotencyKey}` };
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      };
      if (opts.delayMs) setTimeout(reply, opts.delayMs);
      else reply();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  sink.url = `http://127.0.0.1:${port}/send`;
  sink.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return sink;
}
