import { sql } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { conflict, invalid, notFound, type FieldIssue } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { normalisePhone, type CustomerSummary } from '../../customers/index.js';
import type { MembershipService, RefreshResult } from '../membership/membership.service.js';
import { audienceSettings, audienceSql } from './rule.compiler.js';
import { ruleDefinitionOrThrow, type RuleDefinition } from './rule.schema.js';

/** What the segments module asks of the customers module: profiles to show, and who holds identifiers. */
export interface CustomerDirectory {
  /** The live profile each id names now (following merges); unknown ids are absent. */
  liveCustomerIds(ids: string[], tx?: Db): Promise<Map<string, string>>;
  /** The live profile holding each normalised identifier value of a type; values nobody holds are absent. */
  identifierOwners(type: string, values: string[], tx?: Db): Promise<Map<string, string>>;
  /** List summaries (name, phone, …) to show, masked by the caller. */
  summaries(ids: string[]): Promise<Map<string, CustomerSummary>>;
}

export interface Segment {
  id: string;
  code: string;
  name: string;
  description: string | null;
  kind: string;
  definition: unknown;
  treatment: unknown;
  active: boolean;
  size: number;
  refreshedAt: Date | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SegmentInput {
  code: string;
  name: string;
  description?: string | undefined;
  /** The rule format version (1, the default) and the rule tree. */
  version?: unknown;
  rule: unknown;
  treatment?: unknown;
}

export interface StaticListInput {
  code: string;
  name: string;
  description?: string | undefined;
  /** What each line holds: a customer id or a phone number (any format; normalised like the customers module does). */
  of: 'id' | 'phone';
  /** The file's text: one value per line; blank lines and lines starting with # are skipped, as is a header line. */
  content: string;
}

export const SAMPLE_SIZE = 20;
/** Lines a static list may have. */
export const STATIC_LIST_LIMIT = 500_000;
const HEADER = /^(id|customer_?id|customer|phone|mobile|手机号?|客户id|客户编号)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type SegmentRowDb = Omit<Segment, 'size' | 'refreshedAt' | 'createdAt' | 'updatedAt'> & {
  size: number | string;
  refreshedAt: string | Date | null;
  createdAt: string | Date;
  updatedAt: string | Date;
};
const toSegment = (r: SegmentRowDb): Segment => ({
  ...r,
  size: Number(r.size),
  refreshedAt: r.refreshedAt === null ? null : new Date(r.refreshedAt),
  createdAt: new Date(r.createdAt),
  updatedAt: new Date(r.updatedAt),
});
const COLUMNS = sql`id, code, name, description, kind, definition, treatment, active, size, refreshed_at as "refreshedAt", created_by as "createdBy",
  created_at as "createdAt", updated_at as "updatedAt"`;

/**
 * Rule and static segments: create / edit / delete, live count and sample of a rule while it is edited,
 * static lists from an uploaded file of ids or phones, members and size history. Membership itself is
 * kept by MembershipService.
 */
export class RuleSegmentsService {
  constructor(
    private readonly db: Db,
    private readonly membership: MembershipService,
    private readonly customers: CustomerDirectory | undefined,
    private readonly opts: { timeZone: string; defaultRegion: string },
  ) {}

  /** Validates a rule (400 naming the path: `rule.all[2].days`) and checks its conditions can run here (predictions). */
  async definitionOf(input: { version?: unknown; rule?: unknown }): Promise<RuleDefinition> {
    const definition = ruleDefinitionOrThrow({ version: input.version ?? 1, rule: input.rule });
    audienceSql(definition, await this.membership.context()); // throws segments.predictions_unavailable
    return definition;
  }

  /** Live count and the first customers (by id) of a rule, as of now or a given instant. */
  async preview(
    input: { version?: unknown; rule?: unknown },
    opts: { asOf?: Date | undefined; sample?: number } = {},
  ): Promise<{ count: number; sample: string[]; asOf: Date }> {
    const definition = await this.definitionOf(input);
    const ctx = await this.membership.context(opts.asOf);
    const row = await this.db.transaction(async (tx) => {
      await audienceSettings(tx);
      return queryOne<{ n: number | string; sample: string[] | null }>(
        tx,
        sql`with a as materialized (${audienceSql(definition, ctx)})
            select (select count(*) from a) as n, (select array_agg(s.id::text order by s.id) from (select id from a order by id limit ${opts.sample ?? SAMPLE_SIZE}) s) as sample`,
      );
    });
    return { count: Number(row?.n ?? 0), sample: row?.sample ?? [], asOf: ctx.asOf };
  }

  async list(opts: { kind?: string | undefined; active?: boolean | undefined } = {}): Promise<Segment[]> {
    const where = [sql`true`];
    if (opts.kind) where.push(sql`kind = ${opts.kind}`);
    if (opts.active !== undefined) where.push(sql`active = ${opts.active}`);
    const rows = await query<SegmentRowDb>(this.db, sql`select ${COLUMNS} from segments.segments where ${sql.join(where, sql` and `)} order by code collate "C"`);
    return rows.map(toSegment);
  }

  /** A segment by code or id. */
  async get(ref: string, tx: Db = this.db): Promise<Segment> {
    const row = await queryOne<SegmentRowDb>(
      tx,
      UUID.test(ref) ? sql`select ${COLUMNS} from segments.segments where id = ${ref}::uuid` : sql`select ${COLUMNS} from segments.segments where code = ${ref}`,
    );
    if (!row) throw notFound('segments.not_found', `No segment ${ref}`);
    return toSegment(row);
  }

  /** A new rule segment; its members are computed at once (entered events with reason `created`). */
  async create(input: SegmentInput, actor: string): Promise<{ segment: Segment; refresh: RefreshResult }> {
    const definition = await this.definitionOf(input);
    const id = newId();
    await this.db.transaction(async (tx) => {
      await this.ensureFreeCode(tx, input.code);
      await tx.execute(
        sql`insert into segments.segments (id, code, name, description, kind, definition, treatment, created_by)
            values (${id}, ${input.code}, ${input.name}, ${input.description ?? null}, 'rule', ${JSON.stringify(definition)}::jsonb,
                    ${input.treatment === undefined ? null : JSON.stringify(input.treatment)}::jsonb, ${actor})`,
      );
    });
    const refresh = (await this.membership.refresh(id, { reason: 'created' }))!;
    return { segment: await this.get(id), refresh };
  }

  /** Change name, description, treatment, the rule (members recomputed) or pause it (`active: false` keeps members, stops updates). */
  async update(
    ref: string,
    patch: {
      name?: string | undefined;
      description?: string | null | undefined;
      version?: unknown;
      rule?: unknown;
      treatment?: unknown;
      active?: boolean | undefined;
    },
  ): Promise<{ segment: Segment; refresh?: RefreshResult | undefined }> {
    const seg = await this.get(ref);
    let definition: RuleDefinition | undefined;
    if (patch.rule !== undefined) {
      if (seg.kind !== 'rule')
        throw invalid('segments.not_a_rule', `Segment ${seg.code} is a ${seg.kind} segment; only a rule segment's rule can change`, [
          { path: 'rule', message: 'only rule segments have a rule' },
        ]);
      definition = await this.definitionOf(patch);
    }
    const sets = [sql`updated_at = now()`];
    if (patch.name !== undefined) sets.push(sql`name = ${patch.name}`);
    if (patch.description !== undefined) sets.push(sql`description = ${patch.description}`);
    if (patch.treatment !== undefined) sets.push(sql`treatment = ${JSON.stringify(patch.treatment)}::jsonb`);
    if (patch.active !== undefined) sets.push(sql`active = ${patch.active}`);
    if (definition) sets.push(sql`definition = ${JSON.stringify(definition)}::jsonb`);
    await this.db.execute(sql`update segments.segments set ${sql.join(sets, sql`, `)} where id = ${seg.id}`);
    const refresh = definition || patch.active === true ? await this.membership.refresh(seg.id) : undefined;
    return { segment: await this.get(seg.id), refresh };
  }

  /** Delete a segment with its members, log and history (no exit events: journeys see the segment gone). */
  async remove(ref: string): Promise<{ id: string; code: string }> {
    const seg = await this.get(ref);
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`delete from segments.members where segment_id = ${seg.id}`);
      await tx.execute(sql`delete from segments.membership_log where segment_id = ${seg.id}`);
      await tx.execute(sql`delete from segments.size_history where segment_id = ${seg.id}`);
      await tx.execute(sql`delete from segments.segments where id = ${seg.id}`);
    });
    return { id: seg.id, code: seg.code };
  }

  /** Live count of a saved segment's rule (not its stored members), as of now or a given instant. */
  async count(ref: string, asOf?: Date): Promise<{ segment: Segment; count: number; stored: number }> {
    const seg = await this.get(ref);
    const ctx = await this.membership.context(asOf);
    const target = this.membership.audienceOf(seg, ctx);
    if (!target) return { segment: seg, count: seg.size, stored: seg.size };
    const row = await this.db.transaction(async (tx) => {
      await audienceSettings(tx);
      return queryOne<{ n: number | string }>(tx, sql`select count(*) as n from (${target}) a`);
    });
    return { segment: seg, count: Number(row?.n ?? 0), stored: seg.size };
  }

  /** Current members, entered first first (then by id), paged. */
  async members(ref: string, page: { page: number; pageSize: number }): Promise<{ segment: Segment; total: number; items: Array<{ customerId: string; enteredAt: Date }> }> {
    const seg = await this.get(ref);
    const rows = await query<{ customer_id: string; entered_at: string | Date }>(
      this.db,
      sql`select customer_id, entered_at from segments.members where segment_id = ${seg.id}
          order by entered_at, customer_id limit ${page.pageSize} offset ${(page.page - 1) * page.pageSize}`,
    );
    const total = await queryOne<{ n: number | string }>(this.db, sql`select count(*) as n from segments.members where segment_id = ${seg.id}`);
    return { segment: seg, total: Number(total?.n ?? 0), items: rows.map((r) => ({ customerId: r.customer_id, enteredAt: new Date(r.entered_at) })) };
  }

  /** Size after each refresh, oldest first. */
  async history(ref: string, opts: { limit: number }): Promise<{ segment: Segment; items: Array<{ at: Date; size: number; entered: number; exited: number }> }> {
    const seg = await this.get(ref);
    const rows = await query<{ at: string | Date; size: number; entered: number; exited: number }>(
      this.db,
      sql`select at, size, entered, exited from (select * from segments.size_history where segment_id = ${seg.id} order by at desc limit ${opts.limit}) h order by at`,
    );
    return { segment: seg, items: rows.map((r) => ({ at: new Date(r.at), size: Number(r.size), entered: Number(r.entered), exited: Number(r.exited) })) };
  }

  /** A customer's stays in segments (current and past), newest first. */
  async customerSegments(customerId: string): Promise<Array<{ segmentId: string; code: string; name: string; enteredAt: Date; exitedAt: Date | null }>> {
    const rows = await query<{ segment_id: string; code: string; name: string; entered_at: string | Date; exited_at: string | Date | null }>(
      this.db,
      sql`select l.segment_id, s.code, s.name, l.entered_at, l.exited_at from segments.membership_log l join segments.segments s on s.id = l.segment_id
          where l.customer_id = ${customerId}::uuid order by l.entered_at desc, s.code collate "C"`,
    );
    return rows.map((r) => ({
      segmentId: r.segment_id,
      code: r.code,
      name: r.name,
      enteredAt: new Date(r.entered_at),
      exitedAt: r.exited_at === null ? null : new Date(r.exited_at),
    }));
  }

  /**
   * A static list from a file of customer ids or phones. All or nothing: every line that names nobody
   * (not an id / phone, or no customer has it) is reported with its line number and nothing is written.
   * A merged-away id counts as its survivor; a customer named twice is a member once.
   */
  async createStatic(input: StaticListInput, actor: string): Promise<{ segment: Segment; lines: number; matched: number; duplicates: number }> {
    if (!this.customers) throw new Error('static lists need the customers directory');
    const lines = input.content.split(/\r?\n/);
    const values: Array<{ line: number; value: string }> = [];
    const issues: FieldIssue[] = [];
    lines.forEach((raw, i) => {
      const value = raw.replace(/^\uFEFF/, '').trim().replace(/^"(.*)"$/, '$1').trim();
      if (!value || value.startsWith('#')) return;
      if (values.length === 0 && issues.length === 0 && HEADER.test(value)) return;
      values.push({ line: i + 1, value });
    });
    if (values.length === 0) throw invalid('segments.empty_list', 'The file names no customers', [{ path: 'content', message: 'has no lines with a customer id or phone' }]);
    if (values.length > STATIC_LIST_LIMIT)
      throw invalid('segments.list_too_long', `The file has ${values.length} lines; at most ${STATIC_LIST_LIMIT.toLocaleString('en-US')}`, [{ path: 'content', message: 'too many lines' }]);
    const keys = new Map<number, string>();
    for (const { line, value } of values) {
      if (input.of === 'id') {
        if (UUID.test(value)) keys.set(line, value.toLowerCase());
        else issues.push({ path: `line ${line}`, message: `line ${line}: "${value.slice(0, 40)}" is not a customer id` });
      } else {
        const phone = normalisePhone(value, this.opts.defaultRegion);
        if (phone) keys.set(line, phone);
        // The value itself is personal data: the message names the line only.
        else issues.push({ path: `line ${line}`, message: `line ${line}: not a phone number` });
      }
    }
    const distinct = [...new Set(keys.values())];
    const owners = input.of === 'id' ? await this.customers.liveCustomerIds(distinct) : await this.customers.identifierOwners('phone', distinct);
    for (const [line, key] of keys)
      if (!owners.has(key)) issues.push({ path: `line ${line}`, message: `line ${line}: no customer has this ${input.of === 'id' ? 'id' : 'phone'}` });
    if (issues.length > 0) {
      issues.sort((a, b) => Number(a.path.slice(5)) - Number(b.path.slice(5)));
      throw invalid('segments.unmatched_lines', `${issues.length} line(s) name no customer; nothing was created (first: ${issues[0]!.message})`, issues);
    }
    const members = [...new Set([...keys.values()].map((k) => owners.get(k)!))];
    const id = newId();
    const at = new Date();
    await this.db.transaction(async (tx) => {
      await this.ensureFreeCode(tx, input.code);
      const definition = { source: input.of, lines: values.length, customers: members.length };
      await tx.execute(
        sql`insert into segments.segments (id, code, name, description, kind, definition, created_by, size, refreshed_at)
            values (${id}, ${input.code}, ${input.name}, ${input.description ?? null}, 'static', ${JSON.stringify(definition)}::jsonb, ${actor}, ${members.length}, ${at.toISOString()}::timestamptz)`,
      );
      const target = sql`select c.id from customers.customer_facts c where c.id = any(${sql.param(members)}::uuid[]) and c.status = 'active'`;
      await this.membership.apply(tx, { id, code: input.code }, target, at, 'created');
      await tx.execute(
        sql`insert into segments.size_history (segment_id, at, size, entered, exited) values (${id}, ${at.toISOString()}::timestamptz, ${members.length}, ${members.length}, 0)`,
      );
    });
    return { segment: await this.get(id), lines: values.length, matched: members.length, duplicates: values.length - members.length };
  }

  private async ensureFreeCode(tx: Db, code: string) {
    const taken = await queryOne(tx, sql`select 1 from segments.segments where code = ${code}`);
    if (taken) throw conflict('segments.code_taken', `A segment with code ${code} already exists`, { issues: [{ path: 'code', message: 'already used by another segment' }] });
  }
}
