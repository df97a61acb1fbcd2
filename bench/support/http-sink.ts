import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message as a gateway sink saw it: its id, customer and when its batch arrived (performance.now()). */
export interface SinkReceipt {
  id: string;
  customerId: string | undefined;
  at: number;
}

/**
 * A local stand-in for an SMS gateway on 127.0.0.1: takes POSTed batches `{messages: [...]}`, counts them, notes when
 * each message arrived and acknowledges the batch with `answer(messages)` (the gateway's reply; by default one
 * `{id, status: 'accepted'}` per message). Nothing is checked or stored beyond the counts, so its own cost stays small.
 */
export class HttpSink {
  private server: http.Server | undefined;
  batches = 0;
  messages = 0;
  bytes = 0;
  /** Distinct message ids seen (a retry after a lost answer would arrive twice). */
  readonly ids = new Set<string>();
  duplicates = 0;
  /** Batches whose X-Kemai-Signature did not match (checked when a secret is given). */
  badSignatures = 0;
  /** Called for every message as it arrives (the latency benchmark's clock). */
  onMessage: ((r: SinkReceipt) => void) | undefined;
  batchSizes = new Map<number, number>();

  constructor(
    private readonly secret?: string,
    private readonly answer: (messages: Array<Record<string, unknown>>) => unknown = (ms) => ({ results: ms.map((m) => ({ id: m.id, status: 'accepted' })) }),
  ) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const body = Buffer.concat(chunks);
        this.bytes += body.length;
        if (this.secret) {
          const ts = String(req.headers['x-kemai-timestamp'] ?? '');
          const expected = crypto.createHmac('sha256', this.secret).update(`${ts}.`).update(body).digest('hex');
          if (req.headers['x-kemai-signature'] !== expected) this.badSignatures += 1;
        }
        let messages: Array<Record<string, unknown>> = [];
        try {
          const parsed = JSON.parse(body.toString('utf8')) as { messages?: Array<Record<string, unknown>> };
          messages = Array.isArray(parsed.messages) ? parsed.messages : [];
        } catch {
          res.writeHead(400).end();
          return;
        }
        this.batches += 1;
        this.messages += messages.length;
        this.batchSizes.set(messages.length, (this.batchSizes.get(messages.length) ?? 0) + 1);
        for (const m of messages) {
          const id = String(m.id);
          if (this.ids.has(id)) this.duplicates += 1;
          else this.ids.add(id);
          this.onMessage?.({ id, customerId: typeof m.customerId === 'string' ? m.customerId : undefined, at });
        }
        const reply = JSON.stringify(this.answer(messages));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) }).end(reply);
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
  }

  reset(): void {
    this.batches = 0;
    this.messages = 0;
    this.bytes = 0;
    this.duplicates = 0;
    this.badSignatures = 0;
    this.ids.clear();
    this.batchSizes.clear();
  }

  /** The most frequent batch size seen. */
  typicalBatch(): number {
    let best = 0;
    let count = -1;
    for (const [size, n] of this.batchSizes) if (n > count) [best, count] = [size, n];
    return best;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
