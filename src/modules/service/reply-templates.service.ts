import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound, zodIssues, type FieldIssue } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { maskName } from '../customers/http/customer.views.js';
import { RenderInput, ReplyTemplateInput, ReplyTemplatePatch, REPLY_LOCALES } from './tickets.schemas.js';

export type ReplyLocale = (typeof REPLY_LOCALES)[number];

export interface ReplyTemplate {
  id: string;
  code: string;
  locale: ReplyLocale;
  title: string;
  body: string;
  kinds: string[];
  categories: string[];
  status: 'active' | 'archived';
  /** The {{variables}} the body uses. */
  variables: string[];
  createdAt: string;
  updatedAt: string;
}

export interface RenderedReply {
  code: string;
  locale: ReplyLocale;
  title: string;
  body: string;
  variables: Record<string, string>;
  /** Variables the body uses that are no known one (they print as ''). */
  missing: string[];
}

/** The variables a reply template may use. */
export const REPLY_VARIABLES = ['customerName', 'ticketNumber', 'agentName', 'brand'] as const;

/** The seeds: empathy scripts in zh-CN and English. */
export const DEFAULT_REPLY_TEMPLATES: ReadonlyArray<{ code: string; kinds?: string[]; categories?: string[]; text: Record<ReplyLocale, { title: string; body: string }> }> = [
  {
    code: 'acknowledge',
    text: {
      'zh-CN': { title: '已收到', body: '{{customerName}}您好，我是{{brand}}的客服{{agentName}}。您的反馈（工单 {{ticketNumber}}）我们已经收到，非常理解您的心情，我会尽快为您处理并及时告知进展。' },
      en: { title: 'Received', body: 'Dear {{customerName}}, this is {{agentName}} from {{brand}}. We have received your request ({{ticketNumber}}). I understand how you feel and will look into it right away and keep you updated.' },
    },
  },
  {
    code: 'apology_late_delivery',
    categories: ['late_delivery'],
    text: {
      'zh-CN': { title: '配送延迟致歉', body: '{{customerName}}您好，非常抱歉您的订单未能按时送达，给您带来了不便。我已联系物流加急处理（工单 {{ticketNumber}}），有进展会第一时间告诉您。——{{brand}} {{agentName}}' },
      en: { title: 'Sorry for the late delivery', body: 'Dear {{customerName}}, we are very sorry your order did not arrive on time. I have asked the courier to expedite it ({{ticketNumber}}) and will update you as soon as I hear back. — {{agentName}}, {{brand}}' },
    },
  },
  {
    code: 'apology_damaged',
    categories: ['damaged_product', 'quality_issue'],
    text: {
      'zh-CN': { title: '商品问题致歉', body: '{{customerName}}您好，收到有问题的商品一定让您很失望，我们深表歉意。我们会为您安排换货或退款（工单 {{ticketNumber}}），请放心交给我处理。——{{brand}} {{agentName}}' },
      en: { title: 'Sorry about the product', body: 'Dear {{customerName}}, receiving a faulty product must be very disappointing, and we sincerely apologise. We will arrange an exchange or a refund for you ({{ticketNumber}}). — {{agentName}}, {{brand}}' },
    },
  },
  {
    code: 'follow_up',
    text: {
      'zh-CN': { title: '跟进', body: '{{customerName}}您好，关于您的工单 {{ticketNumber}}，想跟您确认一下目前的情况，还有什么需要我们帮忙的吗？——{{brand}} {{agentName}}' },
      en: { title: 'Following up', body: 'Dear {{customerName}}, I am following up on your request {{ticketNumber}}. Is there anything else we can help you with? — {{agentName}}, {{brand}}' },
    },
  },
  {
    code: 'resolved',
    text: {
      'zh-CN': { title: '已解决', body: '{{customerName}}您好，您的工单 {{ticketNumber}} 已处理完毕。感谢您的耐心与理解，如仍有任何问题，欢迎随时联系我们。——{{brand}} {{agentName}}' },
      en: { title: 'Resolved', body: 'Dear {{customerName}}, your request {{ticketNumber}} has been resolved. Thank you for your patience; if anything is still not right, just let us know. — {{agentName}}, {{brand}}' },
    },
  },
];

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();
const VAR = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function templateVariables(body: string): string[] {
  return [...new Set([...body.matchAll(VAR)].map((m) => m[1]!))];
}

function toTemplate(r: Row): ReplyTemplate {
  return {
    id: String(r.id),
    code: String(r.code),
    locale: r.locale as ReplyLocale,
    title: String(r.title),
    body: String(r.body),
    kinds: (r.kinds as string[]) ?? [],
    categories: (r.categories as string[]) ?? [],
    status: r.status as ReplyTemplate['status'],
    variables: templateVariables(String(r.body)),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

const fail = (issues: FieldIssue[]) => invalid('service.invalid_reply_template', `${issues[0]!.path}: ${issues[0]!.message}`, issues);

function unknownVariables(body: string, path: string): FieldIssue[] {
  return templateVariables(body)
    .filter((v) => !(REPLY_VARIABLES as readonly string[]).includes(v))
    .map((v) => ({ path, message: `unknown variable {{${v}}} (${REPLY_VARIABLES.join(', ')})` }));
}

/** Empathy reply scripts per code and locale; rendering fills a ticket's customer name, number, the agent and the brand. */
export class ReplyTemplatesService {
  private clock: Clock = systemClock;

  constructor(
    private readonly db: Db,
    private readonly opts: { brand: string },
  ) {}

  useClock(clock: Clock): void {
    this.clock = clock;
  }

  async list(q: { locale?: ReplyLocale | undefined; kind?: string | undefined; category?: string | undefined; status?: 'active' | 'archived' | undefined } = {}): Promise<ReplyTemplate[]> {
    const rows = await query<Row>(
      this.db,
      sql`select * from service.reply_templates where true
          ${q.locale ? sql`and locale = ${q.locale}` : sql``}
          ${q.status ? sql`and status = ${q.status}` : sql``}
          ${q.kind ? sql`and (cardinality(kinds) = 0 or ${q.kind} = any(kinds))` : sql``}
          ${q.category ? sql`and (cardinality(categories) = 0 or ${q.category} = any(categories))` : sql``}
          order by code collate "C", locale collate "C"`,
    );
    return rows.map(toTemplate);
  }

  async get(idOrCode: string, locale?: ReplyLocale): Promise<ReplyTemplate> {
    const r = UUID.test(idOrCode)
      ? await queryOne<Row>(this.db, sql`select * from service.reply_templates where id = ${idOrCode}::uuid`)
      : await queryOne<Row>(this.db, sql`select * from service.reply_templates where code = ${idOrCode} and locale = ${locale ?? 'zh-CN'}`);
    if (!r) throw notFound('service.reply_template_not_found', `no reply template ${idOrCode}${UUID.test(idOrCode) ? '' : ` (${locale ?? 'zh-CN'})`}`);
    return toTemplate(r);
  }

  async create(input: unknown): Promise<ReplyTemplate> {
    const r = ReplyTemplateInput.safeParse(input);
    if (!r.success) throw fail(zodIssues(r.error.issues));
    const t = r.data;
    const issues = unknownVariables(t.body, 'body');
    if (issues.length > 0) throw fail(issues);
    const now = this.clock.now().toISOString();
    const row = await queryOne<Row>(
      this.db,
      sql`insert into service.reply_templates (id, code, locale, title, body, kinds, categories, status, created_at, updated_at)
          values (${newId()}, ${t.code}, ${t.locale}, ${t.title}, ${t.body}, ${sql.param(t.kinds)}::text[], ${sql.param(t.categories)}::text[], 'active', ${now}, ${now})
          on conflict (code, locale) do nothing returning *`,
    );
    if (!row) throw conflict('service.reply_template_exists', `a reply template ${t.code} (${t.locale}) exists`);
    return toTemplate(row);
  }

  async update(id: string, input: unknown): Promise<ReplyTemplate> {
    const r = ReplyTemplatePatch.safeParse(input);
    if (!r.success) throw fail(zodIssues(r.error.issues));
    const p = r.data;
    if (p.body !== undefined) {
      const issues = unknownVariables(p.body, 'body');
      if (issues.length > 0) throw fail(issues);
    }
    const cur = await this.get(id);
    const row = await queryOne<Row>(
      this.db,
      sql`update service.reply_templates set title = ${p.title ?? cur.title}, body = ${p.body ?? cur.body},
            kinds = ${sql.param(p.kinds ?? cur.kinds)}::text[], categories = ${sql.param(p.categories ?? cur.categories)}::text[],
            status = ${p.status ?? cur.status}, updated_at = ${this.clock.now().toISOString()}
          where id = ${cur.id}::uuid returning *`,
    );
    return toTemplate(row!);
  }

  async archive(id: string): Promise<ReplyTemplate> {
    return this.update(id, { status: 'archived' });
  }

  /** The seeds, unless a template of that code and locale exists. */
  async ensureDefaults(db: Db = this.db): Promise<void> {
    const now = this.clock.now().toISOString();
    const rows = DEFAULT_REPLY_TEMPLATES.flatMap((t) =>
      REPLY_LOCALES.map((locale) => ({ id: newId(), code: t.code, locale, title: t.text[locale].title, body: t.text[locale].body, kinds: t.kinds ?? [], categories: t.categories ?? [] })),
    );
    await db.execute(
      sql`insert into service.reply_templates (id, code, locale, title, body, kinds, categories, created_at, updated_at)
          select x.id, x.code, x.locale, x.title, x.body,
                 array(select jsonb_array_elements_text(x.kinds)), array(select jsonb_array_elements_text(x.categories)), ${now}::timestamptz, ${now}::timestamptz
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id uuid, code text, locale text, title text, body text, kinds jsonb, categories jsonb)
          on conflict (code, locale) do nothing`,
    );
  }

  /**
   * Renders a template for a ticket (by id or number): customerName (the profile's name, else the contact's; masked
   * without pii), ticketNumber (T-123), agentName (the caller's display name), brand.
   */
  async render(code: string, input: unknown, agent: { id: string; name: string }, viewer: { pii: boolean }): Promise<RenderedReply> {
    const r = RenderInput.safeParse(input);
    if (!r.success) throw fail(zodIssues(r.error.issues));
    const { ticketId, locale } = r.data;
    const t = await this.get(code, locale);
    if (t.status !== 'active') throw conflict('service.reply_template_archived', `the reply template ${code} (${locale}) is archived`);
    const num = /^(?:T-)?(\d{1,15})$/i.exec(ticketId);
    const where = UUID.test(ticketId) ? sql`t.id = ${ticketId}::uuid` : num ? sql`t.number = ${Number(num[1])}` : undefined;
    if (!where) throw invalid('service.invalid_reply_render', 'ticketId: a ticket id or number', [{ path: 'ticketId', message: 'not a ticket id or number' }]);
    const ticket = await queryOne<{ number: number; name: string | null; contact_name: string | null; agent: string | null }>(
      this.db,
      sql`select t.number, c.name, t.contact->>'name' as contact_name,
                 (select s.display_name from access.staff s where s.id::text = ${agent.id}) as agent
          from service.tickets t left join customers.customers c on c.id = t.customer_id where ${where}`,
    );
    if (!ticket) throw notFound('service.ticket_not_found', `no ticket ${ticketId}`);
    const name = ticket.name ?? ticket.contact_name ?? '';
    const values: Record<string, string> = {
      customerName: name && !viewer.pii ? maskName(name) : name,
      ticketNumber: `T-${ticket.number}`,
      agentName: ticket.agent ?? agent.name,
      brand: this.opts.brand,
    };
    const missing: string[] = [];
    const fill = (s: string) =>
      s.replace(VAR, (_m, v: string) => {
        if (v in values) return values[v]!;
        if (!missing.includes(v)) missing.push(v);
        return '';
      });
    return { code: t.code, locale: t.locale, title: fill(t.title), body: fill(t.body), variables: values, missing };
  }
}
