import { z } from 'zod';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError, HTTP_STATUS } from '../../../platform/errors.js';
import { errorBody } from '../../../platform/http/app.js';
import type { PublicSurvey } from '../invitations.service.js';
import { AnswersInput, SURVEY_LOCALES, type SurveyLocale } from '../surveys.schemas.js';
import type { SurveysService } from '../surveys.service.js';

/** The link's states that answer 410 Gone (the service raises them as conflicts). */
const GONE = new Set(['surveys.link_expired', 'surveys.link_closed']);
const statusOf = (e: AppError) => (GONE.has(e.code) ? 410 : HTTP_STATUS[e.kind]);

const Token = z.object({ token: z.string().min(1).max(200).describe('The token of the link <publicUrl>/s/<token>') });
const LocaleQuery = z.object({ locale: z.enum(SURVEY_LOCALES).optional() });

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const T = {
  submit: { 'zh-CN': '提交', en: 'Submit' },
  required: { 'zh-CN': '（必填）', en: ' (required)' },
  thanks: { 'zh-CN': ['感谢您的反馈！', '我们已收到您的回答。'], en: ['Thank you!', 'We have your answers.'] },
  404: { 'zh-CN': ['链接无效', '这个调查链接无效或已被修改。'], en: ['Invalid link', 'This survey link is not valid or was altered.'] },
  409: { 'zh-CN': ['已提交', '这份调查已经提交过了，感谢您的参与。'], en: ['Already answered', 'This survey was answered already. Thank you!'] },
  410: { 'zh-CN': ['调查已结束', '这个调查链接已过期或调查已结束。'], en: ['Survey closed', 'This survey link has expired or the survey has closed.'] },
  400: { 'zh-CN': ['请检查您的回答', '有的问题还没有回答或回答无效：'], en: ['Please check your answers', 'Some answers are missing or not valid:'] },
} as const;

function page(lang: SurveyLocale, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}fieldset{border:0;padding:0;margin:1.5rem 0}
legend{font-weight:600;margin-bottom:.5rem}label{display:inline-block;margin:.2rem .6rem .2rem 0}textarea{width:100%;min-height:5rem}button{font-size:1rem;padding:.6rem 1.4rem}.err{color:#b00020}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

function form(s: PublicSurvey, token: string, errors: string[] = []): string {
  const l = s.locale;
  const fields = s.questions
    .map((q) => {
      const legend = `<legend>${esc(q.title)}${q.required ? esc(T.required[l]) : ''}</legend>`;
      const name = esc(q.id);
      if (q.type === 'text') return `<fieldset>${legend}<textarea name="${name}" maxlength="4000"></textarea></fieldset>`;
      if (q.scale) {
        const choices = Array.from({ length: q.scale.max - q.scale.min + 1 }, (_, i) => q.scale!.min + i);
        return `<fieldset>${legend}${choices.map((v) => `<label><input type="radio" name="${name}" value="${v}">${v}</label>`).join('')}</fieldset>`;
      }
      const type = q.type === 'multi' ? 'checkbox' : 'radio';
      return `<fieldset>${legend}${(q.options ?? []).map((o) => `<label><input type="${type}" name="${name}" value="${esc(o.value)}">${esc(o.label)}</label>`).join('')}</fieldset>`;
    })
    .join('');
  const errs = errors.length ? `<p class="err">${esc(T[400][l][1])}</p><ul class="err">${errors.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : '';
  return `${errs}<form method="post" action="/s/${encodeURIComponent(token)}?locale=${l}">${fields}<button type="submit">${esc(T.submit[l])}</button></form>`;
}

function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
    .header('referrer-policy', 'no-referrer')
    .send(html);
}

/**
 * Without sign-in, for the customer holding a signed link:
 * - GET /api/v1/public/surveys/{token}: the questions in the customer's locale (?locale= to choose);
 * - POST /api/v1/public/surveys/{token} {answers: {<question id>: value}}: the response, accepted once (201);
 * - GET / POST /s/{token}: the same as a small HTML page and form (what the message's link opens).
 * A forged, altered or unknown token: 404; expired or closed: 410; answered already: 409; a bad answer: 400 naming
 * `answers.<id>`, nothing stored.
 */
export function registerPublicSurveysRoutes(root: FastifyInstance, surveys: SurveysService) {
  const tags = ['surveys'];
  root.register(async (scoped) => {
    scoped.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, new URLSearchParams(String(body))));
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

    const errorPage = (reply: FastifyReply, e: unknown, l: SurveyLocale) => {
      if (!(e instanceof AppError)) throw e;
      const status = statusOf(e);
      const words = status === 404 || status === 409 || status === 410 ? T[status][l] : T[404][l];
      return sendPage(reply, status, page(l, words[0], `<p>${esc(words[1])}</p>`));
    };

    app.get('/s/:token', { config: { auth: 'public' }, schema: { hide: true, params: Token, querystring: LocaleQuery } }, async (req, reply) => {
      try {
        const s = await surveys.invitations.open(req.params.token, req.query.locale);
        return sendPage(reply, 200, page(s.locale, s.survey.title, form(s, req.params.token)));
      } catch (e) {
        return errorPage(reply, e, req.query.locale ?? 'zh-CN');
      }
    });

    app.post('/s/:token', { config: { auth: 'public' }, schema: { hide: true, params: Token, querystring: LocaleQuery } }, async (req, reply) => {
      const l = req.query.locale ?? 'zh-CN';
      let s: PublicSurvey;
      try {
        s = await surveys.invitations.open(req.params.token, req.query.locale);
      } catch (e) {
        return errorPage(reply, e, l);
      }
      const params = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();
      const answers: Record<string, unknown> = {};
      for (const q of s.questions) {
        const all = params.getAll(q.id).filter((v) => v !== '');
        if (all.length === 0) continue;
        answers[q.id] = q.type === 'multi' ? all : q.scale ? (/^\d+$/.test(all[0]!) ? Number(all[0]) : all[0]) : all[0];
      }
      try {
        await surveys.invitations.respond(req.params.token, { answers, locale: s.locale });
        return sendPage(reply, 201, page(s.locale, T.thanks[s.locale][0], `<p>${esc(T.thanks[s.locale][1])}</p>`));
      } catch (e) {
        if (e instanceof AppError && e.kind === 'validation') {
          const issues = ((e.details as { issues?: Array<{ path: string; message: string }> } | undefined)?.issues ?? []).map((i) => {
            const q = s.questions.find((x) => `answers.${x.id}` === i.path);
            return `${q ? q.title : i.path}: ${i.message}`;
          });
          return sendPage(reply, 400, page(s.locale, T[400][s.locale][0], form(s, req.params.token, issues)));
        }
        return errorPage(reply, e, s.locale);
      }
    });
  });
}
