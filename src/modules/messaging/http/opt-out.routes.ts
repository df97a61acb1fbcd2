import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../../platform/errors.js';
import { escapeHtml } from '../domain/render.js';
import { InboundInput, UnsubscribeQuery } from '../messaging.schemas.js';
import type { OptOutService } from '../opt-out.js';

const CHANNEL_NAMES: Record<string, { 'zh-CN': string; en: string }> = {
  sms: { 'zh-CN': '短信', en: 'text messages' },
  email: { 'zh-CN': '邮件', en: 'emails' },
  wechat: { 'zh-CN': '微信消息', en: 'WeChat messages' },
  app_push: { 'zh-CN': 'App 推送', en: 'app notifications' },
};

type Lang = 'zh-CN' | 'en';
const langOf = (req: FastifyRequest, given?: Lang): Lang => given ?? (/^en\b/i.test(String(req.headers['accept-language'] ?? '')) ? 'en' : 'zh-CN');

function page(lang: Lang, title: string, text: string, form?: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.6rem 1.2rem}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${form ?? ''}</body></html>`;
}

function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

const T = {
  invalid: { 'zh-CN': ['链接无效', '这个退订链接无效或已被修改。'], en: ['Invalid link', 'This unsubscribe link is not valid or was altered.'] },
  ask: { 'zh-CN': ['退订', '不再接收我们的营销{ch}？'], en: ['Unsubscribe', 'Stop receiving marketing {ch} from us?'] },
  button: { 'zh-CN': '确认退订', en: 'Unsubscribe' },
  done: { 'zh-CN': ['已退订', '您将不再收到我们的营销{ch}。'], en: ['Unsubscribed', 'You will no longer receive marketing {ch} from us.'] },
} as const;

/**
 * Public (no credentials): GET /api/v1/messaging/unsubscribe?token= shows a small zh-CN / en page, POST withdraws the
 * marketing consent of the link's channel. A forged or altered token answers 400 and changes nothing.
 * POST /api/v1/messaging/inbound (messaging:write): an SMS reply with a stop keyword (TD, T, 退订, STOP).
 */
export function registerOptOutRoutes(root: FastifyInstance, optOut: OptOutService) {
  const tags = ['messaging'];
  root.register(async (scoped) => {
    // The page's form posts application/x-www-form-urlencoded (the token is in the URL).
    scoped.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/messaging/unsubscribe',
      { config: { auth: 'public' }, schema: { tags, summary: 'The unsubscribe page of a message’s link (HTML)', querystring: UnsubscribeQuery } },
      async (req, reply) => {
        const lang = langOf(req, req.query.lang);
        try {
          const target = await optOut.resolve(req.query.token);
          const ch = CHANNEL_NAMES[target.channel]![lang];
          if (target.withdrawn) return sendPage(reply, 200, page(lang, T.done[lang][0], T.done[lang][1].replace('{ch}', ch)));
          const action = `?token=${encodeURIComponent(req.query.token)}&lang=${lang}`;
          const form = `<form method="post" action="${escapeHtml(action)}"><button type="submit">${escapeHtml(T.button[lang])}</button></form>`;
          return sendPage(reply, 200, page(lang, T.ask[lang][0], T.ask[lang][1].replace('{ch}', ch), form));
        } catch (e) {
          if (e instanceof AppError && (e.kind === 'validation' || e.kind === 'not_found'))
            return sendPage(reply, e.kind === 'validation' ? 400 : 404, page(lang, T.invalid[lang][0], T.invalid[lang][1]));
          throw e;
        }
      },
    );

    app.post(
      '/api/v1/messaging/unsubscribe',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'Unsubscribe: withdraw the marketing consent of the link’s channel',
          description: 'The token in the query (the page’s form) or the body {token}. JSON answers unless the page’s form posted.',
          querystring: UnsubscribeQuery.partial(),
        },
      },
      async (req, reply) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const token = req.query.token ?? (typeof body.token === 'string' ? body.token : '');
        const fromForm = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
        const lang = langOf(req, req.query.lang);
        try {
          const out = await optOut.unsubscribe(token);
          if (!fromForm) return { channel: out.channel, purpose: 'marketing', status: 'withdrawn', recorded: out.recorded };
          return sendPage(reply, 200, page(lang, T.done[lang][0], T.done[lang][1].replace('{ch}', CHANNEL_NAMES[out.channel]![lang])));
        } catch (e) {
          if (fromForm && e instanceof AppError && (e.kind === 'validation' || e.kind === 'not_found'))
            return sendPage(reply, e.kind === 'validation' ? 400 : 404, page(lang, T.invalid[lang][0], T.invalid[lang][1]));
          throw e;
        }
      },
    );

    app.post(
      '/api/v1/messaging/inbound',
      {
        config: { scope: 'messaging:write' },
        schema: {
          tags,
          summary: 'An inbound SMS (from the gateway): TD, T, 退订 or STOP withdraws the sender’s SMS marketing consent',
          body: InboundInput,
        },
      },
      async (req) => optOut.inbound(req.body),
    );
  });
}
