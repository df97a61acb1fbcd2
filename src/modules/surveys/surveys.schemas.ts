import { z } from 'zod';

/**
 * The surveys contract: a questionnaire's questions, its trigger and settings (as stored in surveys.surveys and
 * accepted by the API), manual sends, the results' and verbatims' queries, and a response's answers. A bad field is a
 * 400 naming it (`questions.2.options`, `settings.segment`, `answers.q2`).
 */

export const QUESTION_TYPES = ['nps', 'csat', 'rating', 'single', 'multi', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
/** Types that need options. */
export const CHOICE_TYPES: readonly QuestionType[] = ['single', 'multi'];

export const TRIGGERS = ['manual', 'after_purchase', 'after_ticket', 'periodic'] as const;
export type SurveyTrigger = (typeof TRIGGERS)[number];

export const SURVEY_STATUSES = ['draft', 'active', 'archived'] as const;
export type SurveyStatus = (typeof SURVEY_STATUSES)[number];

export const SURVEY_LOCALES = ['zh-CN', 'en'] as const;
export type SurveyLocale = (typeof SURVEY_LOCALES)[number];

/** The after-ticket window (days after resolution) the issue asks for: 3 to 5. */
export const TICKET_WINDOW = { min: 3, max: 5 } as const;

const Text = (max: number) => z.string().trim().min(1).max(max);
/** Both locales, always. */
export const LocalisedText = z.object({ 'zh-CN': Text(500), en: Text(500) }).strict();
export type LocalisedText = z.infer<typeof LocalisedText>;

const key = z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ - (up to 40)');

export const OptionInput = z.object({ value: key, label: LocalisedText }).strict();

export const QuestionInput = z
  .object({
    id: key,
    type: z.enum(QUESTION_TYPES),
    title: LocalisedText,
    /** single and multi only: 2–20 choices. */
    options: z.array(OptionInput).min(2).max(20).optional(),
    required: z.boolean().default(true),
  })
  .strict();
export type Question = z.infer<typeof QuestionInput>;

export const QuestionsInput = z
  .array(QuestionInput)
  .min(1)
  .max(50)
  .superRefine((qs, ctx) => {
    const ids = new Set<string>();
    qs.forEach((q, i) => {
      if (ids.has(q.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `question id ${q.id} is used twice` });
      ids.add(q.id);
      const choice = CHOICE_TYPES.includes(q.type);
      if (choice && !q.options) ctx.addIssue({ code: 'custom', path: [i, 'options'], message: `a ${q.type} question needs 2–20 options` });
      if (!choice && q.options) ctx.addIssue({ code: 'custom', path: [i, 'options'], message: `a ${q.type} question has no options` });
      const values = new Set<string>();
      q.options?.forEach((o, j) => {
        if (values.has(o.value)) ctx.addIssue({ code: 'custom', path: [i, 'options', j, 'value'], message: `option ${o.value} is used twice` });
        values.add(o.value);
      });
    });
  });

const code = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (up to 64)');

export const SettingsInput = z
  .object({
    /** after_purchase: days after the order (the send lands at a daytime hour of the next 24 hours). */
    delayDays: z.number().int().min(0).max(90).optional(),
    /** after_ticket: the window after resolution, within 3–5 days (default 3–5). */
    delayWindowDays: z
      .object({ min: z.number().int().min(TICKET_WINDOW.min).max(TICKET_WINDOW.max), max: z.number().int().min(TICKET_WINDOW.min).max(TICKET_WINDOW.max) })
      .strict()
      .optional(),
    channel: z.enum(['auto', 'sms', 'email', 'wechat', 'app_push']).default('auto'),
    /** The message template of the invitation ({{surveyLink}}, {{surveyName}}). */
    template: code.default('survey_invite'),
    /** Days the link stays valid after it is sent. */
    validDays: z.number().int().min(1).max(90).default(14),
    /** periodic: every month or quarter, to the members of `segment`. */
    cadence: z.enum(['month', 'quarter']).optional(),
    segment: code.optional(),
    /** No new automatic invitation of this survey to a customer invited within these days (0: no limit). */
    cooldownDays: z.number().int().min(0).max(3650).default(0),
    /** The survey's name as customers see it ({{surveyName}}, the page's title); default the name. */
    title: LocalisedText.optional(),
  })
  .strict();
export type Settings = z.output<typeof SettingsInput>;

/**
 * Cross-field rules of a trigger and its settings, as issues on `settings.*`: a periodic survey needs its cadence and
 * segment; a window's max is more than its min. Fields of other triggers are dropped on save (normaliseSettings), not
 * refused, so a builder switching triggers keeps working.
 */
export function settingsIssues(trigger: SurveyTrigger, s: z.input<typeof SettingsInput>): Array<{ path: Array<string | number>; message: string }> {
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  if (trigger === 'after_ticket' && s.delayWindowDays && s.delayWindowDays.min >= s.delayWindowDays.max)
    out.push({ path: ['settings', 'delayWindowDays', 'max'], message: 'must be more than min' });
  if (trigger === 'periodic') {
    if (!s.cadence) out.push({ path: ['settings', 'cadence'], message: 'a periodic survey needs a cadence (month or quarter)' });
    if (!s.segment) out.push({ path: ['settings', 'segment'], message: 'a periodic survey needs an audience segment' });
  }
  return out;
}

/** The settings without the fields of other triggers (delayDays: after_purchase; the window: after_ticket; cadence and segment: periodic). */
export function normaliseSettings(trigger: SurveyTrigger, s: Settings): Settings {
  const { delayDays, delayWindowDays, cadence, segment, ...rest } = s;
  return {
    ...rest,
    ...(trigger === 'after_purchase' && delayDays !== undefined ? { delayDays } : {}),
    ...(trigger === 'after_ticket' && delayWindowDays ? { delayWindowDays } : {}),
    ...(trigger === 'periodic' ? { ...(cadence ? { cadence } : {}), ...(segment ? { segment } : {}) } : {}),
  };
}

export const SurveyInput = z
  .object({
    code: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ - (up to 64)'),
    name: Text(200),
    trigger: z.enum(TRIGGERS).default('manual'),
    settings: SettingsInput.default({ channel: 'auto', template: 'survey_invite', validDays: 14, cooldownDays: 0 }),
    questions: QuestionsInput,
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const i of settingsIssues(s.trigger, s.settings)) ctx.addIssue({ code: 'custom', ...i });
  });
export type SurveyInput = z.output<typeof SurveyInput>;

/** A change: the fields given replace the stored ones (settings and questions as a whole). */
export const SurveyPatch = z
  .object({
    name: Text(200).optional(),
    trigger: z.enum(TRIGGERS).optional(),
    settings: SettingsInput.optional(),
    questions: QuestionsInput.optional(),
  })
  .strict();
export type SurveyPatch = z.output<typeof SurveyPatch>;

export const SurveyListQuery = z.object({
  status: z.enum(SURVEY_STATUSES).optional(),
  trigger: z.enum(TRIGGERS).optional(),
});
export type SurveyListQuery = z.output<typeof SurveyListQuery>;

export const SendInput = z
  .object({
    customerIds: z.array(z.uuid()).min(1).max(10_000).optional(),
    segment: code.optional(),
    /** The send's name: a customer is invited once per wave (default: today's date in the business time zone). */
    wave: z.string().trim().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - (up to 40)').optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.customerIds === !s.segment) ctx.addIssue({ code: 'custom', path: s.customerIds ? ['segment'] : ['customerIds'], message: 'give customerIds or segment (one of them)' });
  });
export type SendInput = z.output<typeof SendInput>;

export const RESULT_GROUPS = ['store', 'guide', 'segment', 'week', 'month'] as const;
export type ResultGroup = (typeof RESULT_GROUPS)[number];

const dateText = z.string().trim().min(4).max(40).describe('A date (business time zone) or an instant with an offset');

export const ResultsQuery = z.object({
  from: dateText.optional().describe('Responses submitted (invitations sent) at or after; default 90 days ago'),
  to: dateText.optional().describe('… and before; default now'),
  by: z.enum(RESULT_GROUPS).optional().describe('Groups: store, guide, segment (each segment a respondent is in), week or month; none: the total only'),
  segment: code.optional().describe('Only customers in this segment now'),
});
export type ResultsQuery = z.output<typeof ResultsQuery>;

export const VerbatimsQuery = z.object({
  from: dateText.optional(),
  to: dateText.optional(),
  store: z.string().trim().min(1).max(64).optional(),
  guide: z.uuid().optional(),
  cursor: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type VerbatimsQuery = z.output<typeof VerbatimsQuery>;

export const AnswersInput = z
  .object({
    /** Per question id: nps 0–10, csat / rating 1–5 (integers), single an option value, multi a list of them, text. */
    answers: z.record(z.string(), z.unknown()),
    locale: z.enum(SURVEY_LOCALES).optional(),
  })
  .strict();
export type AnswersInput = z.output<typeof AnswersInput>;
