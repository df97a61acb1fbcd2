import type { Clock } from '../../../platform/clock.js';
import type { ChannelAdapter, OutgoingMessage, SendOutcome } from '../messaging.contract.js';
import { errorText, publicVariables, sign } from './signature.js';

interface WebhookResult {
  id?: unknown;
  status?: unknown;
  providerMessageId?: unknown;
  error?: unknown;
}

/**
 * A gateway reached over HTTP (SMS, app push, or any provider behind a small bridge): POST {messages:[…]} in batches,
 * signed (X-Kemai-Timestamp, X-Kemai-Signature = hex HMAC-SHA256 of `${timestamp}.${rawBody}`), each message with
 * idempotencyKey = its id so a resend after a crash is recognised. The answer {results:[{id, status, providerMessageId?,
 * error?}]}: status sent|accepted|duplicate → sent, failed → failed, anything else or missing → retry. 5xx, 429 and
 * timeouts → retry the batch; another 4xx → the batch failed (the gateway refuses it as it is).
 */
export class WebhookAdapter implements ChannelAdapter {
  readonly name = 'webhook';
  constructor(private readonly clock: Clock) {}

  async send(messages: readonly OutgoingMessage[], config: Record<string, unknown>): Promise<SendOutcome[]> {
    const url = String(config.url);
    const secret = String(config.secret);
    const batchSize = Number(config.batchSize ?? 100);
    const timeoutMs = Number(config.timeoutMs ?? 10_000);
    const outcomes: SendOutcome[] = [];
    for (let i = 0; i < messages.length; i += batchSize) outcomes.push(...(await this.post(messages.slice(i, i + batchSize), url, secret, timeoutMs)));
    return outcomes;
  }

  private async post(batch: readonly OutgoingMessage[], url: string, secret: string, timeoutMs: number): Promise<SendOutcome[]> {
    const body = JSON.stringify({
      messages: batch.map((m) => ({
        id: m.id,
        idempotencyKey: m.id,
        channel: m.channel,
        to: m.to,
        subject: m.subject,
        body: m.body,
        locale: m.locale,
        providerTemplateId: m.providerTemplateId,
        variables: publicVariables(m.variables),
      })),
    });
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    const all = (status: 'retry' | 'failed', error: string): SendOutcome[] => batch.map((m) => ({ id: m.id, status, error }));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-kemai-timestamp': timestamp, 'x-kemai-signature': sign(secret, timestamp, body) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      return all('retry', `gateway unreachable: ${errorText(err)}`);
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      await response.body?.cancel().catch(() => undefined);
      return all('retry', `gateway answered ${response.status}`);
    }
    if (response.status >= 300) {
      await response.body?.cancel().catch(() => undefined);
      return all('failed', `gateway refused the batch (${response.status})`);
    }
    let results: WebhookResult[];
    try {
      const json = (await response.json()) as { results?: WebhookResult[] };
      results = Array.isArray(json.results) ? json.results : [];
    } catch (err) {
      return all('retry', `gateway answer unreadable: ${errorText(err)}`);
    }
    const byId = new Map(results.map((r) => [String(r.id), r]));
    return batch.map((m): SendOutcome => {
      const r = byId.get(m.id);
      if (!r) return { id: m.id, status: 'retry', error: 'gateway gave no result for the message' };
      const error = r.error == null ? undefined : String(r.error).slice(0, 300);
      if (r.status === 'sent' || r.status === 'accepted' || r.status === 'duplicate')
        return { id: m.id, status: 'sent', ...(r.providerMessageId != null ? { providerMessageId: String(r.providerMessageId) } : {}) };
      if (r.status === 'failed') return { id: m.id, status: 'failed', error: error ?? 'failed at the gateway' };
      return { id: m.id, status: 'retry', error: error ?? `gateway status ${String(r.status)}` };
    });
  }
}
