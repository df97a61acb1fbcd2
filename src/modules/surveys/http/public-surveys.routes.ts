import { z } from 'zod';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError, HTTP_STATUS } from '../../../platform/errors.js';
import { errorBody } from '../../../platform/http/app.js';
import { AnswersInput, SURVEY_LOCALES } from '../surveys.schemas.js';
import type { SurveysService } from '../surveys.service.js';

/** The link's states that answer 410 Gone (the service raises them as conflicts). */
const GONE = new Set(['surveys.link_expired', 'surveys.link_closed']);
const statusOf = (e: AppError) => (GONE.has(e.code) ? 410 : HTTP_STATUS[e.kind]);

const Token = z.object({ token: z.string().min(1).max(200).describe('The token of the link <publicUrl>/s/<token>') });
const LocaleQuery = z.object({ locale: z.enum(SURVEY_LOCALES).optional() });

/**
 * Without sign-in, for the customer holding a signed link:
 * - GET /api/v1/public/surveys/{token}: the questions in the customer's locale (?locale= to choose);
 * - POST /api/v1/public/surveys/{token} {answers: {<question id>: value}}: the response, accepted once (201).
 * The link itself (<publicUrl>/s/{token}) opens the console's public questionnaire page, which calls these.
 * A forged, altered or unknown token: 404; expired or closed: 410; answered already: 409; a bad answer: 400 naming
 * `answers.<id>`, nothing stored.
 */
export function registerPublicSurveysRoutes(root: FastifyInstance, surveys: SurveysService) {
  const tags = ['surveys'];
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();
    const fail = (reply: FastifyReply, e: unknown, reqId: string) => {
      if (!(e instanceof AppError)) throw e;
      return reply.status(statusOf(e)).send(errorBody(e.code, e.message, reqId, e.details));
    };

    app.get(
      '/api/v1/public/surveys/:token',
      { config: { auth: 'public' }, schema: { tags, summary: 'The questionnaire of a survey link (no sign-in): 404 forged or unknown, 410 expired, 409 answered', params: Token, querystring: LocaleQuery } },
      async (req, reply) => {
        try {
          return await surveys.invitations.open(req.params.token, req.query.locale);
        } catch (e) {
          return fail(reply, e, req.id);
        }
      },
    );

    app.post(
      '/api/v1/public/surveys/:token',
      {
        config: { auth: 'public' },
        schema: { tags, summary: 'Answer a survey through its link (no sign-in), once: 201; 409 when answered already; 400 naming answers.<question id>', params: Token, body: AnswersInput },
      },
      async (req, reply) => {
        try {
          const out = await surveys.invitations.respond(req.params.token, req.body);
          reply.status(201);
          return out;
        } catch (e) {
          return fail(reply, e, req.id);
        }
      },
    );
  });
}
