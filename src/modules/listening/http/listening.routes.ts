import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { invalid } from '../../../platform/errors.js';
import { parseMentionFile } from '../import.js';
import { FeedInput, MentionBatch, MentionListQuery, MENTION_SOURCES, PeriodQuery, RuleInput, RulePatch, TermsQuery, TrendQuery } from '../listening.schemas.js';
import type { ListeningService } from '../listening.service.js';
import { aspectHints } from '../text/index.js';
import { labelFor } from '../analyzer.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;
const Params = z.object({ id: z.uuid() });
const UPLOAD_TYPES = ['text/csv', 'text/tab-separated-values', 'application/x-ndjson', 'text/plain'];

/**
 * /api/v1/listening: mentions (the stream, batches, file imports), figures (overview, sentiment trend, regions,
 * keyword heat), the sentiment model, spike rules and alerts, console notices and feeds; plus the webhook receiver
 * /hooks/listening/:id. Reading needs listening:read, importing and acknowledging listening:write, rules, feeds and the
 * model listening:admin.
 */
export function registerListeningRoutes(root: FastifyInstance, s: ListeningService) {
  const tags = ['listening'];
  root.register(async (scoped) => {
    scoped.addContentTypeParser(UPLOAD_TYPES, { parseAs: 'string', bodyLimit: 256 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.get('/api/v1/listening/mentions', { config: { scope: 'listening:read' }, schema: { tags, summary: 'The mention stream, newest first, with filters', querystring: MentionListQuery } }, async (req) =>
      s.mentions.list(req.query),
    );

    app.post(
      '/api/v1/listening/mentions',
      {
        config: { scope: 'listening:write' },
        schema: {
          tags,
          summary: 'Store a batch of mentions (≤ 5,000) all or nothing: deduplicated by source and external id, scored, keyworded, linked to customers by identifiers',
          body: MentionBatch,
        },
      },
      async (req, reply) => {
        const result = await s.mentions.ingest(req.body.items);
        reply.status(result.inserted > 0 ? 201 : 200);
        return result;
      },
    );

    app.post(
      '/api/v1/listening/mentions/import',
      {
        config: { scope: 'listening:write' },
        schema: {
          tags,
          summary: 'Import a monitoring export (CSV, TSV, NDJSON): every line validated first (problems named by line), then stored in batches',
          querystring: z.object({
            format: z.enum(['csv', 'tsv', 'ndjson', 'json']).optional(),
            source: z.enum(MENTION_SOURCES).optional().describe('For rows without a source column'),
          }),
        },
      },
      async (req) => {
        if (typeof req.body !== 'string') throw invalid('listening.bad_upload', 'send the file as the body (text/csv, application/x-ndjson or application/json)', [{ path: 'body', message: 'no file' }]);
        const type = String(req.headers['content-type'] ?? '');
        const format = req.query.format ?? (type.includes('ndjson') ? 'ndjson' : type.includes('tab-separated') ? 'tsv' : 'csv');
        const { items, issues } = parseMentionFile(req.body, { format, ...(req.query.source ? { source: req.query.source } : {}) });
        if (issues.length) throw invalid('listening.invalid_file', `${issues.length} problem(s); nothing was stored (first: line ${issues[0]!.line} ${issues[0]!.path}: ${issues[0]!.message})`, issues.slice(0, 200).map((i) => ({ path: `line ${i.line}${i.path ? ` ${i.path}` : ''}`, message: i.message })));
        return s.importItems(items);
      },
    );

    app.get('/api/v1/listening/overview', { config: { scope: 'listening:read' }, schema: { tags, summary: 'Mentions, sentiment, sources, aspects, open alerts and crises over a period', querystring: PeriodQuery } }, async (req) =>
      s.stats.overview(req.query),
    );
    app.get('/api/v1/listening/trend', { config: { scope: 'listening:read' }, schema: { tags, summary: 'Mentions by sentiment per hour, day or week, with the negative share', querystring: TrendQuery } }, async (req) =>
      s.stats.trend(req.query),
    );
    app.get('/api/v1/listening/regions', { config: { scope: 'listening:read' }, schema: { tags, summary: 'Mentions and negative share per region', querystring: PeriodQuery } }, async (req) => s.stats.regions(req.query));
    app.get(
      '/api/v1/listening/terms',
      { config: { scope: 'listening:read' }, schema: { tags, summary: 'Keyword heat: the hottest terms, the rising ones (log-likelihood against the previous period) and new words', querystring: TermsQuery } },
      async (req) => ({ ...(await s.stats.terms(req.query)), newWords: await s.newWords(req.query) }),
    );

    app.post(
      '/api/v1/listening/sentiment',
      {
        config: { scope: 'listening:read' },
        schema: { tags, summary: 'Score texts with the sentiment model in force (in-process): label, score −1…1, probability, language, aspect hints', body: z.object({ texts: z.array(z.string().max(20_000)).min(1).max(1000) }) },
      },
      async (req) => ({
        model: s.models.describe(),
        items: s.models.current().scoreMany(req.body.texts).map((r, i) => ({ ...r, label: labelFor(req.body.texts[i]!, r), score: Math.round(r.score * 1000) / 1000, probability: Math.round(r.probability * 1000) / 1000, aspects: aspectHints(req.body.texts[i]!, r.lang) })),
      }),
    );
    app.get('/api/v1/listening/model', { config: { scope: 'listening:read' }, schema: { tags, summary: 'The sentiment model in force (shipped or the brand’s trained one)' } }, async () => {
      await s.models.refresh();
      return s.models.describe();
    });
    app.delete('/api/v1/listening/model', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Go back to the shipped sentiment model' } }, async () => s.models.reset());

    app.get('/api/v1/listening/rules', { config: { scope: 'listening:read' }, schema: { tags, summary: 'Spike rules' } }, async () => ({ items: await s.alerts.listRules() }));
    app.post('/api/v1/listening/rules', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Create a spike rule', body: RuleInput } }, async (req, reply) => {
      reply.status(201);
      return s.alerts.createRule(req.body, actor(req));
    });
    app.post('/api/v1/listening/rules/defaults', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Install the default rules (the seeds’ +500 % in 1 h) when there are none' } }, async (req) => ({
      items: await s.alerts.ensureDefaults(actor(req)),
    }));
    app.patch('/api/v1/listening/rules/:id', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Change a spike rule', params: Params, body: RulePatch } }, async (req) =>
      s.alerts.updateRule(req.params.id, req.body),
    );
    app.delete('/api/v1/listening/rules/:id', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Delete a spike rule (its open alerts close)', params: Params } }, async (req, reply) => {
      await s.alerts.deleteRule(req.params.id);
      reply.status(204);
    });

    app.get(
      '/api/v1/listening/alerts',
      {
        config: { scope: 'listening:read' },
        schema: { tags, summary: 'Spike alerts, newest first', querystring: z.object({ status: z.enum(['open', 'closed', 'all']).default('open'), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      },
      async (req) => ({ items: await s.alerts.listAlerts(req.query) }),
    );
    app.get('/api/v1/listening/alerts/:id', { config: { scope: 'listening:read' }, schema: { tags, summary: 'A spike alert', params: Params } }, async (req) => s.alerts.getAlert(req.params.id));
    app.post('/api/v1/listening/alerts/:id/ack', { config: { scope: 'listening:write' }, schema: { tags, summary: 'Acknowledge an alert (once)', params: Params } }, async (req) =>
      s.alerts.acknowledge(req.params.id, actor(req)),
    );
    app.post('/api/v1/listening/scan', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Run the spike scan now (it also runs every 5 minutes) and deliver pending notices' } }, async () => s.scanNow());

    app.get(
      '/api/v1/listening/notifications',
      { config: { scope: 'listening:read' }, schema: { tags, summary: 'Console notices of spikes, crises and deadlines', querystring: z.object({ unread: z.coerce.boolean().default(false), limit: z.coerce.number().int().min(1).max(200).default(50) }) } },
      async (req) => s.notifications.consoleList(req.query),
    );
    app.post(
      '/api/v1/listening/notifications/read',
      { config: { scope: 'listening:read' }, schema: { tags, summary: 'Mark console notices read (all without ids)', body: z.object({ ids: z.array(z.uuid()).max(500).optional() }) } },
      async (req) => s.notifications.markRead(req.body.ids),
    );

    app.get('/api/v1/listening/feeds', { config: { scope: 'listening:read' }, schema: { tags, summary: 'Feeds (RSS/Atom, JSON) and webhook receivers' } }, async () => ({ items: await s.feeds.list() }));
    app.post('/api/v1/listening/feeds', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Add a feed or a webhook receiver', body: FeedInput } }, async (req, reply) => {
      reply.status(201);
      return s.feeds.create(req.body);
    });
    app.patch(
      '/api/v1/listening/feeds/:id',
      { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Enable, disable, rename a feed or change its interval', params: Params, body: z.object({ enabled: z.boolean().optional(), everyMinutes: z.number().int().min(1).max(1440).optional(), name: z.string().trim().min(1).max(120).optional() }).strict() } },
      async (req) => s.feeds.update(req.params.id, req.body),
    );
    app.delete('/api/v1/listening/feeds/:id', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Remove a feed', params: Params } }, async (req, reply) => {
      await s.feeds.remove(req.params.id);
      reply.status(204);
    });
    app.post('/api/v1/listening/feeds/:id/poll', { config: { scope: 'listening:admin' }, schema: { tags, summary: 'Poll a feed now', params: Params } }, async (req) => s.feeds.poll(req.params.id));

    app.post(
      '/hooks/listening/:id',
      {
        config: { auth: 'public' },
        schema: { tags, summary: 'Webhook receiver for a monitoring vendor: a mention, an array or {items}; the token from the feed', params: Params, querystring: z.object({ token: z.string().max(100).optional() }) },
      },
      async (req, reply) => {
        const result = await s.feeds.receive(req.params.id, req.query.token ?? (req.headers['x-kemai-token'] as string | undefined), req.body);
        reply.status(result.inserted > 0 ? 201 : 200);
        return result;
      },
    );
  });
}
