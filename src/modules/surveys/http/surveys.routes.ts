import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ResultsQuery, SendInput, SurveyInput, SurveyListQuery, SurveyPatch, VerbatimsQuery } from '../surveys.schemas.js';
import type { SurveysService } from '../surveys.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;
const Params = z.object({ id: z.string().trim().min(1).max(64).describe('The survey id (or its code)') });

/**
 * /api/v1/surveys: questionnaires (create, change, activate, archive, the ready-made ones), manual sends, results
 * (NPS, CSAT, response rate by store / guide / segment / week / month with a trend) and verbatims. Reading needs
 * surveys:read, changing and sending surveys:write.
 */
export function registerSurveysRoutes(root: FastifyInstance, surveys: SurveysService) {
  const tags = ['surveys'];
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/surveys',
      { config: { scope: 'surveys:read' }, schema: { tags, summary: 'Surveys in code order, with their invitation counts', querystring: SurveyListQuery } },
      async (req) => ({ items: await surveys.list(req.query) }),
    );

    app.post(
      '/api/v1/surveys',
      {
        config: { scope: 'surveys:write' },
        schema: { tags, summary: 'Create a survey (a draft): questions nps | csat | rating | single | multi | text, titles in zh-CN and en; trigger and settings', body: SurveyInput },
      },
      async (req, reply) => {
        const s = await surveys.create(req.body, actor(req));
        reply.status(201);
        return s;
      },
    );

    app.post(
      '/api/v1/surveys/defaults',
      {
        config: { scope: 'surveys:write' },
        schema: { tags, summary: 'Install the ready-made surveys (after_ticket CSAT + NPS, after_purchase NPS) and the survey_invite template; what exists is kept' },
      },
      async (req) => surveys.ensureDefaults(actor(req)),
    );

    app.get('/api/v1/surveys/:id', { config: { scope: 'surveys:read' }, schema: { tags, summary: 'A survey', params: Params } }, async (req) => surveys.get(req.params.id));

    app.patch(
      '/api/v1/surveys/:id',
      {
        config: { scope: 'surveys:write' },
        schema: { tags, summary: 'Change name, trigger, settings or questions (questions: 409 once the survey has a response)', params: Params, body: SurveyPatch },
      },
      async (req) => surveys.update(req.params.id, req.body),
    );

    app.post(
      '/api/v1/surveys/:id/activate',
      { config: { scope: 'surveys:write' }, schema: { tags, summary: 'draft → active (checks the message template and a periodic survey’s segment)', params: Params } },
      async (req) => surveys.activate(req.params.id),
    );
    app.post(
      '/api/v1/surveys/:id/archive',
      { config: { scope: 'surveys:write' }, schema: { tags, summary: '→ archived: no new invitations, unsent ones cancelled, links closed (410)', params: Params } },
      async (req) => surveys.archive(req.params.id),
    );

    app.post(
      '/api/v1/surveys/:id/send',
      {
        config: { scope: 'surveys:write' },
        schema: { tags, summary: 'Invite customers (ids) or a segment’s members now: once per customer and wave (default today)', params: Params, body: SendInput },
      },
      async (req, reply) => {
        const out = await surveys.invitations.send(req.params.id, req.body, actor(req));
        reply.status(202);
        return out;
      },
    );

    app.get(
      '/api/v1/surveys/:id/results',
      {
        config: { scope: 'surveys:read' },
        schema: {
          tags,
          summary: 'NPS (% promoters − % detractors), CSAT (% of 4–5, mean) and response rate, in total and by store / guide / segment / week / month, with a trend',
          params: Params,
          querystring: ResultsQuery,
        },
      },
      async (req) => surveys.results.results(req.params.id, req.query),
    );

    app.get(
      '/api/v1/surveys/:id/verbatims',
      {
        config: { scope: 'surveys:read' },
        schema: { tags, summary: 'Free-text answers, newest first, a page at a time; sentiment when a scorer is present', params: Params, querystring: VerbatimsQuery },
      },
      async (req) => surveys.results.verbatims(req.params.id, req.query),
    );
  });
}
