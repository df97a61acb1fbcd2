import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProductInput, StoreInput } from '../../catalog/index.js';
import { OrderInput, ReturnInput } from '../../orders/index.js';
import { EventInput } from '../../activity/index.js';
import { dayNumber, weekday } from './calendar.js';
import { DIAPER_SIZES } from './catalog.data.js';
import { planDemo, type DemoChunk, type DemoPlan } from './demo.generator.js';
import { generatePerson } from './person.generator.js';
import type { PersonOutput } from './records.js';
import { DemoWorld, type DemoOptions } from './world.js';

const STRONG = ['phone', 'email', 'member_no', 'wechat_unionid', 'ecom_user_id', 'pos_card'];
const SMALL: DemoOptions = { seed: 'kemai', customers: 300, until: '2025-11-30', strongIdentifiers: STRONG };
const MEDIUM: DemoOptions = { ...SMALL, customers: 2000 };

/** One hash per record stream, so chunk boundaries do not enter it. */
function digest(plan: DemoPlan, chunkSize?: number): string {
  const streams = ['members', 'orders', 'returns', 'events'] as const;
  const hashes = streams.map(() => createHash('sha256'));
  for (const chunk of plan.chunks(chunkSize)) streams.forEach((s, i) => chunk[s].forEach((r) => hashes[i]!.update(JSON.stringify(r))));
  return createHash('sha256')
    .update(JSON.stringify([plan.window, plan.stores, plan.products]))
    .update(hashes.map((h) => h.digest('hex')).join())
    .digest('hex');
}

function totals(chunks: DemoChunk[]) {
  const sum = { ...chunks[0]!.stats };
  for (const c of chunks.slice(1)) for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += c.stats[k];
  return sum;
}

describe('demo generator: determinism', () => {
  it('gives byte-identical output for the same seed and window, whatever the chunk size', () => {
    const a = digest(planDemo(SMALL));
    expect(digest(planDemo(SMALL))).toBe(a);
    expect(digest(planDemo(SMALL), 64)).toBe(a);
    expect(digest(planDemo({ ...SMALL, seed: 'kemai2' }))).not.toBe(a);
    expect(digest(planDemo({ ...SMALL, until: '2025-12-01' }))).not.toBe(a);
  });

  it('produces these exact totals for 300 people', () => {
    const chunks = [...planDemo(SMALL).chunks()];
    expect(totals(chunks)).toEqual({
      people: 300,
      members: 202,
      lookalikes: 1,
      orders: 1153,
      guestOrders: 30,
      lines: 2011,
      returns: 53,
      events: 1922,
      anonymousEvents: 297,
      expectedProfiles: 305,
    });
    const types: Record<string, number> = {};
    for (const c of chunks) for (const e of c.events) types[e.type] = (types[e.type] ?? 0) + 1;
    expect(types).toEqual({ view: 773, add_to_cart: 391, login: 316, review: 155, share: 140, store_visit: 65, favorite: 46, try_on: 30, sign_up: 6 });
  });
});

describe('demo generator: catalog', () => {
  const plan = planDemo(SMALL);

  it('has ten stores in eight cities with real coordinates', () => {
    expect(plan.stores).toHaveLength(10);
    expect(new Set(plan.stores.map((s) => s.city)).size).toBe(8);
    const sh01 = plan.stores.find((s) => s.code === 'SH01')!;
    expect(sh01).toMatchObject({ city: '上海', district: '静安区', openedOn: '2016-04-18' });
    for (const s of plan.stores) {
      expect(StoreInput.safeParse(s).success).toBe(true);
      expect(s.lat! > 20 && s.lat! < 41 && s.lng! > 100 && s.lng! < 122).toBe(true);
    }
  });

  it('has 500 SKUs across five categories, consumables flagged, shelf prices ending in 9', () => {
    expect(plan.products).toHaveLength(500);
    const byTop: Record<string, number> = {};
    for (const p of plan.products) {
      const top = String(p.category).split('/')[0]!;
      byTop[top] = (byTop[top] ?? 0) + 1;
      expect(ProductInput.safeParse(p).success).toBe(true);
      expect(String(p.listPrice)).toMatch(/9\.00$|9\.90$/);
    }
    expect(byTop).toEqual({ 服装: 150, 美妆: 110, 食品: 100, 母婴: 70, 家居: 70 });
    expect(new Set(plan.products.map((p) => p.sku)).size).toBe(500);
    expect(new Set(plan.products.map((p) => p.name)).size).toBe(500);
    const consumable = (prefix: string) => plan.products.filter((p) => String(p.category).startsWith(prefix)).map((p) => p.consumable);
    expect(new Set(consumable('食品'))).toEqual(new Set([true]));
    expect(new Set(consumable('美妆/护肤'))).toEqual(new Set([true]));
    expect(new Set(consumable('母婴/奶粉'))).toEqual(new Set([true]));
    expect(new Set(consumable('母婴/纸尿裤'))).toEqual(new Set([true]));
    expect(new Set(consumable('服装'))).toEqual(new Set([false]));
  });
});

describe('demo generator: people and records', () => {
  let people: PersonOutput[];
  let chunks: DemoChunk[];
  beforeAll(() => {
    const world = new DemoWorld(MEDIUM);
    people = Array.from({ length: MEDIUM.customers }, (_, i) => generatePerson(world, i));
    chunks = [...planDemo(MEDIUM).chunks()];
  });

  it('passes the partner contract and stays inside the window', () => {
    const first = '2023-12-01T16:00:00Z'; // 2023-12-02 00:00 in China
    const end = Date.parse('2025-11-30T16:00:00Z');
    for (const c of chunks) {
      for (const o of c.orders) {
        expect(OrderInput.safeParse(o).error).toBeUndefined();
        expect(Date.parse(o.placedAt) >= Date.parse(first) && Date.parse(o.placedAt) < end).toBe(true);
      }
      for (const r of c.returns) {
        expect(ReturnInput.safeParse(r).error).toBeUndefined();
        expect(Date.parse(r.returnedAt)).toBeLessThan(end);
      }
      for (const e of c.events) {
        expect(EventInput.safeParse(e).error).toBeUndefined();
        expect(Date.parse(e.occurredAt)).toBeLessThan(end);
      }
    }
  });

  it('gives every person their own valid mobile numbers and e-mail addresses', () => {
    const phoneOwner = new Map<string, number>();
    const emailOwner = new Map<string, number>();
    people.forEach((p, i) => {
      const refs = [...p.members.map((m) => m.customer), ...p.orders.flatMap((o) => (o.customer ? [o.customer] : [])), ...p.events.map((e) => e.customer)];
      for (const ref of refs) {
        if (ref.phone) {
          const digits = ref.phone.replace(/\D/g, '').replace(/^86(?=\d{11}$)/, '');
          expect(digits).toMatch(/^1[3-9]\d{9}$/);
          expect(phoneOwner.get(digits) ?? i).toBe(i);
          phoneOwner.set(digits, i);
        }
        if (ref.email) {
          const email = ref.email.toLowerCase();
          expect(email).toMatch(/^[a-z0-9]+@[a-z0-9.]+\.com$/);
          expect(emailOwner.get(email) ?? i).toBe(i);
          emailOwner.set(email, i);
        }
      }
    });
    expect(phoneOwner.size).toBe(1879);
    expect(emailOwner.size).toBe(562);
    const member = people.find((p) => p.members.length)!.members[0]!;
    expect(member.customer.name).toMatch(/^[\u4e00-\u9fa5]{2,3}$/);
    expect(member.customer.birthday).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('shows the same people under different identifiers in different channels', () => {
    let multiChannel = 0;
    let resolvedToOne = 0;
    let disjointAcrossChannels = 0;
    for (const p of people) {
      const kinds = new Map<string, Set<string>>();
      for (const o of p.orders) {
        if (!o.customer) continue;
        const set = kinds.get(o.channel) ?? new Set<string>();
        for (const k of Object.keys(o.customer)) if (k !== 'name') set.add(k);
        kinds.set(o.channel, set);
      }
      if (kinds.size < 2) continue;
      multiChannel++;
      if (p.stats.expectedProfiles - p.stats.lookalikes === 1) resolvedToOne++;
      const [a, b] = [kinds.get('pos'), kinds.get('online')];
      if (a && b && ![...a].some((k) => b.has(k) && k !== 'phone')) disjointAcrossChannels++;
    }
    expect({ multiChannel, resolvedToOne, disjointAcrossChannels }).toEqual({ multiChannel: 497, resolvedToOne: 430, disjointAcrossChannels: 182 });
    expect(people.reduce((s, p) => s + p.stats.expectedProfiles, 0)).toBe(1997);
  });

  it('adds look-alikes: same name, birthday and city under another phone', () => {
    const members = people.flatMap((p) => p.members);
    const key = (m: (typeof members)[number]) => `${m.customer.name}|${m.customer.birthday}|${m.customer.city}`;
    const byKey = new Map<string, Set<string>>();
    for (const m of members) byKey.set(key(m), (byKey.get(key(m)) ?? new Set()).add(m.customer.memberNo!));
    const lookalikes = [...byKey.values()].filter((s) => s.size > 1).length;
    expect(people.reduce((s, p) => s + p.stats.lookalikes, 0)).toBe(9);
    expect(lookalikes).toBe(9);
  });

  it('keeps festivals, the Spring Festival dip and store weekends visible', () => {
    const perDay = new Map<string, number>();
    let posWeekend = 0;
    let posWeekday = 0;
    for (const c of chunks)
      for (const o of c.orders) {
        const d = o.placedAt.slice(0, 10);
        perDay.set(d, (perDay.get(d) ?? 0) + 1);
        if (o.channel !== 'pos') continue;
        if ([0, 6].includes(weekday(dayNumber(d)))) posWeekend++;
        else posWeekday++;
      }
    const mean = 6956 / 730;
    expect([...perDay.values()].reduce((a, b) => a + b, 0)).toBe(6956);
    expect(perDay.get('2025-11-11')).toBe(72);
    expect(perDay.get('2025-06-18')).toBe(56);
    expect(perDay.get('2025-01-29')).toBe(5);
    expect(perDay.get('2025-11-11')! / mean).toBeGreaterThan(5);
    const daily = (from: string, days: number) => {
      let n = 0;
      for (let d = dayNumber(from); d < dayNumber(from) + days; d++) n += perDay.get(new Date(d * 86_400_000).toISOString().slice(0, 10)) ?? 0;
      return n / days;
    };
    // Spring Festival week (除夕 to 初六) against March of the same year.
    expect(daily('2025-01-28', 7) / daily('2025-03-01', 31)).toBeLessThan(0.6);
    // Per day: the window (2023-12-02 … 2025-11-30) has 210 weekend days and 520 weekdays.
    expect({ posWeekend, posWeekday }).toEqual({ posWeekend: 515, posWeekday: 907 });
    expect(posWeekend / 210 / (posWeekday / 520)).toBeGreaterThan(1.4);
  });

  it('returns a few per cent, one line each, never more than was bought', () => {
    const orders = new Map(chunks.flatMap((c) => c.orders).map((o) => [o.externalId, o]));
    const returns = chunks.flatMap((c) => c.returns);
    expect(returns.length).toBe(330);
    let partial = 0;
    for (const r of returns) {
      const order = orders.get(r.order.externalId)!;
      const line = order.lines[r.lines[0]!.lineNo! - 1]!;
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]!.quantity).toBeLessThanOrEqual(line.quantity);
      expect(Date.parse(r.returnedAt)).toBeGreaterThan(Date.parse(order.placedAt));
      if (r.lines[0]!.quantity < line.quantity || order.lines.length > 1) partial++;
    }
    expect(partial).toBe(235);
  });

  it('buys formula and diapers on a rhythm that follows the baby: sizes go up, purchases slow down', () => {
    const sizeOf = new Map<string, number>();
    const plan = planDemo(MEDIUM);
    for (const p of plan.products) {
      const size = (p.attributes as { size?: string }).size;
      if (size) sizeOf.set(p.sku, DIAPER_SIZES.indexOf(size as (typeof DIAPER_SIZES)[number]));
    }
    const early: number[] = [];
    const late: number[] = [];
    let parents = 0;
    for (const p of people) {
      const diaperOrders = p.orders
        .map((o) => ({ day: dayNumber(o.placedAt.slice(0, 10)), size: Math.max(-1, ...o.lines.map((l) => sizeOf.get(l.sku) ?? -1)) }))
        .filter((o) => o.size >= 0);
      if (diaperOrders.length < 4) continue;
      parents++;
      for (let i = 1; i < diaperOrders.length; i++) {
        const [a, b] = [diaperOrders[i - 1]!, diaperOrders[i]!];
        expect(b.size).toBeGreaterThanOrEqual(a.size);
        (a.size <= 1 ? early : a.size >= 4 ? late : []).push(b.day - a.day);
      }
    }
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(parents).toBe(99);
    expect(avg(late)).toBeGreaterThan(avg(early) * 1.5);
  });
});
