import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import { isUuid, normaliseEmail, normaliseIdentifier, normalisePhone } from './domain/identifiers.js';
import { liveProfiles } from './identity-resolution.js';
import type { TimelineSource } from './customers.service.js';

/** What a list row shows of a profile: its primary contact identifiers and a few attributes. */
export interface CustomerSummary {
  id: string;
  status: string;
  name: string | null;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  tags: string[];
  phone: string | null;
  email: string | null;
  memberNo: string | null;
  createdAt: Date;
  lastSeenAt: Date;
}

const SUMMARY_COLUMNS = sql`c.id, c.status, c.name, c.gender, c.birthday::text as birthday, c.city, c.tags,
  c.created_at as "createdAt", c.last_seen_at as "lastSeenAt",
  (select i.value from customers.identifiers i where i.customer_id = c.id and i.type = 'phone' order by i.is_primary desc, i.created_at limit 1) as phone,
  (select i.value from customers.identifiers i where i.customer_id = c.id and i.type = 'email' order by i.is_primary desc, i.created_at limit 1) as email,
  (select i.value from customers.identifiers i where i.customer_id = c.id and i.type = 'member_no' order by i.is_primary desc, i.created_at limit 1) as "memberNo"`;

type SummaryRow = Omit<CustomerSummary, 'createdAt' | 'lastSeenAt'> & { createdAt: string | Date; lastSeenAt: string | Date };
const toSummary = (r: SummaryRow): CustomerSummary => ({ ...r, createdAt: new Date(r.createdAt), lastSeenAt: new Date(r.lastSeenAt) });

export async function summaries(db: Db, ids: string[]): Promise<Map<string, CustomerSummary>> {
  if (ids.length === 0) return new Map();
  const rows = await query<SummaryRow>(db, sql`select ${SUMMARY_COLUMNS} from customers.customers c where c.id = any(${sql.param([...new Set(ids)])}::uuid[])`);
  return new Map(rows.map((r) => [r.id, toSummary(r)]));
}

/**
 * Ids of profiles `q` finds: a phone in any format, an email, a member number exactly, or the
 * start of a name. A union of indexed lookups; `name like … or id in (…)` would scan every profile.
 */
function matchingIds(q: string, defaultRegion: string): SQL {
  const keys: Array<[string, string]> = [];
  const phone = normalisePhone(q, defaultRegion);
  if (phone) keys.push(['phone', phone]);
  const email = q.includes('@') ? normaliseEmail(q) : undefined;
  if (email) keys.push(['email', email]);
  const member = normaliseIdentifier('member_no', q);
  if (member) keys.push(['member_no', member]);
  const prefix = `${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  return sql`select n.id from customers.customers n where n.name like ${prefix}
    union
    select i.customer_id from customers.identifier_keys i
    join unnest(${sql.param(keys.map((k) => k[0]))}::text[], ${sql.param(keys.map((k) => k[1]))}::text[]) as k(type, value)
      on i.type = k.type and i.value = k.value`;
}

export interface SearchQuery {
  q?: string | undefined;
  city?: string | undefined;
  tag?: string | undefined;
  limit: number;
  offset?: number | undefined;
  cursor?: string | undefined;
  /** A condition on `c.id` limiting the rows to the caller's customers (store scoping; platform/customer-scope.ts). */
  within?: SQL | undefined;
}

/**
 * Active profiles, newest first. `q` matches a phone in any format, an email, a member number
 * exactly, or the start of a name. `cursor` is the last id of the previous page.
 */
export async function searchCustomers(db: Db, s: SearchQuery, defaultRegion: string): Promise<{ items: CustomerSummary[]; nextCursor: string | null }> {
  const where: SQL[] = [sql`c.status = 'active'`];
  if (s.within) where.push(s.within);
  const q = s.q?.trim();
  if (q) {
    where.push(sql`c.id in (${matchingIds(q, defaultRegion)})`);
  }
  if (s.city) where.push(sql`c.city = ${s.city}`);
  if (s.tag) where.push(sql`c.tags @> array[${s.tag}]::text[]`);
  if (s.cursor) {
    if (!isUuid(s.cursor)) throw invalid('customers.bad_cursor', 'cursor is not one this API returned', [{ path: 'cursor', message: 'is not a valid cursor' }]);
    where.push(sql`c.id < ${s.cursor}::uuid`);
  }
  const rows = await query<SummaryRow>(
    db,
    sql`select ${SUMMARY_COLUMNS} from customers.customers c where ${sql.join(where, sql` and `)}
        order by c.id desc limit ${s.limit + 1} offset ${s.offset ?? 0}`,
  );
  const items = rows.slice(0, s.limit).map(toSummary);
  return { items, nextCursor: rows.length > s.limit ? items.at(-1)!.id : null };
}

/** The console's customer list: filters, a sort and a page number, with the number of matches. */
export interface ListQuery {
  q?: string | undefined;
  city?: string | undefined;
  tag?: string | undefined;
  /** Bought within this many days up to `asOf` (the dashboard's active members). */
  activeDays?: number | undefined;
  /** First order on or after / on or before these dates (business time zone). */
  firstOrderFrom?: string | undefined;
  firstOrderTo?: string | undefined;
  /** Member since (created, or first bought if earlier) on or after / on or before these dates: the dashboard's new members. */
  sinceFrom?: string | undefined;
  sinceTo?: string | undefined;
  /** End of the `activeDays` window (a date, inclusive); default today. */
  asOf?: string | undefined;
  sort: ListSort;
  page: number;
  pageSize: number;
  /** A condition on `c.id` limiting the rows to the caller's customers (store scoping; platform/customer-scope.ts). */
  within?: SQL | undefined;
}

export const LIST_SORTS = ['lastSeen', 'created', 'since', 'name', 'orders', 'spend', 'lastOrder'] as const;
export type ListSort = (typeof LIST_SORTS)[number] | `-${(typeof LIST_SORTS)[number]}`;

export interface ListedCustomer extends CustomerSummary {
  /** Created, or first bought if that was earlier. */
  memberSince: Date;
  orders: number;
  netSpendFen: number;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
}

/** Sort keys → SQL; every order ends on the id so pages never overlap or skip. */
const SORT_SQL: Record<(typeof LIST_SORTS)[number], string> = {
  lastSeen: 'c.last_seen_at',
  // Ids are UUIDv7, minted when the profile is created: the primary key serves this order.
  created: 'c.id',
  since: 'c.member_since',
  name: 'c.name collate "C"',
  orders: 's.orders',
  spend: 's.net_spend_fen',
  lastOrder: 's.last_order_at',
};

/**
 * Active profiles with their order figures (cancelled orders excluded, refunds deducted), filtered,
 * sorted and paged. Order figures come from the orders module's published order_facts view.
 */
export async function listCustomers(
  db: Db,
  l: ListQuery,
  opts: { defaultRegion: string; timeZone: string },
): Promise<{ items: ListedCustomer[]; total: number }> {
  const where: SQL[] = [sql`c.status = 'active'`];
  if (l.within) where.push(l.within);
  const q = l.q?.trim();
  if (q) where.push(sql`c.id in (${matchingIds(q, opts.defaultRegion)})`);
  if (l.city) where.push(sql`c.city = ${l.city}`);
  if (l.tag) where.push(sql`c.tags @> array[${l.tag}]::text[]`);
  const tz = opts.timeZone;
  if (l.activeDays !== undefined) {
    const end = l.asOf ? sql`(${l.asOf}::date + 1)::timestamp at time zone ${tz}` : sql`now()`;
    where.push(sql`exists (select 1 from orders.order_facts a where a.customer_id = c.id and a.status <> 'cancelled'
      and a.placed_at >= ${end} - make_interval(days => ${l.activeDays}) and a.placed_at < ${end})`);
  }
  const day = (d: string, plus = 0) => sql`(${d}::date + ${plus}::int)::timestamp at time zone ${tz}`;
  if (l.firstOrderFrom) where.push(sql`c.first_order_at >= ${day(l.firstOrderFrom)}`);
  if (l.firstOrderTo) where.push(sql`c.first_order_at < ${day(l.firstOrderTo, 1)}`);
  if (l.sinceFrom) where.push(sql`c.member_since >= ${day(l.sinceFrom)}`);
  if (l.sinceTo) where.push(sql`c.member_since < ${day(l.sinceTo, 1)}`);
  const desc = l.sort.startsWith('-');
  const sortKey = (desc ? l.sort.slice(1) : l.sort) as (typeof LIST_SORTS)[number];
  const order = sql.raw(`${SORT_SQL[sortKey]} ${desc ? 'desc nulls last' : 'asc nulls first'}, c.id ${desc ? 'desc' : 'asc'}`);
  const stats = sql`left join lateral (
      select count(*)::int as orders, coalesce(sum(o.paid_fen - o.refunded_fen), 0)::bigint as net_spend_fen,
             max(o.placed_at) as last_order_at
      from orders.order_facts o where o.customer_id = c.id and o.status <> 'cancelled') s on true`;
  // Order figures for every profile only when a filter or the sort needs them; otherwise the page is
  // picked from customers alone (by index for the default sort) and only its rows get their figures.
  const needsStats = ['orders', 'spend', 'lastOrder'].includes(sortKey);
  const filtered = sql`customers.customers c ${needsStats ? stats : sql``} where ${sql.join(where, sql` and `)}`;
  const limit = sql`limit ${l.pageSize} offset ${(l.page - 1) * l.pageSize}`;
  const pageSql = needsStats
    ? sql`select ${SUMMARY_COLUMNS}, s.orders, s.net_spend_fen, c.first_order_at, c.member_since as member_since, s.last_order_at from ${filtered} order by ${order} ${limit}`
    : sql`select ${SUMMARY_COLUMNS}, s.orders, s.net_spend_fen, c.first_order_at, c.member_since as member_since, s.last_order_at
          from (select c.* from ${filtered} order by ${order} ${limit}) c ${stats} order by ${order}`;
  const [rows, counted] = await Promise.all([
    query<SummaryRow & { orders: number; net_spend_fen: string | number; first_order_at: string | null; member_since: string; last_order_at: string | null }>(db, pageSql),
    query<{ n: number }>(db, sql`select count(*)::int as n from ${filtered}`),
  ]);
  return {
    items: rows.map(({ orders, net_spend_fen, first_order_at, member_since, last_order_at, ...r }) => ({
      ...toSummary(r),
      memberSince: new Date(member_since),
      orders: Number(orders),
      netSpendFen: Number(net_spend_fen),
      firstOrderAt: date(first_order_at),
      lastOrderAt: date(last_order_at),
    })),
    total: counted[0]!.n,
  };
}

export interface Customer360 {
  requestedId: string;
  mergedInto: string | null;
  profile: {
    id: string;
    status: string;
    name: string | null;
    gender: string | null;
    birthday: string | null;
    city: string | null;
    incomeBand: string | null;
    occupation: string | null;
    familyStage: string | null;
    address: string | null;
    tags: string[];
    attributes: Record<string, unknown>;
    source: string | null;
    createdAt: Date;
    updatedAt: Date;
    lastSeenAt: Date;
  };
  identifiers: Array<{ type: string; value: string; primary: boolean; source: string; createdAt: Date; lastSeenAt: Date }>;
  consents: { current: ConsentView[]; history: ConsentView[] };
  stats: {
    firstOrderAt: Date | null;
    lastOrderAt: Date | null;
    orders: number;
    grossFen: number;
    refundedFen: number;
    netSpendFen: number;
    averageOrderFen: number | null;
    returns: number;
    events: number;
    lastEventAt: Date | null;
    channels: Array<{ channel: string; orders: number; netSpendFen: number }>;
    favouriteCategories: Array<{ category: string[]; orders: number; quantity: number; netSpendFen: number }>;
    /** name and city from the catalog; null for a code the catalog does not know. */
    favouriteStores: Array<{ storeCode: string; name: string | null; city: string | null; orders: number; netSpendFen: number; lastVisitAt: Date }>;
  };
  timeline: { items: TimelineItem[]; nextCursor: string | null };
}

export interface ConsentView {
  channel: string;
  purpose: string;
  status: string;
  source: string;
  recordedAt: Date;
}

export type TimelineItem = { kind: string; id: string; at: Date } & Record<string, unknown>;

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
const num = (v: unknown) => Number(v ?? 0);

/** The golden profile with everything known about the person; a merged id shows its survivor. */
export async function customer360(
  db: Db,
  requestedId: string,
  page: { limit: number; cursor?: string | undefined },
  sources: readonly TimelineSource[] = [],
): Promise<Customer360> {
  const live = (await liveProfiles(db, [requestedId])).get(requestedId);
  if (!live) throw notFound('customers.not_found', `No customer with id ${requestedId}`);
  const id = live.id;
  const [profileRows, identifiers, consents, totals, channels, categories, stores, timeline] = await Promise.all([
    query<Customer360['profile'] & { createdAt: string; updatedAt: string; lastSeenAt: string }>(
      db,
      sql`select id, status, name, gender, birthday::text as birthday, city, income_band as "incomeBand", occupation,
                 family_stage as "familyStage", address, tags, attributes, source, created_at as "createdAt",
                 updated_at as "updatedAt", last_seen_at as "lastSeenAt"
          from customers.customers where id = ${id}`,
    ),
    query<{ type: string; value: string; primary: boolean; source: string; createdAt: string; lastSeenAt: string }>(
      db,
      sql`select type, value, is_primary as primary, source, created_at as "createdAt", last_seen_at as "lastSeenAt"
          from customers.identifiers where customer_id = ${id} order by type, is_primary desc, created_at, value`,
    ),
    query<ConsentView & { recordedAt: string }>(
      db,
      sql`select channel, purpose, status, source, recorded_at as "recordedAt" from customers.consents
          where customer_id = ${id} order by recorded_at desc, id desc`,
    ),
    query<Record<string, unknown>>(
      db,
      sql`select o.first_order_at, o.last_order_at, o.orders, o.gross, o.refunded,
                 (select count(*) from orders.return_facts r where r.customer_id = ${id}) as returns,
                 e.events, e.last_event_at
          from (select min(placed_at) as first_order_at, max(placed_at) as last_order_at, count(*) as orders,
                       coalesce(sum(paid_fen), 0) as gross, coalesce(sum(refunded_fen), 0) as refunded
                from orders.order_facts where customer_id = ${id} and status <> 'cancelled') o,
               (select count(*) as events, max(occurred_at) as last_event_at
                from activity.event_facts where customer_id = ${id}) e`,
    ),
    query<{ channel: string; orders: number; net: number }>(
      db,
      sql`select channel, count(*) as orders, sum(paid_fen - refunded_fen) as net from orders.order_facts
          where customer_id = ${id} and status <> 'cancelled' group by channel order by count(*) desc, channel collate "C"`,
    ),
    query<{ category: string[]; orders: number; quantity: number; net: number }>(
      db,
      sql`select l.category_path[1:2] as category, count(distinct l.order_id) as orders,
                 sum(l.quantity - l.returned_quantity) as quantity, sum(l.paid_fen - l.refunded_fen) as net
          from orders.line_facts l join orders.order_facts o on o.id = l.order_id
          where l.customer_id = ${id} and o.status <> 'cancelled' and cardinality(l.category_path) > 0
          group by 1
          -- Ties break by code point (collate "C"), so PGlite and any server collation agree.
          order by net desc, orders desc, array_to_string(l.category_path[1:2], '/') collate "C" limit 5`,
    ),
    query<{ store_code: string; name: string | null; city: string | null; orders: number; net: number; last_at: string }>(
      db,
      sql`select f.store_code, s.name, s.city, f.orders, f.net, f.last_at
          from (select store_code, count(*) as orders, sum(paid_fen - refunded_fen) as net, max(placed_at) as last_at
                from orders.order_facts where customer_id = ${id} and status <> 'cancelled' and store_code is not null
                group by store_code order by count(*) desc, net desc, store_code collate "C" limit 5) f
          left join catalog.store_facts s on s.code = f.store_code
          order by f.orders desc, f.net desc, f.store_code collate "C"`,
    ),
    customerTimeline(db, id, page, 'timelineCursor', sources),
  ]);
  const p = profileRows[0]!;
  const t = totals[0]!;
  const orders = num(t.orders);
  const gross = num(t.gross);
  const refunded = num(t.refunded);
  const consentViews = consents.map((c) => ({ ...c, recordedAt: new Date(c.recordedAt) }));
  const current = new Map<string, ConsentView>();
  for (const c of consentViews) if (!current.has(`${c.channel}|${c.purpose}`)) current.set(`${c.channel}|${c.purpose}`, c);
  return {
    requestedId,
    mergedInto: id === requestedId ? null : id,
    profile: { ...p, createdAt: new Date(p.createdAt), updatedAt: new Date(p.updatedAt), lastSeenAt: new Date(p.lastSeenAt) },
    identifiers: identifiers.map((i) => ({ ...i, createdAt: new Date(i.createdAt), lastSeenAt: new Date(i.lastSeenAt) })),
    consents: {
      current: [...current.values()].sort((a, b) => a.channel.localeCompare(b.channel) || a.purpose.localeCompare(b.purpose)),
      history: consentViews,
    },
    stats: {
      firstOrderAt: date(t.first_order_at),
      lastOrderAt: date(t.last_order_at),
      orders,
      grossFen: gross,
      refundedFen: refunded,
      netSpendFen: gross - refunded,
      averageOrderFen: orders > 0 ? Math.round((gross - refunded) / orders) : null,
      returns: num(t.returns),
      events: num(t.events),
      lastEventAt: date(t.last_event_at),
      channels: channels.map((c) => ({ channel: c.channel, orders: num(c.orders), netSpendFen: num(c.net) })),
      favouriteCategories: categories.map((c) => ({ category: c.category, orders: num(c.orders), quantity: num(c.quantity), netSpendFen: num(c.net) })),
      favouriteStores: stores.map((s) => ({
        storeCode: s.store_code,
        name: s.name,
        city: s.city,
        orders: num(s.orders),
        netSpendFen: num(s.net),
        lastVisitAt: new Date(s.last_at),
      })),
    },
    timeline,
  };
}

/** Timeline cursor: the position of the last item, at microsecond precision. */
const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString('base64url');
function decodeCursor(cursor: string, param: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!at || !id || !isUuid(id) || Number.isNaN(Date.parse(at))) {
    throw invalid('customers.bad_cursor', 'cursor is not one this API returned', [{ path: param, message: 'is not a valid cursor' }]);
  }
  return { at, id };
}

/**
 * One timeline, newest first: orders (with lines), returns, events, merges and unmerges, and the
 * items other modules add. Each branch is cut at the page size before the union, so a long
 * history costs no more than a short one.
 */
export async function customerTimeline(
  db: Db,
  id: string,
  page: { limit: number; cursor?: string | undefined },
  cursorParam = 'cursor',
  sources: readonly TimelineSource[] = [],
): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
  const n = page.limit + 1;
  const c = page.cursor ? decodeCursor(page.cursor, cursorParam) : undefined;
  const before = (at: SQL, key: SQL) => (c ? sql`and (${at}, ${key}) < (${c.at}::timestamptz, ${c.id}::uuid)` : sql``);
  const rows = await query<{ kind: string; id: string; at: string; atText: string; detail: Record<string, unknown> }>(
    db,
    sql`with page as (
          (select 'order' as kind, o.id, o.placed_at as at, null::jsonb as item from orders.order_facts o
           where o.customer_id = ${id} ${before(sql`o.placed_at`, sql`o.id`)} order by o.placed_at desc, o.id desc limit ${n})
          union all
          (select 'return', r.id, r.returned_at, null from orders.return_facts r
           where r.customer_id = ${id} ${before(sql`r.returned_at`, sql`r.id`)} order by r.returned_at desc, r.id desc limit ${n})
          union all
          (select 'event', e.id, e.occurred_at, null from activity.event_facts e
           where e.customer_id = ${id} ${before(sql`e.occurred_at`, sql`e.id`)} order by e.occurred_at desc, e.id desc limit ${n})
          union all
          (select 'merge', m.id, m.merged_at, null from customers.merges m
           where (m.survivor_id = ${id} or m.absorbed_id = ${id}) ${before(sql`m.merged_at`, sql`m.id`)} order by m.merged_at desc, m.id desc limit ${n})
          union all
          (select 'unmerge', m.id, m.undone_at, null from customers.merges m
           where (m.survivor_id = ${id} or m.absorbed_id = ${id}) and m.undone_at is not null ${before(sql`m.undone_at`, sql`m.id`)}
           order by m.undone_at desc, m.id desc limit ${n})
          union all
          (select 'item', t.id, t.occurred_at, null from customers.timeline_items t
           where t.customer_id = ${id} ${before(sql`t.occurred_at`, sql`t.id`)} order by t.occurred_at desc, t.id desc limit ${n})
          ${sql.join(
            sources.map((s) => sql`union all (select 'item', x.id, x.at, x.item from (${s.rows(id, before, n)}) x)`),
            sql` `,
          )}
          order by at desc, id desc limit ${n})
        select p.kind, p.id, p.at, to_char(p.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "atText",
          case p.kind
            when 'order' then (select to_jsonb(o) || jsonb_build_object('lines', (
                                 select coalesce(jsonb_agg(to_jsonb(l) order by l.line_no), '[]'::jsonb)
                                 from orders.line_facts l where l.order_id = o.id))
                               from orders.order_facts o where o.id = p.id)
            when 'return' then (select to_jsonb(r) from orders.return_facts r where r.id = p.id)
            when 'event' then (select to_jsonb(e) from activity.event_facts e where e.id = p.id)
            when 'item' then coalesce(p.item, (select to_jsonb(t) from customers.timeline_items t where t.id = p.id and t.customer_id = ${id}))
            else (select jsonb_build_object('survivor_id', m.survivor_id, 'absorbed_id', m.absorbed_id, 'link_type', m.link_type,
                                            'link_value', m.link_value, 'actor', m.actor, 'reason', m.reason,
                                            'undone_by', m.undone_by)
                  from customers.merges m where m.id = p.id)
          end as detail
        from page p order by p.at desc, p.id desc`,
  );
  const items = rows.slice(0, page.limit).map((r) => ({ kind: r.kind, id: r.id, at: new Date(r.at), ...timelineDetail(r.kind, r.detail ?? {}) }));
  const last = rows[page.limit - 1];
  return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.atText, last.id) : null };
}

function timelineDetail(kind: string, d: Record<string, unknown>): Record<string, unknown> {
  switch (kind) {
    case 'order':
      return {
        channel: d.channel,
        externalId: d.external_id,
        storeCode: d.store_code,
        status: d.status,
        grossFen: num(d.gross_fen),
        discountFen: num(d.discount_fen),
        paidFen: num(d.paid_fen),
        refundedFen: num(d.refunded_fen),
        lines: ((d.lines as Array<Record<string, unknown>>) ?? []).map((l) => ({
          lineNo: num(l.line_no),
          sku: l.sku,
          productName: l.product_name,
          category: l.category_path,
          brand: l.brand,
          quantity: num(l.quantity),
          paidFen: num(l.paid_fen),
          returnedQuantity: num(l.returned_quantity),
          refundedFen: num(l.refunded_fen),
        })),
      };
    case 'return':
      return { orderId: d.order_id, channel: d.channel, externalId: d.external_id, refundFen: num(d.refund_fen), reason: d.reason };
    case 'event':
      return { type: d.type, channel: d.channel, storeCode: d.store_code, sku: d.sku, properties: d.properties };
    case 'item':
      return { itemKind: d.kind, refId: d.ref_id, summary: d.summary };
    default:
      return {
        survivorId: d.survivor_id,
        absorbedId: d.absorbed_id,
        linkType: d.link_type,
        linkValue: d.link_value,
        actor: kind === 'unmerge' ? d.undone_by : d.actor,
        reason: d.reason,
      };
  }
}

export interface DuplicateView {
  id: string;
  reason: string;
  score: number;
  createdAt: Date;
  customer: CustomerSummary;
  other: CustomerSummary;
}

/** Open suspected duplicates whose two profiles are both still active, newest first. */
export async function listDuplicates(db: Db, page: { limit: number; offset: number }): Promise<{ items: DuplicateView[]; hasMore: boolean }> {
  const rows = await query<{ id: string; customer_id: string; other_id: string; reason: string; score: number; created_at: string }>(
    db,
    sql`select d.id, d.customer_id, d.other_id, d.reason, d.score, d.created_at
        from customers.duplicate_candidates d
        join customers.customers a on a.id = d.customer_id and a.status = 'active'
        join customers.customers b on b.id = d.other_id and b.status = 'active'
        where d.status = 'open'
        order by d.created_at desc, d.id desc limit ${page.limit + 1} offset ${page.offset}`,
  );
  const page1 = rows.slice(0, page.limit);
  const s = await summaries(db, page1.flatMap((r) => [r.customer_id, r.other_id]));
  return {
    items: page1.map((r) => ({
      id: r.id,
      reason: r.reason,
      score: Number(r.score),
      createdAt: new Date(r.created_at),
      customer: s.get(r.customer_id)!,
      other: s.get(r.other_id)!,
    })),
    hasMore: rows.length > page.limit,
  };
}
