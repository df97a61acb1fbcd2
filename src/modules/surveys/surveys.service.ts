import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { AppError, conflict, invalid, notFound, type FieldIssue } from '../../platform/errors.js';
import { iso, json, parseOr, readSettings, UUID } from './shared.js';
import { newId } from '../../platform/ids.js';
import type { MessagePlanner, TemplatesService, TemplateCreateInput } from '../messaging/index.js';
import { InvitationsService } from './invitations.service.js';
import { SurveyLinks } from './links.js';
import { ResultsService } from './results.service.js';
import type { SentimentScorer } from './sentiment.js';
import {
  SurveyInput,
  SurveyPatch,
  normaliseSettings,
  settingsIssues,
  type Question,
  type Settings,
  type SurveyListQuery,
  type SurveyStatus,
  type SurveyTrigger,
} from './surveys.schemas.js';

export interface Survey {
  id: string;
  code: string;
  name: string;
  status: SurveyStatus;
  trigger: SurveyTrigger;
  settings: Settings;
  questions: Question[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  counts: { invited: number; scheduled: number; sent: number; responded: number; expired: number };
}

type Row = Record<string, unknown>;

export function toSurvey(r: Row): Survey {
  return {
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    status: r.status as SurveyStatus,
    trigger: r.trigger as SurveyTrigger,
    settings: readSettings(r.settings),
    questions: json<Question[]>(r.questions),
    createdBy: String(r.created_by),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    counts: {
      invited: Number(r.invited ?? 0),
      scheduled: Number(r.scheduled ?? 0),
      sent: Number(r.sent ?? 0),
      responded: Number(r.responded ?? 0),
      expired: Number(r.expired ?? 0),
    },
  };
}

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });

/** The ready-made surveys ensureDefaults installs (codes never change). */
export const DEFAULT_SURVEYS = [
  {
    code: 'after_ticket',
    name: '服务满意度（工单解决后）',
    trigger: 'after_ticket' as const,
    status: 'active' as const,
    settings: { delayWindowDays: { min: 3, max: 5 }, channel: 'auto' as const, template: 'survey_invite', validDays: 14, cooldownDays: 0, title: t('服务满意度调查', 'How did we do?') },
    questions: [
      { id: 'csat', type: 'csat' as const, title: t('您对这次问题的处理结果满意吗？', 'How satisfied are you with how we handled your request?'), required: true },
      { id: 'nps', type: 'nps' as const, title: t('您有多大可能向朋友或同事推荐我们？', 'How likely are you to recommend us to a friend or colleague?'), required: true },
      { id: 'comment', type: 'text' as const, title: t('还有什么想告诉我们的吗？', 'Anything else you would like to tell us?'), required: false },
    ],
  },
  {
    code: 'after_purchase',
    name: '购买后推荐度（NPS）',
    trigger: 'after_purchase' as const,
    // A draft: surveying every buyer is the brand's choice (activate it in the console).
    status: 'draft' as const,
    settings: { delayDays: 2, channel: 'auto' as const, template: 'survey_invite', validDays: 14, cooldownDays: 90, title: t('购物体验调查', 'Tell us about your purchase') },
    questions: [
      { id: 'nps', type: 'nps' as const, title: t('您有多大可能向朋友或同事推荐我们？', 'How likely are you to recommend us to a friend or colleague?'), required: true },
      { id: 'comment', type: 'text' as const, title: t('您给出这个分数的主要原因是什么？', 'What is the main reason for your score?'), required: false },
    ],
  },
];

/** The invitation's message template (purpose service: a survey about a purchase or a ticket is no advertisement). */
export const SURVEY_INVITE_TEMPLATE: TemplateCreateInput = {
  code: 'survey_invite',
  name: '满意度调查邀请 / Survey invitation',
  purpose: 'service',
  providerIds: {},
  contents: {
    sms: {
      'zh-CN': { body: '{{surveyName}}：您的意见对我们很重要，请花一分钟告诉我们：{{surveyLink}}' },
      en: { body: '{{surveyName}}: your opinion matters to us. One minute, please: {{surveyLink}}' },
    },
    wechat: {
      'zh-CN': { body: '{{surveyName}}\n感谢您的支持！请点击链接完成一分钟的小调查：{{surveyLink}}' },
      en: { body: '{{surveyName}}\nThank you! Please take our one-minute survey: {{surveyLink}}' },
    },
    email: {
      'zh-CN': { subject: '{{surveyName}}', body: '您好{{name}}：\n\n感谢您的支持。请花一分钟告诉我们您的感受：\n{{surveyLink}}\n\n链接仅供您本人使用，提交一次即可。' },
      en: { subject: '{{surveyName}}', body: 'Hello {{name}},\n\nThank you for choosing us. Please tell us how we did — it takes a minute:\n{{surveyLink}}\n\nThe link is yours alone and can be used once.' },
    },
    app_push: {
      'zh-CN': { subject: '{{surveyName}}', body: '花一分钟告诉我们您的感受：{{surveyLink}}' },
      en: { subject: '{{surveyName}}', body: 'Tell us how we did in one minute: {{surveyLink}}' },
    },
  },
};

export interface SurveysDeps {
  timeZone: string;
  publicUrl: string;
  secret: string;
  /** The messaging planner (a getter: the composition root may build it later). */
  planner: () => MessagePlanner;
  templates?: TemplatesService;
  clock?: Clock;
}

/**
 * Surveys: questionnaires (create, change, activate, archive; questions frozen once answered), the ready-made ones
 * (ensureDefaults), and — through `invitations` and `results` — who is asked when, the signed response link, the
 * responses, NPS / CSAT results and verbatims.
 */
export class SurveysService {
  private clockImpl: Clock;
  private readonly clock: Clock = { now: () => this.clockImpl.now() };
  private scorerImpl: SentimentScorer | null = null;
  readonly links: SurveyLinks;
  readonly invitations: InvitationsService;
  readonly results: ResultsService;

  constructor(
    private readonly db: Db,
    private readonly deps: SurveysDeps,
  ) {
    this.clockImpl = deps.clock ?? systemClock;
    this.links = new SurveyLinks({ publicUrl: deps.publicUrl, secret: deps.secret });
    const scorer = () => this.scorerImpl;
    this.invitations = new InvitationsService(db, { clock: this.clock, timeZone: deps.timeZone, links: this.links, planner: deps.planner, scorer });
    this.results = new ResultsService(db, { clock: this.clock, timeZone: deps.timeZone, scorer, survey: (id) => this.get(id) });
  }

  /** Tests: a fake clock for invitations, responses and results. */
  useClock(clock: Clock): void {
    this.clockImpl = clock;
  }

  /** The listening module's sentiment scorer (issue 12); null: verbatims keep sentiment null. */
  useScorer(scorer: SentimentScorer | null): void {
    this.scorerImpl = scorer;
  }

  get scorer(): SentimentScorer | null {
    return this.scorerImpl;
  }

  private async row(db: Db, idOrCode: string): Promise<Row> {
    const r = UUID.test(idOrCode)
      ? await queryOne<Row>(db, sql`select * from surveys.surveys where id = ${idOrCode}::uuid`)
      : await queryOne<Row>(db, sql`select * from surveys.surveys where code = ${idOrCode}`);
    if (!r) throw notFound('surveys.not_found', `no survey ${idOrCode}`);
    return r;
  }

  private async list0(where: ReturnType<typeof sql>): Promise<Survey[]> {
    const rows = await query<Row>(
      this.db,
      sql`select s.*, coalesce(c.invited, 0) as invited, coalesce(c.scheduled, 0) as scheduled, coalesce(c.sent, 0) as sent,
            coalesce(c.responded, 0) as responded, coalesce(c.expired, 0) as expired
          from surveys.surveys s
          left join lateral (
            select count(*)::int as invited, count(*) filter (where status = 'scheduled')::int as scheduled,
              count(sent_at)::int as sent, count(*) filter (where status = 'responded')::int as responded,
              count(*) filter (where status = 'expired')::int as expired
            from surveys.invitations i where i.survey_id = s.id
          ) c on true
          where ${where} order by s.code collate "C"`,
    );
    return rows.map(toSurvey);
  }

  async list(q: SurveyListQuery = {}): Promise<Survey[]> {
    const parts = [sql`true`];
    if (q.status) parts.push(sql`s.status = ${q.status}`);
    if (q.trigger) parts.push(sql`s.trigger = ${q.trigger}`);
    return this.list0(sql.join(parts, sql` and `));
  }

  async get(idOrCode: string): Promise<Survey> {
    const r = await this.row(this.db, idOrCode);
    const [s] = await this.list0(sql`s.id = ${String(r.id)}::uuid`);
    return s!;
  }

  async create(input: unknown, actor: string): Promise<Survey> {
    const s = parseOr(SurveyInput, input, 'surveys.invalid_survey');
    return this.insert(s, 'draft', actor);
  }

  private async insert(s: SurveyInput, status: SurveyStatus, actor: string, db: Db = this.db): Promise<Survey> {
    const id = newId();
    const now = this.clock.now().toISOString();
    const settings = normaliseSettings(s.trigger, s.settings);
    const rows = await query(
      db,
      sql`insert into surveys.surveys (id, code, name, status, trigger, settings, questions, created_by, created_at, updated_at)
          values (${id}, ${s.code}, ${s.name}, ${status}, ${s.trigger}, ${JSON.stringify(settings)}::jsonb, ${JSON.stringify(s.questions)}::jsonb,
                  ${actor}, ${now}::timestamptz, ${now}::timestamptz)
          on conflict (code) do nothing returning id`,
    );
    if (rows.length === 0) throw conflict('surveys.code_taken', `a survey has the code ${s.code}`);
    return this.get(id);
  }

  /** Name, trigger, settings, questions. Questions are frozen once the survey has a response (409); archived: 409. */
  async update(idOrCode: string, input: unknown): Promise<Survey> {
    const p = parseOr(SurveyPatch, input, 'surveys.invalid_survey');
    const r = await this.row(this.db, idOrCode);
    const id = String(r.id);
    if (r.status === 'archived') throw conflict('surveys.archived', `survey ${String(r.code)} is archived`);
    const trigger = p.trigger ?? (r.trigger as SurveyTrigger);
    const settings = normaliseSettings(trigger, p.settings ?? readSettings(r.settings));
    const cross = settingsIssues(trigger, settings);
    if (cross.length) {
      const issues: FieldIssue[] = cross.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw invalid('surveys.invalid_survey', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    if (r.status === 'active') await this.checkReferences(trigger, settings);
    await this.db.transaction(async (tx) => {
      await query(tx, sql`select 1 from surveys.surveys where id = ${id}::uuid for update`);
      if (p.questions) {
        const answered = await queryOne(tx, sql`select 1 from surveys.responses where survey_id = ${id}::uuid limit 1`);
        if (answered) throw conflict('surveys.questions_frozen', `survey ${String(r.code)} has responses: its questions no longer change (make a new survey)`);
      }
      await query(
        tx,
        sql`update surveys.surveys set name = ${p.name ?? String(r.name)}, trigger = ${trigger}, settings = ${JSON.stringify(settings)}::jsonb,
              questions = ${p.questions ? sql`${JSON.stringify(p.questions)}::jsonb` : sql`questions`}, updated_at = ${this.clock.now().toISOString()}::timestamptz
            where id = ${id}::uuid`,
      );
    });
    return this.get(id);
  }

  /** What activation needs to exist: the message template (active, with the channel's text) and a periodic survey's segment. */
  private async checkReferences(trigger: SurveyTrigger, s: Settings, db: Db = this.db): Promise<void> {
    const issues: FieldIssue[] = [];
    const tpl = await queryOne<{ status: string; channels: string[] }>(
      db,
      sql`select status, array(select jsonb_object_keys(contents)) as channels from messaging.templates where code = ${s.template}`,
    );
    if (!tpl || tpl.status !== 'active') issues.push({ path: 'settings.template', message: `no active message template ${s.template}` });
    else if (s.channel !== 'auto' && !tpl.channels.includes(s.channel)) issues.push({ path: 'settings.channel', message: `the template ${s.template} has no ${s.channel} text` });
    if (trigger === 'periodic' && s.segment) {
      const seg = await queryOne(db, sql`select 1 from segments.segments where code = ${s.segment}`);
      if (!seg) issues.push({ path: 'settings.segment', message: `no segment ${s.segment}` });
    }
    if (issues.length) throw invalid('surveys.invalid_survey', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
  }

  /** draft → active: invitations start (the trigger's events from now on; a manual send). */
  async activate(idOrCode: string): Promise<Survey> {
    const r = await this.row(this.db, idOrCode);
    if (r.status !== 'draft') throw conflict('surveys.invalid_status', `survey ${String(r.code)} is ${String(r.status)}; only a draft becomes active`);
    await this.checkReferences(r.trigger as SurveyTrigger, readSettings(r.settings));
    await query(this.db, sql`update surveys.surveys set status = 'active', updated_at = ${this.clock.now().toISOString()}::timestamptz where id = ${String(r.id)}::uuid and status = 'draft'`);
    return this.get(String(r.id));
  }

  /** → archived: no new invitations; the ones not yet sent are cancelled; links already sent stop answering (410). */
  async archive(idOrCode: string): Promise<Survey> {
    const r = await this.row(this.db, idOrCode);
    if (r.status === 'archived') throw conflict('surveys.invalid_status', `survey ${String(r.code)} is archived already`);
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (tx) => {
      await query(tx, sql`update surveys.surveys set status = 'archived', updated_at = ${now}::timestamptz where id = ${String(r.id)}::uuid`);
      await query(tx, sql`update surveys.invitations set status = 'cancelled' where survey_id = ${String(r.id)}::uuid and status = 'scheduled'`);
    });
    return this.get(String(r.id));
  }

  /**
   * The ready-made surveys (after_ticket: CSAT + NPS 3–5 days after resolution; after_purchase: NPS) and the
   * `survey_invite` message template (sms, wechat, email, app_push; zh-CN and en). Idempotent: what exists is kept
   * as it is (a brand's edits survive).
   */
  async ensureDefaults(actor = 'system'): Promise<{ surveys: string[]; template: boolean }> {
    let template = false;
    const existing = await queryOne(this.db, sql`select 1 from messaging.templates where code = ${SURVEY_INVITE_TEMPLATE.code}`);
    if (!existing) {
      if (!this.deps.templates) throw new Error('ensureDefaults needs the messaging templates service');
      try {
        await this.deps.templates.create(SURVEY_INVITE_TEMPLATE, actor);
        template = true;
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'messaging.template_exists')) throw e;
      }
    }
    const created: string[] = [];
    for (const d of DEFAULT_SURVEYS) {
      const s = parseOr(SurveyInput, { code: d.code, name: d.name, trigger: d.trigger, settings: d.settings, questions: d.questions }, 'surveys.invalid_survey');
      try {
        await this.insert(s, d.status, actor);
        created.push(d.code);
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'surveys.code_taken')) throw e;
      }
    }
    return { surveys: created, template };
  }
}
