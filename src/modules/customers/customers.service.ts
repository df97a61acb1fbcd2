import { and, eq, sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../platform/audit.js';
import { pgArray } from '../../platform/db/arrays.js';
import { query, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { ItemResult } from '../../platform/http/batch.js';
import { newId } from '../../platform/ids.js';
import type { ConsentInput, CustomerRefInput, CustomerUpsertInput } from './customers.schemas.js';
import { customerTimeline, customer360, listCustomers, listDuplicates, searchCustomers, summaries, type CustomerSummary, type ListQuery, type SearchQuery } from './customer-queries.js';
import { consentRows, publishProfilesChanged, recordConsents, upsertCustomers, type UpsertContext } from './customer-upsert.js';
import { normaliseRef } from './domain/customer-ref.js';
import { isUuid } from './domain/identifiers.js';
import { duplicateCandidates, merges, timelineItems } from './db/customers.schema.js';
import { IdentityResolver, liveProfiles, type ResolveContext, type ResolvedRef } from './identity-resolution.js';
import { MergeEngine, type MergeOptions, type MergeParticipant, type MergeResult } from './merge.js';
import { ExportRegistry, type CustomerExport, type ExportParticipant } from './privacy-export.js';
import { ErasureRegistry, type ErasureParticipant, type ErasureResult } from './privacy-erase.js';

export type { ResolveContext, ResolvedRef, IdentifierAttached } from './identity-resolution.js';
export type { MergeParticipant, MergeOptions, MergeResult } from './merge.js';
export type { ExportParticipant, CustomerExport } from './privacy-export.js';
export type { ErasureParticipant, ErasureContext, ErasureResult } from './privacy-erase.js';
export type { CustomerSummary, Customer360, TimelineItem, DuplicateView, SearchQuery, ListQuery, ListedCustomer } from './customer-queries.js';
export type { UpsertContext } from './customer-upsert.js';

export interface CustomersOptions {
  defaultRegion: string;
  strongIdentifiers: string[];
  timeZone: string;
}

/** An entry another module puts on a customer's 360 timeline (points earned, message sent, …). */
export interface TimelineItemInput {
  customerId: string;
  occurredAt: Date;
  /** '<module>.<what>', e.g. 'loyalty.points_earned'. */
  kind: string;
  refId?: string | undefined;
  summary?: Record<string, unknown> | undefined;
}

/**
 * Entries another module keeps in its own table and lends to the 360 timeline when it is read, with
 * no copy per record (a points ledger would otherwise write a timeline row per order). `rows` selects
 * one customer's entries newest first, at most `limit`, after the `before` cursor condition, as
 * (id uuid, at timestamptz, item jsonb {kind: '<module>.<what>', ref_id, summary}): they show as
 * timeline items exactly like those written with addTimelineItems.
 */
export interface TimelineSource {
  name: string;
  rows(customerId: string, before: (at: SQL, key: SQL) => SQL, limit: number): SQL;
}

export class CustomersService {
  private readonly mergeEngine = new MergeEngine();
  private readonly exports = new ExportRegistry();
  private readonly erasures = new ErasureRegistry();
  private readonly timelineSources: TimelineSource[] = [];
  private readonly resolver: IdentityResolver;

  constructor(
    private readonly db: Db,
    private readonly opts: CustomersOptions,
  ) {
    this.resolver = new IdentityResolver(
      { defaultRegion: opts.defaultRegion, strongTypes: new Set(opts.strongIdentifiers) },
      this.mergeEngine,
    );
  }

  /**
   * The orders module's word on when profiles first bought (earliest non-cancelled order), in the
   * transaction that wrote the orders. 'earliest' only moves a date earlier (new orders);
   * 'exact' sets it, null included (an order cancelled, moved or re-dated).
   */
  async recordFirstOrders(tx: Db, rows: Array<{ customerId: string; at: string | null }>, mode: 'earliest' | 'exact'): Promise<void> {
    if (rows.length === 0) return;
    const data = JSON.stringify(rows.map((r) => ({ id: r.customerId, at: r.at })));
    await tx.execute(
      mode === 'earliest'
        ? sql`update customers.customers c set first_order_at = x.at
              from json_to_recordset(${data}::json) as x(id uuid, at timestamptz)
              where c.id = x.id and x.at is not null and (c.first_order_at is null or c.first_order_at > x.at)`
        : sql`update customers.customers c set first_order_at = x.at
              from json_to_recordset(${data}::json) as x(id uuid, at timestamptz)
              where c.id = x.id and c.first_order_at is distinct from x.at`,
    );
  }

  /** Orders, activity and later modules register how to move their records on merge/unmerge. */
  registerMergeParticipant(p: MergeParticipant): void {
    this.mergeEngine.register(p);
  }

  /** Modules holding records about a customer register how to read them for a data subject access export. */
  registerExportParticipant(p: ExportParticipant): void {
    this.exports.register(p);
  }

  /**
   * Everything about one customer, unmasked and machine-readable (format `kemai-dsr-export/1`), with a
   * `privacy.export` audit entry by `actor` (row counts only). A merged-away id is a 404 naming its survivor.
   */
  async exportCustomer(id: string, actor: string): Promise<CustomerExport> {
    return this.exports.export(this.db, id, actor);
  }

  /** Modules holding personal data about a customer register how to erase it (see ErasureParticipant). */
  registerErasureParticipant(p: ErasureParticipant): void {
    this.erasures.register(p);
  }

  /**
   * Erase a customer's personal data in every module, in one transaction (a failing module changes nothing): the
   * profile becomes an `erased` tombstone without identifiers, financial records keep their amounts without the
   * person's values. Audited as `customers.erase` by `actor` with row counts only. Unknown id 404, merged-away id 404
   * naming its survivor, already erased 409 `customers.already_erased`.
   */
  async erase(customerId: string, opts: { reason: string; actor: string }): Promise<ErasureResult> {
    return this.erasures.erase(this.db, customerId, opts);
  }

  /**
   * Match each ref to one golden profile (creating one when nothing matches) inside the caller's
   * transaction. Batch-friendly: one round of lookups for the whole array. Invalid identifiers or
   * an unknown id throw a validation error (paths `customer.phone`, or `<i>.customer.phone` for
   * several refs) before anything is written. With `anonymousOnly: 'lookup'` a ref naming only an
   * anonymous or device id follows an existing profile or resolves to null, writing nothing.
   */
  async resolveCustomers(tx: Db, refs: CustomerRefInput[], ctx: ResolveContext): Promise<ResolvedRef[]> {
    return this.resolver.resolve(tx, refs, ctx);
  }

  /** Create or update profiles; per-item results, bad items reported without stopping the rest. */
  async upsertCustomers(items: Array<{ index: number; value: CustomerUpsertInput }>, ctx: UpsertContext): Promise<ItemResult<{ id: string }>[]> {
    if (items.length === 0) return [];
    return upsertCustomers(this.db, this.resolver, this.opts, items, ctx);
  }

  /** Record consent decisions for one profile (a merged id records on its survivor). */
  async recordConsents(customerId: string, consents: ConsentInput[], source: string): Promise<{ customerId: string; recorded: number }> {
    const live = await this.liveId(customerId);
    const { rows, issues } = consentRows(consents, live, { source, now: new Date(), timeZone: this.opts.timeZone }, 'consents');
    if (issues.length > 0) throw invalid('validation_failed', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    const recorded = await this.db.transaction(async (tx) => {
      const n = await recordConsents(tx, rows);
      if (n > 0) await publishProfilesChanged(tx, [live]);
      return n;
    });
    return { customerId: live, recorded };
  }

  /**
   * Records that a caller was shown a customer's personal data in full (audit `privacy.pii_view`: the fields and the
   * purpose, never the values). One entry per view; the console's 360 is the view.
   */
  async recordPiiView(customerId: string, v: { actor: string; fields: readonly string[]; purpose: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await appendAudit(tx, { actor: v.actor, action: 'privacy.pii_view', targetType: 'customer', targetId: customerId, details: { fields: [...v.fields], purpose: v.purpose } });
    });
  }

  async list(q: ListQuery) {
    return listCustomers(this.db, q, { defaultRegion: this.opts.defaultRegion, timeZone: this.opts.timeZone });
  }

  async search(q: SearchQuery) {
    return searchCustomers(this.db, q, this.opts.defaultRegion);
  }

  async get360(id: string, page: { limit: number; cursor?: string | undefined }) {
    return customer360(this.db, id, page, this.timelineSources);
  }

  async timeline(id: string, page: { limit: number; cursor?: string | undefined }) {
    return customerTimeline(this.db, await this.liveId(id), page, 'cursor', this.timelineSources);
  }

  /** Another module's entries on the timeline, read from its own table (see TimelineSource). */
  addTimelineSource(source: TimelineSource): void {
    if (this.timelineSources.some((s) => s.name === source.name)) throw new Error(`timeline source ${source.name} is already registered`);
    this.timelineSources.push(source);
  }

  /** Put an item on a customer's timeline, in the caller's transaction (usually an event handler). */
  async addTimelineItem(tx: Db, item: TimelineItemInput): Promise<string> {
    const id = newId();
    await tx.insert(timelineItems).values({
      customerId: item.customerId,
      id,
      occurredAt: item.occurredAt,
      kind: item.kind,
      refId: item.refId ?? null,
      summary: item.summary ?? {},
    });
    return id;
  }

  /** Many timeline items in one statement (bulk imports: one per batch, not one per order). */
  async addTimelineItems(tx: Db, items: readonly TimelineItemInput[]): Promise<void> {
    if (items.length === 0) return;
    // One array parameter per column, not 6 per row (PostgreSQL allows 65,535 parameters per statement).
    await tx.execute(
      sql`insert into customers.timeline_items (customer_id, id, occurred_at, kind, ref_id, summary)
          select * from unnest(${pgArray(items.map((i) => i.customerId), 'uuid')}, ${pgArray(items.map(() => newId()), 'uuid')},
                               ${pgArray(items.map((i) => i.occurredAt), 'timestamptz')}, ${pgArray(items.map((i) => i.kind), 'text')},
                               ${pgArray(items.map((i) => i.refId ?? null), 'text')}, ${pgArray(items.map((i) => i.summary ?? {}), 'jsonb')})`,
    );
  }

  /**
   * Merge `absorbedId` into `survivorId` (in its own transaction unless `tx` is given), with a `customers.merge`
   * audit entry by `auditActor` (`staff:<id>`, `key:<id>`; `opts.actor` when absent).
   */
  async mergeCustomers(survivorId: string, absorbedId: string, opts: MergeOptions & { auditActor?: string }, tx?: Db): Promise<MergeResult> {
    const run = async (t: Db) => {
      const result = await this.mergeEngine.merge(t, survivorId, absorbedId, opts);
      await t
        .update(duplicateCandidates)
        .set({ status: 'accepted', decidedAt: sql`now()`, decidedBy: opts.actor })
        .where(
          and(
            eq(duplicateCandidates.status, 'open'),
            sql`(customer_id, other_id) = (least(${survivorId}::uuid, ${absorbedId}::uuid), greatest(${survivorId}::uuid, ${absorbedId}::uuid))`,
          ),
        );
      await this.auditMerge(t, 'customers.merge', opts.auditActor ?? opts.actor, result);
      return result;
    };
    return tx ? run(tx) : this.db.transaction(run);
  }

  /** The audit entry of a staff merge or unmerge: ids only (never the reason, which is free text). */
  private auditMerge(tx: Db, action: 'customers.merge' | 'customers.unmerge', actor: string, r: MergeResult, extra: Record<string, string> = {}) {
    return appendAudit(tx, { actor, action, targetType: 'customer', targetId: r.survivorId, details: { mergeId: r.mergeId, absorbedId: r.absorbedId, ...extra } });
  }

  /**
   * Undo a merge: both profiles and every moved record come back as they were. With
   * `customerId`, the merge must involve that customer (the HTTP route names one). Writes a
   * `customers.unmerge` audit entry by `auditActor` (`actor` when absent).
   */
  async unmergeCustomers(mergeId: string, actor: string, customerId?: string, tx?: Db, auditActor?: string): Promise<MergeResult> {
    const run = async (t: Db) => {
      if (customerId) {
        const [m] = await t.select({ s: merges.survivorId, a: merges.absorbedId }).from(merges).where(eq(merges.id, mergeId));
        if (!m || (m.s !== customerId && m.a !== customerId)) {
          throw notFound('customers.merge_not_found', `Customer ${customerId} has no merge ${mergeId}`);
        }
      }
      // An erasure emptied the merge's snapshots: there is nothing to restore.
      const [erased] = isUuid(mergeId)
        ? await query<{ id: string }>(
            t,
            sql`select c.id from customers.merges m join customers.customers c on c.id in (m.survivor_id, m.absorbed_id)
                where m.id = ${mergeId} and c.status = 'erased' limit 1`,
          )
        : [];
      if (erased) throw conflict('customers.erased', `Customer ${erased.id} has been erased; its merges cannot be undone`);
      const result = await this.mergeEngine.unmerge(t, mergeId, actor);
      await this.auditMerge(t, 'customers.unmerge', auditActor ?? actor, result);
      return result;
    };
    return tx ? run(tx) : this.db.transaction(run);
  }

  async listDuplicates(page: { limit: number; offset: number }) {
    return listDuplicates(this.db, page);
  }

  /** Staff confirm a suspected duplicate: the younger profile is merged into the older (audited as `customers.merge`). */
  async acceptDuplicate(candidateId: string, actor: string, auditActor?: string): Promise<MergeResult> {
    return this.db.transaction(async (tx) => {
      const c = await this.openCandidate(tx, candidateId);
      const [older, younger] = await query<{ id: string }>(
        tx,
        sql`select id from customers.customers where id in (${c.customerId}, ${c.otherId}) order by created_at, id`,
      );
      const result = await this.mergeEngine.merge(tx, older!.id, younger!.id, { actor, reason: `duplicate review: ${c.reason}` });
      await tx
        .update(duplicateCandidates)
        .set({ status: 'accepted', decidedAt: sql`now()`, decidedBy: actor })
        .where(and(eq(duplicateCandidates.customerId, c.customerId), eq(duplicateCandidates.id, candidateId)));
      await this.auditMerge(tx, 'customers.merge', auditActor ?? actor, result, { duplicateId: candidateId });
      return result;
    });
  }

  /** Staff say the two profiles are different people; resolution will not propose or merge them again. */
  async rejectDuplicate(candidateId: string, actor: string): Promise<{ id: string; status: 'rejected' }> {
    return this.db.transaction(async (tx) => {
      const c = await this.openCandidate(tx, candidateId);
      await tx
        .update(duplicateCandidates)
        .set({ status: 'rejected', decidedAt: sql`now()`, decidedBy: actor })
        .where(and(eq(duplicateCandidates.customerId, c.customerId), eq(duplicateCandidates.id, candidateId)));
      return { id: candidateId, status: 'rejected' as const };
    });
  }

  private async openCandidate(tx: Db, id: string) {
    const [c] = await tx.select().from(duplicateCandidates).where(eq(duplicateCandidates.id, id)).for('update');
    if (!c) throw notFound('customers.duplicate_not_found', `No suspected duplicate with id ${id}`);
    if (c.status !== 'open') throw conflict('customers.duplicate_decided', `This suspected duplicate was already ${c.status} by ${c.decidedBy}`);
    return c;
  }

  /** List summaries (name, phone, email, member number) of profiles by id, for other modules' samples and member lists. */
  async summaries(ids: string[], tx: Db = this.db): Promise<Map<string, CustomerSummary>> {
    return summaries(tx, ids);
  }

  /**
   * The live profile holding each already normalised identifier value of one type (a static segment's
   * list of phones), in one statement; values nobody holds are absent.
   */
  async identifierOwners(type: string, values: string[], tx: Db = this.db): Promise<Map<string, string>> {
    if (values.length === 0) return new Map();
    const rows = await query<{ value: string; customer_id: string }>(
      tx,
      sql`select i.value, i.customer_id from customers.identifiers i where i.type = ${type} and i.value = any(${sql.param([...new Set(values)])}::text[])`,
    );
    const live = await this.liveCustomerIds(rows.map((r) => r.customer_id), tx);
    return new Map(rows.map((r) => [r.value, live.get(r.customer_id) ?? r.customer_id]));
  }

  /** The profile each id names now, following merges; ids that never named a profile are absent. */
  async liveCustomerIds(ids: string[], tx: Db = this.db): Promise<Map<string, string>> {
    const live = await liveProfiles(tx, ids);
    return new Map([...live].map(([id, p]) => [id, p.id]));
  }

  /**
   * Which live profiles hold the identifiers a ref names (normalised as resolution does), one row
   * per identifier found; reads only, so a caller can check a ref (e.g. "is this referee really
   * the referrer?") before resolving it. Invalid identifiers are skipped.
   */
  async identifierHolders(ref: CustomerRefInput, tx: Db = this.db): Promise<Array<{ type: string; customerId: string }>> {
    const { identifiers: named } = normaliseRef(ref, this.opts.defaultRegion).ref;
    if (named.length === 0) return [];
    const rows = await query<{ type: string; customer_id: string }>(
      tx,
      sql`select i.type, i.customer_id from customers.identifier_keys i
          join unnest(${sql.param(named.map((n) => n.type))}::text[], ${sql.param(named.map((n) => n.value))}::text[]) as k(type, value)
            on i.type = k.type and i.value = k.value
          order by i.type collate "C"`,
    );
    const live = await this.liveCustomerIds(rows.map((r) => r.customer_id), tx);
    return rows.map((r) => ({ type: r.type, customerId: live.get(r.customer_id) ?? r.customer_id }));
  }

  /** The live profile an id names now (following merges); 404 when it never existed. */
  private async liveId(id: string): Promise<string> {
    const live = (await liveProfiles(this.db, [id])).get(id);
    if (!live) throw notFound('customers.not_found', `No customer with id ${id}`);
    return live.id;
  }
}
