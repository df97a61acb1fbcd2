import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ReceiptsService } from '../receipts.service.js';
import { ChannelParams } from '../messaging-delivery.schemas.js';

/**
 * POST /api/v1/messaging/receipts/{channel}: delivery receipts from a gateway. No session: the request is signed
 * (X-Kemai-Timestamp, X-Kemai-Signature) with the channel's secret, checked on the raw body before anything is read.
 */
export function registerReceiptsRoutes(root: FastifyInstance, receipts: ReceiptsService) {
  root.register(async (scoped) => {
    // The signature covers the bytes as sent: keep the body as text and parse it after checking.
    scoped.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    const app = scoped.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/v1/messaging/receipts/:channel',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['messaging'],
          summary: 'Delivery receipts from a gateway (signed)',
          description:
            'Body {receipts:[{id | providerMessageId, status: delivered|failed|opened|clicked|bounced, at, error?}]}. Headers X-Kemai-Timestamp (seconds) and X-Kemai-Signature = hex HMAC-SHA256 of `${timestamp}.${rawBody}` with the channel’s receiptSecret (else its secret); a bad or stale signature is 401 and changes nothing. Idempotent.',
          params: ChannelParams,
        },
      },
      async (req) => {
        const header = (name: string) => {
          const v = req.headers[name];
          return Array.isArray(v) ? v[0] : v;
        };
        const raw = typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? null);
        return receipts.receive(req.params.channel, { timestamp: header('x-kemai-timestamp'), signature: header('x-kemai-signature') }, raw);
      },
    );
  });
}
