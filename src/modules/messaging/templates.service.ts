import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Channel, Locale, Purpose } from './messaging.contract.js';
import { renderContent } from './domain/render.js';
import { templateChannels, templatePaths, textFor, validateContents, type TemplateContents } from './domain/template.js';
import type { PreviewInput, TemplateCreateInput, TemplateListQuery, TemplateUpdateInput } from './messaging.schemas.js';
import type { Preparer } from './prepare.js';
import { loadProfiles, type VariableRegistry } from './variables.js';

export interface Template {
  id: string;
  code: string;
  name: string;
  purpose: Purpose;
  contents: TemplateContents;
  providerIds: Partial<Record<Channel, string>>;
  status: 'active' | 'archived';
  version: number;
  /** The channels it has text for. */
  channels: Channel[];
  /** Every variable path its texts use. */
  variables: string[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Preview {
  channel: Channel;
  /** The locale whose text was used (zh-CN when the one asked for has none). */
  locale: Locale;
  subject: string | null;
  body: string;
  html: string | null;
  /** Variable paths the text uses. */
  variables: string[];
  /** Used but neither a base variable, a provider's, nor given in the request: they will print as their fallback or ''. */
  missing: string[];
  warnings: Array<{ path: string; message: string }>;
}

type Row = Record<string, unknown>;
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

function toTemplate(r: Row): Template {
  const contents = json<TemplateContents>(r.contents);
  return {
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    purpose: r.purpose as Purpose,
    contents,
    providerIds: json<Partial<Record<Channel, string>>>(r.provider_ids) ?? {},
    status: r.status as Template['status'],
    version: Number(r.version),
    channels: templateChannels(contents),
    variables: templatePaths(contents),
    createdBy: String(r.created_by),
    createdAt: new Date(r.created_at as string),
    updatedAt: new Date(r.updated_at as string),
  };
}

/** 王芳 → 王*, Wang Fang → W*** (as the customers module shows names to roles without pii:read). */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  return `${chars[0]}${/^[\u3400-\u9fff]/.test(name) ? '*'.repeat(chars.length - 1) : '***'}`;
}

const NIL = '00000000-0000-0000-0000-000000000000';

/**
 * Message templates: create, update (version + 1), archive, list, get by code, preview with a real customer's data.
 * Contents are checked field by field (validateContents) before anything is written.
 */
export class TemplatesService {
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    private readonly deps: { preparer: Preparer; variables: VariableRegistry; clock?: Clock },
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  private check(contents: Record<string, unknown>, providerIds: Record<string, unknown> | undefined): void {
    const issues = validateContents(contents);
    for (const ch of Object.keys(providerIds ?? {}))
      if (!(ch in contents)) issues.push({ path: `providerIds.${ch}`, message: 'the template has no text for this channel' });
    if (issues.length > 0) throw invalid('messaging.invalid_template', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
  }

  async create(input: TemplateCreateInput, actor: string): Promise<Template> {
    this.check(input.contents, input.providerIds);
    const now = this.clock.now().toISOString();
    const row = await queryOne<Row>(
      this.db,
      sql`insert into messaging.templates (id, code, name, purpose, contents, provider_ids, status, version, created_by, created_at, updated_at)
          values (${newId()}, ${input.code}, ${input.name}, ${input.purpose}, ${JSON.stringify(input.contents)}::jsonb, ${JSON.stringify(input.providerIds)}::jsonb,
                  'active', 1, ${actor}, ${now}::timestamptz, ${now}::timestamptz)
          on conflict (code) do nothing returning *`,
    );
    if (!row) throw conflict('messaging.template_exists', `a message template has the code ${input.code} already`);
    return toTemplate(row);
  }

  async get(code: string): Promise<Template> {
    const row = await queryOne<Row>(this.db, sql`select * from messaging.templates where code = ${code}`);
    if (!row) throw notFound('messaging.template_not_found', `no message template has the code ${code}`);
    return toTemplate(row);
  }

  async list(q: TemplateListQuery = {}): Promise<Template[]> {
    const rows = await query<Row>(
      this.db,
      sql`select * from messaging.templates where true
          ${q.status ? sql`and status = ${q.status}` : sql``}
          ${q.purpose ? sql`and purpose = ${q.purpose}` : sql``}
          ${q.channel ? sql`and contents ? ${q.channel}` : sql``}
          order by code collate "C"`,
    );
    return rows.map(toTemplate);
  }

  /** A new version: the fields given replace the stored ones (contents as a whole). Messages not yet sent use it. */
  async update(code: string, input: TemplateUpdateInput, actor: string): Promise<Template> {
    const current = await this.get(code);
    if (input.code !== undefined && input.code !== code)
      throw invalid('messaging.template_code', 'a template’s code does not change', [{ path: 'code', message: `must be ${code}` }]);
    if (current.status === 'archived') throw conflict('messaging.template_archived', `the message template ${code} is archived`);
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version)
      throw conflict('messaging.template_changed', `the template is at version ${current.version}, not ${input.expectedVersion}`, { version: current.version });
    const contents = input.contents ?? current.contents;
    const providerIds = input.providerIds ?? current.providerIds;
    this.check(contents as Record<string, unknown>, providerIds);
    const row = await queryOne<Row>(
      this.db,
      sql`update messaging.templates set name = ${input.name ?? current.name}, purpose = ${input.purpose ?? current.purpose},
            contents = ${JSON.stringify(contents)}::jsonb, provider_ids = ${JSON.stringify(providerIds)}::jsonb,
            version = version + 1, updated_at = ${this.clock.now().toISOString()}::timestamptz
          where code = ${code} and version = ${current.version} and status = 'active' returning *`,
    );
    if (!row) throw conflict('messaging.template_changed', `the message template ${code} changed meanwhile; read it again`);
    void actor;
    return toTemplate(row);
  }

  /** Archived: no new plans; queued messages of it are blocked (template_archived) when their turn comes. */
  async archive(code: string): Promise<Template> {
    await this.get(code);
    const row = await queryOne<Row>(
      this.db,
      sql`update messaging.templates set status = 'archived', updated_at = ${this.clock.now().toISOString()}::timestamptz where code = ${code} returning *`,
    );
    return toTemplate(row!);
  }

  /**
   * The text as a customer would get it: base variables from their profile (the name masked for callers without
   * pii:read), the providers' variables, the values given; the variables used and those nobody provides; warnings.
   */
  async preview(code: string, input: PreviewInput, viewer: { pii: boolean }): Promise<Preview> {
    let template: Pick<Template, 'contents' | 'providerIds' | 'channels'>;
    try {
      template = await this.get(code);
    } catch (e) {
      // A draft not saved yet: its contents are all there is.
      if (!input.contents) throw e;
      template = { contents: {}, providerIds: {}, channels: [] };
    }
    if (input.contents) {
      const contents = input.contents as TemplateContents;
      template = { ...template, contents, channels: templateChannels(contents) };
    }
    const found = textFor(template.contents, input.channel, input.locale);
    if (!found)
      throw invalid('messaging.template_channel', `the template ${code} has no text for the ${input.channel} channel`, [
        { path: 'channel', message: `the template has text for ${template.channels.join(', ')}` },
      ]);
    const { locale, text } = found;
    let vars: Record<string, unknown>;
    if (input.customerId) {
      const profiles = await loadProfiles(this.db, [input.customerId]);
      const profile = profiles.get(input.customerId);
      if (!profile) throw notFound('messaging.customer_not_found', `no customer has the id ${input.customerId}`);
      const provided = await this.deps.variables.load(this.db, new Map([[input.customerId, [text.subject ?? '', text.body]]]), () => locale);
      const shown = viewer.pii || !profile.name ? profile : { ...profile, name: maskName(profile.name) };
      vars = this.deps.preparer.variablesFor({ id: NIL, variables: input.variables }, input.channel, locale, shown, provided.get(input.customerId));
    } else {
      const sample = { name: locale === 'en' ? 'Alex Wang' : '王芳', tierName: locale === 'en' ? 'Advocate' : '倡导者', pointsBalance: 1280 };
      const base = this.deps.preparer.variablesFor({ id: NIL, variables: {} }, input.channel, locale, undefined, undefined);
      vars = { ...base, ...sample, ...Object.fromEntries(Object.entries(input.variables).filter(([k]) => !k.startsWith('_'))) };
    }
    const rendered = renderContent(input.channel, text, vars, locale);
    const known = this.deps.variables.knownNames();
    for (const k of Object.keys(input.variables)) known.add(k);
    const used = templatePaths({ [input.channel]: { [locale]: text } } as TemplateContents);
    const warnings: Preview['warnings'] = [];
    if (input.channel === 'wechat' && !template.providerIds.wechat)
      warnings.push({ path: 'providerIds.wechat', message: 'WeChat template messages need the template id from the WeChat admin console' });
    if (locale !== input.locale) warnings.push({ path: `contents.${input.channel}.${input.locale}`, message: `no ${input.locale} text: customers with it get zh-CN` });
    return {
      channel: input.channel,
      locale,
      subject: rendered.subject,
      body: rendered.body,
      html: rendered.html,
      variables: used,
      missing: used.filter((p) => !known.has(p.split('.')[0]!)),
      warnings,
    };
  }
}
