import { sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import { localDate, parseInstant } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import type { DomainEvent } from '../../platform/events/event-bus.js';
import type { Definition, Trigger } from './journeys.schemas.js';

/**
 * Entry: who enters which journey when. Every path ends in `enter` — one insert … select per journey per batch of
 * candidates — which applies the audience (segments in / not in), the re-entry rule, the stable holdout (the same
 * sha256 draw as promotions' inHoldout, computed in SQL) and idempotency (entry_key; one live pass per person).
 */

export interface LiveJourney {
  id: string;
  code: string;
  kind: string;
  version: number;
  holdoutPercent: number;
  reentry: 'never' | 'after_exit' | 'cooldown';
  reentryDays: number | null;
  definition: Definition;
}

/** Candidates as SQL returning `customer_id uuid, entry_key text, context jsonb`. */
export type Candidates = SQL;

/** The sha256 holdout draw of promotions' inHoldout, in SQL: first 4 bytes big-endian of sha256(`salt:customer`) mod 10,000. */
export function holdoutSql(salt: string, customerId: SQL, percent: number): SQL {
  if (percent <= 0) return sql`0`;
  return sql`case when (('x' || encode(substring(sha256(convert_to(${salt} || ':' || (${customerId})::text, 'UTF8')) from 1 for 4), 'hex'))::bit(32)::bigint % 10000) < ${percent * 100}::int then 1 else 0 end`;
}

export function audienceSql(def: Definition, customer: SQL): SQL {
  const parts: SQL[] = [];
  for (const code of def.audience?.segments ?? [])
    parts.push(sql`exists (select 1 from segments.members m join segments.segments s on s.id = m.segment_id where s.code = ${code} and m.customer_id = ${customer})`);
  for (const code of def.audience?.excludeSegments ?? [])
    parts.push(sql`not exists (select 1 from segments.members m join segments.segments s on s.id = m.segment_id where s.code = ${code} and m.customer_id = ${customer})`);
  return parts.length ? sql.join(parts, sql` and `) : sql`true`;
}

/** Enters candidates into one journey (its current version) at `at`; answers how many entered (held out included). */
export async function enter(tx: Db, j: LiveJourney, candidates: Candidates, at: Date): Promise<{ entered: number; heldOut: number }> {
  const def = j.definition;
  const first = def.steps[0]!.id;
  const goalDays = def.goal ? def.goal.withinDays : null;
  const reentry =
    j.reentry === 'never'
      ? sql`not exists (select 1 from journeys.enrollments p where p.journey_id = ${j.id}::uuid and p.customer_id = c.customer_id)`
      : j.reentry === 'cooldown'
        ? sql`not exists (select 1 from journeys.enrollments p where p.journey_id = ${j.id}::uuid and p.customer_id = c.customer_id
              and (p.status in ('active', 'held_out') or coalesce(p.ended_at, p.entered_at) > ${at.toISOString()}::timestamptz - make_interval(days => ${j.reentryDays ?? 30}::int)))`
        : sql`true`; // after_exit: the live index keeps one pass at a time
  const rows = await query<{ entered: number; held: number }>(
    tx,
    sql`with c as (
          select distinct on (q.customer_id) q.customer_id::uuid as customer_id, q.entry_key::text as entry_key, coalesce(q.context::jsonb, '{}'::jsonb) as context
          from (${candidates}) q order by q.customer_id, q.entry_key
        ),
        ins as (
          insert into journeys.enrollments (id, journey_id, version, customer_id, entry_key, holdout, status, current_step, step_seq, next_run_at,
            entered_at, goal_until, context)
          select gen_random_uuid(), ${j.id}::uuid, ${j.version}::int, c.customer_id, c.entry_key, h.holdout,
            case when h.holdout = 1 then 'held_out' else 'active' end,
            case when h.holdout = 1 then null else ${first}::text end, 0,
            case when h.holdout = 1 then null else ${at.toISOString()}::timestamptz end,
            ${at.toISOString()}::timestamptz,
            ${goalDays === null ? sql`null::timestamptz` : sql`${at.toISOString()}::timestamptz + make_interval(days => ${goalDays}::int)`},
            c.context
          from c
          join customers.customers cu on cu.id = c.customer_id and cu.status = 'active'
          cross join lateral (select (${holdoutSql(j.id, sql`c.customer_id`, j.holdoutPercent)})::int as holdout) h
          where ${audienceSql(def, sql`c.customer_id`)} and ${reentry}
          on conflict do nothing
          returning holdout
        )
        select count(*)::int as entered, coalesce(sum(holdout), 0)::int as held from ins`,
  );
  return { entered: Number(rows[0]?.entered ?? 0), heldOut: Number(rows[0]?.held ?? 0) };
}

/** Candidates from values (event payloads): one jsonb parameter read as a record set. */
export function valuesCandidates(rows: Array<{ customerId: string; entryKey: string; context: Record<string, unknown> }>): Candidates {
  const values = rows.map((r) => ({ customer_id: r.customerId, entry_key: r.entryKey, context: r.context }));
  return sql`select customer_id, entry_key, context from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as x(customer_id uuid, entry_key text, context jsonb)`;
}

/** Active journeys (their current version) whose trigger matches. */
export async function liveJourneys(db: Db, match: (t: Trigger) => boolean): Promise<LiveJourney[]> {
  const rows = await query<Record<string, unknown>>(
    db,
    sql`select j.id, j.code, j.kind, j.current_version, j.holdout_percent, j.reentry, j.reentry_days, v.definition
        from journeys.journeys j join journeys.versions v on v.journey_id = j.id and v.version = j.current_version
        where j.status = 'active' order by j.code collate "C"`,
  );
  return rows
    .map((r) => ({
      id: String(r.id),
      code: String(r.code),
      kind: String(r.kind),
      version: Number(r.current_version),
      holdoutPercent: Number(r.holdout_percent),
      reentry: r.reentry as LiveJourney['reentry'],
      reentryDays: r.reentry_days == null ? null : Number(r.reentry_days),
      definition: (typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition) as Definition,
    }))
    .filter((j) => match(j.definition.trigger));
}

type EventTrigger = Extract<Trigger, { type: 'event' }>;
const eventOf = (t: Trigger): EventTrigger | null => (t.type === 'event' ? t : null);

interface OrderPlaced {
  orderId: string;
  customerId: string | null;
  channel: string;
  storeCode: string | null;
  placedAt: string;
  paidFen: number;
}

/** The event triggers: one handler per outbox event name, each entering set-based per journey. */
export class EntryTriggers {
  constructor(private readonly deps: { clock: Clock; timeZone: string; onEntered?: () => void }) {}

  private async enterAll(tx: Db, journeys: LiveJourney[], build: (j: LiveJourney) => Candidates | null): Promise<number> {
    let n = 0;
    const at = this.deps.clock.now();
    for (const j of journeys) {
      const c = build(j);
      if (c) n += (await enter(tx, j, c, at)).entered;
    }
    // After the caller's commit (a poke before it finds nothing yet).
    if (n > 0 && this.deps.onEntered) setTimeout(this.deps.onEntered, 50).unref?.();
    return n;
  }

  /** orders.order.placed: first_purchase (the customer's first non-cancelled order) and order_placed (channel / minimum filters). */
  async ordersPlaced(events: Array<DomainEvent<OrderPlaced>>, tx: Db): Promise<number> {
    const orders = events.map((e) => e.payload).filter((p) => p.customerId);
    if (orders.length === 0) return 0;
    const journeys = await liveJourneys(tx, (t) => {
      const e = eventOf(t);
      return !!e && (e.event === 'first_purchase' || e.event === 'order_placed');
    });
    if (journeys.length === 0) return 0;
    const values = JSON.stringify(orders.map((o) => ({ order_id: o.orderId, customer_id: o.customerId, channel: o.channel, paid_fen: o.paidFen, placed_at: o.placedAt, store_code: o.storeCode })));
    const src = sql`jsonb_to_recordset(${values}::jsonb) as x(order_id uuid, customer_id uuid, channel text, paid_fen bigint, placed_at timestamptz, store_code text)`;
    const context = sql`jsonb_build_object('trigger', 'order', 'orderId', x.order_id, 'orderChannel', x.channel, 'orderPaidFen', x.paid_fen, 'storeCode', x.store_code)`;
    return this.enterAll(tx, journeys, (j) => {
      const e = eventOf(j.definition.trigger)!;
      const f = e.filter ?? {};
      const conds: SQL[] = [sql`true`];
      if (f.channels?.length) conds.push(sql`x.channel = any(${sql.param(f.channels)}::text[])`);
      if (f.minAmountFen !== undefined) conds.push(sql`x.paid_fen >= ${f.minAmountFen}`);
      if (e.event === 'first_purchase')
        conds.push(sql`not exists (select 1 from orders.orders o where o.customer_id = x.customer_id and o.status <> 'cancelled'
          and (o.placed_at < x.placed_at or (o.placed_at = x.placed_at and o.id < x.order_id)))`);
      return sql`select x.customer_id, 'order:' || x.order_id::text as entry_key, ${context} as context from ${src} where ${sql.join(conds, sql` and `)}`;
    });
  }

  /** loyalty.tier.changed ({changes}): direction by the tier's rank in the active tier set (built-in when none). */
  async tierChanged(events: Array<DomainEvent<{ changes: Array<{ changeId: string; customerId: string; fromCode: string | null; toCode: string | null; tierSet: string }> }>>, tx: Db): Promise<number> {
    const changes = events.flatMap((e) => e.payload.changes ?? []);
    if (changes.length === 0) return 0;
    const journeys = await liveJourneys(tx, (t) => eventOf(t)?.event === 'tier_changed');
    if (journeys.length === 0) return 0;
    const sets = await query<{ code: string; tiers: unknown }>(tx, sql`select code, definition->'tiers' as tiers from loyalty.tier_sets`);
    const rank = new Map<string, number>();
    for (const s of sets) {
      const tiers = (typeof s.tiers === 'string' ? JSON.parse(s.tiers) : s.tiers) as Array<{ code: string }> | null;
      (tiers ?? []).forEach((t, i) => rank.set(`${s.code}:${t.code}`, i + 1));
    }
    ['explorer', 'follower', 'advocate'].forEach((c, i) => {
      if (!rank.has(`builtin:${c}`)) rank.set(`builtin:${c}`, i + 1);
    });
    const rankOf = (set: string, code: string | null) => (code === null ? 0 : (rank.get(`${set}:${code}`) ?? rank.get(`builtin:${code}`) ?? 0));
    return this.enterAll(tx, journeys, (j) => {
      const f = eventOf(j.definition.trigger)!.filter ?? {};
      const rows = changes
        .filter((c) => {
          const d = rankOf(c.tierSet, c.toCode) - rankOf(c.tierSet, c.fromCode);
          if (f.direction === 'up' && !(d > 0)) return false;
          if (f.direction === 'down' && !(d < 0)) return false;
          if (f.toTier && c.toCode !== f.toTier) return false;
          return true;
        })
        .map((c) => ({ customerId: c.customerId, entryKey: `tier:${c.changeId}`, context: { trigger: 'tier', fromTier: c.fromCode, toTier: c.toCode } }));
      return rows.length ? valuesCandidates(rows) : null;
    });
  }

  /** segments.customer.entered / exited ({code, customerIds}). */
  async segmentChanged(kind: 'segment_entered' | 'segment_exited', events: Array<DomainEvent<{ code: string; customerIds: string[] }>>, tx: Db): Promise<number> {
    const journeys = await liveJourneys(tx, (t) => eventOf(t)?.event === kind);
    if (journeys.length === 0) return 0;
    return this.enterAll(tx, journeys, (j) => {
      const segment = eventOf(j.definition.trigger)!.filter?.segment;
      const rows = events
        .filter((e) => !segment || e.payload.code === segment)
        .flatMap((e) => e.payload.customerIds.map((c) => ({ customerId: c, entryKey: `${kind}:${e.id}`, context: { trigger: kind, segment: e.payload.code } })));
      return rows.length ? valuesCandidates(rows) : null;
    });
  }

  /** insights.rhythm.changed ({changes: [{changeId, customerId, kind, category}]}). */
  async rhythmChanged(events: Array<DomainEvent<{ changes: Array<{ changeId: string; customerId: string; kind: string; category: string }> }>>, tx: Db): Promise<number> {
    const journeys = await liveJourneys(tx, (t) => eventOf(t)?.event === 'rhythm_changed');
    if (journeys.length === 0) return 0;
    const rows = events.flatMap((e) =>
      (e.payload.changes ?? []).map((c) => ({ customerId: c.customerId, entryKey: `rhythm:${c.changeId}`, context: { trigger: 'rhythm', rhythm: c.kind, category: c.category } })),
    );
    return rows.length ? this.enterAll(tx, journeys, () => valuesCandidates(rows)) : 0;
  }

  /** service.ticket.resolved ({customerId, ticketId}). */
  async ticketResolved(events: Array<DomainEvent<{ customerId: string; ticketId: string }>>, tx: Db): Promise<number> {
    const journeys = await liveJourneys(tx, (t) => eventOf(t)?.event === 'ticket_resolved');
    if (journeys.length === 0) return 0;
    const rows = events
      .filter((e) => e.payload.customerId && e.payload.ticketId)
      .map((e) => ({ customerId: e.payload.customerId, entryKey: `ticket:${e.payload.ticketId}`, context: { trigger: 'ticket', ticketId: e.payload.ticketId } }));
    return rows.length ? this.enterAll(tx, journeys, () => valuesCandidates(rows)) : 0;
  }

  /** customers.profiles.changed ({customerIds}): member_joined for profiles created within the day before the event. */
  async profilesChanged(events: Array<DomainEvent<{ customerIds: string[] }>>, tx: Db): Promise<number> {
    const journeys = await liveJourneys(tx, (t) => eventOf(t)?.event === 'member_joined');
    if (journeys.length === 0) return 0;
    const rows = events.flatMap((e) => (e.payload.customerIds ?? []).map((c) => ({ customer_id: c, occurred_at: e.occurredAt })));
    if (rows.length === 0) return 0;
    const cands = sql`select x.customer_id, 'joined' as entry_key, jsonb_build_object('trigger', 'member_joined') as context
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(customer_id uuid, occurred_at timestamptz)
      join customers.customers cu on cu.id = x.customer_id
      where cu.created_at >= x.occurred_at - interval '1 day'`;
    return this.enterAll(tx, journeys, () => cands);
  }

  // ------------------------------------------------------------------ scans: dates, inactivity, schedules

  /**
   * The date, inactivity and schedule triggers at `now`: each journey scans the local days since its last scan (at most
   * the last 7) whose HH:MM has come. Idempotent: entry keys are the day (`birthday:2026-05-01`) or the run instant.
   */
  async scan(db: Db, now: Date): Promise<{ entered: number; journeys: number }> {
    const tz = this.deps.timeZone;
    const journeys = await liveJourneys(db, (t) => t.type !== 'event');
    let entered = 0;
    for (const j of journeys) {
      const t = j.definition.trigger;
      await db.transaction(async (tx) => {
        const [state] = await query<{ last_scan_date: string | null; detail: unknown; runs: number }>(
          tx,
          sql`insert into journeys.trigger_state (journey_id) values (${j.id}::uuid) on conflict (journey_id) do update set runs = journeys.trigger_state.runs
              returning last_scan_date, detail, runs`,
        );
        const detail = (typeof state?.detail === 'string' ? JSON.parse(state.detail) : (state?.detail ?? {})) as Record<string, unknown>;
        let lastDate = state?.last_scan_date ?? null;
        let lastRun = (detail.lastRun as string | undefined) ?? null;
        if (t.type === 'schedule') {
          const occ = latestOccurrence(t.startAt, t.every, now, tz);
          if (occ && (!lastRun || occ.getTime() > new Date(lastRun).getTime())) {
            const key = `schedule:${occ.toISOString()}`;
            const cands = sql`select cu.id as customer_id, ${key} as entry_key, jsonb_build_object('trigger', 'schedule', 'run', ${occ.toISOString()}::text) as context
              from customers.customers cu where cu.status = 'active'`;
            entered += (await enter(tx, j, cands, now)).entered;
            lastRun = occ.toISOString();
          }
        } else if (t.type === 'date' || t.type === 'inactivity') {
          const today = localDate(now, tz);
          const at = parseInstant(`${today}T${t.at}`, tz)!;
          const days: string[] = [];
          for (let i = 6; i >= 0; i--) {
            const d = addDays(today, -i);
            if (lastDate && d <= lastDate) continue;
            if (d === today && now < at) continue;
            days.push(d);
          }
          for (const d of days) {
            entered += (await enter(tx, j, dayCandidates(t, d, tz), now)).entered;
            lastDate = d;
          }
        }
        await query(
          tx,
          sql`update journeys.trigger_state set last_scan_at = ${now.toISOString()}::timestamptz, last_scan_date = ${lastDate},
              runs = runs + 1, detail = ${JSON.stringify({ ...detail, lastRun })}::jsonb where journey_id = ${j.id}::uuid`,
        );
      });
    }
    return { entered, journeys: journeys.length };
  }
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Who a date / inactivity trigger enters on local day `d`. */
function dayCandidates(t: Extract<Trigger, { type: 'date' | 'inactivity' }>, d: string, tz: string): Candidates {
  if (t.type === 'inactivity') {
    // The last non-cancelled order was on day d − N: one entry per lapse (the key is that order's day).
    const lastDay = addDays(d, -t.days);
    return sql`select o.customer_id, ${`inactive:${lastDay}`} as entry_key, jsonb_build_object('trigger', 'inactivity', 'lastOrderDay', ${lastDay}::text, 'days', ${t.days}::int) as context
      from orders.orders o
      where o.placed_at >= (${lastDay}::date)::timestamp at time zone ${tz} and o.placed_at < (${lastDay}::date + 1)::timestamp at time zone ${tz}
        and o.status <> 'cancelled' and not o.guest
        and not exists (select 1 from orders.orders o2 where o2.customer_id = o.customer_id and o2.status <> 'cancelled'
                        and o2.placed_at >= (${lastDay}::date + 1)::timestamp at time zone ${tz})
      group by o.customer_id`;
  }
  // The date the person is celebrated: d − offset (offset −3 = three days before).
  const target = addDays(d, -t.offsetDays);
  const md = target.slice(5);
  const year = Number(target.slice(0, 4));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const mds = md === '02-28' && !leap ? ['02-28', '02-29'] : [md];
  const ctx = sql`jsonb_build_object('trigger', ${t.date}::text, 'date', ${target}::text)`;
  if (t.date === 'birthday')
    return sql`select cu.id as customer_id, ${`birthday:${target}`} as entry_key, ${ctx} as context from customers.customers cu
      where cu.status = 'active' and cu.birthday is not null and to_char(cu.birthday, 'MM-DD') = any(${sql.param(mds)}::text[])`;
  return sql`select cu.id as customer_id, ${`anniversary:${target}`} as entry_key, ${ctx} || jsonb_build_object('years', ${year}::int - extract(year from (cu.member_since at time zone ${tz}))::int) as context
    from customers.customers cu
    where cu.status = 'active' and to_char(cu.member_since at time zone ${tz}, 'MM-DD') = any(${sql.param(mds)}::text[])
      and extract(year from (cu.member_since at time zone ${tz}))::int < ${year}::int`;
}

/** The latest run of a schedule at or before `now` (null before the first). */
export function latestOccurrence(startAt: string, every: 'once' | 'day' | 'week' | 'month' | 'quarter', now: Date, tz: string): Date | null {
  const start = new Date(startAt);
  if (now < start) return null;
  if (every === 'once') return start;
  if (every === 'day' || every === 'week') {
    const step = (every === 'day' ? 1 : 7) * 86_400_000;
    return new Date(start.getTime() + Math.floor((now.getTime() - start.getTime()) / step) * step);
  }
  // Months: the same local day and time n months later.
  const months = every === 'month' ? 1 : 3;
  const local = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(start);
  const g = (k: string) => local.find((p) => p.type === k)!.value;
  let last = start;
  for (let k = 1; k < 1200; k++) {
    const m0 = Number(g('month')) - 1 + k * months;
    const y = Number(g('year')) + Math.floor(m0 / 12);
    const m = (m0 % 12) + 1;
    const day = Math.min(Number(g('day')), new Date(Date.UTC(y, m, 0)).getUTCDate());
    const next = parseInstant(`${y}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}T${g('hour')}:${g('minute')}`, tz)!;
    if (next > now) break;
    last = next;
  }
  return last;
}
