import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ChannelsService } from '../channels.service.js';
import { ChannelInput, ChannelParams, ChannelTestInput } from '../messaging-delivery.schemas.js';

/** Channel settings: GET /messaging/channels (secrets as '••••'), PUT one (messaging:admin), a test send. */
export function registerChannelsRoutes(root: FastifyInstance, channels: ChannelsService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['messaging'];

  app.get(
    '/api/v1/messaging/channels',
    { config: { scope: 'messaging:read' }, schema: { tags, summary: 'Each channel: enabled, adapter, settings (secrets shown as ••••), rate' } },
    async () => ({ items: await channels.list() }),
  );

  app.put(
    '/api/v1/messaging/channels/:channel',
    {
      config: { scope: 'messaging:admin' },
      schema: {
        tags,
        summary: 'Replace a channel’s settings',
        description:
          'Adapters: log (records only), smtp {host, port, secure, user, pass, from}, webhook {url, secret, batchSize, timeoutMs}, wechat {appId, appSecret, baseUrl, kind}, guide_task {dueDays}. A secret sent as •••• keeps the stored one.',
        params: ChannelParams,
        body: ChannelInput,
      },
    },
    async (req) => channels.update(req.params.channel, req.body, `${req.principal!.kind}:${req.principal!.name}`),
  );

  app.post(
    '/api/v1/messaging/channels/:channel/test',
    { config: { scope: 'messaging:admin' }, schema: { tags, summary: 'Send a test message through the channel’s adapter to an address', params: ChannelParams, body: ChannelTestInput } },
    async (req) => channels.test(req.params.channel, req.body.to, req.body.providerTemplateId),
  );
}
